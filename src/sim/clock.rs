//! The virtual clock: simulated time runs at `speed` times real time from a fixed epoch.

use std::time::Instant;

use chrono::{DateTime, Duration, Utc};

#[derive(Clone, Debug)]
pub struct SimClock {
    epoch: DateTime<Utc>,
    /// Simulated time already passed when the clock was made.
    offset: Duration,
    started: Instant,
    speed: f64,
}

impl SimClock {
    pub fn new(epoch: DateTime<Utc>, speed: f64) -> Self {
        Self { epoch, offset: Duration::zero(), started: Instant::now(), speed }
    }

    /// A clock whose world began `offset` before it starts running.
    pub fn resumed(epoch: DateTime<Utc>, offset: Duration, speed: f64) -> Self {
        Self { epoch, offset, started: Instant::now(), speed }
    }

    pub fn epoch(&self) -> DateTime<Utc> {
        self.epoch
    }

    pub fn speed(&self) -> f64 {
        self.speed
    }

    /// Simulated time elapsed since the epoch.
    pub fn elapsed(&self) -> Duration {
        let real = self.started.elapsed().as_secs_f64();
        let micros = (real * self.speed * 1e6).min(i64::MAX as f64 / 4.0) as i64;
        self.offset + Duration::microseconds(micros)
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.epoch + self.elapsed()
    }

    /// How long to sleep in real time for `simulated` to pass.
    pub fn real_interval(&self, simulated: Duration) -> std::time::Duration {
        let secs = simulated.as_seconds_f64() / self.speed;
        std::time::Duration::from_secs_f64(secs.max(0.001))
    }
}
