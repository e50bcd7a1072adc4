//! `warroom replay JOURNAL [--speed X] [--at T]`: the dashboard as it was, from the journal
//! and the flight recording beside it. No executor is built and nothing is polled; the
//! journal is read, never written.

use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveTime, Utc};
use clap::Args;

use crate::app::App;
use crate::app::Player;
use crate::config::Config;
use crate::drill::journal::DrillData;
use crate::review::replay::{Replay, Source};
use crate::runtime::args::{load_theme, parse_speed};
use crate::runtime::event_loop::{self, Driver};
use crate::runtime::exit::Failure;
use crate::scribe::entry::Entry;
use crate::scribe::{hosted, journal, recorder};

#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// The journal file of the incident (its recording is beside it, in JOURNAL.d/).
    pub journal: PathBuf,
    /// Replayed seconds per real second (Space pauses, - and + halve and double it).
    #[arg(long, default_value_t = 10.0, value_parser = parse_speed)]
    pub speed: f64,
    /// Start here, paused: a moment (impact, detected, declared, promoted, shift, recovered), an offset from the start (T+5m or 5m), or a time (18:44:10 or RFC 3339).
    #[arg(long, value_name = "T")]
    pub at: Option<String>,
    /// The config the incident ran with (live mode, or `demo --config`); default: what the
    /// journal says (its drill scenario, or the demo).
    #[arg(long, value_name = "FILE", conflicts_with = "scenario")]
    pub config: Option<PathBuf>,
    /// The drill scenario the journal is of, when it was a scenario file.
    #[arg(long, value_name = "NAME|FILE")]
    pub scenario: Option<String>,
    /// Theme: default, light, high-contrast, or a theme file.
    #[arg(long, value_name = "NAME|FILE", default_value = "default")]
    pub theme: String,
}

/// The journal, its recording and the config they were made with, read and checked.
pub struct Recorded {
    pub config: Config,
    pub source: Source,
    pub entries: Vec<Entry>,
    /// `None` when there is no recording beside the journal.
    pub recording: Option<recorder::Recording>,
}

/// A replay, ready to show.
pub struct Loaded {
    pub config: Config,
    pub source: Source,
    pub replay: Replay,
}

/// Read what a replay or the HTML report shows. Malformed journal lines are reported on
/// stderr and skipped, as `export` does.
pub fn recorded(journal_path: &Path, config_path: Option<&Path>, scenario: Option<&str>) -> Result<Recorded, Failure> {
    let (entries, malformed) = journal::read_file(journal_path).map_err(|e| Failure::usage(e.to_string()))?;
    for m in &malformed {
        crate::text::sanitize::eprint_line(&format!(
            "warroom: {}:{}: not a valid entry, skipped: {}",
            journal_path.display(),
            m.line,
            m.error
        ));
    }
    if entries.is_empty() {
        return Err(Failure::usage(format!("{}: no journal entries", journal_path.display())));
    }
    let recording_path = recorder::path_beside(journal_path);
    let recording = match recording_path.exists() {
        true => Some(recorder::read(&recording_path).map_err(Failure::usage)?),
        false => None,
    };
    let recorded_regions = recording.as_ref().and_then(|r| r.updates.iter().map(|u| u.region).max()).map(|r| r + 1);
    let (config, what) = config_for(journal_path, &entries, config_path, scenario, recorded_regions)?;
    check_regions(&config, &entries, recorded_regions, journal_path)?;
    let source = Source { what, journal: journal_path.display().to_string() };
    Ok(Recorded { config, source, entries, recording })
}

/// `recorded`, made a replay.
pub fn load(journal_path: &Path, config_path: Option<&Path>, scenario: Option<&str>) -> Result<Loaded, Failure> {
    let Recorded { config, source, entries, recording } = recorded(journal_path, config_path, scenario)?;
    let replay = Replay::new(&config, entries, recording);
    Ok(Loaded { config, source, replay })
}

/// Which config the incident ran with: the one given, else what the journal and its host
/// file say (a drill's scenario, a demo's regions or config), else the demo.
fn config_for(
    journal_path: &Path,
    entries: &[Entry],
    config_path: Option<&Path>,
    scenario: Option<&str>,
    recorded_regions: Option<usize>,
) -> Result<(Config, String), Failure> {
    if let Some(path) = config_path {
        return Ok((crate::runtime::session::load_config(path)?, format!("config {}", path.display())));
    }
    let drill = |name: &str| {
        crate::drill::builtin::find(name)
            .map(|s| (crate::drill::config(&s), format!("drill {}", s.name)))
            .map_err(|e| Failure::usage(format!("{e}; give the scenario file with --scenario FILE")))
    };
    if let Some(name) = scenario {
        return drill(name);
    }
    if let Ok(Some(published)) = hosted::read(journal_path) {
        let config = crate::modes::join::config_of(&published.setup)?;
        let source = match &published.setup {
            hosted::Setup::Scenario { scenario, .. } => format!("drill {scenario}"),
            hosted::Setup::Demo { .. } => "demo".to_owned(),
        };
        return Ok((config, source));
    }
    let started = entries.iter().find_map(|e| match DrillData::of(e) {
        Some(DrillData::Started { scenario, .. }) => Some(scenario),
        _ => None,
    });
    if let Some(name) = started {
        return drill(&name);
    }
    let mut config = Config::demo();
    if let Some(n) = recorded_regions.filter(|n| *n > config.regions.len()) {
        config.regions = Config::default_regions(n);
    }
    Ok((config, "demo".to_owned()))
}

/// The journal's regions must be the config's: a replay under the wrong config would put
/// one region's readings under another's name.
fn check_regions(
    config: &Config,
    entries: &[Entry],
    recorded_regions: Option<usize>,
    journal_path: &Path,
) -> Result<(), Failure> {
    let names: Vec<&str> = config.regions.iter().map(|r| r.name.as_str()).collect();
    let mut unknown: Vec<&str> =
        entries.iter().filter_map(|e| e.region.as_deref()).filter(|r| !names.contains(r)).collect();
    unknown.sort_unstable();
    unknown.dedup();
    if !unknown.is_empty() {
        return Err(Failure::usage(format!(
            "{}: the journal names region(s) {} that the config does not have ({}); give the config the incident ran with: --config FILE",
            journal_path.display(),
            unknown.join(", "),
            names.join(", ")
        )));
    }
    if let Some(n) = recorded_regions.filter(|n| *n > names.len()) {
        return Err(Failure::usage(format!(
            "{}: the recording has {n} regions and the config {}; give the config the incident ran with: --config FILE",
            recorder::path_beside(journal_path).display(),
            names.len()
        )));
    }
    Ok(())
}

/// `--at`: a moment's name, an offset from the start, or a time of day or RFC 3339 time.
pub fn resolve_at(replay: &Replay, text: &str) -> Result<DateTime<Utc>, String> {
    let text = text.trim();
    if let Some(at) = replay.moment(text) {
        return Ok(at);
    }
    let offset = text.strip_prefix("T+").or_else(|| text.strip_prefix('+')).unwrap_or(text);
    if let Ok(d) = crate::text::duration::parse_duration(offset) {
        return Ok(replay.start + d);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(time) = NaiveTime::parse_from_str(text, "%H:%M:%S").or_else(|_| NaiveTime::parse_from_str(text, "%H:%M"))
    {
        let day = replay.start.date_naive();
        let mut at = day.and_time(time).and_utc();
        // A time of day before the start is on the next day (an incident across midnight).
        if at < replay.start {
            at += chrono::Duration::days(1);
        }
        return Ok(at);
    }
    let names: Vec<&str> = replay.moments.iter().map(|m| m.label).collect();
    Err(format!(
        "--at {text}: not a moment of this incident ({}), an offset (T+5m), or a time (18:44:10, RFC 3339)",
        if names.is_empty() { "it has none".to_owned() } else { names.join(", ") }
    ))
}

/// The replay in the shared loop: a frame clock plays it on; keys move it.
struct Replayer {
    app: App,
    player: Player,
    frame: tokio::time::Interval,
    last: tokio::time::Instant,
}

/// How often a playing replay moves on (a frame at most every 50 ms is drawn anyway).
const PLAY_STEP: std::time::Duration = std::time::Duration::from_millis(100);

impl Driver for Replayer {
    fn app(&mut self) -> &mut App {
        &mut self.app
    }
    fn app_ref(&self) -> &App {
        &self.app
    }
    async fn wake(&mut self) -> bool {
        self.frame.tick().await;
        let now = tokio::time::Instant::now();
        let real = now - self.last;
        self.last = now;
        self.player.play(&mut self.app, real)
    }
    fn after_input(&mut self) {
        self.player.take_moves(&mut self.app);
    }
}

pub fn run(args: &ReplayArgs) -> Result<(), Failure> {
    let Loaded { config, source, replay } = load(&args.journal, args.config.as_deref(), args.scenario.as_deref())?;
    let at = args.at.as_deref().map(|t| resolve_at(&replay, t)).transpose().map_err(Failure::usage)?;
    let theme = load_theme(&args.theme)?;
    let (mut player, mut app) = Player::open(replay, &config, theme, source, args.speed);
    match at {
        Some(at) => player.seek(&mut app, at),
        None => player.apply(&mut app, crate::app::ReplayMove::TogglePause),
    }
    let _log = crate::runtime::logging::start();
    let runtime = event_loop::runtime()?;
    let result = runtime.block_on(async {
        let mut frame = tokio::time::interval(PLAY_STEP);
        frame.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        event_loop::drive(Replayer { app, player, frame, last: tokio::time::Instant::now() }).await
    });
    crate::text::sanitize::eprint_line(&format!("warroom: {}", result?));
    Ok(())
}
