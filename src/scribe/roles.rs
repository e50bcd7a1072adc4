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

#[cfg(test)]
mod tests {
    use super::*;

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
