//! CloudWatch `GetMetricData`: one batched call per region per poll, whatever the traffic
//! source (ALB, NLB, API Gateway, custom metrics or metric math) and however many custom
//! rows (CloudWatch takes 500 queries a call). When the batch fails,
//! every query is retried on its own, so one metric CloudWatch cannot answer (a statistic it
//! rejects, a throttle) never blanks the others: only that one shows its error.

use chrono::{DateTime, Utc};
use futures_util::future::join_all;

use aws_sdk_cloudwatch::primitives::DateTime as AwsDateTime;
use aws_sdk_cloudwatch::types::{Dimension, DimensionFilter, Metric, MetricDataQuery, ScanBy, StatusCode};

use super::error::{AwsError, Class, GET_METRIC_DATA, LIST_METRICS, explain};
use crate::config::{ApiRef, Config, DatabaseId, DatabaseKind, MetricSpec, MetricStat, Traffic, TrafficUnit};
use crate::model::{Lag, Reading, SignalKey, Update};

/// CloudWatch's resolution for these metrics; rates are per second over one period.
pub const PERIOD_SECONDS: i32 = 60;
/// How far back to look for the newest datapoint. Older than this counts as no data.
pub const WINDOW_SECONDS: i64 = 300;

/// What a query's value becomes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Measure {
    /// Requests (ALB, API Gateway), new flows (NLB), or a custom count.
    Requests {
        per_second: bool,
    },
    /// 5xx (or NLB target resets) as a count per period, or already a percentage.
    Errors {
        percent: bool,
        /// No datapoint means none happened (ALBs publish no 5xx count in a quiet minute).
        absent_is_zero: bool,
    },
    LatencyMedian {
        milliseconds: bool,
    },
    LatencyTail {
        milliseconds: bool,
    },
    /// Replication lag into region `into` (an index into the config's regions).
    Lag {
        into: usize,
        unit: LagUnit,
    },
    /// `AWS/Route53` `HealthCheckStatus`: 1 healthy, 0 not.
    HealthStatus,
    /// `HealthyHostCount` of the region's target group: health from the data plane.
    HealthyTargets,
    /// The `[[signals]]` row of this index.
    Custom(u8),
    /// A metric an expression reads (`using`): fetched, not returned.
    Input,
}

impl Measure {
    /// Why a query with no datapoints is still healthy, if it is: ALBs publish no 5xx count
    /// in a minute without 5xx, and a writer publishes no replication lag. `to_updates` reads
    /// the absences this way; `check` says so in words.
    pub fn absence_explained(self, region_is_writer: bool) -> Option<&'static str> {
        match self {
            Measure::Errors { absent_is_zero: true, .. } => Some("no 5xx in the window"),
            Measure::Lag { .. } if region_is_writer => Some("this region is the writer"),
            Measure::Input => Some("read by an expression"),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LagUnit {
    /// RDS `ReplicaLag`: seconds, -1 when not replicating.
    RdsSeconds,
    /// Aurora `AuroraGlobalDBRPOLag`, DynamoDB `ReplicationLatency`.
    Milliseconds,
}

/// What a query asks CloudWatch for.
#[derive(Clone, Debug, PartialEq)]
pub enum QueryKind {
    Stat(MetricStat),
    /// Metric math over other queries of the same batch (by their ids).
    Expression(String),
}

#[derive(Clone, Debug, PartialEq)]
pub struct MetricQuery {
    /// Unique in the batch: `q3`, or `q3_m1` for an expression's input `m1`.
    pub id: String,
    pub kind: QueryKind,
    pub measure: Measure,
}

impl MetricQuery {
    fn stat(namespace: &str, metric: &str, dims: &[(&str, &str)], stat: &str) -> MetricStat {
        MetricStat {
            namespace: namespace.to_owned(),
            metric: metric.to_owned(),
            dimensions: dims.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
            statistic: stat.to_owned(),
        }
    }

    /// `AWS/ApplicationELB/RequestCount (Sum)` or `expression `…``, for error texts and `check`.
    pub fn label(&self) -> String {
        match &self.kind {
            QueryKind::Stat(s) => s.label(),
            QueryKind::Expression(e) => format!("expression `{e}`"),
        }
    }

    /// The dimensions of a plain metric query (none for an expression).
    pub fn dimensions(&self) -> &[(String, String)] {
        match &self.kind {
            QueryKind::Stat(s) => &s.dimensions,
            QueryKind::Expression(_) => &[],
        }
    }
}

/// Builds one region's batch, numbering queries as they come.
#[derive(Default)]
struct Batch {
    queries: Vec<MetricQuery>,
}

impl Batch {
    fn push_stat(&mut self, stat: MetricStat, measure: Measure) {
        let id = format!("q{}", self.queries.len());
        self.queries.push(MetricQuery { id, kind: QueryKind::Stat(stat), measure });
    }

    fn push_spec(&mut self, spec: &MetricSpec, measure: Measure) {
        match spec {
            MetricSpec::Stat(s) => self.push_stat(s.clone(), measure),
            MetricSpec::Expression { expression, using } => {
                let n = self.queries.len();
                let renamed: Vec<(String, String)> =
                    using.iter().map(|(id, _)| (id.clone(), format!("q{n}_{id}"))).collect();
                let text = rename_ids(expression, &renamed);
                self.queries.push(MetricQuery { id: format!("q{n}"), kind: QueryKind::Expression(text), measure });
                for ((_, stat), (_, id)) in using.iter().zip(renamed) {
                    self.queries.push(MetricQuery { id, kind: QueryKind::Stat(stat.clone()), measure: Measure::Input });
                }
            }
        }
    }
}

/// Rename the query ids an expression names (outside quoted strings), so two rows' `m1`
/// never collide in one batch.
pub fn rename_ids(expression: &str, renames: &[(String, String)]) -> String {
    let mut out = String::with_capacity(expression.len() + 8 * renames.len());
    let mut chars = expression.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\'' || c == '"' {
            out.push(c);
            for q in chars.by_ref() {
                out.push(q);
                if q == c {
                    break;
                }
            }
        } else if c.is_ascii_alphabetic() || c == '_' {
            let mut word = String::from(c);
            while let Some(&n) = chars.peek() {
                if n.is_ascii_alphanumeric() || n == '_' {
                    word.push(n);
                    chars.next();
                } else {
                    break;
                }
            }
            match renames.iter().find(|(from, _)| *from == word) {
                Some((_, to)) => out.push_str(to),
                None => out.push_str(&word),
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn traffic_queries(batch: &mut Batch, traffic: &Traffic, config: &Config) {
    let tail = config.aws.latency_statistic.as_cloudwatch();
    let m = MetricQuery::stat;
    let median = config.aws.median_latency;
    match traffic {
        Traffic::Alb { load_balancer } => {
            let dims = [("LoadBalancer", load_balancer.as_str())];
            let ns = "AWS/ApplicationELB";
            batch.push_stat(m(ns, "RequestCount", &dims, "Sum"), Measure::Requests { per_second: false });
            let errors = Measure::Errors { percent: false, absent_is_zero: true };
            batch.push_stat(m(ns, "HTTPCode_Target_5XX_Count", &dims, "Sum"), errors);
            let latency =
                |milliseconds| (Measure::LatencyMedian { milliseconds }, Measure::LatencyTail { milliseconds });
            let (p50, p99) = latency(false);
            if median {
                batch.push_stat(m(ns, "TargetResponseTime", &dims, "p50"), p50);
            }
            batch.push_stat(m(ns, "TargetResponseTime", &dims, tail), p99);
        }
        Traffic::Nlb { load_balancer } => {
            let dims = [("LoadBalancer", load_balancer.as_str())];
            let ns = "AWS/NetworkELB";
            batch.push_stat(m(ns, "NewFlowCount", &dims, "Sum"), Measure::Requests { per_second: false });
            let errors = Measure::Errors { percent: false, absent_is_zero: true };
            batch.push_stat(m(ns, "TCP_Target_Reset_Count", &dims, "Sum"), errors);
        }
        Traffic::ApiGateway { api, stage } => {
            let (ns, errors_metric, id_dim, id) = match api {
                ApiRef::Rest(name) => ("AWS/ApiGateway", "5XXError", "ApiName", name.as_str()),
                ApiRef::Http(id) => ("AWS/ApiGateway", "5xx", "ApiId", id.as_str()),
            };
            let mut dims = vec![(id_dim, id)];
            if let Some(stage) = stage.as_deref() {
                dims.push(("Stage", stage));
            }
            batch.push_stat(m(ns, "Count", &dims, "Sum"), Measure::Requests { per_second: false });
            let errors = Measure::Errors { percent: false, absent_is_zero: true };
            batch.push_stat(m(ns, errors_metric, &dims, "Sum"), errors);
            let (p50, p99) =
                (Measure::LatencyMedian { milliseconds: true }, Measure::LatencyTail { milliseconds: true });
            if median {
                batch.push_stat(m(ns, "Latency", &dims, "p50"), p50);
            }
            batch.push_stat(m(ns, "Latency", &dims, tail), p99);
        }
        Traffic::Custom { requests, errors, latency } => {
            batch.push_spec(&requests.spec, Measure::Requests { per_second: requests.unit == TrafficUnit::PerSecond });
            if let Some(e) = errors {
                batch.push_spec(
                    &e.spec,
                    Measure::Errors { percent: e.unit == TrafficUnit::Percent, absent_is_zero: false },
                );
            }
            if let Some(l) = latency {
                batch.push_spec(&l.spec, Measure::LatencyTail { milliseconds: l.unit == TrafficUnit::Milliseconds });
            }
        }
    }
}

/// The queries of region `index`'s batch: its traffic source, its replication lag and its
/// `[[signals]]` rows, all in one `GetMetricData`.
pub fn region_queries(config: &Config, index: usize) -> Vec<MetricQuery> {
    let Some(region) = config.regions.get(index) else { return Vec::new() };
    let mut batch = Batch::default();
    if let Some(traffic) = &region.aws.traffic {
        traffic_queries(&mut batch, traffic, config);
    }
    let m = MetricQuery::stat;
    let balancer = match &region.aws.traffic {
        Some(Traffic::Alb { load_balancer }) => Some(("AWS/ApplicationELB", load_balancer)),
        Some(Traffic::Nlb { load_balancer }) => Some(("AWS/NetworkELB", load_balancer)),
        _ => None,
    };
    if let (Some(group), Some((namespace, lb))) = (&region.aws.target_group, balancer) {
        let dims = [("TargetGroup", group.as_str()), ("LoadBalancer", lb.as_str())];
        batch.push_stat(m(namespace, "HealthyHostCount", &dims, "Minimum"), Measure::HealthyTargets);
    }
    match (config.database.kind, &region.aws.database) {
        (DatabaseKind::RdsReplica, Some(DatabaseId::RdsInstance(id))) => {
            let lag = Measure::Lag { into: index, unit: LagUnit::RdsSeconds };
            batch.push_stat(m("AWS/RDS", "ReplicaLag", &[("DBInstanceIdentifier", id)], "Maximum"), lag);
        }
        (DatabaseKind::AuroraGlobal, Some(DatabaseId::AuroraCluster(id))) => {
            let lag = Measure::Lag { into: index, unit: LagUnit::Milliseconds };
            batch.push_stat(m("AWS/RDS", "AuroraGlobalDBRPOLag", &[("DBClusterIdentifier", id)], "Maximum"), lag);
        }
        (DatabaseKind::DynamodbGlobal, _) => {
            // DynamoDB publishes the lag in the *sending* region, per receiving region.
            if let Some(table) = config.database.table.as_deref() {
                for (other, receiver) in config.regions.iter().enumerate().filter(|(i, _)| *i != index) {
                    let lag = Measure::Lag { into: other, unit: LagUnit::Milliseconds };
                    let dims = [("TableName", table), ("ReceivingRegion", receiver.name.as_str())];
                    batch.push_stat(m("AWS/DynamoDB", "ReplicationLatency", &dims, "Maximum"), lag);
                }
            }
        }
        _ => {}
    }
    for (i, signal) in config.thresholds.signals.iter().enumerate() {
        let Ok(i) = u8::try_from(i) else { break };
        if signal.applies_to(&region.name) {
            batch.push_spec(&signal.spec.for_region(&region.name), Measure::Custom(i));
        }
    }
    batch.queries
}

/// The Route 53 health check's status metric (read in us-east-1).
pub fn health_query(health_check_id: &str) -> MetricQuery {
    let stat = MetricQuery::stat("AWS/Route53", "HealthCheckStatus", &[("HealthCheckId", health_check_id)], "Minimum");
    MetricQuery { id: "q0".into(), kind: QueryKind::Stat(stat), measure: Measure::HealthStatus }
}

/// Does this metric exist with these dimensions? (`ListMetrics`: a row whose metric does not
/// exist says so instead of waiting for datapoints that never come.)
pub async fn exists(client: &aws_sdk_cloudwatch::Client, stat: &MetricStat) -> Result<bool, AwsError> {
    let mut request = client.list_metrics().namespace(&stat.namespace).metric_name(&stat.metric);
    for (name, value) in &stat.dimensions {
        request = request.dimensions(DimensionFilter::builder().name(name).value(value).build());
    }
    let out = request.send().await.map_err(|e| explain(LIST_METRICS, &e))?;
    Ok(!out.metrics().is_empty())
}

/// The newest value of each query (None: no datapoint in the window), in query order.
pub type Values = Vec<Result<Option<f64>, AwsError>>;

/// One batched call; on failure, one call per query so the readable ones still read.
pub async fn fetch(client: &aws_sdk_cloudwatch::Client, queries: &[MetricQuery], now: DateTime<Utc>) -> Values {
    if queries.is_empty() {
        return Vec::new();
    }
    match call(client, queries, now).await {
        Ok(values) => values,
        // Only a refusal of the request itself can be one query's fault; a throttle, a
        // timeout or a dead endpoint would fail every query alike, and splitting would
        // multiply the calls into the trouble.
        Err(e) if queries.len() > 1 && e.class == Class::Service => {
            // Each query with the inputs its expression reads, so math still has its metrics.
            let groups = groups(queries);
            let answers = join_all(groups.iter().map(|g| async move {
                let part: Vec<MetricQuery> = g.iter().map(|&i| queries[i].clone()).collect();
                call(client, &part, now).await
            }))
            .await;
            let mut out: Values = queries.iter().map(|_| Ok(None)).collect();
            for (group, answer) in groups.iter().zip(answers) {
                for (k, &i) in group.iter().enumerate() {
                    out[i] = match &answer {
                        Ok(values) => values.get(k).cloned().unwrap_or(Ok(None)),
                        Err(e) => Err(e.clone()),
                    };
                }
            }
            out
        }
        Err(e) => queries.iter().map(|_| Err(e.clone())).collect(),
    }
}

async fn call(
    client: &aws_sdk_cloudwatch::Client,
    queries: &[MetricQuery],
    now: DateTime<Utc>,
) -> Result<Values, AwsError> {
    let mut request = client
        .get_metric_data()
        .start_time(AwsDateTime::from_secs(now.timestamp() - WINDOW_SECONDS))
        .end_time(AwsDateTime::from_secs(now.timestamp()))
        .scan_by(ScanBy::TimestampDescending);
    for q in queries {
        // ReturnData defaults to true: only an expression's inputs say it, so a batch of many
        // rows stays a small request.
        let mut query = MetricDataQuery::builder().id(&q.id);
        if q.measure == Measure::Input {
            query = query.return_data(false);
        }
        let query = match &q.kind {
            QueryKind::Stat(s) => {
                let mut metric = Metric::builder().namespace(&s.namespace).metric_name(&s.metric);
                for (name, value) in &s.dimensions {
                    metric = metric.dimensions(Dimension::builder().name(name).value(value).build());
                }
                let stat = aws_sdk_cloudwatch::types::MetricStat::builder()
                    .metric(metric.build())
                    .period(PERIOD_SECONDS)
                    .stat(&s.statistic)
                    .build();
                query.metric_stat(stat)
            }
            QueryKind::Expression(e) => query.expression(e).period(PERIOD_SECONDS),
        };
        request = request.metric_data_queries(query.build());
    }
    let output = request.send().await.map_err(|e| explain(GET_METRIC_DATA, &e))?;
    let results = output.metric_data_results();
    Ok(queries
        .iter()
        .map(|q| {
            if q.measure == Measure::Input {
                return Ok(None);
            }
            let Some(result) = results.iter().find(|r| r.id() == Some(q.id.as_str())) else {
                return Err(AwsError::other(GET_METRIC_DATA, format!("no result for {}", q.label())));
            };
            if result.status_code() == Some(&StatusCode::InternalError) {
                let why: Vec<&str> = result.messages().iter().filter_map(|m| m.value()).collect();
                return Err(AwsError::other(GET_METRIC_DATA, format!("{}: {}", q.label(), why.join("; "))));
            }
            // Newest first (TimestampDescending).
            Ok(result.values().first().copied())
        })
        .collect())
}

/// Indices of each returned query with the inputs that follow it.
fn groups(queries: &[MetricQuery]) -> Vec<Vec<usize>> {
    let mut out: Vec<Vec<usize>> = Vec::new();
    for (i, q) in queries.iter().enumerate() {
        match out.last_mut() {
            Some(group) if q.measure == Measure::Input => group.push(i),
            _ => out.push(vec![i]),
        }
    }
    out
}

/// Turn values into updates for region `region` (lag may be about another region).
pub fn to_updates(region: usize, queries: &[MetricQuery], values: &Values, now: DateTime<Utc>) -> Vec<Update> {
    let find = |matches: &dyn Fn(Measure) -> bool| {
        queries.iter().position(|q| matches(q.measure)).and_then(|i| values.get(i).map(|v| (i, queries[i].measure, v)))
    };
    let no_data =
        |i: usize| format!("no {} datapoints in the last {} minutes", queries[i].label(), WINDOW_SECONDS / 60);
    let period = f64::from(PERIOD_SECONDS);
    let mut out = Vec::new();
    if let Some((ri, measure, requests)) = find(&|m| matches!(m, Measure::Requests { .. })) {
        let per_second = matches!(measure, Measure::Requests { per_second: true });
        // Requests per second, and how many that is in one period (for error rates).
        let requests = match requests {
            Ok(Some(v)) if per_second => Ok((*v, v * period)),
            Ok(Some(sum)) => Ok((sum / period, *sum)),
            Ok(None) => Err(no_data(ri)),
            Err(e) => Err(e.full()),
        };
        out.push(match &requests {
            Ok((rate, _)) => Update::ok(region, now, Reading::Requests(*rate)),
            Err(e) => Update::failed(region, SignalKey::Requests, now, e.clone()),
        });
        if let Some((ei, Measure::Errors { percent, absent_is_zero }, errors)) =
            find(&|m| matches!(m, Measure::Errors { .. }))
        {
            let rate = match (&requests, errors) {
                (_, Ok(Some(p))) if percent => Ok(*p),
                (_, Ok(None)) if !absent_is_zero => Err(no_data(ei)),
                (Err(e), _) => Err(e.clone()),
                (_, Err(e)) => Err(e.full()),
                (Ok((_, total)), Ok(count)) if *total > 0.0 => Ok(count.unwrap_or(0.0) / total * 100.0),
                (Ok(_), Ok(_)) => Ok(0.0),
            };
            out.push(match rate {
                Ok(rate) => Update::ok(region, now, Reading::ErrorRate(rate)),
                Err(e) => Update::failed(region, SignalKey::ErrorRate, now, e),
            });
        }
    }
    for (median, key) in [(true, SignalKey::LatencyP50), (false, SignalKey::LatencyP99)] {
        let found = find(&|m| match m {
            Measure::LatencyMedian { .. } => median,
            Measure::LatencyTail { .. } => !median,
            _ => false,
        });
        if let Some((i, measure, value)) = found {
            let ms_unit = matches!(
                measure,
                Measure::LatencyMedian { milliseconds: true } | Measure::LatencyTail { milliseconds: true }
            );
            out.push(match value {
                Ok(Some(v)) => {
                    let ms = if ms_unit { *v } else { v * 1000.0 };
                    Update::ok(region, now, if median { Reading::LatencyP50(ms) } else { Reading::LatencyP99(ms) })
                }
                Ok(None) => Update::failed(region, key, now, no_data(i)),
                Err(e) => Update::failed(region, key, now, e.full()),
            });
        }
    }
    for (i, q) in queries.iter().enumerate() {
        match q.measure {
            Measure::Lag { into, unit } => match values.get(i) {
                Some(Ok(Some(v))) => {
                    let lag = match unit {
                        LagUnit::RdsSeconds if *v < 0.0 => Lag::NotReplicating,
                        LagUnit::RdsSeconds => Lag::Behind(*v),
                        LagUnit::Milliseconds => Lag::Behind(v / 1000.0),
                    };
                    out.push(Update::ok(into, now, Reading::ReplicationLag(lag)));
                }
                // A writer publishes no lag; the database poller reports Writer for it.
                Some(Ok(None)) | None => {}
                Some(Err(e)) => out.push(Update::failed(into, SignalKey::ReplicationLag, now, e.full())),
            },
            Measure::HealthyTargets => out.push(match values.get(i) {
                Some(Ok(Some(v))) => Update::ok(region, now, Reading::HealthyTargets(*v)),
                // No datapoint: the count is unknown, never taken as zero or as healthy.
                Some(Ok(None)) | None => Update::failed(region, SignalKey::HealthyTargets, now, no_data(i)),
                Some(Err(e)) => Update::failed(region, SignalKey::HealthyTargets, now, e.full()),
            }),
            Measure::Custom(row) => out.push(match values.get(i) {
                Some(Ok(Some(v))) => Update::ok(region, now, Reading::Custom(row, *v)),
                // Never a quiet zero: no datapoint is no reading.
                Some(Ok(None)) | None => Update::failed(region, SignalKey::Custom(row), now, no_data(i)),
                Some(Err(e)) => Update::failed(region, SignalKey::Custom(row), now, e.full()),
            }),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn live_config(extra: &str) -> Config {
        Config::parse(
            "c.toml",
            &format!(
                r#"
[[regions]]
name = "us-east-1"
role = "primary"
load-balancer = "app/east/1"
rds-instance = "db-east"
[[regions]]
name = "us-west-2"
role = "secondary"
load-balancer = "app/west/2"
rds-instance = "db-west"
{extra}"#
            ),
        )
        .unwrap()
    }

    fn t() -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000, 0).unwrap()
    }

    #[test]
    fn a_region_batch_reads_its_alb_and_its_replica_lag() {
        let c = live_config("[aws]\nlatency-statistic = \"p90\"\n");
        let q = region_queries(&c, 1);
        let labels: Vec<String> = q.iter().map(MetricQuery::label).collect();
        assert_eq!(
            labels,
            [
                "AWS/ApplicationELB/RequestCount (Sum)",
                "AWS/ApplicationELB/HTTPCode_Target_5XX_Count (Sum)",
                "AWS/ApplicationELB/TargetResponseTime (p50)",
                "AWS/ApplicationELB/TargetResponseTime (p90)",
                "AWS/RDS/ReplicaLag (Maximum)",
            ]
        );
        assert_eq!(q[4].dimensions(), [("DBInstanceIdentifier".to_owned(), "db-west".to_owned())]);
    }

    #[test]
    fn dynamodb_lag_is_read_in_the_sending_region_for_each_receiver() {
        let c = Config::parse(
            "c.toml",
            "[database]\nkind = \"dynamodb-global\"\ntable = \"orders\"\n[[regions]]\nname = \"us-east-1\"\nrole = \"primary\"\n[[regions]]\nname = \"eu-west-1\"\nrole = \"secondary\"\n",
        )
        .unwrap();
        let q = region_queries(&c, 0);
        assert_eq!(q.len(), 1);
        assert_eq!(q[0].measure, Measure::Lag { into: 1, unit: LagUnit::Milliseconds });
        assert_eq!(q[0].dimensions()[1], ("ReceivingRegion".to_owned(), "eu-west-1".to_owned()));
    }

    #[test]
    fn values_become_rates_percentages_and_milliseconds() {
        let c = live_config("");
        let q = region_queries(&c, 1);
        let values: Values = vec![Ok(Some(6000.0)), Ok(Some(300.0)), Ok(Some(0.05)), Ok(Some(1.2)), Ok(Some(-1.0))];
        let u = to_updates(1, &q, &values, t());
        let readings: Vec<Reading> = u.into_iter().map(|u| u.result.unwrap()).collect();
        assert_eq!(
            readings,
            [
                Reading::Requests(100.0),
                Reading::ErrorRate(5.0),
                Reading::LatencyP50(50.0),
                Reading::LatencyP99(1200.0),
                Reading::ReplicationLag(Lag::NotReplicating),
            ]
        );
    }

    #[test]
    fn one_failed_query_marks_only_its_signal_and_no_5xx_means_zero() {
        let c = live_config("");
        let q = region_queries(&c, 0);
        let failed = AwsError::other(GET_METRIC_DATA, "p99 not supported");
        let values: Values = vec![Ok(Some(600.0)), Ok(None), Err(failed.clone()), Err(failed), Ok(None)];
        let u = to_updates(0, &q, &values, t());
        assert_eq!(u.len(), 4, "a writer without ReplicaLag datapoints sends no lag: {u:?}");
        assert_eq!(u[0].result, Ok(Reading::Requests(10.0)));
        assert_eq!(u[1].result, Ok(Reading::ErrorRate(0.0)));
        assert_eq!(u[2].signal, SignalKey::LatencyP50);
        assert!(u[2].result.as_ref().unwrap_err().0.contains("p99 not supported"));
        assert!(u[3].result.is_err());
    }

    #[test]
    fn no_request_datapoints_is_an_error_not_a_quiet_zero() {
        let c = live_config("");
        let q = region_queries(&c, 0);
        let values: Values = vec![Ok(None), Ok(None), Ok(Some(0.1)), Ok(Some(0.2)), Ok(None)];
        let u = to_updates(0, &q, &values, t());
        let e = u[0].result.as_ref().unwrap_err();
        assert_eq!(e.0, "no AWS/ApplicationELB/RequestCount (Sum) datapoints in the last 5 minutes");
        assert_eq!(u[1].result.as_ref().unwrap_err(), e, "no error rate without requests");
    }
}
