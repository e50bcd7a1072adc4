//! `warroom store init --config FILE`: create the shared journal's DynamoDB table in every
//! region of `[journal] regions`, with warroom's schema. Idempotent: a table that is there
//! with warroom's schema is left as it is, and one that is not warroom's is refused.

use std::path::PathBuf;

use clap::Subcommand;

use crate::aws::{CredentialSource, journal_table};
use crate::config::journal::StoreConfig;
use crate::runtime::exit::Failure;
use crate::runtime::output::write_stdout;
use crate::runtime::session::load_config;

#[derive(Debug, Subcommand)]
pub enum StoreCommand {
    /// Create the journal table in each region of [journal] regions (changes nothing twice).
    Init {
        #[arg(long, value_name = "FILE")]
        config: PathBuf,
    },
}

/// How long a new table may take to become ACTIVE.
const ACTIVE_WITHIN: chrono::Duration = chrono::Duration::minutes(5);

pub fn run(command: &StoreCommand) -> Result<(), Failure> {
    match command {
        StoreCommand::Init { config } => init(config),
    }
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
