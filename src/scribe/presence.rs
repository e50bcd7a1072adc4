//! Presence: each open session leaves a record beside its journal (who, host, pid, since), so
//! that `export -o` can refuse to write over a journal somebody is writing, and so that the
//! terminals on one incident can be listed. Records live in `<journal>.d/presence/`, one file
//! per session, removed when the session's journal closes; a record whose process is gone
//! (a crash, kill -9) is not live.

use std::io;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Presence {
    pub author: String,
    pub host: String,
    pub pid: u32,
    pub since: DateTime<Utc>,
}

/// The directory of a journal's presence records.
pub fn dir(journal: &Path) -> PathBuf {
    let mut name = journal.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".d");
    journal.with_file_name(name).join("presence")
}

/// This machine's name, as presence records give it.
pub fn host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_owned())
}

/// Write (or rewrite) this process's record for `journal`; returns its path (removed on close).
pub fn announce(journal: &Path, author: &str) -> io::Result<PathBuf> {
    let dir = dir(journal);
    std::fs::create_dir_all(&dir)?;
    let me = Presence { author: author.to_owned(), host: host(), pid: std::process::id(), since: Utc::now() };
    let path = dir.join(format!("{}-{}.json", me.host, me.pid));
    std::fs::write(&path, serde_json::to_vec(&me).map_err(io::Error::other)?)?;
    Ok(path)
}

/// Remove this session's record, and the sidecar folders once nobody else is in them.
pub fn withdraw(record: &Path) {
    let _ = std::fs::remove_file(record);
    if let Some(presence) = record.parent() {
        // Fails harmlessly while another session's record (or a later sidecar) is there.
        let _ = std::fs::remove_dir(presence);
        if let Some(sidecar) = presence.parent() {
            let _ = std::fs::remove_dir(sidecar);
        }
    }
}

/// Whether the process behind a record still runs. Another host's process cannot be seen from
/// here, so its record counts as live.
fn alive(p: &Presence) -> bool {
    p.host != host() || Path::new(&format!("/proc/{}", p.pid)).exists()
}

/// The live sessions writing `journal`.
pub fn live(journal: &Path) -> Vec<Presence> {
    let Ok(records) = std::fs::read_dir(dir(journal)) else { return Vec::new() };
    records
        .filter_map(|r| std::fs::read(r.ok()?.path()).ok())
        .filter_map(|bytes| serde_json::from_slice::<Presence>(&bytes).ok())
        .filter(alive)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_is_live_while_its_process_runs() {
        let d = tempfile::tempdir().unwrap();
        let journal = d.path().join("j.jsonl");
        assert!(live(&journal).is_empty());
        let record = announce(&journal, "ana").unwrap();
        assert_eq!(live(&journal).len(), 1);
        // A record left by a process that is gone (kill -9) does not count.
        let dead = Presence { author: "x".into(), host: host(), pid: u32::MAX - 1, since: Utc::now() };
        std::fs::write(dir(&journal).join("dead.json"), serde_json::to_vec(&dead).unwrap()).unwrap();
        assert_eq!(live(&journal).len(), 1);
        std::fs::remove_file(record).unwrap();
        assert!(live(&journal).is_empty());
    }
}
