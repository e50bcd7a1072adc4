//! The DynamoDB store through the emulator (moto, pinned, installed into target/ on first
//! use as the tests do). Run: `cargo bench --bench store`.
//!
//! * propagation between two processes: a child appends at irregular moments through its
//!   spool and uploader; this process follows as a terminal does; p50/p99 of the time from
//!   an entry's append to its arrival (target p99 ≤ 2 s);
//! * the size of one published snapshot, for the capacity figures in docs/performance.md.
//!
//! The emulator scans every item of a partition on `Query` (about 80 ms at 10k items), so the
//! 100k-entry follower figures stay with the file store (`benches/team.sh`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout, clippy::panic)]

#[path = "../tests/common/moto.rs"]
#[allow(dead_code)]
mod moto;
#[path = "../tests/common/store.rs"]
#[allow(dead_code)]
mod store;
mod support;

use std::time::{Duration, Instant};

use chrono::Utc;
use warroom::aws::shared_journal::{DynamoJournal, StoreRegion};
use warroom::scribe::{Draft, JournalStore, Kind};

const ENTRIES: usize = 100;

fn regions(url: &str) -> Vec<StoreRegion> {
    store::regions([url, url], true)
}

/// Child: append ENTRIES notes 50–450 ms apart.
fn writer(url: &str, spool: &std::path::Path) {
    let mut store =
        DynamoJournal::open("bench", "warroom-incidents", regions(url), spool, chrono::Duration::seconds(60)).unwrap();
    let mut rng = warroom::sim::SplitMix64::new(11);
    for i in 0..ENTRIES {
        std::thread::sleep(Duration::from_millis(50 + rng.next_u64() % 400));
        store.append(Draft::new(Utc::now(), "writer", Kind::Note, format!("note {i}"))).unwrap();
    }
    let start = Instant::now();
    while store.status().spooled > 0 && start.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn main() {
    if let (Ok(url), Ok(spool)) = (std::env::var("WARROOM_BENCH_URL"), std::env::var("WARROOM_BENCH_SPOOL")) {
        return writer(&url, std::path::Path::new(&spool));
    }
    let moto = moto::start();
    let dir = tempfile::Builder::new().prefix("warroom-store-bench").tempdir_in("target").unwrap();
    let mut follower = DynamoJournal::open(
        "bench",
        "warroom-incidents",
        regions(&moto.url()),
        &dir.path().join("follower.jsonl"),
        chrono::Duration::seconds(60),
    )
    .unwrap();
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .env("WARROOM_BENCH_URL", moto.url())
        .env("WARROOM_BENCH_SPOOL", dir.path().join("writer.jsonl"))
        .spawn()
        .unwrap();
    let mut delays = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(180);
    while delays.len() < ENTRIES && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
        let seen = Utc::now();
        for e in follower.follow().unwrap() {
            if e.author == "writer" {
                delays.push((seen - e.at).to_std().unwrap_or_default());
            }
        }
    }
    let _ = child.wait();
    assert_eq!(delays.len(), ENTRIES, "every entry reached the follower");
    delays.sort();
    let q = |p: f64| delays[((delays.len() - 1) as f64 * p).round() as usize];
    let ok = q(0.99) <= Duration::from_secs(2);
    println!(
        "{:<48} p50 {:>10.3?}  p99 {:>10.3?}  max {:>10.3?}  {}",
        format!("propagation through the emulator ({ENTRIES} entries)"),
        q(0.5),
        q(0.99),
        q(1.0),
        if ok { "ok (target p99 2s)" } else { "MISSED (target p99 2s)" }
    );
    let app = support::incident_app(2);
    let published = warroom::aws::shared_snapshot::PublishedSnapshot {
        publisher: "ana@bastion".into(),
        published_at: Utc::now(),
        snapshot: app.snapshot.clone(),
    };
    let bytes = serde_json::to_vec(&published).unwrap().len();
    println!(
        "{:<48} {bytes} bytes ({} write units per publication)",
        "one published snapshot, 2 regions",
        bytes.div_ceil(1024)
    );
    if !ok {
        std::process::exit(1);
    }
}
