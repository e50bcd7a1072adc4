//! The `?` overlay: every binding from the one table, and how to read the colours.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::App;
use crate::keys::{self, BINDINGS, Context};
use crate::theme::Tone;

const WIDTH: u16 = 76;

/// How many lines of help do not fit at `viewport` (0 when all fit): the scroll range.
pub fn overflow((width, height): (u16, u16), drill: bool) -> u16 {
    let theme = crate::theme::Theme::fallback(false);
    let rows = columns(content(&theme, drill), width).iter().map(Vec::len).max().unwrap_or(0);
    (u16::try_from(rows).unwrap_or(u16::MAX) + 2).saturating_sub(height)
}

/// The help in one column, or in two side by side where the terminal is wide enough (split
/// at a section break), so a tall table still fits one screen.
fn columns(lines: Vec<Line<'static>>, width: u16) -> Vec<Vec<Line<'static>>> {
    if width < 2 * WIDTH + 2 {
        return vec![lines];
    }
    let half = lines.len().div_ceil(2);
    let split = (half..lines.len()).find(|i| lines[*i].width() == 0).map_or(half, |i| i + 1);
    let mut left = lines;
    let right = left.split_off(split.min(left.len()));
    vec![left, right]
}

/// The drill's own keys are listed in drills only, where they work.
fn content(t: &crate::theme::Theme, drill: bool) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    let drill_contexts: &[Context] = if drill { &[Context::FaultMenu, Context::Scorecard] } else { &[] };
    let contexts = [
        Context::Dashboard,
        Context::Input,
        Context::Modal,
        Context::Entry,
        Context::QuitPrompt,
        Context::TooSmall,
        Context::Global,
        Context::Help,
    ];
    for context in contexts.into_iter().chain(drill_contexts.iter().copied()) {
        lines.push(Line::from(Span::styled(context.title(), t.style(Tone::Accent))));
        for b in BINDINGS.iter().filter(|b| b.context == context) {
            lines.push(Line::from(vec![
                Span::styled(format!("  {:<16}", keys::keys_label(b)), t.style(Tone::Text)),
                Span::styled(b.description, t.style(Tone::Muted)),
            ]));
        }
        if context == Context::Input {
            lines.push(Line::from(Span::styled(format!("  {}", crate::input::EDITING_HELP), t.style(Tone::Muted))));
        }
        lines.push(Line::default());
    }
    lines.push(Line::from(Span::styled("Reading the screen", t.style(Tone::Accent))));
    lines.push(Line::from(vec![
        Span::styled("  ok", t.style(Tone::Ok)),
        Span::raw("  "),
        Span::styled("past half the limit", t.style(Tone::Warn)),
        Span::raw("  "),
        Span::styled("past the limit", t.style(Tone::Critical)),
        Span::raw("  "),
        Span::styled("stale", t.style(Tone::Stale)),
    ]));
    lines.push(Line::from(Span::styled(
        "  Stale (older than 3 polls): dimmed, age marked '!', never trusted.",
        t.style(Tone::Muted),
    )));
    lines.push(Line::from(Span::styled(
        "  SERVING (thick border): the region Route 53 answers with.",
        t.style(Tone::Muted),
    )));
    lines
}

pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let t = &app.theme;
    let cols = columns(content(t, app.drill.is_some()), area.width);
    let rows = cols.iter().map(Vec::len).max().unwrap_or(0) as u16;
    let height = (rows + 2).min(area.height);
    let width = (WIDTH * cols.len() as u16).min(area.width);
    let scrollable = rows + 2 > area.height;
    let title =
        if scrollable { " Help — ↑↓ scroll · Esc or ? to close " } else { " Help — Esc or ? to close " };
    let inner = super::overlay_box(frame, area, (width, height), app, title, Tone::Accent);
    let areas =
        ratatui::layout::Layout::horizontal(vec![ratatui::layout::Constraint::Fill(1); cols.len()]).split(inner);
    for (lines, column) in cols.into_iter().zip(areas.iter()) {
        frame.render_widget(Paragraph::new(lines).scroll((app.help_scroll, 0)), *column);
    }
}
