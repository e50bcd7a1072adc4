//! `warroom export JOURNAL --format md|csv|json`: read the journal, report what is malformed,
//! and write the review's text to stdout or, replaced whole, to `-o FILE`.

use std::path::PathBuf;

use clap::Args;

use crate::runtime::exit::Failure;
use crate::runtime::output::{write_atomically, write_stdout};

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The journal file (JSON Lines) to export.
    pub journal: PathBuf,
    #[arg(long, value_enum)]
    pub format: crate::review::export::Format,
    /// Time zone for times: UTC (default), an IANA name like Europe/Berlin, or +05:30.
    #[arg(long, value_name = "ZONE", default_value = "UTC", value_parser = crate::review::export::Zone::parse)]
    pub tz: crate::review::export::Zone,
    /// Write here instead of stdout (replaced whole, never half-written).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Fail (exit 2) on malformed lines instead of reporting and skipping them.
    #[arg(long)]
    pub strict: bool,
}

pub fn run(args: &ExportArgs) -> Result<(), Failure> {
    use crate::review::export;
    use crate::scribe::journal;
    let (entries, malformed) = journal::read_file(&args.journal).map_err(|e| Failure::usage(e.to_string()))?;
    let name = args.journal.display();
    for m in &malformed {
        crate::text::sanitize::eprint_line(&format!("warroom: {name}:{}: not a valid entry: {}", m.line, m.error));
    }
    let order = journal::check_order(&entries);
    for w in &order.warnings {
        crate::text::sanitize::eprint_line(&format!("warroom: {name}: warning: {w}"));
    }
    for e in &order.errors {
        crate::text::sanitize::eprint_line(&format!("warroom: {name}: {e}"));
    }
    if args.strict && (!malformed.is_empty() || !order.errors.is_empty()) {
        return Err(Failure::usage(format!(
            "{name} has {} malformed line(s) and {} ordering error(s); nothing exported (--strict)",
            malformed.len(),
            order.errors.len()
        )));
    }
    let text = export::render(&entries, args.format, args.tz);
    match &args.output {
        None => write_stdout(&text),
        Some(path) => {
            refuse_export_target(&args.journal, path)?;
            write_atomically(path, text.as_bytes())
                .map_err(|e| Failure::runtime(format!("cannot write {}: {e}", path.display())))
        }
    }
}

/// `-o` never replaces the journal being exported, a journal an open session writes, or
/// anything that is not a regular file (a symlink, FIFO, device or directory).
fn refuse_export_target(journal: &std::path::Path, target: &std::path::Path) -> Result<(), Failure> {
    let refuse = |why: String| Err(Failure::usage(format!("refusing to write {}: {why}", target.display())));
    let Ok(meta) = std::fs::symlink_metadata(target) else { return Ok(()) };
    if meta.file_type().is_symlink() {
        return refuse("it is a symbolic link".into());
    }
    if !meta.is_file() {
        return refuse("it is not a regular file".into());
    }
    let same = match (std::fs::canonicalize(journal), std::fs::canonicalize(target)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if same {
        return refuse("it is the journal being exported; write the export elsewhere".into());
    }
    if let Some(p) = crate::scribe::presence::live(target).first() {
        return refuse(format!("it is a journal {} is writing now ({}, pid {})", p.author, p.host, p.pid));
    }
    Ok(())
}
