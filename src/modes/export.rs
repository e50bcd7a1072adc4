//! `warroom export JOURNAL --format md|csv|json|html`: read the journal, report what is
//! malformed, and write the review to stdout or, replaced whole, to `-o FILE`. The HTML page
//! also reads the flight recording beside the journal and the config the incident ran with.

use std::path::PathBuf;

use clap::Args;

use crate::runtime::exit::Failure;
use crate::runtime::output::{write_atomically, write_stdout};

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The journal file (JSON Lines) to export; or give only --config (a DynamoDB store).
    #[arg(required_unless_present = "config")]
    pub journal: Option<PathBuf>,
    /// Without a journal: a config whose [journal] store = "dynamodb", to export the incident
    /// from the store, every region merged in time order. With a journal: the config the
    /// incident ran with, for the HTML page's regions and thresholds (default: what the
    /// journal says, as `replay` reads it).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// With --format html: the drill scenario file the journal is of.
    #[arg(long, value_name = "NAME|FILE", requires = "journal", conflicts_with = "config")]
    pub scenario: Option<String>,
    /// With --config: the incident's id (default: the config's incident name).
    #[arg(long, value_name = "ID", requires = "config")]
    pub incident: Option<String>,
    #[arg(long, value_enum)]
    pub format: ExportFormat,
    /// Time zone for times: UTC (default), an IANA name like Europe/Berlin, or +05:30.
    #[arg(long, value_name = "ZONE", default_value = "UTC", value_parser = crate::review::export::Zone::parse)]
    pub tz: crate::review::export::Zone,
    /// Write here instead of stdout (replaced whole, never half-written).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Fail (exit 2) on malformed lines instead of reporting and skipping them.
    #[arg(long)]
    pub strict: bool,
}

/// The formats: the journal's text ones, and the page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    Md,
    Json,
    Csv,
    /// One self-contained page with charts from the flight recording.
    Html,
}

impl ExportFormat {
    fn text(self) -> Option<crate::review::export::Format> {
        use crate::review::export::Format;
        match self {
            ExportFormat::Md => Some(Format::Md),
            ExportFormat::Json => Some(Format::Json),
            ExportFormat::Csv => Some(Format::Csv),
            ExportFormat::Html => None,
        }
    }
}

pub fn run(args: &ExportArgs) -> Result<(), Failure> {
    let Some(journal_path) = &args.journal else { return export_store(args) };
    let Some(format) = args.format.text() else { return export_html(args, journal_path) };
    use crate::review::export;
    use crate::scribe::journal;
    let (entries, malformed) = journal::read_file(journal_path).map_err(|e| Failure::usage(e.to_string()))?;
    let name = journal_path.display();
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
    let text = export::render(&entries, format, args.tz);
    write_out(args, Some(journal_path), &text)
}

/// The page: the journal, its recording and its config, as `replay` reads them.
fn export_html(args: &ExportArgs, journal_path: &std::path::Path) -> Result<(), Failure> {
    let recorded = crate::modes::replay::recorded(journal_path, args.config.as_deref(), args.scenario.as_deref())?;
    let torn = recorded.recording.as_ref().is_some_and(|r| r.torn);
    let updates = recorded.recording.map(|r| r.updates);
    let note = torn.then_some("The recording's last batch was torn (a crash): the charts end early.");
    let page = crate::review::html::render(&crate::review::html::Inputs {
        entries: &recorded.entries,
        config: &recorded.config,
        updates: updates.as_deref(),
        source: &recorded.source.what,
        note,
        zone: args.tz,
    })
    .map_err(Failure::runtime)?;
    write_out(args, Some(journal_path), &page)
}

fn write_out(args: &ExportArgs, journal: Option<&std::path::Path>, text: &str) -> Result<(), Failure> {
    match &args.output {
        None => write_stdout(text),
        Some(path) => {
            if let Some(journal) = journal {
                refuse_export_target(journal, path)?;
            }
            write_atomically(path, text.as_bytes())
                .map_err(|e| Failure::runtime(format!("cannot write {}: {e}", path.display())))
        }
    }
}

/// The incident from a DynamoDB store: every region that answers, merged by id.
fn export_store(args: &ExportArgs) -> Result<(), Failure> {
    use crate::aws::shared_journal::read_incident;
    use crate::config::journal::StoreConfig;
    let Some(path) = &args.config else { return Err(Failure::usage("give a journal file, or --config FILE")) };
    let config = crate::runtime::session::load_config(path)?;
    let StoreConfig::Dynamodb(store) = &config.store else {
        return Err(Failure::usage(format!(
            "{}: [journal] store is \"file\": export the journal file itself (warroom export FILE)",
            path.display()
        )));
    };
    let runtime = crate::runtime::event_loop::runtime()?;
    let (incident, (entries, failed)) = runtime.block_on(async {
        let regions = crate::runtime::session::store_regions(&config, store).await;
        // Without --incident: the newest incident of the config's name, open or closed.
        let incident = match &args.incident {
            Some(id) => id.clone(),
            None => crate::aws::incidents::list(&regions, &store.table)
                .await
                .map_err(|e| Failure::runtime(format!("cannot list the incidents: {e}; give --incident ID")))?
                .into_iter()
                .rev()
                .find(|r| r.name == config.incident.name)
                .map(|r| r.id)
                .ok_or_else(|| {
                    Failure::usage(format!("no incident named {} in {}", config.incident.name, store.table))
                })?,
        };
        Ok::<_, Failure>((incident.clone(), read_incident(&regions, &store.table, &incident).await))
    })?;
    for (region, why) in &failed {
        crate::text::sanitize::eprint_line(&format!("warroom: {region}: not read: {why}"));
    }
    if failed.len() == store.regions.len() {
        return Err(Failure::runtime(format!("no region of the store answered; incident {incident} not exported")));
    }
    if entries.is_empty() {
        return Err(Failure::usage(format!("incident {incident} has no entries in {}", store.table)));
    }
    let text = match args.format.text() {
        Some(format) => crate::review::export::render(&entries, format, args.tz),
        // A DynamoDB store keeps no recording: the page says so and leaves the charts out.
        None => crate::review::html::render(&crate::review::html::Inputs {
            entries: &entries,
            config: &config,
            updates: None,
            source: &format!("incident {incident} of {}", path.display()),
            note: None,
            zone: args.tz,
        })
        .map_err(Failure::runtime)?,
    };
    write_out(args, None, &text)
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
