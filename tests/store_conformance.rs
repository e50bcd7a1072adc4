//! The shared-store conformance suite: what every journal store and claim store must do when
//! several terminals share one incident. Written against the traits, so the distributed store
//! runs the same checks; here it runs on the file store.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::HashSet;
use std::path::Path;

use chrono::{DateTime, Duration, TimeZone, Utc};
use warroom::scribe::claims::{ClaimStore, Claimed, FileClaims, Holder};
use warroom::scribe::{Draft, FileJournal, JournalStore, Kind};

fn t(seconds: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 8, 31, 0).unwrap() + Duration::seconds(seconds)
}

fn holder(author: &str, pid: u32) -> Holder {
    Holder { author: author.into(), host: "bastion".into(), pid }
}

const LEASE: Duration = Duration::seconds(30);

// ---- the checks, generic over how a store for "terminal N" is made ----

/// Follow until `n` entries arrived (a distributed store delivers in the background).
fn follow_until(store: &mut dyn JournalStore, n: usize) -> Vec<warroom::scribe::Entry> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let mut got = Vec::new();
    while got.len() < n && std::time::Instant::now() < deadline {
        got.extend(store.follow().unwrap());
        if got.len() < n {
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }
    got
}

fn two_writers_interleave_in_one_order(open: &dyn Fn() -> Box<dyn JournalStore>) {
    let (mut a, mut b) = (open(), open());
    let note = |text: &str| Draft::new(t(0), "ana", Kind::Note, text);
    let mut seen_a = vec![a.append(note("a1")).unwrap()];
    let mut seen_b = vec![b.append(note("b1")).unwrap()];
    seen_a.push(a.append(note("a2")).unwrap());
    seen_b.push(b.append(note("b2")).unwrap());
    // A distributed store delivers in the background: follow until each has all four.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while (seen_a.len() < 4 || seen_b.len() < 4) && std::time::Instant::now() < deadline {
        seen_a.extend(a.follow().unwrap());
        seen_b.extend(b.follow().unwrap());
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    a.order(&mut seen_a);
    b.order(&mut seen_b);
    let texts = |v: &[warroom::scribe::Entry]| v.iter().map(|e| e.text.clone()).collect::<Vec<_>>();
    assert_eq!(texts(&seen_a).len(), 4, "a sees every entry: {:?}", texts(&seen_a));
    assert_eq!(texts(&seen_a), texts(&seen_b), "both terminals see the same entries in the same order");
    let ids: HashSet<&str> = seen_a.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids.len(), 4, "four entries, four ids");
}

fn eight_concurrent_claimants_one_wins(open: &(dyn Fn() -> Box<dyn ClaimStore> + Sync)) {
    let winners: Vec<bool> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|i| {
                s.spawn(move || {
                    let mut store = open();
                    matches!(
                        store.claim("failover/freeze-writes", &holder("op", i), t(0), LEASE).unwrap(),
                        Claimed::Won(_)
                    )
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(winners.iter().filter(|w| **w).count(), 1, "exactly one of 8 claimants wins: {winners:?}");
}

fn a_lease_expires_and_is_taken_over(open: &dyn Fn() -> Box<dyn ClaimStore>) {
    let (ana, bob) = (holder("ana", 1), holder("bob", 2));
    let (mut a, mut b) = (open(), open());
    let step = "failover/promote-database";
    assert!(matches!(a.claim(step, &ana, t(0), LEASE).unwrap(), Claimed::Won(_)));
    match b.claim(step, &bob, t(10), LEASE).unwrap() {
        Claimed::Held(c) => assert_eq!((c.holder.to_string(), c.since), ("ana@bastion".to_owned(), t(0))),
        other => panic!("expected held, got {other:?}"),
    }
    assert!(a.renew(step, &ana, t(20), LEASE).unwrap(), "the holder renews while the step runs");
    assert!(matches!(b.claim(step, &bob, t(45), LEASE).unwrap(), Claimed::Held(_)), "renewed to t+50");
    // ana's terminal died: nothing renews, the lease runs out.
    assert!(matches!(b.claim(step, &bob, t(51), LEASE).unwrap(), Claimed::Expired(c) if c.holder == ana));
    assert!(matches!(b.take_over(step, &bob, t(52), LEASE).unwrap(), Claimed::Won(c) if c.holder == bob));
    assert!(!a.renew(step, &ana, t(53), LEASE).unwrap(), "the old holder learns it lost the claim");
    a.release(step, &ana).unwrap();
    assert_eq!(b.current(step).unwrap().unwrap().holder, bob, "releasing another's claim does nothing");
    b.release(step, &bob).unwrap();
    assert!(matches!(a.claim(step, &ana, t(60), LEASE).unwrap(), Claimed::Won(_)), "a released step is free");
}

fn a_live_claim_cannot_be_taken_over(open: &dyn Fn() -> Box<dyn ClaimStore>) {
    let (mut a, mut b) = (open(), open());
    a.claim("s", &holder("ana", 1), t(0), LEASE).unwrap();
    assert!(matches!(b.take_over("s", &holder("bob", 2), t(5), LEASE).unwrap(), Claimed::Held(_)));
}

// ---- the file store ----

fn file_journal(path: &Path) -> impl Fn() -> Box<dyn JournalStore> + '_ {
    move || Box::new(FileJournal::open(path).unwrap().journal) as Box<dyn JournalStore>
}

fn file_claims(path: &Path) -> impl Fn() -> Box<dyn ClaimStore> + Sync + '_ {
    // Claims are made on a journal, whose file is their lock.
    drop(FileJournal::open(path).unwrap());
    move || Box::new(FileClaims::beside(path)) as Box<dyn ClaimStore>
}

#[test]
fn file_store_two_writers_interleave_in_one_order() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.jsonl");
    two_writers_interleave_in_one_order(&file_journal(&path));
    // The file store's one order is `seq`, 1 to 4 in the file.
    let seqs: Vec<u64> = warroom::scribe::journal::read_file(&path).unwrap().0.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, [1, 2, 3, 4]);
}

#[test]
fn file_store_eight_concurrent_claimants_one_wins() {
    for round in 0..5 {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(format!("j{round}.jsonl"));
        eight_concurrent_claimants_one_wins(&file_claims(&path));
    }
}

#[test]
fn file_store_a_lease_expires_and_is_taken_over() {
    let dir = tempfile::tempdir().unwrap();
    a_lease_expires_and_is_taken_over(&file_claims(&dir.path().join("j.jsonl")));
}

#[test]
fn released_claims_leave_nothing_beside_the_journal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.jsonl");
    let mut store = file_claims(&path)();
    let me = holder("ana", 1);
    assert!(matches!(store.claim("s", &me, t(0), LEASE).unwrap(), Claimed::Won(_)));
    assert!(dir.path().join("j.jsonl.d/claims.json").exists());
    store.release("s", &me).unwrap();
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(left, ["j.jsonl"], "only the journal is left");
}

#[test]
fn file_store_a_live_claim_cannot_be_taken_over() {
    let dir = tempfile::tempdir().unwrap();
    a_live_claim_cannot_be_taken_over(&file_claims(&dir.path().join("j.jsonl")));
}

fn an_observation_written_by_two_terminals_is_stored_once(open: &dyn Fn() -> Box<dyn JournalStore>) {
    use warroom::scribe::Observed;
    let (mut a, mut b) = (open(), open());
    let crossed = || {
        Draft::new(t(0), "warroom", Kind::Observation, "5xx rate 6.00% is above the 5% threshold")
            .region("us-east-1")
            .data(Observed::ThresholdCrossed { signal: "error-rate".into(), value: 6.0, threshold: 5.0 }.data())
    };
    let stored = a.append_observation(crossed()).unwrap().unwrap();
    let observation = crossed().observation_id().unwrap();
    assert!(stored.id.ends_with(&observation), "the id is the state, transition and time's: {}", stored.id);
    assert!(b.append_observation(crossed()).unwrap().is_none(), "b's identical observation is dropped");
    let later = Draft { at: t(1), ..crossed() };
    assert_ne!(later.observation_id(), crossed().observation_id(), "another reading's time is another id");
    let recovered = Draft::new(t(60), "warroom", Kind::Observation, "back under")
        .region("us-east-1")
        .data(Observed::ThresholdRecovered { signal: "error-rate".into(), value: 3.0, threshold: 5.0 }.data());
    assert!(b.append_observation(recovered).unwrap().is_some(), "a new transition is written");
    assert!(a.append_observation(crossed()).unwrap().is_some(), "and crossing again is news again");
    let other_region = crossed().region("us-west-2");
    assert!(b.append_observation(other_region).unwrap().is_some(), "another region's state is its own");
}

#[test]
fn file_store_an_observation_written_by_two_terminals_is_stored_once() {
    let dir = tempfile::tempdir().unwrap();
    an_observation_written_by_two_terminals_is_stored_once(&file_journal(&dir.path().join("j.jsonl")));
}

fn approval_by_a_second_commander_and_no_self_approval_without_a_reason(open: &dyn Fn() -> Box<dyn JournalStore>) {
    use warroom::scribe::approvals::{self, Approver};
    use warroom::scribe::runs::open_requests;
    let (mut bo_terminal, mut ana_terminal) = (open(), open());
    let mut seen =
        vec![bo_terminal.append(approvals::request("failover", "promote-database", "us-west-2", "bo", t(0))).unwrap()];
    // ana's terminal learns of the request by following the store.
    let mut ana_seen = follow_until(&mut *ana_terminal, 1);
    assert_eq!(ana_seen.len(), 1);
    let open_now = open_requests(&ana_seen);
    let request = &open_now[&("failover".to_owned(), "promote-database".to_owned())];
    assert_eq!((request.requester.as_str(), request.approved_by.as_deref()), ("bo", None));

    let me = |author, other: Option<&str>, reason| Approver {
        author,
        other_commander: other.map(str::to_owned),
        break_glass: reason,
    };
    // The requester may not approve their own request without a reason, nor with another
    // commander present even with one.
    let refused = approvals::approve(&seen, "promote-database", "us-west-2", &me("bo", None, None), t(1)).unwrap_err();
    assert!(refused.contains("your own request"), "{refused}");
    let refused = approvals::approve(
        &seen,
        "promote-database",
        "us-west-2",
        &me("bo", Some("ana@bastion"), Some("db is on fire")),
        t(1),
    )
    .unwrap_err();
    assert!(refused.contains("another commander"), "{refused}");
    // The region must be typed exactly.
    let refused =
        approvals::approve(&ana_seen, "promote-database", "us-east-1", &me("ana", None, None), t(1)).unwrap_err();
    assert!(refused.contains("does not match"), "{refused}");

    // A second commander approves; the requester's terminal sees it approved, by ana.
    let draft = approvals::approve(&ana_seen, "promote-database", "us-west-2", &me("ana", None, None), t(2)).unwrap();
    ana_seen.push(ana_terminal.append(draft).unwrap());
    seen.extend(follow_until(&mut *bo_terminal, 1));
    let request = &open_requests(&seen)[&("failover".to_owned(), "promote-database".to_owned())];
    assert_eq!(request.approved_by.as_deref(), Some("ana"));
    assert!(request.break_glass.is_none());
    let again = approvals::approve(&seen, "promote-database", "us-west-2", &me("cy", None, None), t(3)).unwrap_err();
    assert!(again.contains("already approved by ana"), "{again}");

    // Alone, a commander approves their own request with a break-glass reason.
    seen.push(bo_terminal.append(approvals::request("failover", "shift-traffic", "us-west-2", "bo", t(4))).unwrap());
    let draft =
        approvals::approve(&seen, "shift-traffic", "us-west-2", &me("bo", None, Some("ana lost her connection")), t(5))
            .unwrap();
    seen.push(bo_terminal.append(draft).unwrap());
    let request = &open_requests(&seen)[&("failover".to_owned(), "shift-traffic".to_owned())];
    assert_eq!(request.approved_by.as_deref(), Some("bo"));
    assert_eq!(request.break_glass.as_deref(), Some("ana lost her connection"));
}

#[test]
fn file_store_approval_by_a_second_commander_and_no_self_approval_without_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    approval_by_a_second_commander_and_no_self_approval_without_a_reason(&file_journal(&dir.path().join("j.jsonl")));
}

/// Three writers are open when the journal is deleted (`delete`); the first to notice puts
/// it back with the history it follows, the others carry on in the new one, and nothing any
/// of them acknowledged is missing, in one order.
fn a_journal_deleted_under_three_writers_is_recreated_with_every_entry(
    open: &dyn Fn() -> Box<dyn JournalStore>,
    delete: &dyn Fn(),
    read_all: &dyn Fn() -> Vec<warroom::scribe::Entry>,
) {
    let mut writers: Vec<(Box<dyn JournalStore>, Vec<warroom::scribe::Entry>)> =
        (0..3).map(|_| (open(), Vec::new())).collect();
    let note = |text: String| Draft::new(t(0), "ana", Kind::Note, text);
    for round in 0..3 {
        for (i, (store, seen)) in writers.iter_mut().enumerate() {
            seen.push(store.append(note(format!("w{i} r{round}"))).unwrap());
        }
    }
    for (store, seen) in &mut writers {
        seen.extend(store.follow().unwrap());
        seen.sort_by_key(|e| e.seq);
    }
    delete();
    let mut recreated = 0;
    for (store, seen) in &mut writers {
        if store.verify(seen).unwrap().is_some() {
            recreated += 1;
        }
    }
    assert_eq!(recreated, 1, "exactly one writer re-creates the journal; the others follow it");
    for (i, (store, seen)) in writers.iter_mut().enumerate() {
        seen.push(store.append(note(format!("w{i} after"))).unwrap());
    }
    let all = read_all();
    let seqs: Vec<u64> = all.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=12).collect::<Vec<_>>(), "one order, nothing twice, nothing missing");
    for (_, seen) in &writers {
        for e in seen {
            assert!(all.iter().any(|a| a.id == e.id), "acknowledged entry {} is in the journal", e.text);
        }
    }
}

#[test]
fn file_store_a_journal_deleted_under_three_writers_is_recreated_with_every_entry() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.jsonl");
    a_journal_deleted_under_three_writers_is_recreated_with_every_entry(
        &file_journal(&path),
        &|| std::fs::remove_file(&path).unwrap(),
        &|| warroom::scribe::journal::read_file(&path).unwrap().0,
    );
}

// ---- the DynamoDB store, on the emulator ----

/// A claims table in the emulator, and a factory of claim stores on it (one per "terminal").
fn dynamo_claims(moto: &common::moto::Moto, incident: &str) -> impl Fn() -> Box<dyn ClaimStore> + Sync {
    let client = common::store::regions([&moto.url(), &moto.url()], true).remove(0).client;
    let incident = incident.to_owned();
    move || {
        let store = warroom::aws::shared_claims::DynamoClaims::new(
            client.clone(),
            "warroom-incidents",
            &incident,
            "us-east-1",
            std::time::Duration::from_secs(10),
        )
        .unwrap();
        Box::new(store) as Box<dyn ClaimStore>
    }
}

#[test]
fn dynamodb_store_claims_conform() {
    let moto = common::moto::start();
    for round in 0..3 {
        eight_concurrent_claimants_one_wins(&dynamo_claims(&moto, &format!("inc-race-{round}")));
    }
    a_lease_expires_and_is_taken_over(&dynamo_claims(&moto, "inc-lease"));
    a_live_claim_cannot_be_taken_over(&dynamo_claims(&moto, "inc-live"));
    // Released, a claim leaves no item behind.
    let mut store = dynamo_claims(&moto, "inc-release")();
    let me = holder("ana", 1);
    assert!(matches!(store.claim("s", &me, t(0), LEASE).unwrap(), Claimed::Won(_)));
    assert_eq!(store.all().unwrap().len(), 1);
    store.release("s", &me).unwrap();
    assert!(store.all().unwrap().is_empty());
}

#[test]
fn dynamodb_claims_unreachable_cannot_be_proven() {
    // Nothing listens on this port: the claim is an error that says claims cannot be proven.
    let port = common::moto::free_port();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let client = runtime.block_on(async {
        let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("us-east-1"))
            .endpoint_url(format!("http://127.0.0.1:{port}"))
            .credentials_provider(common::aws_world::credentials())
            .load()
            .await;
        aws_sdk_dynamodb::Client::new(&config)
    });
    let mut store = warroom::aws::shared_claims::DynamoClaims::new(
        client,
        "warroom-incidents",
        "inc",
        "us-east-1",
        std::time::Duration::from_secs(2),
    )
    .unwrap();
    let e = store.claim("s", &holder("ana", 1), t(0), LEASE).unwrap_err().to_string();
    assert!(e.contains("us-east-1"), "{e}");
}

/// A journal store on the emulator's table for `incident`, in one or two regions (both are
/// the one emulator: each region a table of the same name, as `[journal] regions` allows).
fn dynamo_journal(moto: &common::moto::Moto, incident: &str) -> impl Fn() -> Box<dyn JournalStore> {
    let regions = common::store::regions([&moto.url(), &moto.url()], true);
    let dir = tempfile::tempdir().unwrap().keep();
    let incident = incident.to_owned();
    let count = std::cell::Cell::new(0);
    move || {
        count.set(count.get() + 1);
        let spool = dir.join(format!("spool-{}.jsonl", count.get()));
        let store = warroom::aws::shared_journal::DynamoJournal::open(
            &incident,
            "warroom-incidents",
            regions.clone(),
            &spool,
            Duration::seconds(60),
        )
        .unwrap();
        Box::new(store) as Box<dyn JournalStore>
    }
}

#[test]
fn dynamodb_store_two_writers_interleave_in_one_order() {
    let moto = common::moto::start();
    two_writers_interleave_in_one_order(&dynamo_journal(&moto, "inc-order"));
}

#[test]
fn dynamodb_store_approval_by_a_second_commander_and_no_self_approval_without_a_reason() {
    let moto = common::moto::start();
    approval_by_a_second_commander_and_no_self_approval_without_a_reason(&dynamo_journal(&moto, "inc-approval"));
}

/// Clients for both regions at `url` (the emulator, or a port nothing answers on).
fn store_regions(url: &str, init: bool) -> Vec<warroom::aws::shared_journal::StoreRegion> {
    common::store::regions([url, url], init)
}

#[test]
fn dynamodb_store_spools_while_unreachable_and_a_restart_uploads_the_spool_first() {
    use warroom::aws::shared_journal::{DynamoJournal, query_after};
    let moto = common::moto::start();
    let dir = tempfile::tempdir().unwrap();
    let spool = dir.path().join("spool.jsonl");
    let reachable = store_regions(&moto.url(), true);
    let nowhere = store_regions(&format!("http://127.0.0.1:{}", common::moto::free_port()), false);

    // The store does not answer: every append is still acknowledged, from the spool.
    let mut store =
        DynamoJournal::open("inc-spool", "warroom-incidents", nowhere, &spool, Duration::seconds(60)).unwrap();
    let mut written = Vec::new();
    for i in 0..50 {
        written.push(store.append(Draft::new(t(i), "ana", Kind::Note, format!("note {i}"))).unwrap().id);
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while store.status().unreachable.is_empty() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let status = store.status();
    assert_eq!(status.spooled, 50, "{status:?}");
    assert!(!status.unreachable.is_empty(), "{status:?}");
    drop(store); // as a killed process leaves it: the spool holds all 50

    // A restart with the store answering uploads the spool first: all 50, once, in order.
    let store = DynamoJournal::open("inc-spool", "warroom-incidents", reachable.clone(), &spool, Duration::seconds(60))
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while store.status().spooled > 0 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(store.status().spooled, 0, "{:?}", store.status());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    for region in &reachable {
        let stored = runtime.block_on(query_after(&region.client, "warroom-incidents", "inc-spool", "0")).unwrap();
        let ids: Vec<String> = stored.into_iter().map(|e| e.id).collect();
        assert_eq!(ids, written, "{}: every entry once, in order", region.name);
    }
}

#[test]
fn dynamodb_store_an_observation_written_by_two_terminals_is_stored_once() {
    use warroom::scribe::Observed;
    let moto = common::moto::start();
    let open = dynamo_journal(&moto, "inc-observed");
    let (mut a, mut b) = (open(), open());
    let crossed = || {
        Draft::new(t(0), "warroom", Kind::Observation, "5xx rate 6.00% is above the 5% threshold")
            .region("us-east-1")
            .data(Observed::ThresholdCrossed { signal: "error-rate".into(), value: 6.0, threshold: 5.0 }.data())
    };
    // Both saw the same reading and write it before hearing of the other's: one id, one item.
    let from_a = a.append_observation(crossed()).unwrap().unwrap();
    let from_b = b.append_observation(crossed()).unwrap().unwrap();
    assert_eq!(from_a.id, from_b.id);
    assert!(from_a.id.ends_with(&crossed().observation_id().unwrap()), "{}", from_a.id);
    assert!(from_a.id.starts_with(&format!("{:013}-", t(0).timestamp_millis())), "sorted by its time: {}", from_a.id);
    // A terminal that has read it does not write it again.
    let mut c = open();
    assert!(
        follow_until(&mut *c, 1).iter().any(|e| e.id == from_a.id),
        "a third terminal reads the observation from the store"
    );
    assert!(c.append_observation(crossed()).unwrap().is_none(), "seen: not written again");
    let regions = store_regions(&moto.url(), false);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (stored, _) =
        runtime.block_on(warroom::aws::shared_journal::read_incident(&regions, "warroom-incidents", "inc-observed"));
    assert_eq!(stored.iter().filter(|e| e.id == from_a.id).count(), 1, "stored once: {stored:?}");
}
