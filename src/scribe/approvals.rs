//! The two-person rule as the journal holds it: which requests are open, and whether an
//! approval may be given. `warroom approve`, the dashboard's break-glass and the store
//! conformance suite all judge it here; the entries are ordinary decisions naming the step.

use chrono::{DateTime, Utc};

use super::data::{self, ApprovalData, StepData};
use super::roles::TeamRole;
use super::{Draft, Entry, Kind};

/// Who asks to approve, and whether another commander is on the incident to do it instead.
#[derive(Clone, Debug)]
pub struct Approver<'a> {
    pub author: &'a str,
    /// Another live commander (presence), if one: then nobody approves their own request.
    pub other_commander: Option<String>,
    /// The typed reason for approving one's own request alone.
    pub break_glass: Option<&'a str>,
}

/// The decision that approves the open request for `step` (`STEP` or `RUNBOOK/STEP`) in
/// `entries`, for the region typed as `confirm`, or why it may not be given.
pub fn approve(
    entries: &[Entry],
    step: &str,
    confirm: &str,
    who: &Approver<'_>,
    now: DateTime<Utc>,
) -> Result<Draft, String> {
    let (book, step) = match step.split_once('/') {
        Some((book, step)) => (Some(book), step),
        None => (None, step),
    };
    let open = super::runs::open_requests(entries);
    let listed = || open.keys().map(|(b, s)| format!("{b}/{s}")).collect::<Vec<_>>().join(", ");
    let mut matching: Vec<_> = open.iter().filter(|((b, s), _)| s == step && book.is_none_or(|id| id == b)).collect();
    let ((book, step), request) = match matching.len() {
        0 => {
            let open = if open.is_empty() { "none".to_owned() } else { listed() };
            return Err(format!("no open approval request for {step} (open: {open})"));
        }
        1 => matching.remove(0),
        _ => return Err(format!("{step} is open in several runbooks ({}): name one as RUNBOOK/STEP", listed())),
    };
    if let Some(by) = &request.approved_by {
        return Err(format!("{book}/{step} is already approved by {by}"));
    }
    if confirm != request.region {
        return Err(format!(
            "the region typed (`{}`) does not match: the request is to act in {}; type it exactly",
            crate::text::sanitize::inert(confirm),
            request.region
        ));
    }
    let break_glass = if request.requester == who.author {
        if let Some(other) = &who.other_commander {
            return Err(format!(
                "{book}/{step} is your own request and another commander ({other}) is on the incident: they approve it"
            ));
        }
        match who.break_glass.map(str::trim) {
            Some(reason) if reason.chars().count() >= 3 => Some(reason.to_owned()),
            Some(_) => return Err("a break-glass reason says why this cannot wait for a second commander".into()),
            None => {
                return Err(format!(
                    "{book}/{step} is your own request: a second commander approves it, or, alone, give a break-glass reason"
                ));
            }
        }
    } else {
        None
    };
    let text = match &break_glass {
        Some(reason) => format!("approved own request for {step} (break-glass): {reason}"),
        None => format!("approved {step} for {} in {}", request.requester, request.region),
    };
    let approval = ApprovalData::Approved { requester: request.requester.clone(), break_glass };
    let data = StepData { runbook: Some(book.clone()), approval: Some(approval), ..StepData::default() };
    Ok(Draft { role: Some(TeamRole::Commander), ..Draft::new(now, who.author, Kind::Decision, text) }
        .step(step.clone())
        .region(request.region.clone())
        .data(data::to_value(&data)))
}

/// The decision that asks a commander to approve running `step` of `runbook` in `region`.
pub fn request(runbook: &str, step: &str, region: &str, author: &str, now: DateTime<Utc>) -> Draft {
    let data = StepData {
        runbook: Some(runbook.to_owned()),
        approval: Some(ApprovalData::Requested { region: region.to_owned() }),
        ..StepData::default()
    };
    Draft::new(now, author, Kind::Decision, format!("requested approval to run {step} in {region}"))
        .step(step)
        .region(region)
        .data(data::to_value(&data))
}
