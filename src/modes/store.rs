//! `warroom store init --config FILE`: create the shared journal's DynamoDB table in every
//! region of `[journal] regions`, with warroom's schema. Idempotent: a table that is there
//! with warroom's schema is left as it is, and one that is not warroom's is refused.
//!
//! `warroom store flush --config FILE [--incident ID]`: upload what this machine's spools of
//! the incident still hold, without opening the dashboard.

use std::path::PathBuf;

use clap::Subcommand;

use crate::aws::shared_journal::DynamoJournal;
use crate::aws::{CredentialSource, journal_table};
use crate::config::journal::StoreConfig;
use crate::runtime::exit::Failure;
use crate::runtime::output::write_stdout;
use crate::runtime::session::load_config;

#[derive(Debug, Subcommand)]
pub enum StoreCommand {
    /// Create the journal table in each region of [journal] regions (changes nothing twice).
    Init {
        /// The live config whose [journal] store = "dynamodb".
        #[arg(long, value_name = "FILE")]
        config: PathBuf,
    },
    /// Upload this machine's spooled entries of an incident to every region that answers.
    Flush {
        /// The live config whose [journal] store = "dynamodb".
        #[arg(long, value_name = "FILE")]
        config: PathBuf,
        /// The incident (default: the newest open one of the config's incident name).
        #[arg(long, value_name = "ID")]
        incident: Option<String>,
        /// How long to wait for the regions, e.g. `10s`.
        #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = crate::runtime::args::parse_std_duration)]
        wait: std::time::Duration,
    },
}

/// How long a new table may take to become ACTIVE.
const ACTIVE_WITHIN: chrono::Duration = chrono::Duration::minutes(5);

pub fn run(command: &StoreCommand) -> Result<(), Failure> {
    match command {
        StoreCommand::Init { config } => init(config),
        StoreCommand::Flush { config, incident, wait } => flush(config, incident.as_deref(), *wait),
    }
}

fn flush(path: &std::path::Path, incident: Option<&str>, wait: std::time::Duration) -> Result<(), Failure> {
    let config = load_config(path)?;
    let StoreConfig::Dynamodb(store) = &config.store else {
        return Err(Failure::usage(format!(
            "{}: [journal] store is \"file\": a journal file has no spool to flush; every entry is on disk as it is written",
            path.display()
        )));
    };
    let (id, regions) = crate::runtime::session::existing_incident(&config, store, incident)?;
    let spools = crate::runtime::session::spools_of(&id)?;
    if spools.is_empty() {
        return write_stdout(&format!("{id}: nothing spooled on this machine\n"));
    }
    let mut lines = Vec::new();
    let mut nowhere = Vec::new();
    for spool in &spools {
        let entries = crate::scribe::journal::parse_lines(&std::fs::read(spool).unwrap_or_default()).0.len();
        let mut journal = DynamoJournal::open(&id, &store.table, regions.clone(), spool, store.clock_skew)
            .map_err(|e| Failure::runtime(e.to_string()))?;
        match crate::scribe::JournalStore::finish(&mut journal, wait) {
            Ok(None) => lines.push(format!("{}: {entries} entries, in every region", spool.display())),
            Ok(Some(held)) => lines.push(format!("{}: {held}", spool.display())),
            Err(held) => nowhere.push(format!("{}: {held}", spool.display())),
        }
    }
    write_stdout(&crate::text::sanitize::inert_lines(&(lines.join("\n") + "\n")))?;
    if nowhere.is_empty() { Ok(()) } else { Err(Failure::runtime(nowhere.join("\n"))) }
}

fn init(path: &std::path::Path) -> Result<(), Failure> {
    let config = load_config(path)?;
    let StoreConfig::Dynamodb(store) = &config.store else {
        return Err(Failure::usage(format!(
            "{}: [journal] store is \"file\" (the default): there is no table to create; set store = \"dynamodb\"",
            path.display()
        )));
    };
    let runtime = crate::runtime::event_loop::runtime()?;
    let lines = runtime.block_on(async {
        let mut lines = Vec::new();
        for region in &store.regions {
            let client = crate::aws::store_client(region, &config.aws, store, &CredentialSource::Default).await;
            let done = journal_table::init(&client, &store.table, ACTIVE_WITHIN)
                .await
                .map_err(|e| Failure::runtime(format!("{region}: {e}")))?;
            lines.push(match done {
                journal_table::Init::Created => format!("{region}: created table {}", store.table),
                journal_table::Init::AlreadyThere => format!("{region}: table {} is there; unchanged", store.table),
            });
        }
        Ok::<_, Failure>(lines)
    })?;
    write_stdout(&(lines.join("\n") + "\n"))
}
