//! The snapshot one live terminal publishes for the others of its incident (`--follow`):
//! one item per incident, replaced each poll, so thirty people watching cost the AWS APIs
//! one poller. Not a journal entry.

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::error::{AwsError, explain};
use super::journal_table::{PARTITION, SORT};
use super::shared_journal::StoreRegion;
use crate::model::Snapshot;

const PUT_ITEM: super::error::Call = super::error::PUT_ITEM;
const GET_ITEM: super::error::Call = super::error::GET_ITEM;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PublishedSnapshot {
    /// "ana@bastion".
    pub publisher: String,
    pub published_at: DateTime<Utc>,
    pub snapshot: Snapshot,
}

fn partition(incident: &str) -> String {
    format!("{incident}#snapshot")
}

/// Replace the incident's published snapshot, in the first region that answers.
pub async fn publish(
    regions: &[StoreRegion],
    table: &str,
    incident: &str,
    published: &PublishedSnapshot,
) -> Result<(), AwsError> {
    let json = serde_json::to_string(published).map_err(|e| AwsError::other(PUT_ITEM, e))?;
    let mut last = None;
    for region in regions {
        let put = region
            .client
            .put_item()
            .table_name(table)
            .item(PARTITION, AttributeValue::S(partition(incident)))
            .item(SORT, AttributeValue::S("world".into()))
            .item("snapshot", AttributeValue::S(json.clone()))
            .send()
            .await;
        match put {
            Ok(_) => return Ok(()),
            Err(e) => last = Some(explain(PUT_ITEM, &e)),
        }
    }
    Err(last.unwrap_or_else(|| AwsError::other(PUT_ITEM, "no region listed in [journal] regions")))
}

/// The incident's published snapshot, from the first region that answers (`None`: nobody
/// has published).
pub async fn read(regions: &[StoreRegion], table: &str, incident: &str) -> Result<Option<PublishedSnapshot>, AwsError> {
    let mut last = None;
    for region in regions {
        let got = region
            .client
            .get_item()
            .table_name(table)
            .key(PARTITION, AttributeValue::S(partition(incident)))
            .key(SORT, AttributeValue::S("world".into()))
            .send()
            .await;
        match got {
            Ok(out) => {
                let Some(json) = out.item().and_then(|i| i.get("snapshot")).and_then(|v| v.as_s().ok()) else {
                    return Ok(None);
                };
                return serde_json::from_str(json)
                    .map(Some)
                    .map_err(|e| AwsError::other(GET_ITEM, format!("the published snapshot is unreadable: {e}")));
            }
            Err(e) => last = Some(explain(GET_ITEM, &e)),
        }
    }
    Err(last.unwrap_or_else(|| AwsError::other(GET_ITEM, "no region listed in [journal] regions")))
}
