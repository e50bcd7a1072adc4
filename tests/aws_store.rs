//! The shared journal's DynamoDB store against the emulator (moto, pinned, installed on first
//! use): `store init` creates warroom's table in every region of `[journal] regions`, and a
//! second run changes nothing; a table that is not warroom's is refused, not touched.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use aws_sdk_dynamodb::types::{AttributeDefinition, KeySchemaElement, KeyType, ScalarAttributeType};
use common::aws_world::emulator_command;

fn config(dir: &std::path::Path, url: &str, table: &str) -> std::path::PathBuf {
    let path = dir.join("warroom.toml");
    let text = format!(
        r#"[incident]
name = "checkout-api"

[journal]
store = "dynamodb"
table = "{table}"
regions = ["us-east-1", "us-west-2"]
endpoint-url = "{url}"

[[regions]]
name = "us-east-1"
role = "primary"
endpoint-url = "{url}"

[[regions]]
name = "us-west-2"
role = "secondary"
endpoint-url = "{url}"
"#
    );
    std::fs::write(&path, text).unwrap();
    path
}

async fn client(url: &str, region: &str) -> aws_sdk_dynamodb::Client {
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(region.to_owned()))
        .endpoint_url(url)
        .credentials_provider(common::aws_world::credentials())
        .load()
        .await;
    aws_sdk_dynamodb::Client::new(&config)
}

#[test]
fn store_init_creates_the_table_in_every_region_and_twice_changes_nothing() {
    let moto = common::moto::start();
    let dir = tempfile::tempdir().unwrap();
    let path = config(dir.path(), &moto.url(), "warroom-incidents");
    let first = emulator_command(dir.path()).args(["store", "init", "--config"]).arg(&path).output().unwrap();
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    let said = String::from_utf8_lossy(&first.stdout);
    assert_eq!(said, "us-east-1: created table warroom-incidents\nus-west-2: created table warroom-incidents\n");

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let created = runtime.block_on(async {
        let mut out = Vec::new();
        for region in ["us-east-1", "us-west-2"] {
            let d = client(&moto.url(), region)
                .await
                .describe_table()
                .table_name("warroom-incidents")
                .send()
                .await
                .unwrap();
            out.push(d.table().unwrap().creation_date_time().copied());
        }
        out
    });

    let second = emulator_command(dir.path()).args(["store", "init", "--config"]).arg(&path).output().unwrap();
    assert!(second.status.success(), "{}", String::from_utf8_lossy(&second.stderr));
    let said = String::from_utf8_lossy(&second.stdout);
    assert_eq!(
        said,
        "us-east-1: table warroom-incidents is there; unchanged\nus-west-2: table warroom-incidents is there; unchanged\n"
    );
    let again = runtime.block_on(async {
        let mut out = Vec::new();
        for region in ["us-east-1", "us-west-2"] {
            let d = client(&moto.url(), region)
                .await
                .describe_table()
                .table_name("warroom-incidents")
                .send()
                .await
                .unwrap();
            out.push(d.table().unwrap().creation_date_time().copied());
        }
        out
    });
    assert_eq!(created, again, "the second run re-created nothing");
}

#[test]
fn store_init_refuses_a_table_that_is_not_warroom_s() {
    let moto = common::moto::start();
    let dir = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        client(&moto.url(), "us-east-1")
            .await
            .create_table()
            .table_name("orders")
            .billing_mode(aws_sdk_dynamodb::types::BillingMode::PayPerRequest)
            .key_schema(KeySchemaElement::builder().attribute_name("order").key_type(KeyType::Hash).build().unwrap())
            .attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name("order")
                    .attribute_type(ScalarAttributeType::S)
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
    });
    let path = config(dir.path(), &moto.url(), "orders");
    let out = emulator_command(dir.path()).args(["store", "init", "--config"]).arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("us-east-1: DescribeTable: table orders exists and is not warroom's"), "{said}");
    assert!(said.contains("[order HASH]"), "{said}");
}
