//! The runbooks' state folded from the journal: every terminal that reads the same entries
//! shows the same step statuses, whoever ran them, and a restarted warroom knows what is done.

use super::data::ApprovalData;
use super::{Entry, Kind};
use crate::runbook::{Approval, RunState, Runbook, StepRef, StepStatus};

/// The run state the journal describes: replay entries tagged tagged with `data.runbook` and a `step`.
pub fn replay(runbooks: Vec<Runbook>, entries: &[Entry]) -> RunState {
    let mut state = RunState::new(runbooks);
    for e in entries {
        apply(&mut state, e);
    }
    state
}

/// Fold one entry into the run state: it moves a step when it names a runbook and a step.
pub fn apply(state: &mut RunState, e: &Entry) {
    let Some(step_id) = e.step.as_deref() else { return };
    let Some(data) = e.step_data() else { return };
    let Some(book_id) = data.runbook.as_deref() else { return };
    let Some(r) = state.position(book_id) else { return };
    let Some((s, _)) = state.runbooks[r].step(step_id) else { return };
    let at = StepRef { runbook: r, step: s };
    if let Some(approval) = &data.approval {
        return apply_approval(state, at, e, approval);
    }
    let (skipped, already) = (data.skipped, data.already);
    let status = match e.kind {
        Kind::ActionStarted => StepStatus::Running { since: e.at },
        Kind::ActionSucceeded => StepStatus::Done { at: e.at, already },
        Kind::ActionFailed => StepStatus::Failed { at: e.at, error: e.text.clone() },
        Kind::Decision if skipped => StepStatus::Skipped { at: e.at, reason: e.text.clone() },
        Kind::Decision => StepStatus::Done { at: e.at, already: false },
        _ => return,
    };
    // Starting the step uses up its approval: the next run asks again.
    if matches!(status, StepStatus::Running { .. }) {
        state.set_approval(at, None);
    }
    state.set(at, status);
    state.set_by(at, &e.author);
    if let Some(verdicts) = data.guards {
        state.set_verdicts(at, verdicts);
    }
}

/// A request opens (or replaces) the step's approval; an approval fills the open request of
/// the requester it names, and nothing else.
fn apply_approval(state: &mut RunState, at: StepRef, e: &Entry, approval: &ApprovalData) {
    let mut slot = state.approval(at).cloned();
    fold_approval(&mut slot, e, approval);
    state.set_approval(at, slot);
}

/// One approval entry folded into a step's open request (`slot`).
pub fn fold_approval(slot: &mut Option<Approval>, e: &Entry, approval: &ApprovalData) {
    match approval {
        ApprovalData::Requested { region } => {
            *slot = Some(Approval {
                requester: e.author.clone(),
                region: region.clone(),
                requested_at: e.at,
                approved_by: None,
                break_glass: None,
            });
        }
        ApprovalData::Approved { requester, break_glass } => {
            if let Some(open) = slot.as_mut().filter(|a| &a.requester == requester && a.approved_by.is_none()) {
                open.approved_by = Some(e.author.clone());
                open.break_glass.clone_from(break_glass);
            }
        }
    }
}

/// Every step's open approval request in a journal, by (runbook id, step id), without the
/// runbooks themselves (`warroom approve` reads the journal only). A step that started
/// has used its approval up.
pub fn open_requests(entries: &[Entry]) -> std::collections::BTreeMap<(String, String), Approval> {
    let mut open = std::collections::BTreeMap::new();
    for e in entries {
        let (Some(step), Some(data)) = (e.step.as_deref(), e.step_data()) else { continue };
        let Some(book) = data.runbook.clone() else { continue };
        let key = (book, step.to_owned());
        match &data.approval {
            Some(approval) => {
                let mut slot = open.remove(&key);
                fold_approval(&mut slot, e, approval);
                if let Some(a) = slot {
                    open.insert(key, a);
                }
            }
            None if e.kind == Kind::ActionStarted => {
                open.remove(&key);
            }
            None => {}
        }
    }
    open
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runbook::{StepStatus, built_in};
    use crate::scribe::{Draft, Entry};
    use chrono::{TimeZone, Utc};
    use serde_json::json;

    fn entry(seq: u64, kind: Kind, step: &str, data: serde_json::Value) -> Entry {
        let at = Utc.with_ymd_and_hms(2026, 11, 24, 3, 0, 0).unwrap() + chrono::Duration::minutes(seq as i64);
        Entry::from_draft(Draft::new(at, "ic", kind, format!("e{seq}")).step(step).data(data), seq, format!("{seq}"))
    }

    #[test]
    fn the_journal_restores_step_status() {
        let fo = json!({ "runbook": "failover" });
        let entries = vec![
            entry(1, Kind::Decision, "declare", fo.clone()),
            entry(2, Kind::ActionStarted, "freeze-writes", fo.clone()),
            entry(3, Kind::ActionSucceeded, "freeze-writes", json!({ "runbook": "failover", "already": true })),
            entry(4, Kind::Decision, "check-lag", json!({ "runbook": "failover", "skipped": true })),
            entry(5, Kind::ActionStarted, "promote-database", fo.clone()),
            entry(6, Kind::ActionFailed, "verify-writer", fo),
            // Entries for another runbook, or with no runbook, do not leak in.
            entry(7, Kind::ActionSucceeded, "shift-traffic", json!({ "runbook": "failback" })),
            entry(8, Kind::ActionSucceeded, "communicate", json!({})),
        ];
        let state = replay(built_in(), &entries);
        let failover = state.runbooks.iter().position(|b| b.id == "failover").unwrap();
        let label = |id: &str| state.status_by_id(failover, id).unwrap().label();
        assert_eq!(label("declare"), "done");
        assert!(matches!(state.status_by_id(failover, "freeze-writes"), Some(StepStatus::Done { already: true, .. })));
        assert_eq!(label("check-lag"), "skipped");
        assert_eq!(label("promote-database"), "running");
        assert_eq!(label("verify-writer"), "failed");
        assert_eq!(label("shift-traffic"), "pending");
        assert_eq!(label("communicate"), "pending");
        let failback = state.runbooks.iter().position(|b| b.id == "failback").unwrap();
        assert_eq!(state.status_by_id(failback, "shift-traffic").unwrap().label(), "done");
    }
}
