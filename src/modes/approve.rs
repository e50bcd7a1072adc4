//! `warroom approve STEP --journal FILE --confirm REGION`: a commander approves another
//! terminal's request to run a step that needs approval, without the dashboard. The same
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
    /// The shared journal the request is in.
    #[arg(long, value_name = "FILE")]
    pub journal: PathBuf,
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
    if !args.journal.is_file() {
        return Err(Failure::usage(format!("{}: no such journal", args.journal.display())));
    }
    let opened = FileJournal::open(&args.journal).map_err(|e| Failure::usage(e.to_string()))?;
    let mut journal = opened.journal;
    let author = args.author.clone().unwrap_or_else(default_author);
    journal.announce(&author, Some(TeamRole::Commander));
    let other_commander =
        journal.present().into_iter().find(|p| !p.is_me() && p.role == Some(TeamRole::Commander)).map(|p| p.label());
    let who = Approver { author: &author, other_commander, break_glass: args.break_glass.as_deref() };
    let draft =
        approvals::approve(&opened.entries, &args.step, &args.confirm, &who, Utc::now()).map_err(Failure::usage)?;
    let entry = journal.append(draft).map_err(|e| Failure::runtime(e.to_string()))?;
    write_stdout(&format!(
        "{} (seq {}); the requester's terminal judges the guards again and runs it\n",
        entry.text, entry.seq
    ))
}
