//! The describe view (k9s's `d`, here `i`): one region row in full. The verdict and why, the
//! reading with its age, where it comes from and what statistic, the last error whole (its
//! sentence, its fix, AWS's own words) and the config keys behind the row: everything a row
//! cuts at its column, for the person who has to fix it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::app::{App, Overlay};
use crate::assess::verdict;
use crate::model::{Freshness, Lag, RegionSnapshot, SignalKey, error_details, error_headline};
use crate::text::format;
use crate::text::sanitize::inert;
use crate::theme::Tone;

/// Width of the label column.
const LABEL: usize = 11;

pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let Overlay::Describe { region, signal } = app.view.overlay else { return };
    let Some(r) = app.snapshot.regions.get(region) else { return };
    let lines = lines(app, region, r, signal);
    let width = 110.min(area.width.saturating_sub(2));
    let text_width = width.saturating_sub(2).max(1);
    let rows: u16 =
        lines.iter().map(|l| u16::try_from(l.width()).unwrap_or(u16::MAX).div_ceil(text_width).max(1)).sum();
    let height = (rows + 2).min(area.height.saturating_sub(2)).max(3);
    let title = format!(" {} · {} ", inert(&r.name), row_name(app, signal));
    let inner = super::overlay_box(frame, area, (width, height), app, &title, Tone::Accent);
    // Scrolled, but never past the end: the last screenful stays in view.
    let scroll = app.view.describe_scroll.min(rows.saturating_sub(inner.height));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }).scroll((scroll, 0)), inner);
}

/// The row as the region pane labels it.
fn row_name(app: &App, key: SignalKey) -> String {
    match key {
        SignalKey::Custom(i) => {
            app.thresholds.signals.get(usize::from(i)).map_or_else(|| "signal".to_owned(), |s| inert(&s.label))
        }
        SignalKey::ErrorRate => "5xx".to_owned(),
        SignalKey::LatencyP99 => format!("latency {}", app.latency_label),
        SignalKey::ReplicationLag => "replication lag".to_owned(),
        SignalKey::HealthChecks => "health checks".to_owned(),
        SignalKey::WriteFreeze => "writes (freeze flag)".to_owned(),
        k => k.short().to_owned(),
    }
}

/// Everything the view says, line by line (pure: the snapshot test reads it).
pub fn lines(app: &App, index: usize, region: &RegionSnapshot, key: SignalKey) -> Vec<Line<'static>> {
    let t = &app.view.theme;
    let (now, interval) = (app.now, app.snapshot.poll_interval);
    let status = region.status_of(key, now, interval);
    let judged = verdict::region(region, app.limits());
    let mut out = Vec::new();
    let mut field = |label: &str, text: String, tone: Tone| {
        out.push(Line::from(vec![
            Span::styled(format!("{label:LABEL$}"), t.style(Tone::Muted)),
            Span::styled(inert(&text), t.style(tone)),
        ]));
    };

    let (state, tone) = if let Some(f) = judged.findings.iter().find(|f| f.signal == Some(key)) {
        (format!("past a threshold: {}", f.text), super::tone_of(f.level))
    } else if let Some(u) = judged.unknown.iter().find(|u| u.signal == key) {
        (format!("unknown: {}", u.reason), Tone::Warn)
    } else if status.freshness == Freshness::Fresh && status.error.is_some() {
        ("known for now, but its newest poll failed: unknown if the next ones fail too".to_owned(), Tone::Warn)
    } else if status.freshness == Freshness::Fresh {
        ("known: fresh and within its lines".to_owned(), Tone::Ok)
    } else {
        ("not read: nothing is configured for it here".to_owned(), Tone::Muted)
    };
    field("State", state, tone);

    let reading = match (value_text(app, region, key), status.observed_at) {
        (Some(value), Some(at)) => {
            let freshness = match status.freshness {
                Freshness::Fresh => "fresh".to_owned(),
                Freshness::Stale => format!(
                    "STALE: older than {} polls of {}",
                    crate::model::STALE_AFTER_INTERVALS,
                    format::age(interval)
                ),
                Freshness::Missing => "missing".to_owned(),
            };
            format!("{value} · read {} ({} ago) · {freshness}", at.format("%H:%M:%SZ"), format::age(now - at))
        }
        _ => "never read successfully".to_owned(),
    };
    field("Reading", reading, Tone::Text);

    let provenance = app.resources.provenance.get(index).and_then(|rows| rows.iter().find(|(k, _)| *k == key));
    if let Some((_, p)) = provenance {
        let source = match app.sim {
            Some(sim) => format!("the simulated world (seed {}), standing in for {}", sim.seed, p.source),
            None => p.source.clone(),
        };
        field("Source", source, Tone::Text);
        if let Some(statistic) = &p.statistic {
            field("Statistic", statistic.clone(), Tone::Text);
        }
    }

    match (status.error, status.error_at) {
        (Some(error), at) => {
            let when =
                at.map(|at| format!("{} ({} ago)", at.format("%H:%M:%SZ"), format::age(now - at))).unwrap_or_default();
            field("Last error", when, Tone::Warn);
            field("", error_headline(error).to_owned(), Tone::Warn);
            for (label, text) in error_details(error) {
                let label = if label == crate::aws::error::FIX { "Fix" } else { label };
                field(label, text.to_owned(), if label == "Fix" { Tone::Accent } else { Tone::Muted });
            }
        }
        (None, _) => field("Last error", "none since the last successful read".to_owned(), Tone::Muted),
    }

    if let Some((_, p)) = provenance {
        // The simulated world needs no traffic source: only a live config's absence is news.
        let keys = p.keys.iter().filter(|k| app.sim.is_none() || !k.starts_with("no traffic source"));
        for (i, key) in keys.enumerate() {
            field(if i == 0 { "Config" } else { "" }, key.clone(), Tone::Text);
        }
    }
    out.push(Line::default());
    out.push(Line::from(Span::styled("j/k scroll · Esc close", t.style(Tone::Accent))));
    out
}

/// The reading in words, as the region pane would show it (without colours).
fn value_text(app: &App, r: &RegionSnapshot, key: SignalKey) -> Option<String> {
    Some(match key {
        SignalKey::Requests => format!("{} req/s", format::thousands(r.requests.value?)),
        SignalKey::ErrorRate => {
            format!("{} (limit {}%)", format::percent(r.error_rate.value?), app.thresholds.error_rate_percent)
        }
        SignalKey::LatencyP50 => format!("p50 {}", format::millis(r.latency_p50.value?)),
        SignalKey::LatencyP99 => format!(
            "{} {} (limit {})",
            app.latency_label,
            format::millis(r.latency_p99.value?),
            format::millis(app.limits().p99_limit_ms())
        ),
        SignalKey::ReplicationLag => match r.replication_lag.value? {
            Lag::Writer => "the writer: nothing to replicate".to_owned(),
            Lag::Behind(s) => format!("{} behind (RPO {})", format::seconds(s), format::age(app.incident.rpo)),
            Lag::NotReplicating => "NOT REPLICATING".to_owned(),
        },
        SignalKey::HealthChecks => {
            let h = r.health.value?;
            format!("{}/{} checkers healthy", h.healthy, h.total)
        }
        SignalKey::Database => {
            let d = r.database.value.as_ref()?;
            format!("{} {} at {}", d.role.label(), d.identifier, if d.endpoint.is_empty() { "?" } else { &d.endpoint })
        }
        SignalKey::Routing => {
            let x = r.routing.value.as_ref()?;
            format!("{} {}", x.record_set_id, if x.active { "ACTIVE" } else { "standby" })
        }
        SignalKey::WriteFreeze => if r.write_freeze.value? { "FROZEN" } else { "open" }.to_owned(),
        SignalKey::Capacity => {
            let c = r.capacity.value.as_ref()?;
            format!("{} {}/{} running (desired {})", c.what, c.running, c.needed, c.desired)
        }
        SignalKey::Alarms => {
            let a = r.alarms.value.as_ref()?;
            format!("{} alarms, {} in ALARM", a.alarms.len(), a.count(crate::model::AlarmState::Alarm))
        }
        SignalKey::Secrets => {
            let s = r.secrets.value.as_ref()?;
            format!("{} present, {} missing", s.secrets.len() - s.missing().len(), s.missing().len())
        }
        SignalKey::HealthyTargets => format!("{} healthy targets", format::thousands(r.healthy_targets.value?)),
        SignalKey::Custom(i) => {
            let v = r.custom.get(usize::from(i))?.signal.value?;
            app.thresholds.signals.get(usize::from(i)).map_or_else(|| v.to_string(), |s| s.unit.show(v))
        }
        SignalKey::Integrity | SignalKey::ControlPlane | SignalKey::Reachable => return None,
    })
}
