//! Verdicts over a snapshot: which signals of which region are past their thresholds.
//!
//! Pure functions, shared by the panes (colours, the status line), the automatic
//! observations, the runbook guards and the runner's watches, so all of them agree on what
//! "bad" means: no one else compares a reading with a threshold.

pub mod guard;
pub mod health;
pub mod verdict;

use chrono::{DateTime, Duration, Utc};

use crate::config::Thresholds;

use crate::model::{AlarmState, DbRole, Lag, RegionSnapshot, SignalKey};
use crate::text::duration::format_duration;
use crate::text::format;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Ok,
    /// Past half the threshold: worth a look.
    Warn,
    /// Past the threshold.
    Critical,
}

/// Level of `value` against `limit`: warn past half, critical past the limit.
pub fn level(value: f64, limit: f64) -> Level {
    if value > limit {
        Level::Critical
    } else if value > limit / 2.0 {
        Level::Warn
    } else {
        Level::Ok
    }
}

pub fn lag_level(lag: &Lag, rpo: Duration) -> Level {
    match lag {
        Lag::Writer => Level::Ok,
        Lag::Behind(s) => level(*s, rpo.as_seconds_f64()),
        Lag::NotReplicating => Level::Critical,
    }
}

/// Whether replication lag keeps lost writes within the RPO: a writer has nothing to lose,
/// a replica that is not replicating loses without bound.
pub fn lag_within_rpo(lag: &Lag, rpo: Duration) -> bool {
    match lag {
        Lag::Writer => true,
        Lag::Behind(s) => *s <= rpo.as_seconds_f64(),
        Lag::NotReplicating => false,
    }
}

/// Lag in seconds for judging against the RPO: none for a writer, unbounded when not
/// replicating.
pub fn lag_seconds(lag: &Lag) -> Option<f64> {
    match lag {
        Lag::Writer => None,
        Lag::Behind(s) => Some(*s),
        Lag::NotReplicating => Some(f64::INFINITY),
    }
}

/// What the limits are; grouped so callers pass one thing.
#[derive(Clone, Copy, Debug)]
pub struct Limits<'a> {
    pub thresholds: &'a Thresholds,
    pub rpo: Duration,
    pub now: DateTime<Utc>,
    pub poll_interval: Duration,
}

impl Limits<'_> {
    /// The p99 latency limit in milliseconds (readings are in milliseconds).
    pub fn p99_limit_ms(&self) -> f64 {
        self.thresholds.latency_p99.as_seconds_f64() * 1000.0
    }

    /// The 5xx rate is past its threshold.
    pub fn error_rate_past(&self, percent: f64) -> bool {
        percent > self.thresholds.error_rate_percent
    }
}

/// Below this fraction of a limit, a signal that crossed it counts as recovered.
pub const RECOVER_FRACTION: f64 = 0.8;

/// Numeric hysteresis over a limit: over above it, back only below `RECOVER_FRACTION` of
/// it, so a reading hovering at the line is not news twice a poll.
#[derive(Clone, Copy, Debug, Default)]
pub struct Latch {
    over: bool,
}

impl Latch {
    /// `Some(true)` on crossing, `Some(false)` on recovery.
    pub fn feed(&mut self, value: f64, limit: f64) -> Option<bool> {
        if !self.over && value > limit {
            self.over = true;
            Some(true)
        } else if self.over && value < limit * RECOVER_FRACTION {
            self.over = false;
            Some(false)
        } else {
            None
        }
    }
}

/// The serving region is healthy when its 5xx, p99 and health (Route 53's checkers, or its
/// own signals when those cannot be read) are fresh and fine;
/// `None` while any of them is stale or missing (unknown is not healthy, nor unhealthy).
pub fn serving_ok(region: &RegionSnapshot, limits: Limits<'_>) -> Option<bool> {
    let (now, interval) = (limits.now, limits.poll_interval);
    let errors = *region.error_rate.fresh_value(now, interval)?;
    // A source that measures no latency (an NLB) never reported one: not unknown, absent.
    let never_measured = region.latency_p99.value.is_none() && region.latency_p99.error.is_none();
    let p99_ok = never_measured || *region.latency_p99.fresh_value(now, interval)? <= limits.p99_limit_ms();
    // Route 53's checkers when they can be read; else the region's own signals (the
    // control plane in us-east-1 may be what is down).
    let healthy = match region.health.fresh_value(now, interval) {
        Some(h) => h.is_healthy(),
        None if health::from_data_plane(region, limits).is_ok() => true,
        None => return None,
    };
    Some(!limits.error_rate_past(errors) && p99_ok && healthy)
}

/// One thing wrong with a region, in words for the status line.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    pub signal: Option<SignalKey>,
    pub level: Level,
    pub text: String,
}

/// Every signal of `region` past a threshold, plus staleness. Stale data is reported as
/// stale, never judged healthy.
pub fn findings(region: &RegionSnapshot, limits: Limits<'_>) -> Vec<Finding> {
    let Limits { thresholds, rpo, now, poll_interval } = limits;
    let mut out = Vec::new();
    let mut push = |signal, level, text: String| {
        if level > Level::Ok {
            out.push(Finding { signal: Some(signal), level, text });
        }
    };
    // A region whose own endpoints do not answer is in trouble, whatever its last numbers said.
    if let Some(cause) = unanswered(region, limits) {
        push(SignalKey::Reachable, Level::Critical, format!("not answering, readings unknown: {cause}"));
    }
    if let Some(v) = region.error_rate.fresh_value(now, poll_interval) {
        push(
            SignalKey::ErrorRate,
            crit_only(level(*v, thresholds.error_rate_percent)),
            format!("5xx {}", format::percent(*v)),
        );
    }
    if let Some(v) = region.latency_p99.fresh_value(now, poll_interval) {
        let limit = limits.p99_limit_ms();
        let label = thresholds.latency_label;
        push(SignalKey::LatencyP99, crit_only(level(*v, limit)), format!("{label} {}", format::millis(*v)));
    }
    if let Some(h) = region.health.fresh_value(now, poll_interval) {
        let level = health::checkers_level(*h);
        let word = if level == Level::Critical { "unhealthy" } else { "degraded" };
        push(SignalKey::HealthChecks, level, format!("health {}/{} {word}", h.healthy, h.total));
    }
    if let Some(lag) = region.replication_lag.fresh_value(now, poll_interval) {
        match lag {
            Lag::Behind(s) if !lag_within_rpo(lag, rpo) => push(
                SignalKey::ReplicationLag,
                Level::Critical,
                format!("lag {} > RPO {}", format::seconds(*s), format_duration(rpo)),
            ),
            Lag::NotReplicating => push(SignalKey::ReplicationLag, Level::Critical, "not replicating".into()),
            Lag::Writer | Lag::Behind(_) => {}
        }
    }
    // A database AWS reports failed is critical wherever it is: a region whose writer is gone
    // must not look fit to serve just because no traffic reaches it now.
    if let Some(db) = region.database.fresh_value(now, poll_interval).filter(|d| d.role == DbRole::Unavailable) {
        push(SignalKey::Database, Level::Critical, format!("database {} unavailable", db.identifier));
    }
    for (i, (row, signal)) in region.custom.iter().zip(&thresholds.signals).enumerate() {
        if let Some(v) = row.signal.fresh_value(now, poll_interval)
            && signal.severity(*v) >= 2
        {
            let key = SignalKey::Custom(u8::try_from(i).unwrap_or(u8::MAX));
            push(key, Level::Critical, format!("{} {}", signal.label, signal.unit.show(*v)));
        }
    }
    if let Some(alarms) = region.fresh_alarms(now, poll_interval) {
        let firing: Vec<&str> =
            alarms.alarms.iter().filter(|a| a.state == AlarmState::Alarm).map(|a| a.name.as_str()).collect();
        if !firing.is_empty() {
            // A warning, not a breach: the team's alarm has its own threshold, and warroom's
            // verdicts (and the autopilot) stay with warroom's thresholds.
            push(SignalKey::Alarms, Level::Warn, format!("ALARM {}", firing.join(", ")));
        }
    }
    if let Some(secrets) = region.fresh_secrets(now, poll_interval) {
        let missing: Vec<&str> = secrets.missing().iter().map(|s| s.name.as_str()).collect();
        if !missing.is_empty() {
            push(SignalKey::Secrets, Level::Critical, format!("secret missing: {}", missing.join(", ")));
        }
    }
    // Stale and missing signals are not findings: `verdict` reports them as unknown.
    out
}

/// Why a region's own endpoints did not answer its newest poll (the failure of the calls
/// that tell: its flag and its database), or `None` while they answer.
pub fn unanswered(region: &RegionSnapshot, limits: Limits<'_>) -> Option<String> {
    if !region.unreachable(limits.now, limits.poll_interval) {
        return None;
    }
    let cause = [&region.write_freeze.error, &region.database.error]
        .into_iter()
        .flatten()
        .next()
        .map_or_else(|| "its endpoints do not answer".to_owned(), |e| crate::model::error_cause(e).to_owned());
    Some(cause)
}

/// Two or more regions whose database is a writer and whose writes are not frozen: both can
/// accept writes, so data diverges (seed 004 §16.1, "both Regions accepted writes"). Only
/// for single-writer databases — every replica of a DynamoDB global table takes writes by
/// design — and only on fresh readings: a writer counts as fenced when its write-freeze
/// flag reads frozen.
pub fn unfenced_writers(regions: &[RegionSnapshot], single_writer: bool, limits: Limits<'_>) -> Option<Finding> {
    if !single_writer {
        return None;
    }
    let Limits { now, poll_interval, .. } = limits;
    let open: Vec<String> = regions
        .iter()
        .filter_map(|r| {
            r.database.fresh_value(now, poll_interval).filter(|d| d.role == DbRole::Writer)?;
            let frozen = r.write_freeze.fresh_value(now, poll_interval).copied() == Some(true);
            (!frozen).then(|| r.name.clone())
        })
        .collect();
    (open.len() >= 2).then(|| Finding {
        signal: Some(SignalKey::Database),
        level: Level::Critical,
        text: format!("{} regions take writes: {} — freeze all but one", open.len(), open.join(", ")),
    })
}

/// The status line lists threshold breaches only, not half-way warnings.
fn crit_only(l: Level) -> Level {
    if l == Level::Critical { l } else { Level::Ok }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{HealthChecks, Reading, Role, Snapshot, Update};

    use crate::testkit::t;

    #[test]
    fn levels_split_at_half_and_at_the_limit() {
        assert_eq!(level(2.0, 5.0), Level::Ok);
        assert_eq!(level(3.0, 5.0), Level::Warn);
        assert_eq!(level(5.1, 5.0), Level::Critical);
        assert_eq!(lag_level(&Lag::Behind(61.0), Duration::seconds(60)), Level::Critical);
        assert_eq!(lag_level(&Lag::Writer, Duration::seconds(60)), Level::Ok);
    }

    #[test]
    fn findings_name_breaches_and_staleness() {
        let mut s = Snapshot::new(vec![RegionSnapshot::new("us-east-1", Role::Primary)], Duration::seconds(10));
        s.apply(Update::ok(0, t(0), Reading::ErrorRate(38.2)));
        s.apply(Update::ok(0, t(0), Reading::LatencyP99(3000.0)));
        s.apply(Update::ok(0, t(0), Reading::HealthChecks(HealthChecks { healthy: 1, total: 16 })));
        s.apply(Update::ok(0, t(0), Reading::ReplicationLag(Lag::Behind(84.0))));
        s.apply(Update::ok(
            0,
            t(0),
            Reading::Database(crate::model::Database {
                role: DbRole::Unavailable,
                identifier: "orders-db".into(),
                endpoint: String::new(),
            }),
        ));
        let thresholds = Thresholds::default();
        let limits =
            Limits { thresholds: &thresholds, rpo: Duration::seconds(60), now: t(5), poll_interval: s.poll_interval };
        let texts: Vec<String> = findings(&s.regions[0], limits).into_iter().map(|f| f.text).collect();
        assert_eq!(
            texts,
            [
                "5xx 38.2%",
                "p99 3000ms",
                "health 1/16 unhealthy",
                "lag 84.0s > RPO 60s",
                "database orders-db unavailable"
            ]
        );

        // The same readings, 45 s later: stale, so no longer judged (`verdict` calls them unknown).
        let later = Limits { now: t(45), ..limits };
        assert_eq!(findings(&s.regions[0], later), []);
        let unknown = verdict::region(&s.regions[0], later).unknown;
        assert_eq!(unknown.len(), 5, "{unknown:?}");
    }

    #[test]
    fn two_open_writers_are_a_split_brain_until_one_is_frozen() {
        let writer = |id: &str| {
            Reading::Database(crate::model::Database {
                role: DbRole::Writer,
                identifier: id.into(),
                endpoint: String::new(),
            })
        };
        let regions =
            vec![RegionSnapshot::new("us-east-1", Role::Primary), RegionSnapshot::new("us-west-2", Role::Secondary)];
        let mut s = Snapshot::new(regions, Duration::seconds(10));
        s.apply(Update::ok(0, t(0), writer("orders-db")));
        s.apply(Update::ok(1, t(0), writer("orders-db-replica")));
        let thresholds = Thresholds::default();
        let limits =
            Limits { thresholds: &thresholds, rpo: Duration::seconds(60), now: t(5), poll_interval: s.poll_interval };
        let finding = unfenced_writers(&s.regions, true, limits).unwrap();
        assert_eq!(finding.level, Level::Critical);
        assert_eq!(finding.text, "2 regions take writes: us-east-1, us-west-2 — freeze all but one");
        // A global table is multi-writer by design; stale readings are not judged.
        assert_eq!(unfenced_writers(&s.regions, false, limits), None);
        assert_eq!(unfenced_writers(&s.regions, true, Limits { now: t(45), ..limits }), None);
        // Freezing writes in one region fences it.
        s.apply(Update::ok(0, t(1), Reading::WriteFreeze(true)));
        assert_eq!(unfenced_writers(&s.regions, true, limits), None);
    }
}
