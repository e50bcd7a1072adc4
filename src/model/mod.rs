//! The data model: signals, region snapshots, and the pure fold of updates into them.

mod history;
mod signal;
mod snapshot;
mod update;
mod values;

pub use history::{HISTORY_CAPACITY, History};
pub use signal::{Applied, Freshness, STALE_AFTER_INTERVALS, Signal};
pub use snapshot::{CustomRow, RegionSnapshot, SignalStatus, Snapshot};
pub use update::{
    CONTROL_PLANE_UNREACHABLE, PollError, Reading, SignalKey, Update, error_cause, error_details, error_headline,
    error_sentence,
};
pub use values::{
    Alarm, AlarmState, Alarms, Capacity, ChangeStatus, Database, DbRole, HealthChecks, Integrity, Lag, PendingChange,
    Role, Routing, RoutingPolicy, SecretCheck, Secrets,
};
