//! Arguments several commands share (the simulated world's, speed, `--at`, the theme) and
//! their parsers, so each mode declares its own flags from the same pieces.

use std::path::PathBuf;

use chrono::Duration;
use clap::Args;

use super::exit::Failure;
use crate::config::{Config, MAX_REGIONS};
use crate::text::duration::parse_duration;
use crate::theme::Theme;

#[derive(Debug, Args)]
pub struct SimArgs {
    /// Seed of the simulated world; the same seed replays the same incident.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Number of simulated regions (the first is primary).
    #[arg(long, value_parser = clap::value_parser!(u8).range(2..=MAX_REGIONS as i64), conflicts_with = "config")]
    pub regions: Option<u8>,
    /// Config file: incident name, targets, thresholds and regions for the simulated world.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

pub fn parse_speed(text: &str) -> Result<f64, String> {
    let speed: f64 = text.parse().map_err(|_| format!("`{text}` is not a number"))?;
    if speed.is_finite() && speed > 0.0 && speed <= 100_000.0 {
        Ok(speed)
    } else {
        Err("speed must be above 0 and at most 100000".into())
    }
}

pub fn parse_at(text: &str) -> Result<Duration, String> {
    let d = parse_duration(text).map_err(|e| e.to_string())?;
    if d > Duration::days(31) {
        return Err("--at may be at most 31 days (744h)".into());
    }
    Ok(d)
}

/// A wait such as `10s` or `2m`: above 0 and at most 10 minutes.
pub fn parse_std_duration(text: &str) -> Result<std::time::Duration, String> {
    let d = parse_duration(text).map_err(|e| e.to_string())?;
    if d <= Duration::zero() || d > Duration::minutes(10) {
        return Err("a wait is above 0 and at most 10m".into());
    }
    d.to_std().map_err(|e| e.to_string())
}

impl SimArgs {
    /// The config for the simulated world: a file, or the built-in demo with `--regions`.
    pub fn config(&self) -> Result<Config, Failure> {
        match &self.config {
            Some(path) => Config::load(path).map_err(|e| Failure::usage(e.to_string())),
            None => {
                let mut config = Config::demo();
                if let Some(n) = self.regions {
                    config.regions = Config::default_regions(usize::from(n));
                }
                Ok(config)
            }
        }
    }
}

/// `--as`: a person's name. A role name (`scribe`, `commander` …) or warroom's own would
/// make the timeline credit a role or the tool with what a person did, so they are refused.
pub fn parse_author(text: &str) -> Result<String, String> {
    crate::scribe::check_author(text)?;
    Ok(text.trim().to_owned())
}

/// `--role`: observer, scribe, operator, commander, facilitator.
pub fn parse_role(text: &str) -> Result<crate::scribe::roles::TeamRole, String> {
    text.parse()
}

pub fn load_theme(spec: &str) -> Result<Theme, Failure> {
    Theme::load(spec, Theme::no_color_from_env()).map_err(|e| Failure::usage(format!("theme: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speed_and_at_are_validated() {
        assert!(parse_speed("0").is_err());
        assert!(parse_speed("nan").is_err());
        assert!(parse_speed("inf").is_err());
        assert_eq!(parse_speed("60"), Ok(60.0));
        assert_eq!(parse_at("24h"), Ok(Duration::hours(24)));
        assert!(parse_at("32d").is_err());
        assert!(parse_at("800h").is_err());
    }
}
