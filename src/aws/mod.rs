//! The AWS API layer: clients per region and one function per call warroom makes, each
//! returning plain values or an error in words an operator can act on.
//!
//! `sources::aws` schedules the reads, `actions::aws` makes the changes, `check` probes
//! both. The mappings from SDK output to warroom's values are pure functions with unit tests;
//! the calls themselves are tested against the moto emulator (tests/aws_*.rs).

pub mod alarms;
pub mod arc;
pub mod blocking;
pub mod capacity;
pub mod database;
pub mod error;
pub mod flag;
pub mod identity;
pub mod incidents;
pub mod journal_table;
pub mod metrics;
pub mod profiles;
pub mod routing;
pub mod secrets;
pub mod shared_claims;
pub mod shared_journal;
pub mod shared_snapshot;

use std::time::Duration as StdDuration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_dynamodb::config::Credentials;

use crate::config::{AwsSettings, Config, RegionConfig};

/// Route 53 is a global service whose API and `AWS/Route53` metrics live in us-east-1.
pub use crate::config::GLOBAL_REGION;

/// Every client one region needs. Cheap to clone (the SDK clients share their internals).
#[derive(Clone, Debug)]
pub struct RegionClients {
    /// The AWS Region name, e.g. `us-west-2`.
    pub region: String,
    pub cloudwatch: aws_sdk_cloudwatch::Client,
    /// CloudWatch in us-east-1 (through `[global]`), for the `AWS/Route53` `HealthCheckStatus`
    /// metric.
    pub cloudwatch_global: aws_sdk_cloudwatch::Client,
    /// The Route 53 API, in us-east-1 through `[global]` for every region.
    pub route53: aws_sdk_route53::Client,
    pub rds: aws_sdk_rds::Client,
    pub dynamodb: aws_sdk_dynamodb::Client,
    /// For the caller's identity (`aws::identity`).
    pub sts: aws_sdk_sts::Client,
    pub autoscaling: aws_sdk_autoscaling::Client,
    pub ecs: aws_sdk_ecs::Client,
    pub secretsmanager: aws_sdk_secretsmanager::Client,
}

/// How to reach AWS: the defaults of aws-config (environment, profiles, SSO, instance
/// roles), or fixed credentials (the emulator tests).
#[derive(Clone, Debug, Default)]
pub enum CredentialSource {
    #[default]
    Default,
    Static(Credentials),
}

fn to_std(d: chrono::Duration) -> StdDuration {
    d.to_std().unwrap_or(StdDuration::from_secs(1))
}

pub(crate) async fn sdk_config(
    region: &str,
    settings: &AwsSettings,
    profile: Option<&str>,
    endpoint: Option<&str>,
    credentials: &CredentialSource,
) -> SdkConfig {
    let call = to_std(settings.call_timeout);
    // Two attempts inside the call timeout: a single dropped connection or throttle is
    // retried at once; anything longer is the poller's backoff, not the SDK's.
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(region.to_owned()))
        .timeout_config(
            TimeoutConfig::builder()
                .operation_timeout(call)
                .connect_timeout(call.min(StdDuration::from_secs(3)))
                .build(),
        )
        .retry_config(RetryConfig::standard().with_max_attempts(2).with_initial_backoff(StdDuration::from_millis(100)));
    if let Some(profile) = profile {
        loader = loader.profile_name(profile);
    }
    if let Some(url) = endpoint {
        loader = loader.endpoint_url(url);
    }
    if let CredentialSource::Static(creds) = credentials {
        loader = loader.credentials_provider(creds.clone());
    }
    loader.load().await
}

/// The clients of the global control plane: one set for every region, built once, reached
/// through `[global]` (never through a region's endpoint).
#[derive(Clone, Debug)]
pub struct GlobalClients {
    pub route53: aws_sdk_route53::Client,
    pub cloudwatch: aws_sdk_cloudwatch::Client,
}

impl GlobalClients {
    pub async fn connect(config: &Config, credentials: &CredentialSource) -> Self {
        // The global calls sign as the team's first region's profile unless [global] names one.
        let profile = config.global.profile.as_deref().or_else(|| config.regions.first()?.aws.profile.as_deref());
        let sdk =
            sdk_config(GLOBAL_REGION, &config.aws, profile, config.global.endpoint_url.as_deref(), credentials).await;
        Self { route53: aws_sdk_route53::Client::new(&sdk), cloudwatch: aws_sdk_cloudwatch::Client::new(&sdk) }
    }
}

impl RegionClients {
    /// Clients for one configured region, with its profile and endpoint; the global ones are
    /// shared by every region.
    pub async fn connect(
        region: &RegionConfig,
        settings: &AwsSettings,
        global: &GlobalClients,
        credentials: &CredentialSource,
    ) -> Self {
        let profile = region.aws.profile.as_deref();
        let endpoint = region.aws.endpoint_url.as_deref();
        let here = sdk_config(&region.name, settings, profile, endpoint, credentials).await;
        Self {
            region: region.name.clone(),
            cloudwatch: aws_sdk_cloudwatch::Client::new(&here),
            cloudwatch_global: global.cloudwatch.clone(),
            route53: global.route53.clone(),
            rds: aws_sdk_rds::Client::new(&here),
            dynamodb: aws_sdk_dynamodb::Client::new(&here),
            sts: aws_sdk_sts::Client::new(&here),
            autoscaling: aws_sdk_autoscaling::Client::new(&here),
            ecs: aws_sdk_ecs::Client::new(&here),
            secretsmanager: aws_sdk_secretsmanager::Client::new(&here),
        }
    }
}

/// A DynamoDB client for the shared journal's store in `region` (its own profile and
/// endpoint, as regions have).
pub async fn store_client(
    region: &str,
    settings: &AwsSettings,
    store: &crate::config::journal::DynamoStore,
    credentials: &CredentialSource,
) -> aws_sdk_dynamodb::Client {
    let config = sdk_config(region, settings, store.profile.as_deref(), store.endpoint_for(region), credentials).await;
    aws_sdk_dynamodb::Client::new(&config)
}

/// Clients for every configured region, in config order.
pub async fn connect_all(config: &Config, credentials: &CredentialSource) -> Vec<RegionClients> {
    let global = GlobalClients::connect(config, credentials).await;
    let mut clients = Vec::with_capacity(config.regions.len());
    for region in &config.regions {
        clients.push(RegionClients::connect(region, &config.aws, &global, credentials).await);
    }
    clients
}

/// Poll `check` until it says done, backing off from 0.5 s to 5 s, for at most `timeout`.
/// Transient failures (throttles, timeouts, dropped connections) are waited out; others end
/// the wait with their error.
pub async fn wait_until<F, Fut>(
    call: error::Call,
    timeout: chrono::Duration,
    mut check: F,
) -> Result<(), error::AwsError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<bool, error::AwsError>>,
{
    let deadline = tokio::time::Instant::now() + to_std(timeout);
    let mut pause = StdDuration::from_millis(500);
    loop {
        match check().await {
            Ok(true) => return Ok(()),
            Ok(false) => {}
            Err(e)
                if matches!(e.class, error::Class::Throttled | error::Class::Timeout | error::Class::Unreachable) => {}
            Err(e) => return Err(e),
        }
        if tokio::time::Instant::now() + pause > deadline {
            return Err(error::AwsError::new(
                error::Class::Timeout,
                None,
                format!("{}: not done after {}", call.operation, crate::text::duration::format_duration(timeout)),
            ));
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(StdDuration::from_secs(5));
    }
}
