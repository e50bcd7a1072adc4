//! `warroom run-step`: the dashboard's guards, confirmation and journal without the TUI.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::{Command, Output};

fn run_step(journal: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_warroom"))
        .arg("run-step")
        .args(args)
        .args(["--demo", "--journal", journal.to_str().unwrap(), "--as", "ic"])
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn journal_kinds(journal: &Path, step: &str) -> Vec<String> {
    let (entries, _) = warroom::scribe::journal::read_file(journal).unwrap();
    entries.iter().filter(|e| e.step.as_deref() == Some(step)).map(|e| e.kind.as_str().to_owned()).collect()
}

#[test]
fn guards_refuse_with_exit_3_and_an_override_reason_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let j = dir.path().join("j.jsonl");
    let refused = run_step(&j, &["promote-database", "--at", "5m", "--confirm", "us-west-2"]);
    assert_eq!(refused.status.code(), Some(3), "{}", text(&refused));
    assert!(
        text(&refused).contains("FAIL lag-within-rpo") && text(&refused).contains("> RPO 60s"),
        "{}",
        text(&refused)
    );
    assert!(journal_kinds(&j, "promote-database").is_empty(), "a refused step does nothing");

    let forced =
        run_step(&j, &["promote-database", "--at", "5m", "--confirm", "us-west-2", "--override", "primary is gone"]);
    assert_eq!(forced.status.code(), Some(0), "{}", text(&forced));
    assert!(text(&forced).contains("done: us-west-2 is the writer"), "{}", text(&forced));
    // The override rides in the action's own entry, naming the guards it covered.
    assert_eq!(journal_kinds(&j, "promote-database"), ["action-started", "action-succeeded"]);
    let (entries, _) = warroom::scribe::journal::read_file(&j).unwrap();
    let started = entries.iter().find(|e| e.kind == warroom::scribe::Kind::ActionStarted).unwrap();
    let covered = started.data.as_ref().unwrap()["override"].to_string();
    assert!(covered.contains("primary is gone") && covered.contains("lag-within-rpo"), "{covered}");
}

#[test]
fn confirmation_must_name_the_region_the_step_acts_in() {
    let dir = tempfile::tempdir().unwrap();
    let j = dir.path().join("j.jsonl");
    let declared = run_step(&j, &["declare", "--confirm", "us-west-2"]);
    assert!(declared.status.success(), "{}", text(&declared));
    let wrong = run_step(&j, &["freeze-writes", "--confirm", "us-west-2"]);
    assert_eq!(wrong.status.code(), Some(2));
    assert!(text(&wrong).contains("freeze-writes acts in us-east-1"), "{}", text(&wrong));
    assert!(journal_kinds(&j, "freeze-writes").is_empty());
    // The journal remembers the declare, so the freeze's after:declare guard passes.
    let right = run_step(&j, &["freeze-writes", "--confirm", "us-east-1"]);
    assert!(right.status.success(), "{}", text(&right));
    assert!(text(&right).contains("ok   after:declare"), "{}", text(&right));
}

#[test]
fn usage_errors_exit_2_and_say_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let j = dir.path().join("j.jsonl");
    let cases: [(&[&str], &str); 3] = [
        (&["no-such-step", "--confirm", "us-west-2"], "no step `no-such-step` in runbook `failover`; steps: declare"),
        (&["declare", "--confirm", "us-west-2", "--runbook", "nope"], "no runbook `nope`"),
        (
            &["scope", "--runbook", "pre-failover", "--confirm", "us-west-2", "--override", "x y z"],
            "checklist step: say what was checked with --note",
        ),
    ];
    for (args, expected) in cases {
        let out = run_step(&j, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
        assert!(text(&out).contains(expected), "{args:?}: {}", text(&out));
    }
    let live = Command::new(env!("CARGO_BIN_EXE_warroom"))
        .args(["run-step", "declare", "--confirm", "us-west-2"])
        .output()
        .unwrap();
    assert_eq!(live.status.code(), Some(2));
    assert!(text(&live).contains("--demo"), "{}", text(&live));
    let ro = dir.path().join("ro.toml");
    std::fs::write(&ro, "read-only = true\n").unwrap();
    let out = run_step(&j, &["declare", "--confirm", "us-west-2", "--config", ro.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("read-only"), "{}", text(&out));
}

#[test]
fn a_checklist_step_is_ticked_with_its_note() {
    let dir = tempfile::tempdir().unwrap();
    let j = dir.path().join("j.jsonl");
    assert!(run_step(&j, &["declare", "--confirm", "us-west-2"]).status.success());
    let args = ["scope", "--runbook", "pre-failover", "--confirm", "us-west-2", "--note", "Region-wide in us-east-1"];
    let out = run_step(&j, &args);
    assert!(out.status.success(), "{}", text(&out));
    let (entries, _) = warroom::scribe::journal::read_file(&j).unwrap();
    let tick = entries.iter().find(|e| e.step.as_deref() == Some("scope")).unwrap();
    assert_eq!(
        (tick.kind.as_str(), tick.text.as_str(), tick.author.as_str()),
        ("action-succeeded", "Region-wide in us-east-1", "ic")
    );
}

#[test]
fn scale_secondary_is_a_confirmed_change_that_waits_for_the_capacity() {
    let dir = tempfile::tempdir().unwrap();
    let j = dir.path().join("j.jsonl");
    assert!(run_step(&j, &["declare", "--confirm", "us-west-2"]).status.success());
    let wrong = run_step(&j, &["scale-secondary", "--confirm", "us-east-1"]);
    assert_eq!(wrong.status.code(), Some(2), "{}", text(&wrong));
    let out = run_step(&j, &["scale-secondary", "--confirm", "us-west-2"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("done: us-west-2 runs 24/24 (desired 24)"), "{}", text(&out));
    assert_eq!(journal_kinds(&j, "scale-secondary"), ["action-started", "action-succeeded"]);
}

/// Eight `run-step --override` at once on one journal, twenty rounds: one of them starts the
/// step and says `done:`; the others say who runs or ran it, exit 4, and journal nothing of
/// a person's (no note, decision, comms, action or declaration): the reason is never typed
/// where no dialog asked for it.
#[test]
fn concurrent_overrides_run_the_step_once_and_the_losers_say_who_did() {
    use warroom::scribe::Kind;
    for round in 0..20 {
        let dir = tempfile::tempdir().unwrap();
        let j = dir.path().join("race.jsonl");
        let children: Vec<_> = (0..8)
            .map(|n| {
                Command::new(env!("CARGO_BIN_EXE_warroom"))
                    .args(["run-step", "freeze-writes", "--demo", "--at", "2m", "--confirm", "us-east-1"])
                    .args(["--journal", j.to_str().unwrap(), "--as", &format!("op{n}")])
                    .args(["--override", &format!("race test {n} with dangerous lag {n}")])
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        let outputs: Vec<Output> = children.into_iter().map(|c| c.wait_with_output().unwrap()).collect();
        let all: String =
            outputs.iter().enumerate().map(|(n, o)| format!("--- op{n} {:?}\n{}", o.status, text(o))).collect();
        let winners: Vec<usize> = (0..8).filter(|n| outputs[*n].status.success()).collect();
        assert_eq!(winners.len(), 1, "round {round}: one winner\n{all}");
        let done = outputs.iter().filter(|o| String::from_utf8_lossy(&o.stdout).contains("done:")).count();
        assert_eq!(done, 1, "round {round}: one `done:` line\n{all}");
        for (n, o) in outputs.iter().enumerate().filter(|(n, _)| *n != winners[0]) {
            assert_eq!(o.status.code(), Some(4), "round {round}: op{n} did not run it\n{all}");
            assert!(text(o).contains("not run here"), "round {round}: op{n} says who did\n{all}");
        }
        let (entries, _) = warroom::scribe::journal::read_file(&j).unwrap();
        let started =
            entries.iter().filter(|e| e.kind == Kind::ActionStarted && e.step.as_deref() == Some("freeze-writes"));
        assert_eq!(started.count(), 1, "round {round}: one start\n{all}");
        let winner = format!("op{}", winners[0]);
        let stray: Vec<String> = entries
            .iter()
            .filter(|e| e.author.starts_with("op") && e.author != winner)
            .filter(|e| {
                matches!(
                    e.kind,
                    Kind::Note
                        | Kind::Decision
                        | Kind::Comms
                        | Kind::ActionStarted
                        | Kind::ActionSucceeded
                        | Kind::ActionFailed
                        | Kind::GuardOverride
                )
            })
            .map(|e| format!("{} {} {:?}", e.author, e.kind.as_str(), e.text))
            .collect();
        assert!(stray.is_empty(), "round {round}: a loser journaled {stray:#?}\n{all}");
    }
}
