//! `Signal<T>`: one observed value with the time it was observed and the last poll error.

use chrono::{DateTime, Duration, Utc};

/// How old a reading may be, in poll intervals, before it is drawn (and treated) as stale.
pub const STALE_AFTER_INTERVALS: i32 = 3;

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Signal<T> {
    /// The last value read successfully; kept when a later poll fails, so it can be shown dimmed.
    pub value: Option<T>,
    /// When `value` was observed (source time, not arrival time).
    pub observed_at: Option<DateTime<Utc>>,
    /// The error of the newest failed poll, cleared by the next success.
    pub error: Option<String>,
    /// When the newest failed poll happened.
    pub error_at: Option<DateTime<Utc>>,
}

impl<T> Default for Signal<T> {
    fn default() -> Self {
        Self { value: None, observed_at: None, error: None, error_at: None }
    }
}

/// Whether a signal can be trusted now. Guards and the UI read this, never the raw value alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Freshness {
    Fresh,
    Stale,
    Missing,
}

/// Result of feeding one reading to a signal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applied {
    Stored,
    /// Older than what the signal already holds: ignored, so a late reply never rolls state back.
    OutOfOrder,
    UnknownRegion,
    /// The reading's type does not belong to the named signal (a poller bug): ignored.
    Mismatch,
}

impl<T> Signal<T> {
    pub fn newest_time(&self) -> Option<DateTime<Utc>> {
        match (self.observed_at, self.error_at) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        }
    }

    pub fn record_value(&mut self, value: T, at: DateTime<Utc>) -> Applied {
        if self.newest_time().is_some_and(|t| at < t) {
            return Applied::OutOfOrder;
        }
        self.value = Some(value);
        self.observed_at = Some(at);
        self.error = None;
        self.error_at = None;
        Applied::Stored
    }

    pub fn record_error(&mut self, error: String, at: DateTime<Utc>) -> Applied {
        if self.newest_time().is_some_and(|t| at < t) {
            return Applied::OutOfOrder;
        }
        self.error = Some(error);
        self.error_at = Some(at);
        Applied::Stored
    }

    /// Age of the value at `now`; `None` when nothing was ever read.
    pub fn age(&self, now: DateTime<Utc>) -> Option<Duration> {
        self.observed_at.map(|t| (now - t).max(Duration::zero()))
    }

    pub fn freshness(&self, now: DateTime<Utc>, poll_interval: Duration) -> Freshness {
        match (self.value.is_some(), self.age(now)) {
            (true, Some(age)) if age <= poll_interval * STALE_AFTER_INTERVALS => Freshness::Fresh,
            (true, Some(_)) => Freshness::Stale,
            _ => Freshness::Missing,
        }
    }

    /// The value only when it is fresh: what a guard may rely on.
    pub fn fresh_value(&self, now: DateTime<Utc>, poll_interval: Duration) -> Option<&T> {
        match self.freshness(now, poll_interval) {
            Freshness::Fresh => self.value.as_ref(),
            Freshness::Stale | Freshness::Missing => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::testkit::t;

    #[test]
    fn freshness_follows_age_against_three_intervals() {
        let mut s = Signal::default();
        let interval = Duration::seconds(10);
        assert_eq!(s.freshness(t(0), interval), Freshness::Missing);
        s.record_value(1.0, t(0));
        assert_eq!(s.freshness(t(30), interval), Freshness::Fresh);
        assert_eq!(s.freshness(t(31), interval), Freshness::Stale);
        assert_eq!(s.fresh_value(t(31), interval), None);
        assert_eq!(s.fresh_value(t(5), interval), Some(&1.0));
    }

    #[test]
    fn an_error_keeps_the_old_value_and_a_success_clears_the_error() {
        let mut s = Signal::default();
        s.record_value(7, t(0));
        assert_eq!(s.record_error("timeout".into(), t(10)), Applied::Stored);
        assert_eq!(s.value, Some(7));
        assert_eq!(s.observed_at, Some(t(0)));
        assert_eq!(s.error.as_deref(), Some("timeout"));
        s.record_value(8, t(20));
        assert_eq!(s.error, None);
        assert_eq!(s.value, Some(8));
    }

    #[test]
    fn late_replies_never_roll_back() {
        let mut s = Signal::default();
        s.record_value(2, t(20));
        assert_eq!(s.record_value(1, t(10)), Applied::OutOfOrder);
        assert_eq!(s.record_error("late".into(), t(15)), Applied::OutOfOrder);
        assert_eq!(s.value, Some(2));
        assert_eq!(s.error, None);
        // A failure newer than the value, then a success older than the failure: the success is stale news.
        s.record_error("down".into(), t(40));
        assert_eq!(s.record_value(3, t(30)), Applied::OutOfOrder);
        assert_eq!(s.value, Some(2));
    }
}
