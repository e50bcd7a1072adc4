//! Sim pollers: one task per region reading the simulated world at the poll interval.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use chrono::{DateTime, Duration, Utc};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

use crate::model::Update;
use crate::sim::{SimClock, World};

/// The world is the simulated *cloud*, shared by its pollers (and later its executor) the way
/// AWS is shared by SDK clients. App state is never behind this lock.
#[derive(Clone, Debug)]
pub struct SharedWorld(Arc<Mutex<World>>);

impl SharedWorld {
    pub fn new(world: World) -> Self {
        Self(Arc::new(Mutex::new(world)))
    }

    /// A poisoned lock only means another poller panicked mid-read; the world itself is
    /// still consistent (steps are applied whole), so keep serving it.
    pub fn lock(&self) -> MutexGuard<'_, World> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// One poll of one region at simulated time `now`.
pub fn poll_region(world: &SharedWorld, region: usize, now: DateTime<Utc>) -> Vec<Update> {
    let mut w = world.lock();
    w.advance_to(now);
    w.poll(region, now)
}

/// One poll of every region at simulated time `now`, in region order.
pub fn poll_all(world: &SharedWorld, now: DateTime<Utc>) -> Vec<Update> {
    let mut w = world.lock();
    w.advance_to(now);
    w.poll_all(now)
}

/// Start one poller per region. Each stops by itself when the receiver is dropped.
pub fn spawn_pollers(
    world: &SharedWorld,
    clock: &SimClock,
    poll_interval: Duration,
    tx: &mpsc::Sender<Update>,
) -> Vec<JoinHandle<()>> {
    let regions = world.lock().region_count();
    (0..regions)
        .map(|region| {
            let (world, clock, tx) = (world.clone(), clock.clone(), tx.clone());
            tokio::spawn(async move { run_poller(world, clock, poll_interval, region, tx).await })
        })
        .collect()
}

async fn run_poller(
    world: SharedWorld,
    clock: SimClock,
    poll_interval: Duration,
    region: usize,
    tx: mpsc::Sender<Update>,
) {
    let mut ticker = tokio::time::interval(clock.real_interval(poll_interval));
    ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        for update in poll_region(&world, region, clock.now()) {
            if tx.send(update).await.is_err() {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::sim::demo_timeline;

    #[tokio::test]
    async fn pollers_report_every_region_and_stop_when_the_app_goes_away() {
        let clock = SimClock::new(Utc::now(), 1000.0);
        let world = SharedWorld::new(World::new(&Config::default_regions(3), 1, clock.epoch(), demo_timeline()));
        let (tx, mut rx) = mpsc::channel(16);
        let handles = spawn_pollers(&world, &clock, Duration::seconds(10), &tx);
        drop(tx);
        let mut seen = [0usize; 3];
        while seen.iter().any(|n| *n < 18) {
            let update = rx.recv().await.unwrap();
            seen[update.region] += 1;
        }
        drop(rx);
        for h in handles {
            tokio::time::timeout(std::time::Duration::from_secs(5), h).await.unwrap().unwrap();
        }
    }
}
