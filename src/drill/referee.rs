//! The referee watches a drill from outside the commander's view and remembers what the
//! journal cannot show: which guards held the failover back, and when.

use crate::app::App;
use crate::runbook::{Guard, StepKind, StepRef, StepStatus};

#[derive(Clone, Debug, Default)]
pub struct Referee {
    pub promotion_blocked_by_lag: bool,
    pub failover_blocked_before_shift: bool,
}

fn step_of(app: &App, runbook: usize, kind: StepKind) -> Option<StepRef> {
    let book = app.runs.runbooks.get(runbook)?;
    book.steps.iter().position(|s| s.kind == kind).map(|step| StepRef { runbook, step })
}

fn done(app: &App, at: StepRef) -> bool {
    matches!(app.runs.status(at), StepStatus::Done { .. })
}

impl Referee {
    /// Look at the failover runbook now (call after every turn).
    pub fn watch(&mut self, app: &App) {
        let Some(runbook) = app.runs.runbooks.iter().position(|b| b.id == "failover") else { return };
        let declared = step_of(app, runbook, StepKind::Declare).is_some_and(|d| done(app, d));
        if !declared {
            return;
        }
        let shift = step_of(app, runbook, StepKind::ShiftTraffic);
        let shifted = shift.is_some_and(|s| done(app, s));
        if let Some(promote) = step_of(app, runbook, StepKind::PromoteDatabase)
            && !done(app, promote)
        {
            let guards = app.guards(promote);
            if guards.iter().any(|g| g.guard == Guard::LagWithinRpo && !g.ok) {
                self.promotion_blocked_by_lag = true;
            }
            if !shifted && guards.iter().any(|g| !matches!(g.guard, Guard::After(_)) && !g.ok) {
                self.failover_blocked_before_shift = true;
            }
        }
        if let Some(shift) = shift
            && !shifted
            && app.guards(shift).iter().any(|g| !matches!(g.guard, Guard::After(_)) && !g.ok)
        {
            self.failover_blocked_before_shift = true;
        }
    }
}
