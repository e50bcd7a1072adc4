//! What a drill writes into the journal, typed: `data.drill` names the event and the
//! fields are those the journal always had, so older drill journals still read.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::scorecard::Scorecard;
use crate::scribe::data::to_value;
use crate::scribe::{Draft, Entry, Kind};
use crate::sim::FaultKind;

/// Who wrote drill entries in journals from before they were written under the person's
/// own name (the drill's host, or the joined facilitator).
pub const FACILITATOR: &str = "facilitator";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "drill", rename_all = "kebab-case")]
pub enum DrillData {
    Started {
        scenario: String,
        seed: u64,
        autopilot: bool,
    },
    /// A fault of the scenario's timeline began.
    FaultScheduled {
        fault: FaultKind,
        region: String,
    },
    /// The facilitator injected a fault from the menu.
    FaultInjected {
        fault: FaultKind,
        region: String,
    },
    FaultCleared {
        fault: FaultKind,
        region: String,
    },
    Ended {
        scorecard: Box<Scorecard>,
    },
}

impl DrillData {
    /// The drill data of a drill entry.
    pub fn of(entry: &Entry) -> Option<Self> {
        if entry.kind != Kind::Drill {
            return None;
        }
        serde_json::from_value(entry.data.clone()?).ok()
    }

    /// A drill entry by `author` (the host, or the joined facilitator: a person, so the
    /// review names who ran the drill): hidden from the commander's timeline unless revealed.
    pub fn draft(&self, at: DateTime<Utc>, author: &str, text: String) -> Draft {
        Draft::new(at, author, Kind::Drill, text).data(to_value(self))
    }
}

impl Scorecard {
    /// The scorecard a journal's drill-ended entry carries, if any (the newest wins).
    pub fn from_entries(entries: &[Entry]) -> Option<Self> {
        entries.iter().rev().find_map(|e| match DrillData::of(e) {
            Some(DrillData::Ended { scorecard }) => Some(*scorecard),
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn drill_data_keeps_its_names_on_disk() {
        let d = DrillData::FaultInjected { fault: FaultKind::DnsChangeStuck, region: "us-west-2".into() };
        assert_eq!(
            to_value(&d),
            json!({ "drill": "fault-injected", "fault": "dns-change-stuck", "region": "us-west-2" })
        );
        for kind in FaultKind::ALL {
            assert_eq!(to_value(&kind), json!(kind.name()), "serde and the menu spell {kind:?} alike");
        }
    }
}
