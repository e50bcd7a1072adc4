//! The facilitator's side of a drill in the dashboard: the DRILL banner's facts, the fault
//! menu (`f`), revealing the facilitator's entries (`F`), and the scorecard at the end.
//! The drill loop turns the menu's requests into faults in the world and journals them.

use chrono::{DateTime, Utc};

use super::App;
use crate::assess::guard::GuardResult;
use crate::assess::{self, Level};
use crate::drill::seat::Seat;
use crate::runbook::{Direction, RunState, StepRef};
use crate::sim::FaultKind;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FaultMenu {
    pub region: usize,
    /// Index into `FaultKind::ALL`.
    pub fault: usize,
}

/// What the facilitator asked for; the drill loop carries it out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultRequest {
    Inject { region: usize, fault: FaultKind },
    Clear { region: usize, fault: FaultKind },
}

impl FaultRequest {
    pub fn region(self) -> usize {
        match self {
            FaultRequest::Inject { region, .. } | FaultRequest::Clear { region, .. } => region,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct DrillView {
    pub scenario: String,
    pub summary: String,
    pub ends_at: DateTime<Utc>,
    pub regions: Vec<String>,
    /// Faults active now, as (region, name); refreshed by the drill loop.
    pub active: Vec<(usize, FaultKind)>,
    pub menu: Option<FaultMenu>,
    pub requests: Vec<FaultRequest>,
    /// The scorecard's lines once the drill has ended.
    pub scorecard: Option<Vec<String>>,
    pub scorecard_open: bool,
}

impl DrillView {
    pub fn new(scenario: &str, summary: &str, ends_at: DateTime<Utc>, regions: Vec<String>) -> Self {
        Self {
            scenario: scenario.to_owned(),
            summary: summary.to_owned(),
            ends_at,
            regions,
            active: Vec::new(),
            menu: None,
            requests: Vec::new(),
            scorecard: None,
            scorecard_open: false,
        }
    }

    pub fn is_active(&self, region: usize, fault: FaultKind) -> bool {
        self.active.iter().any(|(r, f)| *r == region && *f == fault)
    }
}

impl App {
    /// A fault a facilitator on another terminal journaled: queued for this terminal's drill
    /// to carry out (only a drill's host has a world to carry it out in).
    pub(super) fn fault_from_elsewhere(&mut self, entry: &crate::scribe::Entry) {
        use crate::drill::journal::DrillData;
        if self.joined.is_some() || self.view.drill.is_none() {
            return;
        }
        let index = |name: &str| self.snapshot.regions.iter().position(|r| r.name == name);
        let request = match DrillData::of(entry) {
            Some(DrillData::FaultInjected { fault, region }) => {
                index(&region).map(|region| FaultRequest::Inject { region, fault })
            }
            Some(DrillData::FaultCleared { fault, region }) => {
                index(&region).map(|region| FaultRequest::Clear { region, fault })
            }
            _ => None,
        };
        self.faults_from_elsewhere.extend(request);
    }

    /// The joined facilitator running the faults, if one is: then this screen has no menu.
    pub fn facilitator_elsewhere(&self) -> Option<String> {
        use crate::scribe::roles::TeamRole;
        self.scribe
            .present()
            .into_iter()
            .find(|p| p.role == Some(TeamRole::Facilitator) && !p.is_me())
            .map(|p| p.label())
    }

    pub(super) fn open_fault_menu(&mut self) {
        let facilitator = self.scribe.role == Some(crate::scribe::roles::TeamRole::Facilitator);
        if self.joined.is_some() && !facilitator && self.view.drill.as_ref().is_some_and(|d| d.scorecard.is_none()) {
            self.view.message = Some("the faults are the facilitator's: join with --role facilitator".into());
            return;
        }
        if self.view.drill.as_ref().is_some_and(|d| d.scorecard.is_none())
            && self.scribe.role != Some(crate::scribe::roles::TeamRole::Facilitator)
            && let Some(who) = self.facilitator_elsewhere()
        {
            self.view.message = Some(format!("the facilitator {who} runs the faults from their own terminal"));
            return;
        }
        match self.view.drill.as_mut() {
            // Once the drill has ended there is nothing to inject: `f` brings the scorecard back.
            Some(d) if d.scorecard.is_some() => d.scorecard_open = true,
            Some(d) => d.menu = Some(d.menu.unwrap_or(FaultMenu { region: 0, fault: 0 })),
            None => self.view.message = Some("the fault menu is for drills: warroom drill SCENARIO".into()),
        }
    }

    pub(super) fn toggle_reveal(&mut self) {
        if self.view.drill.is_none() {
            self.view.message = Some("facilitator entries exist in drills only".into());
            return;
        }
        if self.joined.is_some() && self.scribe.role != Some(crate::scribe::roles::TeamRole::Facilitator) {
            self.view.message = Some("facilitator entries are the facilitator's to see".into());
            return;
        }
        self.scribe.timeline.toggle_reveal_drill();
        let shown = self.scribe.timeline.reveals_drill();
        self.view.message =
            Some(if shown { "facilitator entries shown in the timeline" } else { "facilitator entries hidden" }.into());
    }

    /// Move in the fault menu: `dr` regions, `df` faults (wrapping).
    pub(super) fn move_menu(&mut self, dr: isize, df: isize) {
        let Some(d) = self.view.drill.as_mut() else { return };
        let regions = d.regions.len().max(1);
        if let Some(m) = d.menu.as_mut() {
            m.region = (m.region as isize + dr).rem_euclid(regions as isize) as usize;
            m.fault = (m.fault as isize + df).rem_euclid(FaultKind::ALL.len() as isize) as usize;
        }
    }

    /// Enter in the menu: inject the selected fault, or clear it if it is active there.
    pub(super) fn toggle_menu_fault(&mut self) {
        let Some(d) = self.view.drill.as_mut() else { return };
        let Some(m) = d.menu else { return };
        let Some(&fault) = FaultKind::ALL.get(m.fault) else { return };
        let region = d.regions.get(m.region).cloned().unwrap_or_default();
        if d.is_active(m.region, fault) {
            d.requests.push(FaultRequest::Clear { region: m.region, fault });
            self.view.message = Some(format!("clearing {} in {region}", fault.name()));
        } else {
            d.requests.push(FaultRequest::Inject { region: m.region, fault });
            self.view.message = Some(format!("injecting {} into {region}", fault.name()));
        }
    }

    pub(super) fn close_drill_overlay(&mut self) {
        if let Some(d) = self.view.drill.as_mut() {
            if d.menu.is_some() {
                d.menu = None;
            } else {
                d.scorecard_open = false;
            }
        }
    }
}

/// The app is the seat a drill's referee watches and its autopilot commands.
impl Seat for App {
    fn now(&self) -> DateTime<Utc> {
        self.now
    }
    fn runs(&self) -> &RunState {
        &self.runs
    }
    fn guards(&self, at: StepRef) -> Vec<GuardResult> {
        App::guards(self, at)
    }
    fn regions_for(&self, direction: Direction) -> (usize, usize) {
        App::regions_for(self, direction)
    }
    fn worst(&self, region: usize) -> Level {
        self.snapshot.regions.get(region).map_or(Level::Ok, |r| {
            assess::findings(r, self.limits())
                .iter()
                .filter(|f| f.signal.is_some())
                .map(|f| f.level)
                .max()
                .unwrap_or(Level::Ok)
        })
    }
    fn carry_out(&mut self, at: StepRef, note: &str) {
        self.view.modal = None;
        self.view.compose = None;
        // The same intents `run-step` sends: never keys. A refusal is what a person at the
        // keyboard would have read; the autopilot tries again at its next turn.
        let region = self.step_region(at);
        if self.request_run(at).is_ok() && self.answer_dialog(at, &region).is_ok() && self.view.compose.is_some() {
            let _ = self.answer_line(note);
        }
        self.view.message = None;
    }
}
