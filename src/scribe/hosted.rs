//! Host and join: the world of a demo or drill lives in one process, the host, which
//! publishes what it sees after every poll to `<journal>.d/world.json` (replaced atomically;
//! never a journal entry). A terminal that joins (`warroom join`) draws the host's world from
//! it, and its age says when the host has stopped publishing.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::model::Snapshot;
use crate::sim::FaultKind;

/// How the host's world was made, so a joiner builds the same config (regions, runbooks,
/// thresholds) and its step indexes mean the same steps.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Setup {
    /// `warroom demo` with its `--regions` or `--config` (a path as the host resolved it).
    Demo {
        #[serde(default)]
        regions: Option<u8>,
        #[serde(default)]
        config: Option<PathBuf>,
    },
    /// A drill (or `demo --scenario`): a built-in scenario's name or a scenario file.
    Scenario { scenario: String, drill: bool },
}

/// A drill's facts a joined facilitator needs for the banner and the fault menu.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HostedDrill {
    pub scenario: String,
    pub summary: String,
    pub ends_at: DateTime<Utc>,
    pub regions: Vec<String>,
    pub active: Vec<(usize, FaultKind)>,
    #[serde(default)]
    pub scorecard: Option<Vec<String>>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Published {
    /// "ana@bastion": whose world this is, for the joiner's header.
    pub host: String,
    pub pid: u32,
    pub setup: Setup,
    pub seed: u64,
    pub speed: f64,
    /// Wall-clock time of this publication: its age tells a joiner the host is silent.
    pub published_at: DateTime<Utc>,
    /// The host's (simulated) now when it published.
    pub now: DateTime<Utc>,
    pub snapshot: Snapshot,
    #[serde(default)]
    pub drill: Option<HostedDrill>,
    /// A read-only host carries nothing out: its joiners are read-only too.
    #[serde(default)]
    pub read_only: bool,
}

/// A host that has not published for this long is drawn as silent.
pub const SILENT_AFTER: Duration = Duration::seconds(3);

impl Published {
    /// The host's now as of `wall` (a joiner's clock runs on from the last publication at the
    /// host's speed, so readings age and go stale when the host stops).
    pub fn now_at(&self, wall: DateTime<Utc>) -> DateTime<Utc> {
        let elapsed = (wall - self.published_at).max(Duration::zero());
        let scaled = (elapsed.num_milliseconds() as f64 * self.speed).min(i64::MAX as f64 / 2.0) as i64;
        self.now + Duration::milliseconds(scaled)
    }

    /// How long the host has been silent at `wall`, if past `SILENT_AFTER`.
    pub fn silent_for(&self, wall: DateTime<Utc>) -> Option<Duration> {
        let age = wall - self.published_at;
        (age > SILENT_AFTER).then_some(age)
    }
}

pub fn path(journal: &Path) -> PathBuf {
    super::presence::sidecar(journal).join("world.json")
}

/// Publish (replace) the host's world beside `journal`.
pub fn publish(journal: &Path, world: &Published) -> std::io::Result<()> {
    let dir = super::presence::sidecar(journal);
    std::fs::create_dir_all(&dir)?;
    let bytes = serde_json::to_vec(world).map_err(std::io::Error::other)?;
    super::presence::replace_file(&path(journal), &bytes)
}

/// Withdraw the publication when the host ends (a joiner then says there is no host).
pub fn unpublish(journal: &Path) {
    let _ = std::fs::remove_file(path(journal));
}

/// The host's newest publication: `Ok(None)` when no host has published; an error that says
/// what is wrong with the file otherwise.
pub fn read(journal: &Path) -> Result<Option<Published>, String> {
    let path = path(journal);
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| format!("{}: line {}, column {}: {e}", path.display(), e.line(), e.column())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Reading, Role, Update};

    #[test]
    fn a_publication_round_trips_and_ages() {
        let d = tempfile::tempdir().unwrap();
        let journal = d.path().join("j.jsonl");
        assert_eq!(read(&journal), Ok(None));
        let now = Utc::now();
        let mut snapshot = Snapshot::new(
            vec![
                crate::model::RegionSnapshot::new("us-east-1", Role::Primary),
                crate::model::RegionSnapshot::new("us-west-2", Role::Secondary),
            ],
            Duration::seconds(5),
        );
        snapshot.fold([Update::ok(1, now, Reading::ErrorRate(0.25))]);
        let world = Published {
            host: "ana@box".into(),
            pid: 1,
            setup: Setup::Demo { regions: Some(2), config: None },
            seed: 7,
            speed: 10.0,
            published_at: now,
            now,
            snapshot: snapshot.clone(),
            drill: None,
            read_only: false,
        };
        publish(&journal, &world).unwrap();
        let back = read(&journal).unwrap().unwrap();
        assert_eq!(back.snapshot, snapshot);
        assert_eq!(back.now_at(now + Duration::seconds(2)), now + Duration::seconds(20));
        assert!(back.silent_for(now + Duration::seconds(2)).is_none());
        assert!(back.silent_for(now + Duration::seconds(4)).is_some());
        std::fs::write(path(&journal), "{\"host\":").unwrap();
        assert!(read(&journal).unwrap_err().contains("world.json: line 1"));
        unpublish(&journal);
        assert_eq!(read(&journal), Ok(None));
    }
}
