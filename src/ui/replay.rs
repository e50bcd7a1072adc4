//! The replay bar: a full-width line above the header, where a drill has its DRILL banner, so
//! a replay is never mistaken for the incident itself, and the panes below sit where they did.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::Span;
use ratatui::widgets::Paragraph;

use super::sanitize;
use crate::app::{App, ReplayBar};
use crate::text::duration::format_whole;
use crate::theme::Tone;

/// The bar's text: what is replayed, playing or paused and how fast, where in the incident,
/// and the next named moment (`m`).
pub fn bar_text(app: &App, bar: &ReplayBar) -> String {
    let whole = format_whole;
    let state = if bar.paused { "⏸ paused".to_owned() } else { format!("▶ ×{}", bar.speed) };
    let next = match bar.next_moment {
        Some((label, at)) => format!("next {label} in {} (m)", whole(at - app.now)),
        None => "no later moment".to_owned(),
    };
    let note = bar.note.as_deref().map(|n| format!(" │ {}", sanitize(n))).unwrap_or_default();
    format!(
        " ◀ REPLAY ▶  {}  │ {state} │ T+{} of {} │ {next}{note} ",
        sanitize(&bar.source),
        whole(app.now - bar.start),
        whole(bar.end - bar.start),
    )
}

pub fn bar(frame: &mut Frame<'_>, area: Rect, app: &App, bar: &ReplayBar) {
    let style = app.view.theme.style(Tone::Accent).add_modifier(Modifier::REVERSED | Modifier::BOLD);
    let padded = crate::text::width::fit(&bar_text(app, bar), usize::from(area.width));
    frame.render_widget(Paragraph::new(Span::styled(padded, style)), area);
}
