//! What every command stands on: how it ends (exit codes, failures), what it writes, the
//! shared arguments, the log file, the terminal, the one interactive loop, and starting a
//! session. Above the app and the panes, below the modes.

pub mod args;
pub mod event_loop;
pub mod exit;
pub mod host;
pub mod logging;
pub mod output;
pub mod session;
pub mod tui;
