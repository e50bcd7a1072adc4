//! Every file in tests/invalid_configs/, tests/invalid_themes/ and tests/invalid_scenarios/ must fail with the message
//! in its `.err` sibling (file:line:column: message). Run with WARROOM_BLESS=1 to write
//! missing `.err` files, then read them before committing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use warroom::config::Config;
use warroom::drill::Scenario;
use warroom::theme::Theme;

fn cases(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 5, "expected fixtures in {dir}");
    files
}

fn check(path: &Path, error: String) {
    let expected_path = path.with_extension("err");
    if std::env::var_os("WARROOM_BLESS").is_some() && !expected_path.exists() {
        std::fs::write(&expected_path, format!("{error}\n")).unwrap();
    }
    let expected = std::fs::read_to_string(&expected_path)
        .unwrap_or_else(|_| panic!("{} has no {} with its expected error", path.display(), expected_path.display()));
    assert_eq!(error, expected.trim_end(), "{}", path.display());
    let relative = path.to_str().unwrap();
    assert!(error.starts_with(&format!("{relative}:")), "error must name the file: {error}");
}

#[test]
fn invalid_configs_fail_with_their_expected_message() {
    for path in cases("tests/invalid_configs") {
        let error = Config::load(&path).expect_err(&format!("{} should be rejected", path.display()));
        check(&path, error.to_string());
    }
}

#[test]
fn invalid_themes_fail_with_their_expected_message() {
    for path in cases("tests/invalid_themes") {
        let error =
            Theme::load(path.to_str().unwrap(), false).expect_err(&format!("{} should be rejected", path.display()));
        check(&path, error.to_string());
    }
}

#[test]
fn invalid_scenarios_fail_with_their_expected_message() {
    for path in cases("tests/invalid_scenarios") {
        let error = Scenario::load(&path).expect_err(&format!("{} should be rejected", path.display()));
        check(&path, error.to_string());
    }
}
