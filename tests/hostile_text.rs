//! Outside text is inert on every path it is printed: stderr, the snapshot table, run-step's
//! echo, the three exports, and the TUI's buffer. No ESC, BEL, C1, DEL, bidi or zero-width
//! character survives raw, whatever string a journal, config, flag or network hands in.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::process::Command;

use warroom::scribe::{Draft, Kind};
use warroom::text::sanitize::{HOSTILE_SAMPLES, is_hostile};

/// Line breaks (and CSV's CR) structure output; every other hostile character must be gone.
fn assert_inert(path: &str, sample: &str, out: &str) {
    let raw: Vec<char> = out.chars().filter(|c| is_hostile(*c) && !matches!(c, '\n' | '\r')).collect();
    assert!(raw.is_empty(), "{path} let {raw:?} through raw for sample {sample:?}:\n{out}");
}

#[test]
fn every_output_path_makes_hostile_text_inert() {
    let dir = tempfile::tempdir().unwrap();
    for (i, sample) in HOSTILE_SAMPLES.iter().enumerate() {
        // A journal holding the sample as a note, and as an author's name.
        let journal = dir.path().join(format!("j{i}.jsonl"));
        let out = Command::new(env!("CARGO_BIN_EXE_warroom"))
            .args(["run-step", "scope", "--runbook", "pre-failover", "--demo", "--confirm", "us-west-2"])
            .args(["--journal", journal.to_str().unwrap(), "--note", sample, "--as", "ana"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert_inert("run-step stdout", sample, &String::from_utf8_lossy(&out.stdout));
        assert_inert("run-step stderr", sample, &String::from_utf8_lossy(&out.stderr));
        assert!(std::fs::read_to_string(&journal).unwrap().contains(&serde_json::to_string(sample).unwrap()[1..3]));
        // --as refuses it at the door, in inert words; a journal written elsewhere may still
        // carry it as an author, which every export below must make inert.
        let refused = Command::new(env!("CARGO_BIN_EXE_warroom"))
            .args(["run-step", "scope", "--runbook", "pre-failover", "--demo", "--confirm", "us-west-2"])
            .args(["--journal", journal.to_str().unwrap(), "--note", "n", "--as", sample])
            .output()
            .unwrap();
        assert_eq!(refused.status.code(), Some(2), "{}", String::from_utf8_lossy(&refused.stderr));
        assert_inert("the refused --as", sample, &String::from_utf8_lossy(&refused.stderr));
        {
            let mut opened = warroom::scribe::journal::FileJournal::open(&journal).unwrap();
            let at = chrono::Utc::now();
            warroom::scribe::JournalStore::append(&mut opened.journal, Draft::new(at, *sample, Kind::Note, "by them"))
                .unwrap();
        }

        for format in ["md", "csv", "json"] {
            let out = Command::new(env!("CARGO_BIN_EXE_warroom"))
                .args(["export", journal.to_str().unwrap(), "--format", format])
                .output()
                .unwrap();
            assert!(out.status.success());
            assert_inert(format, sample, &String::from_utf8_lossy(&out.stdout));
        }

        // An error that names a path from the command line.
        let missing = dir.path().join(format!("missing-{sample}.jsonl"));
        let out = Command::new(env!("CARGO_BIN_EXE_warroom"))
            .args(["export", missing.to_str().unwrap(), "--format", "md"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert_inert("an error on stderr", sample, &String::from_utf8_lossy(&out.stderr));

        // The snapshot table, with an incident name that slipped past a config (built in code).
        let mut config = warroom::config::Config::demo();
        config.incident.name = format!("checkout {sample}");
        let (snapshot, now) =
            warroom::modes::snapshot::simulate(&config, 42, common::epoch(), chrono::Duration::minutes(3));
        let (table, _) = warroom::modes::snapshot::render(&config, &snapshot, now, None, false).unwrap();
        assert_inert("snapshot table", sample, &table);
        let (json, _) = warroom::modes::snapshot::render(&config, &snapshot, now, None, true).unwrap();
        assert_inert("snapshot json", sample, &json);

        // The TUI: a note and an author in the timeline, at both layouts.
        let mut app = common::demo_app(2, 42, chrono::Duration::minutes(2));
        let at = app.now;
        app.scribe.record(Draft::new(at, *sample, Kind::Note, format!("note {sample}"))).unwrap();
        for (w, h) in [(160, 48), (80, 24)] {
            assert_inert("the TUI buffer", sample, &common::render(&mut app, w, h));
        }
    }
}
