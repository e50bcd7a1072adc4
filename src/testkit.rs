//! Fixtures shared by unit tests: fixed times and a two-region snapshot.

use chrono::{DateTime, Duration, TimeZone, Utc};

use crate::model::{RegionSnapshot, Role, Snapshot};

/// A fixed instant plus `s` seconds.
pub fn t(s: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_700_000_000 + s, 0).single().unwrap_or_default()
}

/// us-east-1 (primary) and us-west-2 (secondary), polled every 10 s, nothing read yet.
pub fn two_regions() -> Snapshot {
    Snapshot::new(
        vec![RegionSnapshot::new("us-east-1", Role::Primary), RegionSnapshot::new("us-west-2", Role::Secondary)],
        Duration::seconds(10),
    )
}
