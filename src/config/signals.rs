//! Where a region's numbers come from: the traffic source (`[traffic]`, `[regions.traffic]`)
//! and the team's own rows (`[[signals]]`). Every one of them is a CloudWatch metric or a
//! metric-math expression; `{region}` in any name, dimension or expression is the region's name.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use super::Validator;
use crate::toml_source::TomlError;

/// One CloudWatch metric and the statistic read from it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MetricStat {
    pub namespace: String,
    pub metric: String,
    pub dimensions: Vec<(String, String)>,
    pub statistic: String,
}

/// A metric, or a metric-math expression over named metrics (`using`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MetricSpec {
    Stat(MetricStat),
    Expression { expression: String, using: Vec<(String, MetricStat)> },
}

fn fill(text: &str, region: &str) -> String {
    text.replace("{region}", region)
}

impl MetricStat {
    fn for_region(&self, region: &str) -> Self {
        Self {
            namespace: fill(&self.namespace, region),
            metric: fill(&self.metric, region),
            dimensions: self.dimensions.iter().map(|(k, v)| (k.clone(), fill(v, region))).collect(),
            statistic: self.statistic.clone(),
        }
    }

    pub fn label(&self) -> String {
        format!("{}/{} ({})", self.namespace, self.metric, self.statistic)
    }
}

impl MetricSpec {
    /// The spec with `{region}` filled in.
    pub fn for_region(&self, region: &str) -> Self {
        match self {
            MetricSpec::Stat(s) => MetricSpec::Stat(s.for_region(region)),
            MetricSpec::Expression { expression, using } => MetricSpec::Expression {
                expression: fill(expression, region),
                using: using.iter().map(|(id, s)| (id.clone(), s.for_region(region))).collect(),
            },
        }
    }

    pub fn label(&self) -> String {
        match self {
            MetricSpec::Stat(s) => s.label(),
            MetricSpec::Expression { expression, .. } => format!("expression `{expression}`"),
        }
    }
}

/// What a custom traffic query's value means.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TrafficUnit {
    /// A count per period (a `Sum`): divided by the period for requests, by requests for errors.
    Count,
    /// Already per second (requests).
    PerSecond,
    /// Already a percentage of requests (errors).
    Percent,
    Seconds,
    Milliseconds,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrafficQuery {
    pub spec: MetricSpec,
    pub unit: TrafficUnit,
}

/// An API Gateway API: REST APIs publish by name, HTTP APIs by id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApiRef {
    Rest(String),
    Http(String),
}

/// Where requests, errors and latency come from, with `{region}` filled in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Traffic {
    Alb {
        load_balancer: String,
    },
    /// New flows and TCP resets; an NLB has neither HTTP errors nor latency.
    Nlb {
        load_balancer: String,
    },
    ApiGateway {
        api: ApiRef,
        stage: Option<String>,
    },
    Custom {
        requests: Box<TrafficQuery>,
        errors: Option<Box<TrafficQuery>>,
        latency: Option<Box<TrafficQuery>>,
    },
}

impl Traffic {
    pub fn source_name(&self) -> &'static str {
        match self {
            Traffic::Alb { .. } => "alb",
            Traffic::Nlb { .. } => "nlb",
            Traffic::ApiGateway { .. } => "apigateway",
            Traffic::Custom { .. } => "custom",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TrafficSource {
    Alb,
    Nlb,
    Apigateway,
    Custom,
}

/// A metric as written in the file (the fields of a stat, or an expression with `using`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawMetric {
    namespace: Option<Spanned<String>>,
    metric: Option<Spanned<String>>,
    #[serde(default)]
    dimensions: BTreeMap<String, Spanned<String>>,
    statistic: Option<Spanned<String>>,
    expression: Option<Spanned<String>>,
    #[serde(default)]
    using: BTreeMap<String, RawMetric>,
    unit: Option<Spanned<TrafficUnit>>,
}

/// `[traffic]` (the default) or `[regions.traffic]` (its override, field by field).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawTraffic {
    source: Option<Spanned<TrafficSource>>,
    load_balancer: Option<Spanned<String>>,
    api_name: Option<Spanned<String>>,
    api_id: Option<Spanned<String>>,
    stage: Option<Spanned<String>>,
    requests: Option<RawMetric>,
    errors: Option<RawMetric>,
    latency: Option<RawMetric>,
}

impl RawTraffic {
    /// `load-balancer = "…"` on a region: the ALB shorthand of issue 1's configs.
    pub(super) fn alb(load_balancer: Spanned<String>) -> Self {
        Self { load_balancer: Some(load_balancer), ..Self::default() }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.source.is_none()
            && self.load_balancer.is_none()
            && self.api_name.is_none()
            && self.api_id.is_none()
            && self.stage.is_none()
            && self.requests.is_none()
            && self.errors.is_none()
            && self.latency.is_none()
    }

    /// The region's fields over the default's.
    pub(super) fn over(self, default: &RawTraffic) -> RawTraffic {
        let d = default.clone();
        RawTraffic {
            source: self.source.or(d.source),
            load_balancer: self.load_balancer.or(d.load_balancer),
            api_name: self.api_name.or(d.api_name),
            api_id: self.api_id.or(d.api_id),
            stage: self.stage.or(d.stage),
            requests: self.requests.or(d.requests),
            errors: self.errors.or(d.errors),
            latency: self.latency.or(d.latency),
        }
    }

    /// The traffic source of region `region`, or None when nothing is configured.
    pub(super) fn validate(self, v: &Validator<'_>, region: &str) -> Result<Option<Traffic>, TomlError> {
        if self.is_empty() {
            return Ok(None);
        }
        let source = match &self.source {
            Some(s) => *s.get_ref(),
            None if self.load_balancer.is_some() => TrafficSource::Alb,
            None => {
                return v.err(
                    None,
                    format!("region {region}: traffic needs source = \"alb\", \"nlb\", \"apigateway\" or \"custom\""),
                );
            }
        };
        let text = |s: &Option<Spanned<String>>| s.as_ref().map(|s| fill(s.get_ref(), region));
        if source != TrafficSource::Custom
            && let Some(extra) = [&self.requests, &self.errors, &self.latency].into_iter().flatten().next()
        {
            let span = extra.namespace.as_ref().or(extra.expression.as_ref()).map(Spanned::span);
            return v
                .err(span, format!("region {region}: requests/errors/latency queries are for source = \"custom\""));
        }
        let traffic = match source {
            TrafficSource::Alb | TrafficSource::Nlb => {
                let Some(lb) = text(&self.load_balancer).filter(|t| !t.trim().is_empty()) else {
                    return v.err(
                        self.source.as_ref().map(Spanned::span),
                        format!(
                            "region {region}: traffic source {} needs load-balancer = \"{}/…\" (the LoadBalancer dimension)",
                            source_word(source),
                            if source == TrafficSource::Alb { "app" } else { "net" }
                        ),
                    );
                };
                if source == TrafficSource::Alb {
                    Traffic::Alb { load_balancer: lb }
                } else {
                    Traffic::Nlb { load_balancer: lb }
                }
            }
            TrafficSource::Apigateway => {
                let api = match (text(&self.api_name), text(&self.api_id)) {
                    (Some(_), Some(_)) => {
                        return v.err(
                            self.api_id.as_ref().map(Spanned::span),
                            format!("region {region}: give api-name (a REST API) or api-id (an HTTP API), not both"),
                        );
                    }
                    (Some(name), None) => ApiRef::Rest(name),
                    (None, Some(id)) => ApiRef::Http(id),
                    (None, None) => {
                        return v.err(
                            self.source.as_ref().map(Spanned::span),
                            format!("region {region}: traffic source apigateway needs api-name (REST API) or api-id (HTTP API)"),
                        );
                    }
                };
                Traffic::ApiGateway { api, stage: text(&self.stage) }
            }
            TrafficSource::Custom => {
                let Some(requests) = self.requests else {
                    return v.err(
                        self.source.as_ref().map(Spanned::span),
                        format!("region {region}: traffic source custom needs [traffic.requests] (a metric or an expression)"),
                    );
                };
                let query = |raw: RawMetric, key: &str, allowed: &[TrafficUnit], default: TrafficUnit| {
                    let unit = match &raw.unit {
                        Some(u) if !allowed.contains(u.get_ref()) => {
                            return v.err(
                                Some(u.span()),
                                format!(
                                    "traffic.{key}.unit may be {}",
                                    allowed.iter().map(|u| unit_word(*u)).collect::<Vec<_>>().join(", ")
                                ),
                            );
                        }
                        Some(u) => *u.get_ref(),
                        None => default,
                    };
                    let spec = raw.validate(v, &format!("traffic.{key}"))?.for_region(region);
                    Ok(Box::new(TrafficQuery { spec, unit }))
                };
                use TrafficUnit as U;
                Traffic::Custom {
                    requests: query(requests, "requests", &[U::Count, U::PerSecond], U::Count)?,
                    errors: self.errors.map(|e| query(e, "errors", &[U::Count, U::Percent], U::Count)).transpose()?,
                    latency: self
                        .latency
                        .map(|l| query(l, "latency", &[U::Milliseconds, U::Seconds], U::Milliseconds))
                        .transpose()?,
                }
            }
        };
        Ok(Some(traffic))
    }
}

fn source_word(s: TrafficSource) -> &'static str {
    match s {
        TrafficSource::Alb => "alb",
        TrafficSource::Nlb => "nlb",
        TrafficSource::Apigateway => "apigateway",
        TrafficSource::Custom => "custom",
    }
}

fn unit_word(u: TrafficUnit) -> &'static str {
    match u {
        TrafficUnit::Count => "\"count\"",
        TrafficUnit::PerSecond => "\"per-second\"",
        TrafficUnit::Percent => "\"percent\"",
        TrafficUnit::Seconds => "\"seconds\"",
        TrafficUnit::Milliseconds => "\"milliseconds\"",
    }
}

/// CloudWatch query ids: a lowercase letter, then letters, digits and `_`.
fn is_query_id(id: &str) -> bool {
    let mut chars = id.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && id.len() <= 32
}

impl RawMetric {
    fn stat(self, v: &Validator<'_>, key: &str) -> Result<MetricStat, TomlError> {
        // A key missing from the metric's table: point at a key it has, not at 1:1.
        let anchor = [&self.namespace, &self.metric, &self.statistic].into_iter().flatten().next().map(Spanned::span);
        let need = |value: Option<Spanned<String>>, what: &str| match value {
            Some(s) if !s.get_ref().trim().is_empty() => Ok(s.into_inner()),
            Some(s) => v.err(Some(s.span()), format!("{key}.{what} must not be empty")),
            None => v.err(anchor.clone(), format!("{key} needs {what} (or an expression)")),
        };
        if let Some(e) = &self.expression {
            return v.err(Some(e.span()), format!("{key}: a metric in `using` is a metric, not an expression"));
        }
        Ok(MetricStat {
            namespace: need(self.namespace, "namespace")?,
            metric: need(self.metric, "metric")?,
            dimensions: self.dimensions.into_iter().map(|(k, v)| (k, v.into_inner())).collect(),
            statistic: self.statistic.map_or_else(|| "Average".to_owned(), Spanned::into_inner),
        })
    }

    pub(super) fn validate(self, v: &Validator<'_>, key: &str) -> Result<MetricSpec, TomlError> {
        let Some(expression) = self.expression.clone() else {
            if let Some((id, _)) = self.using.iter().next() {
                return v.err(
                    None,
                    format!("{key}.using.{id}: `using` names the metrics of an expression; give expression = \"…\""),
                );
            }
            return self.stat(v, key).map(MetricSpec::Stat);
        };
        if let Some(ns) = &self.namespace {
            return v
                .err(Some(ns.span()), format!("{key}: give a metric (namespace, metric…) or an expression, not both"));
        }
        if expression.get_ref().trim().is_empty() {
            return v.err(Some(expression.span()), format!("{key}.expression must not be empty"));
        }
        let mut using = Vec::new();
        for (id, raw) in self.using {
            if !is_query_id(&id) {
                return v.err(
                    Some(expression.span()),
                    format!("{key}.using.{id}: a query id starts with a lowercase letter, then letters, digits or _"),
                );
            }
            let stat = raw.stat(v, &format!("{key}.using.{id}"))?;
            using.push((id, stat));
        }
        Ok(MetricSpec::Expression { expression: expression.into_inner(), using })
    }
}

/// Which way a custom row gets worse.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    /// Higher is worse (ages, backlogs, latencies).
    #[default]
    Above,
    /// Lower is worse (throughput, free capacity).
    Below,
}

/// How a custom row's value is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SignalUnit {
    Seconds,
    Milliseconds,
    #[default]
    Count,
    Percent,
    Bytes,
}

impl SignalUnit {
    /// The value as the column shows it.
    pub fn show(self, value: f64) -> String {
        use crate::text::format;
        match self {
            SignalUnit::Seconds => format::seconds(value),
            SignalUnit::Milliseconds => format::millis(value),
            SignalUnit::Count => format::thousands(value),
            SignalUnit::Percent => format::percent(value),
            SignalUnit::Bytes if value >= 1e9 => format!("{:.1}GB", value / 1e9),
            SignalUnit::Bytes if value >= 1e6 => format!("{:.1}MB", value / 1e6),
            SignalUnit::Bytes => format!("{}B", format::thousands(value)),
        }
    }
}

/// A `[[signals]]` row: a metric a team watches, judged like the built-in rows.
#[derive(Clone, Debug, PartialEq)]
pub struct CustomSignal {
    /// Unique, also the guard's name: `signal-ok:NAME`.
    pub name: String,
    /// What the column shows (the name unless given).
    pub label: String,
    pub spec: MetricSpec,
    pub unit: SignalUnit,
    pub warn: f64,
    pub critical: f64,
    pub direction: Direction,
    /// Regions this row is read in (all when empty).
    pub regions: Vec<String>,
}

impl CustomSignal {
    pub fn applies_to(&self, region: &str) -> bool {
        self.regions.is_empty() || self.regions.iter().any(|r| r == region)
    }

    /// How bad `value` is: 0 fine, 1 warn, 2 critical.
    pub fn severity(&self, value: f64) -> u8 {
        let past = |limit: f64| match self.direction {
            Direction::Above => value > limit,
            Direction::Below => value < limit,
        };
        if past(self.critical) {
            2
        } else if past(self.warn) {
            1
        } else {
            0
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawSignal {
    name: Spanned<String>,
    label: Option<Spanned<String>>,
    #[serde(default)]
    unit: SignalUnit,
    warn: Spanned<f64>,
    critical: Spanned<f64>,
    #[serde(default)]
    direction: Direction,
    #[serde(default)]
    regions: Vec<Spanned<String>>,
    namespace: Option<Spanned<String>>,
    metric: Option<Spanned<String>>,
    #[serde(default)]
    dimensions: BTreeMap<String, Spanned<String>>,
    statistic: Option<Spanned<String>>,
    expression: Option<Spanned<String>>,
    #[serde(default)]
    using: BTreeMap<String, RawMetric>,
}

/// Most custom rows (each is one query of a region's batch; CloudWatch takes 500).
pub const MAX_SIGNALS: usize = 64;

pub(super) fn validate_signals(
    v: &Validator<'_>,
    raw: Vec<RawSignal>,
    regions: &[String],
) -> Result<Vec<CustomSignal>, TomlError> {
    if raw.len() > MAX_SIGNALS {
        return v.err(Some(raw[MAX_SIGNALS].name.span()), format!("at most {MAX_SIGNALS} [[signals]] are supported"));
    }
    let mut out: Vec<CustomSignal> = Vec::new();
    for s in raw {
        let name = s.name.get_ref();
        let valid = !name.is_empty()
            && name.len() <= 40
            && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
        if !valid {
            return v.err(
                Some(s.name.span()),
                format!("signals.name `{name}` must be lowercase letters, digits, - or _ (it names the guard signal-ok:{name})"),
            );
        }
        if out.iter().any(|o| &o.name == name) {
            return v.err(Some(s.name.span()), format!("signal `{name}` is listed twice"));
        }
        let (warn, critical) = (*s.warn.get_ref(), *s.critical.get_ref());
        let ordered = match s.direction {
            Direction::Above => warn <= critical,
            Direction::Below => warn >= critical,
        };
        if !warn.is_finite() || !critical.is_finite() || !ordered {
            let which = if s.direction == Direction::Above { "at most" } else { "at least" };
            return v.err(
                Some(s.warn.span()),
                format!(
                    "signal `{name}`: warn ({warn}) must be {which} critical ({critical}) for direction = \"{}\"",
                    if s.direction == Direction::Above { "above" } else { "below" }
                ),
            );
        }
        for r in &s.regions {
            if !regions.contains(r.get_ref()) {
                return v
                    .err(Some(r.span()), format!("signal `{name}`: region `{}` is not in [[regions]]", r.get_ref()));
            }
        }
        let metric = RawMetric {
            namespace: s.namespace,
            metric: s.metric,
            dimensions: s.dimensions,
            statistic: s.statistic,
            expression: s.expression,
            using: s.using,
            unit: None,
        };
        let spec = metric.validate(v, &format!("signals.{name}"))?;
        out.push(CustomSignal {
            name: name.clone(),
            label: s.label.map_or_else(|| name.clone(), Spanned::into_inner),
            spec,
            unit: s.unit,
            warn,
            critical,
            direction: s.direction,
            regions: s.regions.into_iter().map(Spanned::into_inner).collect(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use crate::config::Config;

    use super::*;

    const REGIONS: &str = "[[regions]]\nname = \"us-east-1\"\nrole = \"primary\"\n[[regions]]\nname = \"us-west-2\"\nrole = \"secondary\"\n";

    #[test]
    fn a_shared_default_source_is_filled_in_per_region() {
        let c = Config::parse(
            "c.toml",
            &format!("[traffic]\nsource = \"apigateway\"\napi-name = \"checkout-{{region}}\"\nstage = \"prod\"\n{REGIONS}[regions.traffic]\napi-name = \"west-api\"\n"),
        )
        .unwrap();
        assert_eq!(
            c.regions[0].aws.traffic,
            Some(Traffic::ApiGateway { api: ApiRef::Rest("checkout-us-east-1".into()), stage: Some("prod".into()) })
        );
        assert_eq!(
            c.regions[1].aws.traffic,
            Some(Traffic::ApiGateway { api: ApiRef::Rest("west-api".into()), stage: Some("prod".into()) })
        );
    }

    #[test]
    fn custom_rows_are_checked_with_their_place() {
        let e = Config::parse(
            "c.toml",
            &format!("{REGIONS}[[signals]]\nname = \"Queue Age\"\nwarn = 1\ncritical = 2\nnamespace = \"AWS/SQS\"\nmetric = \"x\"\n"),
        )
        .unwrap_err();
        assert!(e.message.contains("lowercase"), "{e}");
        assert!(e.to_string().contains("c.toml:"), "{e}");
        let e = Config::parse(
            "c.toml",
            &format!("{REGIONS}[[signals]]\nname = \"age\"\nwarn = 10\ncritical = 2\nnamespace = \"AWS/SQS\"\nmetric = \"x\"\n"),
        )
        .unwrap_err();
        assert!(e.message.contains("warn (10) must be at most critical (2)"), "{e}");
        let c = Config::parse(
            "c.toml",
            &format!("{REGIONS}[[signals]]\nname = \"age\"\nwarn = 60\ncritical = 300\nexpression = \"m1 / 1000\"\nusing.m1 = {{ namespace = \"AWS/Kinesis\", metric = \"IteratorAgeMilliseconds\", dimensions = {{ StreamName = \"orders-{{region}}\" }}, statistic = \"Maximum\" }}\n"),
        )
        .unwrap();
        let spec = c.thresholds.signals[0].spec.for_region("us-west-2");
        let MetricSpec::Expression { expression, using } = spec else { panic!("expression") };
        assert_eq!(expression, "m1 / 1000");
        assert_eq!(using[0].1.dimensions, [("StreamName".to_owned(), "orders-us-west-2".to_owned())]);
    }
}
