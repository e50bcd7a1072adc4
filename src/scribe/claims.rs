//! Step claims: before a terminal acts on a step, it claims it, so two people never run or
//! tick the same step. A claim has a lease its holder renews while the step runs; a holder
//! that died (kill -9) lets it expire, and another terminal may then take it over (with a
//! typed reason the app journals). Claims are state, not history: they live in a sidecar
//! beside the journal, read and written under a lock, and the journal records only the claim
//! and the takeover, not every renewal.

use std::collections::BTreeMap;
use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// Who holds (or wants) a claim: a person at one terminal process.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    pub author: String,
    pub host: String,
    pub pid: u32,
}

impl Holder {
    /// This process, as `author`.
    pub fn me(author: &str) -> Self {
        Self { author: author.to_owned(), host: super::presence::host(), pid: std::process::id() }
    }
}

impl fmt::Display for Holder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.author, self.host)
    }
}

/// One step's claim.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Claim {
    pub holder: Holder,
    pub since: DateTime<Utc>,
    pub lease_until: DateTime<Utc>,
}

impl Claim {
    pub fn expired(&self, now: DateTime<Utc>) -> bool {
        now >= self.lease_until
    }
}

/// What asking for a claim came to.
#[derive(Clone, Debug, PartialEq)]
pub enum Claimed {
    /// This terminal holds it now (newly, or it already did).
    Won(Claim),
    /// Another terminal holds it and its lease runs: "running by ana@host since 08:31".
    Held(Claim),
    /// Another terminal held it and let the lease run out: it may be taken over, with a reason.
    Expired(Claim),
}

#[derive(Debug, thiserror::Error)]
pub enum ClaimError {
    #[error("cannot read or write the claims of {path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("the claims of {path} are locked by a stuck terminal (over 2s)")]
    Locked { path: PathBuf },
    #[error("the claims file {path} is damaged: {why}")]
    Damaged { path: PathBuf, why: String },
    /// A distributed store that did not answer or refused (its words say which region).
    #[error("{0}")]
    Store(String),
}

/// Where claims are kept. The file store keeps them beside the journal; the distributed
/// store will keep them in one region, where a conditional write can prove who won.
pub trait ClaimStore: Send + fmt::Debug {
    /// Claim `step` for `me` until `now + lease`, unless someone else holds it.
    fn claim(&mut self, step: &str, me: &Holder, now: DateTime<Utc>, lease: Duration) -> Result<Claimed, ClaimError>;
    /// Take over a claim whose lease has run out (`Held` while it still runs).
    fn take_over(
        &mut self,
        step: &str,
        me: &Holder,
        now: DateTime<Utc>,
        lease: Duration,
    ) -> Result<Claimed, ClaimError>;
    /// Extend `me`'s lease; false when the claim is no longer `me`'s (it was taken over).
    fn renew(&mut self, step: &str, me: &Holder, now: DateTime<Utc>, lease: Duration) -> Result<bool, ClaimError>;
    /// Let go of `me`'s claim (the step finished); another holder's claim is left alone.
    fn release(&mut self, step: &str, me: &Holder) -> Result<(), ClaimError>;
    /// The claim on `step`, if any.
    fn current(&mut self, step: &str) -> Result<Option<Claim>, ClaimError>;
    /// Every claim (who holds which step, whose lease ran out).
    fn all(&mut self) -> Result<BTreeMap<String, Claim>, ClaimError>;
    /// `renew` for the app loop, every tick: a store across the network renews in the
    /// background and reports a lost claim on a later call, so the loop never waits on it.
    fn renew_soon(&mut self, step: &str, me: &Holder, now: DateTime<Utc>, lease: Duration) -> Result<bool, ClaimError> {
        self.renew(step, me, now, lease)
    }
    /// `claim` without waiting: `Some` with the answer from a store that answers at once
    /// (a file on this host); `None` from one across the network, whose answer comes later
    /// from `answered`. The app loop claims through this, so Enter never freezes the screen.
    fn claim_soon(
        &mut self,
        step: &str,
        me: &Holder,
        now: DateTime<Utc>,
        lease: Duration,
    ) -> Option<Result<Claimed, ClaimError>> {
        Some(self.claim(step, me, now, lease))
    }
    /// `claim_soon` for a lease warroom holds for itself (the fact writer): a store across
    /// the network asks it behind its background reads, never ahead of a person's claim.
    fn claim_in_background(
        &mut self,
        step: &str,
        me: &Holder,
        now: DateTime<Utc>,
        lease: Duration,
    ) -> Option<Result<Claimed, ClaimError>> {
        self.claim_soon(step, me, now, lease)
    }
    /// The answers to `claim_soon` calls that have come since the last call, by step.
    fn answered(&mut self) -> Vec<(String, Result<Claimed, ClaimError>)> {
        Vec::new()
    }
    /// `all` for the screen, every tick: a store across the network answers with its last
    /// read and reads again in the background. Never a proof of anything.
    fn glance(&mut self) -> Result<BTreeMap<String, Claim>, ClaimError> {
        self.all()
    }
}

/// Claims in `<journal>.d/claims.json`, each change made under the journal file's own lock
/// (held for the change only, as appends hold it) and written whole (temporary file, fsync,
/// rename): a crash leaves the old claims or the new. With no claim left the file goes, so a
/// finished session leaves nothing beside the journal.
#[derive(Debug)]
pub struct FileClaims {
    path: PathBuf,
    lock_path: PathBuf,
}

impl FileClaims {
    pub fn beside(journal: &Path) -> Self {
        let dir = super::presence::sidecar(journal);
        Self { path: dir.join("claims.json"), lock_path: journal.to_owned() }
    }

    fn io(&self) -> impl Fn(io::Error) -> ClaimError + '_ {
        move |source| ClaimError::Io { path: self.path.clone(), source }
    }

    /// Run `change` on the claims under the lock, and write them back if it changed them.
    fn with_claims<T>(&self, change: impl FnOnce(&mut BTreeMap<String, Claim>) -> T) -> Result<T, ClaimError> {
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(self.io())?;
        }
        // The journal itself is the lock: it exists whenever claims are made on it.
        let lock = OpenOptions::new().read(true).open(&self.lock_path).map_err(self.io())?;
        acquire(&lock, &self.path)?;
        let result = self.change_locked(change);
        let _ = lock.unlock();
        result
    }

    fn change_locked<T>(&self, change: impl FnOnce(&mut BTreeMap<String, Claim>) -> T) -> Result<T, ClaimError> {
        let mut claims: BTreeMap<String, Claim> = match std::fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| ClaimError::Damaged { path: self.path.clone(), why: e.to_string() })?,
            Err(e) if e.kind() == io::ErrorKind::NotFound => BTreeMap::new(),
            Err(e) => return Err(self.io()(e)),
        };
        let before = claims.clone();
        let out = change(&mut claims);
        if claims != before && claims.is_empty() {
            match std::fs::remove_file(&self.path) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(self.io()(e)),
            }
            // The folder goes too once nothing else (presence) is in it.
            if let Some(dir) = self.path.parent() {
                let _ = std::fs::remove_dir(dir);
            }
        } else if claims != before {
            let bytes = serde_json::to_vec_pretty(&claims).map_err(|e| self.io()(io::Error::other(e)))?;
            let dir = self.path.parent().unwrap_or(Path::new("."));
            let mut tmp = tempfile::Builder::new().prefix(".claims-").tempfile_in(dir).map_err(self.io())?;
            tmp.write_all(&bytes).and_then(|()| tmp.as_file().sync_all()).map_err(self.io())?;
            tmp.persist(&self.path).map_err(|e| self.io()(e.error))?;
        }
        Ok(out)
    }
}

fn acquire(lock: &File, path: &Path) -> Result<(), ClaimError> {
    super::journal::wait_for_lock(lock).map_err(|e| match e {
        None => ClaimError::Locked { path: path.to_owned() },
        Some(source) => ClaimError::Io { path: path.to_owned(), source },
    })
}

/// Renewing, shared by every store: `me`'s lease runs to `now + lease`; false when the claim
/// is not `me`'s any more (taken over).
pub fn extend(
    claims: &mut BTreeMap<String, Claim>,
    step: &str,
    me: &Holder,
    now: DateTime<Utc>,
    lease: Duration,
) -> bool {
    match claims.get_mut(step) {
        Some(c) if c.holder == *me => {
            c.lease_until = now + lease;
            true
        }
        _ => false,
    }
}

/// The one rule of claiming, shared by every store: free or ours, it is won; another's with
/// its lease running, held; another's run out, expired (`take_over` wins it).
pub fn decide(
    claims: &mut BTreeMap<String, Claim>,
    step: &str,
    me: &Holder,
    now: DateTime<Utc>,
    lease: Duration,
    take_over: bool,
) -> Claimed {
    match claims.get(step) {
        Some(c) if c.holder != *me && !c.expired(now) => Claimed::Held(c.clone()),
        Some(c) if c.holder != *me && !take_over => Claimed::Expired(c.clone()),
        Some(c) if c.holder == *me => {
            let renewed = Claim { lease_until: now + lease, ..c.clone() };
            claims.insert(step.to_owned(), renewed.clone());
            Claimed::Won(renewed)
        }
        _ => {
            let claim = Claim { holder: me.clone(), since: now, lease_until: now + lease };
            claims.insert(step.to_owned(), claim.clone());
            Claimed::Won(claim)
        }
    }
}

impl ClaimStore for FileClaims {
    fn claim(&mut self, step: &str, me: &Holder, now: DateTime<Utc>, lease: Duration) -> Result<Claimed, ClaimError> {
        self.with_claims(|claims| decide(claims, step, me, now, lease, false))
    }

    fn take_over(
        &mut self,
        step: &str,
        me: &Holder,
        now: DateTime<Utc>,
        lease: Duration,
    ) -> Result<Claimed, ClaimError> {
        self.with_claims(|claims| decide(claims, step, me, now, lease, true))
    }

    fn renew(&mut self, step: &str, me: &Holder, now: DateTime<Utc>, lease: Duration) -> Result<bool, ClaimError> {
        self.with_claims(|claims| extend(claims, step, me, now, lease))
    }

    fn release(&mut self, step: &str, me: &Holder) -> Result<(), ClaimError> {
        self.with_claims(|claims| {
            if claims.get(step).is_some_and(|c| c.holder == *me) {
                claims.remove(step);
            }
        })
    }

    fn current(&mut self, step: &str) -> Result<Option<Claim>, ClaimError> {
        self.with_claims(|claims| claims.get(step).cloned())
    }

    /// Read without the lock: the file is replaced whole, so a reader sees one version.
    fn all(&mut self) -> Result<BTreeMap<String, Claim>, ClaimError> {
        match std::fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| ClaimError::Damaged { path: self.path.clone(), why: e.to_string() }),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(BTreeMap::new()),
            Err(e) => Err(self.io()(e)),
        }
    }
}
