//! Export of a fixture journal: golden files for Markdown, JSON and CSV, in UTC and in a
//! non-UTC zone; malformed lines; text that must stay inert.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::{Command, Output};

use warroom::review::export::{self, Format, Zone};
use warroom::scribe::journal;

const FIXTURE: &str = "tests/fixtures/incident.jsonl";

fn rendered(format: Format, zone: &str) -> String {
    let (entries, malformed) = journal::read_file(std::path::Path::new(FIXTURE)).unwrap();
    assert!(malformed.is_empty());
    export::render(&entries, format, Zone::parse(zone).unwrap())
}

fn golden(name: &str, text: &str) {
    insta::with_settings!({ prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!(name, text);
    });
}

#[test]
fn markdown_in_utc_and_kolkata() {
    let utc = rendered(Format::Md, "UTC");
    assert!(utc.contains("| RTO | 15m | 12m30s — within target |"), "{utc}");
    assert!(
        utc.contains("| RPO | 60s | 74.0s of replication lag at promotion, 17760 writes lost — **missed target** |"),
        "{utc}"
    );
    assert!(utc.contains("| People | ana, bob |"), "{utc}");
    golden("export_md_utc", &utc);
    let ist = rendered(Format::Md, "Asia/Kolkata");
    assert!(ist.contains("2026-11-24 08:31:10 +05:30"), "{ist}");
    golden("export_md_asia_kolkata", &ist);
}

#[test]
fn json_in_utc_and_new_york() {
    let utc = rendered(Format::Json, "UTC");
    let v: serde_json::Value = serde_json::from_str(&utc).unwrap();
    assert_eq!(v["measurements"]["rto"], 750.0);
    assert_eq!(v["entries"].as_array().unwrap().len(), 16, "pin markers are folded into their targets");
    golden("export_json_utc", &utc);
    let ny = rendered(Format::Json, "America/New_York");
    assert!(ny.contains("\"local_time\": \"2026-11-23T22:00:00-05:00\""), "{ny}");
    golden("export_json_america_new_york", &ny);
}

#[test]
fn csv_in_utc_and_an_offset() {
    let utc = rendered(Format::Csv, "UTC");
    assert!(utc.lines().all(|l| !l.is_empty()));
    assert!(utc.contains("\r\n"), "RFC 4180 line endings");
    golden("export_csv_utc", &utc);
    golden("export_csv_plus_0530", &rendered(Format::Csv, "+05:30"));
}

#[test]
fn hostile_text_exports_inert() {
    let md = rendered(Format::Md, "UTC");
    let csv = rendered(Format::Csv, "UTC");
    for text in [&md, &csv] {
        assert!(!text.contains('\u{1b}') && !text.contains('\u{7}'), "raw control characters leaked");
    }
    assert!(md.contains("␛[31mred␛[0m"), "escapes are shown, not run");
    assert!(md.contains("\\| pipe"), "a pipe cannot break the table");
    let formula = csv.lines().find(|l| l.contains("HYPERLINK")).unwrap();
    assert!(formula.contains(",\"'=HYPERLINK("), "formula cell neutralised: {formula}");
    let signs = csv.lines().find(|l| l.contains("customers affected")).unwrap();
    assert!(signs.contains(",'-1 customers"), "{signs}");
    // JSON keeps the text exactly as typed (JSON escaping makes it inert).
    let json = rendered(Format::Json, "UTC");
    assert!(json.contains("\\u001b[31mred"), "json escapes control characters");
}

fn warroom(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_warroom")).args(args).output().unwrap()
}

#[test]
fn malformed_lines_are_reported_and_the_rest_exported() {
    let out = warroom(&["export", "tests/fixtures/with-malformed.jsonl", "--format", "csv"]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    for line in [":4: not a valid entry", ":8: not a valid entry", ":21: not a valid entry: torn last line"] {
        assert!(stderr.contains(line), "missing {line:?} in {stderr}");
    }
    let csv = String::from_utf8_lossy(&out.stdout);
    assert_eq!(csv.lines().count(), 17, "header + 16 entries");

    let strict = warroom(&["export", "tests/fixtures/with-malformed.jsonl", "--format", "md", "--strict"]);
    assert_eq!(strict.status.code(), Some(2));
    assert!(strict.stdout.is_empty());
    assert!(String::from_utf8_lossy(&strict.stderr).contains("3 malformed line(s)"));
}

#[test]
fn export_writes_a_file_and_rejects_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("review.md");
    let out = warroom(&["export", FIXTURE, "--format", "md", "-o", target.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(std::fs::read_to_string(&target).unwrap(), rendered(Format::Md, "UTC"));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary file left");

    let missing = warroom(&["export", "no/such.jsonl", "--format", "md"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("cannot read journal no/such.jsonl"));
    let zone = warroom(&["export", FIXTURE, "--format", "md", "--tz", "Mars/Base"]);
    assert_eq!(zone.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&zone.stderr).contains("unknown time zone `Mars/Base`"));
}

#[test]
fn a_shared_journal_names_every_author_with_their_role_and_who_held_which_role_when() {
    let line = |seq: u64, minute: u32, author: &str, role: Option<&str>, text: &str| {
        let role = role.map(|r| format!(",\"role\":\"{r}\"")).unwrap_or_default();
        format!(
            "{{\"seq\":{seq},\"id\":\"{seq:016x}\",\"at\":\"2026-11-24T03:{minute:02}:00Z\",\"author\":\"{author}\"{role},\"kind\":\"note\",\"text\":\"{text}\"}}\n"
        )
    };
    let text = [
        line(1, 0, "ana", Some("commander"), "taking command"),
        line(2, 1, "bo", Some("operator"), "on the DB"),
        line(3, 5, "cy", Some("scribe"), "keeping notes"),
        line(4, 9, "ana", Some("commander"), "handing over to bo"),
        line(5, 10, "bo", Some("commander"), "I have command"),
    ]
    .concat();
    let (entries, _, _) = journal::parse_lines(text.as_bytes());
    let md = export::render(&entries, Format::Md, Zone::utc());
    assert!(md.contains("| People | ana (commander), bo (commander), cy (scribe) |"), "{md}");
    assert!(md.contains("## Team"), "{md}");
    for row in [
        "| ana | commander | 2026-11-24 03:00:00 UTC | 2026-11-24 03:09:00 UTC |",
        "| bo | operator | 2026-11-24 03:01:00 UTC | 2026-11-24 03:01:00 UTC |",
        "| bo | commander | 2026-11-24 03:10:00 UTC | 2026-11-24 03:10:00 UTC |",
        "| cy | scribe | 2026-11-24 03:05:00 UTC | 2026-11-24 03:05:00 UTC |",
    ] {
        assert!(md.contains(row), "missing {row}:\n{md}");
    }
    assert!(md.contains("| bo (operator) | note |"), "each timeline row says its author's role then:\n{md}");
    let csv = export::render(&entries, Format::Csv, Zone::utc());
    assert!(csv.contains("author,role,kind"), "{csv}");
    assert!(csv.contains(",bo,operator,note,"), "{csv}");
    let json = export::render(&entries, Format::Json, Zone::utc());
    assert!(json.contains("\"role\": \"scribe\""), "{json}");
}

/// The sections a postmortem document needs, for a drill journal: phases, the runbook as
/// it was run, the scorecard, notes and comms, the timeline with its step column, and the
/// action items. Everything before the timeline is the review a scribe pastes.
#[test]
fn a_drill_journal_exports_the_review_sections() {
    use chrono::TimeZone;
    let scenario = warroom::drill::builtin::find("replication-lag-exceeds-rpo").unwrap();
    let epoch = chrono::Utc.with_ymd_and_hms(2026, 11, 24, 3, 0, 0).unwrap();
    let scribe = warroom::scribe::Scribe::in_memory("ic", &warroom::config::Config::demo().incident, epoch);
    let mut drill = warroom::modes::drill::run::Drill::new(scenario, 42, scribe, epoch, true);
    drill.run_to_end();
    let md = export::render(drill.app.scribe.timeline.entries(), Format::Md, Zone::utc());
    let sections: Vec<&str> = md.lines().filter(|l| l.starts_with("## ")).collect();
    assert_eq!(
        sections,
        [
            "## Targets and measurements",
            "## Phases",
            "## Runbook",
            "## Drill scorecard: replication-lag-exceeds-rpo",
            "## Pinned",
            "## Decisions",
            "## Notes",
            "## Comms",
            "## Guard overrides",
            "## Timeline",
            "## Action items",
        ]
    );
    assert!(md.contains("| failover | promote-database | ic |"), "{md}");
    assert!(md.contains("| impact → detected |"), "{md}");
    assert!(md.contains("| time (UTC) | T+ | author | kind | region | step | text |"), "{md}");
    let review = md.split("## Timeline").next().unwrap();
    golden("export_md_drill_review", review);
}

/// A section of a rendered review: from its heading to the next one.
fn section<'a>(text: &'a str, heading: &str, next: &str) -> &'a str {
    let start = text.find(heading).unwrap_or_else(|| panic!("no {heading} in:\n{text}"));
    let rest = &text[start..];
    let end = rest[heading.len()..].find(next).map_or(rest.len(), |i| i + heading.len());
    &rest[..end]
}

#[test]
fn the_team_names_the_commander_and_every_person_and_a_struck_note_stays_struck() {
    let (entries, malformed) = journal::read_file(std::path::Path::new("tests/fixtures/team.jsonl")).unwrap();
    assert!(malformed.is_empty(), "{malformed:?}");
    let md = export::render(&entries, Format::Md, Zone::utc());
    let team = section(&md, "## Team", "\n## ");
    assert!(team.contains("| ana | commander |"), "the commander, who wrote alone without a role: {team}");
    assert!(team.contains("| fay | facilitator |") && !team.contains("warroom"), "{team}");
    golden("export_md_team", team);
    let notes = section(&md, "## Notes", "\n## ");
    assert!(notes.contains("~~db team says the writer is in us-east-1b~~ (struck through by cy: it is in us-east-1a)"));
    golden("export_md_notes_struck", notes);
    assert!(md.contains("| People | ana (commander), bo (operator), cy (scribe), fay (facilitator) |"), "{md}");

    let config = warroom::config::Config::demo();
    let html = warroom::review::html::render(&warroom::review::html::Inputs {
        entries: &entries,
        config: &config,
        updates: None,
        source: "tests/fixtures/team.jsonl",
        note: None,
        zone: Zone::utc(),
    })
    .unwrap();
    assert!(html.contains("<a href=\"#team\">Team</a>"), "the Team section is in the page's contents");
    golden("export_html_team", section(&html, "<h2 id=\"team\">", "<h2 "));
    let notes = section(&html, "<h2 id=\"notes\">", "<h2 ");
    assert!(notes.contains("<del>db team says the writer is in us-east-1b</del>"), "{notes}");
    golden("export_html_notes_struck", notes);
}
