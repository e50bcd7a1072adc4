//! Drill screens: the DRILL banner nobody can miss, the facilitator's fault menu, and the
//! scorecard at the end.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{overlay_box, sanitize};
use crate::app::{App, DrillView};
use crate::sim::FaultKind;
use crate::text::format;
use crate::theme::Tone;

/// The banner: a full-width reversed line above the header.
pub fn banner(frame: &mut Frame<'_>, area: Rect, app: &App, drill: &DrillView) {
    let t = &app.view.theme;
    let left = (drill.ends_at - app.now).max(chrono::Duration::zero());
    let (status, f_key) = if drill.scorecard.is_some() {
        ("ENDED".to_owned(), "f scorecard")
    } else {
        (format!("ends in {}", format::age(left)), "f faults")
    };
    let reveal = if app.scribe.timeline.reveals_drill() { "shown" } else { "hidden" };
    // The summary goes last: on a narrow screen it is what gets cut.
    let text = format!(
        " ▲ DRILL ▲  {}  │ {status} │ {f_key} · F facilitator entries ({reveal}) │ {} ",
        sanitize(&drill.scenario),
        sanitize(&drill.summary)
    );
    let style = t.style(Tone::Critical).add_modifier(Modifier::REVERSED | Modifier::BOLD);
    let width = usize::from(area.width);
    let padded = crate::text::width::fit(&text, width);
    frame.render_widget(Paragraph::new(Span::styled(padded, style)), area);
}

pub fn fault_menu(frame: &mut Frame<'_>, area: Rect, app: &App, drill: &DrillView) {
    let Some(menu) = drill.menu else { return };
    let t = &app.view.theme;
    let region = drill.regions.get(menu.region).map_or("?", String::as_str);
    let mut lines = vec![
        Line::from(vec![
            Span::styled("region  ", t.style(Tone::Muted)),
            Span::styled(format!("◀ {region} ▶"), t.style(Tone::Accent)),
            Span::styled(format!("   ({} of {})", menu.region + 1, drill.regions.len()), t.style(Tone::Muted)),
        ]),
        Line::from(""),
    ];
    for (i, kind) in FaultKind::ALL.into_iter().enumerate() {
        let name = kind.name();
        let active = drill.is_active(menu.region, kind);
        let marker = if i == menu.fault { "›" } else { " " };
        let state = if active { "ACTIVE — Enter clears" } else { "" };
        let tone = if active { Tone::Critical } else { Tone::Text };
        let mut style = t.style(tone);
        if i == menu.fault {
            style = style.add_modifier(Modifier::REVERSED);
        }
        lines.push(Line::from(vec![
            Span::styled(format!(" {marker} {name:<22}"), style),
            Span::styled(format!(" {state}"), t.style(Tone::Critical)),
        ]));
    }
    lines.push(Line::from(""));
    let active: Vec<String> = drill
        .active
        .iter()
        .map(|(r, f)| format!("{} @ {}", f.name(), drill.regions.get(*r).map_or("?", String::as_str)))
        .collect();
    lines.push(Line::from(Span::styled(
        format!("active: {}", if active.is_empty() { "none".to_owned() } else { active.join(", ") }),
        t.style(Tone::Muted),
    )));
    lines.push(Line::from(Span::styled(
        "Injections are journaled as facilitator entries, hidden from the commander (F shows).",
        t.style(Tone::Muted),
    )));
    popup(frame, area, app, " Fault menu — facilitator ", lines, Tone::Critical);
}

pub fn scorecard(frame: &mut Frame<'_>, area: Rect, app: &App, drill: &DrillView) {
    let (Some(lines), true) = (&drill.scorecard, drill.scorecard_open) else { return };
    let t = &app.view.theme;
    let styled: Vec<Line<'static>> = lines
        .iter()
        .map(|l| {
            let tone = if l.contains('✗') || l.contains("MISSED") {
                Tone::Critical
            } else if l.contains('✓') || l.contains("PASSED") {
                Tone::Ok
            } else {
                Tone::Text
            };
            Line::from(Span::styled(sanitize(l), t.style(tone)))
        })
        .collect();
    popup(frame, area, app, " Drill scorecard ", styled, Tone::Accent);
}

fn popup(frame: &mut Frame<'_>, area: Rect, app: &App, title: &str, lines: Vec<Line<'static>>, tone: Tone) {
    let width = lines
        .iter()
        .map(Line::width)
        .max()
        .unwrap_or(20)
        .saturating_add(4)
        .min(usize::from(area.width.saturating_sub(2)));
    let height = (lines.len() + 2).min(usize::from(area.height));
    let inner = overlay_box(frame, area, (width as u16, height as u16), app, title, tone);
    frame.render_widget(Paragraph::new(lines), inner);
}
