//! Whole-frame snapshots of the dashboard over ratatui's TestBackend.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use chrono::Duration;
use common::{demo_app, render, volatile_filters};
use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use warroom::app::Msg;
use warroom::model::Update;
use warroom::sources::sim::poll_region;

fn check(name: &str, screen: &str) {
    insta::with_settings!({ filters => volatile_filters(), prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!(name, screen);
    });
}

#[test]
fn calm_160x48() {
    let mut app = demo_app(2, 42, Duration::seconds(50));
    let screen = render(&mut app, 160, 48);
    assert!(screen.contains("all regions within thresholds"), "{screen}");
    check("calm_160x48", &screen);
}

#[test]
fn degraded_160x48() {
    let mut app = demo_app(2, 42, Duration::minutes(4));
    let screen = render(&mut app, 160, 48);
    assert!(screen.contains("▲ us-east-1"), "{screen}");
    assert!(screen.contains("UNHEALTHY"), "{screen}");
    check("degraded_160x48", &screen);
}

#[test]
fn calm_80x24() {
    let mut app = demo_app(2, 42, Duration::seconds(50));
    check("calm_80x24", &render(&mut app, 80, 24));
}

#[test]
fn degraded_80x24() {
    let mut app = demo_app(2, 42, Duration::minutes(4));
    let screen = render(&mut app, 80, 24);
    assert!(screen.contains("us-east-1") && screen.contains("us-west-2"), "{screen}");
    check("degraded_80x24", &screen);
}

#[test]
fn eight_regions_scroll_at_160x48() {
    let mut app = demo_app(8, 42, Duration::minutes(2));
    let first = render(&mut app, 160, 48);
    assert!(first.contains("regions 1–4 of 8"), "{first}");
    assert!(!first.contains("ap-southeast-1"), "{first}");
    for _ in 0..10 {
        app.handle(Msg::Key(crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Right)));
    }
    let last = render(&mut app, 160, 48);
    assert!(last.contains("regions 5–8 of 8") && last.contains("ca-central-1"), "{last}");
    check("eight_regions_scrolled_160x48", &last);
}

#[test]
fn a_region_whose_poller_stops_is_shown_stale() {
    let mut app = demo_app(2, 42, Duration::minutes(2));
    // us-east-1 keeps reporting for another minute; us-west-2's poller has gone quiet.
    let world = warroom::sources::sim::SharedWorld::new(warroom::sim::World::new(
        &warroom::config::Config::default_regions(2),
        42,
        common::epoch(),
        warroom::sim::demo_timeline(),
    ));
    let later = common::epoch() + Duration::minutes(3);
    for update in poll_region(&world, 0, later) {
        app.handle(Msg::Update(update));
    }
    app.handle(Msg::Tick(later));
    let screen = render(&mut app, 160, 48);
    assert!(screen.contains("STALE 60s"), "{screen}");
    // Stale is unknown, never judged: the status line says which region, and since when.
    let status = screen.lines().skip(1).take(2).collect::<Vec<_>>().join(" ");
    assert!(status.contains("? us-west-2: 17 signals unknown: last read 60s ago"), "{screen}");
    assert!(!status.contains("✓"), "{screen}");
    check("stale_region_160x48", &screen);
}

#[test]
fn poll_errors_are_shown_with_their_text() {
    let mut app = demo_app(2, 42, Duration::seconds(50));
    let at = app.now;
    app.handle(Msg::Update(Update::failed(
        1,
        warroom::model::SignalKey::HealthChecks,
        at,
        "AccessDenied: route53:GetHealthCheckStatus \u{1b}[31m",
    )));
    let screen = render(&mut app, 160, 48);
    assert!(screen.contains("! health: AccessDenied: route53:GetHealthCheckStatus ␛[31m"), "{screen}");
}

#[test]
fn an_unreachable_control_plane_is_said_once_and_health_comes_from_each_region() {
    use warroom::model::{CONTROL_PLANE_UNREACHABLE, Reading, SignalKey};
    // Ten minutes on, the demo's Route 53 readings are old; then us-east-1's control plane
    // stops answering every region's health and routing polls.
    let mut app = demo_app(2, 42, Duration::seconds(50));
    let at = app.now + Duration::minutes(2);
    for region in [0, 1] {
        for key in [SignalKey::HealthChecks, SignalKey::Routing] {
            app.handle(Msg::Update(Update::failed(region, key, at, CONTROL_PLANE_UNREACHABLE)));
        }
        app.handle(Msg::Update(Update::ok(region, at, Reading::ControlPlane(false))));
        for reading in [Reading::Requests(120.0), Reading::ErrorRate(0.0), Reading::LatencyP99(180.0)] {
            app.handle(Msg::Update(Update::ok(region, at, reading)));
        }
    }
    app.handle(Msg::Update(Update::ok(1, at, Reading::Requests(0.0))));
    app.handle(Msg::Update(Update::ok(1, at, Reading::HealthyTargets(0.0))));
    app.handle(Msg::Tick(at));
    let screen = render(&mut app, 160, 48);
    let status = screen.lines().nth(1).unwrap();
    assert!(status.contains("✗ us-east-1 control plane unreachable: Route 53 changes and health API"), "{screen}");
    assert_eq!(screen.matches("control plane unreachable").count(), 1, "said once: {screen}");
    assert!(screen.contains("healthy by own traffic · R53 API down"), "{screen}");
    assert!(screen.contains("unknown (no traffic, no healthy target) · R53 API down"), "{screen}");
    assert!(!screen.contains("all regions within thresholds"), "{screen}");
}

#[test]
fn two_open_writers_are_named_as_a_split_brain_until_one_is_frozen() {
    use warroom::model::{Database, DbRole, Reading};
    let mut app = demo_app(2, 42, Duration::seconds(50));
    let at = app.now;
    let promoted = Database { role: DbRole::Writer, identifier: "checkout-db-replica-1".into(), endpoint: "e".into() };
    app.handle(Msg::Update(Update::ok(1, at, Reading::Database(promoted))));
    let screen = render(&mut app, 160, 48);
    let status = screen.lines().nth(1).unwrap();
    assert!(
        status.contains("▲ split brain: 2 regions take writes: us-east-1, us-west-2 — freeze all but one"),
        "{screen}"
    );
    app.handle(Msg::Update(Update::ok(0, at, Reading::WriteFreeze(true))));
    let screen = render(&mut app, 160, 48);
    assert!(!screen.contains("split brain"), "{screen}");
}

#[test]
fn help_overlay_lists_the_bindings() {
    let mut app = demo_app(2, 42, Duration::seconds(50));
    app.handle(Msg::Key(crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Char('?'))));
    let tall = render(&mut app, 160, 48);
    use warroom::app::keys::Context;
    for binding in warroom::app::keys::BINDINGS {
        let drill_only = matches!(binding.context, Context::FaultMenu | Context::Scorecard | Context::Replay);
        assert_eq!(tall.contains(binding.description), !drill_only, "help and {:?}\n{tall}", binding.description);
    }
    check("help_160x48", &tall);
    // On 80x24 it scrolls: the top, then (after scrolling to the end) the bottom.
    let top = render(&mut app, 80, 24);
    assert!(top.contains("↑↓ scroll") && top.contains("Dashboard"), "{top}");
    for _ in 0..80 {
        app.handle(Msg::Key(crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Down)));
    }
    let bottom = render(&mut app, 80, 24);
    assert!(bottom.contains("SERVING (thick border)") && !bottom.contains("Dashboard"), "{bottom}");
    check("help_80x24_scrolled", &bottom);
}

#[test]
fn scribe_pane_while_typing_160x48() {
    let mut app = demo_app(2, 42, Duration::minutes(4));
    for c in "d".chars().chain("declare: fail over to us-west-2 \u{1b}[31m".chars()) {
        app.handle(Msg::Key(crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Char(c))));
    }
    let screen = render(&mut app, 160, 48);
    assert!(screen.contains("decision › declare: fail over to us-west-2 ␛[31m"), "{screen}");
    assert!(screen.contains("observed [us-east-1] 5xx rate 5.10% is above"), "observations are journaled\n{screen}");
    check("scribe_typing_160x48", &screen);
}

#[test]
fn a_failing_journal_is_shown_in_the_header_and_the_text_kept() {
    let mut app = demo_app(2, 42, Duration::minutes(2));
    let mut store = warroom::scribe::MemoryJournal::default();
    store.fail_with = Some("No space left on device (os error 28)".into());
    app.scribe = warroom::scribe::Scribe::start(
        Box::new(store),
        vec![],
        &warroom::scribe::Recovery::default(),
        "ana".into(),
        &app.incident,
        app.now,
    );
    for c in "nbob is IC".chars() {
        app.handle(Msg::Key(crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Char(c))));
    }
    app.handle(Msg::Key(crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Enter)));
    let screen = render(&mut app, 80, 24);
    assert!(screen.contains("JOURNAL NOT SAVING"), "{screen}");
    assert!(screen.contains("note › bob is IC  NOT SAVED"), "{screen}");
    check("journal_failing_80x24", &screen);
}

#[test]
fn too_small_says_so_at_any_size() {
    let mut app = demo_app(2, 42, Duration::seconds(50));
    for (w, h) in [(79, 24), (80, 23), (40, 10), (10, 3), (1, 1), (0, 0)] {
        let screen = render(&mut app, w, h);
        if w >= 30 && h >= 3 {
            assert!(screen.contains("Terminal too small"), "{w}x{h}\n{screen}");
        }
    }
    check("too_small_60x20", &render(&mut app, 60, 20));
}

#[test]
fn breaches_are_drawn_in_the_critical_tone() {
    let mut app = demo_app(2, 42, Duration::minutes(4));
    app.handle(Msg::Resize { width: 160, height: 48 });
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).unwrap();
    terminal.draw(|f| warroom::ui::draw(f, &app)).unwrap();
    let buffer = terminal.backend().buffer();
    let critical = app.view.theme.style(warroom::theme::Tone::Critical).fg;
    let text = common::buffer_text(buffer);
    let (row, line) = text.lines().enumerate().find(|(_, l)| l.contains("UNHEALTHY")).unwrap();
    let chars: Vec<char> = line.chars().collect();
    let start = chars.windows(9).position(|w| w.iter().collect::<String>() == "UNHEALTHY").unwrap();
    assert_eq!(buffer[(start as u16, row as u16)].fg, critical.unwrap());
    // NO_COLOR: the same cell is marked by modifiers, not colour.
    app.view.theme = warroom::theme::Theme::fallback(true);
    terminal.draw(|f| warroom::ui::draw(f, &app)).unwrap();
    let cell = &terminal.backend().buffer()[(start as u16, row as u16)];
    assert_eq!(cell.fg, ratatui::style::Color::Reset);
    assert!(cell.modifier.contains(ratatui::style::Modifier::REVERSED));
}

/// The palette as drawn: every tone of a degraded incident (ok, warn, critical, stale, muted,
/// accent, borders), cell by cell with its colour and modifiers.
#[test]
fn degraded_styles_80x24() {
    let mut app = demo_app(2, 42, Duration::minutes(4));
    let screen = styled(&mut app, 80, 24);
    assert!(screen.contains("fg=LightRed") || screen.contains("fg=Red"), "the critical tone is drawn: {screen}");
    check("degraded_styles_80x24", &screen);
}

/// `NO_COLOR`: the same screen carries tones by modifiers only, and no cell has a colour.
#[test]
fn degraded_styles_no_color_80x24() {
    let mut app = demo_app(2, 42, Duration::minutes(4));
    app.view.theme = warroom::theme::Theme::fallback(true);
    app.handle(Msg::Resize { width: 80, height: 24 });
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    terminal.draw(|f| warroom::ui::draw(f, &app)).unwrap();
    let buffer = terminal.backend().buffer();
    for cell in buffer.content() {
        assert_eq!(
            (cell.fg, cell.bg),
            (ratatui::style::Color::Reset, ratatui::style::Color::Reset),
            "a colour leaked under NO_COLOR at `{}`",
            cell.symbol()
        );
    }
    check("degraded_styles_no_color_80x24", &common::styled_text(buffer));
}

fn styled(app: &mut warroom::app::App, width: u16, height: u16) -> String {
    app.handle(Msg::Resize { width, height });
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| warroom::ui::draw(f, app)).unwrap();
    common::styled_text(terminal.backend().buffer())
}

fn press(app: &mut warroom::app::App, code: crossterm::event::KeyCode) {
    app.handle(Msg::Key(crossterm::event::KeyEvent::from(code)));
}

fn select(app: &mut warroom::app::App, id: &str) {
    app.view.selected_step = app.runs.runbooks[app.view.selected_runbook].step(id).unwrap().0;
}

/// Four minutes into the outage with the failover declared and writes frozen.
fn mid_failover() -> warroom::app::App {
    let mut app = demo_app(2, 42, Duration::minutes(4));
    let at = app.now;
    let book = app.view.selected_runbook;
    for id in ["declare", "freeze-writes"] {
        let step = app.runs.runbooks[book].step(id).unwrap().0;
        app.runs.set(
            warroom::runbook::StepRef { runbook: book, step },
            warroom::runbook::StepStatus::Done { at, already: false },
        );
    }
    app
}

#[test]
fn runbook_pane_with_a_blocked_promotion_160x48() {
    let mut app = mid_failover();
    select(&mut app, "promote-database");
    let screen = render(&mut app, 160, 48);
    assert!(screen.contains("Runbook: Failover (us-east-1 → us-west-2) · 2/11 done"), "{screen}");
    assert!(screen.contains("✗ lag-within-rpo") && screen.contains("> RPO 60s"), "{screen}");
    assert!(screen.contains("Promote checkout-db-replica-1 in us-west-2 to writer"), "{screen}");
    check("runbook_blocked_promotion_160x48", &screen);
}

#[test]
fn runbook_pane_alone_at_80x24() {
    let mut app = mid_failover();
    select(&mut app, "check-lag");
    let screen = render(&mut app, 80, 24);
    assert!(screen.contains("check-lag") && !screen.contains("Timeline ·"), "{screen}");
    press(&mut app, crossterm::event::KeyCode::Tab);
    let screen = render(&mut app, 80, 24);
    assert!(screen.contains("Timeline ·") && !screen.contains("Runbook:"), "Tab shows the timeline\n{screen}");
    press(&mut app, crossterm::event::KeyCode::Tab);
    let screen = render(&mut app, 80, 24);
    assert!(screen.contains("▸ us-east-1"), "Tab then focuses the region rows\n{screen}");
    press(&mut app, crossterm::event::KeyCode::Tab);
    check("runbook_alone_80x24", &render(&mut app, 80, 24));
}

#[test]
fn confirm_modal_160x48() {
    let mut app = mid_failover();
    select(&mut app, "shift-traffic");
    let at = app.now;
    let book = app.view.selected_runbook;
    for id in ["check-lag", "promote-database", "verify-writer", "synthetic-checks"] {
        let step = app.runs.runbooks[book].step(id).unwrap().0;
        app.runs.set(
            warroom::runbook::StepRef { runbook: book, step },
            warroom::runbook::StepStatus::Done { at, already: false },
        );
    }
    // The secondary was scaled to what it needs (capacity-ready guards the shift).
    let mut capacity = app.snapshot.regions[1].capacity.value.clone().unwrap();
    (capacity.running, capacity.desired) = (capacity.needed, capacity.needed);
    app.snapshot.apply(warroom::model::Update::ok(1, at, warroom::model::Reading::Capacity(capacity)));
    press(&mut app, crossterm::event::KeyCode::Enter);
    for c in "us-east-1".chars() {
        press(&mut app, crossterm::event::KeyCode::Char(c));
    }
    press(&mut app, crossterm::event::KeyCode::Enter);
    let screen = render(&mut app, 160, 48);
    assert!(screen.contains("Confirm: shift-traffic"), "{screen}");
    assert!(screen.contains("type us-west-2 exactly to confirm (you typed `us-east-1`)"), "{screen}");
    check("confirm_modal_160x48", &screen);
}

#[test]
fn override_modal_80x24() {
    let mut app = mid_failover();
    select(&mut app, "promote-database");
    press(&mut app, crossterm::event::KeyCode::Char('o'));
    for c in "primary lost".chars() {
        press(&mut app, crossterm::event::KeyCode::Char(c));
    }
    let screen = render(&mut app, 80, 24);
    assert!(screen.contains("Override guards: promote-database") && screen.contains("> primary lost"), "{screen}");
    check("override_modal_80x24", &screen);
}

#[test]
fn without_a_median_the_latency_row_shows_only_the_tail_and_names_its_statistic() {
    let mut app = demo_app(2, 42, Duration::seconds(30));
    app.snapshot.regions[0].latency_p50 = warroom::model::Signal::default();
    app.latency_label = "avg";
    let screen = render(&mut app, 160, 48);
    let row = screen.lines().find(|l| l.contains("Latency")).unwrap();
    let east = row.split('│').next().unwrap();
    assert!(east.contains("Latency   avg ") && !east.contains("p50"), "{row}");
    assert!(row.contains("p50 "), "the other region still has its median: {row}");
}

/// A drill in the dashboard, `at` into the scenario, as the drill loop leaves it.
fn drill_at(name: &str, at: Duration) -> warroom::modes::drill::run::Drill {
    let scenario = warroom::drill::builtin::find(name).unwrap();
    let epoch = common::epoch();
    let config = warroom::drill::config(&scenario);
    let scribe = warroom::scribe::Scribe::in_memory("ana", &config.incident, epoch);
    let view = warroom::app::DrillView::new(
        &scenario.name,
        &scenario.summary,
        epoch + scenario.duration,
        scenario.regions.clone(),
    );
    let mut drill = warroom::modes::drill::run::Drill::new(scenario, 42, scribe, epoch, false);
    drill.app.view.theme = warroom::theme::Theme::fallback(false);
    drill.app.view.drill = Some(view);
    drill.advance_to(epoch + at);
    drill.facilitate(epoch + at);
    drill
}

#[test]
fn drill_banner_160x48() {
    let mut drill = drill_at("primary-outage", Duration::minutes(2));
    let screen = render(&mut drill.app, 160, 48);
    let first = screen.lines().next().unwrap();
    assert!(first.starts_with(" ▲ DRILL ▲  primary-outage  │ ends in 28m │ f faults"), "{first}");
    assert!(screen.lines().nth(1).unwrap().contains("│ DRILL │"), "{screen}");
    assert!(!screen.contains("fault region-outage began"), "facilitator entries are hidden:\n{screen}");
    drill.app.press(crossterm::event::KeyCode::Char('F'));
    let revealed = render(&mut drill.app, 160, 48);
    assert!(revealed.contains("drill    fault region-outage began"), "{revealed}");
    check("drill_banner_160x48", &screen);
}

#[test]
fn drill_fault_menu_160x48() {
    use crossterm::event::KeyCode;
    let mut drill = drill_at("primary-outage", Duration::minutes(2));
    drill.app.press(KeyCode::Char('f'));
    for key in [KeyCode::Right, KeyCode::Down, KeyCode::Down, KeyCode::Down, KeyCode::Enter] {
        drill.app.press(key);
    }
    let now = drill.app.now;
    drill.facilitate(now);
    let screen = render(&mut drill.app, 160, 48);
    assert!(screen.contains("◀ us-west-2 ▶"), "{screen}");
    assert!(screen.contains("› missing-secret         ACTIVE — Enter clears"), "{screen}");
    assert!(screen.contains("active: region-outage @ us-east-1, missing-secret @ us-west-2"), "{screen}");
    let journaled = drill.app.scribe.timeline.entries().iter().any(|e| {
        e.kind == warroom::scribe::Kind::Drill
            && e.author == drill.app.scribe.author
            && e.data_str("drill") == Some("fault-injected")
    });
    assert!(journaled, "the injection is journaled as the facilitator's");
    check("drill_fault_menu_160x48", &screen);
    // Enter again clears it.
    drill.app.press(KeyCode::Enter);
    drill.facilitate(now);
    assert!(!drill.world.active_faults().iter().any(|(r, f)| *r == 1 && f.name() == "missing-secret"));
}

#[test]
fn drill_scorecard_160x48() {
    let mut drill = drill_at("secondary-missing-secret", Duration::seconds(5));
    drill.autopilot = Some(Default::default());
    let card = drill.run_to_end();
    let view = drill.app.view.drill.as_mut().unwrap();
    view.scorecard = Some(card.lines());
    view.scorecard_open = true;
    let screen = render(&mut drill.app, 160, 48);
    assert!(screen.contains("Scorecard — secondary-missing-secret (seed 42): PASSED"), "{screen}");
    assert!(screen.contains("✓ failover blocked before traffic shifts"), "{screen}");
    assert!(screen.lines().next().unwrap().contains("│ ENDED │ f scorecard"), "{screen}");
    check("drill_scorecard_160x48", &screen);
    // Closed with Esc, it comes back with `f`: after the end there are no faults to inject.
    drill.app.press(KeyCode::Esc);
    assert!(!render(&mut drill.app, 160, 48).contains("Scorecard — secondary-missing-secret"));
    drill.app.press(KeyCode::Char('f'));
    let screen = render(&mut drill.app, 160, 48);
    assert!(screen.contains("Scorecard — secondary-missing-secret") && !screen.contains("Fault menu"), "{screen}");
}

#[test]
fn the_data_row_appears_with_the_counters_that_moved() {
    let mut drill = drill_at("corrupted-data", Duration::minutes(4));
    let screen = render(&mut drill.app, 160, 48);
    let row = screen.lines().find(|l| l.contains("Data ")).expect("a Data row once records are corrupted");
    assert!(row.contains("Data      24 corrupted records") && !row.contains("duplicate"), "{row}");
    let calm = render(&mut demo_app(2, 42, Duration::minutes(4)), 160, 48);
    assert!(!calm.lines().any(|l| l.contains("┃Data ") || l.contains("│Data ")), "no row without counters");
}

fn step_ref(app: &warroom::app::App, id: &str) -> warroom::runbook::StepRef {
    let runbook = app.view.selected_runbook;
    warroom::runbook::StepRef { runbook, step: app.runs.runbooks[runbook].step(id).unwrap().0 }
}

fn read_now(app: &mut warroom::app::App, region: usize, reading: warroom::model::Reading) {
    let now = app.now;
    app.handle(Msg::Update(Update::ok(region, now, reading)));
}

#[test]
fn confirm_dialog_with_a_guard_that_turned_red_160x48() {
    use warroom::model::{Lag, Reading};
    let mut app = mid_failover();
    let check_lag = step_ref(&app, "check-lag");
    let at = app.now;
    app.runs.set(check_lag, warroom::runbook::StepStatus::Done { at, already: false });
    read_now(&mut app, 0, Reading::WriteFreeze(true));
    read_now(&mut app, 1, Reading::ReplicationLag(Lag::Behind(20.0)));
    read_now(&mut app, 1, Reading::HealthChecks(warroom::model::HealthChecks { healthy: 16, total: 16 }));
    read_now(&mut app, 1, Reading::ErrorRate(0.3));
    select(&mut app, "promote-database");
    press(&mut app, crossterm::event::KeyCode::Enter);
    assert!(matches!(app.view.modal, Some(warroom::app::Modal::Confirm { .. })), "{:?}", app.view.message);
    // Lag jumps past the RPO while the dialog is open: the guard turns red in place.
    read_now(&mut app, 1, Reading::ReplicationLag(Lag::Behind(586.0)));
    let screen = render(&mut app, 160, 48);
    assert!(screen.contains("✗ lag-within-rpo") && screen.contains("lag 586s > RPO 60s"), "{screen}");
    check("confirm_guard_turned_red_160x48", &screen);
}

#[test]
fn recovered_header_says_the_rto_was_missed_160x48() {
    let mut app = demo_app(2, 42, Duration::seconds(50));
    let start = app.now;
    let obs = |at: chrono::DateTime<chrono::Utc>, event: &str, text: &str| {
        warroom::scribe::Draft::new(at, "warroom", warroom::scribe::Kind::Observation, text)
            .data(serde_json::json!({ "event": event, "signal": "error-rate" }))
    };
    app.scribe.record(obs(start, "threshold-crossed", "5xx rate above the threshold")).unwrap();
    app.scribe.record(obs(start + Duration::minutes(28), "routing-changed", "routing: us-west-2 active")).unwrap();
    app.scribe
        .record(obs(start + Duration::minutes(28) + Duration::seconds(50), "serving-healthy", "serving healthy"))
        .unwrap();
    app.handle(Msg::Tick(start + Duration::minutes(40)));
    let screen = render(&mut app, 160, 48);
    let header = screen.lines().next().unwrap();
    assert!(header.contains("RECOVERED T+28m50s") && header.contains("RTO missed"), "{header}");
    check("recovered_rto_missed_160x48", &screen);
}

#[test]
fn a_flapping_health_check_is_one_entry_then_one_settled_entry_160x48() {
    use warroom::model::{HealthChecks, Reading};
    let mut app = demo_app(2, 42, Duration::seconds(50));
    let start = app.now;
    // The old primary's checkers flip every other poll for five minutes, then hold.
    for k in 0..60i64 {
        let at = start + Duration::seconds(5 * k);
        let healthy = if k < 48 && (k / 2) % 2 == 1 { 0 } else { 16 };
        app.handle(Msg::Update(Update::ok(0, at, Reading::HealthChecks(HealthChecks { healthy, total: 16 }))));
        app.handle(Msg::Tick(at));
    }
    app.handle(Msg::Tick(start + Duration::minutes(11)));
    let entries = app.scribe.timeline.entries();
    let health: Vec<&str> = entries
        .iter()
        .filter(|e| e.region.as_deref() == Some("us-east-1"))
        .filter_map(|e| e.data_str("event"))
        .filter(|e| e.starts_with("health") || *e == "flapping" || *e == "settled")
        .collect();
    assert_eq!(health, ["health-unhealthy", "health-healthy", "flapping", "settled"], "{health:?}");
    let screen = render(&mut app, 160, 48);
    assert!(screen.contains("flapping") && screen.contains("settled after"), "{screen}");
    check("flapping_health_160x48", &screen);
}

#[test]
fn a_running_step_shows_live_progress_160x48() {
    let mut app = mid_failover();
    select(&mut app, "check-lag");
    press(&mut app, crossterm::event::KeyCode::Enter);
    assert!(matches!(app.runs.status(step_ref(&app, "check-lag")), warroom::runbook::StepStatus::Running { .. }));
    let later = app.now + Duration::seconds(8);
    app.handle(Msg::Tick(later));
    let screen = render(&mut app, 160, 48);
    assert!(screen.contains("lag ") && screen.contains("→ ≤ 60s") && screen.contains("8s of 10m"), "{screen}");
    check("running_step_progress_160x48", &screen);
}

/// The describe view (`i`) on a flag-table read that fails for a config mistake: the whole
/// error, AWS's own words and the key to set, where the row cuts it at its column.
#[test]
fn describe_a_failing_flag_read_120x40() {
    use warroom::aws::error::{GET_ITEM, classify};
    use warroom::model::SignalKey;
    let mut app = demo_app(2, 42, Duration::seconds(50));
    let mut error = classify(
        GET_ITEM,
        Some(400),
        Some("ValidationException".into()),
        Some("The provided key element does not match the schema".into()),
    );
    // What the poller adds once it read the table's key schema (`check`'s fix).
    error.fix = Some("set key-attribute = \"pk\" in [write-freeze]".into());
    let now = app.now;
    app.poll_round([Update::failed(1, SignalKey::WriteFreeze, now, error.full())], [], now);
    let row = render(&mut app, 120, 40);
    assert!(row.contains("! writes: GetItem: the flag table's key is not write-"), "{row}");
    // Tab to the regions, l to us-west-2, j down to its write-freeze row, Enter.
    for key in [KeyCode::Tab, KeyCode::Tab, KeyCode::Char('l')] {
        app.handle(Msg::Key(key.into()));
    }
    let rows = app.resources.provenance[1].iter().position(|(k, _)| *k == SignalKey::WriteFreeze).unwrap();
    for _ in 0..rows {
        app.handle(Msg::Key(KeyCode::Char('j').into()));
    }
    app.handle(Msg::Key(KeyCode::Enter.into()));
    let screen = render(&mut app, 120, 40);
    assert!(screen.contains("us-west-2 · writes (freeze flag)"), "{screen}");
    assert!(screen.contains("GetItem: the flag table's key is not write-freeze.key-attribute"), "{screen}");
    assert!(screen.contains("set key-attribute = \"pk\" in [write-freeze]"), "{screen}");
    assert!(screen.contains("ValidationException: The provided key element does not match the schema"), "{screen}");
    assert!(screen.contains("[write-freeze] table = \"checkout-flags\""), "{screen}");
    check("describe_flag_error_120x40", &screen);
    // Esc closes it; the dashboard is back.
    app.handle(Msg::Key(KeyCode::Esc.into()));
    assert!(!render(&mut app, 120, 40).contains("Last error"));
}
