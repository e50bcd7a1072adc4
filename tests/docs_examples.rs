//! Every TOML example in the docs parses: the docs cannot drift from the code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use warroom::config::Config;
use warroom::theme::Theme;

/// The ```toml blocks of a Markdown file, with the line each starts on.
fn toml_blocks(path: &str) -> Vec<(usize, String)> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut blocks = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (i, line) in text.lines().enumerate() {
        match (&mut current, line.trim_start()) {
            (None, "```toml") => current = Some((i + 2, String::new())),
            (Some(_), "```") => blocks.push(current.take().unwrap()),
            (Some((_, body)), _) => {
                body.push_str(line);
                body.push('\n');
            }
            (None, _) => {}
        }
    }
    assert!(current.is_none(), "{path}: unclosed code block");
    blocks
}

#[test]
fn every_config_example_parses() {
    let blocks = toml_blocks("docs/config.md");
    assert!(blocks.len() >= 4, "expected config examples in docs/config.md");
    for (line, body) in blocks {
        let name = format!("docs/config.md (block at line {line})");
        if body.contains("[palette]") {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("theme.toml");
            std::fs::write(&path, &body).unwrap();
            Theme::load(path.to_str().unwrap(), false).unwrap_or_else(|e| panic!("{name}: {e}"));
        } else {
            Config::parse(&name, &body).unwrap_or_else(|e| panic!("{e}"));
        }
    }
}

#[test]
fn every_runbook_example_parses() {
    let blocks = toml_blocks("docs/runbooks.md");
    assert!(!blocks.is_empty());
    for (line, body) in blocks {
        let c =
            Config::parse(&format!("docs/runbooks.md (block at line {line})"), &body).unwrap_or_else(|e| panic!("{e}"));
        assert!(c.runbooks.iter().any(|b| b.id == "failover" && b.title == "Checkout failover (short)"));
    }
}

#[test]
fn the_live_example_names_reach_the_sim_and_the_actions() {
    let (_, body) = toml_blocks("docs/config.md")
        .into_iter()
        .find(|(_, b)| b.contains("hosted-zone-id") && b.contains("prod-west"))
        .unwrap();
    let config = Config::parse("docs", &body).unwrap();
    assert_eq!(config.regions[1].aws.profile.as_deref(), Some("prod-west"));
    assert_eq!(config.routing.record_name, "api.example.com.");
    let epoch = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 11, 24, 3, 0, 0).unwrap();
    let app = warroom::runtime::session::replayed_app(
        &config,
        1,
        epoch,
        chrono::Duration::minutes(1),
        Theme::fallback(false),
    );
    let replica = app.snapshot.regions[1].database.value.as_ref().unwrap();
    assert_eq!(replica.identifier, "checkout-db-replica");
    assert_eq!(app.snapshot.regions[1].routing.value.as_ref().unwrap().record_set_id, "secondary");
    let failover = app.runs.runbooks.iter().position(|b| b.id == "failover").unwrap();
    let step = |id: &str| warroom::runbook::StepRef {
        runbook: failover,
        step: app.runs.runbooks[failover].step(id).unwrap().0,
    };
    let freeze = app.action_for(step("freeze-writes")).unwrap();
    assert_eq!(freeze.resource(), "DynamoDB checkout-flags / writes-enabled");
    let promote = app.action_for(step("promote-database")).unwrap();
    assert_eq!(promote.resource(), "database checkout-db-replica");
}

#[test]
fn the_whole_file_example_means_what_it_says() {
    let (_, body) = toml_blocks("docs/config.md").into_iter().find(|(_, b)| b.contains("payments")).unwrap();
    let c = Config::parse("docs", &body).unwrap();
    assert_eq!(c.incident.name, "payments");
    assert_eq!(c.regions.len(), 3);
    assert_eq!(c.thresholds.error_rate_percent, 1.0);
}

/// The IAM actions of every `Action` array in the JSON blocks of docs/iam.md, per block.
fn iam_policies() -> Vec<std::collections::BTreeSet<String>> {
    json_policies("docs/iam.md")
}

/// The IAM actions of every `Action` array in the JSON blocks of a Markdown file, per block.
fn json_policies(path: &str) -> Vec<std::collections::BTreeSet<String>> {
    let text = std::fs::read_to_string(path).unwrap();
    text.split("```json")
        .skip(1)
        .map(|block| {
            let json: serde_json::Value = serde_json::from_str(block.split("```").next().unwrap()).unwrap();
            json["Statement"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|s| s["Action"].as_array().unwrap().iter().map(|a| a.as_str().unwrap().to_owned()))
                .collect()
        })
        .collect()
}

#[test]
fn the_iam_policies_list_exactly_the_calls_warroom_makes() {
    use warroom::aws::error::{MUTATING_CALLS, READ_CALLS};
    let policies = iam_policies();
    assert_eq!(policies.len(), 3, "docs/iam.md has the observer, the operator and the routing-control policy");
    let reads: std::collections::BTreeSet<String> = READ_CALLS.iter().map(|c| c.iam_action()).collect();
    let mut all = reads.clone();
    all.extend(MUTATING_CALLS.iter().map(|c| c.iam_action()));
    assert_eq!(policies[0], reads, "observer policy");
    assert_eq!(policies[1], all, "operator policy");
    let arc: std::collections::BTreeSet<String> = warroom::aws::arc::CALLS.iter().map(|c| c.iam_action()).collect();
    assert_eq!(policies[2], arc, "routing-control policy");
}

#[test]
fn every_scenario_example_in_the_drills_doc_parses() {
    let blocks = toml_blocks("docs/drills.md");
    assert!(!blocks.is_empty());
    for (line, body) in blocks {
        warroom::drill::Scenario::parse("docs/drills.md", &body)
            .unwrap_or_else(|e| panic!("docs/drills.md block at line {line}: {e}"));
    }
}

#[test]
fn the_two_person_example_puts_approval_on_promote_and_shift_only() {
    let config = Config::load(std::path::Path::new("docs/examples/two-person.toml")).unwrap_or_else(|e| panic!("{e}"));
    let failover = config.runbooks.iter().find(|b| b.id == "failover").unwrap();
    let approved: Vec<&str> = failover.steps.iter().filter(|s| s.approval).map(|s| s.id.as_str()).collect();
    assert_eq!(approved, ["promote-database", "shift-traffic"]);
    let team = std::fs::read_to_string("docs/team.md").unwrap();
    assert!(team.contains("examples/two-person.toml"), "docs/team.md points to the example");
}

#[test]
fn the_store_policy_in_the_team_doc_lists_exactly_the_calls_the_store_makes() {
    let policies = json_policies("docs/team.md");
    assert_eq!(policies.len(), 1, "docs/team.md has the store's policy");
    let calls: std::collections::BTreeSet<String> =
        warroom::aws::journal_table::STORE_CALLS.iter().map(|c| c.iam_action()).collect();
    assert_eq!(policies[0], calls);
}

#[test]
fn the_worked_live_config_reads_what_the_live_doc_says() {
    let blocks = toml_blocks("docs/live.md");
    let (line, body) = blocks.iter().find(|(_, b)| b.contains("apigateway")).expect("the worked API Gateway config");
    let config = Config::parse(&format!("docs/live.md (block at line {line})"), body).unwrap_or_else(|e| panic!("{e}"));
    let west = &config.regions[1].aws;
    assert_eq!(
        west.traffic,
        Some(warroom::config::Traffic::ApiGateway {
            api: warroom::config::ApiRef::Rest("checkout".into()),
            stage: Some("prod".into())
        })
    );
    assert_eq!(config.thresholds.signals[0].name, "orders-backlog");
    assert_eq!(config.write_freeze.key_attribute, "pk");
    assert_eq!(west.capacity.as_ref().map(|c| c.needed), Some(12));
    let failover = config.runbooks.iter().find(|b| b.id == "failover").unwrap();
    let kind = |id: &str| failover.step(id).unwrap().1.kind;
    use warroom::runbook::StepKind;
    assert_eq!(
        (kind("scale-secondary"), kind("validate-access"), kind("synthetic-checks")),
        (StepKind::ScaleCapacity, StepKind::CheckSecrets, StepKind::WaitCanaries)
    );
    let shift: Vec<String> = failover.step("shift-traffic").unwrap().1.guards.iter().map(ToString::to_string).collect();
    for guard in ["alarms-ok", "capacity-ready", "secrets-present"] {
        assert!(shift.iter().any(|g| g == guard), "{guard} missing from {shift:?}");
    }
    // One GetMetricData per region: API Gateway's four queries, the lag and the backlog row.
    assert_eq!(warroom::aws::metrics::region_queries(&config, 1).len(), 6);
}
