//! Steps in flight: what an executor reported back, watch steps finishing when their
//! condition holds (or failing when it can no longer be proven), timeouts, and the live
//! progress line a running step shows.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::App;
use crate::actions::{Outcome, OutcomeResult};
use crate::model::{DbRole, Lag};
use crate::runbook::{StepKind, StepRef, StepStatus};
use crate::scribe::data::StepData;
use crate::scribe::{Draft, Kind, Observed, SYSTEM_AUTHOR};
use crate::text::duration::format_duration;
use crate::text::format;

/// How a watch step ends on this reading.
enum Watch {
    Holds(String),
    /// The condition can no longer be proven (check-lag after the target was promoted).
    Overtaken(String),
}

impl App {
    /// What a running step is waiting for, live: "lag 586s → ≤ 60s, not falling · 4m of 10m".
    pub fn progress(&self, at: StepRef) -> Option<String> {
        let StepStatus::Running { since } = self.runs.status(at) else { return None };
        let step = self.step(at)?;
        let view = self.guard_view(at.runbook);
        let (now, interval) = (self.now, self.snapshot.poll_interval);
        let target = self.snapshot.regions.get(view.target)?;
        let waiting = match step.kind {
            StepKind::CheckLag => match target.replication_lag.fresh_value(now, interval) {
                Some(Lag::Behind(s)) => {
                    let recent: Vec<f64> = target.lag_history.last(3).collect();
                    let trend = match (recent.first(), recent.last()) {
                        (Some(a), Some(b)) if recent.len() >= 2 && b < a => "falling",
                        (Some(a), Some(b)) if recent.len() >= 2 && b > a => "rising",
                        _ => "not falling",
                    };
                    format!("lag {} → ≤ {}, {trend}", format::seconds(*s), format_duration(self.incident.rpo))
                }
                Some(Lag::NotReplicating) => format!("{} is not replicating", target.name),
                Some(Lag::Writer) => format!("{} is the writer", target.name),
                None => format!("{} lag unknown (stale or missing)", target.name),
            },
            StepKind::VerifyWriter => match target.database.fresh_value(now, interval) {
                Some(db) => format!("{} {} is {:?} → writer", target.name, db.identifier, db.role).to_lowercase(),
                None => format!("{} database role unknown (stale or missing)", target.name),
            },
            StepKind::WaitHealthy => {
                let verdict = crate::assess::verdict::region(target, self.limits());
                match (verdict.findings.first(), verdict.unknown.first()) {
                    (Some(f), _) => {
                        format!("{}: {} past a threshold ({})", target.name, verdict.findings.len(), f.text)
                    }
                    (None, Some(u)) => format!("{}: {} unknown ({})", target.name, u.name, u.reason),
                    (None, None) if target.is_serving(now, interval) => {
                        format!("{} serves under every threshold", target.name)
                    }
                    (None, None) => format!("{} is not serving yet", target.name),
                }
            }
            StepKind::ConfirmCapacity | StepKind::ScaleCapacity => match target.capacity.fresh_value(now, interval) {
                Some(c) => format!("{} {}/{} running (desired {})", target.name, c.running, c.needed, c.desired),
                None => format!("{} capacity unknown (stale or missing)", target.name),
            },
            StepKind::CheckSecrets => match target.fresh_secrets(now, interval) {
                Some(s) if s.missing().is_empty() => format!("{} has every secret", target.name),
                Some(s) => format!("{} lacks {}", target.name, names(s.missing().iter().map(|m| m.name.as_str()))),
                None => format!("{} secrets unknown (stale or missing)", target.name),
            },
            StepKind::WaitCanaries => match target.fresh_alarms(now, interval) {
                Some(a) => {
                    let red: Vec<&str> =
                        a.alarms.iter().filter(|a| a.canary && !a.passes()).map(|a| a.name.as_str()).collect();
                    if red.is_empty() {
                        format!("{} canaries OK", target.name)
                    } else {
                        format!("{} canary not OK: {}", target.name, red.join(", "))
                    }
                }
                None => format!("{} alarms unknown (stale or missing)", target.name),
            },
            _ => "sent; waiting for the result".to_owned(),
        };
        let elapsed = format::age(now - *since);
        let of = step.timeout.map(|t| format!(" of {}", format_duration(t))).unwrap_or_default();
        Some(format!("{waiting} · {elapsed}{of}"))
    }

    /// An executor reported back.
    pub(super) fn apply_outcome(&mut self, outcome: Outcome) {
        let at = outcome.step;
        let region = self.step_region(at);
        match outcome.result {
            OutcomeResult::Succeeded { detail, data, already } => {
                // What the backend reported (lag, change id, lost writes...), typed where known.
                let mut data: StepData = serde_json::from_value(data).unwrap_or_default();
                data.detail.insert("job".into(), json!(outcome.job));
                data.already = already;
                let draft = self.step_draft(Kind::ActionSucceeded, at, detail, data).region(region);
                let status = StepStatus::Done { at: self.now, already };
                if self.record_step(at, draft, status.clone()).is_err() {
                    self.set_status(at, status);
                }
            }
            OutcomeResult::Failed { error } => self.fail_step(at, error),
        }
    }

    /// On every tick: finish watch steps whose condition holds, fail steps past their timeout.
    pub(super) fn check_running(&mut self) {
        let running: Vec<(StepRef, DateTime<Utc>)> = self.runs.running().collect();
        for (at, since) in running {
            // Every terminal shows the step running; only the one acting on it judges it.
            if !self.judges(at) {
                continue;
            }
            let Some(step) = self.step(at).cloned() else { continue };
            if step.kind.watches() {
                match self.watch_condition(at, step.kind) {
                    Some(Watch::Holds(detail)) => {
                        let region = self.step_region(at);
                        let draft =
                            self.step_draft(Kind::ActionSucceeded, at, detail, StepData::default()).region(region);
                        let status = StepStatus::Done { at: self.now, already: false };
                        if self.record_step(at, draft, status.clone()).is_err() {
                            self.set_status(at, status);
                        }
                        continue;
                    }
                    Some(Watch::Overtaken(reason)) => {
                        self.fail_step(at, reason);
                        continue;
                    }
                    None => {}
                }
            }
            if let Some(timeout) = step.timeout
                && self.now - since > timeout
            {
                let error = format!("timed out after {}", format_duration(timeout));
                self.fail_step(at, error.clone());
                let text = format!("step {} {error}", step.id);
                let draft = Draft::new(self.now, SYSTEM_AUTHOR, Kind::Observation, text)
                    .data(Observed::StepTimedOut { step: step.id.clone() }.data());
                let _ = self.scribe.record(draft);
            }
        }
    }

    /// Whether this terminal writes `at`'s outcome: it holds the step's claim; or nobody
    /// can (no claims store: alone); or it started the step without a claim (break-glass)
    /// and no other terminal has claimed it since. A scribe's or a follower's terminal that
    /// merely sees the step running never journals its end.
    pub(super) fn judges(&self, at: StepRef) -> bool {
        if self.claims.is_none() || self.holds(at) {
            return true;
        }
        self.claim_elsewhere(at).is_none()
            && self.scribe.role.is_none_or(crate::scribe::roles::TeamRole::may_run_steps)
            && self.runs.by(at) == Some(self.scribe.author.as_str())
    }

    /// Whether a watch step's condition holds on fresh data, or can no longer be proven.
    fn watch_condition(&self, at: StepRef, kind: StepKind) -> Option<Watch> {
        let view = self.guard_view(at.runbook);
        let (now, interval) = (self.now, self.snapshot.poll_interval);
        let target = self.snapshot.regions.get(view.target)?;
        // Its only readings come from a region that does not answer: say so, not a timeout.
        if target.unreachable(now, interval) && kind != StepKind::WaitHealthy {
            return Some(Watch::Overtaken(format!(
                "{} unreachable: its {} cannot be read there",
                target.name,
                match kind {
                    StepKind::CheckLag => "replication lag",
                    StepKind::VerifyWriter => "database role",
                    StepKind::ConfirmCapacity => "capacity",
                    StepKind::CheckSecrets => "secrets",
                    _ => "canary alarms",
                }
            )));
        }
        let holds = |text: String| Some(Watch::Holds(text));
        match kind {
            StepKind::CheckLag => match target.replication_lag.fresh_value(now, interval)? {
                // Promoted while this waited: lag was never seen within the RPO, so this gate
                // did not pass; it must not turn green because there is no lag left to read.
                Lag::Writer if self.promotion_started(at.runbook) => Some(Watch::Overtaken(format!(
                    "overtaken: {} was promoted before its lag was seen within the RPO",
                    target.name
                ))),
                Lag::Writer => holds(format!("{} is already the writer: no lag", target.name)),
                lag @ Lag::Behind(s) if crate::assess::lag_within_rpo(lag, self.incident.rpo) => {
                    holds(format!("lag {} ≤ RPO {}", format::seconds(*s), format_duration(self.incident.rpo)))
                }
                _ => None,
            },
            StepKind::VerifyWriter => {
                let db = target.database.fresh_value(now, interval)?;
                (db.role == DbRole::Writer).then(|| {
                    Watch::Holds(format!("{} {} is the writer at {}", target.name, db.identifier, db.endpoint))
                })
            }
            StepKind::WaitHealthy => {
                let serving = target.is_serving(now, interval);
                // Every signal fresh and within its lines: unknown is not healthy.
                let ok =
                    crate::assess::verdict::region(target, self.limits()).state() == crate::assess::verdict::State::Ok;
                (serving && ok).then(|| Watch::Holds(format!("{} serves and is under every threshold", target.name)))
            }
            // A reading, not a gate: what runs now is recorded, ready or not.
            StepKind::ConfirmCapacity => target.capacity.fresh_value(now, interval).map(|c| {
                let verdict = if c.ready() { "enough to take all traffic" } else { "scale-secondary will raise it" };
                Watch::Holds(format!(
                    "{} {}/{} running (desired {}{}): {verdict}",
                    target.name,
                    c.running,
                    c.needed,
                    c.desired,
                    c.max.map(|m| format!(", max {m}")).unwrap_or_default()
                ))
            }),
            StepKind::CheckSecrets => {
                let secrets = target.fresh_secrets(now, interval)?;
                secrets.missing().is_empty().then(|| {
                    Watch::Holds(format!(
                        "{} has every secret: {}",
                        target.name,
                        names(secrets.secrets.iter().map(|s| s.name.as_str()))
                    ))
                })
            }
            StepKind::WaitCanaries => {
                let alarms = target.fresh_alarms(now, interval)?;
                let canaries: Vec<&crate::model::Alarm> = alarms.alarms.iter().filter(|a| a.canary).collect();
                // Unknown is not healthy: a canary that was not found never counts as green.
                (!canaries.is_empty() && alarms.missing.is_empty() && canaries.iter().all(|a| a.passes())).then(|| {
                    Watch::Holds(format!(
                        "{} canaries OK: {}",
                        target.name,
                        names(canaries.iter().map(|a| a.name.as_str()))
                    ))
                })
            }
            _ => None,
        }
    }

    /// A promotion step of `runbook` has been started (running, done or failed).
    fn promotion_started(&self, runbook: usize) -> bool {
        self.runs.runbooks.get(runbook).is_some_and(|b| {
            b.steps.iter().enumerate().any(|(step, s)| {
                s.kind == StepKind::PromoteDatabase
                    && !matches!(self.runs.status(StepRef { runbook, step }), StepStatus::Pending)
            })
        })
    }
}

fn names<'a>(list: impl Iterator<Item = &'a str>) -> String {
    list.collect::<Vec<_>>().join(", ")
}
