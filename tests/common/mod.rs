//! Shared helpers for integration tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod arc_fake;
pub mod aws_world;
pub mod moto;
pub mod proxy;
pub mod recorded;
pub mod session;
pub mod store;
pub mod tmux;

use chrono::{DateTime, Duration, TimeZone, Utc};

/// What a Rust `{:?}` print leaves in text: none of it may reach a person (issue 25).
pub const DEBUG_MARKERS: [&str; 4] = ["{ kind:", "Some(", "source:", "(None)"];

/// `assert_no_debug_text` in a chain: `cmd.output().map(common::no_debug_text).unwrap()`.
pub fn no_debug_text(out: std::process::Output) -> std::process::Output {
    assert_no_debug_text(&out);
    out
}

/// Fail when a command's stdout or stderr holds a debug print instead of a sentence.
pub fn assert_no_debug_text(out: &std::process::Output) {
    for (name, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        let text = String::from_utf8_lossy(bytes);
        // `resource:` in an AWS message is a sentence, not a debug print.
        let scrubbed = text.replace("resource:", "resource -");
        for marker in DEBUG_MARKERS {
            assert!(!scrubbed.contains(marker), "{name} holds the debug text `{marker}`:\n{text}");
        }
    }
}
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use warroom::app::App;
use warroom::config::Config;
use warroom::theme::Theme;

pub fn epoch() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 3, 0, 0).single().unwrap()
}

/// An app that has watched the demo world from its start until `at`, as the TUI would have.
pub fn demo_app(regions: usize, seed: u64, at: Duration) -> App {
    let mut config = Config::demo();
    config.regions = Config::default_regions(regions);
    warroom::runtime::session::replayed_app(&config, seed, epoch(), at, Theme::fallback(false))
}

/// Draw `app` into a `width`×`height` test terminal and return the screen as text.
pub fn render(app: &mut App, width: u16, height: u16) -> String {
    app.handle(warroom::app::Msg::Resize { width, height });
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| warroom::ui::draw(f, app)).unwrap();
    buffer_text(terminal.backend().buffer())
}

pub fn buffer_text(buffer: &ratatui::buffer::Buffer) -> String {
    let mut out = String::new();
    for y in 0..buffer.area.height {
        let mut line = String::new();
        for x in 0..buffer.area.width {
            line.push_str(buffer[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Hide text that changes from run to run on a real clock: the header clock and ages.
pub fn volatile_filters() -> Vec<(&'static str, &'static str)> {
    vec![
        (r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC", "[clock]"),
        (r"\d{2}:\d{2}:\d{2}Z", "[clock]"),
        (r" {1,3}\d{1,3}[smhd](!?)([┃│])", " [age]$1$2"),
    ]
}

/// The screen as text with its styles: each row, then the runs of cells on it whose style is
/// not the terminal default, as `from-to fg bg +modifiers`. A tone drawn in the wrong colour,
/// or a colour leaking under `NO_COLOR`, changes this where plain text would not.
pub fn styled_text(buffer: &ratatui::buffer::Buffer) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    for y in 0..buffer.area.height {
        let mut line = String::new();
        for x in 0..buffer.area.width {
            line.push_str(buffer[(x, y)].symbol());
        }
        let _ = writeln!(out, "{:>2} {}", y, line.trim_end());
        let style_of = |x: u16| {
            let c = &buffer[(x, y)];
            (c.fg, c.bg, c.modifier)
        };
        let mut x = 0;
        let mut runs = Vec::new();
        while x < buffer.area.width {
            let style = style_of(x);
            let start = x;
            while x < buffer.area.width && style_of(x) == style {
                x += 1;
            }
            let (fg, bg, modifier) = style;
            if (fg, bg, modifier)
                == (ratatui::style::Color::Reset, ratatui::style::Color::Reset, ratatui::style::Modifier::empty())
            {
                continue;
            }
            let mut run = format!("{start}-{}", x - 1);
            if fg != ratatui::style::Color::Reset {
                let _ = write!(run, " fg={fg}");
            }
            if bg != ratatui::style::Color::Reset {
                let _ = write!(run, " bg={bg}");
            }
            if !modifier.is_empty() {
                let _ = write!(run, " +{modifier:?}");
            }
            runs.push(run);
        }
        if !runs.is_empty() {
            let _ = writeln!(out, "   ^ {}", runs.join("; "));
        }
    }
    out
}

/// A helper program of the tests (an `[[example]]` under tests/helpers/), built with the same
/// cargo and profile as the running test, so a filtered `cargo test` finds it too.
pub fn helper_program(name: &str) -> std::path::PathBuf {
    use std::path::Path;
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().and_then(Path::parent).expect("the test runs from target/PROFILE/deps");
    let mut cargo = std::process::Command::new(env!("CARGO"));
    cargo.args(["build", "--quiet", "--locked", "--example", name]).current_dir(env!("CARGO_MANIFEST_DIR"));
    if profile_dir.file_name().is_some_and(|n| n == "release") {
        cargo.arg("--release");
    }
    let status = cargo.status().expect("cargo runs");
    assert!(status.success(), "building the {name} helper failed: {status}");
    let helper = profile_dir.join("examples").join(name);
    assert!(helper.exists(), "the {name} helper is not at {}", helper.display());
    helper
}
