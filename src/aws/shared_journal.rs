//! The incident's entries in DynamoDB (`[journal] store = "dynamodb"`), for teams on many
//! machines. Work in progress for issue 14: appends, the spool, upload and follow.
//!
//! - An entry is acknowledged once it is fsynced to a local spool file; appends never wait
//!   on the network. A background thread uploads the spool in order to every region of
//!   `regions`, as immutable items keyed by incident and a sortable, collision-free id
//!   (time, session, counter). A put is conditional on the id being absent, so a retried
//!   put of a stored entry is a no-op. Each region keeps its own upload position in the
//!   spool, so one that is down catches up later without the others waiting.
//! - The same thread follows: a `Query` per region for ids after the newest it has seen,
//!   less the clock-skew window (a writer whose clock runs behind is not missed). Regions
//!   are merged and de-duplicated by id. `follow` hands over what arrived, and never waits.
//! - `seq` is this terminal's arrival order: a distributed store has no single writer to
//!   number entries, so the store's order is the ids' order, which export uses.

use std::collections::HashSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};

use super::error::{AwsError, explain};
use super::journal_table::{PARTITION, SORT};
use super::shared_claims::QUERY;
use crate::scribe::journal::{JournalError, JournalStore};
use crate::scribe::{Draft, Entry};

const PUT_ITEM: super::error::Call = super::error::PUT_ITEM;
/// How often the background thread uploads what is spooled (an entry goes out within this).
const CADENCE: StdDuration = StdDuration::from_millis(200);
/// How often it asks each region for others' entries: one `Query` a second per region keeps
/// an idle terminal's reads small (see docs/performance.md) and propagation within 2 s.
pub const FOLLOW_EVERY: StdDuration = StdDuration::from_secs(1);

/// One region of the store: its name and client.
#[derive(Clone, Debug)]
pub struct StoreRegion {
    pub name: String,
    pub client: aws_sdk_dynamodb::Client,
}

/// What the header says about the store.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StoreStatus {
    /// Entries acknowledged (on the local spool) that some region has not stored yet.
    pub spooled: usize,
    /// Regions that did not answer the last upload or follow, with why.
    pub unreachable: Vec<(String, String)>,
}

#[derive(Debug, Default)]
struct Shared {
    /// Every entry of this session's spool, in append order.
    spool: Vec<Entry>,
    /// Per region (index into `regions`): how many spool entries it has stored.
    uploaded: Vec<usize>,
    /// Others' entries that arrived, not yet handed out by `follow`.
    arrived: Vec<Entry>,
    /// Every region has been asked once (answered or not): the history is as known as it gets.
    looked: bool,
    /// Ids this terminal has (its own and followed).
    seen: HashSet<String>,
    /// The newest id seen, where the next follow starts (less the skew window).
    newest: Option<String>,
    status: StoreStatus,
    stop: bool,
    /// This session's presence record, rewritten in the store every heartbeat.
    me: Option<crate::scribe::presence::Presence>,
    /// The sessions on this incident as last read from the store.
    present: Vec<crate::scribe::presence::Presence>,
    /// Announced since the last heartbeat: beat at once, so others see it without waiting.
    beat_now: bool,
    /// Each other session's newest heartbeat (its clock) and when it last moved (this
    /// machine's clock): a heartbeat that keeps moving is a live session, however old it reads.
    beats: std::collections::HashMap<String, (DateTime<Utc>, DateTime<Utc>)>,
}

#[derive(Debug)]
pub struct DynamoJournal {
    incident: String,
    table: String,
    spool_path: PathBuf,
    spool: std::fs::File,
    /// The session's part of every id it makes, and its counter.
    session: String,
    counter: u64,
    next_seq: u64,
    /// The regions entries go to, by name, in upload order.
    region_names: Vec<String>,
    /// Their clients, for the last upload at the end of the session.
    regions: Vec<StoreRegion>,
    shared: Arc<Mutex<Shared>>,
    /// The clock-skew window a follow starts back by.
    skew: chrono::Duration,
}

/// A sortable, collision-free entry id: milliseconds since the epoch (13 digits, so the
/// string order is the time order), then the session, then its counter.
pub fn entry_id(at: DateTime<Utc>, session: &str, counter: u64) -> String {
    format!("{:013}-{session}-{counter:06}", at.timestamp_millis().max(0))
}

/// An observation's id in the store: its reading's time first, like every id, so the store's
/// order is the time order for every kind; then its deterministic part (state, transition,
/// time), so two terminals' identical observation is still one item.
pub fn observation_entry_id(at: DateTime<Utc>, observation: &str) -> String {
    format!("{:013}-{observation}", at.timestamp_millis().max(0))
}

/// The id `skew` before `id`'s time: where a follow starts again.
fn rewound(id: &str, skew: chrono::Duration) -> String {
    let millis: i64 = id.get(..13).and_then(|m| m.parse().ok()).unwrap_or(0);
    format!("{:013}", (millis - skew.num_milliseconds()).max(0))
}

fn lock(shared: &Mutex<Shared>) -> std::sync::MutexGuard<'_, Shared> {
    shared.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl DynamoJournal {
    /// Open the store for `incident`: the spool at `spool_path` (created 0600, and uploaded
    /// first if a previous session left entries there), and the background thread.
    pub fn open(
        incident: &str,
        table: &str,
        regions: Vec<StoreRegion>,
        spool_path: &Path,
        skew: chrono::Duration,
    ) -> Result<Self, JournalError> {
        let open_err = |source| JournalError::Open { path: spool_path.to_owned(), source };
        if let Some(dir) = spool_path.parent() {
            std::fs::create_dir_all(dir).map_err(open_err)?;
        }
        let (left, _, _) = crate::scribe::journal::parse_lines(&std::fs::read(spool_path).unwrap_or_default());
        use std::os::unix::fs::OpenOptionsExt as _;
        let spool =
            std::fs::OpenOptions::new().create(true).append(true).mode(0o600).open(spool_path).map_err(open_err)?;
        let session = format!("{:08x}", {
            let seed = Utc::now().timestamp_nanos_opt().unwrap_or_default() as u64 ^ u64::from(std::process::id());
            crate::sim::SplitMix64::new(seed).next_u64() as u32
        });
        let shared = Arc::new(Mutex::new(Shared {
            seen: left.iter().map(|e| e.id.clone()).collect(),
            // What a previous session left is spooled until a region has it.
            status: StoreStatus { spooled: left.len(), unreachable: Vec::new() },
            spool: left,
            uploaded: vec![0; regions.len()],
            ..Shared::default()
        }));
        let journal = Self {
            incident: incident.to_owned(),
            table: table.to_owned(),
            spool_path: spool_path.to_owned(),
            spool,
            session,
            counter: 0,
            next_seq: 1,
            region_names: regions.iter().map(|r| r.name.clone()).collect(),
            regions: regions.clone(),
            shared: Arc::clone(&shared),
            skew,
        };
        let worker = Worker {
            incident: incident.to_owned(),
            session: journal.session.clone(),
            table: table.to_owned(),
            regions,
            skew,
            shared,
        };
        std::thread::Builder::new().name("warroom-store".into()).spawn(move || worker.run()).map_err(open_err)?;
        Ok(journal)
    }

    /// The incident's entries so far, once every region was asked (at most `deadline`), in
    /// the store's order and numbered: what a session starts from.
    pub fn history(&mut self, deadline: StdDuration) -> Vec<Entry> {
        let start = std::time::Instant::now();
        while !lock(&self.shared).looked && start.elapsed() < deadline {
            std::thread::sleep(StdDuration::from_millis(20));
        }
        let mut entries: Vec<Entry> = lock(&self.shared).spool.clone();
        entries.extend(std::mem::take(&mut lock(&self.shared).arrived));
        entries.sort_by(|a, b| a.id.cmp(&b.id));
        entries.dedup_by(|a, b| a.id == b.id);
        for e in &mut entries {
            e.seq = self.next_seq;
            self.next_seq += 1;
        }
        entries
    }

    /// What the header shows: spooled entries and unreachable regions.
    pub fn status(&self) -> StoreStatus {
        lock(&self.shared).status.clone()
    }

    pub fn incident(&self) -> &str {
        &self.incident
    }
}

/// How long the end of a session waits for its spool to reach the store.
pub const FINISH_WAIT: StdDuration = StdDuration::from_secs(3);

impl DynamoJournal {
    /// Entries not yet stored per region (in `region_names` order), and how many no region has.
    fn held(&self) -> (Vec<usize>, usize) {
        let shared = lock(&self.shared);
        let total = shared.spool.len();
        let missing: Vec<usize> = (0..self.region_names.len())
            .map(|i| total.saturating_sub(shared.uploaded.get(i).copied().unwrap_or(0)))
            .collect();
        let nowhere = total.saturating_sub(shared.uploaded.iter().copied().max().unwrap_or(0));
        (missing, nowhere)
    }
}

impl Drop for DynamoJournal {
    fn drop(&mut self) {
        lock(&self.shared).stop = true;
    }
}

impl JournalStore for DynamoJournal {
    fn announce(&mut self, author: &str, role: Option<crate::scribe::roles::TeamRole>) {
        let mut shared = lock(&self.shared);
        shared.me = Some(crate::scribe::presence::Presence::me(author, role));
        shared.beat_now = true;
    }

    fn identify(&mut self, identity: &str) {
        let mut shared = lock(&self.shared);
        if let Some(me) = shared.me.as_mut() {
            me.identity = Some(identity.to_owned());
        }
        shared.beat_now = true;
    }

    /// Presence goes out with the background thread's heartbeat; nothing to do on the loop.
    fn heartbeat(&mut self) {}

    fn present(&self) -> Vec<crate::scribe::presence::Presence> {
        let shared = lock(&self.shared);
        // Alive: a fresh heartbeat, or one that keeps moving though it reads old (a session
        // whose clock runs behind is there, not gone).
        let slack = crate::scribe::presence::HEARTBEAT * 2 + chrono::Duration::seconds(5);
        let moving = |p: &crate::scribe::presence::Presence| {
            shared
                .beats
                .get(&crate::scribe::presence::session_of(p))
                .is_some_and(|(_, moved)| Utc::now() - *moved < slack)
        };
        let mut present: Vec<_> =
            shared.present.iter().filter(|p| crate::scribe::presence::alive(p) || moving(p)).cloned().collect();
        // This session is present as soon as it says so, before the store has it.
        if let Some(me) = &shared.me
            && !present.iter().any(crate::scribe::presence::Presence::is_me)
        {
            present.push(me.clone());
        }
        present
    }

    /// An observation of a state's transition keeps its deterministic id (state, transition,
    /// reading time): a second terminal's identical one is the same item, which the
    /// conditional put stores once; one this terminal has already seen is not written at all.
    fn append_observation(&mut self, draft: Draft) -> Result<Option<Entry>, JournalError> {
        let Some(observation) = draft.observation_id() else { return self.append(draft).map(Some) };
        let id = observation_entry_id(draft.at, &observation);
        if lock(&self.shared).seen.contains(&id) {
            return Ok(None);
        }
        self.append_as(draft, id).map(Some)
    }

    fn append(&mut self, draft: Draft) -> Result<Entry, JournalError> {
        self.counter += 1;
        let id = entry_id(draft.at, &self.session, self.counter);
        self.append_as(draft, id)
    }

    fn location(&self) -> String {
        format!("dynamodb {} / {}", self.table, self.incident)
    }

    /// The background thread uploads every 200 ms; wait for it to have stored every spooled
    /// entry in every region (or `wait`), then stop it. What is left is named with the spool
    /// it stays in, which the next session on this machine uploads first.
    fn finish(&mut self, wait: StdDuration) -> Result<Option<String>, String> {
        let start = std::time::Instant::now();
        let (missing, _) = self.held();
        if let Some(most) = missing.iter().copied().max().filter(|n| *n > 0) {
            crate::text::sanitize::eprint_line(&format!("sending {most} entries to the shared journal…"));
        }
        // Every region at once, on a thread of its own (this may be called from the app's
        // runtime), beside the background thread and bounded by `wait`.
        let (shared, table, incident, regions) =
            (Arc::clone(&self.shared), self.table.clone(), self.incident.clone(), self.regions.clone());
        let last = std::thread::Builder::new().name("warroom-store-finish".into()).spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
            runtime.block_on(async {
                let each = regions.iter().enumerate().map(|(i, r)| upload_region(&shared, &table, &incident, i, r));
                let _ = tokio::time::timeout(wait, futures_util::future::join_all(each)).await;
            });
        });
        if let Ok(last) = last {
            let _ = last.join();
        }
        while start.elapsed() < wait && self.held().0.iter().any(|n| *n > 0) {
            std::thread::sleep(StdDuration::from_millis(20));
        }
        lock(&self.shared).stop = true;
        let (missing, nowhere) = self.held();
        let Some(most) = missing.iter().copied().max().filter(|n| *n > 0) else { return Ok(None) };
        let regions: Vec<String> = self
            .region_names
            .iter()
            .zip(&missing)
            .filter(|(_, n)| **n > 0)
            .map(|(r, n)| format!("{n} not in {r}"))
            .collect();
        let text = format!(
            "{most} entries not yet in the shared journal ({}): they are in {} and go out the next time warroom starts on this machine",
            regions.join(", "),
            self.spool_path.display()
        );
        if nowhere > 0 { Err(format!("{text}; {nowhere} reached no region at all")) } else { Ok(Some(text)) }
    }

    fn clock_skew(&self) -> Option<chrono::Duration> {
        Some(self.skew)
    }

    /// Sessions whose heartbeat keeps moving (alive) but reads more than `clock-skew` (plus
    /// a heartbeat and a read, the most a true clock's beat can be old) behind this clock,
    /// or ahead of it: how far, negative for behind.
    fn clocks_apart(&self) -> Vec<(String, chrono::Duration)> {
        let shared = lock(&self.shared);
        let now = Utc::now();
        let slack = crate::scribe::presence::HEARTBEAT * 2 + chrono::Duration::seconds(5);
        let me = shared.me.as_ref().map(crate::scribe::presence::session_of);
        shared
            .beats
            .iter()
            .filter(|(session, (_, moved))| Some(*session) != me.as_ref() && now - *moved < slack)
            .filter_map(|(session, (beat, _))| {
                let apart = *beat - now;
                (apart > self.skew || -apart > self.skew + slack).then(|| (session.clone(), apart))
            })
            .collect()
    }

    /// Read the store now, not at the next follow: the first region that answers within
    /// `wait` is enough (each holds what every terminal could reach it with). A step's claim
    /// won is judged on this, so a step another machine finished a moment ago is seen.
    fn catch_up(&mut self, wait: StdDuration) -> Result<(), JournalError> {
        let after = follow_from(&self.shared, self.skew);
        let (shared, table, incident, regions) =
            (Arc::clone(&self.shared), self.table.clone(), self.incident.clone(), self.regions.clone());
        let read = std::thread::Builder::new().name("warroom-store-catch-up".into()).spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
            runtime.block_on(async {
                let each = regions.iter().map(|r| Box::pin(query_after(&r.client, &table, &incident, &after)));
                let first = tokio::time::timeout(wait, futures_util::future::select_ok(each)).await;
                match first {
                    Ok(Ok((entries, _))) => {
                        take_arrived(&shared, entries);
                        Some(())
                    }
                    _ => None,
                }
            })
        });
        match read.ok().and_then(|t| t.join().ok()).flatten() {
            Some(()) => Ok(()),
            None => Err(JournalError::Unavailable(format!(
                "no region of the shared journal answered within {}s: what others did since is not known",
                wait.as_secs()
            ))),
        }
    }

    fn health(&self) -> Option<String> {
        let status = lock(&self.shared).status.clone();
        if status.unreachable.is_empty() {
            return None;
        }
        let regions: Vec<&str> = status.unreachable.iter().map(|(r, _)| r.as_str()).collect();
        // Every region down: the record is only on this machine until one answers.
        if regions.len() == self.region_names.len() {
            return Some(format!("SHARED JOURNAL UNREACHABLE · {} spooled", status.spooled));
        }
        Some(format!("shared journal: {} unreachable · {} spooled for it", regions.join(", "), status.spooled))
    }

    fn order(&self, entries: &mut [Entry]) {
        entries.sort_by(|a, b| a.id.cmp(&b.id));
    }

    fn follow(&mut self) -> Result<Vec<Entry>, JournalError> {
        let mut arrived = std::mem::take(&mut lock(&self.shared).arrived);
        arrived.sort_by(|a, b| a.id.cmp(&b.id));
        for e in &mut arrived {
            e.seq = self.next_seq;
            self.next_seq += 1;
        }
        Ok(arrived)
    }
}

impl DynamoJournal {
    /// Append with a given id: fsynced to the spool, then acknowledged.
    fn append_as(&mut self, draft: Draft, id: String) -> Result<Entry, JournalError> {
        let entry = Entry::from_draft(draft, self.next_seq, id);
        self.spool_entry(entry)
    }

    fn spool_entry(&mut self, entry: Entry) -> Result<Entry, JournalError> {
        let mut line = serde_json::to_vec(&entry)
            .map_err(|e| JournalError::Write { path: self.spool_path.clone(), source: std::io::Error::other(e) })?;
        line.push(b'\n');
        self.spool
            .write_all(&line)
            .and_then(|()| self.spool.sync_data())
            .map_err(|source| JournalError::Write { path: self.spool_path.clone(), source })?;
        self.next_seq += 1;
        let mut shared = lock(&self.shared);
        shared.seen.insert(entry.id.clone());
        shared.spool.push(entry.clone());
        shared.status.spooled += 1;
        Ok(entry)
    }
}

/// The background thread: upload the spool, follow the regions.
struct Worker {
    incident: String,
    /// This session's part of presence keys (several sessions may share a process in tests).
    session: String,
    table: String,
    regions: Vec<StoreRegion>,
    skew: chrono::Duration,
    shared: Arc<Mutex<Shared>>,
}

impl Worker {
    fn run(self) {
        let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
            lock(&self.shared).status.unreachable.push(("all".into(), "cannot start the store's runtime".into()));
            return;
        };
        runtime.block_on(async {
            let mut last_beat: Option<std::time::Instant> = None;
            let mut last_follow: Option<std::time::Instant> = None;
            loop {
                if lock(&self.shared).stop {
                    // A last upload, so a clean exit leaves nothing spooled that could go,
                    // and this session's presence goes.
                    self.upload().await;
                    self.withdraw().await;
                    return;
                }
                self.upload().await;
                if last_follow.is_none_or(|t| t.elapsed() >= FOLLOW_EVERY) {
                    last_follow = Some(std::time::Instant::now());
                    self.follow().await;
                }
                let beat = crate::scribe::presence::HEARTBEAT.to_std().unwrap_or(StdDuration::from_secs(5));
                let now_please = std::mem::take(&mut lock(&self.shared).beat_now);
                if now_please || last_beat.is_none_or(|t| t.elapsed() >= beat) {
                    last_beat = Some(std::time::Instant::now());
                    self.beat().await;
                }
                lock(&self.shared).looked = true;
                tokio::time::sleep(CADENCE).await;
            }
        });
    }

    fn presence_partition(&self) -> String {
        format!("{}#presence", self.incident)
    }

    /// Write this session's presence (heartbeat now) and read everyone's, in the first region
    /// that answers.
    async fn beat(&self) {
        let me = lock(&self.shared).me.clone().map(|mut me| {
            me.heartbeat = Some(Utc::now());
            me
        });
        let partition = self.presence_partition();
        for region in &self.regions {
            if let Some(me) = &me
                && let Ok(json) = serde_json::to_string(me)
            {
                let put = region
                    .client
                    .put_item()
                    .table_name(&self.table)
                    .item(PARTITION, AttributeValue::S(partition.clone()))
                    .item(SORT, AttributeValue::S(format!("{}-{}-{}", me.host, me.pid, self.session)))
                    .item("presence", AttributeValue::S(json))
                    .send()
                    .await;
                if put.is_err() {
                    continue;
                }
            }
            let read = region
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("#p = :p")
                .expression_attribute_names("#p", PARTITION)
                .expression_attribute_values(":p", AttributeValue::S(partition.clone()))
                .send()
                .await;
            if let Ok(out) = read {
                let present: Vec<crate::scribe::presence::Presence> = out
                    .items()
                    .iter()
                    .filter_map(|i| i.get("presence").and_then(|v| v.as_s().ok()))
                    .filter_map(|j| serde_json::from_str(j).ok())
                    .collect();
                let mut shared = lock(&self.shared);
                let now = Utc::now();
                for p in &present {
                    let Some(beat) = p.heartbeat else { continue };
                    let key = crate::scribe::presence::session_of(p);
                    match shared.beats.get_mut(&key) {
                        Some(seen) if seen.0 == beat => {}
                        Some(seen) => *seen = (beat, now),
                        // Seen once: not yet known to move (a dead session's record looks the same).
                        None => {
                            shared.beats.insert(key, (beat, DateTime::<Utc>::MIN_UTC));
                        }
                    }
                }
                shared.present = present;
                return;
            }
        }
    }

    /// Remove this session's presence record from every region (a clean exit).
    async fn withdraw(&self) {
        let me = lock(&self.shared).me.clone();
        let Some(me) = me else { return };
        for region in &self.regions {
            let _ = region
                .client
                .delete_item()
                .table_name(&self.table)
                .key(PARTITION, AttributeValue::S(self.presence_partition()))
                .key(SORT, AttributeValue::S(format!("{}-{}-{}", me.host, me.pid, self.session)))
                .send()
                .await;
        }
    }

    /// Put every entry each region has not stored yet, in order, until one fails there.
    async fn upload(&self) {
        let mut unreachable = Vec::new();
        for (i, region) in self.regions.iter().enumerate() {
            if let Err(e) = upload_region(&self.shared, &self.table, &self.incident, i, region).await {
                unreachable.push((region.name.clone(), e.text));
            }
        }
        let mut shared = lock(&self.shared);
        let stored = shared.uploaded.iter().copied().min().unwrap_or(0);
        shared.status.spooled = shared.spool.len() - stored.min(shared.spool.len());
        shared.status.unreachable = unreachable;
    }

    /// Query every region for entries after the newest seen (less the skew window).
    async fn follow(&self) {
        let after = follow_from(&self.shared, self.skew);
        for region in &self.regions {
            match query_after(&region.client, &self.table, &self.incident, &after).await {
                Ok(entries) => take_arrived(&self.shared, entries),
                Err(e) => tracing::warn!(region = %region.name, error = %e, "cannot follow the shared journal"),
            }
        }
    }
}

/// Where a follow starts: the newest id seen, less the skew window ("0" sorts before every
/// id; a key value may not be empty).
fn follow_from(shared: &Mutex<Shared>, skew: chrono::Duration) -> String {
    lock(shared).newest.as_deref().map_or_else(|| "0".to_owned(), |id| rewound(id, skew))
}

/// Entries a region returned: the new ones go to `arrived`, once each.
fn take_arrived(shared: &Mutex<Shared>, entries: Vec<Entry>) {
    let mut shared = lock(shared);
    for entry in entries {
        if shared.newest.as_ref().is_none_or(|n| &entry.id > n) {
            shared.newest = Some(entry.id.clone());
        }
        if shared.seen.insert(entry.id.clone()) {
            shared.arrived.push(entry);
        }
    }
}

/// Put every spooled entry region `i` has not stored yet, in order, until one fails there.
/// Two uploaders may run at once (the background thread and the session's last upload): a
/// put is idempotent, and the position only moves on from the entry this one stored.
async fn upload_region(
    shared: &Mutex<Shared>,
    table: &str,
    incident: &str,
    i: usize,
    region: &StoreRegion,
) -> Result<(), AwsError> {
    loop {
        let (at, next) = {
            let shared = lock(shared);
            let at = shared.uploaded.get(i).copied().unwrap_or(0);
            (at, shared.spool.get(at).cloned())
        };
        let Some(entry) = next else { return Ok(()) };
        if let Err(e) = put(&region.client, table, incident, &entry).await {
            tracing::warn!(region = %region.name, error = %e, "cannot upload to the shared journal");
            return Err(e);
        }
        if let Some(n) = lock(shared).uploaded.get_mut(i).filter(|n| **n == at) {
            *n = at + 1;
        }
    }
}

/// Store `entry` unless its id is there already (a retried put is a no-op).
async fn put(client: &aws_sdk_dynamodb::Client, table: &str, incident: &str, entry: &Entry) -> Result<(), AwsError> {
    let json = serde_json::to_string(entry).map_err(|e| AwsError::other(PUT_ITEM, e))?;
    let sent = client
        .put_item()
        .table_name(table)
        .item(PARTITION, AttributeValue::S(incident.to_owned()))
        .item(SORT, AttributeValue::S(entry.id.clone()))
        .item("entry", AttributeValue::S(json))
        .condition_expression("attribute_not_exists(#id)")
        .expression_attribute_names("#id", SORT)
        .send()
        .await;
    match sent {
        Ok(_) => Ok(()),
        Err(e) => {
            let e = explain(PUT_ITEM, &e);
            if e.code.as_deref() == Some("ConditionalCheckFailedException") { Ok(()) } else { Err(e) }
        }
    }
}

/// Every entry of `incident` from every region that answers, merged, de-duplicated by id and
/// numbered in the store's order (the ids'): what an export reads. The regions that did not
/// answer are listed with why.
pub async fn read_incident(
    regions: &[StoreRegion],
    table: &str,
    incident: &str,
) -> (Vec<Entry>, Vec<(String, String)>) {
    let mut all: std::collections::BTreeMap<String, Entry> = std::collections::BTreeMap::new();
    let mut failed = Vec::new();
    for region in regions {
        match query_after(&region.client, table, incident, "0").await {
            Ok(entries) => {
                for e in entries {
                    all.entry(e.id.clone()).or_insert(e);
                }
            }
            Err(e) => failed.push((region.name.clone(), e.text)),
        }
    }
    let entries = all.into_values().zip(1..).map(|(e, seq)| Entry { seq, ..e }).collect();
    (entries, failed)
}

/// Every entry of `incident` with an id after `after`, in id order (all pages).
pub async fn query_after(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
    incident: &str,
    after: &str,
) -> Result<Vec<Entry>, AwsError> {
    let mut out = Vec::new();
    let mut start = None;
    loop {
        let page = client
            .query()
            .table_name(table)
            .key_condition_expression("#p = :p AND #id > :after")
            .expression_attribute_names("#p", PARTITION)
            .expression_attribute_names("#id", SORT)
            .expression_attribute_values(":p", AttributeValue::S(incident.to_owned()))
            .expression_attribute_values(":after", AttributeValue::S(after.to_owned()))
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(|e| explain(QUERY, &e))?;
        for item in page.items() {
            if let Some(entry) =
                item.get("entry").and_then(|v| v.as_s().ok()).and_then(|j| serde_json::from_str(j).ok())
            {
                out.push(entry);
            }
        }
        match page.last_evaluated_key() {
            Some(key) if !key.is_empty() => start = Some(key.clone()),
            _ => return Ok(out),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn ids_sort_by_time_and_never_collide() {
        let t = Utc.with_ymd_and_hms(2026, 12, 1, 3, 0, 0).unwrap();
        let a = entry_id(t, "0000beef", 1);
        let b = entry_id(t, "0000beef", 2);
        let c = entry_id(t + chrono::Duration::milliseconds(1), "00000001", 1);
        assert!(a < b && b < c, "{a} {b} {c}");
        assert_ne!(entry_id(t, "0000beef", 1), entry_id(t, "0000cafe", 1));
        assert_eq!(rewound(&c, chrono::Duration::seconds(60)), format!("{:013}", t.timestamp_millis() + 1 - 60_000));
    }

    #[test]
    fn observations_sort_by_their_time_among_the_other_entries() {
        let t = Utc.with_ymd_and_hms(2026, 12, 1, 18, 7, 50).unwrap();
        let note_before = entry_id(t - chrono::Duration::seconds(1), "0000beef", 1);
        let observed = observation_entry_id(t, "o0123456789abcde");
        let note_after = entry_id(t + chrono::Duration::seconds(48), "0000beef", 2);
        assert!(note_before < observed && observed < note_after, "{note_before} {observed} {note_after}");
        assert_eq!(observed, observation_entry_id(t, "o0123456789abcde"), "deterministic");
    }
}
