//! The interactive loop shared by `demo`, `drill` and live mode. It is the single owner of
//! `App`: it waits on terminal events, poller updates, action outcomes and a 1 s tick, and
//! redraws only when something visible changed, at most every `MIN_FRAME` (updates arriving
//! faster are coalesced into one frame).

use std::time::Duration as StdDuration;

use chrono::{DateTime, Utc};
use crossterm::event::{Event, EventStream};
use futures_util::StreamExt;
use tokio::sync::mpsc;
use tokio::time::{Instant, MissedTickBehavior};

use crate::actions::Outcome;
use crate::app::{App, Msg};
use crate::cli::Failure;
use crate::model::Update;
use crate::{tui, ui};

/// Fastest redraw rate when data streams in (20 fps): enough to feel live, cheap on CPU.
const MIN_FRAME: StdDuration = StdDuration::from_millis(50);
const TICK: StdDuration = StdDuration::from_secs(1);

/// The runtime the interactive modes and `run-step` run on: two workers, one per core here.
pub fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failure::runtime(format!("cannot start the async runtime: {e}")))
}

/// Take over the terminal (restored when the guard drops) and tell `app` its size.
pub fn open_terminal(app: &mut App) -> Result<(ratatui::DefaultTerminal, tui::TerminalGuard), Failure> {
    let (terminal, guard) = tui::enter().map_err(|e| Failure::runtime(format!("cannot set up the terminal: {e}")))?;
    let size = terminal.size().map_err(|e| Failure::runtime(format!("cannot read the terminal size: {e}")))?;
    app.handle(Msg::Resize { width: size.width, height: size.height });
    Ok((terminal, guard))
}

/// Run until the operator quits. `now` is the session's clock (virtual in the sim).
pub async fn run(
    mut app: App,
    mut rx: mpsc::Receiver<Update>,
    mut outcomes: Option<mpsc::Receiver<Outcome>>,
    now: impl Fn() -> DateTime<Utc>,
) -> Result<(), Failure> {
    let (mut terminal, _restore_on_drop) = open_terminal(&mut app)?;

    let mut events = EventStream::new();
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut dirty = true;
    let mut last_draw: Option<Instant> = None;

    loop {
        let frame_due = last_draw.map_or_else(Instant::now, |t| t + MIN_FRAME);
        if dirty && Instant::now() >= frame_due {
            if let Err(e) = terminal.draw(|frame| ui::draw(frame, &app)) {
                break Err(Failure::runtime(format!("cannot draw: {e}")));
            }
            dirty = false;
            last_draw = Some(Instant::now());
        }
        if app.quit {
            break Ok(());
        }
        tokio::select! {
            event = events.next() => match event {
                Some(Ok(Event::Key(key))) => dirty |= app.handle(Msg::Key(key)),
                Some(Ok(Event::Resize(width, height))) => dirty |= app.handle(Msg::Resize { width, height }),
                Some(Ok(_)) => {}
                Some(Err(e)) => break Err(Failure::runtime(format!("cannot read the terminal: {e}"))),
                None => break Ok(()),
            },
            Some(update) = rx.recv() => {
                dirty |= app.handle(Msg::Update(update));
                while let Ok(update) = rx.try_recv() {
                    dirty |= app.handle(Msg::Update(update));
                }
                // Observe right away, so journaled times are as exact as the poll.
                app.handle(Msg::Tick(now()));
            }
            Some(outcome) = next_outcome(&mut outcomes) => {
                app.handle(Msg::Tick(now()));
                dirty |= app.handle(Msg::Outcome(outcome));
            }
            _ = tick.tick() => dirty |= app.handle(Msg::Tick(now())),
            () = tokio::time::sleep_until(frame_due), if dirty => {}
        }
    }
}

/// The next outcome, or never (a read-only session has no executor to hear from).
async fn next_outcome(outcomes: &mut Option<mpsc::Receiver<Outcome>>) -> Option<Outcome> {
    match outcomes {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}
