//! Static stability against the emulator: us-east-1's control plane (Route 53's API and its
//! metrics, reached through `[global]`) or a whole region blackholed at the fault proxy.
//! Every reading that needs what is gone fails within the call timeout and says so in one
//! sentence; health is judged from each region's own signals; nothing waits on the region
//! that does not answer when another one can say.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::{Duration, Instant};

use common::aws_world::{AwsWorld, reading};
use common::proxy::Fault;
use warroom::app::App;
use warroom::model::{CONTROL_PLANE_UNREACHABLE, Reading, SignalKey};
use warroom::runbook::StepRef;
use warroom::scribe::Scribe;
use warroom::sources::aws::poll_all;
use warroom::theme::Theme;

const CALL_TIMEOUT: Duration = Duration::from_secs(2);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_global_control_plane_each_region_proves_its_own_health() {
    let world = AwsWorld::start().await;
    let config = world.config("call-timeout = \"2s\"");
    let live = world.live(config.clone()).await;
    world.global.set(Fault::Blackhole);
    let started = Instant::now();
    let updates = poll_all(&live).await;
    let took = started.elapsed();
    assert!(took < CALL_TIMEOUT + Duration::from_secs(1), "one round took {took:?}");
    for region in [0, 1] {
        // One sentence for what needed the control plane, the same in both regions…
        for key in [SignalKey::HealthChecks, SignalKey::Routing] {
            assert_eq!(reading(&updates, region, key), Err(CONTROL_PLANE_UNREACHABLE.to_owned()), "{key:?}");
        }
        assert_eq!(reading(&updates, region, SignalKey::ControlPlane), Ok(Reading::ControlPlane(false)));
        // …and everything read in the region itself still reads.
        assert!(reading(&updates, region, SignalKey::Requests).is_ok(), "{updates:#?}");
        assert!(reading(&updates, region, SignalKey::Database).is_ok(), "{updates:#?}");
    }
    assert!(world.east.calls().iter().all(|c| !c.contains("HealthCheck") && !c.contains("ResourceRecordSets")));

    // The guard judges us-west-2 by its own traffic and says why Route 53 was not asked.
    let now = chrono::Utc::now();
    let scribe = Scribe::in_memory("test", &config.incident, now);
    let mut app = App::new(&config, config.runbooks.clone(), Theme::fallback(true), scribe, None, now);
    app.poll_round(updates, [], now);
    let runbook = app.runs.position("failover").unwrap();
    let step = app.runs.runbooks[runbook].steps.iter().position(|s| s.id == "promote-database").unwrap();
    let guards = app.guards(StepRef { runbook, step });
    let healthy = guards.iter().find(|g| g.guard.to_string() == "secondary-healthy").unwrap();
    assert!(healthy.ok, "{healthy:?}");
    assert_eq!(healthy.reason, "us-west-2 healthy by its own traffic (5xx 0.00%); Route 53 API unreachable");
    assert!(app.snapshot.control_plane_unreachable(now));

    // The control plane back: Route 53's checkers are the source again.
    world.global.set(Fault::None);
    let updates = poll_all(&live).await;
    assert_eq!(reading(&updates, 1, SignalKey::ControlPlane), Ok(Reading::ControlPlane(true)));
    assert!(matches!(reading(&updates, 1, SignalKey::HealthChecks), Ok(Reading::HealthChecks(_))));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn who_we_are_is_asked_of_whichever_region_answers_first() {
    let world = AwsWorld::start().await;
    let live = world.live(world.config("call-timeout = \"2s\"")).await;
    world.east.set(Fault::Blackhole);
    let started = Instant::now();
    let arn = warroom::aws::identity::caller_anywhere(&live.clients).await;
    let took = started.elapsed();
    assert!(arn.as_deref().is_ok_and(|a| a.starts_with("arn:aws:")), "{arn:?}");
    assert!(took < Duration::from_secs(1), "waited on the blackholed primary: {took:?}");
    world.west.set(Fault::Blackhole);
    let started = Instant::now();
    let none = warroom::aws::identity::caller_anywhere(&live.clients).await;
    assert!(none.is_err(), "{none:?}");
    assert!(started.elapsed() < CALL_TIMEOUT + Duration::from_secs(1), "both asked at once: {:?}", started.elapsed());
}
