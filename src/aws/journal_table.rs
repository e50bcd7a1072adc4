//! The shared journal's DynamoDB table (`[journal] store = "dynamodb"`): warroom's own
//! schema, and `store init`, which creates it in each region and changes nothing where it
//! already is. It never touches a table that is not warroom's.
//!
//! Schema: partition key `incident` (S), sort key `id` (S), on-demand capacity. Entries,
//! claims, presence and the published snapshot are items under keys derived from the
//! incident id.

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType, TableStatus,
};

use super::error::{AwsError, Call, explain};

pub const CREATE_TABLE: Call = Call::new("dynamodb", "CreateTable");
pub const DESCRIBE_TABLE: Call = super::error::DESCRIBE_TABLE;

/// Every call the DynamoDB store makes (`store init`, entries, claims, presence, incidents,
/// the published snapshot): the store's IAM policy in docs/team.md lists exactly these (a
/// test checks). STS `GetCallerIdentity` needs no permission.
pub const STORE_CALLS: [Call; 7] = [
    CREATE_TABLE,
    DESCRIBE_TABLE,
    super::error::PUT_ITEM,
    super::error::GET_ITEM,
    Call::new("dynamodb", "Query"),
    Call::new("dynamodb", "DeleteItem"),
    Call::new("dynamodb", "UpdateItem"),
];

/// Partition key: the incident (and, for claims and presence, what of it).
pub const PARTITION: &str = "incident";
/// Sort key: an entry's sortable id, a claim's step, a presence record's session.
pub const SORT: &str = "id";

/// What `store init` did in one region.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Init {
    Created,
    /// The table was there with warroom's schema: nothing changed.
    AlreadyThere,
}

/// Whether a table's key schema is warroom's: `incident` HASH and `id` RANGE, both strings.
fn is_ours(desc: &aws_sdk_dynamodb::types::TableDescription) -> Result<(), String> {
    let keys: Vec<(String, KeyType)> =
        desc.key_schema().iter().map(|k| (k.attribute_name().to_owned(), k.key_type().clone())).collect();
    let want = vec![(PARTITION.to_owned(), KeyType::Hash), (SORT.to_owned(), KeyType::Range)];
    if keys != want {
        let found: Vec<String> = keys.iter().map(|(n, t)| format!("{n} {}", t.as_str())).collect();
        return Err(format!("its key schema is [{}], not warroom's [incident HASH, id RANGE]", found.join(", ")));
    }
    let strings = desc.attribute_definitions().iter().all(|a| a.attribute_type() == &ScalarAttributeType::S);
    if !strings {
        return Err("its keys are not strings".into());
    }
    Ok(())
}

/// The table's status if it exists (`Ok(None)`: it does not), checked to be warroom's.
async fn describe(client: &aws_sdk_dynamodb::Client, table: &str) -> Result<Option<TableStatus>, AwsError> {
    match client.describe_table().table_name(table).send().await {
        Ok(out) => {
            let Some(desc) = out.table() else { return Ok(None) };
            is_ours(desc).map_err(|why| {
                AwsError::other(DESCRIBE_TABLE, format!("table {table} exists and is not warroom's: {why}; warroom only creates its own table, so give [journal] table another name"))
            })?;
            Ok(desc.table_status().cloned())
        }
        Err(e) => {
            let error = explain(DESCRIBE_TABLE, &e);
            if error.code.as_deref() == Some("ResourceNotFoundException") { Ok(None) } else { Err(error) }
        }
    }
}

/// Create warroom's table in this client's region, unless it is there already; wait until
/// it is ACTIVE either way.
pub async fn init(client: &aws_sdk_dynamodb::Client, table: &str, timeout: chrono::Duration) -> Result<Init, AwsError> {
    let done = match describe(client, table).await? {
        Some(_) => Init::AlreadyThere,
        None => {
            let key =
                |name: &str, kind: KeyType| KeySchemaElement::builder().attribute_name(name).key_type(kind).build();
            let string = |name: &str| {
                AttributeDefinition::builder().attribute_name(name).attribute_type(ScalarAttributeType::S).build()
            };
            let created = client
                .create_table()
                .table_name(table)
                .billing_mode(BillingMode::PayPerRequest)
                .key_schema(key(PARTITION, KeyType::Hash).map_err(|e| AwsError::other(CREATE_TABLE, e))?)
                .key_schema(key(SORT, KeyType::Range).map_err(|e| AwsError::other(CREATE_TABLE, e))?)
                .attribute_definitions(string(PARTITION).map_err(|e| AwsError::other(CREATE_TABLE, e))?)
                .attribute_definitions(string(SORT).map_err(|e| AwsError::other(CREATE_TABLE, e))?)
                .send()
                .await;
            match created {
                Ok(_) => Init::Created,
                // Another `store init` made it between the look and the create.
                Err(e) if explain(CREATE_TABLE, &e).code.as_deref() == Some("ResourceInUseException") => {
                    Init::AlreadyThere
                }
                Err(e) => return Err(explain(CREATE_TABLE, &e)),
            }
        }
    };
    super::wait_until(DESCRIBE_TABLE, timeout, || async {
        Ok(describe(client, table).await? == Some(TableStatus::Active))
    })
    .await?;
    Ok(done)
}
