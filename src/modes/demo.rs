//! `warroom demo`: wire the simulated world, its pollers, the journal and the TUI, and run
//! the shared `event_loop`.

use std::path::PathBuf;

use tokio::sync::mpsc;

use clap::Args;

use crate::runtime::args::{SimArgs, load_theme, parse_speed};
use crate::runtime::event_loop;
use crate::runtime::exit::Failure;
use crate::runtime::host::Publisher;
use crate::runtime::logging;
use crate::runtime::session::{Session, open_scribe, start_session_in};
use crate::scribe::default_author;
use crate::scribe::hosted::Setup;
use crate::sim::{SimClock, World, demo_timeline};
use crate::sources::UPDATE_CHANNEL_CAPACITY;
use crate::sources::sim::spawn_pollers;

#[derive(Debug, Args)]
pub struct DemoArgs {
    #[command(flatten)]
    pub sim: SimArgs,
    /// Play a drill scenario's faults (a built-in or a file) instead of the demo outage.
    #[arg(long, value_name = "NAME|FILE", conflicts_with_all = ["regions", "config"])]
    pub scenario: Option<String>,
    /// Simulated seconds per real second.
    #[arg(long, default_value_t = 1.0, value_parser = parse_speed)]
    pub speed: f64,
    /// Theme: default, light, high-contrast, or a theme file.
    #[arg(long, value_name = "NAME|FILE", default_value = "default")]
    pub theme: String,
    /// Journal file (JSON Lines); continued if it exists. Default: a new file per incident
    /// in the platform data dir.
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,
    /// Author of the entries typed in this terminal (default: the OS user).
    #[arg(long = "as", value_name = "NAME", value_parser = crate::runtime::args::parse_author)]
    pub author: Option<String>,
    /// Role on a shared incident: observer, scribe, operator, commander, facilitator
    /// (default: commander for the terminal that starts it, operator for one that joins).
    #[arg(long, value_name = "ROLE", value_parser = crate::runtime::args::parse_role)]
    pub role: Option<crate::scribe::roles::TeamRole>,
    /// Watch only: no executor is built, so no runbook step can change anything.
    #[arg(long)]
    pub read_only: bool,
}

pub fn run(args: &DemoArgs) -> Result<(), Failure> {
    let scenario = args.scenario.as_deref().map(crate::drill::builtin::find).transpose().map_err(Failure::usage)?;
    let mut config = match &scenario {
        Some(s) => crate::drill::config(s),
        None => args.sim.config()?,
    };
    config.read_only |= args.read_only;
    let theme = load_theme(&args.theme)?;
    let epoch = crate::runtime::session::now_to_the_second();
    let author = args.author.clone().unwrap_or_else(default_author);
    // Before opening: a refused second host must not write to the incident's journal.
    if let Some(journal) = &args.journal {
        crate::runtime::host::refuse_second_host(&journal.display().to_string())?;
    }
    let (scribe, journal_path) = open_scribe(args.journal.as_ref(), &config.incident, epoch, epoch, author, args.role)?;
    let _log = logging::start();
    let runtime = crate::runtime::event_loop::runtime()?;
    let clock = SimClock::new(epoch, args.speed);
    tracing::info!(seed = args.sim.seed, speed = args.speed, read_only = config.read_only, journal = %journal_path, "demo starting");

    let result = runtime.block_on(async {
        let world = match &scenario {
            // A scenario's faults without the drill around them: no banner, no scorecard.
            Some(s) => crate::drill::world(s, &config, args.sim.seed, clock.epoch()),
            None => World::new(&config.regions, args.sim.seed, clock.epoch(), demo_timeline())
                .with_signals(&config.thresholds.signals),
        };
        let mut session = start_session_in(world, &config, clock, theme, scribe, config.read_only);
        crate::runtime::session::share_claims(&mut session.app, &journal_path)?;
        let setup = match &args.scenario {
            Some(name) => Setup::Scenario { scenario: crate::modes::drill::scenario_source(name), drill: false },
            None => Setup::Demo { regions: args.sim.regions, config: args.sim.config.as_deref().map(resolved_path) },
        };
        let publisher = Publisher::beside(&journal_path, setup, &session.app.scribe.author);
        run_loop(session, publisher, &journal_path).await
    });
    tracing::info!(ok = result.is_ok(), journal = %journal_path, "demo finished");
    crate::text::sanitize::eprint_line(&format!("warroom: {}", result?));
    Ok(())
}

fn resolved_path(path: &std::path::Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned())
}

async fn run_loop(session: Session, publisher: Option<Publisher>, journal: &str) -> Result<String, Failure> {
    let Session { app, world, clock, outcomes } = session;
    let (tx, rx) = mpsc::channel(UPDATE_CHANNEL_CAPACITY);
    let mut tasks = spawn_pollers(&world, &clock, app.snapshot.poll_interval, &tx);
    drop(tx);
    // A host that can act carries out the steps of terminals joined to it, in its world.
    if publisher.is_some() && !app.read_only() {
        let (done_tx, done) = mpsc::channel(64);
        let executor = crate::actions::sim::spawn(world.clone(), clock.clone(), done_tx);
        tasks.push(crate::actions::remote::serve(PathBuf::from(journal), executor, done));
    }
    let mut pollers = event_loop::Pollers::new(app, rx, outcomes, move || clock.now());
    pollers.publisher = publisher;
    let result = event_loop::drive(pollers).await;
    for task in tasks {
        task.abort();
    }
    result
}
