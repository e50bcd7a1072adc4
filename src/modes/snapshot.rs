//! `warroom snapshot`: one poll of every region, printed as a table or as JSON.
//!
//! The JSON is a contract for scripts (docs/snapshot.md): fields are only ever added.

use chrono::{DateTime, Utc};
use std::path::Path;

use chrono::Duration;
use clap::Args;
use serde::Serialize;

use crate::assess::{self, Limits};
use crate::config::Config;
use crate::model::{Database, HealthChecks, Lag, Routing, Signal, Snapshot};
use crate::runtime::args::{SimArgs, parse_at};
use crate::runtime::event_loop::runtime;
use crate::runtime::exit::Failure;
use crate::runtime::output::{json_text, write_stdout};
use crate::runtime::session::{connect, load_config};
use crate::sim::{World, demo_timeline};
use crate::sources::aws::{self, Live};
use crate::sources::sim::{SharedWorld, poll_all};
use crate::text::duration::format_duration;
use crate::text::format;
use crate::text::width::{pad, width};

#[derive(Debug, Args)]
pub struct SnapshotArgs {
    /// Poll the simulated world instead of AWS (with --config: your regions, simulated).
    #[arg(long)]
    pub demo: bool,
    #[command(flatten)]
    pub sim: SimArgs,
    /// Simulated time since the start of the world, e.g. 90s, 15m, 24h.
    #[arg(long, value_name = "DURATION", default_value = "0s", value_parser = parse_at)]
    pub at: Duration,
    /// Print JSON (schema in docs/snapshot.md) instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// `warroom snapshot`: the simulated world with `--demo`, AWS with `--config FILE`.
pub fn run(args: &SnapshotArgs) -> Result<(), Failure> {
    let (text, blind) = match (&args.sim.config, args.demo) {
        (_, true) => demo_snapshot(args)?,
        (Some(path), false) => snapshot(path, args.json)?,
        (None, false) => {
            return Err(Failure::usage("give --config FILE to poll AWS, or --demo for the simulated world"));
        }
    };
    write_stdout(&text)?;
    // A snapshot that read nothing from a region is not a snapshot of it: scripts must not
    // take exit 0 for "fine".
    if blind.is_empty() {
        Ok(())
    } else {
        Err(Failure::runtime(format!("nothing fresh was read from {}", blind.join(", "))))
    }
}

/// The rendered snapshot, and the regions it read nothing fresh from.
pub type Rendered = (String, Vec<String>);

pub const SCHEMA_VERSION: u32 = 1;

/// Run the sim to `--at` without sleeping, poll every region once, and render.
pub fn demo_snapshot(args: &SnapshotArgs) -> Result<Rendered, Failure> {
    let config = args.sim.config()?;
    // The world started `--at` ago, so the snapshot is taken now.
    let now = crate::runtime::session::now_to_the_second();
    let (snapshot, now) = simulate(&config, args.sim.seed, now - args.at, args.at);
    let sim = SimFacts { seed: args.sim.seed, elapsed_seconds: args.at.num_seconds() };
    render(&config, &snapshot, now, Some(sim), args.json)
}

/// The snapshot as JSON (docs/snapshot.md) or as the table, for the demo and for AWS alike.
pub fn render(
    config: &Config,
    snapshot: &Snapshot,
    now: DateTime<Utc>,
    sim: Option<SimFacts>,
    json: bool,
) -> Result<Rendered, Failure> {
    // Judged once: the exit code, the verdict lines and the JSON all say what it says.
    let verdict = verdict_of(config, snapshot, now);
    let blind = verdict.blind().into_iter().map(str::to_owned).collect();
    let text = if json {
        json_text(&document(config, snapshot, &verdict, now, sim))?
    } else {
        crate::text::sanitize::inert_lines(&table(config, snapshot, &verdict, now, sim))
    };
    Ok((text, blind))
}

fn verdict_of(config: &Config, snapshot: &Snapshot, now: DateTime<Utc>) -> assess::verdict::Verdict {
    let limits =
        Limits { thresholds: &config.thresholds, rpo: config.incident.rpo, now, poll_interval: snapshot.poll_interval };
    assess::verdict::assess(snapshot, limits, config.database.kind.single_writer())
}

/// The snapshot a dashboard would hold after one poll of every region at `epoch + at`.
pub fn simulate(config: &Config, seed: u64, epoch: DateTime<Utc>, at: chrono::Duration) -> (Snapshot, DateTime<Utc>) {
    let world = SharedWorld::new(
        World::new(&config.regions, seed, epoch, demo_timeline()).with_signals(&config.thresholds.signals),
    );
    let now = epoch + at;
    let mut snapshot = config.empty_snapshot();
    snapshot.fold(poll_all(&world, now));
    (snapshot, now)
}

#[derive(Clone, Copy, Debug, Serialize)]
pub struct SimFacts {
    pub seed: u64,
    pub elapsed_seconds: i64,
}

#[derive(Serialize)]
pub struct Document<'a> {
    pub schema_version: u32,
    pub source: &'static str,
    pub taken_at: DateTime<Utc>,
    pub incident: IncidentView<'a>,
    pub thresholds: ThresholdsView,
    pub sim: Option<SimFacts>,
    pub regions: Vec<RegionView<'a>>,
}

#[derive(Serialize)]
pub struct IncidentView<'a> {
    pub name: &'a str,
    pub rpo_seconds: f64,
    pub rto_seconds: f64,
    pub poll_interval_seconds: f64,
}

#[derive(Serialize)]
pub struct ThresholdsView {
    pub error_rate_percent: f64,
    pub latency_p99_ms: f64,
}

#[derive(Serialize)]
pub struct RegionView<'a> {
    pub name: &'a str,
    pub role: crate::model::Role,
    pub serving: bool,
    /// `ok`, `past` (a threshold), or `unknown`: the one verdict every summary uses.
    pub state: &'static str,
    /// What is past a threshold, then what is unknown and why (`5xx unknown: timed out`).
    pub findings: Vec<String>,
    /// Each signal not known now, and why.
    pub unknown: Vec<UnknownView>,
    pub signals: SignalsView<'a>,
}

#[derive(Serialize)]
pub struct UnknownView {
    pub signal: String,
    pub reason: String,
}

#[derive(Serialize)]
pub struct SignalsView<'a> {
    pub requests_per_second: SignalView<&'a f64>,
    pub error_rate_percent: SignalView<&'a f64>,
    pub latency_p50_ms: SignalView<&'a f64>,
    pub latency_p99_ms: SignalView<&'a f64>,
    pub replication_lag: SignalView<&'a Lag>,
    pub health_checks: SignalView<HealthView>,
    pub database: SignalView<&'a Database>,
    pub routing: SignalView<&'a Routing>,
    pub write_freeze: SignalView<&'a bool>,
    /// Drill counters; absent values (live mode) are null.
    pub integrity: SignalView<&'a crate::model::Integrity>,
    /// `[regions.alarms]`, `[regions.capacity]`, `secrets`: null values when not configured.
    pub alarms: SignalView<&'a crate::model::Alarms>,
    pub capacity: SignalView<&'a crate::model::Capacity>,
    pub secrets: SignalView<&'a crate::model::Secrets>,
    /// `HealthyHostCount` of `target-group` (health from the data plane); null when not read.
    pub healthy_targets: SignalView<&'a f64>,
    /// Whether the region's own endpoints answered its last poll.
    pub reachable: SignalView<&'a bool>,
    /// Whether us-east-1's control plane answered this region's last call to it.
    pub control_plane_reachable: SignalView<&'a bool>,
    /// The `[[signals]]` rows, by name.
    pub custom: std::collections::BTreeMap<&'a str, SignalView<&'a f64>>,
}

#[derive(Serialize)]
pub struct HealthView {
    pub healthy: u8,
    pub total: u8,
    pub status: &'static str,
}

#[derive(Serialize)]
pub struct SignalView<T> {
    pub value: Option<T>,
    pub observed_at: Option<DateTime<Utc>>,
    pub age_seconds: Option<f64>,
    pub stale: bool,
    /// The poll error's sentence (one line).
    pub error: Option<String>,
    /// The whole error with its fix and AWS's own words, when there is more than the sentence.
    pub error_detail: Option<String>,
}

fn view<'a, T, U>(
    signal: &'a Signal<T>,
    now: DateTime<Utc>,
    snapshot: &Snapshot,
    map: impl Fn(&'a T) -> U,
) -> SignalView<U> {
    SignalView {
        value: signal.value.as_ref().map(map),
        observed_at: signal.observed_at,
        age_seconds: signal.age(now).map(|a| a.as_seconds_f64()),
        stale: signal.freshness(now, snapshot.poll_interval) == crate::model::Freshness::Stale,
        error: signal.error.as_deref().map(|e| crate::model::error_headline(e).to_owned()),
        error_detail: signal.error.clone().filter(|e| e.contains('\n')),
    }
}

fn health_view(h: &HealthChecks) -> HealthView {
    let status = match assess::health::checkers_level(*h) {
        assess::Level::Critical => "unhealthy",
        assess::Level::Warn => "degraded",
        assess::Level::Ok => "healthy",
    };
    HealthView { healthy: h.healthy, total: h.total, status }
}

pub fn document<'a>(
    config: &'a Config,
    snapshot: &'a Snapshot,
    verdict: &assess::verdict::Verdict,
    now: DateTime<Utc>,
    sim: Option<SimFacts>,
) -> Document<'a> {
    let regions = snapshot
        .regions
        .iter()
        .zip(&verdict.regions)
        .map(|(r, v)| RegionView {
            name: &r.name,
            role: r.role,
            serving: r.is_serving(now, snapshot.poll_interval),
            state: match v.state() {
                assess::verdict::State::Ok => "ok",
                assess::verdict::State::Past => "past",
                assess::verdict::State::Unknown => "unknown",
            },
            findings: v
                .findings
                .iter()
                .map(|f| f.text.clone())
                .chain(v.unknown.iter().map(|u| format!("{} unknown: {}", u.name, u.reason)))
                .collect(),
            unknown: v
                .unknown
                .iter()
                .map(|u| UnknownView { signal: u.name.clone(), reason: u.reason.clone() })
                .collect(),
            signals: SignalsView {
                requests_per_second: view(&r.requests, now, snapshot, |v| v),
                error_rate_percent: view(&r.error_rate, now, snapshot, |v| v),
                latency_p50_ms: view(&r.latency_p50, now, snapshot, |v| v),
                latency_p99_ms: view(&r.latency_p99, now, snapshot, |v| v),
                replication_lag: view(&r.replication_lag, now, snapshot, |v| v),
                health_checks: view(&r.health, now, snapshot, health_view),
                database: view(&r.database, now, snapshot, |v| v),
                routing: view(&r.routing, now, snapshot, |v| v),
                write_freeze: view(&r.write_freeze, now, snapshot, |v| v),
                integrity: view(&r.integrity, now, snapshot, |v| v),
                alarms: view(&r.alarms, now, snapshot, |v| v),
                capacity: view(&r.capacity, now, snapshot, |v| v),
                secrets: view(&r.secrets, now, snapshot, |v| v),
                healthy_targets: view(&r.healthy_targets, now, snapshot, |v| v),
                reachable: view(&r.reachable, now, snapshot, |v| v),
                control_plane_reachable: view(&r.control_plane, now, snapshot, |v| v),
                custom: config
                    .thresholds
                    .signals
                    .iter()
                    .zip(&r.custom)
                    .map(|(s, row)| (s.name.as_str(), view(&row.signal, now, snapshot, |v| v)))
                    .collect(),
            },
        })
        .collect();
    Document {
        schema_version: SCHEMA_VERSION,
        source: if sim.is_some() { "demo" } else { "aws" },
        taken_at: now,
        incident: IncidentView {
            name: &config.incident.name,
            rpo_seconds: config.incident.rpo.as_seconds_f64(),
            rto_seconds: config.incident.rto.as_seconds_f64(),
            poll_interval_seconds: config.incident.poll_interval.as_seconds_f64(),
        },
        thresholds: ThresholdsView {
            error_rate_percent: config.thresholds.error_rate_percent,
            latency_p99_ms: config.thresholds.latency_p99.as_seconds_f64() * 1000.0,
        },
        sim,
        regions,
    }
}

/// A plain table, one column per region, one row per signal.
pub fn table(
    config: &Config,
    snapshot: &Snapshot,
    verdict: &assess::verdict::Verdict,
    now: DateTime<Utc>,
    sim: Option<SimFacts>,
) -> String {
    let text = |s: Option<String>| s.unwrap_or_else(|| "—".to_owned());
    let interval = snapshot.poll_interval;
    let tail_label = format!("latency {}", config.thresholds.latency_label);
    let tail_label = tail_label.as_str();
    let mut rows: Vec<(&str, Vec<String>)> = vec![
        (
            "role",
            snapshot
                .regions
                .iter()
                .map(|r| {
                    let serving = if r.is_serving(now, interval) { " SERVING" } else { "" };
                    format!("{}{serving}", r.role.label())
                })
                .collect(),
        ),
        (
            "requests",
            snapshot
                .regions
                .iter()
                .map(|r| text(r.requests.value.map(|v| format!("{} req/s", format::thousands(v)))))
                .collect(),
        ),
        ("5xx", snapshot.regions.iter().map(|r| text(r.error_rate.value.map(format::percent))).collect()),
        ("latency p50", snapshot.regions.iter().map(|r| text(r.latency_p50.value.map(format::millis))).collect()),
        (tail_label, snapshot.regions.iter().map(|r| text(r.latency_p99.value.map(format::millis))).collect()),
        (
            "health checks",
            snapshot
                .regions
                .iter()
                .map(|r| text(r.health.value.map(|h| format!("{}/{} {}", h.healthy, h.total, health_view(&h).status))))
                .collect(),
        ),
        (
            "database",
            snapshot
                .regions
                .iter()
                .map(|r| text(r.database.value.as_ref().map(|d| format!("{} {}", d.role.label(), d.identifier))))
                .collect(),
        ),
        (
            "replication lag",
            snapshot
                .regions
                .iter()
                .map(|r| {
                    text(r.replication_lag.value.map(|l| match l {
                        Lag::Writer => "writer".to_owned(),
                        Lag::Behind(s) => format::seconds(s),
                        Lag::NotReplicating => "not replicating".to_owned(),
                    }))
                })
                .collect(),
        ),
        (
            "routing",
            snapshot
                .regions
                .iter()
                .map(|r| {
                    text(
                        r.routing
                            .value
                            .as_ref()
                            .map(|x| format!("{} {}", x.record_set_id, if x.active { "ACTIVE" } else { "standby" })),
                    )
                })
                .collect(),
        ),
        (
            "writes",
            snapshot
                .regions
                .iter()
                .map(|r| text(r.write_freeze.value.map(|f| if f { "FROZEN".into() } else { "open".into() })))
                .collect(),
        ),
    ];
    let any = |f: &dyn Fn(&crate::model::RegionSnapshot) -> bool| snapshot.regions.iter().any(f);
    if any(&|r| r.capacity.value.is_some()) {
        let cells = snapshot.regions.iter().map(|r| {
            text(
                r.capacity
                    .value
                    .as_ref()
                    .map(|c| format!("{}/{} running (desired {})", c.running, c.needed, c.desired)),
            )
        });
        rows.push(("capacity", cells.collect()));
    }
    if any(&|r| r.alarms.value.is_some()) {
        let cells = snapshot.regions.iter().map(|r| {
            text(r.alarms.value.as_ref().map(|a| {
                use crate::model::AlarmState as S;
                format!(
                    "{} ALARM · {} OK · {} INSUFFICIENT",
                    a.count(S::Alarm),
                    a.count(S::Ok),
                    a.count(S::InsufficientData)
                )
            }))
        });
        rows.push(("alarms", cells.collect()));
    }
    if any(&|r| r.secrets.value.is_some()) {
        let cells = snapshot.regions.iter().map(|r| {
            text(r.secrets.value.as_ref().map(|s| match s.missing().len() {
                0 => format!("{} present", s.secrets.len()),
                n => format!("{n} MISSING"),
            }))
        });
        rows.push(("secrets", cells.collect()));
    }
    for (i, signal) in config.thresholds.signals.iter().enumerate() {
        let cells = snapshot
            .regions
            .iter()
            .map(|r| text(r.custom.get(i).and_then(|row| row.signal.value).map(|v| signal.unit.show(v))));
        rows.push((signal.label.as_str(), cells.collect()));
    }
    let label_width = rows.iter().map(|(l, _)| l.len()).max().unwrap_or(0) + 2;
    let column_width = rows
        .iter()
        .flat_map(|(_, cells)| cells.iter().map(|c| width(c)))
        .chain(snapshot.regions.iter().map(|r| width(&r.name)))
        .max()
        .unwrap_or(0)
        + 2;
    let mut out = format!("{} — snapshot at {}", config.incident.name, now.format("%Y-%m-%dT%H:%M:%SZ"));
    if let Some(sim) = sim {
        out.push_str(&format!(
            " (simulated: seed {}, T+{})",
            sim.seed,
            format_duration(chrono::Duration::seconds(sim.elapsed_seconds))
        ));
    }
    out.push_str(&format!(
        "\nRPO {}  RTO {}  5xx limit {}%  {} limit {}\n\n",
        format_duration(config.incident.rpo),
        format_duration(config.incident.rto),
        config.thresholds.error_rate_percent,
        config.thresholds.latency_label,
        format_duration(config.thresholds.latency_p99)
    ));
    out.push_str(&format!("{:label_width$}", ""));
    for r in &snapshot.regions {
        out.push_str(&format!("{:column_width$}", r.name));
    }
    out.truncate(out.trim_end().len());
    out.push('\n');
    for (label, cells) in rows {
        out.push_str(&format!("{label:label_width$}"));
        for cell in cells {
            out.push_str(&pad(&cell, column_width));
        }
        out.truncate(out.trim_end().len());
        out.push('\n');
    }
    for r in &verdict.regions {
        if !r.findings.is_empty() {
            let text = r.findings.iter().map(|f| f.text.as_str()).collect::<Vec<_>>().join(" · ");
            out.push_str(&format!("\n▲ {}: {text}", r.name));
        }
    }
    if let Some(split) = &verdict.split {
        out.push_str(&format!("\n▲ split brain: {}", split.text));
    }
    for line in verdict.unknown_lines(&[]) {
        out.push_str(&format!("\n? {line}"));
    }
    for fix in verdict.fixes() {
        out.push_str(&format!("\n  fix: {fix}"));
    }
    out.push_str(if verdict.all_ok() { "\n✓ all regions within thresholds\n" } else { "\n" });
    out
}

/// The snapshot after one round of every poller.
pub async fn poll_snapshot(live: &std::sync::Arc<Live>) -> Snapshot {
    let config = &live.config;
    let mut snapshot = config.empty_snapshot();
    snapshot.fold(aws::poll_all(live).await);
    snapshot
}

/// `warroom snapshot --config FILE [--json]`.
pub fn snapshot(path: &Path, json: bool) -> Result<Rendered, Failure> {
    let config = load_config(path)?;
    let runtime = runtime()?;
    let (snapshot, live) = runtime.block_on(async {
        let live = connect(config).await;
        (poll_snapshot(&live).await, live)
    });
    render(&live.config, &snapshot, Utc::now(), None, json)
}
