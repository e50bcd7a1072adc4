//! A two-region AWS world in the emulator, seeded through the SDK the way an account would be
//! set up: a hosted zone with failover records and health checks, an RDS instance with a
//! cross-region replica, a flag table per region, and CloudWatch metrics in both regions.
//! Each region reaches the emulator through its own fault proxy.

use std::path::PathBuf;
use std::sync::Arc;

use aws_config::{BehaviorVersion, Region};
use aws_sdk_cloudwatch::primitives::DateTime as AwsDateTime;
use aws_sdk_cloudwatch::types::{Dimension, MetricDatum};
use aws_sdk_dynamodb::config::Credentials;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
};
use aws_sdk_route53::types::{
    Change, ChangeAction, ChangeBatch, HealthCheckConfig, HealthCheckType, ResourceRecord, ResourceRecordSet,
    ResourceRecordSetFailover, RrType,
};
use warroom::aws::CredentialSource;
use warroom::config::Config;
use warroom::sources::aws::Live;

use super::moto::{self, Moto};
use super::proxy::Proxy;

pub const EAST: &str = "us-east-1";
pub const WEST: &str = "us-west-2";
pub const ACCOUNT: &str = "123456789012";

pub fn credentials() -> Credentials {
    Credentials::new("testing", "testing", None, None, "warroom-tests")
}

pub async fn sdk(url: &str, region: &str) -> aws_config::SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(region.to_owned()))
        .endpoint_url(url)
        .credentials_provider(credentials())
        .load()
        .await
}

/// A warroom command whose SDK reaches only the emulator (test keys, no profiles, no instance
/// metadata); its state and data dirs are `dir`.
pub fn emulator_command(dir: &std::path::Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_warroom"));
    cmd.env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", dir.join("no-aws-config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", dir.join("no-aws-credentials"))
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
        .env("XDG_STATE_HOME", dir)
        .env("XDG_DATA_HOME", dir);
    cmd
}

pub struct AwsWorld {
    pub moto: Moto,
    pub east: Proxy,
    pub west: Proxy,
    /// The global control plane (Route 53's API and metrics), reached through `[global]`.
    pub global: Proxy,
    pub zone: String,
    pub health_checks: [String; 2],
    pub dir: tempfile::TempDir,
}

impl AwsWorld {
    /// Start the emulator and two proxies, and seed the account.
    pub async fn start() -> Self {
        let moto = moto::start();
        let (east, west, global) = (Proxy::start(moto.port), Proxy::start(moto.port), Proxy::start(moto.port));
        let url = moto.url();
        let (zone, health_checks) = seed_route53(&url).await;
        seed_rds(&url).await;
        for region in [EAST, WEST] {
            seed_flag_table(&url, region).await;
        }
        seed_metrics(&url, EAST, "app/checkout-east/1", 6000.0, 60.0, 0.25, None).await;
        seed_metrics(&url, WEST, "app/checkout-west/2", 600.0, 0.0, 0.05, Some(("checkout-db-replica", 2.0))).await;
        let cw = aws_sdk_cloudwatch::Client::new(&sdk(&url, EAST).await);
        for id in &health_checks {
            put(&cw, "AWS/Route53", "HealthCheckStatus", &[("HealthCheckId", id)], 1.0).await;
        }
        Self { moto, east, west, global, zone, health_checks, dir: tempfile::tempdir().unwrap() }
    }

    /// The regions' proxies, in config order.
    pub fn proxies(&self) -> [&Proxy; 2] {
        [&self.east, &self.west]
    }

    /// Every proxy: the regions' and the global control plane's.
    pub fn every_proxy(&self) -> [&Proxy; 3] {
        [&self.east, &self.west, &self.global]
    }

    /// The live config for this world; `extra` is appended (more `[aws]` keys, say).
    pub fn config_text(&self, aws: &str) -> String {
        format!(
            r#"[incident]
name = "checkout-api"
poll-interval = "1s"

[aws]
{timeout}latency-statistic = "Average"
median-latency = false
change-timeout = "10s"
promotion-timeout = "3s"
{aws}

[global]
endpoint-url = "{global}"

[routing]
hosted-zone-id = "{zone}"
record-name = "api.example.com"
policy = "failover"

[write-freeze]
table = "checkout-flags"
key = "writes-enabled"

[[regions]]
name = "us-east-1"
role = "primary"
endpoint-url = "{east}"
load-balancer = "app/checkout-east/1"
health-check-id = "{hc_east}"
record-set-id = "east"
rds-instance = "checkout-db"

[[regions]]
name = "us-west-2"
role = "secondary"
endpoint-url = "{west}"
load-balancer = "app/checkout-west/2"
health-check-id = "{hc_west}"
record-set-id = "west"
rds-instance = "checkout-db-replica"
"#,
            timeout = if aws.contains("call-timeout") { "" } else { "call-timeout = \"10s\"\n" },
            zone = self.zone,
            east = self.east.url(),
            west = self.west.url(),
            global = self.global.url(),
            hc_east = self.health_checks[0],
            hc_west = self.health_checks[1],
        )
    }

    pub fn config(&self, aws: &str) -> Config {
        Config::parse("aws-world.toml", &self.config_text(aws)).unwrap()
    }

    /// Write the config to a file for the binary.
    pub fn config_file(&self, aws: &str) -> PathBuf {
        let path = self.dir.path().join("warroom.toml");
        std::fs::write(&path, self.config_text(aws)).unwrap();
        path
    }

    /// Clients through the proxies, with the test credentials.
    pub async fn live(&self, config: Config) -> Arc<Live> {
        Arc::new(Live::connect(config, &CredentialSource::Static(credentials())).await)
    }

    /// A warroom command with the environment the SDK needs to reach only the emulator.
    pub fn command(&self) -> std::process::Command {
        emulator_command(self.dir.path())
    }

    /// The flag item, read straight from the emulator.
    pub async fn writes_enabled(&self, region: &str) -> Option<bool> {
        let db = aws_sdk_dynamodb::Client::new(&sdk(&self.moto.url(), region).await);
        let item = db
            .get_item()
            .table_name("checkout-flags")
            .key("flag", AttributeValue::S("writes-enabled".into()))
            .send()
            .await
            .unwrap();
        item.item().and_then(|i| i.get("enabled")).and_then(|v| v.as_bool().ok()).copied()
    }

    /// Which SetIdentifier is PRIMARY now, straight from the emulator.
    pub async fn primary_record(&self) -> String {
        let r53 = aws_sdk_route53::Client::new(&sdk(&self.moto.url(), EAST).await);
        let sets = r53.list_resource_record_sets().hosted_zone_id(&self.zone).send().await.unwrap();
        sets.resource_record_sets()
            .iter()
            .find(|r| r.failover() == Some(&ResourceRecordSetFailover::Primary))
            .and_then(|r| r.set_identifier())
            .unwrap_or_default()
            .to_owned()
    }
}

async fn seed_route53(url: &str) -> (String, [String; 2]) {
    let r53 = aws_sdk_route53::Client::new(&sdk(url, EAST).await);
    let zone = r53.create_hosted_zone().name("example.com.").caller_reference("warroom-tests").send().await.unwrap();
    let zone_id = zone.hosted_zone().unwrap().id().trim_start_matches("/hostedzone/").to_owned();
    let mut ids = Vec::new();
    for host in ["east.example.com", "west.example.com"] {
        let config = HealthCheckConfig::builder()
            .r#type(HealthCheckType::Https)
            .fully_qualified_domain_name(host)
            .resource_path("/health")
            .port(443)
            // Given explicitly: moto echoes them back as sent (its defaults print as Python's
            // `False`, which the SDK rightly refuses to parse).
            .measure_latency(false)
            .inverted(false)
            .disabled(false)
            .enable_sni(true)
            .build()
            .unwrap();
        let hc = r53.create_health_check().caller_reference(host).health_check_config(config).send().await.unwrap();
        ids.push(hc.health_check().unwrap().id().to_owned());
    }
    let mut batch = ChangeBatch::builder();
    for (set, role, hc) in
        [("east", ResourceRecordSetFailover::Primary, &ids[0]), ("west", ResourceRecordSetFailover::Secondary, &ids[1])]
    {
        let record = ResourceRecordSet::builder()
            .name("api.example.com.")
            .r#type(RrType::Cname)
            .set_identifier(set)
            .failover(role)
            .ttl(60)
            .health_check_id(hc)
            .resource_records(ResourceRecord::builder().value(format!("{set}.example.com")).build().unwrap())
            .build()
            .unwrap();
        batch =
            batch.changes(Change::builder().action(ChangeAction::Create).resource_record_set(record).build().unwrap());
    }
    r53.change_resource_record_sets()
        .hosted_zone_id(&zone_id)
        .change_batch(batch.build().unwrap())
        .send()
        .await
        .unwrap();
    (zone_id, [ids[0].clone(), ids[1].clone()])
}

async fn seed_rds(url: &str) {
    let east = aws_sdk_rds::Client::new(&sdk(url, EAST).await);
    east.create_db_instance()
        .db_instance_identifier("checkout-db")
        .engine("postgres")
        .db_instance_class("db.t3.micro")
        .allocated_storage(20)
        .master_username("admin")
        .master_user_password("password123")
        .send()
        .await
        .unwrap();
    let west = aws_sdk_rds::Client::new(&sdk(url, WEST).await);
    west.create_db_instance_read_replica()
        .db_instance_identifier("checkout-db-replica")
        .source_db_instance_identifier(format!("arn:aws:rds:{EAST}:{ACCOUNT}:db:checkout-db"))
        .send()
        .await
        .unwrap();
}

/// A flag table keyed on `key_attribute` (a string), on demand, as a team would create it.
pub async fn create_flag_table(url: &str, region: &str, table: &str, key_attribute: &str) -> aws_sdk_dynamodb::Client {
    let db = aws_sdk_dynamodb::Client::new(&sdk(url, region).await);
    db.create_table()
        .table_name(table)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(key_attribute)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .unwrap(),
        )
        .key_schema(KeySchemaElement::builder().attribute_name(key_attribute).key_type(KeyType::Hash).build().unwrap())
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap();
    db
}

/// The newest update of `key` for `region` in a poll round, or why there is none.
pub fn reading(
    updates: &[warroom::model::Update],
    region: usize,
    key: warroom::model::SignalKey,
) -> Result<warroom::model::Reading, String> {
    updates
        .iter()
        .rev()
        .find(|u| u.region == region && u.signal == key)
        .map(|u| u.result.clone().map_err(|e| e.0))
        .unwrap_or_else(|| Err(format!("no {key:?} update for region {region}")))
}

async fn seed_flag_table(url: &str, region: &str) {
    let db = create_flag_table(url, region, "checkout-flags", "flag").await;
    db.put_item()
        .table_name("checkout-flags")
        .item("flag", AttributeValue::S("writes-enabled".into()))
        .item("enabled", AttributeValue::Bool(true))
        .send()
        .await
        .unwrap();
}

pub async fn put(cw: &aws_sdk_cloudwatch::Client, namespace: &str, metric: &str, dims: &[(&str, &str)], value: f64) {
    let mut datum = MetricDatum::builder()
        .metric_name(metric)
        .value(value)
        .timestamp(AwsDateTime::from_secs(chrono::Utc::now().timestamp() - 30));
    for (k, v) in dims {
        datum = datum.dimensions(Dimension::builder().name(*k).value(*v).build());
    }
    cw.put_metric_data().namespace(namespace).metric_data(datum.build()).send().await.unwrap();
}

async fn seed_metrics(
    url: &str,
    region: &str,
    lb: &str,
    requests: f64,
    errors: f64,
    latency_seconds: f64,
    lag: Option<(&str, f64)>,
) {
    let cw = aws_sdk_cloudwatch::Client::new(&sdk(url, region).await);
    let alb = [("LoadBalancer", lb)];
    put(&cw, "AWS/ApplicationELB", "RequestCount", &alb, requests).await;
    if errors > 0.0 {
        put(&cw, "AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", &alb, errors).await;
    }
    put(&cw, "AWS/ApplicationELB", "TargetResponseTime", &alb, latency_seconds).await;
    if let Some((instance, seconds)) = lag {
        put(&cw, "AWS/RDS", "ReplicaLag", &[("DBInstanceIdentifier", instance)], seconds).await;
    }
}
