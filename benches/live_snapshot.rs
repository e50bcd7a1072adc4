//! `warroom snapshot --config F --json` for two regions against the emulator, side by side in
//! one run with (a) a shell script gathering the same facts with the AWS CLI and (b) a bare
//! one-process program making the same eight calls at once with the SDK. Then a poll round
//! with one region delayed by 2 s.
//!
//! Run: `cargo bench --bench live_snapshot` (installs moto and awscli into target/ first use).
// The shared test world is used in part here.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::print_stdout)]

#[path = "../tests/common/aws_world.rs"]
mod aws_world;
#[path = "../tests/common/moto.rs"]
mod moto;
#[path = "../tests/common/proxy.rs"]
mod proxy;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::AttributeValue;
use aws_world::{AwsWorld, EAST, WEST, credentials};
use proxy::Fault;

// The last awscli line whose botocore still speaks the CloudWatch query protocol moto 5.1 serves
// (newer ones send JSON, which moto 5.1.4 answers with a 500).
const AWSCLI_VERSION: &str = "1.36.40";

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn time_runs(n: usize, mut f: impl FnMut()) -> Duration {
    f(); // warm: page cache, first connections
    median(
        (0..n)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed()
            })
            .collect(),
    )
}

fn awscli() -> PathBuf {
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("target").join(format!("awscli-{AWSCLI_VERSION}"));
    let aws = venv.join("bin").join("aws");
    if !aws.exists() {
        assert!(Command::new("python3").args(["-m", "venv"]).arg(&venv).status().unwrap().success());
        let ok = Command::new(venv.join("bin").join("pip"))
            .args(["install", "--quiet", &format!("awscli=={AWSCLI_VERSION}")])
            .status()
            .unwrap()
            .success();
        assert!(ok, "pip install awscli failed");
    }
    aws
}

/// The bare program: the calls that gather the same facts, all at once, nothing else. Per
/// region its metrics, database and flag; through the global endpoint the routed name's
/// records (one listing answers for both regions) and each region's health checkers.
fn bare(zone: &str, east: &str, west: &str, global_url: &str, health_checks: [&str; 2]) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async {
        let cfg = |url: &str, region: &str| {
            let (url, region) = (url.to_owned(), region.to_owned());
            async move {
                aws_config::defaults(aws_config::BehaviorVersion::latest())
                    .region(aws_config::Region::new(region))
                    .endpoint_url(url)
                    .credentials_provider(credentials())
                    .load()
                    .await
            }
        };
        let mut calls = Vec::new();
        let r53 = aws_sdk_route53::Client::new(&cfg(global_url, EAST).await);
        let zone = zone.to_owned();
        let list = r53.clone();
        calls.push(tokio::spawn(async move {
            list.list_resource_record_sets()
                .hosted_zone_id(zone)
                .start_record_name("api.example.com")
                .send()
                .await
                .map(|_| ())
                .map_err(|e| e.to_string())
        }));
        for id in health_checks {
            let (r53, id) = (r53.clone(), id.to_owned());
            calls.push(tokio::spawn(async move {
                r53.get_health_check_status().health_check_id(id).send().await.map(|_| ()).map_err(|e| e.to_string())
            }));
        }
        for (url, region, lb, db) in [
            (east, EAST, "app/checkout-east/1", "checkout-db"),
            (west, WEST, "app/checkout-west/2", "checkout-db-replica"),
        ] {
            let here = cfg(url, region).await;
            let (cw, rds, ddb) = (
                aws_sdk_cloudwatch::Client::new(&here),
                aws_sdk_rds::Client::new(&here),
                aws_sdk_dynamodb::Client::new(&here),
            );
            let now = chrono::Utc::now().timestamp();
            let lb = lb.to_owned();
            calls.push(tokio::spawn(async move {
                use aws_sdk_cloudwatch::types::*;
                let q = |id: &str, ns: &str, m: &str, dim: (&str, &str), stat: &str| {
                    MetricDataQuery::builder()
                        .id(id)
                        .metric_stat(
                            MetricStat::builder()
                                .metric(
                                    Metric::builder()
                                        .namespace(ns)
                                        .metric_name(m)
                                        .dimensions(Dimension::builder().name(dim.0).value(dim.1).build())
                                        .build(),
                                )
                                .period(60)
                                .stat(stat)
                                .build(),
                        )
                        .build()
                };
                cw.get_metric_data()
                    .start_time(aws_sdk_cloudwatch::primitives::DateTime::from_secs(now - 300))
                    .end_time(aws_sdk_cloudwatch::primitives::DateTime::from_secs(now))
                    .metric_data_queries(q("q0", "AWS/ApplicationELB", "RequestCount", ("LoadBalancer", &lb), "Sum"))
                    .metric_data_queries(q(
                        "q1",
                        "AWS/ApplicationELB",
                        "HTTPCode_Target_5XX_Count",
                        ("LoadBalancer", &lb),
                        "Sum",
                    ))
                    .metric_data_queries(q(
                        "q2",
                        "AWS/ApplicationELB",
                        "TargetResponseTime",
                        ("LoadBalancer", &lb),
                        "Average",
                    ))
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            }));
            let db = db.to_owned();
            calls.push(tokio::spawn(async move {
                rds.describe_db_instances()
                    .db_instance_identifier(db)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            }));
            calls.push(tokio::spawn(async move {
                ddb.get_item()
                    .table_name("checkout-flags")
                    .key("flag", AttributeValue::S("writes-enabled".into()))
                    .consistent_read(true)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            }));
        }
        for c in calls {
            c.await.unwrap().unwrap();
        }
    });
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--bare") {
        bare(&args[2], &args[3], &args[4], &args[5], [&args[6], &args[7]]);
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let world = rt.block_on(AwsWorld::start());
    let config = world.config_file("");
    let aws = awscli();
    let bin = env!("CARGO_BIN_EXE_warroom");
    let me = std::env::current_exe().unwrap();

    let warroom = time_runs(10, || {
        let out = world.command().args(["snapshot", "--config"]).arg(&config).arg("--json").output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    });
    let bare_time = time_runs(10, || {
        let ok = Command::new(&me)
            .args(["--bare", &world.zone, &world.east.url(), &world.west.url(), &world.global.url()])
            .args(&world.health_checks)
            .status()
            .unwrap()
            .success();
        assert!(ok);
    });
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/awscli_snapshot.sh");
    let cli = time_runs(3, || {
        let out = Command::new("bash")
            .arg(&script)
            .args([aws.to_str().unwrap(), &world.zone, &world.east.url(), &world.west.url()])
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_CONFIG_FILE", "/nonexistent")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    });
    println!("snapshot of 2 regions against moto {} (median; binary {bin})", moto::MOTO_VERSION);
    println!("  warroom snapshot --json   {:>8.1} ms", warroom.as_secs_f64() * 1e3);
    println!(
        "  bare SDK program (9 calls){:>8.1} ms   warroom / bare = {:.2}x (target <= 1.1x)",
        bare_time.as_secs_f64() * 1e3,
        warroom.as_secs_f64() / bare_time.as_secs_f64()
    );
    println!(
        "  awscli script (8 calls)   {:>8.1} ms   awscli / warroom = {:.1}x (target >= 30x)",
        cli.as_secs_f64() * 1e3,
        cli.as_secs_f64() / warroom.as_secs_f64()
    );

    // One region delayed by 2 s: the other's poller keeps its 1 s cadence.
    let live = rt.block_on(world.live(world.config("call-timeout = \"5s\"")));
    world.west.set(Fault::Delay(Duration::from_secs(2)));
    let (gaps_east, gaps_west) = rt.block_on(async {
        let (tx, mut rx) = tokio::sync::mpsc::channel(1024);
        let pollers = warroom::sources::aws::spawn_pollers(&live, &tx);
        drop(tx);
        let start = Instant::now();
        let mut last = [None::<Instant>; 2];
        let mut gaps: [Vec<Duration>; 2] = [Vec::new(), Vec::new()];
        while start.elapsed() < Duration::from_secs(20) {
            if let Ok(Some(u)) = tokio::time::timeout(Duration::from_millis(100), rx.recv()).await
                && u.signal == warroom::model::SignalKey::Requests
            {
                let now = Instant::now();
                if let Some(prev) = last[u.region] {
                    gaps[u.region].push(now - prev);
                }
                last[u.region] = Some(now);
            }
        }
        for p in pollers {
            p.abort();
        }
        let [e, w] = gaps;
        (e, w)
    });
    println!("poll cadence over 20 s, interval 1 s, us-west-2 delayed 2 s per call:");
    println!(
        "  us-east-1: {} updates, median gap {:.2} s, max {:.2} s",
        gaps_east.len() + 1,
        median(gaps_east.clone()).as_secs_f64(),
        gaps_east.iter().max().unwrap().as_secs_f64()
    );
    println!("  us-west-2: {} updates, median gap {:.2} s", gaps_west.len() + 1, median(gaps_west).as_secs_f64());
}
