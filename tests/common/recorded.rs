//! A built-in drill run by the autopilot into a journal file, so it records: what the replay
//! and the HTML report are tested on.

use chrono::{DateTime, Utc};
use warroom::app::{App, DrillView};
use warroom::scribe::Kind;

/// The live screen (`width`×`height`) when the shift was first seen, that moment, and the
/// selection then.
pub struct Shift {
    pub screen: String,
    pub at: DateTime<Utc>,
    pub selection: (usize, usize),
}

/// Run `scenario` (built-in) with the DRILL banner the dashboard shows into `journal`.
pub fn record_drill(journal: &std::path::Path, scenario: &str, width: u16, height: u16) -> Option<Shift> {
    let scenario = warroom::drill::builtin::find(scenario).unwrap();
    let config = warroom::drill::config(&scenario);
    let epoch = super::epoch();
    let mut drill =
        warroom::modes::drill::into_journal(scenario.clone(), 42, journal, epoch, "autopilot".into(), None).unwrap();
    drill.app.view.drill =
        Some(DrillView::new(&scenario.name, &scenario.summary, epoch + scenario.duration, scenario.regions.clone()));
    let shifted = |app: &App| {
        app.scribe
            .timeline
            .entries()
            .iter()
            .any(|e| e.kind == Kind::ActionSucceeded && e.step.as_deref() == Some("shift-traffic"))
    };
    let mut t = epoch;
    let mut live = None;
    while t < epoch + scenario.duration {
        t += config.incident.poll_interval;
        drill.advance_to(t);
        assert!(drill.app.scribe.recorder.is_some(), "a drill with a journal file records (its host writes the facts)");
        if live.is_none() && shifted(&drill.app) {
            let screen = super::render(&mut drill.app, width, height);
            let selection = (drill.app.view.selected_runbook, drill.app.view.selected_step);
            live = Some(Shift { screen, at: drill.app.now, selection });
        }
    }
    drill.run_to_end();
    live
}
