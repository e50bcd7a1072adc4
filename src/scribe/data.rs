//! What an entry's `data` says, typed. The journal keeps the field names it always had
//! (`event`, `runbook`, `skipped`, `guards`, `override`, `target`, ...), so every journal
//! written before these types still reads; what the types add is one spelling per name and
//! a compiler that knows them.

use serde::{Deserialize, Serialize};

use super::entry::{Draft, Entry};
use crate::runbook::Verdict;

/// `data.event` of an observation: what warroom saw happen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Event {
    ThresholdCrossed,
    ThresholdRecovered,
    HealthUnhealthy,
    HealthHealthy,
    LagOverRpo,
    LagWithinRpo,
    RoutingChanged,
    Stale,
    Fresh,
    ServingHealthy,
    ServingDegraded,
    JournalOpened,
    JournalReopened,
    JournalRecovered,
    JournalRecreated,
    CorruptedRecords,
    DuplicateEvents,
    SplitBrain,
    SingleWriter,
    SessionEnded,
    Flapping,
    Settled,
    ClockSteppedBack,
    StepTimedOut,
    IncidentClosed,
    AlarmChanged,
    SecretsMissing,
    SecretsPresent,
    ClockSkew,
}

impl Event {
    pub const ALL: [Event; 29] = [
        Event::ThresholdCrossed,
        Event::ThresholdRecovered,
        Event::HealthUnhealthy,
        Event::HealthHealthy,
        Event::LagOverRpo,
        Event::LagWithinRpo,
        Event::RoutingChanged,
        Event::Stale,
        Event::Fresh,
        Event::ServingHealthy,
        Event::ServingDegraded,
        Event::JournalOpened,
        Event::JournalReopened,
        Event::JournalRecovered,
        Event::JournalRecreated,
        Event::CorruptedRecords,
        Event::DuplicateEvents,
        Event::SplitBrain,
        Event::SingleWriter,
        Event::SessionEnded,
        Event::Flapping,
        Event::Settled,
        Event::ClockSteppedBack,
        Event::StepTimedOut,
        Event::IncidentClosed,
        Event::AlarmChanged,
        Event::SecretsMissing,
        Event::SecretsPresent,
        Event::ClockSkew,
    ];

    /// The name on disk (`data.event`).
    pub fn as_str(self) -> &'static str {
        match self {
            Event::ThresholdCrossed => "threshold-crossed",
            Event::ThresholdRecovered => "threshold-recovered",
            Event::HealthUnhealthy => "health-unhealthy",
            Event::HealthHealthy => "health-healthy",
            Event::LagOverRpo => "lag-over-rpo",
            Event::LagWithinRpo => "lag-within-rpo",
            Event::RoutingChanged => "routing-changed",
            Event::Stale => "stale",
            Event::Fresh => "fresh",
            Event::ServingHealthy => "serving-healthy",
            Event::ServingDegraded => "serving-degraded",
            Event::JournalOpened => "journal-opened",
            Event::JournalReopened => "journal-reopened",
            Event::JournalRecovered => "journal-recovered",
            Event::JournalRecreated => "journal-recreated",
            Event::CorruptedRecords => "corrupted-records",
            Event::DuplicateEvents => "duplicate-events",
            Event::SplitBrain => "split-brain",
            Event::SingleWriter => "single-writer",
            Event::SessionEnded => "session-ended",
            Event::Flapping => "flapping",
            Event::Settled => "settled",
            Event::ClockSteppedBack => "clock-stepped-back",
            Event::StepTimedOut => "step-timed-out",
            Event::IncidentClosed => "incident-closed",
            Event::AlarmChanged => "alarm-changed",
            Event::SecretsMissing => "secrets-missing",
            Event::SecretsPresent => "secrets-present",
            Event::ClockSkew => "clock-skew",
        }
    }
}

/// An observation's data, typed: serde-tagged on `event`, each event with the fields it has
/// always carried. Readers that need only the event use `Entry::event`; `Entry::observed`
/// reads the whole of it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum Observed {
    ThresholdCrossed {
        signal: String,
        value: f64,
        threshold: f64,
    },
    ThresholdRecovered {
        signal: String,
        value: f64,
        threshold: f64,
    },
    HealthUnhealthy {
        healthy: u8,
        total: u8,
    },
    HealthHealthy {
        healthy: u8,
        total: u8,
    },
    /// `lag_seconds` is null when the replica is not replicating.
    LagOverRpo {
        lag_seconds: Option<f64>,
        rpo_seconds: f64,
    },
    LagWithinRpo {
        lag_seconds: Option<f64>,
        rpo_seconds: f64,
    },
    RoutingChanged {
        record_set_id: String,
    },
    Stale,
    Fresh,
    ServingHealthy,
    ServingDegraded,
    JournalOpened(JournalFacts),
    JournalReopened(JournalFacts),
    JournalRecovered,
    JournalRecreated,
    CorruptedRecords {
        count: u64,
    },
    DuplicateEvents {
        count: u64,
    },
    SplitBrain,
    SingleWriter,
    SessionEnded {
        author: String,
        abandoned: Option<String>,
        unsaved_text: Option<String>,
    },
    /// The flap damper's one entry for a signal that keeps flipping, with the latest flip.
    Flapping {
        flips: usize,
        latest: Option<serde_json::Value>,
    },
    Settled {
        flips: usize,
        latest: Option<serde_json::Value>,
    },
    ClockSteppedBack {
        from: chrono::DateTime<chrono::Utc>,
        to: chrono::DateTime<chrono::Utc>,
    },
    StepTimedOut {
        step: String,
    },
    /// The incident is over (`warroom close`): it is no longer anyone's default.
    IncidentClosed {
        by: String,
    },
    /// A CloudWatch alarm changed state (the first reading counts when it is not OK).
    AlarmChanged {
        alarm: String,
        state: crate::model::AlarmState,
        previous: Option<crate::model::AlarmState>,
    },
    /// Secrets the application needs are missing in the region.
    SecretsMissing {
        secrets: Vec<String>,
    },
    SecretsPresent,
    /// Another terminal's clock runs ahead of the fact writer's by more than the store's
    /// `clock-skew`: its entries are placed by their own (later) times.
    ClockSkew {
        session: String,
        ahead_seconds: f64,
    },
}

/// What a journal says about its incident when it is opened: the targets the review
/// measures against.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct JournalFacts {
    #[serde(default)]
    pub incident: String,
    #[serde(default)]
    pub rpo_seconds: Option<f64>,
    #[serde(default)]
    pub rto_seconds: Option<f64>,
}

impl Observed {
    pub fn event(&self) -> Event {
        match self {
            Observed::ThresholdCrossed { .. } => Event::ThresholdCrossed,
            Observed::ThresholdRecovered { .. } => Event::ThresholdRecovered,
            Observed::HealthUnhealthy { .. } => Event::HealthUnhealthy,
            Observed::HealthHealthy { .. } => Event::HealthHealthy,
            Observed::LagOverRpo { .. } => Event::LagOverRpo,
            Observed::LagWithinRpo { .. } => Event::LagWithinRpo,
            Observed::RoutingChanged { .. } => Event::RoutingChanged,
            Observed::Stale => Event::Stale,
            Observed::Fresh => Event::Fresh,
            Observed::ServingHealthy => Event::ServingHealthy,
            Observed::ServingDegraded => Event::ServingDegraded,
            Observed::JournalOpened(_) => Event::JournalOpened,
            Observed::JournalReopened(_) => Event::JournalReopened,
            Observed::JournalRecovered => Event::JournalRecovered,
            Observed::JournalRecreated => Event::JournalRecreated,
            Observed::CorruptedRecords { .. } => Event::CorruptedRecords,
            Observed::DuplicateEvents { .. } => Event::DuplicateEvents,
            Observed::SplitBrain => Event::SplitBrain,
            Observed::SingleWriter => Event::SingleWriter,
            Observed::SessionEnded { .. } => Event::SessionEnded,
            Observed::Flapping { .. } => Event::Flapping,
            Observed::Settled { .. } => Event::Settled,
            Observed::ClockSteppedBack { .. } => Event::ClockSteppedBack,
            Observed::StepTimedOut { .. } => Event::StepTimedOut,
            Observed::IncidentClosed { .. } => Event::IncidentClosed,
            Observed::AlarmChanged { .. } => Event::AlarmChanged,
            Observed::SecretsMissing { .. } => Event::SecretsMissing,
            Observed::SecretsPresent => Event::SecretsPresent,
            Observed::ClockSkew { .. } => Event::ClockSkew,
        }
    }

    /// Which state this observation is a transition of, as `region/signal` (`None` for events
    /// that are not a state: journal housekeeping, the flap damper, sessions). Two terminals
    /// watching one incident see the same transitions; the store keeps one of each.
    pub fn transition_of(&self, region: Option<&str>) -> Option<String> {
        let signal = match self {
            Observed::ThresholdCrossed { signal, .. } | Observed::ThresholdRecovered { signal, .. } => signal.as_str(),
            Observed::HealthUnhealthy { .. } | Observed::HealthHealthy { .. } => "health",
            Observed::LagOverRpo { .. } | Observed::LagWithinRpo { .. } => "lag",
            Observed::Stale | Observed::Fresh => "freshness",
            Observed::ServingHealthy | Observed::ServingDegraded => "serving",
            Observed::SplitBrain | Observed::SingleWriter => "writers",
            Observed::CorruptedRecords { .. } => "corrupted-records",
            Observed::DuplicateEvents { .. } => "duplicate-events",
            Observed::RoutingChanged { record_set_id } => return Some(format!("routing/{record_set_id}")),
            Observed::AlarmChanged { alarm, .. } => return Some(format!("{}/alarm/{alarm}", region.unwrap_or(""))),
            Observed::SecretsMissing { .. } | Observed::SecretsPresent => "secrets",
            Observed::ClockSkew { session, .. } => return Some(format!("clock/{session}")),
            _ => return None,
        };
        Some(format!("{}/{signal}", region.unwrap_or("")))
    }

    /// As an entry's `data`.
    pub fn data(&self) -> serde_json::Value {
        to_value(self)
    }
}

/// The override an action rode past its failing guards with (`data.override`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverrideData {
    pub reason: String,
    /// The guards overridden, each as `{ guard, reason }`.
    #[serde(default)]
    pub guards: Vec<GuardNote>,
}

/// A guard named in an override: which, and why it failed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuardNote {
    pub guard: String,
    #[serde(default)]
    pub reason: String,
}

/// The data of an entry about a runbook step (decision, action started, succeeded, failed,
/// guard override): which runbook, how it went, and with which verdicts.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StepData {
    /// The runbook id; the step id is the entry's own `step`.
    #[serde(default, deserialize_with = "lenient", skip_serializing_if = "Option::is_none")]
    pub runbook: Option<String>,
    /// A decision to skip the step (its text holds the reason).
    #[serde(default, deserialize_with = "lenient", skip_serializing_if = "is_false")]
    pub skipped: bool,
    /// The desired state already held: nothing was done.
    #[serde(default, deserialize_with = "lenient", skip_serializing_if = "is_false")]
    pub already: bool,
    /// A checklist tick (its text says what was checked).
    #[serde(default, deserialize_with = "lenient", skip_serializing_if = "is_false")]
    pub checklist: bool,
    /// The guard verdicts the step ran with.
    #[serde(default, deserialize_with = "lenient", skip_serializing_if = "Option::is_none")]
    pub guards: Option<Vec<Verdict>>,
    /// The override the step ran with, when it ran past failing guards.
    #[serde(default, deserialize_with = "lenient", rename = "override", skip_serializing_if = "Option::is_none")]
    pub override_: Option<OverrideData>,
    /// A withdrawn override (the dialog was cancelled), on a `guard-override` entry.
    #[serde(default, deserialize_with = "lenient", skip_serializing_if = "is_false")]
    pub withdrawn: bool,
    /// Journals before overrides rode in their action named the failed guards here.
    #[serde(default, deserialize_with = "lenient", skip_serializing_if = "Option::is_none")]
    pub failed_guards: Option<Vec<GuardNote>>,
    /// Replication lag when a promotion began: the span of lost writes (the RPO measured).
    #[serde(default, deserialize_with = "lenient", skip_serializing_if = "Option::is_none")]
    pub lag_seconds: Option<f64>,
    /// Writes a promotion lost, where the backend can count them.
    #[serde(default, deserialize_with = "lenient", skip_serializing_if = "Option::is_none")]
    pub lost_writes: Option<u64>,
    /// The two-person rule: a request to run the step, or its approval.
    #[serde(default, deserialize_with = "lenient", skip_serializing_if = "Option::is_none")]
    pub approval: Option<ApprovalData>,
    /// Whatever else the backend reported (job, action, change id, ...), kept as written.
    #[serde(flatten)]
    pub detail: serde_json::Map<String, serde_json::Value>,
}

/// An approval entry's data (a decision naming the step; the step's status does not move).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum ApprovalData {
    /// The entry's author asks a commander to approve running the step in `region`.
    Requested { region: String },
    /// The entry's author (a commander) approves `requester`'s request; `break_glass` is the
    /// typed reason when a commander alone approved their own.
    Approved {
        requester: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        break_glass: Option<String>,
    },
}

/// A field that does not have its type reads as absent, so one odd field never hides the
/// rest of an entry (its runbook and step still count).
fn lenient<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::de::DeserializeOwned + Default,
{
    let value = serde_json::Value::deserialize(d)?;
    Ok(serde_json::from_value(value).unwrap_or_default())
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// The data of a pin entry: which entry it pins, or unpins with `pinned: false`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PinData {
    pub target: String,
    #[serde(default = "pinned_by_default", deserialize_with = "lenient_pinned")]
    pub pinned: bool,
}

/// `pinned` that is not a boolean reads as pinned, as it always did.
fn lenient_pinned<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(serde_json::Value::deserialize(d)?.as_bool().unwrap_or(true))
}

fn pinned_by_default() -> bool {
    true
}

/// An entry's (or a draft's) `data` read as `T`; `None` when absent or of another shape.
fn typed<T: serde::de::DeserializeOwned>(data: Option<&serde_json::Value>) -> Option<T> {
    T::deserialize(data?).ok()
}

/// Step data is an object; anything else (an old journal's odd line) is not step data.
fn step_data_of(data: Option<&serde_json::Value>) -> Option<StepData> {
    typed(data.filter(|d| d.is_object()))
}

impl Entry {
    /// The observation's event, when it is one warroom knows.
    pub fn event(&self) -> Option<Event> {
        typed(self.data.as_ref()?.get("event"))
    }

    /// The observation's data, typed (`None` for an event or a shape warroom does not know).
    pub fn observed(&self) -> Option<Observed> {
        typed(self.data.as_ref())
    }

    /// The step data of an entry about a runbook step (`None` when `data` is not an object).
    pub fn step_data(&self) -> Option<StepData> {
        step_data_of(self.data.as_ref())
    }

    /// What a pin entry pins.
    pub fn pin(&self) -> Option<PinData> {
        typed(self.data.as_ref())
    }
}

impl Draft {
    /// The observation a draft records.
    pub fn observed(&self) -> Option<Observed> {
        typed(self.data.as_ref())
    }

    /// An observation of a state's transition has a deterministic id: the state (region and
    /// signal), the transition (its event) and the reading's time. Two terminals that saw the
    /// same reading write the same id, which a store can append conditionally on.
    pub fn observation_id(&self) -> Option<String> {
        let observed = self.observed()?;
        let state = observed.transition_of(self.region.as_deref())?;
        let at = self.at.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true);
        // FNV-1a, 64-bit: stable across builds and machines (std's hasher is neither).
        let hash = format!("{state}|{}|{at}", observed.event().as_str())
            .bytes()
            .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
        // "o" and 60 bits: 16 characters like every id, and never a random id's all-hex.
        Some(format!("o{:015x}", hash >> 4))
    }

    /// The step data of a draft about a runbook step.
    pub fn step_data(&self) -> Option<StepData> {
        step_data_of(self.data.as_ref())
    }
}

/// Typed data as the JSON an entry stores.
pub fn to_value(data: &impl Serialize) -> serde_json::Value {
    serde_json::to_value(data).unwrap_or(serde_json::Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn step(data: serde_json::Value) -> StepData {
        serde_json::from_value(data).unwrap()
    }

    #[test]
    fn old_step_data_reads_with_its_field_names() {
        let d = step(json!({
            "runbook": "failover", "already": true, "override": null, "job": 3,
            "guards": [{ "guard": "lag-within-rpo", "ok": false, "reason": "lag 84.0s > RPO 60s" }],
        }));
        assert_eq!(d.runbook.as_deref(), Some("failover"));
        assert!(d.already && !d.skipped);
        assert_eq!(d.guards.unwrap()[0].guard, "lag-within-rpo");
        assert_eq!(d.override_, None);
        assert_eq!(d.detail["job"], 3);
    }

    #[test]
    fn an_odd_field_does_not_hide_the_rest() {
        let d = step(json!({ "runbook": "failover", "skipped": "yes", "guards": "none", "lost_writes": -1 }));
        assert_eq!(d.runbook.as_deref(), Some("failover"));
        assert!(!d.skipped);
        assert_eq!((d.guards, d.lost_writes), (None, None));
    }

    #[test]
    fn written_step_data_keeps_the_names_on_disk() {
        let d = StepData {
            runbook: Some("failover".into()),
            skipped: true,
            override_: Some(OverrideData { reason: "r".into(), guards: vec![] }),
            ..StepData::default()
        };
        assert_eq!(
            to_value(&d),
            json!({ "runbook": "failover", "skipped": true, "override": { "reason": "r", "guards": [] } })
        );
    }

    #[test]
    fn observations_keep_their_shape_on_disk() {
        let crossed = Observed::ThresholdCrossed { signal: "error-rate".into(), value: 6.0, threshold: 5.0 };
        assert_eq!(
            crossed.data(),
            json!({ "event": "threshold-crossed", "signal": "error-rate", "value": 6.0, "threshold": 5.0 })
        );
        let lag = Observed::LagOverRpo { lag_seconds: None, rpo_seconds: 60.0 };
        assert_eq!(lag.data(), json!({ "event": "lag-over-rpo", "lag_seconds": null, "rpo_seconds": 60.0 }));
        assert_eq!(Observed::Stale.data(), json!({ "event": "stale" }));
        let opened: Observed =
            serde_json::from_value(json!({ "event": "journal-opened", "rto_seconds": 900.0 })).unwrap();
        assert_eq!(
            opened,
            Observed::JournalOpened(JournalFacts { rto_seconds: Some(900.0), ..JournalFacts::default() })
        );
        assert_eq!(opened.event(), Event::JournalOpened);
    }

    #[test]
    fn events_keep_their_names() {
        for (event, name) in [(Event::ThresholdCrossed, "threshold-crossed"), (Event::StepTimedOut, "step-timed-out")] {
            assert_eq!(to_value(&event), json!(name));
            assert_eq!(event.as_str(), name);
        }
    }
}
