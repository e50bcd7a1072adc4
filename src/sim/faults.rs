//! Faults the sim can suffer, and the timeline that schedules them.

use chrono::Duration;

/// What can go wrong in a region of the simulated world, with its parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Fault {
    /// The region's application fails: 5xx to `error_percent`, ramping in over `ramp`.
    RegionOutage { error_percent: f64, ramp: Duration },
    /// The region's database writer is lost: writes fail, replication out of it stops.
    DbPrimaryLost,
    /// Replication into the region falls behind by this many seconds per second.
    ReplicationDelay { seconds_per_second: f64 },
    /// The region's synthetic checks fail (a secret it needs is missing).
    MissingSecret,
    /// The region's health checkers flip between passing and failing every `period`.
    FlappingHealthCheck { period: Duration },
    /// Route 53 changes touching the region never reach INSYNC.
    DnsChangeStuck,
    /// Gray failure: health checks pass while p99 climbs to `p99` over `ramp`.
    LatencyDegradation { p99: Duration, ramp: Duration },
    /// Bad records are written and replicate: a counter shows them.
    CorruptedData { records_per_minute: f64 },
    /// Events are replayed twice: a duplicate-events counter shows them.
    DuplicateReplay { events_per_minute: f64 },
}

/// Every fault name, for errors and menus.
pub const FAULT_NAMES: [&str; 9] = [
    "region-outage",
    "db-primary-lost",
    "replication-delay",
    "missing-secret",
    "flapping-health-check",
    "dns-change-stuck",
    "latency-degradation",
    "corrupted-data",
    "duplicate-replay",
];

impl Fault {
    /// The fault called `name` with its default parameters (what a facilitator injects).
    pub fn default_of(name: &str) -> Option<Self> {
        Some(match name {
            "region-outage" => Fault::RegionOutage { error_percent: 42.0, ramp: Duration::seconds(90) },
            "db-primary-lost" => Fault::DbPrimaryLost,
            "replication-delay" => Fault::ReplicationDelay { seconds_per_second: 1.0 },
            "missing-secret" => Fault::MissingSecret,
            "flapping-health-check" => Fault::FlappingHealthCheck { period: Duration::seconds(30) },
            "dns-change-stuck" => Fault::DnsChangeStuck,
            "latency-degradation" => {
                Fault::LatencyDegradation { p99: Duration::seconds(4), ramp: Duration::minutes(5) }
            }
            "corrupted-data" => Fault::CorruptedData { records_per_minute: 5.0 },
            "duplicate-replay" => Fault::DuplicateReplay { events_per_minute: 20.0 },
            _ => return None,
        })
    }

    pub fn name(&self) -> &'static str {
        match self {
            Fault::RegionOutage { .. } => FAULT_NAMES[0],
            Fault::DbPrimaryLost => FAULT_NAMES[1],
            Fault::ReplicationDelay { .. } => FAULT_NAMES[2],
            Fault::MissingSecret => FAULT_NAMES[3],
            Fault::FlappingHealthCheck { .. } => FAULT_NAMES[4],
            Fault::DnsChangeStuck => FAULT_NAMES[5],
            Fault::LatencyDegradation { .. } => FAULT_NAMES[6],
            Fault::CorruptedData { .. } => FAULT_NAMES[7],
            Fault::DuplicateReplay { .. } => FAULT_NAMES[8],
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
