//! The two-person rule for steps a config marks `approval = "commander"`: the operator
//! confirms the step as always, which journals a request ("awaiting approval") and keeps the
//! claim; another commander, on their terminal, sees the request with its guards judged live
//! and approves it by typing the region (or `warroom approve` headless). The requester's
//! terminal then runs the step, judging its guards again at that moment. A commander alone
//! may approve their own request only with a typed break-glass reason.

use super::line_input::LineInput;
use super::{App, Compose, Modal, Override, Purpose};
use crate::actions::Action;
use crate::runbook::StepRef;
use crate::scribe::Kind;
use crate::scribe::approvals::{self, Approver};
use crate::scribe::roles::TeamRole;

impl App {
    /// Whether `at` needs a commander's approval before it runs.
    pub fn needs_approval(&self, at: StepRef) -> bool {
        self.step(at).is_some_and(|s| s.approval)
    }

    /// This terminal's request for `at` has been approved.
    pub(super) fn approved_for_me(&self, at: StepRef) -> bool {
        self.runs.approval(at).is_some_and(|a| a.requester == self.scribe.author && a.approved_by.is_some())
    }

    /// A commander (or a terminal alone, the implicit commander) approves.
    fn may_approve(&self) -> bool {
        matches!(self.scribe.role, None | Some(TeamRole::Commander))
    }

    /// Another live commander is on the incident, who could approve this terminal's request.
    fn another_commander(&self) -> bool {
        self.scribe.present().iter().any(|p| !p.is_me() && p.role == Some(TeamRole::Commander))
    }

    /// The confirmed step goes to a commander first: journal the request, keep the claim and
    /// the confirmed action, and wait. A commander alone is offered break-glass.
    pub(super) fn request_approval(&mut self, at: StepRef, action: Action, overridden: Option<Override>) {
        let id = self.step(at).map(|s| s.id.clone()).unwrap_or_default();
        let book = self.runs.runbooks.get(at.runbook).map(|b| b.id.clone()).unwrap_or_default();
        let draft = approvals::request(&book, &id, action.region(), &self.scribe.author, self.now);
        if let Err(e) = self.scribe.record(draft) {
            self.release_unless_running(at);
            return self.say(format!("not requested: the journal cannot save ({e})"));
        }
        self.apply_own_last();
        self.awaiting.insert(at, (action, overridden));
        if self.may_approve() && !self.another_commander() {
            self.view.compose = Some(Compose {
                kind: Kind::Decision,
                line: LineInput::default(),
                error: None,
                purpose: Purpose::BreakGlass(at),
            });
            return self.say(format!(
                "{id} awaits a second commander and none is here: type a break-glass reason to approve it yourself, or Esc to wait"
            ));
        }
        self.say(format!(
            "{id} is awaiting approval: a commander presses Enter on it, or runs `warroom approve {id} --journal …`"
        ));
    }

    /// Enter on a step another terminal asked approval for: a commander reviews it.
    /// Returns whether the key was taken here.
    pub(super) fn review_request(&mut self, at: StepRef) -> bool {
        let Some(request) = self.runs.approval(at).cloned() else { return false };
        if request.requester == self.scribe.author || request.approved_by.is_some() {
            return false;
        }
        let id = self.step(at).map(|s| s.id.clone()).unwrap_or_default();
        if !self.may_approve() {
            let since = request.requested_at.format("%H:%M");
            self.say(format!(
                "{id} is awaiting a commander's approval (requested by {} at {since})",
                request.requester
            ));
            return true;
        }
        self.view.modal = Some(Modal::Approve { step: at, input: LineInput::default(), error: None });
        true
    }

    /// Enter in the approval dialog: the region typed exactly, and the request still open.
    pub(super) fn approve(&mut self, at: StepRef, input: LineInput) {
        let typed = input.text().trim().to_owned();
        if let Err(e) = self.record_approval(at, &typed, None) {
            self.view.modal = Some(Modal::Approve { step: at, input, error: Some(e) });
        }
    }

    /// A commander alone approves their own request, with a typed reason.
    pub(super) fn break_glass(&mut self, at: StepRef, reason: String) -> Result<(), String> {
        let region = self.runs.approval(at).map(|a| a.region.clone()).unwrap_or_default();
        self.record_approval(at, &region, Some(&reason))?;
        self.run_approved();
        Ok(())
    }

    /// Approve the open request on `at` by the rules of `scribe::approvals`, and journal it.
    fn record_approval(&mut self, at: StepRef, typed: &str, break_glass: Option<&str>) -> Result<(), String> {
        let book = self.runs.runbooks.get(at.runbook).map(|b| b.id.clone()).unwrap_or_default();
        let step = self.step(at).map(|s| s.id.clone()).unwrap_or_default();
        let other_commander = self
            .scribe
            .present()
            .into_iter()
            .find(|p| !p.is_me() && p.role == Some(TeamRole::Commander))
            .map(|p| p.label());
        let author = self.scribe.author.clone();
        let who = Approver { author: &author, other_commander, break_glass };
        let entries = self.scribe.timeline.entries();
        let draft = approvals::approve(entries, &format!("{book}/{step}"), typed, &who, self.now)?;
        // Recorded as this terminal: its own role goes on the entry (a solo commander has none).
        self.scribe.record(draft)?;
        self.apply_own_last();
        Ok(())
    }

    /// Requests of this terminal that are now approved run, judged again now; a request the
    /// journal no longer holds (the step ran or was asked again elsewhere) is let go.
    pub(super) fn run_approved(&mut self) {
        let waiting: Vec<StepRef> = self.awaiting.keys().copied().collect();
        for at in waiting {
            let still_mine = self.runs.approval(at).is_some_and(|a| a.requester == self.scribe.author);
            if !still_mine {
                self.awaiting.remove(&at);
                self.release_unless_running(at);
                continue;
            }
            if !self.approved_for_me(at) {
                continue;
            }
            let Some((action, overridden)) = self.awaiting.remove(&at) else { continue };
            let by = self.runs.approval(at).and_then(|a| a.approved_by.clone()).unwrap_or_default();
            let refused = if self.action_under(at, overridden.as_ref()).as_ref() != Some(&action) {
                Some("the action changed since it was confirmed".to_owned())
            } else {
                self.refusal(at, overridden.as_ref())
            };
            match refused {
                Some(why) => {
                    self.release_unless_running(at);
                    self.say(format!("approved by {by}, but NOT run: {why}. Enter runs it once guards pass"));
                }
                None => {
                    self.say(format!("approved by {by}: running"));
                    self.dispatch(at, action, overridden);
                }
            }
        }
    }

    /// Fold this terminal's newest entry (just saved) into the run state.
    fn apply_own_last(&mut self) {
        if let Some(e) = self.scribe.timeline.entries().iter().rev().find(|e| e.author == self.scribe.author) {
            crate::scribe::runs::apply(&mut self.runs, e);
        }
    }

    /// Whether this terminal waits for approval of `at` (its claim is kept meanwhile).
    pub fn awaits(&self, at: StepRef) -> bool {
        self.awaiting.contains_key(&at)
    }
}
