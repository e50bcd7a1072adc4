//! Roles on a shared incident, a ladder: an observer writes nothing, a scribe writes notes,
//! decisions, comms and pins, an operator also runs steps, a commander also declares (and,
//! later, approves). A facilitator runs a drill's faults. A terminal's role is shown in the
//! header and written on every entry it makes.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TeamRole {
    Observer,
    Scribe,
    Operator,
    Commander,
    /// Drills: the facilitator injects faults; ranked with the commander for the journal.
    Facilitator,
}

impl TeamRole {
    pub const ALL: [TeamRole; 5] =
        [TeamRole::Observer, TeamRole::Scribe, TeamRole::Operator, TeamRole::Commander, TeamRole::Facilitator];

    pub fn name(self) -> &'static str {
        match self {
            TeamRole::Observer => "observer",
            TeamRole::Scribe => "scribe",
            TeamRole::Operator => "operator",
            TeamRole::Commander => "commander",
            TeamRole::Facilitator => "facilitator",
        }
    }

    /// The role in a narrow header.
    pub fn short(self) -> &'static str {
        match self {
            TeamRole::Observer => "obs",
            TeamRole::Scribe => "scribe",
            TeamRole::Operator => "op",
            TeamRole::Commander => "cmdr",
            TeamRole::Facilitator => "facil",
        }
    }

    /// Notes, decisions, comms, pins.
    pub fn may_write(self) -> bool {
        self != TeamRole::Observer
    }

    /// Runbook steps (run, override, skip, re-run).
    pub fn may_run_steps(self) -> bool {
        matches!(self, TeamRole::Operator | TeamRole::Commander | TeamRole::Facilitator)
    }

    /// Declaring the failover (or failback) decision.
    pub fn may_declare(self) -> bool {
        matches!(self, TeamRole::Commander | TeamRole::Facilitator)
    }
}

impl fmt::Display for TeamRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for TeamRole {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|r| r.name() == s)
            .ok_or_else(|| format!("`{s}` is not a role: {}", Self::ALL.map(TeamRole::name).join(", ")))
    }
}

/// Who held which role when, read from the entries: one span per author and role, from
/// their first entry in it to their last (an author who changed role has several).
#[derive(Clone, Debug, PartialEq)]
pub struct Held {
    pub author: String,
    pub role: TeamRole,
    pub from: chrono::DateTime<chrono::Utc>,
    pub to: chrono::DateTime<chrono::Utc>,
}

pub fn held(entries: &[super::Entry]) -> Vec<Held> {
    let mut spans: Vec<Held> = Vec::new();
    for e in entries {
        let Some(role) = e.role else { continue };
        // The author's newest span goes on while the role stays the same.
        match spans.iter_mut().rev().find(|h| h.author == e.author) {
            Some(h) if h.role == role => h.to = h.to.max(e.at),
            _ => spans.push(Held { author: e.author.clone(), role, from: e.at, to: e.at }),
        }
    }
    spans
}

/// The role an author's entries carry, if one: the newest.
pub fn role_of(entries: &[super::Entry], author: &str) -> Option<TeamRole> {
    entries.iter().rev().filter(|e| e.author == author).find_map(|e| e.role)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn who_held_which_role_when() {
        use crate::scribe::{Draft, Entry, Kind};
        use chrono::TimeZone;
        let t = |m: i64| chrono::Utc.with_ymd_and_hms(2026, 11, 24, 3, 0, 0).unwrap() + chrono::Duration::minutes(m);
        let entry = |seq: u64, author: &str, role: Option<TeamRole>| {
            Entry::from_draft(
                Draft { role, ..Draft::new(t(seq as i64), author, Kind::Note, "x") },
                seq,
                seq.to_string(),
            )
        };
        let entries = vec![
            entry(1, "ana", None),
            entry(2, "ana", Some(TeamRole::Commander)),
            entry(3, "bo", Some(TeamRole::Operator)),
            entry(4, "ana", Some(TeamRole::Commander)),
            entry(5, "bo", Some(TeamRole::Commander)),
        ];
        let spans: Vec<(String, TeamRole, i64, i64)> = held(&entries)
            .into_iter()
            .map(|h| (h.author, h.role, (h.from - t(0)).num_minutes(), (h.to - t(0)).num_minutes()))
            .collect();
        assert_eq!(
            spans,
            [
                ("ana".to_owned(), TeamRole::Commander, 2, 4),
                ("bo".to_owned(), TeamRole::Operator, 3, 3),
                ("bo".to_owned(), TeamRole::Commander, 5, 5),
            ]
        );
        assert_eq!(role_of(&entries, "bo"), Some(TeamRole::Commander));
        assert_eq!(role_of(&entries, "cy"), None);
    }

    #[test]
    fn the_ladder() {
        assert!(!TeamRole::Observer.may_write());
        assert!(TeamRole::Scribe.may_write() && !TeamRole::Scribe.may_run_steps());
        assert!(TeamRole::Operator.may_run_steps() && !TeamRole::Operator.may_declare());
        assert!(TeamRole::Commander.may_declare());
        assert_eq!("operator".parse::<TeamRole>(), Ok(TeamRole::Operator));
        assert!("boss".parse::<TeamRole>().unwrap_err().contains("observer, scribe"));
    }
}
