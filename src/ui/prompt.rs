//! Small overlays: one timeline entry in full (to read and copy what its row cuts off), and
//! the quit question that names what quitting would abandon.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::app::{App, Overlay};
use crate::text::sanitize::inert;
use crate::theme::Tone;

pub fn entry(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let Overlay::Entry(id) = &app.view.overlay else { return };
    let Some(e) = app.scribe.timeline.entries().iter().find(|e| &e.id == id) else { return };
    let t = &app.view.theme;
    let mut lines = vec![
        Line::from(Span::styled(
            format!(
                "#{} · {} · {} · {}{}{}",
                e.seq,
                e.at.format("%Y-%m-%d %H:%M:%S UTC"),
                inert(&e.author),
                e.kind.as_str(),
                e.region.as_deref().map(|r| format!(" · {}", inert(r))).unwrap_or_default(),
                e.step.as_deref().map(|s| format!(" · step {}", inert(s))).unwrap_or_default(),
            ),
            t.style(Tone::Muted),
        )),
        Line::default(),
        Line::from(Span::styled(inert(&e.text), t.style(Tone::Text))),
    ];
    if let Some(data) = &e.data {
        lines.push(Line::default());
        lines.push(Line::from(Span::styled(inert(&data.to_string()), t.style(Tone::Muted))));
    }
    lines.push(Line::default());
    lines.push(Line::from(Span::styled("y copy (OSC 52) · Esc/Enter close", t.style(Tone::Accent))));
    let width = 100.min(area.width.saturating_sub(2));
    let text_width = width.saturating_sub(2).max(1);
    let rows: u16 = lines.iter().map(|l| (l.width() as u16).div_ceil(text_width).max(1)).sum();
    let inner =
        super::overlay_box(frame, area, (width, (rows + 2).min(area.height)), app, " Timeline entry ", Tone::Accent);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

/// The quit question's lines (also drawn inside the "too small" message).
pub fn quit_lines(app: &App) -> Vec<Line<'static>> {
    let Some(what) = &app.view.quit_prompt else { return Vec::new() };
    let t = &app.view.theme;
    vec![
        Line::from(Span::styled(format!("Quit? This abandons: {}", inert(what)), t.style(Tone::Critical))),
        Line::from(Span::styled("y quit · Esc stay · Ctrl-C again quits at once", t.style(Tone::Accent))),
    ]
}

pub fn quit(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let lines = quit_lines(app);
    if lines.is_empty() {
        return;
    }
    let width = 90.min(area.width.saturating_sub(2));
    let text_width = width.saturating_sub(2).max(1);
    let rows: u16 = lines.iter().map(|l| (l.width() as u16).div_ceil(text_width).max(1)).sum();
    let inner = super::overlay_box(frame, area, (width, rows + 2), app, " Quit? ", Tone::Critical);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}
