//! The journal store: append-only JSON Lines, fsynced before an entry counts as saved,
//! created 0600, and recovered (never silently truncated) after a crash.
//!
//! Several warroom processes on one host may share one file. Each append takes the file's
//! lock for just that append: it reads what others appended since it last looked, gives its
//! entry the next `seq` (so `seq` is one total order for every writer), appends, fsyncs and
//! lets go. `follow` reads others' entries between appends. `JournalStore` is the seam for
//! the distributed store: the pane and the export only ever see `Entry` values.

use std::fmt;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use super::entry::{Draft, Entry};
use super::presence::{self, Presence};
use super::roles::TeamRole;
use crate::sim::SplitMix64;

/// Where entries are written. Implementations must make `append` durable before returning Ok.
pub trait JournalStore: Send + fmt::Debug {
    fn append(&mut self, draft: Draft) -> Result<Entry, JournalError>;
    /// Where the journal lives, for the header and messages.
    fn location(&self) -> String;
    /// Make sure appends still reach the journal. A store whose file was deleted or replaced
    /// writes `history` (every entry acknowledged so far) to a new one and says so; an error
    /// means nothing can be saved until it is mended.
    fn verify(&mut self, _history: &[Entry]) -> Result<Option<String>, JournalError> {
        Ok(None)
    }
    /// Entries other writers appended since this store last looked, in `seq` order (including
    /// those it read while appending its own). A store with one writer has none.
    fn follow(&mut self) -> Result<Vec<Entry>, JournalError> {
        Ok(Vec::new())
    }
    /// How far apart two machines' clocks may be before it is news (a store shared across
    /// machines); `None` for a store on one host, whose writers share one clock.
    fn clock_skew(&self) -> Option<chrono::Duration> {
        None
    }
    /// Other live sessions whose clocks are further from this one's than `clock_skew`, by
    /// how much (negative: behind), as their heartbeats tell.
    fn clocks_apart(&self) -> Vec<(String, chrono::Duration)> {
        Vec::new()
    }
    /// Make `follow` current now, waiting at most `wait`: a store that follows in the
    /// background reads at once; a file is read by `follow` itself.
    fn catch_up(&mut self, _wait: std::time::Duration) -> Result<(), JournalError> {
        Ok(())
    }
    /// Append an automatic observation unless the journal's newest transition of the same
    /// state already says the same (another terminal saw it first): then `None`.
    fn append_observation(&mut self, draft: Draft) -> Result<Option<Entry>, JournalError> {
        self.append(draft).map(Some)
    }
    /// Put `entries` in the store's one order: `seq` for a store with a single file, the ids'
    /// order for a distributed one (whose `seq` is each terminal's arrival order).
    fn order(&self, entries: &mut [Entry]) {
        entries.sort_by_key(|e| e.seq);
    }
    /// Before the session ends: send whatever is held locally, waiting at most `wait`, and say
    /// in words what is still held after (`Ok(None)`: nothing). `Err` when an entry reached
    /// no copy of the shared record at all. A local file holds nothing back.
    fn finish(&mut self, _wait: std::time::Duration) -> Result<Option<String>, String> {
        Ok(None)
    }
    /// What is wrong with reaching the store, for the header ("unreachable, N spooled");
    /// `None` when all is well (a local file: its failures are the appends' own).
    fn health(&self) -> Option<String> {
        None
    }
    /// Name this session in its presence record: `author` (`--as`) with `role`.
    fn announce(&mut self, _author: &str, _role: Option<TeamRole>) {}
    /// Keep this session's presence live (called every tick; writes every `HEARTBEAT`).
    fn heartbeat(&mut self) {}
    /// Put the session's AWS identity (the caller's ARN) in its presence.
    fn identify(&mut self, _identity: &str) {}
    /// The live sessions on this incident, this one included. A store nobody shares has none.
    fn present(&self) -> Vec<Presence> {
        Vec::new()
    }
}

/// The newest event of each observed state (`Observed::transition_of`), kept by a shared
/// store so a second terminal's identical observation is dropped.
fn note_transition(states: &mut std::collections::HashMap<String, String>, entry: &Entry) {
    if let Some(obs) = entry.observed()
        && let Some(key) = obs.transition_of(entry.region.as_deref())
    {
        states.insert(key, obs.event().as_str().to_owned());
    }
}

/// How long an append waits for another writer's lock before it says so. A writer holds it
/// for one append and one fsync; this long means that writer is stuck.
pub const LOCK_PATIENCE: std::time::Duration = std::time::Duration::from_secs(2);

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("cannot open journal {path}: {source}")]
    Open { path: PathBuf, source: io::Error },
    #[error(
        "journal {path} is locked by another warroom for over 2s (a writer is stuck): find it with `ls {path}.d/presence`, or give this one its own --journal"
    )]
    Locked { path: PathBuf },
    #[error("cannot read journal {path}: {source}")]
    Read { path: PathBuf, source: io::Error },
    #[error("cannot recover journal {path}: {source}")]
    Recover { path: PathBuf, source: io::Error },
    #[error("cannot save to journal {path}: {source}")]
    Write { path: PathBuf, source: io::Error },
    #[error("cannot save to journal: {0}")]
    Unavailable(String),
    #[error("refusing journal {path}: {why}")]
    Refused { path: PathBuf, why: String },
    #[error("cannot save to journal {path}: the file was {what} and cannot be re-created: {source}")]
    Lost { path: PathBuf, what: &'static str, source: io::Error },
}

/// A line that is not a valid entry. Reported, kept in the file, never silently dropped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Malformed {
    pub line: usize,
    pub error: String,
}

/// What opening found and did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Recovery {
    /// A torn last line (a crash mid-write) was moved to this sidecar file; this many bytes.
    pub torn_tail: Option<(PathBuf, usize)>,
    /// The last entry was complete but its newline was missing; the newline was added.
    pub completed_last_line: bool,
    pub malformed: Vec<Malformed>,
}

impl Recovery {
    /// Sentences for the operator, empty when the journal was clean.
    pub fn report(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some((sidecar, bytes)) = &self.torn_tail {
            out.push(format!(
                "the journal's last line was torn by a crash; its {bytes} bytes were moved to {}",
                sidecar.display()
            ));
        }
        for m in &self.malformed {
            out.push(format!("journal line {} is not a valid entry and was skipped: {}", m.line, m.error));
        }
        out
    }
}

#[derive(Debug)]
pub struct FileJournal {
    path: PathBuf,
    file: File,
    next_seq: u64,
    len: u64,
    ids: SplitMix64,
    /// A regular file (not a device such as /dev/full): it can be deleted, and re-created.
    regular: bool,
    /// This session's presence record beside the journal; removed when the journal closes.
    presence: Option<PathBuf>,
    /// What the presence record says (the OS user, no role, until `announce`).
    me: Presence,
    last_beat: DateTime<Utc>,
    /// Others' entries read while appending, not yet handed out by `follow`.
    followed: Vec<Entry>,
    /// The newest event of each observed state in the file (see `note_transition`).
    states: std::collections::HashMap<String, String>,
    /// The newest time of an entry that takes its time under the lock (`takes_time`).
    typed_until: Option<DateTime<Utc>>,
}

/// Whether an entry takes its time under the append lock: what people do (and a session's
/// own facts) happens when it is written, so the file is in time order for these. Derived
/// facts keep the time of the reading they are about, and are placed by it.
pub fn takes_time(kind: super::Kind, data: Option<&serde_json::Value>) -> bool {
    super::permissions::Duty::of(kind, data) != super::permissions::Duty::Derive
}

/// The newest time among `entries` that take their time under the lock.
fn typed_until(entries: &[Entry], since: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
    entries.iter().filter(|e| takes_time(e.kind, e.data.as_ref())).map(|e| e.at).chain(since).max()
}

impl Drop for FileJournal {
    fn drop(&mut self) {
        if let Some(p) = &self.presence {
            super::presence::withdraw(p);
        }
    }
}

/// An opened journal with the entries it already held.
#[derive(Debug)]
pub struct Opened {
    pub journal: FileJournal,
    pub entries: Vec<Entry>,
    pub recovery: Recovery,
}

/// Parse journal bytes: complete, valid lines become entries; the rest is reported.
/// Returns the entries, the malformed lines, and the byte offset where a missing-newline tail starts.
pub fn parse_lines(bytes: &[u8]) -> (Vec<Entry>, Vec<Malformed>, Option<usize>) {
    let mut entries = Vec::new();
    let mut malformed = Vec::new();
    let mut start = 0;
    let mut line_no = 0;
    while start < bytes.len() {
        line_no += 1;
        let Some(end) = bytes[start..].iter().position(|b| *b == b'\n').map(|i| start + i) else {
            return (entries, malformed, Some(start));
        };
        let line = &bytes[start..end];
        if !line.iter().all(u8::is_ascii_whitespace) {
            match serde_json::from_slice::<Entry>(line) {
                Ok(entry) => entries.push(entry),
                Err(e) => malformed.push(Malformed { line: line_no, error: e.to_string() }),
            }
        }
        start = end + 1;
    }
    (entries, malformed, None)
}

/// Read a journal for export: every valid entry, plus what was not (a torn tail included).
pub fn read_file(path: &Path) -> Result<(Vec<Entry>, Vec<Malformed>), JournalError> {
    let bytes = std::fs::read(path).map_err(|source| JournalError::Read { path: path.to_owned(), source })?;
    let (mut entries, mut malformed, tail) = parse_lines(&bytes);
    if let Some(start) = tail {
        let line = bytes[..start].iter().filter(|b| **b == b'\n').count() + 1;
        match serde_json::from_slice::<Entry>(&bytes[start..]) {
            Ok(entry) => entries.push(entry),
            Err(e) => malformed.push(Malformed { line, error: format!("torn last line (no newline): {e}") }),
        }
    }
    Ok((entries, malformed))
}

/// What `--strict` checks beyond each line: `seq` strictly rising and ids unique (errors),
/// time running forward (a warning: clocks step, and entries keep their own times).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Order {
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
}

pub fn check_order(entries: &[Entry]) -> Order {
    let mut order = Order::default();
    let mut ids = std::collections::HashSet::new();
    for pair in entries.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        if b.seq == a.seq {
            order.errors.push(format!("seq {} appears twice", b.seq));
        } else if b.seq < a.seq {
            order.errors.push(format!("seq goes backwards: {} after {}", b.seq, a.seq));
        }
    }
    // Typed entries take their time under the lock, so among them time only runs forward
    // unless a clock stepped back. Derived facts keep their reading's time and are placed by
    // it (the export sorts by time), so they are not out of order where they sit.
    let typed: Vec<&Entry> = entries.iter().filter(|e| takes_time(e.kind, e.data.as_ref())).collect();
    for pair in typed.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        if b.at < a.at {
            order.warnings.push(format!("time goes backwards at seq {}: {} after {}", b.seq, b.at, a.at));
        }
    }
    for e in entries {
        if !ids.insert(e.id.as_str()) {
            order.errors.push(format!("id {} appears twice (seq {})", e.id, e.seq));
        }
    }
    order
}

impl FileJournal {
    /// Open (creating 0600 if needed) and lock `path`, recovering a torn tail. Refuses a
    /// symlink, a directory or other special file (a character device such as /dev/full is
    /// allowed), and a non-empty file that holds no valid entry: it is not a journal.
    pub fn open(path: &Path) -> Result<Opened, JournalError> {
        let open_err = |source| JournalError::Open { path: path.to_owned(), source };
        let refuse = |why: &str| JournalError::Refused { path: path.to_owned(), why: why.to_owned() };
        if let Ok(meta) = std::fs::symlink_metadata(path) {
            let kind = meta.file_type();
            if kind.is_symlink() {
                return Err(refuse("it is a symbolic link; give the real file's path"));
            }
            if kind.is_dir() {
                return Err(refuse("it is a directory; give a file inside it"));
            }
            #[cfg(unix)]
            if !kind.is_file() && !std::os::unix::fs::FileTypeExt::is_char_device(&kind) {
                return Err(refuse("it is not a regular file"));
            }
        }
        let file = private().read(true).append(true).create(true).open(path).map_err(open_err)?;
        // Only a regular file has history: to read (a device such as /dev/full reads forever)
        // and to guard from a second writer (a device's lock is shared by every process).
        let mut bytes = Vec::new();
        let regular = file.metadata().map_err(open_err)?.is_file();
        if regular {
            // The file only grows, so most of it is read without the lock (twenty terminals
            // opening a long journal at once must not queue on it); under the lock, the rest.
            let read_err = |source| JournalError::Read { path: path.to_owned(), source };
            let bulk = read_from(&file, 0).map_err(read_err)?;
            lock(&file, path)?;
            let rest = match file.metadata() {
                // A torn tail was mended meanwhile (the file shrank): read it all again.
                Ok(m) if m.len() < bulk.len() as u64 => read_from(&file, 0),
                Ok(_) => read_from(&file, bulk.len() as u64).map(|rest| [bulk, rest].concat()),
                Err(e) => Err(e),
            };
            bytes = match rest {
                Ok(bytes) => bytes,
                Err(source) => {
                    let _ = file.unlock();
                    return Err(read_err(source));
                }
            };
            // Whole lines only: nothing to mend, so parsing needs no lock.
            if bytes.last().is_none_or(|b| *b == b'\n') {
                let _ = file.unlock();
            }
        }
        Self::adopt(path, file, bytes, regular)
    }

    /// The rest of `open`, under the lock on a regular file (released before returning).
    fn adopt(path: &Path, mut file: File, bytes: Vec<u8>, regular: bool) -> Result<Opened, JournalError> {
        let release = |file: &File| {
            if regular {
                let _ = file.unlock();
            }
        };
        let refuse = |why: &str| JournalError::Refused { path: path.to_owned(), why: why.to_owned() };
        let (mut entries, malformed, tail) = parse_lines(&bytes);
        if entries.is_empty() && !bytes.iter().all(u8::is_ascii_whitespace) {
            release(&file);
            // Adopting it would truncate its last line as a "torn tail": leave it alone.
            let first = malformed.first().map(|m| format!(" (line {}: {})", m.line, m.error)).unwrap_or_default();
            return Err(refuse(&format!("it holds no valid journal entry{first}; it is not a warroom journal")));
        }
        let mut recovery = Recovery { malformed, ..Recovery::default() };
        let mut len = bytes.len() as u64;
        if let Some(start) = tail {
            let mended = mend_tail(path, &mut file, &bytes[start..], start as u64, &mut recovery);
            if let Err(e) = mended {
                release(&file);
                return Err(e);
            }
            if let Ok(Some(entry)) = mended {
                entries.push(entry);
            }
            len = if recovery.completed_last_line { len + 1 } else { start as u64 };
        }
        release(&file);
        let next_seq = entries.iter().map(|e| e.seq).max().unwrap_or(0) + 1;
        let seed = Utc::now().timestamp_nanos_opt().unwrap_or_default() as u64 ^ (u64::from(std::process::id()) << 32);
        let me = Presence::me(&super::default_author(), None);
        let presence = if regular { presence::announce(path, &me).ok() } else { None };
        let ids = SplitMix64::new(seed);
        let mut states = std::collections::HashMap::new();
        for e in &entries {
            note_transition(&mut states, e);
        }
        let journal = FileJournal {
            path: path.to_owned(),
            file,
            next_seq,
            len,
            ids,
            regular,
            presence,
            last_beat: me.since,
            me,
            followed: vec![],
            states,
            typed_until: typed_until(&entries, None),
        };
        Ok(Opened { journal, entries, recovery })
    }

    /// Read what others appended since `self.len`. Only whole lines count; with `locked`, a
    /// line without its newline was left by a writer that died mid-append and is mended as
    /// `open` mends it (nobody else can be writing it); without the lock it may still be
    /// being written, and is read next time.
    fn catch_up(&mut self, locked: bool) -> Result<(), JournalError> {
        if !self.regular {
            return Ok(());
        }
        let read_err = |source| JournalError::Read { path: self.path.clone(), source };
        let bytes = read_from(&self.file, self.len).map_err(read_err)?;
        if bytes.is_empty() {
            return Ok(());
        }
        let (mut entries, _malformed, tail) = parse_lines(&bytes);
        let mut consumed = tail.unwrap_or(bytes.len());
        if let (Some(start), true) = (tail, locked) {
            let mut recovery = Recovery::default();
            let at = self.len + start as u64;
            if let Some(entry) = mend_tail(&self.path, &mut self.file, &bytes[start..], at, &mut recovery)? {
                entries.push(entry);
            }
            consumed = if recovery.completed_last_line { bytes.len() + 1 } else { start };
        }
        self.len += consumed as u64;
        if let Some(last) = entries.iter().map(|e| e.seq).max() {
            self.next_seq = self.next_seq.max(last + 1);
        }
        for e in &entries {
            note_transition(&mut self.states, e);
        }
        self.typed_until = typed_until(&entries, self.typed_until);
        self.followed.extend(entries);
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Name this session's presence record after `author` (`--as`), not the OS user.
    pub fn announce_as(&mut self, author: &str) {
        author.clone_into(&mut self.me.author);
        self.rewrite_presence();
    }

    fn rewrite_presence(&mut self) {
        if self.regular {
            self.me.heartbeat = Some(Utc::now());
            self.presence = presence::announce(&self.path, &self.me).ok().or(self.presence.take());
        }
    }

    /// How the path lost its file, if it did: deleted (no link left, or nothing at the path),
    /// or replaced (the path names another file).
    #[cfg(unix)]
    fn lost(&self) -> Option<&'static str> {
        use std::os::unix::fs::MetadataExt;
        let ours = self.file.metadata().ok()?;
        match std::fs::symlink_metadata(&self.path) {
            Err(_) => Some("deleted"),
            Ok(now) if now.dev() != ours.dev() || now.ino() != ours.ino() => Some("replaced"),
            Ok(_) if ours.nlink() == 0 => Some("deleted"),
            Ok(_) => None,
        }
    }

    #[cfg(not(unix))]
    fn lost(&self) -> Option<&'static str> {
        (!self.path.exists()).then_some("deleted")
    }

    /// Write `history` to a new file at the path (moving a replacement aside, never over it),
    /// and append there from now on.
    fn recreate(&mut self, history: &[Entry], what: &'static str) -> Result<Option<String>, JournalError> {
        let path = self.path.clone();
        let lost = |source| JournalError::Lost { path: path.clone(), what, source };
        // Another terminal on this journal may have noticed first and re-created it with the
        // history it follows: then this one follows that file instead of making its own.
        if what == "replaced" && self.follow_peer(history)? {
            return Ok(None);
        }
        let mut moved = String::new();
        if what == "replaced" {
            let aside = sidecar_path(&self.path, "replaced", Utc::now());
            std::fs::rename(&self.path, &aside).map_err(lost)?;
            moved = format!("; the file found there was moved to {}", aside.display());
        }
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(lost)?;
        }
        let mut bytes = Vec::new();
        for entry in history {
            serde_json::to_writer(&mut bytes, entry).map_err(|e| lost(io::Error::other(e)))?;
            bytes.push(b'\n');
        }
        let mut file = match private().read(true).append(true).create_new(true).open(&self.path) {
            Ok(file) => file,
            // A peer re-created it between the look and the create: follow theirs.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && self.follow_peer(history)? => return Ok(None),
            Err(e) => return Err(lost(e)),
        };
        lock(&file, &self.path)?;
        let written = file.write_all(&bytes).and_then(|()| file.sync_all());
        let _ = file.unlock();
        written.map_err(lost)?;
        sync_dir(&self.path).map_err(lost)?;
        self.file = file;
        self.len = bytes.len() as u64;
        // A removed directory took the presence record with it: leave a new one.
        self.rewrite_presence();
        Ok(Some(format!(
            "the journal file was {what}; it was re-created at {} with all {} entries{moved}",
            self.path.display(),
            history.len()
        )))
    }

    /// If the file now at the path is this journal re-created by another writer (it holds
    /// the newest entry this one has), append there from now on and follow what it has
    /// beyond that. Returns whether it did.
    fn follow_peer(&mut self, history: &[Entry]) -> Result<bool, JournalError> {
        let read_err = |source| JournalError::Read { path: self.path.clone(), source };
        let Ok(file) = private().read(true).append(true).open(&self.path) else { return Ok(false) };
        lock(&file, &self.path)?;
        let bytes = read_from(&file, 0);
        let _ = file.unlock();
        let bytes = bytes.map_err(read_err)?;
        let (entries, _, tail) = parse_lines(&bytes);
        let last = history.iter().map(|e| e.seq).max().unwrap_or(0);
        let ours = history.last().map(|e| e.id.as_str());
        if entries.is_empty() || ours.is_some_and(|id| !entries.iter().any(|e| e.id == id)) {
            return Ok(false);
        }
        self.len = tail.unwrap_or(bytes.len()) as u64;
        self.next_seq = self.next_seq.max(entries.iter().map(|e| e.seq).max().unwrap_or(0) + 1);
        self.followed.extend(entries.into_iter().filter(|e| e.seq > last));
        self.file = file;
        self.rewrite_presence();
        Ok(true)
    }
}

/// Take the file's exclusive lock, waiting up to `LOCK_PATIENCE` for the writer holding it.
fn lock(file: &File, path: &Path) -> Result<(), JournalError> {
    wait_for_lock(file).map_err(|e| match e {
        None => JournalError::Locked { path: path.to_owned() },
        Some(source) => JournalError::Open { path: path.to_owned(), source },
    })
}

/// The exclusive lock on `file`, waited for up to `LOCK_PATIENCE` (appends and claim changes
/// hold it briefly). `Err(None)`: still held by another after that; `Err(Some)`: I/O error.
pub(super) fn wait_for_lock(file: &File) -> Result<(), Option<io::Error>> {
    let started = std::time::Instant::now();
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(()),
            Err(TryLockError::WouldBlock) if started.elapsed() < LOCK_PATIENCE => {
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
            Err(TryLockError::WouldBlock) => return Err(None),
            Err(TryLockError::Error(source)) => return Err(Some(source)),
        }
    }
}

/// Everything in `file` from byte `offset` to its end.
fn read_from(file: &File, offset: u64) -> io::Result<Vec<u8>> {
    use std::os::unix::fs::FileExt;
    let mut out = Vec::new();
    let mut buf = vec![0; 64 * 1024];
    let mut at = offset;
    loop {
        let n = file.read_at(&mut buf, at)?;
        if n == 0 {
            return Ok(out);
        }
        out.extend_from_slice(&buf[..n]);
        at += n as u64;
    }
}

/// Mend a last line without its newline (`tail`, starting at byte `at`; under the lock):
/// complete but for the newline, finish it and return the entry; torn, move it to a sidecar
/// and cut it off.
fn mend_tail(
    path: &Path,
    file: &mut File,
    tail: &[u8],
    at: u64,
    recovery: &mut Recovery,
) -> Result<Option<Entry>, JournalError> {
    let recover_err = |source| JournalError::Recover { path: path.to_owned(), source };
    match serde_json::from_slice::<Entry>(tail) {
        Ok(entry) => {
            file.write_all(b"\n").and_then(|()| file.sync_data()).map_err(recover_err)?;
            recovery.completed_last_line = true;
            Ok(Some(entry))
        }
        Err(_) => {
            let sidecar = sidecar_path(path, "torn", Utc::now());
            write_new_file(&sidecar, tail).map_err(recover_err)?;
            file.set_len(at).and_then(|()| file.sync_all()).map_err(recover_err)?;
            recovery.torn_tail = Some((sidecar, tail.len()));
            Ok(None)
        }
    }
}

/// fsync the directory holding `path`, so a new or renamed file in it survives a crash.
pub fn sync_dir(path: &Path) -> io::Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    File::open(dir)?.sync_all()
}

impl FileJournal {
    /// The append itself, with the lock held (on a regular file).
    fn append_locked(&mut self, draft: Draft) -> Result<Entry, JournalError> {
        self.catch_up(true)?;
        let id = draft.observation_id().unwrap_or_else(|| format!("{:016x}", self.ids.next_u64()));
        let mut draft = draft;
        // Its time, taken under the lock: never before what another writer appended first.
        if takes_time(draft.kind, draft.data.as_ref()) {
            draft.at = draft.at.max(self.typed_until.unwrap_or(draft.at));
            self.typed_until = Some(draft.at);
        }
        let entry = Entry::from_draft(draft, self.next_seq, id);
        let mut line = serde_json::to_vec(&entry)
            .map_err(|e| JournalError::Write { path: self.path.clone(), source: io::Error::other(e) })?;
        line.push(b'\n');
        let written = self.file.write_all(&line).and_then(|()| self.file.sync_data());
        if let Err(source) = written {
            // Take back a partial line so the next append does not glue onto it.
            let _ = self.file.set_len(self.len);
            return Err(JournalError::Write { path: self.path.clone(), source });
        }
        self.len += line.len() as u64;
        self.next_seq += 1;
        note_transition(&mut self.states, &entry);
        Ok(entry)
    }

    /// Whether the file's newest transition of the draft's state already says the same.
    fn already_observed(&self, draft: &Draft) -> bool {
        let Some(obs) = draft.observed() else { return false };
        let Some(key) = obs.transition_of(draft.region.as_deref()) else { return false };
        self.states.get(&key).is_some_and(|last| last == obs.event().as_str())
    }
}

impl JournalStore for FileJournal {
    fn announce(&mut self, author: &str, role: Option<TeamRole>) {
        author.clone_into(&mut self.me.author);
        self.me.role = role;
        self.rewrite_presence();
    }

    fn identify(&mut self, identity: &str) {
        self.me.identity = Some(identity.to_owned());
        self.rewrite_presence();
    }

    fn heartbeat(&mut self) {
        let now = Utc::now();
        if now - self.last_beat >= presence::HEARTBEAT {
            self.last_beat = now;
            self.rewrite_presence();
        }
    }

    fn present(&self) -> Vec<Presence> {
        if self.regular { presence::live(&self.path) } else { Vec::new() }
    }

    fn append(&mut self, draft: Draft) -> Result<Entry, JournalError> {
        if !self.regular {
            return self.append_locked(draft);
        }
        lock(&self.file, &self.path)?;
        let result = self.append_locked(draft);
        let _ = self.file.unlock();
        result
    }

    fn append_observation(&mut self, draft: Draft) -> Result<Option<Entry>, JournalError> {
        if !self.regular {
            return self.append_locked(draft).map(Some);
        }
        lock(&self.file, &self.path)?;
        // Judged after reading what others wrote, under the lock: exactly one terminal writes it.
        let result = self
            .catch_up(true)
            .and_then(|()| if self.already_observed(&draft) { Ok(None) } else { self.append_locked(draft).map(Some) });
        let _ = self.file.unlock();
        result
    }

    fn follow(&mut self) -> Result<Vec<Entry>, JournalError> {
        self.catch_up(false)?;
        let mut out = std::mem::take(&mut self.followed);
        out.sort_by_key(|e| e.seq);
        Ok(out)
    }

    fn location(&self) -> String {
        self.path.display().to_string()
    }

    fn verify(&mut self, history: &[Entry]) -> Result<Option<String>, JournalError> {
        if !self.regular {
            return Ok(None);
        }
        match self.lost() {
            None => Ok(None),
            Some(what) => self.recreate(history, what),
        }
    }
}

/// `FILE.TAG-YYYYMMDDTHHMMSS.mmmZ` beside the journal: a torn tail, or a file found in its place.
fn sidecar_path(path: &Path, tag: &str, now: DateTime<Utc>) -> PathBuf {
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(format!(".{tag}-{}", now.format("%Y%m%dT%H%M%S%.3fZ")));
    path.with_file_name(name)
}

/// Options for a file only its owner may read: the journal and its sidecars hold the incident.
fn private() -> OpenOptions {
    let mut options = OpenOptions::new();
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
}

fn write_new_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut f = private().write(true).create_new(true).open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// The default journal for an incident: a new file per incident in the platform data dir,
/// named by incident and UTC start time.
pub fn default_path(incident: &str, started: DateTime<Utc>) -> Option<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "warroom")?;
    let slug = crate::text::format::slug(incident, "incident");
    Some(dirs.data_dir().join("journals").join(format!("{slug}-{}.jsonl", started.format("%Y%m%dT%H%M%SZ"))))
}

/// An in-memory store: for tests, and the fallback when a journal cannot be opened.
#[derive(Debug, Default)]
pub struct MemoryJournal {
    next_seq: u64,
    /// When set, every append fails with this message (to test what the UI keeps).
    pub fail_with: Option<String>,
    pub written: Vec<Entry>,
}

impl JournalStore for MemoryJournal {
    fn append(&mut self, draft: Draft) -> Result<Entry, JournalError> {
        if let Some(message) = &self.fail_with {
            return Err(JournalError::Unavailable(message.clone()));
        }
        self.next_seq += 1;
        let entry = Entry::from_draft(draft, self.next_seq, format!("mem-{}", self.next_seq));
        self.written.push(entry.clone());
        Ok(entry)
    }

    fn location(&self) -> String {
        "memory (not saved to disk)".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scribe::entry::Kind;
    use chrono::TimeZone;

    fn draft(text: &str) -> Draft {
        Draft::new(Utc.with_ymd_and_hms(2026, 11, 24, 3, 0, 0).unwrap(), "ana", Kind::Note, text)
    }

    #[test]
    fn typed_entries_take_their_time_under_the_lock_and_facts_keep_their_readings_time() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let t = |s: i64| Utc.with_ymd_and_hms(2026, 11, 24, 3, 0, 0).unwrap() + chrono::Duration::seconds(s);
        let mut ana = FileJournal::open(&path).unwrap().journal;
        let mut bo = FileJournal::open(&path).unwrap().journal;
        ana.append(Draft::new(t(50), "ana", Kind::Note, "typed at :50")).unwrap();
        // bo typed at :38 but took the lock after ana: his entry is placed when it was written.
        let late = bo.append(Draft::new(t(38), "bo", Kind::Decision, "typed at :38")).unwrap();
        assert_eq!(late.at, t(50));
        // A fact about a reading at :30 keeps the reading's time, wherever it lands.
        let fact = Draft::new(t(30), crate::scribe::SYSTEM_AUTHOR, Kind::Observation, "5xx above")
            .data(crate::scribe::Observed::ServingDegraded.data());
        assert_eq!(bo.append(fact).unwrap().at, t(30));
        let (entries, _) = read_file(&path).unwrap();
        assert_eq!(check_order(&entries), Order::default(), "a fact placed by its time is no warning");
        // A typed entry that steps back (a clock stepped back under the lock) is one.
        let mut stepped = entries.clone();
        stepped.push(Entry::from_draft(Draft::new(t(10), "cy", Kind::Note, "x"), 4, "x".into()));
        assert_eq!(check_order(&stepped).warnings.len(), 1);
    }

    #[test]
    fn appends_continue_sequence_numbers_after_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        {
            let mut opened = FileJournal::open(&path).unwrap();
            assert!(opened.entries.is_empty());
            assert_eq!(opened.journal.append(draft("one")).unwrap().seq, 1);
            assert_eq!(opened.journal.append(draft("two")).unwrap().seq, 2);
        }
        let mut opened = FileJournal::open(&path).unwrap();
        assert_eq!(opened.entries.iter().map(|e| e.text.as_str()).collect::<Vec<_>>(), ["one", "two"]);
        assert_eq!(opened.recovery, Recovery::default());
        let third = opened.journal.append(draft("three")).unwrap();
        assert_eq!(third.seq, 3);
        assert_ne!(third.id, opened.entries[0].id);
    }

    #[cfg(unix)]
    #[test]
    fn the_file_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        FileJournal::open(&path).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    }

    #[test]
    fn a_torn_tail_moves_to_a_sidecar_and_a_complete_one_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        {
            let mut opened = FileJournal::open(&path).unwrap();
            opened.journal.append(draft("kept")).unwrap();
        }
        let torn = "{\"seq\":2,\"id\":\"x\",\"at\":\"2026-11";
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(torn.as_bytes()).unwrap();
        drop(f);
        let mut opened = FileJournal::open(&path).unwrap();
        let (sidecar, bytes) = opened.recovery.torn_tail.clone().unwrap();
        assert_eq!(bytes, torn.len());
        assert_eq!(std::fs::read_to_string(&sidecar).unwrap(), torn);
        assert_eq!(opened.entries.len(), 1);
        assert!(opened.recovery.report()[0].contains("moved to"));
        // The next entry lands on a clean line.
        assert_eq!(opened.journal.append(draft("after")).unwrap().seq, 2);
        drop(opened);
        let (entries, malformed) = read_file(&path).unwrap();
        assert_eq!(entries.len(), 2);
        assert!(malformed.is_empty());

        // A complete entry missing only its newline is kept, not moved aside.
        let mut line = serde_json::to_vec(&Entry::from_draft(draft("no newline"), 3, "y".into())).unwrap();
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(&line).unwrap();
        drop(f);
        let opened = FileJournal::open(&path).unwrap();
        assert!(opened.recovery.completed_last_line);
        assert_eq!(opened.entries.last().unwrap().text, "no newline");
        line.push(b'\n');
        assert!(std::fs::read(&path).unwrap().ends_with(&line));
    }

    #[test]
    fn malformed_lines_are_reported_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let good = serde_json::to_string(&Entry::from_draft(draft("good"), 1, "a".into())).unwrap();
        std::fs::write(&path, format!("{good}\nnot json\n\n{{\"seq\":2}}\n")).unwrap();
        let opened = FileJournal::open(&path).unwrap();
        assert_eq!(opened.entries.len(), 1);
        assert_eq!(opened.recovery.malformed.iter().map(|m| m.line).collect::<Vec<_>>(), [2, 4]);
        assert!(std::fs::read_to_string(&path).unwrap().contains("not json"));
    }

    #[test]
    fn symlinks_directories_and_files_that_are_not_journals_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.jsonl");
        FileJournal::open(&real).unwrap();
        let link = dir.path().join("link.jsonl");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        assert!(FileJournal::open(&link).unwrap_err().to_string().contains("symbolic link"));
        assert!(FileJournal::open(dir.path()).unwrap_err().to_string().contains("directory"));
        let notes = dir.path().join("notes.txt");
        std::fs::write(&notes, "shopping list\nmilk").unwrap();
        let err = FileJournal::open(&notes).unwrap_err().to_string();
        assert!(err.contains("not a warroom journal") && err.contains("line 1"), "{err}");
        assert_eq!(std::fs::read_to_string(&notes).unwrap(), "shopping list\nmilk", "left untouched");
        // An empty file is a new journal.
        let empty = dir.path().join("empty.jsonl");
        std::fs::write(&empty, "").unwrap();
        assert!(FileJournal::open(&empty).is_ok());
    }

    #[test]
    fn a_deleted_or_replaced_file_is_recreated_with_the_history() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let mut opened = FileJournal::open(&path).unwrap();
        let history: Vec<Entry> = (0..3).map(|i| opened.journal.append(draft(&format!("e{i}"))).unwrap()).collect();
        assert_eq!(opened.journal.verify(&history).unwrap(), None);
        std::fs::remove_file(&path).unwrap();
        let said = opened.journal.verify(&history).unwrap().unwrap();
        assert!(said.contains("deleted") && said.contains("all 3 entries"), "{said}");
        opened.journal.append(draft("after")).unwrap();
        let (entries, _) = read_file(&path).unwrap();
        assert_eq!(entries.iter().map(|e| e.text.as_str()).collect::<Vec<_>>(), ["e0", "e1", "e2", "after"]);

        std::fs::write(dir.path().join("other"), "markdown").unwrap();
        std::fs::rename(dir.path().join("other"), &path).unwrap();
        let said = opened.journal.verify(&history).unwrap().unwrap();
        assert!(said.contains("replaced") && said.contains("moved to"), "{said}");
        assert_eq!(read_file(&path).unwrap().0.len(), 3);
    }

    #[test]
    fn two_writers_share_one_order_and_follow_each_other() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let mut a = FileJournal::open(&path).unwrap().journal;
        let mut b = FileJournal::open(&path).unwrap().journal;
        assert_eq!(a.append(draft("a1")).unwrap().seq, 1);
        assert_eq!(a.append(draft("a2")).unwrap().seq, 2);
        // b has not seen a's entries; appending reads them first and takes the next seq.
        assert_eq!(b.append(draft("b1")).unwrap().seq, 3);
        let texts = |v: Vec<Entry>| v.into_iter().map(|e| e.text).collect::<Vec<_>>();
        assert_eq!(texts(b.follow().unwrap()), ["a1", "a2"], "what b read while appending, in order");
        assert_eq!(texts(a.follow().unwrap()), ["b1"]);
        assert!(a.follow().unwrap().is_empty(), "each entry is handed out once");
        assert_eq!(a.append(draft("a3")).unwrap().seq, 4);
        assert_eq!(texts(b.follow().unwrap()), ["a3"]);
        let (entries, malformed) = read_file(&path).unwrap();
        assert!(malformed.is_empty());
        assert_eq!(entries.iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 2, 3, 4]);
        assert!(check_order(&entries).errors.is_empty());
    }

    #[test]
    fn a_torn_line_left_by_a_dead_writer_is_mended_by_the_next_append() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let mut a = FileJournal::open(&path).unwrap().journal;
        a.append(draft("whole")).unwrap();
        // Another writer died half-way through its line.
        std::fs::OpenOptions::new().append(true).open(&path).unwrap().write_all(b"{\"seq\":2,\"id\":\"x").unwrap();
        assert!(a.follow().unwrap().is_empty(), "a partial line is not read as an entry");
        assert_eq!(a.append(draft("after")).unwrap().seq, 2);
        let (entries, malformed) = read_file(&path).unwrap();
        assert!(malformed.is_empty(), "{malformed:?}");
        assert_eq!(entries.iter().map(|e| e.text.as_str()).collect::<Vec<_>>(), ["whole", "after"]);
        let sidecars = std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().contains(".torn-"))
            .count();
        assert_eq!(sidecars, 1, "the torn bytes are kept beside the journal");
    }

    #[test]
    fn a_writer_that_finds_a_peer_recreated_the_file_follows_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let mut a = FileJournal::open(&path).unwrap().journal;
        let mut b = FileJournal::open(&path).unwrap().journal;
        let history = vec![a.append(draft("one")).unwrap()];
        assert_eq!(b.follow().unwrap(), history, "b has seen it too");
        std::fs::remove_file(&path).unwrap();
        let said = a.verify(&history).unwrap();
        assert!(said.is_some_and(|s| s.contains("re-created")));
        a.append(draft("two")).unwrap();
        assert_eq!(b.verify(&history).unwrap(), None, "b follows a's new file instead of making its own");
        assert_eq!(b.follow().unwrap().into_iter().map(|e| e.text).collect::<Vec<_>>(), ["two"]);
        assert_eq!(b.append(draft("three")).unwrap().seq, 3);
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(!names.iter().any(|n| n.contains(".replaced-")), "nothing was moved aside: {names:?}");
        assert_eq!(read_file(&path).unwrap().0.len(), 3);
    }

    #[test]
    fn default_path_names_incident_and_start() {
        let at = Utc.with_ymd_and_hms(2026, 11, 24, 3, 4, 5).unwrap();
        let path = default_path("Checkout API / EU", at).unwrap();
        assert!(path.ends_with("journals/checkout-api-eu-20261124T030405Z.jsonl"), "{}", path.display());
    }
}
