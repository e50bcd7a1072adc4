//! CloudWatch alarms a region names (`[regions.alarms]`): `DescribeAlarms` by name (one call
//! for up to 100) and by each prefix (paged), metric and composite alarms alike.

use aws_sdk_cloudwatch::types::{AlarmType, StateValue};

use super::RegionClients;
use super::error::{AwsError, DESCRIBE_ALARMS, explain};
use crate::config::AlarmsConfig;
use crate::model::{Alarm, AlarmState, Alarms};

fn state_of(value: Option<&StateValue>) -> AlarmState {
    match value {
        Some(StateValue::Ok) => AlarmState::Ok,
        Some(StateValue::Alarm) => AlarmState::Alarm,
        // INSUFFICIENT_DATA, or a state this SDK does not know: unknown either way.
        _ => AlarmState::InsufficientData,
    }
}

/// Every configured alarm's state, with exact names that were not found listed as missing.
pub async fn read(c: &RegionClients, config: &AlarmsConfig, every_seconds: u32) -> Result<Alarms, AwsError> {
    let mut found: Vec<(String, AlarmState)> = Vec::new();
    let names = config.exact_names();
    let mut requests = Vec::new();
    if !names.is_empty() {
        requests.push(c.cloudwatch.describe_alarms().set_alarm_names(Some(names.clone())));
    }
    for prefix in &config.prefixes {
        requests.push(c.cloudwatch.describe_alarms().alarm_name_prefix(prefix));
    }
    for request in requests {
        let mut pages = request
            .alarm_types(AlarmType::MetricAlarm)
            .alarm_types(AlarmType::CompositeAlarm)
            .max_records(100)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| explain(DESCRIBE_ALARMS, &e))?;
            let metric = page.metric_alarms().iter().map(|a| (a.alarm_name(), a.state_value()));
            let composite = page.composite_alarms().iter().map(|a| (a.alarm_name(), a.state_value()));
            for (name, state) in metric.chain(composite) {
                let Some(name) = name else { continue };
                if !found.iter().any(|(n, _)| n == name) {
                    found.push((name.to_owned(), state_of(state)));
                }
            }
        }
    }
    let missing = names.into_iter().filter(|n| !found.iter().any(|(f, _)| f == n)).collect();
    let alarms = found
        .into_iter()
        .map(|(name, state)| Alarm {
            accepts_insufficient: config.accepts_insufficient(&name),
            canary: config.is_canary(&name),
            name,
            state,
        })
        .collect();
    Ok(Alarms { alarms, missing, every_seconds })
}
