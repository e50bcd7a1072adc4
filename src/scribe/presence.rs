//! Presence: each open session leaves a record beside its journal (who, role, host, pid,
//! since, heartbeat), so that `export -o` can refuse to write over a journal somebody is
//! writing, and so that the terminals on one incident can be listed. Records live in
//! `<journal>.d/presence/`, one file per session, rewritten every `HEARTBEAT` and removed
//! when the session's journal closes. A record whose process is gone (a crash, kill -9), or
//! from another host whose heartbeat stopped, is not live.

use std::io;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::roles::TeamRole;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Presence {
    pub author: String,
    pub host: String,
    pub pid: u32,
    pub since: DateTime<Utc>,
    /// The session's role on the incident; `None` for one alone (the implicit commander).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<TeamRole>,
    /// Rewritten every `HEARTBEAT` while the session runs.
    #[serde(default)]
    pub heartbeat: Option<DateTime<Utc>>,
    /// Who the session is to AWS (the caller's ARN), in live mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
}

/// How often a session rewrites its record.
pub const HEARTBEAT: chrono::Duration = chrono::Duration::seconds(5);
/// A record from another host whose heartbeat is older than this is a dead session's.
pub const HEARTBEAT_LOST: chrono::Duration = chrono::Duration::seconds(30);

impl Presence {
    /// This process's record.
    pub fn me(author: &str, role: Option<TeamRole>) -> Self {
        let now = Utc::now();
        Self {
            author: author.to_owned(),
            host: host(),
            pid: std::process::id(),
            since: now,
            role,
            heartbeat: Some(now),
            identity: None,
        }
    }

    /// "ana@bastion (operator)": how lists and headers name a session.
    pub fn label(&self) -> String {
        match self.role {
            Some(role) => format!("{}@{} ({role})", self.author, self.host),
            None => format!("{}@{}", self.author, self.host),
        }
    }

    /// Whether this record is this very process's.
    pub fn is_me(&self) -> bool {
        self.pid == std::process::id() && self.host == host()
    }
}

/// `<journal>.d`: where everything beside a journal that is not an entry lives (presence,
/// claims, a host's published world, joiners' requests).
pub fn sidecar(journal: &Path) -> PathBuf {
    let mut name = journal.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".d");
    journal.with_file_name(name)
}

/// The directory of a journal's presence records.
pub fn dir(journal: &Path) -> PathBuf {
    sidecar(journal).join("presence")
}

/// Write `bytes` to `path` so a reader sees the old file or the new, never half: a temporary
/// file beside it, then a rename.
pub fn replace_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".{}.tmp", std::process::id()));
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

/// This machine's name, as presence records give it. Read once: it names every entry's
/// session and every claim's holder, on every tick.
pub fn host() -> String {
    static HOST: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HOST.get_or_init(|| {
        std::fs::read_to_string("/proc/sys/kernel/hostname")
            .ok()
            .or_else(|| std::env::var("HOSTNAME").ok())
            .map(|h| h.trim().to_owned())
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "localhost".to_owned())
    })
    .clone()
}

/// The session a presence record is, as entries name it: `author@host:pid`.
pub fn session_of(p: &Presence) -> String {
    format!("{}@{}:{}", p.author, p.host, p.pid)
}

/// The terminal that writes an entry: `author@host:pid`.
pub fn session(author: &str) -> String {
    format!("{author}@{}:{}", host(), std::process::id())
}

/// Write (or rewrite) this process's record `me` for `journal`, replaced atomically so a
/// reader never sees half of it; returns its path (removed on close).
pub fn announce(journal: &Path, me: &Presence) -> io::Result<PathBuf> {
    let dir = dir(journal);
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(format!("{}-{}.json", me.host, me.pid));
    replace_file(&path, &serde_json::to_vec(me).map_err(io::Error::other)?)?;
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

/// Whether the session behind a record still runs: on this host, its process is there; on
/// another (which cannot be seen from here), its heartbeat is recent.
pub fn alive(p: &Presence) -> bool {
    if p.host == host() {
        return Path::new(&format!("/proc/{}", p.pid)).exists();
    }
    p.heartbeat.is_none_or(|beat| Utc::now() - beat < HEARTBEAT_LOST)
}

/// The live sessions writing `journal`.
pub fn live(journal: &Path) -> Vec<Presence> {
    let Ok(records) = std::fs::read_dir(dir(journal)) else { return Vec::new() };
    records
        .filter_map(|r| r.ok())
        .filter(|r| r.path().extension().is_some_and(|x| x == "json"))
        .filter_map(|r| std::fs::read(r.path()).ok())
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
        let record = announce(&journal, &Presence::me("ana", Some(TeamRole::Scribe))).unwrap();
        let present = live(&journal);
        assert_eq!(present.len(), 1);
        assert_eq!(present[0].role, Some(TeamRole::Scribe));
        assert!(present[0].is_me());
        // A record left by a process that is gone (kill -9) does not count.
        let dead = Presence { pid: u32::MAX - 1, ..Presence::me("x", None) };
        std::fs::write(dir(&journal).join("dead.json"), serde_json::to_vec(&dead).unwrap()).unwrap();
        // Nor does another host's whose heartbeat stopped; one that beats does.
        let old = Utc::now() - HEARTBEAT_LOST - chrono::Duration::seconds(1);
        let silent = Presence { host: "elsewhere".into(), heartbeat: Some(old), ..Presence::me("y", None) };
        std::fs::write(dir(&journal).join("silent.json"), serde_json::to_vec(&silent).unwrap()).unwrap();
        let beating = Presence { host: "elsewhere".into(), ..Presence::me("z", None) };
        std::fs::write(dir(&journal).join("beating.json"), serde_json::to_vec(&beating).unwrap()).unwrap();
        let mut names: Vec<String> = live(&journal).into_iter().map(|p| p.author).collect();
        names.sort();
        assert_eq!(names, ["ana", "z"]);
        std::fs::remove_file(dir(&journal).join("beating.json")).unwrap();
        std::fs::remove_file(record).unwrap();
        assert!(live(&journal).is_empty());
    }
}
