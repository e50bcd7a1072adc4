//! `warroom incidents --config F` lists the incidents of a DynamoDB store; `warroom close
//! --config F [--incident ID]` closes one: a closing entry in its journal, and the index
//! marks it closed, so it is no longer anyone's default.

use std::path::PathBuf;

use chrono::Utc;
use clap::Args;

use crate::config::Config;
use crate::config::journal::{DynamoStore, StoreConfig};
use crate::runtime::exit::Failure;
use crate::runtime::output::write_stdout;
use crate::runtime::session::{load_config, store_regions};
use crate::scribe::data::Observed;
use crate::scribe::{Draft, JournalStore, Kind, default_author, entry::SYSTEM_AUTHOR};

#[derive(Debug, Args)]
pub struct CloseArgs {
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,
    /// The incident to close (default: the newest open one of the config's incident name).
    #[arg(long, value_name = "ID")]
    pub incident: Option<String>,
    /// Who closes it (default: the OS user).
    #[arg(long = "as", value_name = "NAME", value_parser = crate::runtime::args::parse_author)]
    pub author: Option<String>,
}

fn dynamo(path: &std::path::Path) -> Result<(Config, DynamoStore), Failure> {
    let config = load_config(path)?;
    match &config.store {
        StoreConfig::Dynamodb(store) => {
            let store = store.clone();
            Ok((config, store))
        }
        StoreConfig::File => Err(Failure::usage(format!(
            "{}: [journal] store is \"file\": incidents by id are for store = \"dynamodb\"",
            path.display()
        ))),
    }
}

pub fn list(path: &std::path::Path) -> Result<(), Failure> {
    let (config, store) = dynamo(path)?;
    let runtime = crate::runtime::event_loop::runtime()?;
    let records = runtime.block_on(async {
        let regions = store_regions(&config, &store).await;
        crate::aws::incidents::list(&regions, &store.table).await.map_err(|e| Failure::runtime(e.to_string()))
    })?;
    let mut text = String::new();
    for r in records.iter().rev() {
        let state = match (&r.closed, &r.closed_by) {
            (Some(at), by) => format!("closed {} by {}", at.format("%Y-%m-%d %H:%M UTC"), by.as_deref().unwrap_or("?")),
            (None, _) => "OPEN".to_owned(),
        };
        text.push_str(&format!("{}  {}  started {}  {state}\n", r.id, r.name, r.started.format("%Y-%m-%d %H:%M UTC")));
    }
    if records.is_empty() {
        text.push_str(&format!("no incidents in {}\n", store.table));
    }
    write_stdout(&crate::text::sanitize::inert_lines(&text))
}

pub fn close(args: &CloseArgs) -> Result<(), Failure> {
    let (config, store) = dynamo(&args.config)?;
    let author = args.author.clone().unwrap_or_else(default_author);
    let (id, regions) = crate::runtime::session::existing_incident(&config, &store, args.incident.as_deref())?;
    crate::runtime::event_loop::runtime()?
        .block_on(crate::aws::incidents::close(&regions, &store.table, &id, &author, Utc::now()))
        .map_err(|e| Failure::runtime(e.to_string()))?;
    // The journal says so too, through the spool like any entry.
    let spool = crate::runtime::session::spool_path(&id, &author)?;
    let mut journal =
        crate::aws::shared_journal::DynamoJournal::open(&id, &store.table, regions, &spool, store.clock_skew)
            .map_err(|e| Failure::runtime(e.to_string()))?;
    let text = format!("incident {id} closed by {author}");
    let draft = Draft {
        session: Some(crate::scribe::presence::session(&author)),
        ..Draft::new(Utc::now(), SYSTEM_AUTHOR, Kind::Observation, text.clone())
            .data(Observed::IncidentClosed { by: author.clone() }.data())
    };
    journal.append(draft).map_err(|e| Failure::runtime(e.to_string()))?;
    // As a quitting terminal does: every reachable region within the wait, and what is held
    // back said per region. Only an entry that reached no region at all fails the command.
    match journal.finish(crate::aws::shared_journal::FINISH_WAIT) {
        Ok(None) => write_stdout(&format!("{text}\n")),
        Ok(Some(held)) => {
            crate::text::sanitize::eprint_line(&format!("warroom: {held}"));
            write_stdout(&format!("{text}\n"))
        }
        Err(nowhere) => Err(Failure::runtime(format!("{text}; {nowhere}"))),
    }
}
