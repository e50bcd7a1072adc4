//! A small fixed-iteration timing harness shared by the benches (no extra dependency):
//! warm up, time each iteration, report median, p99 and max against a target.
#![allow(dead_code, clippy::print_stdout)]

use std::time::{Duration, Instant};

pub struct Stats {
    pub median: Duration,
    pub p99: Duration,
    pub max: Duration,
}

pub fn measure(iterations: usize, mut f: impl FnMut()) -> Stats {
    for _ in 0..iterations / 10 + 1 {
        f();
    }
    let mut times: Vec<Duration> = (0..iterations)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    times.sort();
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    Stats { median: at(0.5), p99: at(0.99), max: at(1.0) }
}

/// Print a result line; true when the median meets `target` (or there is none).
pub fn report(name: &str, s: &Stats, target: Option<Duration>) -> bool {
    let verdict = match target {
        Some(t) if s.median <= t => format!("ok (target {t:?})"),
        Some(t) => format!("MISSED (target {t:?})"),
        None => String::new(),
    };
    println!("{name:<48} median {:>10.3?}  p99 {:>10.3?}  max {:>10.3?}  {verdict}", s.median, s.p99, s.max);
    target.is_none_or(|t| s.median <= t)
}

/// The dashboard ten minutes into the default incident (the primary is down, every sparkline
/// is full), at a fixed epoch: what the frame benchmarks draw.
pub fn incident_app(regions: usize) -> warroom::app::App {
    incident_app_with(regions, 0)
}

/// The same, with `more` custom rows on top of the demo's (every column then has 6 + `more`
/// rows beyond the built-in ones: capacity, alarms, secrets and the demo's three signals).
pub fn incident_app_with(regions: usize, more: usize) -> warroom::app::App {
    use chrono::TimeZone as _;
    let mut config = warroom::config::Config::demo();
    config.regions = warroom::config::Config::default_regions(regions);
    let template = config.thresholds.signals[0].clone();
    for i in 0..more {
        let mut extra = template.clone();
        extra.name = format!("extra-{i}");
        extra.label = format!("Extra {i}");
        config.thresholds.signals.push(extra);
    }
    let epoch = chrono::Utc.with_ymd_and_hms(2026, 11, 24, 3, 0, 0).unwrap();
    warroom::runtime::session::replayed_app(
        &config,
        42,
        epoch,
        chrono::Duration::minutes(10),
        warroom::theme::Theme::fallback(false),
    )
}
