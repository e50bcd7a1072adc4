//! Frame drawing and simulation cost. Run: `cargo bench --bench render`.
//!
//! A small fixed-iteration harness (no extra dependency): warm up, time each iteration,
//! report median, p99 and max. Targets come from the issue and are checked at the end.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

mod support;

use std::hint::black_box;
use std::time::Duration;

use support::{Stats, measure, report};

use chrono::{TimeZone, Utc};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use warroom::app::Msg;
use warroom::config::Config;
use warroom::sim::{World, demo_timeline};

fn frame_bench(regions: usize) -> Stats {
    frame_bench_with(regions, |_| {})
}

/// The same frame with promote's override dialog open: every frame re-judges the step's
/// guards and states the override's cost (issue 11), on top of the dashboard behind it.
fn dialog_frame_bench() -> Stats {
    frame_bench_with(2, |app| {
        let runbook = app.view.selected_runbook;
        let step = app.runs.runbooks[runbook].step("promote-database").unwrap().0;
        app.select(warroom::runbook::StepRef { runbook, step });
        app.handle(Msg::Key(crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Char('o'))));
        assert!(app.view.modal.is_some(), "the override dialog is open");
    })
}

/// Eight rows beyond the built-in ones in every column (capacity, alarms, secrets and five
/// custom rows): the charts give way, the rows are drawn and judged every frame (issue 15).
fn extra_rows_frame_bench() -> Stats {
    let mut app = support::incident_app_with(2, 2);
    app.handle(Msg::Resize { width: 160, height: 48 });
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).unwrap();
    measure(2000, || {
        terminal.draw(|f| warroom::ui::draw(f, black_box(&app))).unwrap();
    })
}

fn frame_bench_with(regions: usize, prepare: impl FnOnce(&mut warroom::app::App)) -> Stats {
    // Ten minutes in: the primary is down, every sparkline is full.
    let mut app = support::incident_app(regions);
    app.handle(Msg::Resize { width: 160, height: 48 });
    prepare(&mut app);
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).unwrap();
    measure(2000, || {
        terminal.draw(|f| warroom::ui::draw(f, black_box(&app))).unwrap();
    })
}

fn main() {
    // `cargo bench` passes `--bench`; ignore filters, this harness runs everything.
    println!("warroom render/sim benchmarks ({} cores)", std::thread::available_parallelism().map_or(1, |n| n.get()));
    let mut ok = true;
    ok &= report("draw 160x48 frame, 2 regions", &frame_bench(2), Some(Duration::from_millis(1)));
    ok &= report("draw 160x48 frame, 8 regions", &frame_bench(8), Some(Duration::from_millis(2)));
    ok &= report("draw 160x48 frame, override dialog open", &dialog_frame_bench(), Some(Duration::from_millis(1)));
    ok &=
        report("draw 160x48 frame, 8 extra rows per column", &extra_rows_frame_bench(), Some(Duration::from_millis(1)));

    let epoch = Utc.with_ymd_and_hms(2026, 11, 24, 3, 0, 0).unwrap();
    // The flight recorder's cost per poll of the demo's 2 regions (issue 16: under 5% of the
    // 1 ms frame budget), batches compressed and written included.
    let dir = tempfile::tempdir().unwrap();
    let config = Config::demo();
    let mut world = World::new(&config.regions, 42, epoch, demo_timeline()).with_signals(&config.thresholds.signals);
    let mut recorder = warroom::scribe::recorder::Recorder::beside(&dir.path().join("bench.jsonl")).unwrap();
    let polls: Vec<Vec<warroom::model::Update>> = (0..6000i64)
        .map(|poll| {
            let now = epoch + chrono::Duration::seconds(poll * 5);
            world.advance_to(now);
            world.poll_all(now)
        })
        .collect();
    let mut next = polls.iter().cycle();
    let record = measure(5000, || {
        for u in next.next().into_iter().flatten() {
            recorder.record(black_box(u));
        }
    });
    ok &= report("record one poll, 2 regions (32 readings)", &record, Some(Duration::from_micros(50)));
    let day = measure(20, || {
        let mut w = World::new(&Config::default_regions(2), 42, epoch, demo_timeline());
        w.advance_to(epoch + chrono::Duration::hours(24));
        black_box(w.observe(0));
    });
    ok &= report("simulate 24h, 2 regions (snapshot --at 24h)", &day, Some(Duration::from_millis(500)));
    let day8 = measure(10, || {
        let mut w = World::new(&Config::default_regions(8), 42, epoch, demo_timeline());
        w.advance_to(epoch + chrono::Duration::hours(24));
        black_box(w.observe(0));
    });
    ok &= report("simulate 24h, 8 regions", &day8, Some(Duration::from_millis(500)));
    if !ok {
        println!("some targets were missed");
        std::process::exit(1);
    }
}
