//! What a region must have before it takes traffic, as the account already names it: its
//! CloudWatch alarms (and canary alarms), the capacity it scales to, and the secrets the
//! application reads. `[regions.alarms]`, `[regions.capacity]`, `secrets = [...]`.

use serde::Deserialize;
use toml::Spanned;

use super::Validator;
use crate::toml_source::TomlError;

/// Instances each simulated region needs to take all traffic.
pub const SIM_NEEDED_CAPACITY: u32 = 24;
/// The secrets the simulated application reads in every region.
pub const SIM_SECRETS: [&str; 2] = ["checkout/db-credentials", "checkout/payment-api-key"];

/// Alarms a region watches: exact names and name prefixes, read with `DescribeAlarms`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AlarmsConfig {
    pub names: Vec<String>,
    pub prefixes: Vec<String>,
    /// Alarms whose `INSUFFICIENT_DATA` is normal (a cold standby's): names, or prefixes
    /// ending in `*`. Every other alarm's insufficient data is unknown, and fails `alarms-ok`.
    pub accept_insufficient: Vec<String>,
    /// Canary alarms: `synthetic-checks` waits until these are OK in the target region.
    pub canaries: Vec<String>,
}

impl AlarmsConfig {
    pub fn is_empty(&self) -> bool {
        self.names.is_empty() && self.prefixes.is_empty() && self.canaries.is_empty()
    }

    pub fn accepts_insufficient(&self, alarm: &str) -> bool {
        self.accept_insufficient.iter().any(|pattern| match pattern.strip_suffix('*') {
            Some(prefix) => alarm.starts_with(prefix),
            None => alarm == pattern,
        })
    }

    pub fn is_canary(&self, alarm: &str) -> bool {
        self.canaries.iter().any(|c| c == alarm)
    }

    /// Every exact name read (watched alarms and canaries), once each.
    pub fn exact_names(&self) -> Vec<String> {
        let mut out = self.names.clone();
        for c in &self.canaries {
            if !out.contains(c) {
                out.push(c.clone());
            }
        }
        out
    }
}

/// What runs the application in a region, and how much of it must run to take all traffic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CapacityTarget {
    AutoScaling { group: String },
    Ecs { cluster: String, service: String },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CapacityConfig {
    pub target: CapacityTarget,
    /// Instances or tasks needed to take all traffic.
    pub needed: u32,
}

impl CapacityConfig {
    pub fn describe(&self) -> String {
        match &self.target {
            CapacityTarget::AutoScaling { group } => format!("Auto Scaling group {group}"),
            CapacityTarget::Ecs { cluster, service } => format!("ECS service {cluster}/{service}"),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawAlarms {
    #[serde(default)]
    names: Vec<Spanned<String>>,
    #[serde(default)]
    prefixes: Vec<Spanned<String>>,
    #[serde(default)]
    accept_insufficient: Vec<Spanned<String>>,
    #[serde(default)]
    canaries: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawCapacity {
    auto_scaling_group: Option<Spanned<String>>,
    ecs_cluster: Option<Spanned<String>>,
    ecs_service: Option<Spanned<String>>,
    needed: Spanned<i64>,
}

fn names(v: &Validator<'_>, list: Vec<Spanned<String>>, key: &str) -> Result<Vec<String>, TomlError> {
    let mut out: Vec<String> = Vec::new();
    for s in list {
        let name = s.get_ref();
        if name.trim().is_empty() || name.len() > 255 || name.chars().any(char::is_control) {
            return v.err(Some(s.span()), format!("{key}: `{name}` is not a name (1–255 printable characters)"));
        }
        if out.contains(name) {
            return v.err(Some(s.span()), format!("{key}: `{name}` is listed twice"));
        }
        out.push(s.into_inner());
    }
    Ok(out)
}

impl RawAlarms {
    pub(super) fn validate(self, v: &Validator<'_>, region: &str) -> Result<AlarmsConfig, TomlError> {
        let key = |k: &str| format!("region {region}: alarms.{k}");
        // DescribeAlarms takes at most 100 names per call; more would need paging of names.
        if let Some(s) = self.names.get(100) {
            return v.err(Some(s.span()), key("names lists more than 100 alarms: use prefixes"));
        }
        Ok(AlarmsConfig {
            names: names(v, self.names, &key("names"))?,
            prefixes: names(v, self.prefixes, &key("prefixes"))?,
            accept_insufficient: names(v, self.accept_insufficient, &key("accept-insufficient"))?,
            canaries: names(v, self.canaries, &key("canaries"))?,
        })
    }
}

impl RawCapacity {
    pub(super) fn validate(self, v: &Validator<'_>, region: &str) -> Result<CapacityConfig, TomlError> {
        let needed = *self.needed.get_ref();
        if !(1..=100_000).contains(&needed) {
            return v.err(
                Some(self.needed.span()),
                format!("region {region}: capacity.needed must be between 1 and 100000, got {needed}"),
            );
        }
        let text = |s: Spanned<String>, what: &str| {
            if s.get_ref().trim().is_empty() {
                v.err(Some(s.span()), format!("region {region}: capacity.{what} must not be empty"))
            } else {
                Ok(s.into_inner())
            }
        };
        let target = match (self.auto_scaling_group, self.ecs_cluster, self.ecs_service) {
            (Some(group), None, None) => CapacityTarget::AutoScaling { group: text(group, "auto-scaling-group")? },
            (None, Some(cluster), Some(service)) => {
                CapacityTarget::Ecs { cluster: text(cluster, "ecs-cluster")?, service: text(service, "ecs-service")? }
            }
            (Some(group), _, _) => {
                return v.err(
                    Some(group.span()),
                    format!("region {region}: capacity names an Auto Scaling group or an ECS service, not both"),
                );
            }
            (None, Some(c), None) => {
                return v.err(Some(c.span()), format!("region {region}: capacity.ecs-cluster needs ecs-service"));
            }
            (None, None, Some(s)) => {
                return v.err(Some(s.span()), format!("region {region}: capacity.ecs-service needs ecs-cluster"));
            }
            (None, None, None) => {
                return v.err(
                    Some(self.needed.span()),
                    format!("region {region}: capacity needs auto-scaling-group, or ecs-cluster and ecs-service"),
                );
            }
        };
        Ok(CapacityConfig { target, needed: u32::try_from(needed).unwrap_or(u32::MAX) })
    }
}

pub(super) fn validate_secrets(
    v: &Validator<'_>,
    list: Vec<Spanned<String>>,
    region: &str,
) -> Result<Vec<String>, TomlError> {
    names(v, list, &format!("region {region}: secrets"))
}

#[cfg(test)]
mod tests {
    use crate::config::Config;

    use super::*;

    fn parse(west: &str) -> Result<Config, TomlError> {
        Config::parse(
            "c.toml",
            &format!(
                "[[regions]]\nname = \"us-east-1\"\nrole = \"primary\"\n[[regions]]\nname = \"us-west-2\"\nrole = \"secondary\"\n{west}"
            ),
        )
    }

    #[test]
    fn capacity_alarms_and_secrets_are_read_per_region() {
        let c = parse(
            "secrets = [\"checkout/db\"]\n[regions.capacity]\necs-cluster = \"web\"\necs-service = \"api\"\nneeded = 24\n[regions.alarms]\nprefixes = [\"checkout-\"]\naccept-insufficient = [\"checkout-standby-*\"]\ncanaries = [\"checkout-canary\"]\n",
        )
        .unwrap();
        let west = &c.regions[1].aws;
        assert_eq!(west.secrets, ["checkout/db"]);
        let cap = west.capacity.as_ref().unwrap();
        assert_eq!((cap.needed, cap.describe().as_str()), (24, "ECS service web/api"));
        assert!(west.alarms.accepts_insufficient("checkout-standby-5xx"));
        assert!(!west.alarms.accepts_insufficient("checkout-5xx"));
        assert_eq!(west.alarms.exact_names(), ["checkout-canary"]);
    }

    #[test]
    fn half_a_capacity_target_is_refused_where_it_is() {
        let e = parse("[regions.capacity]\necs-cluster = \"web\"\nneeded = 2\n").unwrap_err();
        assert!(e.message.contains("ecs-cluster needs ecs-service"), "{e}");
        assert!(e.to_string().contains("c.toml:"), "{e}");
        let e = parse("[regions.capacity]\nauto-scaling-group = \"g\"\nneeded = 0\n").unwrap_err();
        assert!(e.message.contains("between 1 and 100000"), "{e}");
    }
}
