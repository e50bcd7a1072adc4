//! Game-day drills (issue 7, in progress): scenario files so far. The drill mode, the new
//! faults in the simulated world, the scorecard and the autopilot build on these.

pub mod scenario;

pub use scenario::{Expectation, Scenario};
