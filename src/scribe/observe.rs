//! Automatic observations: snapshot transitions worth a line in the timeline.
//!
//! Edge-triggered with hysteresis so a value wobbling around its threshold does not flood
//! the journal: a numeric signal must fall below `assess::RECOVER_FRACTION` of its limit to count as
//! recovered, and a health status must hold for `CONFIRMATIONS` readings to count as flipped.
//! Only fresh readings are judged; staleness is observed in its own right.

use chrono::{DateTime, Utc};

use super::data::Observed;
use super::entry::{Draft, Kind, SYSTEM_AUTHOR};
use crate::assess::{self, Latch, Limits, serving_ok};
use crate::model::{Freshness, RegionSnapshot, Snapshot};
use crate::text::duration::format_duration;
use crate::text::format;

/// Consecutive readings a new health status must hold before it is observed.
pub const CONFIRMATIONS: u8 = 2;

/// Boolean debounce: a new state counts after `CONFIRMATIONS` distinct readings.
#[derive(Clone, Copy, Debug, Default)]
struct Confirm {
    state: Option<bool>,
    candidate: Option<(bool, u8)>,
    last_reading: Option<DateTime<Utc>>,
}

impl Confirm {
    /// Returns the new state when it changes (the first state counts only if `false`-worthy is decided by caller).
    fn feed(&mut self, value: bool, reading_at: DateTime<Utc>) -> Option<(Option<bool>, bool)> {
        if self.last_reading == Some(reading_at) {
            return None;
        }
        self.last_reading = Some(reading_at);
        if self.state == Some(value) {
            self.candidate = None;
            return None;
        }
        let count = match self.candidate {
            Some((v, n)) if v == value => n + 1,
            _ => 1,
        };
        if count >= CONFIRMATIONS || self.state.is_none() {
            let previous = self.state;
            self.state = Some(value);
            self.candidate = None;
            Some((previous, value))
        } else {
            self.candidate = Some((value, count));
            None
        }
    }
}

#[derive(Clone, Debug, Default)]
struct RegionWatch {
    error_rate: Latch,
    latency: Latch,
    lag: Latch,
    health: Confirm,
    active: Option<bool>,
    stale: bool,
    /// Integrity counters already reported (each is observed once, when it first rises).
    corrupted_seen: bool,
    duplicates_seen: bool,
    /// One latch per `[[signals]]` row.
    custom: Vec<Latch>,
    /// Each alarm's last state seen.
    alarms: std::collections::BTreeMap<String, crate::model::AlarmState>,
    /// Whether secrets were last seen missing (None before the first reading).
    secrets_missing: Option<bool>,
}

/// Flips within the flap window that make a signal flapping (the third is not journaled).
pub const FLAP_FLIPS: usize = 3;

/// One signal's recent transitions, and whether it is being journaled as flapping.
#[derive(Clone, Debug, Default)]
struct Flap {
    flips: std::collections::VecDeque<DateTime<Utc>>,
    /// While flapping: how many flips so far, and the newest transition (the current state).
    flapping: Option<(usize, Draft)>,
}

/// Which signal an observation is a transition of, for the flap damper; `None` for events
/// that are not back-and-forth (routing, staleness, integrity, split brain, serving: the
/// measured recovery reads the serving events, so they are never held back).
fn flap_signal(draft: &Draft) -> Option<String> {
    let observed = draft.observed()?;
    let signal = match &observed {
        Observed::ThresholdCrossed { signal, .. } | Observed::ThresholdRecovered { signal, .. } => signal.as_str(),
        Observed::HealthUnhealthy { .. } | Observed::HealthHealthy { .. } => "health",
        Observed::LagOverRpo { .. } | Observed::LagWithinRpo { .. } => "lag",
        _ => return None,
    };
    Some(format!("{}/{signal}", draft.region.as_deref().unwrap_or("")))
}

impl Flap {
    /// A transition at `at`: journal it, or the one "flapping" entry, or nothing.
    fn admit(&mut self, draft: Draft, window: chrono::Duration) -> Option<Draft> {
        let at = draft.at;
        self.flips.push_back(at);
        while self.flips.front().is_some_and(|t| at - *t > window) {
            self.flips.pop_front();
        }
        if let Some((count, last)) = &mut self.flapping {
            *count += 1;
            *last = draft;
            return None;
        }
        if self.flips.len() < FLAP_FLIPS {
            return Some(draft);
        }
        let text = format!(
            "flapping: {} flips within {}; further flips are held until it settles ({})",
            self.flips.len(),
            format_duration(window),
            draft.text
        );
        let mut flapping = draft.clone();
        flapping.text = text;
        flapping.data = Some(Observed::Flapping { flips: self.flips.len(), latest: draft.data.clone() }.data());
        self.flapping = Some((self.flips.len(), draft));
        Some(flapping)
    }

    /// Once no flip has come for a whole window: one "settled" entry naming where it held.
    fn settle(&mut self, now: DateTime<Utc>, window: chrono::Duration) -> Option<Draft> {
        let last_flip = *self.flips.back()?;
        if now - last_flip < window {
            return None;
        }
        let (count, last) = self.flapping.take()?;
        self.flips.clear();
        let mut settled = last.clone();
        settled.at = now;
        settled.text = format!("settled after {count} flips: {}", last.text);
        settled.data = Some(Observed::Settled { flips: count, latest: last.data }.data());
        Some(settled)
    }
}

#[derive(Clone, Debug, Default)]
pub struct Observer {
    regions: Vec<RegionWatch>,
    flaps: std::collections::BTreeMap<String, Flap>,
    serving_ok: Option<bool>,
    /// More than one region accepts writes (see `assess::unfenced_writers`).
    split_brain: bool,
}

impl Observer {
    pub fn new() -> Self {
        Self::default()
    }

    /// Everything that changed since the last call, as drafts for the journal.
    /// `single_writer`: the database takes writes in one region only (RDS, Aurora).
    pub fn observe(&mut self, snapshot: &Snapshot, limits: Limits<'_>, single_writer: bool) -> Vec<Draft> {
        if self.regions.len() != snapshot.regions.len() {
            self.regions = vec![RegionWatch::default(); snapshot.regions.len()];
        }
        let mut transitions = Vec::new();
        for (region, watch) in snapshot.regions.iter().zip(self.regions.iter_mut()) {
            observe_region(region, watch, limits, &mut transitions);
        }
        let window = limits.thresholds.flap_window;
        let mut out = Vec::new();
        for draft in transitions {
            match flap_signal(&draft) {
                Some(key) => out.extend(self.flaps.entry(key).or_default().admit(draft, window)),
                None => out.push(draft),
            }
        }
        for flap in self.flaps.values_mut() {
            out.extend(flap.settle(limits.now, window));
        }
        self.observe_serving(snapshot, limits, &mut out);
        self.observe_writers(snapshot, limits, single_writer, &mut out);
        out
    }

    fn observe_writers(&mut self, snapshot: &Snapshot, limits: Limits<'_>, single_writer: bool, out: &mut Vec<Draft>) {
        let split = assess::unfenced_writers(&snapshot.regions, single_writer, limits);
        if split.is_some() == self.split_brain {
            return;
        }
        self.split_brain = split.is_some();
        let (data, text) = match split {
            Some(f) => (Observed::SplitBrain, format!("split brain: {}", f.text)),
            None => (Observed::SingleWriter, "one region accepts writes again".to_owned()),
        };
        out.push(Draft::new(limits.now, SYSTEM_AUTHOR, Kind::Observation, text).data(data.data()));
    }

    fn observe_serving(&mut self, snapshot: &Snapshot, limits: Limits<'_>, out: &mut Vec<Draft>) {
        let Some(serving) = snapshot.serving_region(limits.now) else { return };
        let ok = serving_ok(serving, limits);
        let Some(ok) = ok else { return };
        let previous = self.serving_ok.replace(ok);
        if previous.is_none() || previous == Some(ok) {
            return;
        }
        let (data, text) = if ok {
            (Observed::ServingHealthy, format!("serving region {} is under all thresholds", serving.name))
        } else {
            (Observed::ServingDegraded, format!("serving region {} is past a threshold", serving.name))
        };
        out.push(observation(limits.now, &serving.name, text, data));
    }
}

fn observation(at: DateTime<Utc>, region: &str, text: String, data: Observed) -> Draft {
    Draft::new(at, SYSTEM_AUTHOR, Kind::Observation, text).region(region).data(data.data())
}

fn observe_region(region: &RegionSnapshot, watch: &mut RegionWatch, limits: Limits<'_>, out: &mut Vec<Draft>) {
    let Limits { thresholds, rpo, now, poll_interval } = limits;
    let name = region.name.as_str();

    // Staleness first: a region going quiet is news, and its old values are not judged.
    let heard = region.last_heard();
    let stale =
        heard.is_some() && region.keys().all(|k| region.freshness_of(k, now, poll_interval) != Freshness::Fresh);
    if stale != watch.stale {
        watch.stale = stale;
        let (data, text) = if stale {
            let age = heard.map(|t| format::age(now - t)).unwrap_or_default();
            (Observed::Stale, format!("readings from {name} are stale: last heard {age} ago"))
        } else {
            (Observed::Fresh, format!("readings from {name} are fresh again"))
        };
        out.push(observation(now, name, text, data));
    }

    let limit = thresholds.error_rate_percent;
    if let Some(v) = region.error_rate.fresh_value(now, poll_interval)
        && let Some(crossed) = watch.error_rate.feed(*v, limit)
    {
        let text = if crossed {
            format!("5xx rate {} is above the {limit}% threshold", format::percent(*v))
        } else {
            format!("5xx rate {} is back under the {limit}% threshold", format::percent(*v))
        };
        out.push(threshold(now, name, crossed, "error-rate", *v, limit, text));
    }

    let limit_ms = limits.p99_limit_ms();
    if let Some(v) = region.latency_p99.fresh_value(now, poll_interval)
        && let Some(crossed) = watch.latency.feed(*v, limit_ms)
    {
        let verb = if crossed { "is above" } else { "is back under" };
        // Named as the statistic read (`avg latency …` under latency-statistic = "Average").
        let label = thresholds.latency_label;
        let text = format!("{label} latency {} {verb} the {} threshold", format::millis(*v), format::millis(limit_ms));
        out.push(threshold(now, name, crossed, "latency-p99", *v, limit_ms, text));
    }

    if let Some(lag) = region.replication_lag.fresh_value(now, poll_interval) {
        let seconds = assess::lag_seconds(lag);
        let rpo_s = rpo.as_seconds_f64();
        if let Some(s) = seconds
            && let Some(over) = watch.lag.feed(s, rpo_s)
        {
            let shown = if s.is_finite() { format::seconds(s) } else { "not replicating".to_owned() };
            let text = if over {
                format!("replication lag {shown} is past the RPO of {}", format_duration(rpo))
            } else {
                format!("replication lag {shown} is back within the RPO of {}", format_duration(rpo))
            };
            let lag_seconds = s.is_finite().then_some(s);
            out.push(observation(
                now,
                name,
                text,
                if over {
                    Observed::LagOverRpo { lag_seconds, rpo_seconds: rpo_s }
                } else {
                    Observed::LagWithinRpo { lag_seconds, rpo_seconds: rpo_s }
                },
            ));
        }
    }

    if let (Some(h), Some(at)) = (region.health.fresh_value(now, poll_interval), region.health.observed_at)
        && let Some((previous, healthy)) = watch.health.feed(h.is_healthy(), at)
        && (previous.is_some() || !healthy)
    {
        let (checkers, total) = (h.healthy, h.total);
        let (data, word) = if healthy {
            (Observed::HealthHealthy { healthy: checkers, total }, "healthy")
        } else {
            (Observed::HealthUnhealthy { healthy: checkers, total }, "UNHEALTHY")
        };
        let text = format!("Route 53 health check {word}: {checkers}/{total} checkers report healthy");
        out.push(observation(now, name, text, data));
    }

    if let Some(i) = region.integrity.fresh_value(now, poll_interval) {
        // Each counter is observed once, when it first rises above zero.
        let counters = [
            (
                i.corrupted_records,
                &mut watch.corrupted_seen,
                Observed::CorruptedRecords { count: i.corrupted_records },
                "corrupted records seen",
            ),
            (
                i.duplicate_events,
                &mut watch.duplicates_seen,
                Observed::DuplicateEvents { count: i.duplicate_events },
                "duplicate events processed",
            ),
        ];
        for (count, seen, data, what) in counters {
            if count > 0 && !*seen {
                *seen = true;
                let text = format!("{count} {what} in {name}");
                out.push(observation(now, name, text, data));
            }
        }
    }

    observe_custom(region, watch, limits, out);
    observe_inventory(region, watch, limits, out);

    if let Some(r) = region.routing.fresh_value(now, poll_interval) {
        let previous = watch.active.replace(r.active);
        if previous.is_some_and(|p| p != r.active) && r.active {
            let text = format!("routing: {name} record `{}` is now active", r.record_set_id);
            out.push(observation(now, name, text, Observed::RoutingChanged { record_set_id: r.record_set_id.clone() }));
        }
    }
}

/// `[[signals]]` rows crossing their critical line, with the same hysteresis as the built-ins.
fn observe_custom(region: &RegionSnapshot, watch: &mut RegionWatch, limits: Limits<'_>, out: &mut Vec<Draft>) {
    let (now, interval) = (limits.now, limits.poll_interval);
    let signals = &limits.thresholds.signals;
    if watch.custom.len() != signals.len() {
        watch.custom = vec![Latch::default(); signals.len()];
    }
    for ((row, signal), latch) in region.custom.iter().zip(signals).zip(watch.custom.iter_mut()) {
        let Some(v) = row.signal.fresh_value(now, interval) else { continue };
        // A lower-is-worse row is latched on its reciprocal, so recovery still needs margin.
        let (fed, limit) = match signal.direction {
            crate::config::SignalDirection::Above => (*v, signal.critical),
            crate::config::SignalDirection::Below => {
                (if *v > 0.0 { 1.0 / v } else { f64::INFINITY }, 1.0 / signal.critical.max(f64::MIN_POSITIVE))
            }
        };
        let Some(crossed) = latch.feed(fed, limit) else { continue };
        let (shown, line) = (signal.unit.show(*v), signal.unit.show(signal.critical));
        let text = if crossed {
            format!("{} {shown} is past its critical line of {line}", signal.label)
        } else {
            format!("{} {shown} is back inside its critical line of {line}", signal.label)
        };
        out.push(threshold(now, &region.name, crossed, &signal.name, *v, signal.critical, text));
    }
}

/// Alarm state changes, and secrets going missing or coming back.
fn observe_inventory(region: &RegionSnapshot, watch: &mut RegionWatch, limits: Limits<'_>, out: &mut Vec<Draft>) {
    use crate::model::AlarmState;
    let (now, interval, name) = (limits.now, limits.poll_interval, region.name.as_str());
    if let Some(alarms) = region.fresh_alarms(now, interval) {
        for alarm in &alarms.alarms {
            let previous = watch.alarms.insert(alarm.name.clone(), alarm.state);
            let news = match previous {
                None => alarm.state != AlarmState::Ok,
                Some(p) => p != alarm.state,
            };
            if news {
                let was = previous.map(|p| format!(" (was {})", p.label())).unwrap_or_default();
                let text = format!("alarm {} is {}{was}", alarm.name, alarm.state.label());
                let data = Observed::AlarmChanged { alarm: alarm.name.clone(), state: alarm.state, previous };
                out.push(observation(now, name, text, data));
            }
        }
    }
    if let Some(secrets) = region.fresh_secrets(now, interval) {
        let missing: Vec<String> = secrets.missing().iter().map(|s| s.name.clone()).collect();
        let was = watch.secrets_missing.replace(!missing.is_empty());
        match (was, missing.is_empty()) {
            (Some(false) | None, false) => {
                let text = format!("secrets missing in {name}: {}", missing.join(", "));
                out.push(observation(now, name, text, Observed::SecretsMissing { secrets: missing }));
            }
            (Some(true), true) => {
                out.push(observation(
                    now,
                    name,
                    format!("every secret is present in {name}"),
                    Observed::SecretsPresent,
                ));
            }
            _ => {}
        }
    }
}

fn threshold(
    at: DateTime<Utc>,
    region: &str,
    crossed: bool,
    signal: &str,
    value: f64,
    limit: f64,
    text: String,
) -> Draft {
    let signal = signal.to_owned();
    let data = if crossed {
        Observed::ThresholdCrossed { signal, value, threshold: limit }
    } else {
        Observed::ThresholdRecovered { signal, value, threshold: limit }
    };
    observation(at, region, text, data)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Thresholds;
    use crate::model::{HealthChecks, Lag, Reading, Routing, RoutingPolicy, Update};
    use crate::scribe::Event;
    use chrono::Duration;

    use crate::testkit::t;

    struct Rig {
        snapshot: Snapshot,
        observer: Observer,
        thresholds: Thresholds,
    }

    impl Rig {
        fn new() -> Self {
            Self {
                snapshot: crate::testkit::two_regions(),
                observer: Observer::new(),
                thresholds: Thresholds::default(),
            }
        }

        fn feed(&mut self, at: i64, region: usize, reading: Reading) -> Vec<Event> {
            self.snapshot.apply(Update::ok(region, t(at), reading));
            self.at(at)
        }

        fn at(&mut self, at: i64) -> Vec<Event> {
            let limits = Limits {
                thresholds: &self.thresholds,
                rpo: Duration::seconds(60),
                now: t(at),
                poll_interval: Duration::seconds(10),
            };
            self.observer
                .observe(&self.snapshot, limits, true)
                .into_iter()
                .map(|d| serde_json::from_value(d.data.unwrap()["event"].clone()).unwrap())
                .collect()
        }
    }

    #[test]
    fn a_second_open_writer_is_observed_once_and_its_fencing_too() {
        let mut rig = Rig::new();
        let db = |role, identifier: &str| {
            Reading::Database(crate::model::Database { role, identifier: identifier.into(), endpoint: String::new() })
        };
        assert!(rig.feed(0, 0, db(crate::model::DbRole::Writer, "orders")).is_empty());
        assert!(rig.feed(0, 1, db(crate::model::DbRole::Replica, "orders-2")).is_empty());
        assert_eq!(rig.feed(10, 1, db(crate::model::DbRole::Writer, "orders-2")), [Event::SplitBrain]);
        assert!(rig.at(15).is_empty(), "said once");
        assert_eq!(rig.feed(20, 0, Reading::WriteFreeze(true)), [Event::SingleWriter]);
    }

    #[test]
    fn a_wobbling_error_rate_is_observed_once_each_way() {
        let mut rig = Rig::new();
        assert!(rig.feed(0, 0, Reading::ErrorRate(1.0)).is_empty());
        assert_eq!(rig.feed(10, 0, Reading::ErrorRate(6.0)), [Event::ThresholdCrossed]);
        // Wobbling around the 5% line: no flood.
        for (i, v) in [4.8, 5.3, 4.5, 5.9, 4.2].into_iter().enumerate() {
            assert!(rig.feed(20 + i as i64 * 10, 0, Reading::ErrorRate(v)).is_empty(), "{v}");
        }
        assert_eq!(rig.feed(80, 0, Reading::ErrorRate(3.0)), [Event::ThresholdRecovered]);
    }

    #[test]
    fn a_flapping_health_check_needs_two_readings_to_flip() {
        let mut rig = Rig::new();
        let h = |healthy| Reading::HealthChecks(HealthChecks { healthy, total: 16 });
        assert!(rig.feed(0, 0, h(16)).is_empty(), "the first healthy reading is not news");
        assert!(rig.feed(10, 0, h(1)).is_empty(), "one unhealthy reading is a flap");
        assert!(rig.feed(20, 0, h(16)).is_empty());
        assert!(rig.feed(30, 0, h(1)).is_empty());
        assert_eq!(rig.feed(40, 0, h(2)), [Event::HealthUnhealthy]);
        // Observing again without a new reading changes nothing.
        assert!(rig.at(41).is_empty());
        assert!(rig.feed(50, 0, h(15)).is_empty());
        assert_eq!(rig.feed(60, 0, h(16)), [Event::HealthHealthy]);
    }

    #[test]
    fn integrity_counters_are_observed_once_when_they_first_rise() {
        let mut rig = Rig::new();
        let i = |corrupted_records, duplicate_events| {
            Reading::Integrity(crate::model::Integrity {
                corrupted_records,
                duplicate_events,
                unreplicated_writes: None,
            })
        };
        assert!(rig.feed(0, 0, i(0, 0)).is_empty());
        assert_eq!(rig.feed(10, 0, i(3, 0)), [Event::CorruptedRecords]);
        assert!(rig.feed(20, 0, i(9, 0)).is_empty(), "a growing counter is not news twice");
        assert_eq!(rig.feed(30, 0, i(9, 40)), [Event::DuplicateEvents]);
    }

    #[test]
    fn lag_past_rpo_and_back() {
        let mut rig = Rig::new();
        assert!(rig.feed(0, 1, Reading::ReplicationLag(Lag::Behind(10.0))).is_empty());
        assert_eq!(rig.feed(10, 1, Reading::ReplicationLag(Lag::Behind(61.0))), [Event::LagOverRpo]);
        assert!(rig.feed(20, 1, Reading::ReplicationLag(Lag::Behind(55.0))).is_empty());
        assert_eq!(rig.feed(30, 1, Reading::ReplicationLag(Lag::Behind(20.0))), [Event::LagWithinRpo]);
        assert!(rig.feed(40, 0, Reading::ReplicationLag(Lag::Writer)).is_empty());
    }

    #[test]
    fn staleness_and_routing_changes() {
        let mut rig = Rig::new();
        let routing = |active| {
            Reading::Routing(Routing {
                record_set_id: "secondary".into(),
                policy: RoutingPolicy::Failover,
                active,
                weight: None,
                ttl_seconds: 60,
                change: None,
            })
        };
        assert!(rig.feed(0, 1, routing(false)).is_empty());
        assert_eq!(rig.at(31), [Event::Stale]);
        assert!(rig.at(40).is_empty());
        assert_eq!(rig.feed(41, 1, routing(true)), [Event::Fresh, Event::RoutingChanged]);
    }

    #[test]
    fn a_failing_poll_is_never_fresh_news() {
        let mut rig = Rig::new();
        assert!(rig.feed(0, 0, Reading::ErrorRate(1.0)).is_empty());
        assert_eq!(rig.at(31), [Event::Stale]);
        // A frozen region: each poll times out, and says so with `Reachable(false)` and an
        // error, both of them newer than any reading. Neither is an answer.
        for at in [32, 42, 52] {
            rig.snapshot.apply(Update::ok(0, t(at), Reading::Reachable(false)));
            rig.snapshot.apply(Update::ok(0, t(at), Reading::ControlPlane(false)));
            rig.snapshot.apply(Update::failed(
                0,
                crate::model::SignalKey::ErrorRate,
                t(at),
                "GetMetricData: timed out",
            ));
            assert!(rig.at(at).is_empty(), "a timeout at {at}s is not fresh news");
        }
        assert_eq!(rig.feed(60, 0, Reading::ErrorRate(1.0)), [Event::Fresh]);
    }

    #[test]
    fn the_serving_region_recovering_is_observed() {
        let mut rig = Rig::new();
        let routing = Reading::Routing(Routing {
            record_set_id: "secondary".into(),
            policy: RoutingPolicy::Failover,
            active: true,
            weight: None,
            ttl_seconds: 60,
            change: None,
        });
        rig.feed(0, 1, routing.clone());
        rig.feed(0, 1, Reading::HealthChecks(HealthChecks { healthy: 16, total: 16 }));
        rig.feed(0, 1, Reading::LatencyP99(300.0));
        assert_eq!(rig.feed(0, 1, Reading::ErrorRate(40.0)), [Event::ThresholdCrossed]);
        rig.feed(10, 1, routing.clone());
        rig.feed(10, 1, Reading::HealthChecks(HealthChecks { healthy: 16, total: 16 }));
        rig.feed(10, 1, Reading::LatencyP99(300.0));
        let events = rig.feed(10, 1, Reading::ErrorRate(0.5));
        assert_eq!(events, [Event::ThresholdRecovered, Event::ServingHealthy]);
    }
}
