//! The simulated world behind `demo` (and later drills): regions, faults, virtual clock.
//! It knows nothing of AWS types or the terminal.

mod clock;
mod faults;
mod rng;
mod world;

pub use clock::SimClock;
pub use faults::{AlarmPick, Fault, FaultKind, ScheduledFault, demo_timeline};
pub use rng::SplitMix64;
pub use world::{CHECKERS, Command, Completion, Promotion, World};
