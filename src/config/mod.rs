//! The config file: `[incident]`, `[thresholds]`, `[[regions]]`.
//!
//! Parsing is strict (unknown keys are errors) and every error names file, line and column.
//! `docs/config.md` is the reference; a test parses each of its examples.

mod aws;
pub mod dependencies;
mod inventory;
pub mod journal;
pub mod known_regions;
pub mod provenance;
mod signals;

use std::path::Path;

use chrono::Duration;
use serde::Deserialize;
use toml::Spanned;

pub use aws::{
    AwsSettings, ClusterEndpoint, DatabaseConfig, DatabaseId, DatabaseKind, FlagValue, GlobalConfig, LatencyStatistic,
    RegionAws, RoutingConfig, RoutingMethod, WriteFreezeConfig,
};
pub use inventory::{AlarmsConfig, CapacityConfig, CapacityTarget, SIM_NEEDED_CAPACITY, SIM_SECRETS};
pub use signals::{
    ApiRef, CustomSignal, Direction as SignalDirection, MetricSpec, MetricStat, SignalUnit, Traffic, TrafficQuery,
    TrafficUnit,
};

use crate::model::{RegionSnapshot, Role, RoutingPolicy, Snapshot};
use crate::runbook::{RawRunbook, Runbook};
use crate::text::duration::{ConfigDuration, format_duration};
use crate::toml_source::{self, TomlError};

/// Where the global control plane lives: Route 53's API and its `AWS/Route53` metrics.
pub const GLOBAL_REGION: &str = "us-east-1";

/// Most regions warroom lays out (and the sim builds).
pub const MAX_REGIONS: usize = 8;

#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// Observe only: no executor is built, so no step can change anything.
    pub read_only: bool,
    pub incident: Incident,
    pub thresholds: Thresholds,
    pub regions: Vec<RegionConfig>,
    /// The built-in runbooks, with any `[[runbook]]` of the same id replacing its built-in.
    pub runbooks: Vec<Runbook>,
    pub routing: RoutingConfig,
    pub database: DatabaseConfig,
    pub write_freeze: WriteFreezeConfig,
    pub aws: AwsSettings,
    /// Where a shared incident's record lives (`[journal]`).
    pub store: journal::StoreConfig,
    /// How to reach the global control plane in us-east-1 (`[global]`).
    pub global: GlobalConfig,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Incident {
    pub name: String,
    pub rpo: Duration,
    pub rto: Duration,
    pub poll_interval: Duration,
    /// No failback or second failover is declared within this long of the last traffic
    /// shift, except by an override with a reason (zero: no cooldown).
    pub cooldown: Duration,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Thresholds {
    pub error_rate_percent: f64,
    pub latency_p99: Duration,
    /// A signal that flips this often within this window is journaled once as flapping,
    /// then once when it settles (`thresholds.flap-window`).
    pub flap_window: Duration,
    /// `[[signals]]`: the team's own rows, each with its warn and critical lines.
    pub signals: Vec<CustomSignal>,
    /// The statistic the tail latency is read as (`p99`, `avg`), so a verdict names what
    /// was read (`aws.latency-statistic`).
    pub latency_label: &'static str,
}

#[derive(Clone, Debug, PartialEq)]
pub struct RegionConfig {
    pub name: String,
    pub role: Role,
    pub aws: RegionAws,
}

/// AWS commercial Region names used when regions are not configured; first is the primary.
pub const DEFAULT_REGION_NAMES: [&str; MAX_REGIONS] = [
    "us-east-1",
    "us-west-2",
    "eu-west-1",
    "eu-central-1",
    "ap-southeast-1",
    "ap-northeast-1",
    "sa-east-1",
    "ca-central-1",
];

impl Default for Incident {
    fn default() -> Self {
        Self {
            name: "checkout-api".into(),
            rpo: Duration::seconds(60),
            rto: Duration::minutes(15),
            poll_interval: Duration::seconds(10),
            cooldown: DEFAULT_COOLDOWN,
        }
    }
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            error_rate_percent: 5.0,
            latency_p99: Duration::milliseconds(1500),
            flap_window: Duration::minutes(5),
            signals: Vec::new(),
            latency_label: "p99",
        }
    }
}

/// Region switch plans and orchestrators block a second execution for a while; so does this.
pub const DEFAULT_COOLDOWN: Duration = Duration::minutes(30);

impl Config {
    /// The snapshot before the first poll: every region known, nothing read yet.
    pub fn empty_snapshot(&self) -> Snapshot {
        let regions = self
            .regions
            .iter()
            .map(|r| {
                let mut snapshot = RegionSnapshot::new(r.name.clone(), r.role);
                snapshot.custom = self.thresholds.signals.iter().map(|_| Default::default()).collect();
                snapshot
            })
            .collect();
        Snapshot::new(regions, self.incident.poll_interval)
    }

    /// What the runbooks can read on this config: each turns a human tick into a check.
    pub fn features(&self) -> crate::runbook::Features {
        Self::features_of(&self.regions)
    }

    fn features_of(regions: &[RegionConfig]) -> crate::runbook::Features {
        let any = |f: &dyn Fn(&RegionConfig) -> bool| regions.iter().any(f);
        crate::runbook::Features {
            capacity: any(&|r| r.aws.capacity.is_some()),
            alarms: any(&|r| !r.aws.alarms.is_empty()),
            canaries: any(&|r| !r.aws.alarms.canaries.is_empty()),
            secrets: any(&|r| !r.aws.secrets.is_empty()),
        }
    }

    /// `count` regions without any AWS names: what a config without `[[regions]]` gets.
    fn bare_regions(count: usize) -> Vec<RegionConfig> {
        DEFAULT_REGION_NAMES
            .iter()
            .take(count.clamp(1, MAX_REGIONS))
            .enumerate()
            .map(|(i, name)| RegionConfig {
                name: (*name).to_owned(),
                role: if i == 0 { Role::Primary } else { Role::Secondary },
                aws: RegionAws::default(),
            })
            .collect()
    }

    /// `count` regions of the simulated world: the first primary, the rest secondaries, each
    /// with the capacity, alarms and secrets the sim models.
    pub fn default_regions(count: usize) -> Vec<RegionConfig> {
        Self::bare_regions(count).into_iter().map(|r| Self::sim_region(r.name, r.role)).collect()
    }

    /// A region of the simulated world, with the capacity, alarms and secrets the sim models
    /// under its name.
    pub fn sim_region(name: String, role: Role) -> RegionConfig {
        let mut aws = RegionAws {
            capacity: Some(CapacityConfig {
                target: CapacityTarget::AutoScaling { group: format!("checkout-{name}") },
                needed: inventory::SIM_NEEDED_CAPACITY,
            }),
            ..RegionAws::default()
        };
        aws.alarms = AlarmsConfig {
            names: vec![format!("checkout-{name}-5xx"), format!("checkout-{name}-latency")],
            prefixes: Vec::new(),
            accept_insufficient: Vec::new(),
            canaries: vec![format!("checkout-{name}-canary")],
        };
        aws.secrets = inventory::SIM_SECRETS.iter().map(|s| (*s).to_owned()).collect();
        RegionConfig { name, role, aws }
    }

    /// The rows the simulated world publishes: a queue backlog, a stream's iterator age and
    /// S3 replication latency, each answering to the faults the sim injects.
    pub fn demo_signals() -> Vec<CustomSignal> {
        let stat = |ns: &str, metric: &str, dim: (&str, &str), stat: &str| {
            MetricSpec::Stat(MetricStat {
                namespace: ns.into(),
                metric: metric.into(),
                dimensions: vec![(dim.0.into(), dim.1.into())],
                statistic: stat.into(),
            })
        };
        let row = |name: &str, label: &str, spec, unit, warn, critical| CustomSignal {
            name: name.into(),
            label: label.into(),
            spec,
            unit,
            warn,
            critical,
            direction: SignalDirection::Above,
            regions: Vec::new(),
        };
        vec![
            row(
                "queue-age",
                "Queue age",
                stat("AWS/SQS", "ApproximateAgeOfOldestMessage", ("QueueName", "orders-{region}"), "Maximum"),
                SignalUnit::Seconds,
                60.0,
                300.0,
            ),
            row(
                "stream-age",
                "Iter. age",
                stat("AWS/Kinesis", "GetRecords.IteratorAgeMilliseconds", ("StreamName", "events-{region}"), "Maximum"),
                SignalUnit::Milliseconds,
                30_000.0,
                120_000.0,
            ),
            row(
                "s3-replication",
                "S3 repl.",
                stat("AWS/S3", "ReplicationLatency", ("SourceBucket", "assets-{region}"), "Maximum"),
                SignalUnit::Seconds,
                300.0,
                900.0,
            ),
        ]
    }

    /// The built-in world of `warroom demo`: two regions, a 5 s poll so the screen feels live.
    pub fn demo() -> Self {
        Self {
            read_only: false,
            incident: Incident { poll_interval: Duration::seconds(5), ..Incident::default() },
            thresholds: Thresholds { signals: Self::demo_signals(), ..Thresholds::default() },
            regions: Self::default_regions(2),
            runbooks: crate::runbook::built_in_for(Self::features_of(&Self::default_regions(2))),
            routing: RoutingConfig::default(),
            database: DatabaseConfig::default(),
            write_freeze: WriteFreezeConfig::default(),
            store: journal::StoreConfig::default(),
            aws: AwsSettings::default(),
            global: GlobalConfig::default(),
        }
    }

    pub fn load(path: &Path) -> Result<Self, TomlError> {
        let (raw, text) = toml_source::read::<RawConfig>(path)?;
        raw.validate(&path.display().to_string(), &text)
    }

    pub fn parse(file: &str, text: &str) -> Result<Self, TomlError> {
        toml_source::parse::<RawConfig>(file, text)?.validate(file, text)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawConfig {
    #[serde(default)]
    read_only: bool,
    #[serde(default)]
    incident: RawIncident,
    #[serde(default)]
    thresholds: RawThresholds,
    #[serde(default)]
    regions: Vec<RawRegion>,
    #[serde(default)]
    runbook: Vec<RawRunbook>,
    #[serde(default)]
    routing: aws::RawRouting,
    #[serde(default)]
    database: aws::RawDatabase,
    #[serde(default)]
    write_freeze: aws::RawWriteFreeze,
    #[serde(default)]
    aws: aws::RawAws,
    #[serde(default)]
    journal: journal::RawJournal,
    #[serde(default)]
    global: aws::RawGlobal,
    #[serde(default)]
    traffic: signals::RawTraffic,
    #[serde(default)]
    signals: Vec<signals::RawSignal>,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawIncident {
    name: Option<Spanned<String>>,
    rpo: Option<Spanned<ConfigDuration>>,
    rto: Option<Spanned<ConfigDuration>>,
    poll_interval: Option<Spanned<ConfigDuration>>,
    cooldown: Option<Spanned<ConfigDuration>>,
}

/// `[thresholds]`, shared by config files and drill scenarios.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct RawThresholds {
    error_rate_percent: Option<Spanned<f64>>,
    latency_p99: Option<Spanned<ConfigDuration>>,
    flap_window: Option<Spanned<ConfigDuration>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawRegion {
    name: Spanned<String>,
    role: Spanned<Role>,
    profile: Option<Spanned<String>>,
    endpoint_url: Option<Spanned<String>>,
    load_balancer: Option<Spanned<String>>,
    health_check_id: Option<Spanned<String>>,
    record_set_id: Option<Spanned<String>>,
    target_group: Option<Spanned<String>>,
    routing_control_arn: Option<Spanned<String>>,
    rds_instance: Option<Spanned<String>>,
    aurora_cluster: Option<Spanned<String>>,
    traffic: Option<signals::RawTraffic>,
    alarms: Option<inventory::RawAlarms>,
    capacity: Option<inventory::RawCapacity>,
    #[serde(default)]
    secrets: Vec<Spanned<String>>,
}

impl RawThresholds {
    pub(crate) fn validate(self, v: &Validator<'_>) -> Result<Thresholds, TomlError> {
        let defaults = Thresholds::default();
        let error_rate_percent = match self.error_rate_percent {
            None => defaults.error_rate_percent,
            Some(p) if !(*p.get_ref() > 0.0 && *p.get_ref() <= 100.0) => {
                return v.err(
                    Some(p.span()),
                    format!("thresholds.error-rate-percent must be above 0 and at most 100, got {}", p.get_ref()),
                );
            }
            Some(p) => p.into_inner(),
        };
        let latency_p99 = v.duration(
            self.latency_p99,
            defaults.latency_p99,
            "thresholds.latency-p99",
            (Duration::milliseconds(1), Duration::minutes(10)),
        )?;
        let flap_window =
            v.duration(self.flap_window, defaults.flap_window, "thresholds.flap-window", FLAP_WINDOW_BOUNDS)?;
        Ok(Thresholds { error_rate_percent, latency_p99, flap_window, ..Thresholds::default() })
    }
}

/// The allowed range of a duration key: (least, most).
pub(crate) type Bounds = (Duration, Duration);
// The incident's targets and cadence, shared by config files and drill scenarios.
pub(crate) const RPO_BOUNDS: Bounds = (Duration::seconds(1), Duration::hours(24));
pub(crate) const RTO_BOUNDS: Bounds = (Duration::seconds(1), Duration::hours(72));
pub(crate) const FLAP_WINDOW_BOUNDS: Bounds = (Duration::seconds(10), Duration::hours(1));
pub(crate) const POLL_INTERVAL_BOUNDS: Bounds = (Duration::seconds(1), Duration::hours(1));
pub(crate) const COOLDOWN_BOUNDS: Bounds = (Duration::zero(), Duration::hours(24));

/// Checks that need the whole file; each error points at the offending value.
pub(crate) struct Validator<'a> {
    file: &'a str,
    text: &'a str,
}

impl<'a> Validator<'a> {
    pub(crate) fn new(file: &'a str, text: &'a str) -> Self {
        Self { file, text }
    }

    pub(crate) fn err<T>(
        &self,
        span: Option<std::ops::Range<usize>>,
        message: impl Into<String>,
    ) -> Result<T, TomlError> {
        Err(TomlError::at(self.file, self.text, span, message))
    }

    /// Where the table `name` begins (`[journal]`, the first `[[regions]]`): an error about a
    /// whole table, or a key missing from it, points there rather than at 1:1.
    pub(crate) fn table(&self, name: &str) -> Option<std::ops::Range<usize>> {
        let mut offset = 0;
        for line in self.text.split_inclusive('\n') {
            let indent = line.len() - line.trim_start().len();
            let trimmed = line.trim();
            let inner = trimmed
                .strip_prefix("[[")
                .and_then(|r| r.split_once("]]"))
                .or_else(|| trimmed.strip_prefix('[').and_then(|r| r.split_once(']')))
                .map(|(inner, _)| inner.trim());
            if inner == Some(name) {
                let start = offset + indent;
                return Some(start..start + trimmed.len());
            }
            offset += line.len();
        }
        None
    }

    pub(crate) fn duration(
        &self,
        value: Option<Spanned<ConfigDuration>>,
        default: Duration,
        key: &str,
        (min, max): Bounds,
    ) -> Result<Duration, TomlError> {
        let Some(value) = value else { return Ok(default) };
        let d = value.get_ref().0;
        if d < min || d > max {
            return self.err(
                Some(value.span()),
                format!(
                    "{key} must be between {} and {}, got {}",
                    format_duration(min),
                    format_duration(max),
                    format_duration(d)
                ),
            );
        }
        Ok(d)
    }
}

impl RawConfig {
    fn validate(self, file: &str, text: &str) -> Result<Config, TomlError> {
        let v = Validator { file, text };
        let defaults = Incident::default();
        let name = match self.incident.name {
            None => defaults.name,
            Some(name) if name.get_ref().trim().is_empty() => {
                return v.err(Some(name.span()), "incident.name must not be empty");
            }
            Some(name) if let Err(why) = crate::text::sanitize::check_name(name.get_ref()) => {
                return v.err(Some(name.span()), format!("incident.name {why}"));
            }
            Some(name) => name.into_inner(),
        };
        let incident = Incident {
            name,
            rpo: v.duration(self.incident.rpo, defaults.rpo, "incident.rpo", RPO_BOUNDS)?,
            rto: v.duration(self.incident.rto, defaults.rto, "incident.rto", RTO_BOUNDS)?,
            poll_interval: v.duration(
                self.incident.poll_interval,
                defaults.poll_interval,
                "incident.poll-interval",
                POLL_INTERVAL_BOUNDS,
            )?,
            cooldown: v.duration(self.incident.cooldown, defaults.cooldown, "incident.cooldown", COOLDOWN_BOUNDS)?,
        };
        let mut thresholds = self.thresholds.validate(&v)?;
        let database = validate_database(&v, self.database)?;
        let method = self.routing.method.as_ref().map(|m| *m.get_ref()).unwrap_or_default();
        let regions = validate_regions(&v, self.regions, database.kind, &self.traffic, method)?;
        let names: Vec<String> = regions.iter().map(|r| r.name.clone()).collect();
        thresholds.signals = signals::validate_signals(&v, self.signals, &names)?;
        match database.kind {
            DatabaseKind::AuroraGlobal if database.global_cluster.is_none() => {
                return v.err(
                    v.table("database"),
                    "[database] kind = \"aurora-global\" needs global-cluster = \"<global database id>\"",
                );
            }
            DatabaseKind::DynamodbGlobal if database.table.is_none() => {
                return v.err(
                    v.table("database"),
                    "[database] kind = \"dynamodb-global\" needs table = \"<replicated table>\"",
                );
            }
            _ => {}
        }

        let features = Config::features_of(&regions);
        let runbooks = crate::runbook::validate(self.runbook, crate::runbook::built_in_for(features), file, text)?;
        let routing = validate_routing(&v, self.routing)?;
        let write_freeze = validate_write_freeze(&v, self.write_freeze)?;
        let aws = validate_aws(&v, self.aws)?;
        thresholds.latency_label = aws.latency_statistic.label();
        let primary = regions.iter().find(|r| r.role == Role::Primary).map(|r| r.name.as_str());
        let store = self.journal.validate(&v, primary)?;
        let global = validate_global(&v, self.global)?;
        Ok(Config {
            read_only: self.read_only,
            incident,
            thresholds,
            regions,
            runbooks,
            routing,
            database,
            write_freeze,
            aws,
            store,
            global,
        })
    }
}

fn validate_global(v: &Validator<'_>, raw: aws::RawGlobal) -> Result<GlobalConfig, TomlError> {
    if let Some(url) = &raw.endpoint_url
        && !aws::is_url(url.get_ref())
    {
        return v.err(
            Some(url.span()),
            format!("global.endpoint-url `{}` is not an http:// or https:// URL", url.get_ref()),
        );
    }
    Ok(GlobalConfig {
        endpoint_url: raw.endpoint_url.map(Spanned::into_inner),
        profile: text_value(v, raw.profile, "global.profile")?,
    })
}

/// A non-empty string value, or an error naming the key.
pub(super) fn text_value(
    v: &Validator<'_>,
    value: Option<Spanned<String>>,
    key: &str,
) -> Result<Option<String>, TomlError> {
    match value {
        None => Ok(None),
        Some(s) if s.get_ref().trim().is_empty() => v.err(Some(s.span()), format!("{key} must not be empty")),
        Some(s) => Ok(Some(s.into_inner())),
    }
}

fn validate_routing(v: &Validator<'_>, raw: aws::RawRouting) -> Result<RoutingConfig, TomlError> {
    let defaults = RoutingConfig::default();
    if let Some(zone) = &raw.hosted_zone_id
        && !aws::is_zone_id(zone.get_ref())
    {
        return v.err(
            Some(zone.span()),
            format!(
                "routing.hosted-zone-id `{}` is not a hosted zone id (capital letters and digits, like Z0123456789ABC)",
                zone.get_ref()
            ),
        );
    }
    let record_name = match text_value(v, raw.record_name, "routing.record-name")? {
        None => defaults.record_name,
        // Route 53 names are fully qualified; accept the common spelling without the dot.
        Some(name) if name.ends_with('.') => name,
        Some(name) => format!("{name}."),
    };
    let method = raw.method.as_ref().map_or(defaults.method, |m| *m.get_ref());
    if let Some(policy) = &raw.policy
        && *policy.get_ref() == RoutingPolicy::RoutingControl
    {
        return v.err(
            Some(policy.span()),
            "routing.policy is failover or weighted; for routing controls set method = \"arc\"",
        );
    }
    let mut cluster_endpoints = Vec::new();
    for e in raw.cluster_endpoints.as_ref().map(|l| l.get_ref().as_slice()).unwrap_or_default() {
        if !is_region_name(e.region.get_ref()) {
            return v.err(
                Some(e.region.span()),
                format!("routing.cluster-endpoints: `{}` is not an AWS Region name", e.region.get_ref()),
            );
        }
        if !aws::is_url(e.url.get_ref()) {
            return v.err(
                Some(e.url.span()),
                format!("routing.cluster-endpoints: `{}` is not an http:// or https:// URL", e.url.get_ref()),
            );
        }
        cluster_endpoints.push(ClusterEndpoint { region: e.region.get_ref().clone(), url: e.url.get_ref().clone() });
    }
    let mut safety_rules = Vec::new();
    for rule in raw.safety_rules.as_ref().map(|l| l.get_ref().as_slice()).unwrap_or_default() {
        if !(rule.get_ref().starts_with("arn:") && rule.get_ref().contains("/safetyrule/")) {
            return v.err(
                Some(rule.span()),
                format!("routing.safety-rules: `{}` is not a safety rule ARN (arn:aws:route53-recovery-control::…:controlpanel/…/safetyrule/…)", rule.get_ref()),
            );
        }
        safety_rules.push(rule.get_ref().clone());
    }
    match method {
        RoutingMethod::Arc if cluster_endpoints.is_empty() => {
            let span = raw.cluster_endpoints.as_ref().map(Spanned::span).or(raw.method.as_ref().map(Spanned::span));
            return v.err(
                span,
                "routing.method = \"arc\" needs cluster-endpoints = [{ region = \"us-west-2\", url = \"https://…\" }, …] (aws route53-recovery-control-config describe-cluster lists them)",
            );
        }
        RoutingMethod::Dns => {
            let arc_only = [
                raw.cluster_endpoints.as_ref().map(|s| ("cluster-endpoints", s.span())),
                raw.safety_rules.as_ref().map(|s| ("safety-rules", s.span())),
            ];
            if let Some((key, span)) = arc_only.into_iter().flatten().next() {
                return v.err(Some(span), format!("routing.{key} is for method = \"arc\" (routing controls)"));
            }
        }
        RoutingMethod::Arc => {}
    }
    Ok(RoutingConfig {
        hosted_zone_id: raw.hosted_zone_id.map(Spanned::into_inner),
        record_name,
        policy: raw.policy.map_or(defaults.policy, Spanned::into_inner),
        method,
        cluster_endpoints,
        safety_rules,
    })
}

fn validate_database(v: &Validator<'_>, raw: aws::RawDatabase) -> Result<DatabaseConfig, TomlError> {
    let global_cluster = text_value(v, raw.global_cluster.clone(), "database.global-cluster")?;
    if let Some(cluster) = &raw.global_cluster
        && raw.kind != DatabaseKind::AuroraGlobal
    {
        return v.err(Some(cluster.span()), "database.global-cluster is for kind = \"aurora-global\"");
    }
    if let Some(table) = &raw.table {
        if raw.kind != DatabaseKind::DynamodbGlobal {
            return v.err(Some(table.span()), "database.table is for kind = \"dynamodb-global\"");
        }
        if !aws::is_table_name(table.get_ref()) {
            return v.err(
                Some(table.span()),
                format!(
                    "database.table `{}` is not a DynamoDB table name (3–255 letters, digits, _ - .)",
                    table.get_ref()
                ),
            );
        }
    }
    Ok(DatabaseConfig { kind: raw.kind, global_cluster, table: raw.table.map(Spanned::into_inner) })
}

fn validate_aws(v: &Validator<'_>, raw: aws::RawAws) -> Result<AwsSettings, TomlError> {
    let d = AwsSettings::default();
    Ok(AwsSettings {
        call_timeout: v.duration(
            raw.call_timeout,
            d.call_timeout,
            "aws.call-timeout",
            (Duration::milliseconds(100), Duration::minutes(2)),
        )?,
        latency_statistic: raw.latency_statistic.unwrap_or(d.latency_statistic),
        median_latency: raw.median_latency.unwrap_or(d.median_latency),
        health_status_interval: v.duration(
            raw.health_status_interval,
            d.health_status_interval,
            "aws.health-status-interval",
            (Duration::seconds(1), Duration::hours(1)),
        )?,
        change_timeout: v.duration(
            raw.change_timeout,
            d.change_timeout,
            "aws.change-timeout",
            (Duration::seconds(1), Duration::hours(1)),
        )?,
        promotion_timeout: v.duration(
            raw.promotion_timeout,
            d.promotion_timeout,
            "aws.promotion-timeout",
            (Duration::seconds(1), Duration::hours(2)),
        )?,
        scale_timeout: v.duration(
            raw.scale_timeout,
            d.scale_timeout,
            "aws.scale-timeout",
            (Duration::seconds(1), Duration::hours(2)),
        )?,
        inventory_interval: v.duration(
            raw.inventory_interval,
            d.inventory_interval,
            "aws.inventory-interval",
            (Duration::seconds(1), Duration::hours(1)),
        )?,
    })
}

fn validate_write_freeze(v: &Validator<'_>, raw: aws::RawWriteFreeze) -> Result<WriteFreezeConfig, TomlError> {
    let defaults = WriteFreezeConfig::default();
    if let Some(table) = &raw.table
        && !aws::is_table_name(table.get_ref())
    {
        return v.err(
            Some(table.span()),
            format!(
                "write-freeze.table `{}` is not a DynamoDB table name (3–255 letters, digits, _ - .)",
                table.get_ref()
            ),
        );
    }
    let frozen_value = raw.frozen_value.map_or(defaults.frozen_value.clone(), Spanned::into_inner);
    let open_value = match raw.open_value {
        Some(open) if open.get_ref() == &frozen_value => {
            return v.err(
                Some(open.span()),
                format!("write-freeze.open-value must differ from frozen-value (both are {frozen_value})"),
            );
        }
        Some(open) => open.into_inner(),
        // One value given: the other is its opposite when it is a boolean.
        None => match &frozen_value {
            FlagValue::Bool(b) => FlagValue::Bool(!b),
            _ => {
                return v.err(
                    v.table("write-freeze"),
                    "write-freeze.frozen-value is not a boolean: give open-value as well",
                );
            }
        },
    };
    Ok(WriteFreezeConfig {
        table: raw.table.map_or(defaults.table, Spanned::into_inner),
        key: text_value(v, raw.key, "write-freeze.key")?.unwrap_or(defaults.key),
        key_attribute: text_value(v, raw.key_attribute, "write-freeze.key-attribute")?
            .unwrap_or(defaults.key_attribute),
        value_attribute: text_value(v, raw.value_attribute, "write-freeze.value-attribute")?
            .unwrap_or(defaults.value_attribute),
        frozen_value,
        open_value,
    })
}

fn validate_region_aws(
    v: &Validator<'_>,
    r: &mut RawRegion,
    kind: DatabaseKind,
    default_traffic: &signals::RawTraffic,
    method: RoutingMethod,
) -> Result<RegionAws, TomlError> {
    let name = r.name.get_ref().clone();
    let traffic = match (r.load_balancer.take(), r.traffic.take()) {
        (Some(lb), Some(_)) => {
            return v.err(Some(lb.span()), "give load-balancer (the ALB shorthand) or [regions.traffic], not both");
        }
        (Some(lb), None) if lb.get_ref().trim().is_empty() => {
            return v.err(Some(lb.span()), "load-balancer must not be empty");
        }
        (Some(lb), None) => signals::RawTraffic::alb(lb).over(default_traffic),
        (None, Some(t)) => t.over(default_traffic),
        (None, None) => default_traffic.clone(),
    };
    let traffic = traffic.validate(v, &name)?;
    let alarms = match r.alarms.take() {
        Some(a) => a.validate(v, &name)?,
        None => AlarmsConfig::default(),
    };
    let capacity = r.capacity.take().map(|c| c.validate(v, &name)).transpose()?;
    let secrets = inventory::validate_secrets(v, std::mem::take(&mut r.secrets), &name)?;
    if let Some(url) = &r.endpoint_url
        && !aws::is_url(url.get_ref())
    {
        return v.err(Some(url.span()), format!("endpoint-url `{}` is not an http:// or https:// URL", url.get_ref()));
    }
    let database = match (r.rds_instance.take(), r.aurora_cluster.take()) {
        (Some(_), Some(aurora)) => {
            return v.err(Some(aurora.span()), "give rds-instance or aurora-cluster, not both");
        }
        (Some(rds), None) if kind == DatabaseKind::AuroraGlobal => {
            return v.err(Some(rds.span()), "database.kind is aurora-global: name the cluster with aurora-cluster");
        }
        (None, Some(aurora)) if kind == DatabaseKind::RdsReplica => {
            return v.err(Some(aurora.span()), "database.kind is rds-replica (the default): name the instance with rds-instance, or set [database] kind = \"aurora-global\"");
        }
        (Some(rds), None) => text_value(v, Some(rds), "rds-instance")?.map(DatabaseId::RdsInstance),
        (None, Some(aurora)) => text_value(v, Some(aurora), "aurora-cluster")?.map(DatabaseId::AuroraCluster),
        (None, None) => None,
    };
    // Under `method = "arc"` every region names its routing control; under DNS none does.
    let routing_control_arn = match (r.routing_control_arn.take(), method) {
        (None, RoutingMethod::Arc) => {
            return v.err(
                Some(r.name.span()),
                format!("region {name}: routing.method = \"arc\" needs routing-control-arn = \"arn:aws:route53-recovery-control::…:controlpanel/…/routingcontrol/…\""),
            );
        }
        (Some(arn), RoutingMethod::Dns) => {
            return v.err(
                Some(arn.span()),
                format!("region {name}: routing-control-arn is for [routing] method = \"arc\""),
            );
        }
        (arn, _) => arn,
    };
    let routing_control_arn = match routing_control_arn {
        Some(arn) if !(arn.get_ref().starts_with("arn:") && arn.get_ref().contains("/routingcontrol/")) => {
            return v.err(
                Some(arn.span()),
                format!(
                    "routing-control-arn `{}` is not a routing control ARN (arn:aws:route53-recovery-control::…:controlpanel/…/routingcontrol/…)",
                    arn.get_ref()
                ),
            );
        }
        arn => arn.map(Spanned::into_inner),
    };
    let target_group = match r.target_group.take() {
        Some(tg) if !matches!(traffic, Some(Traffic::Alb { .. } | Traffic::Nlb { .. })) => {
            return v.err(
                    Some(tg.span()),
                    format!("region {name}: target-group needs an ALB or NLB load-balancer (HealthyHostCount has both dimensions)"),
                );
        }
        Some(tg) if !tg.get_ref().starts_with("targetgroup/") => {
            return v.err(
                Some(tg.span()),
                format!(
                    "target-group `{}` is not a target group as CloudWatch names it (targetgroup/<name>/<id>)",
                    tg.get_ref()
                ),
            );
        }
        tg => tg.map(Spanned::into_inner),
    };
    Ok(RegionAws {
        target_group,
        routing_control_arn,
        profile: text_value(v, r.profile.take(), "profile")?,
        endpoint_url: r.endpoint_url.take().map(Spanned::into_inner),
        traffic,
        health_check_id: text_value(v, r.health_check_id.take(), "health-check-id")?,
        record_set_id: text_value(v, r.record_set_id.take(), "record-set-id")?,
        database,
        alarms,
        capacity,
        secrets,
    })
}

fn validate_regions(
    v: &Validator<'_>,
    raw: Vec<RawRegion>,
    kind: DatabaseKind,
    default_traffic: &signals::RawTraffic,
    method: RoutingMethod,
) -> Result<Vec<RegionConfig>, TomlError> {
    if raw.is_empty() {
        return Ok(Config::bare_regions(2));
    }
    if raw.len() < 2 {
        return v.err(
            Some(raw[0].name.span()),
            "at least two [[regions]] are needed: one primary and a secondary to fail over to",
        );
    }
    if raw.len() > MAX_REGIONS {
        return v.err(Some(raw[MAX_REGIONS].name.span()), format!("at most {MAX_REGIONS} [[regions]] are supported"));
    }
    let mut regions: Vec<RegionConfig> = Vec::with_capacity(raw.len());
    let mut primary_seen = false;
    for mut region in raw {
        let aws = validate_region_aws(v, &mut region, kind, default_traffic, method)?;
        let name = region.name.get_ref();
        if !is_region_name(name) {
            return v.err(
                Some(region.name.span()),
                format!("region name `{name}` is not an AWS Region name (lowercase letters, digits and hyphens, like us-east-1)"),
            );
        }
        if regions.iter().any(|r| &r.name == name) {
            return v.err(Some(region.name.span()), format!("region `{name}` is listed twice"));
        }
        let role = *region.role.get_ref();
        if role == Role::Primary {
            if primary_seen {
                return v.err(
                    Some(region.role.span()),
                    format!("region `{name}` is a second primary: exactly one region is primary"),
                );
            }
            primary_seen = true;
        }
        regions.push(RegionConfig { name: name.clone(), role, aws });
    }
    if !primary_seen {
        return v.err(v.table("regions"), "no region has role = \"primary\": exactly one region is primary");
    }
    Ok(regions)
}

pub(super) fn is_region_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 32
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_file_gives_the_defaults() {
        let c = Config::parse("c.toml", "").unwrap();
        assert_eq!(c.incident, Incident::default());
        assert_eq!(c.thresholds, Thresholds::default());
        assert_eq!(c.regions.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), ["us-east-1", "us-west-2"]);
    }

    #[test]
    fn values_are_read() {
        let c = Config::parse(
            "c.toml",
            r#"
[incident]
name = "payments"
rpo = "30s"
rto = "1h"
poll-interval = "15s"

[thresholds]
error-rate-percent = 2.5
latency-p99 = "800ms"

[[regions]]
name = "eu-west-1"
role = "secondary"

[[regions]]
name = "eu-central-1"
role = "primary"
"#,
        )
        .unwrap();
        assert_eq!(c.incident.name, "payments");
        assert_eq!(c.incident.rpo, Duration::seconds(30));
        assert_eq!(c.incident.poll_interval, Duration::seconds(15));
        assert_eq!(c.thresholds.latency_p99, Duration::milliseconds(800));
        assert_eq!(c.regions[1].role, Role::Primary);
    }

    #[test]
    fn missing_primary_is_an_error() {
        let e = Config::parse(
            "c.toml",
            "[[regions]]\nname = \"us-east-1\"\nrole = \"secondary\"\n[[regions]]\nname = \"us-west-2\"\nrole = \"secondary\"\n",
        )
        .unwrap_err();
        assert!(e.message.contains("exactly one region is primary"), "{e}");
    }
}
