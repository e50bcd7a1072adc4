//! The journal's edges: export never replaces what it must not, a deleted journal comes back
//! whole, a full disk fails at once, and `--strict` checks order.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use chrono::Utc;
use warroom::config::Incident;
use warroom::scribe::{Draft, FileJournal, Kind, Scribe, journal};

fn warroom(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_warroom")).args(args).output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn fixture() -> &'static str {
    concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/incident.jsonl")
}

#[test]
fn export_refuses_its_own_input_and_leaves_it_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let j = dir.path().join("j.jsonl");
    std::fs::copy(fixture(), &j).unwrap();
    let before = std::fs::read(&j).unwrap();
    let out = warroom(&["export", j.to_str().unwrap(), "--format", "md", "-o", j.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("is the journal being exported"), "{}", stderr(&out));
    assert_eq!(std::fs::read(&j).unwrap(), before);
    // Control: another target is written, 0600.
    let md = dir.path().join("review.md");
    let out = warroom(&["export", j.to_str().unwrap(), "--format", "md", "-o", md.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&md).unwrap().permissions().mode() & 0o777, 0o600);
    assert!(std::fs::read_to_string(&md).unwrap().starts_with("# Incident review"));
}

#[test]
fn export_refuses_symlinks_fifos_and_journals_in_use() {
    let dir = tempfile::tempdir().unwrap();
    let victim = dir.path().join("victim");
    std::fs::write(&victim, "keep me").unwrap();
    let link = dir.path().join("link.md");
    std::os::unix::fs::symlink(&victim, &link).unwrap();
    let out = warroom(&["export", fixture(), "--format", "md", "-o", link.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("symbolic link"), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me");
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());

    let fifo = dir.path().join("fifo");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let out = warroom(&["export", fixture(), "--format", "md", "-o", fifo.to_str().unwrap()]);
    assert!(stderr(&out).contains("not a regular file"), "{}", stderr(&out));

    // A journal an open session is writing (its presence record says so).
    let live = dir.path().join("live.jsonl");
    let opened = FileJournal::open(&live).unwrap();
    let out = warroom(&["export", fixture(), "--format", "md", "-o", live.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("is writing now"), "{}", stderr(&out));
    // Control: once that session closes, the file may be replaced.
    drop(opened);
    let out = warroom(&["export", fixture(), "--format", "md", "-o", live.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
}

/// A scribe writing to a file journal at `path`, as a session would, and its start time.
fn scribe_on(path: &Path) -> (Scribe, chrono::DateTime<Utc>) {
    let opened = FileJournal::open(path).unwrap();
    let now = Utc::now();
    let scribe = Scribe::start(
        Box::new(opened.journal),
        opened.entries,
        &opened.recovery,
        "ana".into(),
        &Incident::default(),
        now,
    );
    (scribe, now)
}

#[test]
fn a_journal_deleted_mid_session_is_recreated_with_every_entry() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gone").join("j.jsonl");
    std::fs::create_dir(path.parent().unwrap()).unwrap();
    let (mut scribe, now) = scribe_on(&path);
    for i in 0..5 {
        scribe.record(Draft::new(now, "ana", Kind::Note, format!("note {i}"))).unwrap();
    }
    // The whole directory goes, as a careless `rm -rf` would do it.
    std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
    scribe.record(Draft::new(now, "ana", Kind::Note, "after the delete")).unwrap();
    assert!(scribe.error.is_none(), "{:?}", scribe.error);
    let (entries, malformed) = journal::read_file(&path).unwrap();
    assert!(malformed.is_empty());
    let texts: Vec<&str> = entries.iter().map(|e| e.text.as_str()).collect();
    for i in 0..5 {
        assert!(texts.contains(&format!("note {i}").as_str()), "{texts:?}");
    }
    assert!(texts.contains(&"after the delete"), "{texts:?}");
    assert!(texts.iter().any(|t| t.contains("was deleted; it was re-created")), "{texts:?}");
}

#[test]
fn a_journal_that_cannot_come_back_shows_not_saving_and_keeps_the_text() {
    let dir = tempfile::tempdir().unwrap();
    let parent = dir.path().join("d");
    std::fs::create_dir(&parent).unwrap();
    let path = parent.join("j.jsonl");
    let (mut scribe, now) = scribe_on(&path);
    std::fs::remove_dir_all(&parent).unwrap();
    // A file where the directory was: the journal cannot be re-created there.
    std::fs::write(&parent, "in the way").unwrap();
    let err = scribe.record(Draft::new(now, "ana", Kind::Note, "typed")).unwrap_err();
    assert!(err.contains("was deleted and cannot be re-created"), "{err}");
    assert!(scribe.error.is_some(), "the header shows ✗ JOURNAL NOT SAVING");
    // Control: once the way is clear, the next save re-creates it with everything.
    std::fs::remove_file(&parent).unwrap();
    scribe.record(Draft::new(now, "ana", Kind::Note, "typed")).unwrap();
    let (entries, _) = journal::read_file(&path).unwrap();
    assert!(entries.iter().any(|e| e.text == "typed") && entries.iter().any(|e| e.text.contains("journal opened")));
}

#[test]
fn run_step_on_a_full_disk_fails_at_once_with_the_disks_error() {
    let started = Instant::now();
    let out = warroom(&["run-step", "declare", "--demo", "--journal", "/dev/full", "--confirm", "us-west-2"]);
    assert_ne!(out.status.code(), Some(0));
    assert!(stderr(&out).contains("No space left on device"), "{}", stderr(&out));
    assert!(started.elapsed() < Duration::from_secs(10), "took {:?}", started.elapsed());
    // A checklist tick, whose note cannot be saved, fails at once too (it used to wait 30 s).
    let started = Instant::now();
    let out = warroom(&[
        "run-step",
        "scope",
        "--runbook",
        "pre-failover",
        "--demo",
        "--journal",
        "/dev/full",
        "--confirm",
        "us-west-2",
        "--note",
        "checked",
    ]);
    assert_ne!(out.status.code(), Some(0));
    assert!(stderr(&out).contains("No space left on device"), "{}", stderr(&out));
    assert!(started.elapsed() < Duration::from_secs(10), "took {:?}", started.elapsed());
}

fn line(seq: u64, id: &str, at: &str) -> String {
    format!(r#"{{"seq":{seq},"id":"{id}","at":"{at}","author":"ana","kind":"note","text":"n{seq}"}}"#)
}

#[test]
fn strict_rejects_duplicate_or_backwards_seq_and_duplicate_ids_and_warns_on_time() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "dup-seq",
            vec![line(1, "a", "2026-11-24T03:00:00Z"), line(1, "b", "2026-11-24T03:01:00Z")],
            "seq 1 appears twice",
        ),
        (
            "back-seq",
            vec![line(2, "a", "2026-11-24T03:00:00Z"), line(1, "b", "2026-11-24T03:01:00Z")],
            "seq goes backwards",
        ),
        (
            "dup-id",
            vec![line(1, "a", "2026-11-24T03:00:00Z"), line(2, "a", "2026-11-24T03:01:00Z")],
            "id a appears twice",
        ),
    ];
    for (name, lines, expected) in cases {
        let path = dir.path().join(format!("{name}.jsonl"));
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();
        let strict = warroom(&["export", path.to_str().unwrap(), "--format", "json", "--strict"]);
        assert_eq!(strict.status.code(), Some(2), "{name}: {}", stderr(&strict));
        assert!(stderr(&strict).contains(expected), "{name}: {}", stderr(&strict));
        // Without --strict it is said, and the export goes on.
        let lenient = warroom(&["export", path.to_str().unwrap(), "--format", "json"]);
        assert!(lenient.status.success() && stderr(&lenient).contains(expected), "{name}");
    }
    let path = dir.path().join("time.jsonl");
    std::fs::write(
        &path,
        [line(1, "a", "2026-11-24T03:05:00Z"), line(2, "b", "2026-11-24T03:01:00Z")].join("\n") + "\n",
    )
    .unwrap();
    let out = warroom(&["export", path.to_str().unwrap(), "--format", "json", "--strict"]);
    assert!(out.status.success(), "time going back is a warning: {}", stderr(&out));
    assert!(stderr(&out).contains("warning: time goes backwards at seq 2"), "{}", stderr(&out));
    // Control: a clean journal is silent.
    let out = warroom(&["export", fixture(), "--format", "json", "--strict"]);
    assert!(out.status.success() && stderr(&out).is_empty(), "{}", stderr(&out));
}

#[test]
fn journal_refuses_a_symlink_and_a_file_that_is_not_a_journal() {
    let dir = tempfile::tempdir().unwrap();
    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, "groceries\n").unwrap();
    let out =
        warroom(&["run-step", "declare", "--demo", "--journal", notes.to_str().unwrap(), "--confirm", "us-west-2"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("not a warroom journal"), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&notes).unwrap(), "groceries\n", "untouched");
    let link = dir.path().join("link.jsonl");
    std::os::unix::fs::symlink(Path::new(fixture()), &link).unwrap();
    let out =
        warroom(&["run-step", "declare", "--demo", "--journal", link.to_str().unwrap(), "--confirm", "us-west-2"]);
    assert!(stderr(&out).contains("symbolic link"), "{}", stderr(&out));
}
