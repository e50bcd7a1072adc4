//! `warroom replay` (issue 16): a recorded drill, replayed, shows what the live drill showed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use chrono::{DateTime, Duration, Utc};
use crossterm::event::KeyCode;
use warroom::app::Player;
use warroom::app::{App, Mode, REPLAY_CHANGES_NOTHING, ReplayMove};
use warroom::modes::replay::{load, resolve_at};
use warroom::theme::Theme;

const W: u16 = 160;
const H: u16 = 48;

/// A built-in drill, recorded: the live screen at the shift, that moment, the selection.
fn record_drill(journal: &std::path::Path, scenario: &str) -> (String, DateTime<Utc>, (usize, usize)) {
    let shift = common::recorded::record_drill(journal, scenario, W, H).expect("the autopilot shifted traffic");
    (shift.screen, shift.at, shift.selection)
}

/// The rows between the header and the footer: the region columns, the runbook and timeline.
fn panes(screen: &str) -> String {
    let lines: Vec<&str> = screen.lines().collect();
    // Row 0 is the banner (DRILL or REPLAY), then the header's two rows; the footer is last.
    lines[3..lines.len() - 1].join("\n")
}

fn replay_at(journal: &std::path::Path, at: DateTime<Utc>, selection: (usize, usize)) -> (Player, App) {
    let loaded = load(journal, None, None).unwrap();
    let (mut player, mut app) = Player::open(loaded.replay, &loaded.config, Theme::fallback(true), loaded.source, 1.0);
    player.seek(&mut app, at);
    app.view.selected_runbook = selection.0;
    app.view.selected_step = selection.1;
    (player, app)
}

#[test]
fn a_replayed_drill_at_the_shift_shows_the_panes_the_live_drill_showed() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("drill.jsonl");
    let (live, at, selection) = record_drill(&journal, "primary-outage");
    let (_player, mut app) = replay_at(&journal, at, selection);
    assert_eq!(app.mode(), Mode::Replay);
    let replayed = common::render(&mut app, W, H);
    assert!(replayed.lines().next().unwrap().contains("REPLAY"), "{replayed}");
    assert!(replayed.lines().nth(1).unwrap().contains("REPLAY"), "the header reads REPLAY: {replayed}");
    let clock = at.format("%Y-%m-%d %H:%M:%S UTC").to_string();
    assert!(replayed.lines().nth(1).unwrap().contains(&clock), "the header shows the replayed time {clock}");
    assert_eq!(panes(&replayed), panes(&live), "replayed:\n{replayed}\nlive:\n{live}");
    // The journal's temporary directory differs from run to run (its width does not).
    insta::with_settings!({ filters => vec![(r"/tmp/\.tmp\w{6}/", "/tmp/.tmpXXXXXX/")] }, {
        insta::assert_snapshot!("replay_primary_outage_at_shift", panes(&replayed));
    });
}

#[test]
fn keys_step_by_poll_entry_and_moment_and_nothing_can_be_changed() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("drill.jsonl");
    let (_, shift, _) = record_drill(&journal, "primary-outage");
    let loaded = load(&journal, None, None).unwrap();
    assert_eq!(loaded.source.what, "drill primary-outage");
    let declared = resolve_at(&loaded.replay, "declared").unwrap();
    // The shift's moment is its success; the live drill heard of it at the next poll.
    let shift_seen = shift;
    let shift = resolve_at(&loaded.replay, "shift").unwrap();
    assert!(shift <= shift_seen && shift_seen - shift <= Duration::seconds(5), "{shift} {shift_seen}");
    assert_eq!(resolve_at(&loaded.replay, "T+1m").unwrap(), loaded.replay.start + Duration::minutes(1));
    let err = resolve_at(&loaded.replay, "lunch").unwrap_err();
    assert!(err.contains("declared") && err.contains("shift") && err.contains("recovered"), "{err}");

    let (mut player, mut app) = Player::open(loaded.replay, &loaded.config, Theme::fallback(true), loaded.source, 1.0);
    app.handle(warroom::app::Msg::Resize { width: W, height: H });
    let entries_at = |app: &App| app.scribe.timeline.entries().len();
    // `]` one poll forward; `[` back again.
    let start = app.now;
    app.press(KeyCode::Char(']'));
    player.take_moves(&mut app);
    assert!(app.now > start && app.now - start <= Duration::seconds(5), "{start} → {}", app.now);
    let first_poll = app.now;
    app.press(KeyCode::Char(']'));
    player.take_moves(&mut app);
    assert!(app.now > first_poll);
    app.press(KeyCode::Char('['));
    player.take_moves(&mut app);
    assert_eq!(app.now, first_poll);
    // `m` through the moments, in order; the declare is among them, and so is the shift.
    let mut seen = Vec::new();
    for _ in 0..10 {
        app.press(KeyCode::Char('m'));
        player.take_moves(&mut app);
        seen.push(app.now);
    }
    assert!(seen.contains(&declared) && seen.contains(&shift), "{seen:?}");
    assert!(seen.windows(2).all(|w| w[0] <= w[1]));
    // `{` steps back one journal entry's time.
    player.seek(&mut app, shift);
    let before = entries_at(&app);
    app.press(KeyCode::Char('{'));
    player.take_moves(&mut app);
    assert!(app.now < shift && entries_at(&app) < before);
    app.press(KeyCode::Char('}'));
    player.take_moves(&mut app);
    assert_eq!((app.now, entries_at(&app)), (shift, before));
    // Space plays; playing moves the replayed time on at the speed.
    app.press(KeyCode::Char(' '));
    player.take_moves(&mut app);
    assert!(!player.paused);
    assert!(player.play(&mut app, std::time::Duration::from_secs(2)));
    assert_eq!(app.now, shift + Duration::seconds(2));
    player.apply(&mut app, ReplayMove::Speed(1));
    assert_eq!(player.speed, 2.0);
    // Nothing acts: no note, no step, no pin; the timeline is the journal's, unchanged.
    let entries = entries_at(&app);
    for key in ['n', 'd', 'c', 'p', 'x', 'o', 's', 'R'] {
        app.press(KeyCode::Char(key));
        assert!(app.view.compose.is_none() && app.view.modal.is_none(), "{key} opened something");
    }
    app.press(KeyCode::Enter);
    assert!(app.view.modal.is_none());
    assert_eq!(app.view.message.as_deref(), Some(REPLAY_CHANGES_NOTHING));
    // A paste is text, and a replay has no text input open but a search.
    app.handle(warroom::app::Msg::Paste("d\nshift-traffic\n".into()));
    assert!(app.view.compose.is_none() && app.view.message.as_deref().is_some_and(|m| m.starts_with("paste ignored")));
    // (Keys right after a paste are taken as its tail; a person types on later.)
    app.view.paste_tail_until = None;
    assert_eq!(entries_at(&app), entries);
    assert!(app.executor.is_none(), "a replay builds no executor");
    // Looking around still works: search and filters.
    app.press(KeyCode::Char('/'));
    app.type_text("shift");
    app.press(KeyCode::Enter);
    assert!(app.scribe.timeline.search().is_some());
    // The help lists the replay's keys, and the footer names them.
    app.press(KeyCode::Esc);
    app.press(KeyCode::Down);
    let screen = common::render(&mut app, W, H);
    assert!(screen.lines().last().unwrap().contains("Space pause"), "{screen}");
    app.press(KeyCode::Char('?'));
    let help = common::render(&mut app, W, H);
    assert!(help.contains("Replay (warroom replay)") && help.contains("one poll back"), "{help}");
    app.press(KeyCode::Esc);
    // q quits without asking, whatever was running then.
    app.press(KeyCode::Char('q'));
    assert!(app.quit);
    assert!(app.closing_line("").contains("never changed"));
}

#[test]
fn a_journal_without_a_recording_replays_its_timeline_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("drill.jsonl");
    let (_, shift, _) = record_drill(&journal, "primary-outage");
    std::fs::remove_file(warroom::scribe::recorder::path_beside(&journal)).unwrap();
    let loaded = load(&journal, None, None).unwrap();
    let (mut player, mut app) = Player::open(loaded.replay, &loaded.config, Theme::fallback(true), loaded.source, 1.0);
    player.seek(&mut app, shift);
    let screen = common::render(&mut app, W, H);
    assert!(screen.contains("no recording beside the journal"), "{screen}");
    assert!(app.snapshot.regions.iter().all(|r| r.last_heard().is_none()), "no invented readings");
}

#[test]
fn the_wrong_config_is_refused_with_the_regions_named() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("drill.jsonl");
    record_drill(&journal, "primary-outage");
    let config = dir.path().join("live.toml");
    std::fs::write(
        &config,
        "[incident]\nname = \"checkout\"\n\n[[regions]]\nname = \"eu-west-1\"\nrole = \"primary\"\n\n[[regions]]\nname = \"eu-central-1\"\nrole = \"secondary\"\n",
    )
    .unwrap();
    let err = match load(&journal, Some(&config), None) {
        Ok(_) => panic!("a config of other regions replays a journal"),
        Err(e) => e.message,
    };
    assert!(err.contains("us-east-1") && err.contains("--config"), "{err}");
}

#[test]
fn bad_input_is_a_usage_error_before_the_terminal_is_taken() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_warroom")).args(args).output().unwrap();
        (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let missing = dir.path().join("none.jsonl");
    let (code, err) = run(&["replay", missing.to_str().unwrap()]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("none.jsonl"), "{err}");
    let journal = dir.path().join("drill.jsonl");
    record_drill(&journal, "primary-outage");
    let (code, err) = run(&["replay", journal.to_str().unwrap(), "--at", "lunch"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--at lunch: not a moment of this incident"), "{err}");
    let (code, err) = run(&["replay", journal.to_str().unwrap(), "--scenario", "no-such-drill"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("no-such-drill"), "{err}");
}
