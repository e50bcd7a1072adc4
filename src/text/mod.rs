//! Text, the lowest layer: formatting numbers and durations, making untrusted text inert,
//! and measuring it in terminal columns. Everything above may use it; it uses nothing of ours.

pub mod duration;
pub mod format;
pub mod sanitize;
pub mod width;
