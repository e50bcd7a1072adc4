//! Which guard overrides count: the one place the scorecard and the exports ask.
//!
//! Since guards are judged at the moment of action, an override is journaled in the entry of
//! the action it let through (`data.override = { reason, guards }`). A cancelled one is a
//! `guard-override` entry with `withdrawn: true` and never counts. Journals written before
//! that change hold separate `guard-override` entries (the action entry's `override` was then
//! a plain string): those still count, once each.

use super::data::GuardNote;
use super::entry::{Entry, Kind};

/// An override that let a step go on.
#[derive(Clone, Debug, PartialEq)]
pub struct OverrideRecord<'a> {
    /// The entry that holds it: the action's own, or an old-style `guard-override`.
    pub entry: &'a Entry,
    pub reason: String,
    /// The guards it covered, by name.
    pub guards: Vec<String>,
}

fn guard_names(list: Vec<GuardNote>) -> Vec<String> {
    list.into_iter().map(|g| g.guard).collect()
}

/// Every override that counts, in journal order.
pub fn overrides(entries: &[Entry]) -> Vec<OverrideRecord<'_>> {
    entries
        .iter()
        .filter_map(|e| {
            let data = e.step_data().unwrap_or_default();
            if e.kind == Kind::GuardOverride {
                return (!data.withdrawn).then(|| OverrideRecord {
                    entry: e,
                    reason: e.text.clone(),
                    guards: guard_names(data.failed_guards.unwrap_or_default()),
                });
            }
            // Old journals wrote a plain string here; their `guard-override` entry counts instead.
            let o = data.override_?;
            Some(OverrideRecord { entry: e, reason: o.reason, guards: guard_names(o.guards) })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scribe::Draft;
    use chrono::{TimeZone, Utc};
    use serde_json::json;

    fn entry(seq: u64, kind: Kind, text: &str, data: serde_json::Value) -> Entry {
        let at = Utc.with_ymd_and_hms(2026, 11, 24, 3, 0, 0).unwrap();
        Entry::from_draft(Draft::new(at, "ana", kind, text).step("promote-database").data(data), seq, seq.to_string())
    }

    #[test]
    fn new_old_and_withdrawn_overrides() {
        let guards = json!([{ "guard": "lag-within-rpo", "reason": "lag 586s > RPO 60s" }]);
        let entries = vec![
            // Old journals: a separate entry, and the action's override as a plain string.
            entry(1, Kind::GuardOverride, "primary is gone", json!({ "failed_guards": guards })),
            entry(2, Kind::ActionStarted, "promote", json!({ "override": "primary is gone" })),
            // New: in the action's own entry.
            entry(
                3,
                Kind::ActionStarted,
                "promote",
                json!({ "override": { "reason": "accept loss", "guards": guards } }),
            ),
            // A cancelled dialog: withdrawn, never counted.
            entry(4, Kind::GuardOverride, "withdrawn", json!({ "reason": "x", "guards": guards, "withdrawn": true })),
            entry(5, Kind::ActionStarted, "no override", json!({ "override": null })),
        ];
        let found = overrides(&entries);
        assert_eq!(found.iter().map(|o| o.entry.seq).collect::<Vec<_>>(), [1, 3]);
        assert_eq!(found[0].guards, ["lag-within-rpo"]);
        assert_eq!(found[1].reason, "accept loss");
        assert_eq!(found[1].guards, ["lag-within-rpo"]);
    }
}
