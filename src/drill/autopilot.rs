//! The scripted commander of `drill --autopilot`: declares when the primary has been
//! critical for a while, then runs the failover runbook step by step as soon as each step's
//! guards allow; once traffic has moved and the original region has been stable for a while,
//! it fails back the same way. It never overrides a guard: a blocked drill stays blocked, and
//! the scorecard says so.

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

/// After the failover, the original primary must have been healthy this long before the
/// autopilot starts the failback: failback is a planned recovery, not a reflex (seed 004 §16).
pub const STABLE_BEFORE_FAILBACK: Duration = Duration::minutes(5);

#[derive(Clone, Debug, Default)]
pub struct Autopilot {
    critical_since: Option<DateTime<Utc>>,
    /// Since when the original primary has been healthy, once traffic has failed over.
    stable_since: Option<DateTime<Utc>>,
}

impl Autopilot {
    /// Act on the app as a commander would at `app.now`: the failover runbook first, then,
    /// once traffic has moved and the original region has been stable, the failback runbook.
    pub fn act(&mut self, app: &mut App) {
        let Some(failover) = app.runs.runbooks.iter().position(|b| b.id == "failover") else { return };
        let now = app.now;
        let source = app.regions_for(app.runs.runbooks[failover].direction).0;
        self.critical_since =
            if worst(app, source) == Level::Critical { self.critical_since.or(Some(now)) } else { None };
        let declare_now = self.critical_since.is_some_and(|since| now - since >= DECLARE_AFTER);
        follow(app, failover, declare_now);

        let shifted = matches!(app.runs.status_by_id(failover, "shift-traffic"), Some(StepStatus::Done { .. }));
        let Some(failback) = app.runs.runbooks.iter().position(|b| b.id == "failback") else { return };
        if !shifted {
            return;
        }
        let original = app.regions_for(app.runs.runbooks[failback].direction).1;
        self.stable_since = if worst(app, original) == Level::Ok { self.stable_since.or(Some(now)) } else { None };
        if app.runs.started(failback) || self.stable_since.is_some_and(|since| now - since >= STABLE_BEFORE_FAILBACK) {
            follow(app, failback, true);
        }
    }
}

/// The worst finding about a region's signals (staleness aside).
fn worst(app: &App, region: usize) -> Level {
    app.snapshot.regions.get(region).map_or(Level::Ok, |r| {
        assess::findings(r, app.limits())
            .iter()
            .filter(|f| f.signal.is_some())
            .map(|f| f.level)
            .max()
            .unwrap_or(Level::Ok)
    })
}

/// Run every step of `runbook` whose guards allow it now; the declare only when `declare_now`.
fn follow(app: &mut App, runbook: usize, declare_now: bool) {
    let now = app.now;
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
        if kind == StepKind::Declare && !declare_now {
            return;
        }
        if app.guards(at).iter().any(|g| !g.ok) {
            continue;
        }
        run(app, at);
    }
}

/// Select `at`, press Enter, and answer whatever it asks the way the runbook expects.
fn run(app: &mut App, at: StepRef) {
    app.modal = None;
    app.compose = None;
    app.select(at);
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
