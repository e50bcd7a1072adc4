//! The ids of the built-in runbooks and the steps other code looks for by name (the
//! autopilot, the referee, the scorecard, the app's first selection): one spelling each.

/// The built-in failover runbook (seed 004 §15.2).
pub const FAILOVER: &str = "failover";
/// The built-in failback runbook (seed 004 §16.2).
pub const FAILBACK: &str = "failback";
/// The built-in pre-failover checklist (seed 004 §15.1).
pub const PRE_FAILOVER: &str = "pre-failover";

/// The declare step both built-in runbooks open with.
pub const DECLARE: &str = "declare";
/// The traffic shift both built-in runbooks end their changes with.
pub const SHIFT_TRAFFIC: &str = "shift-traffic";
