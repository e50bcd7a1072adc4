//! Static stability against the emulator: us-east-1's control plane (Route 53's API and its
//! metrics, reached through `[global]`) or a whole region blackholed at the fault proxy.
//! Every reading that needs what is gone fails within the call timeout and says so in one
//! sentence; health is judged from each region's own signals; nothing waits on the region
//! that does not answer when another one can say.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::{Duration, Instant};

use common::arc_fake::{self, ArcFake};
use common::aws_world::{AwsWorld, EAST, WEST, reading};
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

/// A run-step invocation against the world's config file, timed.
fn run_step(
    world: &AwsWorld,
    config: &std::path::Path,
    journal: &std::path::Path,
    args: &[&str],
) -> (std::process::Output, Duration) {
    let started = Instant::now();
    let out = world
        .command()
        .arg("run-step")
        .args(args)
        .arg("--config")
        .arg(config)
        .arg("--journal")
        .arg(journal)
        .args(["--as", "ic"])
        .output()
        .unwrap();
    (out, started.elapsed())
}

fn said(out: &std::process::Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// The whole outage: us-east-1 (the primary) and the global control plane blackholed at the
/// proxy, us-west-2 up, and the ARC cluster answering on two of its five endpoints, the one
/// tried first among them blackholed. Each step reaches its verdict within the call timeout
/// plus its own wait, and with overrides typed where a guard cannot be proven, the database is
/// promoted and traffic moves in the routing controls.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_failover_runs_with_the_primary_and_the_global_control_plane_dark() {
    let world = AwsWorld::start().await;
    let fake = ArcFake::start(&[EAST, WEST]);
    let config = arc_fake::config_file(&world, &fake, "call-timeout = \"2s\"", "arc.toml");
    let journal = world.dir.path().join("outage.jsonl");
    world.east.set(Fault::Blackhole);
    world.global.set(Fault::Blackhole);
    // us-east-1's endpoint (the source's), us-west-2's (the first tried away from it) and
    // eu-west-1's do not answer.
    for region in ["us-east-1", "us-west-2", "eu-west-1"] {
        fake.endpoint(region).set(Fault::Blackhole);
    }
    let slack = Duration::from_secs(1);
    let verdict_within = |took: Duration, wait: Duration, what: &str| {
        assert!(took < CALL_TIMEOUT + wait + slack, "{what} took {took:?}");
    };

    let (declared, took) = run_step(&world, &config, &journal, &["declare", "--confirm", WEST]);
    assert!(declared.status.success(), "{}", said(&declared));
    verdict_within(took, Duration::ZERO, "declare");

    // The primary does not answer: the freeze fails at once, saying so.
    let (frozen, took) = run_step(&world, &config, &journal, &["freeze-writes", "--confirm", EAST]);
    assert_eq!(frozen.status.code(), Some(1), "{}", said(&frozen));
    assert!(said(&frozen).contains("us-east-1 unreachable: writes cannot be frozen there"), "{}", said(&frozen));
    verdict_within(took, Duration::ZERO, "freeze-writes");

    let (lag, took) =
        run_step(&world, &config, &journal, &["check-lag", "--confirm", WEST, "--override", "us-east-1 is dark"]);
    assert!(lag.status.success(), "{}", said(&lag));
    verdict_within(took, Duration::ZERO, "check-lag");

    // writes-frozen cannot be proven and says why; secondary-healthy is proven by us-west-2's
    // own traffic, since Route 53's API does not answer.
    let (refused, _) = run_step(&world, &config, &journal, &["promote-database", "--confirm", WEST]);
    assert_eq!(refused.status.code(), Some(3), "{}", said(&refused));
    assert!(
        said(&refused).contains("FAIL writes-frozen      us-east-1 unreachable: writes cannot be frozen there"),
        "{}",
        said(&refused)
    );
    assert!(
        said(&refused).contains(
            "ok   secondary-healthy  us-west-2 healthy by its own traffic (5xx 0.00%); Route 53 API unreachable"
        ),
        "{}",
        said(&refused)
    );
    world.west.clear_calls();
    let (promoted, took) = run_step(
        &world,
        &config,
        &journal,
        &[
            "promote-database",
            "--confirm",
            WEST,
            "--override",
            "us-east-1 is dark: its writes are lost to us either way",
        ],
    );
    // moto accepts PromoteReadReplica but keeps reporting the replica: the step waits out
    // promotion-timeout (3 s) and says so. The promotion itself was asked of us-west-2.
    assert!(world.west.calls().iter().any(|c| c == "PromoteReadReplica"), "{:?}", world.west.calls());
    verdict_within(took, Duration::from_secs(3), &format!("promote-database ({})", said(&promoted)));

    let (shifted, took) = run_step(
        &world,
        &config,
        &journal,
        &["shift-traffic", "--confirm", WEST, "--override", "writer promoted in us-west-2; checks by hand"],
    );
    assert!(shifted.status.success(), "{}", said(&shifted));
    assert!(
        said(&shifted).contains("routing control checkout-us-west-2 On and checkout-us-east-1 Off"),
        "{}",
        said(&shifted)
    );
    verdict_within(took, Duration::ZERO, "shift-traffic");
    assert!(fake.is_on(WEST) && !fake.is_on(EAST), "traffic moved in the routing controls");
    // Nothing of the shift went to a blackholed endpoint but the reads asked of all at once.
    let updates: Vec<String> = ["us-east-1", "us-west-2", "eu-west-1"]
        .iter()
        .flat_map(|r| fake.endpoint(r).calls())
        .filter(|c| c == "UpdateRoutingControlStates")
        .collect();
    assert!(updates.is_empty(), "an update waited on a dark endpoint: {updates:?}");
}

/// ARC refuses an update that breaks its safety rule: warroom shows the refusal as a failed
/// guard, `--override` alone never overrides the rule, and its own typed reason passes the
/// rule's ARN in `SafetyRulesToOverride`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_safety_rule_refusal_is_a_guard_only_its_own_reason_overrides() {
    let world = AwsWorld::start().await;
    let fake = ArcFake::start(&[EAST, WEST]);
    fake.require_on(2);
    let config = arc_fake::config_file(&world, &fake, "call-timeout = \"2s\"", "arc.toml");
    let journal = world.dir.path().join("rule.jsonl");
    let stale = ["--override", "drill: the steps before were done by hand"];
    let shift = |extra: &[&str]| {
        let mut args = vec!["shift-traffic", "--confirm", WEST];
        args.extend_from_slice(extra);
        run_step(&world, &config, &journal, &args).0
    };
    let refused = shift(&stale);
    assert_eq!(refused.status.code(), Some(1), "{}", said(&refused));
    assert!(said(&refused).contains("refused by an ARC safety rule"), "{}", said(&refused));
    let sent = fake.bodies_of("UpdateRoutingControlStates");
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(!sent[0].contains("SafetyRulesToOverride"), "an override of other guards overrode the rule: {}", sent[0]);

    // Now a failed guard; --override covers the other guards only.
    let again = shift(&stale);
    assert_eq!(again.status.code(), Some(3), "{}", said(&again));
    assert!(said(&again).contains("FAIL arc-safety-rule"), "{}", said(&again));
    assert!(said(&again).contains("give --override-safety-rule REASON"), "{}", said(&again));
    assert_eq!(fake.bodies_of("UpdateRoutingControlStates").len(), 1, "nothing sent");

    let overridden = shift(&[
        "--override",
        "drill: the steps before were done by hand",
        "--override-safety-rule",
        "east is gone; one region On is all we can have",
    ]);
    assert!(overridden.status.success(), "{}", said(&overridden));
    let sent = fake.bodies_of("UpdateRoutingControlStates");
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert_eq!(sent.iter().filter(|b| b.contains(common::arc_fake::RULE)).count(), 1, "{sent:?}");
    assert!(fake.is_on(WEST) && !fake.is_on(EAST));
    let lines = std::fs::read_to_string(&journal).unwrap();
    assert!(lines.contains("east is gone; one region On is all we can have"), "the reason is journaled: {lines}");
}

/// Only us-east-1's control plane blackholed, both regions up, ARC answering: health comes
/// from each region's own signals and the failover runs with no override beyond the ones a
/// healthy world on this emulator needs too (moto never shows a promoted writer, so
/// verify-writer and what follows it are overridden there as well).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_only_the_control_plane_dark_the_failover_needs_no_extra_override() {
    let world = AwsWorld::start().await;
    let fake = ArcFake::start(&[EAST, WEST]);
    let config = arc_fake::config_file(&world, &fake, "call-timeout = \"2s\"", "arc.toml");
    let journal = world.dir.path().join("global.jsonl");
    world.global.set(Fault::Blackhole);

    let ok = |out: &std::process::Output, what: &str| assert!(out.status.success(), "{what}: {}", said(out));
    ok(&run_step(&world, &config, &journal, &["declare", "--confirm", WEST]).0, "declare");
    ok(&run_step(&world, &config, &journal, &["freeze-writes", "--confirm", EAST]).0, "freeze-writes");
    assert_eq!(world.writes_enabled(EAST).await, Some(false));
    ok(&run_step(&world, &config, &journal, &["check-lag", "--confirm", WEST]).0, "check-lag");
    // Every guard of the promotion passes without an override: writes frozen, lag within
    // the RPO, and us-west-2 healthy by its own traffic.
    world.west.clear_calls();
    let (promoted, _) = run_step(&world, &config, &journal, &["promote-database", "--confirm", WEST]);
    let text = said(&promoted);
    assert!(!text.contains("FAIL"), "{text}");
    assert!(text.contains("ok   secondary-healthy  us-west-2 healthy by its own traffic"), "{text}");
    assert!(world.west.calls().iter().any(|c| c == "PromoteReadReplica"), "{:?}", world.west.calls());
    // What moto cannot show (the promoted writer) is overridden as it would be in a healthy
    // world; secondary-healthy and change-insync pass by themselves.
    let (shifted, _) = run_step(
        &world,
        &config,
        &journal,
        &["shift-traffic", "--confirm", WEST, "--override", "moto keeps reporting the replica"],
    );
    let text = said(&shifted);
    assert!(shifted.status.success(), "{text}");
    for guard in ["secondary-healthy", "change-insync"] {
        assert!(text.contains(&format!("ok   {guard}")), "{guard} needed an override: {text}");
    }
    assert!(fake.is_on(WEST) && !fake.is_on(EAST));
}
