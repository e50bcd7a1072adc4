//! The AWS executor: each `Action` becomes the SDK calls of `crate::aws`, checked first for
//! whether the desired state already holds (so a re-run after a lost answer changes nothing).
//!
//! Only `live::run` and `run-step` create it, and never in read-only mode: the pollers have no
//! path to these calls.

use std::sync::Arc;

use serde_json::json;
use tokio::sync::mpsc;

use super::{Action, Executor, Job, Outcome, OutcomeResult};
use crate::aws::{capacity, database, flag, routing};
use crate::model::{ChangeStatus, PendingChange};
use crate::sources::aws::Live;

/// Start the executor; each job runs in its own task so a slow promotion never holds up a
/// freeze.
pub fn spawn(live: Arc<Live>, outcomes: mpsc::Sender<Outcome>) -> Executor {
    let (jobs, mut rx) = mpsc::channel::<Job>(16);
    tokio::spawn(async move {
        while let Some(job) = rx.recv().await {
            let (live, outcomes) = (Arc::clone(&live), outcomes.clone());
            tokio::spawn(async move {
                tracing::info!(job = job.id, action = ?job.action, "executing");
                let result = execute(&live, &job.action).await;
                tracing::info!(job = job.id, ?result, "executed");
                let _ = outcomes.send(Outcome { job: job.id, step: job.step, result }).await;
            });
        }
    });
    Executor { jobs, backend: super::Backend::Aws }
}

fn index(live: &Live, name: &str) -> Result<usize, String> {
    live.config.regions.iter().position(|r| r.name == name).ok_or_else(|| format!("no region {name} in the config"))
}

fn done(already: bool, detail: String, data: serde_json::Value) -> OutcomeResult {
    let detail = if already { format!("already done: {detail}; nothing was changed") } else { detail };
    OutcomeResult::Succeeded { detail, data, already }
}

/// Carry out one action against AWS.
pub async fn execute(live: &Live, action: &Action) -> OutcomeResult {
    let failed = |error: String| OutcomeResult::Failed { error };
    let region = match index(live, action.region()) {
        Ok(i) => i,
        Err(e) => return failed(e),
    };
    let Some(clients) = live.clients.get(region) else { return failed("no clients for the region".into()) };
    match action {
        Action::FreezeWrites { table, key, .. } | Action::UnfreezeWrites { table, key, .. } => {
            let frozen = matches!(action, Action::FreezeWrites { .. });
            match flag::set_frozen(clients, &live.config.write_freeze, frozen).await {
                Ok(already) => done(
                    already,
                    format!(
                        "writes {} in {}: {table}/{key} {} = {}",
                        if frozen { "frozen" } else { "reopened" },
                        clients.region,
                        live.config.write_freeze.value_attribute,
                        if frozen {
                            &live.config.write_freeze.frozen_value
                        } else {
                            &live.config.write_freeze.open_value
                        }
                    ),
                    json!({ "already": already, "table": table, "key": key }),
                ),
                Err(e) => failed(e.text),
            }
        }
        Action::PromoteDatabase { mode, .. } => match database::promote(clients, &live.config, region, *mode).await {
            Ok(p) => done(p.already, p.detail, json!({ "already": p.already, "mode": mode })),
            Err(e) => failed(e.text),
        },
        Action::ScaleCapacity { target, .. } => {
            let Some(config) = live.config.regions[region].aws.capacity.as_ref() else {
                return failed(format!("{} has no [regions.capacity] in the config", clients.region));
            };
            match capacity::scale(clients, config, *target, live.config.aws.scale_timeout).await {
                Ok(s) => done(s.already, s.detail, json!({ "already": s.already, "target": target })),
                Err(e) => failed(e.text),
            }
        }
        Action::ShiftTraffic { from, override_safety_rules, .. } => {
            let from = match index(live, from) {
                Ok(i) => i,
                Err(e) => return failed(e),
            };
            if let Some(cluster) = &live.cluster {
                return match crate::aws::arc::shift(cluster, &live.config, from, region, override_safety_rules).await {
                    Ok(s) => done(
                        s.already,
                        s.detail,
                        json!({ "already": s.already, "method": "arc", "overridden": override_safety_rules }),
                    ),
                    Err(e) => failed(e.text),
                };
            }
            let record = |id: &str| {
                live.set_change(PendingChange {
                    id: id.to_owned(),
                    submitted_at: chrono::Utc::now(),
                    status: ChangeStatus::Pending,
                });
            };
            match routing::shift(clients, &live.config, from, region, record).await {
                Ok(s) => done(s.already, s.detail, json!({ "already": s.already, "change": s.change_id })),
                Err(e) => failed(e.text),
            }
        }
    }
}
