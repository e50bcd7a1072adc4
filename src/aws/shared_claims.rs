//! Step claims in DynamoDB, in one region only (`[journal] claims-region`): a conditional
//! write there proves who won. Conditional writes on a global table are region-local, so a
//! claim never fails over to another region, where two terminals could both win.
//!
//! Each claim is an item `{incident: "<ID>#claims", id: STEP, claim: JSON, version: N}`. A
//! change reads the item (strongly consistent), applies the one rule of claiming
//! (`scribe::claims::decide`) and writes back only if the version is still the one read;
//! a lost race reads again.

use std::collections::BTreeMap;
use std::time::Duration as StdDuration;

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Duration, Utc};

use super::blocking::Blocking;
use super::error::{Call, explain};
use super::journal_table::{PARTITION, SORT};
use crate::scribe::claims::{Claim, ClaimError, ClaimStore, Claimed, Holder, decide, extend};

pub const QUERY: Call = Call::new("dynamodb", "Query");
pub const DELETE_ITEM: Call = Call::new("dynamodb", "DeleteItem");
const GET_ITEM: Call = super::error::GET_ITEM;
const PUT_ITEM: Call = super::error::PUT_ITEM;

/// How often a change re-reads after losing a race before it says so.
const RACES: usize = 20;

#[derive(Debug)]
pub struct DynamoClaims {
    client: aws_sdk_dynamodb::Client,
    table: String,
    /// The partition of this incident's claims.
    partition: String,
    region: String,
    worker: Blocking,
    /// Claims asked at Enter run here, never queued behind the screen's background reads.
    claimer: Blocking,
    deadline: StdDuration,
    /// The claims as the last background read found them (the screen's view; never a proof).
    seen: std::sync::Arc<std::sync::Mutex<BTreeMap<String, Claim>>>,
    /// Steps whose renewal found the claim no longer ours (taken over meanwhile).
    lost: std::sync::Arc<std::sync::Mutex<std::collections::HashSet<String>>>,
    /// Answers to `claim_soon`, waiting for the app loop to take them.
    answers: Answers,
}

type Answers = std::sync::Arc<std::sync::Mutex<Vec<(String, Result<Claimed, ClaimError>)>>>;

/// A claim item as read: the claim (if any) and its version (0: no item).
type Read = (Option<Claim>, u64);

impl DynamoClaims {
    pub fn new(
        client: aws_sdk_dynamodb::Client,
        table: &str,
        incident: &str,
        region: &str,
        deadline: StdDuration,
    ) -> std::io::Result<Self> {
        Ok(Self {
            client,
            table: table.to_owned(),
            partition: format!("{incident}#claims"),
            region: region.to_owned(),
            worker: Blocking::new("warroom-claims")?,
            claimer: Blocking::new("warroom-claim")?,
            deadline,
            seen: std::sync::Arc::default(),
            lost: std::sync::Arc::default(),
            answers: std::sync::Arc::default(),
        })
    }

    fn unreachable(&self) -> ClaimError {
        ClaimError::Store(format!(
            "the claims region {} did not answer within {}s: claims cannot be proven",
            self.region,
            self.deadline.as_secs()
        ))
    }

    fn failed(&self, e: impl std::fmt::Display) -> ClaimError {
        ClaimError::Store(format!("claims in {}: {e}", self.region))
    }

    /// Ask for `step`'s claim on `on`; the answer goes to `answers`.
    fn claim_on(&self, on: &Blocking, step: &str, me: &Holder, now: DateTime<Utc>, lease: Duration) {
        let (key, holder) = (step.to_owned(), me.clone());
        let change = self.changed(step, move |claims| decide(claims, &key, &holder, now, lease, false));
        let deadline = self.deadline;
        let (answers, step) = (std::sync::Arc::clone(&self.answers), step.to_owned());
        let (unreachable, region, partition) = (self.unreachable(), self.region.clone(), self.partition.clone());
        on.spawn(
            async move {
                let verdict = match tokio::time::timeout(deadline, change).await {
                    Err(_) => Err(unreachable),
                    Ok(Err(e)) if e.unanswered() => Err(unreachable),
                    Ok(Err(e)) => Err(ClaimError::Store(format!("claims in {region}: {e}"))),
                    Ok(Ok(None)) => Err(ClaimError::Store(format!(
                        "claims in {region}: {RACES} writers raced for {partition}; try again"
                    ))),
                    Ok(Ok(Some(claimed))) => Ok(claimed),
                };
                answers.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push((step, verdict));
            },
            // The inner deadline answers first; this one only bounds the worker.
            deadline + StdDuration::from_secs(1),
        );
    }

    /// One read on the worker, within the deadline, its failure in the claims' words.
    fn ask<T: Send + 'static>(
        &self,
        call: impl std::future::Future<Output = Result<T, super::error::AwsError>> + Send + 'static,
    ) -> Result<T, ClaimError> {
        match self.worker.run(call, self.deadline) {
            None => Err(self.unreachable()),
            Some(Err(e)) => Err(self.failed(e)),
            Some(Ok(out)) => Ok(out),
        }
    }

    /// Read, decide, write back conditionally on the version read; again on a lost race.
    fn change<T: Send + 'static>(
        &self,
        step: &str,
        decide_on: impl Fn(&mut BTreeMap<String, Claim>) -> T + Send + Sync + 'static,
    ) -> Result<T, ClaimError> {
        let done = self.worker.run(self.changed(step, decide_on), self.deadline);
        self.verdict(done)
    }

    /// The change as a future, for the worker to run now or in the background.
    fn changed<T: Send + 'static>(
        &self,
        step: &str,
        decide_on: impl Fn(&mut BTreeMap<String, Claim>) -> T + Send + Sync + 'static,
    ) -> impl std::future::Future<Output = Result<Option<T>, super::error::AwsError>> + Send + 'static {
        let (client, table, partition, step) =
            (self.client.clone(), self.table.clone(), self.partition.clone(), step.to_owned());
        async move {
            for _ in 0..RACES {
                let (claim, version) = read(&client, &table, &partition, &step).await?;
                let mut claims: BTreeMap<String, Claim> =
                    claim.clone().into_iter().map(|c| (step.clone(), c)).collect();
                let out = decide_on(&mut claims);
                let after = claims.remove(&step);
                if after == claim {
                    return Ok(Some(out));
                }
                if write(&client, &table, &partition, &step, after.as_ref(), version).await? {
                    return Ok(Some(out));
                }
            }
            Ok::<_, super::error::AwsError>(None)
        }
    }

    /// A change's end in the claims' words: not in time, failed, raced out, or its answer.
    fn verdict<T>(&self, done: Option<Result<Option<T>, super::error::AwsError>>) -> Result<T, ClaimError> {
        match done {
            None => Err(self.unreachable()),
            Some(Err(e)) if e.unanswered() => Err(self.unreachable()),
            Some(Err(e)) => Err(self.failed(e)),
            Some(Ok(None)) => Err(self.failed(format!("{RACES} writers raced for {}; try again", self.partition))),
            Some(Ok(Some(out))) => Ok(out),
        }
    }
}

async fn read(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
    partition: &str,
    step: &str,
) -> Result<Read, super::error::AwsError> {
    let out = client
        .get_item()
        .table_name(table)
        .key(PARTITION, AttributeValue::S(partition.to_owned()))
        .key(SORT, AttributeValue::S(step.to_owned()))
        .consistent_read(true)
        .send()
        .await
        .map_err(|e| explain(GET_ITEM, &e))?;
    let Some(item) = out.item() else { return Ok((None, 0)) };
    let version = item.get("version").and_then(|v| v.as_n().ok()).and_then(|n| n.parse().ok()).unwrap_or(0);
    let claim = match item.get("claim").and_then(|v| v.as_s().ok()) {
        Some(json) => Some(
            serde_json::from_str(json)
                .map_err(|e| super::error::AwsError::other(GET_ITEM, format!("claim {step} is damaged: {e}")))?,
        ),
        None => None,
    };
    Ok((claim, version))
}

/// Write `claim` (or delete the item) if the item is still at `version`; false on a lost race.
async fn write(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
    partition: &str,
    step: &str,
    claim: Option<&Claim>,
    version: u64,
) -> Result<bool, super::error::AwsError> {
    let (condition, values) = if version == 0 {
        ("attribute_not_exists(#id)".to_owned(), vec![])
    } else {
        ("#v = :v".to_owned(), vec![(":v".to_owned(), AttributeValue::N(version.to_string()))])
    };
    let names: Vec<(String, String)> =
        if version == 0 { vec![("#id".into(), SORT.into())] } else { vec![("#v".into(), "version".into())] };
    let lost = |code: Option<&str>| code == Some("ConditionalCheckFailedException");
    match claim {
        Some(claim) => {
            let json = serde_json::to_string(claim).map_err(|e| super::error::AwsError::other(PUT_ITEM, e))?;
            let mut put = client
                .put_item()
                .table_name(table)
                .item(PARTITION, AttributeValue::S(partition.to_owned()))
                .item(SORT, AttributeValue::S(step.to_owned()))
                .item("claim", AttributeValue::S(json))
                .item("version", AttributeValue::N((version + 1).to_string()))
                .condition_expression(condition);
            for (k, v) in names {
                put = put.expression_attribute_names(k, v);
            }
            for (k, v) in values {
                put = put.expression_attribute_values(k, v);
            }
            match put.send().await {
                Ok(_) => Ok(true),
                Err(e) => {
                    let e = explain(PUT_ITEM, &e);
                    if lost(e.code.as_deref()) { Ok(false) } else { Err(e) }
                }
            }
        }
        None => {
            let mut delete = client
                .delete_item()
                .table_name(table)
                .key(PARTITION, AttributeValue::S(partition.to_owned()))
                .key(SORT, AttributeValue::S(step.to_owned()))
                .condition_expression(condition);
            for (k, v) in names {
                delete = delete.expression_attribute_names(k, v);
            }
            for (k, v) in values {
                delete = delete.expression_attribute_values(k, v);
            }
            match delete.send().await {
                Ok(_) => Ok(true),
                Err(e) => {
                    let e = explain(DELETE_ITEM, &e);
                    if lost(e.code.as_deref()) { Ok(false) } else { Err(e) }
                }
            }
        }
    }
}

impl ClaimStore for DynamoClaims {
    fn claim(&mut self, step: &str, me: &Holder, now: DateTime<Utc>, lease: Duration) -> Result<Claimed, ClaimError> {
        let (key, me) = (step.to_owned(), me.clone());
        self.change(step, move |claims| decide(claims, &key, &me, now, lease, false))
    }

    fn take_over(
        &mut self,
        step: &str,
        me: &Holder,
        now: DateTime<Utc>,
        lease: Duration,
    ) -> Result<Claimed, ClaimError> {
        let (key, me) = (step.to_owned(), me.clone());
        self.change(step, move |claims| decide(claims, &key, &me, now, lease, true))
    }

    /// The claim runs on the claimer, which serves people's claims only; its answer (or
    /// "did not answer" at the deadline) is left for `answered`, so the app loop never waits
    /// on the claims region.
    fn claim_soon(
        &mut self,
        step: &str,
        me: &Holder,
        now: DateTime<Utc>,
        lease: Duration,
    ) -> Option<Result<Claimed, ClaimError>> {
        self.claim_on(&self.claimer, step, me, now, lease);
        None
    }

    /// A lease of warroom's own (the fact writer) is asked on the background worker, so it
    /// never queues ahead of a person's claim when the claims region does not answer.
    fn claim_in_background(
        &mut self,
        step: &str,
        me: &Holder,
        now: DateTime<Utc>,
        lease: Duration,
    ) -> Option<Result<Claimed, ClaimError>> {
        self.claim_on(&self.worker, step, me, now, lease);
        None
    }

    fn answered(&mut self) -> Vec<(String, Result<Claimed, ClaimError>)> {
        std::mem::take(&mut *self.answers.lock().unwrap_or_else(std::sync::PoisonError::into_inner))
    }

    fn renew(&mut self, step: &str, me: &Holder, now: DateTime<Utc>, lease: Duration) -> Result<bool, ClaimError> {
        let (key, me) = (step.to_owned(), me.clone());
        self.change(step, move |claims| extend(claims, &key, &me, now, lease))
    }

    /// Renewed in the background, every tick: the app loop never waits on the claims region.
    /// A renewal that finds the claim another's is reported on the next call.
    fn renew_soon(&mut self, step: &str, me: &Holder, now: DateTime<Utc>, lease: Duration) -> Result<bool, ClaimError> {
        if lost_lock(&self.lost).remove(step) {
            return Ok(false);
        }
        let (client, table, partition, key, me) =
            (self.client.clone(), self.table.clone(), self.partition.clone(), step.to_owned(), me.clone());
        let lost = std::sync::Arc::clone(&self.lost);
        self.worker.spawn(
            async move {
                let Ok((claim, version)) = read(&client, &table, &partition, &key).await else { return };
                match claim {
                    Some(mut c) if c.holder == me => {
                        c.lease_until = now + lease;
                        let _ = write(&client, &table, &partition, &key, Some(&c), version).await;
                    }
                    _ => {
                        lost_lock(&lost).insert(key);
                    }
                }
            },
            self.deadline,
        );
        Ok(true)
    }

    fn release(&mut self, step: &str, me: &Holder) -> Result<(), ClaimError> {
        let (key, me) = (step.to_owned(), me.clone());
        self.change(step, move |claims| {
            if claims.get(&key).is_some_and(|c| c.holder == me) {
                claims.remove(&key);
            }
        })
    }

    fn current(&mut self, step: &str) -> Result<Option<Claim>, ClaimError> {
        let (client, table, partition, step) =
            (self.client.clone(), self.table.clone(), self.partition.clone(), step.to_owned());
        self.ask(async move { read(&client, &table, &partition, &step).await.map(|(claim, _)| claim) })
    }

    fn all(&mut self) -> Result<BTreeMap<String, Claim>, ClaimError> {
        let (client, table, partition) = (self.client.clone(), self.table.clone(), self.partition.clone());
        self.ask(async move { query_claims(&client, &table, &partition).await })
    }

    /// The claims as last read, and a fresh read started in the background: for the screen,
    /// which must not wait on the claims region.
    fn glance(&mut self) -> Result<BTreeMap<String, Claim>, ClaimError> {
        let (client, table, partition) = (self.client.clone(), self.table.clone(), self.partition.clone());
        let seen = std::sync::Arc::clone(&self.seen);
        self.worker.spawn(
            async move {
                if let Ok(claims) = query_claims(&client, &table, &partition).await {
                    *seen.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = claims;
                }
            },
            self.deadline,
        );
        Ok(self.seen.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone())
    }
}

fn lost_lock(
    lost: &std::sync::Mutex<std::collections::HashSet<String>>,
) -> std::sync::MutexGuard<'_, std::collections::HashSet<String>> {
    lost.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Every claim of the incident (strongly consistent).
async fn query_claims(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
    partition: &str,
) -> Result<BTreeMap<String, Claim>, super::error::AwsError> {
    let out = client
        .query()
        .table_name(table)
        .key_condition_expression("#p = :p")
        .expression_attribute_names("#p", PARTITION)
        .expression_attribute_values(":p", AttributeValue::S(partition.to_owned()))
        .consistent_read(true)
        .send()
        .await
        .map_err(|e| explain(QUERY, &e))?;
    let mut claims = BTreeMap::new();
    for item in out.items() {
        let step = item.get(SORT).and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
        if let Some(claim) = item.get("claim").and_then(|v| v.as_s().ok()).and_then(|j| serde_json::from_str(j).ok()) {
            claims.insert(step, claim);
        }
    }
    Ok(claims)
}
