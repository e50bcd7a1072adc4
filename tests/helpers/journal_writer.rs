//! The child process of `journal_durability::kill_9_mid_append_loses_nothing_acknowledged`:
//! appends to the journal named by its argument forever, printing each sequence number once
//! `append` has returned (fsynced). Built as an example so that it is a program, not a test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::io::Write;
use std::path::Path;

use chrono::Utc;
use warroom::scribe::{Draft, FileJournal, JournalStore, Kind};

fn main() {
    let Some(path) = std::env::args_os().nth(1) else {
        eprintln!("usage: journal_writer JOURNAL");
        std::process::exit(2);
    };
    let mut opened = FileJournal::open(Path::new(&path)).unwrap();
    let mut out = std::io::stdout().lock();
    for i in 0u64.. {
        let text = format!("entry {i} {}", "x".repeat(300));
        let entry = opened.journal.append(Draft::new(Utc::now(), "child", Kind::Note, text)).unwrap();
        writeln!(out, "ACK {}", entry.seq).unwrap();
        out.flush().unwrap();
    }
}
