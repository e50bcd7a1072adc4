//! `warroom check --config FILE`: a readiness evaluation, like a Region switch plan
//! evaluation. Every configured resource is described, every metric is read, each IAM
//! permission a step needs is probed with a call that cannot change anything, and the
//! failover runbook's guards are evaluated on the current state.
//!
//! Exit 0 when every resource and permission check passes; guard verdicts are shown but not
//! counted (before a failover, `writes-frozen` is *supposed* to fail).

use std::fmt::Write as _;
use std::path::Path;

use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_route53::types::{Change, ChangeAction, ChangeBatch, ResourceRecord, ResourceRecordSet, RrType};
use chrono::{DateTime, Utc};

use crate::app::App;
use crate::aws::error::{self, AwsError, Call, Class, explain};
use crate::aws::{flag, metrics};
use crate::config::{Config, DatabaseKind};
use crate::model::{DbRole, PollError, Reading, SignalKey, Update};
use crate::runbook::StepRef;
use crate::runtime::event_loop::runtime;
use crate::runtime::exit::{Exit, Failure};
use crate::runtime::session::{connect, load_config};
use crate::scribe::Scribe;
use crate::sources::aws::{Live, Source, poll_all};
use crate::text::duration::format_duration;
use crate::text::width::{pad, width};
use crate::theme::Theme;

/// A name no real resource has: permission probes aim at it so they fail harmlessly.
pub const PROBE_NAME: &str = "warroom-permission-probe";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    Fail,
    /// Not checked (read-only config, nothing configured); not counted.
    Skip,
    /// A guard's current verdict, or a dependency; shown, not counted.
    Info,
    /// Something the failover path should not need, or a likely typo; shown, not counted.
    Warn,
    /// Could not be checked: the answer proved nothing (a 5xx, no connection, a throttle,
    /// no credentials). Counted: readiness that was not shown is not readiness.
    Unknown,
}

impl Verdict {
    fn label(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "FAIL",
            Verdict::Skip => "skip",
            Verdict::Info => "info",
            Verdict::Warn => "WARN",
            Verdict::Unknown => "UNKNOWN",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub check: String,
    pub region: String,
    pub verdict: Verdict,
    pub detail: String,
}

fn row(check: impl Into<String>, region: &str, verdict: Verdict, detail: impl Into<String>) -> Row {
    Row { check: check.into(), region: region.to_owned(), verdict, detail: detail.into() }
}

fn from_result<T>(check: &str, region: &str, result: Result<T, AwsError>, ok: impl FnOnce(T) -> String) -> Row {
    match result {
        Ok(v) => row(check, region, Verdict::Pass, ok(v)),
        Err(e) => row(check, region, verdict_of_error(&e), e.sentence()),
    }
}

/// A read that failed: a fail when AWS answered (denied, not found, invalid), unknown when
/// the answer proves nothing about the resource (a 5xx, no connection, throttled, no
/// credentials).
fn verdict_of_error(e: &AwsError) -> Verdict {
    match e.class {
        Class::AccessDenied | Class::Service => Verdict::Fail,
        Class::Credentials | Class::Throttled | Class::Timeout | Class::Unreachable | Class::ServerError => {
            Verdict::Unknown
        }
    }
}

/// A probe's answer. Granted only when the answer proves AWS authorised the call: a
/// conditional check that failed, a resource not found (looked up after authorisation), a
/// dry run. AccessDenied fails; anything else (a 5xx, no connection, a throttle, no
/// credentials, an error code we cannot read) proves nothing and is unknown.
fn probe_row<T, E>(call: Call, region: &str, result: Result<T, aws_sdk_cloudwatch::error::SdkError<E>>) -> Row
where
    E: aws_sdk_cloudwatch::error::ProvideErrorMetadata + std::error::Error + 'static,
{
    let check = format!("permission {}", call.iam_action());
    match result {
        Ok(_) => row(check, region, Verdict::Pass, "granted (the probe was answered)"),
        Err(e) => probe_verdict(check, region, &explain(call, &e)),
    }
}

fn probe_verdict(check: String, region: &str, e: &AwsError) -> Row {
    match e.class {
        Class::AccessDenied => row(check, region, Verdict::Fail, e.sentence()),
        Class::Service if proves_authorised(e) => row(
            check,
            region,
            Verdict::Pass,
            format!("granted (authorised, then refused harmlessly: {})", e.code.as_deref().unwrap_or("not found")),
        ),
        _ => row(check, region, Verdict::Unknown, format!("could not probe: {}", e.sentence())),
    }
}

/// An answer AWS gives only after the caller was authorised.
fn proves_authorised(e: &AwsError) -> bool {
    let code = e.code.as_deref().unwrap_or_default();
    let not_found = e.raw.as_deref().is_some_and(|r| r.to_lowercase().contains("not found"));
    error::NOT_FOUND.contains(&code)
        || matches!(code, "ConditionalCheckFailedException" | "DryRunOperation")
        || (matches!(code, "ValidationError" | "InvalidParameterValue" | "InvalidParameterException") && not_found)
}

/// Each region name AWS has never announced: a warning with the name it most likely meant.
fn region_name_rows(config: &Config) -> Vec<Row> {
    config
        .regions
        .iter()
        .filter_map(|r| {
            let nearest = crate::config::known_regions::unknown(&r.name)?;
            let hint = nearest.map(|n| format!(" — did you mean {n}?")).unwrap_or_default();
            Some(row("region name", &r.name, Verdict::Warn, format!("not a known AWS Region{hint}")))
        })
        .collect()
}

/// Run every check. Pure of printing, for the tests.
pub async fn evaluate(live: &std::sync::Arc<Live>) -> Vec<Row> {
    let config = &live.config;
    // One round of the pollers' own reads (all regions at once) answers the database, health,
    // routing and flag rows and the guards; the rows below add only what polling never asks.
    let updates = poll_all(live).await;
    let polled_at = chrono::Utc::now();
    let mut rows = region_name_rows(config);
    rows.extend(dependency_rows(config, &crate::aws::profiles::sso_regions(config).await));
    if let (Some(zone), Some(first)) = (config.routing.hosted_zone_id.as_deref(), live.clients.first()) {
        let r = first.route53.get_hosted_zone().id(zone).send().await.map_err(|e| explain(error::GET_HOSTED_ZONE, &e));
        rows.push(from_result("hosted zone", "global", r, |z| {
            format!("{zone} {}", z.hosted_zone().map(|h| h.name()).unwrap_or_default())
        }));
    }
    if let Some(cluster) = &live.cluster {
        rows.push(routing_controls_row(config, crate::aws::arc::list(cluster).await));
    }
    for (index, (region, c)) in config.regions.iter().zip(&live.clients).enumerate() {
        let name = region.name.as_str();
        let polled = |key: SignalKey| latest(&updates, index, key);
        let writer = matches!(polled(SignalKey::Database), Some(Ok(Reading::Database(d))) if d.role == DbRole::Writer);
        if Source::Database.applies(config, index) {
            rows.push(polled_row("database", name, polled(SignalKey::Database), |r| match r {
                Reading::Database(d) => Some(format!(
                    "{} is {} at {}",
                    d.identifier,
                    d.role.label(),
                    if d.endpoint.is_empty() { "?" } else { &d.endpoint }
                )),
                _ => None,
            }));
        } else {
            rows.push(row("database", name, Verdict::Skip, "no rds-instance / aurora-cluster configured"));
        }
        let queries = metrics::region_queries(config, index);
        let now = chrono::Utc::now();
        let mut values = metrics::fetch(&c.cloudwatch, &queries, now).await;
        crate::sources::aws::explain_missing(c, &queries, &mut values).await;
        for (q, v) in queries.iter().zip(&values) {
            if q.measure == metrics::Measure::Input {
                continue;
            }
            let check = match q.measure {
                metrics::Measure::Custom(i) => {
                    let label = config.thresholds.signals.get(usize::from(i)).map_or("?", |s| s.name.as_str());
                    format!("signal {label}: {}", q.label())
                }
                _ => format!("metric {}", q.label()),
            };
            rows.push(match v {
                Ok(Some(x)) => row(check, name, Verdict::Pass, format!("latest {x}")),
                Ok(None) => match q.measure.absence_explained(writer) {
                    Some(why) => row(check, name, Verdict::Pass, format!("no datapoints (normal: {why})")),
                    None => row(
                        check,
                        name,
                        Verdict::Fail,
                        format!("no datapoints in the last {} minutes", metrics::WINDOW_SECONDS / 60),
                    ),
                },
                Err(e) => row(check, name, verdict_of_error(e), e.sentence()),
            });
        }
        if let Some(id) = region.aws.health_check_id.as_deref() {
            let r = c
                .route53
                .get_health_check()
                .health_check_id(id)
                .send()
                .await
                .map_err(|e| explain(error::GET_HEALTH_CHECK, &e));
            rows.push(from_result("health check", name, r, |_| format!("{id} found")));
            rows.push(polled_row("health checker status", name, polled(SignalKey::HealthChecks), |r| match r {
                Reading::HealthChecks(h) => Some(format!("{}/{} checkers healthy", h.healthy, h.total)),
                _ => None,
            }));
        } else {
            rows.push(row("health check", name, Verdict::Skip, "no health-check-id configured"));
        }
        if config.routing.hosted_zone_id.is_none() && region.aws.record_set_id.is_some() {
            rows.push(row("routing record", name, Verdict::Fail, "routing.hosted-zone-id is not configured"));
        } else if Source::Routing.applies(config, index) {
            rows.push(polled_row("routing record", name, polled(SignalKey::Routing), |r| match r {
                Reading::Routing(r) => {
                    Some(format!("{} is {}", r.record_set_id, if r.active { "answering" } else { "standing by" }))
                }
                _ => None,
            }));
        } else {
            rows.push(row("routing record", name, Verdict::Skip, "no record-set-id configured"));
        }
        let table = &config.write_freeze.table;
        let r = flag::check_schema(c, &config.write_freeze).await;
        rows.push(from_result("write-freeze table", name, r, |summary| summary));
        rows.extend(inventory_rows(live, index, &updates).await);
        rows.push(polled_row("write-freeze flag", name, polled(SignalKey::WriteFreeze), |r| match r {
            Reading::WriteFreeze(frozen) => Some(format!(
                "{}/{}: writes {}",
                table,
                config.write_freeze.key,
                if *frozen { "FROZEN" } else { "enabled" }
            )),
            _ => None,
        }));
        if config.read_only {
            rows.push(row("permissions for steps", name, Verdict::Skip, "read-only: mutating calls are not probed"));
        } else {
            rows.extend(probe_permissions(live, index).await);
        }
    }
    rows.extend(guard_rows(config, updates, polled_at));
    rows
}

/// Alarms, capacity and secrets: what was read, and whether the operator may read each secret.
async fn inventory_rows(live: &Live, index: usize, updates: &[Update]) -> Vec<Row> {
    let config = &live.config;
    let region = &config.regions[index];
    let name = region.name.as_str();
    let c = &live.clients[index];
    let polled = |key: SignalKey| latest(updates, index, key);
    let mut rows = Vec::new();
    if Source::Alarms.applies(config, index) {
        rows.push(match polled(SignalKey::Alarms) {
            Some(Ok(Reading::Alarms(a))) if !a.missing.is_empty() => {
                row("alarms", name, Verdict::Fail, format!("not found: {}", a.missing.join(", ")))
            }
            Some(Ok(Reading::Alarms(a))) => row(
                "alarms",
                name,
                Verdict::Pass,
                format!(
                    "{} found: {} ALARM · {} OK · {} INSUFFICIENT",
                    a.alarms.len(),
                    a.count(crate::model::AlarmState::Alarm),
                    a.count(crate::model::AlarmState::Ok),
                    a.count(crate::model::AlarmState::InsufficientData)
                ),
            ),
            Some(Err(e)) => stored_row("alarms", name, &e.0),
            _ => row("alarms", name, Verdict::Fail, "not read"),
        });
    }
    if let Some(cap) = &region.aws.capacity {
        rows.push(match polled(SignalKey::Capacity) {
            Some(Ok(Reading::Capacity(k))) => match k.max {
                Some(max) if cap.needed > max => row(
                    "capacity",
                    name,
                    Verdict::Fail,
                    format!(
                        "{}: needed {} is above its maximum size {max}: scale-secondary would be refused",
                        k.what, cap.needed
                    ),
                ),
                _ => row(
                    "capacity",
                    name,
                    Verdict::Pass,
                    format!("{} {}/{} running (desired {})", k.what, k.running, k.needed, k.desired),
                ),
            },
            Some(Err(e)) => stored_row("capacity", name, &e.0),
            _ => row("capacity", name, Verdict::Fail, "not read"),
        });
    }
    if Source::Secrets.applies(config, index) {
        match polled(SignalKey::Secrets) {
            Some(Ok(Reading::Secrets(s))) => {
                for secret in &s.secrets {
                    let check = format!("secret {}", secret.name);
                    rows.push(match &secret.why {
                        None => row(check, name, Verdict::Pass, "present"),
                        Some(why) => row(check, name, Verdict::Fail, why.clone()),
                    });
                    if secret.present {
                        let r = crate::aws::secrets::probe_read(c, &secret.name).await;
                        rows.push(from_result(&format!("secret {} readable", secret.name), name, r, |()| {
                            "the operator may read it (value not shown)".to_owned()
                        }));
                    }
                }
            }
            Some(Err(e)) => rows.push(stored_row("secrets", name, &e.0)),
            _ => rows.push(row("secrets", name, Verdict::Fail, "not read")),
        }
    }
    rows
}

/// The newest update of `key` for `region` in one polling round.
fn latest(updates: &[Update], region: usize, key: SignalKey) -> Option<&Result<Reading, PollError>> {
    updates.iter().rev().find(|u| u.region == region && u.signal == key).map(|u| &u.result)
}

/// A row from what the pollers read: pass with `ok`'s words, fail with the poll's error.
fn polled_row(
    check: &str,
    region: &str,
    polled: Option<&Result<Reading, PollError>>,
    ok: impl FnOnce(&Reading) -> Option<String>,
) -> Row {
    match polled {
        Some(Ok(reading)) => match ok(reading) {
            Some(text) => row(check, region, Verdict::Pass, text),
            None => row(check, region, Verdict::Fail, "unexpected reading"),
        },
        Some(Err(e)) => stored_row(check, region, &e.0),
        None => row(check, region, Verdict::Fail, "not read"),
    }
}

/// A row from a poll's stored error: unknown when the error proves nothing about the
/// resource (no answer, no credentials, AWS's own failure), a failure otherwise.
fn stored_row(check: &str, region: &str, stored: &str) -> Row {
    let verdict = if error::proves_nothing(stored) { Verdict::Unknown } else { Verdict::Fail };
    row(check, region, verdict, crate::model::error_sentence(stored))
}

/// Each mutating call, aimed at something that does not exist or a condition that cannot
/// hold, so AWS refuses it after authorizing it: AccessDenied means the permission is missing.
async fn probe_permissions(live: &Live, index: usize) -> Vec<Row> {
    let config = &live.config;
    let c = &live.clients[index];
    let name = c.region.as_str();
    let mut rows = Vec::new();
    let flag = &config.write_freeze;
    let update = c
        .dynamodb
        .update_item()
        .table_name(&flag.table)
        .key(&flag.key_attribute, AttributeValue::S(PROBE_NAME.into()))
        .update_expression("SET #v = :v")
        .condition_expression("attribute_exists(#v) AND attribute_not_exists(#v)")
        .expression_attribute_names("#v", &flag.value_attribute)
        .expression_attribute_values(":v", crate::aws::flag::attribute(&flag.frozen_value))
        .send()
        .await;
    rows.push(probe_row(error::UPDATE_ITEM, name, update));
    if let Some(cap) = &config.regions[index].aws.capacity {
        match &cap.target {
            crate::config::CapacityTarget::AutoScaling { .. } => {
                let r = c
                    .autoscaling
                    .set_desired_capacity()
                    .auto_scaling_group_name(PROBE_NAME)
                    .desired_capacity(0)
                    .send()
                    .await;
                rows.push(probe_row(error::SET_DESIRED_CAPACITY, name, r));
            }
            crate::config::CapacityTarget::Ecs { cluster, .. } => {
                let r = c.ecs.update_service().cluster(cluster).service(PROBE_NAME).desired_count(0).send().await;
                rows.push(probe_row(error::UPDATE_SERVICE, name, r));
            }
        }
    }
    match config.database.kind {
        DatabaseKind::RdsReplica => {
            let r = c.rds.promote_read_replica().db_instance_identifier(PROBE_NAME).send().await;
            rows.push(probe_row(error::PROMOTE_READ_REPLICA, name, r));
        }
        DatabaseKind::AuroraGlobal => {
            let r = c
                .rds
                .switchover_global_cluster()
                .global_cluster_identifier(PROBE_NAME)
                .target_db_cluster_identifier(PROBE_NAME)
                .send()
                .await;
            rows.push(probe_row(error::SWITCHOVER_GLOBAL_CLUSTER, name, r));
            let r = c
                .rds
                .failover_global_cluster()
                .global_cluster_identifier(PROBE_NAME)
                .target_db_cluster_identifier(PROBE_NAME)
                .allow_data_loss(true)
                .send()
                .await;
            rows.push(probe_row(error::FAILOVER_GLOBAL_CLUSTER, name, r));
        }
        DatabaseKind::DynamodbGlobal => {}
    }
    if let Some(zone) = config.routing.hosted_zone_id.as_deref() {
        // Deleting a record that does not exist fails the whole batch: nothing changes.
        if let Ok(value) = ResourceRecord::builder().value("\"probe\"").build()
            && let Ok(set) = ResourceRecordSet::builder()
                .name(format!("_{PROBE_NAME}.{}", config.routing.record_name))
                .r#type(RrType::Txt)
                .ttl(60)
                .resource_records(value)
                .build()
            && let Ok(change) = Change::builder().action(ChangeAction::Delete).resource_record_set(set).build()
            && let Ok(batch) = ChangeBatch::builder().changes(change).build()
        {
            let r = c.route53.change_resource_record_sets().hosted_zone_id(zone).change_batch(batch).send().await;
            rows.push(probe_row(error::CHANGE_RECORD_SETS, name, r));
        }
        let r = c.route53.get_change().id("C0000000000000WARROOM").send().await;
        rows.push(probe_row(error::GET_CHANGE, name, r));
    }
    rows
}

/// The failover runbook's guards on the state one poll read, judged as of that poll: the
/// probes that follow it take seconds (a timeout, more) and must not age its readings.
/// Every region's routing control is in the cluster, with its state now.
fn routing_controls_row(
    config: &Config,
    listed: Result<Vec<(String, crate::aws::arc::ControlState)>, AwsError>,
) -> Row {
    let listed = match listed {
        Ok(l) => l,
        Err(e) => return row("routing controls", "arc", verdict_of_error(&e), e.sentence()),
    };
    let mut seen = Vec::new();
    for r in &config.regions {
        let Some(arn) = r.aws.routing_control_arn.as_deref() else { continue };
        match listed.iter().find(|(a, _)| a == arn) {
            Some((_, state)) => seen.push(format!("{} {} {}", r.name, state.name, if state.on { "On" } else { "Off" })),
            None => {
                return row(
                    "routing controls",
                    "arc",
                    Verdict::Fail,
                    format!("{}: {arn} is not in the cluster", r.name),
                );
            }
        }
    }
    row("routing controls", "arc", Verdict::Pass, seen.join(", "))
}

/// What the config needs outside its regions, and the warnings that follow from it.
pub fn dependency_rows(config: &Config, sso: &[crate::config::dependencies::SsoRegion]) -> Vec<Row> {
    use crate::config::dependencies;
    let mut rows: Vec<Row> = dependencies::global(config, sso)
        .into_iter()
        .map(|d| {
            row("global dependency", &d.region, Verdict::Info, format!("{}: needed by {}", d.service, d.needed_by))
        })
        .collect();
    rows.extend(
        dependencies::warnings(config, sso).into_iter().map(|w| row("static stability", "config", Verdict::Warn, w)),
    );
    rows
}

fn guard_rows(config: &Config, updates: Vec<Update>, polled_at: DateTime<Utc>) -> Vec<Row> {
    let scribe = Scribe::in_memory("check", &config.incident, polled_at);
    let mut app = App::new(config, config.runbooks.clone(), Theme::fallback(true), scribe, None, polled_at);
    app.poll_round(updates, [], polled_at);
    let Some(runbook) = app.runs.position(crate::runbook::ids::FAILOVER) else { return Vec::new() };
    let steps: Vec<(usize, String)> =
        app.runs.runbooks[runbook].steps.iter().enumerate().map(|(i, s)| (i, s.id.clone())).collect();
    let mut rows = Vec::new();
    for (step, id) in steps {
        let region = app.step_region(StepRef { runbook, step });
        for g in app.guards(StepRef { runbook, step }) {
            // `after:` only says the runbook has not been run; not news before a failover.
            if matches!(g.guard, crate::runbook::Guard::After(_)) {
                continue;
            }
            let verdict = if g.ok { "would pass" } else { "would block" };
            rows.push(row(
                format!("guard {id}: {}", g.guard),
                &region,
                Verdict::Info,
                format!("{verdict}: {}", g.reason),
            ));
        }
    }
    rows
}

/// The table `check` prints.
pub fn render(rows: &[Row], call_timeout: chrono::Duration) -> String {
    let w = rows.iter().map(|r| width(&r.check)).max().unwrap_or(5).max(5);
    let rw = rows.iter().map(|r| width(&r.region)).max().unwrap_or(6).max(6);
    let mut out = String::new();
    let _ = writeln!(out, "{}  {}  RESULT  DETAIL", pad("CHECK", w), pad("REGION", rw));
    for r in rows {
        let detail = crate::text::sanitize::inert(&r.detail);
        let _ = writeln!(out, "{}  {}  {:<6}  {detail}", pad(&r.check, w), pad(&r.region, rw), r.verdict.label());
    }
    // One cause behind every row that did not pass (no credentials, say): said once, with its
    // fix, so it is not lost in a table of the same sentence.
    let failing: Vec<&Row> = rows.iter().filter(|r| matches!(r.verdict, Verdict::Fail | Verdict::Unknown)).collect();
    let cause = |r: &Row| {
        let text = r.detail.strip_prefix("could not probe: ").unwrap_or(&r.detail);
        crate::model::error_cause(text).to_owned()
    };
    if failing.len() >= 3 && failing.iter().all(|r| cause(r) == cause(failing[0])) {
        let _ = writeln!(
            out,
            "\nEvery check that did not pass failed for one cause: {}",
            crate::text::sanitize::inert(&cause(failing[0]))
        );
    }
    let count = |v: Verdict| rows.iter().filter(|r| r.verdict == v).count();
    let (failed, passed) = (count(Verdict::Fail), count(Verdict::Pass));
    let _ = writeln!(
        out,
        "\n{passed} passed, {failed} failed{}{} (calls time out after {}; guard verdicts are for information)",
        match count(Verdict::Unknown) {
            0 => String::new(),
            n => format!(", {n} could not be checked"),
        },
        match count(Verdict::Warn) {
            0 => String::new(),
            n => format!(", {n} warning(s)"),
        },
        format_duration(call_timeout)
    );
    out
}

/// `warroom check --config FILE`: the table, and whether every counted check passed.
pub fn run(path: &Path) -> Result<(String, Result<(), Failure>), Failure> {
    let config = load_config(path)?;
    let call_timeout = config.aws.call_timeout;
    let rows = runtime()?.block_on(async {
        let live = connect(config).await;
        evaluate(&live).await
    });
    let failed = rows.iter().filter(|r| r.verdict == Verdict::Fail).count();
    let unknown = rows.iter().filter(|r| r.verdict == Verdict::Unknown).count();
    let verdict = match (failed, unknown) {
        (0, 0) => Ok(()),
        (0, n) => {
            Err(Failure { exit: Exit::Runtime, message: format!("not shown ready: {n} check(s) could not be made") })
        }
        (f, 0) => Err(Failure { exit: Exit::Runtime, message: format!("not ready: {f} check(s) failed") }),
        (f, n) => Err(Failure {
            exit: Exit::Runtime,
            message: format!("not ready: {f} check(s) failed, {n} could not be made"),
        }),
    };
    Ok((render(&rows, call_timeout), verdict))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Lag;
    use crate::testkit::t;

    #[test]
    fn a_probe_passes_only_on_an_answer_that_proves_authorisation() {
        let v = |status: u16, code: Option<&str>, message: Option<&str>| {
            let e = error::classify(error::UPDATE_ITEM, Some(status), code.map(Into::into), message.map(Into::into));
            probe_verdict("permission".into(), "us-east-1", &e).verdict
        };
        assert_eq!(v(400, Some("ConditionalCheckFailedException"), None), Verdict::Pass);
        assert_eq!(v(400, Some("ResourceNotFoundException"), None), Verdict::Pass);
        assert_eq!(v(400, Some("ValidationError"), Some("AutoScalingGroup name not found")), Verdict::Pass);
        assert_eq!(v(400, Some("AccessDeniedException"), None), Verdict::Fail);
        for (status, code) in [(500, None), (503, None), (400, Some("Throttling")), (400, Some("SomethingNew"))] {
            assert_eq!(v(status, code, None), Verdict::Unknown, "{status} {code:?} proves nothing");
        }
        assert_eq!(v(400, Some("ValidationError"), Some("1 validation error detected")), Verdict::Unknown);
        assert_eq!(v(403, Some("ExpiredToken"), None), Verdict::Unknown);
    }

    #[test]
    fn a_misspelled_region_is_a_warning_with_the_region_meant() {
        let mut config = Config::demo();
        config.regions[1].name = "eu-centrl-1".into();
        let rows = region_name_rows(&config);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].verdict, Verdict::Warn);
        assert_eq!(rows[0].detail, "not a known AWS Region — did you mean eu-central-1?");
    }

    #[test]
    fn guards_are_judged_as_of_the_poll_that_read_their_signals() {
        let config = Config::demo();
        let updates = vec![Update::ok(1, t(0), Reading::ReplicationLag(Lag::Behind(2.0)))];
        let rows = guard_rows(&config, updates, t(1));
        let lag = rows.iter().find(|r| r.check == "guard promote-database: lag-within-rpo");
        assert!(lag.is_some_and(|r| r.detail.starts_with("would pass")), "{rows:#?}");
    }
}
