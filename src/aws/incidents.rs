//! Incidents by id in a DynamoDB store: an index item per incident under the partition
//! `incidents` (`{id, name, started, closed?}`), written to every region that answers and
//! read from the first that does. `--incident ID` names one; without it a terminal takes
//! the newest open incident of its config's name, or starts one.

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};

use super::error::{AwsError, explain};
use super::journal_table::{PARTITION, SORT};
use super::shared_claims::QUERY;
use super::shared_journal::StoreRegion;

const INDEX: &str = "incidents";
const PUT_ITEM: super::error::Call = super::error::PUT_ITEM;
pub const UPDATE_ITEM: super::error::Call = super::error::Call::new("dynamodb", "UpdateItem");

#[derive(Clone, Debug, PartialEq)]
pub struct IncidentRecord {
    pub id: String,
    pub name: String,
    pub started: DateTime<Utc>,
    pub closed: Option<DateTime<Utc>>,
    pub closed_by: Option<String>,
}

/// A new incident's id: the name as a slug, and when it started (sortable, readable).
pub fn new_id(name: &str, started: DateTime<Utc>) -> String {
    format!("{}-{}", crate::text::format::slug(name, "incident"), started.format("%Y%m%dT%H%M%S%.3fZ"))
}

fn record(item: &std::collections::HashMap<String, AttributeValue>) -> Option<IncidentRecord> {
    let s = |k: &str| item.get(k).and_then(|v| v.as_s().ok()).cloned();
    let time = |k: &str| s(k).and_then(|t| DateTime::parse_from_rfc3339(&t).ok()).map(|t| t.with_timezone(&Utc));
    Some(IncidentRecord {
        id: s(SORT)?,
        name: s("name")?,
        started: time("started")?,
        closed: time("closed"),
        closed_by: s("closed-by"),
    })
}

/// Every incident in the store, oldest first, from the first region that answers.
pub async fn list(regions: &[StoreRegion], table: &str) -> Result<Vec<IncidentRecord>, AwsError> {
    let mut last = None;
    for region in regions {
        let out = region
            .client
            .query()
            .table_name(table)
            .key_condition_expression("#p = :p")
            .expression_attribute_names("#p", PARTITION)
            .expression_attribute_values(":p", AttributeValue::S(INDEX.into()))
            .send()
            .await;
        match out {
            Ok(out) => {
                let mut all: Vec<IncidentRecord> = out.items().iter().filter_map(record).collect();
                all.sort_by_key(|r| r.started);
                return Ok(all);
            }
            Err(e) => last = Some(explain(QUERY, &e)),
        }
    }
    Err(last.unwrap_or_else(|| AwsError::other(QUERY, "no region listed in [journal] regions")))
}

/// The newest open incident named `name`, or a new one started now (indexed in every
/// region that answers).
pub async fn open_or_start(
    regions: &[StoreRegion],
    table: &str,
    name: &str,
    now: DateTime<Utc>,
) -> Result<IncidentRecord, AwsError> {
    let known = list(regions, table).await?;
    if let Some(open) = known.into_iter().rev().find(|r| r.name == name && r.closed.is_none()) {
        return Ok(open);
    }
    let record =
        IncidentRecord { id: new_id(name, now), name: name.to_owned(), started: now, closed: None, closed_by: None };
    let mut stored = false;
    let mut last = None;
    for region in regions {
        let put = region
            .client
            .put_item()
            .table_name(table)
            .item(PARTITION, AttributeValue::S(INDEX.into()))
            .item(SORT, AttributeValue::S(record.id.clone()))
            .item("name", AttributeValue::S(record.name.clone()))
            .item("started", AttributeValue::S(now.to_rfc3339()))
            .condition_expression("attribute_not_exists(#id)")
            .expression_attribute_names("#id", SORT)
            .send()
            .await;
        match put {
            Ok(_) => stored = true,
            Err(e) => {
                let e = explain(PUT_ITEM, &e);
                // Another terminal started the same incident in the same second: it is one.
                if e.code.as_deref() == Some("ConditionalCheckFailedException") {
                    stored = true;
                } else {
                    last = Some(e);
                }
            }
        }
    }
    match (stored, last) {
        (true, _) => Ok(record),
        (false, Some(e)) => Err(e),
        (false, None) => Err(AwsError::other(PUT_ITEM, "no region listed in [journal] regions")),
    }
}

/// Mark `id` closed in every region that answers; an error only when none did.
pub async fn close(
    regions: &[StoreRegion],
    table: &str,
    id: &str,
    by: &str,
    now: DateTime<Utc>,
) -> Result<(), AwsError> {
    let mut closed = false;
    let mut last = None;
    for region in regions {
        let update = region
            .client
            .update_item()
            .table_name(table)
            .key(PARTITION, AttributeValue::S(INDEX.into()))
            .key(SORT, AttributeValue::S(id.to_owned()))
            .update_expression("SET #c = :c, #b = :b")
            .condition_expression("attribute_exists(#id)")
            .expression_attribute_names("#c", "closed")
            .expression_attribute_names("#b", "closed-by")
            .expression_attribute_names("#id", SORT)
            .expression_attribute_values(":c", AttributeValue::S(now.to_rfc3339()))
            .expression_attribute_values(":b", AttributeValue::S(by.to_owned()))
            .send()
            .await;
        match update {
            Ok(_) => closed = true,
            Err(e) => last = Some(explain(UPDATE_ITEM, &e)),
        }
    }
    match (closed, last) {
        (true, _) => Ok(()),
        (false, Some(e)) if e.code.as_deref() == Some("ConditionalCheckFailedException") => {
            Err(AwsError::other(UPDATE_ITEM, format!("no incident {id} in {table}")))
        }
        (false, Some(e)) => Err(e),
        (false, None) => Err(AwsError::other(UPDATE_ITEM, "no region listed in [journal] regions")),
    }
}
