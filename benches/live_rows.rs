//! `warroom snapshot --config F --json` with 20 custom rows and 10 alarms per region, side by
//! side with the same snapshot without them (issue 15: within 1.2x). Runs alternate between the
//! two configs so both see the same machine.
//!
//! Run: `cargo bench --bench live_rows` (installs moto into target/ on first use).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::print_stdout)]

#[path = "../tests/common/aws_world.rs"]
mod aws_world;
#[path = "../tests/common/moto.rs"]
mod moto;
#[path = "../tests/common/proxy.rs"]
mod proxy;

use std::time::{Duration, Instant};

use aws_world::{AwsWorld, EAST, WEST, put, sdk};

const ROWS: usize = 20;
const ALARMS: usize = 10;
const RUNS: usize = 15;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let world = AwsWorld::start().await;
    let url = world.moto.url();
    for region in [EAST, WEST] {
        let cw = aws_sdk_cloudwatch::Client::new(&sdk(&url, region).await);
        for i in 0..ROWS {
            put(&cw, "Team", &format!("Backlog{i}"), &[("Region", region)], i as f64).await;
        }
        for i in 0..ALARMS {
            cw.put_metric_alarm()
                .alarm_name(format!("checkout-{region}-{i}"))
                .namespace("Team")
                .metric_name("Backlog0")
                .statistic(aws_sdk_cloudwatch::types::Statistic::Maximum)
                .period(60)
                .evaluation_periods(1)
                .threshold(100.0)
                .comparison_operator(aws_sdk_cloudwatch::types::ComparisonOperator::GreaterThanThreshold)
                .send()
                .await
                .unwrap();
        }
    }
    let plain = world.config_file("");
    let base_text = std::fs::read_to_string(&plain).unwrap();
    let mut rich = base_text.clone();
    rich.push_str("[regions.alarms]\nprefixes = [\"checkout-us-west-2-\"]\n");
    for i in 0..ROWS {
        rich.push_str(&format!(
            "[[signals]]\nname = \"backlog-{i}\"\nwarn = 100\ncritical = 200\nnamespace = \"Team\"\nmetric = \"Backlog{i}\"\ndimensions = {{ Region = \"{{region}}\" }}\nstatistic = \"Maximum\"\n"
        ));
    }
    // East's alarms too: a second [regions.alarms] needs its own region table, so name them
    // through the west prefix only and add east's by inserting before the west region.
    let rich = rich.replacen(
        "\n[[regions]]\nname = \"us-west-2\"",
        "\n[regions.alarms]\nprefixes = [\"checkout-us-east-1-\"]\n\n[[regions]]\nname = \"us-west-2\"",
        1,
    );
    let rich_path = world.dir.path().join("rich.toml");
    std::fs::write(&rich_path, &rich).unwrap();
    let plain_path = world.dir.path().join("plain.toml");
    std::fs::write(&plain_path, &base_text).unwrap();

    let snapshot = |config: &std::path::Path| {
        let t = Instant::now();
        let out = world.command().args(["snapshot", "--config"]).arg(config).arg("--json").output().unwrap();
        let elapsed = t.elapsed();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        (elapsed, out.stdout)
    };
    // Warm both (page cache, first connections), and check the rich one reads its rows.
    let (_, json) = snapshot(&rich_path);
    let text = String::from_utf8_lossy(&json);
    assert!(text.contains("backlog-19") && text.contains("alarms"), "{text}");
    snapshot(&plain_path);
    let (mut plain_runs, mut rich_runs) = (Vec::new(), Vec::new());
    for _ in 0..RUNS {
        plain_runs.push(snapshot(&plain_path).0);
        rich_runs.push(snapshot(&rich_path).0);
    }
    let (p, r) = (median(plain_runs), median(rich_runs));
    let ratio = r.as_secs_f64() / p.as_secs_f64();
    println!(
        "warroom snapshot --json, 2 regions, medians of {RUNS} alternating runs ({} cores)",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!("  without custom rows or alarms        {:>8.1} ms", p.as_secs_f64() * 1000.0);
    println!("  with {ROWS} custom rows + {ALARMS} alarms/region {:>8.1} ms", r.as_secs_f64() * 1000.0);
    println!("  ratio {ratio:.2}x (target ≤ 1.2x): {}", if ratio <= 1.2 { "met" } else { "MISSED" });
    if ratio > 1.2 {
        std::process::exit(1);
    }
}
