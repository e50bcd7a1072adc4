//! Dialogs: confirm a changing step by typing its region, override failed guards with a
//! reason, declare. Each states exactly what will happen.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::app::line_input::LineInput;
use crate::app::{App, Modal, Override};
use crate::assess::guard::GuardResult;
use crate::text::sanitize::inert;
use crate::theme::{Theme, Tone};

/// Width of the guard-name column: the longest name, so reasons line up.
pub fn guard_width(guards: &[GuardResult]) -> usize {
    guards.iter().map(|g| crate::text::width::width(&g.guard.to_string())).max().unwrap_or(0)
}

/// Guards as judged this frame. A failing guard the override covers is amber; one it does not
/// cover (it failed after the override was typed, or there is none) is red, and refuses Enter.
fn guard_lines(t: &Theme, guards: &[GuardResult], overridden: Option<&Override>) -> Vec<Line<'static>> {
    let w = guard_width(guards);
    guards
        .iter()
        .map(|g| {
            let covered = overridden.is_some_and(|o| o.guards.iter().any(|c| c.guard == g.guard));
            let (mark, tone, note) = match (g.ok, covered, overridden.is_some()) {
                (true, _, _) => ("✓", Tone::Ok, ""),
                (false, true, _) => ("✗", Tone::Warn, "  (overridden)"),
                (false, false, true) => ("✗", Tone::Critical, "  (failed since the override: Enter refuses)"),
                (false, false, false) => ("✗", Tone::Critical, ""),
            };
            Line::from(Span::styled(
                format!("  {mark} {:<w$}  {}{note}", g.guard.to_string(), inert(&g.reason)),
                t.style(tone),
            ))
        })
        .collect()
}

fn field(t: &Theme, label: &str, value: String) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{label:<16}"), t.style(Tone::Muted)),
        Span::styled(value, t.style(Tone::Text)),
    ])
}

/// What the override costs, in the world's own terms.
fn cost_lines(t: &Theme, app: &App, step: crate::runbook::StepRef) -> Vec<Line<'static>> {
    app.override_cost(step)
        .into_iter()
        .map(|c| {
            Line::from(vec![
                Span::styled(format!("{:<16}", "Cost"), t.style(Tone::Muted)),
                Span::styled(c, t.style(Tone::Critical)),
            ])
        })
        .collect()
}

pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let Some(modal) = &app.view.modal else { return };
    let t = &app.view.theme;
    let name = |at: crate::runbook::StepRef| app.step(at).map(|s| s.id.clone()).unwrap_or_default();
    let (title, mut lines, input, error, tone) = match modal {
        Modal::Declare { step, overridden } => {
            let Some(book) = app.runs.runbooks.get(step.runbook) else { return };
            let (source, target) = app.regions_for(book.direction);
            let region = |i: usize| app.snapshot.regions.get(i).map_or("?", |r| r.name.as_str()).to_owned();
            let mut lines = vec![
                Line::from(Span::styled(
                    format!("Declare: {} from {} to {}.", book.title, region(source), region(target)),
                    t.style(Tone::Text),
                )),
                Line::from(Span::styled(
                    "Journaled as a decision; it starts the declare clock. Nothing in AWS changes.",
                    t.style(Tone::Muted),
                )),
            ];
            let guards = app.guards(*step);
            if !guards.is_empty() {
                lines.push(Line::from(Span::styled("Guards (judged now)", t.style(Tone::Muted))));
                lines.extend(guard_lines(t, &guards, overridden.as_ref()));
            }
            lines.push(Line::default());
            lines.push(Line::from(Span::styled("Enter declares · Esc cancels", t.style(Tone::Accent))));
            (format!(" Declare: {} ", name(*step)), lines, None, None, Tone::Accent)
        }
        Modal::Override { step, input, error } => {
            let failed: Vec<GuardResult> = app.guards(*step).into_iter().filter(|g| !g.ok).collect();
            let mut lines = vec![Line::from(Span::styled("These guards fail (judged now):", t.style(Tone::Text)))];
            lines.extend(guard_lines(t, &failed, None));
            lines.extend(cost_lines(t, app, *step));
            lines.push(Line::default());
            lines.push(Line::from(Span::styled(
                "The override covers these guards only, and is journaled with the step and your reason.",
                t.style(Tone::Muted),
            )));
            lines.push(Line::from(Span::styled(
                "Type why it is safe to go on, then Enter · Esc cancels",
                t.style(Tone::Accent),
            )));
            (format!(" Override guards: {} ", name(*step)), lines, Some(input), error.as_deref(), Tone::Warn)
        }
        Modal::Confirm { step, action, overridden, input, error } => {
            let mut lines = vec![Line::from(Span::styled(action.describe(), t.style(Tone::Text))), Line::default()];
            lines.push(field(t, "Target region", action.region().to_owned()));
            lines.push(field(t, "Resource", inert(&action.resource())));
            if let Some(o) = overridden {
                lines.push(field(t, "Override reason", inert(&o.reason)));
                lines.extend(cost_lines(t, app, *step));
            }
            lines.push(Line::from(Span::styled("Guards (judged now)", t.style(Tone::Muted))));
            lines.extend(guard_lines(t, &app.guards(*step), overridden.as_ref()));
            lines.push(Line::default());
            lines.push(Line::from(Span::styled(
                format!("Type {} and press Enter to run · Esc cancels", action.region()),
                t.style(Tone::Accent),
            )));
            (format!(" Confirm: {} ", name(*step)), lines, Some(input), error.as_deref(), Tone::Critical)
        }
        Modal::ConfirmSkip { step, reason, input, error } => {
            let region = app.step_region(*step);
            let lines = vec![
                Line::from(Span::styled(
                    format!("Skip {}: it would have acted in {region}; nothing is sent.", name(*step)),
                    t.style(Tone::Text),
                )),
                field(t, "Reason", inert(reason)),
                Line::from(Span::styled(
                    "Steps that wait for it treat it as passed; its own guard (if any) still judges the world.",
                    t.style(Tone::Muted),
                )),
                Line::default(),
                Line::from(Span::styled(
                    format!("Type {region} and press Enter to skip · Esc cancels"),
                    t.style(Tone::Accent),
                )),
            ];
            (format!(" Skip: {} ", name(*step)), lines, Some(input), error.as_deref(), Tone::Warn)
        }
        Modal::Approve { step, input, error } => {
            let Some(request) = app.runs.approval(*step) else { return };
            let mut lines = vec![Line::from(Span::styled(
                format!(
                    "{} asks to run {} in {} (requested {}).",
                    inert(&request.requester),
                    name(*step),
                    request.region,
                    request.requested_at.format("%H:%M:%S")
                ),
                t.style(Tone::Text),
            ))];
            if let Some(action) = app.action_for(*step) {
                lines.push(Line::from(Span::styled(action.describe(), t.style(Tone::Muted))));
            }
            lines.push(Line::from(Span::styled("Guards (judged now)", t.style(Tone::Muted))));
            lines.extend(guard_lines(t, &app.guards(*step), None));
            lines.push(Line::from(Span::styled(
                "Their terminal judges the guards again when it runs the step.",
                t.style(Tone::Muted),
            )));
            lines.push(Line::default());
            lines.push(Line::from(Span::styled(
                format!("Type {} and press Enter to approve · Esc leaves it waiting", request.region),
                t.style(Tone::Accent),
            )));
            (format!(" Approve: {} ", name(*step)), lines, Some(input), error.as_deref(), Tone::Critical)
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
