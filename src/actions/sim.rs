//! The sim executor: turns `Action`s into commands on the simulated world and reports when
//! they finish, in simulated time (a promotion takes its 1–3 simulated minutes).

use chrono::Duration;
use tokio::sync::mpsc;

use super::{Action, Executor, Job, Outcome, OutcomeResult};
use crate::sim::{Command, SimClock};
use crate::sources::sim::SharedWorld;

/// Start the executor. Outcomes go to `outcomes`; each job runs in its own task so a slow
/// promotion never holds up a freeze.
pub fn spawn(world: SharedWorld, clock: SimClock, outcomes: mpsc::Sender<Outcome>) -> Executor {
    let (jobs, mut rx) = mpsc::channel::<Job>(16);
    tokio::spawn(async move {
        while let Some(job) = rx.recv().await {
            let (world, clock, outcomes) = (world.clone(), clock.clone(), outcomes.clone());
            tokio::spawn(async move {
                let outcome = run(&world, &clock, job).await;
                let _ = outcomes.send(outcome).await;
            });
        }
    });
    Executor { jobs, backend: super::Backend::Sim }
}

async fn run(world: &SharedWorld, clock: &SimClock, job: Job) -> Outcome {
    let result = execute(world, clock, &job.action).await;
    Outcome { job: job.id, step: job.step, result }
}

/// Begin `job`'s action on the world now: `Err` carries an outcome that is final at once
/// (already done, refused), `Ok` the command to wait for.
fn begin(world: &mut crate::sim::World, action: &Action) -> Result<Command, OutcomeResult> {
    let index = |name: &str| {
        world
            .region_index(name)
            .ok_or_else(|| OutcomeResult::Failed { error: format!("no region {name} in the simulated world") })
    };
    let command = match action {
        Action::FreezeWrites { region, .. } => Command::FreezeWrites(index(region)?),
        Action::UnfreezeWrites { region, .. } => Command::UnfreezeWrites(index(region)?),
        Action::PromoteDatabase { region, .. } => Command::Promote(index(region)?),
        Action::ShiftTraffic { to, .. } => Command::ShiftTraffic(index(to)?),
        Action::ScaleCapacity { region, target, .. } => Command::Scale(index(region)?, *target),
    };
    if world.holds(command) {
        return Err(OutcomeResult::Succeeded {
            detail: "already done: the desired state already held, nothing was changed".into(),
            data: serde_json::json!({ "already": true }),
            already: true,
        });
    }
    world.start(command).map_err(|error| OutcomeResult::Failed { error })?;
    Ok(command)
}

/// How `command` went, once it has finished.
fn finished(world: &crate::sim::World, command: Command) -> Option<OutcomeResult> {
    world.completion(command).map(|c| match c {
        Ok(done) => OutcomeResult::Succeeded { detail: done.detail, data: done.data, already: false },
        Err(error) => OutcomeResult::Failed { error },
    })
}

async fn execute(world: &SharedWorld, clock: &SimClock, action: &Action) -> OutcomeResult {
    let command = {
        let mut w = world.lock();
        w.advance_to(clock.now());
        match begin(&mut w, action) {
            Ok(c) => c,
            Err(outcome) => return outcome,
        }
    };
    let tick = clock.real_interval(Duration::seconds(1));
    // Give up after a simulated hour: far past any step's timeout, so the task always ends.
    for _ in 0..3600 {
        tokio::time::sleep(tick).await;
        let mut w = world.lock();
        w.advance_to(clock.now());
        if let Some(outcome) = finished(&w, command) {
            return outcome;
        }
    }
    OutcomeResult::Failed { error: "no completion after a simulated hour".into() }
}

/// The same executor without tasks or clocks, for runs that step the world themselves
/// (headless drills): jobs start on `submit` and finish on a later `poll`.
#[derive(Debug, Default)]
pub struct Stepper {
    running: Vec<(Job, Command)>,
}

impl Stepper {
    /// Start `job`; an outcome that is final at once is returned now.
    pub fn submit(&mut self, world: &mut crate::sim::World, job: Job) -> Option<Outcome> {
        match begin(world, &job.action) {
            Ok(command) => {
                self.running.push((job, command));
                None
            }
            Err(result) => Some(Outcome { job: job.id, step: job.step, result }),
        }
    }

    /// Outcomes of the jobs that have finished by the world's current time.
    pub fn poll(&mut self, world: &crate::sim::World) -> Vec<Outcome> {
        let mut out = Vec::new();
        self.running.retain(|(job, command)| match finished(world, *command) {
            Some(result) => {
                out.push(Outcome { job: job.id, step: job.step, result });
                false
            }
            None => true,
        });
        out
    }
}
