//! An incident seen again: its journal and its flight recording, indexed by time. Pure data;
//! `app::replay::Player` puts an `App` at any moment of it and `modes::replay` is the loop.
//!
//! At a moment `t` a replay shows every reading observed by `t` (the region columns and their
//! charts), every entry written by `t` (the timeline, the runbooks' state folded from it, the
//! RTO clock) and `now = t`, so guards are judged as they were then. It has no executor and
//! polls nothing. Seeking back starts from the nearest snapshot checkpoint, so any moment of
//! a day-long recording is a few thousand readings away.

use chrono::{DateTime, Utc};

use super::postmortem;
use crate::config::Config;
use crate::model::{Snapshot, Update};
use crate::scribe::Kind;
use crate::scribe::entry::Entry;
use crate::scribe::measure::{PROMOTE_STEP, measure};
use crate::scribe::recorder::Recording;

/// A checkpoint of the snapshot every this many readings.
const CHECKPOINT_EVERY: usize = 2_000;

/// What a replay key asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplayMove {
    TogglePause,
    /// One poll back (-1) or forward (+1).
    Poll(i8),
    /// The previous (-1) or next (+1) journal entry.
    Entry(i8),
    /// The previous (-1) or next (+1) named moment: impact, detected, declared, shift, …
    Moment(i8),
    /// Half (-1) or twice (+1) the speed.
    Speed(i8),
}

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

/// From the first entry or reading to the newest of either (readings in time order): what a
/// replay plays through and the report's charts span.
pub fn span(entries: &[Entry], updates: &[Update]) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let start = [entries.first().map(|e| e.at), updates.first().map(|u| u.observed_at)].into_iter().flatten().min()?;
    let newest_entry = entries.iter().map(|e| e.at).max();
    let end = [newest_entry, updates.last().map(|u| u.observed_at)].into_iter().flatten().max()?;
    Some((start, end))
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
        let updates = recording.map(|r| r.updates).unwrap_or_default();
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
        let (start, end) = span(&entries, &updates).unwrap_or((DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MIN_UTC));
        let moments = moments(&entries);
        Self { entries, due, updates, polls, checkpoints, start, end, moments, note }
    }

    /// The newest checkpoint at or before `n` readings: how many it holds, and the snapshot.
    pub fn checkpoint(&self, n: usize) -> Option<(usize, &Snapshot)> {
        self.checkpoints.iter().rev().find(|(k, _)| *k <= n).map(|(k, s)| (*k, s))
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub fn updates(&self) -> &[Update] {
        &self.updates
    }

    /// How many entries are written by `t`.
    pub fn entries_by(&self, t: DateTime<Utc>) -> usize {
        self.due.partition_point(|d| *d <= t)
    }

    /// How many readings are observed by `t`.
    pub fn updates_by(&self, t: DateTime<Utc>) -> usize {
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
