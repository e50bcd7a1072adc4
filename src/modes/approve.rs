//! `warroom approve STEP --journal FILE --confirm REGION` (or `--config F [--incident ID]` on
//! a DynamoDB store): a commander approves another terminal's request to run a step that
//! needs approval, without the dashboard. The same
//! rules as the dialog (`scribe::approvals`): the region typed out, the request still open,
//! and one's own request only when no other commander is on the incident, with a
//! break-glass reason.

use std::path::PathBuf;

use chrono::Utc;
use clap::Args;

use crate::runtime::exit::Failure;
use crate::runtime::output::write_stdout;
use crate::scribe::approvals::{self, Approver};
use crate::scribe::default_author;
use crate::scribe::journal::{FileJournal, JournalStore};
use crate::scribe::roles::TeamRole;

#[derive(Debug, Args)]
pub struct ApproveArgs {
    /// The step whose request to approve (`promote-database`, or `failover/promote-database`).
    pub step: String,
    /// The shared journal file the request is in.
    #[arg(long, value_name = "FILE", required_unless_present = "config", conflicts_with = "config")]
    pub journal: Option<PathBuf>,
    /// A config whose `[journal] store = "dynamodb"`: the request is in the store's incident.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The store's incident (default: the newest open one of the config's incident name).
    #[arg(long, value_name = "ID", requires = "config")]
    pub incident: Option<String>,
    /// The region the step acts in, typed out: the same confirmation as the dialog's.
    #[arg(long, value_name = "REGION")]
    pub confirm: String,
    /// The approving commander (default: the OS user).
    #[arg(long = "as", value_name = "NAME", value_parser = crate::runtime::args::parse_author)]
    pub author: Option<String>,
    /// Approve your own request, alone on the incident: why it cannot wait for a second commander.
    #[arg(long, value_name = "REASON")]
    pub break_glass: Option<String>,
}

pub fn run(args: &ApproveArgs) -> Result<(), Failure> {
    let author = args.author.clone().unwrap_or_else(default_author);
    match (&args.journal, &args.config) {
        (Some(path), _) => {
            if !path.is_file() {
                return Err(Failure::usage(format!("{}: no such journal", path.display())));
            }
            let opened = FileJournal::open(path).map_err(|e| Failure::usage(e.to_string()))?;
            approve_in(opened.journal, &opened.entries, args, &author)
        }
        (None, Some(config)) => on_the_store(config, args, &author),
        (None, None) => Err(Failure::usage("give --journal FILE, or --config FILE for a DynamoDB store")),
    }
}

/// The request is in a DynamoDB store's incident: read it there, approve through this
/// machine's spool, and send it before returning.
fn on_the_store(path: &std::path::Path, args: &ApproveArgs, author: &str) -> Result<(), Failure> {
    use crate::config::journal::StoreConfig;
    let config = crate::runtime::session::load_config(path)?;
    let StoreConfig::Dynamodb(store) = &config.store else {
        return Err(Failure::usage(format!(
            "{}: [journal] store is \"file\": give the journal with --journal FILE",
            path.display()
        )));
    };
    let (id, regions) = crate::runtime::session::existing_incident(&config, store, args.incident.as_deref())?;
    let spool = crate::runtime::session::spool_path(&id, author)?;
    let mut journal =
        crate::aws::shared_journal::DynamoJournal::open(&id, &store.table, regions, &spool, store.clock_skew)
            .map_err(|e| Failure::runtime(e.to_string()))?;
    let deadline = config.aws.call_timeout.to_std().unwrap_or(std::time::Duration::from_secs(5));
    let entries = journal.history(deadline * 2);
    approve_in(journal, &entries, args, author)
}

/// Approve in `journal`, whose entries are `entries`; a store across the network sends the
/// approval before this returns (or says where it is held).
fn approve_in(
    mut journal: impl JournalStore,
    entries: &[crate::scribe::Entry],
    args: &ApproveArgs,
    author: &str,
) -> Result<(), Failure> {
    journal.announce(author, Some(TeamRole::Commander));
    let other_commander =
        journal.present().into_iter().find(|p| !p.is_me() && p.role == Some(TeamRole::Commander)).map(|p| p.label());
    let who = Approver { author, other_commander, break_glass: args.break_glass.as_deref() };
    let draft = approvals::approve(entries, &args.step, &args.confirm, &who, Utc::now()).map_err(Failure::usage)?;
    let draft = crate::scribe::Draft { session: Some(crate::scribe::presence::session(author)), ..draft };
    let entry = journal.append(draft).map_err(|e| Failure::runtime(e.to_string()))?;
    match journal.finish(crate::aws::shared_journal::FINISH_WAIT) {
        Ok(None) => {}
        Ok(Some(held)) => crate::text::sanitize::eprint_line(&format!("warroom: {held}")),
        Err(nowhere) => return Err(Failure::runtime(format!("{}: {nowhere}", entry.text))),
    }
    write_stdout(&format!(
        "{} (seq {}); the requester's terminal judges the guards again and runs it\n",
        entry.text, entry.seq
    ))
}
