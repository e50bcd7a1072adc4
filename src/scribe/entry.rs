//! One journal entry: the JSON Lines schema of DESIGN.md "Scribe journal".

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    Note,
    Decision,
    ActionStarted,
    ActionSucceeded,
    ActionFailed,
    GuardOverride,
    Observation,
    Measurement,
    Comms,
    Drill,
    /// Pins (or, with `"pinned": false` in data, unpins) the entry whose id is `data.target`.
    /// Kept as its own entry so the journal stays append-only.
    Pin,
}

impl Kind {
    pub const ALL: [Kind; 11] = [
        Kind::Note,
        Kind::Decision,
        Kind::ActionStarted,
        Kind::ActionSucceeded,
        Kind::ActionFailed,
        Kind::GuardOverride,
        Kind::Observation,
        Kind::Measurement,
        Kind::Comms,
        Kind::Drill,
        Kind::Pin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Note => "note",
            Kind::Decision => "decision",
            Kind::ActionStarted => "action-started",
            Kind::ActionSucceeded => "action-succeeded",
            Kind::ActionFailed => "action-failed",
            Kind::GuardOverride => "guard-override",
            Kind::Observation => "observation",
            Kind::Measurement => "measurement",
            Kind::Comms => "comms",
            Kind::Drill => "drill",
            Kind::Pin => "pin",
        }
    }

    /// Typed by a person (as opposed to written by warroom itself).
    pub fn is_human(self) -> bool {
        matches!(self, Kind::Note | Kind::Decision | Kind::Comms | Kind::GuardOverride)
    }
}

/// A written entry. `seq` counts from 1 in file order; `id` is unique across journals.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub seq: u64,
    pub id: String,
    pub at: DateTime<Utc>,
    pub author: String,
    /// The author's role on a shared incident (absent for warroom's own entries and solo use).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<super::roles::TeamRole>,
    pub kind: Kind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<serde_json::Value>,
    /// The terminal that wrote it, `author@host:pid`, whoever its author is: an entry signed
    /// `warroom` can be traced to one terminal (absent in journals from before it was kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
}

/// What a caller asks to write; the journal assigns `seq` and `id`.
#[derive(Clone, Debug, PartialEq)]
pub struct Draft {
    pub at: DateTime<Utc>,
    pub author: String,
    pub role: Option<super::roles::TeamRole>,
    pub kind: Kind,
    pub region: Option<String>,
    pub step: Option<String>,
    pub text: String,
    pub data: Option<serde_json::Value>,
    /// Set by the scribe that writes it: the writing terminal.
    pub session: Option<String>,
}

impl Draft {
    pub fn new(at: DateTime<Utc>, author: impl Into<String>, kind: Kind, text: impl Into<String>) -> Self {
        Self {
            at,
            author: author.into(),
            role: None,
            kind,
            region: None,
            step: None,
            text: text.into(),
            data: None,
            session: None,
        }
    }

    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    pub fn step(mut self, step: impl Into<String>) -> Self {
        self.step = Some(step.into());
        self
    }

    pub fn data(mut self, data: serde_json::Value) -> Self {
        self.data = Some(data);
        self
    }
}

impl Entry {
    pub fn from_draft(draft: Draft, seq: u64, id: String) -> Self {
        Self {
            seq,
            id,
            at: draft.at,
            author: draft.author,
            role: draft.role,
            kind: draft.kind,
            region: draft.region,
            step: draft.step,
            text: draft.text,
            data: draft.data,
            session: draft.session,
        }
    }

    /// A string field of `data`, e.g. the observation `event`.
    pub fn data_str(&self, key: &str) -> Option<&str> {
        self.data.as_ref()?.get(key)?.as_str()
    }

    pub fn data_f64(&self, key: &str) -> Option<f64> {
        self.data.as_ref()?.get(key)?.as_f64()
    }
}

/// Author name written by warroom itself (observations, measurements).
pub const SYSTEM_AUTHOR: &str = "warroom";
