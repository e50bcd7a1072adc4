//! Who may write what: every entry kind and observation event has a least role, checked
//! where the scribe writes (`Scribe::sign`). The table in docs/team.md is this file.

use super::data::Event;
use super::entry::Kind;
use super::roles::TeamRole;

/// What an entry is, for the role that may write it: judged from its kind and, for
/// observations and decisions, what its data says it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Duty {
    /// A terminal's own session: opened, reopened, recovered, re-created, ended, its clock.
    /// Every terminal writes these about itself, whatever its role.
    Session,
    /// Notes, comms, pins and a person's own decisions: a scribe and up.
    Record,
    /// Working steps: action entries, guard overrides, skips, claim takeovers, break-glass,
    /// approval requests: an operator and up.
    RunSteps,
    /// What warroom derives from readings (observations, measurements, a step's timeout):
    /// the fact writer, a polling terminal, never a scribe's or an observer's.
    Derive,
    /// Declaring, closing, and a drill's own entries: a commander or the facilitator.
    Command,
    /// Approving another's request (the two-person rule): a commander only.
    Approve,
}

impl Duty {
    pub fn of(kind: Kind, data: Option<&serde_json::Value>) -> Self {
        let field = |key: &str| data.and_then(|d| d.get(key));
        let flag = |key: &str| field(key).and_then(serde_json::Value::as_bool).unwrap_or(false);
        match kind {
            Kind::Note | Kind::Comms | Kind::Pin => Duty::Record,
            Kind::ActionStarted | Kind::ActionSucceeded | Kind::ActionFailed | Kind::GuardOverride => Duty::RunSteps,
            Kind::Measurement => Duty::Derive,
            Kind::Drill => Duty::Command,
            Kind::Observation => {
                let event = field("event").and_then(|e| serde_json::from_value::<Event>(e.clone()).ok());
                match event {
                    Some(
                        Event::JournalOpened
                        | Event::JournalReopened
                        | Event::JournalRecovered
                        | Event::JournalRecreated
                        | Event::CorruptedRecords
                        | Event::DuplicateEvents
                        | Event::SessionEnded
                        | Event::ClockSteppedBack,
                    ) => Duty::Session,
                    Some(Event::IncidentClosed) => Duty::Command,
                    _ => Duty::Derive,
                }
            }
            Kind::Decision => {
                let state = field("approval").and_then(|a| a.get("state")).and_then(serde_json::Value::as_str);
                if state == Some("approved") {
                    Duty::Approve
                } else if state.is_some()
                    || flag("skipped")
                    || field("takeover_from").is_some()
                    || field("break_glass").is_some()
                {
                    Duty::RunSteps
                } else if field("runbook").is_some() {
                    // A decision that moves a runbook step: the declare.
                    Duty::Command
                } else {
                    Duty::Record
                }
            }
        }
    }

    /// The least role that may write it.
    pub fn least(self) -> TeamRole {
        match self {
            Duty::Session => TeamRole::Observer,
            Duty::Record => TeamRole::Scribe,
            Duty::RunSteps | Duty::Derive => TeamRole::Operator,
            Duty::Command | Duty::Approve => TeamRole::Commander,
        }
    }

    pub fn allows(self, role: TeamRole) -> bool {
        match self {
            Duty::Session => true,
            Duty::Record => role.may_write(),
            Duty::RunSteps | Duty::Derive => role.may_run_steps(),
            Duty::Command => role.may_declare(),
            Duty::Approve => role == TeamRole::Commander,
        }
    }
}

/// Whether a terminal with `role` may append this entry (`None`: a terminal alone, every
/// right). The error names what and who, for the log: callers never ask for what their role
/// cannot write, so a refusal is a programming error made visible, not a user's mistake.
pub fn may_append(role: Option<TeamRole>, kind: Kind, data: Option<&serde_json::Value>) -> Result<(), String> {
    let Some(role) = role else { return Ok(()) };
    let duty = Duty::of(kind, data);
    if duty.allows(role) {
        return Ok(());
    }
    let what = data.and_then(|d| d.get("event")).and_then(serde_json::Value::as_str).unwrap_or(kind.as_str());
    Err(format!("a {role} may not write `{what}` entries (that takes a {} or above)", duty.least()))
}
