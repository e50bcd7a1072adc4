//! The child process of `aws_store::kill_9_with_a_spool_then_a_restart_uploads_it_first`:
//! opens the DynamoDB journal store (region endpoints from its arguments) with the spool
//! named there, appends COUNT entries, printing each id once the spool has it (fsynced),
//! then waits forever for the kill. Built as an example so that it is a program, not a test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::io::Write;

#[path = "../common/store.rs"]
#[allow(dead_code)]
mod store;

use warroom::aws::shared_journal::DynamoJournal;
use warroom::scribe::{Draft, JournalStore, Kind};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [url, spool, count] = args.as_slice() else {
        eprintln!("usage: store_writer ENDPOINT SPOOL COUNT");
        std::process::exit(2);
    };
    let count: usize = count.parse().unwrap();
    let regions = store::regions([url, url], false);
    let mut store = DynamoJournal::open(
        "inc-kill",
        "warroom-incidents",
        regions,
        std::path::Path::new(spool),
        chrono::Duration::seconds(60),
    )
    .unwrap();
    let mut out = std::io::stdout().lock();
    for i in 0..count {
        let entry = store.append(Draft::new(chrono::Utc::now(), "child", Kind::Note, format!("entry {i}"))).unwrap();
        writeln!(out, "ACK {}", entry.id).unwrap();
        out.flush().unwrap();
    }
    loop {
        std::thread::sleep(std::time::Duration::from_secs(1));
    }
}
