//! The review afterwards, on a day-long incident (issue 16). Run: `cargo bench --bench review`.
//!
//! The incident: the `primary-outage` drill run by the autopilot for 24 hours at the 5 s poll,
//! recorded, with its journal filled to 100 000 entries by notes, comms and observations
//! spread over the day. Measured: the HTML report of it (reading the journal and the
//! recording included, as `export --format html` does), seeking a replay to moments across
//! the day, and a replay frame at full speed (playing on by one 50 ms frame at the top speed,
//! then drawing 160×48).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

mod support;

use std::hint::black_box;
use std::io::Write as _;
use std::time::Duration;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use support::{measure, report};
use warroom::app::Msg;
use warroom::app::{MAX_SPEED, Player};
use warroom::scribe::entry::{Draft, Entry, Kind};
use warroom::theme::Theme;

const ENTRIES: usize = 100_000;

/// A day of the drill, recorded, and its journal filled to `ENTRIES`.
fn day_long_incident(dir: &std::path::Path) -> std::path::PathBuf {
    let journal = dir.join("day.jsonl");
    let mut scenario = warroom::drill::builtin::find("primary-outage").unwrap();
    scenario.duration = chrono::Duration::hours(24);
    let epoch = chrono::DateTime::parse_from_rfc3339("2026-11-24T03:00:00Z").unwrap().to_utc();
    let mut drill =
        warroom::modes::drill::into_journal(scenario, 42, &journal, epoch, "autopilot".into(), None).unwrap();
    drill.run_to_end();
    drop(drill);
    let written = std::fs::read_to_string(&journal).unwrap().lines().count();
    let mut file = std::fs::OpenOptions::new().append(true).open(&journal).unwrap();
    let mut out = Vec::new();
    let filler = ENTRIES - written;
    for i in 0..filler {
        let at = epoch + chrono::Duration::milliseconds((i as i64) * 86_400_000 / filler as i64);
        let (kind, author, text) = match i % 3 {
            0 => (Kind::Note, "ana", format!("checked dashboard {i}: error rate steady, queue draining")),
            1 => (Kind::Comms, "bo", format!("status page update {i}: degraded in us-east-1, serving from us-west-2")),
            _ => (Kind::Observation, "warroom", format!("observation {i}: Queue age back under its line")),
        };
        let entry =
            Entry::from_draft(Draft::new(at, author, kind, text), (written + i + 1) as u64, format!("fill{i:06}"));
        serde_json::to_writer(&mut out, &entry).unwrap();
        out.push(b'\n');
    }
    file.write_all(&out).unwrap();
    journal
}

fn main() {
    println!("warroom review benchmarks ({} cores)", std::thread::available_parallelism().map_or(1, |n| n.get()));
    let dir = tempfile::tempdir().unwrap();
    let journal = day_long_incident(dir.path());
    let recording = warroom::scribe::recorder::path_beside(&journal);
    let mut ok = true;

    let mut page = 0;
    let html = measure(3, || {
        let recorded = warroom::modes::replay::recorded(&journal, None, None).unwrap();
        let updates = recorded.recording.map(|r| r.updates).unwrap();
        let text = warroom::review::html::render(&warroom::review::html::Inputs {
            entries: &recorded.entries,
            config: &recorded.config,
            updates: Some(&updates),
            source: &recorded.source.what,
            note: None,
            zone: warroom::review::export::Zone::utc(),
        })
        .unwrap();
        page = text.len();
        black_box(text);
    });
    println!(
        "  the incident: {ENTRIES} entries ({} KB journal), a 24 h recording of {} KB; the page is {} KB",
        std::fs::metadata(&journal).unwrap().len() / 1024,
        std::fs::metadata(&recording).unwrap().len() / 1024,
        page / 1024
    );
    ok &= report("HTML report, 24 h, 100k entries, with recording", &html, Some(Duration::from_secs(2)));

    let load = measure(3, || {
        black_box(warroom::modes::replay::load(&journal, None, None).unwrap());
    });
    report("replay: read and index the journal and recording", &load, None);

    let loaded = warroom::modes::replay::load(&journal, None, None).unwrap();
    let (start, end) = (loaded.replay.start, loaded.replay.end);
    let (mut player, mut app) = Player::open(loaded.replay, &loaded.config, Theme::fallback(true), loaded.source, 1.0);
    app.handle(Msg::Resize { width: 160, height: 48 });
    // Moments across the day, in an order that jumps back and forth.
    let span = (end - start).num_seconds();
    let mut k = 0i64;
    let seek = measure(40, || {
        k += 1;
        let at = start + chrono::Duration::seconds((k * 7919 * 37) % span);
        player.seek(&mut app, black_box(at));
    });
    ok &= report("replay: seek to any moment of 24 h", &seek, Some(Duration::from_millis(200)));

    let mut terminal = Terminal::new(TestBackend::new(160, 48)).unwrap();
    player.seek(&mut app, start + chrono::Duration::hours(2));
    player.speed = MAX_SPEED;
    player.paused = false;
    let frame = measure(500, || {
        if !player.play(&mut app, Duration::from_millis(50)) || app.now >= end {
            player.seek(&mut app, start + chrono::Duration::hours(2));
            player.paused = false;
        }
        terminal.draw(|f| warroom::ui::draw(f, black_box(&app))).unwrap();
    });
    ok &= report("replay frame at full speed (×1024): play + draw", &frame, Some(Duration::from_millis(1)));
    if !ok {
        println!("some targets were missed");
        std::process::exit(1);
    }
}
