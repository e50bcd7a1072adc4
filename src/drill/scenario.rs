//! Drill scenario files: a world, a timeline of faults and the expectations a scorecard
//! checks. Strict TOML; every error names file, line, column and what is wrong.

use chrono::Duration;
use serde::Deserialize;
use toml::Spanned;

use crate::config::{
    DEFAULT_REGION_NAMES, Incident, MAX_REGIONS, POLL_INTERVAL_BOUNDS, RPO_BOUNDS, RTO_BOUNDS, RawThresholds,
    RoutingMethod, Thresholds, Validator,
};

use crate::model::AlarmState;
use crate::sim::{AlarmPick, Fault, FaultKind, ScheduledFault};
use crate::text::duration::{ConfigDuration, format_duration};
use crate::toml_source::{self, TomlError};

/// What the scorecard checks at the end of a drill.
#[derive(Clone, Debug, PartialEq)]
pub enum Expectation {
    /// A guard blocked the failover before traffic shifted.
    FailoverBlockedBeforeShift,
    /// Promotion was blocked (lag past the RPO) until the lag recovered or an override.
    PromotionBlockedByLag,
    /// Measured RTO within the scenario's target.
    RtoWithinTarget,
    /// Measured RPO (lost data span) within the target.
    RpoNotExceeded,
    /// The first observation came within this long of the first fault.
    DetectedWithin(Duration),
    /// No guard was overridden.
    NoGuardOverrides,
    /// Traffic ended up served by the named region.
    ServingRegion(String),
}

pub const EXPECTATION_NAMES: [&str; 7] = [
    "failover-blocked-before-shift",
    "promotion-blocked-by-lag",
    "rto-within-target",
    "rpo-not-exceeded",
    "detected-within",
    "no-guard-overrides",
    "serving-region",
];

#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    pub name: String,
    pub summary: String,
    pub duration: Duration,
    pub regions: Vec<String>,
    pub rpo: Duration,
    pub rto: Duration,
    pub starting_lag: Duration,
    /// How often the world is sampled (the dashboard's poll interval).
    pub poll_interval: Duration,
    /// `[world] cooldown`: this drill's own cooldown between traffic shifts.
    pub cooldown: Option<Duration>,
    /// `[world] routing`: how the drill's shift moves traffic (`dns` records or `arc`
    /// routing controls).
    pub routing: RoutingMethod,
    /// `[thresholds]`, as in a config file: what counts as a breach in this drill.
    pub thresholds: Thresholds,
    pub faults: Vec<ScheduledFault>,
    pub expectations: Vec<Expectation>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawScenario {
    name: Spanned<String>,
    summary: Spanned<String>,
    duration: Spanned<ConfigDuration>,
    #[serde(default)]
    world: RawWorld,
    #[serde(default)]
    thresholds: RawThresholds,
    #[serde(default, rename = "fault")]
    faults: Vec<RawFault>,
    #[serde(default, rename = "expect")]
    expectations: Vec<RawExpect>,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawWorld {
    regions: Option<Spanned<Vec<Spanned<String>>>>,
    rpo: Option<Spanned<ConfigDuration>>,
    rto: Option<Spanned<ConfigDuration>>,
    starting_lag: Option<Spanned<ConfigDuration>>,
    poll_interval: Option<Spanned<ConfigDuration>>,
    cooldown: Option<Spanned<ConfigDuration>>,
    routing: Option<RoutingMethod>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawFault {
    at: Spanned<ConfigDuration>,
    fault: Spanned<String>,
    region: Spanned<String>,
    until: Option<Spanned<ConfigDuration>>,
    error_percent: Option<Spanned<f64>>,
    ramp: Option<Spanned<ConfigDuration>>,
    seconds_per_second: Option<Spanned<f64>>,
    period: Option<Spanned<ConfigDuration>>,
    p99: Option<Spanned<ConfigDuration>>,
    records_per_minute: Option<Spanned<f64>>,
    events_per_minute: Option<Spanned<f64>>,
    available: Option<Spanned<i64>>,
    alarm: Option<Spanned<String>>,
    state: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawExpect {
    that: Spanned<String>,
    within: Option<Spanned<ConfigDuration>>,
    region: Option<Spanned<String>>,
}

impl Scenario {
    pub fn parse(file: &str, text: &str) -> Result<Self, TomlError> {
        let raw: RawScenario = toml_source::parse(file, text)?;
        let err = |span: std::ops::Range<usize>, message: String| TomlError::at(file, text, Some(span), message);
        validate(raw, &Validator::new(file, text), &err)
    }

    pub fn load(path: &std::path::Path) -> Result<Self, TomlError> {
        let (file, text) = toml_source::read_text(path)?;
        Self::parse(&file, &text)
    }
}

/// A drill samples its world as often as the demo does unless the scenario says otherwise.
pub const DRILL_POLL_INTERVAL: Duration = Duration::seconds(5);

type Err<'a> = dyn Fn(std::ops::Range<usize>, String) -> TomlError + 'a;

fn positive(value: &Option<Spanned<f64>>, default: f64, key: &str, err: &Err<'_>) -> Result<f64, TomlError> {
    match value {
        None => Ok(default),
        Some(v) if v.get_ref().is_finite() && *v.get_ref() > 0.0 => Ok(*v.get_ref()),
        Some(v) => Err(err(v.span(), format!("{key} must be a number above 0, got {}", v.get_ref()))),
    }
}

/// The fault named in `raw`, with only the parameters that kind takes.
fn fault_spec(raw: &RawFault, err: &Err<'_>) -> Result<Fault, TomlError> {
    let name = raw.fault.get_ref().as_str();
    let Some(kind) = FaultKind::from_name(name) else {
        return Err(err(
            raw.fault.span(),
            format!("unknown fault `{name}`; faults: {}", FaultKind::names().join(", ")),
        ));
    };
    // Each kind's parameters; any other parameter given is an error at its key.
    let allowed = kind.parameters();
    let given: [(&str, Option<std::ops::Range<usize>>); 10] = [
        ("error-percent", raw.error_percent.as_ref().map(Spanned::span)),
        ("ramp", raw.ramp.as_ref().map(Spanned::span)),
        ("seconds-per-second", raw.seconds_per_second.as_ref().map(Spanned::span)),
        ("period", raw.period.as_ref().map(Spanned::span)),
        ("p99", raw.p99.as_ref().map(Spanned::span)),
        ("records-per-minute", raw.records_per_minute.as_ref().map(Spanned::span)),
        ("events-per-minute", raw.events_per_minute.as_ref().map(Spanned::span)),
        ("available", raw.available.as_ref().map(Spanned::span)),
        ("alarm", raw.alarm.as_ref().map(Spanned::span)),
        ("state", raw.state.as_ref().map(Spanned::span)),
    ];
    for (key, span) in given {
        if let Some(span) = span
            && !allowed.contains(&key)
        {
            let takes = if allowed.is_empty() { "no parameters".to_owned() } else { allowed.join(", ") };
            return Err(err(span, format!("{name} does not take {key} (it takes {takes})")));
        }
    }
    let default = kind.default_fault();
    let dur = |v: &Option<Spanned<ConfigDuration>>, d: Duration| v.as_ref().map_or(d, |v| v.get_ref().0);
    Ok(match default {
        Fault::RegionOutage { error_percent, ramp } => Fault::RegionOutage {
            error_percent: positive(&raw.error_percent, error_percent, "error-percent", err)?.min(100.0),
            ramp: dur(&raw.ramp, ramp),
        },
        Fault::ReplicationDelay { seconds_per_second } => Fault::ReplicationDelay {
            seconds_per_second: positive(&raw.seconds_per_second, seconds_per_second, "seconds-per-second", err)?,
        },
        Fault::FlappingHealthCheck { period } => Fault::FlappingHealthCheck { period: dur(&raw.period, period) },
        Fault::LatencyDegradation { p99, ramp } => {
            Fault::LatencyDegradation { p99: dur(&raw.p99, p99), ramp: dur(&raw.ramp, ramp) }
        }
        Fault::CorruptedData { records_per_minute } => Fault::CorruptedData {
            records_per_minute: positive(&raw.records_per_minute, records_per_minute, "records-per-minute", err)?,
        },
        Fault::DuplicateReplay { events_per_minute } => Fault::DuplicateReplay {
            events_per_minute: positive(&raw.events_per_minute, events_per_minute, "events-per-minute", err)?,
        },
        Fault::CapacityShortfall { available } => Fault::CapacityShortfall {
            available: match &raw.available {
                None => available,
                Some(a) => u32::try_from(*a.get_ref())
                    .map_err(|_| err(a.span(), format!("available must be 0 or more, got {}", a.get_ref())))?,
            },
        },
        Fault::Alarm { alarm, state } => Fault::Alarm {
            alarm: match &raw.alarm {
                None => alarm,
                Some(a) => AlarmPick::from_name(a.get_ref()).ok_or_else(|| {
                    err(a.span(), format!("alarm `{}`: use one of {}", a.get_ref(), AlarmPick::NAMES.join(", ")))
                })?,
            },
            state: match &raw.state {
                None => state,
                Some(s) => match s.get_ref().as_str() {
                    "alarm" => AlarmState::Alarm,
                    "ok" => AlarmState::Ok,
                    "insufficient-data" => AlarmState::InsufficientData,
                    other => {
                        return Err(err(s.span(), format!("state `{other}`: use alarm, ok or insufficient-data")));
                    }
                },
            },
        },
        other => other,
    })
}

fn validate(raw: RawScenario, v: &Validator<'_>, err: &Err<'_>) -> Result<Scenario, TomlError> {
    if !is_scenario_name(raw.name.get_ref()) {
        return Err(err(
            raw.name.span(),
            format!("scenario name `{}`: use lowercase letters, digits and hyphens", raw.name.get_ref()),
        ));
    }
    if raw.summary.get_ref().trim().is_empty() {
        return Err(err(raw.summary.span(), "summary must not be empty".into()));
    }
    if let Err(why) = crate::text::sanitize::check_name(raw.summary.get_ref()) {
        return Err(err(raw.summary.span(), format!("summary {why}")));
    }
    let duration = raw.duration.get_ref().0;
    if duration < Duration::minutes(1) || duration > Duration::hours(24) {
        return Err(err(
            raw.duration.span(),
            format!("duration must be between 1m and 24h, got {}", format_duration(duration)),
        ));
    }
    let regions: Vec<String> = match &raw.world.regions {
        None => DEFAULT_REGION_NAMES.iter().take(2).map(|s| (*s).to_owned()).collect(),
        Some(list) => {
            let names: Vec<String> = list.get_ref().iter().map(|n| n.get_ref().clone()).collect();
            if !(2..=MAX_REGIONS).contains(&names.len()) {
                return Err(err(
                    list.span(),
                    format!("world.regions lists {} regions; a drill needs 2 to {MAX_REGIONS}", names.len()),
                ));
            }
            for (i, n) in list.get_ref().iter().enumerate() {
                if names[..i].contains(n.get_ref()) {
                    return Err(err(n.span(), format!("region `{}` is listed twice", n.get_ref())));
                }
            }
            names
        }
    };
    let mut faults = Vec::with_capacity(raw.faults.len());
    for f in &raw.faults {
        let spec = fault_spec(f, err)?;
        let region = regions.iter().position(|r| r == f.region.get_ref()).ok_or_else(|| {
            err(
                f.region.span(),
                format!("region `{}` is not in the world ({})", f.region.get_ref(), regions.join(", ")),
            )
        })?;
        let at = f.at.get_ref().0;
        if at > duration {
            return Err(err(
                f.at.span(),
                format!("at {} is past the scenario's duration {}", format_duration(at), format_duration(duration)),
            ));
        }
        let until = match &f.until {
            None => None,
            Some(u) if u.get_ref().0 <= at => {
                return Err(err(
                    u.span(),
                    format!("until {} must come after at {}", format_duration(u.get_ref().0), format_duration(at)),
                ));
            }
            Some(u) if u.get_ref().0 > duration => {
                return Err(err(
                    u.span(),
                    format!(
                        "until {} is past the scenario's duration {}",
                        format_duration(u.get_ref().0),
                        format_duration(duration)
                    ),
                ));
            }
            Some(u) => Some(u.get_ref().0),
        };
        faults.push(ScheduledFault { at, until, region, fault: spec });
    }
    let mut expectations = Vec::with_capacity(raw.expectations.len());
    for e in &raw.expectations {
        let that = e.that.get_ref().as_str();
        let needs_within = that == "detected-within";
        let needs_region = that == "serving-region";
        if let Some(w) = &e.within
            && !needs_within
        {
            return Err(err(w.span(), format!("`within` is only for detected-within, not {that}")));
        }
        if let Some(r) = &e.region
            && !needs_region
        {
            return Err(err(r.span(), format!("`region` is only for serving-region, not {that}")));
        }
        expectations.push(match that {
            "failover-blocked-before-shift" => Expectation::FailoverBlockedBeforeShift,
            "promotion-blocked-by-lag" => Expectation::PromotionBlockedByLag,
            "rto-within-target" => Expectation::RtoWithinTarget,
            "rpo-not-exceeded" => Expectation::RpoNotExceeded,
            "no-guard-overrides" => Expectation::NoGuardOverrides,
            "detected-within" => match &e.within {
                Some(w) => Expectation::DetectedWithin(w.get_ref().0),
                None => return Err(err(e.that.span(), "detected-within needs within = \"<duration>\"".into())),
            },
            "serving-region" => match &e.region {
                Some(r) if regions.contains(r.get_ref()) => Expectation::ServingRegion(r.get_ref().clone()),
                Some(r) => {
                    return Err(err(
                        r.span(),
                        format!("region `{}` is not in the world ({})", r.get_ref(), regions.join(", ")),
                    ));
                }
                None => return Err(err(e.that.span(), "serving-region needs region = \"<name>\"".into())),
            },
            other => {
                return Err(err(
                    e.that.span(),
                    format!("unknown expectation `{other}`; expectations: {}", EXPECTATION_NAMES.join(", ")),
                ));
            }
        });
    }
    Ok(Scenario {
        name: raw.name.get_ref().clone(),
        summary: raw.summary.get_ref().trim().to_owned(),
        duration,
        regions,
        // The same targets a config file defaults to.
        rpo: v.duration(raw.world.rpo, Incident::default().rpo, "world.rpo", RPO_BOUNDS)?,
        rto: v.duration(raw.world.rto, Incident::default().rto, "world.rto", RTO_BOUNDS)?,
        starting_lag: v.duration(
            raw.world.starting_lag,
            Duration::seconds(1),
            "world.starting-lag",
            (Duration::zero(), Duration::hours(24)),
        )?,
        poll_interval: v.duration(
            raw.world.poll_interval,
            DRILL_POLL_INTERVAL,
            "world.poll-interval",
            POLL_INTERVAL_BOUNDS,
        )?,
        cooldown: raw
            .world
            .cooldown
            .map(|c| v.duration(Some(c), Duration::zero(), "world.cooldown", crate::config::COOLDOWN_BOUNDS))
            .transpose()?,
        routing: raw.world.routing.unwrap_or_default(),
        thresholds: raw.thresholds.validate(v)?,
        faults,
        expectations,
    })
}

fn is_scenario_name(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
name = "replication-lag-exceeds-rpo"
summary = "Lag grows past the RPO before the primary fails."
duration = "30m"

[world]
regions = ["us-east-1", "us-west-2"]
rpo = "30s"
starting-lag = "5s"

[[fault]]
at = "2m"
fault = "replication-delay"
region = "us-west-2"
seconds-per-second = 0.5
until = "12m"

[[fault]]
at = "5m"
fault = "region-outage"
region = "us-east-1"

[[expect]]
that = "promotion-blocked-by-lag"

[[expect]]
that = "detected-within"
within = "3m"
"#;

    #[test]
    fn a_scenario_reads_with_defaults_filled_in() {
        let s = Scenario::parse("s.toml", GOOD).unwrap();
        assert_eq!(s.regions, ["us-east-1", "us-west-2"]);
        assert_eq!((s.rpo, s.rto), (Duration::seconds(30), Duration::minutes(15)));
        assert_eq!(s.faults[0].fault, Fault::ReplicationDelay { seconds_per_second: 0.5 });
        assert_eq!((s.faults[0].region, s.faults[0].until), (1, Some(Duration::minutes(12))));
        assert_eq!(s.faults[1].fault, Fault::RegionOutage { error_percent: 42.0, ramp: Duration::seconds(90) });
        assert_eq!(s.expectations[1], Expectation::DetectedWithin(Duration::minutes(3)));
        assert_eq!((s.poll_interval, s.thresholds), (DRILL_POLL_INTERVAL, Thresholds::default()));
    }

    #[test]
    fn thresholds_and_poll_interval_read_like_a_config_files() {
        let text = format!("{GOOD}\n[thresholds]\nerror-rate-percent = 2.5\nlatency-p99 = \"800ms\"\n")
            .replace("starting-lag = \"5s\"", "starting-lag = \"5s\"\npoll-interval = \"15s\"");
        let s = Scenario::parse("s.toml", &text).unwrap();
        assert_eq!(s.poll_interval, Duration::seconds(15));
        assert_eq!(
            s.thresholds,
            Thresholds { error_rate_percent: 2.5, latency_p99: Duration::milliseconds(800), ..Thresholds::default() }
        );
    }

    #[test]
    fn every_fault_name_parses_and_prints_back() {
        for name in FaultKind::names() {
            let text = format!(
                "name = \"x\"\nsummary = \"y\"\nduration = \"10m\"\n[[fault]]\nat = \"1m\"\nfault = \"{name}\"\nregion = \"us-east-1\"\n"
            );
            assert_eq!(Scenario::parse("s.toml", &text).unwrap().faults[0].fault.name(), name);
        }
    }

    fn error(edit: (&str, &str)) -> String {
        Scenario::parse("s.toml", &GOOD.replacen(edit.0, edit.1, 1)).unwrap_err().to_string()
    }

    #[test]
    fn mistakes_are_located_and_explained() {
        assert!(
            error(("fault = \"region-outage\"", "fault = \"meteor\""))
                .starts_with("s.toml:20:9: unknown fault `meteor`; faults: region-outage, ")
        );
        assert_eq!(
            error(("region = \"us-east-1\"", "region = \"eu-west-9\"")),
            "s.toml:21:10: region `eu-west-9` is not in the world (us-east-1, us-west-2)"
        );
        assert_eq!(error(("at = \"5m\"", "at = \"45m\"")), "s.toml:19:6: at 45m is past the scenario's duration 30m");
        assert_eq!(error(("until = \"12m\"", "until = \"90s\"")), "s.toml:16:9: until 90s must come after at 2m");
        assert_eq!(
            error(("seconds-per-second = 0.5", "period = \"10s\"")),
            "s.toml:15:10: replication-delay does not take period (it takes seconds-per-second)"
        );
        assert!(error(("promotion-blocked-by-lag", "heroics")).contains("unknown expectation `heroics`"));
        assert_eq!(error(("within = \"3m\"\n", "")), "s.toml:27:8: detected-within needs within = \"<duration>\"");
    }
}
