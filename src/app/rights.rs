//! What this terminal's role lets it do (`scribe::roles`): each refusal says which role it
//! takes. Solo use has no role and every right.

use super::App;
use crate::scribe::roles::TeamRole;

impl App {
    /// Notes, decisions, comms and pins.
    pub(super) fn may_write(&mut self) -> bool {
        self.allowed(TeamRole::may_write, "writes nothing: it is an observer (--role)")
    }

    /// Running, overriding, skipping and re-running steps.
    pub(super) fn may_run_steps(&mut self) -> bool {
        self.allowed(TeamRole::may_run_steps, "cannot run steps: that takes an operator or the commander")
    }

    /// Declaring the decision that starts a runbook.
    pub(super) fn may_declare(&mut self) -> bool {
        self.allowed(TeamRole::may_declare, "cannot declare: the commander declares")
    }

    fn allowed(&mut self, right: fn(TeamRole) -> bool, refusal: &str) -> bool {
        if self.replaying() {
            self.say(super::REPLAY_CHANGES_NOTHING);
            return false;
        }
        match self.scribe.role {
            Some(role) if !right(role) => {
                self.say(format!("this terminal ({role}) {refusal}"));
                false
            }
            _ => true,
        }
    }
}
