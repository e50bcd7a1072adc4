//! What a blameless post-incident review reads besides the timeline: the phases of the
//! incident and how long each took, the runbook as it was run (who, when, how long, how it
//! ended, why a step was skipped or overridden), and a stub for the action items. Pure over
//! the journal's entries, so the Markdown and later reports share them.

use chrono::{DateTime, Duration, Utc};

use crate::scribe::entry::{Entry, Kind, SYSTEM_AUTHOR};
use crate::scribe::measure::Measurements;

/// One phase of the incident: from one moment to the next.
#[derive(Clone, Debug, PartialEq)]
pub struct Phase {
    pub name: &'static str,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

impl Phase {
    pub fn duration(&self) -> Duration {
        (self.to - self.from).max(Duration::zero())
    }
}

/// The named moments of an incident, in order, each only when it happened: impact (as
/// `measure` defines it, the one start every T+ counts from), detection (warroom's first
/// observation of trouble since impact), the declaration, the traffic shift and the
/// recovery.
pub fn moments(entries: &[Entry], m: &Measurements) -> Vec<(&'static str, DateTime<Utc>)> {
    let impact = m.impact_start;
    let detected = impact.and_then(|start| crate::scribe::measure::first_detection(entries, start));
    [
        ("impact", impact),
        ("detected", detected),
        ("declared", m.declared),
        ("shifted", m.traffic_shifted),
        ("recovered", m.recovered),
    ]
    .into_iter()
    .filter_map(|(name, at)| at.map(|at| (name, at)))
    .collect()
}

/// The phases between consecutive moments: `impact → detected`, `detected → declared`, …
pub fn phases(entries: &[Entry], m: &Measurements) -> Vec<Phase> {
    let moments = moments(entries, m);
    moments.windows(2).map(|w| Phase { name: phase_name(w[0].0, w[1].0), from: w[0].1, to: w[1].1 }).collect()
}

fn phase_name(from: &str, to: &str) -> &'static str {
    match (from, to) {
        ("impact", "detected") => "impact → detected",
        ("impact", "declared") => "impact → declared",
        ("detected", "declared") => "detected → declared",
        ("declared", "shifted") => "declared → shifted",
        ("shifted", "recovered") => "shifted → recovered",
        ("impact", "shifted") | ("detected", "shifted") => "→ shifted",
        _ => "→ recovered",
    }
}

/// How a step ended, as the review reads it.
#[derive(Clone, Debug, PartialEq)]
pub enum StepResult {
    Done {
        already: bool,
    },
    Failed(String),
    Skipped(String),
    /// Started and never finished in this journal.
    Running,
}

impl StepResult {
    pub fn label(&self) -> String {
        match self {
            StepResult::Done { already: false } => "done".into(),
            StepResult::Done { already: true } => "already done".into(),
            StepResult::Failed(e) => format!("failed: {e}"),
            StepResult::Skipped(_) => "skipped".into(),
            StepResult::Running => "not finished".into(),
        }
    }
}

/// One step as it was run: its last attempt, how many there were, and the reasons people
/// gave (a skip's, an override's with the guards it went past).
#[derive(Clone, Debug, PartialEq)]
pub struct StepRun {
    pub runbook: String,
    pub step: String,
    pub who: String,
    pub start: DateTime<Utc>,
    pub end: Option<DateTime<Utc>>,
    pub result: StepResult,
    pub attempts: usize,
    pub reasons: Vec<String>,
}

impl StepRun {
    pub fn duration(&self) -> Option<Duration> {
        self.end.map(|end| (end - self.start).max(Duration::zero()))
    }
}

/// Every step that was started, ticked, skipped or declared, in the order it first was.
pub fn step_runs(entries: &[Entry]) -> Vec<StepRun> {
    let mut runs: Vec<StepRun> = Vec::new();
    for e in entries {
        let Some(step) = e.step.clone() else { continue };
        let data = e.step_data().unwrap_or_default();
        if data.approval.is_some() || data.withdrawn {
            continue;
        }
        let runbook = data.runbook.clone().unwrap_or_default();
        let index = runs.iter().position(|r| r.runbook == runbook && r.step == step);
        let run = match index {
            Some(i) => &mut runs[i],
            None => {
                runs.push(StepRun {
                    runbook: runbook.clone(),
                    step: step.clone(),
                    who: e.author.clone(),
                    start: e.at,
                    end: None,
                    result: StepResult::Running,
                    attempts: 0,
                    reasons: Vec::new(),
                });
                let last = runs.len() - 1;
                &mut runs[last]
            }
        };
        if let Some(o) = &data.override_ {
            let guards: Vec<String> = o.guards.iter().map(|g| format!("{} ({})", g.guard, g.reason)).collect();
            run.reasons.push(format!("override past {}: {}", guards.join(", "), o.reason));
        }
        match e.kind {
            Kind::ActionStarted => {
                // Each start is an attempt; the run shows the last one (an override entry
                // before the first start does not start it).
                run.attempts += 1;
                run.start = e.at;
                run.end = None;
                run.who = e.author.clone();
                run.result = StepResult::Running;
            }
            Kind::ActionSucceeded => {
                // A checklist tick is its own start; a watch's or an action's success is
                // often warroom's, and the step stays the person's who started it.
                if run.attempts == 0 {
                    run.start = e.at;
                    run.who = e.author.clone();
                }
                run.attempts = run.attempts.max(1);
                run.end = Some(e.at);
                if run.who == SYSTEM_AUTHOR {
                    run.who = e.author.clone();
                }
                run.result = StepResult::Done { already: data.already };
            }
            Kind::ActionFailed => {
                run.end = Some(e.at);
                run.result = StepResult::Failed(e.text.clone());
            }
            Kind::Decision if data.skipped => {
                let reason = e.text.split_once(": ").map_or(e.text.as_str(), |(_, r)| r).to_owned();
                run.end = Some(e.at);
                run.who = e.author.clone();
                run.reasons.push(format!("skipped: {reason}"));
                run.result = StepResult::Skipped(reason);
            }
            // A declaration is done when it is written.
            Kind::Decision => {
                run.attempts = run.attempts.max(1);
                run.end = Some(e.at);
                run.result = StepResult::Done { already: false };
            }
            Kind::GuardOverride => {
                run.reasons.push(format!("override: {}", e.text));
            }
            _ => {}
        }
    }
    runs
}

/// The kinds a person writes by hand, for the review's own sections.
pub fn is_note(e: &Entry) -> bool {
    e.kind == Kind::Note
}

pub fn is_comms(e: &Entry) -> bool {
    e.kind == Kind::Comms
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scribe::data::StepData;
    use crate::scribe::entry::Draft;
    use crate::testkit::t;

    fn entry(seq: u64, at: i64, author: &str, kind: Kind, step: &str, data: StepData, text: &str) -> Entry {
        let draft = Draft::new(t(at), author, kind, text).step(step).data(serde_json::to_value(data).unwrap());
        Entry::from_draft(draft, seq, format!("e{seq}"))
    }

    #[test]
    fn a_step_run_twice_keeps_its_last_attempt_and_every_reason() {
        let failover = || StepData { runbook: Some("failover".into()), ..StepData::default() };
        let entries = vec![
            entry(1, 0, "ana", Kind::ActionStarted, "shift-traffic", failover(), "shift"),
            entry(2, 300, "warroom", Kind::ActionFailed, "shift-traffic", failover(), "timed out after 5m"),
            entry(3, 360, "ana", Kind::ActionStarted, "shift-traffic", failover(), "shift again"),
            entry(4, 400, "ana", Kind::ActionSucceeded, "shift-traffic", failover(), "INSYNC"),
            entry(
                5,
                410,
                "bo",
                Kind::Decision,
                "communicate",
                StepData { skipped: true, ..failover() },
                "skipped communicate: comms lead is on it",
            ),
        ];
        let runs = step_runs(&entries);
        assert_eq!(runs.len(), 2);
        let shift = &runs[0];
        assert_eq!((shift.attempts, shift.who.as_str(), shift.start, shift.end), (2, "ana", t(360), Some(t(400))));
        assert_eq!(shift.result, StepResult::Done { already: false });
        assert_eq!(shift.duration(), Some(Duration::seconds(40)));
        assert_eq!(runs[1].result, StepResult::Skipped("comms lead is on it".into()));
        assert_eq!(runs[1].reasons, ["skipped: comms lead is on it"]);
    }
}
