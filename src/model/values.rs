//! The value types a region's signals carry. Plain data, shared by sim, AWS and UI.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The role a region was given in the config: what the runbook fails over *from* and *to*.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    Primary,
    Secondary,
}

impl Role {
    pub fn label(self) -> &'static str {
        match self {
            Role::Primary => "PRIMARY",
            Role::Secondary => "SECONDARY",
        }
    }
}

/// Route 53 health checkers for a region's endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthChecks {
    pub healthy: u8,
    pub total: u8,
}

impl HealthChecks {
    /// Route 53 considers an endpoint healthy when more than 18% of its checkers say so.
    pub fn is_healthy(self) -> bool {
        u32::from(self.healthy) * 100 > 18 * u32::from(self.total)
    }
}

/// Replication lag as the replica reports it.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", content = "seconds", rename_all = "kebab-case")]
pub enum Lag {
    /// This region holds the writer: nothing to replicate into it.
    Writer,
    /// The replica is this many seconds behind the writer.
    Behind(f64),
    /// The replica reports that it is not replicating (RDS `ReplicaLag` = -1).
    NotReplicating,
}

impl Lag {
    /// The one rule every source follows: a region whose database is the writer has no
    /// replication lag to read, so it reads `Writer` instead of going stale for want of one.
    pub fn from_role(role: DbRole) -> Option<Lag> {
        (role == DbRole::Writer).then_some(Lag::Writer)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DbRole {
    Writer,
    Replica,
    Promoting,
    Unavailable,
}

impl DbRole {
    pub fn label(self) -> &'static str {
        match self {
            DbRole::Writer => "writer",
            DbRole::Replica => "replica",
            DbRole::Promoting => "promoting",
            DbRole::Unavailable => "unavailable",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Database {
    pub role: DbRole,
    pub identifier: String,
    pub endpoint: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RoutingPolicy {
    Failover,
    Weighted,
    /// An ARC routing control: On sends the region traffic, and a change takes effect at once.
    RoutingControl,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeStatus {
    Pending,
    Insync,
}

/// A Route 53 change batch that touched this region's record.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PendingChange {
    pub id: String,
    pub submitted_at: DateTime<Utc>,
    pub status: ChangeStatus,
}

/// This region's record in the routed name.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Routing {
    pub record_set_id: String,
    pub policy: RoutingPolicy,
    /// Route 53 currently answers queries with this region's record.
    pub active: bool,
    /// Weight, for weighted records.
    pub weight: Option<u8>,
    pub ttl_seconds: u32,
    pub change: Option<PendingChange>,
}

/// Data-integrity counters (drills: `corrupted-data`, `duplicate-replay`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Integrity {
    pub corrupted_records: u64,
    pub duplicate_events: u64,
    /// The sim only: writes the writer accepted that have not reached this replica yet, so
    /// lost if it is promoted now (what an override of `lag-within-rpo` costs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unreplicated_writes: Option<u64>,
}

impl Integrity {
    pub fn is_clean(self) -> bool {
        self.corrupted_records == 0 && self.duplicate_events == 0
    }
}

/// A CloudWatch alarm's state (`StateValue`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AlarmState {
    Ok,
    Alarm,
    /// Not enough data to judge: unknown, and unknown is not healthy unless accepted.
    InsufficientData,
}

impl AlarmState {
    pub fn label(self) -> &'static str {
        match self {
            AlarmState::Ok => "OK",
            AlarmState::Alarm => "ALARM",
            AlarmState::InsufficientData => "INSUFFICIENT",
        }
    }
}

/// One alarm as read, with what the config says about it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alarm {
    pub name: String,
    pub state: AlarmState,
    /// Its `INSUFFICIENT_DATA` is normal here (`accept-insufficient`).
    #[serde(default)]
    pub accepts_insufficient: bool,
    /// A canary alarm (`synthetic-checks` waits for it).
    #[serde(default)]
    pub canary: bool,
}

impl Alarm {
    /// OK, or an insufficient-data state the config accepts.
    pub fn passes(&self) -> bool {
        match self.state {
            AlarmState::Ok => true,
            AlarmState::InsufficientData => self.accepts_insufficient,
            AlarmState::Alarm => false,
        }
    }
}

/// A region's alarms, read at the inventory interval (`every_seconds`), which is also how
/// long the reading counts as fresh per poll interval.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alarms {
    pub alarms: Vec<Alarm>,
    /// Names configured exactly but not found: unknown, so they fail `alarms-ok`.
    #[serde(default)]
    pub missing: Vec<String>,
    pub every_seconds: u32,
}

impl Alarms {
    pub fn count(&self, state: AlarmState) -> usize {
        self.alarms.iter().filter(|a| a.state == state).count()
    }

    /// Why the alarms do not all pass, or None when they do (canaries included).
    pub fn failing(&self) -> Vec<String> {
        let mut out: Vec<String> =
            self.alarms.iter().filter(|a| !a.passes()).map(|a| format!("{} {}", a.name, a.state.label())).collect();
        out.extend(self.missing.iter().map(|m| format!("{m} not found")));
        out
    }
}

/// How much of the application runs in a region, against what it needs for all traffic.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capacity {
    /// `Auto Scaling group checkout-west`, `ECS service web/api`.
    pub what: String,
    /// InService instances, or the service's running tasks.
    pub running: u32,
    pub desired: u32,
    /// The group's maximum size (ECS services have none).
    pub max: Option<u32>,
    pub needed: u32,
}

impl Capacity {
    pub fn ready(&self) -> bool {
        self.running >= self.needed
    }
}

/// One secret the application needs, checked in a region.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretCheck {
    pub name: String,
    pub present: bool,
    /// Why it does not count as present ("not found", "scheduled for deletion on …").
    pub why: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Secrets {
    pub secrets: Vec<SecretCheck>,
    pub every_seconds: u32,
}

impl Secrets {
    pub fn missing(&self) -> Vec<&SecretCheck> {
        self.secrets.iter().filter(|s| !s.present).collect()
    }
}
