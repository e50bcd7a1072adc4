//! Unknown is never healthy (issue 25), against the emulator: a snapshot that reads nothing
//! says why and exits 1, `check` passes no permission on an answer that proves nothing, a
//! frozen emulator's signals go stale and are not "fresh again" until it answers, and the
//! dashboard's status line says what it does not know. Each has its control: the same
//! config against the answering emulator.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::{Duration, Instant};

use common::aws_world::AwsWorld;
use common::proxy::Fault;
use common::tmux::Session;
use warroom::app::App;
use warroom::scribe::Scribe;
use warroom::theme::Theme;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_snapshot_that_reads_nothing_says_why_and_exits_1() {
    let world = AwsWorld::start().await;
    let config = world.config_file("call-timeout = \"1s\"");

    // Control: the seeded emulator answers, and the verdict is fine or names a real line.
    let out = world.command().args(["snapshot", "--config"]).arg(&config).output().unwrap();
    let table = text(&out.stdout);
    assert!(out.status.success(), "{table}\n{}", text(&out.stderr));
    assert!(table.contains("✓ all regions within thresholds") || table.contains("▲ "), "{table}");
    assert!(!table.contains("? "), "{table}");
    common::assert_no_debug_text(&out);

    // Every endpoint gone: the regions' and the global control plane's.
    for proxy in world.every_proxy() {
        proxy.set(Fault::Blackhole);
    }
    let out = world.command().args(["snapshot", "--config"]).arg(&config).output().unwrap();
    let table = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{table}");
    assert!(!table.contains('✓'), "{table}");
    // The latency row and its verdict name the statistic read (`latency-statistic = "Average"`).
    assert!(table.contains("latency avg ") && table.contains("avg limit 1500ms"), "{table}");
    // A region that does not answer says so with the cause, once; its signals are not
    // listed again for the same cause.
    for region in ["us-east-1", "us-west-2"] {
        let line = format!("▲ {region}: not answering, readings unknown: timed out: no answer within aws.call-timeout");
        assert!(table.contains(&line), "{table}");
    }
    assert!(table.contains("? every region: health, routing unknown: us-east-1 control plane unreachable"), "{table}");
    assert!(text(&out.stderr).contains("nothing fresh was read from us-east-1, us-west-2"), "{}", text(&out.stderr));
    common::assert_no_debug_text(&out);

    let out = world.command().args(["snapshot", "--json", "--config"]).arg(&config).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    common::assert_no_debug_text(&out);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for region in doc["regions"].as_array().unwrap() {
        // Not answering at all is a finding of its own (past), never "ok".
        assert_eq!(region["state"], "past", "{region}");
        assert!(region["findings"][0].as_str().unwrap().starts_with("not answering"), "{region}");
        let unknown = region["unknown"].as_array().unwrap();
        assert!(unknown.iter().any(|u| u["signal"] == "5xx" && u["reason"].as_str().unwrap().starts_with("timed out")));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_passes_no_permission_on_a_500_and_suggests_the_region_meant() {
    let world = AwsWorld::start().await;
    // A typo in the second region's name: a warning with the region meant, not an error.
    let text_config =
        world.config_text("call-timeout = \"2s\"").replace("name = \"us-west-2\"", "name = \"eu-centrl-1\"");
    let config = world.dir.path().join("typo.toml");
    std::fs::write(&config, text_config).unwrap();
    for proxy in world.every_proxy() {
        proxy.set(Fault::ServerError);
    }
    let out = world.command().args(["check", "--config"]).arg(&config).output().unwrap();
    let table = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{table}");
    common::assert_no_debug_text(&out);
    let permissions: Vec<&str> = table.lines().filter(|l| l.starts_with("permission ")).collect();
    assert!(!permissions.is_empty(), "{table}");
    for line in &permissions {
        assert!(line.contains("UNKNOWN") && !line.contains(" pass "), "a 500 proves nothing: {line}");
        assert!(line.contains("AWS failed on its side (HTTP 500)"), "{line}");
    }
    assert!(table.contains("region name") && table.contains("did you mean eu-central-1?"), "{table}");
    assert!(text(&out.stderr).contains("could not be made"), "{}", text(&out.stderr));
}

/// Freeze the emulator (SIGSTOP) past three poll intervals: the readings go stale, and no
/// "fresh again" is journaled while every poll times out; it comes once the emulator
/// answers (SIGCONT).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frozen_emulator_is_stale_and_never_fresh_again_until_it_answers() {
    let world = AwsWorld::start().await;
    let config = world.config("call-timeout = \"1s\"");
    let live = world.live(config.clone()).await;
    let (tx, mut rx) = tokio::sync::mpsc::channel(4096);
    let pollers = warroom::sources::aws::spawn_pollers(&live, &tx);
    let now = chrono::Utc::now();
    let scribe = Scribe::in_memory("ic", &config.incident, now);
    let mut app = App::new(&config, config.runbooks.clone(), Theme::fallback(false), scribe, None, now);
    let run = |app: &mut App, rx: &mut tokio::sync::mpsc::Receiver<_>| {
        let mut updates = Vec::new();
        while let Ok(u) = rx.try_recv() {
            updates.push(u);
        }
        app.poll_round(updates, [], chrono::Utc::now());
    };
    let said = |app: &App, words: &str| app.scribe.timeline.entries().iter().filter(|e| e.text.contains(words)).count();
    let west_fresh = |app: &App| {
        let r = &app.snapshot.regions[1];
        r.error_rate.freshness(app.now, app.snapshot.poll_interval) == warroom::model::Freshness::Fresh
    };

    let start = Instant::now();
    while !west_fresh(&app) {
        run(&mut app, &mut rx);
        assert!(start.elapsed() < Duration::from_secs(30), "no fresh reading from the emulator");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let frozen = world.moto.freeze();
    let start = Instant::now();
    // Six poll intervals frozen: stale after three, and every poll since has timed out.
    while start.elapsed() < Duration::from_secs(6) {
        run(&mut app, &mut rx);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(said(&app, "readings from us-west-2 are stale") >= 1, "{:#?}", app.scribe.timeline.entries());
    assert_eq!(said(&app, "are fresh again"), 0, "a timeout is not an answer: {:#?}", app.scribe.timeline.entries());
    assert!(!west_fresh(&app));
    drop(frozen);
    let start = Instant::now();
    while said(&app, "readings from us-west-2 are fresh again") == 0 {
        run(&mut app, &mut rx);
        assert!(start.elapsed() < Duration::from_secs(30), "never fresh again after SIGCONT");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    while !west_fresh(&app) {
        run(&mut app, &mut rx);
        assert!(start.elapsed() < Duration::from_secs(30), "the 5xx rate never came back after SIGCONT");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for p in pollers {
        p.abort();
    }
}

fn open(world: &AwsWorld, name: &str, config: &std::path::Path) -> Session {
    common::tmux::live_dashboard(world.dir.path(), name, config, "--read-only")
}

/// The status line, the header's second line (and its wrap).
fn status(screen: &str) -> String {
    screen.lines().skip(1).take(2).collect::<Vec<_>>().join(" ")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_says_unknown_and_why_within_two_polls() {
    let world = AwsWorld::start().await;
    let config = world.config_file("call-timeout = \"1s\"");

    // Control: on the answering emulator no signal is unknown.
    let calm = open(&world, "known", &config);
    let screen = calm.wait_for("req/s", Duration::from_secs(30));
    std::thread::sleep(Duration::from_secs(3));
    let screen = format!("{screen}\n{}", calm.screen());
    assert!(!status(&calm.screen()).contains("unknown"), "{screen}");
    drop(calm);

    // Every endpoint refuses: within two poll intervals (1 s each) and the call timeout,
    // the status line says unknown, and why, once for every region.
    for proxy in world.every_proxy() {
        proxy.set(Fault::Reset);
    }
    let dark = open(&world, "unknown", &config);
    let started = Instant::now();
    let screen = dark.wait_until("the status line to say why nothing is known", Duration::from_secs(10), |s| {
        status(s).contains("▲ every region")
    });
    assert!(started.elapsed() < Duration::from_secs(6), "took {:?}", started.elapsed());
    let line = status(&screen);
    // Said once for every region, with the cause: none of it is called fine.
    assert!(line.contains("▲ every region: not answering, readings unknown: cannot reach the endpoint"), "{screen}");
    assert!(!line.contains("waiting for the first poll") && !line.contains('✓'), "{screen}");
    assert!(screen.contains("UNKNOWN"), "the region titles say it too:\n{screen}");
    // The whole error is one key away.
    dark.tmux(&["send-keys", "-t", "unknown", "i"]);
    let described = dark.wait_for("Last error", Duration::from_secs(5));
    assert!(described.contains("Fix") && described.contains("endpoint-url"), "{described}");
    for marker in common::DEBUG_MARKERS {
        assert!(!described.contains(marker), "a debug print on screen (`{marker}`):\n{described}");
    }
}
