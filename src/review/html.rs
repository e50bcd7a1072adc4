//! `export --format html`: the review as one self-contained page. The summary and the phase
//! durations as a bar; per region, charts of what the signals did (from the flight
//! recording) with the thresholds and a marker for each moment people acted; the runbook as
//! it was run; overrides, notes, comms and decisions; the timeline; the drill scorecard.
//!
//! Nothing is fetched: the style is inline, the charts are inline SVG, and there is no
//! script. The markup is well-formed XML (XHTML syntax), so a strict parser reads it. People's
//! text is escaped and made inert. A print stylesheet keeps charts and rows whole across pages,
//! and nothing depends on colour alone: markers carry codes, misses say so in words.

use std::fmt::Write as _;

use chrono::Duration;

use super::charts::{self, Chart, Charted, Samples};
use super::export::{Review, Zone, author_cell, entry_author, override_rows, rpo_text, rto_text, timeline_rows};
use super::postmortem;
use crate::config::Config;
use crate::drill::Scorecard;
use crate::model::Update;
use crate::scribe::entry::{Entry, Kind};
use crate::text::duration::format_duration;
use crate::text::format::t_plus;

const STYLE: &str = r#"
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #111; margin: 24px auto; max-width: 1180px; padding: 0 16px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 28px 0 8px; border-bottom: 2px solid #333; padding-bottom: 2px; }
h3 { font-size: 16px; margin: 18px 0 6px; }
.meta { color: #444; margin: 0 0 8px; }
nav.toc { margin: 0 0 12px; font-size: 13px; }
nav.toc a { color: #1a4f9c; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; }
th, td { border: 1px solid #bbb; padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: #f0f0f0; }
td.num { white-space: nowrap; font-variant-numeric: tabular-nums; }
.missed { font-weight: bold; }
.phases { display: flex; width: 100%; border: 1px solid #333; height: 44px; margin: 8px 0; }
.phase { overflow: hidden; border-right: 2px solid #fff; padding: 3px 5px; font-size: 12px; color: #000; min-width: 4px; }
.phase:nth-child(4n+1) { background: #f4c7c3; }
.phase:nth-child(4n+2) { background: #fce8b2; }
.phase:nth-child(4n+3) { background: #c6dafc; }
.phase:nth-child(4n+4) { background: #b7e1cd; }
figure.chart { margin: 8px 0 14px; break-inside: avoid; page-break-inside: avoid; }
figure.chart svg { max-width: 100%; height: auto; border: 1px solid #ddd; }
figcaption { font-size: 12px; color: #333; }
.legend { font-size: 12px; columns: 2; margin: 4px 0 12px; padding-left: 18px; }
.notice { border-left: 4px solid #555; padding: 6px 10px; background: #f6f6f6; }
del { text-decoration: line-through; color: #555; }
.struck { font-size: 12px; color: #333; }
.kind { white-space: nowrap; }
@media print {
  nav.toc { display: none; }
  body { margin: 0; max-width: none; font-size: 11px; }
  h2 { break-after: avoid; page-break-after: avoid; }
  tr, .phases, .legend { break-inside: avoid; page-break-inside: avoid; }
  th { background: none; }
  .phase { background: none !important; border-right: 1px solid #000; }
  figure.chart svg { border: none; }
}
"#;

/// HTML-escaped and inert: control characters shown as symbols, markup as text.
fn esc(text: &str) -> String {
    let inert = crate::text::sanitize::inert(text);
    let mut out = String::with_capacity(inert.len());
    for c in inert.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// What the report is made from.
pub struct Inputs<'a> {
    pub entries: &'a [Entry],
    pub config: &'a Config,
    /// The recording's readings, in time order; `None` when there is none (the charts are
    /// left out, and the report says so).
    pub updates: Option<&'a [Update]>,
    /// What was replayed: "drill primary-outage", "demo", "config warroom.toml".
    pub source: &'a str,
    /// Said under the title: the recording's end was torn, say.
    pub note: Option<&'a str>,
    pub zone: Zone,
}

pub fn render(inputs: &Inputs<'_>) -> Result<String, String> {
    let r = Review::new(inputs.entries);
    let zone = inputs.zone;
    let mut out = String::with_capacity(inputs.entries.len() * 260 + 64 * 1024);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n<title>Incident review: {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        esc(&r.incident)
    );
    let _ = writeln!(out, "<h1>Incident review: {}</h1>", esc(&r.incident));
    let span = match (r.entries.first(), r.entries.last()) {
        (Some(a), Some(b)) => format!(
            "{} → {} ({})",
            zone.stamp(a.at),
            zone.stamp(b.at),
            format_duration(Duration::seconds((b.at - a.at).num_seconds()))
        ),
        _ => String::new(),
    };
    let _ =
        writeln!(out, "<p class=\"meta\">{} · {} · times in {}</p>", esc(&span), esc(inputs.source), esc(&zone.name()));
    if let Some(note) = inputs.note {
        let _ = writeln!(out, "<p class=\"notice\">{}</p>", esc(note));
    }
    let shared = !crate::scribe::team::team(r.entries).is_empty();
    nav(&mut out, Scorecard::from_entries(r.entries).is_some(), shared);
    summary(&mut out, &r, zone);
    team(&mut out, r.entries, zone);
    phases(&mut out, &r);
    charts_section(&mut out, inputs, &r)?;
    runbook(&mut out, &r, zone);
    if let Some(card) = Scorecard::from_entries(r.entries) {
        scorecard(&mut out, &card);
    }
    overrides(&mut out, &r, zone);
    let impact = r.measurements.impact_start;
    let struck = super::export::struck_by(r.entries);
    for (title, kinds) in [("Decisions", &[Kind::Decision][..]), ("Notes", &[Kind::Note]), ("Comms", &[Kind::Comms])] {
        let items: Vec<&Entry> = r.timeline().filter(|e| kinds.contains(&e.kind)).collect();
        entry_list(&mut out, title, &items, &struck, zone, impact);
    }
    timeline(&mut out, &r, zone);
    let _ = writeln!(
        out,
        "<h2 id=\"action-items\">Action items</h2>\n<table>\n<thead><tr><th>action</th><th>owner</th><th>due</th><th>tracking</th></tr></thead>\n<tbody><tr><td>&#160;</td><td>&#160;</td><td>&#160;</td><td>&#160;</td></tr></tbody>\n</table>\n<p>What went well, what went wrong, where we got lucky: written blamelessly, about systems and signals, not people.</p>"
    );
    out.push_str("</body>\n</html>\n");
    Ok(out)
}

/// Links to the sections, within the page.
fn nav(out: &mut String, drill: bool, team: bool) {
    let mut sections = vec![("summary", "Summary")];
    if team {
        sections.push(("team", "Team"));
    }
    sections.extend([("phases", "Phases"), ("signals", "Signals"), ("runbook", "Runbook")]);
    if drill {
        sections.push(("scorecard", "Scorecard"));
    }
    sections.extend([
        ("overrides", "Overrides"),
        ("decisions", "Decisions"),
        ("notes", "Notes"),
        ("comms", "Comms"),
        ("timeline", "Timeline"),
        ("action-items", "Action items"),
    ]);
    let links: Vec<String> = sections.iter().map(|(id, title)| format!("<a href=\"#{id}\">{title}</a>")).collect();
    let _ = writeln!(out, "<nav class=\"toc\">{}</nav>", links.join(" · "));
}

fn summary(out: &mut String, r: &Review<'_>, zone: Zone) {
    let m = &r.measurements;
    let people = super::export::people(r.entries).iter().map(|p| esc(p)).collect::<Vec<_>>().join(", ");
    let target = |s: Option<f64>| {
        s.map_or_else(|| "—".to_owned(), |s| format_duration(Duration::milliseconds((s * 1000.0) as i64)))
    };
    let verdict = |(text, missed): (String, bool)| {
        if missed { format!("<span class=\"missed\">{} — missed target</span>", esc(&text)) } else { esc(&text) }
    };
    let time = |t: Option<chrono::DateTime<chrono::Utc>>| t.map_or_else(|| "—".to_owned(), |t| zone.stamp(t));
    let _ = writeln!(out, "<h2 id=\"summary\">Summary</h2>\n<table>\n<tbody>");
    let _ = writeln!(
        out,
        "<tr><th>People</th><td colspan=\"2\">{}</td></tr>",
        if people.is_empty() { "—".into() } else { people }
    );
    let _ = writeln!(out, "<tr><th>Entries</th><td colspan=\"2\">{}</td></tr>", r.timeline().count());
    let _ = writeln!(out, "<tr><th></th><th>target</th><th>measured</th></tr>");
    let _ = writeln!(
        out,
        "<tr><th>RTO</th><td>{}</td><td>{}</td></tr>",
        target(m.rto_target_seconds),
        verdict(rto_text(m))
    );
    let _ = writeln!(
        out,
        "<tr><th>RPO</th><td>{}</td><td>{}</td></tr>",
        target(m.rpo_target_seconds),
        verdict(rpo_text(m))
    );
    let source = m.impact_source.map(|s| format!(" ({s})")).unwrap_or_default();
    let _ = writeln!(out, "<tr><th>Impact start</th><td></td><td>{}{}</td></tr>", time(m.impact_start), esc(&source));
    let _ = writeln!(out, "<tr><th>Declared</th><td></td><td>{}</td></tr>", time(m.declared));
    let _ = writeln!(out, "<tr><th>Traffic shifted</th><td></td><td>{}</td></tr>", time(m.traffic_shifted));
    let _ = writeln!(out, "<tr><th>Recovered</th><td></td><td>{}</td></tr>", time(m.recovered));
    let _ = writeln!(out, "</tbody>\n</table>");
}

/// The phases as one bar (each segment as wide as its share of the time) and as a table.
fn phases(out: &mut String, r: &Review<'_>) {
    let phases = postmortem::phases(r.entries, &r.measurements);
    let _ = writeln!(out, "<h2 id=\"phases\">Phases</h2>");
    if phases.is_empty() {
        let _ = writeln!(
            out,
            "<p>No phases: the journal has fewer than two of impact, detection, declaration, shift and recovery.</p>"
        );
        return;
    }
    let total: i64 = phases.iter().map(|p| p.duration().num_seconds().max(1)).sum();
    let _ = writeln!(out, "<div class=\"phases\" role=\"img\" aria-label=\"phase durations\">");
    for p in &phases {
        let share = p.duration().num_seconds().max(1) as f64 * 100.0 / total as f64;
        let label = format!("{} {}", p.name, crate::text::duration::format_whole(p.duration()));
        let _ = writeln!(out, "<div class=\"phase\" style=\"width: {share:.2}%\" title=\"{0}\">{0}</div>", esc(&label));
    }
    let _ = writeln!(out, "</div>\n<table>\n<thead><tr><th>phase</th><th>took</th></tr></thead>\n<tbody>");
    for p in &phases {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td class=\"num\">{}</td></tr>",
            esc(p.name),
            crate::text::duration::format_whole(p.duration())
        );
    }
    let _ = writeln!(out, "</tbody>\n</table>");
}

fn charts_section(out: &mut String, inputs: &Inputs<'_>, r: &Review<'_>) -> Result<(), String> {
    let _ = writeln!(out, "<h2 id=\"signals\">What the signals did</h2>");
    let Some(updates) = inputs.updates else {
        let _ = writeln!(
            out,
            "<p class=\"notice\">No flight recording beside this journal, so there are no readings to chart: the charts are left out.</p>"
        );
        return Ok(());
    };
    let markers = charts::markers(r.entries, &r.measurements, inputs.config);
    let Some((start, end)) = super::replay::span(r.entries, updates) else { return Ok(()) };
    let thresholds = &inputs.config.thresholds;
    let latency = inputs.config.aws.latency_statistic.label();
    let rpo = inputs.config.incident.rpo;
    for (i, region) in inputs.config.regions.iter().enumerate() {
        let _ = writeln!(
            out,
            "<section class=\"region\">\n<h3>{} ({})</h3>",
            esc(&region.name),
            region.role.label().to_lowercase()
        );
        for signal in Charted::ALL {
            let limit = match signal {
                Charted::ErrorRate => {
                    (thresholds.error_rate_percent, format!("limit {}%", thresholds.error_rate_percent))
                }
                Charted::Latency => (
                    thresholds.latency_p99.as_seconds_f64() * 1000.0,
                    format!("limit {}", format_duration(thresholds.latency_p99)),
                ),
                Charted::Lag => (rpo.as_seconds_f64(), format!("RPO {}", format_duration(rpo))),
            };
            let samples = charts::samples(updates, i, signal);
            let title = format!("{} {}", region.name, signal.title(latency));
            let svg = charts::svg(&Chart {
                title: title.clone(),
                start,
                end,
                samples: &samples,
                limit: Some(limit),
                markers: &markers,
            })?;
            let caption = match &samples {
                Samples::Points(p) => format!("{title}: {} samples", p.len()),
                Samples::None(why) => format!("{title}: no samples ({why})"),
            };
            let _ = writeln!(
                out,
                "<figure class=\"chart\" data-region=\"{}\" data-signal=\"{}\">\n{svg}\n<figcaption>{}</figcaption>\n</figure>",
                esc(&region.name),
                signal.id(),
                esc(&caption)
            );
        }
        let _ = writeln!(out, "</section>");
    }
    if !markers.is_empty() {
        let _ = writeln!(out, "<p>Markers on every chart:</p>\n<ul class=\"legend\">");
        for m in &markers {
            let _ = writeln!(out, "<li><b>{}</b> {} — {}</li>", esc(&m.code), inputs.zone.stamp(m.at), esc(&m.label));
        }
        let _ = writeln!(out, "</ul>");
    }
    Ok(())
}

fn runbook(out: &mut String, r: &Review<'_>, zone: Zone) {
    let runs = postmortem::step_runs(r.entries);
    let _ = writeln!(out, "<h2 id=\"runbook\">Runbook</h2>");
    if runs.is_empty() {
        let _ = writeln!(out, "<p>No runbook step was run.</p>");
        return;
    }
    let _ = writeln!(
        out,
        "<table>\n<thead><tr><th>runbook</th><th>step</th><th>who</th><th>start</th><th>end</th><th>took</th><th>result</th><th>tries</th><th>reasons</th></tr></thead>\n<tbody>"
    );
    for s in &runs {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            esc(&s.runbook),
            esc(&s.step),
            esc(&author_cell(r.entries, &s.who)),
            zone.stamp(s.start),
            s.end.map_or_else(|| "—".to_owned(), |t| zone.stamp(t)),
            s.duration().map_or_else(|| "—".to_owned(), crate::text::duration::format_whole),
            esc(&s.result.label()),
            s.attempts,
            esc(&s.reasons.join("; "))
        );
    }
    let _ = writeln!(out, "</tbody>\n</table>");
}

fn scorecard(out: &mut String, card: &Scorecard) {
    let _ = writeln!(
        out,
        "<h2 id=\"scorecard\">Drill scorecard: {}</h2>\n<p>Result: <b>{}</b> (seed {})</p>\n<table>\n<tbody>",
        esc(&card.scenario),
        if card.passed { "passed" } else { "missed expectations" },
        card.seed
    );
    for (label, value) in card.measures() {
        let _ = writeln!(out, "<tr><th>{}</th><td>{}</td></tr>", esc(label), esc(&value));
    }
    let _ = writeln!(out, "</tbody>\n</table>");
    let list = |out: &mut String, title: &str, lines: Vec<String>| {
        if lines.is_empty() {
            return;
        }
        let _ = writeln!(out, "<h3>{title}</h3>\n<ul>");
        for line in lines {
            let _ = writeln!(out, "<li>{}</li>", esc(&line));
        }
        let _ = writeln!(out, "</ul>");
    };
    list(out, "Faults injected", card.fault_lines());
    list(out, "Failed steps", card.failed_step_lines());
    list(
        out,
        "Expectations",
        card.expectations.iter().map(|e| format!("{} {} — {}", e.mark(), e.expectation, e.detail)).collect(),
    );
}

fn overrides(out: &mut String, r: &Review<'_>, zone: Zone) {
    let overrides = override_rows(r, zone);
    let _ = writeln!(out, "<h2 id=\"overrides\">Guard overrides</h2>");
    if overrides.is_empty() {
        let _ = writeln!(out, "<p>None.</p>");
        return;
    }
    let _ = writeln!(out, "<ul>");
    for o in overrides {
        let _ = write!(
            out,
            "<li><b>{}</b> {} — {}: step <code>{}</code> past {}: {}",
            o.stamp,
            o.t_plus,
            esc(&o.author),
            esc(o.step),
            esc(&o.guards),
            esc(&o.reason)
        );
        if !o.notes.is_empty() {
            let _ = write!(out, "<ul>");
            for (guard, why) in &o.notes {
                let _ = write!(out, "<li><code>{}</code>: {}</li>", esc(guard), esc(why));
            }
            let _ = write!(out, "</ul>");
        }
        let _ = writeln!(out, "</li>");
    }
    let _ = writeln!(out, "</ul>");
}

fn entry_list(
    out: &mut String,
    title: &str,
    items: &[&Entry],
    struck: &std::collections::HashMap<&str, &Entry>,
    zone: Zone,
    impact: Option<chrono::DateTime<chrono::Utc>>,
) {
    let _ = writeln!(out, "<h2 id=\"{}\">{title}</h2>", title.to_lowercase());
    if items.is_empty() {
        let _ = writeln!(out, "<p>None.</p>");
        return;
    }
    let _ = writeln!(out, "<ul>");
    for e in items {
        let region = e.region.as_deref().map(|r| format!(" [{}]", esc(r))).unwrap_or_default();
        let text = match struck.get(e.id.as_str()) {
            Some(a) => struck_text(&e.text, &a.author, a.data_str("reason").unwrap_or("")),
            None => esc(&e.text),
        };
        let _ = writeln!(
            out,
            "<li><b>{}</b> {} — {}{region}: {text}</li>",
            zone.stamp(e.at),
            t_plus(e.at, impact),
            esc(&entry_author(e)),
        );
    }
    let _ = writeln!(out, "</ul>");
}

/// A struck entry stays, crossed out, with who struck it and why.
fn struck_text(text: &str, who: &str, why: &str) -> String {
    format!("<del>{}</del> <span class=\"struck\">(struck through by {}: {})</span>", esc(text), esc(who), esc(why))
}

/// "Team": who held which role from when to when (a shared incident; solo journals have none).
fn team(out: &mut String, entries: &[Entry], zone: Zone) {
    let held = crate::scribe::team::team(entries);
    if held.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "<h2 id=\"team\">Team</h2>\n<table>\n<thead><tr><th>who</th><th>role</th><th>from</th><th>to</th></tr></thead>\n<tbody>"
    );
    for h in held {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            esc(&h.author),
            h.role,
            zone.stamp(h.from),
            zone.stamp(h.to)
        );
    }
    let _ = writeln!(out, "</tbody>\n</table>");
}

fn timeline(out: &mut String, r: &Review<'_>, zone: Zone) {
    let _ = writeln!(
        out,
        "<h2 id=\"timeline\">Timeline</h2>\n<table>\n<thead><tr><th>time ({})</th><th>T+</th><th>author (role)</th><th>kind</th><th>region</th><th>step</th><th>text</th></tr></thead>\n<tbody>",
        esc(&zone.name())
    );
    for row in timeline_rows(r, zone) {
        // A struck entry stays, crossed out, with who struck it and why.
        let text = match row.struck {
            Some((who, why)) => struck_text(row.text, who, why),
            None => esc(row.text),
        };
        let _ = writeln!(
            out,
            "<tr><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td class=\"kind\">{}</td><td class=\"kind\">{}</td><td>{}</td><td>{text}</td></tr>",
            row.stamp,
            row.t_plus,
            esc(&row.author),
            row.kind,
            esc(row.region),
            esc(row.step),
        );
    }
    let _ = writeln!(out, "</tbody>\n</table>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_inert() {
        assert_eq!(
            esc("<script>alert('x')</script> & \"y\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;y&quot;"
        );
        assert_eq!(esc("\u{1b}[2J"), "␛[2J");
    }
}
