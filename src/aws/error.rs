//! SDK errors in words: which call, what went wrong, and what to do about it. An
//! AccessDenied names the IAM action to grant; a timeout says it was a timeout.

use aws_sdk_cloudwatch::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

/// One AWS API call, named the way IAM names its permission.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Call {
    /// IAM service prefix: `cloudwatch`, `route53`, `rds`, `dynamodb`.
    pub service: &'static str,
    /// API operation, e.g. `GetMetricData`.
    pub operation: &'static str,
}

impl Call {
    pub const fn new(service: &'static str, operation: &'static str) -> Self {
        Self { service, operation }
    }

    /// The IAM action this call needs, e.g. `rds:DescribeDBInstances`.
    pub fn iam_action(self) -> String {
        format!("{}:{}", self.service, self.operation)
    }
}

pub const GET_METRIC_DATA: Call = Call::new("cloudwatch", "GetMetricData");
pub const LIST_RECORD_SETS: Call = Call::new("route53", "ListResourceRecordSets");
pub const CHANGE_RECORD_SETS: Call = Call::new("route53", "ChangeResourceRecordSets");
pub const GET_CHANGE: Call = Call::new("route53", "GetChange");
pub const GET_HEALTH_CHECK: Call = Call::new("route53", "GetHealthCheck");
pub const GET_HEALTH_CHECK_STATUS: Call = Call::new("route53", "GetHealthCheckStatus");
pub const GET_HOSTED_ZONE: Call = Call::new("route53", "GetHostedZone");
pub const DESCRIBE_DB_INSTANCES: Call = Call::new("rds", "DescribeDBInstances");
pub const DESCRIBE_DB_CLUSTERS: Call = Call::new("rds", "DescribeDBClusters");
pub const DESCRIBE_GLOBAL_CLUSTERS: Call = Call::new("rds", "DescribeGlobalClusters");
pub const PROMOTE_READ_REPLICA: Call = Call::new("rds", "PromoteReadReplica");
pub const SWITCHOVER_GLOBAL_CLUSTER: Call = Call::new("rds", "SwitchoverGlobalCluster");
pub const FAILOVER_GLOBAL_CLUSTER: Call = Call::new("rds", "FailoverGlobalCluster");
pub const GET_ITEM: Call = Call::new("dynamodb", "GetItem");
pub const PUT_ITEM: Call = Call::new("dynamodb", "PutItem");
pub const DESCRIBE_TABLE: Call = Call::new("dynamodb", "DescribeTable");
pub const UPDATE_ITEM: Call = Call::new("dynamodb", "UpdateItem");
pub const LIST_METRICS: Call = Call::new("cloudwatch", "ListMetrics");
pub const DESCRIBE_ALARMS: Call = Call::new("cloudwatch", "DescribeAlarms");
pub const DESCRIBE_AUTO_SCALING_GROUPS: Call = Call::new("autoscaling", "DescribeAutoScalingGroups");
pub const SET_DESIRED_CAPACITY: Call = Call::new("autoscaling", "SetDesiredCapacity");
pub const DESCRIBE_SERVICES: Call = Call::new("ecs", "DescribeServices");
pub const UPDATE_SERVICE: Call = Call::new("ecs", "UpdateService");
pub const DESCRIBE_SECRET: Call = Call::new("secretsmanager", "DescribeSecret");
/// `check` only: may the operator read the secret (the value is discarded unread).
pub const GET_SECRET_VALUE: Call = Call::new("secretsmanager", "GetSecretValue");

/// Every call the pollers and `check` make: the observer policy in docs/iam.md.
pub const READ_CALLS: [Call; 17] = [
    GET_METRIC_DATA,
    LIST_RECORD_SETS,
    GET_CHANGE,
    GET_HEALTH_CHECK,
    GET_HEALTH_CHECK_STATUS,
    GET_HOSTED_ZONE,
    DESCRIBE_DB_INSTANCES,
    DESCRIBE_DB_CLUSTERS,
    DESCRIBE_GLOBAL_CLUSTERS,
    GET_ITEM,
    DESCRIBE_TABLE,
    LIST_METRICS,
    DESCRIBE_ALARMS,
    DESCRIBE_AUTO_SCALING_GROUPS,
    DESCRIBE_SERVICES,
    DESCRIBE_SECRET,
    GET_SECRET_VALUE,
];

/// The calls runbook steps make on top of those: the operator policy adds these.
pub const MUTATING_CALLS: [Call; 7] = [
    UPDATE_ITEM,
    PROMOTE_READ_REPLICA,
    SWITCHOVER_GLOBAL_CLUSTER,
    FAILOVER_GLOBAL_CLUSTER,
    CHANGE_RECORD_SETS,
    SET_DESIRED_CAPACITY,
    UPDATE_SERVICE,
];

/// What kind of failure, for callers that react differently (permission probes, retries).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    AccessDenied,
    Throttled,
    Timeout,
    Unreachable,
    /// The service answered with an error code (not found, invalid, conditional check…).
    Service,
}

/// A failed call: its class, the service's error code if any, and the text to show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AwsError {
    pub class: Class,
    pub code: Option<String>,
    pub text: String,
}

impl std::fmt::Display for AwsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

impl AwsError {
    /// The endpoint did not answer (gone, or too slow to matter), as opposed to answering
    /// with an error of its own: what tells a dark region or control plane from a refusal.
    pub fn unanswered(&self) -> bool {
        matches!(self.class, Class::Timeout | Class::Unreachable)
    }

    /// A failure that is not an SDK error (a missing record, an unexpected answer).
    pub fn other(call: Call, text: impl std::fmt::Display) -> Self {
        Self { class: Class::Service, code: None, text: format!("{}: {text}", call.operation) }
    }
}

const DENIED: [&str; 4] = ["AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "NotAuthorized"];
const THROTTLED: [&str; 6] = [
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestLimitExceeded",
    "TooManyRequestsException",
    "PriorRequestNotComplete",
];

/// Describe an SDK error of `call`.
pub fn explain<E>(call: Call, err: &SdkError<E>) -> AwsError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let op = call.operation;
    match err {
        SdkError::TimeoutError(_) => AwsError {
            class: Class::Timeout,
            code: None,
            text: format!("{op}: timed out (no answer within aws.call-timeout)"),
        },
        SdkError::DispatchFailure(failure) => {
            let why = failure
                .as_connector_error()
                .map_or_else(|| "connection failed".to_owned(), |c| DisplayErrorContext(c).to_string());
            // Not sent at all for want of credentials: the endpoint was never asked, so this
            // is not a region (or control plane) that does not answer.
            if failure.as_connector_error().is_some_and(|c| c.is_other()) && why.contains("credential") {
                return AwsError {
                    class: Class::AccessDenied,
                    code: None,
                    text: format!(
                        "{op}: no AWS credentials to sign it with — set the region's profile, AWS_PROFILE or AWS_ACCESS_KEY_ID, or log in again (aws sso login)"
                    ),
                };
            }
            let class = if failure.is_timeout() { Class::Timeout } else { Class::Unreachable };
            AwsError { class, code: None, text: format!("{op}: cannot reach the endpoint: {why}") }
        }
        SdkError::ServiceError(_) | SdkError::ResponseError(_) => {
            let status = err.raw_response().map(|r| r.status().as_u16());
            let code = err.code().map(str::to_owned);
            let message = err.message().map(str::to_owned);
            classify(call, status, code, message)
        }
        _ => AwsError { class: Class::Service, code: None, text: format!("{op}: {}", DisplayErrorContext(err)) },
    }
}

/// Pure part of `explain`: from status, code and message to words.
pub fn classify(call: Call, status: Option<u16>, code: Option<String>, message: Option<String>) -> AwsError {
    let op = call.operation;
    let detail = message.as_deref().filter(|m| !m.is_empty()).map(|m| format!(": {m}")).unwrap_or_default();
    let status_text = status.map(|s| format!("HTTP {s}")).unwrap_or_else(|| "no status".into());
    match code.as_deref() {
        Some(c) if DENIED.contains(&c) => AwsError {
            class: Class::AccessDenied,
            code,
            text: format!("{op}: access denied — grant IAM action {}{detail}", call.iam_action()),
        },
        Some(c) if THROTTLED.contains(&c) => {
            AwsError { class: Class::Throttled, text: format!("{op}: throttled ({c}); backing off"), code }
        }
        Some(c) => AwsError { class: Class::Service, text: format!("{op}: {c}{detail} ({status_text})"), code },
        None if status == Some(429) => {
            AwsError { class: Class::Throttled, code, text: format!("{op}: throttled ({status_text}); backing off") }
        }
        None if status == Some(403) => AwsError {
            class: Class::AccessDenied,
            code,
            text: format!("{op}: access denied ({status_text}) — grant IAM action {}", call.iam_action()),
        },
        None => AwsError { class: Class::Service, code, text: format!("{op}: {status_text}{detail}") },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_denied_names_the_iam_action_to_grant() {
        let e = classify(
            DESCRIBE_DB_INSTANCES,
            Some(403),
            Some("AccessDenied".into()),
            Some("User: x is not authorized".into()),
        );
        assert_eq!(e.class, Class::AccessDenied);
        assert_eq!(
            e.text,
            "DescribeDBInstances: access denied — grant IAM action rds:DescribeDBInstances: User: x is not authorized"
        );
        let e = classify(GET_ITEM, Some(400), Some("AccessDeniedException".into()), None);
        assert!(e.text.contains("grant IAM action dynamodb:GetItem"), "{}", e.text);
    }

    #[test]
    fn throttling_and_bare_statuses_are_told_apart() {
        assert_eq!(classify(GET_METRIC_DATA, Some(400), Some("Throttling".into()), None).class, Class::Throttled);
        assert_eq!(classify(GET_METRIC_DATA, Some(429), None, None).class, Class::Throttled);
        let e = classify(GET_METRIC_DATA, Some(503), None, None);
        assert_eq!((e.class, e.text.as_str()), (Class::Service, "GetMetricData: HTTP 503"));
        let e = classify(GET_ITEM, Some(400), Some("ResourceNotFoundException".into()), Some("no table".into()));
        assert_eq!(e.text, "GetItem: ResourceNotFoundException: no table (HTTP 400)");
    }
}
