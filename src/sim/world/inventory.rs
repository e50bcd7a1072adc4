//! The simulated account's inventory: each region's capacity (an Auto Scaling group that
//! launches an instance every few seconds), its alarms (which follow the region's own 5xx,
//! latency and synthetic checks unless a fault holds them), its secrets, and the custom
//! series a team graphs (queue age, stream iterator age, S3 replication latency).

use crate::config::{CustomSignal, MetricSpec, RegionConfig};
use crate::model::{Alarm, AlarmState, Alarms, Capacity, SecretCheck, Secrets};

use super::super::faults::AlarmPick;

/// Seconds between instance launches while a group is below its desired capacity.
pub const LAUNCH_EVERY_SECONDS: u64 = 4;
/// A group's maximum size in the sim: twice what a region needs.
const MAX_FACTOR: u32 = 2;
/// The error rate and p99 the simulated alarms fire at (the default thresholds).
const ERRORS_ALARM_PERCENT: f64 = 5.0;
const LATENCY_ALARM_MS: f64 = 1500.0;

#[derive(Clone, Debug)]
pub(super) struct SimCapacity {
    what: String,
    pub(super) running: u32,
    pub(super) desired: u32,
    pub(super) max: u32,
    needed: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum AlarmRole {
    Errors,
    Latency,
    Canary,
    Other,
}

#[derive(Clone, Debug)]
pub(super) struct SimAlarm {
    name: String,
    role: AlarmRole,
    accepts_insufficient: bool,
    pub(super) state: AlarmState,
}

/// What a custom row measures, recognised by its metric's name.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Series {
    /// SQS `ApproximateAgeOfOldestMessage`, seconds: consumers stall as the region fails.
    QueueAge,
    /// Kinesis iterator age, milliseconds.
    StreamAge,
    /// S3 `ReplicationLatency`, seconds: follows the database's replication trouble.
    S3Replication,
    /// Anything else: steady at this value.
    Flat(f64),
}

impl Series {
    pub fn of(signal: &CustomSignal) -> Self {
        let metric = match &signal.spec {
            MetricSpec::Stat(s) => s.metric.as_str(),
            MetricSpec::Expression { using, .. } => using.first().map_or("", |(_, s)| s.metric.as_str()),
        };
        if metric.contains("AgeOfOldestMessage") {
            Series::QueueAge
        } else if metric.contains("IteratorAge") {
            Series::StreamAge
        } else if metric.contains("ReplicationLatency") {
            Series::S3Replication
        } else {
            Series::Flat(signal.warn * 0.3)
        }
    }
}

/// One region's inventory and series.
#[derive(Clone, Debug, Default)]
pub(super) struct RegionInventory {
    pub(super) capacity: Option<SimCapacity>,
    pub(super) alarms: Vec<SimAlarm>,
    secrets: Vec<String>,
    pub(super) queue_age: f64,
    pub(super) stream_age_ms: f64,
    pub(super) s3_latency: f64,
}

impl RegionInventory {
    pub(super) fn new(config: &RegionConfig, serving: bool) -> Self {
        let capacity = config.aws.capacity.as_ref().map(|c| {
            // The serving region runs what it needs; a warm standby a third of it.
            let running = if serving { c.needed } else { c.needed.div_ceil(3) };
            SimCapacity {
                what: c.describe(),
                running,
                desired: running,
                max: c.needed.saturating_mul(MAX_FACTOR),
                needed: c.needed,
            }
        });
        let a = &config.aws.alarms;
        let alarms = a
            .exact_names()
            .into_iter()
            .map(|name| {
                let lower = name.to_lowercase();
                let role = if a.is_canary(&name) {
                    AlarmRole::Canary
                } else if lower.contains("5xx") || lower.contains("error") {
                    AlarmRole::Errors
                } else if lower.contains("latency") || lower.contains("p99") {
                    AlarmRole::Latency
                } else {
                    AlarmRole::Other
                };
                SimAlarm { accepts_insufficient: a.accepts_insufficient(&name), name, role, state: AlarmState::Ok }
            })
            .collect();
        Self {
            capacity,
            alarms,
            secrets: config.aws.secrets.clone(),
            queue_age: 2.0,
            stream_age_ms: 800.0,
            s3_latency: 20.0,
        }
    }

    /// One simulated second.
    pub(super) fn step(&mut self, now: u64, facts: &Facts) {
        if let Some(c) = &mut self.capacity {
            let ceiling = facts.available.unwrap_or(u32::MAX).min(c.desired);
            if c.running < ceiling && now.is_multiple_of(LAUNCH_EVERY_SECONDS) {
                c.running += 1;
            } else if c.running > ceiling {
                c.running = ceiling;
            }
        }
        for alarm in &mut self.alarms {
            let held = facts.alarms.iter().find(|(pick, _)| match pick {
                AlarmPick::All => true,
                AlarmPick::Errors => alarm.role == AlarmRole::Errors,
                AlarmPick::Latency => alarm.role == AlarmRole::Latency,
                AlarmPick::Canary => alarm.role == AlarmRole::Canary,
            });
            let firing = match alarm.role {
                AlarmRole::Errors => facts.error_percent > ERRORS_ALARM_PERCENT,
                AlarmRole::Latency => facts.p99_ms > LATENCY_ALARM_MS,
                // Synthetic checks fail when the app cannot start (missing secret) or fails.
                AlarmRole::Canary => facts.secret_missing || facts.level > 0.5,
                AlarmRole::Other => false,
            };
            alarm.state = match held {
                Some((_, state)) => *state,
                None if firing => AlarmState::Alarm,
                None => AlarmState::Ok,
            };
        }
        // Consumers fall behind while the region is impaired, and catch up once it is not.
        if facts.level > 0.05 {
            self.queue_age += facts.level * 2.0;
            self.stream_age_ms += facts.level * 2000.0;
        } else {
            self.queue_age = (self.queue_age - 10.0).max(2.0 + facts.noise);
            self.stream_age_ms = (self.stream_age_ms - 10_000.0).max(800.0 + 200.0 * facts.noise);
        }
        self.s3_latency = 20.0 + 4.0 * facts.noise + facts.lag_seconds.min(3600.0) * 0.5 + facts.level * 600.0;
    }

    pub(super) fn capacity(&self) -> Option<Capacity> {
        self.capacity.as_ref().map(|c| Capacity {
            what: c.what.clone(),
            running: c.running,
            desired: c.desired,
            max: Some(c.max),
            needed: c.needed,
        })
    }

    pub(super) fn alarms(&self) -> Option<Alarms> {
        (!self.alarms.is_empty()).then(|| Alarms {
            alarms: self
                .alarms
                .iter()
                .map(|a| Alarm {
                    name: a.name.clone(),
                    state: a.state,
                    accepts_insufficient: a.accepts_insufficient,
                    canary: a.role == AlarmRole::Canary,
                })
                .collect(),
            missing: Vec::new(),
            every_seconds: 0,
        })
    }

    /// With `missing`, the first secret is gone (what the `missing-secret` fault means).
    pub(super) fn secrets(&self, missing: bool) -> Option<Secrets> {
        (!self.secrets.is_empty()).then(|| Secrets {
            secrets: self
                .secrets
                .iter()
                .enumerate()
                .map(|(i, name)| {
                    let gone = missing && i == 0;
                    SecretCheck {
                        name: name.clone(),
                        present: !gone,
                        why: gone.then(|| "not found (ResourceNotFoundException)".to_owned()),
                    }
                })
                .collect(),
            every_seconds: 0,
        })
    }

    pub(super) fn series(&self, series: Series) -> f64 {
        match series {
            Series::QueueAge => self.queue_age,
            Series::StreamAge => self.stream_age_ms,
            Series::S3Replication => self.s3_latency,
            Series::Flat(v) => v,
        }
    }
}

/// What the rest of the world says about a region this second.
#[derive(Clone, Debug, Default)]
pub(super) struct Facts {
    pub(super) level: f64,
    pub(super) error_percent: f64,
    pub(super) p99_ms: f64,
    pub(super) lag_seconds: f64,
    pub(super) secret_missing: bool,
    pub(super) available: Option<u32>,
    pub(super) alarms: Vec<(AlarmPick, AlarmState)>,
    /// -1..1 wander, so the series wiggle.
    pub(super) noise: f64,
}
