//! The binary against the AWS emulator: `snapshot --config`, `check`, `run-step`, and the
//! read-only dashboard in a real terminal making only read calls.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::{Duration, Instant};

use common::aws_world::{AwsWorld, EAST, WEST};
use common::proxy::is_read;
use common::tmux::Session;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshot_prints_the_same_schema_as_the_demo() {
    let world = AwsWorld::start().await;
    let config = world.config_file("");
    let out = world
        .command()
        .args(["snapshot", "--config"])
        .arg(&config)
        .arg("--json")
        .output()
        .map(common::no_debug_text)
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["schema_version"], 1);
    assert_eq!(doc["source"], "aws");
    assert_eq!(doc["regions"][0]["name"], EAST);
    assert_eq!(doc["regions"][0]["serving"], true);
    assert_eq!(doc["regions"][0]["signals"]["requests_per_second"]["value"], 100.0);
    assert_eq!(doc["regions"][1]["signals"]["replication_lag"]["value"]["seconds"], 2.0);
    assert_eq!(doc["regions"][1]["signals"]["database"]["value"]["role"], "replica");
    let table =
        world.command().args(["snapshot", "--config"]).arg(&config).output().map(common::no_debug_text).unwrap();
    assert!(table.status.success());
    assert!(text(&table.stdout).contains("us-west-2"), "{}", text(&table.stdout));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_passes_on_a_ready_account_and_names_what_is_missing() {
    let world = AwsWorld::start().await;
    let config = world.config_file("");
    let out = world.command().args(["check", "--config"]).arg(&config).output().map(common::no_debug_text).unwrap();
    let report = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{report}\n{}", text(&out.stderr));
    for row in [
        "hosted zone",
        "permission dynamodb:UpdateItem",
        "permission rds:PromoteReadReplica",
        "permission route53:ChangeResourceRecordSets",
        "guard promote-database: lag-within-rpo",
        // Static stability: what the failover path needs of us-east-1's control plane.
        "global dependency",
        "Route 53 API (ListResourceRecordSets, ChangeResourceRecordSets, GetChange)",
        "WARN    routing.method = \"dns\": shift-traffic changes Route 53 records through its control plane in us-east-1",
    ] {
        assert!(report.contains(row), "no `{row}` row:\n{report}");
    }
    assert!(!report.contains("FAIL"), "{report}");
    // The probes changed nothing.
    assert_eq!(world.writes_enabled(EAST).await, Some(true));
    assert_eq!(world.primary_record().await, "east");

    let broken = world.config_text("").replace("record-set-id = \"west\"", "record-set-id = \"north\"");
    std::fs::write(&config, broken).unwrap();
    let out = world.command().args(["check", "--config"]).arg(&config).output().map(common::no_debug_text).unwrap();
    assert_eq!(out.status.code(), Some(1));
    let report = text(&out.stdout);
    assert!(report.contains("no record with SetIdentifier `north`"), "{report}");
    assert!(text(&out.stderr).contains("not ready: 1 check(s) failed"), "{}\n{report}", text(&out.stderr));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_step_freezes_writes_with_the_same_guards_and_journal() {
    let world = AwsWorld::start().await;
    let config = world.config_file("");
    let journal = world.dir.path().join("incident.jsonl");
    let step = |args: &[&str]| {
        world
            .command()
            .arg("run-step")
            .args(args)
            .arg("--config")
            .arg(&config)
            .arg("--journal")
            .arg(&journal)
            .output()
            .unwrap()
    };
    let refused = step(&["freeze-writes", "--confirm", EAST]);
    assert_eq!(refused.status.code(), Some(3), "{}", text(&refused.stderr));
    assert_eq!(world.writes_enabled(EAST).await, Some(true));
    let declared = step(&["declare", "--confirm", WEST]);
    assert!(declared.status.success(), "{}", text(&declared.stderr));
    let frozen = step(&["freeze-writes", "--confirm", EAST]);
    assert!(frozen.status.success(), "{}\n{}", text(&frozen.stdout), text(&frozen.stderr));
    assert_eq!(world.writes_enabled(EAST).await, Some(false));
    let lines = std::fs::read_to_string(&journal).unwrap();
    assert!(lines.contains("\"step\":\"freeze-writes\""), "{lines}");
    assert!(lines.contains("writes frozen in us-east-1"), "{lines}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_read_only_dashboard_makes_no_mutating_call() {
    let world = AwsWorld::start().await;
    let config = world.config_file("");
    let status = world.dir.path().join("status");
    let session = Session { name: "ro".into(), socket: format!("warroom-ro-{}", std::process::id()) };
    let command = format!(
        "AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_EC2_METADATA_DISABLED=true \
         AWS_CONFIG_FILE=/nonexistent AWS_SHARED_CREDENTIALS_FILE=/nonexistent \
         XDG_STATE_HOME={dir} XDG_DATA_HOME={dir} {bin} --config {config} --read-only --as ro; echo $? > {status}; sleep 30",
        dir = world.dir.path().display(),
        bin = env!("CARGO_BIN_EXE_warroom"),
        config = config.display(),
        status = status.display(),
    );
    let out = session.tmux(&["new-session", "-d", "-s", "ro", "-x", "160", "-y", "48", &command]);
    assert!(out.status.success(), "tmux: {}", text(&out.stderr));
    let screen = session.wait_for("req/s", Duration::from_secs(30));
    assert!(screen.contains("READ-ONLY") && screen.contains("us-west-2"), "{screen}");
    // Try every step every way: run, override with a reason, skip with a reason, confirm.
    for _ in 0..12 {
        for keys in [
            &["Enter"][..],
            &["Enter"],
            &["o"],
            &["-l", "because"],
            &["Enter"],
            &["Escape"],
            &["s"],
            &["Escape"],
            &["Down"],
        ] {
            let mut args = vec!["send-keys", "-t", "ro"];
            args.extend_from_slice(keys);
            session.tmux(&args);
        }
    }
    // Let several poll rounds pass.
    std::thread::sleep(Duration::from_secs(3));
    // Escape and q in one read would arrive as Alt-q, so they go apart, and q again until it quits.
    let start = Instant::now();
    while !status.exists() {
        assert!(start.elapsed() < Duration::from_secs(20), "did not exit:\n{}", session.screen());
        session.tmux(&["send-keys", "-t", "ro", "Escape"]);
        std::thread::sleep(Duration::from_millis(300));
        session.tmux(&["send-keys", "-t", "ro", "q"]);
        std::thread::sleep(Duration::from_millis(1000));
    }
    let calls: Vec<String> = world.every_proxy().iter().flat_map(|p| p.calls()).collect();
    assert!(calls.iter().filter(|c| *c == "GetMetricData").count() >= 6, "polled for seconds: {calls:?}");
    let mutating: Vec<&String> = calls.iter().filter(|c| !is_read(c)).collect();
    assert!(mutating.is_empty(), "a read-only session made mutating calls: {mutating:?}");
    assert_eq!(world.writes_enabled(EAST).await, Some(true));
    assert_eq!(world.primary_record().await, "east");
}

/// Issue 24: headless steps on a DynamoDB store act on its incident (the open one by
/// default), take its claims and write through the spool; a file store refuses --incident.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_step_on_a_dynamodb_store_acts_on_its_open_incident_once() {
    let world = AwsWorld::start().await;
    let store = format!(
        "\n[journal]\nstore = \"dynamodb\"\ntable = \"warroom-incidents\"\nregions = [\"us-east-1\", \"us-west-2\"]\nendpoint-url = \"{}\"\n",
        world.moto.url()
    );
    let config = world.config_file(&store);
    let init =
        world.command().args(["store", "init", "--config"]).arg(&config).output().map(common::no_debug_text).unwrap();
    assert!(init.status.success(), "{}", text(&init.stderr));
    let step = |who: &str, args: &[&str]| {
        let mut command = world.command();
        command.arg("run-step").args(args).args(["--as", who, "--config"]).arg(&config);
        command.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
        command
    };
    let declared = step("ana", &["declare", "--confirm", WEST]).output().map(common::no_debug_text).unwrap();
    assert!(declared.status.success(), "{}", text(&declared.stderr));
    // Four at once: the second process sees the first's declare (the same incident), and the
    // store's claim lets one of them freeze writes.
    let children: Vec<_> =
        (0..4).map(|i| step(&format!("op{i}"), &["freeze-writes", "--confirm", EAST]).spawn().unwrap()).collect();
    let outputs: Vec<_> = children.into_iter().map(|c| c.wait_with_output().unwrap()).collect();
    let said: Vec<String> = outputs.iter().map(|o| text(&o.stderr)).collect();
    assert_eq!(outputs.iter().filter(|o| o.status.success()).count(), 1, "{said:#?}");
    for (o, said) in outputs.iter().zip(&said) {
        if !o.status.success() {
            assert!(said.contains("running by op") || said.contains("is done"), "{said}");
        }
    }
    assert_eq!(world.writes_enabled(EAST).await, Some(false));

    let export = world
        .command()
        .args(["export", "--format", "json", "--config"])
        .arg(&config)
        .output()
        .map(common::no_debug_text)
        .unwrap();
    assert!(export.status.success(), "{}", text(&export.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&export.stdout).unwrap();
    let entries = doc["entries"].as_array().unwrap();
    let count = |kind: &str, step: &str| entries.iter().filter(|e| e["kind"] == kind && e["step"] == step).count();
    assert_eq!(count("decision", "declare"), 1, "one declare, in the store's incident");
    assert_eq!(count("action-started", "freeze-writes"), 1, "freeze-writes started once");
    assert_eq!(count("action-succeeded", "freeze-writes"), 1);
    assert!(
        entries.iter().all(|e| e["session"].as_str().is_some_and(|s| s.contains('@') && s.contains(':'))),
        "every entry names its session"
    );

    // A file store: the journal file is the incident.
    let file = world.config_file("");
    let refused = world
        .command()
        .args(["run-step", "declare", "--confirm", WEST, "--incident", "x", "--config"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        text(&refused.stderr).contains("with a journal file the file is the incident"),
        "{}",
        text(&refused.stderr)
    );
}
