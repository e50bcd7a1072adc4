//! The operator's input path, guarded: every refusal here has a control beside it, the same
//! intent typed by hand (or judged a moment later), which does act. Without the control a test
//! could not tell "refused" from "never reached".
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use chrono::Duration;
use common::{demo_app, render};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use warroom::app::keys::Context;
use warroom::app::{App, ENTER_SETTLE, Focus, Modal, Msg, Overlay, PASTE_TAIL};
use warroom::model::{Lag, Reading, Update};
use warroom::runbook::{StepRef, StepStatus};
use warroom::scribe::{Entry, Kind};

fn press(app: &mut App, code: KeyCode) {
    app.handle(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn ctrl(app: &mut App, c: char) {
    app.handle(Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)));
}

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        press(app, KeyCode::Char(c));
    }
}

fn step(app: &App, id: &str) -> StepRef {
    let runbook = app.runs.runbooks.iter().position(|b| b.id == "failover").unwrap();
    StepRef { runbook, step: app.runs.runbooks[runbook].step(id).unwrap().0 }
}

fn entries<'a>(app: &'a App, id: &str, kind: Kind) -> Vec<&'a Entry> {
    app.scribe.timeline.entries().iter().filter(|e| e.step.as_deref() == Some(id) && e.kind == kind).collect()
}

/// A dashboard at 160×48, one minute into the demo (calm: every signal fresh and healthy).
fn app() -> App {
    let mut app = demo_app(2, 42, Duration::seconds(50));
    app.handle(Msg::Resize { width: 160, height: 48 });
    app
}

/// Fresh readings that make promotion's guards pass or fail, as of now.
fn read(app: &mut App, region: usize, reading: Reading) {
    let now = app.now;
    app.handle(Msg::Update(Update::ok(region, now, reading)));
}

/// Declare, freeze and check-lag done (from the journal's point of view), writes frozen in the
/// primary, lag inside the RPO: promote-database is ready.
fn ready_to_promote() -> App {
    let mut app = app();
    for id in ["declare", "freeze-writes", "check-lag"] {
        let at = step(&app, id);
        let now = app.now;
        app.runs.set(at, StepStatus::Done { at: now, already: false });
    }
    read(&mut app, 0, Reading::WriteFreeze(true));
    read(&mut app, 1, Reading::ReplicationLag(Lag::Behind(12.0)));
    let at = step(&app, "promote-database");
    app.select(at);
    assert!(app.guards(at).iter().all(|g| g.ok), "{:?}", app.guards(at));
    app
}

#[test]
fn guards_that_flip_between_the_dialog_and_enter_refuse_the_step() {
    let mut app = ready_to_promote();
    press(&mut app, KeyCode::Enter);
    assert!(matches!(app.view.modal, Some(Modal::Confirm { .. })), "{:?}", app.view.message);
    // While the dialog is open, lag goes past the RPO.
    read(&mut app, 1, Reading::ReplicationLag(Lag::Behind(586.0)));
    let screen = render(&mut app, 160, 48);
    assert!(screen.contains("✗ lag-within-rpo") && screen.contains("lag 586s > RPO 60s"), "live verdicts:\n{screen}");
    type_text(&mut app, "us-west-2");
    press(&mut app, KeyCode::Enter);
    match &app.view.modal {
        Some(Modal::Confirm { error: Some(e), .. }) => {
            assert!(e.contains("REFUSED") && e.contains("lag-within-rpo") && e.contains("586s"), "{e}")
        }
        other => panic!("the dialog stays open and says which guard changed, got {other:?}"),
    }
    assert!(entries(&app, "promote-database", Kind::ActionStarted).is_empty(), "nothing ran");
    // Control: the guard passes again, the same Enter runs the step.
    read(&mut app, 1, Reading::ReplicationLag(Lag::Behind(20.0)));
    press(&mut app, KeyCode::Enter);
    assert!(app.view.modal.is_none(), "{:?}", app.view.modal);
    assert_eq!(entries(&app, "promote-database", Kind::ActionStarted).len(), 1);
}

#[test]
fn an_override_covers_the_guards_it_names_and_nothing_that_fails_later() {
    let mut app = ready_to_promote();
    read(&mut app, 1, Reading::ReplicationLag(Lag::Behind(586.0)));
    press(&mut app, KeyCode::Char('o'));
    let screen = render(&mut app, 160, 48);
    assert!(screen.contains("Cost") && screen.contains("lag 586s against RPO 60s"), "the cost is stated:\n{screen}");
    type_text(&mut app, "primary is gone; accepting the loss");
    press(&mut app, KeyCode::Enter);
    // Writes reopen in the primary after the override was typed: not covered.
    read(&mut app, 0, Reading::WriteFreeze(false));
    type_text(&mut app, "us-west-2");
    press(&mut app, KeyCode::Enter);
    match &app.view.modal {
        Some(Modal::Confirm { error: Some(e), overridden: Some(o), .. }) => {
            assert!(e.contains("does not cover") && e.contains("writes-frozen"), "{e}");
            assert_eq!(o.guards.iter().map(|g| g.guard.to_string()).collect::<Vec<_>>(), ["lag-within-rpo"]);
        }
        other => panic!("refused, naming the uncovered guard; got {other:?}"),
    }
    assert!(entries(&app, "promote-database", Kind::ActionStarted).is_empty());
    // Control: the freeze holds again; the override still covers the lag.
    read(&mut app, 0, Reading::WriteFreeze(true));
    press(&mut app, KeyCode::Enter);
    let started = entries(&app, "promote-database", Kind::ActionStarted);
    assert_eq!(started.len(), 1, "{:?}", app.view.modal);
    let data = started[0].data.as_ref().unwrap();
    assert_eq!(data["override"]["reason"], "primary is gone; accepting the loss");
    assert_eq!(data["override"]["guards"][0]["guard"], "lag-within-rpo");
    assert_eq!(warroom::scribe::overrides::overrides(app.scribe.timeline.entries()).len(), 1);
}

#[test]
fn a_cancelled_override_is_journaled_as_withdrawn_and_never_counts() {
    let mut app = ready_to_promote();
    read(&mut app, 1, Reading::ReplicationLag(Lag::Behind(586.0)));
    press(&mut app, KeyCode::Char('o'));
    type_text(&mut app, "thought better of it");
    press(&mut app, KeyCode::Enter);
    assert!(matches!(app.view.modal, Some(Modal::Confirm { overridden: Some(_), .. })));
    press(&mut app, KeyCode::Esc);
    let withdrawn = entries(&app, "promote-database", Kind::GuardOverride);
    assert_eq!(withdrawn.len(), 1);
    assert_eq!(withdrawn[0].data.as_ref().unwrap()["withdrawn"], true);
    assert!(warroom::scribe::overrides::overrides(app.scribe.timeline.entries()).is_empty(), "withdrawn: not counted");
    let md = warroom::review::export::render(
        app.scribe.timeline.entries(),
        warroom::review::export::Format::Md,
        warroom::review::export::Zone::utc(),
    );
    let section = md.split("## Guard overrides").nth(1).unwrap().split("## ").next().unwrap();
    assert!(section.contains("None."), "{section}");
}

#[test]
fn keys_under_too_small_do_nothing_but_quit() {
    let mut app = app();
    app.handle(Msg::Resize { width: 70, height: 20 });
    assert_eq!(app.context(), Context::TooSmall);
    for code in [KeyCode::Enter, KeyCode::Char('n'), KeyCode::Char('d'), KeyCode::Char('o'), KeyCode::Char('s')] {
        press(&mut app, code);
    }
    assert!(app.view.modal.is_none() && app.view.compose.is_none(), "nothing opened under 'too small'");
    // With a dialog open, shrinking hides it: finishing the region and Enter do nothing.
    app.handle(Msg::Resize { width: 160, height: 48 });
    press(&mut app, KeyCode::Enter); // declare's dialog
    assert!(matches!(app.view.modal, Some(Modal::Declare { .. })), "control: at full size Enter acts");
    app.handle(Msg::Resize { width: 70, height: 20 });
    press(&mut app, KeyCode::Enter);
    assert!(matches!(app.runs.status(step(&app, "declare")), StepStatus::Pending), "hidden dialog: no declare");
    let screen = render(&mut app, 70, 20);
    assert!(screen.contains("Quitting abandons") && screen.contains("declare"), "{screen}");
    // q asks, since the dialog would be abandoned.
    press(&mut app, KeyCode::Char('q'));
    assert!(!app.quit && app.view.quit_prompt.is_some());
    press(&mut app, KeyCode::Esc);
    // Control: back at full size, the same Enter declares.
    app.handle(Msg::Resize { width: 160, height: 48 });
    press(&mut app, KeyCode::Enter);
    assert!(matches!(app.runs.status(step(&app, "declare")), StepStatus::Done { .. }));
}

#[test]
fn enter_on_the_timeline_opens_the_entry_and_never_the_runbook() {
    let mut app = app();
    press(&mut app, KeyCode::Tab);
    assert_eq!(app.view.focus, Focus::Timeline);
    press(&mut app, KeyCode::Enter);
    assert!(matches!(app.view.overlay, Overlay::Entry(_)), "{:?}", app.view.overlay);
    assert!(app.view.modal.is_none(), "the runbook's selected step was not touched");
    press(&mut app, KeyCode::Char('y'));
    assert!(app.view.clipboard.as_deref().is_some_and(|c| c.contains("journal opened")), "{:?}", app.view.clipboard);
    press(&mut app, KeyCode::Esc);
    // Tab goes on to the regions (Enter there describes a row), then back to the runbook.
    press(&mut app, KeyCode::Tab);
    assert_eq!(app.view.focus, Focus::Regions);
    press(&mut app, KeyCode::Enter);
    assert!(matches!(app.view.overlay, Overlay::Describe { .. }), "{:?}", app.view.overlay);
    assert!(app.view.modal.is_none(), "Enter on a region row never touches the runbook");
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Tab);
    // Control: on the runbook, Enter opens the selected step's dialog.
    press(&mut app, KeyCode::Enter);
    assert!(matches!(app.view.modal, Some(Modal::Declare { .. })));
}

#[test]
fn a_second_declare_is_refused_and_a_done_step_says_who_did_it() {
    let mut app = app();
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Enter);
    assert_eq!(entries(&app, "declare", Kind::Decision).len(), 1, "control: the first declares");
    app.select(step(&app, "declare"));
    press(&mut app, KeyCode::Enter);
    let message = app.view.message.clone().unwrap_or_default();
    assert!(message.contains("second declaration is refused") && message.contains("by ana"), "{message}");
    assert!(app.view.modal.is_none());
    press(&mut app, KeyCode::Char('R'));
    assert!(app.view.modal.is_none(), "R does not re-declare either");
    assert_eq!(entries(&app, "declare", Kind::Decision).len(), 1);
}

#[test]
fn skipping_a_changing_step_needs_its_region_typed() {
    let mut app = app();
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Enter); // declared
    app.select(step(&app, "freeze-writes"));
    press(&mut app, KeyCode::Char('s'));
    type_text(&mut app, "primary unreachable");
    press(&mut app, KeyCode::Enter);
    assert!(matches!(app.view.modal, Some(Modal::ConfirmSkip { .. })), "{:?}", app.view.modal);
    assert!(matches!(app.runs.status(step(&app, "freeze-writes")), StepStatus::Pending), "not skipped yet");
    type_text(&mut app, "us-west-2");
    press(&mut app, KeyCode::Enter);
    assert!(matches!(&app.view.modal, Some(Modal::ConfirmSkip { error: Some(e), .. }) if e.contains("type us-east-1")));
    press(&mut app, KeyCode::Esc);
    assert!(matches!(app.runs.status(step(&app, "freeze-writes")), StepStatus::Pending), "Esc: nothing skipped");
    // Control: typed right, the skip is journaled.
    press(&mut app, KeyCode::Char('s'));
    type_text(&mut app, "primary unreachable");
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "us-east-1");
    press(&mut app, KeyCode::Enter);
    assert!(matches!(app.runs.status(step(&app, "freeze-writes")), StepStatus::Skipped { .. }));
}

#[test]
fn promotion_with_writes_open_is_blocked_by_writes_frozen() {
    let mut app = ready_to_promote();
    read(&mut app, 0, Reading::WriteFreeze(false));
    press(&mut app, KeyCode::Enter);
    let message = app.view.message.clone().unwrap_or_default();
    assert!(message.contains("writes-frozen") && message.contains("writes still open in us-east-1"), "{message}");
    assert!(app.view.modal.is_none());
    // Control: frozen, the dialog opens.
    read(&mut app, 0, Reading::WriteFreeze(true));
    press(&mut app, KeyCode::Enter);
    assert!(matches!(app.view.modal, Some(Modal::Confirm { .. })));
}

#[test]
fn enter_right_after_the_selection_moved_by_itself_is_ignored() {
    let mut app = app();
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Enter); // declared: the selection moves to freeze-writes
    assert_eq!(app.selected_step(), step(&app, "freeze-writes"));
    press(&mut app, KeyCode::Enter); // a double Enter's second press
    assert!(app.view.modal.is_none(), "ignored: {:?}", app.view.modal);
    assert!(app.view.message.as_deref().unwrap_or("").contains("moved to this step by itself"));
    // Control: a moment later, Enter acts.
    std::thread::sleep(ENTER_SETTLE + std::time::Duration::from_millis(50));
    press(&mut app, KeyCode::Enter);
    assert!(matches!(app.view.modal, Some(Modal::Confirm { .. })));
}

#[test]
fn a_paste_is_text_never_keys() {
    let mut app = app();
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Enter); // declared
    std::thread::sleep(ENTER_SETTLE);
    app.select(step(&app, "freeze-writes"));
    // A paste with no text input open does nothing, and says so.
    app.handle(Msg::Paste("\nus-east-1\n".into()));
    assert!(app.view.modal.is_none() && app.view.message.as_deref().unwrap_or("").contains("paste ignored"));
    // Keys within the paste's tail are not commands either.
    press(&mut app, KeyCode::Enter);
    assert!(app.view.modal.is_none(), "Enter inside a paste's tail is not a key");
    std::thread::sleep(PASTE_TAIL);
    press(&mut app, KeyCode::Enter);
    assert!(matches!(app.view.modal, Some(Modal::Confirm { .. })), "control: typed Enter opens the dialog");
    // The region field refuses a paste.
    app.handle(Msg::Paste("us-east-1\n".into()));
    type_text(&mut app, "us-east-1"); // the tail: not text for a region field
    press(&mut app, KeyCode::Enter);
    assert!(entries(&app, "freeze-writes", Kind::ActionStarted).is_empty(), "nothing ran");
    match &app.view.modal {
        Some(Modal::Confirm { error: Some(e), input, .. }) => {
            assert!(e.contains("typed, not pasted"), "{e}");
            assert_eq!(input.text(), "");
        }
        other => panic!("{other:?}"),
    }
    // Control: typed by hand, it runs.
    std::thread::sleep(PASTE_TAIL);
    type_text(&mut app, "us-east-1");
    press(&mut app, KeyCode::Enter);
    assert_eq!(entries(&app, "freeze-writes", Kind::ActionStarted).len(), 1);
}

#[test]
fn a_paste_into_a_note_stays_on_one_line() {
    let mut app = app();
    press(&mut app, KeyCode::Char('n'));
    app.handle(Msg::Paste("line one\nline two\r\n\u{1b}[31mred\u{1b}[201~".into()));
    let text = app.view.compose.as_ref().unwrap().line.text().to_owned();
    assert_eq!(text, "line one line two  [31mred[201~");
    std::thread::sleep(PASTE_TAIL);
    press(&mut app, KeyCode::Enter);
    let last = app.scribe.timeline.entries().last().unwrap();
    assert_eq!((last.kind, last.text.as_str()), (Kind::Note, "line one line two  [31mred[201~"));
}

#[test]
fn quitting_asks_when_something_would_be_lost_and_ctrl_c_twice_quits() {
    let mut app = app();
    press(&mut app, KeyCode::Char('n'));
    type_text(&mut app, "half a thought");
    ctrl(&mut app, 'c');
    assert!(!app.quit, "asks first");
    assert!(app.view.quit_prompt.as_deref().unwrap().contains("note being typed"));
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.view.compose.as_ref().unwrap().line.text(), "half a thought", "staying keeps the text");
    ctrl(&mut app, 'c');
    ctrl(&mut app, 'c');
    assert!(app.quit && app.interrupted, "a second Ctrl-C quits at once (exit 130)");
    let ended = app.scribe.timeline.entries().last().unwrap();
    assert_eq!(ended.data_str("event"), Some("session-ended"));
    assert!(ended.text.contains("abandoning the note being typed"), "{}", ended.text);
    assert_eq!(ended.data.as_ref().unwrap()["unsaved_text"], "half a thought", "the typed text is kept");
    // Control: with nothing to lose, q quits straight away.
    let mut calm = app_fresh();
    press(&mut calm, KeyCode::Char('q'));
    assert!(calm.quit && !calm.interrupted && calm.view.quit_prompt.is_none());
}

fn app_fresh() -> App {
    app()
}
