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
    Executor { jobs, backend: "sim" }
}

fn command(world: &SharedWorld, action: &Action) -> Result<Command, String> {
    let w = world.lock();
    let index = |name: &str| w.region_index(name).ok_or_else(|| format!("no region {name} in the simulated world"));
    Ok(match action {
        Action::FreezeWrites { region, .. } => Command::FreezeWrites(index(region)?),
        Action::PromoteDatabase { region, .. } => Command::Promote(index(region)?),
        Action::ShiftTraffic { to, .. } => Command::ShiftTraffic(index(to)?),
    })
}

async fn run(world: &SharedWorld, clock: &SimClock, job: Job) -> Outcome {
    let result = execute(world, clock, &job.action).await;
    Outcome { job: job.id, step: job.step, result }
}

async fn execute(world: &SharedWorld, clock: &SimClock, action: &Action) -> OutcomeResult {
    let command = match command(world, action) {
        Ok(c) => c,
        Err(error) => return OutcomeResult::Failed { error },
    };
    {
        let mut w = world.lock();
        w.advance_to(clock.now());
        if w.holds(command) {
            return OutcomeResult::Succeeded {
                detail: "already done: the desired state already held, nothing was changed".into(),
                data: serde_json::json!({ "already": true }),
                already: true,
            };
        }
        if let Err(error) = w.start(command) {
            return OutcomeResult::Failed { error };
        }
    }
    let tick = clock.real_interval(Duration::seconds(1));
    // Give up after a simulated hour: far past any step's timeout, so the task always ends.
    for _ in 0..3600 {
        tokio::time::sleep(tick).await;
        let mut w = world.lock();
        w.advance_to(clock.now());
        match w.completion(command) {
            None => {}
            Some(Ok(done)) => return OutcomeResult::Succeeded { detail: done.detail, data: done.data, already: false },
            Some(Err(error)) => return OutcomeResult::Failed { error },
        }
    }
    OutcomeResult::Failed { error: "no completion after a simulated hour".into() }
}
