//! ARC routing controls: the traffic shift through the data plane. A cluster has regional
//! endpoints (five in a real one); every call is tried through them in turn, so the shift
//! needs neither the region it leaves nor us-east-1's control plane.
//!
//! Reads ask every endpoint at once and take the first answer. The update is one
//! `UpdateRoutingControlStates` with both entries (target On, source Off), tried endpoint by
//! endpoint, starting with one that just answered and otherwise away from the source region.
//! It is confirmed by reading the states back through another endpoint. A safety rule that
//! refuses the update (ARC answers `ConflictException`; there is no dry run) ends the shift
//! as refused, with ARC's reason.

use aws_sdk_route53recoverycluster as cluster;
use aws_sdk_route53recoverycluster::types::{RoutingControlState, UpdateRoutingControlStateEntry};
use futures_util::future::select_ok;

use super::error::{AwsError, Call, Class, explain};
use super::routing::Shifted;
use super::{CredentialSource, sdk_config};
use crate::config::{ClusterEndpoint, Config, RoutingMethod};
use crate::model::{Routing, RoutingPolicy};
use crate::runbook::SAFETY_RULE_REFUSED;

pub const GET_ROUTING_CONTROL_STATE: Call = Call::new("route53-recovery-cluster", "GetRoutingControlState");
pub const UPDATE_ROUTING_CONTROL_STATES: Call = Call::new("route53-recovery-cluster", "UpdateRoutingControlStates");
pub const LIST_ROUTING_CONTROLS: Call = Call::new("route53-recovery-cluster", "ListRoutingControls");

/// The routing-control policy in docs/iam.md (`method = "arc"`): reads, then the change.
pub const CALLS: [Call; 3] = [GET_ROUTING_CONTROL_STATE, LIST_ROUTING_CONTROLS, UPDATE_ROUTING_CONTROL_STATES];

/// One client per cluster endpoint, in config order.
#[derive(Clone, Debug)]
pub struct Cluster {
    endpoints: Vec<(ClusterEndpoint, cluster::Client)>,
}

/// A routing control as read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ControlState {
    pub name: String,
    pub on: bool,
}

impl Cluster {
    /// The cluster's clients, or None unless the config shifts through ARC.
    pub async fn connect(config: &Config, credentials: &CredentialSource) -> Option<Self> {
        if config.routing.method != RoutingMethod::Arc {
            return None;
        }
        let profile = config.global.profile.as_deref().or_else(|| config.regions.first()?.aws.profile.as_deref());
        let mut endpoints = Vec::with_capacity(config.routing.cluster_endpoints.len());
        for e in &config.routing.cluster_endpoints {
            let sdk = sdk_config(&e.region, &config.aws, profile, Some(&e.url), credentials).await;
            endpoints.push((e.clone(), cluster::Client::new(&sdk)));
        }
        Some(Self { endpoints })
    }

    /// Endpoints in the order a change tries them: away from `source` first.
    fn ordered(&self, source: &str) -> Vec<usize> {
        let (away, at): (Vec<usize>, Vec<usize>) =
            (0..self.endpoints.len()).partition(|i| self.endpoints[*i].0.region != source);
        away.into_iter().chain(at).collect()
    }

    pub fn endpoint(&self, index: usize) -> Option<&ClusterEndpoint> {
        self.endpoints.get(index).map(|(e, _)| e)
    }
}

/// A region's routing control ARN, or why there is none.
fn control_arn(config: &Config, index: usize) -> Result<&str, AwsError> {
    let region =
        config.regions.get(index).ok_or_else(|| AwsError::other(GET_ROUTING_CONTROL_STATE, "no such region"))?;
    region.aws.routing_control_arn.as_deref().ok_or_else(|| {
        AwsError::other(GET_ROUTING_CONTROL_STATE, format!("no routing-control-arn configured for {}", region.name))
    })
}

async fn get_state(client: &cluster::Client, arn: &str) -> Result<ControlState, AwsError> {
    let out = client
        .get_routing_control_state()
        .routing_control_arn(arn)
        .send()
        .await
        .map_err(|e| explain(GET_ROUTING_CONTROL_STATE, &e))?;
    Ok(ControlState {
        name: out
            .routing_control_name()
            .map_or_else(|| arn.rsplit('/').next().unwrap_or(arn).to_owned(), str::to_owned),
        on: *out.routing_control_state() == RoutingControlState::On,
    })
}

/// The states of `arns`, through whichever of `endpoints` answers first (all asked at once):
/// which endpoint answered, and the states in the order asked.
async fn read_through(c: &Cluster, endpoints: &[usize], arns: &[&str]) -> Result<(usize, Vec<ControlState>), AwsError> {
    let asks =
        endpoints.iter().filter_map(|i| c.endpoints.get(*i).map(|(_, client)| (*i, client))).map(|(i, client)| {
            Box::pin(async move {
                let mut states = Vec::with_capacity(arns.len());
                for arn in arns {
                    states.push(get_state(client, arn).await?);
                }
                Ok::<_, AwsError>((i, states))
            })
        });
    let asks: Vec<_> = asks.collect();
    if asks.is_empty() {
        return Err(AwsError::other(GET_ROUTING_CONTROL_STATE, "no ARC cluster endpoint configured"));
    }
    let tried = asks.len();
    match select_ok(asks).await {
        Ok((answer, _)) => Ok(answer),
        Err(last) => Err(AwsError {
            text: format!("no ARC cluster endpoint answered ({tried} tried); the last: {}", last.text),
            ..last
        }),
    }
}

/// Region `index`'s routing control as the region row shows it.
pub async fn read(c: &Cluster, config: &Config, index: usize) -> Result<Routing, AwsError> {
    let arn = control_arn(config, index)?;
    let all: Vec<usize> = (0..c.endpoints.len()).collect();
    let (_, states) = read_through(c, &all, &[arn]).await?;
    let state = states.into_iter().next().ok_or_else(|| AwsError::other(GET_ROUTING_CONTROL_STATE, "no state"))?;
    Ok(Routing {
        record_set_id: state.name,
        policy: RoutingPolicy::RoutingControl,
        active: state.on,
        weight: None,
        ttl_seconds: 0,
        change: None,
    })
}

/// Every routing control the cluster lists, with its state (`check`).
pub async fn list(c: &Cluster) -> Result<Vec<(String, ControlState)>, AwsError> {
    let mut last = AwsError::other(LIST_ROUTING_CONTROLS, "no ARC cluster endpoint configured");
    for (_, client) in &c.endpoints {
        let mut out = Vec::new();
        let mut token = None;
        let result = loop {
            match client.list_routing_controls().set_next_token(token.take()).send().await {
                Ok(page) => {
                    for rc in page.routing_controls() {
                        let arn = rc.routing_control_arn().unwrap_or_default().to_owned();
                        let name = rc.routing_control_name().unwrap_or_default().to_owned();
                        let on = rc.routing_control_state() == Some(&RoutingControlState::On);
                        out.push((arn, ControlState { name, on }));
                    }
                    match page.next_token() {
                        Some(next) if !next.is_empty() => token = Some(next.to_owned()),
                        _ => break Ok(out),
                    }
                }
                Err(e) => break Err(explain(LIST_ROUTING_CONTROLS, &e)),
            }
        };
        match result {
            Ok(controls) => return Ok(controls),
            Err(e) if retriable(&e) => last = e,
            Err(e) => return Err(e),
        }
    }
    Err(last)
}

/// Worth another endpoint: no answer, throttled, or the endpoint's own trouble.
fn retriable(e: &AwsError) -> bool {
    e.unanswered()
        || e.class == Class::Throttled
        || matches!(e.code.as_deref(), Some("EndpointTemporarilyUnavailableException" | "InternalServerException"))
        || e.class == Class::ServerError
}

/// A refusal by a safety rule: ARC's reason, and the rule when ARC names one.
fn refusal(e: &AwsError) -> Option<String> {
    (e.code.as_deref() == Some("ConflictException")).then(|| {
        let reason = e.text.split_once("ConflictException").map_or(e.text.as_str(), |(_, r)| r);
        let reason = reason.trim_start_matches(':').trim();
        format!("{SAFETY_RULE_REFUSED}: {reason}")
    })
}

/// Route traffic to region `to` and away from `from`: target On and source Off in one call.
/// `override_rules` are passed as `SafetyRulesToOverride` (only after a typed reason).
pub async fn shift(
    c: &Cluster,
    config: &Config,
    from: usize,
    to: usize,
    override_rules: &[String],
) -> Result<Shifted, AwsError> {
    let (to_arn, from_arn) = (control_arn(config, to)?, control_arn(config, from)?);
    let source = config.regions.get(from).map_or("", |r| r.name.as_str());
    let order = c.ordered(source);
    let (answered, states) = read_through(c, &order, &[to_arn, from_arn]).await?;
    let (target, left) = (&states[0], &states[1]);
    if target.on && !left.on {
        return Ok(Shifted {
            already: true,
            change_id: None,
            detail: format!("routing control {} is On and {} Off", target.name, left.name),
        });
    }
    // The endpoint that just answered first, then the rest away from the source.
    let tries: Vec<usize> = std::iter::once(answered).chain(order.iter().copied().filter(|i| *i != answered)).collect();
    let entries = [(to_arn, RoutingControlState::On), (from_arn, RoutingControlState::Off)]
        .into_iter()
        .map(|(arn, state)| {
            UpdateRoutingControlStateEntry::builder()
                .routing_control_arn(arn)
                .routing_control_state(state)
                .build()
                .map_err(|e| AwsError::other(UPDATE_ROUTING_CONTROL_STATES, e))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut updated_by = None;
    let mut last = None;
    for i in tries {
        let Some((endpoint, client)) = c.endpoints.get(i) else { continue };
        let sent = client
            .update_routing_control_states()
            .set_update_routing_control_state_entries(Some(entries.clone()))
            .set_safety_rules_to_override((!override_rules.is_empty()).then(|| override_rules.to_vec()))
            .send()
            .await
            .map_err(|e| explain(UPDATE_ROUTING_CONTROL_STATES, &e));
        match sent {
            Ok(_) => {
                updated_by = Some(i);
                break;
            }
            Err(e) if let Some(refused) = refusal(&e) => return Err(AwsError { text: refused, ..e }),
            Err(e) if retriable(&e) => {
                tracing::warn!(endpoint = endpoint.url, error = %e, "ARC endpoint did not take the update; next");
                last = Some(e);
            }
            Err(e) => return Err(e),
        }
    }
    let Some(updated_by) = updated_by else {
        let why = last.map_or_else(|| "none configured".to_owned(), |e| e.text);
        return Err(AwsError::new(
            Class::Unreachable,
            None,
            format!(
                "{}: no ARC cluster endpoint took the change; the last: {why}",
                UPDATE_ROUTING_CONTROL_STATES.operation
            ),
        ));
    };
    // Confirm through another endpoint where there is one.
    let others: Vec<usize> = order.iter().copied().filter(|i| *i != updated_by).collect();
    let confirm_with = if others.is_empty() { vec![updated_by] } else { others };
    let (confirmed_by, states) = read_through(c, &confirm_with, &[to_arn, from_arn]).await.map_err(|e| AwsError {
        text: format!(
            "the change was accepted through {} but could not be read back: {}",
            c.endpoints[updated_by].0.region, e.text
        ),
        ..e
    })?;
    let (target, left) = (&states[0], &states[1]);
    if !target.on || left.on {
        return Err(AwsError::other(
            GET_ROUTING_CONTROL_STATE,
            format!(
                "the change was accepted but reads back {} {} and {} {}",
                target.name,
                if target.on { "On" } else { "Off" },
                left.name,
                if left.on { "On" } else { "Off" }
            ),
        ));
    }
    Ok(Shifted {
        already: false,
        change_id: None,
        detail: format!(
            "routing control {} On and {} Off (through {}, confirmed through {})",
            target.name, left.name, c.endpoints[updated_by].0.region, c.endpoints[confirmed_by].0.region
        ),
    })
}
