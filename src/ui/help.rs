//! The `?` overlay: every binding from the one table, and how to read the colours.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::App;
use crate::app::layout::{HELP_WIDTH, HelpLine, help_columns, help_content};
use crate::theme::Tone;

/// Each help line in its style.
fn styled(t: &crate::theme::Theme, line: HelpLine) -> Line<'static> {
    match line {
        HelpLine::Title(title) => Line::from(Span::styled(title, t.style(Tone::Accent))),
        HelpLine::Binding { keys, description } => Line::from(vec![
            Span::styled(format!("  {keys:<16}"), t.style(Tone::Text)),
            Span::styled(description, t.style(Tone::Muted)),
        ]),
        HelpLine::Note(note) => Line::from(Span::styled(format!("  {note}"), t.style(Tone::Muted))),
        HelpLine::Legend => Line::from(vec![
            Span::styled("  ok", t.style(Tone::Ok)),
            Span::raw("  "),
            Span::styled("past half the limit", t.style(Tone::Warn)),
            Span::raw("  "),
            Span::styled("past the limit", t.style(Tone::Critical)),
            Span::raw("  "),
            Span::styled("stale", t.style(Tone::Stale)),
        ]),
        HelpLine::Blank => Line::default(),
    }
}

pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let t = &app.view.theme;
    let content = help_content(&app.help_extras());
    let cols: Vec<Vec<Line<'static>>> = help_columns(content, area.width, |l| *l == HelpLine::Blank)
        .into_iter()
        .map(|col| col.into_iter().map(|l| styled(t, l)).collect())
        .collect();
    let rows = cols.iter().map(Vec::len).max().unwrap_or(0) as u16;
    let height = (rows + 2).min(area.height);
    let width = (HELP_WIDTH * cols.len() as u16).min(area.width);
    let scrollable = rows + 2 > area.height;
    let title =
        if scrollable { " Help — ↑↓ scroll · Esc or ? to close " } else { " Help — Esc or ? to close " };
    let inner = super::overlay_box(frame, area, (width, height), app, title, Tone::Accent);
    let areas =
        ratatui::layout::Layout::horizontal(vec![ratatui::layout::Constraint::Fill(1); cols.len()]).split(inner);
    for (lines, column) in cols.into_iter().zip(areas.iter()) {
        frame.render_widget(Paragraph::new(lines).scroll((app.view.help_scroll, 0)), *column);
    }
}
