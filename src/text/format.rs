//! Number, age and sparkline formatting shared by panes and the one-shot report.

use chrono::Duration;

const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// `1,204` style thousands separators for whole numbers.
pub fn thousands(value: f64) -> String {
    let rounded = value.round().max(0.0) as u64;
    let digits = rounded.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub fn percent(value: f64) -> String {
    if value >= 10.0 { format!("{value:.1}%") } else { format!("{value:.2}%") }
}

/// Milliseconds, switching to seconds past 10 s worth of digits.
pub fn millis(ms: f64) -> String {
    if ms >= 10_000.0 { format!("{:.1}s", ms / 1000.0) } else { format!("{}ms", ms.round() as i64) }
}

pub fn seconds(s: f64) -> String {
    if s >= 3600.0 {
        format!("{:.1}h", s / 3600.0)
    } else if s >= 100.0 {
        format!("{}s", s.round() as i64)
    } else {
        format!("{s:.1}s")
    }
}

/// Compact age: `4s`, `12m`, `3h`, `2d`.
pub fn age(d: Duration) -> String {
    let s = d.num_seconds().max(0);
    match s {
        0..=99 => format!("{s}s"),
        100..=5999 => format!("{}m", s / 60),
        6000..=172_799 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86_400),
    }
}

/// A one-line sparkline of the newest `width` samples, scaled to `ceiling` (or the max seen).
pub fn sparkline(samples: impl Iterator<Item = f64>, width: usize, ceiling: f64) -> String {
    let samples: Vec<f64> = samples.collect();
    let skip = samples.len().saturating_sub(width);
    let visible = &samples[skip..];
    let max = visible.iter().copied().fold(ceiling, f64::max);
    visible
        .iter()
        .map(|v| {
            if max <= 0.0 {
                return BARS[0];
            }
            let i = ((v / max) * (BARS.len() - 1) as f64).round().clamp(0.0, (BARS.len() - 1) as f64) as usize;
            BARS[i]
        })
        .collect()
}

/// `T+12m30s` / `T-45s` relative to impact start, or empty before anything is known.
pub fn t_plus(at: chrono::DateTime<chrono::Utc>, impact: Option<chrono::DateTime<chrono::Utc>>) -> String {
    let Some(start) = impact else { return String::new() };
    let d = at - start;
    let sign = if d < Duration::zero() { '-' } else { '+' };
    format!("T{sign}{}", super::duration::format_duration(Duration::seconds(d.num_seconds().abs())))
}

/// Cut text to a width in columns, marking the cut with `…` (measured by `text::width`).
pub use super::width::truncate;

/// A name as a file-name and id part: lowercase ASCII letters and digits, runs of anything
/// else as one hyphen, `fallback` when nothing is left.
pub fn slug(name: &str, fallback: &str) -> String {
    let slug = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' })
        .collect::<String>()
        .split('-')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    if slug.is_empty() { fallback.to_owned() } else { slug }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_keep_letters_and_digits() {
        assert_eq!(slug("Checkout API (prod)", "incident"), "checkout-api-prod");
        assert_eq!(slug("!!!", "incident"), "incident");
    }

    #[test]
    fn numbers_read_well() {
        assert_eq!(thousands(1204.4), "1,204");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(thousands(1_000_000.0), "1,000,000");
        assert_eq!(percent(0.4213), "0.42%");
        assert_eq!(percent(38.25), "38.2%");
        assert_eq!(millis(312.4), "312ms");
        assert_eq!(millis(12_345.0), "12.3s");
        assert_eq!(seconds(84.04), "84.0s");
        assert_eq!(seconds(125.0), "125s");
    }

    #[test]
    fn ages_are_compact() {
        assert_eq!(age(Duration::seconds(4)), "4s");
        assert_eq!(age(Duration::seconds(600)), "10m");
        assert_eq!(age(Duration::hours(5)), "5h");
        assert_eq!(age(Duration::days(3)), "3d");
        assert_eq!(age(Duration::seconds(-3)), "0s");
    }

    #[test]
    fn sparkline_scales_to_ceiling_and_keeps_the_newest() {
        let line = sparkline([0.0, 5.0, 10.0].into_iter(), 2, 10.0);
        assert_eq!(line, "▅█");
        assert_eq!(sparkline([1.0, 1.0].into_iter(), 5, 100.0), "▁▁");
        assert_eq!(sparkline(std::iter::empty(), 5, 1.0), "");
    }

    #[test]
    fn truncation_marks_the_cut() {
        assert_eq!(truncate("checkout-db", 6), "check…");
        assert_eq!(truncate("db", 6), "db");
    }
}
