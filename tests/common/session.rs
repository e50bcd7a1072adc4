//! Driving a live sim session (world, executor, app) from a test, as the app loop would.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use warroom::app::{App, Msg};
use warroom::config::Config;
use warroom::runtime::session::{Session, start_session};
use warroom::scribe::{Entry, Kind, Scribe};
use warroom::sim::SimClock;
use warroom::theme::Theme;

/// Simulated seconds per real second: a 3-minute promotion takes 0.3 s.
pub const SPEED: f64 = 600.0;

pub fn session(read_only: bool) -> Session {
    session_with(&Config::demo(), read_only)
}

pub fn session_with(config: &Config, read_only: bool) -> Session {
    let config = config.clone();
    let clock = SimClock::new(super::epoch(), SPEED);
    let scribe = Scribe::in_memory("ic", &config.incident, clock.epoch());
    start_session(&config, 42, clock, Theme::fallback(false), scribe, read_only)
}

/// One turn of the app loop: poll every region, deliver outcomes, tick.
pub fn turn(s: &mut Session) {
    s.turn();
}

/// Run turns until `done` holds (or fail, saying what was awaited).
pub async fn until(s: &mut Session, what: &str, done: impl Fn(&App) -> bool) {
    let start = Instant::now();
    loop {
        turn(s);
        if done(&s.app) {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "gave up waiting for {what}; message: {:?}",
            s.app.view.message
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

pub fn press(app: &mut App, code: KeyCode) {
    app.handle(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

pub fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        press(app, KeyCode::Char(c));
    }
}

pub fn clear_input(app: &mut App) {
    app.handle(Msg::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)));
}

/// Select a step of the current runbook by id.
pub fn select(app: &mut App, id: &str) {
    let runbook = app.view.selected_runbook;
    let step = app.runs.runbooks[runbook].step(id).unwrap_or_else(|| panic!("no step {id}")).0;
    app.select(warroom::runbook::StepRef { runbook, step });
}

pub fn entries_for<'a>(app: &'a App, step: &str, kind: Kind) -> Vec<&'a Entry> {
    app.scribe.timeline.entries().iter().filter(|e| e.step.as_deref() == Some(step) && e.kind == kind).collect()
}
