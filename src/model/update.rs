//! `Update`: the one message shape every poller (sim or AWS) sends to the app loop.

use chrono::{DateTime, Utc};

use super::values::{Alarms, Capacity, Database, HealthChecks, Integrity, Lag, Routing, Secrets};

/// Which signal of a region an update is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SignalKey {
    Requests,
    ErrorRate,
    LatencyP50,
    LatencyP99,
    ReplicationLag,
    HealthChecks,
    Database,
    Routing,
    WriteFreeze,
    Integrity,
    Alarms,
    Capacity,
    Secrets,
    /// Targets the region's load balancer counts healthy (`HealthyHostCount`), read in the
    /// region: health from the data plane.
    HealthyTargets,
    /// Whether the global control plane in us-east-1 answered this region's last call to it.
    ControlPlane,
    /// Whether the region's own endpoints answered its last poll (its flag and database).
    Reachable,
    /// The `[[signals]]` row of this index.
    Custom(u8),
}

impl SignalKey {
    /// The built-in signals (custom rows are counted per config).
    /// New keys go at the end: the flight recorder stores a key as its place here.
    pub const ALL: [SignalKey; 16] = [
        SignalKey::Requests,
        SignalKey::ErrorRate,
        SignalKey::LatencyP50,
        SignalKey::LatencyP99,
        SignalKey::ReplicationLag,
        SignalKey::HealthChecks,
        SignalKey::Database,
        SignalKey::Routing,
        SignalKey::WriteFreeze,
        SignalKey::Integrity,
        SignalKey::Alarms,
        SignalKey::Capacity,
        SignalKey::Secrets,
        SignalKey::HealthyTargets,
        SignalKey::ControlPlane,
        SignalKey::Reachable,
    ];
}

impl SignalKey {
    /// The signal as a verdict names it (`5xx, latency unknown: …`); a custom row is named
    /// by its config, not here.
    pub fn short(self) -> &'static str {
        match self {
            SignalKey::Requests => "requests",
            SignalKey::ErrorRate => "5xx",
            SignalKey::LatencyP50 => "p50",
            SignalKey::LatencyP99 => "latency",
            SignalKey::ReplicationLag => "lag",
            SignalKey::HealthChecks => "health",
            SignalKey::Database => "database",
            SignalKey::Routing => "routing",
            SignalKey::WriteFreeze => "writes",
            SignalKey::Integrity => "data",
            SignalKey::Alarms => "alarms",
            SignalKey::Capacity => "capacity",
            SignalKey::Secrets => "secrets",
            SignalKey::HealthyTargets => "targets",
            SignalKey::ControlPlane => "control plane",
            SignalKey::Reachable => "endpoints",
            SignalKey::Custom(_) => "signal",
        }
    }
}

/// A successful reading of one signal.
#[derive(Clone, Debug, PartialEq)]
pub enum Reading {
    /// Requests per second.
    Requests(f64),
    /// 5xx responses as a percentage of requests.
    ErrorRate(f64),
    /// Milliseconds.
    LatencyP50(f64),
    /// Milliseconds.
    LatencyP99(f64),
    ReplicationLag(Lag),
    HealthChecks(HealthChecks),
    Database(Database),
    Routing(Routing),
    WriteFreeze(bool),
    Integrity(Integrity),
    Alarms(Alarms),
    Capacity(Capacity),
    Secrets(Secrets),
    /// Healthy targets behind the region's load balancer.
    HealthyTargets(f64),
    /// `true`: the global control plane answered (even with an error of its own); `false`: it
    /// did not answer within the call timeout.
    ControlPlane(bool),
    /// `true`: the region's own endpoints answered (even with an error); `false`: they did
    /// not answer within the call timeout.
    Reachable(bool),
    /// A `[[signals]]` row's value, in the unit its metric reports.
    Custom(u8, f64),
}

impl Reading {
    pub fn key(&self) -> SignalKey {
        match self {
            Reading::Requests(_) => SignalKey::Requests,
            Reading::ErrorRate(_) => SignalKey::ErrorRate,
            Reading::LatencyP50(_) => SignalKey::LatencyP50,
            Reading::LatencyP99(_) => SignalKey::LatencyP99,
            Reading::ReplicationLag(_) => SignalKey::ReplicationLag,
            Reading::HealthChecks(_) => SignalKey::HealthChecks,
            Reading::Database(_) => SignalKey::Database,
            Reading::Routing(_) => SignalKey::Routing,
            Reading::WriteFreeze(_) => SignalKey::WriteFreeze,
            Reading::Integrity(_) => SignalKey::Integrity,
            Reading::Alarms(_) => SignalKey::Alarms,
            Reading::Capacity(_) => SignalKey::Capacity,
            Reading::Secrets(_) => SignalKey::Secrets,
            Reading::HealthyTargets(_) => SignalKey::HealthyTargets,
            Reading::ControlPlane(_) => SignalKey::ControlPlane,
            Reading::Reachable(_) => SignalKey::Reachable,
            Reading::Custom(i, _) => SignalKey::Custom(*i),
        }
    }
}

/// The error of a reading that needed us-east-1's control plane when it did not answer: the
/// same words in every region, so the header can say it once and the regions need not.
pub const CONTROL_PLANE_UNREACHABLE: &str = "us-east-1 control plane unreachable";

/// Why a poll failed, in words an operator can act on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PollError(pub String);

#[derive(Clone, Debug, PartialEq)]
pub struct Update {
    /// Index into the snapshot's regions (the order of the config).
    pub region: usize,
    pub signal: SignalKey,
    /// Source time of the reading (virtual time in the sim).
    pub observed_at: DateTime<Utc>,
    pub result: Result<Reading, PollError>,
}

impl Update {
    pub fn ok(region: usize, observed_at: DateTime<Utc>, reading: Reading) -> Self {
        Self { region, signal: reading.key(), observed_at, result: Ok(reading) }
    }

    pub fn failed(region: usize, signal: SignalKey, observed_at: DateTime<Utc>, error: impl Into<String>) -> Self {
        Self { region, signal, observed_at, result: Err(PollError(error.into())) }
    }
}

/// A poll error as stored: its first line is the sentence (`GetItem: …`), any further lines
/// are labelled details (`fix: …`, `raw: …`) that only the describe view shows.
pub fn error_headline(error: &str) -> &str {
    error.lines().next().unwrap_or_default()
}

/// The headline without the API operation it starts with (`GetMetricData: `): the cause,
/// worded the same whichever call met it, so a cause shared by many signals is said once.
pub fn error_cause(error: &str) -> &str {
    let headline = error_headline(error);
    match headline.split_once(": ") {
        Some((op, rest)) if !op.is_empty() && op.chars().all(|c| c.is_ascii_alphanumeric()) => rest,
        _ => headline,
    }
}

/// The labelled lines after the headline, as (label, text).
pub fn error_details(error: &str) -> Vec<(&str, &str)> {
    error.lines().skip(1).filter_map(|l| l.split_once(": ")).collect()
}

/// The headline and its fix on one line (`check`'s table): what a person acts on.
pub fn error_sentence(error: &str) -> String {
    let fix = error_details(error).into_iter().find(|(label, _)| *label == "fix").map(|(_, fix)| fix);
    match fix {
        Some(fix) => format!("{} — {fix}", error_headline(error)),
        None => error_headline(error).to_owned(),
    }
}
