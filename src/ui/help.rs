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
    let lines = u16::try_from(content(&theme, drill).len()).unwrap_or(u16::MAX);
    let _ = width;
    (lines + 2).saturating_sub(height)
}

/// The drill's own keys are listed in drills only, where they work.
fn content(t: &crate::theme::Theme, drill: bool) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    let drill_contexts: &[Context] = if drill { &[Context::FaultMenu, Context::Scorecard] } else { &[] };
    let contexts = [Context::Dashboard, Context::Input, Context::Modal, Context::Global, Context::Help];
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
    let lines = content(t, app.drill.is_some());
    let height = (lines.len() as u16 + 2).min(area.height);
    let width = WIDTH.min(area.width);
    let scrollable = lines.len() as u16 + 2 > area.height;
    let title =
        if scrollable { " Help — ↑↓ scroll · Esc or ? to close " } else { " Help — Esc or ? to close " };
    let inner = super::overlay_box(frame, area, (width, height), app, title, Tone::Accent);
    frame.render_widget(Paragraph::new(lines).scroll((app.help_scroll, 0)), inner);
}
