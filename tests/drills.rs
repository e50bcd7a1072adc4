//! Drills end to end without a terminal: every built-in scenario under the autopilot, at
//! full speed in simulated time.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{TimeZone, Utc};
use warroom::drill::builtin::{built_in, find};
use warroom::drill::{Scenario, Scorecard};
use warroom::modes::drill::run::Drill;
use warroom::scribe::Scribe;

/// A scenario run under the autopilot, to its end.
fn play(scenario: Scenario, seed: u64) -> (Scorecard, Drill) {
    let epoch = Utc.with_ymd_and_hms(2026, 11, 24, 3, 0, 0).unwrap();
    let scribe = Scribe::in_memory("autopilot", &warroom::drill::config(&scenario).incident, epoch);
    let mut drill = Drill::new(scenario, seed, scribe, epoch, true);
    let card = drill.run_to_end();
    (card, drill)
}

/// A built-in scenario's drill with ana at the keyboard (and the autopilot if asked), seed 42:
/// the drill, its start and its end.
fn seated(name: &str, autopilot: bool) -> (Drill, chrono::DateTime<Utc>, chrono::DateTime<Utc>) {
    let scenario = find(name).unwrap();
    let epoch = Utc.with_ymd_and_hms(2026, 11, 24, 3, 0, 0).unwrap();
    let scribe = Scribe::in_memory("ana", &warroom::drill::config(&scenario).incident, epoch);
    let end = epoch + scenario.duration;
    (Drill::new(scenario, 42, scribe, epoch, autopilot), epoch, end)
}

fn run(name: &str, seed: u64) -> (Scorecard, Drill) {
    play(find(name).unwrap(), seed)
}

#[test]
fn every_built_in_scenario_meets_its_expectations_under_the_autopilot() {
    for scenario in built_in().unwrap() {
        let (card, _) = run(&scenario.name, 42);
        assert!(card.passed, "{}", card.lines().join("\n"));
    }
}

fn built_in_text(name: &str) -> &'static str {
    warroom::drill::builtin::BUILT_IN.iter().find(|(n, _)| *n == name).unwrap().1
}

fn run_text(text: &str, seed: u64) -> (Scorecard, Drill) {
    play(Scenario::parse("test.toml", text).unwrap(), seed)
}

#[test]
fn a_scenarios_thresholds_decide_what_counts_as_a_breach() {
    let gray = built_in_text("gray-failure");
    let (default, _) = run("gray-failure", 42);
    let default_detect = default.time_to_detect_seconds.unwrap();
    // Tighter than the default 1500ms: the climbing p99 is caught sooner.
    let (tight, drill) = run_text(&format!("{gray}\n[thresholds]\nlatency-p99 = \"800ms\"\n"), 42);
    assert_eq!(drill.app.thresholds.latency_p99, chrono::Duration::milliseconds(800));
    assert!(tight.time_to_detect_seconds.unwrap() < default_detect, "{tight:?} vs {default_detect}");
    // Above the 5s the fault climbs to: the gray failure is never seen, nobody fails over.
    let (blind, _) = run_text(&format!("{gray}\n[thresholds]\nlatency-p99 = \"6s\"\n"), 42);
    assert_eq!(blind.time_to_detect_seconds, None, "{}", blind.lines().join("\n"));
    assert_eq!(blind.serving_region, "us-east-1");
    assert!(!blind.passed);
}

#[test]
fn a_scenarios_poll_interval_is_how_often_the_world_is_sampled() {
    let gray = built_in_text("gray-failure");
    let (fine, drill) = run("gray-failure", 42);
    assert_eq!(drill.app.snapshot.poll_interval, chrono::Duration::seconds(5));
    let fine = fine.time_to_detect_seconds.unwrap();
    let (coarse, drill) = run_text(&gray.replacen("[world]", "[world]\npoll-interval = \"30s\"", 1), 42);
    assert_eq!(drill.app.snapshot.poll_interval, chrono::Duration::seconds(30));
    let coarse = coarse.time_to_detect_seconds.unwrap();
    // The fault starts at 1m, on a sample: it is detected on a later 30 s sample, not sooner.
    assert_eq!(coarse % 30.0, 0.0, "detected between samples: {coarse}");
    assert!(coarse > fine, "sampling less often detects later: {coarse} vs {fine}");
}

#[test]
fn the_same_scenario_and_seed_give_the_same_scorecard() {
    for name in ["primary-outage", "dns-change-stuck"] {
        let (a, _) = run(name, 7);
        let (b, _) = run(name, 7);
        assert_eq!(a, b, "{name}");
        let (c, _) = run(name, 8);
        assert_ne!(a.lost_writes, c.lost_writes, "{name}: another seed is another incident");
    }
}

#[test]
fn a_missing_secret_blocks_the_failover_before_traffic_shifts() {
    let (card, drill) = run("secondary-missing-secret", 42);
    assert!(card.passed, "{}", card.lines().join("\n"));
    assert_eq!(card.serving_region, "us-east-1");
    let entries = drill.app.scribe.timeline.entries();
    assert!(entries.iter().any(|e| e.step.as_deref() == Some("declare")), "the autopilot declared");
    for step in ["promote-database", "shift-traffic"] {
        assert!(!entries.iter().any(|e| e.step.as_deref() == Some(step)), "{step} never ran");
    }
    let book = drill.app.runs.runbooks.iter().position(|b| b.id == "failover").unwrap();
    let promote = warroom::runbook::StepRef {
        runbook: book,
        step: drill.app.runs.runbooks[book].step("promote-database").unwrap().0,
    };
    let blocked: Vec<String> =
        drill.app.guards(promote).into_iter().filter(|g| !g.ok).map(|g| g.guard.to_string()).collect();
    assert_eq!(
        blocked,
        ["secondary-healthy", "secrets-present"],
        "blocked by the secondary's health and its missing secret, not by order"
    );
    let secrets = drill.app.guards(promote).into_iter().find(|g| g.guard.to_string() == "secrets-present").unwrap();
    assert_eq!(secrets.reason, "us-west-2 lacks checkout/db-credentials not found (ResourceNotFoundException)");
}

#[test]
fn lag_past_the_rpo_blocks_promotion_until_it_recovers() {
    let (card, drill) = run("replication-lag-exceeds-rpo", 42);
    assert!(card.passed, "{}", card.lines().join("\n"));
    assert!(card.overrides.is_empty());
    let entries = drill.app.scribe.timeline.entries();
    let declared = entries.iter().find(|e| e.step.as_deref() == Some("declare")).unwrap().at;
    let promoted = entries
        .iter()
        .find(|e| e.step.as_deref() == Some("promote-database") && e.kind == warroom::scribe::Kind::ActionStarted)
        .unwrap()
        .at;
    // The lag was past the RPO when the failover was declared; promotion waited for it to
    // come back within the RPO (the guard's test), minutes later, with no override.
    let lag_over = entries.iter().find(|e| e.data_str("event") == Some("lag-over-rpo")).unwrap().at;
    assert!(lag_over < declared && declared < promoted, "{lag_over} {declared} {promoted}");
    assert!(promoted - declared >= chrono::Duration::minutes(2), "promotion waited: {}", promoted - declared);
    assert!(card.rpo_seconds.unwrap() <= card.rpo_target_seconds);
}

#[test]
fn the_autopilot_fails_back_only_after_the_original_region_has_been_stable() {
    use warroom::scribe::Kind;
    let (card, drill) = run("failback-after-recovery", 42);
    assert!(card.passed, "{}", card.lines().join("\n"));
    let entries = drill.app.scribe.timeline.entries();
    let in_runbook = |e: &&warroom::scribe::Entry, book: &str, step: &str, kind: Kind| {
        e.kind == kind && e.step.as_deref() == Some(step) && e.data_str("runbook") == Some(book)
    };
    let at = |book: &str, step: &str, kind: Kind| {
        entries.iter().find(|e| in_runbook(e, book, step, kind)).unwrap_or_else(|| panic!("no {book}/{step}")).at
    };
    let failed_over = at("failover", "shift-traffic", Kind::ActionSucceeded);
    let failback_declared = at("failback", "declare", Kind::Decision);
    let failed_back = at("failback", "shift-traffic", Kind::ActionSucceeded);
    // The outage clears 20 minutes in; the failback waits for 5 stable minutes after that.
    let recovered = drill.epoch + chrono::Duration::minutes(20);
    assert!(failed_over < recovered, "failed over during the outage");
    assert!(failback_declared - recovered >= chrono::Duration::minutes(5), "declared at {failback_declared}");
    assert!(failed_back > failback_declared);
    // Measurements stay those of the incident: the RTO is the failover's.
    assert!(card.rto_seconds.unwrap() < (failback_declared - drill.epoch).as_seconds_f64());
    // The one writer moved home: writes frozen in us-west-2 before they reopened in us-east-1,
    // so at no point did both regions take writes.
    let frozen_away = at("failback", "freeze-writes", Kind::ActionSucceeded);
    let reopened = at("failback", "reopen-writes", Kind::ActionSucceeded);
    assert!(failback_declared <= frozen_away && frozen_away <= reopened && reopened <= failed_back);
    let freeze = |region: usize| drill.app.snapshot.regions[region].write_freeze.value;
    assert_eq!((freeze(0), freeze(1)), (Some(false), Some(true)), "writes open at home only");
    let split = entries.iter().any(|e| e.data_str("event") == Some("split-brain"));
    assert!(!split, "never two open writers");
    // The scorecard times the failback from the first fault (at 1m).
    let since_fault = |t: chrono::DateTime<chrono::Utc>| (t - drill.epoch).as_seconds_f64() - 60.0;
    assert_eq!(card.failback_declared_seconds, Some(since_fault(failback_declared)));
    assert_eq!(card.failback_done_seconds, Some(since_fault(failed_back)));
    assert!(
        card.lines().iter().any(|l| l.trim_start().starts_with("failback") && l.contains("declared after 2")),
        "{:?}",
        card.lines()
    );

    // Without a recovery there is no failback: the primary-outage drill ends failed over.
    let (card, drill) = run("primary-outage", 42);
    assert_eq!(card.serving_region, "us-west-2");
    assert_eq!(card.failback_declared_seconds, None);
    assert!(!card.lines().iter().any(|l| l.contains("failback")), "no failback line: {:?}", card.lines());
    let failback = drill.app.scribe.timeline.entries().iter().any(|e| e.data_str("runbook") == Some("failback"));
    assert!(!failback, "no failback step while the primary is down");
}

#[test]
fn a_primary_outage_recovers_within_the_scenarios_rto() {
    let (card, _) = run("primary-outage", 42);
    let rto = card.rto_seconds.expect("recovery measured");
    assert!(rto <= card.rto_target_seconds, "{rto}");
    assert!(card.time_to_detect_seconds.unwrap() <= 120.0);
    assert!(card.lost_writes.unwrap() > 0, "an unfrozen writer failing loses writes");
}

#[test]
fn the_journal_marks_start_faults_and_end_as_the_facilitators() {
    let (_, drill) = run("duplicate-replay", 42);
    let drill_entries: Vec<&str> = drill
        .app
        .scribe
        .timeline
        .entries()
        .iter()
        .filter(|e| e.kind == warroom::scribe::Kind::Drill)
        .map(|e| e.data_str("drill").unwrap())
        .collect();
    assert_eq!(drill_entries, ["started", "fault-scheduled", "fault-scheduled", "ended"]);
}

fn warroom(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_warroom")).args(args).output().unwrap()
}

#[test]
fn scenarios_lists_every_built_in_with_its_summary() {
    let out = warroom(&["scenarios"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.lines().count(), 12, "{text}");
    assert!(
        text.lines().any(|l| l.starts_with("secondary-missing-secret ") && l.contains("blocked before traffic")),
        "{text}"
    );
}

#[test]
fn headless_autopilot_prints_the_scorecard_and_exits_by_its_verdict() {
    let out = warroom(&["drill", "primary-outage", "--headless", "--autopilot", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let card: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(card["scenario"], "primary-outage");
    assert_eq!(card["passed"], true);
    assert!(card["rto_seconds"].as_f64().unwrap() <= 900.0);

    // A scenario whose expectation the autopilot cannot meet: exit 1, the miss named.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("impossible.toml");
    let (name, text) = warroom::drill::builtin::BUILT_IN[0];
    assert_eq!(name, "primary-outage");
    let text = text.replace("region = \"us-west-2\"", "region = \"us-east-1\"");
    std::fs::write(&path, text).unwrap();
    let journal = dir.path().join("drill.jsonl");
    let out = warroom(&[
        "drill",
        path.to_str().unwrap(),
        "--headless",
        "--autopilot",
        "--journal",
        journal.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stdout));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("✗ us-east-1 serves at the end — us-west-2 serves"), "{stdout}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("1 expectation(s) missed"));

    // The journal holds the drill, and its Markdown export carries the scorecard.
    let md = warroom(&["export", journal.to_str().unwrap(), "--format", "md"]);
    assert!(md.status.success());
    let md = String::from_utf8_lossy(&md.stdout);
    assert!(md.contains("## Drill scorecard: primary-outage"), "{md}");
    assert!(md.contains("Result: **missed expectations** (seed 42)"), "{md}");
    assert!(md.contains("- ✗ us-east-1 serves at the end — us-west-2 serves"), "{md}");
}

#[test]
fn drill_usage_errors_say_what_is_wrong() {
    let out = warroom(&["drill", "meteor-strike", "--headless", "--autopilot"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no scenario `meteor-strike`: not a built-in"));
    let out = warroom(&["drill", "tests/invalid_scenarios/unknown-fault.toml", "--headless", "--autopilot"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown-fault.toml:7:9: unknown fault `meteor-strike`"));
    let out = warroom(&["drill", "primary-outage", "--headless"]);
    assert_eq!(out.status.code(), Some(2), "--headless needs --autopilot");
    // A scribe cannot host: the host journals the scenario, a commander's entries.
    let out = warroom(&["drill", "primary-outage", "--role", "scribe", "--headless", "--autopilot"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("a scribe joins the drill with `warroom join"));
}

#[test]
fn an_override_with_a_reason_lets_promotion_past_the_lag_and_the_scorecard_says_so() {
    use crossterm::event::KeyCode;
    let (mut drill, epoch, end) = seated("replication-lag-exceeds-rpo", true);
    // Let the autopilot declare and freeze; promotion is then held back by the lag.
    drill.advance_to(epoch + chrono::Duration::minutes(3));
    let app = &mut drill.app;
    let book = app.runs.runbooks.iter().position(|b| b.id == "failover").unwrap();
    let step = app.runs.runbooks[book].step("promote-database").unwrap().0;
    let promote = warroom::runbook::StepRef { runbook: book, step };
    // check-lag is still running: the override goes past after:check-lag and lag-within-rpo.
    let failed: Vec<String> = app.guards(promote).into_iter().filter(|g| !g.ok).map(|g| g.guard.to_string()).collect();
    assert!(failed.contains(&"lag-within-rpo".to_owned()), "{failed:?}");
    app.view.selected_runbook = book;
    app.view.selected_step = step;
    app.press(KeyCode::Char('o'));
    app.type_text("CEO accepts the data loss: the primary is burning");
    app.press(KeyCode::Enter);
    app.type_text("us-west-2");
    app.press(KeyCode::Enter);
    assert!(matches!(app.runs.status(promote), warroom::runbook::StepStatus::Running { .. }), "{:?}", app.view.message);
    drill.advance_to(end);
    let card = drill.finish(end);
    assert_eq!(card.overrides.len(), 1, "{}", card.lines().join("\n"));
    let o = &card.overrides[0];
    assert_eq!(
        (o.step.as_str(), o.reason.as_str()),
        ("promote-database", "CEO accepts the data loss: the primary is burning")
    );
    assert!(o.guards.contains(&"lag-within-rpo".to_owned()));
    assert_eq!(card.out_of_order, ["promote-database"], "it went past after:check-lag");
    assert!(card.rpo_seconds.unwrap() > card.rpo_target_seconds, "promoted with lag past the RPO");
    assert!(!card.passed);
    assert!(card.expectations.iter().any(|e| e.expectation == "no guard overrides" && !e.met));
}

#[tokio::test]
async fn demo_with_a_scenario_plays_its_faults_without_the_drill() {
    let scenario = find("secondary-missing-secret").unwrap();
    let epoch = Utc.with_ymd_and_hms(2026, 11, 24, 3, 0, 0).unwrap();
    let config = warroom::drill::config(&scenario);
    let clock = warroom::sim::SimClock::resumed(epoch, chrono::Duration::minutes(2), 1.0);
    let world = warroom::drill::world(&scenario, &config, 42, epoch);
    let scribe = Scribe::in_memory("ana", &config.incident, epoch);
    let theme = warroom::theme::Theme::fallback(false);
    let mut session = warroom::runtime::session::start_session_in(world, &config, clock, theme, scribe, false);
    session.turn();
    let west = &session.app.snapshot.regions[1];
    assert!(!west.health.value.unwrap().is_healthy(), "the scenario's missing secret fails us-west-2's checks");
    assert!(session.app.view.drill.is_none(), "no banner, no scorecard in a demo");
    assert_eq!(session.app.mode(), warroom::app::Mode::Demo);
}

#[test]
fn a_capacity_shortfall_blocks_the_shift_until_the_drill_ends() {
    let (card, drill) = run("secondary-capacity-shortfall", 42);
    assert!(card.passed, "{}", card.lines().join("\n"));
    assert_eq!(card.serving_region, "us-east-1");
    let book = drill.app.runs.runbooks.iter().position(|b| b.id == "failover").unwrap();
    let shift = warroom::runbook::StepRef {
        runbook: book,
        step: drill.app.runs.runbooks[book].step("shift-traffic").unwrap().0,
    };
    let capacity = drill.app.guards(shift).into_iter().find(|g| g.guard.to_string() == "capacity-ready").unwrap();
    assert!(!capacity.ok, "{capacity:?}");
    assert!(capacity.reason.starts_with("us-west-2 8/24 running (desired 24)"), "{}", capacity.reason);
    let entries = drill.app.scribe.timeline.entries();
    assert!(
        entries
            .iter()
            .any(|e| e.step.as_deref() == Some("scale-secondary") && e.kind == warroom::scribe::Kind::ActionStarted),
        "the autopilot asked for the capacity"
    );
    assert!(!entries.iter().any(|e| e.step.as_deref() == Some("shift-traffic")), "traffic never moved");
}

#[test]
fn a_team_that_does_nothing_gets_rpo_not_applicable_and_every_fault_is_listed() {
    // No autopilot, nobody at the keys: the primary fails and nothing is promoted.
    let scenario = warroom::drill::builtin::find("primary-outage").unwrap();
    let epoch = Utc.with_ymd_and_hms(2026, 11, 24, 3, 0, 0).unwrap();
    let scribe = Scribe::in_memory("ic", &warroom::config::Config::demo().incident, epoch);
    let mut drill = Drill::new(scenario, 42, scribe, epoch, false);
    let card = drill.run_to_end();
    let rpo = card.expectations.iter().find(|e| e.expectation.starts_with("RPO")).unwrap();
    assert!(!rpo.applicable && !rpo.met, "{rpo:?}");
    assert_eq!(rpo.detail, "not applicable: nothing was promoted");
    let lines = card.lines();
    assert!(lines.iter().any(|l| l.contains("– RPO within 60s — not applicable")), "{lines:?}");
    assert!(lines.iter().any(|l| l.contains("n/a: nothing was promoted")), "{lines:?}");
    assert!(!card.passed, "the RTO and the serving region are still missed: {lines:?}");
    assert_eq!(card.time_to_respond_seconds, None, "nobody responded");
    assert_eq!(card.faults.len(), 1);
    assert_eq!(card.fault_lines(), ["region-outage in us-east-1 (scenario) 60s → the end"]);
}

#[test]
fn the_scorecard_reports_the_first_human_response_and_the_facilitators_faults() {
    let (card, drill) = run("primary-outage", 42);
    // The autopilot plays the commander: its declaration is the first response, after warroom noticed.
    let respond = card.time_to_respond_seconds.expect("a response");
    assert!(respond > card.time_to_detect_seconds.unwrap(), "{card:?}");
    assert_eq!(card.first_responder.as_deref(), Some("autopilot"), "the scripted commander responds");
    let lines = card.lines();
    let detect = lines.iter().find(|l| l.contains("detected by warroom")).unwrap();
    let human = lines.iter().find(|l| l.contains("first human response")).unwrap();
    // The label column fits its longest label: values line up, nothing is cut.
    assert_eq!(detect.find(char::is_numeric), human.find(char::is_numeric), "{lines:#?}");
    assert!(human.ends_with("(autopilot)"), "{human}");
    let _ = drill;

    // A facilitator's injection and its clear are listed with their times.
    let scenario = warroom::drill::builtin::find("primary-outage").unwrap();
    let epoch = Utc.with_ymd_and_hms(2026, 11, 24, 3, 0, 0).unwrap();
    let scribe = Scribe::in_memory("ic", &warroom::config::Config::demo().incident, epoch);
    let view = warroom::app::DrillView::new(
        &scenario.name,
        &scenario.summary,
        epoch + scenario.duration,
        scenario.regions.clone(),
    );
    let mut drill = Drill::new(scenario, 7, scribe, epoch, true);
    drill.app.view.drill = Some(view);
    use warroom::app::FaultRequest;
    let fault = warroom::sim::FaultKind::DnsChangeStuck;
    for (at, request) in
        [(30, FaultRequest::Inject { region: 1, fault }), (120, FaultRequest::Clear { region: 1, fault })]
    {
        let now = epoch + chrono::Duration::seconds(at);
        drill.advance_to(now);
        drill.app.view.drill.as_mut().unwrap().requests.push(request);
        drill.facilitate(now);
    }
    let card = drill.run_to_end();
    assert_eq!(
        card.fault_lines(),
        ["dns-change-stuck in us-west-2 (ic) 30s → 2m", "region-outage in us-east-1 (scenario) 60s → the end"]
    );
}

#[test]
fn in_a_control_plane_outage_a_team_overrides_the_dark_primary_and_shifts_by_routing_controls() {
    use crossterm::event::KeyCode;
    use warroom::runbook::{StepRef, StepStatus};
    // No autopilot: a team at the keyboard.
    let (mut drill, epoch, end) = seated("control-plane-outage", false);
    drill.advance_to(epoch + chrono::Duration::minutes(3));
    assert!(drill.app.snapshot.control_plane_unreachable(drill.app.now), "the header says the control plane is down");
    let book = drill.app.runs.runbooks.iter().position(|b| b.id == "failover").unwrap();
    let at = |app: &warroom::app::App, id: &str| StepRef {
        runbook: book,
        step: app.runs.runbooks[book].step(id).unwrap().0,
    };
    let run = |drill: &mut Drill, id: &str, keys: &[&str]| {
        let step = at(&drill.app, id);
        drill.app.select(step);
        for k in keys {
            match *k {
                "Enter" => {
                    drill.app.press(KeyCode::Enter);
                }
                "o" | "s" => {
                    drill.app.press(KeyCode::Char(k.chars().next().unwrap_or('o')));
                }
                text => drill.app.type_text(text),
            }
        }
        step
    };
    let declare = run(&mut drill, "declare", &["Enter", "Enter"]);
    assert!(matches!(drill.app.runs.status(declare), StepStatus::Done { .. }));
    // The dark primary: the freeze fails at once and says why.
    let freeze = run(&mut drill, "freeze-writes", &["Enter"]);
    match drill.app.runs.status(freeze) {
        StepStatus::Failed { error, .. } => assert_eq!(error, "us-east-1 unreachable: writes cannot be frozen there"),
        other => panic!("{other:?}: {:?}", drill.app.view.message),
    }
    // Replication out of a dark primary has stopped: its lag only grows, so check-lag is
    // skipped with the reason, and the promotion goes past both guards it cannot prove.
    let lag = run(&mut drill, "check-lag", &["s", "us-east-1 is dark: its lag can only grow", "Enter"]);
    assert!(matches!(drill.app.runs.status(lag), StepStatus::Skipped { .. }), "{:?}", drill.app.view.message);
    // secondary-healthy holds by us-west-2's own signals; writes-frozen cannot be proven.
    let promote = at(&drill.app, "promote-database");
    let guards = drill.app.guards(promote);
    let healthy = guards.iter().find(|g| g.guard.to_string() == "secondary-healthy").unwrap();
    assert!(healthy.ok && healthy.reason.ends_with("Route 53 API unreachable"), "{healthy:?}");
    let frozen = guards.iter().find(|g| g.guard.to_string() == "writes-frozen").unwrap();
    assert_eq!(frozen.reason, "us-east-1 unreachable: writes cannot be frozen there");
    run(
        &mut drill,
        "promote-database",
        &["o", "promote without the freeze: us-east-1 is gone", "Enter", "us-west-2", "Enter"],
    );
    drill.advance_to(epoch + chrono::Duration::minutes(10));
    run(&mut drill, "verify-writer", &["Enter"]);
    drill.advance_to(epoch + chrono::Duration::minutes(11));
    run(&mut drill, "scale-secondary", &["Enter", "us-west-2", "Enter"]);
    run(&mut drill, "validate-access", &["Enter"]);
    drill.advance_to(epoch + chrono::Duration::minutes(20));
    run(&mut drill, "synthetic-checks", &["Enter"]);
    drill.advance_to(epoch + chrono::Duration::minutes(21));
    let shift_at = at(&drill.app, "shift-traffic");
    let before: Vec<String> = drill.app.runs.runbooks[book]
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| format!("{} {:?}", s.id, drill.app.runs.status(StepRef { runbook: book, step: i })))
        .chain(drill.app.guards(shift_at).iter().map(|g| format!("{} {} {}", g.guard, g.ok, g.reason)))
        .collect();
    let shift = run(&mut drill, "shift-traffic", &["Enter", "us-west-2", "Enter"]);
    drill.advance_to(drill.app.now + chrono::Duration::minutes(1));
    assert!(
        matches!(drill.app.runs.status(shift), StepStatus::Done { .. }),
        "{:?} {:?} {before:#?}",
        drill.app.runs.status(shift),
        drill.app.view.message
    );
    drill.advance_to(end);
    let card = drill.finish(end);
    let lines = card.lines().join("\n");
    assert_eq!(card.serving_region, "us-west-2", "{lines}");
    // The scorecard says which steps went on past which guards, and why.
    let promoted = card.overrides.iter().find(|o| o.step == "promote-database").unwrap();
    assert!(promoted.guards.contains(&"writes-frozen".to_owned()), "{lines}");
    assert!(promoted.guards.contains(&"lag-within-rpo".to_owned()), "{lines}");
    assert!(lines.contains("promote-database past") && lines.contains("promote without the freeze"), "{lines}");
}

#[test]
fn a_watch_step_whose_region_goes_dark_says_so_instead_of_waiting_out_its_timeout() {
    let text = r#"
name = "secondary-goes-dark"
summary = "The primary fails; while check-lag waits, the secondary stops answering."
duration = "20m"

[[fault]]
at = "0s"
fault = "replication-delay"
region = "us-west-2"
seconds-per-second = 2.0

[[fault]]
at = "1m"
fault = "region-outage"
region = "us-east-1"

[[fault]]
at = "5m"
fault = "region-dark"
region = "us-west-2"

[[expect]]
that = "detected-within"
within = "2m"
"#;
    let scenario = Scenario::parse("dark.toml", text).unwrap();
    let epoch = Utc.with_ymd_and_hms(2026, 11, 24, 3, 0, 0).unwrap();
    let scribe = Scribe::in_memory("autopilot", &warroom::drill::config(&scenario).incident, epoch);
    let mut drill = Drill::new(scenario, 42, scribe, epoch, true);
    drill.advance_to(epoch + chrono::Duration::minutes(4));
    let book = drill.app.runs.position("failover").unwrap();
    let lag =
        warroom::runbook::StepRef { runbook: book, step: drill.app.runs.runbooks[book].step("check-lag").unwrap().0 };
    assert!(
        matches!(drill.app.runs.status(lag), warroom::runbook::StepStatus::Running { .. }),
        "check-lag waits for the lag: {:?}",
        drill.app.runs.status(lag)
    );
    drill.advance_to(epoch + chrono::Duration::minutes(5) + chrono::Duration::seconds(10));
    match drill.app.runs.status(lag) {
        warroom::runbook::StepStatus::Failed { error, .. } => {
            assert_eq!(error, "us-west-2 unreachable: its replication lag cannot be read there");
        }
        other => panic!("{other:?}"),
    }
}
