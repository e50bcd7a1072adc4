//! A demo or drill as host of its incident: after every poll it publishes what it sees beside
//! the journal (`scribe::hosted`) for terminals that `warroom join`, and it withdraws the
//! publication when it ends. Only a regular journal file is hosted.

use std::path::{Path, PathBuf};

use chrono::Utc;

use crate::app::App;
use crate::scribe::hosted::{self, HostedDrill, Published, Setup};
use crate::scribe::presence;

#[derive(Debug)]
pub struct Publisher {
    journal: PathBuf,
    setup: Setup,
    host: String,
    failed: bool,
    last: Option<std::time::Instant>,
}

/// Readings of one poll arrive as many updates: publish at most this often.
const EVERY: std::time::Duration = std::time::Duration::from_millis(200);

/// Refuse to host an incident another live process already hosts: two worlds published
/// beside one journal would have its joiners flip between them.
pub fn refuse_second_host(path: &str) -> Result<(), crate::runtime::exit::Failure> {
    let Ok(Some(world)) = hosted::read(Path::new(path)) else { return Ok(()) };
    let this_host = world.host.rsplit_once('@').is_some_and(|(_, h)| h == presence::host());
    let alive = if this_host {
        world.pid != std::process::id() && Path::new(&format!("/proc/{}", world.pid)).exists()
    } else {
        world.silent_for(Utc::now()).is_none()
    };
    if !alive {
        return Ok(());
    }
    Err(crate::runtime::exit::Failure::usage(format!(
        "{path} is hosted by {} (pid {}): join it with `warroom join --journal {path}`, or give this one its own --journal",
        world.host, world.pid
    )))
}

impl Publisher {
    /// A publisher for the journal at `path`, if it is one several terminals can share.
    pub fn beside(path: &str, setup: Setup, author: &str) -> Option<Self> {
        let journal = Path::new(path);
        std::fs::metadata(journal).is_ok_and(|m| m.is_file()).then(|| Self {
            journal: journal.to_owned(),
            setup,
            host: format!("{author}@{}", presence::host()),
            failed: false,
            last: None,
        })
    }

    /// Publish the app's world now. A failure is logged once (a full disk must not stop the
    /// host's own screen); joiners then see the host fall silent, which is the truth.
    pub fn publish(&mut self, app: &App) {
        if self.last.is_some_and(|t| t.elapsed() < EVERY) {
            return;
        }
        self.last = Some(std::time::Instant::now());
        let sim = app.sim.unwrap_or(crate::app::SimInfo { seed: 0, speed: 1.0 });
        let world = Published {
            host: self.host.clone(),
            pid: std::process::id(),
            setup: self.setup.clone(),
            seed: sim.seed,
            speed: sim.speed,
            published_at: Utc::now(),
            now: app.now,
            snapshot: app.snapshot.clone(),
            read_only: app.read_only(),
            drill: app.view.drill.as_ref().map(|d| HostedDrill {
                scenario: d.scenario.clone(),
                summary: d.summary.clone(),
                ends_at: d.ends_at,
                regions: d.regions.clone(),
                active: d.active.clone(),
                scorecard: d.scorecard.clone(),
            }),
        };
        match hosted::publish(&self.journal, &world) {
            Ok(()) => self.failed = false,
            Err(e) if !self.failed => {
                self.failed = true;
                tracing::warn!(error = %e, journal = %self.journal.display(), "cannot publish the world for joined terminals");
            }
            Err(_) => {}
        }
    }
}

impl Drop for Publisher {
    fn drop(&mut self) {
        hosted::unpublish(&self.journal);
    }
}

/// A live terminal publishing its snapshot to a DynamoDB store for `--follow` terminals:
/// at most once a second, handed to a background task so the loop never waits on it.
#[derive(Debug)]
pub struct StorePublisher {
    tx: tokio::sync::mpsc::Sender<crate::aws::shared_snapshot::PublishedSnapshot>,
    publisher: String,
    last: Option<std::time::Instant>,
}

impl StorePublisher {
    /// Start the background task; it ends when the publisher is dropped.
    pub fn spawn(
        regions: Vec<crate::aws::shared_journal::StoreRegion>,
        table: String,
        incident: String,
        author: &str,
    ) -> Self {
        let (tx, mut rx) = tokio::sync::mpsc::channel::<crate::aws::shared_snapshot::PublishedSnapshot>(1);
        tokio::spawn(async move {
            while let Some(published) = rx.recv().await {
                if let Err(e) = crate::aws::shared_snapshot::publish(&regions, &table, &incident, &published).await {
                    tracing::warn!(error = %e, "cannot publish the snapshot for --follow terminals");
                }
            }
        });
        Self { tx, publisher: format!("{author}@{}", presence::host()), last: None }
    }

    pub fn publish(&mut self, app: &App) {
        if self.last.is_some_and(|t| t.elapsed() < std::time::Duration::from_secs(1)) {
            return;
        }
        self.last = Some(std::time::Instant::now());
        let published = crate::aws::shared_snapshot::PublishedSnapshot {
            publisher: self.publisher.clone(),
            published_at: Utc::now(),
            snapshot: app.snapshot.clone(),
        };
        // A publication still in flight: this one is skipped, the next second's goes.
        let _ = self.tx.try_send(published);
    }
}
