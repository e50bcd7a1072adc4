//! Runbooks: steps, guards, built-in failover and failback (seed 004 §15–16), evaluation,
//! and run state's types. Never calls AWS: steps that change anything become `actions::Action`s.

mod builtin;
mod config;
pub mod ids;
mod state;

use std::fmt;

use chrono::Duration;
use serde::{Deserialize, Serialize};

pub use builtin::{Features, built_in, built_in_for};
pub use config::{RawRunbook, validate};
pub use state::{Approval, RunState, StepRef, StepStatus, Verdict};

/// What a step does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepKind {
    /// Record the decision; starts the RTO clock. Journal only.
    Declare,
    /// Set the write-freeze flag in the source region.
    FreezeWrites,
    /// Clear the write-freeze flag in the target region (a failback reopening writes there).
    UnfreezeWrites,
    /// Gate: passes when the target's replication lag is within the RPO.
    CheckLag,
    /// Promote the target's database to writer.
    PromoteDatabase,
    /// Wait until the target's database reports the writer role.
    VerifyWriter,
    /// Point the routed name at the target region.
    ShiftTraffic,
    /// Wait until the target region serves and is under every threshold.
    WaitHealthy,
    /// A human step, ticked with a note.
    Checklist,
    /// Scale the target's Auto Scaling group or ECS service to the capacity it needs, then
    /// wait until that much runs.
    ScaleCapacity,
    /// Read the target's capacity: done on a fresh reading, which the step records.
    ConfirmCapacity,
    /// Watch: every secret the application needs exists in the target region.
    CheckSecrets,
    /// Watch: the target's canary alarms are OK.
    WaitCanaries,
}

impl StepKind {
    pub fn as_str(self) -> &'static str {
        match self {
            StepKind::Declare => "declare",
            StepKind::FreezeWrites => "freeze-writes",
            StepKind::UnfreezeWrites => "unfreeze-writes",
            StepKind::CheckLag => "check-lag",
            StepKind::PromoteDatabase => "promote-database",
            StepKind::VerifyWriter => "verify-writer",
            StepKind::ShiftTraffic => "shift-traffic",
            StepKind::WaitHealthy => "wait-healthy",
            StepKind::Checklist => "checklist",
            StepKind::ScaleCapacity => "scale-capacity",
            StepKind::ConfirmCapacity => "confirm-capacity",
            StepKind::CheckSecrets => "check-secrets",
            StepKind::WaitCanaries => "wait-canaries",
        }
    }

    /// Changes something outside warroom (AWS or the sim): needs the executor and a typed
    /// confirmation.
    pub fn mutates(self) -> bool {
        matches!(
            self,
            StepKind::FreezeWrites
                | StepKind::UnfreezeWrites
                | StepKind::PromoteDatabase
                | StepKind::ShiftTraffic
                | StepKind::ScaleCapacity
        )
    }

    /// Watches the snapshot until a condition holds.
    pub fn watches(self) -> bool {
        matches!(
            self,
            StepKind::CheckLag
                | StepKind::VerifyWriter
                | StepKind::WaitHealthy
                | StepKind::ConfirmCapacity
                | StepKind::CheckSecrets
                | StepKind::WaitCanaries
        )
    }

    /// How long a running step may take before it fails with "timed out".
    pub fn default_timeout(self) -> Option<Duration> {
        match self {
            StepKind::Declare | StepKind::Checklist => None,
            StepKind::FreezeWrites | StepKind::UnfreezeWrites => Some(Duration::minutes(2)),
            StepKind::CheckLag => Some(Duration::minutes(10)),
            StepKind::PromoteDatabase => Some(Duration::minutes(10)),
            StepKind::VerifyWriter => Some(Duration::minutes(5)),
            StepKind::ShiftTraffic => Some(Duration::minutes(5)),
            StepKind::WaitHealthy => Some(Duration::minutes(15)),
            StepKind::ScaleCapacity => Some(Duration::minutes(15)),
            StepKind::ConfirmCapacity | StepKind::CheckSecrets => Some(Duration::minutes(2)),
            StepKind::WaitCanaries => Some(Duration::minutes(10)),
        }
    }
}

/// How a promotion treats the old writer (matters for Aurora global databases).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Promotion {
    /// Graceful: both regions up, no data loss (Aurora `SwitchoverGlobalCluster`).
    Switchover,
    /// Ungraceful: the old writer is impaired; accepts data loss (Aurora
    /// `FailoverGlobalCluster` with `AllowDataLoss`).
    Failover,
}

impl Promotion {
    /// A step that does not say: a failover runbook assumes the primary is impaired, a
    /// failback that both regions are up.
    pub fn default_for(direction: Direction) -> Self {
        match direction {
            Direction::Failover => Promotion::Failover,
            Direction::Failback => Promotion::Switchover,
        }
    }
}

/// A condition that must hold before a step may run.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Guard {
    /// The named step of the same runbook is done (or skipped with a reason).
    After(String),
    /// The target region's health checks pass and its 5xx rate is under the threshold.
    SecondaryHealthy,
    /// The target's replication lag is within the RPO.
    LagWithinRpo,
    /// The source region's write-freeze flag is set.
    WritesFrozen,
    /// No Route 53 change is pending.
    ChangeInsync,
    /// The target's `[[signals]]` row of this name is fresh and not past its critical line.
    SignalOk(String),
    /// Every configured alarm of the target is OK (or an accepted INSUFFICIENT_DATA).
    AlarmsOk,
    /// The target runs the capacity it needs to take all traffic.
    CapacityReady,
    /// Every secret the application needs exists in the target.
    SecretsPresent,
    /// The last traffic shift is longer ago than the cooldown.
    CooldownElapsed,
    /// No ARC safety rule refused this step's last try. Never configured: it appears on a
    /// shift-traffic step once ARC refused it, and only its own typed override passes it.
    SafetyRule,
}

/// How a shift refused by an ARC safety rule (`ConflictException`) begins its error, so the
/// run state can show it as a failed guard.
pub const SAFETY_RULE_REFUSED: &str = "refused by an ARC safety rule";

impl Guard {
    pub fn parse(text: &str) -> Result<Self, String> {
        match text.trim() {
            "secondary-healthy" => Ok(Guard::SecondaryHealthy),
            "lag-within-rpo" => Ok(Guard::LagWithinRpo),
            "writes-frozen" => Ok(Guard::WritesFrozen),
            "change-insync" => Ok(Guard::ChangeInsync),
            "alarms-ok" => Ok(Guard::AlarmsOk),
            "capacity-ready" => Ok(Guard::CapacityReady),
            "secrets-present" => Ok(Guard::SecretsPresent),
            "cooldown-elapsed" => Ok(Guard::CooldownElapsed),
            other => match (other.strip_prefix("after:"), other.strip_prefix("signal-ok:")) {
                (Some(step), _) if !step.is_empty() => Ok(Guard::After(step.to_owned())),
                (_, Some(name)) if !name.is_empty() => Ok(Guard::SignalOk(name.to_owned())),
                _ => Err(format!(
                    "unknown guard `{other}`: use after:<step-id>, secondary-healthy, lag-within-rpo, writes-frozen, change-insync, alarms-ok, capacity-ready, secrets-present, cooldown-elapsed or signal-ok:<signal>"
                )),
            },
        }
    }
}

impl fmt::Display for Guard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Guard::After(step) => write!(f, "after:{step}"),
            Guard::SecondaryHealthy => f.write_str("secondary-healthy"),
            Guard::LagWithinRpo => f.write_str("lag-within-rpo"),
            Guard::WritesFrozen => f.write_str("writes-frozen"),
            Guard::ChangeInsync => f.write_str("change-insync"),
            Guard::SignalOk(name) => write!(f, "signal-ok:{name}"),
            Guard::AlarmsOk => f.write_str("alarms-ok"),
            Guard::CapacityReady => f.write_str("capacity-ready"),
            Guard::SecretsPresent => f.write_str("secrets-present"),
            Guard::CooldownElapsed => f.write_str("cooldown-elapsed"),
            Guard::SafetyRule => f.write_str("arc-safety-rule"),
        }
    }
}

/// Which way traffic moves: decides the source and target regions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    /// From the primary to the secondary.
    Failover,
    /// From the secondary back to the primary.
    Failback,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    pub id: String,
    pub title: String,
    pub kind: StepKind,
    pub guards: Vec<Guard>,
    pub timeout: Option<Duration>,
    /// For promote-database steps: switchover or failover (default from the direction).
    pub promotion: Option<Promotion>,
    /// The two-person rule (`approval = "commander"`): another commander approves first.
    pub approval: bool,
}

impl Step {
    pub fn new(id: &str, title: &str, kind: StepKind, guards: &[&str]) -> Self {
        Self {
            id: id.to_owned(),
            title: title.to_owned(),
            kind,
            guards: guards.iter().filter_map(|g| Guard::parse(g).ok()).collect(),
            timeout: kind.default_timeout(),
            promotion: None,
            approval: false,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Runbook {
    pub id: String,
    pub title: String,
    pub direction: Direction,
    pub steps: Vec<Step>,
}

impl Runbook {
    pub fn step(&self, id: &str) -> Option<(usize, &Step)> {
        self.steps.iter().enumerate().find(|(_, s)| s.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guards_parse_and_print_back() {
        for text in [
            "after:declare",
            "secondary-healthy",
            "lag-within-rpo",
            "writes-frozen",
            "change-insync",
            "signal-ok:queue-age",
            "alarms-ok",
            "capacity-ready",
            "secrets-present",
            "cooldown-elapsed",
        ] {
            assert_eq!(Guard::parse(text).unwrap().to_string(), text);
        }
        assert!(Guard::parse("after:").is_err());
        assert!(Guard::parse("healthy").unwrap_err().contains("unknown guard `healthy`"));
    }
}
