//! Terminal setup and, above all, restoration: on normal exit, on error, on panic, on a
//! signal, and around a suspend (Ctrl-Z or SIGTSTP). Bracketed paste is on while warroom owns
//! the terminal, so a paste arrives as one `Event::Paste` (text), never as keys; every path
//! that gives the terminal back turns it off again (`ratatui::restore` alone does not).

use std::io::{self, Write};

use crossterm::event::{DisableBracketedPaste, EnableBracketedPaste};
use crossterm::execute;
use ratatui::DefaultTerminal;

/// Restores the terminal when dropped, so every return path (including `?`) leaves the
/// user's shell usable. Panics are covered by the hook `enter` installs.
#[derive(Debug)]
pub struct TerminalGuard(());

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

/// Give the terminal back: bracketed paste off, raw mode off, main screen, cursor shown.
pub fn restore() {
    let _ = execute!(io::stdout(), DisableBracketedPaste);
    ratatui::restore();
    let _ = io::stdout().flush();
}

/// Enter raw mode, the alternate screen and bracketed paste. Logs a panic (to the log file)
/// and restores the terminal before the default hook prints it on the normal screen.
pub fn enter() -> io::Result<(DefaultTerminal, TerminalGuard)> {
    let terminal = ratatui::try_init()?;
    // ratatui's hook (restore, then the default print) runs after ours.
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        tracing::error!(panic = %info, "warroom panicked");
        let _ = execute!(io::stdout(), DisableBracketedPaste);
        previous(info);
    }));
    let guard = TerminalGuard(());
    execute!(io::stdout(), EnableBracketedPaste)?;
    Ok((terminal, guard))
}

/// Stop the process the way a shell's job control expects: give the terminal back, stop
/// (SIGSTOP cannot be caught, so this returns only after SIGCONT, e.g. `fg`), then take the
/// terminal again and clear it so the next frame redraws everything.
pub fn suspend(terminal: &mut DefaultTerminal) -> io::Result<()> {
    restore();
    signal_hook::low_level::raise(signal_hook::consts::SIGSTOP)?;
    crossterm::terminal::enable_raw_mode()?;
    execute!(io::stdout(), crossterm::terminal::EnterAlternateScreen, EnableBracketedPaste)?;
    terminal.clear()
}
