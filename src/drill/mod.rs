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

use crate::config::Config;
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
    if let Some(cooldown) = s.cooldown {
        c.incident.cooldown = cooldown;
    }
    // The scenario's limits, and the sim's own rows (queue age, stream age, S3 replication).
    c.thresholds = crate::config::Thresholds { signals: c.thresholds.signals.clone(), ..s.thresholds.clone() };
    c.regions = s
        .regions
        .iter()
        .enumerate()
        .map(|(i, name)| Config::sim_region(name.clone(), if i == 0 { Role::Primary } else { Role::Secondary }))
        .collect();
    if s.routing == crate::config::RoutingMethod::Arc {
        // The sim's own cluster: its controls are named after the regions.
        c.routing.method = crate::config::RoutingMethod::Arc;
        for r in &mut c.regions {
            r.aws.routing_control_arn = Some(format!(
                "arn:aws:route53-recovery-control::000000000000:controlpanel/sim/routingcontrol/checkout-{}",
                r.name
            ));
        }
    }
    c
}

/// The world a scenario starts from.
pub fn world(s: &Scenario, config: &Config, seed: u64, epoch: DateTime<Utc>) -> World {
    let mut w = World::new(&config.regions, seed, epoch, s.faults.clone())
        .with_signals(&config.thresholds.signals)
        .with_routing_controls(config.routing.method == crate::config::RoutingMethod::Arc);
    w.set_replica_lag(s.starting_lag.as_seconds_f64());
    w
}
