//! The write-freeze flag: one DynamoDB item per region's table, `{ flag: S, enabled: BOOL }`.
//! `enabled = false` means writes are frozen; no item means nothing has frozen them.

use aws_sdk_dynamodb::types::AttributeValue;

use super::RegionClients;
use super::error::{AwsError, GET_ITEM, PUT_ITEM, explain};
use crate::config::WriteFreezeConfig;

/// Partition key attribute of the flag table.
pub const KEY_ATTRIBUTE: &str = "flag";
/// Boolean attribute: true while writes are allowed.
pub const ENABLED_ATTRIBUTE: &str = "enabled";

/// Are writes frozen in this region? (Strongly consistent read.)
pub async fn read(c: &RegionClients, flag: &WriteFreezeConfig) -> Result<bool, AwsError> {
    let out = c
        .dynamodb
        .get_item()
        .table_name(&flag.table)
        .key(KEY_ATTRIBUTE, AttributeValue::S(flag.key.clone()))
        .consistent_read(true)
        .send()
        .await
        .map_err(|e| explain(GET_ITEM, &e))?;
    Ok(match out.item().and_then(|item| item.get(ENABLED_ATTRIBUTE)) {
        None => false,
        Some(AttributeValue::Bool(enabled)) => !enabled,
        Some(other) => {
            return Err(AwsError::other(
                GET_ITEM,
                format!("{}/{}: `{ENABLED_ATTRIBUTE}` is {other:?}, expected a boolean", flag.table, flag.key),
            ));
        }
    })
}

/// Freeze writes (`frozen = true`) or reopen them: a conditional PutItem that only flips the
/// flag from the other state (for a freeze, a missing flag counts as open), so a concurrent
/// change is never overwritten. Ok(true) when it already was in the wanted state.
pub async fn set_frozen(c: &RegionClients, flag: &WriteFreezeConfig, frozen: bool) -> Result<bool, AwsError> {
    if read(c, flag).await? == frozen {
        return Ok(true);
    }
    let mut put = c.dynamodb.put_item();
    put = if frozen {
        put.condition_expression("attribute_not_exists(#f) OR #e = :from")
            .expression_attribute_names("#f", KEY_ATTRIBUTE)
    } else {
        // DynamoDB refuses an expression name the condition does not use.
        put.condition_expression("#e = :from")
    };
    let result = put
        .table_name(&flag.table)
        .item(KEY_ATTRIBUTE, AttributeValue::S(flag.key.clone()))
        .item(ENABLED_ATTRIBUTE, AttributeValue::Bool(!frozen))
        .item("changed-by", AttributeValue::S("warroom".into()))
        .item("changed-at", AttributeValue::S(chrono::Utc::now().to_rfc3339()))
        .expression_attribute_names("#e", ENABLED_ATTRIBUTE)
        .expression_attribute_values(":from", AttributeValue::Bool(frozen))
        .send()
        .await;
    match result {
        Ok(_) => Ok(false),
        Err(e) => {
            let err = explain(PUT_ITEM, &e);
            // Someone else changed the flag between our read and write: their change is ours.
            if err.code.as_deref() == Some("ConditionalCheckFailedException") && read(c, flag).await? == frozen {
                return Ok(true);
            }
            Err(err)
        }
    }
}
