//! The commander's seat as a drill's players see it: the referee watches it, the autopilot
//! acts through it. The app implements it, so the drill's rules stay pure folds over what the
//! seat shows and never reach into the app.

use chrono::{DateTime, Utc};

use crate::assess::Level;
use crate::assess::guard::GuardResult;
use crate::runbook::{Direction, RunState, StepRef};

pub trait Seat {
    /// The time on the seat's clock.
    fn now(&self) -> DateTime<Utc>;
    /// Every runbook and what each step has done.
    fn runs(&self) -> &RunState;
    /// The step's guards, judged now.
    fn guards(&self, at: StepRef) -> Vec<GuardResult>;
    /// The (source, target) regions of a runbook that runs in `direction`.
    fn regions_for(&self, direction: Direction) -> (usize, usize);
    /// The worst finding about a region's signals (staleness aside).
    fn worst(&self, region: usize) -> Level;
    /// Select `at`, press Enter, and answer whatever it asks the way the runbook expects,
    /// writing `note` where a checklist asks for one.
    fn carry_out(&mut self, at: StepRef, note: &str);
}
