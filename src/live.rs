//! Live mode: the dashboard, `snapshot --config` and the connection they share, against a
//! real AWS account (or an emulator through `endpoint-url`).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DurationRound, Utc};
use tokio::sync::mpsc;

use crate::actions;
use crate::app::App;
use crate::aws::{self, CredentialSource};
use crate::cli::{Failure, load_theme};
use crate::config::Config;
use crate::demo::open_scribe;
use crate::event_loop::{self, runtime};
use crate::logging;
use crate::model::{RegionSnapshot, Snapshot};
use crate::report;
use crate::scribe::default_author;
use crate::sources::UPDATE_CHANNEL_CAPACITY;
use crate::sources::aws::{Live, poll_all, spawn_pollers};

/// What plain `warroom --config FILE` was given.
#[derive(Debug, Clone)]
pub struct LiveArgs {
    pub config: PathBuf,
    pub read_only: bool,
    pub author: Option<String>,
    pub journal: Option<PathBuf>,
    pub theme: String,
}

pub fn load_config(path: &Path) -> Result<Config, Failure> {
    Config::load(path).map_err(|e| Failure::usage(e.to_string()))
}

/// Clients for every region of `config`, with aws-config's default credential chain.
pub async fn connect(config: Config) -> Arc<Live> {
    let clients = aws::connect_all(&config, &CredentialSource::Default).await;
    Arc::new(Live::new(config, clients))
}

/// The snapshot after one round of every poller.
pub async fn poll_snapshot(live: &Live) -> Snapshot {
    let config = &live.config;
    let regions = config.regions.iter().map(|r| RegionSnapshot::new(r.name.clone(), r.role)).collect();
    let mut snapshot = Snapshot::new(regions, config.incident.poll_interval);
    for update in poll_all(live).await {
        snapshot.apply(update);
    }
    snapshot
}

/// `warroom snapshot --config FILE [--json]`.
pub fn snapshot(path: &Path, json: bool) -> Result<String, Failure> {
    let config = load_config(path)?;
    let runtime = runtime()?;
    let (snapshot, live) = runtime.block_on(async {
        let live = connect(config).await;
        (poll_snapshot(&live).await, live)
    });
    report::render(&live.config, &snapshot, Utc::now(), None, json)
}

/// `warroom --config FILE`: the dashboard on AWS.
pub fn run(args: &LiveArgs) -> Result<(), Failure> {
    let mut config = load_config(&args.config)?;
    config.read_only |= args.read_only;
    let theme = load_theme(&args.theme)?;
    let started = Utc::now().duration_trunc(chrono::Duration::seconds(1)).unwrap_or_else(|_| Utc::now());
    let author = args.author.clone().unwrap_or_else(default_author);
    let (scribe, journal_path) = open_scribe(args.journal.as_ref(), &config.incident, started, started, author)?;
    let _log = logging::start();
    let runtime = runtime()?;
    tracing::info!(read_only = config.read_only, journal = %journal_path, regions = config.regions.len(), "live starting");
    let result = runtime.block_on(async {
        let read_only = config.read_only;
        let runbooks = config.runbooks.clone();
        let live = connect(config).await;
        let (tx, rx) = mpsc::channel(UPDATE_CHANNEL_CAPACITY);
        let pollers = spawn_pollers(&live, &tx);
        drop(tx);
        // Read-only builds no executor: nothing in the session can reach a mutating call.
        let (executor, outcomes) = if read_only {
            (None, None)
        } else {
            let (otx, orx) = mpsc::channel(64);
            (Some(actions::aws::spawn(Arc::clone(&live), otx)), Some(orx))
        };
        let app = App::new(&live.config, runbooks, theme, scribe, executor, Utc::now());
        let result = event_loop::run(app, rx, outcomes, Utc::now).await;
        for poller in pollers {
            poller.abort();
        }
        result
    });
    tracing::info!(ok = result.is_ok(), journal = %journal_path, "live finished");
    crate::text::sanitize::eprint_line(&format!("warroom: {}", result?));
    Ok(())
}
