//! The command line: clap definitions and dispatch to modes. No logic of its own.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

use crate::modes::{self, demo::DemoArgs, export::ExportArgs, snapshot::SnapshotArgs};
use crate::runtime::exit::Failure;
use crate::runtime::output::write_stdout;

#[derive(Debug, Parser)]
#[command(name = "warroom", version, about = "Command a live multi-region AWS incident from one terminal", long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Config file for live mode (default: warroom.toml in the platform config dir).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Watch only: no executor is built, so nothing can change AWS.
    #[arg(long)]
    pub read_only: bool,
    /// Author of the entries typed in this terminal (default: the OS user).
    #[arg(long = "as", value_name = "NAME", value_parser = crate::runtime::args::parse_author)]
    pub author: Option<String>,
    /// Role on a shared incident: observer, scribe, operator, commander, facilitator
    /// (default: commander for the terminal that starts it, operator for one that joins).
    #[arg(long, value_name = "ROLE", value_parser = crate::runtime::args::parse_role)]
    pub role: Option<crate::scribe::roles::TeamRole>,
    /// Journal file (JSON Lines); continued if it exists.
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,
    /// Theme: default, light, high-contrast, or a theme file.
    #[arg(long, value_name = "NAME|FILE", default_value = "default")]
    pub theme: String,
    /// The incident's id in a DynamoDB store: join it, or start it (default: the config's
    /// incident name).
    #[arg(long, value_name = "ID")]
    pub incident: Option<String>,
    /// Draw the snapshot another terminal of the incident publishes (DynamoDB store) instead
    /// of polling AWS; polls by itself when that snapshot goes stale.
    #[arg(long)]
    pub follow: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The dashboard on the embedded simulated world; no AWS account needed.
    Demo(DemoArgs),
    /// Print one poll of every region and exit.
    Snapshot(SnapshotArgs),
    /// Readiness evaluation: resources, metrics, IAM permissions and guards; exit 0 or 1.
    Check {
        /// The live config to evaluate.
        #[arg(long, value_name = "FILE")]
        config: PathBuf,
    },
    /// Run one runbook step without the dashboard (same guards, confirmation and journal).
    RunStep(modes::run_step::RunStepArgs),
    /// A game-day drill: a scenario on the simulated world, a DRILL banner and a scorecard.
    Drill(modes::drill::DrillArgs),
    /// Approve another terminal's request to run a step that needs a commander's approval.
    Approve(modes::approve::ApproveArgs),
    /// The incidents of a DynamoDB store, newest first.
    Incidents {
        #[arg(long, value_name = "FILE")]
        config: PathBuf,
    },
    /// Close an incident of a DynamoDB store: it is no longer anyone's default.
    Close(modes::incidents::CloseArgs),
    /// The shared journal's DynamoDB store ([journal] store = "dynamodb").
    Store {
        #[command(subcommand)]
        command: modes::store::StoreCommand,
    },
    /// Another terminal on the incident a `demo` or `drill` hosts: its world, journal and runbook.
    Join(modes::join::JoinArgs),
    /// List the built-in drill scenarios.
    Scenarios,
    /// The dashboard as it was: an incident replayed from its journal and flight recording.
    Replay(modes::replay::ReplayArgs),
    /// Export a journal as a timeline for the post-incident review.
    Export(ExportArgs),
    /// Print a shell completion script.
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
}

/// Parse arguments, run, and turn the outcome into the process exit code.
pub fn main() -> ExitCode {
    // clap's own errors echo the offending value: it goes out inert, like every outside text.
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let text = crate::text::sanitize::inert_lines(&e.render().to_string());
            if e.use_stderr() {
                eprint!("{text}");
            } else {
                let _ = write_stdout(&text);
            }
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            crate::text::sanitize::eprint_line(&format!("warroom: {}", failure.message));
            ExitCode::from(failure.exit.code())
        }
    }
}

pub fn run(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Some(Command::Demo(args)) => modes::demo::run(&args),
        Some(Command::Snapshot(args)) => modes::snapshot::run(&args),
        Some(Command::Check { config }) => {
            let (text, verdict) = modes::check::run(&config)?;
            write_stdout(&crate::text::sanitize::inert_lines(&text))?;
            verdict
        }
        Some(Command::Export(args)) => modes::export::run(&args),
        Some(Command::Replay(args)) => modes::replay::run(&args),
        Some(Command::Drill(args)) => modes::drill::run(&args),
        Some(Command::Join(args)) => modes::join::run(&args),
        Some(Command::Store { command }) => modes::store::run(&command),
        Some(Command::Incidents { config }) => modes::incidents::list(&config),
        Some(Command::Close(args)) => modes::incidents::close(&args),
        Some(Command::Approve(args)) => modes::approve::run(&args),
        Some(Command::Scenarios) => {
            let text = crate::drill::builtin::listing().map_err(|e| Failure::runtime(e.to_string()))?;
            write_stdout(&text)
        }
        Some(Command::RunStep(args)) => modes::run_step::run(&args),
        Some(Command::Completions { shell }) => {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "warroom", &mut out);
            write_stdout(&String::from_utf8_lossy(&out))
        }
        None => live(cli),
    }
}

/// Plain `warroom`: the live dashboard, on `--config` or the default config file.
fn live(cli: Cli) -> Result<(), Failure> {
    let default_path = directories::ProjectDirs::from("", "", "warroom").map(|d| d.config_dir().join("warroom.toml"));
    let Some(config) = cli.config.or_else(|| default_path.clone().filter(|p| p.exists())) else {
        return Err(Failure::usage(format!(
            "no config given.\n  See it work on a simulated world:  warroom demo\n  Watch your own regions:            warroom --config FILE{}\n  Config reference:                  docs/config.md, setup: docs/live.md",
            default_path.map(|p| format!("  (or put it at {})", p.display())).unwrap_or_default()
        )));
    };
    modes::live::run(&modes::live::LiveArgs {
        config,
        read_only: cli.read_only,
        author: cli.author,
        role: cli.role,
        journal: cli.journal,
        theme: cli.theme,
        incident: cli.incident,
        follow: cli.follow,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
