//! Faults between the SDK and the emulator, in one region only: the other region keeps
//! updating, and the faulty one shows stale with the error in words.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::{Duration, Instant};

use common::aws_world::AwsWorld;
use common::proxy::Fault;
use warroom::model::{RegionSnapshot, SignalKey, Snapshot, Update};
use warroom::sources::aws::{poll_all, spawn_pollers};

fn errors(updates: &[Update], region: usize) -> Vec<String> {
    updates.iter().filter(|u| u.region == region).filter_map(|u| u.result.as_ref().err().map(|e| e.0.clone())).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_fault_marks_only_the_faulty_region_with_its_reason() {
    let world = AwsWorld::start().await;
    // 2 s per call: enough that a loaded CI machine's slow emulator is not a fault in the
    // healthy region, short enough that "the slowest call, not the sum" is measurable.
    let live = world.live(world.config("call-timeout = \"2s\"")).await;
    let cases = [
        (Fault::Delay(Duration::from_secs(3)), "timed out"),
        (Fault::Reset, "cannot reach the endpoint"),
        (Fault::ServerError, "HTTP 500"),
        (Fault::Throttle, "throttled by AWS (Throttling"),
    ];
    for (fault, words) in cases {
        world.west.set(fault);
        world.west.clear_calls();
        let started = Instant::now();
        let updates = poll_all(&live).await;
        let took = started.elapsed();
        world.west.set(Fault::None);
        if fault == Fault::Throttle {
            // A throttled batch is not split into more calls (the SDK's one retry only).
            let metric_calls = world.west.calls().iter().filter(|c| *c == "GetMetricData").count();
            assert!(metric_calls <= 2, "{:?}", world.west.calls());
        }
        assert_eq!(errors(&updates, 0), Vec::<String>::new(), "{fault:?}: us-east-1 must be untouched");
        let west = errors(&updates, 1);
        assert!(!west.is_empty(), "{fault:?}: us-west-2 should fail");
        assert!(west.iter().all(|e| e.contains(words)), "{fault:?}: expected `{words}` in every error: {west:#?}");
        // A round costs the slowest call (the 2 s timeout bounds all its attempts), not the
        // sum of them (five sources, 10 s).
        assert!(took < Duration::from_secs(6), "{fault:?}: one round took {took:?}");
        let mut snapshot = Snapshot::new(
            vec![
                RegionSnapshot::new("us-east-1", warroom::model::Role::Primary),
                RegionSnapshot::new("us-west-2", warroom::model::Role::Secondary),
            ],
            chrono::Duration::seconds(1),
        );
        for u in updates {
            snapshot.apply(u);
        }
        let db = &snapshot.regions[1].database;
        assert!(db.value.is_none() && db.error.as_deref().is_some_and(|e| e.contains(words)), "{fault:?}: {db:?}");
        assert!(snapshot.regions[0].database.value.is_some());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_region_delayed_by_two_seconds_does_not_slow_the_other() {
    let world = AwsWorld::start().await;
    let live = world.live(world.config("call-timeout = \"5s\"")).await;
    world.west.set(Fault::Delay(Duration::from_secs(2)));
    let (tx, mut rx) = tokio::sync::mpsc::channel(1024);
    let pollers = spawn_pollers(&live, &tx);
    drop(tx);
    let started = Instant::now();
    let (mut east_requests, mut west_requests) = (0, 0);
    while started.elapsed() < Duration::from_secs(6) {
        if let Ok(Some(u)) = tokio::time::timeout(Duration::from_millis(200), rx.recv()).await
            && u.signal == SignalKey::Requests
            && u.result.is_ok()
        {
            if u.region == 0 { east_requests += 1 } else { west_requests += 1 }
        }
    }
    for p in pollers {
        p.abort();
    }
    // Poll interval 1 s: the healthy region keeps its cadence (about 6 in 6 s) while the
    // delayed one manages about one per 3 s (2 s delay + 1 s interval).
    assert!(east_requests >= 5, "east got {east_requests} request readings in 6 s");
    assert!(west_requests <= 3, "west got {west_requests}");
    assert!(east_requests > west_requests + 2);
}

/// The harness itself: moto logs each request to stderr, and a traceback (~4 KB) for each
/// 500 such as `check`'s PromoteReadReplica probe. A server whose log fills an unread pipe
/// (64 KiB) stops answering; this logs well past that and expects every request answered.
#[test]
fn the_emulator_keeps_answering_after_its_log_outgrows_a_pipe() {
    use std::io::{Read, Write};
    let moto = common::moto::start();
    let body = "Action=PromoteReadReplica&DBInstanceIdentifier=warroom-no-such-db&Version=2014-10-31";
    for i in 0..40 {
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", moto.port)).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        write!(
            stream,
            "POST / HTTP/1.1\r\nHost: rds.us-east-1.amazonaws.com\r\n\
             Content-Type: application/x-www-form-urlencoded\r\n\
             Authorization: AWS4-HMAC-SHA256 Credential=testing/20261124/us-east-1/rds/aws4_request, \
             SignedHeaders=host, Signature=0\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut answer = String::new();
        let read = stream.read_to_string(&mut answer);
        assert!(
            read.is_ok() && answer.starts_with("HTTP/1."),
            "request {i} unanswered: {read:?} (log: {})",
            moto.log.display()
        );
    }
    let logged = std::fs::metadata(&moto.log).unwrap().len();
    assert!(logged > 64 * 1024, "only {logged} bytes logged: the test did not outgrow a pipe");
}
