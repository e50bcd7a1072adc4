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

/// `warroom ARGS --config PATH` on the emulator, its output scanned for debug prints.
fn warroom_on(dir: &std::path::Path, args: &[&str], path: &std::path::Path) -> std::process::Output {
    emulator_command(dir).args(args).arg("--config").arg(path).output().map(common::no_debug_text).unwrap()
}

/// `warroom store init --config PATH`.
fn init_store(dir: &std::path::Path, path: &std::path::Path) -> std::process::Output {
    warroom_on(dir, &["store", "init"], path)
}

#[test]
fn store_init_creates_the_table_in_every_region_and_twice_changes_nothing() {
    let moto = common::moto::start();
    let dir = tempfile::tempdir().unwrap();
    let path = config(dir.path(), &moto.url(), "warroom-incidents");
    let first = init_store(dir.path(), &path);
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

    let second = init_store(dir.path(), &path);
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
    let out = init_store(dir.path(), &path);
    assert_eq!(out.status.code(), Some(1));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("us-east-1: DescribeTable: table orders exists and is not warroom's"), "{said}");
    assert!(said.contains("[order HASH]"), "{said}");
}

/// Both regions' clients, each through its url (a proxy, or the emulator itself).
fn regions_via(urls: [&str; 2], init: bool) -> Vec<warroom::aws::shared_journal::StoreRegion> {
    common::store::regions(urls, init)
}

/// A claim at Enter goes out off the loop and answers as a message: wait for it, as the
/// dashboard's loop does every 250 ms.
fn settle_claims(app: &mut warroom::app::App) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while app.claims_pending() {
        assert!(std::time::Instant::now() < deadline, "a claim never answered");
        std::thread::sleep(std::time::Duration::from_millis(20));
        app.follow_journal();
    }
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !done() {
        assert!(std::time::Instant::now() < deadline, "waited 30 s for {what}");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

#[test]
fn with_the_first_region_blackholed_entries_reach_the_second_and_its_reader_has_them_all() {
    use warroom::aws::shared_journal::{DynamoJournal, query_after};
    use warroom::scribe::{Draft, JournalStore, Kind};
    let moto = common::moto::start();
    let (east, west) = (common::proxy::Proxy::start(moto.port), common::proxy::Proxy::start(moto.port));
    regions_via([&moto.url(), &moto.url()], true);
    let dir = tempfile::tempdir().unwrap();
    east.set(common::proxy::Fault::Blackhole);
    let regions = regions_via([&east.url(), &west.url()], false);
    let skew = chrono::Duration::seconds(60);
    let mut writer =
        DynamoJournal::open("inc-loss", "warroom-incidents", regions, &dir.path().join("w.jsonl"), skew).unwrap();
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(writer.append(Draft::new(chrono::Utc::now(), "ana", Kind::Note, format!("note {i}"))).unwrap().id);
    }
    // A reader of the second region alone sees every entry.
    let west_only = &regions_via([&west.url(), &west.url()], false)[1..];
    let mut reader =
        DynamoJournal::open("inc-loss", "warroom-incidents", west_only.to_vec(), &dir.path().join("r.jsonl"), skew)
            .unwrap();
    let mut seen = Vec::new();
    wait_until("the reader to see all 5", || {
        seen.extend(reader.follow().unwrap());
        seen.len() >= 5
    });
    assert_eq!(seen.iter().map(|e| e.id.clone()).collect::<Vec<_>>(), ids);
    // The writer says what is wrong: the first region is unreachable, the entries spooled for it.
    wait_until("the writer to report us-east-1", || writer.status().unreachable.iter().any(|(r, _)| r == "us-east-1"));
    assert_eq!(writer.status().spooled, 5, "{:?}", writer.status());
    // An export from the second region alone has every entry.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let stored = runtime.block_on(query_after(&west_only[0].client, "warroom-incidents", "inc-loss", "0")).unwrap();
    assert_eq!(stored.into_iter().map(|e| e.id).collect::<Vec<_>>(), ids);
    // The region comes back: the spool drains into it too.
    east.set(common::proxy::Fault::None);
    wait_until("the spool to drain", || writer.status().spooled == 0);
}

#[test]
fn a_put_whose_response_was_lost_is_retried_and_stored_once() {
    use warroom::aws::shared_journal::{DynamoJournal, query_after};
    use warroom::scribe::{Draft, JournalStore, Kind};
    let moto = common::moto::start();
    let proxy = common::proxy::Proxy::start(moto.port);
    regions_via([&moto.url(), &moto.url()], true);
    let dir = tempfile::tempdir().unwrap();
    proxy.set(common::proxy::Fault::DropResponse("PutItem"));
    let regions = regions_via([&proxy.url(), &proxy.url()], false);
    let mut writer = DynamoJournal::open(
        "inc-drop",
        "warroom-incidents",
        regions.clone(),
        &dir.path().join("w.jsonl"),
        chrono::Duration::seconds(60),
    )
    .unwrap();
    let id = writer.append(Draft::new(chrono::Utc::now(), "ana", Kind::Note, "once")).unwrap().id;
    wait_until("the put to reach the emulator", || proxy.calls().iter().filter(|c| *c == "PutItem").count() >= 2);
    proxy.set(common::proxy::Fault::None);
    wait_until("the spool to drain", || writer.status().spooled == 0);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let stored = runtime.block_on(query_after(&regions[0].client, "warroom-incidents", "inc-drop", "0")).unwrap();
    assert_eq!(stored.iter().map(|e| e.id.clone()).collect::<Vec<_>>(), [id], "stored once");
    assert!(proxy.calls().iter().filter(|c| *c == "PutItem").count() >= 3, "the put was retried: {:?}", proxy.calls());
}

/// A dashboard terminal on a DynamoDB incident in the emulator (entries and claims there).
fn terminal(moto: &common::moto::Moto, dir: &std::path::Path, author: &str) -> warroom::app::App {
    terminal_with_claims_at(moto, dir, author, &moto.url())
}

/// `terminal` whose claims region is reached at `claims_url` (a proxy, to take it away).
fn terminal_with_claims_at(
    moto: &common::moto::Moto,
    dir: &std::path::Path,
    author: &str,
    claims_url: &str,
) -> warroom::app::App {
    store_terminal(moto, dir, "inc-team", author, None, claims_url)
}

/// A dashboard terminal on `incident` in the emulator, with `role`, its claims reached at
/// `claims_url`.
fn store_terminal(
    moto: &common::moto::Moto,
    dir: &std::path::Path,
    incident: &str,
    author: &str,
    role: Option<warroom::scribe::roles::TeamRole>,
    claims_url: &str,
) -> warroom::app::App {
    use warroom::aws::shared_claims::DynamoClaims;
    use warroom::aws::shared_journal::DynamoJournal;
    let config = warroom::config::Config::demo();
    let regions = regions_via([&moto.url(), &moto.url()], true);
    let claims_client = regions_via([claims_url, claims_url], false)[0].client.clone();
    let mut journal = DynamoJournal::open(
        incident,
        "warroom-incidents",
        regions,
        &dir.join(format!("{author}.jsonl")),
        chrono::Duration::seconds(60),
    )
    .unwrap();
    let entries = journal.history(std::time::Duration::from_secs(5));
    let now = chrono::Utc::now();
    let scribe = warroom::scribe::Scribe::start_as(
        Box::new(journal),
        entries,
        &warroom::scribe::Recovery::default(),
        author.into(),
        role,
        &config.incident,
        now,
    );
    let (executor, jobs) = warroom::actions::Executor::detached();
    std::mem::forget(jobs); // kept open: the steps stay running
    let mut app = warroom::app::App::new(
        &config,
        config.runbooks.clone(),
        warroom::theme::Theme::fallback(true),
        scribe,
        Some(executor),
        now,
    );
    let claims =
        DynamoClaims::new(claims_client, "warroom-incidents", incident, "us-east-1", std::time::Duration::from_secs(5))
            .unwrap();
    app.claims = Some(Box::new(claims));
    app
}

#[test]
fn two_terminals_share_one_dynamodb_incident_entries_runbook_and_claims() {
    use crossterm::event::KeyCode;
    let moto = common::moto::start();
    let dir = tempfile::tempdir().unwrap();
    let mut ana = terminal(&moto, dir.path(), "ana");
    let mut bo = terminal(&moto, dir.path(), "bo");
    let press = |app: &mut warroom::app::App, code: KeyCode| {
        app.handle(warroom::app::Msg::Key(code.into()));
        settle_claims(app);
    };
    let step = |app: &warroom::app::App, id: &str| {
        let runbook = app.view.selected_runbook;
        warroom::runbook::StepRef { runbook, step: app.runs.runbooks[runbook].step(id).unwrap().0 }
    };
    // ana declares; bo's terminal shows it done, by ana.
    ana.select(step(&ana, "declare"));
    press(&mut ana, KeyCode::Enter);
    press(&mut ana, KeyCode::Enter);
    let declare = step(&bo, "declare");
    wait_until("bo to see the declaration", || {
        bo.follow_journal();
        matches!(bo.runs.status(declare), warroom::runbook::StepStatus::Done { .. })
    });
    assert_eq!(bo.runs.by(declare), Some("ana"));
    // ana opens freeze-writes' dialog: bo is told who runs it.
    ana.select(step(&ana, "freeze-writes"));
    press(&mut ana, KeyCode::Enter);
    assert!(ana.view.modal.is_some(), "{:?}", ana.view.message);
    bo.select(step(&bo, "freeze-writes"));
    press(&mut bo, KeyCode::Enter);
    assert!(bo.view.modal.is_none());
    let said = bo.view.message.clone().unwrap_or_default();
    assert!(said.contains("running by ana@"), "{said}");
    // Both sessions are present in the store, as their heartbeats say.
    wait_until("both sessions present", || {
        let mut who: Vec<String> = ana.scribe.present().into_iter().map(|p| p.author).collect();
        who.sort();
        who == ["ana", "bo"]
    });
}

#[test]
fn with_the_claims_region_blackholed_steps_are_refused_until_break_glass() {
    use crossterm::event::KeyCode;
    let moto = common::moto::start();
    let proxy = common::proxy::Proxy::start(moto.port);
    let dir = tempfile::tempdir().unwrap();
    proxy.set(common::proxy::Fault::Blackhole);
    let mut ana = terminal_with_claims_at(&moto, dir.path(), "ana", &proxy.url());
    let press = |app: &mut warroom::app::App, code: KeyCode| {
        app.handle(warroom::app::Msg::Key(code.into()));
        settle_claims(app);
    };
    // The screen's look at the claims does not wait on the dead region: a tick stays a tick
    // (a call there waits out its 3 s deadline).
    let started = std::time::Instant::now();
    let now = ana.now;
    ana.handle(warroom::app::Msg::Tick(now + chrono::Duration::seconds(1)));
    assert!(started.elapsed() < std::time::Duration::from_secs(1), "a tick took {:?}", started.elapsed());
    let runbook = ana.view.selected_runbook;
    let declare = warroom::runbook::StepRef { runbook, step: ana.runs.runbooks[runbook].step("declare").unwrap().0 };
    ana.select(declare);
    press(&mut ana, KeyCode::Enter);
    let said = ana.view.message.clone().unwrap_or_default();
    assert!(said.contains("cannot be proven"), "{said}");
    assert!(ana.view.modal.is_none(), "no dialog without a claim");
    assert!(
        matches!(&ana.view.compose, Some(c) if matches!(c.purpose, warroom::app::Purpose::Unclaimed(..))),
        "a break-glass prompt is open"
    );
    ana.type_text("us-east-1 is burning and the claims region with it");
    press(&mut ana, KeyCode::Enter);
    assert!(matches!(ana.view.modal, Some(warroom::app::Modal::Declare { .. })), "{:?}", ana.view.message);
    press(&mut ana, KeyCode::Enter);
    assert!(matches!(ana.runs.status(declare), warroom::runbook::StepStatus::Done { .. }));
    let texts: Vec<String> = ana.scribe.timeline.entries().iter().map(|e| e.text.clone()).collect();
    assert!(
        texts.iter().any(|t| t.starts_with("break-glass: acting on declare without a claim")),
        "the break-glass is journaled: {texts:?}"
    );
}

#[test]
fn export_from_the_store_merges_every_region_in_time_order() {
    use warroom::aws::shared_journal::DynamoJournal;
    use warroom::scribe::{Draft, JournalStore, Kind};
    let moto = common::moto::start();
    let dir = tempfile::tempdir().unwrap();
    let west = common::proxy::Proxy::start(moto.port);
    regions_via([&moto.url(), &moto.url()], true);
    let skew = chrono::Duration::seconds(60);
    let t0 = chrono::Utc::now() - chrono::Duration::minutes(5);
    // ana writes to both regions; bo, while us-west-2 is away, only to us-east-1.
    let mut ana = DynamoJournal::open(
        "inc-export",
        "warroom-incidents",
        regions_via([&moto.url(), &west.url()], false),
        &dir.path().join("ana.jsonl"),
        skew,
    )
    .unwrap();
    ana.append(Draft::new(t0, "ana", Kind::Note, "first, from ana")).unwrap();
    ana.append(Draft::new(t0 + chrono::Duration::seconds(20), "ana", Kind::Note, "third, from ana")).unwrap();
    wait_until("ana's entries stored", || ana.status().spooled == 0);
    west.set(common::proxy::Fault::Reset);
    let mut bo = DynamoJournal::open(
        "inc-export",
        "warroom-incidents",
        regions_via([&moto.url(), &west.url()], false),
        &dir.path().join("bo.jsonl"),
        skew,
    )
    .unwrap();
    bo.append(Draft::new(t0 + chrono::Duration::seconds(10), "bo", Kind::Note, "second, from bo")).unwrap();
    wait_until("bo's entry in us-east-1", || bo.status().unreachable.iter().any(|(r, _)| r == "us-west-2"));

    let config = dir.path().join("warroom.toml");
    std::fs::write(
        &config,
        format!(
            "[incident]\nname = \"checkout-api\"\n\n[journal]\nstore = \"dynamodb\"\ntable = \"warroom-incidents\"\nregions = [\"us-west-2\", \"us-east-1\"]\nendpoint-url = \"{}\"\n",
            moto.url()
        ),
    )
    .unwrap();
    let out = emulator_command(dir.path())
        .args(["export", "--config"])
        .arg(&config)
        .args(["--incident", "inc-export", "--format", "csv"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let csv = String::from_utf8_lossy(&out.stdout);
    let mut rows = csv::Reader::from_reader(csv.as_bytes());
    let texts: Vec<String> = rows.records().map(|r| r.unwrap()[10].to_owned()).collect();
    assert_eq!(texts, ["first, from ana", "second, from bo", "third, from ana"], "{csv}");
}

#[test]
fn incidents_are_listed_started_by_name_and_closed() {
    let moto = common::moto::start();
    let dir = tempfile::tempdir().unwrap();
    let path = config(dir.path(), &moto.url(), "warroom-incidents");
    let regions = regions_via([&moto.url(), &moto.url()], true);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let now = chrono::Utc::now();
    let first = runtime
        .block_on(warroom::aws::incidents::open_or_start(&regions, "warroom-incidents", "checkout-api", now))
        .unwrap();
    // A second terminal on the same name joins the open one.
    let again = runtime
        .block_on(warroom::aws::incidents::open_or_start(&regions, "warroom-incidents", "checkout-api", now))
        .unwrap();
    assert_eq!(first.id, again.id);
    let listed = warroom_on(dir.path(), &["incidents"], &path);
    assert!(listed.status.success(), "{}", String::from_utf8_lossy(&listed.stderr));
    let said = String::from_utf8_lossy(&listed.stdout);
    assert!(said.starts_with(&first.id) && said.contains("OPEN"), "{said}");

    let closed = warroom_on(dir.path(), &["close", "--as", "ana"], &path);
    assert!(closed.status.success(), "{}", String::from_utf8_lossy(&closed.stderr));
    assert_eq!(String::from_utf8_lossy(&closed.stdout), format!("incident {} closed by ana\n", first.id));
    let listed = warroom_on(dir.path(), &["incidents"], &path);
    let said = String::from_utf8_lossy(&listed.stdout);
    assert!(said.contains("closed") && said.contains("by ana"), "{said}");
    // The journal has the closing entry, and the next start is a new incident.
    let (entries, _) =
        runtime.block_on(warroom::aws::shared_journal::read_incident(&regions, "warroom-incidents", &first.id));
    assert!(entries.iter().any(|e| e.text == format!("incident {} closed by ana", first.id)), "{entries:?}");
    let next = runtime
        .block_on(warroom::aws::incidents::open_or_start(
            &regions,
            "warroom-incidents",
            "checkout-api",
            now + chrono::Duration::seconds(1),
        ))
        .unwrap();
    assert_ne!(next.id, first.id, "a closed incident is nobody's default");
}

#[test]
fn kill_9_with_a_spool_then_a_restart_uploads_it_first() {
    use std::io::BufRead;
    let moto = common::moto::start();
    regions_via([&moto.url(), &moto.url()], true);
    let dir = tempfile::tempdir().unwrap();
    let spool = dir.path().join("spool.jsonl");
    let helper = common::helper_program("store_writer");
    // The store does not answer: the child spools 20 entries, acknowledging each, and dies.
    let nowhere = format!("http://127.0.0.1:{}", common::moto::free_port());
    let mut child = std::process::Command::new(&helper)
        .args([&nowhere, &spool.display().to_string(), "20"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let lines = std::io::BufReader::new(child.stdout.take().unwrap());
    let acked: Vec<String> = lines.lines().take(20).map(|l| l.unwrap().trim_start_matches("ACK ").to_owned()).collect();
    assert_eq!(acked.len(), 20);
    std::process::Command::new("kill").args(["-9", &child.id().to_string()]).status().unwrap();
    let _ = child.wait();
    // The restart reaches the store: it uploads the spool first, every entry once, in order.
    let mut restarted = std::process::Command::new(&helper)
        .args([&moto.url(), &spool.display().to_string(), "0"])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let regions = regions_via([&moto.url(), &moto.url()], false);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    wait_until("the restarted process to upload the spool to every region", || {
        regions.iter().all(|region| {
            runtime
                .block_on(warroom::aws::shared_journal::query_after(
                    &region.client,
                    "warroom-incidents",
                    "inc-kill",
                    "0",
                ))
                .is_ok_and(|stored| stored.len() >= 20)
        })
    });
    let _ = restarted.kill();
    let _ = restarted.wait();
    for region in &regions {
        let stored = runtime
            .block_on(warroom::aws::shared_journal::query_after(&region.client, "warroom-incidents", "inc-kill", "0"))
            .unwrap();
        assert_eq!(stored.into_iter().map(|e| e.id).collect::<Vec<_>>(), acked, "{}", region.name);
    }
}

#[test]
fn blackholed_store_then_restored_stores_all_fifty_once_in_order() {
    use warroom::aws::shared_journal::{DynamoJournal, query_after};
    use warroom::scribe::{Draft, JournalStore, Kind};
    let moto = common::moto::start();
    let (east, west) = (common::proxy::Proxy::start(moto.port), common::proxy::Proxy::start(moto.port));
    regions_via([&moto.url(), &moto.url()], true);
    east.set(common::proxy::Fault::Blackhole);
    west.set(common::proxy::Fault::Blackhole);
    let dir = tempfile::tempdir().unwrap();
    let regions = regions_via([&east.url(), &west.url()], false);
    let mut store = DynamoJournal::open(
        "inc-fifty",
        "warroom-incidents",
        regions,
        &dir.path().join("spool.jsonl"),
        chrono::Duration::seconds(60),
    )
    .unwrap();
    let written: Vec<String> = (0..50)
        .map(|i| store.append(Draft::new(chrono::Utc::now(), "ana", Kind::Note, format!("note {i}"))).unwrap().id)
        .collect();
    wait_until("the header to say the shared journal is unreachable", || {
        store.health().is_some_and(|h| h.contains("SHARED JOURNAL UNREACHABLE · 50 spooled"))
    });
    east.set(common::proxy::Fault::None);
    west.set(common::proxy::Fault::None);
    wait_until("the spool to flush", || store.status().spooled == 0 && store.health().is_none());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    for region in regions_via([&moto.url(), &moto.url()], false) {
        let stored = runtime.block_on(query_after(&region.client, "warroom-incidents", "inc-fifty", "0")).unwrap();
        assert_eq!(
            stored.into_iter().map(|e| e.id).collect::<Vec<_>>(),
            written,
            "{}: all 50, once, in order",
            region.name
        );
    }
}

/// Issue 24, nothing held back: a note saved just before the session ends is in the store
/// when `finish` returns, and what cannot be sent in time is named with the spool it stays in.
#[test]
fn a_note_saved_just_before_quitting_reaches_the_store_and_what_cannot_is_named() {
    use warroom::aws::shared_journal::DynamoJournal;
    use warroom::scribe::{Draft, JournalStore, Kind};
    let moto = common::moto::start();
    let dir = tempfile::tempdir().unwrap();
    regions_via([&moto.url(), &moto.url()], true);
    let skew = chrono::Duration::seconds(60);
    let west = common::proxy::Proxy::start(moto.port);
    let open = |name: &str| {
        DynamoJournal::open(
            "inc-quit",
            "warroom-incidents",
            regions_via([&moto.url(), &west.url()], false),
            &dir.path().join(format!("{name}.jsonl")),
            skew,
        )
        .unwrap()
    };
    let stored = |id: &str| -> Vec<bool> {
        regions_via([&moto.url(), &moto.url()], false)
            .into_iter()
            .map(|r| {
                let runtime = tokio::runtime::Runtime::new().unwrap();
                runtime.block_on(async {
                    r.client
                        .get_item()
                        .table_name("warroom-incidents")
                        .key("incident", aws_sdk_dynamodb::types::AttributeValue::S("inc-quit".into()))
                        .key("id", aws_sdk_dynamodb::types::AttributeValue::S(id.into()))
                        .consistent_read(true)
                        .send()
                        .await
                        .unwrap()
                        .item()
                        .is_some()
                })
            })
            .collect()
    };
    // Saved, then the session ends at once: finish returns only once both regions have it.
    let mut ana = open("ana");
    let note = ana.append(Draft::new(chrono::Utc::now(), "ana", Kind::Note, "paged the DB on-call")).unwrap();
    assert_eq!(ana.finish(std::time::Duration::from_secs(3)), Ok(None));
    assert_eq!(stored(&note.id), [true, true], "the note is in both regions when the session ends");

    // us-west-2 away: the wait is bounded, and the entry's place is named per region.
    west.set(common::proxy::Fault::Blackhole);
    let mut bo = open("bo");
    let note = bo.append(Draft::new(chrono::Utc::now(), "bo", Kind::Note, "status page updated")).unwrap();
    let started = std::time::Instant::now();
    let said = bo.finish(std::time::Duration::from_secs(3)).expect("it reached us-east-1: not a failure");
    assert!(started.elapsed() < std::time::Duration::from_secs(4), "finish took {:?}", started.elapsed());
    let said = said.expect("something is held back");
    assert!(said.starts_with("1 entries not yet in the shared journal (1 not in us-west-2)"), "{said}");
    assert!(said.contains("bo.jsonl") && said.contains("next time warroom starts"), "{said}");
    assert_eq!(stored(&note.id), [true, false]);
}

/// Issue 24: `warroom store flush` uploads this machine's spools of an incident without the
/// dashboard; an entry that reaches no region fails it, and says where the entry stays.
#[test]
fn store_flush_uploads_a_spool_without_the_dashboard() {
    use warroom::aws::shared_journal::{DynamoJournal, query_after};
    use warroom::scribe::{Draft, JournalStore, Kind};
    let moto = common::moto::start();
    let proxy = common::proxy::Proxy::start(moto.port);
    regions_via([&moto.url(), &moto.url()], true);
    let dir = tempfile::tempdir().unwrap();
    let path = config(dir.path(), &proxy.url(), "warroom-incidents");
    // A session that could not reach the store left three entries in its spool.
    proxy.set(common::proxy::Fault::Blackhole);
    let spool = dir.path().join("warroom").join("spool").join("inc-flush-ana.jsonl");
    let written: Vec<String> = {
        let mut journal = DynamoJournal::open(
            "inc-flush",
            "warroom-incidents",
            regions_via([&proxy.url(), &proxy.url()], false),
            &spool,
            chrono::Duration::seconds(60),
        )
        .unwrap();
        (0..3)
            .map(|i| journal.append(Draft::new(chrono::Utc::now(), "ana", Kind::Note, format!("note {i}"))).unwrap().id)
            .collect()
    };
    let flush = || {
        emulator_command(dir.path())
            .args(["store", "flush", "--incident", "inc-flush", "--wait", "3s", "--config"])
            .arg(&path)
            .output()
            .unwrap()
    };
    let refused = flush();
    let said = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1), "{said}");
    assert!(said.contains("inc-flush-ana.jsonl") && said.contains("3 reached no region at all"), "{said}");

    proxy.set(common::proxy::Fault::None);
    let flushed = flush();
    assert!(flushed.status.success(), "{}", String::from_utf8_lossy(&flushed.stderr));
    let said = String::from_utf8_lossy(&flushed.stdout);
    assert!(said.contains("inc-flush-ana.jsonl: 3 entries, in every region"), "{said}");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    for region in regions_via([&moto.url(), &moto.url()], false) {
        let stored = runtime.block_on(query_after(&region.client, "warroom-incidents", "inc-flush", "0")).unwrap();
        assert_eq!(stored.into_iter().map(|e| e.id).collect::<Vec<_>>(), written, "{}", region.name);
    }
    // A journal file has no spool: said so, not pretended.
    let file = dir.path().join("file.toml");
    std::fs::write(&file, "[incident]\nname = \"x\"\n\n[[regions]]\nname = \"us-east-1\"\nrole = \"primary\"\n\n[[regions]]\nname = \"us-west-2\"\nrole = \"secondary\"\n").unwrap();
    let out = emulator_command(dir.path())
        .args(["store", "flush", "--config"])
        .arg(&file)
        .output()
        .map(common::no_debug_text)
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no spool to flush"));
}

/// A terminal on `incident` with `role`, reading the world itself (`polls`) or drawing
/// another's (a `--follow` terminal), with short fact-writer leases.
fn team_terminal(
    moto: &common::moto::Moto,
    dir: &std::path::Path,
    incident: &str,
    author: &str,
    role: warroom::scribe::roles::TeamRole,
    polls: bool,
) -> warroom::app::App {
    let mut app = store_terminal(moto, dir, incident, author, Some(role), &moto.url());
    app.facts.lease = chrono::Duration::seconds(3);
    app.set_polling(polls);
    app
}

/// The store's record of `incident`, merged from every region.
fn stored(moto: &common::moto::Moto, incident: &str) -> Vec<warroom::scribe::Entry> {
    let regions = regions_via([&moto.url(), &moto.url()], false);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (entries, failed) =
        runtime.block_on(warroom::aws::shared_journal::read_incident(&regions, "warroom-incidents", incident));
    assert!(failed.is_empty(), "{failed:?}");
    entries
}

/// Derived entries in the store, by the session that wrote them.
fn derived_sessions(entries: &[warroom::scribe::Entry]) -> std::collections::BTreeMap<String, usize> {
    let mut by = std::collections::BTreeMap::new();
    for e in entries.iter().filter(|e| !warroom::scribe::journal::takes_time(e.kind, e.data.as_ref())) {
        *by.entry(e.session.clone().unwrap_or_default().split('@').next().unwrap_or("").to_owned()).or_insert(0) += 1;
    }
    by
}

/// Issue 24 on the DynamoDB store: three live terminals (commander, operator, a `--follow`
/// scribe) write every derived fact once, none from the follower; a fact writer killed
/// with its lease is taken over within the lease; notes saved just before quitting are in
/// the store at once; the record is in time order.
#[test]
fn three_terminals_on_the_store_leave_one_true_record() {
    use warroom::scribe::roles::TeamRole;
    use warroom::scribe::{Draft, Kind};
    let moto = common::moto::start();
    regions_via([&moto.url(), &moto.url()], true);
    let dir = tempfile::tempdir().unwrap();
    let incident = "inc-three";
    let mut ana = team_terminal(&moto, dir.path(), incident, "ana", TeamRole::Commander, true);
    let mut bo = team_terminal(&moto, dir.path(), incident, "bo", TeamRole::Operator, true);
    let mut cy = team_terminal(&moto, dir.path(), incident, "cy", TeamRole::Scribe, false);
    let config = warroom::config::Config::demo();
    let world = warroom::sources::sim::SharedWorld::new(
        warroom::sim::World::new(&config.regions, 11, ana.now, warroom::sim::demo_timeline())
            .with_signals(&config.thresholds.signals),
    );
    let mut t = ana.now;
    let round = |apps: &mut [&mut warroom::app::App], t: &mut chrono::DateTime<chrono::Utc>, only: Option<usize>| {
        *t += config.incident.poll_interval;
        let updates: Vec<warroom::model::Update> = warroom::sources::sim::poll_all(&world, *t)
            .into_iter()
            .filter(|u| only.is_none_or(|r| u.region == r))
            .collect();
        for app in apps.iter_mut() {
            app.poll_round(updates.clone(), [], *t);
            app.follow_journal();
        }
        std::thread::sleep(std::time::Duration::from_millis(250));
    };
    // 20 seconds of three live terminals on the demo's outage.
    for _ in 0..80 {
        round(&mut [&mut ana, &mut bo, &mut cy], &mut t, None);
    }
    let writers: Vec<&str> =
        [&ana, &bo, &cy].iter().filter(|a| a.writes_facts()).map(|a| a.scribe.author.as_str()).collect();
    assert_eq!(writers.len(), 1, "one fact writer: {writers:?}");
    assert_ne!(writers, ["cy"]);
    let holder = writers[0].to_owned();
    std::thread::sleep(std::time::Duration::from_secs(2));
    let entries = stored(&moto, incident);
    let by = derived_sessions(&entries);
    assert_eq!(by.keys().collect::<Vec<_>>(), [&holder], "every derived fact from the fact writer: {by:?}");
    let mut texts: Vec<(&str, chrono::DateTime<chrono::Utc>)> = entries
        .iter()
        .filter(|e| e.kind == Kind::Observation && e.author == "warroom")
        .map(|e| (e.text.as_str(), e.at))
        .collect();
    let all = texts.len();
    texts.sort();
    texts.dedup();
    assert_eq!(texts.len(), all, "an observation is in the store once");
    assert!(all >= 2, "the outage was observed: {all}");

    // The fact writer dies holding its lease: the other polling terminal takes it over within
    // the lease, and the facts go on (us-west-2 starts failing: said once, by the new writer).
    let (mut survivor, dead) = if holder == "ana" { (bo, ana) } else { (ana, bo) };
    std::mem::forget(dead);
    let mut dee = team_terminal(&moto, dir.path(), incident, "dee", TeamRole::Operator, true);
    let took = std::time::Instant::now();
    while !survivor.writes_facts() && !dee.writes_facts() {
        assert!(took.elapsed() < std::time::Duration::from_secs(8), "nobody took the lease over");
        round(&mut [&mut survivor, &mut cy, &mut dee], &mut t, None);
    }
    world.lock().inject(1, warroom::sim::Fault::RegionOutage { error_percent: 40.0, ramp: chrono::Duration::zero() });
    for _ in 0..12 {
        round(&mut [&mut survivor, &mut cy, &mut dee], &mut t, None);
    }
    std::thread::sleep(std::time::Duration::from_secs(2));
    let entries = stored(&moto, incident);
    let by = derived_sessions(&entries);
    let next = if survivor.writes_facts() { survivor.scribe.author.clone() } else { "dee".to_owned() };
    assert!(by.contains_key(&next), "the facts went on at {next}: {by:?}");
    assert!(!by.contains_key("cy"), "{by:?}");
    let west: Vec<&str> = entries
        .iter()
        .filter(|e| e.region.as_deref() == Some("us-west-2") && e.text.starts_with("5xx rate"))
        .map(|e| e.text.as_str())
        .collect();
    assert_eq!(west.len(), 1, "{west:?}");

    // Each saves a note and quits at once: every note is in the store when they are gone.
    let quit = std::time::Instant::now();
    for app in [&mut survivor, &mut cy, &mut dee] {
        let who = app.scribe.author.clone();
        app.scribe.record(Draft::new(app.now, who.clone(), Kind::Note, format!("{who}'s last word"))).unwrap();
        app.end_session(&format!("{who} quit"));
        assert_eq!(app.scribe.finish(std::time::Duration::from_secs(3)), Ok(None));
    }
    let entries = stored(&moto, incident);
    assert!(quit.elapsed() < std::time::Duration::from_secs(10));
    for who in [survivor.scribe.author.as_str(), "cy", "dee"] {
        let last = format!("{who}'s last word");
        assert!(entries.iter().any(|e| e.text == last), "{last} is in the store");
        assert!(entries.iter().any(|e| e.text.starts_with(&format!("{who} quit"))), "{who}'s end is in the store");
    }
    assert!(entries.windows(2).all(|w| w[0].at <= w[1].at), "the store's record is in time order");
    assert!(entries.iter().all(|e| e.session.is_some()), "every entry names its session");
}

/// Issue 24: a machine whose clock runs ahead beyond `clock-skew` is journaled once, by the
/// fact writer, and its entries keep their own times.
#[test]
fn a_clock_ahead_beyond_the_skew_is_journaled_once() {
    use warroom::scribe::roles::TeamRole;
    use warroom::scribe::{Draft, Kind};
    let moto = common::moto::start();
    regions_via([&moto.url(), &moto.url()], true);
    let dir = tempfile::tempdir().unwrap();
    let mut ana = team_terminal(&moto, dir.path(), "inc-skew", "ana", TeamRole::Commander, true);
    let mut bo = team_terminal(&moto, dir.path(), "inc-skew", "bo", TeamRole::Operator, false);
    // bo's clock runs 90 s ahead (the store's clock-skew is 60 s).
    let ahead = chrono::Utc::now() + chrono::Duration::seconds(90);
    bo.scribe.record(Draft::new(ahead, "bo", Kind::Note, "paged the DB on-call")).unwrap();
    assert_eq!(bo.scribe.finish(std::time::Duration::from_secs(3)), Ok(None));
    let skews = |app: &warroom::app::App| {
        app.scribe
            .timeline
            .entries()
            .iter()
            .filter(|e| e.event() == Some(warroom::scribe::data::Event::ClockSkew))
            .count()
    };
    wait_until("the fact writer to journal the skew", || {
        ana.follow_journal();
        ana.handle(warroom::app::Msg::Tick(chrono::Utc::now()));
        skews(&ana) == 1
    });
    for _ in 0..8 {
        ana.follow_journal();
        ana.handle(warroom::app::Msg::Tick(chrono::Utc::now()));
        std::thread::sleep(std::time::Duration::from_millis(250));
    }
    assert_eq!(skews(&ana), 1, "once");
    let said = ana.scribe.timeline.entries().iter().find(|e| e.text.contains("runs")).unwrap().text.clone();
    assert!(
        said.starts_with("the clock of bo@") && said.contains("ahead of this terminal's (clock-skew 60s)"),
        "{said}"
    );
    let note = ana.scribe.timeline.entries().iter().find(|e| e.text == "paged the DB on-call").unwrap();
    assert_eq!(note.at, ahead, "placed by its own time");
}

/// Issue 24: a live session whose clock runs behind (its heartbeat keeps moving, but reads
/// two and a half minutes old) is journaled once by the fact writer; a dead session's old
/// heartbeat, which does not move, is not.
#[test]
fn a_live_clock_behind_beyond_the_skew_is_journaled_once_and_a_dead_session_is_not() {
    use warroom::scribe::presence::Presence;
    use warroom::scribe::roles::TeamRole;
    let moto = common::moto::start();
    regions_via([&moto.url(), &moto.url()], true);
    let dir = tempfile::tempdir().unwrap();
    let mut ana = team_terminal(&moto, dir.path(), "inc-behind", "ana", TeamRole::Commander, true);
    let client = regions_via([&moto.url(), &moto.url()], false)[0].client.clone();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let put = |who: &str, pid: u32, beat: chrono::DateTime<chrono::Utc>| {
        let p = Presence {
            author: who.into(),
            host: "far".into(),
            pid,
            since: beat,
            role: Some(TeamRole::Operator),
            heartbeat: Some(beat),
            identity: None,
        };
        runtime
            .block_on(
                client
                    .put_item()
                    .table_name("warroom-incidents")
                    .item("incident", aws_sdk_dynamodb::types::AttributeValue::S("inc-behind#presence".into()))
                    .item("id", aws_sdk_dynamodb::types::AttributeValue::S(format!("far-{pid}-x")))
                    .item("presence", aws_sdk_dynamodb::types::AttributeValue::S(serde_json::to_string(&p).unwrap()))
                    .send(),
            )
            .unwrap();
    };
    // zed's clock is 150 s behind and its session beats every second; yan died 10 min ago.
    put("yan", 2, chrono::Utc::now() - chrono::Duration::minutes(10));
    let skews = |app: &warroom::app::App| -> Vec<String> {
        app.scribe
            .timeline
            .entries()
            .iter()
            .filter(|e| e.event() == Some(warroom::scribe::data::Event::ClockSkew))
            .map(|e| e.text.clone())
            .collect()
    };
    let started = std::time::Instant::now();
    while started.elapsed() < std::time::Duration::from_secs(20) {
        put("zed", 1, chrono::Utc::now() - chrono::Duration::seconds(150));
        ana.follow_journal();
        ana.handle(warroom::app::Msg::Tick(chrono::Utc::now()));
        if !skews(&ana).is_empty() && started.elapsed() > std::time::Duration::from_secs(12) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    let said = skews(&ana);
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(
        said[0].starts_with("the clock of zed@far:1 runs 2m3") && said[0].contains("behind this terminal's"),
        "{said:?}"
    );
    // zed is there (its heartbeat moves), for approvals and the header; yan is gone.
    put("zed", 1, chrono::Utc::now() - chrono::Duration::seconds(150));
    let present: Vec<String> = ana.scribe.present().into_iter().map(|p| p.author).collect();
    assert!(present.contains(&"zed".to_owned()) && !present.contains(&"yan".to_owned()), "{present:?}");
}
