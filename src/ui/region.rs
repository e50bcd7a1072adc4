//! One region's column: every signal on its own row, rows aligned across columns so regions
//! compare line by line; history charts fill the height when there is room.

use chrono::{DateTime, Duration, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Paragraph, Sparkline};

use crate::app::App;
use crate::assess::{self, Level};
use crate::model::{ChangeStatus, DbRole, Freshness, History, Lag, RegionSnapshot, Signal};
use crate::text::duration::format_duration;
use crate::text::format;
use crate::theme::{Theme, Tone};

const LABEL_WIDTH: usize = 10;
/// Readings made through the global control plane in us-east-1 carry a †.
pub const HEALTH_LABEL: &str = "Health†";
pub const ROUTING_LABEL: &str = "Routing†";
const AGE_WIDTH: usize = 5;
/// Text rows every column has, so the same signal sits on the same line in each region.
pub const TEXT_ROWS: u16 = crate::app::layout::REGION_TEXT_ROWS;
/// Charts are drawn only when each gets at least this many rows (title + bars).
const MIN_CHART_ROWS: u16 = 2;

struct Ctx<'a> {
    now: DateTime<Utc>,
    interval: Duration,
    theme: &'a Theme,
    width: usize,
    inline_sparklines: bool,
    /// What the tail latency is: `p99` unless the config reads another statistic.
    tail: &'static str,
}

pub fn tone_of(level: Level) -> Tone {
    match level {
        Level::Ok => Tone::Ok,
        Level::Warn => Tone::Warn,
        Level::Critical => Tone::Critical,
    }
}

pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App, region: &RegionSnapshot) {
    let theme = &app.view.theme;
    let interval = app.snapshot.poll_interval;
    let serving = region.is_serving(app.now, interval);
    let all_stale = region.last_heard().is_some_and(|t| app.now - t > interval * crate::model::STALE_AFTER_INTERVALS);

    let mut badges = vec![Span::styled(format!(" {} ", region.role.label()), theme.style(Tone::Accent))];
    if serving {
        badges.push(Span::styled(" SERVING ", theme.style(Tone::Ok)));
    }
    if all_stale {
        let age = region.last_heard().map(|t| format::age(app.now - t)).unwrap_or_default();
        badges.push(Span::styled(format!(" STALE {age} "), theme.style(Tone::Warn)));
    } else {
        // The same verdict as the status line: a region with signals not known now says so
        // (only the first two polls may pass before a reading that never came counts).
        let verdict = assess::verdict::region(region, app.limits());
        let awaited = app.first_polls() && verdict.only_awaited();
        if !verdict.unknown.is_empty() && !awaited {
            badges.push(Span::styled(format!(" ? {} UNKNOWN ", verdict.unknown.len()), theme.style(Tone::Warn)));
        }
    }
    let index = app.snapshot.regions.iter().position(|r| r.name == region.name);
    let focused = (app.view.focus == crate::app::Focus::Regions && index == Some(app.view.region_focus))
        .then(|| index.and_then(|i| app.resources.provenance.get(i)?.get(app.view.region_row)).map(|(k, _)| *k))
        .flatten();
    let name = if focused.is_some() { format!(" ▸ {} ", region.name) } else { format!(" {} ", region.name) };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(if serving { BorderType::Thick } else { BorderType::Plain })
        .border_style(theme.style(if all_stale { Tone::Warn } else { Tone::Border }))
        .title(Line::from(Span::styled(name, theme.style(Tone::Accent))))
        .title(Line::from(badges).right_aligned());
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.width == 0 || inner.height == 0 {
        return;
    }

    // What gives way when rows outgrow the column: the charts shrink first (three, two, one,
    // none), then the extra rows fold into one line, then the column scrolls (J/K) with a
    // marker saying what is hidden.
    let tail = app.latency_label;
    let width = usize::from(inner.width);
    let full_rows = TEXT_ROWS + extra_rows(app, region, false);
    let charts = (inner.height.saturating_sub(full_rows) / MIN_CHART_ROWS).min(3);
    let ctx = Ctx { now: app.now, interval, theme, width, inline_sparklines: charts == 0, tail };
    let mut rows = text_rows(&ctx, app, region, false);
    let height = usize::from(inner.height);
    if rows.len() > height {
        rows = text_rows(&ctx, app, region, true);
        // A blank error row is the first thing to go.
        if rows.len() > height && rows.last().is_some_and(|l| l.width() == 0) {
            rows.pop();
        }
    }
    if let Some(key) = focused {
        highlight(&mut rows, &row_labels(app, key));
    }
    if rows.len() > height {
        rows = scrolled(&ctx, rows, height, app.view.region_row_offset);
    }
    let text_height = u16::try_from(rows.len()).unwrap_or(u16::MAX).min(inner.height);
    let [text_area, chart_area] = Layout::vertical([Constraint::Length(text_height), Constraint::Fill(1)]).areas(inner);
    frame.render_widget(Paragraph::new(rows), text_area);
    if charts > 0 {
        draw_charts(frame, chart_area, app, region, usize::from(charts));
    }
}

/// The labels the row of `key` may have (they change with the traffic source and the
/// control plane), for the focus marker.
fn row_labels(app: &App, key: crate::model::SignalKey) -> Vec<String> {
    use crate::model::SignalKey as K;
    let custom = |i: u8| app.thresholds.signals.get(usize::from(i)).map(|s| s.label.clone()).unwrap_or_default();
    match key {
        K::Requests => vec!["Requests".into(), "New flows".into()],
        K::ErrorRate => vec!["5xx".into(), "Resets".into()],
        K::LatencyP99 | K::LatencyP50 => vec!["Latency".into()],
        K::HealthChecks => vec![HEALTH_LABEL.into()],
        K::Database => vec!["Database".into()],
        K::ReplicationLag => vec!["Repl. lag".into()],
        K::Routing => vec![ROUTING_LABEL.into(), "Routing".into()],
        K::WriteFreeze => vec!["Writes".into()],
        K::Capacity => vec!["Capacity".into()],
        K::Alarms => vec!["Alarms".into()],
        K::Secrets => vec!["Secrets".into()],
        K::Custom(i) => vec![custom(i)],
        K::HealthyTargets | K::Integrity | K::ControlPlane | K::Reachable => Vec::new(),
    }
}

/// Mark the first row labelled one of `labels`: its label reversed, as a cursor.
fn highlight(rows: &mut [Line<'static>], labels: &[String]) {
    let hit = rows.iter_mut().find(|line| {
        line.spans.first().is_some_and(|s| labels.iter().any(|l| !l.is_empty() && s.content.trim_end() == l.as_str()))
    });
    if let Some(line) = hit
        && let Some(label) = line.spans.first_mut()
    {
        label.style = label.style.add_modifier(ratatui::style::Modifier::REVERSED);
    }
}

/// Rows beyond the built-in ones: capacity, alarms, secrets, and one per custom row (or
/// one line for all of them when folded).
pub fn extra_rows(app: &App, region: &RegionSnapshot, folded: bool) -> u16 {
    let r = &app.resources;
    let inventory =
        u16::from(r.capacity.iter().any(Option::is_some)) + u16::from(r.alarms_rows) + u16::from(r.secrets_rows);
    let custom = u16::try_from(region.custom.len()).unwrap_or(u16::MAX);
    if folded { u16::from(inventory + custom > 0) } else { inventory + custom }
}

/// The window of `rows` that fits `height` from `offset`, with a marker line naming what is
/// above or below.
fn scrolled(ctx: &Ctx<'_>, rows: Vec<Line<'static>>, height: usize, offset: usize) -> Vec<Line<'static>> {
    if height < 2 {
        return rows.into_iter().take(height).collect();
    }
    let visible = height - 1;
    let offset = offset.min(rows.len().saturating_sub(visible));
    let below = rows.len().saturating_sub(offset + visible);
    let marker = match (offset, below) {
        (0, n) => format!("▼ {n} more rows · J/K scroll"),
        (up, 0) => format!("▲ {up} rows above · J/K scroll"),
        (up, n) => format!("▲ {up} above · ▼ {n} below · J/K"),
    };
    let mut out: Vec<Line<'static>> = rows.into_iter().skip(offset).take(visible).collect();
    out.push(Line::from(Span::styled(format::truncate(&marker, ctx.width), ctx.theme.style(Tone::Accent))));
    out
}

fn text_rows(ctx: &Ctx<'_>, app: &App, region: &RegionSnapshot, fold: bool) -> Vec<Line<'static>> {
    let thresholds = &app.thresholds;
    let rpo = app.incident.rpo;
    let p99_limit = app.limits().p99_limit_ms();
    let t = ctx.theme;
    let mut rows = Vec::with_capacity(usize::from(TEXT_ROWS));

    let index = app.snapshot.regions.iter().position(|r| r.name == region.name);
    let nlb = index.and_then(|i| app.resources.traffic.get(i).copied().flatten()) == Some("nlb");
    let (requests_label, per, errors_label) =
        if nlb { ("New flows", "flows/s", "Resets") } else { ("Requests", "req/s", "5xx") };
    rows.push(row(ctx, requests_label, &region.requests, |v| {
        vec![Span::styled(format!("{} {per}", format::thousands(*v)), t.style(Tone::Text))]
    }));

    rows.push(row(ctx, errors_label, &region.error_rate, |v| {
        let tone = tone_of(assess::level(*v, thresholds.error_rate_percent));
        let mut spans = vec![Span::styled(format::percent(*v), t.style(tone))];
        spans.push(Span::styled(format!(" /{}%", thresholds.error_rate_percent), t.style(Tone::Muted)));
        inline_spark(ctx, &mut spans, &region.error_rate_history, thresholds.error_rate_percent, tone);
        spans
    }));

    if nlb && region.latency_p99.value.is_none() {
        rows.push(plain(ctx, "Latency", vec![Span::styled("n/a (an NLB measures no latency)", t.style(Tone::Muted))]));
    } else {
        rows.push(row(ctx, "Latency", &region.latency_p99, |p99| {
            let tone = tone_of(assess::level(*p99, p99_limit));
            // No p50 at all (live mode with median-latency = false): show only the tail.
            let mut spans = match (region.latency_p50.value, &region.latency_p50.error) {
                (None, None) => Vec::new(),
                (p50, _) => {
                    let p50 = p50.map_or_else(|| "—".to_owned(), format::millis);
                    vec![Span::styled(format!("p50 {p50} "), t.style(Tone::Text))]
                }
            };
            spans.push(Span::styled(format!("{} {}", ctx.tail, format::millis(*p99)), t.style(tone)));
            inline_spark(ctx, &mut spans, &region.latency_p99_history, p99_limit, tone);
            spans
        }));
    }

    // † marks a reading made through us-east-1's control plane (the help says so). When that
    // plane does not answer, the row shows the region's health by its own signals instead.
    let global_down = app.snapshot.control_plane_unreachable(app.now);
    if global_down && region.health.freshness(ctx.now, ctx.interval) != Freshness::Fresh {
        rows.push(plain(
            ctx,
            HEALTH_LABEL,
            match assess::health::from_data_plane(region, app.limits()) {
                Ok((source, _)) => vec![
                    Span::styled("healthy", t.style(Tone::Ok)),
                    Span::styled(format!(" by {} · R53 API down", source.label()), t.style(Tone::Muted)),
                ],
                Err(why) => vec![
                    Span::styled("unknown", t.style(Tone::Warn)),
                    Span::styled(format!(" ({why}) · R53 API down"), t.style(Tone::Muted)),
                ],
            },
        ));
    } else {
        rows.push(row(ctx, HEALTH_LABEL, &region.health, |h| {
            let (word, tone) = match assess::health::checkers_level(*h) {
                Level::Critical => ("UNHEALTHY", Tone::Critical),
                Level::Warn => ("degraded", Tone::Warn),
                Level::Ok => ("healthy", Tone::Ok),
            };
            vec![
                Span::styled(format!("{}/{} checkers ", h.healthy, h.total), t.style(Tone::Text)),
                Span::styled(word, t.style(tone)),
            ]
        }));
    }

    rows.push(row(ctx, "Database", &region.database, |db| {
        let tone = match db.role {
            DbRole::Writer => Tone::Accent,
            DbRole::Replica => Tone::Text,
            DbRole::Promoting => Tone::Warn,
            DbRole::Unavailable => Tone::Critical,
        };
        vec![
            Span::styled(db.role.label(), t.style(tone)),
            Span::styled(format!(" {}", db.identifier), t.style(Tone::Text)),
        ]
    }));
    let endpoint = region.database.value.as_ref().map_or_else(String::new, |db| db.endpoint.clone());
    rows.push(plain(ctx, "", vec![Span::styled(endpoint, t.style(Tone::Muted))]));

    rows.push(row(ctx, "Repl. lag", &region.replication_lag, |lag| match lag {
        Lag::Writer => vec![Span::styled("source (writer)", t.style(Tone::Muted))],
        Lag::NotReplicating => vec![Span::styled("NOT REPLICATING", t.style(Tone::Critical))],
        Lag::Behind(s) => {
            let tone = tone_of(assess::lag_level(lag, rpo));
            let mut spans = vec![
                Span::styled(format::seconds(*s), t.style(tone)),
                Span::styled(format!(" of RPO {}", format_duration(rpo)), t.style(Tone::Muted)),
            ];
            inline_spark(ctx, &mut spans, &region.lag_history, rpo.as_seconds_f64(), tone);
            spans
        }
    }));
    rows.push(plain(ctx, "", lag_gauge(ctx, region, rpo)));

    // Routing controls are read through the ARC cluster's regional endpoints: no †.
    let arc = region.routing.value.as_ref().is_some_and(|r| r.policy == crate::model::RoutingPolicy::RoutingControl);
    rows.push(row(ctx, if arc { "Routing" } else { ROUTING_LABEL }, &region.routing, |r| {
        if r.policy == crate::model::RoutingPolicy::RoutingControl {
            let (word, tone) = if r.active { ("On", Tone::Ok) } else { ("Off", Tone::Muted) };
            return vec![
                Span::styled(format!("{} ", r.record_set_id), t.style(Tone::Text)),
                Span::styled(word, t.style(tone)),
            ];
        }
        let state = if r.active {
            Span::styled("ACTIVE", t.style(Tone::Ok))
        } else {
            Span::styled("standby", t.style(Tone::Muted))
        };
        let weight = r.weight.map(|w| format!(" weight {w}")).unwrap_or_default();
        vec![
            Span::styled(format!("{} ", r.record_set_id), t.style(Tone::Text)),
            state,
            Span::styled(weight, t.style(Tone::Muted)),
        ]
    }));
    let ttl = region.routing.value.as_ref().map(|r| format!(" · ttl {}s", r.ttl_seconds)).unwrap_or_default();
    let change = match region.routing.value.as_ref().and_then(|r| r.change.as_ref()) {
        None if arc => vec![Span::styled("ARC control: takes effect at once", t.style(Tone::Muted))],
        None => vec![Span::styled(format!("none pending{ttl}"), t.style(Tone::Muted))],
        Some(c) => {
            let (word, tone) = match c.status {
                ChangeStatus::Pending => ("PENDING", Tone::Warn),
                ChangeStatus::Insync => ("in sync", Tone::Ok),
            };
            vec![
                Span::styled(format!("{} ", c.id), t.style(Tone::Text)),
                Span::styled(word, t.style(tone)),
                Span::styled(format!(" {}", format::age(ctx.now - c.submitted_at)), t.style(Tone::Muted)),
            ]
        }
    };
    rows.push(plain(ctx, "Change", change));

    rows.push(row(ctx, "Writes", &region.write_freeze, |frozen| {
        if *frozen {
            vec![Span::styled("FROZEN", t.style(Tone::Warn))]
        } else {
            vec![Span::styled("open", t.style(Tone::Ok))]
        }
    }));
    // Only when a drill has made something to count: a clean region needs no row.
    if region.integrity.value.is_some_and(|i| !i.is_clean()) {
        rows.push(row(ctx, "Data", &region.integrity, |i| {
            // Only the counters that moved, so the one that matters fits a narrow column.
            let parts: Vec<String> =
                [(i.corrupted_records, "corrupted records"), (i.duplicate_events, "duplicate events")]
                    .into_iter()
                    .filter(|(n, _)| *n > 0)
                    .map(|(n, what)| format!("{n} {what}"))
                    .collect();
            vec![Span::styled(parts.join(" · "), t.style(Tone::Critical))]
        }));
    }
    if fold {
        if let Some(line) = folded_row(ctx, app, region, index) {
            rows.push(line);
        }
    } else {
        inventory_rows(ctx, app, region, index, &mut rows);
        custom_rows(ctx, app, region, &mut rows);
    }
    rows.push(error_row(ctx, region));
    rows
}

/// Capacity, alarms, secrets and the custom rows in one line, for a column too short for
/// them: `cap 8/24 · 1 ALARM · secrets 2/2 · signals: 2 past threshold`.
fn folded_row(ctx: &Ctx<'_>, app: &App, region: &RegionSnapshot, index: Option<usize>) -> Option<Line<'static>> {
    let t = ctx.theme;
    let r = &app.resources;
    let (now, interval) = (ctx.now, ctx.interval);
    let mut parts: Vec<(String, Tone)> = Vec::new();
    let mut part = |text: String, tone: Tone| parts.push((text, tone));
    if !region.custom.is_empty() {
        let (mut past, mut unknown) = (0, 0);
        for (row, signal) in region.custom.iter().zip(&app.thresholds.signals) {
            match row.signal.fresh_value(now, interval) {
                Some(v) if signal.severity(*v) >= 2 => past += 1,
                Some(_) => {}
                None => unknown += 1,
            }
        }
        match (past, unknown) {
            (0, 0) => part(format!("signals {} OK", region.custom.len()), Tone::Ok),
            (0, u) => part(format!("signals: {u} unknown"), Tone::Warn),
            (p, _) => part(format!("signals: {p} past threshold"), Tone::Critical),
        }
    }
    if index.and_then(|i| r.capacity.get(i)).is_some_and(Option::is_some) {
        match region.capacity.fresh_value(now, interval) {
            Some(c) => part(format!("cap {}/{}", c.running, c.needed), if c.ready() { Tone::Ok } else { Tone::Warn }),
            None => part("cap ?".into(), Tone::Warn),
        }
    }
    if index.and_then(|i| r.alarms_in.get(i)).copied().unwrap_or(false) {
        match region.fresh_alarms(now, interval) {
            Some(a) if a.failing().is_empty() => part(format!("{} OK", a.alarms.len()), Tone::Ok),
            Some(a) if a.count(crate::model::AlarmState::Alarm) > 0 => {
                part(format!("{} ALARM", a.count(crate::model::AlarmState::Alarm)), Tone::Critical);
            }
            Some(a) => part(format!("{} alarms unknown", a.failing().len()), Tone::Warn),
            None => part("alarms ?".into(), Tone::Warn),
        }
    }
    if index.and_then(|i| r.secrets_in.get(i)).copied().unwrap_or(false) {
        match region.fresh_secrets(now, interval) {
            Some(s) if s.missing().is_empty() => {
                part(format!("secrets {}/{}", s.secrets.len(), s.secrets.len()), Tone::Ok)
            }
            Some(s) => part(format!("{} secret MISSING", s.missing().len()), Tone::Critical),
            None => part("secrets ?".into(), Tone::Warn),
        }
    }
    // What is wrong first: a narrow column cuts from the right.
    let rank = |tone: &Tone| match tone {
        Tone::Critical => 0,
        Tone::Warn => 1,
        _ => 2,
    };
    parts.sort_by_key(|(_, tone)| rank(tone));
    // Whole parts while they fit; a separator never ends the line.
    let mut room = ctx.width.saturating_sub(LABEL_WIDTH);
    let mut spans: Vec<Span<'static>> = Vec::new();
    for (text, tone) in parts {
        let sep = if spans.is_empty() { 0 } else { 3 };
        let w = crate::text::width::width(&text);
        if sep + w > room {
            if room > sep + 6 {
                spans.push(Span::styled(" · ", t.style(Tone::Muted)));
                spans.push(Span::styled(format::truncate(&text, room - sep), t.style(tone)));
            }
            break;
        }
        if sep > 0 {
            spans.push(Span::styled(" · ", t.style(Tone::Muted)));
        }
        spans.push(Span::styled(text, t.style(tone)));
        room -= sep + w;
    }
    (!spans.is_empty()).then(|| plain(ctx, "Checks", spans))
}

fn not_configured(ctx: &Ctx<'_>, label: &str) -> Line<'static> {
    plain(ctx, label, vec![Span::styled("— not configured here", ctx.theme.style(Tone::Muted))])
}

/// Capacity, alarms and secrets: a row each when any region has them, so rows line up.
fn inventory_rows(
    ctx: &Ctx<'_>,
    app: &App,
    region: &RegionSnapshot,
    index: Option<usize>,
    rows: &mut Vec<Line<'static>>,
) {
    let t = ctx.theme;
    let r = &app.resources;
    let configured =
        |list: &[Option<crate::config::CapacityConfig>]| index.and_then(|i| list.get(i)).is_some_and(Option::is_some);
    if r.capacity.iter().any(Option::is_some) {
        rows.push(if configured(&r.capacity) {
            row(ctx, "Capacity", &region.capacity, |c| {
                let tone = if c.ready() { Tone::Ok } else { Tone::Warn };
                vec![
                    Span::styled(format!("{}/{} running", c.running, c.needed), t.style(tone)),
                    Span::styled(format!(" (desired {})", c.desired), t.style(Tone::Muted)),
                ]
            })
        } else {
            not_configured(ctx, "Capacity")
        });
    }
    if r.alarms_rows {
        let configured = index.is_some_and(|i| app.resources.alarms_in.get(i).copied().unwrap_or(false));
        rows.push(if configured {
            let every = region.alarms.value.as_ref().map_or(0, |a| a.every_seconds);
            row_every(ctx, "Alarms", &region.alarms, every, |a| {
                use crate::model::AlarmState as S;
                let (alarm, ok, insufficient) = (a.count(S::Alarm), a.count(S::Ok), a.count(S::InsufficientData));
                let mut spans = vec![Span::styled(
                    format!("{alarm} ALARM"),
                    t.style(if alarm > 0 { Tone::Critical } else { Tone::Muted }),
                )];
                spans.push(Span::styled(format!(" · {ok} OK"), t.style(Tone::Ok)));
                if insufficient > 0 || !a.missing.is_empty() {
                    let unknown = insufficient + a.missing.len();
                    spans.push(Span::styled(format!(" · {unknown} INSUFFICIENT"), t.style(Tone::Warn)));
                }
                let firing: Vec<&str> =
                    a.alarms.iter().filter(|x| x.state == S::Alarm).map(|x| x.name.as_str()).collect();
                if !firing.is_empty() {
                    spans.push(Span::styled(format!(" {}", firing.join(", ")), t.style(Tone::Critical)));
                }
                spans
            })
        } else {
            not_configured(ctx, "Alarms")
        });
    }
    if r.secrets_rows {
        let configured = index.is_some_and(|i| app.resources.secrets_in.get(i).copied().unwrap_or(false));
        if !configured {
            rows.push(not_configured(ctx, "Secrets"));
            return;
        }
        let every = region.secrets.value.as_ref().map_or(0, |s| s.every_seconds);
        rows.push(row_every(ctx, "Secrets", &region.secrets, every, |s| {
            let missing = s.missing();
            if missing.is_empty() {
                vec![Span::styled(format!("{}/{} present", s.secrets.len(), s.secrets.len()), t.style(Tone::Ok))]
            } else {
                let names: Vec<&str> = missing.iter().map(|m| m.name.as_str()).collect();
                vec![Span::styled(format!("{} MISSING: {}", missing.len(), names.join(", ")), t.style(Tone::Critical))]
            }
        }));
    }
}

/// One row per `[[signals]]` row.
fn custom_rows(ctx: &Ctx<'_>, app: &App, region: &RegionSnapshot, rows: &mut Vec<Line<'static>>) {
    let t = ctx.theme;
    let signals = &app.thresholds.signals;
    for (row_data, signal) in region.custom.iter().zip(signals) {
        rows.push(row(ctx, &signal.label, &row_data.signal, |v| {
            let tone = match signal.severity(*v) {
                0 => Tone::Text,
                1 => Tone::Warn,
                _ => Tone::Critical,
            };
            let mut spans = vec![
                Span::styled(signal.unit.show(*v), t.style(tone)),
                Span::styled(format!(" /{}", signal.unit.show(signal.critical)), t.style(Tone::Muted)),
            ];
            inline_spark(ctx, &mut spans, &row_data.history, signal.critical, tone);
            spans
        }));
    }
}

/// A labelled row for one signal, with its age at the right edge. Stale values are dimmed and
/// their age turns to a warning; missing values say why.
fn row<T>(
    ctx: &Ctx<'_>,
    label: &str,
    signal: &Signal<T>,
    value: impl FnOnce(&T) -> Vec<Span<'static>>,
) -> Line<'static> {
    row_every(ctx, label, signal, 0, value)
}

/// A row for a signal read every `every_seconds` (alarms, secrets), judged stale against that
/// instead of the poll interval.
fn row_every<T>(
    ctx: &Ctx<'_>,
    label: &str,
    signal: &Signal<T>,
    every_seconds: u32,
    value: impl FnOnce(&T) -> Vec<Span<'static>>,
) -> Line<'static> {
    let t = ctx.theme;
    let interval = ctx.interval.max(Duration::seconds(i64::from(every_seconds)));
    let freshness = signal.freshness(ctx.now, interval);
    let mut spans = match (&signal.value, freshness) {
        (Some(v), Freshness::Stale) => {
            value(v).into_iter().map(|s| Span::styled(s.content, t.style(Tone::Stale))).collect()
        }
        (Some(v), _) => value(v),
        (None, _) if signal.error.is_some() => vec![Span::styled("no data (poll failing)", t.style(Tone::Warn))],
        (None, _) => vec![Span::styled("waiting for first poll…", t.style(Tone::Muted))],
    };
    let age = match (signal.age(ctx.now), freshness) {
        (Some(age), Freshness::Stale) => Some(Span::styled(format!("{}!", format::age(age)), t.style(Tone::Warn))),
        (Some(age), _) if signal.error.is_some() => Some(Span::styled(format::age(age), t.style(Tone::Warn))),
        (Some(age), _) => Some(Span::styled(format::age(age), t.style(Tone::Muted))),
        (None, _) => None,
    };
    spans.insert(0, label_span(t, label));
    fit(ctx, spans, age)
}

fn plain(ctx: &Ctx<'_>, label: &str, mut spans: Vec<Span<'static>>) -> Line<'static> {
    spans.insert(0, label_span(ctx.theme, label));
    fit(ctx, spans, None)
}

fn label_span(theme: &Theme, label: &str) -> Span<'static> {
    // A label as long as the column keeps one space before its value.
    let label = format::truncate(label, LABEL_WIDTH - 1);
    Span::styled(format!("{label:<LABEL_WIDTH$}"), theme.style(Tone::Muted))
}

/// Lay spans into the column width: cut what overflows, right-align the age.
fn fit(ctx: &Ctx<'_>, spans: Vec<Span<'static>>, age: Option<Span<'static>>) -> Line<'static> {
    let age_width = if age.is_some() { AGE_WIDTH } else { 0 };
    let room = ctx.width.saturating_sub(age_width);
    let mut used = 0;
    let mut out = Vec::with_capacity(spans.len() + 2);
    for span in spans {
        let w = span.width();
        if used + w <= room {
            used += w;
            out.push(span);
        } else {
            let cut = format::truncate(&span.content, room - used);
            used += crate::text::width::width(&cut);
            out.push(Span::styled(cut, span.style));
            break;
        }
    }
    if let Some(age) = age {
        let pad = ctx.width.saturating_sub(used + age.width());
        out.push(Span::raw(" ".repeat(pad)));
        out.push(age);
    }
    Line::from(out)
}

/// A sparkline after the value, in the room left, when there are no charts below.
fn inline_spark(ctx: &Ctx<'_>, spans: &mut Vec<Span<'static>>, history: &History, ceiling: f64, tone: Tone) {
    if !ctx.inline_sparklines {
        return;
    }
    let used: usize = LABEL_WIDTH + spans.iter().map(Span::width).sum::<usize>() + 1;
    let room = ctx.width.saturating_sub(used + AGE_WIDTH + 1).min(24);
    if room >= 4 {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(format::sparkline(history.last(room), room, ceiling), ctx.theme.style(tone)));
    }
}

/// `[█████░░░░░]` lag against the RPO; full and red past it.
fn lag_gauge(ctx: &Ctx<'_>, region: &RegionSnapshot, rpo: Duration) -> Vec<Span<'static>> {
    let t = ctx.theme;
    let bar_width = ctx.width.saturating_sub(LABEL_WIDTH + 2 + AGE_WIDTH);
    let Some(Lag::Behind(s)) = region.replication_lag.value else { return vec![] };
    if bar_width < 4 {
        return vec![];
    }
    let fraction = (s / rpo.as_seconds_f64()).clamp(0.0, 1.0);
    let filled = ((fraction * bar_width as f64).round() as usize).min(bar_width);
    let stale = region.replication_lag.freshness(ctx.now, ctx.interval) != Freshness::Fresh;
    let tone = if stale { Tone::Stale } else { tone_of(assess::lag_level(&Lag::Behind(s), rpo)) };
    vec![
        Span::styled("[", t.style(Tone::Muted)),
        Span::styled("█".repeat(filled), t.style(tone)),
        Span::styled("░".repeat(bar_width - filled), t.style(Tone::Muted)),
        Span::styled("]", t.style(Tone::Muted)),
    ]
}

fn error_row(ctx: &Ctx<'_>, region: &RegionSnapshot) -> Line<'static> {
    let errors = [
        ("requests", &region.requests.error),
        ("5xx", &region.error_rate.error),
        ("p50", &region.latency_p50.error),
        (ctx.tail, &region.latency_p99.error),
        ("lag", &region.replication_lag.error),
        ("health", &region.health.error),
        ("database", &region.database.error),
        ("routing", &region.routing.error),
        ("writes", &region.write_freeze.error),
    ];
    // The control plane's outage is the header's to say, once, not every region's.
    let mut failing = errors
        .iter()
        .filter_map(|(name, e)| e.as_ref().map(|e| (*name, e)))
        .filter(|(_, e)| e.as_str() != crate::model::CONTROL_PLANE_UNREACHABLE)
        .map(|(name, e)| (name, crate::model::error_headline(e)));
    match failing.next() {
        None => Line::default(),
        Some((name, error)) => {
            let more = failing.count();
            let suffix = if more > 0 { format!(" (+{more} more)") } else { String::new() };
            let text = format!("! {name}: {}{suffix}", super::sanitize(error));
            // The whole error, its fix and AWS's own words are one key away: `i` describes.
            let hint = " [i]";
            let text = format!("{}{hint}", format::truncate(&text, ctx.width.saturating_sub(hint.len())));
            Line::from(Span::styled(format::truncate(&text, ctx.width), ctx.theme.style(Tone::Warn)))
        }
    }
}

fn draw_charts(frame: &mut Frame<'_>, area: Rect, app: &App, region: &RegionSnapshot, count: usize) {
    let rpo = app.incident.rpo.as_seconds_f64();
    let p99_limit = app.limits().p99_limit_ms();
    let error_limit = app.thresholds.error_rate_percent;
    let charts: [(String, &History, f64, f64, Level); 3] = [
        (
            format!("5xx % — limit {error_limit}%"),
            &region.error_rate_history,
            error_limit,
            100.0,
            region.error_rate.value.map_or(Level::Ok, |v| assess::level(v, error_limit)),
        ),
        (
            format!("{} — limit {}", app.latency_label, format_duration(app.thresholds.latency_p99)),
            &region.latency_p99_history,
            p99_limit,
            1.0,
            region.latency_p99.value.map_or(Level::Ok, |v| assess::level(v, p99_limit)),
        ),
        (
            format!("replication lag — RPO {}", format_duration(app.incident.rpo)),
            &region.lag_history,
            rpo,
            10.0,
            region.replication_lag.value.as_ref().map_or(Level::Ok, |l| assess::lag_level(l, app.incident.rpo)),
        ),
    ];
    let shown = u32::try_from(count.clamp(1, 3)).unwrap_or(3);
    let areas = Layout::vertical(vec![Constraint::Ratio(1, shown); count.clamp(1, 3)]).split(area);
    for ((title, history, limit, scale, level), chart) in charts.into_iter().zip(areas.iter()) {
        let [title_area, bars_area] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(*chart);
        let width = usize::from(bars_area.width);
        let writer = matches!(region.replication_lag.value, Some(Lag::Writer));
        let title = if history.is_empty() && writer && title.starts_with("replication lag") {
            format!("{title} — this region is the writer: nothing to replicate")
        } else if history.is_empty() {
            format!("{title} — no samples")
        } else {
            let span = app.snapshot.poll_interval * i32::try_from(history.len().min(width)).unwrap_or(i32::MAX);
            format!("{title} — last {}", format::age(span))
        };
        frame.render_widget(Paragraph::new(Span::styled(title, app.view.theme.style(Tone::Muted))), title_area);
        let data: Vec<u64> = history.last(width).map(|v| (v * scale).max(0.0).round() as u64).collect();
        // Scale to at least 1.25x the limit, so the limit sits at a fixed, readable height.
        let peak = data.iter().copied().max().unwrap_or(0);
        let max = ((limit * scale * 1.25).round() as u64).max(peak).max(1);
        frame.render_widget(
            Sparkline::default().data(&data).max(max).style(app.view.theme.style(tone_of(level))),
            bars_area,
        );
    }
}
