//! Timeline export for the post-incident review: Markdown, JSON, CSV (RFC 4180).
//!
//! Times are shown in UTC or a chosen zone. People's text is made inert (control characters
//! shown as symbols) in Markdown and CSV, and CSV cells that a spreadsheet would run as a
//! formula are neutralised.

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;
use std::str::FromStr;

use chrono::{DateTime, Duration, FixedOffset, TimeZone, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use super::postmortem;
use crate::drill::Scorecard;
use crate::scribe::Observed;
use crate::scribe::entry::{Entry, Kind, SYSTEM_AUTHOR};
use crate::scribe::measure::{Measurements, measure};
use crate::text::duration::format_duration;
use crate::text::format::t_plus;
use crate::text::sanitize::inert;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Md,
    Json,
    Csv,
}

/// A time zone for display: an IANA name (`Europe/Berlin`), `UTC`, or a fixed offset (`+05:30`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Zone {
    Named(Tz),
    Fixed(FixedOffset),
}

impl Zone {
    pub fn utc() -> Self {
        Zone::Named(Tz::UTC)
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        if let Ok(tz) = Tz::from_str(text) {
            return Ok(Zone::Named(tz));
        }
        if let Ok(offset) = FixedOffset::from_str(text) {
            return Ok(Zone::Fixed(offset));
        }
        Err(format!(
            "unknown time zone `{text}`: use an IANA name like Europe/Berlin or America/New_York, UTC, or an offset like +05:30"
        ))
    }

    pub fn name(&self) -> String {
        match self {
            Zone::Named(tz) => tz.name().to_owned(),
            Zone::Fixed(offset) => offset.to_string(),
        }
    }

    fn offset_at(&self, t: DateTime<Utc>) -> FixedOffset {
        match self {
            Zone::Named(tz) => tz.offset_from_utc_datetime(&t.naive_utc()).fix(),
            Zone::Fixed(offset) => *offset,
        }
    }

    fn local(&self, t: DateTime<Utc>) -> DateTime<FixedOffset> {
        t.with_timezone(&self.offset_at(t))
    }

    /// `2026-11-24 03:04:05 +05:30`, or `… UTC` in UTC.
    pub fn stamp(&self, t: DateTime<Utc>) -> String {
        let local = self.local(t);
        if local.offset().local_minus_utc() == 0 && self.name() == "UTC" {
            local.format("%Y-%m-%d %H:%M:%S UTC").to_string()
        } else {
            local.format("%Y-%m-%d %H:%M:%S %:z").to_string()
        }
    }

    pub fn rfc3339(&self, t: DateTime<Utc>) -> String {
        self.local(t).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    }
}

use chrono::Offset as _;

/// What an export is built from: the entries and what the journal says about itself.
pub struct Review<'a> {
    pub entries: &'a [Entry],
    pub measurements: Measurements,
    pub incident: String,
    pub pinned: Vec<&'a Entry>,
}

impl<'a> Review<'a> {
    pub fn new(entries: &'a [Entry]) -> Self {
        let incident = entries
            .iter()
            .filter(|e| e.kind == Kind::Observation)
            .find_map(|e| match e.observed() {
                Some(Observed::JournalOpened(facts)) => Some(facts.incident),
                _ => None,
            })
            .filter(|name| !name.is_empty())
            .unwrap_or_else(|| "incident".to_owned());
        Self { entries, measurements: measure(entries), incident, pinned: pinned(entries) }
    }

    /// Entries that belong in the timeline (pin markers are folded into their targets), in
    /// time order: each entry placed by its own time, journal order among equal times.
    pub(super) fn timeline(&self) -> impl Iterator<Item = &'a Entry> + use<'a> {
        let mut shown: Vec<&'a Entry> = self.entries.iter().filter(|e| e.kind != Kind::Pin).collect();
        shown.sort_by_key(|e| e.at);
        shown.into_iter()
    }
}

/// The entries currently pinned, in journal order: the last pin or unpin of each target wins.
pub fn pinned(entries: &[Entry]) -> Vec<&Entry> {
    let mut state: HashMap<String, bool> = HashMap::new();
    for pin in entries.iter().filter(|e| e.kind == Kind::Pin).filter_map(Entry::pin) {
        state.insert(pin.target, pin.pinned);
    }
    entries.iter().filter(|e| state.get(&e.id).copied().unwrap_or(false)).collect()
}

pub fn render(entries: &[Entry], format: Format, zone: Zone) -> String {
    let review = Review::new(entries);
    match format {
        Format::Md => markdown(&review, zone),
        Format::Json => json(&review, zone),
        Format::Csv => csv(&review, zone),
    }
}

fn kind_label(kind: Kind) -> &'static str {
    kind.as_str()
}

/// Inert and safe inside a Markdown table cell: HTML escaped, bidi and zero-width named.
fn md_cell(text: &str) -> String {
    crate::text::sanitize::markdown(text)
}

fn optional_time(zone: Zone, t: Option<DateTime<Utc>>) -> String {
    t.map_or_else(|| "—".to_owned(), |t| zone.stamp(t))
}

/// "bo (operator)": an author with their newest role on the team, where there is a team.
pub(super) fn author_cell(entries: &[Entry], author: &str) -> String {
    author_in(&crate::scribe::team::roles_of_team(entries), author)
}

fn author_in(team: &std::collections::BTreeMap<String, crate::scribe::roles::TeamRole>, author: &str) -> String {
    match team.get(author) {
        Some(role) => format!("{author} ({role})"),
        None => author.to_owned(),
    }
}

/// The people who wrote entries (never warroom), each with their role on the team.
pub(super) fn people(entries: &[Entry]) -> Vec<String> {
    let team = crate::scribe::team::roles_of_team(entries);
    let names: BTreeSet<&str> = entries.iter().map(|e| e.author.as_str()).filter(|a| *a != SYSTEM_AUTHOR).collect();
    names.into_iter().map(|p| author_in(&team, p)).collect()
}

/// "Team": who held which role from when to when, on a shared incident (solo journals have none).
fn team_markdown(out: &mut String, entries: &[Entry], zone: Zone) {
    let held = crate::scribe::team::team(entries);
    if held.is_empty() {
        return;
    }
    let _ = writeln!(out, "## Team\n");
    let _ = writeln!(out, "| who | role | from | to |\n|---|---|---|---|");
    for h in held {
        let _ =
            writeln!(out, "| {} | {} | {} | {} |", md_cell(&h.author), h.role, zone.stamp(h.from), zone.stamp(h.to));
    }
    out.push('\n');
}

/// The author column of an entry: its author, with the role it was written in.
pub(super) fn entry_author(e: &Entry) -> String {
    match e.role {
        // warroom's entry about a session carries that session's role, not warroom's.
        Some(role) if e.author != SYSTEM_AUTHOR => format!("{} ({role})", e.author),
        _ => e.author.clone(),
    }
}

fn markdown(r: &Review<'_>, zone: Zone) -> String {
    let m = &r.measurements;
    let impact = m.impact_start;
    let mut out = String::with_capacity(r.entries.len() * 160 + 2048);
    let _ = writeln!(out, "# Incident review: {}\n", md_cell(&r.incident));
    let _ = writeln!(out, "| | |\n|---|---|");
    let _ = writeln!(out, "| Incident | {} |", md_cell(&r.incident));
    if let (Some(first), Some(last)) = (r.entries.first(), r.entries.last()) {
        let _ = writeln!(
            out,
            "| Span | {} → {} ({}) |",
            zone.stamp(first.at),
            zone.stamp(last.at),
            format_duration(Duration::seconds((last.at - first.at).num_seconds()))
        );
    }
    let people = people(r.entries);
    let people = if people.is_empty() {
        "—".to_owned()
    } else {
        people.iter().map(|p| md_cell(p)).collect::<Vec<_>>().join(", ")
    };
    let _ = writeln!(out, "| People | {people} |");
    let _ = writeln!(out, "| Entries | {} |", r.timeline().count());
    let _ = writeln!(out, "| Times in | {} |\n", zone.name());
    team_markdown(&mut out, r.entries, zone);

    let _ = writeln!(out, "## Targets and measurements\n");
    let _ = writeln!(out, "| | target | measured |\n|---|---|---|");
    let target = |s: Option<f64>| {
        s.map_or_else(|| "—".to_owned(), |s| format_duration(Duration::milliseconds((s * 1000.0) as i64)))
    };
    let rto = match rto_text(m) {
        (text, true) => format!("{text} — **missed target**"),
        (text, false) => text,
    };
    let _ = writeln!(out, "| RTO | {} | {rto} |", target(m.rto_target_seconds));
    let rpo = match rpo_text(m) {
        (text, true) => format!("{text} — **missed target**"),
        (text, false) => text,
    };
    let _ = writeln!(out, "| RPO | {} | {rpo} |", target(m.rpo_target_seconds));
    let source = m.impact_source.map(|s| format!(" ({s})")).unwrap_or_default();
    let _ = writeln!(out, "| Impact start | | {}{source} |", optional_time(zone, m.impact_start));
    let _ = writeln!(out, "| Declared | | {} |", optional_time(zone, m.declared));
    let _ = writeln!(out, "| Traffic shifted | | {} |", optional_time(zone, m.traffic_shifted));
    let _ = writeln!(out, "| Recovered | | {} |\n", optional_time(zone, m.recovered));

    phases_markdown(&mut out, r, zone);
    runbook_markdown(&mut out, r, zone);

    if let Some(card) = Scorecard::from_entries(r.entries) {
        out.push_str(&scorecard_markdown(&card));
    }

    let struck = struck_by(r.entries);
    let list = |out: &mut String, title: &str, items: &[&Entry]| {
        let _ = writeln!(out, "## {title}\n");
        if items.is_empty() {
            let _ = writeln!(out, "None.\n");
            return;
        }
        for e in items {
            let region = e.region.as_deref().map(|r| format!(" [{}]", md_cell(r))).unwrap_or_default();
            // Struck through here as in the timeline: the review never shows a withdrawn
            // entry as if it stood.
            let text = match struck.get(e.id.as_str()) {
                Some(a) => format!(
                    "~~{}~~ (struck through by {}: {})",
                    md_cell(&e.text),
                    md_cell(&a.author),
                    md_cell(a.data_str("reason").unwrap_or(""))
                ),
                None => md_cell(&e.text),
            };
            let _ = writeln!(
                out,
                "- **{}** {} — {} ({}){region}: {text}",
                zone.stamp(e.at),
                t_plus(e.at, impact),
                md_cell(&entry_author(e)),
                kind_label(e.kind),
            );
        }
        out.push('\n');
    };
    list(&mut out, "Pinned", &r.pinned);
    let decisions: Vec<&Entry> = r.timeline().filter(|e| e.kind == Kind::Decision).collect();
    list(&mut out, "Decisions", &decisions);
    let notes: Vec<&Entry> = r.timeline().filter(|e| postmortem::is_note(e)).collect();
    list(&mut out, "Notes", &notes);
    let comms: Vec<&Entry> = r.timeline().filter(|e| postmortem::is_comms(e)).collect();
    list(&mut out, "Comms", &comms);
    let _ = writeln!(out, "## Guard overrides\n");
    let overrides = override_rows(r, zone);
    if overrides.is_empty() {
        let _ = writeln!(out, "None.\n");
    }
    for o in &overrides {
        let _ = writeln!(
            out,
            "- **{}** {} — {}: step `{}` past {}: {}",
            o.stamp,
            o.t_plus,
            md_cell(&o.author),
            md_cell(o.step),
            md_cell(&o.guards),
            md_cell(&o.reason)
        );
        // Why each guard failed when the override was given, as the dialog showed it.
        for (guard, why) in &o.notes {
            let _ = writeln!(out, "  - `{}`: {}", md_cell(guard), md_cell(why));
        }
    }
    if !overrides.is_empty() {
        out.push('\n');
    }

    let _ = writeln!(out, "## Timeline\n");
    let _ = writeln!(
        out,
        "| time ({}) | T+ | author | kind | region | step | text |\n|---|---|---|---|---|---|---|",
        zone.name()
    );
    for row in timeline_rows(r, zone) {
        // An entry struck through by an amendment stays, crossed out, naming who and why.
        let text = match row.struck {
            Some((who, why)) => {
                format!("~~{}~~ (struck through by {}: {})", md_cell(row.text), md_cell(who), md_cell(why))
            }
            None => md_cell(row.text),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {text} |",
            row.stamp,
            row.t_plus,
            md_cell(&row.author),
            row.kind,
            md_cell(row.region),
            md_cell(row.step),
        );
    }
    out.push('\n');
    action_items_markdown(&mut out);
    out
}

/// The measured RTO as the review says it, and whether it missed its target (each format
/// marks a miss its own way).
pub(super) fn rto_text(m: &Measurements) -> (String, bool) {
    match m.rto {
        None => ("not measured (no recovery observed after traffic shifted)".to_owned(), false),
        Some(d) => {
            let text = format_duration(Duration::seconds(d.num_seconds()));
            match m.rto_target_seconds {
                Some(t) if d.as_seconds_f64() <= t => (format!("{text} — within target"), false),
                Some(_) => (text, true),
                None => (text, false),
            }
        }
    }
}

/// The measured RPO as the review says it, and whether it missed its target.
pub(super) fn rpo_text(m: &Measurements) -> (String, bool) {
    match m.rpo_seconds {
        None => ("not measured (no promotion recorded)".to_owned(), false),
        Some(s) => {
            let lost = m.lost_writes.map(|n| format!(", {n} writes lost")).unwrap_or_default();
            let text = format!("{s:.1}s of replication lag at promotion{lost}");
            match m.rpo_target_seconds {
                Some(t) if s <= t => (format!("{text} — within target"), false),
                Some(_) => (text, true),
                None => (text, false),
            }
        }
    }
}

/// One timeline row as every format shows it; each escapes the text its own way.
pub(super) struct TimelineRow<'a> {
    pub stamp: String,
    pub t_plus: String,
    /// The author, with the role the entry was written in.
    pub author: String,
    pub kind: &'static str,
    pub region: &'a str,
    pub step: &'a str,
    pub text: &'a str,
    /// Struck through by an amendment: who struck it, and why.
    pub struck: Option<(&'a str, &'a str)>,
}

/// The timeline's rows, in journal order (pin markers folded into their targets).
pub(super) fn timeline_rows<'a>(r: &Review<'a>, zone: Zone) -> Vec<TimelineRow<'a>> {
    let impact = r.measurements.impact_start;
    let struck = struck_by(r.entries);
    r.timeline()
        .map(|e| TimelineRow {
            stamp: zone.stamp(e.at),
            t_plus: t_plus(e.at, impact),
            author: entry_author(e),
            kind: kind_label(e.kind),
            region: e.region.as_deref().unwrap_or(""),
            step: e.step.as_deref().unwrap_or(""),
            text: &e.text,
            struck: struck.get(e.id.as_str()).map(|a| (a.author.as_str(), a.data_str("reason").unwrap_or(""))),
        })
        .collect()
}

/// One guard override as every format shows it.
pub(super) struct OverrideRow<'a> {
    pub stamp: String,
    pub t_plus: String,
    pub author: String,
    pub step: &'a str,
    /// The guards it went past, by name ("its guards" when the entry names none).
    pub guards: String,
    pub reason: String,
    /// Each guard with why it failed when the override was given, as the dialog showed it.
    pub notes: Vec<(String, String)>,
}

pub(super) fn override_rows<'a>(r: &Review<'a>, zone: Zone) -> Vec<OverrideRow<'a>> {
    let impact = r.measurements.impact_start;
    crate::scribe::overrides::overrides(r.entries)
        .into_iter()
        .map(|o| {
            let e = o.entry;
            let data = e.step_data().unwrap_or_default();
            let notes = data.override_.map(|o| o.guards).or(data.failed_guards).unwrap_or_default();
            OverrideRow {
                stamp: zone.stamp(e.at),
                t_plus: t_plus(e.at, impact),
                author: entry_author(e),
                step: e.step.as_deref().unwrap_or("?"),
                guards: if o.guards.is_empty() { "its guards".to_owned() } else { o.guards.join(", ") },
                reason: o.reason,
                notes: notes.into_iter().filter(|g| !g.reason.is_empty()).map(|g| (g.guard, g.reason)).collect(),
            }
        })
        .collect()
}

/// Each struck-through entry's id, with the amendment that struck it.
pub(super) fn struck_by(entries: &[Entry]) -> HashMap<&str, &Entry> {
    entries.iter().filter_map(|a| a.data_str("amends").map(|target| (target, a))).collect()
}

/// "Phases": impact → detected → declared → shifted → recovered, each with how long it took.
fn phases_markdown(out: &mut String, r: &Review<'_>, zone: Zone) {
    let phases = postmortem::phases(r.entries, &r.measurements);
    if phases.is_empty() {
        return;
    }
    let total: i64 = phases.iter().map(|p| p.duration().num_seconds()).sum::<i64>().max(1);
    let _ = writeln!(out, "## Phases\n");
    let _ = writeln!(out, "| phase | from | to | took | share |\n|---|---|---|---|---|");
    for p in &phases {
        let share = p.duration().num_seconds() * 20 / total;
        let bar = format!("{}{}", "█".repeat(share as usize), "░".repeat((20 - share).max(0) as usize));
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | `{bar}` |",
            p.name,
            zone.stamp(p.from),
            zone.stamp(p.to),
            crate::text::duration::format_whole(p.duration())
        );
    }
    out.push('\n');
}

/// "Runbook": each step as it was run — who, when, how long, how it ended, and the reasons
/// given for a skip or an override.
fn runbook_markdown(out: &mut String, r: &Review<'_>, zone: Zone) {
    let runs = postmortem::step_runs(r.entries);
    if runs.is_empty() {
        return;
    }
    let _ = writeln!(out, "## Runbook\n");
    let _ = writeln!(
        out,
        "| runbook | step | who | start | end | took | result | reasons |\n|---|---|---|---|---|---|---|---|"
    );
    for run in &runs {
        let attempts = if run.attempts > 1 { format!(" ({} attempts)", run.attempts) } else { String::new() };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {}{attempts} | {} |",
            if run.runbook.is_empty() { "—".to_owned() } else { md_cell(&run.runbook) },
            md_cell(&run.step),
            md_cell(&author_cell(r.entries, &run.who)),
            zone.stamp(run.start),
            run.end.map(|e| zone.stamp(e)).unwrap_or_default(),
            run.duration().map(crate::text::duration::format_whole).unwrap_or_default(),
            md_cell(&run.result.label()),
            md_cell(&run.reasons.join("; "))
        );
    }
    out.push('\n');
}

/// A stub the review fills in: blameless, owned, dated.
fn action_items_markdown(out: &mut String) {
    let _ = writeln!(out, "## Action items\n");
    let _ = writeln!(out, "What would make the next one shorter or smaller? Each item has one owner and a date.\n");
    let _ = writeln!(out, "| # | action | owner | due | tracking |\n|---|---|---|---|---|");
    for i in 1..=3 {
        let _ = writeln!(out, "| {i} | | | | |");
    }
}

#[derive(Serialize)]
struct JsonEntry<'a> {
    #[serde(flatten)]
    entry: &'a Entry,
    local_time: String,
    t_plus: String,
    pinned: bool,
    /// The id of the amendment that struck this entry through, if one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    struck_by: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonReview<'a> {
    incident: &'a str,
    time_zone: String,
    measurements: &'a Measurements,
    entries: Vec<JsonEntry<'a>>,
}

/// JSON keeps text exactly as typed, with every control, bidi and zero-width character escaped.
fn json(r: &Review<'_>, zone: Zone) -> String {
    let pinned: BTreeSet<&str> = r.pinned.iter().map(|e| e.id.as_str()).collect();
    let struck = struck_by(r.entries);
    let doc = JsonReview {
        incident: &r.incident,
        time_zone: zone.name(),
        measurements: &r.measurements,
        entries: r
            .timeline()
            .map(|e| JsonEntry {
                entry: e,
                local_time: zone.rfc3339(e.at),
                t_plus: t_plus(e.at, r.measurements.impact_start),
                pinned: pinned.contains(e.id.as_str()),
                struck_by: struck.get(e.id.as_str()).map(|a| a.id.as_str()),
            })
            .collect(),
    };
    serde_json::to_string_pretty(&doc)
        .map(|s| crate::text::sanitize::json_escape_all(&s) + "\n")
        .unwrap_or_else(|e| format!("{{\"error\": \"{}\"}}\n", inert(&e.to_string())))
}

/// One CSV cell's text: control, bidi and zero-width characters made visible, and a cell a
/// spreadsheet would run as a formula prefixed with `'`. Quoting is the `csv` writer's job.
pub fn csv_cell(text: &str) -> String {
    let mut value = inert(text);
    if value.starts_with(['=', '+', '-', '@', '\u{2409}', '\u{240D}']) {
        value.insert(0, '\'');
    }
    value
}

fn csv(r: &Review<'_>, zone: Zone) -> String {
    let pinned: BTreeSet<&str> = r.pinned.iter().map(|e| e.id.as_str()).collect();
    // RFC 4180 quoting and CRLF records by the `csv` crate's writer. Writing to a Vec cannot
    // fail for I/O; an encoding error would be a bug, not data, so it is logged.
    let mut writer = ::csv::WriterBuilder::new().terminator(::csv::Terminator::CRLF).from_writer(Vec::new());
    let mut write = |row: &[String]| {
        if let Err(e) = writer.write_record(row.iter().map(|f| csv_cell(f))) {
            tracing::error!(error = %e, "csv row not written");
        }
    };
    let header = ["seq", "id", "time", "t_plus", "author", "role", "kind", "region", "step", "pinned", "text", "data"];
    write(&header.map(str::to_owned));
    for e in r.timeline() {
        write(&[
            e.seq.to_string(),
            e.id.clone(),
            zone.rfc3339(e.at),
            t_plus(e.at, r.measurements.impact_start),
            e.author.clone(),
            e.role.map(|r| r.name().to_owned()).unwrap_or_default(),
            kind_label(e.kind).to_owned(),
            e.region.clone().unwrap_or_default(),
            e.step.clone().unwrap_or_default(),
            pinned.contains(e.id.as_str()).to_string(),
            e.text.clone(),
            e.data.as_ref().map(|d| d.to_string()).unwrap_or_default(),
        ]);
    }
    writer.into_inner().map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default()
}

/// The drill scorecard's section of the Markdown export, from the scorecard's data.
fn scorecard_markdown(card: &Scorecard) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "## Drill scorecard: {}\n", card.scenario);
    let _ = writeln!(
        out,
        "Result: **{}** (seed {})\n",
        if card.passed { "passed" } else { "missed expectations" },
        card.seed
    );
    let _ = writeln!(out, "| measure | value |\n|---|---|");
    for (label, value) in card.measures() {
        let _ = writeln!(out, "| {label} | {value} |");
    }
    let _ = writeln!(out, "| faults injected | {} |", card.faults.len());
    let _ = writeln!(out, "| guard overrides | {} |", card.overrides.len());
    let _ = writeln!(out, "| failed steps | {} |\n", card.failed_steps.len());
    let cell = |s: &str| crate::text::sanitize::inert(s).replace('|', "\\|");
    for line in card.fault_lines() {
        let _ = writeln!(out, "- fault: {}", cell(&line));
    }
    for o in &card.overrides {
        let _ =
            writeln!(out, "- override of {} past {}: {}", cell(&o.step), cell(&o.guards.join(", ")), cell(&o.reason));
    }
    for line in card.failed_step_lines() {
        let _ = writeln!(out, "- failed step {}", cell(&line));
    }
    for e in &card.expectations {
        let _ = writeln!(out, "- {} {} — {}", e.mark(), cell(&e.expectation), cell(&e.detail));
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_neutralises_formulas_and_makes_controls_visible() {
        assert_eq!(csv_cell("=HYPERLINK(\"http://x\")"), "'=HYPERLINK(\"http://x\")");
        assert_eq!(csv_cell("+1"), "'+1");
        assert_eq!(csv_cell("-2"), "'-2");
        assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("\u{1b}[2J"), "␛[2J");
        assert_eq!(csv_cell("\tcmd"), "'␉cmd");
        assert_eq!(csv_cell("x\u{202E}y"), "x⟨U+202E⟩y");
    }

    #[test]
    fn zones_parse_names_and_offsets() {
        assert_eq!(Zone::parse("Asia/Kolkata").unwrap().name(), "Asia/Kolkata");
        assert_eq!(Zone::parse("+05:30").unwrap().name(), "+05:30");
        assert!(Zone::parse("Mars/Olympus").unwrap_err().contains("Mars/Olympus"));
        let t = Utc.with_ymd_and_hms(2026, 11, 24, 3, 0, 0).unwrap();
        assert_eq!(Zone::parse("Asia/Kolkata").unwrap().stamp(t), "2026-11-24 08:30:00 +05:30");
        assert_eq!(Zone::utc().stamp(t), "2026-11-24 03:00:00 UTC");
    }

    #[test]
    fn t_plus_is_signed() {
        let t = Utc.with_ymd_and_hms(2026, 11, 24, 3, 0, 0).unwrap();
        assert_eq!(t_plus(t + Duration::seconds(750), Some(t)), "T+12m30s");
        assert_eq!(t_plus(t - Duration::seconds(45), Some(t)), "T-45s");
        assert_eq!(t_plus(t, None), "");
    }
}
