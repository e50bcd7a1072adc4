//! Live mode against the AWS emulator (moto server, installed on first use into target/).
//! Each test starts its own emulator and seeds a two-region account through the SDK.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::aws_world::{AwsWorld, EAST, WEST, reading};
use warroom::model::{DbRole, Lag, Reading, SignalKey};
use warroom::sources::aws::poll_all;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_poll_reads_every_signal_of_both_regions() {
    let world = AwsWorld::start().await;
    let live = world.live(world.config("")).await;
    let updates = poll_all(&live).await;
    assert_eq!(reading(&updates, 0, SignalKey::Requests), Ok(Reading::Requests(100.0)));
    assert_eq!(reading(&updates, 0, SignalKey::ErrorRate), Ok(Reading::ErrorRate(1.0)));
    assert_eq!(reading(&updates, 0, SignalKey::LatencyP99), Ok(Reading::LatencyP99(250.0)));
    assert_eq!(reading(&updates, 1, SignalKey::Requests), Ok(Reading::Requests(10.0)));
    assert_eq!(reading(&updates, 1, SignalKey::ErrorRate), Ok(Reading::ErrorRate(0.0)), "no 5xx datapoints = 0%");
    assert_eq!(reading(&updates, 0, SignalKey::ReplicationLag), Ok(Reading::ReplicationLag(Lag::Writer)));
    assert_eq!(reading(&updates, 1, SignalKey::ReplicationLag), Ok(Reading::ReplicationLag(Lag::Behind(2.0))));
    let Ok(Reading::Database(db)) = reading(&updates, 1, SignalKey::Database) else { panic!("{updates:#?}") };
    assert_eq!((db.role, db.identifier.as_str()), (DbRole::Replica, "checkout-db-replica"));
    let Ok(Reading::Routing(east)) = reading(&updates, 0, SignalKey::Routing) else { panic!("{updates:#?}") };
    let Ok(Reading::Routing(west)) = reading(&updates, 1, SignalKey::Routing) else { panic!("{updates:#?}") };
    assert!(east.active && !west.active, "{east:?} {west:?}");
    assert_eq!(reading(&updates, 0, SignalKey::WriteFreeze), Ok(Reading::WriteFreeze(false)));
    let Ok(Reading::HealthChecks(h)) = reading(&updates, 1, SignalKey::HealthChecks) else { panic!("{updates:#?}") };
    assert!(h.total > 0 && h.is_healthy(), "{h:?}");
    let _ = (EAST, WEST);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_statistic_cloudwatch_refuses_blanks_only_its_own_signal() {
    // moto answers a percentile query with a 500 for the whole GetMetricData call: the
    // poller retries the batch split up, so requests and 5xx still read.
    let world = AwsWorld::start().await;
    let live = world.live(world.config("")).await;
    let mut config = world.config("");
    config.aws.latency_statistic = warroom::config::LatencyStatistic::P99;
    config.aws.median_latency = true;
    let live_p99 = world.live(config).await;
    drop(live);
    world.east.clear_calls();
    let updates = poll_all(&live_p99).await;
    assert_eq!(reading(&updates, 0, SignalKey::Requests), Ok(Reading::Requests(100.0)));
    assert_eq!(reading(&updates, 0, SignalKey::ErrorRate), Ok(Reading::ErrorRate(1.0)));
    for key in [SignalKey::LatencyP50, SignalKey::LatencyP99] {
        let err = reading(&updates, 0, key).unwrap_err();
        assert!(err.starts_with("GetMetricData: "), "{key:?}: {err}");
    }
    let metric_calls = world.east.calls().iter().filter(|c| *c == "GetMetricData").count();
    assert!(metric_calls >= 5, "one batch, then one call per query: {:?}", world.east.calls());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failover_actions_change_the_account_once_and_are_idempotent() {
    use warroom::actions::{Action, OutcomeResult, aws::execute};
    use warroom::runbook::Promotion;
    let world = AwsWorld::start().await;
    let live = world.live(world.config("")).await;

    let freeze =
        Action::FreezeWrites { region: EAST.into(), table: "checkout-flags".into(), key: "writes-enabled".into() };
    let first = execute(&live, &freeze).await;
    assert!(matches!(&first, OutcomeResult::Succeeded { already: false, .. }), "{first:?}");
    assert_eq!(world.writes_enabled(EAST).await, Some(false));
    assert_eq!(world.writes_enabled(WEST).await, Some(true), "only the source region is frozen");
    world.east.clear_calls();
    let again = execute(&live, &freeze).await;
    assert!(matches!(&again, OutcomeResult::Succeeded { already: true, .. }), "{again:?}");
    assert_eq!(world.east.calls(), ["GetItem"], "a re-run only reads");
    // A failback's reopen flips it back, once; west (never frozen) is already open.
    let reopen =
        Action::UnfreezeWrites { region: EAST.into(), table: "checkout-flags".into(), key: "writes-enabled".into() };
    let r = execute(&live, &reopen).await;
    assert!(matches!(&r, OutcomeResult::Succeeded { already: false, .. }), "{r:?}");
    assert_eq!(world.writes_enabled(EAST).await, Some(true));
    let r = execute(&live, &reopen).await;
    assert!(matches!(&r, OutcomeResult::Succeeded { already: true, .. }), "{r:?}");
    let reopen_west =
        Action::UnfreezeWrites { region: WEST.into(), table: "checkout-flags".into(), key: "writes-enabled".into() };
    world.west.clear_calls();
    let r = execute(&live, &reopen_west).await;
    assert!(matches!(&r, OutcomeResult::Succeeded { already: true, .. }), "{r:?}");
    assert_eq!(world.west.calls(), ["GetItem"]);
    let refrozen = execute(&live, &freeze).await;
    assert!(matches!(&refrozen, OutcomeResult::Succeeded { already: false, .. }), "{refrozen:?}");
    assert_eq!(world.writes_enabled(EAST).await, Some(false));

    let shift = Action::ShiftTraffic {
        from: EAST.into(),
        to: WEST.into(),
        record_name: "api.example.com.".into(),
        routing_controls: false,
        override_safety_rules: Vec::new(),
    };
    let shifted = execute(&live, &shift).await;
    assert!(matches!(&shifted, OutcomeResult::Succeeded { already: false, .. }), "{shifted:?}");
    assert_eq!(world.primary_record().await, "west");
    assert!(world.global.calls().iter().any(|c| c == "GetChange"), "waited for INSYNC: {:?}", world.global.calls());
    // The routing pollers follow warroom's change: both records show it, INSYNC.
    let updates = poll_all(&live).await;
    for region in [0, 1] {
        let Ok(Reading::Routing(r)) = reading(&updates, region, SignalKey::Routing) else { panic!("{updates:#?}") };
        let change = r.change.expect("the shift's change is shown");
        assert_eq!(change.status, warroom::model::ChangeStatus::Insync);
        assert_eq!(Some(&change), live.last_change().as_ref());
        assert_eq!(r.active, region == 1);
    }
    world.global.clear_calls();
    let again = execute(&live, &shift).await;
    assert!(matches!(&again, OutcomeResult::Succeeded { already: true, .. }), "{again:?}");
    assert!(!world.global.calls().iter().any(|c| c == "ChangeResourceRecordSets"), "{:?}", world.global.calls());

    // The writer is already a writer: nothing is promoted.
    let promote_writer =
        Action::PromoteDatabase { region: EAST.into(), instance: "checkout-db".into(), mode: Promotion::Failover };
    world.east.clear_calls();
    let r = execute(&live, &promote_writer).await;
    assert!(matches!(&r, OutcomeResult::Succeeded { already: true, .. }), "{r:?}");
    assert!(!world.east.calls().iter().any(|c| c == "PromoteReadReplica"), "{:?}", world.east.calls());

    // The replica is promoted. moto accepts PromoteReadReplica but keeps reporting the
    // replication source, so the wait for the new writer runs into promotion-timeout (3s
    // here) and says what happened rather than claiming success.
    let promote = Action::PromoteDatabase {
        region: WEST.into(),
        instance: "checkout-db-replica".into(),
        mode: Promotion::Failover,
    };
    let r = execute(&live, &promote).await;
    assert!(world.west.calls().iter().any(|c| c == "PromoteReadReplica"), "{:?}", world.west.calls());
    match r {
        OutcomeResult::Succeeded { already: false, .. } => {}
        OutcomeResult::Failed { error } => {
            assert!(error.contains("the promotion was requested; checkout-db-replica is not a writer yet"), "{error}")
        }
        other => panic!("{other:?}"),
    }
}
