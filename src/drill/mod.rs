//! Game-day drills on the simulated world: scenario files, built-in scenarios, the drill run
//! (stepped in simulated time), the referee, the autopilot commander and the scorecard.

pub mod autopilot;
pub mod builtin;
pub mod journal;
pub mod referee;
pub mod scenario;
pub mod score;
pub mod scorecard;
pub mod seat;

pub use scenario::{Expectation, Scenario};
pub use scorecard::Scorecard;

use chrono::{DateTime, Utc};

use crate::config::{Config, RegionConfig};
use crate::model::Role;
use crate::sim::World;

/// The config a scenario implies: its regions (the first primary), RPO and RTO, the
/// built-in runbooks, the demo's 5 s poll.
pub fn config(s: &Scenario) -> Config {
    let mut c = Config::demo();
    c.incident.name = s.name.clone();
    c.incident.rpo = s.rpo;
    c.incident.rto = s.rto;
    c.incident.poll_interval = s.poll_interval;
    c.thresholds = s.thresholds.clone();
    c.regions = s
        .regions
        .iter()
        .enumerate()
        .map(|(i, name)| RegionConfig {
            name: name.clone(),
            role: if i == 0 { Role::Primary } else { Role::Secondary },
            aws: Default::default(),
        })
        .collect();
    c
}

/// The world a scenario starts from.
pub fn world(s: &Scenario, config: &Config, seed: u64, epoch: DateTime<Utc>) -> World {
    let mut w = World::new(&config.regions, seed, epoch, s.faults.clone());
    w.set_replica_lag(s.starting_lag.as_seconds_f64());
    w
}
