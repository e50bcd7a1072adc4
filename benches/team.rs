//! A shared journal under several processes. Run: `cargo bench --bench team`.
//!
//! * 5 processes appending to one journal at once: each append's latency (lock, read what
//!   the others wrote, append, fsync), p50/p99/max over every append of every process;
//! * propagation: one process appends at irregular moments, another follows as a terminal
//!   does (every `event_loop::FOLLOW`); the time from an entry's append to the moment the
//!   follower has it, p50/p99 (target p99 ≤ 1 s).
//!
//! The children are this bench binary run again with `WARROOM_BENCH_CHILD` set. Idle CPU of
//! 20 joined terminals on a 100k-entry journal is whole-process: `benches/team.sh`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::io::{BufRead, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::Utc;
use warroom::scribe::{Draft, FileJournal, JournalStore, Kind};

const WRITERS: usize = 5;
const APPENDS: usize = 300;
const PROPAGATED: usize = 200;

fn quantile(sorted: &[Duration], q: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

/// Child: append `APPENDS` notes, printing each append's latency in microseconds.
fn append_child(path: &Path, name: &str) {
    let mut journal = FileJournal::open(path).unwrap().journal;
    let mut out = std::io::stdout().lock();
    for i in 0..APPENDS {
        let draft = Draft::new(Utc::now(), name, Kind::Note, format!("{name} note {i}: replica caught up"));
        let start = Instant::now();
        journal.append(draft).unwrap();
        writeln!(out, "{}", start.elapsed().as_micros()).unwrap();
    }
}

/// Child: append `PROPAGATED` notes at irregular moments (20–180 ms apart).
fn propagation_child(path: &Path) {
    let mut journal = FileJournal::open(path).unwrap().journal;
    let mut rng = warroom::sim::SplitMix64::new(7);
    for i in 0..PROPAGATED {
        std::thread::sleep(Duration::from_millis(20 + rng.next_u64() % 160));
        journal.append(Draft::new(Utc::now(), "writer", Kind::Note, format!("note {i}"))).unwrap();
    }
}

fn child(role: &str, path: &Path, name: &str) -> std::process::Child {
    Command::new(std::env::current_exe().unwrap())
        .env("WARROOM_BENCH_CHILD", role)
        .env("WARROOM_BENCH_JOURNAL", path)
        .env("WARROOM_BENCH_NAME", name)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap()
}

fn concurrent_appends(dir: &Path) {
    let path = dir.join("appends.jsonl");
    drop(FileJournal::open(&path).unwrap());
    let children: Vec<_> = (0..WRITERS).map(|i| child("append", &path, &format!("w{i}"))).collect();
    let mut times: Vec<Duration> = Vec::new();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(out.status.success());
        for line in out.stdout.lines() {
            times.push(Duration::from_micros(line.unwrap().trim().parse().unwrap()));
        }
    }
    times.sort();
    let (entries, _) = warroom::scribe::journal::read_file(&path).unwrap();
    assert_eq!(entries.len(), WRITERS * APPENDS, "every append is in the journal");
    println!(
        "{:<48} p50 {:>10.3?}  p99 {:>10.3?}  max {:>10.3?}  ({} appends)",
        format!("append, {WRITERS} processes at once"),
        quantile(&times, 0.5),
        quantile(&times, 0.99),
        quantile(&times, 1.0),
        times.len()
    );
}

fn propagation(dir: &Path) -> bool {
    let path = dir.join("propagation.jsonl");
    let mut follower = FileJournal::open(&path).unwrap().journal;
    let writer = child("propagate", &path, "writer");
    let mut delays: Vec<Duration> = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    while delays.len() < PROPAGATED && Instant::now() < deadline {
        std::thread::sleep(warroom::runtime::event_loop::FOLLOW);
        let seen = Utc::now();
        for e in follower.follow().unwrap() {
            if e.author == "writer" {
                delays.push((seen - e.at).to_std().unwrap_or_default());
            }
        }
    }
    assert!(writer.wait_with_output().unwrap().status.success());
    assert_eq!(delays.len(), PROPAGATED, "every entry reached the follower");
    delays.sort();
    let p99 = quantile(&delays, 0.99);
    let ok = p99 <= Duration::from_secs(1);
    println!(
        "{:<48} p50 {:>10.3?}  p99 {:>10.3?}  max {:>10.3?}  {}",
        format!("propagation to a follower ({PROPAGATED} entries)"),
        quantile(&delays, 0.5),
        p99,
        quantile(&delays, 1.0),
        if ok { "ok (target p99 1s)" } else { "MISSED (target p99 1s)" }
    );
    ok
}

fn main() {
    if let Ok(role) = std::env::var("WARROOM_BENCH_CHILD") {
        let path = std::path::PathBuf::from(std::env::var_os("WARROOM_BENCH_JOURNAL").unwrap());
        let name = std::env::var("WARROOM_BENCH_NAME").unwrap_or_default();
        match role.as_str() {
            "append" => append_child(&path, &name),
            "propagate" => propagation_child(&path),
            other => {
                eprintln!("unknown bench child {other}");
                std::process::exit(2);
            }
        }
        return;
    }
    // `cargo bench` passes `--bench`; `cargo test --benches` runs this too: keep it real but short.
    let dir = tempfile::Builder::new().prefix("warroom-team-bench").tempdir_in("target").unwrap();
    concurrent_appends(dir.path());
    let ok = propagation(dir.path());
    if !ok {
        std::process::exit(1);
    }
}
