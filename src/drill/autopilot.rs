//! The scripted commander of `drill --autopilot`: declares when the primary has been
//! critical for a while, then runs the failover runbook step by step as soon as each step's
//! guards allow. It never overrides a guard: a blocked drill stays blocked, and the
//! scorecard says so.

use chrono::{DateTime, Duration, Utc};
use crossterm::event::KeyCode;

use crate::app::{App, Modal};
use crate::assess::{self, Level};
use crate::runbook::{StepKind, StepRef, StepStatus};

/// The primary must be critical this long before the autopilot declares: long enough not to
/// fail over on a flapping check, short enough to keep lost writes inside the RPO.
pub const DECLARE_AFTER: Duration = Duration::seconds(45);
/// A failed step is tried again after this long.
pub const RETRY_AFTER: Duration = Duration::minutes(1);
/// What the autopilot writes when it ticks a checklist step.
pub const CHECKLIST_NOTE: &str = "autopilot: checked";

#[derive(Clone, Debug, Default)]
pub struct Autopilot {
    critical_since: Option<DateTime<Utc>>,
}

impl Autopilot {
    /// Act on the app as a commander would at `app.now`.
    pub fn act(&mut self, app: &mut App) {
        let Some(runbook) = app.runs.runbooks.iter().position(|b| b.id == "failover") else { return };
        let now = app.now;
        let source = app.regions_for(app.runs.runbooks[runbook].direction).0;
        let critical = app.snapshot.regions.get(source).is_some_and(|r| {
            assess::findings(r, app.limits()).iter().any(|f| f.level == Level::Critical && f.signal.is_some())
        });
        self.critical_since = if critical { self.critical_since.or(Some(now)) } else { None };

        let steps = app.runs.runbooks[runbook].steps.len();
        for step in 0..steps {
            let at = StepRef { runbook, step };
            let Some(kind) = app.step(at).map(|s| s.kind) else { continue };
            let ready = match app.runs.status(at) {
                StepStatus::Pending => true,
                StepStatus::Failed { at: failed, .. } => now - *failed >= RETRY_AFTER,
                StepStatus::Running { .. } | StepStatus::Done { .. } | StepStatus::Skipped { .. } => false,
            };
            if !ready {
                continue;
            }
            if kind == StepKind::Declare && self.critical_since.is_none_or(|since| now - since < DECLARE_AFTER) {
                return;
            }
            if app.guards(at).iter().any(|g| !g.ok) {
                continue;
            }
            run(app, at);
        }
    }
}

/// Select `at`, press Enter, and answer whatever it asks the way the runbook expects.
fn run(app: &mut App, at: StepRef) {
    app.modal = None;
    app.compose = None;
    app.selected_runbook = at.runbook;
    app.selected_step = at.step;
    app.press(KeyCode::Enter);
    match &app.modal {
        Some(Modal::Declare { .. }) => {
            app.press(KeyCode::Enter);
        }
        Some(Modal::Confirm { .. }) => {
            let region = app.step_region(at);
            app.type_text(&region);
            app.press(KeyCode::Enter);
        }
        _ => {}
    }
    if app.compose.is_some() {
        app.type_text(CHECKLIST_NOTE);
        app.press(KeyCode::Enter);
    }
    app.message = None;
}
