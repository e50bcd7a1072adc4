//! Guard evaluation: each guard of a step, judged on the current snapshot, with its reason in
//! words. Stale or missing data never satisfies a guard: unknown is not healthy.

use chrono::{DateTime, Utc};

use super::Limits;
use crate::model::{ChangeStatus, Freshness, Lag, RegionSnapshot, Signal, Snapshot};
use crate::runbook::{Guard, RunState, SAFETY_RULE_REFUSED, Step, StepStatus, Verdict};
use crate::text::duration::format_duration;
use crate::text::format;

#[derive(Clone, Debug, PartialEq)]
pub struct GuardResult {
    pub guard: Guard,
    pub ok: bool,
    pub reason: String,
}

/// What guards look at: the snapshot, the limits, and which regions the runbook moves
/// traffic from (`source`) and to (`target`).
#[derive(Clone, Copy, Debug)]
pub struct GuardView<'a> {
    pub snapshot: &'a Snapshot,
    pub limits: Limits<'a>,
    pub source: usize,
    pub target: usize,
    /// No failback or second failover within this long of the last traffic shift.
    pub cooldown: chrono::Duration,
}

/// A fresh value, or why there is none ("us-west-2 health reading 45s old: stale").
fn fresh<'s, T>(
    signal: &'s Signal<T>,
    region: &str,
    what: &str,
    now: DateTime<Utc>,
    view: &GuardView<'_>,
) -> Result<&'s T, String> {
    match signal.freshness(now, view.snapshot.poll_interval) {
        Freshness::Fresh => signal.value.as_ref().ok_or_else(|| format!("{region} {what}: no reading yet")),
        Freshness::Stale => {
            let age = signal.age(now).map(format::age).unwrap_or_default();
            Err(format!("{region} {what} reading {age} old: stale"))
        }
        Freshness::Missing => match &signal.error {
            Some(e) => Err(format!(
                "{region} {what}: no reading ({})",
                crate::text::sanitize::inert(crate::model::error_headline(e))
            )),
            None => Err(format!("{region} {what}: no reading yet")),
        },
    }
}

pub fn evaluate(step: &Step, runbook: usize, state: &RunState, view: &GuardView<'_>) -> Vec<GuardResult> {
    let mut results: Vec<GuardResult> = step.guards.iter().map(|g| evaluate_one(g, runbook, state, view)).collect();
    // A shift an ARC safety rule refused stays refused until an override of that rule.
    if let Some(StepStatus::Failed { error, .. }) = state.status_by_id(runbook, &step.id)
        && error.starts_with(SAFETY_RULE_REFUSED)
    {
        results.push(GuardResult { guard: Guard::SafetyRule, ok: false, reason: error.clone() });
    }
    results
}

fn region<'a>(view: &GuardView<'a>, index: usize) -> Option<&'a RegionSnapshot> {
    view.snapshot.regions.get(index)
}

fn evaluate_one(guard: &Guard, runbook: usize, state: &RunState, view: &GuardView<'_>) -> GuardResult {
    let now = view.limits.now;
    let result = |ok: bool, reason: String| GuardResult { guard: guard.clone(), ok, reason };
    let (Some(source), Some(target)) = (region(view, view.source), region(view, view.target)) else {
        return result(false, "the runbook's regions are not in the snapshot".into());
    };
    match guard {
        Guard::After(id) => match state.status_by_id(runbook, id) {
            Some(status) if status.satisfies_after() => result(true, format!("{id} is {}", status.label())),
            Some(status) => result(false, format!("{id} is {}, not done", status.label())),
            None => result(false, format!("no step {id} in this runbook")),
        },
        Guard::SecondaryHealthy => {
            let health = match fresh(&target.health, &target.name, "health", now, view) {
                Ok(h) => h,
                // Route 53 cannot say: the region's own signals may (static stability).
                Err(unknown) => {
                    return regional_health(target, unknown, view)
                        .map_or_else(|reason| result(false, reason), |reason| result(true, reason));
                }
            };
            if !health.is_healthy() {
                return result(false, format!("{} {}/{} checkers healthy", target.name, health.healthy, health.total));
            }
            match fresh(&target.error_rate, &target.name, "5xx", now, view) {
                Err(reason) => result(false, reason),
                Ok(e) if view.limits.error_rate_past(*e) => result(
                    false,
                    format!(
                        "{} 5xx {} > {}%",
                        target.name,
                        format::percent(*e),
                        view.limits.thresholds.error_rate_percent
                    ),
                ),
                Ok(e) => result(
                    true,
                    format!(
                        "{} {}/{} checkers healthy, 5xx {}",
                        target.name,
                        health.healthy,
                        health.total,
                        format::percent(*e)
                    ),
                ),
            }
        }
        Guard::LagWithinRpo => {
            let rpo = view.limits.rpo;
            match fresh(&target.replication_lag, &target.name, "lag", now, view) {
                Err(reason) => result(false, reason),
                Ok(Lag::Writer) => result(true, format!("{} is the writer: nothing to lose", target.name)),
                Ok(Lag::NotReplicating) => result(false, format!("{} is not replicating", target.name)),
                Ok(lag @ Lag::Behind(s)) if !super::lag_within_rpo(lag, rpo) => {
                    result(false, format!("lag {} > RPO {}", format::seconds(*s), format_duration(rpo)))
                }
                Ok(Lag::Behind(s)) => {
                    result(true, format!("lag {} ≤ RPO {}", format::seconds(*s), format_duration(rpo)))
                }
            }
        }
        // A primary that does not answer cannot have its writes frozen: say that, not "stale".
        Guard::WritesFrozen if source.unreachable(now, view.snapshot.poll_interval) => {
            result(false, format!("{} unreachable: writes cannot be frozen there", source.name))
        }
        Guard::WritesFrozen => match fresh(&source.write_freeze, &source.name, "write freeze", now, view) {
            Err(reason) => result(false, reason),
            Ok(true) => result(true, format!("writes frozen in {}", source.name)),
            Ok(false) => result(false, format!("writes still open in {}", source.name)),
        },
        Guard::ChangeInsync => {
            for r in [source, target] {
                match fresh(&r.routing, &r.name, "routing", now, view) {
                    Err(reason) => return result(false, reason),
                    Ok(routing) => {
                        if let Some(change) = routing.change.as_ref().filter(|c| c.status == ChangeStatus::Pending) {
                            return result(
                                false,
                                format!("change {} pending for {}", change.id, format::age(now - change.submitted_at)),
                            );
                        }
                    }
                }
            }
            result(true, "no routing change pending".into())
        }
        Guard::SignalOk(name) => {
            let signals = &view.limits.thresholds.signals;
            let Some((i, signal)) = signals.iter().enumerate().find(|(_, s)| &s.name == name) else {
                return result(false, format!("no [[signals]] row named {name} in the config"));
            };
            let Some(row) = target.custom.get(i) else {
                return result(false, format!("{} does not read {name}", target.name));
            };
            match fresh(&row.signal, &target.name, &signal.label, now, view) {
                Err(reason) => result(false, reason),
                Ok(v) => {
                    let shown = signal.unit.show(*v);
                    let limit = signal.unit.show(signal.critical);
                    if signal.severity(*v) >= 2 {
                        let side = if signal.direction == crate::config::SignalDirection::Above { ">" } else { "<" };
                        result(false, format!("{} {} {shown} {side} {limit}", target.name, signal.label))
                    } else {
                        result(true, format!("{} {} {shown}, critical at {limit}", target.name, signal.label))
                    }
                }
            }
        }
        Guard::AlarmsOk => match inventory(target.fresh_alarms(now, view.snapshot.poll_interval), &target.alarms) {
            Err(why) => result(false, format!("{} alarms {why}", target.name)),
            Ok(alarms) => {
                let failing = alarms.failing();
                if failing.is_empty() {
                    result(true, format!("{} {} alarms OK", target.name, alarms.alarms.len()))
                } else {
                    result(false, format!("{}: {}", target.name, failing.join(", ")))
                }
            }
        },
        Guard::CapacityReady => match fresh(&target.capacity, &target.name, "capacity", now, view) {
            Err(reason) => result(false, reason),
            Ok(c) if c.ready() => result(true, format!("{} {}/{} running", target.name, c.running, c.needed)),
            Ok(c) => result(
                false,
                format!(
                    "{} {}/{} running (desired {}): not enough to take all traffic",
                    target.name, c.running, c.needed, c.desired
                ),
            ),
        },
        Guard::SecretsPresent => {
            match inventory(target.fresh_secrets(now, view.snapshot.poll_interval), &target.secrets) {
                Err(why) => result(false, format!("{} secrets {why}", target.name)),
                Ok(secrets) => {
                    let missing: Vec<String> = secrets
                        .missing()
                        .iter()
                        .map(|s| format!("{} {}", s.name, s.why.as_deref().unwrap_or("missing")))
                        .collect();
                    if missing.is_empty() {
                        result(true, format!("{} has all {} secrets", target.name, secrets.secrets.len()))
                    } else {
                        result(false, format!("{} lacks {}", target.name, missing.join(", ")))
                    }
                }
            }
        }
        // Only ever added by `evaluate`, failing, after a refusal.
        Guard::SafetyRule => result(true, "no ARC safety rule refused this step".into()),
        Guard::CooldownElapsed => match state.last_shift() {
            Some(at) if view.cooldown > chrono::Duration::zero() && now - at < view.cooldown => result(
                false,
                format!(
                    "traffic moved {} ago; the {} cooldown ends at {}",
                    format::age(now - at),
                    format_duration(view.cooldown),
                    (at + view.cooldown).format("%H:%M:%S")
                ),
            ),
            Some(at) => result(true, format!("last traffic shift {} ago", format::age(now - at))),
            None => result(true, "no traffic shift yet".into()),
        },
    }
}

/// The target's health from its own data plane, when Route 53's reading is unknown
/// (`unknown` says why). The reason names the source, and why Route 53 was not asked.
fn regional_health(target: &RegionSnapshot, unknown: String, view: &GuardView<'_>) -> Result<String, String> {
    let why_not_route53 = if view.snapshot.control_plane_unreachable(view.limits.now) {
        "Route 53 API unreachable".to_owned()
    } else {
        unknown
    };
    match super::health::from_data_plane(target, view.limits) {
        Ok((_, evidence)) => Ok(format!("{} healthy by its {evidence}; {why_not_route53}", target.name)),
        Err(none) => Err(format!("{why_not_route53}; {} not proven healthy by its own signals ({none})", target.name)),
    }
}

/// A slow-read inventory reading (alarms, secrets) when fresh, or why there is none.
fn inventory<'s, T>(fresh: Option<&'s T>, signal: &Signal<T>) -> Result<&'s T, String> {
    match fresh {
        Some(v) => Ok(v),
        None if signal.value.is_some() => Err("reading is stale".into()),
        None => match &signal.error {
            Some(e) => Err(format!("unknown ({})", crate::text::sanitize::inert(crate::model::error_headline(e)))),
            None => Err("not read yet".into()),
        },
    }
}

impl From<&GuardResult> for Verdict {
    fn from(g: &GuardResult) -> Self {
        Self { guard: g.guard.to_string(), ok: g.ok, reason: g.reason.clone() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Thresholds;
    use crate::model::{HealthChecks, PendingChange, Reading, Routing, RoutingPolicy, SignalKey, Snapshot, Update};
    use crate::runbook::{StepKind, StepRef, StepStatus, built_in};
    use chrono::Duration;

    use crate::testkit::t;

    struct Rig {
        snapshot: Snapshot,
        state: RunState,
        thresholds: Thresholds,
    }

    impl Rig {
        fn new() -> Self {
            Self {
                snapshot: crate::testkit::two_regions(),
                state: RunState::new(built_in()),
                thresholds: Thresholds::default(),
            }
        }

        fn read(&mut self, region: usize, at: i64, reading: Reading) {
            self.snapshot.apply(Update::ok(region, t(at), reading));
        }

        /// Evaluate one guard of the built-in failover runbook at time `now`.
        fn check(&self, guard: &str, now: i64) -> GuardResult {
            let limits = Limits {
                thresholds: &self.thresholds,
                rpo: Duration::seconds(60),
                now: t(now),
                poll_interval: Duration::seconds(10),
            };
            let view =
                GuardView { snapshot: &self.snapshot, limits, source: 0, target: 1, cooldown: Duration::minutes(30) };
            let step = Step::new("x", "x", StepKind::Checklist, &[guard]);
            let failover = self.state.runbooks.iter().position(|b| b.id == "failover").unwrap();
            evaluate(&step, failover, &self.state, &view).remove(0)
        }
    }

    fn routing(change: Option<ChangeStatus>) -> Reading {
        Reading::Routing(Routing {
            record_set_id: "secondary".into(),
            policy: RoutingPolicy::Failover,
            active: false,
            weight: None,
            ttl_seconds: 60,
            change: change.map(|status| PendingChange { id: "C1".into(), submitted_at: t(-42), status }),
        })
    }

    #[test]
    fn lag_within_rpo_fresh_stale_missing() {
        let mut rig = Rig::new();
        let r = rig.check("lag-within-rpo", 0);
        assert_eq!((r.ok, r.reason.as_str()), (false, "us-west-2 lag: no reading yet"));
        rig.read(1, 0, Reading::ReplicationLag(Lag::Behind(84.0)));
        let r = rig.check("lag-within-rpo", 5);
        assert_eq!((r.ok, r.reason.as_str()), (false, "lag 84.0s > RPO 60s"));
        rig.read(1, 10, Reading::ReplicationLag(Lag::Behind(12.0)));
        let r = rig.check("lag-within-rpo", 15);
        assert_eq!((r.ok, r.reason.as_str()), (true, "lag 12.0s ≤ RPO 60s"));
        let r = rig.check("lag-within-rpo", 55);
        assert_eq!((r.ok, r.reason.as_str()), (false, "us-west-2 lag reading 45s old: stale"));
        rig.read(1, 60, Reading::ReplicationLag(Lag::Writer));
        assert!(rig.check("lag-within-rpo", 60).ok);
        rig.read(1, 70, Reading::ReplicationLag(Lag::NotReplicating));
        assert!(!rig.check("lag-within-rpo", 70).ok);
    }

    #[test]
    fn secondary_healthy_needs_fresh_health_and_errors_under_threshold() {
        let mut rig = Rig::new();
        rig.read(1, 0, Reading::HealthChecks(HealthChecks { healthy: 3, total: 16 }));
        rig.read(1, 0, Reading::ErrorRate(0.4));
        assert!(rig.check("secondary-healthy", 0).ok, "3/16 is more than 18%");
        rig.read(1, 10, Reading::HealthChecks(HealthChecks { healthy: 2, total: 16 }));
        let r = rig.check("secondary-healthy", 10);
        assert_eq!((r.ok, r.reason.as_str()), (false, "us-west-2 2/16 checkers healthy"));
        rig.read(1, 20, Reading::HealthChecks(HealthChecks { healthy: 16, total: 16 }));
        rig.read(1, 20, Reading::ErrorRate(12.0));
        let r = rig.check("secondary-healthy", 20);
        assert_eq!((r.ok, r.reason.as_str()), (false, "us-west-2 5xx 12.0% > 5%"));
        // A failing poll leaves the old value; once it is old, the guard fails as stale.
        rig.snapshot.apply(Update::failed(1, SignalKey::HealthChecks, t(30), "timeout"));
        let r = rig.check("secondary-healthy", 51);
        assert!(!r.ok && r.reason.contains("stale"), "{}", r.reason);
    }

    #[test]
    fn without_route_53_the_region_proves_its_health_by_its_own_signals() {
        let mut rig = Rig::new();
        rig.read(0, 0, Reading::ControlPlane(false));
        rig.read(1, 0, Reading::Requests(0.0));
        rig.read(1, 0, Reading::ErrorRate(0.0));
        let r = rig.check("secondary-healthy", 1);
        assert_eq!(
            (r.ok, r.reason.as_str()),
            (false, "Route 53 API unreachable; us-west-2 not proven healthy by its own signals (no traffic)"),
            "a passive standby with nothing else to show stays unknown"
        );
        rig.read(1, 2, Reading::HealthyTargets(2.0));
        let r = rig.check("secondary-healthy", 3);
        assert_eq!(
            (r.ok, r.reason.as_str()),
            (true, "us-west-2 healthy by its healthy targets (2); Route 53 API unreachable")
        );
        rig.read(1, 4, Reading::Requests(300.0));
        let r = rig.check("secondary-healthy", 5);
        assert_eq!(
            (r.ok, r.reason.as_str()),
            (true, "us-west-2 healthy by its own traffic (5xx 0.00%); Route 53 API unreachable")
        );
        // A Route 53 reading that answers is authoritative, even when it says unhealthy.
        rig.read(1, 6, Reading::HealthChecks(HealthChecks { healthy: 0, total: 16 }));
        assert!(!rig.check("secondary-healthy", 7).ok);
        // Stale regional signals prove nothing.
        let r = rig.check("secondary-healthy", 60);
        assert!(!r.ok, "{}", r.reason);
    }

    #[test]
    fn writes_frozen_reads_the_source_region() {
        let mut rig = Rig::new();
        rig.read(1, 0, Reading::WriteFreeze(true));
        assert!(!rig.check("writes-frozen", 0).ok, "the target's flag does not count");
        rig.read(0, 0, Reading::WriteFreeze(false));
        assert_eq!(rig.check("writes-frozen", 0).reason, "writes still open in us-east-1");
        rig.read(0, 10, Reading::WriteFreeze(true));
        assert!(rig.check("writes-frozen", 10).ok);
        assert!(!rig.check("writes-frozen", 41).ok);
    }

    #[test]
    fn change_insync_fails_on_a_pending_change_in_either_region() {
        let mut rig = Rig::new();
        rig.read(0, 0, routing(None));
        rig.read(1, 0, routing(Some(ChangeStatus::Pending)));
        let r = rig.check("change-insync", 0);
        assert_eq!((r.ok, r.reason.as_str()), (false, "change C1 pending for 42s"));
        rig.read(1, 10, routing(Some(ChangeStatus::Insync)));
        rig.read(0, 10, routing(None));
        assert!(rig.check("change-insync", 10).ok);
        assert!(!rig.check("change-insync", 50).ok, "stale routing is not in sync");
    }

    #[test]
    fn after_chains_follow_step_status() {
        let mut rig = Rig::new();
        let failover = rig.state.runbooks.iter().position(|b| b.id == "failover").unwrap();
        let step = |id: &str| StepRef { runbook: failover, step: rig.state.runbooks[failover].step(id).unwrap().0 };
        let (declare, freeze) = (step("declare"), step("freeze-writes"));
        let r = rig.check("after:declare", 0);
        assert_eq!((r.ok, r.reason.as_str()), (false, "declare is pending, not done"));
        rig.state.set(declare, StepStatus::Running { since: t(0) });
        assert!(!rig.check("after:declare", 0).ok);
        rig.state.set(declare, StepStatus::Failed { at: t(0), error: "x".into() });
        assert!(!rig.check("after:declare", 0).ok);
        rig.state.set(declare, StepStatus::Done { at: t(0), already: false });
        assert!(rig.check("after:declare", 0).ok);
        rig.state.set(freeze, StepStatus::Skipped { at: t(0), reason: "primary unreachable".into() });
        assert_eq!(rig.check("after:freeze-writes", 0).reason, "freeze-writes is skipped");
        assert!(rig.check("after:freeze-writes", 0).ok, "a skip with a reason satisfies after:");
        assert!(!rig.check("after:no-such-step", 0).ok);
    }
}
