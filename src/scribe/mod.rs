//! The scribe: the incident journal, its timeline, automatic observations, measurement and
//! export. Knows nothing of the terminal.

pub mod approvals;
pub mod claims;
pub mod data;
pub mod entry;
pub mod hosted;
pub mod journal;
pub mod measure;
pub mod observe;
pub mod overrides;
pub mod permissions;
pub mod presence;
pub mod recorder;
pub mod roles;
pub mod runs;
pub mod team;
pub mod timeline;

use std::collections::VecDeque;

use chrono::{DateTime, Utc};
use serde_json::json;

pub use data::{Event, JournalFacts, Observed};
pub use entry::{Draft, Entry, Kind, SYSTEM_AUTHOR};
pub use journal::{FileJournal, JournalError, JournalStore, MemoryJournal, Recovery};
pub use timeline::{Filter, Timeline};

use crate::assess::Limits;
use crate::config::Incident;
use crate::model::Snapshot;
use crate::text::duration::format_duration;
use observe::Observer;

/// Automatic entries kept while the journal cannot be written; past this, the oldest go
/// (people's typed text is never dropped: it stays in the input line).
const MAX_PENDING: usize = 10_000;

#[derive(Debug)]
pub struct Scribe {
    store: Box<dyn JournalStore>,
    pub timeline: Timeline,
    observer: Observer,
    pub author: String,
    /// The newest save failure, shown in the header until a save succeeds.
    pub error: Option<String>,
    pending: VecDeque<Draft>,
    rto_journaled: bool,
    /// The journal's file is gone and could not be re-created: nothing can be saved.
    lost: bool,
    /// The newest wall-clock time seen, to notice the clock stepping back.
    last_wall: DateTime<Utc>,
    /// Entries other terminals wrote, in the timeline now, not yet taken by the app.
    arrived: Vec<Entry>,
    /// This terminal's role on a shared incident (`None`: solo, every right).
    pub role: Option<roles::TeamRole>,
    /// The flight recorder beside the journal, when this terminal records the incident.
    pub recorder: Option<recorder::Recorder>,
    /// The journal a recording goes beside (a file journal), once this terminal is the
    /// incident's fact writer, and when it last tried to open it.
    pub recording_beside: Option<std::path::PathBuf>,
    recording_tried: Option<std::time::Instant>,
    /// Other sessions seen writing from a clock ahead of this one's by more than the store's
    /// `clock-skew`, by how much; `None` once journaled (by this terminal or another).
    skewed: std::collections::BTreeMap<String, Option<f64>>,
}

impl Scribe {
    /// Start on a store that already holds `entries`; journal that the session began.
    pub fn start(
        store: Box<dyn JournalStore>,
        entries: Vec<Entry>,
        recovery: &Recovery,
        author: String,
        incident: &Incident,
        now: DateTime<Utc>,
    ) -> Self {
        Self::start_as(store, entries, recovery, author, None, incident, now)
    }

    /// `start` for a terminal with a role on a shared incident: the session's first entry
    /// says who came in as what, and the store's presence says it too.
    pub fn start_as(
        store: Box<dyn JournalStore>,
        entries: Vec<Entry>,
        recovery: &Recovery,
        author: String,
        role: Option<roles::TeamRole>,
        incident: &Incident,
        now: DateTime<Utc>,
    ) -> Self {
        let rto_journaled = entries.iter().any(|e| e.kind == Kind::Measurement && e.data_f64("rto_seconds").is_some());
        let fresh = entries.is_empty();
        let mut scribe = Self {
            store,
            timeline: Timeline::new(entries),
            observer: Observer::new(),
            author,
            error: None,
            pending: VecDeque::new(),
            rto_journaled,
            lost: false,
            last_wall: Utc::now(),
            arrived: Vec::new(),
            role: None,
            recorder: None,
            recording_beside: None,
            recording_tried: None,
            skewed: std::collections::BTreeMap::new(),
        };
        scribe.set_role(role);
        let who = match role {
            Some(role) => format!("{} ({role})", scribe.author),
            None => scribe.author.clone(),
        };
        let facts = JournalFacts {
            incident: incident.name.clone(),
            rpo_seconds: Some(incident.rpo.as_seconds_f64()),
            rto_seconds: Some(incident.rto.as_seconds_f64()),
        };
        let (data, text) = if fresh {
            (Observed::JournalOpened(facts), format!("journal opened for {} by {who}", incident.name))
        } else {
            (Observed::JournalReopened(facts), format!("journal reopened by {who}"))
        };
        scribe.queue(Draft::new(now, SYSTEM_AUTHOR, Kind::Observation, text).data(data.data()));
        for line in recovery.report() {
            scribe
                .queue(Draft::new(now, SYSTEM_AUTHOR, Kind::Observation, line).data(Observed::JournalRecovered.data()));
        }
        scribe.flush();
        scribe
    }

    /// A scribe whose journal lives in memory only (tests, benchmarks, replays).
    pub fn in_memory(author: &str, incident: &Incident, now: DateTime<Utc>) -> Self {
        Self::start(
            Box::new(MemoryJournal::default()),
            Vec::new(),
            &Recovery::default(),
            author.to_owned(),
            incident,
            now,
        )
    }

    pub fn location(&self) -> String {
        self.store.location()
    }

    /// Take `role` on the incident: shown in the header, on every entry, and in presence.
    pub fn set_role(&mut self, role: Option<roles::TeamRole>) {
        self.role = role;
        self.store.announce(&self.author, role);
    }

    /// Put this terminal's AWS identity in its presence.
    pub fn identify(&mut self, identity: &str) {
        self.store.identify(identity);
    }

    /// Keep this terminal's presence live (every tick; the store writes every few seconds).
    pub fn heartbeat(&mut self) {
        self.store.heartbeat();
    }

    /// Before the session ends: what is held locally goes out, within `wait`; what cannot is
    /// said (see `JournalStore::finish`).
    pub fn finish(&mut self, wait: std::time::Duration) -> Result<Option<String>, String> {
        self.store.finish(wait)
    }

    /// What is wrong with reaching a distributed store, for the header.
    pub fn store_health(&self) -> Option<String> {
        self.store.health()
    }

    /// The live sessions on this incident (this one included); none for a journal nobody shares.
    pub fn present(&self) -> Vec<presence::Presence> {
        self.store.present()
    }

    /// Save what a person typed. On failure the error is kept for the header and returned, so
    /// the caller keeps the text in the input line.
    pub fn record(&mut self, draft: Draft) -> Result<(), String> {
        self.verify();
        if let Some(e) = self.error.clone().filter(|_| self.lost) {
            return Err(e);
        }
        self.flush();
        let draft = self.sign(draft)?;
        match self.store.append(draft) {
            Ok(entry) => {
                self.error = None;
                self.take_in(Some(entry));
                Ok(())
            }
            Err(e) => {
                let message = e.to_string();
                self.error = Some(message.clone());
                Err(message)
            }
        }
    }

    /// This terminal's session as its entries carry it (`author@host:pid`).
    pub fn session(&self) -> Option<String> {
        Some(presence::session(&self.author))
    }

    /// Put this terminal's role and session on `draft`, or refuse one its role may not
    /// write (a programming error: callers do not offer what a role cannot do; logged).
    fn sign(&self, draft: Draft) -> Result<Draft, String> {
        if let Err(refused) = permissions::may_append(self.role, draft.kind, draft.data.as_ref()) {
            tracing::error!(%refused, text = %draft.text, "an entry this terminal's role may not write was refused");
            return Err(format!("refused: {refused}"));
        }
        // warroom's derived entries carry no role: the role is a person's, and the session
        // says which terminal derived them. A session's own facts (opened, ended) keep the
        // terminal's role, so the review's team includes who joined and wrote nothing else.
        let own = permissions::Duty::of(draft.kind, draft.data.as_ref()) == permissions::Duty::Session;
        let role = if draft.author == SYSTEM_AUTHOR && !own { None } else { self.role };
        Ok(Draft { role, session: Some(presence::session(&self.author)), ..draft })
    }

    /// Pin or unpin the selected entry (the newest when following).
    pub fn toggle_pin(&mut self, now: DateTime<Utc>) -> Result<(), String> {
        let Some(target) = self.timeline.selected_entry() else { return Ok(()) };
        let pinned = !self.timeline.is_pinned(target);
        let text = format!("{} entry {}", if pinned { "pinned" } else { "unpinned" }, target.seq);
        let draft = Draft::new(now, self.author.clone(), Kind::Pin, text)
            .data(data::to_value(&data::PinData { target: target.id.clone(), pinned }));
        self.record(draft)
    }

    /// Check that the journal file is still there (deleted or replaced: re-create it with the
    /// whole history held here, and say so), and that the wall clock has not stepped back.
    fn verify(&mut self) {
        match self.store.verify(self.timeline.entries()) {
            Ok(None) => self.lost = false,
            Ok(Some(what)) => {
                self.lost = false;
                self.error = None;
                self.queue(
                    Draft::new(self.last_wall.max(Utc::now()), SYSTEM_AUTHOR, Kind::Observation, what)
                        .data(Observed::JournalRecreated.data()),
                );
            }
            Err(e) => {
                self.lost = true;
                self.error = Some(e.to_string());
            }
        }
        let wall = Utc::now();
        if wall < self.last_wall - chrono::Duration::seconds(1) {
            let back = format_duration(chrono::Duration::seconds((self.last_wall - wall).num_seconds()));
            let text = format!(
                "the system clock stepped back by {back} (from {} to {})",
                self.last_wall.format("%H:%M:%SZ"),
                wall.format("%H:%M:%SZ")
            );
            let data = Observed::ClockSteppedBack { from: self.last_wall, to: wall }.data();
            self.queue(Draft::new(wall, SYSTEM_AUTHOR, Kind::Observation, text).data(data));
        }
        self.last_wall = self.last_wall.max(wall);
    }

    /// Record the readings from now on (the fact writer does; another terminal may hold
    /// the recording's lock, and then this one tries again a few seconds later).
    pub fn start_recording(&mut self) {
        let Some(journal) = &self.recording_beside else { return };
        if self.recorder.is_some() || self.recording_tried.is_some_and(|t| t.elapsed().as_secs() < 5) {
            return;
        }
        self.recording_tried = Some(std::time::Instant::now());
        self.recorder = recorder::Recorder::beside(journal);
    }

    /// Stop recording (no longer the fact writer): what was gathered is written, and the
    /// recording's lock goes to the next writer.
    pub fn stop_recording(&mut self) {
        self.recorder = None;
        self.recording_tried = None;
    }

    /// Follow what changed in the snapshot; journal it, and the measured RTO once recovery
    /// is seen, when `write` (this terminal is the incident's fact writer). A terminal that
    /// does not write still follows, so it takes over from the reading it is at.
    pub fn observe(&mut self, snapshot: &Snapshot, limits: Limits<'_>, single_writer: bool, write: bool) {
        self.verify();
        self.follow();
        for draft in self.observer.observe(snapshot, limits, single_writer) {
            if write {
                self.queue(draft);
            }
        }
        if write {
            self.journal_skew();
        }
        self.flush();
        let m = self.timeline.measurements().clone();
        if let (true, false, Some(rto), Some(recovered)) = (write, self.rto_journaled, m.rto, m.recovered) {
            self.rto_journaled = true;
            let target = m
                .rto_target_seconds
                .map(|t| format!(" (target {})", format_duration(chrono::Duration::seconds(t as i64))))
                .unwrap_or_default();
            let rpo = m.rpo_seconds.map(|s| format!("; RPO {s:.1}s of lag at promotion")).unwrap_or_default();
            let text =
                format!("measured RTO {}{target}{rpo}", format_duration(chrono::Duration::seconds(rto.num_seconds())));
            let data = json!({ "rto_seconds": rto.as_seconds_f64(), "rpo_seconds": m.rpo_seconds, "lost_writes": m.lost_writes });
            self.queue(Draft::new(recovered, SYSTEM_AUTHOR, Kind::Measurement, text).data(data));
            self.flush();
        }
    }

    /// Read the shared journal now (a store across the network reads at once, within
    /// `wait`), then `follow`: what a decision is judged on must include what others just did.
    pub fn catch_up(&mut self, wait: std::time::Duration) -> Result<(), String> {
        self.store.catch_up(wait).map_err(|e| e.to_string())?;
        self.follow();
        Ok(())
    }

    /// A clock further from this one's than `clock-skew`, once per session (the fact
    /// writer's): seen from an entry stamped ahead, or a live session's heartbeat.
    fn journal_skew(&mut self) {
        for (session, apart) in self.store.clocks_apart() {
            self.skewed.entry(session).or_insert(Some(apart.as_seconds_f64().round()));
        }
        let news: Vec<(String, f64)> =
            self.skewed.iter_mut().filter_map(|(s, ahead)| ahead.take().map(|a| (s.clone(), a))).collect();
        let Some(skew) = self.store.clock_skew() else { return };
        for (session, ahead) in news {
            let (by, way) = (
                format_duration(chrono::Duration::seconds(ahead.abs() as i64)),
                if ahead < 0.0 { "behind" } else { "ahead of" },
            );
            let text = format!(
                "the clock of {session} runs {by} {way} this terminal's (clock-skew {}): its entries are placed by their own times",
                format_duration(skew)
            );
            let data = Observed::ClockSkew { session, ahead_seconds: ahead }.data();
            self.queue(Draft::new(self.last_wall.max(Utc::now()), SYSTEM_AUTHOR, Kind::Observation, text).data(data));
        }
    }

    /// An entry another terminal wrote when it wrote it (not a fact about an earlier
    /// reading), stamped later than this clock's now by more than `clock-skew`: its clock
    /// runs ahead. A clock behind cannot be told from an entry that waited in a spool.
    fn notice_skew(&mut self, entry: &Entry) {
        if let Some(Observed::ClockSkew { session, .. }) = entry.observed() {
            self.skewed.insert(session, None);
            return;
        }
        let (Some(skew), Some(session)) = (self.store.clock_skew(), entry.session.as_deref()) else { return };
        if self.skewed.contains_key(session) || !journal::takes_time(entry.kind, entry.data.as_ref()) {
            return;
        }
        let ahead = entry.at - Utc::now();
        if ahead > skew && session != presence::session(&self.author) {
            self.skewed.insert(session.to_owned(), Some(ahead.as_seconds_f64().round()));
        }
    }

    /// Read what other terminals appended to a shared journal, into the timeline.
    pub fn follow(&mut self) {
        self.take_in(None);
    }

    /// Entries other terminals wrote since the last call, for the app to fold (run state).
    pub fn take_arrived(&mut self) -> Vec<Entry> {
        std::mem::take(&mut self.arrived)
    }

    /// Put `own` (just appended) and whatever others appended into the timeline, in `seq`
    /// order: the file's order is the one every terminal shows.
    fn take_in(&mut self, own: Option<Entry>) {
        let others = match self.store.follow() {
            Ok(others) => others,
            Err(e) => {
                self.error = Some(e.to_string());
                Vec::new()
            }
        };
        let own_seq = own.as_ref().map(|e| e.seq);
        let mut all: Vec<Entry> = others.into_iter().chain(own).collect();
        all.sort_by_key(|e| e.seq);
        for entry in all {
            // The RTO is measured once per incident, by whichever writer saw recovery first.
            if entry.kind == Kind::Measurement && entry.data_f64("rto_seconds").is_some() {
                self.rto_journaled = true;
            }
            self.notice_skew(&entry);
            if Some(entry.seq) != own_seq {
                self.arrived.push(entry.clone());
            }
            self.timeline.push(entry);
        }
    }

    fn queue(&mut self, draft: Draft) {
        if self.pending.len() == MAX_PENDING {
            self.pending.pop_front();
        }
        self.pending.push_back(draft);
    }

    /// Write queued automatic entries in order; stop at the first failure and keep the rest.
    fn flush(&mut self) {
        // An append now would land in a deleted file: hold everything until it is re-created.
        if self.lost {
            return;
        }
        while let Some(draft) = self.pending.pop_front() {
            let Ok(draft) = self.sign(draft) else { continue };
            // An observation another terminal already journaled is written once, by it.
            let appended = if draft.kind == Kind::Observation {
                self.store.append_observation(draft.clone())
            } else {
                self.store.append(draft.clone()).map(Some)
            };
            match appended {
                Ok(entry) => {
                    self.error = None;
                    self.take_in(entry);
                }
                Err(e) => {
                    self.error = Some(e.to_string());
                    self.pending.push_front(draft);
                    return;
                }
            }
        }
    }

    pub fn pending(&self) -> usize {
        self.pending.len()
    }
}

/// The OS user, for `--as` when it is not given.
pub fn default_author() -> String {
    ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| check_author(s).is_ok()))
        .map(|s| s.trim().to_owned())
        // Never a role's name: without a user name, who is at which host.
        .unwrap_or_else(|| format!("user@{}", presence::host()))
}

/// Why `name` cannot author entries: empty, not plain text, a role's name or warroom's own.
pub fn check_author(name: &str) -> Result<(), String> {
    let name = name.trim();
    if name.is_empty() {
        return Err("an author's name must not be empty".to_owned());
    }
    crate::text::sanitize::check_name(name)?;
    if roles::TeamRole::ALL.iter().any(|r| r.name().eq_ignore_ascii_case(name)) {
        return Err(format!(
            "`{name}` is a role, not a person: give your own name with --as, and the role with --role {}",
            name.to_ascii_lowercase()
        ));
    }
    if name.eq_ignore_ascii_case(SYSTEM_AUTHOR) {
        return Err(format!("`{name}` is what warroom signs its own entries with: give your own name"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_role_or_warroom_is_never_an_author() {
        for refused in ["scribe", "Commander", " operator ", "observer", "facilitator", "warroom", "", "a\u{1b}[2J"] {
            assert!(check_author(refused).is_err(), "{refused:?} was accepted");
        }
        assert!(check_author("scribe").unwrap_err().contains("--role scribe"));
        for fine in ["ana", "bo@bastion", "Zoë"] {
            assert_eq!(check_author(fine), Ok(()));
        }
        assert!(check_author(&default_author()).is_ok(), "the default is always a person: {}", default_author());
    }

    #[test]
    fn a_failed_save_is_reported_and_automatic_entries_wait() {
        let now = Utc.with_ymd_and_hms(2026, 11, 24, 3, 0, 0).unwrap();
        let mut store = MemoryJournal::default();
        store.fail_with = Some("No space left on device (os error 28)".into());
        let mut scribe =
            Scribe::start(Box::new(store), vec![], &Recovery::default(), "ana".into(), &Incident::default(), now);
        assert_eq!(scribe.pending(), 1, "the journal-opened entry waits");
        assert!(scribe.error.as_deref().unwrap().contains("No space left"));
        let err = scribe.record(Draft::new(now, "ana", Kind::Note, "typed")).unwrap_err();
        assert!(err.contains("No space left"));
        assert!(scribe.timeline.entries().is_empty());
    }
}
