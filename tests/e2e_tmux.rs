//! End to end: the built binary in a real terminal (tmux), read as a user would read it.
//!
//! Needs `tmux` (in the machine image; `.ci/run` installs it if missing). Without it the test
//! fails and says so: it never skips.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::tmux::Session;

use std::time::{Duration, Instant};

#[test]
fn demo_starts_shows_both_regions_and_q_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let status_file = dir.path().join("status");
    let session = Session { name: "e2e".into(), socket: format!("warroom-e2e-{}", std::process::id()) };
    let command = format!(
        "XDG_STATE_HOME={state} XDG_DATA_HOME={state} {bin} demo --speed 10 --as e2e; echo $? > {status}; sleep 30",
        state = dir.path().display(),
        bin = env!("CARGO_BIN_EXE_warroom"),
        status = status_file.display()
    );
    let out = session.tmux(&["new-session", "-d", "-s", "e2e", "-x", "160", "-y", "48", &command]);
    assert!(out.status.success(), "tmux new-session failed: {}", String::from_utf8_lossy(&out.stderr));

    let screen = session.wait_for("us-west-2", Duration::from_secs(20));
    assert!(screen.contains("us-east-1"), "{screen}");
    assert!(screen.contains("WARROOM") && screen.contains("DEMO"), "{screen}");
    session.wait_for("req/s", Duration::from_secs(20));

    session.tmux(&["send-keys", "-t", "e2e", "?"]);
    session.wait_for("Reading the screen", Duration::from_secs(5));
    session.tmux(&["send-keys", "-t", "e2e", "Escape"]);
    // Wait for help to close: an Escape and the next key in one read would arrive as Alt-key.
    session.wait_until("help to close", Duration::from_secs(5), |s| !s.contains("Reading the screen"));

    // A note typed by a person is on disk when its input line closes.
    session.tmux(&["send-keys", "-t", "e2e", "n"]);
    session.wait_for("note ›", Duration::from_secs(5));
    session.tmux(&["send-keys", "-t", "e2e", "-l", "paging the DB on-call"]);
    session.tmux(&["send-keys", "-t", "e2e", "Enter"]);
    session.wait_until("the note in the timeline", Duration::from_secs(5), |screen| {
        !screen.contains("note ›") && screen.lines().any(|l| l.contains(" e2e ") && l.contains("paging the DB on-call"))
    });
    // Beside each journal, its `.d` sidecar holds the open sessions' presence records.
    let journals: Vec<_> = std::fs::read_dir(dir.path().join("warroom/journals"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    assert_eq!(journals.len(), 1, "one journal per incident: {journals:?}");
    let journal = std::fs::read_to_string(&journals[0]).unwrap();
    assert!(journal.contains("\"author\":\"e2e\",\"kind\":\"note\",\"text\":\"paging the DB on-call\""), "{journal}");

    // A runbook step through the real terminal: Enter on `declare`, Enter in its dialog.
    session.wait_for("Runbook: Failover (us-east-1 → us-west-2)", Duration::from_secs(5));
    session.tmux(&["send-keys", "-t", "e2e", "Enter"]);
    session.wait_for("Declare: Failover from us-east-1 to us-west-2.", Duration::from_secs(5));
    session.tmux(&["send-keys", "-t", "e2e", "Enter"]);
    session.wait_until("the declare in the pane and the timeline", Duration::from_secs(5), |screen| {
        screen.contains("1/11 done") && screen.contains("DECISION")
    });

    session.tmux(&["send-keys", "-t", "e2e", "q"]);
    let start = Instant::now();
    while !status_file.exists() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "warroom did not exit after q; screen:\n{}",
            session.screen()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(std::fs::read_to_string(&status_file).unwrap().trim(), "0");
    // The terminal is restored: the alternate screen is gone, the shell's screen is back.
    let screen = session.screen();
    assert!(!screen.contains("Requests"), "dashboard still on screen after exit:\n{screen}");
    assert!(screen.contains("journal saved at"), "the journal's path is printed on exit:\n{screen}");
    // Logs went to the state dir, not to the screen.
    let logs: Vec<_> = std::fs::read_dir(dir.path().join("warroom")).unwrap().collect();
    assert!(!logs.is_empty(), "no log file written");
}

#[test]
fn a_drill_shows_its_banner_takes_a_fault_from_the_menu_and_quits_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let status_file = dir.path().join("status");
    let journal = dir.path().join("drill.jsonl");
    let session = Session { name: "drill".into(), socket: format!("warroom-drill-{}", std::process::id()) };
    let command = format!(
        "XDG_STATE_HOME={state} XDG_DATA_HOME={state} {bin} drill primary-outage --speed 10 --journal {journal}; echo $? > {status}; sleep 30",
        state = dir.path().display(),
        bin = env!("CARGO_BIN_EXE_warroom"),
        journal = journal.display(),
        status = status_file.display()
    );
    let out = session.tmux(&["new-session", "-d", "-s", "drill", "-x", "160", "-y", "48", &command]);
    assert!(out.status.success(), "tmux new-session failed: {}", String::from_utf8_lossy(&out.stderr));
    let screen = session.wait_for("▲ DRILL ▲  primary-outage", Duration::from_secs(20));
    assert!(screen.contains("│ DRILL │"), "{screen}");
    session.tmux(&["send-keys", "-t", "drill", "f"]);
    session.wait_for("Fault menu — facilitator", Duration::from_secs(5));
    for key in ["Right", "Down", "Enter", "Escape"] {
        session.tmux(&["send-keys", "-t", "drill", key]);
    }
    session.wait_until("the menu to close", Duration::from_secs(5), |s| !s.contains("Fault menu — facilitator"));
    session.tmux(&["send-keys", "-t", "drill", "q"]);
    let start = Instant::now();
    while !status_file.exists() {
        assert!(start.elapsed() < Duration::from_secs(10), "warroom did not exit after q:\n{}", session.screen());
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(std::fs::read_to_string(&status_file).unwrap().trim(), "0");
    let lines = std::fs::read_to_string(&journal).unwrap();
    assert!(lines.contains("\"drill\":\"started\""), "{lines}");
    assert!(lines.contains("facilitator injected db-primary-lost into us-west-2"), "{lines}");
}
