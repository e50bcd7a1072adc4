//! The flight recorder (issue 16): its size over a day, and what a crash costs it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use chrono::{Duration, TimeZone, Utc};
use warroom::config::Config;
use warroom::scribe::recorder::{BATCH_SECONDS, Recorder, path_beside, read};
use warroom::sim::{World, demo_timeline};

/// 8 MB per 24 hours for 2 regions at the demo's 5 s poll (issue 16).
const DAY_BOUND: u64 = 8 * 1024 * 1024;

#[test]
fn a_day_at_a_five_second_poll_stays_within_eight_megabytes() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("day.jsonl");
    let config = Config::demo();
    let epoch = Utc.with_ymd_and_hms(2026, 11, 24, 3, 0, 0).unwrap();
    let mut world = World::new(&config.regions, 42, epoch, demo_timeline()).with_signals(&config.thresholds.signals);
    let mut readings = 0usize;
    {
        let mut recorder = Recorder::beside(&journal).unwrap();
        for poll in 0..(24 * 3600 / 5) {
            let now = epoch + Duration::seconds(poll * 5);
            world.advance_to(now);
            for update in world.poll_all(now) {
                recorder.record(&update);
                readings += 1;
            }
        }
    }
    let size = std::fs::metadata(path_beside(&journal)).unwrap().len();
    let per_reading = size as f64 / readings as f64;
    assert!(size <= DAY_BOUND, "{size} bytes for {readings} readings ({per_reading:.2} B each)");
    let back = read(&path_beside(&journal)).unwrap();
    assert_eq!(back.updates.len(), readings, "every reading reads back");
    assert!(!back.torn);
    eprintln!("24 h, 2 regions, 5 s poll: {size} bytes, {readings} readings, {per_reading:.2} B/reading");
}

#[test]
fn a_crash_loses_at_most_the_last_batch_and_no_journal_entry() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("crash.jsonl");
    let helper = common::helper_program("recorder_writer");
    let mut child = Command::new(helper).arg(&journal).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut acked = (0i64, 0u64);
    // Past a few batches of simulated time, then kill -9 mid-stride.
    while acked.0 < 4 * BATCH_SECONDS + 3 {
        let line = lines.next().unwrap().unwrap();
        let mut parts = line.split_whitespace().skip(1);
        acked = (parts.next().unwrap().parse().unwrap(), parts.next().unwrap().parse().unwrap());
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let (entries, _) = warroom::scribe::journal::read_file(&journal).unwrap();
    assert!(entries.iter().any(|e| e.seq == acked.1), "every acknowledged entry is in the journal");
    let recording = read(&path_beside(&journal)).unwrap();
    let epoch = Utc.with_ymd_and_hms(2026, 11, 24, 3, 0, 0).unwrap();
    let newest = recording.updates.iter().map(|u| u.observed_at).max().expect("earlier batches were written");
    let lost = (epoch + Duration::seconds(acked.0)) - newest;
    assert!(
        lost <= Duration::seconds(2 * BATCH_SECONDS),
        "at most the batch being gathered is lost: newest recorded {newest}, acknowledged poll {}",
        acked.0
    );
}
