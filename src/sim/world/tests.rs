//! The world's own tests: replay by seed, each fault's effect, bounded cost.

use super::*;
use crate::config::Config;
use crate::model::SignalKey;
use crate::sim::faults::{AlarmPick, demo_timeline};
use chrono::TimeZone;

fn epoch() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 3, 0, 0).single().unwrap()
}

fn world(seed: u64) -> World {
    World::new(&Config::default_regions(2), seed, epoch(), demo_timeline())
}

fn trace(seed: u64) -> Vec<Vec<Reading>> {
    let mut w = world(seed);
    (0..60)
        .map(|i| {
            w.advance_to(epoch() + Duration::seconds(i * 7));
            [w.observe(0), w.observe(1)].concat()
        })
        .collect()
}

#[test]
fn same_seed_replays_exactly_and_other_seeds_differ() {
    assert_eq!(trace(7), trace(7));
    assert_ne!(trace(7), trace(8));
}

#[test]
fn polling_cadence_does_not_change_what_the_world_shows() {
    let mut often = world(3);
    for s in 0..=300 {
        often.advance_to(epoch() + Duration::seconds(s));
    }
    let mut once = world(3);
    once.advance_to(epoch() + Duration::seconds(300));
    assert_eq!(often.observe(0), once.observe(0));
    assert_eq!(often.observe(1), once.observe(1));
}

fn value(readings: &[Reading], pick: impl Fn(&Reading) -> Option<f64>) -> f64 {
    readings.iter().find_map(pick).unwrap()
}

#[test]
fn demo_is_calm_for_a_minute_then_the_primary_degrades() {
    let mut w = world(1);
    w.advance_to(epoch() + Duration::seconds(55));
    let calm = w.observe(0);
    assert!(value(&calm, |r| if let Reading::ErrorRate(v) = r { Some(*v) } else { None }) < 1.0);
    assert!(matches!(calm[5], Reading::HealthChecks(h) if h.is_healthy()));

    w.advance_to(epoch() + Duration::seconds(240));
    let bad = w.observe(0);
    let errors = value(&bad, |r| if let Reading::ErrorRate(v) = r { Some(*v) } else { None });
    assert!(errors > 30.0, "5xx should be well past the 5% threshold, got {errors}");
    let p99 = value(&bad, |r| if let Reading::LatencyP99(v) = r { Some(*v) } else { None });
    assert!(p99 > 1500.0, "p99 should be past 1500 ms, got {p99}");
    assert!(matches!(bad[5], Reading::HealthChecks(h) if !h.is_healthy()), "{:?}", bad[5]);
    let lag = w.observe(1);
    assert!(matches!(lag[4], Reading::ReplicationLag(Lag::Behind(s)) if s > 60.0), "{:?}", lag[4]);
    // The secondary itself is fine.
    assert!(matches!(lag[5], Reading::HealthChecks(h) if h.is_healthy()));
}

#[test]
fn replication_delay_grows_lag_and_recovers_when_it_ends() {
    let timeline = vec![ScheduledFault {
        at: Duration::seconds(10),
        until: Some(Duration::seconds(70)),
        region: 1,
        fault: Fault::ReplicationDelay { seconds_per_second: 2.0 },
    }];
    let mut w = World::new(&Config::default_regions(2), 5, epoch(), timeline);
    let lag = |w: &World| match w.observe(1)[4] {
        Reading::ReplicationLag(Lag::Behind(s)) => s,
        ref other => panic!("unexpected {other:?}"),
    };
    w.advance_to(epoch() + Duration::seconds(70));
    assert!(lag(&w) > 100.0, "{}", lag(&w));
    w.advance_to(epoch() + Duration::seconds(200));
    assert!(lag(&w) < 2.0, "{}", lag(&w));
    assert!(matches!(w.observe(0)[4], Reading::ReplicationLag(Lag::Writer)));
}

#[test]
fn a_day_of_simulation_is_bounded() {
    // What a day costs is measured by `cargo bench --bench render` ("simulate 24 h").
    let mut w = World::new(&Config::default_regions(8), 9, epoch(), demo_timeline());
    w.advance_to(epoch() + Duration::hours(24));
    assert_eq!(w.elapsed(), Duration::hours(24));
    for i in 0..8 {
        assert_eq!(w.observe(i).len(), SignalKey::ALL.len());
    }
    assert!(w.observe(8).is_empty());
}

fn world_with(fault: Fault, region: usize) -> World {
    let timeline = vec![ScheduledFault { at: Duration::seconds(10), until: None, region, fault }];
    World::new(&Config::default_regions(2), 11, epoch(), timeline)
}

fn health(w: &World, region: usize) -> HealthChecks {
    match w.observe(region)[5] {
        Reading::HealthChecks(h) => h,
        ref other => panic!("unexpected {other:?}"),
    }
}

fn reading_of(w: &World, region: usize, key: SignalKey) -> Reading {
    w.observe(region).into_iter().find(|r| r.key() == key).unwrap()
}

#[test]
fn a_lost_primary_database_is_unavailable_and_stalls_replication() {
    let mut w = world_with(Fault::DbPrimaryLost, 0);
    w.advance_to(epoch() + Duration::seconds(70));
    let Reading::Database(db) = reading_of(&w, 0, SignalKey::Database) else { panic!() };
    assert_eq!(db.role, DbRole::Unavailable);
    let Reading::ErrorRate(e) = reading_of(&w, 0, SignalKey::ErrorRate) else { panic!() };
    assert!(e > 30.0, "writes fail: {e}");
    let Reading::ReplicationLag(Lag::Behind(lag)) = reading_of(&w, 1, SignalKey::ReplicationLag) else { panic!() };
    assert!(lag > 50.0, "nothing replicates from a lost writer: {lag}");
    assert!(health(&w, 0).is_healthy(), "the app itself still answers health checks");
}

#[test]
fn a_missing_secret_fails_the_regions_checks_and_requests() {
    let mut w = world_with(Fault::MissingSecret, 1);
    w.advance_to(epoch() + Duration::seconds(40));
    assert!(!health(&w, 1).is_healthy());
    assert!(health(&w, 0).is_healthy());
    let Reading::ErrorRate(e) = reading_of(&w, 1, SignalKey::ErrorRate) else { panic!() };
    assert!(e > 50.0, "{e}");
}

#[test]
fn flapping_health_checks_alternate_with_the_period() {
    let mut w = world_with(Fault::FlappingHealthCheck { period: Duration::seconds(30) }, 1);
    let mut verdicts = Vec::new();
    for t in [35, 65, 95, 125] {
        w.advance_to(epoch() + Duration::seconds(t));
        verdicts.push(health(&w, 1).is_healthy());
    }
    assert_eq!(verdicts, [true, false, true, false]);
}

#[test]
fn a_stuck_dns_change_stays_pending_until_the_fault_clears() {
    let mut w = world_with(Fault::DnsChangeStuck, 1);
    w.advance_to(epoch() + Duration::seconds(20));
    w.start(Command::ShiftTraffic(1)).unwrap();
    w.advance_to(epoch() + Duration::seconds(300));
    assert!(w.completion(Command::ShiftTraffic(1)).is_none());
    assert_eq!(w.active_region(), 0);
    assert_eq!(w.clear(1, FaultKind::DnsChangeStuck), 1);
    w.advance_to(epoch() + Duration::seconds(310));
    assert!(w.completion(Command::ShiftTraffic(1)).is_some());
    assert_eq!(w.active_region(), 1);
}

#[test]
fn gray_failure_raises_p99_while_health_checks_pass() {
    let mut w = world_with(Fault::LatencyDegradation { p99: Duration::seconds(4), ramp: Duration::minutes(2) }, 0);
    w.advance_to(epoch() + Duration::seconds(200));
    let Reading::LatencyP99(p99) = reading_of(&w, 0, SignalKey::LatencyP99) else { panic!() };
    assert!(p99 > 3000.0, "{p99}");
    assert!(health(&w, 0).is_healthy());
    let Reading::ErrorRate(e) = reading_of(&w, 0, SignalKey::ErrorRate) else { panic!() };
    assert!(e < 2.0, "{e}");
}

#[test]
fn corrupted_records_replicate_and_duplicates_count_where_they_happen() {
    let mut w = world_with(Fault::CorruptedData { records_per_minute: 60.0 }, 0);
    w.inject(1, Fault::DuplicateReplay { events_per_minute: 120.0 });
    w.advance_to(epoch() + Duration::seconds(70));
    let integrity = |w: &World, r| match reading_of(w, r, SignalKey::Integrity) {
        Reading::Integrity(i) => i,
        _ => panic!(),
    };
    assert_eq!(integrity(&w, 0).corrupted_records, 61, "one a second from 10 s to 70 s");
    assert_eq!(integrity(&w, 1).corrupted_records, 61, "bad records replicate");
    assert_eq!(integrity(&w, 1).duplicate_events, 140);
    assert_eq!(integrity(&w, 0).duplicate_events, 0);
    assert_eq!(w.active_faults().len(), 2);
}

fn capacity(w: &World, r: usize) -> crate::model::Capacity {
    match reading_of(w, r, SignalKey::Capacity) {
        Reading::Capacity(c) => c,
        other => panic!("{other:?}"),
    }
}

fn alarms(w: &World, r: usize) -> crate::model::Alarms {
    match reading_of(w, r, SignalKey::Alarms) {
        Reading::Alarms(a) => a,
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_warm_standby_scales_up_one_instance_at_a_time_and_a_shortfall_caps_it() {
    let mut w = world(4);
    assert_eq!((capacity(&w, 0).running, capacity(&w, 1).running), (24, 8), "serving full, standby a third");
    assert_eq!(
        w.start(Command::Scale(1, 49)),
        Err("refused before sending: target 49 is above the group's maximum size 48".into())
    );
    w.start(Command::Scale(1, 24)).unwrap();
    assert!(w.completion(Command::Scale(1, 24)).is_none(), "instances take time to launch");
    w.advance_to(epoch() + Duration::seconds(16 * inventory::LAUNCH_EVERY_SECONDS as i64 + 4));
    assert_eq!(capacity(&w, 1).running, 24);
    assert!(w.completion(Command::Scale(1, 24)).is_some_and(|c| c.is_ok()));
    assert!(w.holds(Command::Scale(1, 24)), "a re-run changes nothing");

    let mut short = world_with(Fault::CapacityShortfall { available: 8 }, 1);
    short.start(Command::Scale(1, 24)).unwrap();
    short.advance_to(epoch() + Duration::minutes(10));
    let c = capacity(&short, 1);
    assert_eq!((c.running, c.desired), (8, 24), "desired, but never launched");
    assert!(short.completion(Command::Scale(1, 24)).is_none());
}

#[test]
fn alarms_follow_the_region_and_an_alarm_fault_holds_one() {
    use crate::model::AlarmState;
    let state = |a: &crate::model::Alarms, suffix: &str| {
        a.alarms.iter().find(|x| x.name.ends_with(suffix)).map(|x| x.state).unwrap()
    };
    let mut w = world(5);
    w.advance_to(epoch() + Duration::seconds(30));
    assert!(alarms(&w, 0).failing().is_empty(), "calm: every alarm OK");
    w.advance_to(epoch() + Duration::seconds(240));
    assert_eq!(state(&alarms(&w, 0), "-5xx"), AlarmState::Alarm, "the outage fires the 5xx alarm");
    assert_eq!(state(&alarms(&w, 1), "-5xx"), AlarmState::Ok);

    let mut held = world_with(Fault::Alarm { alarm: AlarmPick::Canary, state: AlarmState::InsufficientData }, 1);
    held.advance_to(epoch() + Duration::seconds(30));
    let a = alarms(&held, 1);
    assert_eq!(state(&a, "-canary"), AlarmState::InsufficientData);
    assert_eq!(state(&a, "-5xx"), AlarmState::Ok, "only the canary is held");
    assert!(a.alarms.iter().any(|x| x.canary));
}

#[test]
fn a_missing_secret_is_missing_in_its_region_only_and_the_canary_goes_red() {
    let mut w = world_with(Fault::MissingSecret, 1);
    w.advance_to(epoch() + Duration::seconds(30));
    let secrets = |r| match reading_of(&w, r, SignalKey::Secrets) {
        Reading::Secrets(s) => s,
        other => panic!("{other:?}"),
    };
    let missing: Vec<String> = secrets(1).missing().iter().map(|s| s.name.clone()).collect();
    assert_eq!(missing, ["checkout/db-credentials"]);
    assert!(secrets(0).missing().is_empty());
    assert!(alarms(&w, 1).alarms.iter().any(|a| a.canary && !a.passes()), "synthetic checks fail without it");
}

#[test]
fn custom_series_grow_while_the_region_is_impaired_and_drain_after() {
    let signals = Config::demo().thresholds.signals;
    let timeline = vec![ScheduledFault {
        at: Duration::seconds(10),
        until: Some(Duration::minutes(5)),
        region: 0,
        fault: Fault::RegionOutage { error_percent: 50.0, ramp: Duration::zero() },
    }];
    let mut w = World::new(&Config::default_regions(2), 6, epoch(), timeline).with_signals(&signals);
    let queue = |w: &World| match reading_of(w, 0, SignalKey::Custom(0)) {
        Reading::Custom(0, v) => v,
        other => panic!("{other:?}"),
    };
    let calm = queue(&w);
    w.advance_to(epoch() + Duration::minutes(4));
    let backlog = queue(&w);
    assert!(backlog > signals[0].critical, "the queue ages past its critical line: {calm} → {backlog}");
    w.advance_to(epoch() + Duration::minutes(15));
    assert!(queue(&w) < signals[0].warn, "drained once the region recovered: {}", queue(&w));
}
