//! The dashboard in a real terminal through a regional outage, against the emulator: the
//! screen never waits on a region that does not answer. With the primary and us-east-1's
//! control plane blackholed it keeps redrawing and keys answer; with the claims region
//! blackholed, Enter on a step leaves the screen responsive and the break-glass prompt comes
//! within the call timeout.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::{Duration, Instant};

use common::arc_fake::{self, ArcFake};
use common::aws_world::{AwsWorld, EAST, WEST};
use common::proxy::{Fault, Proxy};
use common::tmux::Session;

const START: Duration = Duration::from_secs(30);

/// One terminal at a time: the key-answer bound (100 ms) is about warroom, not about two
/// emulators and two dashboards sharing the machine's two cores.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn open(world: &AwsWorld, name: &str, config: &std::path::Path, args: &str) -> Session {
    common::tmux::live_dashboard(world.dir.path(), name, config, args)
}

/// How long the screen takes to show what `key` does, read every 5 ms.
fn answer_time(session: &Session, key: &str, shows: &str) -> Duration {
    let started = Instant::now();
    session.tmux(&["send-keys", "-t", &session.name, key]);
    loop {
        if session.screen().contains(shows) {
            return started.elapsed();
        }
        assert!(started.elapsed() < Duration::from_secs(5), "`{key}` never showed `{shows}`:\n{}", session.screen());
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The header's first line (it carries the clock).
fn header(session: &Session) -> String {
    session.screen().lines().next().unwrap_or_default().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_keeps_redrawing_with_the_primary_and_the_control_plane_dark() {
    let _one = ONE_AT_A_TIME.lock().await;
    let world = AwsWorld::start().await;
    let fake = ArcFake::start(&[EAST, WEST]);
    let config = arc_fake::config_file(&world, &fake, "call-timeout = \"2s\"", "arc.toml");
    world.east.set(Fault::Blackhole);
    world.global.set(Fault::Blackhole);
    let session = open(&world, "dark", &config, "--as ana");
    session.wait_for("req/s", START);
    let screen = session.wait_for("us-east-1 control plane unreachable: Route 53 changes and health API", START);
    assert_eq!(screen.matches("control plane unreachable").count(), 1, "said once:\n{screen}");
    // us-west-2 is judged by its own traffic.
    session.wait_for("healthy by own traffic", START);
    // The clock ticks every second while every call to us-east-1 hangs.
    let first = header(&session);
    let mut changed = 0;
    for _ in 0..3 {
        std::thread::sleep(Duration::from_millis(1100));
        let now = header(&session);
        if now != first {
            changed += 1;
        }
    }
    assert_eq!(changed, 3, "the header clock stopped: {first}");
    // Keys answer at once: help opens and closes.
    let took = answer_time(&session, "?", "Help —");
    assert!(took < Duration::from_millis(100), "help took {took:?}");
    let took = answer_time(&session, "Escape", "req/s");
    assert!(took < Duration::from_millis(300), "closing help took {took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dark_claims_region_never_freezes_the_screen_and_offers_break_glass() {
    let _one = ONE_AT_A_TIME.lock().await;
    let world = AwsWorld::start().await;
    // The journal in both regions; us-west-2's store (the claims region: the first that is
    // not the primary) behind a proxy of its own.
    let claims = Proxy::start(world.moto.port);
    let store = format!(
        "\n[journal]\nstore = \"dynamodb\"\ntable = \"warroom-incidents\"\nregions = [\"us-east-1\", \"us-west-2\"]\n\
         endpoint-url = \"{}\"\n[journal.endpoint-urls]\nus-west-2 = \"{}\"\n",
        world.moto.url(),
        claims.url()
    );
    let config = world.config_file(&format!("call-timeout = \"2s\"\n{store}"));
    let init = world.command().args(["store", "init", "--config"]).arg(&config).output().unwrap();
    assert!(init.status.success(), "{}", String::from_utf8_lossy(&init.stderr));
    let session = open(&world, "claims", &config, "--incident inc-claims --as ana");
    session.wait_for("req/s", START);
    claims.set(Fault::Blackhole);
    // Enter on declare: the claim goes out, the step says so, and the screen answers keys.
    let pressed = Instant::now();
    session.tmux(&["send-keys", "-t", "claims", "Enter"]);
    session.wait_for("claiming…", Duration::from_secs(2));
    let took = answer_time(&session, "?", "Help —");
    assert!(took < Duration::from_millis(100), "a key took {took:?} while the claim was out");
    session.tmux(&["send-keys", "-t", "claims", "Escape"]);
    let screen = session.wait_for("the claim cannot be proven", Duration::from_secs(4));
    let waited = pressed.elapsed();
    assert!(waited < Duration::from_secs(3), "the break-glass prompt came after {waited:?}");
    assert!(screen.contains("us-west-2 did not answer"), "{screen}");
}
