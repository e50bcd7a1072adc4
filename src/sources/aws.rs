//! AWS pollers: one task per region and source, each on its own cadence and backoff, so a
//! slow or failing call delays nothing but itself. `poll_all` is one round of every source
//! of every region at once (`snapshot`, `check`, `run-step`): it costs the slowest call.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use futures_util::future::join_all;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::aws::{RegionClients, alarms, arc, capacity, database, flag, metrics, routing, secrets};
use crate::config::{Config, DatabaseKind};
use crate::model::{ChangeStatus, HealthChecks, Lag, PendingChange, Reading, SignalKey, Update};

/// What one poller reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// One batched `GetMetricData`: requests, 5xx, latency, replication lag.
    Metrics,
    /// `HealthCheckStatus` metric every poll, `GetHealthCheckStatus` at a low rate.
    Health,
    /// `ListResourceRecordSets` for the routed name.
    Routing,
    /// Role and writer endpoint.
    Database,
    /// The write-freeze flag item.
    Flag,
    /// `DescribeAlarms`, at the inventory interval.
    Alarms,
    /// The Auto Scaling group or ECS service.
    Capacity,
    /// `DescribeSecret` on each secret, at the inventory interval.
    Secrets,
}

impl Source {
    pub const ALL: [Source; 8] = [
        Source::Metrics,
        Source::Health,
        Source::Routing,
        Source::Database,
        Source::Flag,
        Source::Alarms,
        Source::Capacity,
        Source::Secrets,
    ];

    /// How often this source reads: alarms and secrets change rarely and their APIs are
    /// rate-limited per account, so they read at the inventory interval.
    pub fn interval(self, config: &Config) -> Duration {
        match self {
            Source::Alarms | Source::Secrets => config.aws.inventory_interval.max(config.incident.poll_interval),
            _ => config.incident.poll_interval,
        }
    }

    /// Is there anything configured for this source to read in region `index`?
    pub fn applies(self, config: &Config, index: usize) -> bool {
        let Some(region) = config.regions.get(index) else { return false };
        match self {
            Source::Metrics => !metrics::region_queries(config, index).is_empty(),
            Source::Health => region.aws.health_check_id.is_some(),
            Source::Routing => match config.routing.method {
                crate::config::RoutingMethod::Arc => region.aws.routing_control_arn.is_some(),
                crate::config::RoutingMethod::Dns => {
                    region.aws.record_set_id.is_some() && config.routing.hosted_zone_id.is_some()
                }
            },
            Source::Database => region.aws.database.is_some() || config.database.kind == DatabaseKind::DynamodbGlobal,
            Source::Flag => true,
            Source::Alarms => !region.aws.alarms.is_empty(),
            Source::Capacity => region.aws.capacity.is_some(),
            Source::Secrets => !region.aws.secrets.is_empty(),
        }
    }

    /// The signals this source reports (an error marks all of them).
    fn signals(self) -> &'static [SignalKey] {
        match self {
            Source::Metrics => {
                &[SignalKey::Requests, SignalKey::ErrorRate, SignalKey::LatencyP50, SignalKey::LatencyP99]
            }
            Source::Health => &[SignalKey::HealthChecks],
            Source::Routing => &[SignalKey::Routing],
            Source::Database => &[SignalKey::Database],
            Source::Flag => &[SignalKey::WriteFreeze],
            Source::Alarms => &[SignalKey::Alarms],
            Source::Capacity => &[SignalKey::Capacity],
            Source::Secrets => &[SignalKey::Secrets],
        }
    }
}

/// The config and the clients of every region: what the pollers, executor and check share.
#[derive(Debug)]
pub struct Live {
    pub config: Config,
    pub clients: Vec<RegionClients>,
    /// The ARC cluster's endpoints (`method = "arc"`): where routing is read and shifted.
    pub cluster: Option<arc::Cluster>,
    /// The newest Route 53 change warroom submitted: the routing pollers follow it with
    /// `GetChange` so the dashboard (and `change-insync`) see it pending until INSYNC.
    pub change: std::sync::Mutex<Option<PendingChange>>,
}

impl Live {
    pub fn new(config: Config, clients: Vec<RegionClients>, cluster: Option<arc::Cluster>) -> Self {
        Self { config, clients, cluster, change: std::sync::Mutex::new(None) }
    }

    /// Clients for every region of `config`, the global control plane's and, under
    /// `method = "arc"`, the cluster's endpoints.
    pub async fn connect(config: Config, credentials: &crate::aws::CredentialSource) -> Self {
        let clients = crate::aws::connect_all(&config, credentials).await;
        let cluster = arc::Cluster::connect(&config, credentials).await;
        Self::new(config, clients, cluster)
    }

    pub fn last_change(&self) -> Option<PendingChange> {
        self.change.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    pub fn set_change(&self, change: PendingChange) {
        *self.change.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(change);
    }
}

/// What a poller remembers between polls (the health checker counts and when they were read).
#[derive(Clone, Debug, Default)]
pub struct Memory {
    counts: Option<(HealthChecks, DateTime<Utc>)>,
}

/// One poll of one source of one region.
pub async fn poll_source(live: &Live, region: usize, source: Source, memory: &mut Memory) -> Vec<Update> {
    let Some(c) = live.clients.get(region) else { return Vec::new() };
    let config = &live.config;
    let now = Utc::now();
    match source {
        Source::Metrics => {
            let queries = metrics::region_queries(config, region);
            let mut values = metrics::fetch(&c.cloudwatch, &queries, now).await;
            explain_missing(c, &queries, &mut values).await;
            metrics::to_updates(region, &queries, &values, Utc::now())
        }
        Source::Alarms => {
            let every = seconds(source.interval(config));
            let result = alarms::read(c, &config.regions[region].aws.alarms, every).await;
            vec![reading_or_error(region, SignalKey::Alarms, result.map(Reading::Alarms))]
        }
        Source::Capacity => {
            let Some(cap) = config.regions[region].aws.capacity.as_ref() else { return Vec::new() };
            let result = capacity::read(c, cap).await;
            vec![reading_or_error(region, SignalKey::Capacity, result.map(Reading::Capacity))]
        }
        Source::Secrets => {
            let every = seconds(source.interval(config));
            let result = secrets::read(c, &config.regions[region].aws.secrets, every).await;
            vec![reading_or_error(region, SignalKey::Secrets, result.map(Reading::Secrets))]
        }
        Source::Health => {
            let id = config.regions[region].aws.health_check_id.as_deref().unwrap_or_default();
            let result = health(c, id, memory, config.aws.health_status_interval, now).await;
            through_control_plane(region, SignalKey::HealthChecks, result.map(Reading::HealthChecks))
        }
        Source::Routing if let Some(cluster) = &live.cluster => {
            // Routing controls: read through the cluster's regional endpoints, data plane.
            let result = arc::read(cluster, config, region).await;
            vec![reading_or_error(region, SignalKey::Routing, result.map(Reading::Routing))]
        }
        Source::Routing => {
            let result = match routing::read(c, config, region).await {
                Ok(mut r) => {
                    r.change = follow_change(live, c).await;
                    Ok(r)
                }
                Err(e) => Err(e),
            };
            through_control_plane(region, SignalKey::Routing, result.map(Reading::Routing))
        }
        Source::Database => match database::describe(c, config, region).await {
            Err(e) if e.unanswered() => regional_failure(region, SignalKey::Database, e),
            Ok(db) => {
                // Every replica of a global table takes writes and reports its own lag.
                let writer_lag =
                    Lag::from_role(db.role).filter(|_| config.database.kind != DatabaseKind::DynamodbGlobal);
                let at = Utc::now();
                let mut out = vec![
                    Update::ok(region, at, Reading::Reachable(true)),
                    Update::ok(region, at, Reading::Database(db)),
                ];
                if let Some(lag) = writer_lag {
                    out.push(Update::ok(region, at, Reading::ReplicationLag(lag)));
                }
                out
            }
            Err(e) => vec![Update::failed(region, SignalKey::Database, Utc::now(), e.full())],
        },
        Source::Flag => match flag::read(c, &config.write_freeze).await {
            Err(e) if e.unanswered() => regional_failure(region, SignalKey::WriteFreeze, e),
            result => vec![
                Update::ok(region, Utc::now(), Reading::Reachable(true)),
                reading_or_error(region, SignalKey::WriteFreeze, result.map(Reading::WriteFreeze)),
            ],
        },
    }
}

fn seconds(d: Duration) -> u32 {
    u32::try_from(d.num_seconds()).unwrap_or(u32::MAX)
}

/// A custom row's metric with no datapoints: ask `ListMetrics` whether it exists at all, so
/// "does not exist" (a typo, the wrong region) reads differently from "quiet".
pub async fn explain_missing(c: &RegionClients, queries: &[metrics::MetricQuery], values: &mut metrics::Values) {
    for (q, value) in queries.iter().zip(values.iter_mut()) {
        let (metrics::Measure::Custom(_), metrics::QueryKind::Stat(stat), Ok(None)) = (q.measure, &q.kind, &*value)
        else {
            continue;
        };
        if let Ok(false) = metrics::exists(&c.cloudwatch, stat).await {
            let dims: Vec<String> = stat.dimensions.iter().map(|(k, v)| format!("{k}={v}")).collect();
            *value = Err(crate::aws::error::AwsError::other(
                crate::aws::error::LIST_METRICS,
                format!(
                    "metric {}/{} {{{}}} does not exist in {}",
                    stat.namespace,
                    stat.metric,
                    dims.join(", "),
                    c.region
                ),
            ));
        }
    }
}

/// The last change warroom made, its status refreshed with `GetChange` while it is pending.
/// A failed `GetChange` keeps it pending (the guard must not pass on a guess).
async fn follow_change(live: &Live, c: &RegionClients) -> Option<PendingChange> {
    let mut change = live.last_change()?;
    if change.status == ChangeStatus::Pending && routing::change_insync(c, &change.id).await.unwrap_or(false) {
        change.status = ChangeStatus::Insync;
        live.set_change(change.clone());
    }
    Some(change)
}

/// A region's own endpoint did not answer: say so (`Reachable(false)`) beside the error.
fn regional_failure(region: usize, key: SignalKey, e: crate::aws::error::AwsError) -> Vec<Update> {
    let at = Utc::now();
    vec![Update::ok(region, at, Reading::Reachable(false)), Update::failed(region, key, at, e.full())]
}

/// A reading made through us-east-1's control plane, and what it says of that plane: it
/// answered, or it did not (then the reading's error says so in one sentence, the same in
/// every region, and the header says it once).
fn through_control_plane(
    region: usize,
    key: SignalKey,
    result: Result<Reading, crate::aws::error::AwsError>,
) -> Vec<Update> {
    let at = Utc::now();
    match result {
        Err(e) if e.unanswered() => vec![
            Update::ok(region, at, Reading::ControlPlane(false)),
            Update::failed(region, key, at, crate::model::CONTROL_PLANE_UNREACHABLE),
        ],
        other => vec![Update::ok(region, at, Reading::ControlPlane(true)), reading_or_error(region, key, other)],
    }
}

fn reading_or_error(region: usize, key: SignalKey, result: Result<Reading, crate::aws::error::AwsError>) -> Update {
    match result {
        Ok(reading) => Update::ok(region, Utc::now(), reading),
        Err(e) => Update::failed(region, key, Utc::now(), e.full()),
    }
}

/// Checker counts at a low rate; in between, the `HealthCheckStatus` metric. When the metric
/// disagrees with the last counts, the counts are read again at once: a flip is when they
/// matter.
async fn health(
    c: &RegionClients,
    id: &str,
    memory: &mut Memory,
    interval: Duration,
    now: DateTime<Utc>,
) -> Result<HealthChecks, crate::aws::error::AwsError> {
    if let Some((last, read_at)) = memory.counts
        && now - read_at < interval
    {
        let values = metrics::fetch(&c.cloudwatch_global, &[metrics::health_query(id)], now).await;
        match values.first() {
            Some(Ok(Some(v))) if (*v >= 1.0) != last.is_healthy() => {}
            // The metric could not be read: the old counts are not news of now.
            Some(Err(e)) => return Err(e.clone()),
            _ => return Ok(last),
        }
    }
    let counts = routing::health_status(c, id).await?;
    memory.counts = Some((counts, now));
    Ok(counts)
}

/// The routing of every region in `regions` at once: under DNS one `ListResourceRecordSets`
/// (and one `GetChange`) answers for all of them, since the records are global.
pub async fn poll_routing(live: &Live, regions: &[usize]) -> Vec<Update> {
    let first = regions.first().and_then(|r| live.clients.get(*r));
    let (Some(c), None) = (first, &live.cluster) else {
        let each =
            regions.iter().map(|r| async move { poll_source(live, *r, Source::Routing, &mut Memory::default()).await });
        return join_all(each).await.into_iter().flatten().collect();
    };
    let read = routing::read_all(c, &live.config, regions).await;
    let change = if read.iter().any(|(_, r)| r.is_ok()) { follow_change(live, c).await } else { None };
    read.into_iter()
        .flat_map(|(region, result)| {
            let result = result.map(|mut r| {
                r.change.clone_from(&change);
                Reading::Routing(r)
            });
            through_control_plane(region, SignalKey::Routing, result)
        })
        .collect()
}

/// Every applicable (region, source) pair, in region order.
pub fn pairs(config: &Config) -> Vec<(usize, Source)> {
    (0..config.regions.len())
        .flat_map(|r| Source::ALL.into_iter().filter(move |s| s.applies(config, r)).map(move |s| (r, s)))
        .collect()
}

/// The regions whose routing is read, and every other (region, source) pair.
fn routing_apart(config: &Config) -> (Vec<usize>, Vec<(usize, Source)>) {
    let (routing, rest): (Vec<_>, Vec<_>) = pairs(config).into_iter().partition(|(_, s)| *s == Source::Routing);
    (routing.into_iter().map(|(r, _)| r).collect(), rest)
}

/// One round of every source of every region, all at once: each source a task of its own,
/// so requests are signed and answers parsed on every core.
pub async fn poll_all(live: &Arc<Live>) -> Vec<Update> {
    let (routing, rest) = routing_apart(&live.config);
    let mut tasks: Vec<JoinHandle<Vec<Update>>> = rest
        .into_iter()
        .map(|(region, source)| {
            let live = Arc::clone(live);
            tokio::spawn(async move { poll_source(&live, region, source, &mut Memory::default()).await })
        })
        .collect();
    let live = Arc::clone(live);
    tasks.push(tokio::spawn(async move { poll_routing(&live, &routing).await }));
    join_all(tasks).await.into_iter().flat_map(Result::unwrap_or_default).collect()
}

/// The pause after a poll: the interval when it went well, otherwise a backoff that starts
/// at half the interval and doubles up to four intervals (so a throttled account recovers).
pub fn next_delay(interval: Duration, failures: u32) -> Duration {
    if failures == 0 {
        return interval;
    }
    let base = (interval / 2).max(Duration::seconds(1));
    let factor = 1i32 << failures.saturating_sub(1).min(6);
    (base * factor).min(interval * 4)
}

/// Start one poller per region and source. Each stops when the receiver is dropped.
pub fn spawn_pollers(live: &Arc<Live>, tx: &mpsc::Sender<Update>) -> Vec<JoinHandle<()>> {
    let (routing, rest) = routing_apart(&live.config);
    let mut tasks: Vec<JoinHandle<()>> = rest
        .into_iter()
        .map(|(region, source)| {
            let (live, tx) = (Arc::clone(live), tx.clone());
            tokio::spawn(async move { run_poller(&live, region, source, &tx).await })
        })
        .collect();
    if !routing.is_empty() {
        let (live, tx) = (Arc::clone(live), tx.clone());
        // Routing of every region, one listing a round.
        tasks.push(tokio::spawn(async move {
            let interval = Source::Routing.interval(&live.config);
            repeat(interval, Source::Routing, &tx, || poll_routing(&live, &routing)).await;
        }));
    }
    tasks
}

async fn run_poller(live: &Live, region: usize, source: Source, tx: &mpsc::Sender<Update>) {
    let interval = source.interval(&live.config);
    let memory = std::sync::Mutex::new(Memory::default());
    repeat(interval, source, tx, || async {
        let mut remembered = memory.lock().map(|m| m.clone()).unwrap_or_default();
        let updates = poll_source(live, region, source, &mut remembered).await;
        if let Ok(mut m) = memory.lock() {
            *m = remembered;
        }
        updates
    })
    .await;
}

/// Poll with `poll` every `interval`, backing off while `source`'s signals fail, sending
/// every update; stops when the receiver is gone.
async fn repeat<F, Fut>(interval: Duration, source: Source, tx: &mpsc::Sender<Update>, mut poll: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Vec<Update>>,
{
    let mut failures = 0u32;
    loop {
        let updates = poll().await;
        let failed = updates.iter().any(|u| u.result.is_err() && source.signals().contains(&u.signal));
        if let Some((region, e)) = updates.iter().find_map(|u| u.result.as_ref().err().map(|e| (u.region, e))) {
            tracing::warn!(region, ?source, error = %e.0, "poll failed");
        }
        failures = if failed { failures.saturating_add(1) } else { 0 };
        for update in updates {
            if tx.send(update).await.is_err() {
                return;
            }
        }
        tokio::time::sleep(next_delay(interval, failures).to_std().unwrap_or(std::time::Duration::from_secs(10))).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_back_off_from_half_an_interval_to_four() {
        let i = Duration::seconds(10);
        let delays: Vec<i64> = (0..8).map(|f| next_delay(i, f).num_seconds()).collect();
        assert_eq!(delays, [10, 5, 10, 20, 40, 40, 40, 40]);
        assert_eq!(next_delay(Duration::seconds(1), 1), Duration::seconds(1));
    }

    #[test]
    fn only_configured_sources_are_polled() {
        let c = Config::parse(
            "c.toml",
            "[routing]\nhosted-zone-id = \"Z1\"\n[[regions]]\nname = \"us-east-1\"\nrole = \"primary\"\nrecord-set-id = \"east\"\nload-balancer = \"app/a/1\"\n[[regions]]\nname = \"us-west-2\"\nrole = \"secondary\"\n",
        )
        .unwrap();
        assert_eq!(pairs(&c), [(0, Source::Metrics), (0, Source::Routing), (0, Source::Flag), (1, Source::Flag)]);
        let c = Config::parse(
            "c.toml",
            "[aws]\ninventory-interval = \"45s\"\n[[regions]]\nname = \"us-east-1\"\nrole = \"primary\"\n[[regions]]\nname = \"us-west-2\"\nrole = \"secondary\"\nsecrets = [\"db\"]\n[regions.alarms]\nnames = [\"a\"]\n[regions.capacity]\nauto-scaling-group = \"g\"\nneeded = 3\n",
        )
        .unwrap();
        assert_eq!(
            pairs(&c),
            [(0, Source::Flag), (1, Source::Flag), (1, Source::Alarms), (1, Source::Capacity), (1, Source::Secrets)]
        );
        assert_eq!(Source::Alarms.interval(&c), Duration::seconds(45));
        assert_eq!(Source::Capacity.interval(&c), Duration::seconds(10));
    }
}
