//! Live mode fitting an existing account (issue 15), against the AWS emulator on loopback:
//! traffic from API Gateway, an NLB and custom metrics; the team's own rows; alarms;
//! capacity (Auto Scaling and ECS); secrets; a flag table of the team's own schema.
//!
//! The emulator's limits, which these tests are written around: it evaluates no metric
//! math beyond an expression naming one query; Auto Scaling instances are InService at once;
//! an ECS service's runningCount stays 0; alarms start OK and are never evaluated.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use aws_sdk_cloudwatch::types::{ComparisonOperator, StateValue, Statistic};
use aws_sdk_dynamodb::types::AttributeValue;
use common::aws_world::{AwsWorld, EAST, WEST, create_flag_table, put, reading, sdk};
use warroom::actions::{Action, OutcomeResult, aws::execute};
use warroom::assess::guard::{GuardView, evaluate};
use warroom::assess::{Limits, findings};
use warroom::config::Config;
use warroom::model::{Reading, SignalKey, Snapshot, Update};
use warroom::runbook::{RunState, Step, StepKind};
use warroom::scribe::observe::Observer;
use warroom::sources::aws::poll_all;

/// The world's config with the east ALB line replaced (`east`) and text appended to the west
/// region (`west`: its keys, then its sub-tables) and after it (`tail`: `[[signals]]`…).
fn config_with(world: &AwsWorld, east: Option<&str>, west: &str) -> Config {
    let mut text = world.config_text("");
    if let Some(east) = east {
        text = text.replace("load-balancer = \"app/checkout-east/1\"", east);
    }
    text.push_str(west);
    Config::parse("account.toml", &text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// Judge one guard of a step in `config`'s failover runbook on `snapshot`, failing over
/// from east (0) to west (1).
fn guard(config: &Config, snapshot: &Snapshot, name: &str) -> (bool, String) {
    let state = RunState::new(config.runbooks.clone());
    let failover = state.position("failover").unwrap();
    let limits = Limits {
        thresholds: &config.thresholds,
        rpo: config.incident.rpo,
        now: chrono::Utc::now(),
        poll_interval: config.incident.poll_interval,
    };
    let view = GuardView { snapshot, limits, source: 0, target: 1, cooldown: config.incident.cooldown };
    let step = Step::new("probe", "probe", StepKind::Checklist, &[name]);
    let r = evaluate(&step, failover, &state, &view).remove(0);
    (r.ok, r.reason)
}

async fn snapshot_of(world: &AwsWorld, config: &Config) -> (Snapshot, Vec<Update>) {
    let live = world.live(config.clone()).await;
    let updates = poll_all(&live).await;
    let mut snapshot = config.empty_snapshot();
    snapshot.fold(updates.clone());
    (snapshot, updates)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_gateway_and_nlb_regions_read_their_signals() {
    let world = AwsWorld::start().await;
    let url = world.moto.url();
    let east = aws_sdk_cloudwatch::Client::new(&sdk(&url, EAST).await);
    let api = [("ApiName", "checkout"), ("Stage", "prod")];
    put(&east, "AWS/ApiGateway", "Count", &api, 1200.0).await;
    put(&east, "AWS/ApiGateway", "5XXError", &api, 24.0).await;
    put(&east, "AWS/ApiGateway", "Latency", &api, 180.0).await;
    let west = aws_sdk_cloudwatch::Client::new(&sdk(&url, WEST).await);
    let nlb = [("LoadBalancer", "net/checkout-west/9")];
    put(&west, "AWS/NetworkELB", "NewFlowCount", &nlb, 3000.0).await;
    put(&west, "AWS/NetworkELB", "TCP_Target_Reset_Count", &nlb, 30.0).await;
    let text = world
        .config_text("")
        .replace(
            "load-balancer = \"app/checkout-east/1\"",
            "traffic = { source = \"apigateway\", api-name = \"checkout\", stage = \"prod\" }",
        )
        .replace(
            "load-balancer = \"app/checkout-west/2\"",
            "traffic = { source = \"nlb\", load-balancer = \"net/checkout-west/9\" }",
        );
    let config = Config::parse("account.toml", &text).unwrap();
    let live = world.live(config).await;
    let updates = poll_all(&live).await;
    assert_eq!(reading(&updates, 0, SignalKey::Requests), Ok(Reading::Requests(20.0)));
    assert_eq!(reading(&updates, 0, SignalKey::ErrorRate), Ok(Reading::ErrorRate(2.0)));
    assert_eq!(reading(&updates, 0, SignalKey::LatencyP99), Ok(Reading::LatencyP99(180.0)), "API Gateway: ms");
    assert_eq!(reading(&updates, 1, SignalKey::Requests), Ok(Reading::Requests(50.0)), "new flows per second");
    assert_eq!(reading(&updates, 1, SignalKey::ErrorRate), Ok(Reading::ErrorRate(1.0)), "resets per flow");
    assert!(
        reading(&updates, 1, SignalKey::LatencyP99).is_err_and(|e| e.starts_with("no LatencyP99 update")),
        "an NLB has no latency to read: {updates:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_custom_source_sends_its_metric_and_its_expression_and_reads_m1_back() {
    let world = AwsWorld::start().await;
    let east = aws_sdk_cloudwatch::Client::new(&sdk(&world.moto.url(), EAST).await);
    put(&east, "Checkout", "Requests", &[("Region", EAST)], 600.0).await;
    put(&east, "Checkout", "ErrorPercent", &[("Region", EAST)], 3.5).await;
    let custom = r#"traffic = { source = "custom", requests = { namespace = "Checkout", metric = "Requests", dimensions = { Region = "{region}" }, statistic = "Sum" }, errors = { expression = "m1", unit = "percent", using = { m1 = { namespace = "Checkout", metric = "ErrorPercent", dimensions = { Region = "{region}" }, statistic = "Average" } } } }"#;
    let config = config_with(&world, Some(custom), "");
    let live = world.live(config).await;
    world.east.clear_calls();
    let updates = poll_all(&live).await;
    assert_eq!(reading(&updates, 0, SignalKey::Requests), Ok(Reading::Requests(10.0)));
    assert_eq!(reading(&updates, 0, SignalKey::ErrorRate), Ok(Reading::ErrorRate(3.5)), "m1 read back");
    let bodies = world.east.bodies_of("GetMetricData");
    let batch = bodies.first().expect("one GetMetricData from east");
    for expected in [
        "MetricStat.Metric.Namespace=Checkout",
        "MetricStat.Metric.MetricName=Requests",
        "MetricStat.Metric.Dimensions.member.1.Value=us-east-1",
        "MetricStat.Stat=Sum",
        "Expression=q1_m1",
        "Id=q1_m1",
        "ReturnData=false",
        "MetricStat.Metric.MetricName=ErrorPercent",
    ] {
        assert!(batch.contains(expected), "`{expected}` missing from the request:\n{batch}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_custom_rows_are_still_one_get_metric_data_per_region_per_poll() {
    let world = AwsWorld::start().await;
    let url = world.moto.url();
    let mut signals = String::new();
    for region in [EAST, WEST] {
        let cw = aws_sdk_cloudwatch::Client::new(&sdk(&url, region).await);
        for i in 0..20 {
            put(&cw, "Team", &format!("Backlog{i}"), &[("Region", region)], f64::from(i)).await;
        }
    }
    for i in 0..20 {
        signals.push_str(&format!(
            "[[signals]]\nname = \"backlog-{i}\"\nwarn = 100\ncritical = 200\nnamespace = \"Team\"\nmetric = \"Backlog{i}\"\ndimensions = {{ Region = \"{{region}}\" }}\nstatistic = \"Maximum\"\n"
        ));
    }
    let config = config_with(&world, None, &signals);
    let live = world.live(config).await;
    for p in world.proxies() {
        p.clear_calls();
    }
    let updates = poll_all(&live).await;
    for (i, p) in world.proxies().iter().enumerate() {
        let calls = p.calls().iter().filter(|c| *c == "GetMetricData").count();
        assert_eq!(calls, 1, "region {i}: {:?}", p.calls());
        assert_eq!(reading(&updates, i, SignalKey::Custom(7)), Ok(Reading::Custom(7, 7.0)));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_queue_age_row_past_its_line_is_observed_and_fails_its_guard() {
    let world = AwsWorld::start().await;
    let west = aws_sdk_cloudwatch::Client::new(&sdk(&world.moto.url(), WEST).await);
    let dims = [("QueueName", "orders-us-west-2")];
    put(&west, "AWS/SQS", "ApproximateAgeOfOldestMessage", &dims, 40.0).await;
    let row = "[[signals]]\nname = \"queue-age\"\nlabel = \"Queue age\"\nunit = \"seconds\"\nwarn = 60\ncritical = 300\nnamespace = \"AWS/SQS\"\nmetric = \"ApproximateAgeOfOldestMessage\"\ndimensions = { QueueName = \"orders-{region}\" }\nstatistic = \"Maximum\"\n";
    let config = config_with(&world, None, row);
    let (calm, _) = snapshot_of(&world, &config).await;
    assert_eq!(calm.regions[1].custom[0].signal.value, Some(40.0));
    assert_eq!(
        guard(&config, &calm, "signal-ok:queue-age"),
        (true, "us-west-2 Queue age 40.0s, critical at 300s".into())
    );
    let mut observer = Observer::new();
    let limits = |now| Limits {
        thresholds: &config.thresholds,
        rpo: config.incident.rpo,
        now,
        poll_interval: config.incident.poll_interval,
    };
    assert!(observer.observe(&calm, limits(chrono::Utc::now()), true).iter().all(|d| !d.text.contains("Queue age")));

    // The backlog grows: a newer datapoint, past the critical line.
    let mut datum = aws_sdk_cloudwatch::types::MetricDatum::builder()
        .metric_name("ApproximateAgeOfOldestMessage")
        .value(900.0)
        .timestamp(aws_sdk_cloudwatch::primitives::DateTime::from_secs(chrono::Utc::now().timestamp() - 5));
    datum = datum.dimensions(aws_sdk_cloudwatch::types::Dimension::builder().name(dims[0].0).value(dims[0].1).build());
    west.put_metric_data().namespace("AWS/SQS").metric_data(datum.build()).send().await.unwrap();
    let (backlog, _) = snapshot_of(&world, &config).await;
    assert_eq!(backlog.regions[1].custom[0].signal.value, Some(900.0));
    let drafts = observer.observe(&backlog, limits(chrono::Utc::now()), true);
    let crossed: Vec<&str> = drafts.iter().map(|d| d.text.as_str()).filter(|t| t.contains("Queue age")).collect();
    assert_eq!(crossed, ["Queue age 900s is past its critical line of 300s"], "{drafts:?}");
    assert_eq!(guard(&config, &backlog, "signal-ok:queue-age"), (false, "us-west-2 Queue age 900s > 300s".into()));
    let f = findings(&backlog.regions[1], limits(chrono::Utc::now()));
    assert!(f.iter().any(|f| f.text == "Queue age 900s"), "{f:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_row_whose_metric_does_not_exist_says_so_and_never_shows_zero() {
    let world = AwsWorld::start().await;
    let west = aws_sdk_cloudwatch::Client::new(&sdk(&world.moto.url(), WEST).await);
    // An old datapoint: the metric exists, but is quiet now.
    let datum = aws_sdk_cloudwatch::types::MetricDatum::builder()
        .metric_name("IteratorAgeMilliseconds")
        .value(10.0)
        .timestamp(aws_sdk_cloudwatch::primitives::DateTime::from_secs(chrono::Utc::now().timestamp() - 3600))
        .dimensions(aws_sdk_cloudwatch::types::Dimension::builder().name("StreamName").value("events").build())
        .build();
    west.put_metric_data().namespace("AWS/Kinesis").metric_data(datum).send().await.unwrap();
    let rows = "[[signals]]\nname = \"typo\"\nwarn = 1\ncritical = 2\nnamespace = \"AWS/SQS\"\nmetric = \"ApproximateAgeOfOldestMesage\"\ndimensions = { QueueName = \"orders\" }\nregions = [\"us-west-2\"]\n[[signals]]\nname = \"quiet\"\nwarn = 1\ncritical = 2\nnamespace = \"AWS/Kinesis\"\nmetric = \"IteratorAgeMilliseconds\"\ndimensions = { StreamName = \"events\" }\nregions = [\"us-west-2\"]\n";
    let config = config_with(&world, None, rows);
    let (snapshot, updates) = snapshot_of(&world, &config).await;
    let typo = reading(&updates, 1, SignalKey::Custom(0)).unwrap_err();
    assert_eq!(
        typo,
        "ListMetrics: metric AWS/SQS/ApproximateAgeOfOldestMesage {QueueName=orders} does not exist in us-west-2"
    );
    let quiet = reading(&updates, 1, SignalKey::Custom(1)).unwrap_err();
    assert!(quiet.starts_with("no AWS/Kinesis/IteratorAgeMilliseconds (Average) datapoints"), "{quiet}");
    assert_eq!(snapshot.regions[1].custom[0].signal.value, None, "no value, not 0");
    assert!(guard(&config, &snapshot, "signal-ok:typo").1.contains("does not exist"));
}

async fn put_alarm(cw: &aws_sdk_cloudwatch::Client, name: &str) {
    cw.put_metric_alarm()
        .alarm_name(name)
        .namespace("AWS/ApplicationELB")
        .metric_name("HTTPCode_Target_5XX_Count")
        .statistic(Statistic::Sum)
        .period(60)
        .evaluation_periods(1)
        .threshold(10.0)
        .comparison_operator(ComparisonOperator::GreaterThanThreshold)
        .send()
        .await
        .unwrap();
}

async fn set_state(cw: &aws_sdk_cloudwatch::Client, name: &str, state: StateValue) {
    cw.set_alarm_state().alarm_name(name).state_value(state).state_reason("test").send().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alarm_in_alarm_is_observed_shown_and_refuses_the_shift_until_ok() {
    let world = AwsWorld::start().await;
    let west = aws_sdk_cloudwatch::Client::new(&sdk(&world.moto.url(), WEST).await);
    for name in ["checkout-west-5xx", "checkout-west-latency", "checkout-west-canary", "standby-cold"] {
        put_alarm(&west, name).await;
    }
    set_state(&west, "checkout-west-5xx", StateValue::Ok).await;
    let alarms = "[regions.alarms]\nprefixes = [\"checkout-west-\"]\nnames = [\"standby-cold\"]\naccept-insufficient = [\"standby-*\"]\ncanaries = [\"checkout-west-canary\"]\n";
    let text = format!("{}{alarms}", world.config_text("inventory-interval = \"1s\""));
    let config = Config::parse("account.toml", &text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let shift = config.runbooks.iter().find(|b| b.id == "failover").unwrap().step("shift-traffic").unwrap().1;
    assert!(shift.guards.iter().any(|g| g.to_string() == "alarms-ok"), "on by default: {:?}", shift.guards);

    let (calm, _) = snapshot_of(&world, &config).await;
    assert_eq!(guard(&config, &calm, "alarms-ok"), (true, "us-west-2 4 alarms OK".into()));
    let mut observer = Observer::new();
    let limits = Limits {
        thresholds: &config.thresholds,
        rpo: config.incident.rpo,
        now: chrono::Utc::now(),
        poll_interval: config.incident.poll_interval,
    };
    observer.observe(&calm, limits, true);

    set_state(&west, "checkout-west-5xx", StateValue::Alarm).await;
    let (red, _) = snapshot_of(&world, &config).await;
    let now = chrono::Utc::now();
    let drafts = observer.observe(&red, Limits { now, ..limits }, true);
    let texts: Vec<&str> = drafts.iter().map(|d| d.text.as_str()).collect();
    assert!(texts.contains(&"alarm checkout-west-5xx is ALARM (was OK)"), "{texts:?}");
    assert_eq!(guard(&config, &red, "alarms-ok"), (false, "us-west-2: checkout-west-5xx ALARM".into()));
    let f = findings(&red.regions[1], Limits { now, ..limits });
    assert!(f.iter().any(|f| f.text == "ALARM checkout-west-5xx"), "a red row: {f:?}");

    set_state(&west, "checkout-west-5xx", StateValue::Ok).await;
    let (green, _) = snapshot_of(&world, &config).await;
    assert!(guard(&config, &green, "alarms-ok").0, "back to OK, the shift goes");

    // Insufficient data is unknown: it fails, unless the alarm is configured to accept it.
    set_state(&west, "standby-cold", StateValue::InsufficientData).await;
    let (cold, _) = snapshot_of(&world, &config).await;
    assert!(guard(&config, &cold, "alarms-ok").0, "standby-* accepts INSUFFICIENT_DATA");
    set_state(&west, "checkout-west-latency", StateValue::InsufficientData).await;
    let (unknown, _) = snapshot_of(&world, &config).await;
    assert_eq!(guard(&config, &unknown, "alarms-ok"), (false, "us-west-2: checkout-west-latency INSUFFICIENT".into()));
}

async fn team_flag_table(world: &AwsWorld, region: &str) -> aws_sdk_dynamodb::Client {
    let db = create_flag_table(&world.moto.url(), region, "team-flags", "pk").await;
    db.put_item()
        .table_name("team-flags")
        .item("pk", AttributeValue::S("checkout-writes".into()))
        .item("state", AttributeValue::S("open".into()))
        .item("owner", AttributeValue::S("payments-team".into()))
        .item("ttl", AttributeValue::N("1893456000".into()))
        .send()
        .await
        .unwrap();
    db
}

async fn flag_item(db: &aws_sdk_dynamodb::Client) -> std::collections::HashMap<String, AttributeValue> {
    let out = db
        .get_item()
        .table_name("team-flags")
        .key("pk", AttributeValue::S("checkout-writes".into()))
        .send()
        .await
        .unwrap();
    out.item().cloned().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flag_table_keyed_on_pk_keeps_its_other_attributes_through_freeze_and_reopen() {
    let world = AwsWorld::start().await;
    let db = team_flag_table(&world, EAST).await;
    team_flag_table(&world, WEST).await;
    let schema = "[write-freeze]\ntable = \"team-flags\"\nkey = \"checkout-writes\"\nkey-attribute = \"pk\"\nvalue-attribute = \"state\"\nfrozen-value = \"frozen\"\nopen-value = \"open\"\n";
    let text =
        world.config_text("").replace("[write-freeze]\ntable = \"checkout-flags\"\nkey = \"writes-enabled\"\n", schema);
    let config = Config::parse("account.toml", &text).unwrap();
    let live = world.live(config.clone()).await;
    let updates = poll_all(&live).await;
    assert_eq!(reading(&updates, 0, SignalKey::WriteFreeze), Ok(Reading::WriteFreeze(false)), "\"open\" reads open");

    let freeze =
        Action::FreezeWrites { region: EAST.into(), table: "team-flags".into(), key: "checkout-writes".into() };
    let done = execute(&live, &freeze).await;
    assert!(matches!(done, OutcomeResult::Succeeded { already: false, .. }), "{done:?}");
    let item = flag_item(&db).await;
    assert_eq!(item.get("state"), Some(&AttributeValue::S("frozen".into())));
    assert_eq!(item.get("owner"), Some(&AttributeValue::S("payments-team".into())), "not wiped: {item:?}");
    assert_eq!(item.get("ttl"), Some(&AttributeValue::N("1893456000".into())));
    let calls = world.east.calls();
    assert!(calls.contains(&"UpdateItem".to_owned()) && !calls.contains(&"PutItem".to_owned()), "{calls:?}");

    let reopen =
        Action::UnfreezeWrites { region: EAST.into(), table: "team-flags".into(), key: "checkout-writes".into() };
    assert!(matches!(execute(&live, &reopen).await, OutcomeResult::Succeeded { already: false, .. }));
    let item = flag_item(&db).await;
    assert_eq!(item.get("state"), Some(&AttributeValue::S("open".into())));
    assert_eq!(item.get("owner"), Some(&AttributeValue::S("payments-team".into())));

    // Misconfigured: the default key attribute (`flag`) against a table keyed on `pk`.
    let wrong = world.config_text("").replace("table = \"checkout-flags\"", "table = \"team-flags\"");
    let live = world.live(Config::parse("wrong.toml", &wrong).unwrap()).await;
    let updates = poll_all(&live).await;
    let poll_error = reading(&updates, 0, SignalKey::WriteFreeze).unwrap_err();
    // The poll's error says what is wrong and the same fix `check` gives, not a pointer to it.
    assert!(poll_error.starts_with("GetItem: the flag table's key is not write-freeze.key-attribute"), "{poll_error}");
    assert!(poll_error.contains("\nfix: set key-attribute = \"pk\" in [write-freeze]"), "{poll_error}");
    let rows = warroom::modes::check::evaluate(&live).await;
    let table = rows.iter().find(|r| r.check == "write-freeze table" && r.region == EAST).unwrap();
    assert_eq!(table.verdict, warroom::modes::check::Verdict::Fail);
    assert!(
        table.detail.contains(
            "key schema is pk (S, HASH); [write-freeze] key-attribute is `flag` — set key-attribute = \"pk\""
        ),
        "{}",
        table.detail
    );
}

async fn auto_scaling_group(world: &AwsWorld, max: i32) -> aws_sdk_autoscaling::Client {
    // Through the west proxy: it gives moto's zoneless CreatedTime the UTC zone AWS sends.
    let asg = aws_sdk_autoscaling::Client::new(&sdk(&world.west.url(), WEST).await);
    asg.create_launch_configuration()
        .launch_configuration_name("checkout-lc")
        .image_id("ami-12c6146b")
        .instance_type("t2.micro")
        .send()
        .await
        .unwrap();
    asg.create_auto_scaling_group()
        .auto_scaling_group_name("checkout-west")
        .launch_configuration_name("checkout-lc")
        .min_size(1)
        .max_size(max)
        .desired_capacity(4)
        .availability_zones("us-west-2a")
        .send()
        .await
        .unwrap();
    asg
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scaling_an_auto_scaling_group_changes_it_once_and_a_rerun_only_reads() {
    let world = AwsWorld::start().await;
    let asg = auto_scaling_group(&world, 30).await;
    let config = config_with(&world, None, "[regions.capacity]\nauto-scaling-group = \"checkout-west\"\nneeded = 12\n");
    let (before, _) = snapshot_of(&world, &config).await;
    let cap = before.regions[1].capacity.value.clone().unwrap_or_else(|| panic!("{:?}", before.regions[1].capacity));
    assert_eq!((cap.running, cap.desired, cap.max, cap.needed), (4, 4, Some(30), 12));
    assert!(!guard(&config, &before, "capacity-ready").0);

    let live = world.live(config.clone()).await;
    world.west.clear_calls();
    let scale =
        Action::ScaleCapacity { region: WEST.into(), resource: "Auto Scaling group checkout-west".into(), target: 12 };
    let done = execute(&live, &scale).await;
    assert!(matches!(&done, OutcomeResult::Succeeded { already: false, .. }), "{done:?}");
    assert_eq!(world.west.calls().iter().filter(|c| *c == "SetDesiredCapacity").count(), 1);
    let g = asg.describe_auto_scaling_groups().auto_scaling_group_names("checkout-west").send().await.unwrap();
    assert_eq!(g.auto_scaling_groups()[0].desired_capacity(), Some(12));

    world.west.clear_calls();
    let again = execute(&live, &scale).await;
    assert!(matches!(&again, OutcomeResult::Succeeded { already: true, .. }), "{again:?}");
    assert!(!world.west.calls().contains(&"SetDesiredCapacity".to_owned()), "{:?}", world.west.calls());
    let (after, _) = snapshot_of(&world, &config).await;
    assert_eq!(guard(&config, &after, "capacity-ready"), (true, "us-west-2 12/12 running".into()));

    // Above the group's maximum: refused with the reason, before anything is sent.
    world.west.clear_calls();
    let too_many = Action::ScaleCapacity { region: WEST.into(), resource: "x".into(), target: 40 };
    let OutcomeResult::Failed { error } = execute(&live, &too_many).await else { panic!("must be refused") };
    assert!(
        error.contains("refused before sending: target 40 is above Auto Scaling group checkout-west's maximum size 30"),
        "{error}"
    );
    assert!(!world.west.calls().contains(&"SetDesiredCapacity".to_owned()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ecs_service_blocks_the_shift_until_it_runs_and_is_scaled_once() {
    let world = AwsWorld::start().await;
    let ecs = aws_sdk_ecs::Client::new(&sdk(&world.moto.url(), WEST).await);
    ecs.create_cluster().cluster_name("checkout").send().await.unwrap();
    ecs.register_task_definition()
        .family("api")
        .container_definitions(
            aws_sdk_ecs::types::ContainerDefinition::builder().name("api").image("checkout:1").memory(256).build(),
        )
        .send()
        .await
        .unwrap();
    ecs.create_service()
        .cluster("checkout")
        .service_name("api")
        .task_definition("api")
        .desired_count(2)
        .send()
        .await
        .unwrap();
    let text = world.config_text("scale-timeout = \"2s\"")
        + "[regions.capacity]\necs-cluster = \"checkout\"\necs-service = \"api\"\nneeded = 6\n";
    let config = Config::parse("account.toml", &text).unwrap();
    let (before, _) = snapshot_of(&world, &config).await;
    assert_eq!(
        guard(&config, &before, "capacity-ready"),
        (false, "us-west-2 0/6 running (desired 2): not enough to take all traffic".into())
    );
    let live = world.live(config.clone()).await;
    world.west.clear_calls();
    let scale = Action::ScaleCapacity { region: WEST.into(), resource: "ECS service checkout/api".into(), target: 6 };
    // The emulator's UpdateService runs the desired count at once (a real service takes
    // minutes: the step watches until they run, within aws.scale-timeout).
    let outcome = execute(&live, &scale).await;
    assert!(matches!(&outcome, OutcomeResult::Succeeded { already: false, .. }), "{outcome:?}");
    assert_eq!(world.west.calls().iter().filter(|c| *c == "UpdateService").count(), 1);
    let s = ecs.describe_services().cluster("checkout").services("api").send().await.unwrap();
    assert_eq!(s.services()[0].desired_count(), 6, "the account changed");
    world.west.clear_calls();
    let again = execute(&live, &scale).await;
    assert!(matches!(&again, OutcomeResult::Succeeded { already: true, .. }), "{again:?}");
    assert!(!world.west.calls().contains(&"UpdateService".to_owned()), "a re-run only reads: {:?}", world.west.calls());
    let (ready, _) = snapshot_of(&world, &config).await;
    assert_eq!(guard(&config, &ready, "capacity-ready"), (true, "us-west-2 6/6 running".into()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_or_doomed_secret_blocks_the_promotion_and_check_says_which() {
    let world = AwsWorld::start().await;
    let sm = aws_sdk_secretsmanager::Client::new(&sdk(&world.moto.url(), WEST).await);
    for name in ["checkout/db", "checkout/payment-key"] {
        sm.create_secret().name(name).secret_string("s3cr3t").send().await.unwrap();
    }
    let text = world.config_text("inventory-interval = \"1s\"")
        + "secrets = [\"checkout/db\", \"checkout/payment-key\", \"checkout/api-key\"]\n";
    let config = Config::parse("account.toml", &text).unwrap();
    let promote = config.runbooks.iter().find(|b| b.id == "failover").unwrap().step("promote-database").unwrap().1;
    assert!(promote.guards.iter().any(|g| g.to_string() == "secrets-present"), "{:?}", promote.guards);
    let (snapshot, _) = snapshot_of(&world, &config).await;
    assert_eq!(
        guard(&config, &snapshot, "secrets-present"),
        (false, "us-west-2 lacks checkout/api-key not found".into())
    );

    sm.create_secret().name("checkout/api-key").secret_string("k").send().await.unwrap();
    let (present, _) = snapshot_of(&world, &config).await;
    assert_eq!(guard(&config, &present, "secrets-present"), (true, "us-west-2 has all 3 secrets".into()));

    sm.delete_secret().secret_id("checkout/payment-key").recovery_window_in_days(7).send().await.unwrap();
    let (doomed, _) = snapshot_of(&world, &config).await;
    let (ok, reason) = guard(&config, &doomed, "secrets-present");
    assert!(!ok && reason.contains("checkout/payment-key scheduled for deletion on"), "{reason}");

    let live = world.live(config).await;
    let rows = warroom::modes::check::evaluate(&live).await;
    let row = |check: &str| {
        rows.iter().find(|r| r.check == check && r.region == WEST).unwrap_or_else(|| panic!("{check}: {rows:#?}"))
    };
    assert_eq!(row("secret checkout/payment-key").verdict, warroom::modes::check::Verdict::Fail);
    assert!(row("secret checkout/payment-key").detail.starts_with("scheduled for deletion"));
    assert_eq!(row("secret checkout/db").verdict, warroom::modes::check::Verdict::Pass);
    assert_eq!(row("secret checkout/db readable").verdict, warroom::modes::check::Verdict::Pass);
}
