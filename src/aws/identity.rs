//! Who this terminal is to AWS: STS `GetCallerIdentity`, read once at start. The ARN goes in
//! the terminal's presence and on every action entry, so the journal lines up with
//! CloudTrail.

use super::RegionClients;
use super::error::{AwsError, Call, explain};

pub const GET_CALLER_IDENTITY: Call = Call::new("sts", "GetCallerIdentity");

/// The caller's ARN, asked of every region at once: the first answer wins, so a region that
/// does not answer (the one an incident is about) costs nothing. STS is regional here; the
/// global endpoint lives in us-east-1.
pub async fn caller_anywhere(clients: &[RegionClients]) -> Result<String, AwsError> {
    if clients.is_empty() {
        return Err(AwsError::other(GET_CALLER_IDENTITY, "no region to ask"));
    }
    let asks = clients.iter().map(|c| Box::pin(caller(c)));
    match futures_util::future::select_ok(asks).await {
        Ok((arn, _)) => Ok(arn),
        Err(last) => Err(last),
    }
}

/// The caller's ARN (an IAM user, or an assumed role's session), read in one region.
pub async fn caller(clients: &RegionClients) -> Result<String, AwsError> {
    let out = clients.sts.get_caller_identity().send().await.map_err(|e| explain(GET_CALLER_IDENTITY, &e))?;
    out.arn().map(str::to_owned).ok_or_else(|| AwsError::other(GET_CALLER_IDENTITY, "no ARN in the answer"))
}
