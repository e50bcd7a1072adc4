//! The referee watches a drill from outside the commander's view and remembers what the
//! journal cannot show: which guards held the failover back, and when.

use super::seat::Seat;
use crate::runbook::{Guard, StepKind, StepRef, StepStatus, ids};

#[derive(Clone, Debug, Default)]
pub struct Referee {
    pub promotion_blocked_by_lag: bool,
    pub failover_blocked_before_shift: bool,
}

fn step_of(seat: &impl Seat, runbook: usize, kind: StepKind) -> Option<StepRef> {
    let book = seat.runs().runbooks.get(runbook)?;
    book.steps.iter().position(|s| s.kind == kind).map(|step| StepRef { runbook, step })
}

fn done(seat: &impl Seat, at: StepRef) -> bool {
    matches!(seat.runs().status(at), StepStatus::Done { .. })
}

impl Referee {
    /// Look at the failover runbook now (call after every turn).
    pub fn watch(&mut self, seat: &impl Seat) {
        let Some(runbook) = seat.runs().position(ids::FAILOVER) else { return };
        let declared = step_of(seat, runbook, StepKind::Declare).is_some_and(|d| done(seat, d));
        if !declared {
            return;
        }
        let shift = step_of(seat, runbook, StepKind::ShiftTraffic);
        let shifted = shift.is_some_and(|s| done(seat, s));
        if let Some(promote) = step_of(seat, runbook, StepKind::PromoteDatabase)
            && !done(seat, promote)
        {
            let guards = seat.guards(promote);
            if guards.iter().any(|g| g.guard == Guard::LagWithinRpo && !g.ok) {
                self.promotion_blocked_by_lag = true;
            }
            if !shifted && guards.iter().any(|g| !matches!(g.guard, Guard::After(_)) && !g.ok) {
                self.failover_blocked_before_shift = true;
            }
        }
        if let Some(shift) = shift
            && !shifted
            && seat.guards(shift).iter().any(|g| !matches!(g.guard, Guard::After(_)) && !g.ok)
        {
            self.failover_blocked_before_shift = true;
        }
    }
}
