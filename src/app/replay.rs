//! The app as a replay shows it (`warroom replay`): what the replay bar says, the moves its
//! keys ask for (carried out by the replay loop, which owns the recording), and the rule
//! that a replay changes nothing: no entry, no step, no executor.

use chrono::{DateTime, Utc};

use super::App;
use super::keys::Command;

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
