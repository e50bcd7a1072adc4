//! Live mode: the dashboard, `snapshot --config` and the connection they share, against a
//! real AWS account (or an emulator through `endpoint-url`).

use std::path::PathBuf;
use std::sync::Arc;

use chrono::Utc;
use tokio::sync::mpsc;

use crate::actions;
use crate::app::App;
use crate::config::journal::StoreConfig;
use crate::runtime::args::load_theme;
use crate::runtime::event_loop::{self, runtime};
use crate::runtime::exit::Failure;
use crate::runtime::logging;
use crate::runtime::session::{connect, load_config, open_dynamo_scribe, open_scribe};
use crate::scribe::default_author;
use crate::sources::UPDATE_CHANNEL_CAPACITY;
use crate::sources::aws::spawn_pollers;

/// What plain `warroom --config FILE` was given.
#[derive(Debug, Clone)]
pub struct LiveArgs {
    pub config: PathBuf,
    pub read_only: bool,
    pub author: Option<String>,
    pub role: Option<crate::scribe::roles::TeamRole>,
    pub journal: Option<PathBuf>,
    pub theme: String,
    /// The incident's id in a DynamoDB store (default: the config's incident name).
    pub incident: Option<String>,
    /// Draw the snapshot another terminal publishes instead of polling AWS.
    pub follow: bool,
}

/// `warroom --config FILE`: the dashboard on AWS.
pub fn run(args: &LiveArgs) -> Result<(), Failure> {
    let mut config = load_config(&args.config)?;
    config.read_only |= args.read_only;
    let theme = load_theme(&args.theme)?;
    let started = crate::runtime::session::now_to_the_second();
    let author = args.author.clone().unwrap_or_else(default_author);
    let _log = logging::start();
    let runtime = runtime()?;
    let mut journal_path = String::new();
    let result = runtime.block_on(async {
        // The incident's record: the journal file, or the shared DynamoDB store.
        let mut shared = None;
        let (scribe, claims) = match &config.store {
            StoreConfig::File if args.follow => {
                return Err(Failure::usage(
                    "--follow reads a snapshot another terminal publishes to a DynamoDB store: set [journal] store = \"dynamodb\"",
                ));
            }
            StoreConfig::File => {
                let (scribe, path) =
                    open_scribe(args.journal.as_ref(), &config.incident, started, started, author, args.role)?;
                journal_path = path;
                (scribe, None)
            }
            StoreConfig::Dynamodb(store) => {
                if args.journal.is_some() {
                    return Err(Failure::usage(
                        "--journal is for the file store; this config keeps the incident in DynamoDB ([journal] store = \"dynamodb\"): give --incident ID",
                    ));
                }
                let regions = crate::runtime::session::store_regions(&config, store).await;
                let id = crate::runtime::session::incident_id(&config, store, &regions, args.incident.as_deref()).await?;
                let (scribe, claims, location) =
                    open_dynamo_scribe(&config, store, &id, author.clone(), args.role, started).await?;
                journal_path = location;
                shared = Some((regions, store.table.clone(), id, author));
                (scribe, Some(claims))
            }
        };
        tracing::info!(read_only = config.read_only, journal = %journal_path, regions = config.regions.len(), "live starting");
        let read_only = config.read_only;
        let runbooks = config.runbooks.clone();
        let live = connect(config).await;
        // Read-only builds no executor: nothing in the session can reach a mutating call.
        let (executor, outcomes) = if read_only {
            (None, None)
        } else {
            let (otx, orx) = mpsc::channel(64);
            (Some(actions::aws::spawn(Arc::clone(&live), otx)), Some(orx))
        };
        let mut app = App::new(&live.config, runbooks, theme, scribe, executor, Utc::now());
        crate::runtime::session::identify(&mut app, &live).await;
        match claims {
            Some(claims) => app.claims = Some(claims),
            None => crate::runtime::session::share_claims(&mut app, &journal_path)?,
        }
        if args.follow
            && let Some((regions, table, id, _)) = shared
        {
            let following = crate::modes::follow::Following::new(app, Arc::clone(&live), regions, table, id, outcomes);
            return event_loop::drive(following).await;
        }
        let (tx, rx) = mpsc::channel(UPDATE_CHANNEL_CAPACITY);
        let pollers = spawn_pollers(&live, &tx);
        drop(tx);
        let mut driver = event_loop::Pollers::new(app, rx, outcomes, Utc::now);
        // On a shared store, this terminal's snapshot is published for `--follow` terminals.
        driver.store_publisher = shared.map(|(regions, table, id, author)| {
            crate::runtime::host::StorePublisher::spawn(regions, table, id, &author)
        });
        let result = event_loop::drive(driver).await;
        for poller in pollers {
            poller.abort();
        }
        result
    });
    tracing::info!(ok = result.is_ok(), journal = %journal_path, "live finished");
    crate::text::sanitize::eprint_line(&format!("warroom: {}", result?));
    Ok(())
}
