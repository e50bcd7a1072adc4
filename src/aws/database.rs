//! The database's role in each region (RDS `DescribeDBInstances`, Aurora
//! `DescribeGlobalClusters`, DynamoDB `DescribeTable`) and promotion.

use super::error::{
    AwsError, DESCRIBE_DB_CLUSTERS, DESCRIBE_DB_INSTANCES, DESCRIBE_GLOBAL_CLUSTERS, DESCRIBE_TABLE,
    FAILOVER_GLOBAL_CLUSTER, PROMOTE_READ_REPLICA, SWITCHOVER_GLOBAL_CLUSTER, explain,
};
use super::{RegionClients, wait_until};
use crate::config::{Config, DatabaseId, DatabaseKind};
use crate::model::{Database, DbRole};
use crate::runbook::Promotion;

/// RDS instance states in which the instance cannot take reads or writes.
const UNAVAILABLE: [&str; 9] = [
    "failed",
    "inaccessible-encryption-credentials",
    "incompatible-network",
    "incompatible-parameters",
    "incompatible-restore",
    "restore-error",
    "stopped",
    "storage-full",
    "deleting",
];

/// An RDS instance's role from its status and whether it still has a replication source.
pub fn instance_role(status: Option<&str>, source: Option<&str>) -> DbRole {
    match (status, source) {
        (Some(s), _) if UNAVAILABLE.contains(&s) => DbRole::Unavailable,
        (_, Some(_)) => DbRole::Replica,
        (_, None) => DbRole::Writer,
    }
}

/// An Aurora cluster's role in its global database.
pub fn aurora_role(global_status: Option<&str>, is_writer: Option<bool>) -> DbRole {
    match (global_status, is_writer) {
        (Some("failing-over" | "switching-over"), _) => DbRole::Promoting,
        (_, Some(true)) => DbRole::Writer,
        (_, Some(false)) => DbRole::Replica,
        (_, None) => DbRole::Unavailable,
    }
}

/// Does `arn` name cluster `id` in `region`?
pub fn is_cluster_arn(arn: &str, region: &str, id: &str) -> bool {
    arn.contains(&format!(":rds:{region}:")) && arn.ends_with(&format!(":cluster:{id}"))
}

/// What the database looks like from region `index` now.
pub async fn describe(c: &RegionClients, config: &Config, index: usize) -> Result<Database, AwsError> {
    let Some(region) = config.regions.get(index) else {
        return Err(AwsError::other(DESCRIBE_DB_INSTANCES, "no such region"));
    };
    match (config.database.kind, &region.aws.database) {
        (DatabaseKind::RdsReplica, Some(DatabaseId::RdsInstance(id))) => describe_instance(c, id).await,
        (DatabaseKind::AuroraGlobal, Some(DatabaseId::AuroraCluster(id))) => {
            let global = config.database.global_cluster.as_deref().unwrap_or_default();
            describe_aurora(c, global, id).await
        }
        (DatabaseKind::DynamodbGlobal, _) => {
            let table = config.database.table.as_deref().unwrap_or_default();
            let out =
                c.dynamodb.describe_table().table_name(table).send().await.map_err(|e| explain(DESCRIBE_TABLE, &e))?;
            let status = out.table().and_then(|t| t.table_status()).map(|s| s.as_str().to_owned());
            // Every replica of a global table takes writes.
            let role = match status.as_deref() {
                Some("ACTIVE" | "UPDATING") => DbRole::Writer,
                _ => DbRole::Unavailable,
            };
            Ok(Database {
                role,
                identifier: table.to_owned(),
                endpoint: format!("dynamodb.{}.amazonaws.com", c.region),
            })
        }
        _ => Err(AwsError::other(DESCRIBE_DB_INSTANCES, format!("no database configured for {}", region.name))),
    }
}

async fn describe_instance(c: &RegionClients, id: &str) -> Result<Database, AwsError> {
    let out = c
        .rds
        .describe_db_instances()
        .db_instance_identifier(id)
        .send()
        .await
        .map_err(|e| explain(DESCRIBE_DB_INSTANCES, &e))?;
    let Some(db) = out.db_instances().first() else {
        return Err(AwsError::other(DESCRIBE_DB_INSTANCES, format!("no instance {id} in {}", c.region)));
    };
    let endpoint = db
        .endpoint()
        .map(|e| format!("{}:{}", e.address().unwrap_or("?"), e.port().unwrap_or_default()))
        .unwrap_or_default();
    Ok(Database {
        role: instance_role(db.db_instance_status(), db.read_replica_source_db_instance_identifier()),
        identifier: id.to_owned(),
        endpoint,
    })
}

/// The member ARN of cluster `id` and the global database's status, from one describe.
async fn aurora_member(c: &RegionClients, global: &str, id: &str) -> Result<(String, DbRole), AwsError> {
    let out = c
        .rds
        .describe_global_clusters()
        .global_cluster_identifier(global)
        .send()
        .await
        .map_err(|e| explain(DESCRIBE_GLOBAL_CLUSTERS, &e))?;
    let Some(cluster) = out.global_clusters().first() else {
        return Err(AwsError::other(DESCRIBE_GLOBAL_CLUSTERS, format!("no global cluster {global}")));
    };
    let member = cluster
        .global_cluster_members()
        .iter()
        .find(|m| m.db_cluster_arn().is_some_and(|arn| is_cluster_arn(arn, &c.region, id)))
        .ok_or_else(|| {
            AwsError::other(DESCRIBE_GLOBAL_CLUSTERS, format!("{id} in {} is not a member of {global}", c.region))
        })?;
    let arn = member.db_cluster_arn().unwrap_or_default().to_owned();
    Ok((arn, aurora_role(cluster.status(), member.is_writer())))
}

async fn describe_aurora(c: &RegionClients, global: &str, id: &str) -> Result<Database, AwsError> {
    let (_, role) = aurora_member(c, global, id).await?;
    let out = c
        .rds
        .describe_db_clusters()
        .db_cluster_identifier(id)
        .send()
        .await
        .map_err(|e| explain(DESCRIBE_DB_CLUSTERS, &e))?;
    let endpoint = out.db_clusters().first().and_then(|d| d.endpoint()).unwrap_or_default().to_owned();
    Ok(Database { role, identifier: id.to_owned(), endpoint })
}

/// What a promotion did.
#[derive(Clone, Debug, PartialEq)]
pub struct Promoted {
    pub already: bool,
    pub detail: String,
}

/// Make region `index`'s database the writer, and wait until it says so.
pub async fn promote(c: &RegionClients, config: &Config, index: usize, mode: Promotion) -> Result<Promoted, AwsError> {
    let timeout = config.aws.promotion_timeout;
    let Some(region) = config.regions.get(index) else {
        return Err(AwsError::other(PROMOTE_READ_REPLICA, "no such region"));
    };
    match (config.database.kind, &region.aws.database) {
        (DatabaseKind::RdsReplica, Some(DatabaseId::RdsInstance(id))) => {
            if describe_instance(c, id).await?.role == DbRole::Writer {
                return Ok(Promoted { already: true, detail: format!("{id} is already a standalone writer") });
            }
            c.rds
                .promote_read_replica()
                .db_instance_identifier(id)
                .send()
                .await
                .map_err(|e| explain(PROMOTE_READ_REPLICA, &e))?;
            wait_until(PROMOTE_READ_REPLICA, timeout, || async {
                Ok(describe_instance(c, id).await?.role == DbRole::Writer)
            })
            .await
            .map_err(|e| AwsError {
                text: format!("{} (the promotion was requested; {id} is not a writer yet)", e.text),
                ..e
            })?;
            Ok(Promoted { already: false, detail: format!("{id} promoted to a standalone writer") })
        }
        (DatabaseKind::AuroraGlobal, Some(DatabaseId::AuroraCluster(id))) => {
            let global = config.database.global_cluster.as_deref().unwrap_or_default();
            let (arn, role) = aurora_member(c, global, id).await?;
            if role == DbRole::Writer {
                return Ok(Promoted { already: true, detail: format!("{id} is already the writer of {global}") });
            }
            let call = match mode {
                Promotion::Switchover => {
                    c.rds
                        .switchover_global_cluster()
                        .global_cluster_identifier(global)
                        .target_db_cluster_identifier(&arn)
                        .send()
                        .await
                        .map_err(|e| explain(SWITCHOVER_GLOBAL_CLUSTER, &e))?;
                    SWITCHOVER_GLOBAL_CLUSTER
                }
                Promotion::Failover => {
                    c.rds
                        .failover_global_cluster()
                        .global_cluster_identifier(global)
                        .target_db_cluster_identifier(&arn)
                        .allow_data_loss(true)
                        .send()
                        .await
                        .map_err(|e| explain(FAILOVER_GLOBAL_CLUSTER, &e))?;
                    FAILOVER_GLOBAL_CLUSTER
                }
            };
            wait_until(call, timeout, || async { Ok(aurora_member(c, global, id).await?.1 == DbRole::Writer) }).await?;
            Ok(Promoted { already: false, detail: format!("{id} is the writer of {global} ({})", call.operation) })
        }
        (DatabaseKind::DynamodbGlobal, _) => Ok(Promoted {
            already: true,
            detail: "DynamoDB global tables take writes in every replica: nothing to promote".into(),
        }),
        _ => Err(AwsError::other(PROMOTE_READ_REPLICA, format!("no database configured for {}", region.name))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rds_roles_follow_status_and_source() {
        assert_eq!(instance_role(Some("available"), Some("arn:aws:rds:us-east-1:1:db:src")), DbRole::Replica);
        assert_eq!(instance_role(Some("available"), None), DbRole::Writer);
        assert_eq!(instance_role(Some("modifying"), None), DbRole::Writer);
        assert_eq!(instance_role(Some("storage-full"), Some("x")), DbRole::Unavailable);
    }

    #[test]
    fn aurora_roles_follow_the_global_cluster() {
        assert_eq!(aurora_role(Some("available"), Some(true)), DbRole::Writer);
        assert_eq!(aurora_role(Some("available"), Some(false)), DbRole::Replica);
        assert_eq!(aurora_role(Some("failing-over"), Some(false)), DbRole::Promoting);
        assert_eq!(aurora_role(Some("available"), None), DbRole::Unavailable);
        assert!(is_cluster_arn("arn:aws:rds:us-west-2:123:cluster:orders", "us-west-2", "orders"));
        assert!(!is_cluster_arn("arn:aws:rds:us-east-1:123:cluster:orders", "us-west-2", "orders"));
        assert!(!is_cluster_arn("arn:aws:rds:us-west-2:123:cluster:orders-2", "us-west-2", "orders"));
    }
}
