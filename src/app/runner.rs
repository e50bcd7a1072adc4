//! Running runbook steps from the keyboard: guards, the confirm and override modals, skip,
//! checklist notes, executor outcomes, watch steps and timeouts. Every start, success,
//! failure, skip and override is journaled, and a mutating step is journaled *before* it is
//! sent: an action that cannot be journaled is not executed.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::{App, Compose, Modal, Purpose};
use crate::actions::{Action, Job, Outcome, OutcomeResult};
use crate::config::format_duration;
use crate::input::LineInput;
use crate::model::{DbRole, Lag, Role};
use crate::runbook::{self, Direction, GuardResult, GuardView, Promotion, Step, StepKind, StepRef, StepStatus};
use crate::scribe::{Draft, Kind, SYSTEM_AUTHOR};
use crate::ui::format;

/// Names of the resources actions touch, from `[write-freeze]` and `[routing]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Resources {
    pub freeze_table: String,
    pub freeze_key: String,
    pub record_name: String,
}

impl Resources {
    pub fn from_config(config: &crate::config::Config) -> Self {
        Self {
            freeze_table: config.write_freeze.table.clone(),
            freeze_key: config.write_freeze.key.clone(),
            record_name: config.routing.record_name.clone(),
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
        StepRef { runbook: self.selected_runbook, step: self.selected_step }
    }

    pub fn guard_view(&self, runbook: usize) -> GuardView<'_> {
        let direction = self.runs.runbooks.get(runbook).map_or(Direction::Failover, |b| b.direction);
        let (source, target) = self.regions_for(direction);
        GuardView { snapshot: &self.snapshot, limits: self.limits(), source, target }
    }

    pub fn guards(&self, at: StepRef) -> Vec<GuardResult> {
        match self.step(at) {
            Some(step) => runbook::evaluate(step, at.runbook, &self.runs, &self.guard_view(at.runbook)),
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
            },
            _ => return None,
        })
    }

    fn say(&mut self, message: impl Into<String>) {
        self.message = Some(message.into());
    }

    /// A journal draft about a step, tagged so the run state can be rebuilt from the journal.
    fn step_draft(&self, kind: Kind, at: StepRef, text: String, data: serde_json::Value) -> Draft {
        let book = self.runs.runbooks.get(at.runbook);
        let step = self.step(at);
        let mut data = data;
        if let Some(map) = data.as_object_mut() {
            map.insert("runbook".into(), json!(book.map(|b| b.id.clone())));
        }
        let mut draft = Draft::new(self.now, self.scribe.author.clone(), kind, text).data(data);
        if let Some(step) = step {
            draft = draft.step(step.id.clone());
        }
        draft
    }

    /// Journal and then change the step's status; on a journal failure nothing changes.
    fn record_step(&mut self, at: StepRef, draft: Draft, status: StepStatus) -> Result<(), String> {
        self.scribe.record(draft)?;
        self.runs.set(at, status);
        Ok(())
    }

    /// The selected step, if this session may act on it now: not read-only, not running.
    /// Otherwise says why and returns `None`. `verb` completes "it cannot be …".
    fn idle_selected(&mut self, verb: &str) -> Option<StepRef> {
        if self.read_only() {
            self.say(READ_ONLY);
            return None;
        }
        let at = self.selected_step();
        let id = self.step(at)?.id.clone();
        if let StepStatus::Running { since } = self.runs.status(at) {
            let age = format::age(self.now - *since);
            self.say(format!("{id} is already running ({age}): it cannot be {verb}"));
            return None;
        }
        Some(at)
    }

    /// Enter on the selected step.
    pub(super) fn run_selected(&mut self) {
        let Some(at) = self.idle_selected("started twice") else { return };
        let Some(step) = self.step(at).cloned() else { return };
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
        let failed: Vec<GuardResult> = self.guards(at).into_iter().filter(|g| !g.ok).collect();
        if failed.is_empty() {
            return self.say("every guard passes: nothing to override (Enter runs the step)");
        }
        self.modal = Some(Modal::Override { step: at, failed, input: LineInput::default(), error: None });
    }

    /// `s` on the selected step: skip it with a typed reason.
    pub(super) fn skip_selected(&mut self) {
        let Some(at) = self.idle_selected("skipped now") else { return };
        self.compose =
            Some(Compose { kind: Kind::Decision, line: LineInput::default(), error: None, purpose: Purpose::Skip(at) });
    }

    /// Guards passed (or were overridden with `reason`): do what the step's kind asks.
    fn proceed(&mut self, at: StepRef, override_reason: Option<String>) {
        let Some(step) = self.step(at).cloned() else { return };
        match step.kind {
            StepKind::Declare => self.modal = Some(Modal::Declare { step: at }),
            StepKind::Checklist => {
                self.compose = Some(Compose {
                    kind: Kind::ActionSucceeded,
                    line: LineInput::default(),
                    error: None,
                    purpose: Purpose::Tick(at),
                });
            }
            StepKind::CheckLag | StepKind::VerifyWriter | StepKind::WaitHealthy => {
                let text = format!("started {}: {}", step.id, step.title);
                let draft = self.step_draft(Kind::ActionStarted, at, text, json!({ "override": override_reason }));
                if let Err(e) = self.record_step(at, draft, StepStatus::Running { since: self.now }) {
                    self.say(format!("not started: the journal cannot save ({e})"));
                }
            }
            StepKind::FreezeWrites | StepKind::UnfreezeWrites | StepKind::PromoteDatabase | StepKind::ShiftTraffic => {
                let Some(action) = self.action_for(at) else { return };
                let guards = self.guards(at);
                self.modal = Some(Modal::Confirm {
                    step: at,
                    action,
                    guards,
                    override_reason,
                    input: LineInput::default(),
                    error: None,
                });
            }
        }
    }

    /// Enter in a modal.
    pub(super) fn confirm_modal(&mut self) {
        let Some(modal) = self.modal.take() else { return };
        match modal {
            Modal::Declare { step } => {
                let Some(book) = self.runs.runbooks.get(step.runbook) else { return };
                let (title, direction) = (book.title.clone(), book.direction);
                let (source, target) = self.regions_for(direction);
                let name = |i: usize| self.snapshot.regions.get(i).map(|r| r.name.clone()).unwrap_or_default();
                let text = format!("declared: {title} from {} to {}", name(source), name(target));
                let draft = self.step_draft(Kind::Decision, step, text, json!({}));
                if let Err(e) = self.record_step(step, draft, StepStatus::Done { at: self.now, already: false }) {
                    self.say(format!("not declared: the journal cannot save ({e})"));
                }
            }
            Modal::Override { step, failed, input, .. } => {
                let reason = input.text().trim().to_owned();
                if reason.chars().count() < 3 {
                    let error = Some("an override needs a reason: type why it is safe to go on".to_owned());
                    self.modal = Some(Modal::Override { step, failed, input, error });
                    return;
                }
                let guards: Vec<serde_json::Value> =
                    failed.iter().map(|g| json!({ "guard": g.guard.to_string(), "reason": g.reason })).collect();
                let draft =
                    self.step_draft(Kind::GuardOverride, step, reason.clone(), json!({ "failed_guards": guards }));
                if let Err(e) = self.scribe.record(draft) {
                    self.modal = Some(Modal::Override { step, failed, input, error: Some(format!("not saved: {e}")) });
                    return;
                }
                self.proceed(step, Some(reason));
            }
            Modal::Confirm { step, action, guards, override_reason, input, .. } => {
                let typed = input.text().trim().to_owned();
                if typed != action.region() {
                    let error = Some(format!("type {} exactly to confirm (you typed `{typed}`)", action.region()));
                    self.modal = Some(Modal::Confirm { step, action, guards, override_reason, input, error });
                    return;
                }
                self.dispatch(step, action, override_reason);
            }
        }
    }

    fn dispatch(&mut self, at: StepRef, action: Action, override_reason: Option<String>) {
        let Some(executor) = self.executor.clone() else {
            return self.say(READ_ONLY);
        };
        let Some(step) = self.step(at).cloned() else { return };
        self.next_job += 1;
        let job = Job { id: self.next_job, step: at, action: action.clone() };
        let mut data = json!({ "action": action, "job": job.id, "override": override_reason });
        if step.kind == StepKind::PromoteDatabase {
            let view = self.guard_view(at.runbook);
            if let Some(Lag::Behind(s)) = self.snapshot.regions.get(view.target).and_then(|r| r.replication_lag.value) {
                data["observed_lag_seconds"] = json!(s);
            }
        }
        let text = action.describe();
        let draft = self.step_draft(Kind::ActionStarted, at, text, data).region(action.region().to_owned());
        if let Err(e) = self.record_step(at, draft, StepStatus::Running { since: self.now }) {
            return self.say(format!("NOT executed: the journal cannot save the action ({e})"));
        }
        if let Err(error) = executor.submit(job) {
            self.fail_step(at, error);
        }
    }

    fn fail_step(&mut self, at: StepRef, error: String) {
        let region = self.step_region(at);
        let draft = self.step_draft(Kind::ActionFailed, at, error.clone(), json!({})).region(region);
        let status = StepStatus::Failed { at: self.now, error };
        if self.record_step(at, draft, status.clone()).is_err() {
            // The journal error is in the header; the status must still tell the truth.
            self.runs.set(at, status);
        }
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
            Purpose::Entry => Ok(()),
            Purpose::Tick(at) => {
                let draft = self.step_draft(Kind::ActionSucceeded, at, text, json!({ "checklist": true }));
                self.record_step(at, draft, StepStatus::Done { at: self.now, already: false })
            }
            Purpose::Skip(at) => {
                let id = self.step(at).map(|s| s.id.clone()).unwrap_or_default();
                let draft =
                    self.step_draft(Kind::Decision, at, format!("skipped {id}: {text}"), json!({ "skipped": true }));
                self.record_step(at, draft, StepStatus::Skipped { at: self.now, reason: text })
            }
        }
    }

    /// An executor reported back.
    pub(super) fn apply_outcome(&mut self, outcome: Outcome) {
        let at = outcome.step;
        let region = self.step_region(at);
        match outcome.result {
            OutcomeResult::Succeeded { detail, data, already } => {
                let mut data = data;
                if let Some(map) = data.as_object_mut() {
                    map.insert("job".into(), json!(outcome.job));
                    map.insert("already".into(), json!(already));
                }
                let draft = self.step_draft(Kind::ActionSucceeded, at, detail, data).region(region);
                let status = StepStatus::Done { at: self.now, already };
                if self.record_step(at, draft, status.clone()).is_err() {
                    self.runs.set(at, status);
                }
            }
            OutcomeResult::Failed { error } => self.fail_step(at, error),
        }
    }

    /// On every tick: finish watch steps whose condition holds, fail steps past their timeout.
    pub(super) fn check_running(&mut self) {
        let running: Vec<(StepRef, DateTime<Utc>)> = self.runs.running().collect();
        for (at, since) in running {
            let Some(step) = self.step(at).cloned() else { continue };
            if step.kind.watches()
                && let Some(detail) = self.watch_condition(at, step.kind)
            {
                let region = self.step_region(at);
                let draft = self.step_draft(Kind::ActionSucceeded, at, detail, json!({})).region(region);
                let status = StepStatus::Done { at: self.now, already: false };
                if self.record_step(at, draft, status.clone()).is_err() {
                    self.runs.set(at, status);
                }
                continue;
            }
            if let Some(timeout) = step.timeout
                && self.now - since > timeout
            {
                let error = format!("timed out after {}", format_duration(timeout));
                self.fail_step(at, error.clone());
                let text = format!("step {} {error}", step.id);
                let draft = Draft::new(self.now, SYSTEM_AUTHOR, Kind::Observation, text)
                    .data(json!({ "event": "step-timed-out", "step": step.id }));
                let _ = self.scribe.record(draft);
            }
        }
    }

    /// `Some(detail)` when a watch step's condition holds on fresh data.
    fn watch_condition(&self, at: StepRef, kind: StepKind) -> Option<String> {
        let view = self.guard_view(at.runbook);
        let (now, interval) = (self.now, self.snapshot.poll_interval);
        let target = self.snapshot.regions.get(view.target)?;
        match kind {
            StepKind::CheckLag => match target.replication_lag.fresh_value(now, interval)? {
                Lag::Writer => Some(format!("{} is the writer: no lag", target.name)),
                Lag::Behind(s) if *s <= self.incident.rpo.as_seconds_f64() => {
                    Some(format!("lag {} ≤ RPO {}", format::seconds(*s), format_duration(self.incident.rpo)))
                }
                _ => None,
            },
            StepKind::VerifyWriter => {
                let db = target.database.fresh_value(now, interval)?;
                (db.role == DbRole::Writer)
                    .then(|| format!("{} {} is the writer at {}", target.name, db.identifier, db.endpoint))
            }
            StepKind::WaitHealthy => {
                let serving = target.is_serving(now, interval);
                let ok = crate::assess::findings(target, self.limits()).is_empty();
                (serving && ok).then(|| format!("{} serves and is under every threshold", target.name))
            }
            _ => None,
        }
    }
}
