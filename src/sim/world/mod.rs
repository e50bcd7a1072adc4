//! The simulated two-to-eight-region world: one step per simulated second.
//!
//! Everything the world shows depends only on the seed, the fault timeline and simulated
//! time, never on when or how often it is polled, so a seed replays exactly.

use chrono::{DateTime, Duration, Utc};

mod commands;
mod inventory;

pub use commands::{Command, Completion};
pub use inventory::Series;

use super::faults::{Fault, FaultKind, ScheduledFault};
use super::rng::SplitMix64;
use crate::config::{CustomSignal, RegionConfig};
use crate::model::{
    ChangeStatus, Database, DbRole, HealthChecks, Integrity, Lag, PendingChange, Reading, Role, Routing, RoutingPolicy,
    SignalKey, Update,
};

/// Route 53 runs checkers from this many locations; the sim models each.
pub const CHECKERS: usize = 16;
/// Requests per second the service receives in total when calm.
const DEMAND_RPS: f64 = 1200.0;
/// Requests per second of synthetic probes each region sees even without user traffic.
const SYNTHETIC_RPS: f64 = 2.0;
/// Writes per second the writer takes at full traffic.
const WRITES_PER_SECOND: f64 = 240.0;
const RECORD_TTL_SECONDS: u32 = 60;
/// Checkers re-evaluate on a 10 s cadence (Route 53 "fast" interval), staggered.
const CHECK_INTERVAL_SECONDS: u64 = 10;

#[derive(Clone, Debug)]
struct RegionState {
    name: String,
    /// Database and record names from the config, else made-up ones.
    db_identifier: String,
    record_set_id: String,
    rng: SplitMix64,
    requests: f64,
    error_percent: f64,
    p50_ms: f64,
    p99_ms: f64,
    checkers: [bool; CHECKERS],
    db_role: DbRole,
    lag_seconds: f64,
    writes_per_second: f64,
    write_freeze: bool,
    traffic_share: f64,
    /// Slowly wandering noise, so values wiggle without jumping.
    drift: [f64; 3],
    /// Writes accepted by the writer but not yet replicated here (lost if promoted now).
    unreplicated_writes: f64,
    /// A write-freeze flag change in flight: (when it lands, frozen or not).
    freeze_at: Option<(u64, bool)>,
    promotion: Option<Promotion>,
    /// The database writer here is lost (`db-primary-lost`): it reports unavailable.
    db_lost: bool,
    /// Bad records seen here: written here, or replicated from the writer.
    corrupted_records: f64,
    /// Events processed twice here.
    duplicate_events: f64,
    /// Capacity, alarms, secrets and the custom series.
    inventory: inventory::RegionInventory,
}

/// A database promotion under way or finished.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Promotion {
    pub started: u64,
    pub completes: u64,
    /// Replication lag when promotion began: the time span of lost writes.
    pub lag_seconds: f64,
    /// Writes that never reached this region: lost.
    pub lost_writes: u64,
}

/// A Route 53 change batch moving the routed name to `to`.
#[derive(Clone, Debug, PartialEq)]
struct Change {
    id: String,
    to: usize,
    submitted: u64,
    insync_at: u64,
}

/// What a read of a dark region says, as the AWS pollers word a timeout.
pub const DARK_ERROR: &str = "timed out (no answer within aws.call-timeout)";

/// Targets behind a simulated region's load balancer when it models no capacity.
const SIM_TARGETS: u32 = 4;

/// What faults do to one region at one moment.
#[derive(Clone, Debug, Default, PartialEq)]
struct Impairment {
    /// 0 = healthy, 1 = fully out.
    level: f64,
    /// Extra 5xx percentage.
    error_percent: f64,
    /// Extra replication lag per second into this region.
    lag_growth: f64,
    db_lost: bool,
    /// Synthetic checks (and so health checkers) fail; requests served here fail.
    secret_missing: bool,
    /// Flapping health checks: `Some(true)` in a failing phase.
    flapping_failing: Option<bool>,
    /// Route 53 changes touching this region stay PENDING.
    dns_stuck: bool,
    /// Gray failure: extra p99 milliseconds, and 0–1 of the ramp for p50.
    p99_extra_ms: f64,
    gray_level: f64,
    corrupted_per_second: f64,
    duplicates_per_second: f64,
    /// Instances that can launch (`capacity-shortfall`).
    available: Option<u32>,
    /// Its own endpoints do not answer (`region-dark`).
    dark: bool,
    /// Alarms held in a state (`alarm`).
    alarms: Vec<(super::faults::AlarmPick, crate::model::AlarmState)>,
}

#[derive(Clone, Debug)]
pub struct World {
    epoch: DateTime<Utc>,
    seed: u64,
    elapsed_seconds: u64,
    regions: Vec<RegionState>,
    timeline: Vec<ScheduledFault>,
    /// The region whose record Route 53 answers with. Routing is operator-controlled (a
    /// failover record pair or ARC routing control): the sim never fails over on its own.
    active_region: usize,
    demand_noise: f64,
    rng: SplitMix64,
    change: Option<Change>,
    changes_made: u32,
    /// What each `[[signals]]` row reads (`with_signals`).
    series: Vec<Series>,
    /// Traffic moves by ARC routing controls (data plane), not Route 53 records.
    routing_controls: bool,
}

impl World {
    pub fn new(regions: &[RegionConfig], seed: u64, epoch: DateTime<Utc>, timeline: Vec<ScheduledFault>) -> Self {
        let mut rng = SplitMix64::new(seed);
        let active_region = regions.iter().position(|r| r.role == Role::Primary).unwrap_or(0);
        let states = regions
            .iter()
            .enumerate()
            .map(|(i, r)| RegionState {
                name: r.name.clone(),
                db_identifier: r.aws.database.as_ref().map_or_else(
                    || match r.role {
                        Role::Primary => "checkout-db".to_owned(),
                        Role::Secondary => format!("checkout-db-replica-{i}"),
                    },
                    |d| d.identifier().to_owned(),
                ),
                record_set_id: r.aws.record_set_id.clone().unwrap_or_else(|| record_set_id(r.role, i)),
                rng: SplitMix64::new(rng.next_u64()),
                requests: 0.0,
                error_percent: 0.3,
                p50_ms: 38.0,
                p99_ms: 260.0,
                checkers: [true; CHECKERS],
                db_role: if r.role == Role::Primary { DbRole::Writer } else { DbRole::Replica },
                lag_seconds: 0.6,
                writes_per_second: 0.0,
                write_freeze: false,
                traffic_share: if i == active_region { 1.0 } else { 0.0 },
                drift: [0.0; 3],
                unreplicated_writes: 0.0,
                freeze_at: None,
                promotion: None,
                db_lost: false,
                corrupted_records: 0.0,
                duplicate_events: 0.0,
                inventory: inventory::RegionInventory::new(r, i == active_region),
            })
            .collect();
        let mut world = Self {
            epoch,
            seed,
            elapsed_seconds: 0,
            regions: states,
            timeline,
            active_region,
            demand_noise: 0.0,
            rng,
            change: None,
            changes_made: 0,
            series: Vec::new(),
            routing_controls: false,
        };
        world.step_once();
        world
    }

    /// Shift by ARC routing controls (`method = "arc"`): a shift takes effect at once and needs
    /// nothing of the global control plane.
    pub fn with_routing_controls(mut self, on: bool) -> Self {
        self.routing_controls = on;
        self
    }

    pub fn routing_controls(&self) -> bool {
        self.routing_controls
    }

    /// us-east-1's control plane does not answer now (a `control-plane-outage`).
    pub fn control_plane_down(&self) -> bool {
        let now = self.elapsed();
        self.timeline.iter().any(|f| f.fault == Fault::ControlPlaneOutage && f.active_at(now))
    }

    /// The region's own endpoints do not answer now (a `region-dark`).
    pub fn dark(&self, region: usize) -> bool {
        self.impairment(region, self.elapsed()).dark
    }

    /// A poll of `region` at `now` as its pollers would report it: what the region itself
    /// serves fails when it is dark, what goes through us-east-1 fails when that is down.
    pub fn poll(&self, region: usize, now: DateTime<Utc>) -> Vec<Update> {
        let (dark, global_down) = (self.dark(region), self.control_plane_down());
        self.observe(region)
            .into_iter()
            .map(|reading| {
                let key = reading.key();
                match key {
                    SignalKey::ControlPlane => Update::ok(region, now, Reading::ControlPlane(!global_down)),
                    SignalKey::Reachable => Update::ok(region, now, Reading::Reachable(!dark)),
                    SignalKey::HealthChecks if global_down => {
                        Update::failed(region, key, now, crate::model::CONTROL_PLANE_UNREACHABLE)
                    }
                    SignalKey::Routing if global_down && !self.routing_controls => {
                        Update::failed(region, key, now, crate::model::CONTROL_PLANE_UNREACHABLE)
                    }
                    // Read through Route 53 or the ARC cluster, not the region itself.
                    SignalKey::HealthChecks | SignalKey::Routing => Update::ok(region, now, reading),
                    _ if dark => Update::failed(region, key, now, DARK_ERROR),
                    _ => Update::ok(region, now, reading),
                }
            })
            .collect()
    }

    /// Publish a series for each `[[signals]]` row, recognised by its metric.
    pub fn with_signals(mut self, signals: &[CustomSignal]) -> Self {
        self.series = signals.iter().map(Series::of).collect();
        self
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    pub fn epoch(&self) -> DateTime<Utc> {
        self.epoch
    }

    pub fn elapsed(&self) -> Duration {
        Duration::seconds(i64::try_from(self.elapsed_seconds).unwrap_or(i64::MAX))
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.epoch + self.elapsed()
    }

    pub fn region_count(&self) -> usize {
        self.regions.len()
    }

    pub fn timeline(&self) -> &[ScheduledFault] {
        &self.timeline
    }

    /// Step the world forward to simulated time `now`. Going backwards is a no-op.
    pub fn advance_to(&mut self, now: DateTime<Utc>) {
        let target = u64::try_from((now - self.epoch).num_seconds()).unwrap_or(0);
        while self.elapsed_seconds < target {
            self.elapsed_seconds += 1;
            self.step_once();
        }
    }

    /// One poll of every region at `now` (already advanced to), in region order.
    pub fn poll_all(&self, now: DateTime<Utc>) -> Vec<Update> {
        (0..self.region_count()).flat_map(|region| self.poll(region, now)).collect()
    }

    /// What a poll of `region` reads now: one reading per signal.
    pub fn observe(&self, region: usize) -> Vec<Reading> {
        let Some(r) = self.regions.get(region) else { return Vec::new() };
        let healthy = u8::try_from(r.checkers.iter().filter(|c| **c).count()).unwrap_or(u8::MAX);
        let lag = Lag::from_role(r.db_role).unwrap_or(Lag::Behind(round_to(r.lag_seconds, 1)));
        let mut readings = vec![
            Reading::Requests(round_to(r.requests, 1)),
            Reading::ErrorRate(round_to(r.error_percent, 2)),
            Reading::LatencyP50(round_to(r.p50_ms, 0)),
            Reading::LatencyP99(round_to(r.p99_ms, 0)),
            Reading::ReplicationLag(lag),
            Reading::HealthChecks(HealthChecks { healthy, total: CHECKERS as u8 }),
            Reading::Database(database_of(r)),
            Reading::Routing(Routing {
                record_set_id: if self.routing_controls {
                    format!("checkout-{}", r.name)
                } else {
                    r.record_set_id.clone()
                },
                policy: if self.routing_controls { RoutingPolicy::RoutingControl } else { RoutingPolicy::Failover },
                active: region == self.active_region,
                weight: None,
                ttl_seconds: RECORD_TTL_SECONDS,
                // A routing control takes effect at once: nothing is ever pending.
                change: self.change.as_ref().filter(|_| !self.routing_controls).map(|c| PendingChange {
                    id: c.id.clone(),
                    submitted_at: self.at(c.submitted),
                    status: if self.elapsed_seconds >= c.insync_at {
                        ChangeStatus::Insync
                    } else {
                        ChangeStatus::Pending
                    },
                }),
            }),
            Reading::WriteFreeze(r.write_freeze),
            Reading::Integrity(Integrity {
                corrupted_records: r.corrupted_records.floor() as u64,
                duplicate_events: r.duplicate_events.floor() as u64,
                unreplicated_writes: (r.db_role == DbRole::Replica).then(|| r.unreplicated_writes.round() as u64),
            }),
        ];
        let impairment = self.impairment(region, self.elapsed());
        let missing = impairment.secret_missing;
        // The load balancer's view from inside the region: what runs, less what an outage took.
        let running = r.inventory.capacity().map_or(f64::from(SIM_TARGETS), |c| f64::from(c.running));
        readings.push(Reading::HealthyTargets((running * (1.0 - impairment.level)).floor()));
        readings.push(Reading::ControlPlane(true));
        readings.push(Reading::Reachable(true));
        readings.extend(r.inventory.capacity().map(Reading::Capacity));
        readings.extend(r.inventory.alarms().map(Reading::Alarms));
        readings.extend(r.inventory.secrets(missing).map(Reading::Secrets));
        for (i, series) in self.series.iter().enumerate() {
            let Ok(i) = u8::try_from(i) else { break };
            readings.push(Reading::Custom(i, round_to(r.inventory.series(*series), 1)));
        }
        readings
    }

    /// Start every replica this many seconds behind (a scenario's `starting-lag`).
    pub fn set_replica_lag(&mut self, seconds: f64) {
        for r in self.regions.iter_mut().filter(|r| r.db_role == DbRole::Replica) {
            r.lag_seconds = seconds.max(0.0);
        }
    }

    /// Add a fault now (a facilitator's injection), until cleared.
    pub fn inject(&mut self, region: usize, fault: Fault) {
        self.timeline.push(ScheduledFault { at: self.elapsed(), until: None, region, fault });
    }

    /// End every active fault of `kind` in `region` now; how many were ended.
    pub fn clear(&mut self, region: usize, kind: FaultKind) -> usize {
        let now = self.elapsed();
        let mut ended = 0;
        for f in self.timeline.iter_mut().filter(|f| f.region == region && f.fault.kind() == kind && f.active_at(now)) {
            f.until = Some(now);
            ended += 1;
        }
        ended
    }

    /// The faults active now, as (region, fault).
    pub fn active_faults(&self) -> Vec<(usize, Fault)> {
        let now = self.elapsed();
        self.timeline.iter().filter(|f| f.active_at(now)).map(|f| (f.region, f.fault)).collect()
    }

    /// Writes per second the region's database is taking.
    pub fn writes_per_second(&self, region: usize) -> Option<f64> {
        self.regions.get(region).map(|r| r.writes_per_second)
    }

    pub fn region_index(&self, name: &str) -> Option<usize> {
        self.regions.iter().position(|r| r.name == name)
    }

    pub fn region_name(&self, index: usize) -> Option<&str> {
        self.regions.get(index).map(|r| r.name.as_str())
    }

    pub fn active_region(&self) -> usize {
        self.active_region
    }

    pub fn promotion(&self, region: usize) -> Option<Promotion> {
        self.regions.get(region).and_then(|r| r.promotion)
    }

    fn at(&self, elapsed_seconds: u64) -> DateTime<Utc> {
        self.epoch + Duration::seconds(i64::try_from(elapsed_seconds).unwrap_or(i64::MAX))
    }

    fn impairment(&self, region: usize, elapsed: Duration) -> Impairment {
        let mut out = Impairment::default();
        for f in self.timeline.iter().filter(|f| f.region == region && f.active_at(elapsed)) {
            match f.fault {
                Fault::RegionOutage { error_percent, ramp } => {
                    let since = (elapsed - f.at).as_seconds_f64();
                    let ramp = ramp.as_seconds_f64();
                    let level = if ramp <= 0.0 { 1.0 } else { (since / ramp).clamp(0.0, 1.0) };
                    out.level = out.level.max(level);
                    out.error_percent = out.error_percent.max(error_percent * level);
                }
                Fault::ReplicationDelay { seconds_per_second } => out.lag_growth += seconds_per_second,
                Fault::DbPrimaryLost => out.db_lost = true,
                Fault::MissingSecret => out.secret_missing = true,
                Fault::FlappingHealthCheck { period } => {
                    let period = period.num_seconds().max(1);
                    let phase = (elapsed - f.at).num_seconds() / period;
                    out.flapping_failing = Some(phase % 2 == 1);
                }
                Fault::DnsChangeStuck => out.dns_stuck = true,
                Fault::LatencyDegradation { p99, ramp } => {
                    let since = (elapsed - f.at).as_seconds_f64();
                    let ramp = ramp.as_seconds_f64();
                    let level = if ramp <= 0.0 { 1.0 } else { (since / ramp).clamp(0.0, 1.0) };
                    let extra = (p99.as_seconds_f64() * 1000.0 - 260.0).max(0.0) * level;
                    out.p99_extra_ms = out.p99_extra_ms.max(extra);
                    out.gray_level = out.gray_level.max(level);
                }
                Fault::CorruptedData { records_per_minute } => out.corrupted_per_second += records_per_minute / 60.0,
                Fault::DuplicateReplay { events_per_minute } => out.duplicates_per_second += events_per_minute / 60.0,
                Fault::CapacityShortfall { available } => {
                    out.available = Some(out.available.map_or(available, |a| a.min(available)));
                }
                Fault::Alarm { alarm, state } => out.alarms.push((alarm, state)),
                Fault::RegionDark => out.dark = true,
                // Global: read by `control_plane_down`, whichever region it names.
                Fault::ControlPlaneOutage => {}
            }
        }
        out
    }

    fn step_once(&mut self) {
        let elapsed = self.elapsed();
        let now = self.elapsed_seconds;
        let impairments: Vec<Impairment> = (0..self.regions.len()).map(|i| self.impairment(i, elapsed)).collect();
        let stuck = |i: usize| impairments.get(i).is_some_and(|imp| imp.dns_stuck);
        let active = self.active_region;
        if let Some(c) = &mut self.change {
            // A stuck change never finishes propagating while the fault lasts.
            if (stuck(c.to) || stuck(active)) && now + 1 >= c.insync_at {
                c.insync_at = now + 1;
            }
            if now >= c.insync_at {
                self.active_region = c.to;
            }
        }
        for r in &mut self.regions {
            if let Some((at, frozen)) = r.freeze_at
                && now >= at
            {
                r.write_freeze = frozen;
                r.freeze_at = None;
            }
            if let Some(p) = r.promotion
                && r.db_role == DbRole::Promoting
                && now >= p.completes
            {
                r.db_role = DbRole::Writer;
            }
        }
        for (r, imp) in self.regions.iter_mut().zip(&impairments) {
            r.db_lost = imp.db_lost && r.db_role == DbRole::Writer;
        }
        // The original writer: the source of replication (the first region that was primary).
        let writer = self.regions.iter().position(|r| r.db_role == DbRole::Writer && r.promotion.is_none());
        let writer_level = writer
            .and_then(|w| impairments.get(w).map(|i| if self.regions[w].db_lost { 1.0 } else { i.level }))
            .map_or(1.0, |l| l);
        let writer_frozen = writer.is_some_and(|w| self.regions[w].write_freeze);
        let writer_writes = writer.map_or(0.0, |w| self.regions[w].writes_per_second);

        self.demand_noise = 0.9 * self.demand_noise + 0.1 * self.rng.symmetric();
        let demand = DEMAND_RPS * (1.0 + 0.05 * self.demand_noise);
        let settle = 1.0 - (-2.0 / f64::from(RECORD_TTL_SECONDS)).exp();
        let tick = self.elapsed_seconds;

        for (i, (r, imp)) in self.regions.iter_mut().zip(&impairments).enumerate() {
            for d in &mut r.drift {
                *d = 0.92 * *d + 0.08 * r.rng.symmetric() * 3.0;
            }
            let target_share = if i == self.active_region { 1.0 } else { 0.0 };
            r.traffic_share += (target_share - r.traffic_share) * settle;
            r.requests = (demand * r.traffic_share * (1.0 - 0.3 * imp.level) + SYNTHETIC_RPS).max(0.0);

            let base_errors = 0.3 + 0.12 * r.drift[0];
            // Serving users from a read-only replica (or a lost writer): every write fails.
            let read_only = if r.db_role == DbRole::Writer && !r.db_lost { 0.0 } else { 35.0 * r.traffic_share };
            // Without its secret the application fails every request, synthetic ones included.
            let secret = if imp.secret_missing { 60.0 } else { 0.0 };
            r.error_percent =
                (base_errors + read_only + secret + imp.error_percent * (1.0 + 0.06 * r.drift[0])).clamp(0.0, 100.0);
            r.p50_ms = (38.0 * (1.0 + 6.0 * imp.level + 0.5 * imp.gray_level) * (1.0 + 0.04 * r.drift[1])).max(1.0);
            r.p99_ms =
                ((260.0 * (1.0 + 14.0 * imp.level) + imp.p99_extra_ms) * (1.0 + 0.07 * r.drift[2])).max(r.p50_ms);
            r.corrupted_records += imp.corrupted_per_second;
            r.duplicate_events += imp.duplicates_per_second;

            // Each checker re-evaluates on its own stagger; impaired endpoints fail most checks.
            // Gray failure passes them: the health endpoint is fast, real requests are not.
            let healthy_p = match imp.flapping_failing {
                Some(true) => 0.05,
                _ if imp.secret_missing => 0.02,
                _ if imp.level > 0.0 => 1.0 - 0.97 * imp.level,
                _ => 0.995,
            };
            for (c, checker) in r.checkers.iter_mut().enumerate() {
                if (tick + c as u64).is_multiple_of(CHECK_INTERVAL_SECONDS) {
                    *checker = r.rng.chance(healthy_p);
                }
            }

            match r.db_role {
                DbRole::Writer if r.db_lost => r.writes_per_second = 0.0,
                DbRole::Writer => {
                    r.writes_per_second = if r.write_freeze {
                        0.0
                    } else {
                        WRITES_PER_SECOND * r.traffic_share * (1.0 - r.error_percent / 100.0)
                    };
                }
                DbRole::Promoting | DbRole::Unavailable => r.writes_per_second = 0.0,
                DbRole::Replica => {
                    r.writes_per_second = 0.0;
                    // Replication stalls as the writer's region fails (unless writes are frozen:
                    // nothing new to fall behind on); extra delay adds on top.
                    let stall = if writer_frozen { 0.0 } else { writer_level };
                    let growth = stall + imp.lag_growth;
                    let baseline = 0.6 + 0.4 * r.drift[1].clamp(-1.0, 1.0);
                    if growth > 0.0 {
                        r.lag_seconds += growth;
                        // Writes the writer accepted this second that did not make it across.
                        r.unreplicated_writes += writer_writes * stall.min(1.0);
                    } else if writer_level < 0.05 {
                        r.lag_seconds = (r.lag_seconds - 3.0).max(baseline);
                        r.unreplicated_writes = (r.unreplicated_writes - 3.0 * WRITES_PER_SECOND).max(0.0);
                    }
                }
            }
        }
        for (r, imp) in self.regions.iter_mut().zip(&impairments) {
            let facts = inventory::Facts {
                level: imp.level,
                error_percent: r.error_percent,
                p99_ms: r.p99_ms,
                lag_seconds: if r.db_role == DbRole::Replica { r.lag_seconds } else { 0.0 },
                secret_missing: imp.secret_missing,
                available: imp.available,
                alarms: imp.alarms.clone(),
                noise: r.drift[0].clamp(-1.0, 1.0),
            };
            r.inventory.step(tick, &facts);
        }
        // Bad records written at the writer replicate to every replica.
        if let Some(w) = writer {
            let bad = self.regions[w].corrupted_records;
            for r in self.regions.iter_mut().filter(|r| r.db_role == DbRole::Replica) {
                r.corrupted_records = r.corrupted_records.max(bad);
            }
        }
    }
}

fn database_of(r: &RegionState) -> Database {
    let endpoint = format!("{}.c9x2kq8v7hzt.{}.rds.amazonaws.com", r.db_identifier, r.name);
    let role = if r.db_lost { DbRole::Unavailable } else { r.db_role };
    Database { role, identifier: r.db_identifier.clone(), endpoint }
}

fn record_set_id(role: Role, index: usize) -> String {
    match (role, index) {
        (Role::Primary, _) => "primary".into(),
        (Role::Secondary, 1) => "secondary".into(),
        (Role::Secondary, i) => format!("secondary-{i}"),
    }
}

fn round_to(value: f64, decimals: i32) -> f64 {
    let factor = 10f64.powi(decimals);
    (value * factor).round() / factor
}

#[cfg(test)]
mod tests;
