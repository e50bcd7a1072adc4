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

impl FileJournal {
    /// Open (creating 0600 if needed) and lock `path`, recovering a torn tail.
    pub fn open(path: &Path) -> Result<Opened, JournalError> {
        let open_err = |source| JournalError::Open { path: path.to_owned(), source };
        let mut options = OpenOptions::new();
        options.read(true).append(true).create(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(path).map_err(open_err)?;
        // Only a regular file has history: to read (a device such as /dev/full reads forever)
        // and to guard from a second writer (a device's lock is shared by every process).
        let mut bytes = Vec::new();
        if file.metadata().map_err(open_err)?.is_file() {
            match file.try_lock() {
                Ok(()) => {}
                Err(TryLockError::WouldBlock) => return Err(JournalError::Locked { path: path.to_owned() }),
                Err(TryLockError::Error(source)) => return Err(open_err(source)),
            }
            file.read_to_end(&mut bytes).map_err(|source| JournalError::Read { path: path.to_owned(), source })?;
        }
        let (mut entries, malformed, tail) = parse_lines(&bytes);
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
                    let sidecar = sidecar_path(path, Utc::now());
                    write_new_file(&sidecar, &bytes[start..]).map_err(recover_err)?;
                    file.set_len(start as u64).and_then(|()| file.sync_all()).map_err(recover_err)?;
                    recovery.torn_tail = Some((sidecar, bytes.len() - start));
                    len = start as u64;
                }
            }
        }
        let next_seq = entries.iter().map(|e| e.seq).max().unwrap_or(0) + 1;
        let seed = Utc::now().timestamp_nanos_opt().unwrap_or_default() as u64 ^ (u64::from(std::process::id()) << 32);
        let journal = FileJournal { path: path.to_owned(), file, next_seq, len, ids: SplitMix64::new(seed) };
        Ok(Opened { journal, entries, recovery })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
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
}

fn sidecar_path(path: &Path, now: DateTime<Utc>) -> PathBuf {
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(format!(".torn-{}", now.format("%Y%m%dT%H%M%S%.3fZ")));
    path.with_file_name(name)
}

fn write_new_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut f = options.open(path)?;
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
