//! SDK errors in words: which call, what went wrong, and what to do about it. An
//! AccessDenied names the IAM action to grant; a timeout says it was a timeout.

use aws_sdk_cloudwatch::error::{ProvideErrorMetadata, SdkError};

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
    /// No credentials to sign with, or AWS refused the ones given (expired, unknown): nothing
    /// was asked of the service, so nothing is known of it.
    Credentials,
    Throttled,
    Timeout,
    Unreachable,
    /// The service failed on its side (HTTP 5xx): it proves nothing about the request.
    ServerError,
    /// The service answered with an error code (not found, invalid, conditional check…).
    Service,
}

/// A failed call: its class, the service's error code if any, the sentence to show, what to
/// do about it, and the service's own words for whoever wants them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AwsError {
    pub class: Class,
    pub code: Option<String>,
    /// One line: `GetItem: the flag table's key is not write-freeze.key-attribute`.
    pub text: String,
    /// The next step, when one is known: `set key-attribute = "pk" in [write-freeze]`.
    pub fix: Option<String>,
    /// What AWS (or the connection) said, never a Rust debug print.
    pub raw: Option<String>,
}

impl std::fmt::Display for AwsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// The label of the fix line in a stored poll error (`model::error_details`).
pub const FIX: &str = "fix";
/// The label of the raw text (the service's own words, or the connection's) in a stored
/// poll error.
pub const RAW: &str = "raw";

impl AwsError {
    pub fn new(class: Class, code: Option<String>, text: impl Into<String>) -> Self {
        Self { class, code, text: text.into(), fix: None, raw: None }
    }

    pub fn with_fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = Some(fix.into());
        self
    }

    fn raw(mut self, raw: Option<String>) -> Self {
        self.raw = raw.filter(|r| !r.is_empty());
        self
    }

    /// The endpoint did not answer (gone, or too slow to matter), as opposed to answering
    /// with an error of its own: what tells a dark region or control plane from a refusal.
    pub fn unanswered(&self) -> bool {
        matches!(self.class, Class::Timeout | Class::Unreachable)
    }

    /// A failure that is not an SDK error (a missing record, an unexpected answer).
    pub fn other(call: Call, text: impl std::fmt::Display) -> Self {
        Self::new(Class::Service, None, format!("{}: {text}", call.operation))
    }

    /// The sentence, then the fix and the service's words on labelled lines: what a poll
    /// stores, so the describe view can show all of it and a status line only the first.
    pub fn full(&self) -> String {
        let mut out = self.text.clone();
        for (label, line) in [(FIX, &self.fix), (RAW, &self.raw)] {
            if let Some(line) = line {
                out.push_str(&format!("\n{label}: {}", line.replace('\n', " ")));
            }
        }
        out
    }

    /// The sentence and its fix on one line, for a table cell (`check`).
    pub fn sentence(&self) -> String {
        match &self.fix {
            Some(fix) => format!("{} — {fix}", self.text),
            None => self.text.clone(),
        }
    }
}

const DENIED: [&str; 5] =
    ["AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "NotAuthorized", "AuthorizationError"];
const THROTTLED: [&str; 6] = [
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestLimitExceeded",
    "TooManyRequestsException",
    "PriorRequestNotComplete",
];
/// Credentials AWS will no longer accept: they were good once.
const EXPIRED: [&str; 4] = ["ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired"];
/// Credentials AWS does not know or cannot verify.
const REJECTED: [&str; 6] = [
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
    "AuthFailure",
    "IncompleteSignature",
];
/// The named resource does not exist. AWS authorises a call before it looks the resource
/// up, so these also prove the permission (`check`'s probes rely on it).
pub const NOT_FOUND: [&str; 13] = [
    "ResourceNotFoundException",
    "ResourceNotFound",
    "DBInstanceNotFound",
    "DBInstanceNotFoundFault",
    "DBClusterNotFoundFault",
    "GlobalClusterNotFoundFault",
    "NoSuchHostedZone",
    "NoSuchHealthCheck",
    "NoSuchChange",
    "ServiceNotFoundException",
    "ClusterNotFoundException",
    "InvalidChangeBatch",
    "TableNotFoundException",
];
const INVALID: [&str; 4] =
    ["ValidationException", "ValidationError", "InvalidParameterValue", "InvalidParameterException"];

/// How the causes that prove nothing about the resource begin (the answer never came, or
/// came from a caller AWS could not identify, or from AWS's own failure): a stored poll error
/// has lost its `Class`, and `check` must still tell "unknown" from "fails".
const UNPROVEN: [&str; 8] = [
    "no AWS credentials found",
    "the AWS sign-in has expired",
    "AWS does not accept these credentials",
    "timed out",
    "cannot reach the endpoint",
    "AWS failed on its side",
    "throttled by AWS",
    crate::model::CONTROL_PLANE_UNREACHABLE,
];

/// A stored poll error that says nothing about the resource it was reading.
pub fn proves_nothing(stored: &str) -> bool {
    let cause = crate::model::error_cause(stored);
    UNPROVEN.iter().any(|p| cause.starts_with(p))
}

/// A flag read whose key is not the table's partition key.
pub const KEY_MISMATCH: &str = "the flag table's key is not write-freeze.key-attribute";

/// The advice for credentials that cannot be found, or that AWS refuses.
pub const SIGN_IN: &str = "run `aws configure`, or `aws sso login --profile <profile>` and set AWS_PROFILE (or the region's `profile` in the config)";

/// The config key that names what `call` looks up, for a not-found or invalid answer.
pub fn config_key(call: Call) -> Option<&'static str> {
    Some(match call.operation {
        "GetItem" | "UpdateItem" | "DescribeTable" | "PutItem" => "write-freeze.table (write-freeze.key-attribute)",
        "DescribeDBInstances" | "PromoteReadReplica" => "regions.rds-instance",
        "DescribeDBClusters" => "regions.aurora-cluster",
        "DescribeGlobalClusters" | "SwitchoverGlobalCluster" | "FailoverGlobalCluster" => "database.global-cluster",
        "ListResourceRecordSets" | "GetHostedZone" | "ChangeResourceRecordSets" => "routing.hosted-zone-id",
        "GetHealthCheck" | "GetHealthCheckStatus" => "regions.health-check-id",
        "DescribeSecret" | "GetSecretValue" => "regions.secrets",
        "DescribeAlarms" => "regions.alarms",
        "DescribeAutoScalingGroups" | "SetDesiredCapacity" => "regions.capacity.auto-scaling-group",
        "DescribeServices" | "UpdateService" => "regions.capacity (cluster, service)",
        "GetMetricData" | "ListMetrics" => "regions.load-balancer, [[signals]]",
        _ => return None,
    })
}

/// Describe an SDK error of `call`.
pub fn explain<E>(call: Call, err: &SdkError<E>) -> AwsError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let op = call.operation;
    match err {
        SdkError::TimeoutError(_) => AwsError::new(
            Class::Timeout,
            None,
            format!("{op}: timed out: no answer within aws.call-timeout (the endpoint is slow or gone)"),
        )
        .with_fix("check the region's endpoint-url and the network path; the region itself may be impaired"),
        SdkError::DispatchFailure(failure) => {
            let chain = failure.as_connector_error().map(|c| error_chain(c)).unwrap_or_default();
            let lower = chain.to_lowercase();
            // Not sent at all for want of credentials: the endpoint was never asked, so this
            // is not a region (or control plane) that does not answer.
            if failure.as_connector_error().is_some_and(|c| c.is_other()) && lower.contains("credential") {
                return no_credentials(op, &lower).raw(Some(chain));
            }
            let class = if failure.is_timeout() { Class::Timeout } else { Class::Unreachable };
            AwsError::new(class, None, format!("{op}: cannot reach the endpoint ({})", connection_cause(&lower)))
                .with_fix("check the region's endpoint-url, the network path, or the region's health")
                .raw(Some(chain))
        }
        SdkError::ServiceError(_) | SdkError::ResponseError(_) => {
            let status = err.raw_response().map(|r| r.status().as_u16());
            let code = err.code().map(str::to_owned);
            let message = err.message().map(str::to_owned);
            classify(call, status, code, message)
        }
        _ => AwsError::new(Class::Service, None, format!("{op}: the request could not be built or sent"))
            .raw(Some(error_chain(err))),
    }
}

/// No credentials, or the SSO session behind them has expired: which, and how to sign in.
fn no_credentials(op: &str, lower: &str) -> AwsError {
    let expired = lower.contains("expired") || (lower.contains("sso") && lower.contains("token"));
    let text = if expired {
        format!("{op}: the AWS sign-in has expired (SSO session or temporary credentials)")
    } else {
        format!(
            "{op}: no AWS credentials found (tried environment variables, the shared config and credentials files, SSO, web identity, container and instance metadata)"
        )
    };
    AwsError::new(Class::Credentials, None, text).with_fix(SIGN_IN)
}

/// A connection failure in a few words: refused, timed out, name not found, TLS.
fn connection_cause(lower: &str) -> &'static str {
    if lower.contains("refused") {
        "connection refused"
    } else if lower.contains("timed out") || lower.contains("timeout") {
        "connection timed out"
    } else if lower.contains("dns") || lower.contains("resolve") || lower.contains("lookup") {
        "its name does not resolve"
    } else if lower.contains("certificate") || lower.contains("tls") || lower.contains("ssl") {
        "the TLS handshake failed"
    } else if lower.contains("reset") || lower.contains("closed") || lower.contains("eof") {
        "the connection was closed without an answer"
    } else {
        "the connection failed"
    }
}

/// An error and its sources, each as it displays itself, joined: the "raw" text. A part that
/// reads like a Rust debug print (`Foo { kind: … }`, `Some(…)`) is left out: those are for
/// programmers' logs, never a person's screen.
pub fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = Some(err);
    while let Some(e) = next {
        let text = e.to_string();
        if !text.is_empty() && !looks_like_debug(&text) && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        next = e.source();
    }
    parts.join(": ")
}

/// Text of a `{:?}` print rather than a sentence.
pub fn looks_like_debug(text: &str) -> bool {
    let markers = ["{ kind:", "{ source:", ", source:", "Some(", "(None)", "Error {", "Err(", "Ok("];
    // `Name { field: … }`: a struct's debug form.
    let struct_print = text.match_indices(" { ").any(|(i, _)| {
        text[..i].chars().next_back().is_some_and(char::is_alphanumeric)
            && text[i + 3..]
                .split_once(':')
                .is_some_and(|(field, _)| field.chars().all(|c| c.is_alphanumeric() || c == '_'))
    });
    struct_print || markers.iter().any(|m| text.contains(m))
}

/// Pure part of `explain`: from status, code and message to words.
pub fn classify(call: Call, status: Option<u16>, code: Option<String>, message: Option<String>) -> AwsError {
    let op = call.operation;
    let message = message.filter(|m| !m.is_empty());
    let status_text = status.map(|s| format!("HTTP {s}")).unwrap_or_else(|| "no status".into());
    let raw = Some(
        [code.clone(), message.clone(), Some(status_text.clone())].into_iter().flatten().collect::<Vec<_>>().join(": "),
    );
    let c = code.as_deref().unwrap_or_default();
    let key = config_key(call);
    let e = if DENIED.contains(&c) || (code.is_none() && status == Some(403)) {
        let on = message
            .as_deref()
            .and_then(|m| m.split_once("on resource: "))
            .and_then(|(_, r)| r.split_whitespace().next())
            .map(|r| format!(" on {r}"))
            .unwrap_or_default();
        AwsError::new(Class::AccessDenied, code, format!("{op}: access denied to {}{on}", call.iam_action()))
            .with_fix(format!("grant IAM action {} to this identity (docs/iam.md)", call.iam_action()))
    } else if THROTTLED.contains(&c) || (code.is_none() && status == Some(429)) {
        AwsError::new(Class::Throttled, code.clone(), format!("{op}: throttled by AWS ({c}); backing off"))
            .with_fix("fewer terminals polling, or a longer incident.poll-interval, eases it")
    } else if EXPIRED.contains(&c) {
        AwsError::new(Class::Credentials, code, format!("{op}: the AWS sign-in has expired")).with_fix(SIGN_IN)
    } else if REJECTED.contains(&c) {
        AwsError::new(Class::Credentials, code, format!("{op}: AWS does not accept these credentials"))
            .with_fix(SIGN_IN)
    } else if NOT_FOUND.contains(&c) {
        let e = AwsError::new(Class::Service, code, format!("{op}: not found"));
        match key {
            Some(key) => e.with_fix(format!("check {key} in the config")),
            None => e,
        }
    } else if INVALID.contains(&c) {
        let lower = message.as_deref().unwrap_or_default().to_lowercase();
        if call.service == "dynamodb" && lower.contains("key element does not match") {
            AwsError::new(Class::Service, code, format!("{op}: {KEY_MISMATCH}"))
                .with_fix("set key-attribute in [write-freeze] to the table's partition key (`warroom check` names it)")
        } else {
            let e = AwsError::new(Class::Service, code, format!("{op}: AWS refused the request as invalid"));
            match key {
                Some(key) => e.with_fix(format!("a config value is likely wrong: check {key}")),
                None => e,
            }
        }
    } else if status.is_some_and(|s| s >= 500) {
        AwsError::new(Class::ServerError, code, format!("{op}: AWS failed on its side ({status_text})"))
            .with_fix("retrying; if it lasts, the service may be impaired in this region (AWS Health Dashboard)")
    } else if code.is_some() {
        let detail = message.as_deref().map(|m| format!(": {m}")).unwrap_or_default();
        AwsError::new(Class::Service, code.clone(), format!("{op}: {c}{detail} ({status_text})"))
    } else {
        AwsError::new(Class::Service, code, format!("{op}: {status_text}"))
    };
    e.raw(raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each class of failure a person meets, with the sentence and the next step they read.
    #[test]
    fn every_error_class_reads_as_a_sentence_with_a_next_step() {
        let s = |v: &str| Some(v.to_owned());
        let cases: [(AwsError, Class, &str, &str); 9] = [
            (
                classify(
                    GET_ITEM,
                    Some(400),
                    s("AccessDeniedException"),
                    s(
                        "User: arn:aws:iam::1:user/ana is not authorized to perform: dynamodb:GetItem on resource: arn:aws:dynamodb:us-east-1:1:table/flags because no identity-based policy allows it",
                    ),
                ),
                Class::AccessDenied,
                "GetItem: access denied to dynamodb:GetItem on arn:aws:dynamodb:us-east-1:1:table/flags",
                "grant IAM action dynamodb:GetItem to this identity (docs/iam.md)",
            ),
            (
                classify(GET_METRIC_DATA, Some(400), s("Throttling"), s("Rate exceeded")),
                Class::Throttled,
                "GetMetricData: throttled by AWS (Throttling); backing off",
                "fewer terminals polling, or a longer incident.poll-interval, eases it",
            ),
            (
                classify(
                    DESCRIBE_DB_INSTANCES,
                    Some(403),
                    s("ExpiredToken"),
                    s("The security token included in the request is expired"),
                ),
                Class::Credentials,
                "DescribeDBInstances: the AWS sign-in has expired",
                SIGN_IN,
            ),
            (
                classify(
                    GET_ITEM,
                    Some(400),
                    s("UnrecognizedClientException"),
                    s("The security token included in the request is invalid."),
                ),
                Class::Credentials,
                "GetItem: AWS does not accept these credentials",
                SIGN_IN,
            ),
            (
                classify(
                    DESCRIBE_DB_INSTANCES,
                    Some(404),
                    s("DBInstanceNotFound"),
                    s("DBInstance checkout-db not found."),
                ),
                Class::Service,
                "DescribeDBInstances: not found",
                "check regions.rds-instance in the config",
            ),
            (
                classify(
                    GET_ITEM,
                    Some(400),
                    s("ValidationException"),
                    s("The provided key element does not match the schema"),
                ),
                Class::Service,
                "GetItem: the flag table's key is not write-freeze.key-attribute",
                "set key-attribute in [write-freeze] to the table's partition key (`warroom check` names it)",
            ),
            (
                classify(GET_METRIC_DATA, Some(503), None, None),
                Class::ServerError,
                "GetMetricData: AWS failed on its side (HTTP 503)",
                "retrying; if it lasts, the service may be impaired in this region (AWS Health Dashboard)",
            ),
            (
                no_credentials(
                    "GetMetricData",
                    "the credential provider was not enabled: no providers in chain provided credentials",
                ),
                Class::Credentials,
                "GetMetricData: no AWS credentials found (tried environment variables, the shared config and credentials files, SSO, web identity, container and instance metadata)",
                SIGN_IN,
            ),
            (
                no_credentials("GetItem", "failed to load credentials: the sso token has expired"),
                Class::Credentials,
                "GetItem: the AWS sign-in has expired (SSO session or temporary credentials)",
                SIGN_IN,
            ),
        ];
        for (e, class, text, fix) in cases {
            assert_eq!((e.class, e.text.as_str(), e.fix.as_deref()), (class, text, Some(fix)), "{e:?}");
            assert!(!looks_like_debug(&e.full()), "{}", e.full());
        }
        assert_eq!(connection_cause("io error: connection refused (os error 111)"), "connection refused");
        assert_eq!(connection_cause("operation timed out"), "connection timed out");
    }

    #[test]
    fn the_stored_error_keeps_the_sentence_first_and_aws_words_apart() {
        let e = classify(
            GET_ITEM,
            Some(400),
            Some("ValidationException".into()),
            Some("The provided key element does not match the schema".into()),
        );
        let stored = e.full();
        assert_eq!(crate::model::error_headline(&stored), e.text);
        assert_eq!(crate::model::error_cause(&stored), "the flag table's key is not write-freeze.key-attribute");
        let details = crate::model::error_details(&stored);
        assert_eq!(details[0].0, FIX);
        assert_eq!(
            details[1],
            (RAW, "ValidationException: The provided key element does not match the schema: HTTP 400")
        );
    }

    #[test]
    fn debug_prints_are_never_raw_text() {
        #[derive(Debug)]
        struct Inner;
        impl std::fmt::Display for Inner {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("ConnectorError { kind: Other(None), source: CredentialsNotLoaded(..) }")
            }
        }
        impl std::error::Error for Inner {}
        #[derive(Debug)]
        struct Outer(Inner);
        impl std::fmt::Display for Outer {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("dispatch failure")
            }
        }
        impl std::error::Error for Outer {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        assert_eq!(error_chain(&Outer(Inner)), "dispatch failure");
    }
}
