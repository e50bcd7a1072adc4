//! Pollers: background tasks that read each region and send `Update`s to the app loop.
//!
//! Every backend (the sim now, AWS later) produces the same `Update` over a bounded channel,
//! so the dashboard never knows which one it is watching.

pub mod aws;
pub mod sim;

pub use crate::model::{PollError, Reading, SignalKey, Update};

/// Capacity of the update channel. Bounded so a stalled UI applies back-pressure to the
/// pollers instead of growing memory.
pub const UPDATE_CHANNEL_CAPACITY: usize = 1024;
