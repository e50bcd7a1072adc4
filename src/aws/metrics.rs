//! CloudWatch `GetMetricData`: one batched call per region per poll. When the batch fails,
//! every query is retried on its own, so one metric CloudWatch cannot answer (a statistic it
//! rejects, a throttle) never blanks the others: only that one shows its error.

use chrono::{DateTime, Utc};
use futures_util::future::join_all;

use aws_sdk_cloudwatch::primitives::DateTime as AwsDateTime;
use aws_sdk_cloudwatch::types::{Dimension, Metric, MetricDataQuery, MetricStat, ScanBy, StatusCode};

use super::error::{AwsError, Class, GET_METRIC_DATA, explain};
use crate::config::{Config, DatabaseId, DatabaseKind};
use crate::model::{Lag, Reading, SignalKey, Update};

/// CloudWatch's resolution for these metrics; rates are per second over one period.
pub const PERIOD_SECONDS: i32 = 60;
/// How far back to look for the newest datapoint. Older than this counts as no data.
pub const WINDOW_SECONDS: i64 = 300;

/// What a query's value becomes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Measure {
    Requests,
    Errors5xx,
    LatencyMedian,
    LatencyTail,
    /// Replication lag into region `into` (an index into the config's regions).
    Lag {
        into: usize,
        unit: LagUnit,
    },
    /// `AWS/Route53` `HealthCheckStatus`: 1 healthy, 0 not.
    HealthStatus,
}

impl Measure {
    /// Why a query with no datapoints is still healthy, if it is: ALBs publish no 5xx count
    /// in a minute without 5xx, and a writer publishes no replication lag. `to_updates` reads
    /// the absences this way; `check` says so in words.
    pub fn absence_explained(self, region_is_writer: bool) -> Option<&'static str> {
        match self {
            Measure::Errors5xx => Some("no 5xx in the window"),
            Measure::Lag { .. } if region_is_writer => Some("this region is the writer"),
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

#[derive(Clone, Debug, PartialEq)]
pub struct MetricQuery {
    pub namespace: &'static str,
    pub metric: &'static str,
    pub dimensions: Vec<(&'static str, String)>,
    pub stat: String,
    pub measure: Measure,
}

impl MetricQuery {
    fn new(
        namespace: &'static str,
        metric: &'static str,
        dims: &[(&'static str, &str)],
        stat: &str,
        measure: Measure,
    ) -> Self {
        Self {
            namespace,
            metric,
            dimensions: dims.iter().map(|(k, v)| (*k, (*v).to_owned())).collect(),
            stat: stat.to_owned(),
            measure,
        }
    }

    /// `RequestCount (Sum)` and the like, for error texts and `check`.
    pub fn label(&self) -> String {
        format!("{}/{} ({})", self.namespace, self.metric, self.stat)
    }
}

/// The queries of region `index`'s batch: its load balancer and its replication lag.
pub fn region_queries(config: &Config, index: usize) -> Vec<MetricQuery> {
    let Some(region) = config.regions.get(index) else { return Vec::new() };
    let mut out = Vec::new();
    if let Some(lb) = region.aws.load_balancer.as_deref() {
        let dims = [("LoadBalancer", lb)];
        out.push(MetricQuery::new("AWS/ApplicationELB", "RequestCount", &dims, "Sum", Measure::Requests));
        out.push(MetricQuery::new("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", &dims, "Sum", Measure::Errors5xx));
        if config.aws.median_latency {
            out.push(MetricQuery::new(
                "AWS/ApplicationELB",
                "TargetResponseTime",
                &dims,
                "p50",
                Measure::LatencyMedian,
            ));
        }
        let tail = config.aws.latency_statistic.as_cloudwatch();
        out.push(MetricQuery::new("AWS/ApplicationELB", "TargetResponseTime", &dims, tail, Measure::LatencyTail));
    }
    match (config.database.kind, &region.aws.database) {
        (DatabaseKind::RdsReplica, Some(DatabaseId::RdsInstance(id))) => out.push(MetricQuery::new(
            "AWS/RDS",
            "ReplicaLag",
            &[("DBInstanceIdentifier", id)],
            "Maximum",
            Measure::Lag { into: index, unit: LagUnit::RdsSeconds },
        )),
        (DatabaseKind::AuroraGlobal, Some(DatabaseId::AuroraCluster(id))) => out.push(MetricQuery::new(
            "AWS/RDS",
            "AuroraGlobalDBRPOLag",
            &[("DBClusterIdentifier", id)],
            "Maximum",
            Measure::Lag { into: index, unit: LagUnit::Milliseconds },
        )),
        (DatabaseKind::DynamodbGlobal, _) => {
            // DynamoDB publishes the lag in the *sending* region, per receiving region.
            if let Some(table) = config.database.table.as_deref() {
                for (other, receiver) in config.regions.iter().enumerate().filter(|(i, _)| *i != index) {
                    out.push(MetricQuery::new(
                        "AWS/DynamoDB",
                        "ReplicationLatency",
                        &[("TableName", table), ("ReceivingRegion", &receiver.name)],
                        "Maximum",
                        Measure::Lag { into: other, unit: LagUnit::Milliseconds },
                    ));
                }
            }
        }
        _ => {}
    }
    out
}

/// The Route 53 health check's status metric (read in us-east-1).
pub fn health_query(health_check_id: &str) -> MetricQuery {
    MetricQuery::new(
        "AWS/Route53",
        "HealthCheckStatus",
        &[("HealthCheckId", health_check_id)],
        "Minimum",
        Measure::HealthStatus,
    )
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
            join_all(queries.iter().map(|q| async move {
                match call(client, std::slice::from_ref(q), now).await {
                    Ok(mut v) => v.pop().unwrap_or(Ok(None)),
                    Err(e) => Err(e),
                }
            }))
            .await
        }
        Err(e) => queries.iter().map(|_| Err(e.clone())).collect(),
    }
}

fn query_id(i: usize) -> String {
    format!("q{i}")
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
    for (i, q) in queries.iter().enumerate() {
        let mut metric = Metric::builder().namespace(q.namespace).metric_name(q.metric);
        for (name, value) in &q.dimensions {
            metric = metric.dimensions(Dimension::builder().name(*name).value(value).build());
        }
        let stat = MetricStat::builder().metric(metric.build()).period(PERIOD_SECONDS).stat(&q.stat).build();
        request = request.metric_data_queries(
            MetricDataQuery::builder().id(query_id(i)).metric_stat(stat).return_data(true).build(),
        );
    }
    let output = request.send().await.map_err(|e| explain(GET_METRIC_DATA, &e))?;
    let results = output.metric_data_results();
    Ok(queries
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let id = query_id(i);
            let Some(result) = results.iter().find(|r| r.id() == Some(id.as_str())) else {
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

/// Turn values into updates for region `region` (lag may be about another region).
pub fn to_updates(region: usize, queries: &[MetricQuery], values: &Values, now: DateTime<Utc>) -> Vec<Update> {
    let find = |m: Measure| queries.iter().position(|q| q.measure == m).and_then(|i| values.get(i).map(|v| (i, v)));
    let no_data =
        |i: usize| format!("no {} datapoints in the last {} minutes", queries[i].label(), WINDOW_SECONDS / 60);
    let mut out = Vec::new();
    if let Some((ri, requests)) = find(Measure::Requests) {
        let requests = match requests {
            Ok(Some(sum)) => Ok(*sum),
            Ok(None) => Err(no_data(ri)),
            Err(e) => Err(e.text.clone()),
        };
        out.push(match &requests {
            Ok(sum) => Update::ok(region, now, Reading::Requests(sum / f64::from(PERIOD_SECONDS))),
            Err(e) => Update::failed(region, SignalKey::Requests, now, e.clone()),
        });
        if let Some((_, errors)) = find(Measure::Errors5xx) {
            // The ALB publishes no 5xx datapoint in a minute without 5xx: none means zero.
            let rate = match (&requests, errors) {
                (Err(e), _) => Err(e.clone()),
                (_, Err(e)) => Err(e.text.clone()),
                (Ok(total), Ok(count)) if *total > 0.0 => Ok(count.unwrap_or(0.0) / total * 100.0),
                (Ok(_), Ok(_)) => Ok(0.0),
            };
            out.push(match rate {
                Ok(rate) => Update::ok(region, now, Reading::ErrorRate(rate)),
                Err(e) => Update::failed(region, SignalKey::ErrorRate, now, e),
            });
        }
    }
    for (measure, key) in
        [(Measure::LatencyMedian, SignalKey::LatencyP50), (Measure::LatencyTail, SignalKey::LatencyP99)]
    {
        if let Some((i, value)) = find(measure) {
            out.push(match value {
                Ok(Some(seconds)) => {
                    let ms = seconds * 1000.0;
                    let reading =
                        if key == SignalKey::LatencyP50 { Reading::LatencyP50(ms) } else { Reading::LatencyP99(ms) };
                    Update::ok(region, now, reading)
                }
                Ok(None) => Update::failed(region, key, now, no_data(i)),
                Err(e) => Update::failed(region, key, now, e.text.clone()),
            });
        }
    }
    for (i, q) in queries.iter().enumerate() {
        let Measure::Lag { into, unit } = q.measure else { continue };
        match values.get(i) {
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
            Some(Err(e)) => out.push(Update::failed(into, SignalKey::ReplicationLag, now, e.text.clone())),
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
        assert_eq!(q[4].dimensions, [("DBInstanceIdentifier", "db-west".to_owned())]);
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
        assert_eq!(q[0].dimensions[1], ("ReceivingRegion", "eu-west-1".to_owned()));
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
