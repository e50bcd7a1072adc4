//! Fixed-capacity sample history for sparklines.
//!
//! A ring buffer: memory is bounded by the capacity, whatever the uptime.

use std::collections::VecDeque;

/// How many samples a sparkline keeps. Wide enough for the widest column at 160 columns.
pub const HISTORY_CAPACITY: usize = 120;

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct History {
    samples: VecDeque<f64>,
    capacity: usize,
}

impl Default for History {
    fn default() -> Self {
        Self::with_capacity(HISTORY_CAPACITY)
    }
}

impl History {
    pub fn with_capacity(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        Self { samples: VecDeque::with_capacity(capacity), capacity }
    }

    pub fn push(&mut self, sample: f64) {
        if self.samples.len() == self.capacity {
            self.samples.pop_front();
        }
        self.samples.push_back(sample);
    }

    pub fn len(&self) -> usize {
        self.samples.len()
    }

    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The newest `n` samples, oldest first.
    pub fn last(&self, n: usize) -> impl Iterator<Item = f64> + '_ {
        let skip = self.samples.len().saturating_sub(n);
        self.samples.iter().skip(skip).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_only_the_newest_samples() {
        let mut h = History::with_capacity(3);
        for v in 1..=5 {
            h.push(f64::from(v));
        }
        assert_eq!(h.len(), 3);
        assert_eq!(h.last(10).collect::<Vec<_>>(), vec![3.0, 4.0, 5.0]);
        assert_eq!(h.last(2).collect::<Vec<_>>(), vec![4.0, 5.0]);
    }

    #[test]
    fn memory_does_not_grow_with_uptime() {
        let mut h = History::default();
        for v in 0..100_000 {
            h.push(f64::from(v));
        }
        assert_eq!(h.len(), HISTORY_CAPACITY);
        assert!(h.samples.capacity() < 2 * HISTORY_CAPACITY);
    }
}
