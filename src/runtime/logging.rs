//! Logs go to a file in the platform state dir, never to the screen the TUI draws on.

use std::path::PathBuf;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// Where logs go: `$XDG_STATE_HOME/warroom` (or the platform equivalent).
pub fn log_dir() -> Option<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "warroom")?;
    Some(dirs.state_dir().unwrap_or_else(|| dirs.data_local_dir()).to_path_buf())
}

/// Start file logging. Returns the guard that flushes on drop, or a reason logging is off
/// (printed before the TUI starts; the dashboard works without logs).
pub fn init() -> Result<(WorkerGuard, PathBuf), String> {
    let dir = log_dir().ok_or("no home directory to keep logs in")?;
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create log directory {}: {e}", dir.display()))?;
    let appender = tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix("warroom")
        .filename_suffix("log")
        .max_log_files(7)
        .build(&dir)
        .map_err(|e| format!("cannot open a log file in {}: {e}", dir.display()))?;
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = EnvFilter::try_from_env("WARROOM_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init()
        .map_err(|e| format!("logging already set up: {e}"))?;
    Ok((guard, dir))
}

/// `init` for a session: says on stderr why logging is off, if it is. Keep the returned
/// guard alive for the whole session; dropping it flushes the log.
#[must_use = "dropping the guard stops logging"]
pub fn start() -> Option<WorkerGuard> {
    match init() {
        Ok((guard, _)) => Some(guard),
        Err(reason) => {
            crate::text::sanitize::eprint_line(&format!("warroom: logging is off: {reason}"));
            None
        }
    }
}
