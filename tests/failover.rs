//! A full failover in the simulated world, driven only through the app's message handling
//! (keys, updates, outcomes, ticks), with the real sim executor.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use chrono::Duration;
use common::session::{clear_input, entries_for, press, select, session, type_text, until};
use crossterm::event::KeyCode;
use warroom::app::Modal;
use warroom::runbook::{StepRef, StepStatus};
use warroom::scribe::Kind;

fn status<'a>(app: &'a warroom::app::App, id: &str) -> &'a StepStatus {
    let r = app.view.selected_runbook;
    app.runs.status(StepRef { runbook: r, step: app.runs.runbooks[r].step(id).unwrap().0 })
}

fn done(app: &warroom::app::App, id: &str) -> bool {
    matches!(status(app, id), StepStatus::Done { .. })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_failover_with_guards_override_and_confirmation() {
    let mut s = session(false);
    assert_eq!(s.app.runs.runbooks[s.app.view.selected_runbook].id, "failover");
    // Let the primary fail and the lag grow past the RPO.
    let epoch = s.clock.epoch();
    until(&mut s, "four minutes of outage", |app| app.now - epoch > Duration::minutes(4)).await;

    // 1. Declare.
    select(&mut s.app, "declare");
    press(&mut s.app, KeyCode::Enter);
    assert!(matches!(s.app.view.modal, Some(Modal::Declare { .. })));
    press(&mut s.app, KeyCode::Enter);
    assert!(done(&s.app, "declare"));

    // 2. Freeze writes: a wrong region name is refused and says so.
    select(&mut s.app, "freeze-writes");
    press(&mut s.app, KeyCode::Enter);
    type_text(&mut s.app, "us-west-2");
    press(&mut s.app, KeyCode::Enter);
    match &s.app.view.modal {
        Some(Modal::Confirm { error: Some(e), .. }) => assert!(e.contains("type us-east-1 exactly"), "{e}"),
        other => panic!("the confirm dialog must stay open with an error, got {other:?}"),
    }
    assert!(entries_for(&s.app, "freeze-writes", Kind::ActionStarted).is_empty(), "nothing ran");
    clear_input(&mut s.app);
    type_text(&mut s.app, "us-east-1");
    press(&mut s.app, KeyCode::Enter);
    assert!(s.app.view.modal.is_none());
    until(&mut s, "writes frozen", |app| done(app, "freeze-writes")).await;

    // 3. Check lag: it waits, since lag is past the RPO.
    select(&mut s.app, "check-lag");
    press(&mut s.app, KeyCode::Enter);
    assert!(matches!(status(&s.app, "check-lag"), StepStatus::Running { .. }));

    // 4. Promotion is blocked while lag exceeds the RPO.
    select(&mut s.app, "promote-database");
    press(&mut s.app, KeyCode::Enter);
    let message = s.app.view.message.clone().unwrap();
    assert!(
        message.contains("blocked") && message.contains("lag-within-rpo") && message.contains("> RPO 60s"),
        "{message}"
    );
    assert!(s.app.view.modal.is_none());
    assert_eq!(status(&s.app, "promote-database"), &StepStatus::Pending);

    // Override needs a reason; it names the guards it covers and rides in the action's own entry.
    press(&mut s.app, KeyCode::Char('o'));
    press(&mut s.app, KeyCode::Enter);
    match &s.app.view.modal {
        Some(Modal::Override { error: Some(e), .. }) => assert!(e.contains("needs a reason"), "{e}"),
        other => panic!("an empty reason must be refused, got {other:?}"),
    }
    type_text(&mut s.app, "primary is gone; accepting the loss");
    press(&mut s.app, KeyCode::Enter);
    match &s.app.view.modal {
        Some(Modal::Confirm { overridden: Some(o), .. }) => {
            assert_eq!(o.reason, "primary is gone; accepting the loss");
            assert!(o.guards.iter().any(|g| g.guard.to_string() == "lag-within-rpo"), "{o:?}");
        }
        other => panic!("the confirm dialog carries the override, got {other:?}"),
    }
    assert!(entries_for(&s.app, "promote-database", Kind::GuardOverride).is_empty(), "nothing journaled yet");
    type_text(&mut s.app, "us-west-2");
    press(&mut s.app, KeyCode::Enter);
    let started = entries_for(&s.app, "promote-database", Kind::ActionStarted);
    let covered = started[0].data.as_ref().unwrap()["override"].to_string();
    assert!(covered.contains("lag-within-rpo") && covered.contains("accepting the loss"), "{covered}");
    until(&mut s, "the promotion", |app| done(app, "promote-database")).await;
    let promoted = entries_for(&s.app, "promote-database", Kind::ActionSucceeded);
    let data = promoted[0].data.as_ref().unwrap();
    assert!(data["lag_seconds"].as_f64().unwrap() > 60.0, "{data}");
    assert!(data["lost_writes"].as_u64().unwrap() > 0, "{data}");
    // The lag gate never saw lag within the RPO: the promotion overtook it, and it says so
    // instead of turning done because the new writer has no lag to read.
    until(&mut s, "check-lag to be overtaken", |app| matches!(status(app, "check-lag"), StepStatus::Failed { .. }))
        .await;
    match status(&s.app, "check-lag") {
        StepStatus::Failed { error, .. } => assert!(error.contains("overtaken"), "{error}"),
        other => panic!("{other:?}"),
    }

    // 5.–8. Verify the writer, then what the account answers: capacity is scaled (a
    // confirmed change that watches until it runs), secrets and canaries are read.
    select(&mut s.app, "verify-writer");
    press(&mut s.app, KeyCode::Enter);
    until(&mut s, "the writer", |app| done(app, "verify-writer")).await;
    select(&mut s.app, "scale-secondary");
    press(&mut s.app, KeyCode::Enter);
    match &s.app.view.modal {
        Some(Modal::Confirm { action, .. }) => {
            assert!(action.describe().contains("Scale Auto Scaling group"), "{action:?}")
        }
        other => panic!("scaling is a confirmed change, got {other:?}"),
    }
    type_text(&mut s.app, "us-west-2");
    press(&mut s.app, KeyCode::Enter);
    until(&mut s, "the secondary to run its capacity", |app| done(app, "scale-secondary")).await;
    let scaled = &entries_for(&s.app, "scale-secondary", Kind::ActionSucceeded)[0].text;
    assert!(scaled.contains("runs 24/24"), "{scaled}");
    for (id, said) in [("validate-access", "has every secret"), ("synthetic-checks", "canaries OK")] {
        select(&mut s.app, id);
        press(&mut s.app, KeyCode::Enter);
        until(&mut s, id, |app| done(app, id)).await;
        let text = &entries_for(&s.app, id, Kind::ActionSucceeded)[0].text;
        assert!(text.contains(said), "{id}: {text}");
    }

    // 9. Shift traffic.
    select(&mut s.app, "shift-traffic");
    press(&mut s.app, KeyCode::Enter);
    assert!(
        matches!(s.app.view.modal, Some(Modal::Confirm { overridden: None, .. })),
        "all guards pass: {:?}",
        s.app.view.message
    );
    type_text(&mut s.app, "us-west-2");
    press(&mut s.app, KeyCode::Enter);
    press(&mut s.app, KeyCode::Enter); // the dialog is gone: this Enter re-runs a running step
    assert!(
        s.app.view.message.as_deref().unwrap_or("").contains("cannot be started twice"),
        "{:?}",
        s.app.view.message
    );
    until(&mut s, "the traffic shift", |app| done(app, "shift-traffic")).await;

    // 10. Monitor until the secondary serves under every threshold.
    select(&mut s.app, "monitor");
    press(&mut s.app, KeyCode::Enter);
    until(&mut s, "the secondary serving healthy", |app| done(app, "monitor")).await;

    let now = s.app.now;
    let serving = s.app.snapshot.serving_region(now).map(|r| r.name.clone());
    assert_eq!(serving.as_deref(), Some("us-west-2"));
    let measured: Vec<_> = s.app.scribe.timeline.entries().iter().filter(|e| e.kind == Kind::Measurement).collect();
    assert_eq!(measured.len(), 1, "the measured RTO is journaled once");
    assert!(measured[0].data.as_ref().unwrap()["rto_seconds"].as_f64().unwrap() > 0.0);
    let m = s.app.scribe.timeline.measurements();
    assert!(m.rpo_seconds.unwrap() > 60.0 && m.lost_writes.unwrap() > 0, "{m:?}");
}

/// A step past its (configurable) timeout fails with "timed out", and that is observed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_step_past_its_timeout_fails_and_is_journaled() {
    let text = r#"
[[runbook]]
id = "failover"
[[runbook.step]]
id = "declare"
kind = "declare"
[[runbook.step]]
id = "check-lag"
kind = "check-lag"
timeout = "30s"
"#;
    let mut config = warroom::config::Config::parse("t.toml", text).unwrap();
    config.incident.poll_interval = Duration::seconds(5);
    let mut s = common::session::session_with(&config, false);
    let epoch = s.clock.epoch();
    until(&mut s, "lag past the RPO", |app| app.now - epoch > Duration::minutes(4)).await;
    let failover = s.app.runs.runbooks.iter().position(|b| b.id == "failover").unwrap();
    s.app.view.selected_runbook = failover;
    select(&mut s.app, "check-lag");
    press(&mut s.app, KeyCode::Enter);
    assert!(matches!(status(&s.app, "check-lag"), StepStatus::Running { .. }));
    until(&mut s, "the timeout", |app| matches!(status(app, "check-lag"), StepStatus::Failed { .. })).await;
    match status(&s.app, "check-lag") {
        StepStatus::Failed { error, .. } => assert_eq!(error, "timed out after 30s"),
        other => panic!("{other:?}"),
    }
    assert_eq!(entries_for(&s.app, "check-lag", Kind::ActionFailed)[0].text, "timed out after 30s");
    let observed = s.app.scribe.timeline.entries().iter().any(|e| e.data_str("event") == Some("step-timed-out"));
    assert!(observed, "a timeout is journaled as an observation");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failback_inside_the_cooldown_is_refused_and_goes_with_an_override() {
    let mut s = session(false);
    let (failover, failback) = (s.app.runs.position("failover").unwrap(), s.app.runs.position("failback").unwrap());
    // Traffic moved to us-west-2 a minute ago (the failover's shift is done).
    let shifted = s.app.now - Duration::minutes(1);
    let shift = StepRef { runbook: failover, step: s.app.runs.runbooks[failover].step("shift-traffic").unwrap().0 };
    s.app.runs.set(shift, StepStatus::Done { at: shifted, already: false });
    let original =
        StepRef { runbook: failback, step: s.app.runs.runbooks[failback].step("original-healthy").unwrap().0 };
    s.app.runs.set(original, StepStatus::Done { at: s.app.now, already: false });
    s.app.view.selected_runbook = failback;
    select(&mut s.app, "declare");
    press(&mut s.app, KeyCode::Enter);
    let refused = s.app.view.message.clone().unwrap_or_default();
    assert!(refused.contains("cooldown-elapsed") && refused.contains("30m cooldown ends at"), "{refused}");
    assert!(s.app.view.modal.is_none(), "no declare dialog inside the cooldown");
    assert_eq!(status(&s.app, "declare"), &StepStatus::Pending);
    let screen = common::render(&mut s.app, 160, 48);
    assert!(screen.contains("cooldown until"), "the header says when it ends:\n{screen}");

    // An override with a reason declares it all the same, and the reason is journaled.
    press(&mut s.app, KeyCode::Char('o'));
    type_text(&mut s.app, "us-west-2 is failing too; home is healthy");
    press(&mut s.app, KeyCode::Enter);
    assert!(matches!(s.app.view.modal, Some(Modal::Declare { overridden: Some(_), .. })), "{:?}", s.app.view.modal);
    press(&mut s.app, KeyCode::Enter);
    assert!(done(&s.app, "declare"));
    // The override rides in the declaration's own entry (data.override), guards and reason.
    let declared: Vec<String> = s
        .app
        .scribe
        .timeline
        .entries()
        .iter()
        .filter(|e| e.step.as_deref() == Some("declare"))
        .map(|e| e.data.as_ref().map(ToString::to_string).unwrap_or_default())
        .collect();
    assert!(declared.iter().any(|d| d.contains("cooldown-elapsed") && d.contains("home is healthy")), "{declared:?}");
}
