//! A region's capacity: an Auto Scaling group (`InService` instances) or an ECS service
//! (running tasks), and the scale-up a failover needs. Scaling never lowers a capacity a
//! team has set higher, refuses a target above the group's maximum before sending anything,
//! and changes nothing when the desired capacity already covers the target.

use aws_sdk_autoscaling::types::LifecycleState;

use super::RegionClients;
use super::error::{
    AwsError, DESCRIBE_AUTO_SCALING_GROUPS, DESCRIBE_SERVICES, SET_DESIRED_CAPACITY, UPDATE_SERVICE, explain,
};
use crate::config::{CapacityConfig, CapacityTarget};
use crate::model::Capacity;

pub async fn read(c: &RegionClients, config: &CapacityConfig) -> Result<Capacity, AwsError> {
    let what = config.describe();
    match &config.target {
        CapacityTarget::AutoScaling { group } => {
            let out = c
                .autoscaling
                .describe_auto_scaling_groups()
                .auto_scaling_group_names(group)
                .send()
                .await
                .map_err(|e| explain(DESCRIBE_AUTO_SCALING_GROUPS, &e))?;
            let Some(g) = out.auto_scaling_groups().first() else {
                return Err(AwsError::other(DESCRIBE_AUTO_SCALING_GROUPS, format!("no Auto Scaling group {group}")));
            };
            let running =
                g.instances().iter().filter(|i| i.lifecycle_state() == Some(&LifecycleState::InService)).count();
            Ok(Capacity {
                what,
                running: u32::try_from(running).unwrap_or(u32::MAX),
                desired: u32::try_from(g.desired_capacity().unwrap_or(0)).unwrap_or(0),
                max: g.max_size().and_then(|m| u32::try_from(m).ok()),
                needed: config.needed,
            })
        }
        CapacityTarget::Ecs { cluster, service } => {
            let out = c
                .ecs
                .describe_services()
                .cluster(cluster)
                .services(service)
                .send()
                .await
                .map_err(|e| explain(DESCRIBE_SERVICES, &e))?;
            let Some(s) = out.services().first() else {
                let why = out.failures().first().and_then(|f| f.reason()).unwrap_or("not found");
                return Err(AwsError::other(DESCRIBE_SERVICES, format!("ECS service {cluster}/{service}: {why}")));
            };
            Ok(Capacity {
                what,
                running: u32::try_from(s.running_count()).unwrap_or(0),
                desired: u32::try_from(s.desired_count()).unwrap_or(0),
                max: None,
                needed: config.needed,
            })
        }
    }
}

/// How a scale-up went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scaled {
    /// The desired capacity already covered the target: nothing was sent.
    pub already: bool,
    pub detail: String,
}

/// Raise the desired capacity to `target` (never lower it), then wait up to `timeout` until
/// that many run.
pub async fn scale(
    c: &RegionClients,
    config: &CapacityConfig,
    target: u32,
    timeout: chrono::Duration,
) -> Result<Scaled, AwsError> {
    let now = read(c, config).await?;
    let call = match config.target {
        CapacityTarget::AutoScaling { .. } => SET_DESIRED_CAPACITY,
        CapacityTarget::Ecs { .. } => UPDATE_SERVICE,
    };
    if let Some(max) = now.max
        && target > max
    {
        return Err(AwsError::other(
            call,
            format!(
                "refused before sending: target {target} is above {}'s maximum size {max}; raise the maximum first",
                now.what
            ),
        ));
    }
    let already = now.desired >= target;
    if !already {
        let desired = i32::try_from(target).unwrap_or(i32::MAX);
        match &config.target {
            CapacityTarget::AutoScaling { group } => {
                c.autoscaling
                    .set_desired_capacity()
                    .auto_scaling_group_name(group)
                    .desired_capacity(desired)
                    .honor_cooldown(false)
                    .send()
                    .await
                    .map_err(|e| explain(SET_DESIRED_CAPACITY, &e))?;
            }
            CapacityTarget::Ecs { cluster, service } => {
                c.ecs
                    .update_service()
                    .cluster(cluster)
                    .service(service)
                    .desired_count(desired)
                    .send()
                    .await
                    .map_err(|e| explain(UPDATE_SERVICE, &e))?;
            }
        }
    }
    let last = std::sync::atomic::AtomicU32::new(now.running);
    super::wait_until(call, timeout, || async {
        let c = read(c, config).await?;
        last.store(c.running, std::sync::atomic::Ordering::Relaxed);
        Ok(c.running >= target)
    })
    .await
    .map_err(|mut e| {
        let runs = last.load(std::sync::atomic::Ordering::Relaxed);
        e.text = format!("{}; {} runs {runs} of {target}", e.text, config.describe());
        e
    })?;
    let last = last.into_inner();
    let desired = if already { now.desired } else { target };
    Ok(Scaled {
        already,
        detail: format!("{} runs {last}/{target} in {} (desired {desired})", config.describe(), c.region),
    })
}
