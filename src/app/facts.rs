//! The incident's fact writer: what warroom derives from readings (observations, flaps and
//! settles, the measured RTO) is journaled by one terminal per incident, not once per
//! terminal. The writer holds a lease in the claims store, like a step claim, renewed every
//! tick; it is a polling terminal whose role may write derived facts, never a follower, a
//! joiner, a scribe or an observer. A holder that dies or goes silent lets the lease run out,
//! and the next polling terminal that asks takes it over. The same terminal keeps the flight
//! recording. When the claims store cannot be reached, every polling terminal writes and the
//! deterministic observation ids deduplicate: a fact is never left unwritten.

use std::time::{Duration as StdDuration, Instant};

use chrono::{Duration, Utc};

use super::App;
use crate::scribe::claims::{ClaimError, Claimed, Holder};
use crate::scribe::permissions::Duty;

/// The claims-store key of the lease (no runbook step has a `/`-less key).
pub const FACT_WRITER: &str = "fact-writer";

/// How long the lease lasts unless renewed: short, so a dead writer's facts go on soon.
pub const FACT_LEASE: Duration = Duration::seconds(10);

/// How often a terminal that does not hold the lease asks again.
const ASK_EVERY: StdDuration = StdDuration::from_secs(2);

/// Where this terminal stands on the lease.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Standing {
    /// Not asked yet, or asked and not answered.
    #[default]
    Unknown,
    /// This terminal writes the facts.
    Holds,
    /// Another terminal does.
    Elsewhere(Holder),
    /// The claims store did not answer: everyone who polls writes (ids deduplicate).
    Unprovable(String),
}

#[derive(Debug)]
pub struct FactLease {
    /// This terminal reads the world itself (AWS, or the sim it runs): only such a terminal
    /// derives facts. Joiners and `--follow` terminals draw another's readings.
    pub polls: bool,
    pub standing: Standing,
    asked: Option<Instant>,
    /// A `claim_soon` not answered yet.
    waiting: bool,
    /// How long the lease lasts unless renewed (`FACT_LEASE`; `WARROOM_CLAIM_LEASE` shortens it).
    pub lease: Duration,
}

impl Default for FactLease {
    fn default() -> Self {
        Self { polls: true, standing: Standing::Unknown, asked: None, waiting: false, lease: FACT_LEASE }
    }
}

impl App {
    /// Whether this terminal journals derived facts now.
    pub fn writes_facts(&self) -> bool {
        if !self.facts.polls || self.scribe.role.is_some_and(|r| !Duty::Derive.allows(r)) {
            return false;
        }
        self.claims.is_none() || matches!(self.facts.standing, Standing::Holds | Standing::Unprovable(_))
    }

    /// Whether this terminal may hold the lease at all.
    fn may_write_facts(&self) -> bool {
        self.facts.polls && self.scribe.role.is_none_or(|r| Duty::Derive.allows(r))
    }

    /// Say whether this terminal reads the world itself (a `--follow` terminal that polls
    /// while the published snapshot is stale, and stops when it is fresh again).
    pub fn set_polling(&mut self, polls: bool) {
        if self.facts.polls == polls {
            return;
        }
        self.facts.polls = polls;
        if polls {
            self.facts.asked = None;
            self.keep_fact_lease();
        } else {
            self.release_fact_lease();
        }
    }

    /// Every tick: renew the lease held, ask for it when nobody holds it (at most every
    /// `ASK_EVERY`), take over a lease whose holder let it run out.
    pub(super) fn keep_fact_lease(&mut self) {
        if !self.may_write_facts() {
            return;
        }
        let (me, lease) = (self.holder(), self.facts.lease);
        let Some(store) = self.claims.as_mut() else {
            self.scribe.start_recording();
            return;
        };
        if self.facts.standing == Standing::Holds {
            if let Ok(false) = store.renew_soon(FACT_WRITER, &me, Utc::now(), lease) {
                tracing::info!("the fact-writer lease was taken over: this terminal stops journaling derived facts");
                self.facts.standing = Standing::Unknown;
                self.scribe.stop_recording();
            }
            return;
        }
        if self.facts.waiting || self.facts.asked.is_some_and(|t| t.elapsed() < ASK_EVERY) {
            return;
        }
        self.facts.asked = Some(Instant::now());
        match store.claim_in_background(FACT_WRITER, &me, Utc::now(), lease) {
            Some(answer) => self.fact_answer(answer),
            None => self.facts.waiting = true,
        }
    }

    /// What asking for the lease came to.
    pub(super) fn fact_answer(&mut self, answer: Result<Claimed, ClaimError>) {
        self.facts.waiting = false;
        let (me, lease) = (self.holder(), self.facts.lease);
        let answer = match answer {
            // Its holder died or went silent: the facts go on here.
            Ok(Claimed::Expired(dead)) => {
                tracing::info!(holder = %dead.holder, "taking over the fact-writer lease");
                match self.claims.as_mut() {
                    Some(store) => store.take_over(FACT_WRITER, &me, Utc::now(), lease),
                    None => return,
                }
            }
            other => other,
        };
        let before = self.facts.standing.clone();
        self.facts.standing = match answer {
            Ok(Claimed::Won(_)) => Standing::Holds,
            Ok(Claimed::Held(c) | Claimed::Expired(c)) => Standing::Elsewhere(c.holder),
            Err(e) => Standing::Unprovable(e.to_string()),
        };
        if before != self.facts.standing {
            tracing::info!(standing = ?self.facts.standing, "fact writer");
        }
        if self.writes_facts() {
            self.scribe.start_recording();
        } else {
            self.scribe.stop_recording();
        }
    }

    /// Let the lease go (quitting, or no longer polling), so another terminal takes it at
    /// once instead of after the lease.
    pub fn release_fact_lease(&mut self) {
        let held = std::mem::take(&mut self.facts.standing) == Standing::Holds;
        self.scribe.stop_recording();
        if held {
            let me = self.holder();
            if let Some(store) = self.claims.as_mut()
                && let Err(e) = store.release(FACT_WRITER, &me)
            {
                tracing::warn!(error = %e, "cannot let the fact-writer lease go; it runs out by itself");
            }
        }
    }
}
