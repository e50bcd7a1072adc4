//! The scribe pane: the timeline (only the rows on screen are laid out) and the input line.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::app::App;
use crate::app::line_input::EDITING_HELP;
use crate::scribe::Event;
use crate::scribe::{Entry, Kind};
use crate::text::format::{self, t_plus};
use crate::text::sanitize::inert;
use crate::text::width::{self, pad};
use crate::theme::{Theme, Tone};

/// Below this width the region moves from its own column into the text.
const WIDE: u16 = 110;

pub fn kind_label(kind: Kind) -> &'static str {
    match kind {
        Kind::Note => "note",
        Kind::Decision => "DECISION",
        Kind::ActionStarted => "start",
        Kind::ActionSucceeded => "done",
        Kind::ActionFailed => "FAILED",
        Kind::GuardOverride => "OVERRIDE",
        Kind::Observation => "observed",
        Kind::Measurement => "MEASURED",
        Kind::Comms => "comms",
        Kind::Drill => "drill",
        Kind::Pin => "pin",
    }
}

fn kind_tone(entry: &Entry) -> Tone {
    match entry.kind {
        Kind::Decision | Kind::Measurement => Tone::Accent,
        Kind::ActionSucceeded => Tone::Ok,
        Kind::ActionFailed => Tone::Critical,
        Kind::GuardOverride | Kind::Drill => Tone::Warn,
        Kind::Observation => match entry.event() {
            Some(Event::ThresholdCrossed | Event::HealthUnhealthy | Event::LagOverRpo | Event::ServingDegraded) => {
                Tone::Critical
            }
            Some(Event::Stale) => Tone::Warn,
            Some(
                Event::ThresholdRecovered
                | Event::HealthHealthy
                | Event::LagWithinRpo
                | Event::Fresh
                | Event::ServingHealthy,
            ) => Tone::Ok,
            _ => Tone::Muted,
        },
        Kind::Note | Kind::Comms | Kind::ActionStarted | Kind::Pin => Tone::Text,
    }
}

pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let t = &app.view.theme;
    let timeline = &app.scribe.timeline;
    let position = match timeline.selected_position() {
        None => "following".to_owned(),
        Some(p) => format!("{}/{}", p + 1, timeline.shown()),
    };
    let search =
        timeline.search().map(|q| format!(" · /{} {} found", inert(q), timeline.matches().len())).unwrap_or_default();
    let title = format!(" Timeline · {} · {} shown · {position}{search} ", timeline.filter().label(), timeline.shown());
    let focused = app.view.focus == crate::app::Focus::Timeline;
    let room = usize::from(area.width).saturating_sub(width::width(&title) + 4);
    let mut block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.style(if focused { Tone::Accent } else { Tone::Border }))
        .title(Span::styled(title, t.style(Tone::Accent)));
    if room >= 20 {
        let label = format!(" {} ", journal_label(app, room - 2));
        block = block.title(Line::from(Span::styled(label, t.style(Tone::Muted))).right_aligned());
    }
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height == 0 {
        return;
    }
    let [rows_area, input_area] = Layout::vertical([Constraint::Fill(1), Constraint::Length(1)]).areas(inner);
    let impact = timeline.measurements().impact_start;
    let selected = timeline.selected_position();
    let wide = area.width >= WIDE;
    let lines: Vec<Line<'_>> = timeline
        .window(usize::from(rows_area.height))
        .map(|(pos, entry)| {
            let mut line = entry_line(t, entry, impact, timeline.is_pinned(entry), wide, usize::from(rows_area.width));
            // Struck through by an amendment: kept, crossed out (and so in NO_COLOR too).
            if timeline.struck_by(entry).is_some() {
                line =
                    line.patch_style(ratatui::style::Style::new().add_modifier(Modifier::CROSSED_OUT | Modifier::DIM));
            }
            if timeline.is_match_at(pos) {
                line =
                    line.patch_style(ratatui::style::Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED));
            }
            if selected == Some(pos) {
                line.patch_style(ratatui::style::Style::new().add_modifier(Modifier::REVERSED))
            } else {
                line
            }
        })
        .collect();
    if lines.is_empty() {
        let empty = if timeline.entries().is_empty() {
            "nothing journaled yet: n note · d decision · c comms"
        } else {
            "no entries match this filter (0 shows all, t lists the filters)"
        };
        frame.render_widget(Paragraph::new(Span::styled(empty, t.style(Tone::Muted))), rows_area);
    } else {
        frame.render_widget(Paragraph::new(lines), rows_area);
    }
    draw_input(frame, input_area, app);
}

/// `journal <path>`, cut from the left to `room` characters (the file name matters most).
fn journal_label(app: &App, room: usize) -> String {
    // A replay names the journal it replays, not its own in-memory one.
    let location = app.view.replay.as_ref().map_or_else(|| app.scribe.location(), |b| b.journal.clone());
    let room = room.saturating_sub("journal ".len()).max(8);
    if width::width(&location) <= room {
        format!("journal {location}")
    } else {
        format!("journal …{}", width::take_last(&location, room - 1))
    }
}

fn entry_line<'a>(
    t: &Theme,
    e: &'a Entry,
    impact: Option<chrono::DateTime<chrono::Utc>>,
    pinned: bool,
    wide: bool,
    width: usize,
) -> Line<'a> {
    let tone = kind_tone(e);
    let mut spans = vec![
        Span::styled(e.at.format("%H:%M:%SZ ").to_string(), t.style(Tone::Muted)),
        Span::styled(format!("{:>9} ", t_plus(e.at, impact)), t.style(Tone::Muted)),
        Span::styled(format!("{} ", pad(&format::truncate(&inert(&e.author), 10), 10)), t.style(Tone::Text)),
        Span::styled(if pinned { "*" } else { " " }, t.style(Tone::Warn)),
        Span::styled(format!("{:<9}", kind_label(e.kind)), t.style(tone)),
    ];
    let region = e.region.as_deref().map(inert);
    let mut text = inert(&e.text);
    if wide {
        spans.push(Span::styled(pad(&region.unwrap_or_default(), 15), t.style(Tone::Muted)));
    } else if let Some(r) = region {
        text = format!("[{r}] {text}");
    }
    let used: usize = spans.iter().map(Span::width).sum();
    spans.push(Span::styled(
        format::truncate(&text, width.saturating_sub(used)),
        t.style(if e.kind.is_human() { Tone::Text } else { tone }),
    ));
    Line::from(spans)
}

fn draw_input(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let t = &app.view.theme;
    let Some(compose) = &app.view.compose else {
        let line = match &app.scribe.error {
            Some(error) => Span::styled(format!("journal not saving: {}", inert(error)), t.style(Tone::Critical)),
            // Rows are cut to fit; the selected entry (the newest when following) is read in full here.
            None => match app.scribe.timeline.selected_entry() {
                Some(e) => {
                    let region = e.region.as_deref().map(|r| format!("[{}] ", inert(r))).unwrap_or_default();
                    let struck = app
                        .scribe
                        .timeline
                        .struck_by(e)
                        .map(|a| {
                            format!(
                                "  (struck through by {}: {})",
                                inert(&a.author),
                                inert(a.data_str("reason").unwrap_or(""))
                            )
                        })
                        .unwrap_or_default();
                    Span::styled(format!("▸ {region}{}{struck}", inert(&e.text)), t.style(Tone::Text))
                }
                None => Span::styled(
                    "n note · d decision · c comms · p pin · ↑↓ select · / search · 0-6 filter",
                    t.style(Tone::Muted),
                ),
            },
        };
        frame.render_widget(Paragraph::new(line).wrap(ratatui::widgets::Wrap { trim: true }), area);
        return;
    };
    let step_id = |at: crate::runbook::StepRef| app.step(at).map_or_else(String::new, |s| s.id.clone());
    let prompt = match &compose.purpose {
        crate::app::Purpose::Entry => format!("{} › ", kind_label(compose.kind).to_lowercase()),
        crate::app::Purpose::Tick(at, None) => format!("what was checked for {} › ", step_id(*at)),
        crate::app::Purpose::Tick(at, Some(_)) => format!("what was checked for {} (overridden) › ", step_id(*at)),
        crate::app::Purpose::Skip(at) => format!("why skip {} › ", step_id(*at)),
        crate::app::Purpose::TakeOver(at, from) => format!("why take over {} from {from} › ", step_id(*at)),
        crate::app::Purpose::BreakGlass(at) => format!("break-glass: why approve {} yourself › ", step_id(*at)),
        crate::app::Purpose::Unclaimed(at, _) => format!("break-glass: why act on {} without a claim › ", step_id(*at)),
        crate::app::Purpose::Search => "search the timeline / ".to_owned(),
        crate::app::Purpose::Strike(_) => "why strike it through (the entry stays, struck) › ".to_owned(),
    };
    let hint = match &compose.error {
        Some(error) => format!("  NOT SAVED: {} — Enter retries, Esc discards", inert(error)),
        None => format!("  Enter save · Esc cancel · {EDITING_HELP}"),
    };
    let text = inert(compose.line.text());
    let prompt_width = width::width(&prompt);
    // Columns, not characters: a CJK character or an emoji takes two cells.
    let cursor_column = width::width(&inert(compose.line.before_cursor()));
    // Keep the cursor on screen: scroll long text left.
    let room = usize::from(area.width).saturating_sub(prompt_width + 1);
    let scrolled = width::skip(&text, cursor_column.saturating_sub(room));
    let skip = width::width(&text) - width::width(scrolled);
    let shown = width::take(scrolled, room).to_owned();
    let spans = vec![
        Span::styled(prompt, t.style(Tone::Accent)),
        Span::styled(shown.clone(), t.style(Tone::Text)),
        Span::styled(hint, t.style(if compose.error.is_some() { Tone::Critical } else { Tone::Muted })),
    ];
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
    let x = area.x
        + u16::try_from(prompt_width + cursor_column.saturating_sub(skip))
            .unwrap_or(area.width)
            .min(area.width.saturating_sub(1));
    frame.set_cursor_position(Position::new(x, area.y));
}
