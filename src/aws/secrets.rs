//! The secrets the application needs in a region: `DescribeSecret` on each (metadata only,
//! never the value). A secret that is not found, or is scheduled for deletion, is missing;
//! one that cannot be described is unknown, which counts as missing too.

use super::RegionClients;
use super::error::{AwsError, Class, DESCRIBE_SECRET, GET_SECRET_VALUE, explain};
use crate::model::{SecretCheck, Secrets};

/// Check every secret; a throttle or an unreachable endpoint fails the whole reading.
pub async fn read(c: &RegionClients, names: &[String], every_seconds: u32) -> Result<Secrets, AwsError> {
    let mut secrets = Vec::with_capacity(names.len());
    for name in names {
        let check = match c.secretsmanager.describe_secret().secret_id(name).send().await {
            Ok(out) => match out.deleted_date() {
                Some(when) => SecretCheck {
                    name: name.clone(),
                    present: false,
                    why: Some(format!(
                        "scheduled for deletion on {}",
                        chrono::DateTime::from_timestamp(when.secs(), 0)
                            .map_or_else(|| when.secs().to_string(), |d| d.format("%Y-%m-%d %H:%M UTC").to_string())
                    )),
                },
                None => SecretCheck { name: name.clone(), present: true, why: None },
            },
            Err(e) => {
                let err = explain(DESCRIBE_SECRET, &e);
                match (err.class, err.code.as_deref()) {
                    (Class::Service, Some("ResourceNotFoundException")) => {
                        SecretCheck { name: name.clone(), present: false, why: Some("not found".into()) }
                    }
                    (Class::Throttled | Class::Timeout | Class::Unreachable, _) => return Err(err),
                    _ => {
                        SecretCheck { name: name.clone(), present: false, why: Some(format!("unknown: {}", err.text)) }
                    }
                }
            }
        };
        secrets.push(check);
    }
    Ok(Secrets { secrets, every_seconds })
}

/// `check`: may the operator read the secret's value? The value is dropped unlooked-at.
pub async fn probe_read(c: &RegionClients, name: &str) -> Result<(), AwsError> {
    c.secretsmanager
        .get_secret_value()
        .secret_id(name)
        .send()
        .await
        .map(drop)
        .map_err(|e| explain(GET_SECRET_VALUE, &e))
}
