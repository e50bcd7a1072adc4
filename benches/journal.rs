//! Journal and timeline costs. Run: `cargo bench --bench journal`.
//!
//! * append with fsync, on the project disk (`target/`) and on tmpfs (`/dev/shm`);
//! * Markdown export of a 100,000-entry journal (target < 1 s);
//! * a full 160x48 frame with a 100,000-entry timeline (target < 2 ms).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

mod support;

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;
use support::{measure, report};
use warroom::app::Msg;
use warroom::config::Config;
use warroom::review::export::{Format, Zone, render};
use warroom::scribe::{Draft, Entry, FileJournal, JournalStore, Kind, Recovery, Scribe};

fn append_bench(dir: &Path, label: &str) -> bool {
    let path = dir.join(format!("warroom-bench-{}.jsonl", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let mut opened = FileJournal::open(&path).unwrap();
    let now = Utc::now();
    let mut i = 0u64;
    let stats = measure(500, || {
        i += 1;
        let draft = Draft::new(now, "ana", Kind::Note, format!("note {i}: confirmed the replica is caught up"));
        black_box(opened.journal.append(draft).unwrap());
    });
    drop(opened);
    let _ = std::fs::remove_file(&path);
    report(&format!("append + fsync, {label}"), &stats, None)
}

/// What a person's Enter costs: the scribe's save, which first checks that the journal file is
/// still there (issue 11: deleted or replaced files are re-created), then appends and fsyncs.
fn record_bench(dir: &Path, label: &str) -> bool {
    let path = dir.join(format!("warroom-bench-record-{}.jsonl", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let opened = FileJournal::open(&path).unwrap();
    let now = Utc::now();
    let incident = warroom::config::Incident::default();
    let mut scribe =
        Scribe::start(Box::new(opened.journal), opened.entries, &opened.recovery, "ana".into(), &incident, now);
    let mut i = 0u64;
    let stats = measure(500, || {
        i += 1;
        let draft = Draft::new(now, "ana", Kind::Note, format!("note {i}: confirmed the replica is caught up"));
        scribe.record(draft).unwrap();
    });
    drop(scribe);
    let _ = std::fs::remove_file(&path);
    report(&format!("save via scribe (+ file check), {label}"), &stats, None)
}

fn entries(n: u64) -> Vec<Entry> {
    let start = Utc.with_ymd_and_hms(2026, 11, 24, 3, 0, 0).unwrap();
    let kinds =
        [Kind::Note, Kind::Observation, Kind::Decision, Kind::Comms, Kind::ActionStarted, Kind::ActionSucceeded];
    (1..=n)
        .map(|seq| Entry {
            seq,
            id: format!("{seq:016x}"),
            at: start + chrono::Duration::milliseconds(seq as i64 * 500),
            author: if seq % 3 == 0 { "warroom".into() } else { "ana".into() },
            role: None,
            kind: kinds[(seq % kinds.len() as u64) as usize],
            region: (seq % 2 == 0).then(|| "us-east-1".to_owned()),
            step: None,
            text: format!("entry {seq}: 5xx rate on us-east-1 is above the threshold, paging the on-call | checked"),
            data: (seq == 10).then(|| json!({ "event": "threshold-crossed" })),
            session: Some("ana@bastion:4242".into()),
        })
        .collect()
}

fn main() {
    println!("warroom journal benchmarks ({} cores)", std::thread::available_parallelism().map_or(1, |n| n.get()));
    let mut ok = true;
    let disk = Path::new(env!("CARGO_TARGET_TMPDIR"));
    ok &= append_bench(disk, "project disk (target/)");
    ok &= record_bench(disk, "project disk (target/)");
    if Path::new("/dev/shm").is_dir() {
        ok &= append_bench(Path::new("/dev/shm"), "tmpfs (/dev/shm)");
        ok &= record_bench(Path::new("/dev/shm"), "tmpfs (/dev/shm)");
    }

    let big = entries(100_000);
    let export = measure(10, || {
        black_box(render(&big, Format::Md, Zone::utc()));
    });
    ok &= report("export 100,000 entries to Markdown", &export, Some(Duration::from_secs(1)));
    let csv = measure(10, || {
        black_box(render(&big, Format::Csv, Zone::parse("Europe/Berlin").unwrap()));
    });
    ok &= report("export 100,000 entries to CSV (Europe/Berlin)", &csv, None);

    let mut app = support::incident_app(2);
    let config = Config::demo();
    app.scribe = Scribe::start(
        Box::new(warroom::scribe::MemoryJournal::default()),
        big,
        &Recovery::default(),
        "ana".into(),
        &config.incident,
        app.now,
    );
    app.handle(Msg::Resize { width: 160, height: 48 });
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).unwrap();
    let following = measure(1000, || {
        terminal.draw(|f| warroom::ui::draw(f, black_box(&app))).unwrap();
    });
    ok &= report("draw 160x48, 100,000-entry timeline, following", &following, Some(Duration::from_millis(2)));
    for _ in 0..50_000 {
        app.handle(Msg::Key(crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Up)));
    }
    let scrolled = measure(1000, || {
        terminal.draw(|f| warroom::ui::draw(f, black_box(&app))).unwrap();
    });
    ok &= report("draw 160x48, 100,000-entry timeline, mid-scroll", &scrolled, Some(Duration::from_millis(2)));
    let mut filtered = 0;
    let filter = measure(20, || {
        // Alternate decisions (1) and all (0): each press rebuilds the view.
        let key = if filtered % 2 == 0 { '1' } else { '0' };
        app.handle(Msg::Key(crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Char(key))));
        filtered += 1;
    });
    ok &= report("change the filter over 100,000 entries", &filter, None);
    if !ok {
        println!("some targets were missed");
        std::process::exit(1);
    }
}
