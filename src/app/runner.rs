//! Running runbook steps from the keyboard: guards, the confirm and override modals, skip,
//! checklist notes, executor outcomes, watch steps and timeouts. Every start, success,
//! failure, skip and override is journaled, and a mutating step is journaled *before* it is
//! sent: an action that cannot be journaled is not executed.

use serde_json::json;

use super::line_input::LineInput;
use super::{App, Compose, Modal, Purpose};
use crate::actions::{Action, Job};
use crate::assess::guard::{GuardResult, GuardView};
use crate::model::{Lag, Role};
use crate::runbook::{Direction, Guard, Promotion, Step, StepKind, StepRef, StepStatus, Verdict};
use crate::scribe::data::{self, GuardNote, OverrideData, StepData};
use crate::scribe::{Draft, Kind};
use crate::text::duration::format_duration;
use crate::text::format;

/// An override: the operator's reason, and the guards that failed when it was typed. It
/// covers those guards only; one that fails later refuses the step all the same.
#[derive(Clone, Debug, PartialEq)]
pub struct Override {
    pub reason: String,
    pub guards: Vec<GuardResult>,
}

impl Override {
    /// As journaled in the action's own entry (`data.override`).
    pub fn data(&self) -> OverrideData {
        OverrideData {
            reason: self.reason.clone(),
            guards: self
                .guards
                .iter()
                .map(|g| GuardNote { guard: g.guard.to_string(), reason: g.reason.clone() })
                .collect(),
        }
    }

    fn covers(&self, guard: &Guard) -> bool {
        self.guards.iter().any(|g| &g.guard == guard)
    }
}

/// Names of the resources actions touch, from `[write-freeze]` and `[routing]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Resources {
    pub freeze_table: String,
    pub freeze_key: String,
    pub record_name: String,
    /// The ARC safety rules an override of a refusal names (`routing.safety-rules`).
    pub safety_rules: Vec<String>,
    /// Traffic moves through ARC routing controls (`routing.method = "arc"`).
    pub routing_controls: bool,
    /// Each region's capacity target (`[regions.capacity]`), in config order.
    pub capacity: Vec<Option<crate::config::CapacityConfig>>,
    /// Each region's traffic source (`alb`, `nlb`, …), for the row labels.
    pub traffic: Vec<Option<&'static str>>,
    /// Some region reads alarms / secrets: every column gets the row, so rows stay aligned.
    pub alarms_rows: bool,
    pub secrets_rows: bool,
    /// Which regions read alarms / secrets.
    pub alarms_in: Vec<bool>,
    pub secrets_in: Vec<bool>,
    /// Each region's describable rows and where each comes from (the describe view).
    pub provenance: Vec<Vec<(crate::model::SignalKey, crate::config::provenance::Provenance)>>,
}

impl Resources {
    pub fn from_config(config: &crate::config::Config) -> Self {
        Self {
            freeze_table: config.write_freeze.table.clone(),
            freeze_key: config.write_freeze.key.clone(),
            record_name: config.routing.record_name.clone(),
            safety_rules: config.routing.safety_rules.clone(),
            routing_controls: config.routing.method == crate::config::RoutingMethod::Arc,
            capacity: config.regions.iter().map(|r| r.aws.capacity.clone()).collect(),
            traffic: config.regions.iter().map(|r| r.aws.traffic.as_ref().map(|t| t.source_name())).collect(),
            alarms_rows: config.regions.iter().any(|r| !r.aws.alarms.is_empty()),
            secrets_rows: config.regions.iter().any(|r| !r.aws.secrets.is_empty()),
            alarms_in: config.regions.iter().map(|r| !r.aws.alarms.is_empty()).collect(),
            secrets_in: config.regions.iter().map(|r| !r.aws.secrets.is_empty()).collect(),
            provenance: (0..config.regions.len()).map(|i| crate::config::provenance::of_region(config, i)).collect(),
        }
    }
}

/// The message a read-only session gives for every run, override and skip key.
pub const READ_ONLY: &str = "READ-ONLY session: steps cannot be run here (start without --read-only to act)";

impl App {
    /// Source and target regions of a runbook: failover moves from the primary to the first
    /// secondary, failback the other way.
    pub fn regions_for(&self, direction: Direction) -> (usize, usize) {
        let regions = &self.snapshot.regions;
        let primary = regions.iter().position(|r| r.role == Role::Primary).unwrap_or(0);
        let secondary =
            regions.iter().position(|r| r.role == Role::Secondary).unwrap_or(1.min(regions.len().saturating_sub(1)));
        match direction {
            Direction::Failover => (primary, secondary),
            Direction::Failback => (secondary, primary),
        }
    }

    pub fn step(&self, at: StepRef) -> Option<&Step> {
        self.runs.runbooks.get(at.runbook)?.steps.get(at.step)
    }

    pub fn selected_step(&self) -> StepRef {
        StepRef { runbook: self.view.selected_runbook, step: self.view.selected_step }
    }

    pub fn guard_view(&self, runbook: usize) -> GuardView<'_> {
        let direction = self.runs.runbooks.get(runbook).map_or(Direction::Failover, |b| b.direction);
        let (source, target) = self.regions_for(direction);
        GuardView { snapshot: &self.snapshot, limits: self.limits(), source, target, cooldown: self.incident.cooldown }
    }

    pub fn guards(&self, at: StepRef) -> Vec<GuardResult> {
        match self.step(at) {
            Some(step) => crate::assess::guard::evaluate(step, at.runbook, &self.runs, &self.guard_view(at.runbook)),
            None => Vec::new(),
        }
    }

    /// The action a mutating step would take now, with its resources named.
    pub fn action_for(&self, at: StepRef) -> Option<Action> {
        let step = self.step(at)?;
        let direction = self.runs.runbooks.get(at.runbook)?.direction;
        let (source, target) = self.regions_for(direction);
        let name = |i: usize| self.snapshot.regions.get(i).map(|r| r.name.clone()).unwrap_or_default();
        Some(match step.kind {
            StepKind::FreezeWrites => Action::FreezeWrites {
                region: name(source),
                table: self.resources.freeze_table.clone(),
                key: self.resources.freeze_key.clone(),
            },
            StepKind::UnfreezeWrites => Action::UnfreezeWrites {
                region: name(target),
                table: self.resources.freeze_table.clone(),
                key: self.resources.freeze_key.clone(),
            },
            StepKind::PromoteDatabase => {
                let instance =
                    self.snapshot.regions.get(target).and_then(|r| r.database.value.as_ref()).map_or_else(
                        || format!("the database replica in {}", name(target)),
                        |db| db.identifier.clone(),
                    );
                let mode = step.promotion.unwrap_or(Promotion::default_for(direction));
                Action::PromoteDatabase { region: name(target), instance, mode }
            }
            StepKind::ShiftTraffic => Action::ShiftTraffic {
                from: name(source),
                to: name(target),
                record_name: self.resources.record_name.clone(),
                routing_controls: self.resources.routing_controls,
                override_safety_rules: Vec::new(),
            },
            StepKind::ScaleCapacity => {
                let capacity = self.resources.capacity.get(target)?.as_ref()?;
                Action::ScaleCapacity { region: name(target), resource: capacity.describe(), target: capacity.needed }
            }
            _ => return None,
        })
    }

    /// The action under `overridden`: a shift overrides the ARC safety rules only when the
    /// override was typed for a safety rule's refusal, never for other guards.
    pub fn action_under(&self, at: StepRef, overridden: Option<&Override>) -> Option<Action> {
        let mut action = self.action_for(at)?;
        if let Action::ShiftTraffic { override_safety_rules, .. } = &mut action
            && overridden.is_some_and(|o| o.covers(&Guard::SafetyRule))
        {
            override_safety_rules.clone_from(&self.resources.safety_rules);
        }
        Some(action)
    }

    pub(super) fn say(&mut self, message: impl Into<String>) {
        self.view.message = Some(message.into());
    }

    /// A journal draft about a step, tagged so the run state can be rebuilt from the journal.
    pub(super) fn step_draft(&self, kind: Kind, at: StepRef, text: String, data: StepData) -> Draft {
        let step = self.step(at);
        let mut data = StepData { runbook: self.runs.runbooks.get(at.runbook).map(|b| b.id.clone()), ..data };
        // Every action entry says who acted on AWS, to line up with CloudTrail.
        if let Some(arn) = &self.identity
            && matches!(kind, Kind::ActionStarted | Kind::ActionSucceeded | Kind::ActionFailed)
        {
            data.detail.insert("identity".into(), arn.clone().into());
        }
        let mut draft = Draft::new(self.now, self.scribe.author.clone(), kind, text).data(data::to_value(&data));
        if let Some(step) = step {
            draft = draft.step(step.id.clone());
        }
        draft
    }

    /// Journal and then change the step's status; on a journal failure nothing changes.
    pub(super) fn record_step(&mut self, at: StepRef, draft: Draft, status: StepStatus) -> Result<(), String> {
        self.scribe.record(draft)?;
        self.set_status(at, status);
        Ok(())
    }

    /// Journal a step being acted on (started, declared, ticked, sent), with the guard verdicts
    /// judged now and the override it goes on under, both in its own entry; the run state keeps
    /// the verdicts, so the step shows what it ran with, not what its guards say later.
    fn record_acting(
        &mut self,
        at: StepRef,
        mut draft: Draft,
        overridden: Option<&Override>,
        status: StepStatus,
    ) -> Result<(), String> {
        let verdicts: Vec<Verdict> = self.guards(at).iter().map(Verdict::from).collect();
        let mut data = draft.step_data().unwrap_or_default();
        data.override_ = overridden.map(Override::data);
        data.guards = Some(verdicts.clone());
        draft.data = Some(data::to_value(&data));
        self.record_step(at, draft, status)?;
        self.runs.set_verdicts(at, verdicts);
        Ok(())
    }

    /// The status, who set it, and (once done) the selection moving on to the next ready step.
    pub(super) fn set_status(&mut self, at: StepRef, status: StepStatus) {
        let done = matches!(status, StepStatus::Done { .. });
        let running = matches!(status, StepStatus::Running { .. });
        self.runs.set(at, status);
        if !running {
            self.release_claim(at);
        }
        let author = self.scribe.author.clone();
        self.runs.set_by(at, &author);
        if done
            && self.selected_step() == at
            && let Some(next) = self.next_ready(at)
        {
            self.auto_select(next);
        }
    }

    /// Pending, with every guard passing now: what the pane calls "ready".
    pub fn is_ready(&self, at: StepRef) -> bool {
        matches!(self.runs.status(at), StepStatus::Pending) && self.guards(at).iter().all(|g| g.ok)
    }

    /// The next step after `from` in its runbook that is ready; failing that, the next pending one.
    fn next_ready(&self, from: StepRef) -> Option<StepRef> {
        let steps = self.runs.runbooks.get(from.runbook)?.steps.len();
        let later: Vec<StepRef> = (from.step + 1..steps).map(|step| StepRef { runbook: from.runbook, step }).collect();
        later
            .iter()
            .copied()
            .find(|at| self.is_ready(*at))
            .or_else(|| later.iter().copied().find(|at| matches!(self.runs.status(*at), StepStatus::Pending)))
    }

    /// `g`: select the first ready step of the shown runbook, from anywhere.
    pub(super) fn jump_to_ready(&mut self) {
        let runbook = self.view.selected_runbook;
        let steps = self.runs.runbooks.get(runbook).map_or(0, |b| b.steps.len());
        match (0..steps).map(|step| StepRef { runbook, step }).find(|at| self.is_ready(*at)) {
            Some(at) => self.select(at),
            None => self.say("no step of this runbook is ready now"),
        }
    }

    /// "done at 08:31 by ana": what a done step says instead of running again.
    fn done_words(&self, at: StepRef) -> String {
        let when = match self.runs.status(at) {
            StepStatus::Done { at, .. } => at.format("%H:%M").to_string(),
            _ => String::new(),
        };
        let by = self.runs.by(at).map(|b| format!(" by {}", crate::text::sanitize::inert(b))).unwrap_or_default();
        format!("done at {when}{by}")
    }

    /// Why the step may not go on now, judged this moment: a guard that fails and that the
    /// override (if any) did not name.
    pub(super) fn refusal(&self, at: StepRef, overridden: Option<&Override>) -> Option<String> {
        let changed: Vec<String> = self
            .guards(at)
            .into_iter()
            .filter(|g| !g.ok && !overridden.is_some_and(|o| o.covers(&g.guard)))
            .map(|g| format!("{}: {}", g.guard, g.reason))
            .collect();
        if changed.is_empty() {
            return None;
        }
        let what = changed.join("; ");
        Some(match overridden {
            Some(_) => format!("REFUSED: a guard the override does not cover fails now — {what}"),
            None => format!("REFUSED: a guard fails now — {what}. Esc, then o to override with a reason"),
        })
    }

    /// A withdrawn override: its dialog was cancelled, so it never counted.
    fn withdraw(&mut self, at: StepRef, overridden: &Override) {
        let id = self.step(at).map(|s| s.id.clone()).unwrap_or_default();
        let text = format!("withdrawn override of {id}: {}", overridden.reason);
        let data = StepData { override_: Some(overridden.data()), withdrawn: true, ..StepData::default() };
        let draft = self.step_draft(Kind::GuardOverride, at, text, data);
        let _ = self.scribe.record(draft);
    }

    /// Esc in a dialog: nothing runs; an override that was typed is journaled as withdrawn.
    pub(super) fn cancel_modal(&mut self) {
        let Some(modal) = self.view.modal.take() else { return };
        let step = modal.step();
        if let Modal::Confirm { overridden: Some(o), .. } | Modal::Declare { overridden: Some(o), .. } = &modal {
            self.withdraw(step, o);
        }
        self.release_unless_running(step);
    }

    /// Esc in the input line: the text is discarded; a checklist override is withdrawn.
    pub(super) fn cancel_input(&mut self) {
        match self.view.compose.take() {
            Some(Compose { purpose: Purpose::Tick(at, Some(o)), .. }) => {
                self.withdraw(at, &o);
                self.release_unless_running(at);
            }
            Some(Compose { purpose: Purpose::Tick(at, None), .. }) => self.release_unless_running(at),
            _ => {}
        }
    }

    /// What an override of the lag or freeze guard costs, in the world's own terms: the lag,
    /// and on the sim the writes that will be lost; on AWS the lag against the RPO.
    pub fn override_cost(&self, at: StepRef) -> Vec<String> {
        let Some(step) = self.step(at) else { return Vec::new() };
        let mut out = Vec::new();
        let failing: Vec<Guard> = self.guards(at).into_iter().filter(|g| !g.ok).map(|g| g.guard).collect();
        let view = self.guard_view(at.runbook);
        if failing.contains(&Guard::WritesFrozen)
            && let Some(source) = self.snapshot.regions.get(view.source)
            && source.unreachable(self.now, self.snapshot.poll_interval)
        {
            out.push(format!(
                "{0} did not answer: the application in {0} may still take writes when it comes back",
                source.name
            ));
        }
        if failing.contains(&Guard::SafetyRule) {
            out.push(match self.resources.safety_rules.as_slice() {
                [] => "ARC refused this shift by a safety rule, and routing.safety-rules names none to override"
                    .to_owned(),
                rules => format!(
                    "overrides ARC safety rule(s) {}: the control panel's own protection against this change is set aside",
                    rules.join(", ")
                ),
            });
        }
        if step.kind != StepKind::PromoteDatabase {
            return out;
        }
        let (now, interval) = (self.now, self.snapshot.poll_interval);
        if let Some(target) = self.snapshot.regions.get(view.target) {
            let rpo = format_duration(self.incident.rpo);
            match target.replication_lag.fresh_value(now, interval) {
                Some(Lag::Behind(s)) => {
                    let lost = target
                        .integrity
                        .fresh_value(now, interval)
                        .and_then(|i| i.unreplicated_writes)
                        .map(|n| {
                            format!(": {} writes not yet in {} will be lost", format::thousands(n as f64), target.name)
                        })
                        .unwrap_or_else(|| format!(": up to {} of writes will be lost", format::seconds(*s)));
                    out.push(format!("lag {} against RPO {rpo}{lost}", format::seconds(*s)));
                }
                Some(Lag::NotReplicating) => {
                    out.push(format!("{} is not replicating: every write since it stopped will be lost", target.name));
                }
                Some(Lag::Writer) => {}
                None => out.push(format!("{} lag is unknown: the loss cannot be bounded", target.name)),
            }
        }
        if let Some(source) = self.snapshot.regions.get(view.source)
            && source.write_freeze.fresh_value(now, interval) != Some(&true)
        {
            out.push(format!("writes are not frozen in {}: both regions would take writes (split brain)", source.name));
        }
        out
    }

    /// The selected step, if this session may act on it now: not read-only, not running.
    /// Otherwise says why and returns `None`. `verb` completes "it cannot be …".
    fn idle_selected(&mut self, verb: &str) -> Option<StepRef> {
        if self.read_only() {
            self.say(READ_ONLY);
            return None;
        }
        if !self.may_run_steps() {
            return None;
        }
        let at = self.selected_step();
        let id = self.step(at)?.id.clone();
        if let StepStatus::Running { since } = self.runs.status(at) {
            // On a shared journal a step running elsewhere says who runs it; one whose holder
            // let the claim expire may be taken over (with a reason) and run again here.
            if self.claims.is_some() && !self.holds(at) {
                return self.claim(at, None).then_some(at);
            }
            if self.holds(at) && self.runs.by(at) != Some(self.scribe.author.as_str()) {
                return Some(at);
            }
            let age = format::age(self.now - *since);
            self.say(format!("{id} is already running ({age}): it cannot be {verb}"));
            return None;
        }
        Some(at)
    }

    /// Enter on the selected step. A done step says so and does not run again.
    pub(super) fn run_selected(&mut self) {
        let Some(at) = self.idle_selected("started twice") else { return };
        if self.awaits(at) {
            let id = self.step(at).map(|s| s.id.clone()).unwrap_or_default();
            return self.say(format!("{id} is awaiting a commander's approval; it runs here once approved"));
        }
        if self.review_request(at) {
            return;
        }
        let Some(step) = self.step(at).cloned() else { return };
        if matches!(self.runs.status(at), StepStatus::Done { .. }) {
            let done = self.done_words(at);
            return match step.kind {
                StepKind::Declare => self.say(format!("already declared ({done}): a second declaration is refused")),
                k if k.mutates() => self.say(format!("{} is {done}; R re-runs it (it reports already done)", step.id)),
                _ => self.say(format!("{} is {done}", step.id)),
            };
        }
        self.start_checked(at, &step);
    }

    /// `R` on a done changing step: run it again, explicitly. It is idempotent, so an
    /// unchanged world reports "already done" without a call.
    pub(super) fn rerun_selected(&mut self) {
        let Some(at) = self.idle_selected("re-run now") else { return };
        let Some(step) = self.step(at).cloned() else { return };
        if !matches!(self.runs.status(at), StepStatus::Done { .. }) {
            return self.say(format!("{} is not done: Enter runs it", step.id));
        }
        if !step.kind.mutates() {
            let done = self.done_words(at);
            return self.say(format!("{} is {done}; only a changing step can be re-run", step.id));
        }
        self.start_checked(at, &step);
    }

    /// Run `step` if every guard passes now; otherwise say why and how to override.
    fn start_checked(&mut self, at: StepRef, step: &Step) {
        let failed: Vec<GuardResult> = self.guards(at).into_iter().filter(|g| !g.ok).collect();
        if !failed.is_empty() {
            let reasons = failed.iter().map(|g| format!("{}: {}", g.guard, g.reason)).collect::<Vec<_>>().join("; ");
            return self.say(format!("{} is blocked — {reasons}. Press o to override with a reason.", step.id));
        }
        self.proceed(at, None);
    }

    /// `o` on the selected step: override failed guards with a typed reason.
    pub(super) fn override_selected(&mut self) {
        let Some(at) = self.idle_selected("overridden now") else { return };
        if matches!(self.runs.status(at), StepStatus::Done { .. }) {
            let done = self.done_words(at);
            return self.say(format!("the step is {done}: nothing to override"));
        }
        if self.guards(at).iter().all(|g| g.ok) {
            return self.say("every guard passes: nothing to override (Enter runs the step)");
        }
        self.view.modal = Some(Modal::Override { step: at, input: LineInput::default(), error: None });
    }

    /// `s` on the selected step: skip it with a typed reason (and, for a changing step, the
    /// typed region, as running it would need).
    pub(super) fn skip_selected(&mut self) {
        let Some(at) = self.idle_selected("skipped now") else { return };
        if matches!(self.runs.status(at), StepStatus::Done { .. }) {
            let done = self.done_words(at);
            return self.say(format!("the step is {done}: it cannot be skipped"));
        }
        self.view.compose =
            Some(Compose { kind: Kind::Decision, line: LineInput::default(), error: None, purpose: Purpose::Skip(at) });
    }

    /// After a break-glass past an unprovable claim: the guards are judged again now.
    pub(super) fn proceed_after_break_glass(&mut self, at: StepRef, overridden: Option<Override>) {
        match overridden {
            Some(o) => self.proceed(at, Some(o)),
            None => {
                let Some(step) = self.step(at).cloned() else { return };
                self.start_checked(at, &step);
            }
        }
    }

    /// Guards passed (or were overridden): do what the step's kind asks.
    pub(super) fn proceed(&mut self, at: StepRef, overridden: Option<Override>) {
        // On a shared journal, the step is this terminal's before any dialog opens.
        if !self.claim(at, overridden.as_ref()) {
            return;
        }
        let Some(step) = self.step(at).cloned() else { return };
        match step.kind {
            StepKind::Declare if !self.may_declare() => self.release_unless_running(at),
            StepKind::Declare => self.view.modal = Some(Modal::Declare { step: at, overridden }),
            StepKind::Checklist => {
                self.view.compose = Some(Compose {
                    kind: Kind::ActionSucceeded,
                    line: LineInput::default(),
                    error: None,
                    purpose: Purpose::Tick(at, overridden),
                });
            }
            StepKind::CheckLag
            | StepKind::VerifyWriter
            | StepKind::WaitHealthy
            | StepKind::ConfirmCapacity
            | StepKind::CheckSecrets
            | StepKind::WaitCanaries => {
                let text = format!("started {}: {}", step.id, step.title);
                let draft = self.step_draft(Kind::ActionStarted, at, text, StepData::default());
                let running = StepStatus::Running { since: self.now };
                if let Err(e) = self.record_acting(at, draft, overridden.as_ref(), running) {
                    self.say(format!("not started: the journal cannot save ({e})"));
                }
            }
            StepKind::FreezeWrites
            | StepKind::UnfreezeWrites
            | StepKind::PromoteDatabase
            | StepKind::ShiftTraffic
            | StepKind::ScaleCapacity => {
                // A region that did not answer its last poll: say so now, not after a timeout.
                if let Some(why) = self.cannot_act(at, step.kind) {
                    self.release_unless_running(at);
                    return self.fail_step(at, why);
                }
                let Some(action) = self.action_under(at, overridden.as_ref()) else {
                    self.say(format!("{}: nothing configured to act on in {}", step.id, self.step_region(at)));
                    self.release_unless_running(at);
                    return;
                };
                if overridden.as_ref().is_some_and(|o| o.covers(&Guard::SafetyRule))
                    && self.resources.safety_rules.is_empty()
                {
                    self.say("cannot override: ARC needs the safety rule's ARN, and routing.safety-rules lists none");
                    self.release_unless_running(at);
                    return;
                }
                self.view.modal =
                    Some(Modal::Confirm { step: at, action, overridden, input: LineInput::default(), error: None });
            }
        }
    }

    /// Enter in a modal: every guard is judged again now, before anything is journaled or sent.
    pub(super) fn confirm_modal(&mut self) {
        let Some(modal) = self.view.modal.take() else { return };
        match modal {
            Modal::Declare { step, overridden } => {
                if let Some(refused) = self.refusal(step, overridden.as_ref()) {
                    self.say(refused);
                    self.view.modal = Some(Modal::Declare { step, overridden });
                    return;
                }
                let Some(book) = self.runs.runbooks.get(step.runbook) else { return };
                let (title, direction) = (book.title.clone(), book.direction);
                let (source, target) = self.regions_for(direction);
                let name = |i: usize| self.snapshot.regions.get(i).map(|r| r.name.clone()).unwrap_or_default();
                let text = format!("declared: {title} from {} to {}", name(source), name(target));
                let draft = self.step_draft(Kind::Decision, step, text, StepData::default());
                let done = StepStatus::Done { at: self.now, already: false };
                if let Err(e) = self.record_acting(step, draft, overridden.as_ref(), done) {
                    self.say(format!("not declared: the journal cannot save ({e})"));
                }
            }
            Modal::Override { step, input, .. } => {
                let reason = input.text().trim().to_owned();
                if reason.chars().count() < 3 {
                    let error = Some("an override needs a reason: type why it is safe to go on".to_owned());
                    self.view.modal = Some(Modal::Override { step, input, error });
                    return;
                }
                // The override covers what fails as it is given, judged now.
                let failed: Vec<GuardResult> = self.guards(step).into_iter().filter(|g| !g.ok).collect();
                if failed.is_empty() {
                    self.say("every guard passes now: no override needed");
                    return self.proceed(step, None);
                }
                self.proceed(step, Some(Override { reason, guards: failed }));
            }
            Modal::Confirm { step, action, overridden, input, .. } => {
                let typed = input.text().trim().to_owned();
                let error = if typed != action.region() {
                    Some(format!(
                        "type {} exactly to confirm (you typed `{}`)",
                        action.region(),
                        crate::text::sanitize::inert(&typed)
                    ))
                } else if let Some(refused) = self.refusal(step, overridden.as_ref()) {
                    Some(refused)
                } else if self.action_under(step, overridden.as_ref()).as_ref() != Some(&action) {
                    Some("REFUSED: the action changed since this dialog opened; read it again".to_owned())
                } else {
                    None
                };
                match error {
                    Some(error) => {
                        let action = self.action_under(step, overridden.as_ref()).unwrap_or(action);
                        self.view.modal = Some(Modal::Confirm { step, action, overridden, input, error: Some(error) });
                    }
                    None if self.needs_approval(step) && !self.approved_for_me(step) => {
                        self.request_approval(step, action, overridden)
                    }
                    None => self.dispatch(step, action, overridden),
                }
            }
            Modal::Approve { step, input, .. } => self.approve(step, input),
            Modal::ConfirmSkip { step, reason, input, .. } => {
                let region = self.step_region(step);
                let typed = input.text().trim().to_owned();
                if typed != region {
                    let error = Some(format!(
                        "type {region} exactly to skip (you typed `{}`)",
                        crate::text::sanitize::inert(&typed)
                    ));
                    self.view.modal = Some(Modal::ConfirmSkip { step, reason, input, error });
                    return;
                }
                if let Err(e) = self.journal_skip(step, reason.clone()) {
                    let error = Some(format!("not skipped: the journal cannot save ({e})"));
                    self.view.modal = Some(Modal::ConfirmSkip { step, reason, input, error });
                }
            }
        }
    }

    fn journal_skip(&mut self, at: StepRef, reason: String) -> Result<(), String> {
        let id = self.step(at).map(|s| s.id.clone()).unwrap_or_default();
        let draft = self.step_draft(
            Kind::Decision,
            at,
            format!("skipped {id}: {reason}"),
            StepData { skipped: true, ..StepData::default() },
        );
        self.record_step(at, draft, StepStatus::Skipped { at: self.now, reason })
    }

    pub(super) fn dispatch(&mut self, at: StepRef, action: Action, overridden: Option<Override>) {
        let Some(executor) = self.executor.clone() else {
            return self.say(READ_ONLY);
        };
        // A joined terminal's host carries the action out: a silent host would not.
        if let Some(j) = self.joined.as_ref().filter(|j| j.silent.is_some()) {
            return self
                .say(format!("NOT sent: the host {} has stopped publishing; nothing would carry it out", j.host));
        }
        let Some(step) = self.step(at).cloned() else { return };
        self.next_job += 1;
        let job = Job { id: self.next_job, step: at, action: action.clone() };
        let mut data = StepData::default();
        data.detail.insert("action".into(), data::to_value(&action));
        data.detail.insert("job".into(), json!(job.id));
        if step.kind == StepKind::PromoteDatabase {
            let view = self.guard_view(at.runbook);
            if let Some(Lag::Behind(s)) = self.snapshot.regions.get(view.target).and_then(|r| r.replication_lag.value) {
                data.detail.insert("observed_lag_seconds".into(), json!(s));
            }
        }
        let text = action.describe();
        let draft = self.step_draft(Kind::ActionStarted, at, text, data).region(action.region().to_owned());
        if let Err(e) = self.record_acting(at, draft, overridden.as_ref(), StepStatus::Running { since: self.now }) {
            return self.say(format!("NOT executed: the journal cannot save the action ({e})"));
        }
        if let Err(error) = executor.submit(job) {
            self.fail_step(at, error);
        }
    }

    pub(super) fn fail_step(&mut self, at: StepRef, error: String) {
        let region = self.step_region(at);
        let draft = self.step_draft(Kind::ActionFailed, at, error.clone(), StepData::default()).region(region);
        let status = StepStatus::Failed { at: self.now, error };
        if self.record_step(at, draft, status.clone()).is_err() {
            // The journal error is in the header; the status must still tell the truth.
            self.set_status(at, status);
        }
    }

    /// Why a changing step cannot act now: the region it acts in did not answer its last
    /// poll, or (a DNS shift) us-east-1's control plane did not.
    fn cannot_act(&self, at: StepRef, kind: StepKind) -> Option<String> {
        let (now, interval) = (self.now, self.snapshot.poll_interval);
        if kind == StepKind::ShiftTraffic {
            let dns = self.snapshot.regions.iter().any(|r| {
                r.routing.value.as_ref().is_some_and(|r| r.policy != crate::model::RoutingPolicy::RoutingControl)
            });
            return (dns && self.snapshot.control_plane_unreachable(now)).then(|| {
                format!(
                    "{}: Route 53 records cannot be changed until it answers; routing controls (method = \"arc\") shift through the data plane",
                    crate::model::CONTROL_PLANE_UNREACHABLE
                )
            });
        }
        let region = self.step_region(at);
        let unreachable = self.snapshot.regions.iter().find(|r| r.name == region)?.unreachable(now, interval);
        let consequence = match kind {
            StepKind::FreezeWrites => "writes cannot be frozen there",
            StepKind::UnfreezeWrites => "writes cannot be reopened there",
            StepKind::PromoteDatabase => "its database cannot be promoted",
            StepKind::ScaleCapacity => "its capacity cannot be scaled",
            _ => return None,
        };
        unreachable.then(|| format!("{region} unreachable: {consequence}"))
    }

    /// The region a step acts on: the source for a write freeze, the target otherwise.
    pub fn step_region(&self, at: StepRef) -> String {
        let view = self.guard_view(at.runbook);
        let index = match self.step(at).map(|s| s.kind) {
            Some(StepKind::FreezeWrites) => view.source,
            _ => view.target,
        };
        self.snapshot.regions.get(index).map(|r| r.name.clone()).unwrap_or_default()
    }

    /// A finished checklist note, or a skip reason, from the input line.
    pub(super) fn submit_step_text(&mut self, purpose: Purpose, text: String) -> Result<(), String> {
        match purpose {
            Purpose::Entry | Purpose::Search | Purpose::Strike(_) => Ok(()),
            Purpose::Tick(at, overridden) => {
                if let Some(refused) = self.refusal(at, overridden.as_ref()) {
                    return Err(refused);
                }
                let draft = self.step_draft(
                    Kind::ActionSucceeded,
                    at,
                    text,
                    StepData { checklist: true, ..StepData::default() },
                );
                self.record_acting(at, draft, overridden.as_ref(), StepStatus::Done { at: self.now, already: false })
            }
            Purpose::Skip(at) if self.step(at).is_some_and(|s| s.kind.mutates()) => {
                self.view.modal =
                    Some(Modal::ConfirmSkip { step: at, reason: text, input: LineInput::default(), error: None });
                Ok(())
            }
            Purpose::Skip(at) => self.journal_skip(at, text),
            Purpose::TakeOver(at, from) => self.take_over(at, &from, text),
            Purpose::BreakGlass(at) => self.break_glass(at, text),
            Purpose::Unclaimed(at, overridden) => self.act_unclaimed(at, overridden, text),
        }
    }
}
