//! Where a region's row comes from: the call that reads it, the statistic, and the config
//! keys that produced it. The describe view shows it, so a person can see what to fix
//! without opening the config.

use super::signals::Traffic;
use super::{Config, DatabaseId, DatabaseKind, RoutingMethod};
use crate::model::SignalKey;

/// One row's origin.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Provenance {
    /// The AWS call (or the simulated world) that reads it, and in which region.
    pub source: String,
    /// What the number is (`p99 over 1 min`, `Sum of 5xx / Sum of requests`), when it is one.
    pub statistic: Option<String>,
    /// `key = "value"` lines of the config that made this row.
    pub keys: Vec<String>,
}

/// Every row of region `index` that a describe view can open, with its origin.
pub fn of_region(config: &Config, index: usize) -> Vec<(SignalKey, Provenance)> {
    let Some(region) = config.regions.get(index) else { return Vec::new() };
    let name = region.name.as_str();
    let aws = &region.aws;
    let in_region = |call: &str| format!("{call} in {name}");
    let global = |call: &str| format!("{call} through us-east-1's control plane ([global])");
    let quoted = |key: &str, value: &str| format!("{key} = \"{value}\"");
    let region_key = quoted("[[regions]] name", name);
    let traffic_keys = || {
        let mut keys = vec![region_key.clone()];
        match &aws.traffic {
            Some(Traffic::Alb { load_balancer }) | Some(Traffic::Nlb { load_balancer }) => {
                keys.push(quoted("load-balancer", load_balancer));
            }
            Some(other) => keys.push(format!("traffic = \"{}\"", other.source_name())),
            None => keys.push("no traffic source configured (load-balancer = \"app/…\")".to_owned()),
        }
        keys
    };
    let tail = config.aws.latency_statistic.label();
    let window = "1 min";
    let mut rows = vec![
        (
            SignalKey::Requests,
            Provenance {
                source: in_region("CloudWatch GetMetricData"),
                statistic: Some(format!("Sum of requests over {window}, per second")),
                keys: traffic_keys(),
            },
        ),
        (
            SignalKey::ErrorRate,
            Provenance {
                source: in_region("CloudWatch GetMetricData"),
                statistic: Some(format!("Sum of 5xx ÷ Sum of requests over {window}, in %")),
                keys: traffic_keys(),
            },
        ),
        (
            SignalKey::LatencyP99,
            Provenance {
                source: in_region("CloudWatch GetMetricData"),
                statistic: Some(format!("{tail} of response time over {window} (aws.latency-statistic)")),
                keys: traffic_keys(),
            },
        ),
    ];
    let mut health_keys = vec![region_key.clone()];
    health_keys.extend(aws.health_check_id.as_deref().map(|id| quoted("health-check-id", id)));
    rows.push((
        SignalKey::HealthChecks,
        Provenance {
            source: global("Route 53 GetHealthCheckStatus and the HealthCheckStatus metric"),
            statistic: Some("checkers reporting healthy, of all checkers".to_owned()),
            keys: health_keys,
        },
    ));
    let mut db_keys = vec![region_key.clone(), format!("[database] kind = \"{}\"", config.database.kind.as_str())];
    match &aws.database {
        Some(DatabaseId::RdsInstance(id)) => db_keys.push(quoted("rds-instance", id)),
        Some(DatabaseId::AuroraCluster(id)) => db_keys.push(quoted("aurora-cluster", id)),
        None => {}
    }
    if let Some(table) = &config.database.table {
        db_keys.push(quoted("[database] table", table));
    }
    let db_call = match config.database.kind {
        DatabaseKind::DynamodbGlobal => "DynamoDB DescribeTable",
        DatabaseKind::AuroraGlobal => "RDS DescribeDBClusters",
        DatabaseKind::RdsReplica => "RDS DescribeDBInstances",
    };
    rows.push((SignalKey::Database, Provenance { source: in_region(db_call), statistic: None, keys: db_keys.clone() }));
    rows.push((
        SignalKey::ReplicationLag,
        Provenance {
            source: in_region("CloudWatch GetMetricData (the replica's lag metric)"),
            statistic: Some(format!("Maximum over {window}, against the RPO")),
            keys: db_keys,
        },
    ));
    let routing = match config.routing.method {
        RoutingMethod::Arc => Provenance {
            source: "Route 53 ARC GetRoutingControlState on the cluster's regional endpoints".to_owned(),
            statistic: None,
            keys: vec![
                region_key.clone(),
                quoted("routing-control-arn", aws.routing_control_arn.as_deref().unwrap_or("—")),
            ],
        },
        RoutingMethod::Dns => Provenance {
            source: global("Route 53 ListResourceRecordSets"),
            statistic: None,
            keys: vec![
                quoted("[routing] hosted-zone-id", config.routing.hosted_zone_id.as_deref().unwrap_or("—")),
                quoted("[routing] record-name", &config.routing.record_name),
                quoted("record-set-id", aws.record_set_id.as_deref().unwrap_or("—")),
            ],
        },
    };
    rows.push((SignalKey::Routing, routing));
    let flag = &config.write_freeze;
    rows.push((
        SignalKey::WriteFreeze,
        Provenance {
            source: in_region("DynamoDB GetItem (strongly consistent)"),
            statistic: None,
            keys: vec![
                quoted("[write-freeze] table", &flag.table),
                quoted("key", &flag.key),
                quoted("key-attribute", &flag.key_attribute),
                quoted("value-attribute", &flag.value_attribute),
            ],
        },
    ));
    if let Some(cap) = &aws.capacity {
        rows.push((
            SignalKey::Capacity,
            Provenance {
                source: in_region("Auto Scaling / ECS describe"),
                statistic: None,
                keys: vec![region_key.clone(), format!("[regions.capacity] {}", cap.describe())],
            },
        ));
    }
    if !aws.alarms.is_empty() {
        let mut keys = vec![region_key.clone()];
        keys.extend(aws.alarms.names.iter().map(|n| quoted("[regions.alarms] names", n)));
        keys.extend(aws.alarms.prefixes.iter().map(|p| quoted("[regions.alarms] prefixes", p)));
        rows.push((
            SignalKey::Alarms,
            Provenance { source: in_region("CloudWatch DescribeAlarms"), statistic: None, keys },
        ));
    }
    if !aws.secrets.is_empty() {
        let mut keys = vec![region_key.clone()];
        keys.extend(aws.secrets.iter().map(|s| quoted("secrets", s)));
        rows.push((
            SignalKey::Secrets,
            Provenance { source: in_region("Secrets Manager DescribeSecret"), statistic: None, keys },
        ));
    }
    for (i, signal) in config.thresholds.signals.iter().enumerate() {
        let Ok(i) = u8::try_from(i) else { break };
        rows.push((
            SignalKey::Custom(i),
            Provenance {
                source: in_region("CloudWatch GetMetricData"),
                statistic: None,
                keys: vec![quoted("[[signals]] name", &signal.name)],
            },
        ));
    }
    rows
}
