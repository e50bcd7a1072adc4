//! Shared helpers for integration tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod aws_world;
pub mod moto;
pub mod proxy;
pub mod session;
pub mod tmux;

use chrono::{DateTime, Duration, TimeZone, Utc};
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
