//! One incident, several warroom processes on one journal file, each in its own tmux
//! terminal, read as the people at them would read them: a host (`demo` or `drill`) and the
//! terminals that `join` it.
//!
//! Needs `tmux` (`.ci/run` installs it if missing); without it the test fails and says so.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::tmux::Session;

/// Terminals on one tmux server, each a session named after its person.
struct Team {
    socket: String,
    dir: tempfile::TempDir,
    journal: PathBuf,
}

impl Team {
    fn new(tag: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let journal = dir.path().join("incident.jsonl");
        Self { socket: format!("warroom-team-{tag}-{}", std::process::id()), dir, journal }
    }

    /// Start `warroom ARGS` in a terminal of its own (160×48); the journal is `{j}` in ARGS.
    fn open(&self, name: &str, args: &str, env: &str) -> Session {
        let session = Session { name: name.into(), socket: self.socket.clone() };
        let command = format!(
            "{env} XDG_STATE_HOME={state} XDG_DATA_HOME={state} {bin} {args}; echo exit $? > {state}/{name}.status; sleep 60",
            state = self.dir.path().display(),
            bin = env!("CARGO_BIN_EXE_warroom"),
            args = args.replace("{j}", &self.journal.display().to_string()),
        );
        let out = session.tmux(&["new-session", "-d", "-s", name, "-x", "160", "-y", "48", &command]);
        assert!(out.status.success(), "tmux new-session failed: {}", String::from_utf8_lossy(&out.stderr));
        session
    }

    fn journal_text(&self) -> String {
        std::fs::read_to_string(&self.journal).unwrap_or_default()
    }

    /// The pid of the session that `author` runs, from its presence record.
    fn pid_of(&self, author: &str) -> u32 {
        let dir = self.journal.with_file_name("incident.jsonl.d").join("presence");
        for record in std::fs::read_dir(&dir).unwrap() {
            let text = std::fs::read_to_string(record.unwrap().path()).unwrap_or_default();
            let value: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
            if value["author"] == author {
                return value["pid"].as_u64().unwrap() as u32;
            }
        }
        panic!("no presence record for {author} in {}", dir.display());
    }
}

fn keys(session: &Session, keys: &[&str]) {
    for key in keys {
        session.tmux(&["send-keys", "-t", &session.name, key]);
    }
}

fn type_text(session: &Session, text: &str) {
    session.tmux(&["send-keys", "-t", &session.name, "-l", text]);
    // Enter straight after typed text is held back as a possible paste (issue 11).
    std::thread::sleep(Duration::from_millis(400));
}

fn lines_with(journal: &str, needle: &str) -> usize {
    journal.lines().filter(|l| l.contains(needle)).count()
}

const START: Duration = Duration::from_secs(30);

/// Host and joiner up, both showing the world; the host has declared the failover.
fn host_and_joiner(team: &Team, host_args: &str, env: &str) -> (Session, Session) {
    let host = team.open("ana", &format!("demo --journal {{j}} --as ana {host_args}"), env);
    host.wait_for("req/s", START);
    let joiner = team.open("bo", "join --journal {j} --as bo", env);
    joiner.wait_until("the joiner to show the host's world", START, |s| {
        s.contains("JOINED ana@") && s.contains("bo · operator") && s.contains("req/s")
    });
    keys(&host, &["Enter"]);
    host.wait_for("Declare: Failover", Duration::from_secs(5));
    keys(&host, &["Enter"]);
    joiner.wait_for("DECISION declared: Failover", Duration::from_secs(5));
    // The host's selection moved to the next step by itself; Enter acts there after a pause.
    std::thread::sleep(warroom::app::ENTER_SETTLE + Duration::from_millis(200));
    (host, joiner)
}

#[test]
fn a_joined_terminal_shows_the_hosts_world_and_notes_cross_within_two_seconds_both_ways() {
    let team = Team::new("notes");
    let host = team.open("ana", "demo --journal {j} --as ana", "");
    host.wait_for("req/s", START);
    let joiner = team.open("bo", "join --journal {j} --as bo", "");
    let screen = joiner.wait_until("both regions from the host's world", START, |s| {
        s.contains("us-east-1") && s.contains("us-west-2") && s.contains("req/s")
    });
    assert!(screen.contains("JOINED ana@"), "the header names the host:\n{screen}");
    assert!(screen.contains("bo · operator"), "a joiner is an operator:\n{screen}");
    assert!(screen.contains("PRIMARY") && screen.contains("SECONDARY"), "{screen}");
    assert!(team.journal_text().contains("journal reopened by bo (operator)"), "the journal says who came in as what");

    keys(&joiner, &["n"]);
    joiner.wait_for("note ›", Duration::from_secs(5));
    type_text(&joiner, "bo paging the DB on-call");
    let typed = Instant::now();
    keys(&joiner, &["Enter"]);
    host.wait_for("bo paging the DB on-call", Duration::from_secs(2));
    eprintln!("joiner → host: {:?}", typed.elapsed());

    keys(&host, &["n"]);
    host.wait_for("note ›", Duration::from_secs(5));
    type_text(&host, "ana status page updated");
    let typed = Instant::now();
    keys(&host, &["Enter"]);
    joiner.wait_for("ana status page updated", Duration::from_secs(2));
    eprintln!("host → joiner: {:?}", typed.elapsed());

    // The host stops: the joiner says so, loudly, and its data goes stale.
    keys(&host, &["q", "y"]);
    joiner.wait_for("HOST SILENT", Duration::from_secs(10));
}

#[test]
fn both_press_enter_on_freeze_writes_and_exactly_one_runs_it() {
    let team = Team::new("race");
    let (host, joiner) = host_and_joiner(&team, "", "");
    // Both select freeze-writes (the next ready step), then press Enter at the same moment.
    keys(&joiner, &["g"]);
    std::thread::sleep(Duration::from_millis(300));
    keys(&host, &["Enter"]);
    keys(&joiner, &["Enter"]);
    let dialog = "Confirm: freeze-writes";
    let refused = "running by";
    let deadline = Instant::now() + Duration::from_secs(5);
    let (winner, loser, loser_screen) = loop {
        let (h, j) = (host.screen(), joiner.screen());
        if h.contains(dialog) && j.contains(refused) {
            break (&host, &joiner, j);
        }
        if j.contains(dialog) && h.contains(refused) {
            break (&joiner, &host, h);
        }
        assert!(Instant::now() < deadline, "expected one dialog and one refusal:\n{h}\n---\n{j}");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(!loser_screen.contains(dialog), "{loser_screen}");
    let holder = if winner.name == "ana" { "ana@" } else { "bo@" };
    assert!(loser_screen.contains(&format!("running by {holder}")), "the loser is told who runs it:\n{loser_screen}");
    type_text(winner, "us-east-1");
    keys(winner, &["Enter"]);
    loser.wait_until("freeze-writes done everywhere", Duration::from_secs(20), |s| {
        s.lines().any(|l| l.contains("freeze-writes") && l.contains("done"))
    });
    // Enter again at the loser: done, and not run twice.
    keys(loser, &["Enter"]);
    std::thread::sleep(Duration::from_millis(500));
    let journal = team.journal_text();
    let started = journal.lines().filter(|l| l.contains("\"kind\":\"action-started\"") && l.contains("freeze-writes"));
    assert_eq!(started.count(), 1, "{journal}");
}

#[test]
fn a_killed_claimant_leaves_the_step_to_be_taken_over_with_a_typed_reason() {
    let team = Team::new("kill");
    // A slow world (a freeze takes 15 s) and a short lease, so the test sees both.
    let (host, joiner) = host_and_joiner(&team, "--speed 0.2", "WARROOM_CLAIM_LEASE=4s");
    keys(&joiner, &["g", "Enter"]);
    joiner.wait_for("Confirm: freeze-writes", Duration::from_secs(5));
    type_text(&joiner, "us-east-1");
    keys(&joiner, &["Enter"]);
    joiner.wait_until("freeze-writes running", Duration::from_secs(5), |s| {
        s.lines().any(|l| l.contains("freeze-writes") && l.contains("running"))
    });
    let pid = team.pid_of("bo");
    let killed = std::process::Command::new("kill").args(["-9", &pid.to_string()]).status().unwrap();
    assert!(killed.success());

    // At first the step is bo's ("running by bo@…" when the host presses Enter); once the
    // lease is out, the row says so and Enter offers the takeover.
    keys(&host, &["Enter"]);
    host.wait_until("the host to be refused or offered the takeover", Duration::from_secs(5), |s| {
        s.contains("running by bo@") || s.contains("why take over freeze-writes from bo")
    });
    host.wait_until("the row to say the claim expired", Duration::from_secs(15), |s| {
        s.lines().any(|l| l.contains("freeze-writes") && l.contains("claim expired (bo)"))
    });
    keys(&host, &["Enter"]);
    host.wait_for("why take over freeze-writes from bo", Duration::from_secs(5));
    type_text(&host, "bo's terminal died mid-step");
    keys(&host, &["Enter"]);
    host.wait_for("is yours now", Duration::from_secs(5));
    let journal = team.journal_text();
    assert!(journal.contains("took over freeze-writes from bo: bo's terminal died mid-step"), "{journal}");
    // The step is the host's to run again (idempotent: the world may say it is already done).
    keys(&host, &["Enter"]);
    host.wait_for("Confirm: freeze-writes", Duration::from_secs(5));
    type_text(&host, "us-east-1");
    keys(&host, &["Enter"]);
    host.wait_until("freeze-writes done at the host", Duration::from_secs(40), |s| {
        s.lines().any(|l| l.contains("freeze-writes") && l.contains("done"))
    });
}

#[test]
fn a_joined_facilitator_injects_a_fault_the_host_carries_out_and_the_commander_has_no_menu() {
    let team = Team::new("facilitator");
    let host = team.open("ana", "drill primary-outage --speed 10 --journal {j} --as ana", "");
    host.wait_for("▲ DRILL ▲  primary-outage", START);
    let fay = team.open("fay", "join --journal {j} --as fay --role facilitator", "");
    fay.wait_until("the facilitator joined", START, |s| s.contains("JOINED ana@") && s.contains("fay · facilitator"));

    // The commander's screen has no fault menu while a facilitator is joined.
    keys(&host, &["f"]);
    let screen = host.wait_for("runs the faults from their own terminal", Duration::from_secs(5));
    assert!(!screen.contains("Fault menu — facilitator"), "{screen}");

    // The facilitator's menu injects; the host's world carries it out (the menu's ACTIVE
    // comes back from the host's published world).
    keys(&fay, &["f"]);
    fay.wait_for("Fault menu — facilitator", Duration::from_secs(5));
    keys(&fay, &["Right", "Down", "Enter"]);
    fay.wait_for("ACTIVE — Enter clears", Duration::from_secs(5));
    let journal = team.journal_text();
    assert_eq!(lines_with(&journal, "facilitator injected db-primary-lost into us-west-2"), 1, "{journal}");
    // The facilitator sees the hidden facilitator entries; the commander does not.
    keys(&fay, &["Escape"]);
    fay.wait_for("facilitator injected db-primary-lost", Duration::from_secs(5));
    std::thread::sleep(Duration::from_millis(500));
    assert!(!host.screen().contains("facilitator injected"), "{}", host.screen());
}

#[test]
fn four_concurrent_run_steps_start_freeze_writes_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("incident.jsonl");
    let run_step = |author: &str, args: &[&str]| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_warroom"));
        command.args(["run-step", "--demo", "--journal"]).arg(&journal).args(["--as", author]).args(args);
        command.env("XDG_STATE_HOME", dir.path()).env("XDG_DATA_HOME", dir.path());
        command.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
        command
    };
    let declared = run_step("ana", &["declare", "--confirm", "us-west-2"]).output().unwrap();
    assert!(declared.status.success(), "{}", String::from_utf8_lossy(&declared.stderr));
    let children: Vec<_> = (0..4)
        .map(|i| run_step(&format!("op{i}"), &["freeze-writes", "--confirm", "us-east-1"]).spawn().unwrap())
        .collect();
    let outputs: Vec<_> = children.into_iter().map(|c| c.wait_with_output().unwrap()).collect();
    let ok = outputs.iter().filter(|o| o.status.success()).count();
    let text = std::fs::read_to_string(&journal).unwrap();
    let started =
        text.lines().filter(|l| l.contains("\"kind\":\"action-started\"") && l.contains("freeze-writes")).count();
    let said: Vec<String> = outputs.iter().map(|o| String::from_utf8_lossy(&o.stderr).into_owned()).collect();
    assert_eq!(started, 1, "freeze-writes started exactly once:\n{text}\n{said:#?}");
    assert_eq!(ok, 1, "one process ran it; the others were told why not");
    for o in outputs.iter().filter(|o| !o.status.success()) {
        let said = String::from_utf8_lossy(&o.stderr);
        assert!(said.contains("running by op") || said.contains("is done"), "{said}");
    }
    assert!(!Path::new(&format!("{}.d", journal.display())).join("claims.json").exists(), "no claim is left behind");
}

#[test]
fn a_second_host_on_a_hosted_journal_is_refused_and_writes_nothing() {
    let team = Team::new("second-host");
    let host = team.open("ana", "demo --journal {j} --as ana", "");
    host.wait_for("req/s", START);
    let before = team.journal_text();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_warroom"))
        .args(["demo", "--journal"])
        .arg(&team.journal)
        .args(["--as", "bo"])
        .env("XDG_STATE_HOME", team.dir.path())
        .env("XDG_DATA_HOME", team.dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "a usage error");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("is hosted by ana@") && said.contains("warroom join --journal"), "{said}");
    assert_eq!(team.journal_text(), before, "the refused host wrote nothing to the journal");
}

/// Issue 24: a drill host on autopilot with an operator and a scribe joined, run to its end:
/// every derived fact is journaled once (by the host), the scribe is credited with no step,
/// and the export is in time order without a warning.
#[test]
fn a_drill_with_an_operator_and_a_scribe_joined_leaves_one_true_record() {
    let team = Team::new("one-record");
    let host = team.open("ana", "drill primary-outage --autopilot --speed 60 --journal {j} --as ana", "");
    host.wait_for("▲ DRILL ▲  primary-outage", START);
    let bo = team.open("bo", "join --journal {j} --as bo --role operator", "");
    let cy = team.open("cy", "join --journal {j} --as cy --role scribe", "");
    for (who, session) in [("bo · operator", &bo), ("cy · scribe", &cy)] {
        session
            .wait_until("the joiner to show the host's drill", START, |s| s.contains("JOINED ana@") && s.contains(who));
    }
    // 30 minutes of drill at ×60: the end is journaled by the host.
    let deadline = Instant::now() + Duration::from_secs(120);
    while !team.journal_text().contains("\"drill\":\"ended\"") {
        assert!(Instant::now() < deadline, "the drill did not end:\n{}", host.screen());
        std::thread::sleep(Duration::from_millis(500));
    }
    std::thread::sleep(Duration::from_secs(2));
    let (entries, malformed) = warroom::scribe::journal::read_file(&team.journal).unwrap();
    assert!(malformed.is_empty(), "{malformed:?}");
    let mut seen = std::collections::HashMap::new();
    for e in entries
        .iter()
        .filter(|e| matches!(e.kind, warroom::scribe::Kind::Observation | warroom::scribe::Kind::Measurement))
    {
        *seen.entry(e.text.as_str()).or_insert(0) += 1;
    }
    let twice: Vec<(&&str, &i32)> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "journaled more than once: {twice:?}");
    assert_eq!(
        entries.iter().filter(|e| e.kind == warroom::scribe::Kind::Measurement).count(),
        1,
        "the RTO is measured once"
    );
    let derived_by: std::collections::BTreeSet<&str> = entries
        .iter()
        .filter(|e| !warroom::scribe::journal::takes_time(e.kind, e.data.as_ref()))
        .filter_map(|e| e.session.as_deref())
        .collect();
    assert_eq!(derived_by.len(), 1, "one session wrote every derived fact: {derived_by:?}");
    assert!(derived_by.iter().all(|s| s.starts_with("ana@")), "{derived_by:?}");
    let by_scribe: Vec<&str> = entries
        .iter()
        .filter(|e| e.author == "cy" && e.kind.as_str().starts_with("action-"))
        .map(|e| e.text.as_str())
        .collect();
    assert!(by_scribe.is_empty(), "the scribe was credited with steps: {by_scribe:?}");
    let export = std::process::Command::new(env!("CARGO_BIN_EXE_warroom"))
        .args(["export", "--format", "md"])
        .arg(&team.journal)
        .output()
        .unwrap();
    assert!(export.status.success());
    let warned = String::from_utf8_lossy(&export.stderr);
    assert!(!warned.contains("time goes backwards"), "{warned}");
}
