//! What operators do to the world: the sim executor's side of an `Action`. Each command
//! takes as long as it would on AWS (a freeze seconds, a promotion 1–3 minutes, a Route 53
//! change 30–60 s) and says, once finished, what is worth journaling.

use super::{Change, Promotion, World, round_to};
use crate::model::DbRole;

/// Something an operator does to the world (the sim executor's side of an `Action`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    FreezeWrites(usize),
    UnfreezeWrites(usize),
    Promote(usize),
    ShiftTraffic(usize),
    /// Set the region's desired capacity to at least this many.
    Scale(usize, u32),
}

/// How a finished command went, with the facts worth journaling.
#[derive(Clone, Debug, PartialEq)]
pub struct Completion {
    pub detail: String,
    pub data: serde_json::Value,
}

impl World {
    /// The desired state of `command` already holds: doing it again would change nothing.
    pub fn holds(&self, command: Command) -> bool {
        match command {
            Command::FreezeWrites(r) => self.regions.get(r).is_some_and(|r| r.write_freeze),
            Command::UnfreezeWrites(r) => self.regions.get(r).is_some_and(|r| !r.write_freeze),
            Command::Promote(r) => self.regions.get(r).is_some_and(|r| r.db_role == DbRole::Writer),
            Command::ShiftTraffic(to) => {
                self.active_region == to && self.change.as_ref().is_none_or(|c| self.elapsed_seconds >= c.insync_at)
            }
            Command::Scale(r, target) => self
                .regions
                .get(r)
                .and_then(|r| r.inventory.capacity.as_ref())
                .is_some_and(|c| c.desired >= target && c.running >= target),
        }
    }

    /// Begin `command` now. Durations are realistic: a freeze takes seconds, a promotion 1–3
    /// minutes, a Route 53 change 30–60 s to reach every resolver.
    pub fn start(&mut self, command: Command) -> Result<(), String> {
        let now = self.elapsed_seconds;
        // What cannot be reached cannot be changed, as on AWS.
        match command {
            Command::FreezeWrites(r) | Command::UnfreezeWrites(r) | Command::Promote(r) | Command::Scale(r, _)
                if self.dark(r) =>
            {
                let name = self.region_name(r).unwrap_or("the region");
                return Err(format!("{name} unreachable: {}", crate::sim::world::DARK_ERROR));
            }
            Command::ShiftTraffic(_) if self.control_plane_down() && !self.routing_controls() => {
                return Err(format!("{}: Route 53 records cannot be changed", crate::model::CONTROL_PLANE_UNREACHABLE));
            }
            _ => {}
        }
        match command {
            Command::FreezeWrites(r) | Command::UnfreezeWrites(r) => {
                let frozen = matches!(command, Command::FreezeWrites(_));
                let region = self.regions.get_mut(r).ok_or("no such region")?;
                if region.freeze_at.is_none_or(|(_, pending)| pending != frozen) {
                    region.freeze_at = Some((now + 3, frozen));
                }
            }
            Command::Promote(r) => {
                let region = self.regions.get_mut(r).ok_or("no such region")?;
                match region.db_role {
                    DbRole::Writer | DbRole::Promoting => {}
                    DbRole::Unavailable => return Err(format!("{} database is unavailable", region.name)),
                    DbRole::Replica => {
                        let duration = 60 + (region.rng.next_u64() % 121);
                        region.promotion = Some(Promotion {
                            started: now,
                            completes: now + duration,
                            lag_seconds: round_to(region.lag_seconds, 1),
                            lost_writes: region.unreplicated_writes.round() as u64,
                        });
                        region.db_role = DbRole::Promoting;
                    }
                }
            }
            Command::Scale(r, target) => {
                let region = self.regions.get_mut(r).ok_or("no such region")?;
                let name = region.name.clone();
                let c =
                    region.inventory.capacity.as_mut().ok_or_else(|| format!("{name} has no capacity configured"))?;
                if target > c.max {
                    return Err(format!(
                        "refused before sending: target {target} is above the group's maximum size {}",
                        c.max
                    ));
                }
                c.desired = c.desired.max(target);
            }
            Command::ShiftTraffic(to) => {
                if to >= self.regions.len() {
                    return Err("no such region".into());
                }
                if self.change.as_ref().is_some_and(|c| c.to == to && now < c.insync_at) {
                    return Ok(());
                }
                self.changes_made += 1;
                let id = format!("C{:05}SIM{:04}", self.seed % 100_000, self.changes_made);
                // A routing control takes effect at once; a record change propagates.
                let insync_at = if self.routing_controls() { now } else { now + 30 + self.rng.next_u64() % 31 };
                self.change = Some(Change { id, to, submitted: now, insync_at });
            }
        }
        Ok(())
    }

    /// `Some` once `command` (started earlier) has finished.
    pub fn completion(&self, command: Command) -> Option<Result<Completion, String>> {
        match command {
            Command::FreezeWrites(r) | Command::UnfreezeWrites(r) => {
                let frozen = matches!(command, Command::FreezeWrites(_));
                let region = self.regions.get(r)?;
                let done = if frozen { "set" } else { "cleared: writes open" };
                (region.write_freeze == frozen && region.freeze_at.is_none()).then(|| {
                    Ok(Completion {
                        detail: format!("write-freeze flag {done} in {}", region.name),
                        data: serde_json::json!({}),
                    })
                })
            }
            Command::Promote(r) => {
                let region = self.regions.get(r)?;
                let p = region.promotion?;
                (region.db_role == DbRole::Writer).then(|| {
                    Ok(Completion {
                        detail: format!(
                            "{} is the writer after {}s; {} writes ({:.1}s) were not replicated",
                            region.name,
                            p.completes - p.started,
                            p.lost_writes,
                            p.lag_seconds
                        ),
                        data: serde_json::json!({
                            "lag_seconds": p.lag_seconds,
                            "lost_writes": p.lost_writes,
                            "promotion_seconds": p.completes - p.started,
                        }),
                    })
                })
            }
            Command::Scale(r, target) => {
                let region = self.regions.get(r)?;
                let c = region.inventory.capacity.as_ref()?;
                (c.running >= target).then(|| {
                    Ok(Completion {
                        detail: format!("{} runs {}/{target} (desired {})", region.name, c.running, c.desired),
                        data: serde_json::json!({ "running": c.running, "desired": c.desired }),
                    })
                })
            }
            Command::ShiftTraffic(to) => {
                let c = self.change.as_ref().filter(|c| c.to == to)?;
                (self.elapsed_seconds >= c.insync_at).then(|| {
                    let detail = if self.routing_controls() {
                        format!("routing control checkout-{} On, the others Off", self.regions[to].name)
                    } else {
                        format!("change {} is INSYNC: {} is active", c.id, self.regions[to].name)
                    };
                    Ok(Completion {
                        detail,
                        data: serde_json::json!({ "change_id": c.id, "propagation_seconds": c.insync_at - c.submitted }),
                    })
                })
            }
        }
    }
}
