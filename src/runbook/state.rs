//! Run state: what each step of each runbook has done. Rebuilt from the journal on start, so
//! a restarted warroom (or `run-step`) knows which steps are done.

use chrono::{DateTime, Utc};
use serde::Deserialize as _;

use super::Runbook;
use crate::scribe::{Entry, Kind};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct StepRef {
    pub runbook: usize,
    pub step: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub enum StepStatus {
    Pending,
    Running {
        since: DateTime<Utc>,
    },
    /// `already`: the desired state held, so nothing was done.
    Done {
        at: DateTime<Utc>,
        already: bool,
    },
    Failed {
        at: DateTime<Utc>,
        error: String,
    },
    Skipped {
        at: DateTime<Utc>,
        reason: String,
    },
}

impl StepStatus {
    pub fn label(&self) -> &'static str {
        match self {
            StepStatus::Pending => "pending",
            StepStatus::Running { .. } => "running",
            StepStatus::Done { .. } => "done",
            StepStatus::Failed { .. } => "failed",
            StepStatus::Skipped { .. } => "skipped",
        }
    }

    /// Skipping is an explicit, journaled decision, so it lets `after:` guards pass.
    pub fn satisfies_after(&self) -> bool {
        matches!(self, StepStatus::Done { .. } | StepStatus::Skipped { .. })
    }
}

/// A guard's verdict as it was judged when a step was run: kept with the step, so a done step
/// shows why it was allowed, not what its guards say now.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Verdict {
    pub guard: String,
    pub ok: bool,
    pub reason: String,
}

impl From<&super::GuardResult> for Verdict {
    fn from(g: &super::GuardResult) -> Self {
        Self { guard: g.guard.to_string(), ok: g.ok, reason: g.reason.clone() }
    }
}

#[derive(Clone, Debug)]
pub struct RunState {
    pub runbooks: Vec<Runbook>,
    status: Vec<Vec<StepStatus>>,
    /// Who last changed each step's status.
    by: Vec<Vec<Option<String>>>,
    /// The guard verdicts each step was run with (from its starting entry).
    verdicts: Vec<Vec<Vec<Verdict>>>,
}

impl RunState {
    pub fn new(runbooks: Vec<Runbook>) -> Self {
        let status = runbooks.iter().map(|b| vec![StepStatus::Pending; b.steps.len()]).collect();
        let by = runbooks.iter().map(|b| vec![None; b.steps.len()]).collect();
        let verdicts = runbooks.iter().map(|b| vec![Vec::new(); b.steps.len()]).collect();
        Self { runbooks, status, by, verdicts }
    }

    /// Who last changed the step (ran, finished, skipped it).
    pub fn by(&self, at: StepRef) -> Option<&str> {
        self.by.get(at.runbook)?.get(at.step)?.as_deref()
    }

    pub fn set_by(&mut self, at: StepRef, author: &str) {
        if let Some(slot) = self.by.get_mut(at.runbook).and_then(|s| s.get_mut(at.step)) {
            *slot = Some(author.to_owned());
        }
    }

    /// The verdicts the step was run with; empty for a pending step.
    pub fn verdicts(&self, at: StepRef) -> &[Verdict] {
        self.verdicts.get(at.runbook).and_then(|s| s.get(at.step)).map_or(&[], Vec::as_slice)
    }

    pub fn set_verdicts(&mut self, at: StepRef, verdicts: Vec<Verdict>) {
        if let Some(slot) = self.verdicts.get_mut(at.runbook).and_then(|s| s.get_mut(at.step)) {
            *slot = verdicts;
        }
    }

    /// Replay journal entries tagged with `data.runbook` and a `step`.
    pub fn from_entries(runbooks: Vec<Runbook>, entries: &[Entry]) -> Self {
        let mut state = Self::new(runbooks);
        for e in entries {
            state.apply_entry(e);
        }
        state
    }

    pub fn apply_entry(&mut self, e: &Entry) {
        let (Some(step_id), Some(book_id)) = (e.step.as_deref(), e.data_str("runbook")) else { return };
        let Some(r) = self.runbooks.iter().position(|b| b.id == book_id) else { return };
        let Some((s, _)) = self.runbooks[r].step(step_id) else { return };
        let skipped = e.data.as_ref().and_then(|d| d.get("skipped")).and_then(serde_json::Value::as_bool) == Some(true);
        let already = e.data.as_ref().and_then(|d| d.get("already")).and_then(serde_json::Value::as_bool) == Some(true);
        let status = match e.kind {
            Kind::ActionStarted => StepStatus::Running { since: e.at },
            Kind::ActionSucceeded => StepStatus::Done { at: e.at, already },
            Kind::ActionFailed => StepStatus::Failed { at: e.at, error: e.text.clone() },
            Kind::Decision if skipped => StepStatus::Skipped { at: e.at, reason: e.text.clone() },
            Kind::Decision => StepStatus::Done { at: e.at, already: false },
            _ => return,
        };
        let at = StepRef { runbook: r, step: s };
        self.set(at, status);
        self.set_by(at, &e.author);
        if let Some(Ok(verdicts)) =
            e.data.as_ref().and_then(|d| d.get("guards")).map(|g| Vec::<Verdict>::deserialize(g.clone()))
        {
            self.set_verdicts(at, verdicts);
        }
    }

    pub fn status(&self, at: StepRef) -> &StepStatus {
        self.status.get(at.runbook).and_then(|s| s.get(at.step)).unwrap_or(&StepStatus::Pending)
    }

    pub fn status_by_id(&self, runbook: usize, step: &str) -> Option<&StepStatus> {
        let (s, _) = self.runbooks.get(runbook)?.step(step)?;
        Some(self.status(StepRef { runbook, step: s }))
    }

    pub fn set(&mut self, at: StepRef, status: StepStatus) {
        if let Some(slot) = self.status.get_mut(at.runbook).and_then(|s| s.get_mut(at.step)) {
            *slot = status;
        }
    }

    pub fn running(&self) -> impl Iterator<Item = (StepRef, DateTime<Utc>)> + '_ {
        self.status.iter().enumerate().flat_map(|(r, steps)| {
            steps.iter().enumerate().filter_map(move |(s, st)| match st {
                StepStatus::Running { since } => Some((StepRef { runbook: r, step: s }, *since)),
                _ => None,
            })
        })
    }

    /// Whether any step of `runbook` has left Pending.
    pub fn started(&self, runbook: usize) -> bool {
        self.status.get(runbook).is_some_and(|s| s.iter().any(|st| !matches!(st, StepStatus::Pending)))
    }

    pub fn done_count(&self, runbook: usize) -> usize {
        self.status.get(runbook).map_or(0, |s| s.iter().filter(|st| st.satisfies_after()).count())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runbook::built_in;
    use crate::scribe::{Draft, Entry};
    use chrono::TimeZone;
    use serde_json::json;

    fn entry(seq: u64, kind: Kind, step: &str, data: serde_json::Value) -> Entry {
        let at = Utc.with_ymd_and_hms(2026, 11, 24, 3, 0, 0).unwrap() + chrono::Duration::minutes(seq as i64);
        Entry::from_draft(Draft::new(at, "ic", kind, format!("e{seq}")).step(step).data(data), seq, format!("{seq}"))
    }

    #[test]
    fn the_journal_restores_step_status() {
        let fo = json!({ "runbook": "failover" });
        let entries = vec![
            entry(1, Kind::Decision, "declare", fo.clone()),
            entry(2, Kind::ActionStarted, "freeze-writes", fo.clone()),
            entry(3, Kind::ActionSucceeded, "freeze-writes", json!({ "runbook": "failover", "already": true })),
            entry(4, Kind::Decision, "check-lag", json!({ "runbook": "failover", "skipped": true })),
            entry(5, Kind::ActionStarted, "promote-database", fo.clone()),
            entry(6, Kind::ActionFailed, "verify-writer", fo),
            // Entries for another runbook, or with no runbook, do not leak in.
            entry(7, Kind::ActionSucceeded, "shift-traffic", json!({ "runbook": "failback" })),
            entry(8, Kind::ActionSucceeded, "communicate", json!({})),
        ];
        let state = RunState::from_entries(built_in(), &entries);
        let failover = state.runbooks.iter().position(|b| b.id == "failover").unwrap();
        let label = |id: &str| state.status_by_id(failover, id).unwrap().label();
        assert_eq!(label("declare"), "done");
        assert!(matches!(state.status_by_id(failover, "freeze-writes"), Some(StepStatus::Done { already: true, .. })));
        assert_eq!(label("check-lag"), "skipped");
        assert_eq!(label("promote-database"), "running");
        assert_eq!(label("verify-writer"), "failed");
        assert_eq!(label("shift-traffic"), "pending");
        assert_eq!(label("communicate"), "pending");
        let failback = state.runbooks.iter().position(|b| b.id == "failback").unwrap();
        assert_eq!(state.status_by_id(failback, "shift-traffic").unwrap().label(), "done");
    }
}
