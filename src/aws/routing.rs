//! Route 53: the routed record of each region, the traffic shift (one atomic change batch,
//! then `GetChange` until `INSYNC`), and health checker status.

use aws_sdk_route53::types::{
    Change, ChangeAction, ChangeBatch, ChangeStatus as AwsChangeStatus, ResourceRecordSet, ResourceRecordSetFailover,
};

use super::error::{AwsError, CHANGE_RECORD_SETS, GET_CHANGE, GET_HEALTH_CHECK_STATUS, LIST_RECORD_SETS, explain};
use super::{RegionClients, wait_until};
use crate::config::Config;
use crate::model::{HealthChecks, Routing, RoutingPolicy};

fn same_name(a: &str, b: &str) -> bool {
    a.trim_end_matches('.').eq_ignore_ascii_case(b.trim_end_matches('.'))
}

/// Every record set of `name` in the zone (all types and set identifiers).
pub async fn records(c: &RegionClients, zone: &str, name: &str) -> Result<Vec<ResourceRecordSet>, AwsError> {
    let mut out = Vec::new();
    let mut start = Some((name.to_owned(), None, None));
    while let Some((start_name, start_type, start_id)) = start.take() {
        let page = c
            .route53
            .list_resource_record_sets()
            .hosted_zone_id(zone)
            .start_record_name(start_name)
            .set_start_record_type(start_type)
            .set_start_record_identifier(start_id)
            .send()
            .await
            .map_err(|e| explain(LIST_RECORD_SETS, &e))?;
        let mut past = false;
        for set in page.resource_record_sets() {
            if same_name(set.name(), name) {
                out.push(set.clone());
            } else if !out.is_empty() {
                past = true;
            }
        }
        if page.is_truncated()
            && !past
            && let Some(next) = page.next_record_name().filter(|n| same_name(n, name))
        {
            start = Some((
                next.to_owned(),
                page.next_record_type().cloned(),
                page.next_record_identifier().map(str::to_owned),
            ));
        }
    }
    Ok(out)
}

/// This region's record (by `SetIdentifier`) as warroom shows it.
pub fn routing_of(records: &[ResourceRecordSet], set_id: &str, policy: RoutingPolicy) -> Result<Routing, String> {
    let record = records
        .iter()
        .find(|r| r.set_identifier() == Some(set_id))
        .ok_or_else(|| format!("no record with SetIdentifier `{set_id}`"))?;
    let weight = record.weight().map(|w| u8::try_from(w.clamp(0, 255)).unwrap_or(u8::MAX));
    let active = match policy {
        // A routing control is never read from records (config refuses it as a policy).
        RoutingPolicy::Failover | RoutingPolicy::RoutingControl => {
            record.failover() == Some(&ResourceRecordSetFailover::Primary)
        }
        RoutingPolicy::Weighted => weight.is_some_and(|w| w > 0),
    };
    Ok(Routing {
        record_set_id: set_id.to_owned(),
        policy,
        active,
        weight,
        // Alias records have no TTL of their own; 60 s is Route 53's alias answer TTL.
        ttl_seconds: record.ttl().map_or(60, |t| u32::try_from(t.max(0)).unwrap_or(u32::MAX)),
        change: None,
    })
}

fn region_set_id(config: &Config, index: usize) -> Result<&str, String> {
    let region = config.regions.get(index).ok_or("no such region")?;
    region.aws.record_set_id.as_deref().ok_or_else(|| format!("no record-set-id configured for {}", region.name))
}

fn zone(config: &Config) -> Result<&str, String> {
    config.routing.hosted_zone_id.as_deref().ok_or_else(|| "no routing.hosted-zone-id configured".to_owned())
}

/// Region `index`'s routing record now.
pub async fn read(c: &RegionClients, config: &Config, index: usize) -> Result<Routing, AwsError> {
    let zone = zone(config).map_err(|e| AwsError::other(LIST_RECORD_SETS, e))?;
    let set_id = region_set_id(config, index).map_err(|e| AwsError::other(LIST_RECORD_SETS, e))?;
    let sets = records(c, zone, &config.routing.record_name).await?;
    routing_of(&sets, set_id, config.routing.policy).map_err(|e| {
        AwsError::other(LIST_RECORD_SETS, format!("{e} for {} in zone {zone}", config.routing.record_name))
    })
}

/// The routing record of each of `regions` from one listing: the records are global, so one
/// `ListResourceRecordSets` answers for every region.
pub async fn read_all(
    c: &RegionClients,
    config: &Config,
    regions: &[usize],
) -> Vec<(usize, Result<Routing, AwsError>)> {
    let listed = match zone(config) {
        Ok(zone) => records(c, zone, &config.routing.record_name).await.map(|sets| (zone, sets)),
        Err(e) => Err(AwsError::other(LIST_RECORD_SETS, e)),
    };
    regions
        .iter()
        .map(|&index| {
            let result = match (&listed, region_set_id(config, index)) {
                (Err(e), _) => Err(e.clone()),
                (_, Err(e)) => Err(AwsError::other(LIST_RECORD_SETS, e)),
                (Ok((zone, sets)), Ok(set_id)) => routing_of(sets, set_id, config.routing.policy).map_err(|e| {
                    AwsError::other(LIST_RECORD_SETS, format!("{e} for {} in zone {zone}", config.routing.record_name))
                }),
            };
            (index, result)
        })
        .collect()
}

/// A copy of `r` with a new failover role or weight.
fn with_route(
    r: &ResourceRecordSet,
    failover: Option<ResourceRecordSetFailover>,
    weight: Option<i64>,
) -> Result<ResourceRecordSet, String> {
    ResourceRecordSet::builder()
        .name(r.name())
        .r#type(r.r#type().clone())
        .set_set_identifier(r.set_identifier().map(str::to_owned))
        .set_ttl(r.ttl())
        .set_resource_records(if r.resource_records().is_empty() { None } else { Some(r.resource_records().to_vec()) })
        .set_alias_target(r.alias_target().cloned())
        .set_health_check_id(r.health_check_id().map(str::to_owned))
        .set_failover(failover)
        .set_weight(weight)
        .build()
        .map_err(|e| e.to_string())
}

/// The records to UPSERT so `to` answers instead of `from`, or None when it already does.
/// Failover: swap the PRIMARY and SECONDARY roles. Weighted: `to` takes both weights.
pub fn plan_shift(
    records: &[ResourceRecordSet],
    from_id: &str,
    to_id: &str,
    policy: RoutingPolicy,
) -> Result<Option<Vec<ResourceRecordSet>>, String> {
    let find = |id: &str| {
        records
            .iter()
            .find(|r| r.set_identifier() == Some(id))
            .ok_or_else(|| format!("no record with SetIdentifier `{id}`"))
    };
    let (from, to) = (find(from_id)?, find(to_id)?);
    match policy {
        RoutingPolicy::Failover | RoutingPolicy::RoutingControl => {
            if to.failover() == Some(&ResourceRecordSetFailover::Primary)
                && from.failover() != Some(&ResourceRecordSetFailover::Primary)
            {
                return Ok(None);
            }
            Ok(Some(vec![
                with_route(from, Some(ResourceRecordSetFailover::Secondary), None)?,
                with_route(to, Some(ResourceRecordSetFailover::Primary), None)?,
            ]))
        }
        RoutingPolicy::Weighted => {
            let (wf, wt) = (from.weight().unwrap_or(0), to.weight().unwrap_or(0));
            if wf == 0 && wt > 0 {
                return Ok(None);
            }
            Ok(Some(vec![with_route(from, None, Some(0))?, with_route(to, None, Some((wf + wt).max(1)))?]))
        }
    }
}

/// What a shift did.
#[derive(Clone, Debug, PartialEq)]
pub struct Shifted {
    pub already: bool,
    pub change_id: Option<String>,
    pub detail: String,
}

/// Has change `id` reached every Route 53 server?
pub async fn change_insync(c: &RegionClients, id: &str) -> Result<bool, AwsError> {
    let change = c.route53.get_change().id(id).send().await.map_err(|e| explain(GET_CHANGE, &e))?;
    Ok(change.change_info().is_some_and(|i| i.status() == &AwsChangeStatus::Insync))
}

/// Point the routed name at region `to` instead of `from`, then wait for `INSYNC`.
/// `submitted` hears the change id as soon as Route 53 accepted the batch.
pub async fn shift(
    c: &RegionClients,
    config: &Config,
    from: usize,
    to: usize,
    submitted: impl FnOnce(&str),
) -> Result<Shifted, AwsError> {
    let bad = |e: String| AwsError::other(CHANGE_RECORD_SETS, e);
    let zone = zone(config).map_err(bad)?;
    let (from_id, to_id) = (region_set_id(config, from).map_err(bad)?, region_set_id(config, to).map_err(bad)?);
    let name = &config.routing.record_name;
    let sets = records(c, zone, name).await?;
    let Some(upserts) = plan_shift(&sets, from_id, to_id, config.routing.policy).map_err(bad)? else {
        return Ok(Shifted { already: true, change_id: None, detail: format!("{name} already answers with {to_id}") });
    };
    let mut batch = ChangeBatch::builder().comment(format!("warroom: shift {name} from {from_id} to {to_id}"));
    for set in upserts {
        batch = batch.changes(
            Change::builder()
                .action(ChangeAction::Upsert)
                .resource_record_set(set)
                .build()
                .map_err(|e| bad(e.to_string()))?,
        );
    }
    let out = c
        .route53
        .change_resource_record_sets()
        .hosted_zone_id(zone)
        .change_batch(batch.build().map_err(|e| bad(e.to_string()))?)
        .send()
        .await
        .map_err(|e| explain(CHANGE_RECORD_SETS, &e))?;
    let id = out.change_info().map(|i| i.id().to_owned()).unwrap_or_default();
    submitted(&id);
    wait_until(GET_CHANGE, config.aws.change_timeout, || change_insync(c, &id))
        .await
        .map_err(|e| AwsError { text: format!("{} (change {id} was submitted and may still apply)", e.text), ..e })?;
    Ok(Shifted {
        already: false,
        detail: format!("{name} now answers with {to_id} (change {id} INSYNC)"),
        change_id: Some(id),
    })
}

/// Route 53's checkers for a health check: how many report success.
pub async fn health_status(c: &RegionClients, health_check_id: &str) -> Result<HealthChecks, AwsError> {
    let out = c
        .route53
        .get_health_check_status()
        .health_check_id(health_check_id)
        .send()
        .await
        .map_err(|e| explain(GET_HEALTH_CHECK_STATUS, &e))?;
    Ok(count_healthy(out.health_check_observations().iter().map(|o| o.status_report().and_then(|r| r.status()))))
}

/// Checkers whose last report starts with "Success" are healthy.
pub fn count_healthy<'a>(statuses: impl Iterator<Item = Option<&'a str>>) -> HealthChecks {
    let (mut healthy, mut total) = (0u8, 0u8);
    for status in statuses {
        total = total.saturating_add(1);
        if status.is_some_and(|s| s.starts_with("Success")) {
            healthy = healthy.saturating_add(1);
        }
    }
    HealthChecks { healthy, total }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_route53::types::{ResourceRecord, RrType};

    fn record(id: &str, failover: Option<ResourceRecordSetFailover>, weight: Option<i64>) -> ResourceRecordSet {
        ResourceRecordSet::builder()
            .name("api.example.com.")
            .r#type(RrType::Cname)
            .set_identifier(id)
            .ttl(60)
            .resource_records(ResourceRecord::builder().value(format!("{id}.example.com")).build().unwrap())
            .set_failover(failover)
            .set_weight(weight)
            .build()
            .unwrap()
    }

    #[test]
    fn failover_swaps_primary_and_secondary_in_one_batch() {
        let sets = [
            record("east", Some(ResourceRecordSetFailover::Primary), None),
            record("west", Some(ResourceRecordSetFailover::Secondary), None),
        ];
        assert!(routing_of(&sets, "east", RoutingPolicy::Failover).unwrap().active);
        assert!(!routing_of(&sets, "west", RoutingPolicy::Failover).unwrap().active);
        let plan = plan_shift(&sets, "east", "west", RoutingPolicy::Failover).unwrap().unwrap();
        assert_eq!(plan[0].failover(), Some(&ResourceRecordSetFailover::Secondary));
        assert_eq!(plan[1].set_identifier(), Some("west"));
        assert_eq!(plan[1].failover(), Some(&ResourceRecordSetFailover::Primary));
        assert_eq!(plan[1].resource_records(), sets[1].resource_records(), "values are kept");
        assert_eq!(plan_shift(&plan, "east", "west", RoutingPolicy::Failover), Ok(None), "already shifted");
    }

    #[test]
    fn weighted_moves_all_weight_and_names_missing_records() {
        let sets = [record("east", None, Some(90)), record("west", None, Some(10))];
        let plan = plan_shift(&sets, "east", "west", RoutingPolicy::Weighted).unwrap().unwrap();
        assert_eq!((plan[0].weight(), plan[1].weight()), (Some(0), Some(100)));
        assert!(!routing_of(&plan, "east", RoutingPolicy::Weighted).unwrap().active);
        assert_eq!(plan_shift(&plan, "east", "west", RoutingPolicy::Weighted), Ok(None));
        assert_eq!(
            plan_shift(&sets, "east", "north", RoutingPolicy::Weighted),
            Err("no record with SetIdentifier `north`".into())
        );
    }

    #[test]
    fn checkers_count_as_healthy_on_success_only() {
        let h = count_healthy([Some("Success: HTTP 200"), Some("Failure: timeout"), None].into_iter());
        assert_eq!(h, HealthChecks { healthy: 1, total: 3 });
    }
}
