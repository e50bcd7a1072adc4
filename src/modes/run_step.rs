//! `warroom run-step`: one runbook step without the TUI, for scripts and break-glass use.
//!
//! It asks the same app state machine as the dashboard for the same things — run, override
//! with a reason, confirm the region, tick with a note, break glass — through its intents
//! (`app::intents`), never by pressing keys: a reason is never typed where no dialog asked
//! for it. Exit 3 when a guard refuses and no `--override` reason was given; exit 4 when
//! another terminal runs or ran the step (it says who, and prints no `done:`).

use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration as StdDuration, Instant};

use crate::app::App;
use crate::app::intents::Refused;
use crate::config::journal::StoreConfig;
use crate::runbook::{Guard, StepKind, StepRef, StepStatus};
use crate::runtime::args::SimArgs;
use crate::runtime::exit::{Exit, Failure};
use crate::runtime::session::{Session, open_scribe, start_session};
use crate::scribe::default_author;
use crate::sim::SimClock;
use crate::theme::Theme;
use chrono::Utc;
use clap::Args;

/// Simulated seconds per real second while a step runs: a 3-minute promotion takes 0.2 s.
const SPEED: f64 = 900.0;

#[derive(Debug, Args)]
pub struct RunStepArgs {
    /// The step id, e.g. promote-database (see docs/runbooks.md).
    pub step: String,
    /// Run against the simulated world instead of AWS.
    #[arg(long)]
    pub demo: bool,
    #[command(flatten)]
    pub sim: SimArgs,
    /// The region the step acts in, typed out: the same confirmation as the dashboard's.
    #[arg(long, value_name = "REGION")]
    pub confirm: String,
    /// Go on past failed guards; the reason is journaled as a guard-override.
    #[arg(long = "override", value_name = "REASON")]
    pub override_reason: Option<String>,
    /// Override the ARC safety rule that refused this shift before (its ARN goes in
    /// `SafetyRulesToOverride`). `--override` never does this.
    #[arg(long, value_name = "REASON")]
    pub override_safety_rule: Option<String>,
    /// A step that needs approval, asked by a commander alone: approve it yourself, saying why
    /// it cannot wait for a second commander (journaled, counted on the scorecard).
    #[arg(long, value_name = "REASON")]
    pub break_glass: Option<String>,
    /// For a checklist step: what was checked.
    #[arg(long, value_name = "TEXT")]
    pub note: Option<String>,
    #[arg(long, value_name = "ID", default_value = "failover")]
    pub runbook: String,
    /// Journal to read step history from and write to (default: a new one per incident).
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,
    /// The incident of a DynamoDB store (`[journal] store = "dynamodb"`) to act on (default:
    /// the newest open one of the config's incident name, as the dashboard takes).
    #[arg(long, value_name = "ID")]
    pub incident: Option<String>,
    #[arg(long = "as", value_name = "NAME", value_parser = crate::runtime::args::parse_author)]
    pub author: Option<String>,
    /// Role on a shared incident: observer, scribe, operator, commander, facilitator
    /// (default: commander for the terminal that starts it, operator for one that joins).
    #[arg(long, value_name = "ROLE", value_parser = crate::runtime::args::parse_role)]
    pub role: Option<crate::scribe::roles::TeamRole>,
    /// Simulated time since the world began (the demo outage starts at 1m).
    #[arg(long, value_name = "DURATION", default_value = "0s", value_parser = crate::runtime::args::parse_at)]
    pub at: chrono::Duration,
}

/// A session `drive` can press keys in and refresh: the simulated world or AWS.
trait Driven {
    fn app(&mut self) -> &mut App;
    /// Poll every region, deliver outcomes, tick.
    async fn turn(&mut self);
    /// Deliver outcomes and tick on what was already read: a watch step whose condition holds
    /// on the first readings is done without waiting for another poll.
    async fn settle(&mut self) {
        self.turn().await;
    }
    /// Pause between turns while a step runs.
    fn pause(&self) -> StdDuration;
    /// Longest wait for a step that has `timeout` of its own (the app fails it then).
    fn patience(&self, timeout: Option<chrono::Duration>) -> StdDuration;
}

impl Driven for Session {
    fn app(&mut self) -> &mut App {
        &mut self.app
    }
    async fn turn(&mut self) {
        Session::turn(self);
    }
    fn pause(&self) -> StdDuration {
        StdDuration::from_millis(5)
    }
    fn patience(&self, _: Option<chrono::Duration>) -> StdDuration {
        StdDuration::from_secs(30)
    }
}

/// `run-step --config FILE` on AWS.
struct LiveSession {
    app: App,
    live: std::sync::Arc<crate::sources::aws::Live>,
    outcomes: tokio::sync::mpsc::Receiver<crate::actions::Outcome>,
    /// After the first round, the pollers run in the background (as the dashboard's do), so
    /// no turn waits on a region that does not answer.
    polled: Option<tokio::sync::mpsc::Receiver<crate::model::Update>>,
    pollers: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for LiveSession {
    fn drop(&mut self) {
        for p in &self.pollers {
            p.abort();
        }
    }
}

impl LiveSession {
    /// Fold `updates`, whatever the pollers read since, and every outcome that came.
    fn deliver(&mut self, updates: Vec<crate::model::Update>, mut outcomes: Vec<crate::actions::Outcome>) {
        while let Ok(outcome) = self.outcomes.try_recv() {
            outcomes.push(outcome);
        }
        let mut updates = updates;
        if let Some(rx) = self.polled.as_mut() {
            while let Ok(update) = rx.try_recv() {
                updates.push(update);
            }
        }
        self.app.poll_round(updates, outcomes, Utc::now());
    }
}

impl Driven for LiveSession {
    fn app(&mut self) -> &mut App {
        &mut self.app
    }
    async fn turn(&mut self) {
        if self.polled.is_none() {
            // The first round: every source once, bounded by the call timeout.
            let updates = crate::sources::aws::poll_all(&self.live).await;
            let (tx, rx) = tokio::sync::mpsc::channel(1024);
            self.pollers = crate::sources::aws::spawn_pollers(&self.live, &tx);
            self.polled = Some(rx);
            return self.deliver(updates, Vec::new());
        }
        // Then: an outcome as soon as it comes, or what the pollers read within a second.
        let outcome = tokio::time::timeout(StdDuration::from_secs(1), self.outcomes.recv()).await;
        self.deliver(Vec::new(), outcome.ok().flatten().into_iter().collect());
    }
    async fn settle(&mut self) {
        self.deliver(Vec::new(), Vec::new());
    }
    fn pause(&self) -> StdDuration {
        StdDuration::from_millis(50)
    }
    fn patience(&self, timeout: Option<chrono::Duration>) -> StdDuration {
        let step = timeout.unwrap_or(chrono::Duration::hours(1)) + chrono::Duration::seconds(30);
        step.to_std().unwrap_or(StdDuration::from_secs(3600))
    }
}

pub fn run(args: &RunStepArgs) -> Result<(), Failure> {
    if !args.demo {
        return run_live(args);
    }
    let config = args.sim.config()?;
    if config.read_only {
        return Err(Failure::usage("the config says read-only = true: no step can be run"));
    }
    if args.incident.is_some() {
        return Err(Failure::usage(INCIDENT_ON_A_FILE));
    }
    let now = crate::runtime::session::now_to_the_second();
    let epoch = now - args.at;
    let (scribe, journal_path) =
        open_scribe(args.journal.as_ref(), &config.incident, epoch, now, author(args), args.role)?;
    let runtime = crate::runtime::event_loop::runtime()?;
    let result = runtime.block_on(async {
        let clock = SimClock::resumed(epoch, args.at, SPEED);
        let mut session = start_session(&config, args.sim.seed, clock, Theme::fallback(true), scribe, false);
        crate::runtime::session::share_claims(&mut session.app, &journal_path)?;
        let result = drive(&mut session, args).await;
        session.app().release_fact_lease();
        result
    });
    crate::text::sanitize::eprint_line(&format!("journal: {journal_path}"));
    result
}

fn author(args: &RunStepArgs) -> String {
    args.author.clone().unwrap_or_else(default_author)
}

fn run_live(args: &RunStepArgs) -> Result<(), Failure> {
    let Some(path) = &args.sim.config else {
        return Err(Failure::usage("give --config FILE to run the step on AWS, or --demo for the simulated world"));
    };
    let config = crate::runtime::session::load_config(path)?;
    if config.read_only {
        return Err(Failure::usage("the config says read-only = true: no step can be run"));
    }
    let now = crate::runtime::session::now_to_the_second();
    let runtime = crate::runtime::event_loop::runtime()?;
    // The journal the step is written to: the file, or the store's incident (its claims and
    // this machine's spool), as the dashboard on this config would.
    let (scribe, journal_path, claims) = match &config.store {
        StoreConfig::File => {
            if args.incident.is_some() {
                return Err(Failure::usage(INCIDENT_ON_A_FILE));
            }
            let (scribe, path) =
                open_scribe(args.journal.as_ref(), &config.incident, now, now, author(args), args.role)?;
            (scribe, path, None)
        }
        StoreConfig::Dynamodb(store) => {
            if args.journal.is_some() {
                return Err(Failure::usage(
                    "--journal is for the file store; this config keeps the incident in DynamoDB ([journal] store = \"dynamodb\"): give --incident ID, or none for the open incident",
                ));
            }
            runtime.block_on(async {
                let regions = crate::runtime::session::store_regions(&config, store).await;
                let id =
                    crate::runtime::session::incident_id(&config, store, &regions, args.incident.as_deref()).await?;
                let (scribe, claims, location) =
                    crate::runtime::session::open_dynamo_scribe(&config, store, &id, author(args), args.role, now)
                        .await?;
                Ok::<_, Failure>((scribe, location, Some(claims)))
            })?
        }
    };
    let result = runtime.block_on(async {
        let runbooks = config.runbooks.clone();
        let live = crate::runtime::session::connect(config).await;
        let (tx, outcomes) = tokio::sync::mpsc::channel(16);
        let executor = crate::actions::aws::spawn(std::sync::Arc::clone(&live), tx);
        let mut app = App::new(&live.config, runbooks, Theme::fallback(true), scribe, Some(executor), Utc::now());
        crate::runtime::session::identify(&mut app, &live).await;
        app.view.message = None;
        match claims {
            Some(claims) => app.claims = Some(claims),
            None => crate::runtime::session::share_claims(&mut app, &journal_path)?,
        }
        let mut session = LiveSession { app, live, outcomes, polled: None, pollers: Vec::new() };
        let result = drive(&mut session, args).await;
        session.app().release_fact_lease();
        Ok::<_, Failure>((result, session))
    });
    let (result, mut session) = result?;
    // What the store's spool holds goes out before the process ends, as a quitting terminal's.
    let held = session.app().scribe.finish(crate::aws::shared_journal::FINISH_WAIT);
    crate::text::sanitize::eprint_line(&format!("journal: {journal_path}"));
    match held {
        Ok(None) => {}
        Ok(Some(text)) => crate::text::sanitize::eprint_line(&format!("warroom: {text}")),
        Err(text) => {
            crate::text::sanitize::eprint_line(&format!("warroom: {text}"));
            return result.and(Err(Failure::runtime(text)));
        }
    }
    result
}

/// `--incident` on a journal file: the file is the incident.
const INCIDENT_ON_A_FILE: &str = "--incident names an incident of a DynamoDB store ([journal] store = \"dynamodb\"); with a journal file the file is the incident: give --journal FILE";

fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{}", crate::text::sanitize::inert_lines(line));
}

/// The step is another terminal's: said with who, exit 4.
fn not_run(who: String) -> Failure {
    Failure { exit: Exit::NotRun, message: format!("not run here: {who}") }
}

/// An intent the core did not carry out: another terminal's step (exit 4), or the reason.
fn refused(app: &App, at: StepRef, result: Result<(), Refused>) -> Result<(), Failure> {
    match result {
        Ok(()) => Ok(()),
        Err(_) if let Some(who) = app.run_elsewhere(at) => Err(not_run(who)),
        Err(Refused::Elsewhere(who)) => Err(not_run(who)),
        Err(Refused::Said(text)) if text.starts_with("override refused") => Err(Failure::usage(text)),
        Err(Refused::Said(text)) => Err(Failure::runtime(text)),
        Err(Refused::NoDialog(text)) => Err(Failure::runtime(text.to_owned())),
    }
}

async fn drive(s: &mut impl Driven, args: &RunStepArgs) -> Result<(), Failure> {
    s.turn().await;
    let app = s.app();
    let runbook = app.runs.runbooks.iter().position(|b| b.id == args.runbook).ok_or_else(|| {
        let ids: Vec<&str> = app.runs.runbooks.iter().map(|b| b.id.as_str()).collect();
        Failure::usage(format!("no runbook `{}`; runbooks: {}", args.runbook, ids.join(", ")))
    })?;
    let Some((step_index, step)) = app.runs.runbooks[runbook].step(&args.step).map(|(i, s)| (i, s.clone())) else {
        let ids: Vec<&str> = app.runs.runbooks[runbook].steps.iter().map(|s| s.id.as_str()).collect();
        return Err(Failure::usage(format!(
            "no step `{}` in runbook `{}`; steps: {}",
            args.step,
            args.runbook,
            ids.join(", ")
        )));
    };
    let at = StepRef { runbook, step: step_index };
    app.select(at);

    let region = app.step_region(at);
    if args.confirm != region {
        return Err(Failure::usage(format!("--confirm {} does not match: {} acts in {region}", args.confirm, step.id)));
    }
    if step.kind == StepKind::Checklist && args.note.as_deref().is_none_or(|n| n.trim().is_empty()) {
        return Err(Failure::usage(format!("{} is a checklist step: say what was checked with --note TEXT", step.id)));
    }

    say(&format!("{} — {} ({})", step.id, step.title, step.kind.as_str()));
    let guards = app.guards(at);
    for g in &guards {
        say(&format!("  {} {:<18} {}", if g.ok { "ok  " } else { "FAIL" }, g.guard.to_string(), g.reason));
    }
    let blocked = guards.iter().any(|g| !g.ok);
    let refused_by_rule = guards.iter().any(|g| !g.ok && g.guard == Guard::SafetyRule);
    let others_fail = guards.iter().any(|g| !g.ok && g.guard != Guard::SafetyRule);
    let reason = match (refused_by_rule, &args.override_safety_rule, &args.override_reason) {
        (true, None, _) => {
            return Err(Failure {
                exit: Exit::GuardRefused,
                message: format!(
                    "{} was refused by an ARC safety rule; give --override-safety-rule REASON to override the rule (--override covers other guards only)",
                    step.id
                ),
            });
        }
        (true, Some(_), None) if others_fail => None,
        (true, Some(rule), Some(other)) => Some(format!("{rule} (and: {other})")),
        (true, Some(rule), None) => Some(rule.clone()),
        (false, _, other) => other.clone(),
    };
    if let Some(who) = app.run_elsewhere(at) {
        return Err(not_run(who));
    }
    let asked = match (&reason, blocked) {
        (None, true) => {
            return Err(Failure {
                exit: Exit::GuardRefused,
                message: format!("{} refused by its guards; give --override REASON to go on anyway", step.id),
            });
        }
        (Some(reason), true) => app.request_override(at, reason),
        _ => app.request_run(at),
    };
    refused(app, at, asked)?;
    // A claim across the network answers as a message: wait for it (within the call timeout).
    while app.claims_pending() {
        tokio::time::sleep(StdDuration::from_millis(20)).await;
        app.follow_journal();
    }
    let said = app.said(at);
    refused(app, at, said)?;
    match app.answer_dialog(at, &args.confirm) {
        Err(Refused::Said(e)) if app.run_elsewhere(at).is_none() => return Err(Failure::usage(e)),
        other => refused(app, at, other)?,
    }
    if app.awaits(at) {
        // The two-person rule: a break-glass prompt when alone, else wait for a commander.
        match (app.view.compose.is_some(), &args.break_glass) {
            (true, Some(reason)) => {
                if let Err(e) = app.answer_line(reason) {
                    return Err(Failure::usage(format!("break-glass refused: {e}")));
                }
            }
            (true, None) => {
                return Err(Failure {
                    exit: Exit::GuardRefused,
                    message: format!(
                        "{} needs a second commander's approval and none is on the incident: have one join, or give --break-glass REASON",
                        step.id
                    ),
                });
            }
            (false, _) => say(&format!("{}: awaiting a commander's approval (warroom approve {} …)", step.id, step.id)),
        }
        app.view.message = None;
    }
    if app.view.compose.is_some() {
        // Not saved (a full disk): fail now with the disk's error, never wait for it.
        if let Err(e) = app.answer_line(args.note.as_deref().unwrap_or_default()) {
            return Err(Failure::runtime(format!("{} not done: {e}", step.id)));
        }
    }
    let said = app.said(at);
    refused(app, at, said)?;

    // Wait for the outcome in simulated time (the step's own timeout still applies).
    let started = Instant::now();
    let patience = s.patience(step.timeout);
    s.settle().await;
    loop {
        match s.app().runs.status(at).clone() {
            StepStatus::Done { .. } if !s.app().started_here(at) => {
                let who = s.app().run_elsewhere(at).unwrap_or_else(|| format!("{} is done elsewhere", step.id));
                return Err(not_run(who));
            }
            StepStatus::Done { already, .. } => {
                let last = s.app().scribe.timeline.entries().iter().rev().find(|e| e.step.as_deref() == Some(&step.id));
                let detail = last.map(|e| e.text.clone()).unwrap_or_default();
                say(&format!("done{}: {detail}", if already { " (already)" } else { "" }));
                return Ok(());
            }
            StepStatus::Failed { error, .. } => return Err(Failure::runtime(format!("{} failed: {error}", step.id))),
            StepStatus::Skipped { reason, .. } => {
                return Err(Failure::runtime(format!("{} is skipped: {reason}", step.id)));
            }
            StepStatus::Pending | StepStatus::Running { .. } => {}
        }
        if started.elapsed() > patience {
            return Err(Failure::runtime(format!("{} did not finish", step.id)));
        }
        tokio::time::sleep(s.pause()).await;
        // What other terminals wrote: an approval, or the step finished elsewhere.
        s.app().follow_journal();
        s.turn().await;
    }
}
