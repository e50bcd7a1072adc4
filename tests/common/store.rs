//! Clients for the DynamoDB store's two regions in the emulator (each through its own
//! endpoint: the emulator, a fault proxy, or a port nothing answers on), optionally creating
//! warroom's table. Self-contained, so the store bench and the crash helper include it too.

use warroom::aws::shared_journal::StoreRegion;

pub const TABLE: &str = "warroom-incidents";

/// us-east-1 at `urls[0]` and us-west-2 at `urls[1]`, with short timeouts (a blackholed
/// region costs a test seconds, not minutes); with `init`, the table is created in both.
pub fn regions(urls: [&str; 2], init: bool) -> Vec<StoreRegion> {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let mut regions = Vec::new();
        for (name, url) in ["us-east-1", "us-west-2"].into_iter().zip(urls) {
            let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
                .region(aws_config::Region::new(name))
                .endpoint_url(url)
                .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
                    "testing", "testing", None, None, "tests",
                ))
                .timeout_config(
                    aws_config::timeout::TimeoutConfig::builder()
                        .operation_attempt_timeout(std::time::Duration::from_millis(1500))
                        .operation_timeout(std::time::Duration::from_secs(4))
                        .build(),
                )
                .load()
                .await;
            let client = aws_sdk_dynamodb::Client::new(&config);
            if init {
                warroom::aws::journal_table::init(&client, TABLE, chrono::Duration::seconds(30)).await.unwrap();
            }
            regions.push(StoreRegion { name: name.into(), client });
        }
        regions
    })
}
