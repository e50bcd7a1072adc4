//! `Snapshot`: everything known about every region, and the pure fold `apply`.

use chrono::{DateTime, Duration, Utc};

use super::history::History;
use super::signal::{Applied, Freshness, Signal};
use super::update::{Reading, SignalKey, Update};
use super::values::{Alarms, Capacity, Database, HealthChecks, Integrity, Lag, Role, Routing, Secrets};

/// A `[[signals]]` row of one region: its value and its chart.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CustomRow {
    pub signal: Signal<f64>,
    pub history: History,
}

/// Serializable so a demo's host can publish what it sees to terminals that join it.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RegionSnapshot {
    pub name: String,
    pub role: Role,
    pub requests: Signal<f64>,
    pub error_rate: Signal<f64>,
    pub latency_p50: Signal<f64>,
    pub latency_p99: Signal<f64>,
    pub replication_lag: Signal<Lag>,
    pub health: Signal<HealthChecks>,
    pub database: Signal<Database>,
    pub routing: Signal<Routing>,
    pub write_freeze: Signal<bool>,
    /// Drill counters (corrupted records, duplicate events); the sim reports them, AWS not.
    pub integrity: Signal<Integrity>,
    #[serde(default)]
    pub alarms: Signal<Alarms>,
    #[serde(default)]
    pub capacity: Signal<Capacity>,
    #[serde(default)]
    pub secrets: Signal<Secrets>,
    /// Healthy targets behind the load balancer (`target-group`), read in the region.
    #[serde(default)]
    pub healthy_targets: Signal<f64>,
    /// Whether us-east-1's control plane answered this region's pollers (Route 53 API, its
    /// metrics): one fact for every region, reported by whichever region asked.
    #[serde(default)]
    pub control_plane: Signal<bool>,
    /// Whether the region's own endpoints answered its last poll.
    #[serde(default)]
    pub reachable: Signal<bool>,
    /// One per `[[signals]]` row, in config order.
    #[serde(default)]
    pub custom: Vec<CustomRow>,
    pub error_rate_history: History,
    pub latency_p99_history: History,
    pub lag_history: History,
}

impl RegionSnapshot {
    pub fn new(name: impl Into<String>, role: Role) -> Self {
        Self {
            name: name.into(),
            role,
            requests: Signal::default(),
            error_rate: Signal::default(),
            latency_p50: Signal::default(),
            latency_p99: Signal::default(),
            replication_lag: Signal::default(),
            health: Signal::default(),
            database: Signal::default(),
            routing: Signal::default(),
            write_freeze: Signal::default(),
            integrity: Signal::default(),
            alarms: Signal::default(),
            capacity: Signal::default(),
            secrets: Signal::default(),
            healthy_targets: Signal::default(),
            control_plane: Signal::default(),
            reachable: Signal::default(),
            custom: Vec::new(),
            error_rate_history: History::default(),
            latency_p99_history: History::default(),
            lag_history: History::default(),
        }
    }

    /// Route 53 is active with this region's record (fresh data only).
    pub fn is_serving(&self, now: DateTime<Utc>, poll_interval: Duration) -> bool {
        self.routing.fresh_value(now, poll_interval).is_some_and(|r| r.active)
    }

    /// The region's own endpoints did not answer its newest poll: nothing can be done there
    /// now, and nothing read there is news.
    pub fn unreachable(&self, now: DateTime<Utc>, poll_interval: Duration) -> bool {
        self.reachable.fresh_value(now, poll_interval) == Some(&false)
    }

    /// The freshness of each signal, worst first matters to the UI: any stale signal marks the region.
    pub fn freshness_of(&self, key: SignalKey, now: DateTime<Utc>, interval: Duration) -> Freshness {
        match key {
            SignalKey::Requests => self.requests.freshness(now, interval),
            SignalKey::ErrorRate => self.error_rate.freshness(now, interval),
            SignalKey::LatencyP50 => self.latency_p50.freshness(now, interval),
            SignalKey::LatencyP99 => self.latency_p99.freshness(now, interval),
            SignalKey::ReplicationLag => self.replication_lag.freshness(now, interval),
            SignalKey::HealthChecks => self.health.freshness(now, interval),
            SignalKey::Database => self.database.freshness(now, interval),
            SignalKey::Routing => self.routing.freshness(now, interval),
            SignalKey::WriteFreeze => self.write_freeze.freshness(now, interval),
            SignalKey::Integrity => self.integrity.freshness(now, interval),
            SignalKey::Alarms => {
                self.alarms.freshness(now, slow(interval, self.alarms.value.as_ref().map(|a| a.every_seconds)))
            }
            SignalKey::Capacity => self.capacity.freshness(now, interval),
            SignalKey::HealthyTargets => self.healthy_targets.freshness(now, interval),
            SignalKey::ControlPlane => self.control_plane.freshness(now, interval),
            SignalKey::Reachable => self.reachable.freshness(now, interval),
            SignalKey::Secrets => {
                self.secrets.freshness(now, slow(interval, self.secrets.value.as_ref().map(|s| s.every_seconds)))
            }
            SignalKey::Custom(i) => {
                self.custom.get(usize::from(i)).map_or(Freshness::Missing, |c| c.signal.freshness(now, interval))
            }
        }
    }

    /// What is known of one signal: when it was last read, and the newest failure since.
    pub fn status_of(&self, key: SignalKey, now: DateTime<Utc>, interval: Duration) -> SignalStatus<'_> {
        let freshness = self.freshness_of(key, now, interval);
        macro_rules! of {
            ($s:expr) => {
                SignalStatus {
                    freshness,
                    has_value: $s.value.is_some(),
                    observed_at: $s.observed_at,
                    error: $s.error.as_deref(),
                    error_at: $s.error_at,
                }
            };
        }
        match key {
            SignalKey::Requests => of!(self.requests),
            SignalKey::ErrorRate => of!(self.error_rate),
            SignalKey::LatencyP50 => of!(self.latency_p50),
            SignalKey::LatencyP99 => of!(self.latency_p99),
            SignalKey::ReplicationLag => of!(self.replication_lag),
            SignalKey::HealthChecks => of!(self.health),
            SignalKey::Database => of!(self.database),
            SignalKey::Routing => of!(self.routing),
            SignalKey::WriteFreeze => of!(self.write_freeze),
            SignalKey::Integrity => of!(self.integrity),
            SignalKey::Alarms => of!(self.alarms),
            SignalKey::Capacity => of!(self.capacity),
            SignalKey::Secrets => of!(self.secrets),
            SignalKey::HealthyTargets => of!(self.healthy_targets),
            SignalKey::ControlPlane => of!(self.control_plane),
            SignalKey::Reachable => of!(self.reachable),
            SignalKey::Custom(i) => match self.custom.get(usize::from(i)) {
                Some(row) => of!(row.signal),
                None => SignalStatus { freshness, has_value: false, observed_at: None, error: None, error_at: None },
            },
        }
    }

    /// Every signal read from a source: the built-in ones and its custom rows. Not the
    /// control plane's or the region's reachability: a failed poll writes those, so they say
    /// the poll happened, never that anything was read (a frozen region is not "fresh").
    pub fn keys(&self) -> impl Iterator<Item = SignalKey> + '_ {
        let custom = (0..self.custom.len()).filter_map(|i| u8::try_from(i).ok()).map(SignalKey::Custom);
        SignalKey::ALL
            .into_iter()
            .filter(|k| !matches!(k, SignalKey::ControlPlane | SignalKey::Reachable))
            .chain(custom)
    }

    /// The alarms, when fresh against the rate they are read at.
    pub fn fresh_alarms(&self, now: DateTime<Utc>, interval: Duration) -> Option<&Alarms> {
        (self.freshness_of(SignalKey::Alarms, now, interval) == Freshness::Fresh)
            .then_some(self.alarms.value.as_ref())?
    }

    /// The secrets, when fresh against the rate they are read at.
    pub fn fresh_secrets(&self, now: DateTime<Utc>, interval: Duration) -> Option<&Secrets> {
        (self.freshness_of(SignalKey::Secrets, now, interval) == Freshness::Fresh)
            .then_some(self.secrets.value.as_ref())?
    }

    /// The newest time any signal of this region heard from its source.
    pub fn last_heard(&self) -> Option<DateTime<Utc>> {
        [
            self.requests.observed_at,
            self.error_rate.observed_at,
            self.latency_p50.observed_at,
            self.latency_p99.observed_at,
            self.replication_lag.observed_at,
            self.health.observed_at,
            self.database.observed_at,
            self.routing.observed_at,
            self.write_freeze.observed_at,
            self.alarms.observed_at,
            self.capacity.observed_at,
            self.secrets.observed_at,
            self.healthy_targets.observed_at,
        ]
        .into_iter()
        .chain(self.custom.iter().map(|c| c.signal.observed_at))
        .flatten()
        .max()
    }

    fn apply(&mut self, signal: SignalKey, at: DateTime<Utc>, result: Result<Reading, String>) -> Applied {
        let reading = match result {
            Err(error) => return self.record_error(signal, error, at),
            Ok(reading) if reading.key() != signal => return Applied::Mismatch,
            Ok(reading) => reading,
        };
        match reading {
            Reading::Requests(v) => self.requests.record_value(v, at),
            Reading::ErrorRate(v) => with_history(self.error_rate.record_value(v, at), &mut self.error_rate_history, v),
            Reading::LatencyP50(v) => self.latency_p50.record_value(v, at),
            Reading::LatencyP99(v) => {
                with_history(self.latency_p99.record_value(v, at), &mut self.latency_p99_history, v)
            }
            Reading::ReplicationLag(lag) => {
                let applied = self.replication_lag.record_value(lag, at);
                if let Lag::Behind(seconds) = lag {
                    with_history(applied, &mut self.lag_history, seconds)
                } else {
                    applied
                }
            }
            Reading::HealthChecks(v) => self.health.record_value(v, at),
            Reading::Database(v) => self.database.record_value(v, at),
            Reading::Routing(v) => self.routing.record_value(v, at),
            Reading::WriteFreeze(v) => self.write_freeze.record_value(v, at),
            Reading::Integrity(v) => self.integrity.record_value(v, at),
            Reading::Alarms(v) => self.alarms.record_value(v, at),
            Reading::Capacity(v) => self.capacity.record_value(v, at),
            Reading::Secrets(v) => self.secrets.record_value(v, at),
            Reading::HealthyTargets(v) => self.healthy_targets.record_value(v, at),
            Reading::ControlPlane(v) => self.control_plane.record_value(v, at),
            Reading::Reachable(v) => self.reachable.record_value(v, at),
            Reading::Custom(i, v) => match self.custom.get_mut(usize::from(i)) {
                Some(row) => with_history(row.signal.record_value(v, at), &mut row.history, v),
                None => Applied::Mismatch,
            },
        }
    }

    fn record_error(&mut self, signal: SignalKey, error: String, at: DateTime<Utc>) -> Applied {
        match signal {
            SignalKey::Requests => self.requests.record_error(error, at),
            SignalKey::ErrorRate => self.error_rate.record_error(error, at),
            SignalKey::LatencyP50 => self.latency_p50.record_error(error, at),
            SignalKey::LatencyP99 => self.latency_p99.record_error(error, at),
            SignalKey::ReplicationLag => self.replication_lag.record_error(error, at),
            SignalKey::HealthChecks => self.health.record_error(error, at),
            SignalKey::Database => self.database.record_error(error, at),
            SignalKey::Routing => self.routing.record_error(error, at),
            SignalKey::WriteFreeze => self.write_freeze.record_error(error, at),
            SignalKey::Integrity => self.integrity.record_error(error, at),
            SignalKey::Alarms => self.alarms.record_error(error, at),
            SignalKey::Capacity => self.capacity.record_error(error, at),
            SignalKey::Secrets => self.secrets.record_error(error, at),
            SignalKey::HealthyTargets => self.healthy_targets.record_error(error, at),
            SignalKey::ControlPlane => self.control_plane.record_error(error, at),
            SignalKey::Reachable => self.reachable.record_error(error, at),
            SignalKey::Custom(i) => match self.custom.get_mut(usize::from(i)) {
                Some(row) => row.signal.record_error(error, at),
                None => Applied::Mismatch,
            },
        }
    }
}

/// One signal's state without its value: what a verdict of "unknown" is made from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SignalStatus<'a> {
    pub freshness: Freshness,
    pub has_value: bool,
    pub observed_at: Option<DateTime<Utc>>,
    /// The newest failed poll's error, until a read succeeds.
    pub error: Option<&'a str>,
    pub error_at: Option<DateTime<Utc>>,
}

impl SignalStatus<'_> {
    /// Anything was ever asked of this signal: it was read, or a read of it failed. A signal
    /// nobody polls (not configured, not in this world) is neither.
    pub fn polled(&self) -> bool {
        self.has_value || self.error.is_some()
    }
}

/// A reading refreshed every `every` seconds is judged against that, not the poll interval.
fn slow(interval: Duration, every: Option<u32>) -> Duration {
    every.map_or(interval, |s| interval.max(Duration::seconds(i64::from(s))))
}

/// History only records accepted readings, so a late reply cannot reorder a sparkline.
fn with_history(applied: Applied, history: &mut History, sample: f64) -> Applied {
    if applied == Applied::Stored {
        history.push(sample);
    }
    applied
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Snapshot {
    pub regions: Vec<RegionSnapshot>,
    #[serde(with = "milliseconds")]
    pub poll_interval: Duration,
}

/// A duration as whole milliseconds (chrono's own has no serde form).
mod milliseconds {
    use chrono::Duration;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(d.num_milliseconds())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        i64::deserialize(d).map(Duration::milliseconds)
    }
}

impl Snapshot {
    pub fn new(regions: Vec<RegionSnapshot>, poll_interval: Duration) -> Self {
        Self { regions, poll_interval }
    }

    /// Fold a poll round into the snapshot: every command that polls (the dashboard's
    /// replays, `run-step`, drills, `snapshot`, `check`) folds through here. Returns whether
    /// any update was stored.
    pub fn fold(&mut self, updates: impl IntoIterator<Item = Update>) -> bool {
        updates.into_iter().fold(false, |stored, u| (self.apply(u) == Applied::Stored) | stored)
    }

    /// Fold one update into the snapshot. Pure: no I/O, no clock.
    pub fn apply(&mut self, update: Update) -> Applied {
        let Some(region) = self.regions.get_mut(update.region) else {
            return Applied::UnknownRegion;
        };
        region.apply(update.signal, update.observed_at, update.result.map_err(|e| e.0))
    }

    /// us-east-1's control plane did not answer the newest call any region made to it: one
    /// fact for the whole incident, said once (the header), not as an error in every region.
    pub fn control_plane_unreachable(&self, now: DateTime<Utc>) -> bool {
        self.regions
            .iter()
            .filter(|r| r.control_plane.freshness(now, self.poll_interval) == Freshness::Fresh)
            .max_by_key(|r| r.control_plane.observed_at)
            .and_then(|r| r.control_plane.value)
            == Some(false)
    }

    /// The region whose record Route 53 answers with, if exactly known.
    pub fn serving_region(&self, now: DateTime<Utc>) -> Option<&RegionSnapshot> {
        self.regions.iter().find(|r| r.is_serving(now, self.poll_interval))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::values::{DbRole, RoutingPolicy};

    use crate::testkit::t;

    use crate::testkit::two_regions;

    #[test]
    fn the_newest_word_from_the_control_plane_counts() {
        let t0 = DateTime::from_timestamp(1_700_000_000, 0).unwrap_or_default();
        let at = |s: i64| t0 + Duration::seconds(s);
        let mut s = Snapshot::new(
            vec![RegionSnapshot::new("us-east-1", Role::Primary), RegionSnapshot::new("us-west-2", Role::Secondary)],
            Duration::seconds(10),
        );
        assert!(!s.control_plane_unreachable(at(0)), "never asked: not known to be down");
        s.apply(Update::ok(0, at(0), Reading::ControlPlane(true)));
        s.apply(Update::ok(1, at(5), Reading::ControlPlane(false)));
        assert!(s.control_plane_unreachable(at(6)));
        s.apply(Update::ok(0, at(8), Reading::ControlPlane(true)));
        assert!(!s.control_plane_unreachable(at(9)), "it answered since");
        assert!(!s.control_plane_unreachable(at(200)), "an old word is no word");
    }

    #[test]
    fn apply_routes_each_reading_to_its_region_and_signal() {
        let mut s = two_regions();
        assert_eq!(s.apply(Update::ok(1, t(0), Reading::ErrorRate(4.5))), Applied::Stored);
        assert_eq!(s.apply(Update::ok(0, t(0), Reading::LatencyP99(310.0))), Applied::Stored);
        assert_eq!(s.regions[1].error_rate.value, Some(4.5));
        assert_eq!(s.regions[0].error_rate.value, None);
        assert_eq!(s.regions[0].latency_p99.value, Some(310.0));
        assert_eq!(s.regions[1].error_rate_history.last(5).collect::<Vec<_>>(), vec![4.5]);
    }

    #[test]
    fn out_of_order_updates_are_ignored_and_do_not_touch_history() {
        let mut s = two_regions();
        s.apply(Update::ok(0, t(20), Reading::ErrorRate(9.0)));
        assert_eq!(s.apply(Update::ok(0, t(10), Reading::ErrorRate(1.0))), Applied::OutOfOrder);
        assert_eq!(s.regions[0].error_rate.value, Some(9.0));
        assert_eq!(s.regions[0].error_rate_history.len(), 1);
    }

    #[test]
    fn a_failed_poll_keeps_the_value_which_then_goes_stale() {
        let mut s = two_regions();
        let healthy = HealthChecks { healthy: 16, total: 16 };
        s.apply(Update::ok(0, t(0), Reading::HealthChecks(healthy)));
        s.apply(Update::failed(0, SignalKey::HealthChecks, t(10), "connect timeout"));
        let h = &s.regions[0].health;
        assert_eq!(h.value, Some(healthy));
        assert_eq!(h.error.as_deref(), Some("connect timeout"));
        assert_eq!(h.freshness(t(25), s.poll_interval), Freshness::Fresh);
        assert_eq!(h.freshness(t(31), s.poll_interval), Freshness::Stale);
    }

    #[test]
    fn unknown_regions_and_mismatched_readings_are_rejected() {
        let mut s = two_regions();
        assert_eq!(s.apply(Update::ok(7, t(0), Reading::Requests(1.0))), Applied::UnknownRegion);
        let wrong =
            Update { region: 0, signal: SignalKey::WriteFreeze, observed_at: t(0), result: Ok(Reading::Requests(1.0)) };
        assert_eq!(s.apply(wrong), Applied::Mismatch);
        assert_eq!(s.regions[0].write_freeze.value, None);
        assert_eq!(s.regions[0].requests.value, None);
    }

    #[test]
    fn serving_region_needs_fresh_routing() {
        let mut s = two_regions();
        let routing = |active| Routing {
            record_set_id: "x".into(),
            policy: RoutingPolicy::Failover,
            active,
            weight: None,
            ttl_seconds: 60,
            change: None,
        };
        s.apply(Update::ok(0, t(0), Reading::Routing(routing(false))));
        s.apply(Update::ok(1, t(0), Reading::Routing(routing(true))));
        assert_eq!(s.serving_region(t(5)).map(|r| r.name.as_str()), Some("us-west-2"));
        assert!(s.serving_region(t(60)).is_none(), "stale routing must not claim a serving region");
        let db = Database { role: DbRole::Writer, identifier: "db".into(), endpoint: "db.example".into() };
        s.apply(Update::ok(0, t(0), Reading::Database(db.clone())));
        assert_eq!(s.regions[0].database.value, Some(db));
    }

    #[test]
    fn lag_history_only_records_numeric_lag() {
        let mut s = two_regions();
        s.apply(Update::ok(1, t(0), Reading::ReplicationLag(Lag::Behind(2.0))));
        s.apply(Update::ok(1, t(10), Reading::ReplicationLag(Lag::NotReplicating)));
        s.apply(Update::ok(1, t(20), Reading::ReplicationLag(Lag::Behind(3.0))));
        assert_eq!(s.regions[1].lag_history.last(10).collect::<Vec<_>>(), vec![2.0, 3.0]);
    }
}
