//! Header: who, what mode, what time, what targets; and a status line of what is wrong.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::app::App;
use crate::assess::{self, Level, Limits};
use crate::text::duration::format_duration;
use crate::theme::Tone;

/// The header, assessed once per frame: its height depends on the status line it draws.
pub struct Header {
    status: Line<'static>,
}

impl Header {
    pub fn new(app: &App) -> Self {
        Self { status: status_line(app) }
    }

    /// Rows needed at `width`: the title, and the status line wrapped to at most two rows.
    pub fn height(&self, width: u16) -> u16 {
        if self.status.width() > usize::from(width) { 3 } else { 2 }
    }

    pub fn draw(self, frame: &mut Frame<'_>, area: Rect, app: &App) {
        let [top, status] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area);
        frame.render_widget(Paragraph::new(title_line(app, area.width)).style(app.view.theme.style(Tone::Header)), top);
        frame.render_widget(Paragraph::new(self.status).wrap(Wrap { trim: true }), status);
    }
}

/// Below this width the clock drops the date and separators tighten, so everything still fits at 80.
const WIDE: u16 = 120;

fn title_line(app: &App, width: u16) -> Line<'static> {
    let t = &app.view.theme;
    let header = t.style(Tone::Header);
    let clock = if width >= WIDE { app.now.format("%Y-%m-%d %H:%M:%S UTC") } else { app.now.format("%H:%M:%SZ") };
    let mut spans = vec![
        Span::styled(" WARROOM ", header),
        Span::styled("│ ", header),
        Span::styled(format!("{} ", super::sanitize(&app.incident.name)), header),
        Span::styled("│ ", header),
        Span::styled(format!("{} ", app.mode().label()), header),
    ];
    // A joined terminal names its host, and says loudly when the host has gone quiet.
    // Narrow, the host's name and this terminal's author give way to the RTO clock.
    let wide = width >= WIDE;
    if let Some(joined) = &app.joined {
        if wide {
            spans.push(Span::styled(format!("{} ", super::sanitize(&joined.host)), header));
        }
        if let Some(silent) = joined.silent {
            let age = crate::text::duration::format_whole(silent);
            spans.push(Span::styled(format!("HOST SILENT {age} "), t.style(Tone::Critical)));
        }
    }
    spans.push(Span::styled("│ ", header));
    // On a shared incident, who this terminal is: "ana · operator".
    if let Some(role) = app.scribe.role {
        let who = if wide {
            format!("{} · {role} ", super::sanitize(&app.scribe.author))
        } else {
            format!("{} ", role.short())
        };
        spans.push(Span::styled(who, header));
        spans.push(Span::styled("│ ", header));
    }
    spans.extend([Span::styled(format!("{clock} "), header), Span::styled("│ ", header)]);
    let m = app.scribe.timeline.measurements();
    // Narrow: the RTO clock says the RTO, so the budget shows the RPO only; with a role in
    // the line too, not even that (the lag row shows the RPO).
    let budget = if width >= WIDE || m.impact_start.is_none() {
        Some(format!("RTO {} RPO {} ", format_duration(app.incident.rto), format_duration(app.incident.rpo)))
    } else if app.scribe.role.is_none() {
        Some(format!("RPO {} ", format_duration(app.incident.rpo)))
    } else {
        None
    };
    if let Some(budget) = &budget {
        spans.push(Span::styled(budget.clone(), header));
    }
    if let Some(start) = m.impact_start {
        if budget.is_some() {
            spans.push(Span::styled("│ ", header));
        }
        spans.extend(rto_clock(app, start, m.recovered, width >= WIDE));
    }
    if let Some(declared) = m.declared {
        let since = crate::text::duration::format_duration(chrono::Duration::seconds(
            (app.now - declared).num_seconds().max(0),
        ));
        spans.push(Span::styled(format!("declared {since} ago "), header));
    }
    // After a traffic shift: when the next one may be declared without an override.
    if let Some(shifted) = app.runs.last_shift()
        && app.incident.cooldown > chrono::Duration::zero()
        && app.now - shifted < app.incident.cooldown
    {
        let ends = shifted + app.incident.cooldown;
        let left = crate::text::format::age(ends - app.now);
        let text = if width >= WIDE {
            format!("cooldown until {} ({left}) ", ends.format("%H:%M"))
        } else {
            format!("cool {left} ")
        };
        spans.push(Span::styled(text, t.style(Tone::Warn)));
    }
    if let Some(sim) = app.sim {
        spans.push(Span::styled("│ ", header));
        let label = if width >= WIDE { "sim seed" } else { "seed" };
        spans.push(Span::styled(format!("{label} {} ×{} ", sim.seed, sim.speed), header));
    }
    Line::from(spans)
}

/// The RTO clock from impact: counting down, warn at half the target, critical past it; once
/// recovered (the rule `scribe::measure` uses), stopped and saying whether the RTO was met.
fn rto_clock(
    app: &App,
    start: chrono::DateTime<chrono::Utc>,
    recovered: Option<chrono::DateTime<chrono::Utc>>,
    wide: bool,
) -> Vec<Span<'static>> {
    let t = &app.view.theme;
    let header = t.style(Tone::Header);
    let rto = app.incident.rto;
    let whole = crate::text::duration::format_whole;
    if let Some(at) = recovered {
        let took = at - start;
        let (verdict, tone) = if took > rto { ("RTO missed", Tone::Critical) } else { ("within RTO", Tone::Ok) };
        return vec![
            Span::styled(format!("RECOVERED T+{} ", whole(took)), t.style(Tone::Ok)),
            Span::styled(format!("{verdict} "), t.style(tone)),
        ];
    }
    let elapsed = app.now - start;
    let (text, tone) = if elapsed >= rto {
        (format!("RTO over by {} ", whole(elapsed - rto)), Some(Tone::Critical))
    } else {
        let tone = (elapsed * 2 >= rto).then_some(Tone::Warn);
        (format!("RTO {} left ", whole(rto - elapsed)), tone)
    };
    let impact = if wide { "impact " } else { "" };
    vec![
        Span::styled(format!("{impact}T+{} ", whole(elapsed)), header),
        Span::styled(text, tone.map_or(header, |tone| t.style(tone))),
    ]
}

/// One line naming every breach, region by region, worst first; or that all is well.
fn status_line(app: &App) -> Line<'static> {
    let t = &app.view.theme;
    let limits = Limits {
        thresholds: &app.thresholds,
        rpo: app.incident.rpo,
        now: app.now,
        poll_interval: app.snapshot.poll_interval,
    };
    let mut spans = Vec::new();
    if let Some(health) = app.scribe.store_health() {
        spans.push(Span::styled(format!(" ✗ {} ", super::sanitize(&health)), t.style(Tone::Critical)));
    }
    if let Some(error) = &app.scribe.error {
        let waiting = app.scribe.pending();
        let queued = if waiting > 0 { format!(" ({waiting} automatic entries waiting)") } else { String::new() };
        spans.push(Span::styled(
            format!(" ✗ JOURNAL NOT SAVING: {}{queued} ", super::sanitize(error)),
            t.style(Tone::Critical),
        ));
    }
    let control_plane_down = app.snapshot.control_plane_unreachable(app.now);
    if control_plane_down {
        spans.push(Span::styled(
            format!(" ✗ {}: Route 53 changes and health API ", crate::model::CONTROL_PLANE_UNREACHABLE),
            t.style(Tone::Critical),
        ));
    }
    let verdict = assess::verdict::assess(&app.snapshot, limits, app.single_writer);
    // The same breach everywhere (every region not answering, for one cause) is said once:
    // at 80 columns the status line has two rows, and the cause must fit in them.
    let texts: Vec<String> = verdict
        .regions
        .iter()
        .map(|r| r.findings.iter().map(|f| f.text.as_str()).collect::<Vec<_>>().join(" · "))
        .collect();
    let everywhere = texts.len() > 1 && texts.iter().all(|t| !t.is_empty() && *t == texts[0]);
    for (region, text) in verdict.regions.iter().zip(&texts) {
        let Some(worst) = region.findings.iter().map(|f| f.level).max() else { continue };
        let tone = if worst == Level::Critical { Tone::Critical } else { Tone::Warn };
        let name = if everywhere { "every region" } else { region.name.as_str() };
        spans.push(Span::styled(format!(" ▲ {name}: "), t.style(tone)));
        spans.push(Span::styled(format!("{} ", super::sanitize(text)), t.style(Tone::Text)));
        if everywhere {
            break;
        }
    }
    if let Some(split) = &verdict.split {
        spans.push(Span::styled(" ▲ split brain: ", t.style(Tone::Critical)));
        spans.push(Span::styled(format!("{} ", split.text), t.style(Tone::Text)));
    }
    // Unknown is said, never left out: only the first two polls may pass in silence.
    if verdict.nothing_yet() {
        if app.first_polls() {
            spans.push(Span::styled(" waiting for the first poll…", t.style(Tone::Muted)));
        } else {
            let since_start = crate::text::format::age(app.now - app.started);
            let text = format!(" ? every region unknown: nothing read in {since_start} ");
            spans.push(Span::styled(text, t.style(Tone::Warn)));
        }
    } else {
        // Left out: what the ✗ line says, and, in the first polls, readings not come yet.
        let mut said = Vec::new();
        if control_plane_down {
            said.push(crate::model::CONTROL_PLANE_UNREACHABLE);
        }
        if app.first_polls() {
            said.push(assess::verdict::NEVER_READ);
        }
        for line in verdict.unknown_lines(&said) {
            spans.push(Span::styled(format!(" ? {} ", super::sanitize(&line)), t.style(Tone::Warn)));
        }
    }
    if spans.is_empty() {
        spans.push(if verdict.all_ok() {
            Span::styled(" ✓ all regions within thresholds", t.style(Tone::Ok))
        } else {
            // Only first readings are missing, within the first polls.
            Span::styled(" waiting for the first poll…", t.style(Tone::Muted))
        });
    }
    Line::from(spans)
}
