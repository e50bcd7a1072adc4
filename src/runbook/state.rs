//! Run state: what each step of each runbook has done. Rebuilt from the journal on start, so
//! a restarted warroom (or `run-step`) knows which steps are done.

use chrono::{DateTime, Utc};

use super::Runbook;

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

#[derive(Clone, Debug)]
pub struct RunState {
    pub runbooks: Vec<Runbook>,
    status: Vec<Vec<StepStatus>>,
    /// Who last changed each step's status.
    by: Vec<Vec<Option<String>>>,
    /// The guard verdicts each step was run with (from its starting entry).
    verdicts: Vec<Vec<Vec<Verdict>>>,
    /// Each step's open approval request (the two-person rule), until the step starts.
    approvals: Vec<Vec<Option<Approval>>>,
}

/// A request to run a step that needs a commander's approval, and the approval once given.
#[derive(Clone, Debug, PartialEq)]
pub struct Approval {
    pub requester: String,
    pub region: String,
    pub requested_at: DateTime<Utc>,
    pub approved_by: Option<String>,
    /// The typed reason of a commander alone who approved their own request.
    pub break_glass: Option<String>,
}

impl RunState {
    pub fn new(runbooks: Vec<Runbook>) -> Self {
        let status = runbooks.iter().map(|b| vec![StepStatus::Pending; b.steps.len()]).collect();
        let by = runbooks.iter().map(|b| vec![None; b.steps.len()]).collect();
        let verdicts = runbooks.iter().map(|b| vec![Vec::new(); b.steps.len()]).collect();
        let approvals = runbooks.iter().map(|b| vec![None; b.steps.len()]).collect();
        Self { runbooks, status, by, verdicts, approvals }
    }

    /// The step's open approval request, if it has one.
    pub fn approval(&self, at: StepRef) -> Option<&Approval> {
        self.approvals.get(at.runbook)?.get(at.step)?.as_ref()
    }

    pub fn set_approval(&mut self, at: StepRef, approval: Option<Approval>) {
        if let Some(slot) = self.approvals.get_mut(at.runbook).and_then(|s| s.get_mut(at.step)) {
            *slot = approval;
        }
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

    /// The index of the runbook with this id.
    pub fn position(&self, id: &str) -> Option<usize> {
        self.runbooks.iter().position(|b| b.id == id)
    }

    /// The step `at` points to.
    pub fn step(&self, at: StepRef) -> Option<&super::Step> {
        self.runbooks.get(at.runbook)?.steps.get(at.step)
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

    /// When traffic last moved: the newest shift-traffic step done (and not found already
    /// done), in any runbook. What the cooldown counts from.
    pub fn last_shift(&self) -> Option<DateTime<Utc>> {
        self.runbooks
            .iter()
            .enumerate()
            .flat_map(|(r, book)| {
                book.steps.iter().enumerate().filter(|(_, s)| s.kind == super::StepKind::ShiftTraffic).filter_map(
                    move |(i, _)| match self.status(StepRef { runbook: r, step: i }) {
                        StepStatus::Done { at, already: false } => Some(*at),
                        _ => None,
                    },
                )
            })
            .max()
    }

    pub fn done_count(&self, runbook: usize) -> usize {
        self.status.get(runbook).map_or(0, |s| s.iter().filter(|st| st.satisfies_after()).count())
    }
}
