//! The journal under crashes and bad disks: nothing acknowledged is lost, nothing panics.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::print_stdout)]

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use chrono::Utc;
use warroom::scribe::{Draft, FileJournal, JournalError, JournalStore, Kind};

/// The helper program that appends until killed (tests/helpers/journal_writer.rs).
fn journal_writer() -> PathBuf {
    common::helper_program("journal_writer")
}

#[test]
fn kill_9_mid_append_loses_nothing_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crash.jsonl");
    let mut child =
        Command::new(journal_writer()).arg(&path).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut acked = Vec::new();
    while acked.len() < 300 {
        let line = lines.next().expect("child stopped early").unwrap();
        if let Some(seq) = line.strip_prefix("ACK ") {
            acked.push(seq.parse::<u64>().unwrap());
        }
    }
    child.kill().unwrap(); // SIGKILL: no destructor, no flush
    child.wait().unwrap();
    // Acknowledgements still in the pipe were printed before the kill: they count too.
    for line in lines.map_while(Result::ok) {
        if let Some(seq) = line.strip_prefix("ACK ") {
            acked.push(seq.parse::<u64>().unwrap());
        }
    }

    let before = std::fs::read(&path).unwrap();
    let opened = FileJournal::open(&path).unwrap();
    let seqs: Vec<u64> = opened.entries.iter().map(|e| e.seq).collect();
    for seq in &acked {
        assert!(seqs.contains(seq), "acknowledged entry {seq} is missing after the crash");
    }
    assert_eq!(seqs, (1..=seqs.len() as u64).collect::<Vec<_>>(), "entries are whole and in order");
    let after = std::fs::read(&path).unwrap();
    match &opened.recovery.torn_tail {
        Some((sidecar, bytes)) => {
            let torn = std::fs::read(sidecar).unwrap();
            assert_eq!(torn.len(), *bytes);
            assert_eq!([after.as_slice(), torn.as_slice()].concat(), before, "file + sidecar = what was on disk");
        }
        None => assert!(after.starts_with(&before), "without a torn tail nothing is removed"),
    }
    println!("acknowledged {}, on disk {}, torn tail: {:?}", acked.len(), seqs.len(), opened.recovery.torn_tail);
}

#[test]
fn a_full_device_gives_a_clear_error_and_keeps_what_was_typed() {
    // Two journals on the device at once: a device is never locked (its lock would be
    // machine-wide, so any other process holding it would fail this test).
    let opened = FileJournal::open(Path::new("/dev/full")).unwrap();
    let mut journal = opened.journal;
    let err = journal.append(Draft::new(Utc::now(), "ana", Kind::Note, "typed")).unwrap_err();
    assert!(matches!(err, JournalError::Write { .. }));
    let message = err.to_string();
    assert!(message.contains("/dev/full") && message.contains("No space left on device"), "{message}");

    // Through the app: the input line keeps the text and says why.
    let config = warroom::config::Config::demo();
    let now = Utc::now();
    let scribe = warroom::scribe::Scribe::start(
        Box::new(FileJournal::open(Path::new("/dev/full")).unwrap().journal),
        vec![],
        &warroom::scribe::Recovery::default(),
        "ana".into(),
        &config.incident,
        now,
    );
    let mut app = warroom::app::App::new(
        &config,
        config.runbooks.clone(),
        warroom::theme::Theme::fallback(false),
        scribe,
        None,
        now,
    );
    use crossterm::event::{KeyCode, KeyEvent};
    for code in [KeyCode::Char('n'), KeyCode::Char('h'), KeyCode::Char('i'), KeyCode::Enter] {
        app.handle(warroom::app::Msg::Key(KeyEvent::from(code)));
    }
    let compose = app.view.compose.as_ref().expect("the input stays open");
    assert_eq!(compose.line.text(), "hi");
    assert!(compose.error.as_deref().unwrap().contains("No space left"));
    assert!(app.scribe.error.is_some(), "the header shows the journal error");
}

#[test]
fn an_unwritable_location_gives_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let readonly = dir.path().join("ro");
    std::fs::create_dir(&readonly).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&readonly, std::fs::Permissions::from_mode(0o500)).unwrap();
    }
    // root ignores directory permissions; sysfs refuses new files even to root.
    let writable_anyway = std::fs::write(readonly.join("probe"), b"").is_ok();
    let target =
        if writable_anyway { Path::new("/sys/fs/warroom-journal.jsonl").to_owned() } else { readonly.join("j.jsonl") };
    let err = FileJournal::open(&target).unwrap_err();
    let message = err.to_string();
    assert!(message.contains(&target.display().to_string()), "{message}");
    assert!(message.contains("Permission denied") || message.contains("Read-only"), "{message}");

    let out = Command::new(env!("CARGO_BIN_EXE_warroom"))
        .args(["demo", "--journal", target.to_str().unwrap()])
        .env("XDG_STATE_HOME", dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot open journal") && !stderr.contains("panicked"), "{stderr}");
}

#[test]
fn four_processes_append_to_one_journal_in_one_order_and_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared.jsonl");
    let helper = journal_writer();
    let mut children: Vec<_> = (0..4)
        .map(|_| Command::new(&helper).arg(&path).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap())
        .collect();
    let readers: Vec<_> = children
        .iter_mut()
        .map(|c| {
            let out = BufReader::new(c.stdout.take().unwrap());
            std::thread::spawn(move || {
                out.lines()
                    .map_while(Result::ok)
                    .filter_map(|l| l.strip_prefix("ACK ").map(|s| s.parse::<u64>().unwrap()))
                    .collect::<Vec<u64>>()
            })
        })
        .collect();
    // Let them contend for a while, then kill them all mid-append.
    let started = std::time::Instant::now();
    while started.elapsed() < std::time::Duration::from_secs(2) {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    for c in &mut children {
        c.kill().unwrap();
        c.wait().unwrap();
    }
    let acked: Vec<Vec<u64>> = readers.into_iter().map(|r| r.join().unwrap()).collect();
    assert!(
        acked.iter().all(|a| !a.is_empty()),
        "every writer got appends in: {:?}",
        acked.iter().map(Vec::len).collect::<Vec<_>>()
    );

    let opened = FileJournal::open(&path).unwrap();
    let seqs: Vec<u64> = opened.entries.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=seqs.len() as u64).collect::<Vec<_>>(), "one total order: 1, 2, 3, … with no gap or repeat");
    let mut all: Vec<u64> = acked.concat();
    let count = all.len();
    all.sort_unstable();
    all.dedup();
    assert_eq!(all.len(), count, "no seq was given to two writers");
    for seq in &all {
        assert!(seqs.contains(seq), "acknowledged entry {seq} is missing");
    }
    println!("4 writers acknowledged {count}, on disk {}", seqs.len());
}
