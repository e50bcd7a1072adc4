//! Dialogs: confirm a changing step by typing its region, override failed guards with a
//! reason, declare. Each states exactly what will happen.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::app::{App, Modal};
use crate::input::LineInput;
use crate::runbook::GuardResult;
use crate::sanitize::inert;
use crate::theme::{Theme, Tone};

/// Width of the guard-name column: the longest name, so reasons line up.
pub fn guard_width(guards: &[GuardResult]) -> usize {
    guards.iter().map(|g| g.guard.to_string().chars().count()).max().unwrap_or(0)
}

fn guard_lines(t: &Theme, guards: &[GuardResult], overridden: bool) -> Vec<Line<'static>> {
    let w = guard_width(guards);
    guards
        .iter()
        .map(|g| {
            let (mark, tone) = match (g.ok, overridden) {
                (true, _) => ("✓", Tone::Ok),
                (false, true) => ("✗", Tone::Warn),
                (false, false) => ("✗", Tone::Critical),
            };
            let note = if !g.ok && overridden { "  (overridden)" } else { "" };
            Line::from(Span::styled(format!("  {mark} {:<w$}  {}{note}", g.guard.to_string(), g.reason), t.style(tone)))
        })
        .collect()
}

fn field(t: &Theme, label: &str, value: String) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{label:<16}"), t.style(Tone::Muted)),
        Span::styled(value, t.style(Tone::Text)),
    ])
}

pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let Some(modal) = &app.modal else { return };
    let t = &app.theme;
    let name = |at: crate::runbook::StepRef| app.step(at).map(|s| s.id.clone()).unwrap_or_default();
    let (title, mut lines, input, error, tone) = match modal {
        Modal::Declare { step } => {
            let Some(book) = app.runs.runbooks.get(step.runbook) else { return };
            let (source, target) = app.regions_for(book.direction);
            let region = |i: usize| app.snapshot.regions.get(i).map_or("?", |r| r.name.as_str()).to_owned();
            let lines = vec![
                Line::from(Span::styled(
                    format!("Declare: {} from {} to {}.", book.title, region(source), region(target)),
                    t.style(Tone::Text),
                )),
                Line::from(Span::styled(
                    "Journaled as a decision; it starts the declare clock. Nothing in AWS changes.",
                    t.style(Tone::Muted),
                )),
                Line::default(),
                Line::from(Span::styled("Enter declares · Esc cancels", t.style(Tone::Accent))),
            ];
            (format!(" Declare: {} ", name(*step)), lines, None, None, Tone::Accent)
        }
        Modal::Override { step, failed, input, error } => {
            let mut lines = vec![Line::from(Span::styled("These guards fail:", t.style(Tone::Text)))];
            lines.extend(guard_lines(t, failed, false));
            lines.push(Line::default());
            lines.push(Line::from(Span::styled(
                "Overriding is journaled as a guard-override with these guards and your reason.",
                t.style(Tone::Muted),
            )));
            lines.push(Line::from(Span::styled(
                "Type why it is safe to go on, then Enter · Esc cancels",
                t.style(Tone::Accent),
            )));
            (format!(" Override guards: {} ", name(*step)), lines, Some(input), error.as_deref(), Tone::Warn)
        }
        Modal::Confirm { step, action, guards, override_reason, input, error } => {
            let mut lines = vec![Line::from(Span::styled(action.describe(), t.style(Tone::Text))), Line::default()];
            lines.push(field(t, "Target region", action.region().to_owned()));
            lines.push(field(t, "Resource", action.resource()));
            if let Some(reason) = override_reason {
                lines.push(field(t, "Override reason", inert(reason)));
            }
            lines.push(Line::from(Span::styled("Guards", t.style(Tone::Muted))));
            lines.extend(guard_lines(t, guards, override_reason.is_some()));
            lines.push(Line::default());
            lines.push(Line::from(Span::styled(
                format!("Type {} and press Enter to run · Esc cancels", action.region()),
                t.style(Tone::Accent),
            )));
            (format!(" Confirm: {} ", name(*step)), lines, Some(input), error.as_deref(), Tone::Critical)
        }
    };
    if let Some(e) = error {
        lines.push(Line::from(Span::styled(inert(e), t.style(Tone::Critical))));
    }
    let input_rows = u16::from(input.is_some());
    let width = 96.min(area.width.saturating_sub(2));
    let text_width = width.saturating_sub(2).max(1);
    let wrapped: u16 = lines.iter().map(|l| (l.width() as u16).div_ceil(text_width).max(1)).sum();
    let height = (wrapped + input_rows + 2).min(area.height);
    let inner = super::overlay_box(frame, area, (width, height), app, &title, tone);
    let [text_area, input_area] = Layout::vertical([Constraint::Fill(1), Constraint::Length(input_rows)]).areas(inner);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), text_area);
    if let Some(input) = input {
        draw_input(frame, input_area, t, input);
    }
}

fn draw_input(frame: &mut Frame<'_>, area: Rect, t: &Theme, input: &LineInput) {
    let prompt = "> ";
    let text = inert(input.text());
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(prompt, t.style(Tone::Accent)),
            Span::styled(text, t.style(Tone::Text)),
        ])),
        area,
    );
    let x = area
        .x
        .saturating_add(u16::try_from(prompt.len() + input.cursor()).unwrap_or(0))
        .min(area.right().saturating_sub(1));
    frame.set_cursor_position(Position::new(x, area.y));
}
