//! Game-day drills on the simulated world: scenario files, built-in scenarios, the drill run
//! (stepped in simulated time), the referee, the autopilot commander and the scorecard.

pub mod autopilot;
pub mod builtin;
pub mod cli;
pub mod referee;
pub mod run;
pub mod scenario;
pub mod scorecard;
pub mod tui;

pub use scenario::{Expectation, Scenario};
pub use scorecard::Scorecard;
