//! `warroom approve STEP --journal FILE --confirm REGION`: a commander approves another
//! terminal's request to run a step that needs approval, without the dashboard. The same
//! rules as the dialog: the region typed out, the request still open, and one's own request
//! only when no other commander is on the incident, with a break-glass reason.

use std::path::PathBuf;

use chrono::Utc;
use clap::Args;

use crate::runtime::exit::Failure;
use crate::runtime::output::write_stdout;
use crate::scribe::data::{self, ApprovalData, StepData};
use crate::scribe::journal::{FileJournal, JournalStore};
use crate::scribe::roles::TeamRole;
use crate::scribe::{Draft, Kind, default_author};

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
    #[arg(long = "as", value_name = "NAME")]
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
    let (book, step) = match args.step.split_once('/') {
        Some((book, step)) => (Some(book), step),
        None => (None, args.step.as_str()),
    };
    let open = crate::scribe::runs::open_requests(&opened.entries);
    let mut matching: Vec<_> = open.iter().filter(|((b, s), _)| s == step && book.is_none_or(|id| id == b)).collect();
    let listed = || open.keys().map(|(b, s)| format!("{b}/{s}")).collect::<Vec<_>>().join(", ");
    let ((book, step), request) = match matching.len() {
        0 => {
            let open = if open.is_empty() { "none".to_owned() } else { listed() };
            return Err(Failure::usage(format!("no open approval request for {} (open: {open})", args.step)));
        }
        1 => matching.remove(0),
        _ => {
            return Err(Failure::usage(format!(
                "{} is open in several runbooks ({}): name one as RUNBOOK/STEP",
                args.step,
                listed()
            )));
        }
    };
    if let Some(by) = &request.approved_by {
        return Err(Failure::usage(format!("{book}/{step} is already approved by {by}")));
    }
    if args.confirm != request.region {
        return Err(Failure::usage(format!(
            "--confirm {} does not match: the request is to act in {}; type it exactly",
            crate::text::sanitize::inert(&args.confirm),
            request.region
        )));
    }
    let own = request.requester == author;
    let break_glass = match (own, &args.break_glass) {
        (false, _) => None,
        (true, None) => {
            return Err(Failure::usage(format!(
                "{book}/{step} is your own request: a second commander approves it, or, alone, give --break-glass REASON"
            )));
        }
        (true, Some(reason)) => {
            let others = journal.present();
            if let Some(c) = others.iter().find(|p| !p.is_me() && p.role == Some(TeamRole::Commander)) {
                return Err(Failure::usage(format!(
                    "another commander ({}) is on the incident: they approve it; break-glass is for a commander alone",
                    c.label()
                )));
            }
            if reason.trim().chars().count() < 3 {
                return Err(Failure::usage(
                    "--break-glass needs a reason: why this cannot wait for a second commander",
                ));
            }
            Some(reason.trim().to_owned())
        }
    };
    let text = match &break_glass {
        Some(reason) => format!("approved own request for {step} (break-glass): {reason}"),
        None => format!("approved {step} for {} in {}", request.requester, request.region),
    };
    let approval = ApprovalData::Approved { requester: request.requester.clone(), break_glass };
    let data = StepData { runbook: Some(book.clone()), approval: Some(approval), ..StepData::default() };
    let draft =
        Draft { role: Some(TeamRole::Commander), ..Draft::new(Utc::now(), author, Kind::Decision, text.clone()) }
            .step(step.clone())
            .region(request.region.clone())
            .data(data::to_value(&data));
    let entry = journal.append(draft).map_err(|e| Failure::runtime(e.to_string()))?;
    write_stdout(&format!(
        "{text} (seq {}); {}'s terminal judges the guards again and runs it\n",
        entry.seq, request.requester
    ))
}
