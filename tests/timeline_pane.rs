//! The scribe's timeline as a scribe uses it (issue 16): `/` search with `n`/`N` stepping
//! through the matches (and `n` a note again once the search ends), direct filter keys, a
//! mistaken entry struck through by an amendment, in the pane and in the exports.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use chrono::Duration;
use common::{demo_app, render};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use warroom::app::{App, Focus, Msg};
use warroom::review::export::{self, Format, Zone};
use warroom::scribe::{Filter, Kind};

fn press(app: &mut App, code: KeyCode) {
    app.handle(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        press(app, KeyCode::Char(c));
    }
}

fn write(app: &mut App, key: char, text: &str) {
    press(app, KeyCode::Char(key));
    type_text(app, text);
    press(app, KeyCode::Enter);
}

fn app_with_notes() -> App {
    let mut app = demo_app(2, 42, Duration::minutes(3));
    app.handle(Msg::Resize { width: 160, height: 48 });
    write(&mut app, 'n', "paging the DB on-call");
    write(&mut app, 'd', "fail over to us-west-2 once lag is under the RPO");
    write(&mut app, 'c', "status page: checkout degraded in us-east-1");
    write(&mut app, 'n', "DB on-call acknowledged");
    app
}

#[test]
fn search_steps_through_matches_and_n_is_a_note_again_afterwards() {
    let mut app = app_with_notes();
    app.view.focus = Focus::Timeline;
    press(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "on-call");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.scribe.timeline.selected_entry().unwrap().text, "DB on-call acknowledged", "newest match first");
    assert!(app.view.message.as_deref().unwrap_or("").contains("2 match(es)"), "{:?}", app.view.message);
    let screen = render(&mut app, 160, 48);
    assert!(screen.contains("/on-call 2 found"), "{screen}");
    press(&mut app, KeyCode::Char('n'));
    assert_eq!(app.scribe.timeline.selected_entry().unwrap().text, "paging the DB on-call", "n: the older match");
    assert!(app.view.compose.is_none(), "with a search, n is not a note");
    press(&mut app, KeyCode::Char('N'));
    assert_eq!(app.scribe.timeline.selected_entry().unwrap().text, "DB on-call acknowledged");
    press(&mut app, KeyCode::Esc);
    assert!(app.scribe.timeline.search().is_none());
    press(&mut app, KeyCode::Char('n'));
    assert!(app.view.compose.is_some(), "the search ended: n writes a note again");
}

#[test]
fn filters_have_direct_keys() {
    let mut app = app_with_notes();
    press(&mut app, KeyCode::Char('1'));
    assert_eq!(app.scribe.timeline.filter(), Filter::Decisions);
    assert_eq!(app.scribe.timeline.shown(), 1);
    press(&mut app, KeyCode::Char('3'));
    assert_eq!(app.scribe.timeline.filter(), Filter::Comms);
    press(&mut app, KeyCode::Char('0'));
    assert_eq!(app.scribe.timeline.filter(), Filter::All, "straight back, no cycle");
    press(&mut app, KeyCode::Char('t'));
    let listed = app.view.message.clone().unwrap_or_default();
    assert!(listed.contains("0 all") && listed.contains("6 pinned"), "{listed}");
    assert_eq!(app.scribe.timeline.filter(), Filter::All, "t lists, it does not change the filter");
}

#[test]
fn a_mistaken_entry_is_struck_through_by_an_amendment_never_deleted() {
    let mut app = app_with_notes();
    app.view.focus = Focus::Timeline;
    // Select the decision: three up from the newest note.
    press(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "fail over");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Esc);
    let decision = app.scribe.timeline.selected_entry().unwrap().clone();
    assert_eq!(decision.kind, Kind::Decision);
    press(&mut app, KeyCode::Char('x'));
    type_text(&mut app, "wrong target: us-west-2 is degraded too");
    press(&mut app, KeyCode::Enter);
    let entries = app.scribe.timeline.entries();
    assert!(entries.iter().any(|e| e.id == decision.id), "the original stays");
    let amendment = entries.last().unwrap().clone();
    assert_eq!(amendment.data_str("amends"), Some(decision.id.as_str()));
    assert_eq!(app.scribe.timeline.struck_by(&decision).map(|e| e.id.clone()), Some(amendment.id.clone()));
    app.scribe.timeline.set_filter(Filter::Decisions);
    let screen = render(&mut app, 160, 48);
    assert!(screen.contains("(struck through by ana:"), "the pane says who and why:\n{screen}");
    press(&mut app, KeyCode::Char('x'));
    assert!(app.view.message.as_deref().unwrap_or("").contains("already struck"), "{:?}", app.view.message);
    press(&mut app, KeyCode::Char('0'));

    // Actions and observations stand: they cannot be struck.
    press(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "journal opened");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.scribe.timeline.selected_entry().unwrap().kind, Kind::Observation);
    press(&mut app, KeyCode::Char('x'));
    assert!(app.view.compose.is_none());
    assert!(app.view.message.as_deref().unwrap_or("").contains("only a note, decision or comms"));

    let md = export::render(app.scribe.timeline.entries(), Format::Md, Zone::utc());
    assert!(
        md.contains("~~fail over to us-west-2 once lag is under the RPO~~ (struck through by ana: wrong target: us-west-2 is degraded too)"),
        "{md}"
    );
    assert!(md.contains("struck through fail over to us-west-2"), "the amendment is in the timeline too: {md}");
    let json = export::render(app.scribe.timeline.entries(), Format::Json, Zone::utc());
    assert!(json.contains(&format!("\"struck_by\": \"{}\"", amendment.id)), "{json}");
    let csv = export::render(app.scribe.timeline.entries(), Format::Csv, Zone::utc());
    assert!(csv.contains(&decision.id) && csv.contains("amends"), "{csv}");
}
