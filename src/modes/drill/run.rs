//! A drill on the simulated world, stepped in simulated time: the headless autopilot runs
//! it as fast as the machine allows, and the same seed gives the same scorecard.

use chrono::{DateTime, Duration, Utc};
use tokio::sync::mpsc;

use crate::actions::remote::Relay;
use crate::actions::{Executor, Job, sim::Stepper};
use crate::app::{App, FaultRequest, Msg, SimInfo};
use crate::drill::autopilot::Autopilot;
use crate::drill::journal::DrillData;
use crate::drill::referee::Referee;
use crate::drill::score::score;
use crate::drill::scorecard::{Facts, Scorecard};
use crate::drill::{Scenario, config, world};
use crate::scribe::Scribe;
use crate::sim::World;
use crate::theme::Theme;

#[derive(Debug)]
pub struct Drill {
    pub scenario: Scenario,
    pub seed: u64,
    pub epoch: DateTime<Utc>,
    pub app: App,
    pub world: World,
    pub referee: Referee,
    pub autopilot: Option<Autopilot>,
    stepper: Stepper,
    jobs: mpsc::Receiver<Job>,
    /// Scheduled faults already journaled as begun (by index into the timeline).
    announced: usize,
    /// Simulated time of the last turn: turns happen on poll-interval boundaries.
    last_turn: DateTime<Utc>,
    /// Requests of terminals joined to this drill (`warroom join`), when it hosts them.
    pub relay: Option<Relay>,
}

impl Drill {
    pub fn new(scenario: Scenario, seed: u64, scribe: Scribe, epoch: DateTime<Utc>, autopilot: bool) -> Self {
        let config = config(&scenario);
        let world = world(&scenario, &config, seed, epoch);
        let (executor, jobs) = Executor::stepped();
        let mut app = App::new(&config, config.runbooks.clone(), Theme::fallback(true), scribe, Some(executor), epoch);
        app.sim = Some(SimInfo { seed, speed: 1.0 });
        let start = DrillData::Started { scenario: scenario.name.clone(), seed, autopilot }.draft(
            epoch,
            &app.scribe.author,
            format!("drill started: {} — {}", scenario.name, scenario.summary),
        );
        let _ = app.scribe.record(start);
        Self {
            scenario,
            seed,
            epoch,
            app,
            world,
            referee: Referee::default(),
            autopilot: autopilot.then(Autopilot::default),
            stepper: Stepper::default(),
            jobs,
            announced: 0,
            last_turn: epoch,
            relay: None,
        }
    }

    fn deliver_jobs(&mut self) {
        let mut jobs = Vec::new();
        while let Ok(job) = self.jobs.try_recv() {
            jobs.push(job);
        }
        // Joined terminals' jobs, carried out in this world and answered to them.
        jobs.extend(self.relay.as_mut().map(Relay::take).unwrap_or_default());
        for job in jobs {
            if let Some(outcome) = self.stepper.submit(&mut self.world, job) {
                self.deliver(outcome);
            }
        }
    }

    fn deliver(&mut self, outcome: crate::actions::Outcome) {
        match self.relay.as_mut() {
            Some(relay) if relay.owns(outcome.job) => relay.answer(outcome),
            _ => {
                self.app.handle(Msg::Outcome(outcome));
            }
        }
    }

    /// Journal scheduled faults that have begun by now.
    fn announce_faults(&mut self, now: DateTime<Utc>) {
        let elapsed = now - self.epoch;
        let mut due: Vec<(Duration, String, DrillData)> = Vec::new();
        for f in self.scenario.faults.iter().filter(|f| f.at <= elapsed).skip(self.announced) {
            let region = self.scenario.regions.get(f.region).cloned().unwrap_or_default();
            due.push((
                f.at,
                format!("fault {} began in {region}", f.fault.name()),
                DrillData::FaultScheduled { fault: f.fault.kind(), region },
            ));
        }
        self.announced += due.len();
        for (at, text, data) in due {
            let _ = self.app.scribe.record(data.draft(self.epoch + at, &self.app.scribe.author, text));
        }
    }

    /// One turn at simulated time `now`: the world moves, every region is polled, actions
    /// progress, the app ticks, the referee looks, the autopilot (if any) acts.
    pub fn turn(&mut self, now: DateTime<Utc>) {
        self.world.advance_to(now);
        self.announce_faults(now);
        self.deliver_jobs();
        // Outcomes first: an action the world finished this turn is seen before its effects.
        for outcome in self.stepper.poll(&self.world) {
            self.deliver(outcome);
        }
        self.app.poll_round(self.world.poll_all(now), [], now);
        self.referee.watch(&self.app);
        if let Some(pilot) = self.autopilot.as_mut() {
            pilot.act(&mut self.app);
            self.deliver_jobs();
            self.referee.watch(&self.app);
        }
    }

    /// Carry out the facilitator's requests from the fault menu, journaled as hidden
    /// facilitator entries, and those a joined facilitator journaled on their terminal (not
    /// journaled again); then refresh the menu's list of active faults.
    pub fn facilitate(&mut self, now: DateTime<Utc>) {
        let Some(view) = self.app.view.drill.as_mut() else { return };
        let requests = std::mem::take(&mut view.requests);
        let elsewhere = std::mem::take(&mut self.app.faults_from_elsewhere);
        self.world.advance_to(now);
        for request in requests {
            if let Some(draft) = self.apply_fault(request, now) {
                let _ = self.app.scribe.record(draft);
            }
        }
        for request in elsewhere {
            self.apply_fault(request, now);
        }
        let active = self.world.active_faults().into_iter().map(|(r, f)| (r, f.kind())).collect();
        if let Some(view) = self.app.view.drill.as_mut() {
            view.active = active;
        }
    }

    /// Inject or clear a fault in the world; the facilitator entry that says so.
    fn apply_fault(&mut self, request: FaultRequest, now: DateTime<Utc>) -> Option<crate::scribe::Draft> {
        let region_name = self.world.region_name(request.region())?.to_owned();
        let draft = match request {
            FaultRequest::Inject { region, fault } => {
                self.world.inject(region, fault.default_fault());
                DrillData::FaultInjected { fault, region: region_name.clone() }.draft(
                    now,
                    &self.app.scribe.author,
                    format!("facilitator injected {} into {region_name}", fault.name()),
                )
            }
            FaultRequest::Clear { region, fault } => {
                self.world.clear(region, fault);
                DrillData::FaultCleared { fault, region: region_name.clone() }.draft(
                    now,
                    &self.app.scribe.author,
                    format!("facilitator cleared {} in {region_name}", fault.name()),
                )
            }
        };
        Some(draft)
    }

    /// Take every turn due by `now`, one per poll interval (and one at the scenario's end),
    /// so a drill plays the same at any speed.
    pub fn advance_to(&mut self, now: DateTime<Utc>) {
        let step = self.app.snapshot.poll_interval.max(Duration::seconds(1));
        let end = self.epoch + self.scenario.duration;
        let now = now.min(end);
        while self.last_turn < now {
            let next = (self.last_turn + step).min(end);
            if next > now {
                break;
            }
            self.last_turn = next;
            self.turn(next);
        }
    }

    pub fn ended(&self) -> bool {
        self.last_turn >= self.epoch + self.scenario.duration
    }

    /// Run to the scenario's end, then score.
    pub fn run_to_end(&mut self) -> Scorecard {
        let end = self.epoch + self.scenario.duration;
        self.advance_to(end);
        self.finish(end)
    }

    /// Score the drill and journal its end with the scorecard.
    pub fn finish(&mut self, now: DateTime<Utc>) -> Scorecard {
        let facts = Facts {
            promotion_blocked_by_lag: self.referee.promotion_blocked_by_lag,
            failover_blocked_before_shift: self.referee.failover_blocked_before_shift,
            serving_region: self.world.region_name(self.world.active_region()).unwrap_or_default().to_owned(),
        };
        let card = score(&self.scenario, self.seed, self.epoch, self.app.scribe.timeline.entries(), &facts);
        let text = format!(
            "drill ended: {} — {}",
            self.scenario.name,
            if card.passed { "every expectation met" } else { "expectations missed" }
        );
        let _ = self.app.scribe.record(DrillData::Ended { scorecard: Box::new(card.clone()) }.draft(
            now,
            &self.app.scribe.author,
            text,
        ));
        card
    }
}
