//! Who may write what: every entry kind, observation event and kind of decision against
//! every role, as docs/team.md documents it, and the scribe refusing what its role may not
//! write.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{TimeZone, Utc};
use serde_json::{Value, json};
use warroom::config::Incident;
use warroom::scribe::data::Event;
use warroom::scribe::permissions::Duty;
use warroom::scribe::roles::TeamRole;
use warroom::scribe::{Draft, Kind, MemoryJournal, Recovery, Scribe};

/// Every entry there is, by the name docs/team.md gives it.
fn every_entry() -> Vec<(String, Kind, Option<Value>)> {
    let mut all = Vec::new();
    for kind in Kind::ALL {
        match kind {
            Kind::Observation => {
                for event in Event::ALL {
                    all.push((format!("observation/{}", event.as_str()), kind, Some(json!({ "event": event }))));
                }
            }
            Kind::Decision => {
                let step = |extra: Value| {
                    let mut data = json!({ "runbook": "failover" });
                    if let (Some(d), Some(e)) = (data.as_object_mut(), extra.as_object()) {
                        d.extend(e.clone());
                    }
                    Some(data)
                };
                all.push(("decision/own".to_owned(), kind, None));
                all.push(("decision/declare".to_owned(), kind, step(json!({}))));
                all.push(("decision/skip".to_owned(), kind, step(json!({ "skipped": true }))));
                all.push(("decision/takeover".to_owned(), kind, Some(json!({ "takeover_from": "ana" }))));
                all.push((
                    "decision/break-glass".to_owned(),
                    kind,
                    Some(json!({ "break_glass": "claims region down", "unclaimed": true })),
                ));
                all.push((
                    "decision/approval-request".to_owned(),
                    kind,
                    step(json!({ "approval": { "state": "requested", "region": "us-west-2" } })),
                ));
                all.push((
                    "decision/approval".to_owned(),
                    kind,
                    step(json!({ "approval": { "state": "approved", "requester": "bo" } })),
                ));
            }
            _ => all.push((kind.as_str().to_owned(), kind, None)),
        }
    }
    all
}

/// docs/team.md's "Who may write what" table: entry name → allowed for each role, in
/// `TeamRole::ALL` order.
fn documented() -> Vec<(Vec<String>, Vec<bool>)> {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/team.md")).unwrap();
    let table = doc.split("### Who may write what").nth(1).expect("docs/team.md has a `Who may write what` section");
    let mut rows = Vec::new();
    for line in table.lines().skip_while(|l| !l.starts_with("| entry")).skip(2) {
        if !line.starts_with('|') {
            break;
        }
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        assert_eq!(cells.len(), 1 + TeamRole::ALL.len(), "a row of the table has a cell per role: {line}");
        let names: Vec<String> = cells[0].split('`').skip(1).step_by(2).map(str::to_owned).collect();
        let allowed = cells[1..]
            .iter()
            .map(|c| match *c {
                "✓" => true,
                "–" => false,
                other => panic!("a cell is ✓ or –, not {other:?}: {line}"),
            })
            .collect();
        rows.push((names, allowed));
    }
    rows
}

#[test]
fn every_entry_kind_event_and_role_is_allowed_or_refused_as_documented() {
    let doc = documented();
    let header: Vec<&str> = TeamRole::ALL.iter().map(|r| r.name()).collect();
    assert_eq!(header, ["observer", "scribe", "operator", "commander", "facilitator"], "the table's columns");
    let cases = every_entry();
    for (name, kind, data) in &cases {
        let rows: Vec<&Vec<bool>> = doc.iter().filter(|(names, _)| names.contains(name)).map(|(_, a)| a).collect();
        assert_eq!(rows.len(), 1, "`{name}` is in exactly one row of docs/team.md's table");
        for (role, documented) in TeamRole::ALL.iter().zip(rows[0]) {
            let allowed = Duty::of(*kind, data.as_ref()).allows(*role);
            assert_eq!(allowed, *documented, "`{name}` by a {role}: the code says {allowed}, the docs {documented}");
            let checked = warroom::scribe::permissions::may_append(Some(*role), *kind, data.as_ref());
            assert_eq!(checked.is_ok(), allowed, "`{name}` by a {role}: {checked:?}");
            if let Err(why) = checked {
                assert!(why.contains(role.name()), "the refusal names the role: {why}");
            }
        }
        assert!(
            warroom::scribe::permissions::may_append(None, *kind, data.as_ref()).is_ok(),
            "a terminal alone may write `{name}`"
        );
    }
    for (names, _) in &doc {
        for name in names {
            assert!(cases.iter().any(|(n, ..)| n == name), "docs/team.md names `{name}`, which is no entry");
        }
    }
}

#[test]
fn the_scribe_refuses_what_its_role_may_not_write_and_signs_what_it_writes() {
    let now = Utc.with_ymd_and_hms(2026, 11, 24, 3, 0, 0).unwrap();
    let mut scribe = Scribe::start_as(
        Box::new(MemoryJournal::default()),
        Vec::new(),
        &Recovery::default(),
        "cy".into(),
        Some(TeamRole::Scribe),
        &Incident::default(),
        now,
    );
    let opened = &scribe.timeline.entries()[0];
    assert_eq!(opened.event(), Some(Event::JournalOpened), "a scribe's terminal writes its own session");
    let session = opened.session.clone().expect("every entry names the session that wrote it");
    assert!(session.starts_with("cy@") && session.ends_with(&format!(":{}", std::process::id())), "{session}");
    assert_eq!(opened.role, Some(TeamRole::Scribe), "a session's own fact keeps the terminal's role");

    let refused = scribe
        .record(Draft::new(now, "cy", Kind::ActionSucceeded, "verify-writer done").data(json!({"runbook": "failover"})))
        .unwrap_err();
    assert!(refused.contains("a scribe may not write `action-succeeded` entries"), "{refused}");
    scribe.record(Draft::new(now, "cy", Kind::Note, "db team paged")).unwrap();
    let kinds: Vec<Kind> = scribe.timeline.entries().iter().map(|e| e.kind).collect();
    assert_eq!(kinds, [Kind::Observation, Kind::Note], "nothing refused was written");
    let note = &scribe.timeline.entries()[1];
    assert_eq!((note.role, note.session.as_deref()), (Some(TeamRole::Scribe), Some(session.as_str())));
}
