//! Drawing: a pure function of `App` to a frame. Nothing here changes state.

pub mod describe;
mod drill;
mod header;
mod help;
mod modal;
mod prompt;
mod region;
mod replay;
mod runbook;
mod scribe;

use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::app::keys;
use crate::app::layout::{MIN_HEIGHT, MIN_WIDTH, SIDE_BY_SIDE, scribe_height, visible_region_columns};
use crate::app::{App, Overlay};
use crate::theme::Tone;

pub use region::tone_of;

pub fn draw(frame: &mut Frame<'_>, app: &App) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        draw_too_small(frame, area, app);
        return;
    }
    let banner_height = u16::from(app.view.drill.is_some() || app.replaying());
    let [banner_area, area_below] =
        Layout::vertical([Constraint::Length(banner_height), Constraint::Fill(1)]).areas(area);
    if let Some(bar) = &app.view.replay {
        replay::bar(frame, banner_area, app, bar);
    } else if let Some(d) = &app.view.drill {
        drill::banner(frame, banner_area, app, d);
    }
    let header = header::Header::new(app);
    let header_height = header.height(area.width);
    let [header_area, body, footer] =
        Layout::vertical([Constraint::Length(header_height), Constraint::Fill(1), Constraint::Length(1)])
            .areas(area_below);
    let [regions_area, scribe_area] =
        Layout::vertical([Constraint::Fill(1), Constraint::Length(scribe_height(body.height))]).areas(body);
    header.draw(frame, header_area, app);
    draw_regions(frame, regions_area, app);
    draw_bottom(frame, scribe_area, app);
    draw_footer(frame, footer, app);
    modal::draw(frame, area, app);
    if let Some(d) = &app.view.drill {
        drill::fault_menu(frame, area, app, d);
        drill::scorecard(frame, area, app, d);
    }
    if app.view.overlay == Overlay::Help {
        help::draw(frame, area, app);
    }
    prompt::entry(frame, area, app);
    describe::draw(frame, area, app);
    prompt::quit(frame, area, app);
}

/// A `width` × `height` rectangle in the middle of `area` (dialogs, menus, help).
pub(crate) fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let [popup] = Layout::horizontal([Constraint::Length(width)]).flex(Flex::Center).areas(area);
    let [popup] = Layout::vertical([Constraint::Length(height)]).flex(Flex::Center).areas(popup);
    popup
}

/// A box over the screen, centred in `area`: cleared, bordered and titled in `tone`.
/// Returns the inside to draw into (dialogs, help, the drill's menu and scorecard).
pub(crate) fn overlay_box(
    frame: &mut Frame<'_>,
    area: Rect,
    size: (u16, u16),
    app: &App,
    title: &str,
    tone: Tone,
) -> Rect {
    let t = &app.view.theme;
    let rect = centered(area, size.0, size.1);
    frame.render_widget(ratatui::widgets::Clear, rect);
    let block = ratatui::widgets::Block::default()
        .borders(ratatui::widgets::Borders::ALL)
        .border_style(t.style(tone))
        .title(Span::styled(title.to_owned(), t.style(tone)));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    inner
}

fn draw_regions(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let regions = &app.snapshot.regions;
    let columns = visible_region_columns(area.width, regions.len());
    let offset = app.view.region_offset.min(regions.len().saturating_sub(columns));
    let areas = Layout::horizontal(vec![Constraint::Ratio(1, columns as u32); columns]).split(area);
    for (region, column) in regions.iter().skip(offset).zip(areas.iter()) {
        region::draw(frame, *column, app, region);
    }
}

/// Runbook and timeline side by side when wide; otherwise the focused one (Tab switches).
fn draw_bottom(frame: &mut Frame<'_>, area: Rect, app: &App) {
    if area.width >= SIDE_BY_SIDE {
        let [left, right] = Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(area);
        runbook::draw(frame, left, app);
        scribe::draw(frame, right, app);
    } else if app.view.focus == crate::app::Focus::Runbook && app.view.compose.is_none() {
        runbook::draw(frame, area, app);
    } else {
        scribe::draw(frame, area, app);
    }
}

fn draw_footer(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let t = &app.view.theme;
    if let Some(message) = &app.view.message {
        let tone = if message.starts_with("READ-ONLY") { Tone::Warn } else { Tone::Accent };
        frame.render_widget(Paragraph::new(Span::styled(format!(" {}", sanitize(message)), t.style(tone))), area);
        return;
    }
    let mut spans = Vec::new();
    let context = app.context();
    let replay = (app.replaying() && context == keys::Context::Dashboard).then_some(keys::Context::Replay);
    for (keys, description) in replay.into_iter().chain([context]).flat_map(|c| keys::footer_hints(c, app.replaying()))
    {
        spans.push(Span::styled(format!(" {keys} "), t.style(Tone::Accent)));
        spans.push(Span::styled(format!("{description} "), t.style(Tone::Muted)));
    }
    let regions = app.snapshot.regions.len();
    let columns = visible_region_columns(area.width, regions);
    let right = if columns < regions {
        let first = app.view.region_offset.min(regions - columns) + 1;
        format!("regions {first}–{} of {regions} ", first + columns - 1)
    } else {
        format!("{regions} regions ")
    };
    let [left_area, right_area] = Layout::horizontal([
        Constraint::Fill(1),
        Constraint::Length(u16::try_from(crate::text::width::width(&right)).unwrap_or(u16::MAX)),
    ])
    .areas(area);
    frame.render_widget(Paragraph::new(Line::from(spans)), left_area);
    frame.render_widget(Paragraph::new(Span::styled(right, t.style(Tone::Muted))), right_area);
}

fn draw_too_small(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let t = &app.view.theme;
    let mut text = vec![
        Line::from(Span::styled("Terminal too small", t.style(Tone::Warn))),
        Line::from(format!("{}×{} now; warroom needs at least {MIN_WIDTH}×{MIN_HEIGHT}.", area.width, area.height)),
        Line::from("No key acts on the hidden dashboard: enlarge the window, or press q to quit."),
    ];
    // Quitting here abandons what cannot be seen: say what it is.
    if let Some(what) = app.would_abandon() {
        text.push(Line::from(Span::styled(format!("Quitting abandons: {}", sanitize(&what)), t.style(Tone::Critical))));
    }
    text.extend(prompt::quit_lines(app));
    let top = area.height.saturating_sub(text.len() as u16) / 2;
    let [_, middle] = Layout::vertical([Constraint::Length(top), Constraint::Fill(1)]).areas(area);
    frame.render_widget(Paragraph::new(text).alignment(Alignment::Center).wrap(Wrap { trim: true }), middle);
}

pub use crate::text::sanitize::inert as sanitize;
