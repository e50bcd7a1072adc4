//! `warroom drill SCENARIO` in the dashboard: the drill stepped in simulated time at
//! `--speed`, with the DRILL banner, the facilitator's fault menu and the scorecard at the
//! end. Only the sim executor exists here: a drill cannot reach AWS.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Utc};
use tokio::time::MissedTickBehavior;

use super::DrillArgs;
use super::run::Drill;
use crate::app::{DrillView, Msg, SimInfo};
use crate::drill::{Scenario, config};
use crate::runtime::args::load_theme;
use crate::runtime::exit::Failure;
use crate::runtime::host::Publisher;
use crate::runtime::session::open_scribe;
use crate::runtime::{event_loop, logging};
use crate::scribe::default_author;
use crate::scribe::hosted::Setup;
use crate::sim::SimClock;

/// How often the world moves and the screen refreshes (real time).
const TICK: StdDuration = StdDuration::from_millis(250);

pub fn run(args: &DrillArgs, scenario: Scenario, epoch: DateTime<Utc>) -> Result<(), Failure> {
    let config = config(&scenario);
    let theme = load_theme(&args.theme)?;
    let author = args.author.clone().unwrap_or_else(default_author);
    // Before opening: a refused second host must not write to the incident's journal.
    if let Some(journal) = &args.journal {
        crate::runtime::host::refuse_second_host(&journal.display().to_string())?;
    }
    let (scribe, journal_path) = open_scribe(args.journal.as_ref(), &config.incident, epoch, epoch, author, args.role)?;
    let _log = logging::start();
    let runtime = event_loop::runtime()?;
    let view = DrillView::new(&scenario.name, &scenario.summary, epoch + scenario.duration, scenario.regions.clone());
    let mut drill = Drill::new(scenario, args.seed, scribe, epoch, args.autopilot);
    drill.app.view.theme = theme;
    drill.app.sim = Some(SimInfo { seed: args.seed, speed: args.speed });
    drill.app.view.drill = Some(view);
    crate::runtime::session::share_claims(&mut drill.app, &journal_path)?;
    let setup = Setup::Scenario { scenario: scenario_source(&args.scenario), drill: true };
    let publisher = Publisher::beside(&journal_path, setup, &drill.app.scribe.author);
    if publisher.is_some() {
        drill.relay = Some(crate::actions::remote::Relay::new(std::path::Path::new(&journal_path)));
    }
    tracing::info!(scenario = drill.scenario.name, seed = args.seed, speed = args.speed, journal = %journal_path, "drill starting");
    let result = runtime.block_on(async {
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
        event_loop::drive(Stepped { drill, clock: SimClock::new(epoch, args.speed), tick, publisher }).await
    });
    crate::text::sanitize::eprint_line(&format!("warroom: {}", result?));
    Ok(())
}

/// The drill as the loop's driver: the world moves on a real-time tick, in simulated time.
struct Stepped {
    drill: Drill,
    clock: SimClock,
    tick: tokio::time::Interval,
    publisher: Option<Publisher>,
}

/// A scenario file as an absolute path (a joiner may start elsewhere); a built-in's name as is.
pub fn scenario_source(name: &str) -> String {
    match std::fs::canonicalize(name) {
        Ok(path) if path.is_file() => path.display().to_string(),
        _ => name.to_owned(),
    }
}

impl event_loop::Driver for Stepped {
    fn app(&mut self) -> &mut crate::app::App {
        &mut self.drill.app
    }
    fn app_ref(&self) -> &crate::app::App {
        &self.drill.app
    }
    async fn wake(&mut self) -> bool {
        self.tick.tick().await;
        step(&mut self.drill, self.clock.now());
        if let Some(p) = self.publisher.as_mut() {
            p.publish(&self.drill.app);
        }
        true
    }
    fn after_input(&mut self) {
        self.drill.facilitate(self.clock.now());
    }
}

/// Move the drill to `now`: the world, the facilitator's requests, and the end.
fn step(drill: &mut Drill, now: DateTime<Utc>) {
    let Some(ends_at) = drill.app.view.drill.as_ref().filter(|d| d.scorecard.is_none()).map(|d| d.ends_at) else {
        return;
    };
    let now = now.min(ends_at);
    drill.advance_to(now);
    // The clock (and step timeouts) move every tick, between the poll-interval turns.
    drill.app.handle(Msg::Tick(now));
    drill.facilitate(now);
    if drill.ended() {
        let card = drill.finish(ends_at);
        if let Some(view) = drill.app.view.drill.as_mut() {
            view.scorecard = Some(card.lines());
            view.scorecard_open = true;
        }
    }
}
