//! Actions: what a runbook step asks the world to do, as plain values, and the executors that
//! do it. The confirm modal, the journal, `run-step` and the tests all see the same `Action`.
//!
//! An `Executor` can only be made by a backend (`actions::sim::spawn`, later AWS). Read-only
//! sessions never make one, so they have no way to send an action at all.

pub mod aws;
pub mod remote;
pub mod sim;

use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use crate::runbook::{Promotion, StepRef};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
pub enum Action {
    /// Set the write-freeze flag (DynamoDB conditional UpdateItem) in `region`.
    FreezeWrites { region: String, table: String, key: String },
    /// Clear the write-freeze flag in `region` (conditional UpdateItem): writes open again.
    UnfreezeWrites { region: String, table: String, key: String },
    /// Make `instance` (an RDS replica or an Aurora cluster) in `region` the writer.
    PromoteDatabase { region: String, instance: String, mode: Promotion },
    /// Make `to` the region traffic goes to: its record the active answer for `record_name`
    /// (Route 53 change batch), or its routing control On and `from`'s Off (ARC).
    ShiftTraffic {
        from: String,
        to: String,
        record_name: String,
        /// Through ARC routing controls (`method = "arc"`), not Route 53 records.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        routing_controls: bool,
        /// ARC safety rules to override (`SafetyRulesToOverride`): only ever from a reason
        /// typed for a safety rule's refusal, never from an override of other guards.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        override_safety_rules: Vec<String>,
    },
    /// Raise `region`'s Auto Scaling group or ECS service (`resource`) to `target`, then wait
    /// until that many run. Never lowers it.
    ScaleCapacity { region: String, resource: String, target: u32 },
}

impl Action {
    /// The region where the action happens: what the operator must type to confirm.
    pub fn region(&self) -> &str {
        match self {
            Action::FreezeWrites { region, .. }
            | Action::UnfreezeWrites { region, .. }
            | Action::PromoteDatabase { region, .. }
            | Action::ScaleCapacity { region, .. } => region,
            Action::ShiftTraffic { to, .. } => to,
        }
    }

    /// The resource touched, for the confirm modal and the journal.
    pub fn resource(&self) -> String {
        match self {
            Action::FreezeWrites { table, key, .. } | Action::UnfreezeWrites { table, key, .. } => {
                format!("DynamoDB {table} / {key}")
            }
            Action::PromoteDatabase { instance, .. } => format!("database {instance}"),
            Action::ShiftTraffic { routing_controls: true, from, to, .. } => {
                format!("ARC routing controls of {to} and {from}")
            }
            Action::ShiftTraffic { record_name, .. } => format!("Route 53 {record_name}"),
            Action::ScaleCapacity { resource, .. } => resource.clone(),
        }
    }

    /// The exact action, in words.
    pub fn describe(&self) -> String {
        match self {
            Action::FreezeWrites { region, table, key } => {
                format!(
                    "Freeze writes in {region}: set the flag {key} to frozen in DynamoDB table {table} (conditional UpdateItem)"
                )
            }
            Action::UnfreezeWrites { region, table, key } => format!(
                "Reopen writes in {region}: set the flag {key} to open in DynamoDB table {table} (conditional UpdateItem). Freeze the other region first: two regions taking writes diverge."
            ),
            Action::PromoteDatabase { region, instance, mode: Promotion::Failover } => format!(
                "Promote {instance} in {region} to writer (RDS PromoteReadReplica, or Aurora FailoverGlobalCluster with AllowDataLoss). Not reversible: replication from the old primary ends; unreplicated writes are lost."
            ),
            Action::PromoteDatabase { region, instance, mode: Promotion::Switchover } => format!(
                "Switch the writer to {instance} in {region} (RDS PromoteReadReplica, or Aurora SwitchoverGlobalCluster: waits for replication, no data loss)."
            ),
            Action::ShiftTraffic { from, to, record_name, routing_controls: true, override_safety_rules } => {
                let overriding = if override_safety_rules.is_empty() {
                    String::new()
                } else {
                    format!(", OVERRIDING ARC safety rule(s) {}", override_safety_rules.join(", "))
                };
                format!(
                    "Shift traffic for {record_name} from {from} to {to}: routing control {to} On and {from} Off in one UpdateRoutingControlStates through the ARC cluster's regional endpoints{overriding}"
                )
            }
            Action::ShiftTraffic { from, to, record_name, .. } => format!(
                "Shift traffic for {record_name} from {from} to {to} (Route 53 ChangeResourceRecordSets, then wait for INSYNC)"
            ),
            Action::ScaleCapacity { region, resource, target } => format!(
                "Scale {resource} in {region} to {target} (Auto Scaling SetDesiredCapacity or ECS UpdateService desiredCount; never lowers it), then wait until {target} run"
            ),
        }
    }
}

/// One action for one step, numbered so its outcome finds its way back.
#[derive(Clone, Debug, PartialEq)]
pub struct Job {
    pub id: u64,
    pub step: StepRef,
    pub action: Action,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "kebab-case")]
pub enum OutcomeResult {
    /// `already`: the desired state held, nothing was done.
    Succeeded {
        detail: String,
        data: serde_json::Value,
        already: bool,
    },
    Failed {
        error: String,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    pub job: u64,
    pub step: StepRef,
    pub result: OutcomeResult,
}

/// Where an executor's actions land.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// The AWS account of a live config.
    Aws,
    /// The simulated world (demo, drills, `run-step --demo`).
    Sim,
    /// Nowhere: a test or a replay plays the backend itself.
    Detached,
    /// The host a joined terminal shows (`actions::remote`): the host's world carries it out.
    Host,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Aws => "aws",
            Backend::Sim => "sim",
            Backend::Detached => "detached",
            Backend::Host => "host",
        }
    }
}

/// The way to send actions. Private field: only an executor backend can create one.
#[derive(Clone, Debug)]
pub struct Executor {
    jobs: mpsc::Sender<Job>,
    backend: Backend,
}

impl Executor {
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// An executor whose jobs go to the returned receiver and nowhere else: for tests of the
    /// app's own handling, where the test plays the backend.
    pub fn detached() -> (Self, mpsc::Receiver<Job>) {
        let (jobs, rx) = mpsc::channel(64);
        (Self { jobs, backend: Backend::Detached }, rx)
    }

    /// A sim executor whose jobs the caller carries out with `actions::sim::Stepper`, in
    /// step with a world it advances itself (headless drills).
    pub fn stepped() -> (Self, mpsc::Receiver<Job>) {
        let (jobs, rx) = mpsc::channel(64);
        (Self { jobs, backend: Backend::Sim }, rx)
    }

    /// Queue a job; fails only if the executor has stopped or is saturated.
    pub fn submit(&self, job: Job) -> Result<(), String> {
        self.jobs.try_send(job).map_err(|e| format!("the {} executor cannot take the action: {e}", self.backend.name()))
    }
}
