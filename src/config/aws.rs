//! The AWS-facing parts of the config: where each region's resources are, the routed name,
//! the database topology and the write-freeze flag. Live mode reads them; the simulated world
//! uses the same names, so a demo run on your config shows your identifiers.

use chrono::Duration;
use serde::Deserialize;
use toml::Spanned;

use crate::model::RoutingPolicy;
use crate::text::duration::ConfigDuration;

/// Per-region AWS settings, all optional (the sim needs none of them).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RegionAws {
    /// Named profile from ~/.aws/config (SSO profiles work).
    pub profile: Option<String>,
    /// Custom endpoint (an emulator or a VPC endpoint), `http://` or `https://`.
    pub endpoint_url: Option<String>,
    /// Where requests, errors and latency come from (`load-balancer = "…"` is the ALB shorthand).
    pub traffic: Option<super::signals::Traffic>,
    pub health_check_id: Option<String>,
    /// `SetIdentifier` of this region's record in the routed name.
    pub record_set_id: Option<String>,
    pub database: Option<DatabaseId>,
    pub alarms: super::inventory::AlarmsConfig,
    pub capacity: Option<super::inventory::CapacityConfig>,
    /// Secrets Manager names or ARNs the application needs here.
    pub secrets: Vec<String>,
    /// The ALB target group whose `HealthyHostCount` says, from inside the region, whether
    /// anything is up to serve (`targetgroup/name/id`, as CloudWatch's dimension spells it).
    pub target_group: Option<String>,
    /// This region's ARC routing control (`method = "arc"`): On sends it traffic.
    pub routing_control_arn: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DatabaseId {
    RdsInstance(String),
    AuroraCluster(String),
}

impl DatabaseId {
    pub fn identifier(&self) -> &str {
        match self {
            DatabaseId::RdsInstance(id) | DatabaseId::AuroraCluster(id) => id,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DatabaseKind {
    #[default]
    RdsReplica,
    AuroraGlobal,
    DynamodbGlobal,
}

impl DatabaseKind {
    /// Whether only one region may take writes (every replica of a global table does).
    pub fn single_writer(self) -> bool {
        self != DatabaseKind::DynamodbGlobal
    }

    /// As the config spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            DatabaseKind::RdsReplica => "rds-replica",
            DatabaseKind::AuroraGlobal => "aurora-global",
            DatabaseKind::DynamodbGlobal => "dynamodb-global",
        }
    }
}

/// How a traffic shift is made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RoutingMethod {
    /// Route 53 record changes: its control plane, in us-east-1.
    #[default]
    Dns,
    /// ARC routing controls: the cluster's regional endpoints, data plane.
    Arc,
}

impl RoutingMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            RoutingMethod::Dns => "dns",
            RoutingMethod::Arc => "arc",
        }
    }
}

/// One regional endpoint of an ARC cluster, as `describe-cluster` lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClusterEndpoint {
    pub region: String,
    pub url: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoutingConfig {
    pub hosted_zone_id: Option<String>,
    /// Fully qualified, ending in `.`.
    pub record_name: String,
    pub policy: RoutingPolicy,
    pub method: RoutingMethod,
    /// The ARC cluster's endpoints (`method = "arc"`), tried in turn.
    pub cluster_endpoints: Vec<ClusterEndpoint>,
    /// ARNs of the control panel's safety rules, to show (and to name in an override).
    pub safety_rules: Vec<String>,
}

impl Default for RoutingConfig {
    fn default() -> Self {
        Self {
            hosted_zone_id: None,
            record_name: "api.example.com.".into(),
            policy: RoutingPolicy::Failover,
            method: RoutingMethod::Dns,
            cluster_endpoints: Vec::new(),
            safety_rules: Vec::new(),
        }
    }
}

impl RoutingConfig {
    /// The cluster endpoints in the order a change tries them: those away from `source` (the
    /// region traffic leaves, the one most likely impaired) first, in the listed order.
    pub fn endpoints_away_from(&self, source: &str) -> Vec<&ClusterEndpoint> {
        let (away, at): (Vec<_>, Vec<_>) = self.cluster_endpoints.iter().partition(|e| e.region != source);
        away.into_iter().chain(at).collect()
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawEndpoint {
    pub region: Spanned<String>,
    pub url: Spanned<String>,
}

/// `[global]`: how to reach what every region depends on and lives in us-east-1: the Route 53
/// API (records, changes, health checker status) and the `AWS/Route53` metrics. Region
/// endpoints never stand in for it, so a test (or a VPC endpoint) can take it away alone.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GlobalConfig {
    /// Custom endpoint for the global control plane (an emulator, a proxy).
    pub endpoint_url: Option<String>,
    /// Named profile for the global calls; else the first region's profile.
    pub profile: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawGlobal {
    pub endpoint_url: Option<Spanned<String>>,
    pub profile: Option<Spanned<String>>,
}

/// A flag value as the team's table stores it: a boolean, a string or a number.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
pub enum FlagValue {
    Bool(bool),
    Number(i64),
    Text(String),
}

impl std::fmt::Display for FlagValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FlagValue::Bool(b) => write!(f, "{b}"),
            FlagValue::Number(n) => write!(f, "{n}"),
            FlagValue::Text(t) => write!(f, "\"{t}\""),
        }
    }
}

/// The write-freeze flag: one item in a table of the team's own schema. The item is found by
/// `key-attribute = key` (a string partition key); `value-attribute` holds `frozen-value` or
/// `open-value`. No item, or no value attribute, means nothing has frozen writes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WriteFreezeConfig {
    pub table: String,
    pub key: String,
    pub key_attribute: String,
    pub value_attribute: String,
    pub frozen_value: FlagValue,
    pub open_value: FlagValue,
}

impl Default for WriteFreezeConfig {
    fn default() -> Self {
        Self {
            table: "checkout-flags".into(),
            key: "writes-enabled".into(),
            key_attribute: "flag".into(),
            value_attribute: "enabled".into(),
            frozen_value: FlagValue::Bool(false),
            open_value: FlagValue::Bool(true),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawRouting {
    pub hosted_zone_id: Option<Spanned<String>>,
    pub record_name: Option<Spanned<String>>,
    pub policy: Option<Spanned<RoutingPolicy>>,
    pub method: Option<Spanned<RoutingMethod>>,
    pub cluster_endpoints: Option<Spanned<Vec<RawEndpoint>>>,
    pub safety_rules: Option<Spanned<Vec<Spanned<String>>>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawDatabase {
    #[serde(default)]
    pub kind: DatabaseKind,
    pub global_cluster: Option<Spanned<String>>,
    pub table: Option<Spanned<String>>,
}

/// `[database]`: the topology, and the names that are not per region.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DatabaseConfig {
    pub kind: DatabaseKind,
    /// Aurora global database identifier (`aurora-global`).
    pub global_cluster: Option<String>,
    /// The replicated table (`dynamodb-global`).
    pub table: Option<String>,
}

/// The CloudWatch statistic read for the latency that is held against `latency-p99`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Deserialize)]
pub enum LatencyStatistic {
    #[serde(rename = "p50")]
    P50,
    #[serde(rename = "p90")]
    P90,
    #[default]
    #[serde(rename = "p99")]
    P99,
    Average,
}

impl LatencyStatistic {
    /// The statistic as the screen and the report name it (`p99`, `avg`).
    pub fn label(self) -> &'static str {
        match self {
            LatencyStatistic::P50 => "p50",
            LatencyStatistic::P90 => "p90",
            LatencyStatistic::P99 => "p99",
            LatencyStatistic::Average => "avg",
        }
    }

    /// The name CloudWatch's `GetMetricData` takes.
    pub fn as_cloudwatch(self) -> &'static str {
        match self {
            LatencyStatistic::P50 => "p50",
            LatencyStatistic::P90 => "p90",
            LatencyStatistic::P99 => "p99",
            LatencyStatistic::Average => "Average",
        }
    }
}

/// `[aws]`: how live mode talks to AWS.
#[derive(Clone, Debug, PartialEq)]
pub struct AwsSettings {
    /// Upper bound on one API call, retries included.
    pub call_timeout: Duration,
    pub latency_statistic: LatencyStatistic,
    /// Also read TargetResponseTime p50 (the typical request beside the tail).
    pub median_latency: bool,
    /// How often `GetHealthCheckStatus` gives the per-checker counts (the CloudWatch
    /// `HealthCheckStatus` metric is read every poll).
    pub health_status_interval: Duration,
    /// How long a traffic shift waits for Route 53 to report `INSYNC`.
    pub change_timeout: Duration,
    /// How long a promotion waits for the new writer.
    pub promotion_timeout: Duration,
    /// How long a scale-up waits for the capacity to run.
    pub scale_timeout: Duration,
    /// How often alarms and secrets are read (`DescribeAlarms`, `DescribeSecret`): slower
    /// than the poll, and judged stale against this instead.
    pub inventory_interval: Duration,
}

impl Default for AwsSettings {
    fn default() -> Self {
        Self {
            call_timeout: Duration::seconds(5),
            latency_statistic: LatencyStatistic::P99,
            median_latency: true,
            health_status_interval: Duration::seconds(30),
            change_timeout: Duration::minutes(5),
            promotion_timeout: Duration::minutes(20),
            scale_timeout: Duration::minutes(10),
            inventory_interval: Duration::seconds(30),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawAws {
    pub call_timeout: Option<Spanned<ConfigDuration>>,
    pub latency_statistic: Option<LatencyStatistic>,
    pub median_latency: Option<bool>,
    pub health_status_interval: Option<Spanned<ConfigDuration>>,
    pub change_timeout: Option<Spanned<ConfigDuration>>,
    pub promotion_timeout: Option<Spanned<ConfigDuration>>,
    pub scale_timeout: Option<Spanned<ConfigDuration>>,
    pub inventory_interval: Option<Spanned<ConfigDuration>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawWriteFreeze {
    pub table: Option<Spanned<String>>,
    pub key: Option<Spanned<String>>,
    pub key_attribute: Option<Spanned<String>>,
    pub value_attribute: Option<Spanned<String>>,
    pub frozen_value: Option<Spanned<FlagValue>>,
    pub open_value: Option<Spanned<FlagValue>>,
}

pub(super) fn is_url(text: &str) -> bool {
    let rest = text.strip_prefix("https://").or_else(|| text.strip_prefix("http://"));
    rest.is_some_and(|r| !r.is_empty() && !r.starts_with('/') && !r.contains(char::is_whitespace))
}

/// DynamoDB table names: 3–255 of letters, digits, `_`, `-`, `.`.
pub(super) fn is_table_name(text: &str) -> bool {
    (3..=255).contains(&text.len()) && text.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// Route 53 hosted zone ids: capital letters and digits.
pub(super) fn is_zone_id(text: &str) -> bool {
    (1..=32).contains(&text.len()) && text.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}
