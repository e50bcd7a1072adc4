//! Human durations in config files: `60s`, `15m`, `1500ms`, `1h30m`.

use std::fmt;

use chrono::Duration;
use serde::{Deserialize, Deserializer};

/// A duration as written in a config file. Deserialising fails with a message that toml
/// places at the value's line and column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConfigDuration(pub Duration);

impl<'de> Deserialize<'de> for ConfigDuration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        parse_duration(&text).map(ConfigDuration).map_err(serde::de::Error::custom)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DurationError(String);

impl fmt::Display for DurationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is not a duration: write a whole number and a unit (ms, s, m, h), like 60s, 15m, 1500ms or 1h30m",
            self.0
        )
    }
}

impl std::error::Error for DurationError {}

/// Parse a sequence of `<whole number><unit>` parts.
pub fn parse_duration(text: &str) -> Result<Duration, DurationError> {
    let err = || DurationError(text.to_owned());
    let mut rest = text.trim();
    if rest.is_empty() {
        return Err(err());
    }
    let mut total = Duration::zero();
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
        if digits == 0 {
            return Err(err());
        }
        let number: i64 = rest[..digits].parse().map_err(|_| err())?;
        rest = &rest[digits..];
        let unit_len = rest.find(|c: char| c.is_ascii_digit()).unwrap_or(rest.len());
        let part = match &rest[..unit_len] {
            "ms" => Duration::try_milliseconds(number),
            "s" => Duration::try_seconds(number),
            "m" => Duration::try_minutes(number),
            "h" => Duration::try_hours(number),
            _ => None,
        }
        .ok_or_else(err)?;
        total = total.checked_add(&part).ok_or_else(err)?;
        rest = &rest[unit_len..];
    }
    Ok(total)
}

/// A span to the whole second, never negative: clocks, phases and ages on screen and in reports.
pub fn format_whole(d: Duration) -> String {
    format_duration(Duration::seconds(d.num_seconds().max(0)))
}

/// The shortest faithful rendering, the inverse of `parse_duration` (used in docs and headers).
pub fn format_duration(d: Duration) -> String {
    let ms = d.num_milliseconds();
    if ms % 1000 != 0 {
        return format!("{ms}ms");
    }
    let mut secs = ms / 1000;
    if secs == 0 {
        return "0s".into();
    }
    // Under two minutes, seconds read better ("RPO 60s", not "RPO 1m").
    if secs < 120 {
        return format!("{secs}s");
    }
    let mut out = String::new();
    for (unit, size) in [("h", 3600), ("m", 60), ("s", 1)] {
        if secs >= size {
            out.push_str(&format!("{}{unit}", secs / size));
            secs %= size;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units_and_combinations() {
        assert_eq!(parse_duration("60s").unwrap(), Duration::seconds(60));
        assert_eq!(parse_duration("15m").unwrap(), Duration::minutes(15));
        assert_eq!(parse_duration("1500ms").unwrap(), Duration::milliseconds(1500));
        assert_eq!(parse_duration("1h30m").unwrap(), Duration::minutes(90));
        assert_eq!(parse_duration(" 24h ").unwrap(), Duration::hours(24));
    }

    #[test]
    fn rejects_what_is_not_a_duration() {
        for bad in ["", "60", "s", "1.5s", "10 s", "5d", "-3s", "99999999999999999999h"] {
            assert!(parse_duration(bad).is_err(), "{bad:?} should be rejected");
        }
        let message = parse_duration("5d").unwrap_err().to_string();
        assert!(message.contains("`5d`") && message.contains("15m"), "{message}");
    }

    #[test]
    fn format_round_trips() {
        for text in ["60s", "90s", "15m", "1500ms", "1h30m", "24h", "1h1m1s", "2m5s"] {
            assert_eq!(format_duration(parse_duration(text).unwrap()), text);
        }
    }
}
