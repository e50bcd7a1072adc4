//! `warroom join --journal FILE`: another terminal on a demo's or drill's incident. It draws
//! the host's world from what the host publishes beside the journal, shares the journal,
//! the runbook state and the claims, and its steps are carried out by the host's executor
//! (`actions::remote`) after the same claim and typed confirmation here. A joined
//! facilitator runs the drill's faults: its fault menu journals them and the host's drill
//! carries them out.

use std::path::PathBuf;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Utc};
use clap::Args;
use tokio::sync::mpsc;
use tokio::time::MissedTickBehavior;

use crate::actions::Outcome;
use crate::app::{App, DrillView, FaultRequest, Joined, Msg, SimInfo};
use crate::config::Config;
use crate::drill::journal::DrillData;
use crate::runtime::args::load_theme;
use crate::runtime::event_loop::{self, Driver};
use crate::runtime::exit::Failure;
use crate::runtime::logging;
use crate::runtime::session::{open_scribe, share_claims};
use crate::scribe::default_author;
use crate::scribe::hosted::{self, Published, Setup};
use crate::scribe::roles::TeamRole;

#[derive(Debug, Args)]
pub struct JoinArgs {
    /// The journal of the incident a `warroom demo` or `warroom drill` hosts.
    #[arg(long, value_name = "FILE")]
    pub journal: PathBuf,
    /// Author of the entries typed in this terminal (default: the OS user).
    #[arg(long = "as", value_name = "NAME", value_parser = crate::runtime::args::parse_author)]
    pub author: Option<String>,
    /// Role: observer, scribe, operator (default), commander, facilitator.
    #[arg(long, value_name = "ROLE", value_parser = crate::runtime::args::parse_role)]
    pub role: Option<TeamRole>,
    /// Theme: default, light, high-contrast, or a theme file.
    #[arg(long, value_name = "NAME|FILE", default_value = "default")]
    pub theme: String,
}

/// How often the joiner reads the host's world.
const REFRESH: StdDuration = StdDuration::from_millis(250);

/// The config the host's world was made from.
pub fn config_of(setup: &Setup) -> Result<Config, Failure> {
    match setup {
        Setup::Demo { config: Some(path), .. } => crate::runtime::session::load_config(path),
        Setup::Demo { config: None, regions } => {
            let mut config = Config::demo();
            if let Some(n) = regions {
                config.regions = Config::default_regions(usize::from(*n));
            }
            Ok(config)
        }
        Setup::Scenario { scenario, .. } => {
            crate::drill::builtin::find(scenario).map(|s| crate::drill::config(&s)).map_err(Failure::usage)
        }
    }
}

pub fn run(args: &JoinArgs) -> Result<(), Failure> {
    if !args.journal.is_file() {
        return Err(Failure::usage(format!(
            "{}: no such journal; join the journal a `warroom demo --journal FILE` or `warroom drill --journal FILE` writes",
            args.journal.display()
        )));
    }
    let published = hosted::read(&args.journal).map_err(Failure::usage)?.ok_or_else(|| {
        Failure::usage(format!(
            "nobody hosts {}: start `warroom demo --journal {0}` (or `warroom drill … --journal {0}`) first; a live incident is shared by running `warroom --config F --journal {0}` in each terminal",
            args.journal.display()
        ))
    })?;
    let config = config_of(&published.setup)?;
    let theme = load_theme(&args.theme)?;
    let author = args.author.clone().unwrap_or_else(default_author);
    let now = published.now_at(Utc::now());
    let (scribe, journal_path) = open_scribe(Some(&args.journal), &config.incident, now, now, author, args.role)?;
    let _log = logging::start();
    let runtime = event_loop::runtime()?;
    tracing::info!(journal = %journal_path, host = %published.host, "joining");
    let result = runtime.block_on(async {
        // A read-only host carries nothing out, so its joiners get no executor at all.
        let (executor, outcomes) = if published.read_only {
            (None, mpsc::channel(1).1)
        } else {
            let (executor, outcomes) =
                crate::actions::remote::spawn(args.journal.clone(), scribe.author.clone(), scribe.role);
            (Some(executor), outcomes)
        };
        let mut app = App::new(&config, config.runbooks.clone(), theme, scribe, executor, now);
        share_claims(&mut app, &journal_path)?;
        // The host reads the world and derives its facts; a joiner draws the host's readings.
        app.set_polling(false);
        app.sim = Some(SimInfo { seed: published.seed, speed: published.speed });
        app.joined = Some(Joined { host: published.host.clone(), silent: None });
        let facilitator = app.scribe.role == Some(TeamRole::Facilitator);
        if let Some(d) = &published.drill {
            app.view.drill = Some(DrillView::new(&d.scenario, &d.summary, d.ends_at, d.regions.clone()));
            // The facilitator sees everything, their own hidden entries included.
            if facilitator {
                app.scribe.timeline.toggle_reveal_drill();
            }
        }
        let mut follower = Follower::new(app, args.journal.clone(), outcomes);
        follower.show(&published);
        event_loop::drive(follower).await
    });
    tracing::info!(ok = result.is_ok(), journal = %journal_path, "join finished");
    crate::text::sanitize::eprint_line(&format!("warroom: {}", result?));
    Ok(())
}

/// The joiner's driver: the host's world every `REFRESH`, and the host's answers to this
/// terminal's steps.
struct Follower {
    app: App,
    journal: PathBuf,
    outcomes: mpsc::Receiver<Outcome>,
    refresh: tokio::time::Interval,
    /// The newest publication shown.
    last: Option<Published>,
}

impl Follower {
    fn new(app: App, journal: PathBuf, outcomes: mpsc::Receiver<Outcome>) -> Self {
        let mut refresh = tokio::time::interval(REFRESH);
        refresh.set_missed_tick_behavior(MissedTickBehavior::Delay);
        Self { app, journal, outcomes, refresh, last: None }
    }

    /// Take in a publication: the host's snapshot, its drill's faults and end.
    fn show(&mut self, world: &Published) {
        self.app.snapshot = world.snapshot.clone();
        if let (Some(view), Some(d)) = (self.app.view.drill.as_mut(), &world.drill) {
            view.active.clone_from(&d.active);
            if view.scorecard.is_none() && d.scorecard.is_some() {
                view.scorecard.clone_from(&d.scorecard);
                view.scorecard_open = true;
            }
        }
        self.last = Some(world.clone());
    }

    /// Read the host's world; the clock runs on from the newest publication, so a silent
    /// host's readings age into stale and fail every guard. Whether anything visible changed:
    /// a new publication, or a second of the clock (ages, the silence).
    fn refresh(&mut self, wall: DateTime<Utc>) -> bool {
        let mut changed = false;
        match hosted::read(&self.journal) {
            Ok(Some(world)) if self.last.as_ref().is_none_or(|l| l.published_at != world.published_at) => {
                self.show(&world);
                changed = true;
            }
            Ok(_) => {}
            Err(e) => self.app.view.message = Some(e),
        }
        let Some(last) = &self.last else { return changed };
        let now = last.now_at(wall);
        let silent = last.silent_for(wall);
        if let Some(joined) = self.app.joined.as_mut() {
            joined.silent = silent;
        }
        let second = now.timestamp() != self.app.now.timestamp();
        if changed || second {
            self.app.handle(Msg::Tick(now));
        }
        changed || second
    }
}

impl Driver for Follower {
    fn app(&mut self) -> &mut App {
        &mut self.app
    }
    fn app_ref(&self) -> &App {
        &self.app
    }
    async fn wake(&mut self) -> bool {
        tokio::select! {
            _ = self.refresh.tick() => self.refresh(Utc::now()),
            Some(outcome) = self.outcomes.recv() => self.app.handle(Msg::Outcome(outcome)),
        }
    }
    /// A joined facilitator's menu: each request is journaled; the host's drill reads it
    /// from the journal and carries it out in its world.
    fn after_input(&mut self) {
        let Some(view) = self.app.view.drill.as_mut() else { return };
        let requests = std::mem::take(&mut view.requests);
        let regions = view.regions.clone();
        for request in requests {
            let Some(region) = regions.get(request.region()).cloned() else { continue };
            let draft = match request {
                FaultRequest::Inject { fault, .. } => DrillData::FaultInjected { fault, region: region.clone() }.draft(
                    self.app.now,
                    &self.app.scribe.author,
                    format!("facilitator injected {} into {region}", fault.name()),
                ),
                FaultRequest::Clear { fault, .. } => DrillData::FaultCleared { fault, region: region.clone() }.draft(
                    self.app.now,
                    &self.app.scribe.author,
                    format!("facilitator cleared {} in {region}", fault.name()),
                ),
            };
            if let Err(e) = self.app.scribe.record(draft) {
                self.app.view.message = Some(format!("not sent to the host: the journal cannot save ({e})"));
            }
        }
    }
}
