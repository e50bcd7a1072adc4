//! The child process of `recorder::a_crash_loses_at_most_the_last_batch_and_no_journal_entry`:
//! a session on the journal named by its argument, fed by the simulated world at a 1 s poll
//! as fast as it can go, journaling a note every poll and printing `ACK <poll> <seq>` once
//! the note is on disk. Built as an example so that it is a program, not a test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::io::Write;
use std::path::PathBuf;

use chrono::{Duration, TimeZone, Utc};
use warroom::config::Config;
use warroom::scribe::{Draft, Kind};
use warroom::sim::{World, demo_timeline};

fn main() {
    let Some(path) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: recorder_writer JOURNAL");
        std::process::exit(2);
    };
    let config = Config::demo();
    let epoch = Utc.with_ymd_and_hms(2026, 11, 24, 3, 0, 0).unwrap();
    let (mut scribe, _) =
        warroom::runtime::session::open_scribe(Some(&path), &config.incident, epoch, epoch, "child".into(), None)
            .unwrap();
    // Alone on the journal, this session is the fact writer, which records.
    scribe.start_recording();
    assert!(scribe.recorder.is_some(), "the session records");
    let mut world = World::new(&config.regions, 3, epoch, demo_timeline()).with_signals(&config.thresholds.signals);
    let mut out = std::io::stdout().lock();
    for poll in 0i64.. {
        let now = epoch + Duration::seconds(poll);
        world.advance_to(now);
        for update in world.poll_all(now) {
            scribe.recorder.as_mut().unwrap().record(&update);
        }
        scribe.record(Draft::new(now, "child", Kind::Note, format!("poll {poll}"))).unwrap();
        let seq = scribe.timeline.entries().last().unwrap().seq;
        writeln!(out, "ACK {poll} {seq}").unwrap();
        out.flush().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
}
