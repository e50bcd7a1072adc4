//! What the config depends on outside the regions it names: the global control plane in
//! us-east-1 (Route 53's API and its metrics) and the credential chain's own regions. `check`
//! lists them, with what depends on each, and warns where the failover path needs one.

use super::journal::StoreConfig;
use super::{Config, RoutingMethod};
use crate::model::Role;

/// One thing outside the incident's regions that something of warroom needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dependency {
    /// The region it lives in (`us-east-1` for the global control plane).
    pub region: String,
    /// The service and calls, e.g. `Route 53 API (ListResourceRecordSets, …)`.
    pub service: String,
    /// What of warroom needs it, e.g. `health readings of us-east-1, us-west-2`.
    pub needed_by: String,
    /// On the failover path: a step or a guard of the failover needs it.
    pub failover_path: bool,
}

/// A profile's IAM Identity Center (SSO) region: its token is refreshed there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SsoRegion {
    pub profile: String,
    pub region: String,
}

/// Every global dependency of `config`, given the SSO regions its profiles use.
pub fn global(config: &Config, sso: &[SsoRegion]) -> Vec<Dependency> {
    let list = |names: Vec<&str>| names.join(", ");
    let with = |pick: &dyn Fn(&super::RegionConfig) -> bool| {
        config.regions.iter().filter(|r| pick(r)).map(|r| r.name.as_str()).collect::<Vec<_>>()
    };
    let mut out = Vec::new();
    let checked = with(&|r| r.aws.health_check_id.is_some());
    if !checked.is_empty() {
        out.push(Dependency {
            region: super::GLOBAL_REGION.into(),
            service: "Route 53 API (GetHealthCheckStatus) and AWS/Route53 HealthCheckStatus metrics".into(),
            needed_by: format!(
                "health readings of {}; secondary-healthy falls back to each region's own signals",
                list(checked)
            ),
            failover_path: false,
        });
    }
    let routed = with(&|r| r.aws.record_set_id.is_some());
    if config.routing.method == RoutingMethod::Dns && config.routing.hosted_zone_id.is_some() && !routed.is_empty() {
        out.push(Dependency {
            region: super::GLOBAL_REGION.into(),
            service: "Route 53 API (ListResourceRecordSets, ChangeResourceRecordSets, GetChange)".into(),
            needed_by: format!("routing readings of {}, shift-traffic and change-insync", list(routed)),
            failover_path: true,
        });
    }
    for s in sso {
        let who = if config.global.profile.as_deref() == Some(s.profile.as_str()) {
            "global calls".to_owned()
        } else {
            let regions = with(&|r| r.aws.profile.as_deref() == Some(s.profile.as_str()));
            if regions.is_empty() { "journal store".to_owned() } else { format!("calls in {}", list(regions)) }
        };
        out.push(Dependency {
            region: s.region.clone(),
            service: format!("IAM Identity Center (profile {} refreshes its token there)", s.profile),
            needed_by: format!("{who}, once the cached token expires"),
            failover_path: true,
        });
    }
    out
}

/// What `check` warns about in the config alone: the failover path needing the region it
/// leaves or a global control plane.
pub fn warnings(config: &Config, sso: &[SsoRegion]) -> Vec<String> {
    let mut out = Vec::new();
    let primary = config.regions.iter().find(|r| r.role == Role::Primary).map(|r| r.name.as_str());
    let dns_shift =
        config.routing.hosted_zone_id.is_some() && config.regions.iter().any(|r| r.aws.record_set_id.is_some());
    if config.routing.method == RoutingMethod::Dns && dns_shift {
        out.push(
            "routing.method = \"dns\": shift-traffic changes Route 53 records through its control plane in \
             us-east-1, which may take no change while us-east-1 is impaired; ARC routing controls \
             (method = \"arc\") shift through the data plane"
                .to_owned(),
        );
    }
    let endpoints = config.routing.cluster_endpoints.len();
    if config.routing.method == RoutingMethod::Arc && endpoints < 5 {
        out.push(format!(
            "routing.cluster-endpoints lists {endpoints} of the cluster's endpoints; a cluster has five, in five regions: \
             list them all, so a shift survives the loss of any region"
        ));
    }
    if let StoreConfig::Dynamodb(store) = &config.store
        && Some(store.claims_region.as_str()) == primary
    {
        out.push(format!(
            "journal.claims-region is {}, the primary: the region an incident is about is the one most likely \
             not to answer, and every step's claim waits on it; name another of journal.regions",
            store.claims_region
        ));
    }
    for s in sso.iter().filter(|s| Some(s.region.as_str()) == primary) {
        out.push(format!(
            "profile {} signs in through IAM Identity Center in {}, the primary: once its token expires, \
             no call can be made while that region is down",
            s.profile, s.region
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const DNS: &str = "[routing]\nhosted-zone-id = \"Z1\"\n[[regions]]\nname = \"us-east-1\"\nrole = \"primary\"\nrecord-set-id = \"east\"\nhealth-check-id = \"hc-1\"\n[[regions]]\nname = \"us-west-2\"\nrole = \"secondary\"\nrecord-set-id = \"west\"\n";

    #[test]
    fn a_dns_config_names_its_us_east_1_dependency() {
        let config = Config::parse("c.toml", DNS).unwrap();
        let deps = global(&config, &[]);
        assert_eq!(deps.len(), 2, "{deps:#?}");
        assert!(deps.iter().all(|d| d.region == "us-east-1"));
        assert_eq!(deps[1].needed_by, "routing readings of us-east-1, us-west-2, shift-traffic and change-insync");
        let warned = warnings(&config, &[]);
        assert!(
            warned.iter().any(|w| w.starts_with("routing.method = \"dns\"") && w.contains("us-east-1")),
            "{warned:?}"
        );
    }

    #[test]
    fn an_arc_config_has_no_global_routing_dependency_and_wants_five_endpoints() {
        let arc = DNS.replace(
            "[routing]\n",
            "[routing]\nmethod = \"arc\"\ncluster-endpoints = [{ region = \"us-west-2\", url = \"https://host-a.example.com\" }]\n",
        )
        .replace("record-set-id = \"east\"\n", "record-set-id = \"east\"\nrouting-control-arn = \"arn:aws:route53-recovery-control::1:controlpanel/p/routingcontrol/e\"\n")
        .replace("record-set-id = \"west\"\n", "record-set-id = \"west\"\nrouting-control-arn = \"arn:aws:route53-recovery-control::1:controlpanel/p/routingcontrol/w\"\n");
        let config = Config::parse("c.toml", &arc).unwrap();
        let deps = global(&config, &[]);
        assert_eq!(deps.len(), 1, "only the health readings: {deps:#?}");
        let warned = warnings(&config, &[]);
        assert!(!warned.iter().any(|w| w.contains("method = \"dns\"")), "{warned:?}");
        assert!(warned.iter().any(|w| w.starts_with("routing.cluster-endpoints lists 1")), "{warned:?}");
    }

    #[test]
    fn claims_in_the_primary_and_sso_in_the_primary_are_warned() {
        let text = format!(
            "{DNS}[journal]\nstore = \"dynamodb\"\ntable = \"t-1\"\nregions = [\"us-east-1\", \"us-west-2\"]\nclaims-region = \"us-east-1\"\n"
        );
        let config = Config::parse("c.toml", &text).unwrap();
        let sso = [SsoRegion { profile: "prod".into(), region: "us-east-1".into() }];
        let warned = warnings(&config, &sso);
        assert!(warned.iter().any(|w| w.starts_with("journal.claims-region is us-east-1, the primary")), "{warned:?}");
        assert!(warned.iter().any(|w| w.starts_with("profile prod signs in through IAM Identity Center in us-east-1")));
        let deps = global(&config, &sso);
        assert_eq!(deps.last().map(|d| d.region.as_str()), Some("us-east-1"));
        let away = text.replace("claims-region = \"us-east-1\"\n", "");
        let config = Config::parse("c.toml", &away).unwrap();
        assert!(
            !warnings(&config, &[]).iter().any(|w| w.contains("claims-region")),
            "the default is away from the primary"
        );
    }
}
