//! The app as a replay shows it (`warroom replay`): the `Player` that puts it at any moment
//! of a recorded incident (`review::replay`), what the replay bar says, the moves its keys
//! ask for, and the rule that a replay changes nothing: no entry, no step, no executor.

use chrono::{DateTime, Duration, Utc};

use super::App;
use super::keys::Command;
use crate::config::Config;
pub use crate::review::replay::ReplayMove;
use crate::review::replay::{Replay, Source};
use crate::scribe::{Scribe, Timeline};
use crate::theme::Theme;

/// Moving forward past more entries than this rebuilds the timeline once instead of
/// measuring it again after each.
const PUSH_AT_MOST: usize = 64;
pub const MIN_SPEED: f64 = 0.25;
pub const MAX_SPEED: f64 = 1024.0;

/// The replay bar's facts, refreshed by the replay loop after every move.
#[derive(Clone, Debug, PartialEq)]
pub struct ReplayBar {
    /// What is replayed: "drill primary-outage", "demo", "config warroom.toml".
    pub source: String,
    /// The journal replayed, for the timeline's title.
    pub journal: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub speed: f64,
    pub paused: bool,
    /// The next named moment after the replayed time, as (label, time).
    pub next_moment: Option<(&'static str, DateTime<Utc>)>,
    /// Why there are no readings, or that the recording's end was torn.
    pub note: Option<String>,
    /// Moves asked for by keys, for the replay loop to carry out.
    pub moves: Vec<ReplayMove>,
}

/// What a replay refuses: everything that would write an entry or act on a step.
pub const REPLAY_CHANGES_NOTHING: &str =
    "REPLAY: it shows what was; nothing can be written or run here (the journal is read, never changed)";

impl App {
    pub fn replaying(&self) -> bool {
        self.view.replay.is_some()
    }

    /// A replay key: queued for the loop. Other commands that would change the incident are
    /// refused with a message; looking around (scrolls, search, filters, help) goes on.
    pub(super) fn replay_refuses(&mut self, command: Command) -> bool {
        if !self.replaying() {
            return false;
        }
        let acts = match command {
            // While a search is active `n` is its next match; Enter on the timeline opens an entry.
            Command::NewNote => self.scribe.timeline.search().is_none(),
            Command::Activate => self.view.focus == super::Focus::Runbook,
            other => other.changes_incident(),
        };
        if acts {
            self.say(REPLAY_CHANGES_NOTHING);
        }
        acts
    }

    pub(super) fn queue_replay_move(&mut self, command: Command) {
        let mv = match command {
            Command::ReplayPause => ReplayMove::TogglePause,
            Command::ReplayPollBack => ReplayMove::Poll(-1),
            Command::ReplayPollForward => ReplayMove::Poll(1),
            Command::ReplayEntryBack => ReplayMove::Entry(-1),
            Command::ReplayEntryForward => ReplayMove::Entry(1),
            Command::ReplayMomentBack => ReplayMove::Moment(-1),
            Command::ReplayMomentForward => ReplayMove::Moment(1),
            Command::ReplaySlower => ReplayMove::Speed(-1),
            Command::ReplayFaster => ReplayMove::Speed(1),
            _ => return,
        };
        if let Some(bar) = self.view.replay.as_mut() {
            bar.moves.push(mv);
        }
    }
}

/// A replay being shown: where it is, how fast it plays, and the app it shows in.
#[derive(Debug)]
pub struct Player {
    pub replay: Replay,
    pub at: DateTime<Utc>,
    pub speed: f64,
    pub paused: bool,
    /// Readings folded into the app's snapshot, and entries in its timeline and run state.
    applied: usize,
    shown: usize,
}

impl Player {
    /// The app a replay shows, at the start and paused: the runbooks of `config`, no
    /// executor, and a timeline of the journal's own entries only.
    pub fn open(replay: Replay, config: &Config, theme: Theme, source: Source, speed: f64) -> (Self, App) {
        let mut scribe = Scribe::in_memory("replay", &config.incident, replay.start);
        // The in-memory journal's own "opened" entry is not the incident's.
        scribe.timeline = Timeline::default();
        let mut app = App::new(config, config.runbooks.clone(), theme, scribe, None, replay.start);
        app.view.replay = Some(ReplayBar {
            source: source.what,
            journal: source.journal,
            start: replay.start,
            end: replay.end,
            speed,
            paused: true,
            next_moment: None,
            note: replay.note.clone(),
            moves: Vec::new(),
        });
        let start = replay.start;
        let mut player = Self { replay, at: start, speed, paused: true, applied: 0, shown: 0 };
        player.seek(&mut app, start);
        (player, app)
    }

    /// Show the incident as it was at `t` (within the recording).
    pub fn seek(&mut self, app: &mut App, t: DateTime<Utc>) {
        let t = t.clamp(self.replay.start, self.replay.end);
        let (updates, entries) = (self.replay.updates_by(t), self.replay.entries_by(t));
        if updates < self.applied {
            // The first checkpoint is the empty snapshot, so one is always found.
            if let Some((from, snapshot)) = self.replay.checkpoint(updates) {
                app.snapshot = snapshot.clone();
                self.applied = from;
            }
        }
        for u in self.replay.updates().get(self.applied..updates).unwrap_or_default() {
            app.snapshot.apply(u.clone());
        }
        self.applied = updates;
        if entries < self.shown || entries - self.shown > PUSH_AT_MOST {
            let shown = self.replay.entries().get(..entries).unwrap_or_default();
            app.scribe.timeline = app.scribe.timeline.over(shown.to_vec());
            app.runs = crate::scribe::runs::replay(app.runs.runbooks.clone(), shown);
        } else {
            for e in self.replay.entries().get(self.shown..entries).unwrap_or_default() {
                crate::scribe::runs::apply(&mut app.runs, e);
                app.scribe.timeline.push(e.clone());
            }
        }
        self.shown = entries;
        self.at = t;
        app.now = t;
        if t >= self.replay.end {
            self.paused = true;
        }
        self.refresh_bar(app);
    }

    /// Play on by `real` wall time at the current speed; whether the replayed time moved.
    pub fn play(&mut self, app: &mut App, real: std::time::Duration) -> bool {
        if self.paused {
            return false;
        }
        let step = Duration::milliseconds((real.as_secs_f64() * 1000.0 * self.speed) as i64);
        self.seek(app, self.at + step);
        true
    }

    /// Carry out what the replay keys asked for.
    pub fn take_moves(&mut self, app: &mut App) -> bool {
        let moves = app.view.replay.as_mut().map(|b| std::mem::take(&mut b.moves)).unwrap_or_default();
        let moved = !moves.is_empty();
        for mv in moves {
            self.apply(app, mv);
        }
        moved
    }

    pub fn apply(&mut self, app: &mut App, mv: ReplayMove) {
        match mv {
            ReplayMove::TogglePause => {
                // Play at the end starts again from the beginning.
                if self.paused && self.at >= self.replay.end {
                    self.seek(app, self.replay.start);
                }
                self.paused = !self.paused;
                self.refresh_bar(app);
            }
            ReplayMove::Speed(d) => {
                self.speed = if d > 0 { self.speed * 2.0 } else { self.speed / 2.0 }.clamp(MIN_SPEED, MAX_SPEED);
                self.refresh_bar(app);
            }
            ReplayMove::Poll(_) | ReplayMove::Entry(_) | ReplayMove::Moment(_) => {
                // Stepping is looking closely: it pauses.
                self.paused = true;
                let to = self.replay.target(self.at, mv);
                self.seek(app, to);
            }
        }
    }

    fn refresh_bar(&self, app: &mut App) {
        let next = self.replay.next_moment(self.at).map(|m| (m.label, m.at));
        if let Some(bar) = app.view.replay.as_mut() {
            bar.speed = self.speed;
            bar.paused = self.paused;
            bar.next_moment = next;
        }
    }
}
