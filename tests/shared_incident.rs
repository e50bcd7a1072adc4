//! One incident, two terminals on one journal file: they share entries and the runbook
//! state, and a step one terminal claims is refused at the other, until its lease expires
//! and it is taken over with a typed reason.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use chrono::{Duration, TimeZone, Utc};
use crossterm::event::KeyCode;
use warroom::actions::Executor;
use warroom::app::{App, Msg};
use warroom::config::Config;
use warroom::runbook::{StepRef, StepStatus};
use warroom::scribe::roles::TeamRole;
use warroom::scribe::{FileJournal, Kind, Scribe};
use warroom::theme::Theme;

fn terminal(path: &Path, author: &str) -> App {
    let (app, jobs) = terminal_on(path, author, &Config::demo());
    std::mem::forget(jobs); // kept open, so sending succeeds and the steps stay running
    app
}

/// A terminal on `config`, and the jobs it sends (nothing carries them out).
fn terminal_on(
    path: &Path,
    author: &str,
    config: &Config,
) -> (App, tokio::sync::mpsc::Receiver<warroom::actions::Job>) {
    let now = Utc.with_ymd_and_hms(2026, 11, 24, 8, 31, 0).unwrap();
    let opened = FileJournal::open(path).unwrap();
    let scribe =
        Scribe::start(Box::new(opened.journal), opened.entries, &opened.recovery, author.into(), &config.incident, now);
    // Jobs are queued and never carried out: steps stay running.
    let (executor, jobs) = Executor::detached();
    let mut app = App::new(config, config.runbooks.clone(), Theme::fallback(true), scribe, Some(executor), now);
    warroom::runtime::session::share_claims(&mut app, &path.display().to_string()).unwrap();
    app.handle(Msg::Tick(now));
    (app, jobs)
}

fn step(app: &App, id: &str) -> StepRef {
    let runbook = app.view.selected_runbook;
    StepRef { runbook, step: app.runs.runbooks[runbook].step(id).unwrap().0 }
}

fn press(app: &mut App, code: KeyCode) {
    app.handle(Msg::Key(code.into()));
}

fn tick(app: &mut App) {
    let now = app.now + Duration::seconds(1);
    app.handle(Msg::Tick(now));
}

#[test]
fn two_terminals_share_the_runbook_and_a_claimed_step_is_refused_elsewhere() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("incident.jsonl");
    let mut ana = terminal(&path, "ana");
    let mut bob = terminal(&path, "bob");

    // ana declares; bob's terminal shows it done, by ana.
    ana.select(step(&ana, "declare"));
    press(&mut ana, KeyCode::Enter);
    press(&mut ana, KeyCode::Enter);
    tick(&mut bob);
    let declare = step(&bob, "declare");
    assert!(matches!(bob.runs.status(declare), StepStatus::Done { .. }), "{:?}", bob.runs.status(declare));
    assert_eq!(bob.runs.by(declare), Some("ana"));

    // ana opens freeze-writes' dialog: the step is hers from that moment.
    ana.select(step(&ana, "freeze-writes"));
    press(&mut ana, KeyCode::Enter);
    assert!(ana.view.modal.is_some(), "{:?}", ana.view.message);
    bob.select(step(&bob, "freeze-writes"));
    press(&mut bob, KeyCode::Enter);
    let said = bob.view.message.clone().unwrap_or_default();
    assert!(bob.view.modal.is_none(), "bob gets no dialog");
    assert!(said.contains("running by ana@") && said.contains("since"), "{said}");

    // ana confirms; the step runs there, and bob is still refused.
    ana.type_text("us-east-1");
    press(&mut ana, KeyCode::Enter);
    assert!(
        matches!(ana.runs.status(step(&ana, "freeze-writes")), StepStatus::Running { .. }),
        "{:?}",
        ana.view.message
    );
    tick(&mut bob);
    press(&mut bob, KeyCode::Enter);
    assert!(bob.view.message.clone().unwrap_or_default().contains("running by ana@"), "{:?}", bob.view.message);
    let started = bob.scribe.timeline.entries().iter().filter(|e| e.kind == Kind::ActionStarted).count();
    assert_eq!(started, 1, "the step was started once, by ana");
}

#[test]
fn a_dialog_left_open_at_quit_frees_the_step() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("incident.jsonl");
    let mut ana = terminal(&path, "ana");
    let mut bob = terminal(&path, "bob");
    ana.select(step(&ana, "declare"));
    press(&mut ana, KeyCode::Enter);
    assert!(ana.view.modal.is_some());
    bob.select(step(&bob, "declare"));
    press(&mut bob, KeyCode::Enter);
    assert!(bob.view.message.clone().unwrap_or_default().contains("running by ana@"), "{:?}", bob.view.message);
    ana.end_session("quit");
    press(&mut bob, KeyCode::Enter);
    assert!(bob.view.modal.is_some(), "bob may declare now: {:?}", bob.view.message);
}

#[test]
fn an_expired_claim_is_taken_over_with_a_typed_reason() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("incident.jsonl");
    let mut ana = terminal(&path, "ana");
    let mut bob = terminal(&path, "bob");
    ana.claim_lease = Duration::milliseconds(300);
    ana.select(step(&ana, "declare"));
    press(&mut ana, KeyCode::Enter);
    press(&mut ana, KeyCode::Enter);
    ana.select(step(&ana, "freeze-writes"));
    press(&mut ana, KeyCode::Enter);
    ana.type_text("us-east-1");
    press(&mut ana, KeyCode::Enter);
    // ana's terminal dies here: nothing renews her claim.
    std::thread::sleep(std::time::Duration::from_millis(400));
    tick(&mut bob);
    let freeze = step(&bob, "freeze-writes");
    assert!(matches!(bob.runs.status(freeze), StepStatus::Running { .. }));
    bob.select(freeze);
    press(&mut bob, KeyCode::Enter);
    assert!(bob.view.message.clone().unwrap_or_default().contains("claim expired (ana)"), "{:?}", bob.view.message);
    assert!(bob.view.compose.is_some(), "a prompt asks why");
    bob.type_text("ana's laptop died mid-step");
    press(&mut bob, KeyCode::Enter);
    let took = bob.scribe.timeline.entries().iter().find(|e| e.text.starts_with("took over freeze-writes from ana"));
    assert!(took.is_some_and(|e| e.text.contains("laptop died")), "the takeover is journaled with its reason");
    // Now bob may run it again (it is idempotent): the dialog opens at his terminal.
    press(&mut bob, KeyCode::Enter);
    assert!(bob.view.modal.is_some(), "{:?}", bob.view.message);
}

#[test]
fn roles_limit_what_a_terminal_may_do_and_every_entry_says_its_role() {
    use warroom::scribe::roles::TeamRole;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("incident.jsonl");
    let mut ic = terminal(&path, "ana");
    ic.scribe.role = Some(TeamRole::Commander);
    let mut watcher = terminal(&path, "olga");
    watcher.scribe.role = Some(TeamRole::Observer);
    let mut scribe = terminal(&path, "sam");
    scribe.scribe.role = Some(TeamRole::Scribe);
    let mut op = terminal(&path, "omar");
    op.scribe.role = Some(TeamRole::Operator);

    press(&mut watcher, KeyCode::Char('n'));
    assert!(watcher.view.compose.is_none(), "an observer writes nothing");
    assert!(watcher.view.message.clone().unwrap_or_default().contains("observer"), "{:?}", watcher.view.message);

    press(&mut scribe, KeyCode::Char('n'));
    scribe.type_text("customer tickets rising");
    press(&mut scribe, KeyCode::Enter);
    scribe.select(step(&scribe, "declare"));
    press(&mut scribe, KeyCode::Enter);
    assert!(scribe.view.modal.is_none(), "a scribe runs no step");
    assert!(scribe.view.message.clone().unwrap_or_default().contains("operator or the commander"));

    op.select(step(&op, "declare"));
    press(&mut op, KeyCode::Enter);
    assert!(op.view.modal.is_none(), "an operator does not declare");
    assert!(op.view.message.clone().unwrap_or_default().contains("the commander declares"), "{:?}", op.view.message);

    ic.select(step(&ic, "declare"));
    press(&mut ic, KeyCode::Enter);
    press(&mut ic, KeyCode::Enter);
    let (entries, _) = warroom::scribe::journal::read_file(&path).unwrap();
    let role_of = |text: &str| entries.iter().find(|e| e.text.contains(text)).and_then(|e| e.role);
    assert_eq!(role_of("customer tickets"), Some(TeamRole::Scribe));
    assert_eq!(role_of("declared:"), Some(TeamRole::Commander), "{entries:#?}");
}

/// The failover of docs/examples/two-person.toml, with both terminals watching the demo
/// world at its start (healthy, so promote's guards pass).
fn two_person(
    path: &Path,
    author: &str,
    role: Option<TeamRole>,
) -> (App, tokio::sync::mpsc::Receiver<warroom::actions::Job>) {
    let config = Config::load(Path::new("docs/examples/two-person.toml")).unwrap();
    let (mut app, jobs) = terminal_on(path, author, &config);
    app.scribe.set_role(role);
    let world = warroom::sim::World::new(&config.regions, 42, app.now, warroom::sim::demo_timeline());
    app.poll_round(world.poll_all(app.now), [], app.now);
    (app, jobs)
}

/// `declarer` declares, `operator` skips freeze-writes (the primary is gone) and confirms
/// promote-database: what a two-person promote starts from.
fn confirm_promote(declarer: &mut App, operator: &mut App) -> StepRef {
    declarer.select(step(declarer, "declare"));
    press(declarer, KeyCode::Enter);
    press(declarer, KeyCode::Enter);
    operator.follow_journal();
    operator.select(step(operator, "freeze-writes"));
    press(operator, KeyCode::Char('s'));
    type_line(operator, "primary unreachable");
    type_line(operator, "us-east-1");
    let promote = step(operator, "promote-database");
    operator.select(promote);
    press(operator, KeyCode::Enter);
    type_line(operator, "us-west-2");
    promote
}

fn type_line(app: &mut App, text: &str) {
    app.type_text(text);
    press(app, KeyCode::Enter);
}

#[test]
fn a_step_that_needs_approval_runs_at_the_requester_once_another_commander_approves() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("incident.jsonl");
    let (mut ana, _ana_jobs) = two_person(&path, "ana", Some(TeamRole::Commander));
    let (mut bo, mut bo_jobs) = two_person(&path, "bo", Some(TeamRole::Operator));
    // bo confirms promote: a request, not an action.
    let promote = confirm_promote(&mut ana, &mut bo);
    assert!(bo.awaits(promote), "{:?}", bo.view.message);
    assert!(bo.view.compose.is_none(), "an operator is offered no break-glass");
    assert!(bo_jobs.try_recv().is_err(), "nothing is sent before approval");
    assert!(matches!(bo.runs.status(promote), StepStatus::Pending));
    assert_eq!(bo.runs.approval(promote).map(|a| a.requester.as_str()), Some("bo"));
    // Pressing Enter again says it waits; it does not ask twice.
    press(&mut bo, KeyCode::Enter);
    assert!(bo.view.message.clone().unwrap_or_default().contains("awaiting"), "{:?}", bo.view.message);

    // ana sees the request; the wrong region is refused, the right one approves.
    ana.follow_journal();
    assert!(ana.runs.approval(promote).is_some_and(|a| a.approved_by.is_none()));
    ana.select(promote);
    press(&mut ana, KeyCode::Enter);
    assert!(matches!(ana.view.modal, Some(warroom::app::Modal::Approve { .. })), "{:?}", ana.view.message);
    type_line(&mut ana, "us-east-1");
    assert!(
        matches!(&ana.view.modal, Some(warroom::app::Modal::Approve { error: Some(e), .. }) if e.contains("does not match")),
        "{:?}",
        ana.view.modal
    );
    press(&mut ana, KeyCode::Esc);
    press(&mut ana, KeyCode::Enter);
    type_line(&mut ana, "us-west-2");
    assert!(ana.view.modal.is_none());

    // bo's terminal runs it, judged again now, exactly once.
    bo.follow_journal();
    assert!(matches!(bo.runs.status(promote), StepStatus::Running { .. }), "{:?}", bo.view.message);
    let job = bo_jobs.try_recv().expect("the promotion is sent once approved");
    assert!(matches!(job.action, warroom::actions::Action::PromoteDatabase { .. }));
    assert!(bo_jobs.try_recv().is_err());
    let texts: Vec<String> = bo.scribe.timeline.entries().iter().map(|e| e.text.clone()).collect();
    assert!(texts.iter().any(|t| t == "requested approval to run promote-database in us-west-2"), "{texts:?}");
    assert!(texts.iter().any(|t| t == "approved promote-database for bo in us-west-2"), "{texts:?}");
    let approval = bo.scribe.timeline.entries().iter().find(|e| e.text.starts_with("approved")).unwrap();
    assert_eq!((approval.author.as_str(), approval.role), ("ana", Some(TeamRole::Commander)));
}

#[test]
fn a_commander_alone_approves_their_own_request_only_with_a_break_glass_reason() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("incident.jsonl");
    // Alone: no role (the implicit commander), every right.
    let (mut ana, mut jobs) = two_person(&path, "ana", None);
    let (mut same_ana, _) = two_person(&path, "ana", None);
    // ana declares in one pane and runs the steps in another, alone on the incident.
    let promote = confirm_promote(&mut same_ana, &mut ana);
    assert!(
        matches!(&ana.view.compose, Some(c) if c.purpose == warroom::app::Purpose::BreakGlass(promote)),
        "{:?}",
        ana.view.message
    );
    // Too short a reason is refused and nothing runs.
    type_line(&mut ana, "ok");
    assert!(ana.view.compose.as_ref().and_then(|c| c.error.clone()).is_some_and(|e| e.contains("break-glass")));
    assert!(jobs.try_recv().is_err());
    for _ in 0..2 {
        press(&mut ana, KeyCode::Backspace);
    }
    type_line(&mut ana, "bo's laptop died mid-call");
    assert!(matches!(ana.runs.status(promote), StepStatus::Running { .. }), "{:?}", ana.view.message);
    assert!(jobs.try_recv().is_ok(), "the promotion is sent");
    let glass = ana.scribe.timeline.entries().iter().find(|e| e.text.contains("break-glass")).unwrap();
    assert_eq!(glass.text, "approved own request for promote-database (break-glass): bo's laptop died mid-call");
}

/// `app` reads the demo world at `t` (as its pollers would) and ticks.
fn read_world(app: &mut App, world: &warroom::sources::sim::SharedWorld, t: chrono::DateTime<Utc>) {
    app.poll_round(warroom::sources::sim::poll_all(world, t), [], t);
}

/// Derived entries (observations other than a session's own, measurements) by session.
fn derived_by_session(path: &Path) -> std::collections::BTreeMap<String, usize> {
    let (entries, _) = warroom::scribe::journal::read_file(path).unwrap();
    let mut by = std::collections::BTreeMap::new();
    for e in entries.iter().filter(|e| !warroom::scribe::journal::takes_time(e.kind, e.data.as_ref())) {
        *by.entry(e.session.clone().unwrap_or_default()).or_insert(0) += 1;
    }
    by
}

#[test]
fn one_polling_terminal_writes_the_derived_facts_and_another_takes_over_when_it_dies() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("incident.jsonl");
    let config = Config::demo();
    let mut ana = terminal(&path, "ana");
    let mut bob = terminal(&path, "bob");
    let mut cy = terminal(&path, "cy");
    cy.scribe.set_role(Some(TeamRole::Scribe));
    for app in [&mut ana, &mut bob, &mut cy] {
        app.facts.lease = Duration::seconds(2);
    }
    let epoch = ana.now;
    let world = warroom::sources::sim::SharedWorld::new(
        warroom::sim::World::new(&config.regions, 7, epoch, warroom::sim::demo_timeline())
            .with_signals(&config.thresholds.signals),
    );
    // Twenty minutes of the demo's outage, every terminal reading the same world.
    let mut t = epoch;
    for _ in 0..240 {
        t += config.incident.poll_interval;
        for app in [&mut ana, &mut bob, &mut cy] {
            read_world(app, &world, t);
        }
    }
    let writers: Vec<&str> =
        [&ana, &bob, &cy].iter().filter(|a| a.writes_facts()).map(|a| a.scribe.author.as_str()).collect();
    assert_eq!(writers, ["ana"], "the first polling terminal holds the lease; a scribe never does");
    let by = derived_by_session(&path);
    assert_eq!(by.len(), 1, "every derived fact came from one session: {by:?}");
    assert!(by.keys().all(|s| s.starts_with("ana@")), "{by:?}");
    let (entries, _) = warroom::scribe::journal::read_file(&path).unwrap();
    let mut texts: Vec<(&str, chrono::DateTime<Utc>)> = entries
        .iter()
        .filter(|e| matches!(e.kind, Kind::Observation | Kind::Measurement))
        .map(|e| (e.text.as_str(), e.at))
        .collect();
    let all = texts.len();
    texts.dedup();
    assert_eq!(texts.len(), all, "no observation twice");

    // ana's terminal dies holding the lease (no release): bob takes over once it runs out.
    std::mem::forget(ana);
    std::thread::sleep(std::time::Duration::from_millis(2500));
    for _ in 0..3 {
        t += config.incident.poll_interval;
        read_world(&mut bob, &world, t);
        read_world(&mut cy, &world, t);
    }
    assert!(bob.writes_facts(), "bob took the lease over: {:?}", bob.facts.standing);
    assert!(!cy.writes_facts());
    for _ in 0..240 {
        t += config.incident.poll_interval;
        read_world(&mut bob, &world, t);
        read_world(&mut cy, &world, t);
    }
    let by = derived_by_session(&path);
    assert!(by.keys().any(|s| s.starts_with("bob@")), "the facts went on at bob's: {by:?}");
    assert!(!by.keys().any(|s| s.starts_with("cy@")), "{by:?}");
    let (entries, _) = warroom::scribe::journal::read_file(&path).unwrap();
    let rto = entries.iter().filter(|e| e.kind == Kind::Measurement).count();
    assert!(rto <= 1, "the RTO is measured once: {rto}");

    // Quitting lets the lease go at once.
    bob.end_session("bob quit");
    std::thread::sleep(std::time::Duration::from_millis(2100));
    cy.set_polling(true);
    assert!(!cy.writes_facts(), "a scribe's terminal never writes derived facts, even alone");
}
