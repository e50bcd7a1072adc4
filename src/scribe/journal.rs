//! The journal store: append-only JSON Lines, fsynced before an entry counts as saved,
//! created 0600, locked against a second writer, and recovered (never silently truncated)
//! after a crash.
//!
//! `JournalStore` is the seam for a later shared store (DynamoDB, several terminals): the
//! pane and the export only ever see `Entry` values.

use std::fmt;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use super::entry::{Draft, Entry};
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
}

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("cannot open journal {path}: {source}")]
    Open { path: PathBuf, source: io::Error },
    #[error(
        "journal {path} is in use by another warroom (it holds the lock): close that one, or give this one its own --journal"
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
    /// Who the presence record names (the OS user until `announce_as`).
    author: String,
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
        let mut file = private().read(true).append(true).create(true).open(path).map_err(open_err)?;
        // Only a regular file has history: to read (a device such as /dev/full reads forever)
        // and to guard from a second writer (a device's lock is shared by every process).
        let mut bytes = Vec::new();
        let regular = file.metadata().map_err(open_err)?.is_file();
        if regular {
            match file.try_lock() {
                Ok(()) => {}
                Err(TryLockError::WouldBlock) => return Err(JournalError::Locked { path: path.to_owned() }),
                Err(TryLockError::Error(source)) => return Err(open_err(source)),
            }
            file.read_to_end(&mut bytes).map_err(|source| JournalError::Read { path: path.to_owned(), source })?;
        }
        let (mut entries, malformed, tail) = parse_lines(&bytes);
        if entries.is_empty() && !bytes.iter().all(u8::is_ascii_whitespace) {
            // Adopting it would truncate its last line as a "torn tail": leave it alone.
            let first = malformed.first().map(|m| format!(" (line {}: {})", m.line, m.error)).unwrap_or_default();
            return Err(refuse(&format!("it holds no valid journal entry{first}; it is not a warroom journal")));
        }
        let mut recovery = Recovery { malformed, ..Recovery::default() };
        let mut len = bytes.len() as u64;
        if let Some(start) = tail {
            let recover_err = |source| JournalError::Recover { path: path.to_owned(), source };
            match serde_json::from_slice::<Entry>(&bytes[start..]) {
                Ok(entry) => {
                    // Complete but for its newline: keep it, finish the line.
                    file.write_all(b"\n").and_then(|()| file.sync_data()).map_err(recover_err)?;
                    entries.push(entry);
                    recovery.completed_last_line = true;
                    len += 1;
                }
                Err(_) => {
                    let sidecar = sidecar_path(path, "torn", Utc::now());
                    write_new_file(&sidecar, &bytes[start..]).map_err(recover_err)?;
                    file.set_len(start as u64).and_then(|()| file.sync_all()).map_err(recover_err)?;
                    recovery.torn_tail = Some((sidecar, bytes.len() - start));
                    len = start as u64;
                }
            }
        }
        let next_seq = entries.iter().map(|e| e.seq).max().unwrap_or(0) + 1;
        let seed = Utc::now().timestamp_nanos_opt().unwrap_or_default() as u64 ^ (u64::from(std::process::id()) << 32);
        let author = super::default_author();
        let presence = if regular { super::presence::announce(path, &author).ok() } else { None };
        let ids = SplitMix64::new(seed);
        let journal = FileJournal { path: path.to_owned(), file, next_seq, len, ids, regular, presence, author };
        Ok(Opened { journal, entries, recovery })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Name this session's presence record after `author` (`--as`), not the OS user.
    pub fn announce_as(&mut self, author: &str) {
        author.clone_into(&mut self.author);
        if self.regular {
            self.presence = super::presence::announce(&self.path, author).ok().or(self.presence.take());
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
    fn recreate(&mut self, history: &[Entry], what: &'static str) -> Result<String, JournalError> {
        let lost = |source| JournalError::Lost { path: self.path.clone(), what, source };
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
        let mut file = private().read(true).append(true).create_new(true).open(&self.path).map_err(lost)?;
        let _ = file.try_lock();
        file.write_all(&bytes).and_then(|()| file.sync_all()).map_err(lost)?;
        sync_dir(&self.path).map_err(lost)?;
        self.file = file;
        self.len = bytes.len() as u64;
        // A removed directory took the presence record with it: leave a new one.
        self.announce_as(&self.author.clone());
        Ok(format!(
            "the journal file was {what}; it was re-created at {} with all {} entries{moved}",
            self.path.display(),
            history.len()
        ))
    }
}

/// fsync the directory holding `path`, so a new or renamed file in it survives a crash.
pub fn sync_dir(path: &Path) -> io::Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    File::open(dir)?.sync_all()
}

impl JournalStore for FileJournal {
    fn append(&mut self, draft: Draft) -> Result<Entry, JournalError> {
        let entry = Entry::from_draft(draft, self.next_seq, format!("{:016x}", self.ids.next_u64()));
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
        Ok(entry)
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
            Some(what) => self.recreate(history, what).map(Some),
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
    let slug: String = incident
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' })
        .collect::<String>()
        .split('-')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    let slug = if slug.is_empty() { "incident".to_owned() } else { slug };
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
    fn a_second_writer_is_refused_with_the_file_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let _first = FileJournal::open(&path).unwrap();
        let err = FileJournal::open(&path).unwrap_err();
        assert!(matches!(err, JournalError::Locked { .. }));
        assert!(err.to_string().contains(&path.display().to_string()), "{err}");
    }

    #[test]
    fn default_path_names_incident_and_start() {
        let at = Utc.with_ymd_and_hms(2026, 11, 24, 3, 4, 5).unwrap();
        let path = default_path("Checkout API / EU", at).unwrap();
        assert!(path.ends_with("journals/checkout-api-eu-20261124T030405Z.jsonl"), "{}", path.display());
    }
}
