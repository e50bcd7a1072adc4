//! Terminal setup and, above all, restoration: on normal exit, on error and on panic.

use std::io;

use ratatui::DefaultTerminal;

/// Restores the terminal when dropped, so every return path (including `?`) leaves the
/// user's shell usable. Panics are covered by the hook `ratatui::try_init` installs.
#[derive(Debug)]
pub struct TerminalGuard(());

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        ratatui::restore();
    }
}

/// Enter raw mode and the alternate screen. Logs the panic (to the log file) before the
/// terminal is restored and the default hook prints it on the normal screen.
pub fn enter() -> io::Result<(DefaultTerminal, TerminalGuard)> {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        tracing::error!(panic = %info, "warroom panicked");
        previous(info);
    }));
    let terminal = ratatui::try_init()?;
    Ok((terminal, TerminalGuard(())))
}
