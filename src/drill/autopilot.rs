//! The scripted commander of `drill --autopilot`: declares when the primary has been
//! critical for a while, then runs the failover runbook step by step as soon as each step's
//! guards allow; once traffic has moved and the original region has been stable for a while,
//! it fails back the same way. It never overrides a guard: a blocked drill stays blocked, and
//! the scorecard says so.

use chrono::{DateTime, Duration, Utc};

use super::seat::Seat;
use crate::assess::Level;
use crate::runbook::{StepKind, StepRef, StepStatus, ids};

/// The primary must be critical this long before the autopilot declares: long enough not to
/// fail over on a flapping check, short enough to keep lost writes inside the RPO.
pub const DECLARE_AFTER: Duration = Duration::seconds(45);
/// A failed step is tried again after this long.
pub const RETRY_AFTER: Duration = Duration::minutes(1);
/// What the autopilot writes when it ticks a checklist step.
pub const CHECKLIST_NOTE: &str = "autopilot: checked";

/// After the failover, the original primary must have been healthy this long before the
/// autopilot starts the failback: failback is a planned recovery, not a reflex (seed 004 §16).
pub const STABLE_BEFORE_FAILBACK: Duration = Duration::minutes(5);

#[derive(Clone, Debug, Default)]
pub struct Autopilot {
    critical_since: Option<DateTime<Utc>>,
    /// Since when the original primary has been healthy, once traffic has failed over.
    stable_since: Option<DateTime<Utc>>,
}

impl Autopilot {
    /// Act on the app as a commander would at `app.now`: the failover runbook first, then,
    /// once traffic has moved and the original region has been stable, the failback runbook.
    pub fn act(&mut self, seat: &mut impl Seat) {
        let Some(failover) = seat.runs().position(ids::FAILOVER) else { return };
        let now = seat.now();
        let source = seat.regions_for(seat.runs().runbooks[failover].direction).0;
        self.critical_since =
            if seat.worst(source) == Level::Critical { self.critical_since.or(Some(now)) } else { None };
        let declare_now = self.critical_since.is_some_and(|since| now - since >= DECLARE_AFTER);
        follow(seat, failover, declare_now);

        let shifted = matches!(seat.runs().status_by_id(failover, ids::SHIFT_TRAFFIC), Some(StepStatus::Done { .. }));
        let Some(failback) = seat.runs().position(ids::FAILBACK) else { return };
        if !shifted {
            return;
        }
        let original = seat.regions_for(seat.runs().runbooks[failback].direction).1;
        self.stable_since = if seat.worst(original) == Level::Ok { self.stable_since.or(Some(now)) } else { None };
        if seat.runs().started(failback) || self.stable_since.is_some_and(|since| now - since >= STABLE_BEFORE_FAILBACK)
        {
            follow(seat, failback, true);
        }
    }
}

/// Run every step of `runbook` whose guards allow it now; the declare only when `declare_now`.
fn follow(seat: &mut impl Seat, runbook: usize, declare_now: bool) {
    let now = seat.now();
    let steps = seat.runs().runbooks[runbook].steps.len();
    for step in 0..steps {
        let at = StepRef { runbook, step };
        let Some(kind) = seat.runs().step(at).map(|s| s.kind) else { continue };
        let ready = match seat.runs().status(at) {
            StepStatus::Pending => true,
            StepStatus::Failed { at: failed, .. } => now - *failed >= RETRY_AFTER,
            StepStatus::Running { .. } | StepStatus::Done { .. } | StepStatus::Skipped { .. } => false,
        };
        if !ready {
            continue;
        }
        if kind == StepKind::Declare && !declare_now {
            return;
        }
        if seat.guards(at).iter().any(|g| !g.ok) {
            continue;
        }
        seat.carry_out(at, CHECKLIST_NOTE);
    }
}
