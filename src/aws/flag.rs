//! The write-freeze flag: one item in a table of the team's own schema. The item is found by
//! `key-attribute = key`; its `value-attribute` holds the frozen or the open value. No item,
//! or no value attribute, means nothing has frozen writes. Changes are a conditional
//! `UpdateItem` of the value attribute alone, so the item's other attributes survive.

use aws_sdk_dynamodb::types::{AttributeValue, KeyType, ScalarAttributeType};

use super::RegionClients;
use super::error::{AwsError, DESCRIBE_TABLE, GET_ITEM, UPDATE_ITEM, explain};
use crate::config::{FlagValue, WriteFreezeConfig};

/// The DynamoDB form of a configured flag value.
pub fn attribute(value: &FlagValue) -> AttributeValue {
    match value {
        FlagValue::Bool(b) => AttributeValue::Bool(*b),
        FlagValue::Number(n) => AttributeValue::N(n.to_string()),
        FlagValue::Text(t) => AttributeValue::S(t.clone()),
    }
}

/// Whether a stored attribute is this configured value (numbers compare as numbers).
fn is(stored: &AttributeValue, value: &FlagValue) -> bool {
    match (stored, value) {
        (AttributeValue::Bool(a), FlagValue::Bool(b)) => a == b,
        (AttributeValue::S(a), FlagValue::Text(b)) => a == b,
        (AttributeValue::N(a), FlagValue::Number(b)) => a.trim().parse::<i64>().is_ok_and(|a| a == *b),
        _ => false,
    }
}

fn shown(value: &AttributeValue) -> String {
    match value {
        AttributeValue::Bool(b) => format!("{b} (BOOL)"),
        AttributeValue::S(s) => format!("\"{}\" (S)", crate::text::sanitize::one_line(s)),
        AttributeValue::N(n) => format!("{n} (N)"),
        AttributeValue::Null(_) => "NULL".into(),
        _ => "a value of another type".into(),
    }
}

/// What the stored value means: frozen, open, or an error naming both expected values.
pub fn judge(stored: Option<&AttributeValue>, flag: &WriteFreezeConfig) -> Result<bool, String> {
    match stored {
        None | Some(AttributeValue::Null(_)) => Ok(false),
        Some(v) if is(v, &flag.frozen_value) => Ok(true),
        Some(v) if is(v, &flag.open_value) => Ok(false),
        Some(v) => Err(format!(
            "{}/{}: `{}` is {}, neither the frozen value {} nor the open value {} ([write-freeze] frozen-value, open-value)",
            flag.table,
            flag.key,
            flag.value_attribute,
            shown(v),
            flag.frozen_value,
            flag.open_value
        )),
    }
}

/// Are writes frozen in this region? (Strongly consistent read.)
pub async fn read(c: &RegionClients, flag: &WriteFreezeConfig) -> Result<bool, AwsError> {
    let asked = c
        .dynamodb
        .get_item()
        .table_name(&flag.table)
        .key(&flag.key_attribute, AttributeValue::S(flag.key.clone()))
        .consistent_read(true)
        .projection_expression("#v")
        .expression_attribute_names("#v", &flag.value_attribute)
        .send()
        .await;
    let out = match asked {
        Ok(out) => out,
        Err(e) => {
            let mut err = explain(GET_ITEM, &e);
            // The key does not match the table's: read its key schema once, so the fix is
            // the same one `check` gives (`set key-attribute = "pk"`), not a pointer to it.
            if err.text.contains(super::error::KEY_MISMATCH)
                && let Err(schema) = check_schema(c, flag).await
                && schema.fix.is_some()
            {
                err.fix = schema.fix;
            }
            return Err(err);
        }
    };
    judge(out.item().and_then(|item| item.get(&flag.value_attribute)), flag)
        .map_err(|why| AwsError::other(GET_ITEM, why))
}

/// Freeze writes (`frozen = true`) or reopen them: a conditional UpdateItem that only flips
/// the value from the other state (for a freeze, a missing value counts as open), so a
/// concurrent change is never overwritten. Ok(true) when it already was in the wanted state.
pub async fn set_frozen(c: &RegionClients, flag: &WriteFreezeConfig, frozen: bool) -> Result<bool, AwsError> {
    if read(c, flag).await? == frozen {
        return Ok(true);
    }
    let (to, from) =
        if frozen { (&flag.frozen_value, &flag.open_value) } else { (&flag.open_value, &flag.frozen_value) };
    let condition = if frozen { "attribute_not_exists(#v) OR #v = :from" } else { "#v = :from" };
    let result = c
        .dynamodb
        .update_item()
        .table_name(&flag.table)
        .key(&flag.key_attribute, AttributeValue::S(flag.key.clone()))
        .update_expression("SET #v = :to")
        .condition_expression(condition)
        .expression_attribute_names("#v", &flag.value_attribute)
        .expression_attribute_values(":to", attribute(to))
        .expression_attribute_values(":from", attribute(from))
        .send()
        .await;
    match result {
        Ok(_) => Ok(false),
        Err(e) => {
            let err = explain(UPDATE_ITEM, &e);
            // Someone else changed the flag between our read and write: their change is ours.
            if err.code.as_deref() == Some("ConditionalCheckFailedException") && read(c, flag).await? == frozen {
                return Ok(true);
            }
            Err(err)
        }
    }
}

/// `check`: the table's key schema against `[write-freeze]`, in words. Ok with a summary, or
/// an error saying exactly what does not match and what to set.
pub async fn check_schema(c: &RegionClients, flag: &WriteFreezeConfig) -> Result<String, AwsError> {
    let out =
        c.dynamodb.describe_table().table_name(&flag.table).send().await.map_err(|e| explain(DESCRIBE_TABLE, &e))?;
    let Some(table) = out.table() else { return Err(AwsError::other(DESCRIBE_TABLE, "no table in the answer")) };
    let type_of = |name: &str| {
        table.attribute_definitions().iter().find(|d| d.attribute_name() == name).map(|d| d.attribute_type().clone())
    };
    let keys: Vec<(String, KeyType)> =
        table.key_schema().iter().map(|k| (k.attribute_name().to_owned(), k.key_type().clone())).collect();
    let described: Vec<String> = keys
        .iter()
        .map(|(name, kind)| {
            let t = type_of(name).map_or_else(|| "?".to_owned(), |t| t.as_str().to_owned());
            format!("{name} ({t}, {})", kind.as_str())
        })
        .collect();
    let schema = described.join(", ");
    let hash = keys.iter().find(|(_, k)| *k == KeyType::Hash).map(|(n, _)| n.clone());
    let mismatch =
        |what: String| AwsError::other(DESCRIBE_TABLE, format!("{}: key schema is {schema}; {what}", flag.table));
    match hash {
        Some(h) if h != flag.key_attribute => {
            let what = format!("[write-freeze] key-attribute is `{}`", flag.key_attribute);
            return Err(mismatch(what).with_fix(format!("set key-attribute = \"{h}\" in [write-freeze]")));
        }
        None => return Err(mismatch("no partition key".into())),
        Some(_) => {}
    }
    if keys.iter().any(|(_, k)| *k == KeyType::Range) {
        return Err(mismatch(
            "the table has a sort key; the flag needs a table keyed on its partition key alone".into(),
        ));
    }
    if type_of(&flag.key_attribute) != Some(ScalarAttributeType::S) {
        return Err(mismatch(format!("`{}` must be a string (S) key", flag.key_attribute)));
    }
    Ok(format!("{}: key schema {schema} matches key-attribute `{}`", flag.table, flag.key_attribute))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_teams_own_values_mean_frozen_or_open_and_anything_else_is_an_error() {
        let flag = WriteFreezeConfig {
            key_attribute: "pk".into(),
            value_attribute: "state".into(),
            frozen_value: FlagValue::Text("frozen".into()),
            open_value: FlagValue::Text("open".into()),
            ..WriteFreezeConfig::default()
        };
        assert_eq!(judge(Some(&AttributeValue::S("frozen".into())), &flag), Ok(true));
        assert_eq!(judge(Some(&AttributeValue::S("open".into())), &flag), Ok(false));
        assert_eq!(judge(None, &flag), Ok(false), "no value: nothing froze writes");
        let e = judge(Some(&AttributeValue::Bool(true)), &flag).unwrap_err();
        assert!(
            e.contains("`state` is true (BOOL), neither the frozen value \"frozen\" nor the open value \"open\""),
            "{e}"
        );
        let numbers = WriteFreezeConfig {
            frozen_value: FlagValue::Number(0),
            open_value: FlagValue::Number(1),
            ..WriteFreezeConfig::default()
        };
        assert_eq!(judge(Some(&AttributeValue::N("0".into())), &numbers), Ok(true));
        assert_eq!(judge(Some(&AttributeValue::N("1".into())), &numbers), Ok(false));
    }
}
