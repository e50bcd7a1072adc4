//! Faults the sim can suffer, and the timeline that schedules them.

use chrono::Duration;

use crate::model::AlarmState;

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
    /// Instances fail to launch (insufficient capacity): at most `available` run, whatever
    /// the desired capacity.
    CapacityShortfall { available: u32 },
    /// An alarm is held in `state` (a facilitator's "the canary is red").
    Alarm { alarm: AlarmPick, state: AlarmState },
    /// The region's own endpoints do not answer: nothing is read there and nothing can be
    /// changed there (its users may still be served, or not: see `RegionOutage`).
    RegionDark,
    /// us-east-1's control plane does not answer, whichever region the fault names: Route 53
    /// health and records cannot be read, and records cannot be changed.
    ControlPlaneOutage,
}

/// Which of a region's simulated alarms a fault sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AlarmPick {
    /// The 5xx alarm.
    Errors,
    Latency,
    Canary,
    All,
}

impl AlarmPick {
    pub const NAMES: [&'static str; 4] = ["errors", "latency", "canary", "all"];

    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "errors" => AlarmPick::Errors,
            "latency" => AlarmPick::Latency,
            "canary" => AlarmPick::Canary,
            "all" => AlarmPick::All,
            _ => return None,
        })
    }
}

/// The kinds of fault, without their parameters: the one list the scenario parser, the
/// facilitator's menu, the world and the journal all read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FaultKind {
    RegionOutage,
    DbPrimaryLost,
    ReplicationDelay,
    MissingSecret,
    FlappingHealthCheck,
    DnsChangeStuck,
    LatencyDegradation,
    CorruptedData,
    DuplicateReplay,
    CapacityShortfall,
    Alarm,
    RegionDark,
    ControlPlaneOutage,
}

impl FaultKind {
    /// Every kind, in the menu's order.
    pub const ALL: [FaultKind; 13] = [
        FaultKind::RegionOutage,
        FaultKind::DbPrimaryLost,
        FaultKind::ReplicationDelay,
        FaultKind::MissingSecret,
        FaultKind::FlappingHealthCheck,
        FaultKind::DnsChangeStuck,
        FaultKind::LatencyDegradation,
        FaultKind::CorruptedData,
        FaultKind::DuplicateReplay,
        FaultKind::CapacityShortfall,
        FaultKind::Alarm,
        FaultKind::RegionDark,
        FaultKind::ControlPlaneOutage,
    ];

    /// The name scenario files, the menu and the journal use.
    pub fn name(self) -> &'static str {
        match self {
            FaultKind::RegionOutage => "region-outage",
            FaultKind::DbPrimaryLost => "db-primary-lost",
            FaultKind::ReplicationDelay => "replication-delay",
            FaultKind::MissingSecret => "missing-secret",
            FaultKind::FlappingHealthCheck => "flapping-health-check",
            FaultKind::DnsChangeStuck => "dns-change-stuck",
            FaultKind::LatencyDegradation => "latency-degradation",
            FaultKind::CorruptedData => "corrupted-data",
            FaultKind::DuplicateReplay => "duplicate-replay",
            FaultKind::CapacityShortfall => "capacity-shortfall",
            FaultKind::Alarm => "alarm",
            FaultKind::RegionDark => "region-dark",
            FaultKind::ControlPlaneOutage => "control-plane-outage",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }

    /// Every kind's name, for errors.
    pub fn names() -> Vec<&'static str> {
        Self::ALL.iter().map(|k| k.name()).collect()
    }

    /// The parameters a scenario file may give this kind (TOML keys).
    pub fn parameters(self) -> &'static [&'static str] {
        match self {
            FaultKind::RegionOutage => &["error-percent", "ramp"],
            FaultKind::ReplicationDelay => &["seconds-per-second"],
            FaultKind::FlappingHealthCheck => &["period"],
            FaultKind::LatencyDegradation => &["p99", "ramp"],
            FaultKind::CorruptedData => &["records-per-minute"],
            FaultKind::DuplicateReplay => &["events-per-minute"],
            FaultKind::CapacityShortfall => &["available"],
            FaultKind::Alarm => &["alarm", "state"],
            FaultKind::DbPrimaryLost
            | FaultKind::MissingSecret
            | FaultKind::DnsChangeStuck
            | FaultKind::RegionDark
            | FaultKind::ControlPlaneOutage => &[],
        }
    }

    /// The fault with its default parameters (what a facilitator injects).
    pub fn default_fault(self) -> Fault {
        match self {
            FaultKind::RegionOutage => Fault::RegionOutage { error_percent: 42.0, ramp: Duration::seconds(90) },
            FaultKind::DbPrimaryLost => Fault::DbPrimaryLost,
            FaultKind::ReplicationDelay => Fault::ReplicationDelay { seconds_per_second: 1.0 },
            FaultKind::MissingSecret => Fault::MissingSecret,
            FaultKind::FlappingHealthCheck => Fault::FlappingHealthCheck { period: Duration::seconds(30) },
            FaultKind::DnsChangeStuck => Fault::DnsChangeStuck,
            FaultKind::LatencyDegradation => {
                Fault::LatencyDegradation { p99: Duration::seconds(4), ramp: Duration::minutes(5) }
            }
            FaultKind::CorruptedData => Fault::CorruptedData { records_per_minute: 5.0 },
            FaultKind::DuplicateReplay => Fault::DuplicateReplay { events_per_minute: 20.0 },
            FaultKind::CapacityShortfall => Fault::CapacityShortfall { available: 8 },
            FaultKind::Alarm => Fault::Alarm { alarm: AlarmPick::Canary, state: AlarmState::Alarm },
            FaultKind::RegionDark => Fault::RegionDark,
            FaultKind::ControlPlaneOutage => Fault::ControlPlaneOutage,
        }
    }
}

impl Fault {
    pub fn kind(&self) -> FaultKind {
        match self {
            Fault::RegionOutage { .. } => FaultKind::RegionOutage,
            Fault::DbPrimaryLost => FaultKind::DbPrimaryLost,
            Fault::ReplicationDelay { .. } => FaultKind::ReplicationDelay,
            Fault::MissingSecret => FaultKind::MissingSecret,
            Fault::FlappingHealthCheck { .. } => FaultKind::FlappingHealthCheck,
            Fault::DnsChangeStuck => FaultKind::DnsChangeStuck,
            Fault::LatencyDegradation { .. } => FaultKind::LatencyDegradation,
            Fault::CorruptedData { .. } => FaultKind::CorruptedData,
            Fault::DuplicateReplay { .. } => FaultKind::DuplicateReplay,
            Fault::CapacityShortfall { .. } => FaultKind::CapacityShortfall,
            Fault::Alarm { .. } => FaultKind::Alarm,
            Fault::RegionDark => FaultKind::RegionDark,
            Fault::ControlPlaneOutage => FaultKind::ControlPlaneOutage,
        }
    }

    pub fn name(&self) -> &'static str {
        self.kind().name()
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
