//! The built binary's command-line contract: exit codes, snapshot output, completions.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::process::{Command, Output};
use std::time::Instant;

fn warroom(args: &[&str]) -> Output {
    let state = std::env::temp_dir().join("warroom-cli-test-state");
    Command::new(env!("CARGO_BIN_EXE_warroom"))
        .args(args)
        .env("XDG_STATE_HOME", &state)
        .env("XDG_CONFIG_HOME", &state)
        .env("HOME", &state)
        .output()
        .expect("the warroom binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// JSON with the wall-clock fields removed: what must be equal for equal seeds.
fn values_only(json: &str) -> serde_json::Value {
    fn strip(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(map) => {
                for key in ["taken_at", "observed_at", "submitted_at"] {
                    map.remove(key);
                }
                map.values_mut().for_each(strip);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut v: serde_json::Value = serde_json::from_str(json).unwrap();
    strip(&mut v);
    v
}

#[test]
fn snapshot_json_is_deterministic_per_seed() {
    let a = warroom(&["snapshot", "--demo", "--at", "4m", "--seed", "7", "--json"]);
    let b = warroom(&["snapshot", "--demo", "--at", "4m", "--seed", "7", "--json"]);
    let c = warroom(&["snapshot", "--demo", "--at", "4m", "--seed", "8", "--json"]);
    assert!(a.status.success(), "{}", stderr(&a));
    assert_eq!(values_only(&stdout(&a)), values_only(&stdout(&b)));
    assert_ne!(values_only(&stdout(&a)), values_only(&stdout(&c)));
}

#[test]
fn snapshot_json_follows_the_documented_schema() {
    let out = warroom(&["snapshot", "--demo", "--at", "4m", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["source"], "demo");
    assert_eq!(v["sim"]["elapsed_seconds"], 240);
    let regions = v["regions"].as_array().unwrap();
    assert_eq!(regions.len(), 2);
    let east = &regions[0];
    assert_eq!(east["name"], "us-east-1");
    assert_eq!(east["role"], "primary");
    assert_eq!(east["serving"], true);
    let signals = &east["signals"];
    for key in [
        "requests_per_second",
        "error_rate_percent",
        "latency_p50_ms",
        "latency_p99_ms",
        "replication_lag",
        "health_checks",
        "database",
        "routing",
        "write_freeze",
    ] {
        let s = &signals[key];
        assert!(s.get("value").is_some() && s.get("observed_at").is_some(), "{key}: {s}");
        assert_eq!(s["stale"], false, "{key}");
    }
    assert!(signals["error_rate_percent"]["value"].as_f64().unwrap() > 5.0);
    assert_eq!(signals["health_checks"]["value"]["status"], "unhealthy");
    assert_eq!(signals["replication_lag"]["value"]["state"], "writer");
    assert_eq!(regions[1]["signals"]["replication_lag"]["value"]["state"], "behind");
    assert!(regions[1]["signals"]["replication_lag"]["value"]["seconds"].as_f64().unwrap() > 60.0);
    assert!(east["findings"].as_array().unwrap().iter().any(|f| f.as_str().unwrap().starts_with("5xx")));
}

#[test]
fn snapshot_at_a_day_is_fast_and_tabular_by_default() {
    let start = Instant::now();
    let out = warroom(&["snapshot", "--demo", "--at", "24h", "--regions", "8"]);
    let took = start.elapsed();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("T+24h") && text.contains("ca-central-1") && text.contains("replication lag"), "{text}");
    // Generous bound (debug build, shared CI core); the benchmark records the real number.
    assert!(took.as_secs_f64() < 5.0, "snapshot --at 24h took {took:?}");
}

#[test]
fn usage_and_config_errors_exit_2_with_a_clear_message() {
    let plain = warroom(&[]);
    assert_eq!(plain.status.code(), Some(2));
    assert!(stderr(&plain).contains("warroom demo"), "{}", stderr(&plain));

    let bad = warroom(&["demo", "--config", "tests/invalid_configs/unknown-key.toml"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("tests/invalid_configs/unknown-key.toml:4:1: unknown field `rpoo`"),
        "{}",
        stderr(&bad)
    );

    let missing = warroom(&["snapshot", "--demo", "--config", "no/such/file.toml"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains("no/such/file.toml:1:1: cannot read"), "{}", stderr(&missing));

    let theme = warroom(&["demo", "--theme", "tests/invalid_themes/misspelled-key.toml"]);
    assert_eq!(theme.status.code(), Some(2));
    assert!(stderr(&theme).contains("misspelled-key.toml:2:1: unknown field `critcal`"), "{}", stderr(&theme));

    for args in [
        &["demo", "--speed", "0"][..],
        &["demo", "--regions", "9"],
        &["demo", "--regions", "1"],
        &["snapshot", "--demo", "--at", "soon"],
        &["snapshot", "--demo", "--regions", "3", "--config", "x.toml"],
        &["bogus"],
    ] {
        let out = warroom(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(!stderr(&out).contains("panicked"), "{args:?}");
    }

    let live = warroom(&["snapshot", "--json"]);
    assert_eq!(live.status.code(), Some(2));
    assert!(stderr(&live).contains("--demo"), "{}", stderr(&live));
}

#[test]
fn a_live_config_runs_on_the_demo_world_and_a_bad_one_is_located() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("warroom.toml");
    std::fs::write(&path, "[incident]\nname = \"payments\"\n").unwrap();
    let snap = warroom(&["snapshot", "--demo", "--config", path.to_str().unwrap()]);
    assert!(snap.status.success());
    assert!(stdout(&snap).starts_with("payments — snapshot at"), "{}", stdout(&snap));
    std::fs::write(&path, "[aws]\ncall-timeout = \"0s\"\n").unwrap();
    for args in [vec!["--config"], vec!["check", "--config"], vec!["snapshot", "--config"]] {
        let mut args = args.clone();
        args.push(path.to_str().unwrap());
        let out = warroom(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr(&out).contains("warroom.toml:2:16: aws.call-timeout must be between"), "{}", stderr(&out));
    }
}

#[test]
fn version_help_and_completions() {
    let version = warroom(&["--version"]);
    assert!(version.status.success());
    assert!(stdout(&version).contains(env!("CARGO_PKG_VERSION")));
    let help = warroom(&["--help"]);
    assert!(stdout(&help).contains("demo") && stdout(&help).contains("snapshot"));
    for shell in ["bash", "zsh", "fish"] {
        let out = warroom(&["completions", shell]);
        assert!(out.status.success(), "{shell}");
        assert!(stdout(&out).contains("snapshot"), "{shell}");
    }
}

/// No credentials at all: nothing is sent, so no region or control plane is called
/// unreachable, the errors say what to do, and nothing unknown is called fine.
#[test]
fn without_credentials_nothing_is_called_unreachable_or_fine() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("c.toml");
    std::fs::write(
        &config,
        "[aws]\ncall-timeout = \"2s\"\n[global]\nendpoint-url = \"http://127.0.0.1:9\"\n[routing]\nhosted-zone-id = \"Z1\"\n\
         [[regions]]\nname = \"us-east-1\"\nrole = \"primary\"\nendpoint-url = \"http://127.0.0.1:9\"\nload-balancer = \"app/a/1\"\nhealth-check-id = \"hc-1\"\nrecord-set-id = \"east\"\n\
         [[regions]]\nname = \"us-west-2\"\nrole = \"secondary\"\nendpoint-url = \"http://127.0.0.1:9\"\nload-balancer = \"app/b/2\"\nrecord-set-id = \"west\"\n",
    )
    .unwrap();
    // The snapshot with no credential anywhere: no keys, profile, files or instance metadata.
    let snapshot = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_warroom"))
            .args(["snapshot"])
            .args(args)
            .arg("--config")
            .arg(&config)
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
            .env_remove("AWS_SESSION_TOKEN")
            .env_remove("AWS_PROFILE")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env_remove("AWS_WEB_IDENTITY_TOKEN_FILE")
            .env_remove("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")
            .env_remove("AWS_CONTAINER_CREDENTIALS_FULL_URI")
            .env("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:9")
            .env("AWS_CONFIG_FILE", dir.path().join("empty"))
            .env("AWS_SHARED_CREDENTIALS_FILE", dir.path().join("empty"))
            .env("HOME", dir.path())
            .output()
            .unwrap()
    };
    std::fs::write(dir.path().join("empty"), "").unwrap();
    let out = snapshot(&[]);
    let text = String::from_utf8_lossy(&out.stdout);
    // The cause is said once, in words, with what to do; never "fine", never exit 0.
    assert!(text.contains("? every region unknown: no AWS credentials found (tried environment variables"), "{text}");
    assert!(text.contains("fix: run `aws configure`, or `aws sso login --profile <profile>`"), "{text}");
    assert!(!text.contains("✓"), "{text}");
    assert!(!text.contains("not answering") && !text.contains("control plane unreachable"), "{text}");
    assert_eq!(out.status.code(), Some(1), "{text}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("warroom: nothing fresh was read from us-east-1, us-west-2"), "{stderr}");
    common::assert_no_debug_text(&out);
    let json = snapshot(&["--json"]);
    assert_eq!(json.status.code(), Some(1));
    common::assert_no_debug_text(&json);
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let east = &doc["regions"][0];
    assert_eq!(east["state"], "unknown");
    assert_eq!(east["unknown"][1]["signal"], "5xx");
    assert!(east["unknown"][1]["reason"].as_str().unwrap().starts_with("no AWS credentials found"), "{east}");
    assert!(
        east["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f.as_str().unwrap().starts_with("5xx unknown: no AWS credentials"))
    );
    let error = east["signals"]["error_rate_percent"]["error"].as_str().unwrap();
    assert!(error.starts_with("GetMetricData: no AWS credentials found"), "{error}");
}
