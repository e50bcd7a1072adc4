//! `warroom --config F --follow`: a live terminal that draws the snapshot another terminal
//! of its incident publishes to the DynamoDB store, instead of polling AWS itself. While
//! that snapshot is fresh this terminal makes no CloudWatch, Route 53 or RDS read at all;
//! when it goes stale (the publisher died), it polls by itself, says so, and goes back to
//! following once a fresh snapshot appears. Its steps still run with its own credentials.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Utc};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

use crate::actions::Outcome;
use crate::app::{App, Msg};
use crate::aws::shared_journal::StoreRegion;
use crate::aws::shared_snapshot::{self, PublishedSnapshot};
use crate::model::{STALE_AFTER_INTERVALS, Update};
use crate::runtime::event_loop::Driver;
use crate::sources::UPDATE_CHANNEL_CAPACITY;
use crate::sources::aws::{Live, spawn_pollers};

/// How often the published snapshot is read.
const READ_EVERY: StdDuration = StdDuration::from_secs(1);

pub struct Following {
    pub app: App,
    live: Arc<Live>,
    regions: Vec<StoreRegion>,
    table: String,
    incident: String,
    outcomes: Option<mpsc::Receiver<Outcome>>,
    tick: tokio::time::Interval,
    /// This terminal's own pollers, while the published snapshot is stale.
    own: Option<(Vec<JoinHandle<()>>, mpsc::Receiver<Update>)>,
    last: Option<DateTime<Utc>>,
    /// The read in flight. A task of its own: the loop drops `wake` whenever anything else
    /// comes first (every 250 ms at least), which must not cancel a slow read.
    reading: Option<JoinHandle<Result<Option<PublishedSnapshot>, crate::aws::error::AwsError>>>,
}

impl Following {
    pub fn new(
        app: App,
        live: Arc<Live>,
        regions: Vec<StoreRegion>,
        table: String,
        incident: String,
        outcomes: Option<mpsc::Receiver<Outcome>>,
    ) -> Self {
        let mut tick = tokio::time::interval(READ_EVERY);
        tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut app = app;
        // Drawing another terminal's snapshot: that terminal derives the facts.
        app.set_polling(false);
        Self { app, live, regions, table, incident, outcomes, tick, own: None, last: None, reading: None }
    }

    /// Fresh: younger than the age at which the dashboard calls its own readings stale.
    fn fresh(&self, published: &PublishedSnapshot, now: DateTime<Utc>) -> bool {
        now - published.published_at < self.app.snapshot.poll_interval * STALE_AFTER_INTERVALS
    }

    fn poll_myself(&mut self, why: String) {
        if self.own.is_none() {
            let (tx, rx) = mpsc::channel(UPDATE_CHANNEL_CAPACITY);
            let pollers = spawn_pollers(&self.live, &tx);
            self.own = Some((pollers, rx));
            // Its own readings: it may derive facts from them, if nobody else does.
            self.app.set_polling(true);
            tracing::info!(why, "polling AWS myself");
            self.app.view.message = Some(format!("{why}: polling AWS myself"));
        }
    }

    fn stop_polling(&mut self, publisher: &str) {
        if let Some((pollers, _)) = self.own.take() {
            for p in pollers {
                p.abort();
            }
            self.app.set_polling(false);
            self.app.view.message = Some(format!("following {publisher}'s snapshot again"));
        }
    }

    /// Start a read of the published snapshot unless one is in flight.
    fn start_read(&mut self) {
        if self.reading.is_none() {
            let (regions, table, incident) = (self.regions.clone(), self.table.clone(), self.incident.clone());
            self.reading = Some(tokio::spawn(async move { shared_snapshot::read(&regions, &table, &incident).await }));
        }
    }

    fn take_in(&mut self, read: Result<Option<PublishedSnapshot>, crate::aws::error::AwsError>) {
        let now = Utc::now();
        match read {
            Ok(Some(published)) if self.fresh(&published, now) => {
                self.stop_polling(&published.publisher.clone());
                if self.last != Some(published.published_at) {
                    self.last = Some(published.published_at);
                    self.app.snapshot = published.snapshot;
                }
            }
            Ok(Some(published)) => {
                let age = crate::text::duration::format_duration(chrono::Duration::seconds(
                    (now - published.published_at).num_seconds(),
                ));
                self.poll_myself(format!("{}'s published snapshot is {age} old", published.publisher));
            }
            Ok(None) => self.poll_myself("nobody publishes this incident's snapshot".into()),
            Err(e) => self.poll_myself(format!("cannot read the published snapshot ({e})")),
        }
    }
}

impl Drop for Following {
    fn drop(&mut self) {
        if let Some(reading) = self.reading.take() {
            reading.abort();
        }
        if let Some((pollers, _)) = self.own.take() {
            for p in pollers {
                p.abort();
            }
        }
    }
}

/// The read in flight's result (it is then done and gone), or never while none is.
async fn next_read<R>(reading: &mut Option<JoinHandle<R>>) -> Option<R> {
    let Some(handle) = reading.as_mut() else { return std::future::pending().await };
    let out = handle.await;
    *reading = None;
    out.ok()
}

async fn next_update(own: &mut Option<(Vec<JoinHandle<()>>, mpsc::Receiver<Update>)>) -> Option<Update> {
    match own {
        Some((_, rx)) => rx.recv().await,
        None => std::future::pending().await,
    }
}

impl Driver for Following {
    fn app(&mut self) -> &mut App {
        &mut self.app
    }
    fn app_ref(&self) -> &App {
        &self.app
    }
    async fn wake(&mut self) -> bool {
        tokio::select! {
            _ = self.tick.tick() => {
                self.start_read();
                self.app.handle(Msg::Tick(Utc::now()))
            }
            Some(read) = next_read(&mut self.reading) => {
                self.take_in(read);
                true
            }
            Some(update) = next_update(&mut self.own) => self.app.handle(Msg::Update(update)),
            Some(outcome) = crate::runtime::event_loop::next_outcome(&mut self.outcomes) => self.app.handle(Msg::Outcome(outcome)),
        }
    }
}
