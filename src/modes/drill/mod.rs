//! `warroom drill SCENARIO`: the drill in the dashboard, or `--headless --autopilot` with the
//! scorecard printed (exit 1 when an expectation is missed).

use std::path::PathBuf;

use clap::Args;

pub mod run;
mod tui;

pub use tui::scenario_source;

use crate::drill::builtin::find;
use crate::drill::config;
use crate::runtime::args::parse_speed;
use crate::runtime::exit::{Exit, Failure};
use crate::runtime::output::{json_text, write_stdout};
use crate::runtime::session::open_scribe;
use crate::scribe::Scribe;
use run::Drill;

#[derive(Debug, Args)]
pub struct DrillArgs {
    /// A built-in scenario (see `warroom scenarios`) or a scenario file.
    pub scenario: String,
    /// Simulated seconds per real second (dashboard only).
    #[arg(long, default_value_t = 1.0, value_parser = parse_speed)]
    pub speed: f64,
    /// Seed of the simulated world; the same seed gives the same drill.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Journal file (JSON Lines); default: a new file per drill in the platform data dir
    /// (with --headless: kept in memory unless given).
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,
    /// Author of the entries typed in this terminal (default: the OS user; "autopilot" headless).
    #[arg(long = "as", value_name = "NAME", value_parser = crate::runtime::args::parse_author)]
    pub author: Option<String>,
    /// Role on a shared incident: observer, scribe, operator, commander, facilitator
    /// (default: commander for the terminal that starts it, operator for one that joins).
    #[arg(long, value_name = "ROLE", value_parser = crate::runtime::args::parse_role)]
    pub role: Option<crate::scribe::roles::TeamRole>,
    /// Theme: default, light, high-contrast, or a theme file.
    #[arg(long, value_name = "NAME|FILE", default_value = "default")]
    pub theme: String,
    /// No terminal: run to the end in simulated time and print the scorecard.
    #[arg(long, requires = "autopilot")]
    pub headless: bool,
    /// A scripted commander follows the runbook as soon as guards allow; never overrides.
    #[arg(long)]
    pub autopilot: bool,
    /// With --headless: print the scorecard as JSON.
    #[arg(long, requires = "headless")]
    pub json: bool,
}

/// A drill for the autopilot that journals into `journal` (and so records beside it): the
/// headless drill with `--journal`, and the tests and benches of the review.
pub fn into_journal(
    scenario: crate::drill::Scenario,
    seed: u64,
    journal: &std::path::Path,
    epoch: chrono::DateTime<chrono::Utc>,
    author: String,
    role: Option<crate::scribe::roles::TeamRole>,
) -> Result<Drill, Failure> {
    let config = config(&scenario);
    let (scribe, _) = open_scribe(Some(&journal.to_path_buf()), &config.incident, epoch, epoch, author, role)?;
    Ok(Drill::new(scenario, seed, scribe, epoch, true))
}

pub fn run(args: &DrillArgs) -> Result<(), Failure> {
    // The host runs the scenario and journals its start, faults and end: a commander's or
    // facilitator's entries. Any other role joins the drill instead.
    if let Some(role) = args.role.filter(|r| !r.may_declare()) {
        return Err(Failure::usage(format!(
            "--role {role}: a drill's host runs its scenario and journals it, as its commander or facilitator; a {role} joins the drill with `warroom join --journal FILE --role {role}`"
        )));
    }
    let scenario = find(&args.scenario).map_err(Failure::usage)?;
    let config = config(&scenario);
    let epoch = crate::runtime::session::now_to_the_second();
    if !args.headless {
        return tui::run(args, scenario, epoch);
    }
    let author = args.author.clone().unwrap_or_else(|| "autopilot".into());
    let mut drill = match &args.journal {
        Some(path) => into_journal(scenario, args.seed, path, epoch, author, args.role)?,
        None => Drill::new(scenario, args.seed, Scribe::in_memory(&author, &config.incident, epoch), epoch, true),
    };
    let card = drill.run_to_end();
    let text = if args.json { json_text(&card)? } else { card.lines().join("\n") + "\n" };
    write_stdout(&text)?;
    if card.passed {
        Ok(())
    } else {
        let missed = card.expectations.iter().filter(|e| e.applicable && !e.met).count();
        Err(Failure { exit: Exit::Runtime, message: format!("{missed} expectation(s) missed") })
    }
}
