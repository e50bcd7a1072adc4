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
fn the_whole_file_example_means_what_it_says() {
    let (_, body) = toml_blocks("docs/config.md").into_iter().find(|(_, b)| b.contains("payments")).unwrap();
    let c = Config::parse("docs", &body).unwrap();
    assert_eq!(c.incident.name, "payments");
    assert_eq!(c.regions.len(), 3);
    assert_eq!(c.thresholds.error_rate_percent, 1.0);
}
