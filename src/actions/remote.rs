//! A joined terminal's actions, carried out by the host: the joiner claims the step, types
//! the confirmation and journals the start as it always does, then its `Remote` executor
//! leaves the job in `<journal>.d/requests/`; the host's `Relay` takes it (a rename, so it is
//! taken once), runs it on the host's world and answers in `<journal>.d/outcomes/`, which the
//! joiner's executor hands back to its app as an ordinary outcome.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration as StdDuration;

use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use super::{Action, Backend, Executor, Job, Outcome, OutcomeResult};
use crate::runbook::StepRef;
use crate::scribe::presence;

/// How often each side looks for the other's files.
const POLL: StdDuration = StdDuration::from_millis(100);

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Request {
    pub requester: String,
    /// The requester's role: the host carries out only what that role may run.
    #[serde(default)]
    pub role: Option<crate::scribe::roles::TeamRole>,
    pub action: Action,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    pub result: OutcomeResult,
}

fn requests(journal: &Path) -> PathBuf {
    presence::sidecar(journal).join("requests")
}

fn outcomes(journal: &Path) -> PathBuf {
    presence::sidecar(journal).join("outcomes")
}

fn write_json(dir: &Path, name: &str, value: &impl Serialize) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let bytes = serde_json::to_vec(value).map_err(std::io::Error::other)?;
    presence::replace_file(&dir.join(name), &bytes)
}

/// The executor of a terminal joined to `journal`'s host. Outcomes come back on the receiver.
pub fn spawn(
    journal: PathBuf,
    requester: String,
    role: Option<crate::scribe::roles::TeamRole>,
) -> (Executor, mpsc::Receiver<Outcome>) {
    let (jobs, mut rx) = mpsc::channel::<Job>(16);
    let (tx, outcomes_rx) = mpsc::channel(64);
    tokio::spawn(async move {
        let me = format!("{}-{}", presence::host(), std::process::id());
        let mut waiting: HashMap<String, (u64, StepRef)> = HashMap::new();
        let mut poll = tokio::time::interval(POLL);
        loop {
            tokio::select! {
                job = rx.recv() => {
                    let Some(job) = job else { break };
                    let name = format!("{me}-{}.json", job.id);
                    let request = Request { requester: requester.clone(), role, action: job.action.clone() };
                    match write_json(&requests(&journal), &name, &request) {
                        Ok(()) => { waiting.insert(name, (job.id, job.step)); }
                        Err(e) => {
                            let error = format!("cannot hand the action to the host: {e}");
                            let _ = tx.send(Outcome { job: job.id, step: job.step, result: OutcomeResult::Failed { error } }).await;
                        }
                    }
                }
                _ = poll.tick(), if !waiting.is_empty() => {
                    for (name, answer) in take_answers(&journal, &waiting) {
                        if let Some((job, step)) = waiting.remove(&name) {
                            let _ = tx.send(Outcome { job, step, result: answer.result }).await;
                        }
                    }
                }
            }
        }
    });
    (Executor { jobs, backend: Backend::Host }, outcomes_rx)
}

/// Answers the host has written for the requests in `waiting`, each read and removed once.
fn take_answers(journal: &Path, waiting: &HashMap<String, (u64, StepRef)>) -> Vec<(String, Answer)> {
    let dir = outcomes(journal);
    let mut found = Vec::new();
    for name in waiting.keys() {
        let path = dir.join(name);
        let Ok(bytes) = std::fs::read(&path) else { continue };
        let answer = serde_json::from_slice::<Answer>(&bytes).unwrap_or_else(|e| Answer {
            result: OutcomeResult::Failed { error: format!("the host's answer {} is unreadable: {e}", path.display()) },
        });
        let _ = std::fs::remove_file(&path);
        found.push((name.clone(), answer));
    }
    found
}

/// The host's side: takes joiners' requests and answers them.
#[derive(Debug)]
pub struct Relay {
    journal: PathBuf,
    /// Relay job id → the request's file name (its answer's name).
    pending: HashMap<u64, String>,
    next: u64,
    swept: std::time::Instant,
}

/// An answer nobody read for this long was for a terminal that died (kill -9 mid-step): gone.
const UNREAD_ANSWER: StdDuration = StdDuration::from_secs(600);

/// Relay job ids start here, so they never meet the host app's own in a shared stepper.
pub const RELAY_JOBS: u64 = 1 << 48;

impl Relay {
    pub fn new(journal: &Path) -> Self {
        Self {
            journal: journal.to_owned(),
            pending: HashMap::new(),
            next: RELAY_JOBS,
            swept: std::time::Instant::now(),
        }
    }

    /// Remove answers left unread past `UNREAD_ANSWER` (looked for once a minute).
    fn sweep(&mut self) {
        if self.swept.elapsed() < StdDuration::from_secs(60) {
            return;
        }
        self.swept = std::time::Instant::now();
        let Ok(listing) = std::fs::read_dir(outcomes(&self.journal)) else { return };
        for entry in listing.flatten() {
            let old = entry.metadata().and_then(|m| m.modified()).ok().and_then(|t| t.elapsed().ok());
            if old.is_some_and(|age| age > UNREAD_ANSWER) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }

    /// Requests waiting, each taken once (renamed before it is read), as jobs to run.
    pub fn take(&mut self) -> Vec<Job> {
        self.sweep();
        let dir = requests(&self.journal);
        let Ok(listing) = std::fs::read_dir(&dir) else { return Vec::new() };
        let mut names: Vec<String> = listing
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| n.ends_with(".json") && !n.starts_with('.'))
            .collect();
        names.sort();
        let mut jobs = Vec::new();
        for name in names {
            let taken = dir.join(format!(".{name}.taken"));
            if std::fs::rename(dir.join(&name), &taken).is_err() {
                continue;
            }
            let read = std::fs::read(&taken);
            let _ = std::fs::remove_file(&taken);
            self.next += 1;
            match read
                .map_err(|e| e.to_string())
                .and_then(|b| serde_json::from_slice::<Request>(&b).map_err(|e| e.to_string()))
            {
                // Its entries would credit a role that may not run steps with one: refused.
                Ok(Request { requester, role: Some(role), .. }) if !role.may_run_steps() => {
                    tracing::warn!(%requester, %role, "refused a joined terminal's action: its role may not run steps");
                    let error = format!("refused by the host: {requester} joined as {role}, who may not run steps");
                    let _ = write_json(
                        &outcomes(&self.journal),
                        &name,
                        &Answer { result: OutcomeResult::Failed { error } },
                    );
                }
                Ok(request) => {
                    tracing::info!(requester = %request.requester, action = ?request.action, "carrying out a joined terminal's action");
                    self.pending.insert(self.next, name);
                    jobs.push(Job { id: self.next, step: StepRef { runbook: 0, step: 0 }, action: request.action });
                }
                Err(error) => {
                    let result = OutcomeResult::Failed { error: format!("the request was unreadable: {error}") };
                    let _ = write_json(&outcomes(&self.journal), &name, &Answer { result });
                }
            }
        }
        jobs
    }

    /// Whether `job` is one this relay handed out.
    pub fn owns(&self, job: u64) -> bool {
        self.pending.contains_key(&job)
    }

    /// Answer the request behind `outcome`'s job.
    pub fn answer(&mut self, outcome: Outcome) {
        let Some(name) = self.pending.remove(&outcome.job) else { return };
        if let Err(e) = write_json(&outcomes(&self.journal), &name, &Answer { result: outcome.result }) {
            tracing::warn!(error = %e, "cannot answer a joined terminal's request");
        }
    }
}

/// The host of a demo: carry joiners' requests out with `executor` (its own sim executor,
/// whose outcomes arrive on `done`) until the task is aborted.
pub fn serve(journal: PathBuf, executor: Executor, mut done: mpsc::Receiver<Outcome>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut relay = Relay::new(&journal);
        let mut poll = tokio::time::interval(POLL);
        loop {
            tokio::select! {
                _ = poll.tick() => {
                    for job in relay.take() {
                        let (id, step) = (job.id, job.step);
                        if let Err(error) = executor.submit(job) {
                            relay.answer(Outcome { job: id, step, result: OutcomeResult::Failed { error } });
                        }
                    }
                }
                Some(outcome) = done.recv() => relay.answer(outcome),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scribe::roles::TeamRole;

    async fn taken(relay: &mut Relay) -> Vec<Job> {
        loop {
            let jobs = relay.take();
            if !jobs.is_empty() {
                return jobs;
            }
            tokio::time::sleep(StdDuration::from_millis(20)).await;
        }
    }

    #[tokio::test]
    async fn a_joiner_whose_role_may_not_run_steps_is_refused_by_the_host() {
        let d = tempfile::tempdir().unwrap();
        let journal = d.path().join("j.jsonl");
        let (scribe, mut refused) = spawn(journal.clone(), "cy".into(), Some(TeamRole::Scribe));
        let (operator, _) = spawn(journal.clone(), "bo".into(), Some(TeamRole::Operator));
        let action = Action::FreezeWrites { region: "us-east-1".into(), table: "t".into(), key: "k".into() };
        scribe.submit(Job { id: 1, step: StepRef { runbook: 1, step: 2 }, action: action.clone() }).unwrap();
        tokio::time::sleep(StdDuration::from_millis(300)).await;
        operator.submit(Job { id: 2, step: StepRef { runbook: 1, step: 2 }, action: action.clone() }).unwrap();
        let mut relay = Relay::new(&journal);
        let jobs = taken(&mut relay).await;
        let back = tokio::time::timeout(StdDuration::from_secs(5), refused.recv()).await.unwrap().unwrap();
        assert_eq!(
            back.result,
            OutcomeResult::Failed { error: "refused by the host: cy joined as scribe, who may not run steps".into() }
        );
        let jobs = if jobs.is_empty() { taken(&mut relay).await } else { jobs };
        assert_eq!(jobs.len(), 1, "only the operator's job is carried out");
    }

    #[tokio::test]
    async fn a_joined_terminals_job_is_carried_out_once_by_the_host() {
        let d = tempfile::tempdir().unwrap();
        let journal = d.path().join("j.jsonl");
        let (executor, mut outcomes) = spawn(journal.clone(), "bo".into(), Some(TeamRole::Operator));
        let action = Action::FreezeWrites { region: "us-east-1".into(), table: "t".into(), key: "k".into() };
        executor.submit(Job { id: 7, step: StepRef { runbook: 1, step: 2 }, action: action.clone() }).unwrap();
        let mut relay = Relay::new(&journal);
        let mut second = Relay::new(&journal);
        let jobs = loop {
            let jobs = relay.take();
            if !jobs.is_empty() {
                break jobs;
            }
            tokio::time::sleep(StdDuration::from_millis(20)).await;
        };
        assert_eq!(jobs.len(), 1);
        assert_eq!(jobs[0].action, action);
        // Taken once: another relay looking now finds nothing.
        assert!(second.take().is_empty());
        let result =
            OutcomeResult::Succeeded { detail: "frozen".into(), data: serde_json::Value::Null, already: false };
        relay.answer(Outcome { job: jobs[0].id, step: jobs[0].step, result: result.clone() });
        let back = tokio::time::timeout(StdDuration::from_secs(5), outcomes.recv()).await.unwrap().unwrap();
        assert_eq!(back, Outcome { job: 7, step: StepRef { runbook: 1, step: 2 }, result });
    }
}
