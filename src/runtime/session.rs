//! Starting a session, shared by the modes: the journal opened behind a scribe, a simulated
//! world with an app watching it (for `demo`, `run-step` and the tests), and the AWS clients
//! for a live config.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio::sync::mpsc;

use super::exit::Failure;
use crate::actions::{self, Outcome};
use crate::app::{App, Msg, SimInfo};
use crate::aws::{self, CredentialSource};
use crate::config::Config;
use crate::scribe::{FileJournal, Scribe, journal};
use crate::sim::{SimClock, World, demo_timeline};
use crate::sources::aws::Live;
use crate::sources::sim::{SharedWorld, poll_all};
use crate::theme::Theme;

/// The app as it would be after watching the demo world from `epoch` until `epoch + at`,
/// polling and observing at the poll interval, built without waiting. The journal is in
/// memory. Frame tests and render benchmarks draw from this.
pub fn replayed_app(config: &Config, seed: u64, epoch: DateTime<Utc>, at: chrono::Duration, theme: Theme) -> App {
    let world = SharedWorld::new(
        World::new(&config.regions, seed, epoch, demo_timeline())
            .with_signals(&config.thresholds.signals)
            .with_routing_controls(config.routing.method == crate::config::RoutingMethod::Arc),
    );
    let scribe = Scribe::in_memory("ana", &config.incident, epoch);
    // Actions chosen in a replay are queued to a detached executor and never carried out.
    let (executor, _jobs) = actions::Executor::detached();
    let mut app = App::new(config, config.runbooks.clone(), theme, scribe, Some(executor), epoch);
    let step = config.incident.poll_interval.max(chrono::Duration::seconds(1));
    let mut t = epoch;
    while t <= epoch + at {
        app.poll_round(poll_all(&world, t), [], t);
        t += step;
    }
    app.handle(Msg::Tick(epoch + at));
    app.sim = Some(SimInfo { seed, speed: 1.0 });
    app
}

/// The claims beside the journal at `path`, which several terminals may share.
/// Only a regular file is shared (a device such as /dev/full is nobody's incident).
fn shared_claims(path: &str) -> Option<Box<dyn crate::scribe::claims::ClaimStore>> {
    let path = Path::new(path);
    std::fs::metadata(path).is_ok_and(|m| m.is_file()).then(|| {
        Box::new(crate::scribe::claims::FileClaims::beside(path)) as Box<dyn crate::scribe::claims::ClaimStore>
    })
}

/// `app` shares the step claims beside the journal at `path` (when it is a regular file),
/// with the lease `WARROOM_CLAIM_LEASE` sets (a duration such as `5s`; drills and tests use
/// a short one so a dead claimant's step frees sooner), else `app::claims::CLAIM_LEASE`.
pub fn share_claims(app: &mut App, path: &str) -> Result<(), Failure> {
    app.claims = shared_claims(path);
    if let Ok(text) = std::env::var("WARROOM_CLAIM_LEASE") {
        let lease = crate::text::duration::parse_duration(&text)
            .map_err(|e| Failure::usage(format!("WARROOM_CLAIM_LEASE={text}: {e}")))?;
        if lease < chrono::Duration::seconds(2) {
            return Err(Failure::usage(format!("WARROOM_CLAIM_LEASE={text}: a lease under 2s expires between ticks")));
        }
        app.claim_lease = lease;
        app.facts.lease = lease.min(crate::app::facts::FACT_LEASE);
    }
    Ok(())
}

/// Now, to the whole second: where a session's clock (and its journal's times) start.
pub fn now_to_the_second() -> DateTime<Utc> {
    use chrono::DurationRound as _;
    let now = Utc::now();
    now.duration_trunc(chrono::Duration::seconds(1)).unwrap_or(now)
}

/// Open the journal: `--journal FILE`, or a new file per incident in the data dir.
fn open_journal(
    explicit: Option<&PathBuf>,
    incident: &str,
    started: DateTime<Utc>,
) -> Result<journal::Opened, Failure> {
    let path = match explicit {
        Some(path) => path.clone(),
        None => {
            let path = journal::default_path(incident, started)
                .ok_or_else(|| Failure::usage("no home directory for the journal; give one with --journal FILE"))?;
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(|e| {
                    Failure::usage(format!(
                        "cannot create the journal directory {}: {e}; give a journal with --journal FILE",
                        dir.display()
                    ))
                })?;
            }
            path
        }
    };
    FileJournal::open(&path).map_err(|e| Failure::usage(e.to_string()))
}

/// The journal (`--journal FILE`, or a new one for an incident that began at `began`) behind
/// a started scribe writing as `author`, and the journal's path for the closing line.
///
/// The terminal's role on the incident: the one asked for; or, for one that joins while
/// another terminal is there, operator; or none: the terminal alone is the commander, with
/// every right, and its journal is as solo use always wrote it.
pub fn open_scribe(
    explicit: Option<&PathBuf>,
    incident: &crate::config::Incident,
    began: DateTime<Utc>,
    now: DateTime<Utc>,
    author: String,
    asked: Option<crate::scribe::roles::TeamRole>,
) -> Result<(Scribe, String), Failure> {
    use crate::scribe::JournalStore as _;
    use crate::scribe::roles::TeamRole;
    let mut opened = open_journal(explicit, &incident.name, began)?;
    opened.journal.announce_as(&author);
    let others = opened.journal.present().iter().filter(|p| !p.is_me()).count();
    let role = asked.or((others > 0).then_some(TeamRole::Operator));
    let beside = opened.journal.path().to_owned();
    let path = opened.journal.path().display().to_string();
    let mut scribe =
        Scribe::start_as(Box::new(opened.journal), opened.entries, &opened.recovery, author, role, incident, now);
    // The fact writer records; it opens the recording once it knows it is the one.
    scribe.recording_beside = Some(beside);
    Ok((scribe, path))
}

/// The scribe and claims of an incident kept in DynamoDB (`[journal] store = "dynamodb"`):
/// entries spooled on this machine and shared through the table in every listed region,
/// claims in the claims region. Returns the scribe, the claims and where it lives.
pub async fn open_dynamo_scribe(
    config: &Config,
    store: &crate::config::journal::DynamoStore,
    incident_id: &str,
    author: String,
    role: Option<crate::scribe::roles::TeamRole>,
    now: DateTime<Utc>,
) -> Result<(Scribe, Box<dyn crate::scribe::claims::ClaimStore>, String), Failure> {
    use crate::aws::shared_journal::DynamoJournal;
    let regions = store_regions(config, store).await;
    let claims_client = aws::store_client(&store.claims_region, &config.aws, store, &CredentialSource::Default).await;
    let spool = spool_path(incident_id, &author)?;
    let mut journal = DynamoJournal::open(incident_id, &store.table, regions, &spool, store.clock_skew)
        .map_err(|e| Failure::usage(e.to_string()))?;
    let deadline = config.aws.call_timeout.to_std().unwrap_or(std::time::Duration::from_secs(5));
    let entries = journal.history(deadline * 2);
    // As on one host: a terminal that comes in while others are there is an operator.
    let others = crate::scribe::JournalStore::present(&journal).iter().filter(|p| !p.is_me()).count();
    let role = role.or((others > 0).then_some(crate::scribe::roles::TeamRole::Operator));
    let location = crate::scribe::JournalStore::location(&journal);
    let claims = crate::aws::shared_claims::DynamoClaims::new(
        claims_client,
        &store.table,
        incident_id,
        &store.claims_region,
        deadline,
    )
    .map_err(|e| Failure::runtime(format!("cannot start the claims worker: {e}")))?;
    let scribe = Scribe::start_as(
        Box::new(journal),
        entries,
        &crate::scribe::Recovery::default(),
        author,
        role,
        &config.incident,
        now,
    );
    Ok((scribe, Box::new(claims), location))
}

/// A client for each region of a DynamoDB store, in order.
pub async fn store_regions(
    config: &Config,
    store: &crate::config::journal::DynamoStore,
) -> Vec<crate::aws::shared_journal::StoreRegion> {
    let mut regions = Vec::new();
    for name in &store.regions {
        let client = aws::store_client(name, &config.aws, store, &CredentialSource::Default).await;
        regions.push(crate::aws::shared_journal::StoreRegion { name: name.clone(), client });
    }
    regions
}

/// The incident a terminal means: `--incident ID`, or the newest open one of the config's
/// incident name, started now if there is none.
pub async fn incident_id(
    config: &Config,
    store: &crate::config::journal::DynamoStore,
    regions: &[crate::aws::shared_journal::StoreRegion],
    asked: Option<&str>,
) -> Result<String, Failure> {
    if let Some(id) = asked {
        return Ok(id.to_owned());
    }
    crate::aws::incidents::open_or_start(regions, &store.table, &config.incident.name, now_to_the_second())
        .await
        .map(|r| r.id)
        .map_err(|e| {
            Failure::runtime(format!(
                "cannot find or start the open incident of {}: {e}; give --incident ID",
                config.incident.name
            ))
        })
}

/// Where this author's spool for `incident` lives: stable across restarts, so a restarted
/// terminal uploads what its predecessor left.
pub fn spool_path(incident: &str, author: &str) -> Result<PathBuf, Failure> {
    Ok(spool_dir()?.join(format!("{}-{}.jsonl", slug(incident), slug(author))))
}

/// Where this machine keeps the shared journal's spools.
fn spool_dir() -> Result<PathBuf, Failure> {
    let dirs = directories::ProjectDirs::from("", "", "warroom")
        .ok_or_else(|| Failure::usage("no home directory for the shared journal's spool"))?;
    Ok(dirs.data_dir().join("spool"))
}

fn slug(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect()
}

/// Every spool of `incident` on this machine (one per author who wrote to it here).
pub fn spools_of(incident: &str) -> Result<Vec<PathBuf>, Failure> {
    let dir = spool_dir()?;
    let prefix = format!("{}-", slug(incident));
    let Ok(listing) = std::fs::read_dir(&dir) else { return Ok(Vec::new()) };
    let mut found: Vec<PathBuf> = listing
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with(&prefix) && n.ends_with(".jsonl"))
        })
        .collect();
    found.sort();
    Ok(found)
}

/// The store's regions and the incident asked for (`--incident`), or the open one of the
/// config's name (never started here): what `close`, `store flush` and `approve` act on.
pub fn existing_incident(
    config: &Config,
    store: &crate::config::journal::DynamoStore,
    asked: Option<&str>,
) -> Result<(String, Vec<crate::aws::shared_journal::StoreRegion>), Failure> {
    crate::runtime::event_loop::runtime()?.block_on(async {
        let regions = store_regions(config, store).await;
        let id = match asked {
            Some(id) => id.to_owned(),
            None => open_incident(config, store, &regions).await?,
        };
        Ok((id, regions))
    })
}

/// The newest open incident of the config's name, without starting one: what `close`,
/// `store flush`, `run-step` and `approve` act on when no `--incident` is given.
pub async fn open_incident(
    config: &Config,
    store: &crate::config::journal::DynamoStore,
    regions: &[crate::aws::shared_journal::StoreRegion],
) -> Result<String, Failure> {
    crate::aws::incidents::list(regions, &store.table)
        .await
        .map_err(|e| Failure::runtime(e.to_string()))?
        .into_iter()
        .rev()
        .find(|r| r.name == config.incident.name && r.closed.is_none())
        .map(|r| r.id)
        .ok_or_else(|| {
            Failure::usage(format!(
                "no open incident named {} in {}: give --incident ID (warroom incidents --config F lists them)",
                config.incident.name, store.table
            ))
        })
}

/// A running simulated world with an app watching it: what `demo` shows and what the tests
/// drive. Build it inside a tokio runtime.
#[derive(Debug)]
pub struct Session {
    pub app: App,
    pub world: SharedWorld,
    pub clock: SimClock,
    /// Outcomes of actions; `None` in a read-only session, which has no executor.
    pub outcomes: Option<mpsc::Receiver<Outcome>>,
}

impl Session {
    /// One turn of the loop without a terminal: poll every region now, deliver outcomes, tick.
    /// For `run-step` and tests.
    pub fn turn(&mut self) {
        let now = self.clock.now();
        let mut outcomes = Vec::new();
        if let Some(rx) = self.outcomes.as_mut() {
            while let Ok(outcome) = rx.try_recv() {
                outcomes.push(outcome);
            }
        }
        self.app.poll_round(poll_all(&self.world, now), outcomes, now);
    }
}

/// Start a session. `read_only` builds no executor at all: the app gets `None`, so there is
/// no value in the program through which a step could act.
pub fn start_session(
    config: &Config,
    seed: u64,
    clock: SimClock,
    theme: Theme,
    scribe: Scribe,
    read_only: bool,
) -> Session {
    let world = World::new(&config.regions, seed, clock.epoch(), demo_timeline())
        .with_signals(&config.thresholds.signals)
        .with_routing_controls(config.routing.method == crate::config::RoutingMethod::Arc);
    start_session_in(world, config, clock, theme, scribe, read_only)
}

/// `start_session` in a given world (a scenario's, for `demo --scenario`).
pub fn start_session_in(
    world: World,
    config: &Config,
    clock: SimClock,
    theme: Theme,
    scribe: Scribe,
    read_only: bool,
) -> Session {
    let seed = world.seed();
    let world = SharedWorld::new(world);
    let (executor, outcomes) = if read_only {
        (None, None)
    } else {
        let (tx, rx) = mpsc::channel(64);
        (Some(actions::sim::spawn(world.clone(), clock.clone(), tx)), Some(rx))
    };
    let mut app = App::new(config, config.runbooks.clone(), theme, scribe, executor, clock.epoch());
    app.sim = Some(SimInfo { seed, speed: clock.speed() });
    Session { app, world, clock, outcomes }
}

pub fn load_config(path: &Path) -> Result<Config, Failure> {
    Config::load(path).map_err(|e| Failure::usage(e.to_string()))
}

/// Read this terminal's AWS identity once (STS, in whichever region answers first) and give
/// it to `app`; when it cannot be read, say so and go on without it (the entries then carry
/// none).
pub async fn identify(app: &mut App, live: &Live) {
    match aws::identity::caller_anywhere(&live.clients).await {
        Ok(arn) => app.set_identity(arn),
        Err(e) => {
            tracing::warn!(error = %e, "caller identity unknown");
            app.view.message = Some(format!("caller identity unknown ({e}): action entries will not name it"));
        }
    }
}

/// Clients for every region of `config`, with aws-config's default credential chain.
pub async fn connect(config: Config) -> Arc<Live> {
    Arc::new(Live::connect(config, &CredentialSource::Default).await)
}
