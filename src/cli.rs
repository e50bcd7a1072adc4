//! The command line: clap definitions and dispatch to modes. No logic of its own.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use chrono::Duration;
use clap::{Args, CommandFactory, Parser, Subcommand};

use crate::config::{Config, MAX_REGIONS};

use crate::text::duration::parse_duration;
use crate::theme::Theme;
use crate::{demo, report};

/// Exit codes of the contract (DESIGN.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    Ok,
    Runtime,
    Usage,
    GuardRefused,
    /// Ended by signal N: the shell's convention, 128 + N.
    Signal(u8),
}

impl Exit {
    pub fn code(self) -> u8 {
        match self {
            Exit::Ok => 0,
            Exit::Runtime => 1,
            Exit::Usage => 2,
            Exit::GuardRefused => 3,
            Exit::Signal(n) => 128u8.saturating_add(n),
        }
    }
}

/// A failure and the exit code it maps to. The message is printed as `warroom: <message>`.
#[derive(Debug)]
pub struct Failure {
    pub exit: Exit,
    pub message: String,
}

impl Failure {
    pub fn usage(message: impl Into<String>) -> Self {
        Self { exit: Exit::Usage, message: message.into() }
    }
    pub fn runtime(message: impl Into<String>) -> Self {
        Self { exit: Exit::Runtime, message: message.into() }
    }
}

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
    #[arg(long = "as", value_name = "NAME")]
    pub author: Option<String>,
    /// Journal file (JSON Lines); continued if it exists.
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,
    /// Theme: default, light, high-contrast, or a theme file.
    #[arg(long, value_name = "NAME|FILE", default_value = "default")]
    pub theme: String,
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
    RunStep(crate::run_step::RunStepArgs),
    /// A game-day drill: a scenario on the simulated world, a DRILL banner and a scorecard.
    Drill(crate::drill::cli::DrillArgs),
    /// List the built-in drill scenarios.
    Scenarios,
    /// Export a journal as a timeline for the post-incident review.
    Export(ExportArgs),
    /// Print a shell completion script.
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Args)]
pub struct SimArgs {
    /// Seed of the simulated world; the same seed replays the same incident.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Number of simulated regions (the first is primary).
    #[arg(long, value_parser = clap::value_parser!(u8).range(2..=MAX_REGIONS as i64), conflicts_with = "config")]
    pub regions: Option<u8>,
    /// Config file: incident name, targets, thresholds and regions for the simulated world.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

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
    #[arg(long = "as", value_name = "NAME")]
    pub author: Option<String>,
    /// Watch only: no executor is built, so no runbook step can change anything.
    #[arg(long)]
    pub read_only: bool,
}

#[derive(Debug, Args)]
pub struct SnapshotArgs {
    /// Poll the simulated world instead of AWS (with --config: your regions, simulated).
    #[arg(long)]
    pub demo: bool,
    #[command(flatten)]
    pub sim: SimArgs,
    /// Simulated time since the start of the world, e.g. 90s, 15m, 24h.
    #[arg(long, value_name = "DURATION", default_value = "0s", value_parser = parse_at)]
    pub at: Duration,
    /// Print JSON (schema in docs/snapshot.md) instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The journal file (JSON Lines) to export.
    pub journal: PathBuf,
    #[arg(long, value_enum)]
    pub format: crate::scribe::export::Format,
    /// Time zone for times: UTC (default), an IANA name like Europe/Berlin, or +05:30.
    #[arg(long, value_name = "ZONE", default_value = "UTC", value_parser = crate::scribe::export::Zone::parse)]
    pub tz: crate::scribe::export::Zone,
    /// Write here instead of stdout (replaced whole, never half-written).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Fail (exit 2) on malformed lines instead of reporting and skipping them.
    #[arg(long)]
    pub strict: bool,
}

pub fn parse_speed(text: &str) -> Result<f64, String> {
    let speed: f64 = text.parse().map_err(|_| format!("`{text}` is not a number"))?;
    if speed.is_finite() && speed > 0.0 && speed <= 100_000.0 {
        Ok(speed)
    } else {
        Err("speed must be above 0 and at most 100000".into())
    }
}

pub fn parse_at(text: &str) -> Result<Duration, String> {
    let d = parse_duration(text).map_err(|e| e.to_string())?;
    if d > Duration::days(31) {
        return Err("--at may be at most 31 days (744h)".into());
    }
    Ok(d)
}

impl SimArgs {
    /// The config for the simulated world: a file, or the built-in demo with `--regions`.
    pub fn config(&self) -> Result<Config, Failure> {
        match &self.config {
            Some(path) => Config::load(path).map_err(|e| Failure::usage(e.to_string())),
            None => {
                let mut config = Config::demo();
                if let Some(n) = self.regions {
                    config.regions = Config::default_regions(usize::from(n));
                }
                Ok(config)
            }
        }
    }
}

pub fn load_theme(spec: &str) -> Result<Theme, Failure> {
    Theme::load(spec, Theme::no_color_from_env()).map_err(|e| Failure::usage(format!("theme: {e}")))
}

/// Parse arguments, run, and turn the outcome into the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
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
        Some(Command::Demo(args)) => demo::run(&args),
        Some(Command::Snapshot(args)) => {
            let text = match (&args.sim.config, args.demo) {
                (_, true) => report::demo_snapshot(&args)?,
                (Some(path), false) => crate::live::snapshot(path, args.json)?,
                (None, false) => {
                    return Err(Failure::usage("give --config FILE to poll AWS, or --demo for the simulated world"));
                }
            };
            write_stdout(&text)
        }
        Some(Command::Check { config }) => {
            let (text, verdict) = crate::check::run(&config)?;
            write_stdout(&crate::text::sanitize::inert_lines(&text))?;
            verdict
        }
        Some(Command::Export(args)) => export(&args),
        Some(Command::Drill(args)) => crate::drill::cli::run(&args),
        Some(Command::Scenarios) => {
            let text = crate::drill::builtin::listing().map_err(|e| Failure::runtime(e.to_string()))?;
            write_stdout(&text)
        }
        Some(Command::RunStep(args)) => crate::run_step::run(&args),
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
    crate::live::run(&crate::live::LiveArgs {
        config,
        read_only: cli.read_only,
        author: cli.author,
        journal: cli.journal,
        theme: cli.theme,
    })
}

/// `warroom export`: report malformed lines on stderr (with line numbers), export the rest.
fn export(args: &ExportArgs) -> Result<(), Failure> {
    use crate::scribe::{export, journal};
    let (entries, malformed) = journal::read_file(&args.journal).map_err(|e| Failure::usage(e.to_string()))?;
    let name = args.journal.display();
    for m in &malformed {
        crate::text::sanitize::eprint_line(&format!("warroom: {name}:{}: not a valid entry: {}", m.line, m.error));
    }
    let order = journal::check_order(&entries);
    for w in &order.warnings {
        crate::text::sanitize::eprint_line(&format!("warroom: {name}: warning: {w}"));
    }
    for e in &order.errors {
        crate::text::sanitize::eprint_line(&format!("warroom: {name}: {e}"));
    }
    if args.strict && (!malformed.is_empty() || !order.errors.is_empty()) {
        return Err(Failure::usage(format!(
            "{name} has {} malformed line(s) and {} ordering error(s); nothing exported (--strict)",
            malformed.len(),
            order.errors.len()
        )));
    }
    let text = export::render(&entries, args.format, args.tz);
    match &args.output {
        None => write_stdout(&text),
        Some(path) => {
            refuse_export_target(&args.journal, path)?;
            write_atomically(path, text.as_bytes())
                .map_err(|e| Failure::runtime(format!("cannot write {}: {e}", path.display())))
        }
    }
}

/// `-o` never replaces the journal being exported, a journal an open session writes, or
/// anything that is not a regular file (a symlink, FIFO, device or directory).
fn refuse_export_target(journal: &std::path::Path, target: &std::path::Path) -> Result<(), Failure> {
    let refuse = |why: String| Err(Failure::usage(format!("refusing to write {}: {why}", target.display())));
    let Ok(meta) = std::fs::symlink_metadata(target) else { return Ok(()) };
    if meta.file_type().is_symlink() {
        return refuse("it is a symbolic link".into());
    }
    if !meta.is_file() {
        return refuse("it is not a regular file".into());
    }
    let same = match (std::fs::canonicalize(journal), std::fs::canonicalize(target)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if same {
        return refuse("it is the journal being exported; write the export elsewhere".into());
    }
    if let Some(p) = crate::scribe::presence::live(target).first() {
        return refuse(format!("it is a journal {} is writing now ({}, pid {})", p.author, p.host, p.pid));
    }
    Ok(())
}

/// Write through a temporary file created O_EXCL beside `path` (never following a symlink),
/// fsync it, rename it over `path`, and fsync the directory: readers see the old file or the
/// new one, never half of one, and a crash keeps one of them. Mode 0600: it holds the incident.
fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
    let mut tmp = tempfile::Builder::new().prefix(".warroom-export-").tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file().set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    tmp.persist(path).map_err(|e| e.error)?;
    crate::scribe::journal::sync_dir(path)
}

/// Pretty JSON with a final newline, as every `--json` prints it.
pub fn json_text(value: &impl serde::Serialize) -> Result<String, Failure> {
    serde_json::to_string_pretty(value)
        .map(|s| crate::text::sanitize::json_escape_all(&s) + "\n")
        .map_err(|e| Failure::runtime(format!("cannot encode JSON: {e}")))
}

pub fn write_stdout(text: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        // A closed pipe (`| head`) is the reader's choice, not our failure.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Failure::runtime(format!("cannot write to stdout: {e}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn speed_and_at_are_validated() {
        assert!(parse_speed("0").is_err());
        assert!(parse_speed("nan").is_err());
        assert!(parse_speed("inf").is_err());
        assert_eq!(parse_speed("60"), Ok(60.0));
        assert_eq!(parse_at("24h"), Ok(Duration::hours(24)));
        assert!(parse_at("32d").is_err());
        assert!(parse_at("800h").is_err());
    }
}
