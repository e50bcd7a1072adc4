//! A region's health when Route 53 cannot say: judged from what the region itself serves,
//! read in that region (its own CloudWatch), so nothing of us-east-1 is needed. Any one
//! source is enough; a region with none of them fresh stays unknown.

use super::{Level, Limits};
use crate::model::{AlarmState, HealthChecks, RegionSnapshot};
use crate::text::format;

/// Route 53's checkers: critical when Route 53 counts the endpoint unhealthy, a warning when
/// fewer than three in four checkers see it (some of the world cannot reach it), else fine.
pub fn checkers_level(h: HealthChecks) -> Level {
    if !h.is_healthy() {
        Level::Critical
    } else if u32::from(h.healthy) * 4 < u32::from(h.total) * 3 {
        Level::Warn
    } else {
        Level::Ok
    }
}

/// Where a region's health verdict came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HealthSource {
    /// Route 53's health checkers (the control plane in us-east-1).
    Route53,
    /// Fresh traffic with its errors and latency within their lines.
    OwnTraffic,
    /// The load balancer counts at least one healthy target.
    HealthyTargets,
    /// The region's canary alarms are all OK.
    Canaries,
}

impl HealthSource {
    /// How the region row names it.
    pub fn label(self) -> &'static str {
        match self {
            HealthSource::Route53 => "Route 53",
            HealthSource::OwnTraffic => "own traffic",
            HealthSource::HealthyTargets => "healthy targets",
            HealthSource::Canaries => "canaries",
        }
    }
}

/// Healthy by one of the region's own signals: the source and its evidence in words
/// ("own traffic (5xx 0.00%)"). `Err` says why none of them proves it.
pub fn from_data_plane(region: &RegionSnapshot, limits: Limits<'_>) -> Result<(HealthSource, String), String> {
    let (now, interval) = (limits.now, limits.poll_interval);
    let mut why = Vec::new();
    // Traffic first: it is what users see. A passive standby serves none before the shift,
    // which is what the other two are for.
    match (region.requests.fresh_value(now, interval), region.error_rate.fresh_value(now, interval)) {
        (Some(r), Some(e)) if *r > 0.0 => {
            let never_measured = region.latency_p99.value.is_none() && region.latency_p99.error.is_none();
            let p99 = region.latency_p99.fresh_value(now, interval);
            let p99_ok = never_measured || p99.is_some_and(|p| *p <= limits.p99_limit_ms());
            if !limits.error_rate_past(*e) && p99_ok {
                return Ok((HealthSource::OwnTraffic, format!("own traffic (5xx {})", format::percent(*e))));
            }
            why.push(if limits.error_rate_past(*e) {
                format!("5xx {}", format::percent(*e))
            } else if p99.is_none() {
                "no fresh latency".to_owned()
            } else {
                "latency past its line".to_owned()
            });
        }
        (Some(_), Some(_)) => why.push("no traffic".to_owned()),
        _ => why.push("no fresh traffic reading".to_owned()),
    }
    match region.healthy_targets.fresh_value(now, interval) {
        Some(n) if *n >= 1.0 => {
            return Ok((HealthSource::HealthyTargets, format!("healthy targets ({})", format::thousands(*n))));
        }
        Some(_) => why.push("no healthy target".to_owned()),
        None => {}
    }
    if let Some(alarms) = region.fresh_alarms(now, interval) {
        let canaries: Vec<_> = alarms.alarms.iter().filter(|a| a.canary).collect();
        if !canaries.is_empty() {
            if canaries.iter().all(|a| a.state == AlarmState::Ok) {
                return Ok((HealthSource::Canaries, format!("canaries ({} OK)", canaries.len())));
            }
            why.push("a canary is not OK".to_owned());
        }
    }
    Err(why.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Thresholds;
    use crate::model::{Alarm, Alarms, Reading, Role, Snapshot, Update};
    use crate::testkit::t;

    fn judge(readings: &[Reading]) -> Result<(HealthSource, String), String> {
        let mut s =
            Snapshot::new(vec![RegionSnapshot::new("eu-central-1", Role::Secondary)], chrono::Duration::seconds(10));
        for r in readings {
            s.apply(Update::ok(0, t(0), r.clone()));
        }
        let thresholds = Thresholds::default();
        let limits = Limits {
            thresholds: &thresholds,
            rpo: chrono::Duration::seconds(60),
            now: t(5),
            poll_interval: s.poll_interval,
        };
        from_data_plane(&s.regions[0], limits)
    }

    #[test]
    fn traffic_within_its_lines_is_enough() {
        let ok = judge(&[Reading::Requests(120.0), Reading::ErrorRate(0.0), Reading::LatencyP99(200.0)]);
        assert_eq!(ok, Ok((HealthSource::OwnTraffic, "own traffic (5xx 0.00%)".into())));
        let bad = judge(&[Reading::Requests(120.0), Reading::ErrorRate(40.0), Reading::LatencyP99(200.0)]);
        assert_eq!(bad, Err("5xx 40.0%".into()));
    }

    #[test]
    fn a_passive_standby_proves_itself_by_targets_or_canaries() {
        let idle = [Reading::Requests(0.0), Reading::ErrorRate(0.0)];
        assert_eq!(judge(&idle), Err("no traffic".into()), "no traffic proves nothing");
        let mut with_targets = idle.to_vec();
        with_targets.push(Reading::HealthyTargets(3.0));
        assert_eq!(judge(&with_targets).map(|h| h.0), Ok(HealthSource::HealthyTargets));
        let canary = |state| Alarm { name: "c".into(), state, accepts_insufficient: false, canary: true };
        let alarms =
            |state| Reading::Alarms(Alarms { alarms: vec![canary(state)], missing: vec![], every_seconds: 10 });
        let mut with_canary = idle.to_vec();
        with_canary.push(alarms(AlarmState::Ok));
        assert_eq!(judge(&with_canary).map(|h| h.0), Ok(HealthSource::Canaries));
        let mut failing = idle.to_vec();
        failing.extend([Reading::HealthyTargets(0.0), alarms(AlarmState::Alarm)]);
        assert_eq!(judge(&failing), Err("no traffic, no healthy target, a canary is not OK".into()));
        assert_eq!(judge(&[]), Err("no fresh traffic reading".into()), "nothing read stays unknown");
    }
}
