//! Faults the sim can suffer, and the timeline that schedules them.

use chrono::Duration;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Fault {
    /// The region's application fails: 5xx rises to `error_percent`, latency climbs, health
    /// checkers fail, and replication out of the region stalls. Ramps in over `ramp`.
    RegionOutage { error_percent: f64, ramp: Duration },
    /// Replication into the region falls behind by `seconds_per_second` of extra lag.
    ReplicationDelay { seconds_per_second: f64 },
}

impl Fault {
    pub fn name(&self) -> &'static str {
        match self {
            Fault::RegionOutage { .. } => "region-outage",
            Fault::ReplicationDelay { .. } => "replication-delay",
        }
    }
}

/// A fault on one region from `at` (simulated time since start) until `until`, if given.
#[derive(Clone, Debug, PartialEq)]
pub struct ScheduledFault {
    pub at: Duration,
    pub until: Option<Duration>,
    pub region: usize,
    pub fault: Fault,
}

impl ScheduledFault {
    pub fn active_at(&self, elapsed: Duration) -> bool {
        elapsed >= self.at && self.until.is_none_or(|u| elapsed < u)
    }
}

/// The default demo: calm for a minute, then the primary (region 0) degrades.
pub fn demo_timeline() -> Vec<ScheduledFault> {
    vec![ScheduledFault {
        at: Duration::seconds(60),
        until: None,
        region: 0,
        fault: Fault::RegionOutage { error_percent: 42.0, ramp: Duration::seconds(90) },
    }]
}
