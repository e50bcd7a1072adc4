//! The runbook pane: steps with their status, and the selected step's guards and action.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::app::{App, Focus};
use crate::runbook::{StepKind, StepRef, StepStatus, Verdict};
use crate::text::format;
use crate::text::width::{pad, width as text_width};
use crate::theme::{Theme, Tone};

/// What a step's row says, and in which tone: pending steps show ready or blocked.
pub fn status_label(app: &App, at: StepRef) -> (String, Tone) {
    let status = app.runs.status(at);
    // A step waiting on the two-person rule says so until it starts.
    if !matches!(status, StepStatus::Running { .. })
        && let Some(a) = app.runs.approval(at)
    {
        return match &a.approved_by {
            None => ("awaiting approval".into(), Tone::Warn),
            Some(by) => (format!("approved by {by}"), Tone::Accent),
        };
    }
    // Its claim is being asked of the claims region: keys work meanwhile.
    if app.claim_pending(at) {
        return ("claiming…".into(), Tone::Accent);
    }
    // On a shared incident: a step another terminal holds says whose it is.
    if let Some(claim) = app.claim_elsewhere(at) {
        let who = &claim.holder.author;
        let finished = matches!(status, StepStatus::Done { .. } | StepStatus::Skipped { .. });
        if claim.expired(chrono::Utc::now()) && !finished {
            return (format!("claim expired ({who})"), Tone::Critical);
        }
        if matches!(status, StepStatus::Pending | StepStatus::Failed { .. }) {
            return (format!("claimed by {who}"), Tone::Warn);
        }
    }
    match status {
        StepStatus::Pending if app.is_ready(at) => ("ready".into(), Tone::Accent),
        StepStatus::Pending => ("blocked".into(), Tone::Warn),
        StepStatus::Running { since } => (format!("running {}", format::age(app.now - *since)), Tone::Warn),
        StepStatus::Done { at, already: true } => (format!("done {} (already)", at.format("%H:%M:%S")), Tone::Ok),
        StepStatus::Done { at, .. } => (format!("done {}", at.format("%H:%M:%S")), Tone::Ok),
        StepStatus::Failed { .. } => ("FAILED".into(), Tone::Critical),
        StepStatus::Skipped { .. } => ("skipped".into(), Tone::Muted),
    }
}

fn icon(status: &StepStatus, blocked: bool) -> &'static str {
    match status {
        StepStatus::Done { .. } => "✓",
        StepStatus::Skipped { .. } => "-",
        StepStatus::Failed { .. } => "✗",
        StepStatus::Running { .. } => "…",
        StepStatus::Pending if blocked => "!",
        StepStatus::Pending => "·",
    }
}

pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let t = &app.view.theme;
    let Some(book) = app.runs.runbooks.get(app.view.selected_runbook) else { return };
    let (source, target) = app.regions_for(book.direction);
    let name = |i: usize| app.snapshot.regions.get(i).map_or("?", |r| r.name.as_str());
    let title = format!(
        " Runbook: {} ({} → {}) · {}/{} done{} ",
        book.title,
        name(source),
        name(target),
        app.runs.done_count(app.view.selected_runbook),
        book.steps.len(),
        if app.read_only() && !app.replaying() { " · read-only" } else { "" }
    );
    let focused = app.view.focus == Focus::Runbook;
    let hint = " r next runbook ";
    let mut block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.style(if focused { Tone::Accent } else { Tone::Border }))
        .title(Span::styled(title.clone(), t.style(Tone::Accent)));
    if text_width(&title) + text_width(hint) + 4 <= usize::from(area.width) {
        block = block.title(Line::from(Span::styled(hint, t.style(Tone::Muted))).right_aligned());
    }
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height == 0 {
        return;
    }
    let width = usize::from(inner.width);
    let detail = detail_lines(app, width);
    // Steps first; the selected step's details get what is left (at least its first line).
    let rows = usize::from(inner.height);
    let detail_rows = detail.len().min(rows.saturating_sub(book.steps.len().min(rows.saturating_sub(1))).max(1));
    let step_rows = rows.saturating_sub(detail_rows).max(1);
    let first = app.view.selected_step.saturating_sub(step_rows.saturating_sub(1));
    let mut lines: Vec<Line<'_>> = book
        .steps
        .iter()
        .enumerate()
        .skip(first)
        .take(step_rows)
        .map(|(i, step)| {
            let at = StepRef { runbook: app.view.selected_runbook, step: i };
            let status = app.runs.status(at);
            let (label, tone) = status_label(app, at);
            let blocked = label == "blocked";
            let left = format!("{} {:>2} {:<17} ", icon(status, blocked), i + 1, format::truncate(&step.id, 17));
            let room = width.saturating_sub(text_width(&left) + text_width(&label) + 1);
            let mut line = Line::from(vec![
                Span::styled(left, t.style(tone)),
                Span::styled(format!("{} ", pad(&format::truncate(&step.title, room), room)), t.style(Tone::Text)),
                Span::styled(label, t.style(tone)),
            ]);
            if i == app.view.selected_step && focused {
                line = line.patch_style(Style::new().add_modifier(Modifier::REVERSED));
            }
            line
        })
        .collect();
    lines.extend(detail.into_iter().take(detail_rows));
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The selected step: its guards with reasons, then what running it would do.
fn detail_lines(app: &App, width: usize) -> Vec<Line<'static>> {
    let t: &Theme = &app.view.theme;
    let at = app.selected_step();
    let Some(step) = app.step(at) else { return vec![] };
    let mut out = Vec::new();
    match app.runs.status(at) {
        StepStatus::Failed { error, .. } => {
            out.push(Line::from(Span::styled(
                format::truncate(&format!("  failed: {}", crate::text::sanitize::inert(error)), width),
                t.style(Tone::Critical),
            )));
        }
        StepStatus::Skipped { reason, .. } => {
            out.push(Line::from(Span::styled(
                format::truncate(&format!("  skipped: {}", crate::text::sanitize::inert(reason)), width),
                t.style(Tone::Muted),
            )));
        }
        _ => {}
    }
    let by = app.runs.by(at).map(|b| format!(" by {}", crate::text::sanitize::inert(b))).unwrap_or_default();
    match app.runs.status(at) {
        StepStatus::Done { at: when, already } => {
            let already = if *already { " (already done: nothing sent)" } else { "" };
            let text = format!("  done at {}{by}{already}", when.format("%H:%M:%S"));
            out.push(Line::from(Span::styled(format::truncate(&text, width), t.style(Tone::Ok))));
        }
        StepStatus::Running { .. } => {
            if let Some(progress) = app.progress(at) {
                let text = format!("  {by}{}{progress}", if by.is_empty() { "" } else { ": " });
                out.push(Line::from(Span::styled(format::truncate(text.trim_end(), width), t.style(Tone::Warn))));
            }
        }
        _ => {}
    }
    // A step that ran keeps the verdicts it ran with; a pending one shows them judged now.
    let ran_with = app.runs.verdicts(at);
    let (verdicts, when): (Vec<Verdict>, &str) =
        if matches!(app.runs.status(at), StepStatus::Pending) || ran_with.is_empty() {
            (app.guards(at).iter().map(Verdict::from).collect(), "")
        } else {
            (ran_with.to_vec(), " (when run)")
        };
    let w = verdicts.iter().map(|v| text_width(&v.guard)).max().unwrap_or(0);
    for v in verdicts {
        let (mark, tone) = if v.ok { ("✓", Tone::Ok) } else { ("✗", Tone::Critical) };
        let text = format!("  {mark} {:<w$}  {}{when}", v.guard, crate::text::sanitize::inert(&v.reason));
        out.push(Line::from(Span::styled(format::truncate(&text, width), t.style(tone))));
    }
    let what = match step.kind {
        StepKind::Declare => "declare: journal the decision (Enter, then Enter to confirm)".to_owned(),
        StepKind::Checklist => "checklist: Enter, type what was checked, Enter".to_owned(),
        StepKind::CheckLag => "gate: done when the target's lag is within the RPO".to_owned(),
        StepKind::VerifyWriter => "watch: done when the target database reports writer".to_owned(),
        StepKind::WaitHealthy => "watch: done when the target serves under every threshold".to_owned(),
        StepKind::ConfirmCapacity => "reading: records the target's running capacity".to_owned(),
        StepKind::CheckSecrets => "watch: done when every secret the app needs exists in the target".to_owned(),
        StepKind::WaitCanaries => "watch: done when the target's canary alarms are OK".to_owned(),
        StepKind::FreezeWrites
        | StepKind::UnfreezeWrites
        | StepKind::PromoteDatabase
        | StepKind::ShiftTraffic
        | StepKind::ScaleCapacity => app.action_for(at).map_or_else(String::new, |a| a.describe()),
    };
    let timeout =
        step.timeout.map(|d| format!(" (timeout {})", crate::text::duration::format_duration(d))).unwrap_or_default();
    out.push(Line::from(Span::styled(format::truncate(&format!("  {what}{timeout}"), width), t.style(Tone::Muted))));
    out
}
