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
    let with_alarms = |text: &str| {
        // Each region's table comes right after its own keys: east's before the west region.
        let text = text.replacen(
            "\n[[regions]]\nname = \"us-west-2\"",
            "\n[regions.alarms]\nprefixes = [\"checkout-us-east-1-\"]\n\n[[regions]]\nname = \"us-west-2\"",
            1,
        );
        format!("{text}[regions.alarms]\nprefixes = [\"checkout-us-west-2-\"]\n")
    };
    let with_rows = |text: &str| {
        let mut text = text.to_owned();
        for i in 0..ROWS {
            text.push_str(&format!(
                "[[signals]]\nname = \"backlog-{i}\"\nwarn = 100\ncritical = 200\nnamespace = \"Team\"\nmetric = \"Backlog{i}\"\ndimensions = {{ Region = \"{{region}}\" }}\nstatistic = \"Maximum\"\n"
            ));
        }
        text
    };
    let write = |name: &str, text: String| {
        let path = world.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    let plain_path = write("plain.toml", base_text.clone());
    let rich_path = write("rich.toml", with_rows(&with_alarms(&base_text)));
    let rows_path = write("rows.toml", with_rows(&base_text));
    let alarms_path = write("alarms.toml", with_alarms(&base_text));

    let snapshot = |config: &std::path::Path| {
        let t = Instant::now();
        let out = world.command().args(["snapshot", "--config"]).arg(config).arg("--json").output().unwrap();
        let elapsed = t.elapsed();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        (elapsed, out.stdout)
    };
    // warroom's own CPU (user + system), from bash's `time`: what warroom spends, apart from
    // the emulator, which answers every call of every region on one Python interpreter.
    let cpu = |config: &std::path::Path| {
        let cmd = world.command();
        let program = cmd.get_program().to_owned();
        let envs: Vec<(std::ffi::OsString, Option<std::ffi::OsString>)> =
            cmd.get_envs().map(|(k, v)| (k.to_owned(), v.map(ToOwned::to_owned))).collect();
        let mut bash = std::process::Command::new("bash");
        bash.arg("-c")
            .arg("TIMEFORMAT='%U %S'; { time \"$0\" snapshot --config \"$1\" --json >/dev/null; } 2>&1")
            .arg(program)
            .arg(config);
        for (k, v) in envs {
            match v {
                Some(v) => bash.env(k, v),
                None => bash.env_remove(k),
            };
        }
        let out = bash.output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        let parts: Vec<f64> = text.split_whitespace().rev().take(2).filter_map(|p| p.parse().ok()).collect();
        Duration::from_secs_f64(parts.iter().sum())
    };
    // Warm both (page cache, first connections), and check the rich one reads its rows.
    let (_, json) = snapshot(&rich_path);
    let text = String::from_utf8_lossy(&json);
    assert!(text.contains("backlog-19") && text.contains("alarms"), "{text}");
    snapshot(&plain_path);
    let (mut plain_runs, mut rich_runs, mut rows_runs, mut alarms_runs) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..RUNS {
        plain_runs.push(snapshot(&plain_path).0);
        rich_runs.push(snapshot(&rich_path).0);
        rows_runs.push(snapshot(&rows_path).0);
        alarms_runs.push(snapshot(&alarms_path).0);
    }
    let (p, r) = (median(plain_runs), median(rich_runs));
    let (mut plain_cpu, mut rich_cpu) = (Vec::new(), Vec::new());
    for _ in 0..RUNS {
        plain_cpu.push(cpu(&plain_path));
        rich_cpu.push(cpu(&rich_path));
    }
    let (pc, rc) = (median(plain_cpu), median(rich_cpu));
    let cpu_ratio = rc.as_secs_f64() / pc.as_secs_f64().max(1e-6);
    println!(
        "  (rows only {:.1} ms, alarms only {:.1} ms)",
        median(rows_runs).as_secs_f64() * 1000.0,
        median(alarms_runs).as_secs_f64() * 1000.0
    );
    let ratio = r.as_secs_f64() / p.as_secs_f64();
    println!(
        "warroom snapshot --json, 2 regions, medians of {RUNS} alternating runs ({} cores)",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!("  without custom rows or alarms        {:>8.1} ms", p.as_secs_f64() * 1000.0);
    println!("  with {ROWS} custom rows + {ALARMS} alarms/region {:>8.1} ms", r.as_secs_f64() * 1000.0);
    println!("  wall ratio {ratio:.2}x (target ≤ 1.2x): {}", if ratio <= 1.2 { "met" } else { "MISSED" });
    println!(
        "  warroom's own CPU: {:.1} ms without, {:.1} ms with: {cpu_ratio:.2}x",
        pc.as_secs_f64() * 1000.0,
        rc.as_secs_f64() * 1000.0
    );
    // The emulator is stopped on drop: before exiting, not skipped by it.
    drop(world);
    if ratio > 1.2 {
        std::process::exit(1);
    }
}
