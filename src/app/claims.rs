//! Claiming steps on a shared journal: a terminal claims a step when the operator presses
//! Enter on it, holds the claim through the dialog and while the step runs (renewing the
//! lease every tick), and lets go when the step ends or the dialog is cancelled. A step
//! another terminal holds is refused with who and since when; one whose holder died shows
//! "claim expired" and can be taken over with a typed reason, which is journaled.

use chrono::{Duration, Utc};

use super::line_input::LineInput;
use super::{App, Compose, Override, Purpose};
use crate::runbook::{StepRef, StepStatus};
use crate::scribe::claims::{Claimed, Holder};
use crate::scribe::data::{self, StepData};
use crate::scribe::{Draft, Kind};

/// How long a claim lasts unless renewed: several ticks, so one slow tick does not lose it.
pub const CLAIM_LEASE: Duration = Duration::seconds(30);

/// How long a won claim waits for a shared store to say what others did meanwhile.
const CATCH_UP_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

impl App {
    fn claim_key(&self, at: StepRef) -> Option<String> {
        let book = self.runs.runbooks.get(at.runbook)?;
        Some(format!("{}/{}", book.id, book.steps.get(at.step)?.id))
    }

    /// This terminal as claims name it.
    pub fn holder(&self) -> Holder {
        Holder::me(&self.scribe.author)
    }

    /// Claim `at` before acting on it. True when this terminal may go on; otherwise it has
    /// said why (held, expired: a takeover prompt is open, or the claim cannot be proven: a
    /// break-glass prompt is open).
    pub(super) fn claim(&mut self, at: StepRef, overridden: Option<&Override>) -> bool {
        if self.unclaimed.take() == Some(at) {
            return true;
        }
        if self.claiming.contains_key(&at) {
            return false;
        }
        let (Some(key), me) = (self.claim_key(at), self.holder()) else { return true };
        let lease = self.claim_lease;
        let Some(store) = self.claims.as_mut() else { return true };
        match store.claim_soon(&key, &me, Utc::now(), lease) {
            Some(answer) => self.claimed(at, &key, overridden, answer),
            // Across the network: the answer comes as a message (`collect_claims`).
            None => {
                self.claiming.insert(at, overridden.cloned());
                false
            }
        }
    }

    /// A claim is being asked and not answered yet.
    pub fn claim_pending(&self, at: StepRef) -> bool {
        self.claiming.contains_key(&at)
    }

    /// Any claim being asked.
    pub fn claims_pending(&self) -> bool {
        !self.claiming.is_empty()
    }

    /// Answers to claims asked across the network: a won claim goes on with its step as
    /// Enter would have; any other answer says why, as a claim at Enter does.
    pub(super) fn collect_claims(&mut self) -> bool {
        let Some(store) = self.claims.as_mut() else { return false };
        let answers = store.answered();
        let any = !answers.is_empty();
        for (key, answer) in answers {
            if key == super::facts::FACT_WRITER {
                self.fact_answer(answer);
                continue;
            }
            let Some(at) =
                self.claiming.keys().copied().find(|at| self.claim_key(*at).as_deref() == Some(key.as_str()))
            else {
                continue;
            };
            let overridden = self.claiming.remove(&at).flatten();
            if self.claimed(at, &key, overridden.as_ref(), answer) {
                // Won: the claim is held, so proceeding does not ask again.
                self.unclaimed = Some(at);
                self.proceed(at, overridden);
            }
        }
        any
    }

    /// What a claim's answer means for the step: go on (true), or why not.
    fn claimed(
        &mut self,
        at: StepRef,
        key: &str,
        overridden: Option<&Override>,
        answer: Result<Claimed, crate::scribe::claims::ClaimError>,
    ) -> bool {
        match answer {
            Ok(Claimed::Won(_)) => {
                self.held.insert(at);
                // Judged at this moment: what others wrote before the claim was won (the step
                // finished and its claim was let go) must be seen before acting on it.
                let before = self.runs.status(at).clone();
                // Not follow_journal: that collects claim answers, and this is one of them.
                // Read now, not at the next follow: another machine may have just finished it.
                if let Err(e) = self.scribe.catch_up(CATCH_UP_WAIT) {
                    self.release_claim(at);
                    self.say(format!("{key}: nothing was started: {e}"));
                    return false;
                }
                self.fold_arrived();
                let after = self.runs.status(at).clone();
                if before != after {
                    self.release_claim(at);
                    let by = self.runs.by(at).unwrap_or("another terminal").to_owned();
                    self.say(format!("{key} is {} now (by {by}): nothing was started; look again", after.label()));
                    return false;
                }
                true
            }
            Ok(Claimed::Held(c)) => {
                let since = c.since.format("%H:%M");
                self.say(format!("{key}: running by {} since {since}", c.holder));
                false
            }
            Ok(Claimed::Expired(c)) => {
                self.view.compose = Some(Compose {
                    kind: Kind::Decision,
                    line: LineInput::default(),
                    error: None,
                    purpose: Purpose::TakeOver(at, c.holder.author.clone()),
                });
                self.say(format!("claim expired ({}): type why you take {key} over, Enter", c.holder.author));
                false
            }
            // Unknown is not safe: a claim that cannot be proven is not acted on, unless a
            // person types why it cannot wait (break-glass, journaled).
            Err(e) => {
                self.view.compose = Some(Compose {
                    kind: Kind::Decision,
                    line: LineInput::default(),
                    error: None,
                    purpose: Purpose::Unclaimed(at, overridden.cloned()),
                });
                self.say(format!(
                    "{key}: not started, the claim cannot be proven ({e}). Type a break-glass reason to act without one, or Esc"
                ));
                false
            }
        }
    }

    /// The typed reason for taking over an expired claim: take it, journal it, go on.
    pub(super) fn take_over(&mut self, at: StepRef, from: &str, reason: String) -> Result<(), String> {
        let (Some(key), me) = (self.claim_key(at), self.holder()) else { return Ok(()) };
        let lease = self.claim_lease;
        let Some(store) = self.claims.as_mut() else { return Ok(()) };
        match store.take_over(&key, &me, Utc::now(), lease).map_err(|e| e.to_string())? {
            Claimed::Won(_) => {}
            Claimed::Held(c) | Claimed::Expired(c) => {
                return Err(format!("{key} was claimed by {} meanwhile", c.holder));
            }
        }
        self.held.insert(at);
        let step = self.step(at).map(|s| s.id.clone()).unwrap_or_default();
        let mut data = StepData::default();
        data.detail.insert("takeover_from".into(), from.into());
        // A decision about the claim, not the step: no runbook tag, so no status changes.
        let draft = Draft::new(
            self.now,
            self.scribe.author.clone(),
            Kind::Decision,
            format!("took over {step} from {from}: {reason}"),
        )
        .step(step)
        .data(data::to_value(&data));
        self.scribe.record(draft)?;
        self.say(format!("{key} is yours now: Enter runs it"));
        Ok(())
    }

    /// Break-glass past an unprovable claim: journal why, then go on with the step once.
    pub(super) fn act_unclaimed(
        &mut self,
        at: StepRef,
        overridden: Option<Override>,
        reason: String,
    ) -> Result<(), String> {
        if reason.chars().count() < 3 {
            return Err("break-glass needs a reason: why this cannot wait for the claims store".into());
        }
        let step = self.step(at).map(|s| s.id.clone()).unwrap_or_default();
        let mut data = StepData::default();
        data.detail.insert("break_glass".into(), reason.clone().into());
        data.detail.insert("unclaimed".into(), true.into());
        // A decision about the claim, not the step: no runbook tag, so no status changes.
        let draft = Draft::new(
            self.now,
            self.scribe.author.clone(),
            Kind::Decision,
            format!("break-glass: acting on {step} without a claim (claims cannot be proven): {reason}"),
        )
        .step(step)
        .data(data::to_value(&data));
        self.scribe.record(draft)?;
        self.unclaimed = Some(at);
        // This prompt is done; the step's own dialog (or checklist note) opens next.
        self.view.compose = None;
        self.proceed_after_break_glass(at, overridden);
        Ok(())
    }

    /// Renew the claims this terminal holds (every tick); say so if one was taken over.
    pub(super) fn renew_claims(&mut self) {
        let me = self.holder();
        let lease = self.claim_lease;
        // A claim is kept while its dialog or prompt is open and while its step runs.
        let open = self.view.modal.as_ref().map(super::Modal::step).or(match &self.view.compose {
            Some(Compose { purpose: Purpose::Tick(at, _), .. }) => Some(*at),
            _ => None,
        });
        let idle: Vec<StepRef> = self
            .held
            .iter()
            .copied()
            .filter(|at| {
                Some(*at) != open && !self.awaits(*at) && !matches!(self.runs.status(*at), StepStatus::Running { .. })
            })
            .collect();
        for at in idle {
            self.release_claim(at);
        }
        self.look_at_claims();
        let held: Vec<StepRef> = self.held.iter().copied().collect();
        for at in held {
            let Some(key) = self.claim_key(at) else { continue };
            let Some(store) = self.claims.as_mut() else { return };
            if let Ok(false) = store.renew_soon(&key, &me, Utc::now(), lease) {
                self.held.remove(&at);
                self.say(format!("{key}: this terminal no longer holds the claim (it was taken over)"));
            }
        }
    }

    /// Other terminals' claims, read every tick for the runbook pane ("claimed by ana",
    /// "claim expired (ana)"); an unreadable file shows none and acting says why.
    pub(super) fn look_at_claims(&mut self) {
        let me = self.holder();
        let Some(store) = self.claims.as_mut() else { return };
        let all = store.glance().unwrap_or_default();
        self.claims_seen = all.into_iter().filter(|(_, c)| c.holder != me).collect();
    }

    /// Another terminal's claim on `at`, if one.
    pub fn claim_elsewhere(&self, at: StepRef) -> Option<&crate::scribe::claims::Claim> {
        self.claims_seen.get(&self.claim_key(at)?)
    }

    /// Whether this terminal holds the claim on `at`.
    pub(super) fn holds(&self, at: StepRef) -> bool {
        self.held.contains(&at)
    }

    /// Let go of the claim on `at`, if this terminal holds it.
    pub(super) fn release_claim(&mut self, at: StepRef) {
        if !self.held.remove(&at) {
            return;
        }
        let (Some(key), me) = (self.claim_key(at), self.holder()) else { return };
        if let Some(store) = self.claims.as_mut() {
            let _ = store.release(&key, &me);
        }
    }

    /// Let go of every claim whose step is not running.
    pub(super) fn release_idle_claims(&mut self) {
        let held: Vec<StepRef> = self.held.iter().copied().collect();
        for at in held {
            self.release_unless_running(at);
        }
    }

    /// A step that left the dialog without running, or stopped running, frees its claim.
    pub(super) fn release_unless_running(&mut self, at: StepRef) {
        if !self.awaits(at) && !matches!(self.runs.status(at), StepStatus::Running { .. }) {
            self.release_claim(at);
        }
    }
}
