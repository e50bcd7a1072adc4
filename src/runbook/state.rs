//! Run state: what each step of each runbook has done. Rebuilt from the journal on start, so
//! a restarted warroom (or `run-step`) knows which steps are done.

use chrono::{DateTime, Utc};

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

#[derive(Clone, Debug)]
pub struct RunState {
    pub runbooks: Vec<Runbook>,
    status: Vec<Vec<StepStatus>>,
}

impl RunState {
    pub fn new(runbooks: Vec<Runbook>) -> Self {
        let status = runbooks.iter().map(|b| vec![StepStatus::Pending; b.steps.len()]).collect();
        Self { runbooks, status }
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
        self.set(StepRef { runbook: r, step: s }, status);
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

    pub fn done_count(&self, runbook: usize) -> usize {
        self.status.get(runbook).map_or(0, |s| s.iter().filter(|st| st.satisfies_after()).count())
    }
}
