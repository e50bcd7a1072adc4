//! The built-in scenarios: one per game day of seed 004 §23, plus gray failure, flapping
//! health checks, a stuck DNS change and a failback after the primary recovers (§16).
//! Embedded TOML, parsed like a user's file.

use std::path::Path;

use super::Scenario;
use crate::toml_source::TomlError;

/// (name, file text), in the order `warroom scenarios` lists them.
pub const BUILT_IN: [(&str, &str); 12] = [
    ("primary-outage", include_str!("scenarios/primary-outage.toml")),
    ("db-primary-lost", include_str!("scenarios/db-primary-lost.toml")),
    ("replication-lag-exceeds-rpo", include_str!("scenarios/replication-lag-exceeds-rpo.toml")),
    ("corrupted-data", include_str!("scenarios/corrupted-data.toml")),
    ("secondary-missing-secret", include_str!("scenarios/secondary-missing-secret.toml")),
    ("duplicate-replay", include_str!("scenarios/duplicate-replay.toml")),
    ("gray-failure", include_str!("scenarios/gray-failure.toml")),
    ("flapping-health-checks", include_str!("scenarios/flapping-health-checks.toml")),
    ("dns-change-stuck", include_str!("scenarios/dns-change-stuck.toml")),
    ("failback-after-recovery", include_str!("scenarios/failback-after-recovery.toml")),
    ("secondary-capacity-shortfall", include_str!("scenarios/secondary-capacity-shortfall.toml")),
    ("control-plane-outage", include_str!("scenarios/control-plane-outage.toml")),
];

/// Every built-in scenario, parsed.
pub fn built_in() -> Result<Vec<Scenario>, TomlError> {
    BUILT_IN.iter().map(|(name, text)| Scenario::parse(&format!("built-in:{name}"), text)).collect()
}

/// A built-in by name, or a scenario file by path.
pub fn find(spec: &str) -> Result<Scenario, String> {
    if let Some((name, text)) = BUILT_IN.iter().find(|(name, _)| *name == spec) {
        return Scenario::parse(&format!("built-in:{name}"), text).map_err(|e| e.to_string());
    }
    let path = Path::new(spec);
    if path.exists() {
        return Scenario::load(path).map_err(|e| e.to_string());
    }
    let names: Vec<&str> = BUILT_IN.iter().map(|(n, _)| *n).collect();
    Err(format!("no scenario `{spec}`: not a built-in ({}) and no such file", names.join(", ")))
}

/// `warroom scenarios`: one line each.
pub fn listing() -> Result<String, TomlError> {
    let scenarios = built_in()?;
    let width = scenarios.iter().map(|s| s.name.len()).max().unwrap_or(0);
    Ok(scenarios.iter().map(|s| format!("{:<width$}  {}\n", s.name, s.summary)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_parses_and_is_named_like_its_file() {
        let all = built_in().unwrap();
        for ((name, _), s) in BUILT_IN.iter().zip(&all) {
            assert_eq!(&s.name, name);
            assert!(!s.faults.is_empty() && !s.expectations.is_empty(), "{name}");
        }
        assert!(find("nope").unwrap_err().contains("not a built-in (primary-outage, "));
    }
}
