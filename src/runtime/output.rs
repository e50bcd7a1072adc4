//! What a command writes: JSON as every `--json` prints it, stdout that tolerates a closed
//! pipe, and files replaced whole.

use std::io::Write;

use super::exit::Failure;

/// Pretty JSON with a final newline, as every `--json` prints it.
pub fn json_text(value: &impl serde::Serialize) -> Result<String, Failure> {
    serde_json::to_string_pretty(value)
        .map(|s| crate::text::sanitize::json_escape_all(&s) + "\n")
        .map_err(|e| Failure::runtime(format!("cannot encode JSON: {e}")))
}

pub fn write_stdout(text: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        // A closed pipe (`| head`) is the reader's choice, not our failure.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Failure::runtime(format!("cannot write to stdout: {e}"))),
    }
}

/// Write through a temporary file created O_EXCL beside `path` (never following a symlink),
/// fsync it, rename it over `path`, and fsync the directory: readers see the old file or the
/// new one, never half of one, and a crash keeps one of them. Mode 0600: it holds the incident.
pub fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
    let mut tmp = tempfile::Builder::new().prefix(".warroom-export-").tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file().set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    tmp.persist(path).map_err(|e| e.error)?;
    crate::scribe::journal::sync_dir(path)
}
