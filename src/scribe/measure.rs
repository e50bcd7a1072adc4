//! Measured RTO and RPO: pure functions over journal entries (DESIGN.md "Scribe journal").
//!
//! * impact start — the first threshold crossing or unhealthy health check, else the declare;
//! * declared — the first entry of the `declare` step (decision or succeeded action);
//! * traffic shifted — the first routing change or `shift-traffic` success after impact;
//! * recovered — the first observation after the shift that the serving region is under
//!   every threshold;
//! * RTO = recovered − impact start; RPO = replication lag observed at promotion.
//!
//! A failback shifts traffic again later; only the first shift after impact counts.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::entry::{Entry, Kind};
use super::{Event, Observed};

pub const DECLARE_STEP: &str = "declare";
pub const SHIFT_STEP: &str = "shift-traffic";
pub const PROMOTE_STEP: &str = "promote-database";

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Measurements {
    pub impact_start: Option<DateTime<Utc>>,
    /// Why impact starts when it does: "threshold crossing" or "declare".
    pub impact_source: Option<&'static str>,
    pub declared: Option<DateTime<Utc>>,
    pub traffic_shifted: Option<DateTime<Utc>>,
    pub recovered: Option<DateTime<Utc>>,
    #[serde(serialize_with = "seconds")]
    pub rto: Option<Duration>,
    /// Replication lag at promotion, seconds.
    pub rpo_seconds: Option<f64>,
    /// Writes lost at promotion, where the backend can count them (the sim can).
    pub lost_writes: Option<u64>,
    /// Targets as written when the journal was opened.
    pub rto_target_seconds: Option<f64>,
    pub rpo_target_seconds: Option<f64>,
}

fn seconds<S: serde::Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_some(&d.as_seconds_f64()),
        None => s.serialize_none(),
    }
}

/// Observations that mean warroom saw trouble: what "detected" counts from (the scorecard's
/// detection, the review's phases).
pub const DETECTION_EVENTS: [Event; 6] = [
    Event::ThresholdCrossed,
    Event::HealthUnhealthy,
    Event::LagOverRpo,
    Event::ServingDegraded,
    Event::CorruptedRecords,
    Event::DuplicateEvents,
];

/// When warroom first observed trouble at or after `since`.
pub fn first_detection(entries: &[Entry], since: DateTime<Utc>) -> Option<DateTime<Utc>> {
    entries.iter().find(|e| e.at >= since && is_event(e, &DETECTION_EVENTS)).map(|e| e.at)
}

fn is_event(e: &Entry, events: &[Event]) -> bool {
    e.kind == Kind::Observation && e.event().is_some_and(|ev| events.contains(&ev))
}

fn is_step(e: &Entry, step: &str, kinds: &[Kind]) -> bool {
    e.step.as_deref() == Some(step) && kinds.contains(&e.kind)
}

/// Whether `measure` can change when `entry` is appended: it reads observations and step
/// entries (declare, promotion, shift) only, never notes, comms or pins.
pub fn affects(entry: &Entry) -> bool {
    matches!(entry.kind, Kind::Observation | Kind::Decision | Kind::ActionStarted | Kind::ActionSucceeded)
}

/// Compute every measurement from entries (in any order: each moment is the earliest that
/// qualifies, since derived facts keep their reading's time and may be written late).
///
/// Impact starts at a drill's first fault when the journal has one (the truth a game day
/// knows), else at the first threshold crossing, else at the declaration. The scorecard, the
/// header, the phases, the summary, the replay bar and every T+ use this one start.
pub fn measure(entries: &[Entry]) -> Measurements {
    let earliest = |pick: &dyn Fn(&Entry) -> bool, from: Option<DateTime<Utc>>| {
        entries.iter().filter(|e| pick(e) && from.is_none_or(|t| e.at >= t)).map(|e| e.at).min()
    };
    let declared = earliest(&|e| is_step(e, DECLARE_STEP, &[Kind::Decision, Kind::ActionSucceeded]), None);
    let crossing = earliest(&|e| is_event(e, &[Event::ThresholdCrossed, Event::HealthUnhealthy]), None);
    let fault = earliest(
        &|e| e.kind == Kind::Drill && matches!(e.data_str("drill"), Some("fault-scheduled" | "fault-injected")),
        None,
    );
    let (impact_start, impact_source) = match (fault, crossing, declared) {
        (Some(f), ..) => (Some(f), Some("drill fault")),
        (None, Some(c), _) => (Some(c), Some("threshold crossing")),
        (None, None, Some(d)) => (Some(d), Some("declare")),
        (None, None, None) => (None, None),
    };
    let traffic_shifted = impact_start.and_then(|start| {
        earliest(
            &|e| is_event(e, &[Event::RoutingChanged]) || is_step(e, SHIFT_STEP, &[Kind::ActionSucceeded]),
            Some(start),
        )
    });
    let recovered =
        traffic_shifted.and_then(|shifted| earliest(&|e| is_event(e, &[Event::ServingHealthy]), Some(shifted)));
    let promotion = entries
        .iter()
        .filter(|e| is_step(e, PROMOTE_STEP, &[Kind::ActionStarted, Kind::ActionSucceeded]))
        .find(|e| e.step_data().is_some_and(|d| d.lag_seconds.is_some()));
    let opened = entries.iter().find_map(|e| match e.observed() {
        Some(Observed::JournalOpened(facts)) if e.kind == Kind::Observation => Some(facts),
        _ => None,
    });
    Measurements {
        impact_start,
        impact_source,
        declared,
        traffic_shifted,
        recovered,
        rto: impact_start.zip(recovered).map(|(start, end)| end - start),
        rpo_seconds: promotion.and_then(|e| e.step_data()?.lag_seconds),
        lost_writes: promotion.and_then(|e| e.step_data()?.lost_writes),
        rto_target_seconds: opened.as_ref().and_then(|f| f.rto_seconds),
        rpo_target_seconds: opened.as_ref().and_then(|f| f.rpo_seconds),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use serde_json::json;

    fn at(minute: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 24, 3, 0, 0).unwrap() + Duration::minutes(minute)
    }

    fn entry(minute: i64, kind: Kind, step: Option<&str>, data: Option<serde_json::Value>) -> Entry {
        Entry {
            seq: 0,
            id: String::new(),
            at: at(minute),
            author: "t".into(),
            role: None,
            kind,
            region: None,
            step: step.map(str::to_owned),
            text: String::new(),
            data,
            session: None,
        }
    }

    fn obs(minute: i64, ev: Event) -> Entry {
        entry(minute, Kind::Observation, None, Some(json!({ "event": ev })))
    }

    fn opened() -> Entry {
        entry(
            0,
            Kind::Observation,
            None,
            Some(json!({ "event": Event::JournalOpened, "rto_seconds": 900.0, "rpo_seconds": 60.0 })),
        )
    }

    #[test]
    fn a_full_failover_with_declare() {
        let entries = vec![
            opened(),
            obs(2, Event::LagOverRpo),
            obs(3, Event::ThresholdCrossed),
            entry(5, Kind::Decision, Some(DECLARE_STEP), None),
            entry(7, Kind::ActionStarted, Some(PROMOTE_STEP), Some(json!({ "lag_seconds": 42.5, "lost_writes": 310 }))),
            obs(8, Event::ServingHealthy), // before the shift: does not count
            entry(11, Kind::ActionSucceeded, Some(SHIFT_STEP), None),
            obs(12, Event::RoutingChanged),
            obs(15, Event::ServingHealthy),
        ];
        let m = measure(&entries);
        assert_eq!(m.impact_start, Some(at(3)));
        assert_eq!(m.impact_source, Some("threshold crossing"));
        assert_eq!(m.declared, Some(at(5)));
        assert_eq!(m.traffic_shifted, Some(at(11)));
        assert_eq!(m.recovered, Some(at(15)));
        assert_eq!(m.rto, Some(Duration::minutes(12)));
        assert_eq!(m.rpo_seconds, Some(42.5));
        assert_eq!(m.lost_writes, Some(310));
        assert_eq!(m.rto_target_seconds, Some(900.0));
    }

    #[test]
    fn without_a_crossing_impact_starts_at_the_declare() {
        let entries = vec![
            entry(4, Kind::ActionSucceeded, Some(DECLARE_STEP), None),
            obs(9, Event::RoutingChanged),
            obs(10, Event::ServingHealthy),
        ];
        let m = measure(&entries);
        assert_eq!(m.impact_start, Some(at(4)));
        assert_eq!(m.impact_source, Some("declare"));
        assert_eq!(m.rto, Some(Duration::minutes(6)));
        assert_eq!(m.rpo_seconds, None);
    }

    #[test]
    fn a_failback_does_not_move_the_measured_rto() {
        let entries = vec![
            obs(1, Event::HealthUnhealthy),
            obs(6, Event::RoutingChanged),
            obs(8, Event::ServingHealthy),
            // Hours later: fail back to the original region.
            obs(180, Event::RoutingChanged),
            obs(185, Event::ServingHealthy),
        ];
        let m = measure(&entries);
        assert_eq!(m.traffic_shifted, Some(at(6)));
        assert_eq!(m.recovered, Some(at(8)));
        assert_eq!(m.rto, Some(Duration::minutes(7)));
    }

    #[test]
    fn entries_measure_ignores_do_not_change_the_result() {
        let mut entries =
            vec![obs(1, Event::ThresholdCrossed), obs(6, Event::RoutingChanged), obs(8, Event::ServingHealthy)];
        let before = measure(&entries);
        for kind in [
            Kind::Note,
            Kind::Comms,
            Kind::Pin,
            Kind::ActionFailed,
            Kind::GuardOverride,
            Kind::Measurement,
            Kind::Drill,
        ] {
            let e =
                entry(9, kind, Some(SHIFT_STEP), Some(json!({ "event": Event::ServingHealthy, "lag_seconds": 5.0 })));
            assert!(!affects(&e), "{kind:?}");
            entries.push(e);
        }
        assert_eq!(measure(&entries), before);
    }

    #[test]
    fn a_missing_recovery_leaves_rto_unmeasured() {
        let entries = vec![
            obs(1, Event::ThresholdCrossed),
            entry(3, Kind::Decision, Some(DECLARE_STEP), None),
            obs(6, Event::RoutingChanged),
        ];
        let m = measure(&entries);
        assert_eq!(m.traffic_shifted, Some(at(6)));
        assert_eq!(m.recovered, None);
        assert_eq!(m.rto, None);
        assert_eq!(measure(&[]), Measurements::default());
    }
}
