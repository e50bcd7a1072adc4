//! The sim executor: each automated step is idempotent, and read-only sessions cannot act.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use common::session::{SPEED, press, session, type_text, until};
use crossterm::event::KeyCode;
use tokio::sync::mpsc;
use warroom::actions::{Action, Job, OutcomeResult};
use warroom::app::READ_ONLY;
use warroom::config::Config;
use warroom::model::DbRole;
use warroom::runbook::StepRef;
use warroom::scribe::Kind;
use warroom::sim::{Command, SimClock, World, demo_timeline};
use warroom::sources::sim::SharedWorld;

/// Run `actions` one after another on a fresh demo world; each result once it is final.
async fn run_all(actions: &[Action]) -> (Vec<OutcomeResult>, SharedWorld) {
    let clock = SimClock::new(common::epoch(), SPEED);
    let world = SharedWorld::new(World::new(&Config::default_regions(2), 7, clock.epoch(), demo_timeline()));
    let (tx, mut rx) = mpsc::channel(8);
    let executor = warroom::actions::sim::spawn(world.clone(), clock.clone(), tx);
    let step = StepRef { runbook: 0, step: 0 };
    let mut results = Vec::new();
    for (id, action) in (1..).zip(actions) {
        executor.submit(Job { id, step, action: action.clone() }).unwrap();
        let outcome = tokio::time::timeout(Duration::from_secs(10), rx.recv()).await.unwrap().unwrap();
        assert_eq!(outcome.job, id);
        results.push(outcome.result);
    }
    (results, world)
}

async fn run_twice(action: Action) -> (OutcomeResult, OutcomeResult, SharedWorld) {
    let (mut results, world) = run_all(&[action.clone(), action]).await;
    let second = results.pop().unwrap();
    (results.pop().unwrap(), second, world)
}

fn already(result: &OutcomeResult) -> bool {
    matches!(result, OutcomeResult::Succeeded { already: true, .. })
}

fn acted(result: &OutcomeResult) -> bool {
    matches!(result, OutcomeResult::Succeeded { already: false, .. })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn freeze_writes_twice_acts_once() {
    let action = Action::FreezeWrites { region: "us-east-1".into(), table: "t".into(), key: "k".into() };
    let (first, second, world) = run_twice(action).await;
    assert!(acted(&first), "{first:?}");
    assert!(already(&second), "{second:?}");
    assert!(world.lock().holds(Command::FreezeWrites(0)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reopening_writes_undoes_a_freeze_and_acts_once() {
    let freeze = Action::FreezeWrites { region: "us-east-1".into(), table: "t".into(), key: "k".into() };
    let reopen = Action::UnfreezeWrites { region: "us-east-1".into(), table: "t".into(), key: "k".into() };
    let (results, world) = run_all(&[reopen.clone(), freeze, reopen.clone(), reopen]).await;
    assert!(already(&results[0]), "never frozen: already open {:?}", results[0]);
    assert!(acted(&results[1]) && acted(&results[2]), "{results:?}");
    assert!(already(&results[3]), "{:?}", results[3]);
    assert!(world.lock().holds(Command::UnfreezeWrites(0)));
    assert!(!world.lock().holds(Command::FreezeWrites(0)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn promote_twice_acts_once() {
    let action = Action::PromoteDatabase {
        region: "us-west-2".into(),
        instance: "checkout-db-replica-1".into(),
        mode: warroom::runbook::Promotion::Failover,
    };
    let (first, second, world) = run_twice(action).await;
    assert!(acted(&first), "{first:?}");
    assert!(already(&second), "{second:?}");
    let promotion = world.lock().promotion(1).unwrap();
    assert!((60..=180).contains(&(promotion.completes - promotion.started)), "promotion takes 1–3 simulated minutes");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shift_traffic_twice_acts_once() {
    let action = Action::ShiftTraffic {
        from: "us-east-1".into(),
        to: "us-west-2".into(),
        record_name: "api.example.com.".into(),
        routing_controls: false,
        override_safety_rules: Vec::new(),
    };
    let (first, second, world) = run_twice(action).await;
    match &first {
        OutcomeResult::Succeeded { data, already: false, .. } => {
            let seconds = data["propagation_seconds"].as_u64().unwrap();
            assert!((30..=60).contains(&seconds), "DNS changes stay pending for a while: {seconds}");
        }
        other => panic!("{other:?}"),
    }
    assert!(already(&second), "{second:?}");
    assert_eq!(world.lock().active_region(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_region_fails_cleanly() {
    let action = Action::PromoteDatabase {
        region: "mars-north-1".into(),
        instance: "x".into(),
        mode: warroom::runbook::Promotion::Failover,
    };
    let (first, _, _) = run_twice(action).await;
    assert!(matches!(&first, OutcomeResult::Failed { error } if error.contains("mars-north-1")), "{first:?}");
}

/// Read-only builds no executor. Every key that could act is pressed on every step of every
/// runbook, with the right region typed; the world must not change and nothing may be sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_has_no_mutating_path() {
    let mut s = session(true);
    assert!(s.app.executor.is_none(), "a read-only session has no executor");
    assert!(s.outcomes.is_none(), "and nothing to hear outcomes from");
    assert_eq!(s.app.mode().label(), "READ-ONLY");
    let epoch = s.clock.epoch();
    until(&mut s, "the outage", |app| app.now - epoch > chrono::Duration::minutes(3)).await;
    let before: Vec<_> = (0..2).map(|r| s.world.lock().observe(r)).collect();

    for runbook in 0..s.app.runs.runbooks.len() {
        s.app.view.selected_runbook = runbook;
        for step in 0..s.app.runs.runbooks[runbook].steps.len() {
            s.app.view.selected_step = step;
            for key in [KeyCode::Enter, KeyCode::Char('o'), KeyCode::Char('s')] {
                press(&mut s.app, key);
                assert_eq!(s.app.view.message.as_deref(), Some(READ_ONLY), "runbook {runbook} step {step} key {key:?}");
                assert!(s.app.view.modal.is_none() && s.app.view.compose.is_none());
                for region in ["us-east-1", "us-west-2"] {
                    type_text(&mut s.app, region);
                    press(&mut s.app, KeyCode::Enter);
                    press(&mut s.app, KeyCode::Esc);
                }
            }
        }
    }
    common::session::turn(&mut s);
    let w = s.world.lock();
    for region in 0..2 {
        assert!(!w.holds(Command::FreezeWrites(region)), "writes were frozen in region {region}");
        assert!(w.promotion(region).is_none(), "a promotion started in region {region}");
    }
    assert_eq!(w.active_region(), 0, "traffic moved");
    drop(w);
    for kind in [Kind::ActionStarted, Kind::ActionSucceeded, Kind::GuardOverride] {
        assert!(!s.app.scribe.timeline.entries().iter().any(|e| e.kind == kind), "a {kind:?} entry was journaled");
    }
    // The world only moved with time: the same readings now as a world nobody touched.
    let signals = Config::demo().thresholds.signals;
    let untouched =
        SharedWorld::new(World::new(&Config::default_regions(2), 42, epoch, demo_timeline()).with_signals(&signals));
    let now = s.app.now;
    for (r, before) in before.iter().enumerate() {
        assert_eq!(before.len(), warroom::model::SignalKey::ALL.len() + signals.len());
        untouched.lock().advance_to(now);
        s.world.lock().advance_to(now);
        assert_eq!(
            untouched.lock().observe(r),
            s.world.lock().observe(r),
            "region {r} differs from an untouched world"
        );
    }
    assert!(
        matches!(s.world.lock().observe(1)[6], warroom::model::Reading::Database(ref db) if db.role == DbRole::Replica)
    );
}
