//! The one interactive loop, shared by `demo`, `drill` and live mode. It is the single owner
//! of `App`: it waits on terminal events, signals, and whatever drives the world (a
//! `Driver`: pollers and an executor, or the stepped drill), and redraws only when something
//! visible changed, at most every `MIN_FRAME` (updates arriving faster are coalesced).
//!
//! The terminal is taken once here and given back on every way out: quit, error, panic, a
//! signal (SIGTERM, SIGHUP, SIGINT, SIGQUIT: journaled, exit 128+n) and around a suspend.

use std::future::Future;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Utc};
use crossterm::event::{Event, EventStream};
use futures_util::StreamExt;
use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio::sync::mpsc;
use tokio::time::{Instant, MissedTickBehavior};

use super::tui;
use crate::actions::Outcome;
use crate::app::{App, Msg};
use crate::model::Update;
use crate::runtime::exit::{Exit, Failure};
use crate::ui;

/// Fastest redraw rate when data streams in (20 fps): enough to feel live, cheap on CPU.
const MIN_FRAME: StdDuration = StdDuration::from_millis(50);
const TICK: StdDuration = StdDuration::from_secs(1);
/// How often a terminal looks for what others wrote to a shared journal (issue 13: ≤ 250 ms).
pub const FOLLOW: StdDuration = StdDuration::from_millis(250);

/// The runtime the interactive modes and `run-step` run on: two workers, one per core here.
pub fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failure::runtime(format!("cannot start the async runtime: {e}")))
}

/// What moves the world the app watches. `wake` must be cancel-safe: the loop drops it
/// whenever a key or a signal comes first.
pub trait Driver {
    fn app(&mut self) -> &mut App;
    fn app_ref(&self) -> &App;
    /// Wait for the world's next news and fold it into the app; whether anything visible changed.
    fn wake(&mut self) -> impl Future<Output = bool>;
    /// After the operator's input: the drill hands the facilitator's requests to the world.
    fn after_input(&mut self) {}
}

/// Live and demo: poller updates, executor outcomes, and a 1 s clock tick.
pub struct Pollers<F> {
    pub app: App,
    pub updates: mpsc::Receiver<Update>,
    pub outcomes: Option<mpsc::Receiver<Outcome>>,
    pub now: F,
    tick: tokio::time::Interval,
    /// Publishes the world for joined terminals when this session hosts its incident.
    pub publisher: Option<super::host::Publisher>,
    /// Publishes the snapshot to a DynamoDB store for `--follow` terminals (live mode).
    pub store_publisher: Option<super::host::StorePublisher>,
}

impl<F: Fn() -> DateTime<Utc>> Pollers<F> {
    pub fn new(app: App, updates: mpsc::Receiver<Update>, outcomes: Option<mpsc::Receiver<Outcome>>, now: F) -> Self {
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
        Self { app, updates, outcomes, now, tick, publisher: None, store_publisher: None }
    }
}

impl<F: Fn() -> DateTime<Utc>> Driver for Pollers<F> {
    fn app(&mut self) -> &mut App {
        &mut self.app
    }
    fn app_ref(&self) -> &App {
        &self.app
    }
    async fn wake(&mut self) -> bool {
        let changed = self.next_news().await;
        if let Some(p) = self.publisher.as_mut() {
            p.publish(&self.app);
        }
        if let Some(p) = self.store_publisher.as_mut() {
            p.publish(&self.app);
        }
        changed
    }
}

impl<F: Fn() -> DateTime<Utc>> Pollers<F> {
    async fn next_news(&mut self) -> bool {
        tokio::select! {
            Some(update) = self.updates.recv() => {
                let mut dirty = self.app.handle(Msg::Update(update));
                while let Ok(update) = self.updates.try_recv() {
                    dirty |= self.app.handle(Msg::Update(update));
                }
                // Observe right away, so journaled times are as exact as the poll.
                self.app.handle(Msg::Tick((self.now)()));
                dirty
            }
            Some(outcome) = next_outcome(&mut self.outcomes) => {
                self.app.handle(Msg::Tick((self.now)()));
                self.app.handle(Msg::Outcome(outcome))
            }
            _ = self.tick.tick() => self.app.handle(Msg::Tick((self.now)())),
        }
    }
}

/// The next outcome, or never (a read-only session has no executor to hear from).
pub async fn next_outcome(outcomes: &mut Option<mpsc::Receiver<Outcome>>) -> Option<Outcome> {
    match outcomes {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

/// Take over the terminal (restored when the guard drops) and tell `app` its size.
fn open_terminal(app: &mut App) -> Result<(ratatui::DefaultTerminal, tui::TerminalGuard), Failure> {
    let (terminal, guard) = tui::enter().map_err(|e| Failure::runtime(format!("cannot set up the terminal: {e}")))?;
    let size = terminal.size().map_err(|e| Failure::runtime(format!("cannot read the terminal size: {e}")))?;
    app.handle(Msg::Resize { width: size.width, height: size.height });
    Ok((terminal, guard))
}

/// The signals that end a session, with their names; SIGTSTP suspends instead.
struct Signals {
    ending: Vec<(Signal, i32, &'static str)>,
    stop: Signal,
}

impl Signals {
    fn new() -> Result<Self, Failure> {
        let listen =
            |kind: SignalKind| signal(kind).map_err(|e| Failure::runtime(format!("cannot listen for signals: {e}")));
        use signal_hook::consts as s;
        Ok(Self {
            ending: vec![
                (listen(SignalKind::terminate())?, s::SIGTERM, "SIGTERM"),
                (listen(SignalKind::hangup())?, s::SIGHUP, "SIGHUP"),
                (listen(SignalKind::interrupt())?, s::SIGINT, "SIGINT"),
                (listen(SignalKind::quit())?, s::SIGQUIT, "SIGQUIT"),
            ],
            stop: listen(SignalKind::from_raw(s::SIGTSTP))?,
        })
    }

    /// The next signal: `Some((number, name))` to end the session, `None` to suspend.
    async fn next(&mut self) -> Option<(i32, &'static str)> {
        let ending = futures_util::future::select_all(self.ending.iter_mut().map(|(sig, n, name)| {
            Box::pin(async move {
                sig.recv().await;
                (*n, *name)
            })
        }));
        tokio::select! {
            ((n, name), _, _) = ending => Some((n, name)),
            _ = self.stop.recv() => None,
        }
    }
}

/// Run until the operator quits; `Ok` carries the closing line for stderr.
pub async fn drive(mut driver: impl Driver) -> Result<String, Failure> {
    let mut signals = Signals::new()?;
    let (mut terminal, restore_on_drop) = open_terminal(driver.app())?;
    let mut events = EventStream::new();
    let mut dirty = true;
    let mut last_draw: Option<Instant> = None;
    let mut follow = tokio::time::interval(FOLLOW);
    follow.set_missed_tick_behavior(MissedTickBehavior::Delay);

    let ended = loop {
        let frame_due = last_draw.map_or_else(Instant::now, |t| t + MIN_FRAME);
        if dirty && Instant::now() >= frame_due {
            if let Err(e) = terminal.draw(|frame| ui::draw(frame, driver.app_ref())) {
                break Err(Failure::runtime(format!("cannot draw: {e}")));
            }
            dirty = false;
            last_draw = Some(Instant::now());
        }
        if driver.app_ref().quit {
            break Ok(());
        }
        if driver.app().take_suspend() {
            if let Err(e) = tui::suspend(&mut terminal) {
                break Err(Failure::runtime(format!("cannot take the terminal back after a suspend: {e}")));
            }
            // Keys typed while stopped went to the shell; resize in case the window changed.
            if let Ok(size) = terminal.size() {
                driver.app().handle(Msg::Resize { width: size.width, height: size.height });
            }
            dirty = true;
            continue;
        }
        tokio::select! {
            event = events.next() => {
                let msg = match event {
                    Some(Ok(Event::Key(key))) => Some(Msg::Key(key)),
                    Some(Ok(Event::Paste(text))) => Some(Msg::Paste(text)),
                    Some(Ok(Event::Resize(width, height))) => Some(Msg::Resize { width, height }),
                    Some(Ok(_)) => None,
                    Some(Err(e)) => break Err(Failure::runtime(format!("cannot read the terminal: {e}"))),
                    None => break Ok(()),
                };
                if let Some(msg) = msg {
                    dirty |= driver.app().handle(msg);
                    driver.after_input();
                    if let Some(text) = driver.app().view.clipboard.take() {
                        copy_to_clipboard(&text);
                    }
                }
            }
            signal = signals.next() => match signal {
                Some((number, name)) => {
                    // Named, as a quit is: the entry is warroom's, the session was a person's.
                    let who = driver.app_ref().scribe.author.clone();
                    driver.app().end_session(&format!("{who}'s session ended by signal {name}"));
                    break Err(Failure { exit: Exit::Signal(number as u8), message: driver.app_ref().closing_line(name) });
                }
                None => driver.app().request_suspend(),
            },
            changed = driver.wake() => dirty |= changed,
            _ = follow.tick() => dirty |= driver.app().follow_journal(),
            () = tokio::time::sleep_until(frame_due), if dirty => {}
        }
    };
    drop(restore_on_drop);
    // The terminal is back: what this session's journal still holds goes out now, and what
    // cannot is named (a shared store's spool), before anything else is said.
    let held = driver.app().scribe.finish(crate::aws::shared_journal::FINISH_WAIT);
    match (&held, &ended) {
        (Ok(Some(text)), _) | (Err(text), Err(_)) => crate::text::sanitize::eprint_line(&format!("warroom: {text}")),
        _ => {}
    }
    ended?;
    held.map_err(Failure::runtime)?;
    let app = driver.app();
    if app.interrupted {
        let sigint = signal_hook::consts::SIGINT as u8;
        return Err(Failure { exit: Exit::Signal(sigint), message: app.closing_line("Ctrl-C twice") });
    }
    Ok(app.closing_line(""))
}

/// OSC 52: the terminal (or tmux with set-clipboard) puts `text` on the clipboard. The text is
/// already inert, and base64 carries it, so nothing in it can act on the terminal.
fn copy_to_clipboard(text: &str) {
    use base64::Engine as _;
    use std::io::Write as _;
    let encoded = base64::engine::general_purpose::STANDARD.encode(text);
    let mut out = std::io::stdout().lock();
    let _ = write!(out, "\x1b]52;c;{encoded}\x07").and_then(|()| out.flush());
}

/// `drive` with live or simulated pollers.
pub async fn run(
    app: App,
    rx: mpsc::Receiver<Update>,
    outcomes: Option<mpsc::Receiver<Outcome>>,
    now: impl Fn() -> DateTime<Utc>,
) -> Result<String, Failure> {
    drive(Pollers::new(app, rx, outcomes, now)).await
}
