//! The `?` overlay: every binding from the one table, and how to read the colours.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::app::App;
use crate::keys::{self, BINDINGS, Context};
use crate::theme::Tone;

pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let t = &app.theme;
    let mut lines = Vec::new();
    for context in [Context::Dashboard, Context::Global, Context::Help] {
        lines.push(Line::from(Span::styled(context.title(), t.style(Tone::Accent))));
        for b in BINDINGS.iter().filter(|b| b.context == context) {
            lines.push(Line::from(vec![
                Span::styled(format!("  {:<16}", keys::keys_label(b)), t.style(Tone::Text)),
                Span::styled(b.description, t.style(Tone::Muted)),
            ]));
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
        "  A value older than 3 poll intervals is stale: dimmed, its age marked '!', never counted as healthy.",
        t.style(Tone::Muted),
    )));
    lines.push(Line::from(Span::styled(
        "  SERVING marks the region Route 53 answers with; a thick border shows it too.",
        t.style(Tone::Muted),
    )));

    let height = (lines.len() as u16 + 2).min(area.height);
    let width = 76.min(area.width);
    let [popup] = Layout::horizontal([Constraint::Length(width)]).flex(Flex::Center).areas(area);
    let [popup] = Layout::vertical([Constraint::Length(height)]).flex(Flex::Center).areas(popup);
    frame.render_widget(Clear, popup);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.style(Tone::Accent))
        .title(Span::styled(" Help — Esc or ? to close ", t.style(Tone::Accent)));
    frame.render_widget(Paragraph::new(lines).block(block).wrap(Wrap { trim: false }), popup);
}
