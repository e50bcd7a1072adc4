//! An incident seen again: its journal and its flight recording, and the dashboard as it was
//! at any moment of them. Pure data and an `App` to show it in; the terminal loop is
//! `modes::replay`.
//!
//! At a moment `t` the app holds every reading observed by `t` (the region columns and their
//! charts), every entry written by `t` (the timeline, the runbooks' state folded from it, the
//! RTO clock) and `now = t`, so guards are judged as they were then. It has no executor and
//! polls nothing. Seeking back starts from the nearest snapshot checkpoint, so any moment of
//! a day-long recording is a few thousand readings away.

use chrono::{DateTime, Duration, Utc};

use super::postmortem;
use crate::app::{App, ReplayBar, ReplayMove};
use crate::config::Config;
use crate::model::{Snapshot, Update};
use crate::scribe::entry::Entry;
use crate::scribe::measure::{PROMOTE_STEP, measure};
use crate::scribe::recorder::Recording;
use crate::scribe::{Kind, Scribe, Timeline};
use crate::theme::Theme;

/// A checkpoint of the snapshot every this many readings.
const CHECKPOINT_EVERY: usize = 2_000;
/// Moving forward past more entries than this rebuilds the timeline once instead of
/// measuring it again after each.
const PUSH_AT_MOST: usize = 64;
pub const MIN_SPEED: f64 = 0.25;
pub const MAX_SPEED: f64 = 1024.0;

/// A named moment of the incident, for the `m` key and the report's markers.
#[derive(Clone, Debug, PartialEq)]
pub struct Moment {
    pub label: &'static str,
    pub at: DateTime<Utc>,
}

/// The incident as recorded: entries in journal order, readings in time order.
#[derive(Debug)]
pub struct Replay {
    entries: Vec<Entry>,
    /// The newest entry time so far, entry by entry: a journal merged from terminals whose
    /// clocks differ is shown in journal order, each entry once its predecessors are due.
    due: Vec<DateTime<Utc>>,
    updates: Vec<Update>,
    /// Distinct reading times: the polls `[` and `]` step between.
    polls: Vec<DateTime<Utc>>,
    /// (readings applied, the snapshot then), the first being the empty snapshot.
    checkpoints: Vec<(usize, Snapshot)>,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub moments: Vec<Moment>,
    /// Said on the replay bar: no recording, or its end was torn.
    pub note: Option<String>,
}

/// The moments a reviewer jumps between, in time order: the review's own (impact, detected,
/// declared, shifted, recovered) and the promotion.
pub fn moments(entries: &[Entry]) -> Vec<Moment> {
    let m = measure(entries);
    let promoted = entries
        .iter()
        .find(|e| e.kind == Kind::ActionSucceeded && e.step.as_deref() == Some(PROMOTE_STEP))
        .map(|e| ("promoted", e.at));
    let mut out: Vec<Moment> =
        postmortem::moments(entries, &m).into_iter().chain(promoted).map(|(label, at)| Moment { label, at }).collect();
    out.sort_by_key(|m| m.at);
    out
}

impl Replay {
    /// `recording` is `None` when the journal has none beside it: the replay shows the
    /// timeline and runbooks, and says the regions have no readings.
    pub fn new(config: &Config, entries: Vec<Entry>, recording: Option<Recording>) -> Self {
        let note = match &recording {
            None => Some("no recording beside the journal: no readings to show".to_owned()),
            Some(r) if r.torn => Some("the recording's last batch was torn (a crash): it ends early".to_owned()),
            Some(_) => None,
        };
        let mut updates = recording.map(|r| r.updates).unwrap_or_default();
        updates.sort_by_key(|u| u.observed_at);
        let mut due = Vec::with_capacity(entries.len());
        let mut newest = DateTime::<Utc>::MIN_UTC;
        for e in &entries {
            newest = newest.max(e.at);
            due.push(newest);
        }
        let mut polls: Vec<DateTime<Utc>> = updates.iter().map(|u| u.observed_at).collect();
        polls.dedup();
        let mut snapshot = config.empty_snapshot();
        let mut checkpoints = vec![(0, snapshot.clone())];
        for (i, u) in updates.iter().enumerate() {
            snapshot.apply(u.clone());
            if (i + 1) % CHECKPOINT_EVERY == 0 {
                checkpoints.push((i + 1, snapshot.clone()));
            }
        }
        let firsts = [entries.first().map(|e| e.at), polls.first().copied()];
        let lasts = [due.last().copied(), polls.last().copied()];
        let start = firsts.into_iter().flatten().min().unwrap_or(DateTime::<Utc>::MIN_UTC);
        let end = lasts.into_iter().flatten().max().unwrap_or(start);
        let moments = moments(&entries);
        Self { entries, due, updates, polls, checkpoints, start, end, moments, note }
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub fn updates(&self) -> &[Update] {
        &self.updates
    }

    /// How many entries are written by `t`.
    fn entries_by(&self, t: DateTime<Utc>) -> usize {
        self.due.partition_point(|d| *d <= t)
    }

    /// How many readings are observed by `t`.
    fn updates_by(&self, t: DateTime<Utc>) -> usize {
        self.updates.partition_point(|u| u.observed_at <= t)
    }

    /// The moment a move from `t` lands on (the same `t` when there is nowhere to go).
    pub fn target(&self, t: DateTime<Utc>, mv: ReplayMove) -> DateTime<Utc> {
        let moments: Vec<DateTime<Utc>>;
        let (times, d): (&[DateTime<Utc>], i8) = match mv {
            ReplayMove::Poll(d) => (&self.polls, d),
            ReplayMove::Entry(d) => (&self.due, d),
            ReplayMove::Moment(d) => {
                moments = self.moments.iter().map(|m| m.at).collect();
                (&moments, d)
            }
            ReplayMove::TogglePause | ReplayMove::Speed(_) => return t,
        };
        // Every list is in time order.
        let found = if d > 0 {
            times.get(times.partition_point(|x| *x <= t)).copied()
        } else {
            times.partition_point(|x| *x < t).checked_sub(1).and_then(|i| times.get(i)).copied()
        };
        found.unwrap_or(t)
    }

    pub fn next_moment(&self, t: DateTime<Utc>) -> Option<&Moment> {
        self.moments.iter().find(|m| m.at > t)
    }

    /// The moment named `label` (`declared`, `shifted` or `shift`, …), for `--at shift`.
    pub fn moment(&self, label: &str) -> Option<DateTime<Utc>> {
        let label = if label == "shift" { "shifted" } else { label };
        self.moments.iter().find(|m| m.label == label).map(|m| m.at)
    }
}

/// What is replayed, for the bar and the timeline's title.
#[derive(Clone, Debug, PartialEq)]
pub struct Source {
    /// "drill primary-outage", "demo", "config warroom.toml".
    pub what: String,
    /// The journal's path.
    pub journal: String,
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
            if let Some((from, snapshot)) = self.replay.checkpoints.iter().rev().find(|(n, _)| *n <= updates) {
                app.snapshot = snapshot.clone();
                self.applied = *from;
            }
        }
        for u in &self.replay.updates[self.applied..updates] {
            app.snapshot.apply(u.clone());
        }
        self.applied = updates;
        if entries < self.shown || entries - self.shown > PUSH_AT_MOST {
            let shown = &self.replay.entries[..entries];
            app.scribe.timeline = app.scribe.timeline.over(shown.to_vec());
            app.runs = crate::scribe::runs::replay(app.runs.runbooks.clone(), shown);
        } else {
            for e in &self.replay.entries[self.shown..entries] {
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
