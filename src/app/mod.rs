//! The app state machine: the single owner of all state, changed only by `handle(Msg)`.
//! Drawing reads it (`ui::draw`); nothing here touches the terminal. Running runbook steps
//! is in `runner`.

mod approval;
mod claims;
mod drill;
pub mod facts;
mod input;
pub mod intents;
pub mod keys;
pub mod layout;
pub mod line_input;
mod replay;
mod rights;
mod runner;
mod running;
mod view;

pub use drill::{DrillView, FaultMenu, FaultRequest};
pub use input::{ENTER_SETTLE, PASTE_TAIL};
pub use replay::{MAX_SPEED, MIN_SPEED, Player, REPLAY_CHANGES_NOTHING, ReplayBar, ReplayMove};
pub use runner::{Override, READ_ONLY, Resources};
pub use view::View;

use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;

use crate::actions::{Action, Executor, Outcome};
use crate::assess::Limits;
use crate::config::{Config, Incident, Thresholds};
use crate::model::{Applied, Snapshot, Update};
use crate::runbook::{RunState, Runbook, StepRef};
use crate::scribe::{Draft, Kind, Scribe};
use crate::theme::Theme;
use keys::{Command, Context};
use line_input::LineInput;

/// What the session may do, shown in the header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Demo,
    /// A game-day drill on the simulated world.
    Drill,
    /// Acting on a real AWS account.
    Live,
    ReadOnly,
    /// Showing another process's world (`warroom join`); its steps are carried out there.
    Joined,
    /// An incident seen again from its journal and recording (`warroom replay`).
    Replay,
}

impl Mode {
    pub fn label(self) -> &'static str {
        match self {
            Mode::Demo => "DEMO",
            Mode::Drill => "DRILL",
            Mode::Live => "LIVE",
            Mode::ReadOnly => "READ-ONLY",
            Mode::Joined => "JOINED",
            Mode::Replay => "REPLAY",
        }
    }
}

/// Which bottom pane the arrow keys move in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Focus {
    Runbook,
    Timeline,
    /// A region's rows: `i` or Enter describes the focused one.
    Regions,
}

/// What the input line is for.
#[derive(Clone, Debug, PartialEq)]
pub enum Purpose {
    /// A note, decision or comms entry.
    Entry,
    /// The note that ticks a checklist step, and the override it goes on under, if any.
    Tick(StepRef, Option<Override>),
    /// The reason for skipping a step.
    Skip(StepRef),
    /// The reason for taking over a step whose claim (by the named author) expired.
    TakeOver(StepRef, String),
    /// A commander alone approving their own request: the break-glass reason.
    BreakGlass(StepRef),
    /// A claim that cannot be proven (the claims region is unreachable): the break-glass
    /// reason to act on the step without one, and the override it goes on under, if any.
    Unclaimed(StepRef, Option<Override>),
    /// The text to search the timeline for (not journaled).
    Search,
    /// Why the entry of this id is struck through: an amendment, never a deletion.
    Strike(String),
}

/// A dialog that must be answered before anything else. Guards are never stored here: the
/// dialog shows them judged live, and Enter judges them again.
#[derive(Clone, Debug, PartialEq)]
pub enum Modal {
    /// Declaring: Enter records the decision (journal only).
    Declare { step: StepRef, overridden: Option<Override> },
    /// A changing step: type the target region's name to run `action`.
    Confirm { step: StepRef, action: Action, overridden: Option<Override>, input: LineInput, error: Option<String> },
    /// Failed guards: type why it is safe to go on.
    Override { step: StepRef, input: LineInput, error: Option<String> },
    /// Skipping a changing step: its reason is typed; now type the region it would act in.
    ConfirmSkip { step: StepRef, reason: String, input: LineInput, error: Option<String> },
    /// Another terminal's request to run a step that needs approval: type its region to approve.
    Approve { step: StepRef, input: LineInput, error: Option<String> },
}

impl Modal {
    fn input(&mut self) -> Option<&mut LineInput> {
        match self {
            Modal::Declare { .. } => None,
            Modal::Confirm { input, .. }
            | Modal::Override { input, .. }
            | Modal::ConfirmSkip { input, .. }
            | Modal::Approve { input, .. } => Some(input),
        }
    }

    /// The field takes free text (a reason), so a paste may go in. A region confirmation is
    /// typed, never pasted.
    fn takes_free_text(&self) -> bool {
        matches!(self, Modal::Override { .. })
    }

    pub fn step(&self) -> StepRef {
        match self {
            Modal::Declare { step, .. }
            | Modal::Confirm { step, .. }
            | Modal::Override { step, .. }
            | Modal::ConfirmSkip { step, .. }
            | Modal::Approve { step, .. } => *step,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Overlay {
    None,
    Help,
    /// One timeline entry in full (its id), to read and copy what the row cuts off.
    Entry(String),
    /// One region row described in full (k9s's describe): the reading, its source, the last
    /// error with its fix, the config keys behind it.
    Describe {
        region: usize,
        signal: crate::model::SignalKey,
    },
}

/// The host a joined terminal shows (`warroom join`), for the header.
#[derive(Clone, Debug, PartialEq)]
pub struct Joined {
    /// "ana@bastion".
    pub host: String,
    /// How long the host has not published, once that is long enough to say so.
    pub silent: Option<chrono::Duration>,
}

/// Sim facts shown in the header of a demo.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SimInfo {
    pub seed: u64,
    pub speed: f64,
}

/// An entry being typed into the scribe's input line.
#[derive(Clone, Debug, PartialEq)]
pub struct Compose {
    pub kind: Kind,
    pub line: LineInput,
    /// Why the last save failed; the text stays so nothing typed is lost.
    pub error: Option<String>,
    pub purpose: Purpose,
}

/// Everything the app loop reacts to.
#[derive(Clone, Debug, PartialEq)]
pub enum Msg {
    Key(KeyEvent),
    /// A bracketed paste: text for a free-text input, never keys.
    Paste(String),
    Update(Update),
    /// The clock moved (1 s tick): ages and staleness change even without data.
    Tick(DateTime<Utc>),
    Resize {
        width: u16,
        height: u16,
    },
    /// An executor finished an action.
    Outcome(Outcome),
}

/// The incident as this terminal holds it: what was read, what was journaled, what the
/// runbooks have done and how to act. The view (selection, focus, dialogs, scrolls, what is
/// typed) is apart in `view`, so the domain reads without the screen.
#[derive(Debug)]
pub struct App {
    pub incident: Incident,
    pub thresholds: Thresholds,
    /// One writer at a time (RDS, Aurora): two open writers are a split brain.
    pub single_writer: bool,
    /// The tail latency's statistic as the screen names it (`p99`, `p90`, `p50`, `avg`).
    pub latency_label: &'static str,
    pub snapshot: Snapshot,
    /// "Now" for ages and staleness: virtual time in the sim.
    pub now: DateTime<Utc>,
    /// When this terminal started watching: the first two polls may pass before anything
    /// unread is called unknown.
    pub started: DateTime<Utc>,
    pub sim: Option<SimInfo>,
    pub scribe: Scribe,
    pub runs: RunState,
    /// How actions are sent. `None` in read-only sessions: there is nothing to send with.
    pub executor: Option<Executor>,
    pub resources: Resources,
    next_job: u64,
    /// Step claims on a shared journal; `None` alone (a memory journal, nobody to share with).
    pub claims: Option<Box<dyn crate::scribe::claims::ClaimStore>>,
    /// The steps this terminal holds a claim on (renewed every tick).
    held: std::collections::HashSet<StepRef>,
    /// A step this terminal may act on once without a claim: break-glass past a claims store
    /// that cannot be reached (journaled).
    unclaimed: Option<StepRef>,
    /// Claims asked of a store across the network and not answered yet, with the override
    /// the step goes on under once won: the step shows `claiming…` and keys keep working.
    claiming: std::collections::HashMap<StepRef, Option<Override>>,
    /// Confirmed steps waiting for a commander's approval, with what was confirmed.
    awaiting: std::collections::HashMap<StepRef, (Action, Option<Override>)>,
    /// How long a claim lasts unless renewed.
    pub claim_lease: chrono::Duration,
    /// Other terminals' claims as of the last tick, by step key.
    claims_seen: std::collections::BTreeMap<String, crate::scribe::claims::Claim>,
    /// The host this terminal joined, if it did.
    pub joined: Option<Joined>,
    /// Who this terminal is to AWS (the caller's ARN, live mode): on every action entry.
    pub identity: Option<String>,
    /// Faults a joined facilitator injected or cleared (journaled there), for the host's drill
    /// to carry out in its world without journaling them again.
    pub faults_from_elsewhere: Vec<FaultRequest>,
    pub quit: bool,
    /// Quit by a second Ctrl-C at the quit question: the process exits 130.
    pub interrupted: bool,
    /// Whether this terminal is the incident's fact writer (see `facts`).
    pub facts: facts::FactLease,
    /// What this terminal shows and is typing: never part of the incident.
    pub view: View,
}

impl App {
    /// An app that can act through `executor`, or a read-only one when it is `None`.
    pub fn new(
        config: &Config,
        runbooks: Vec<Runbook>,
        theme: Theme,
        scribe: Scribe,
        executor: Option<Executor>,
        now: DateTime<Utc>,
    ) -> Self {
        let runs = crate::scribe::runs::replay(runbooks, scribe.timeline.entries());
        let selected_runbook = runs.position(crate::runbook::ids::FAILOVER).unwrap_or(0);
        Self {
            incident: config.incident.clone(),
            thresholds: config.thresholds.clone(),
            single_writer: config.database.kind.single_writer(),
            latency_label: config.aws.latency_statistic.label(),
            snapshot: config.empty_snapshot(),
            now,
            started: now,
            sim: None,
            scribe,
            runs,
            executor,
            resources: Resources::from_config(config),
            next_job: 0,
            claims: None,
            held: std::collections::HashSet::new(),
            awaiting: std::collections::HashMap::new(),
            unclaimed: None,
            claiming: std::collections::HashMap::new(),
            claim_lease: claims::CLAIM_LEASE,
            claims_seen: std::collections::BTreeMap::new(),
            joined: None,
            identity: None,
            faults_from_elsewhere: Vec::new(),
            quit: false,
            interrupted: false,
            facts: facts::FactLease::default(),
            view: View {
                drill: None,
                overlay: Overlay::None,
                help_scroll: 0,
                region_offset: 0,
                region_row_offset: 0,
                region_focus: 0,
                region_row: 0,
                describe_scroll: 0,
                viewport: (0, 0),
                theme,
                compose: None,
                selected_runbook,
                selected_step: 0,
                focus: Focus::Runbook,
                modal: None,
                message: None,
                quit_prompt: None,
                suspend: false,
                paste_tail_until: None,
                settling: None,
                clipboard: None,
                replay: None,
            },
        }
    }

    /// Who this terminal acts as on AWS: kept for every action entry and put in presence.
    pub fn set_identity(&mut self, arn: String) {
        self.scribe.identify(&arn);
        self.identity = Some(arn);
    }

    /// Press one key as the terminal would deliver it: how `run-step`, the drill autopilot
    /// and tests drive the same state machine a person does.
    pub fn press(&mut self, code: crossterm::event::KeyCode) -> bool {
        self.handle(Msg::Key(KeyEvent::new(code, crossterm::event::KeyModifiers::NONE)))
    }

    /// Type `text` into whatever has the keyboard.
    pub fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.press(crossterm::event::KeyCode::Char(c));
        }
    }

    /// A session without an executor can only watch.
    pub fn read_only(&self) -> bool {
        self.executor.is_none()
    }

    /// What the header calls this session; follows from whether it can act.
    pub fn mode(&self) -> Mode {
        if self.replaying() {
            return Mode::Replay;
        }
        match &self.executor {
            None => Mode::ReadOnly,
            Some(_) if self.joined.is_some() => Mode::Joined,
            Some(e) if e.backend() == crate::actions::Backend::Aws => Mode::Live,
            Some(_) if self.view.drill.is_some() => Mode::Drill,
            Some(_) => Mode::Demo,
        }
    }

    /// The first two poll intervals of this terminal: a reading that has not come yet is
    /// waited for, not yet called unknown (the status line and the region titles).
    pub fn first_polls(&self) -> bool {
        self.now - self.started < self.snapshot.poll_interval * 2
    }

    pub fn limits(&self) -> Limits<'_> {
        Limits {
            thresholds: &self.thresholds,
            rpo: self.incident.rpo,
            now: self.now,
            poll_interval: self.snapshot.poll_interval,
        }
    }

    /// Which bindings apply: only what is on screen can take a key. Under "too small" nothing
    /// of the dashboard is visible, so nothing of it acts (a headless app, with no viewport at
    /// all, is never too small).
    pub fn context(&self) -> Context {
        if self.view.quit_prompt.is_some() {
            return Context::QuitPrompt;
        }
        if self.too_small() {
            return Context::TooSmall;
        }
        match (&self.view.overlay, &self.view.modal, &self.view.compose) {
            (Overlay::Help, _, _) => Context::Help,
            (Overlay::Entry(_), _, _) => Context::Entry,
            (Overlay::Describe { .. }, _, _) => Context::Describe,
            _ if self.view.drill.as_ref().is_some_and(|d| d.menu.is_some()) => Context::FaultMenu,
            _ if self.view.drill.as_ref().is_some_and(|d| d.scorecard_open) => Context::Scorecard,
            (Overlay::None, Some(_), _) => Context::Modal,
            (Overlay::None, None, Some(_)) => Context::Input,
            (Overlay::None, None, None) => Context::Dashboard,
        }
    }

    /// The help's sections beyond the dashboard's own: a drill's menus, a replay's keys.
    pub fn help_extras(&self) -> Vec<Context> {
        let mut extra = Vec::new();
        if self.replaying() {
            extra.push(Context::Replay);
        }
        if self.view.drill.is_some() {
            extra.extend([Context::FaultMenu, Context::Scorecard]);
        }
        extra
    }

    /// The terminal is below the smallest layout (and is a terminal: headless is 0×0).
    pub fn too_small(&self) -> bool {
        layout::too_small(self.view.viewport)
    }

    /// One poll round: fold the readings into the snapshot, hand over the actions' outcomes,
    /// then tick at `now` (observations, running steps). Every stepped path polls this way.
    pub fn poll_round(
        &mut self,
        updates: impl IntoIterator<Item = Update>,
        outcomes: impl IntoIterator<Item = Outcome>,
        now: DateTime<Utc>,
    ) {
        for update in updates {
            self.accept(update);
        }
        for outcome in outcomes {
            self.handle(Msg::Outcome(outcome));
        }
        self.handle(Msg::Tick(now));
    }

    /// Fold one reading into the snapshot; one it accepts goes to the flight recorder too.
    fn accept(&mut self, update: Update) -> bool {
        if self.scribe.recorder.is_none() && self.writes_facts() {
            self.scribe.start_recording();
        }
        let recorded = self.scribe.recorder.is_some().then(|| update.clone());
        let stored = self.snapshot.apply(update) == Applied::Stored;
        if stored && let (Some(recorder), Some(update)) = (self.scribe.recorder.as_mut(), recorded) {
            recorder.record(&update);
        }
        stored
    }

    /// Take in what other terminals wrote to a shared journal (the loop asks every 250 ms):
    /// into the timeline, and into the one run state. Whether anything arrived.
    pub fn follow_journal(&mut self) -> bool {
        self.scribe.follow();
        let arrived = self.fold_arrived();
        if arrived {
            self.run_approved();
        }
        let claimed = self.collect_claims();
        arrived || claimed
    }

    /// Steps other terminals moved on a shared journal: one run state for everyone.
    fn fold_arrived(&mut self) -> bool {
        let arrived = self.scribe.take_arrived();
        for entry in &arrived {
            crate::scribe::runs::apply(&mut self.runs, entry);
            self.fault_from_elsewhere(entry);
        }
        !arrived.is_empty()
    }

    /// Apply one message. Returns whether anything visible changed (the loop redraws then).
    pub fn handle(&mut self, msg: Msg) -> bool {
        match msg {
            Msg::Update(update) => self.accept(update),
            Msg::Tick(now) => {
                self.now = self.now.max(now);
                let limits = Limits {
                    thresholds: &self.thresholds,
                    rpo: self.incident.rpo,
                    now: self.now,
                    poll_interval: self.snapshot.poll_interval,
                };
                // `self.limits()` would borrow all of self while the scribe is borrowed mutably.
                let write = self.writes_facts();
                self.scribe.observe(&self.snapshot, limits, self.single_writer, write);
                self.fold_arrived();
                self.run_approved();
                self.scribe.heartbeat();
                self.keep_fact_lease();
                self.renew_claims();
                self.check_running();
                true
            }
            Msg::Outcome(outcome) => {
                self.apply_outcome(outcome);
                true
            }
            Msg::Resize { width, height } => {
                // The one place the pane's height changes, so scrolling and search keep to it.
                self.scribe.timeline.set_page(layout::timeline_rows((width, height)).max(1));
                self.view.viewport = (width, height);
                self.clamp_offset();
                true
            }
            Msg::Paste(text) => self.paste(&text),
            Msg::Key(event) => {
                if self.in_paste_tail() {
                    return self.paste_tail_key(&event);
                }
                let context = self.context();
                let replay_key = (self.replaying() && context == Context::Dashboard)
                    .then(|| keys::dispatch_only(Context::Replay, &event))
                    .flatten();
                if let Some(command) = replay_key.or_else(|| keys::dispatch(context, &event)) {
                    self.view.message = None;
                    self.run(command);
                    return true;
                }
                self.edit_text(context, &event)
            }
        }
    }

    /// A key that is not a binding: an edit of the open text field, if there is one.
    fn edit_text(&mut self, context: Context, event: &KeyEvent) -> bool {
        match context {
            Context::Modal => self.view.modal.as_mut().and_then(Modal::input).is_some_and(|i| i.edit(event)),
            Context::Input => self.view.compose.as_mut().is_some_and(|c| c.line.edit(event)),
            _ => false,
        }
    }

    fn run(&mut self, command: Command) {
        if self.replay_refuses(command) {
            return;
        }
        match command {
            Command::Quit => self.ask_to_quit(),
            Command::ConfirmQuit => self.quit_now("quit"),
            Command::CancelQuit => self.view.quit_prompt = None,
            Command::Suspend => self.request_suspend(),
            Command::Activate => self.activate(),
            Command::RerunStep => self.rerun_selected(),
            Command::JumpToReady => self.jump_to_ready(),
            Command::CopyEntry => self.copy_entry(),
            Command::CloseEntry => self.view.overlay = Overlay::None,
            Command::ToggleHelp => {
                self.view.overlay = if self.view.overlay == Overlay::Help { Overlay::None } else { Overlay::Help };
                self.view.help_scroll = 0;
            }
            Command::HelpUp => self.view.help_scroll = self.view.help_scroll.saturating_sub(1),
            Command::HelpDown => {
                let max = layout::help_overflow(self.view.viewport, &self.help_extras());
                self.view.help_scroll = (self.view.help_scroll + 1).min(max);
            }
            Command::CloseOverlay => self.view.overlay = Overlay::None,
            Command::ScrollRegionsLeft if self.view.focus == Focus::Regions => self.move_region_focus(-1),
            Command::ScrollRegionsRight if self.view.focus == Focus::Regions => self.move_region_focus(1),
            Command::ScrollRegionsLeft => self.view.region_offset = self.view.region_offset.saturating_sub(1),
            Command::ScrollRowsUp => self.view.region_row_offset = self.view.region_row_offset.saturating_sub(1),
            // The pane clamps it to what there is to show.
            Command::ScrollRowsDown => self.view.region_row_offset = (self.view.region_row_offset + 1).min(64),
            Command::ScrollRegionsRight => {
                self.view.region_offset += 1;
                self.clamp_offset();
            }
            // While a search is active, `n` is its next (older) match; otherwise a note.
            Command::NewNote if self.scribe.timeline.search().is_some() => self.step_search(true),
            Command::NewNote => self.start_compose(Kind::Note),
            Command::NewDecision => self.start_compose(Kind::Decision),
            Command::NewComms => self.start_compose(Kind::Comms),
            Command::CancelInput => self.cancel_input(),
            Command::SubmitInput => self.submit(),
            Command::TogglePin if self.may_write() => {
                // A failure shows in the header; there is no typed text to keep.
                let _ = self.scribe.toggle_pin(self.now);
            }
            Command::TogglePin => {}
            Command::Up => self.move_selection(-1),
            Command::Down => self.move_selection(1),
            Command::ToggleFocus => {
                self.view.focus = match self.view.focus {
                    Focus::Runbook => Focus::Timeline,
                    Focus::Timeline => Focus::Regions,
                    Focus::Regions => Focus::Runbook,
                };
                if self.view.focus == Focus::Regions {
                    self.view.region_focus = self.view.region_focus.max(self.view.region_offset);
                }
            }
            Command::Describe => self.describe(),
            Command::DescribeUp => self.view.describe_scroll = self.view.describe_scroll.saturating_sub(1),
            // The view clamps it to what there is to show.
            Command::DescribeDown => self.view.describe_scroll = self.view.describe_scroll.saturating_add(1).min(200),
            Command::CloseDescribe => self.view.overlay = Overlay::None,
            Command::NextRunbook => {
                self.view.selected_runbook = (self.view.selected_runbook + 1) % self.runs.runbooks.len().max(1);
                self.view.selected_step = 0;
                self.view.focus = Focus::Runbook;
            }
            Command::OverrideStep => self.override_selected(),
            Command::SkipStep => self.skip_selected(),
            Command::ConfirmModal => self.confirm_modal(),
            Command::CancelModal => self.cancel_modal(),
            Command::TimelinePageOlder => self.scribe.timeline.scroll(-(self.timeline_page() as isize)),
            Command::TimelinePageNewer => self.scribe.timeline.scroll(self.timeline_page() as isize),
            Command::TimelineFollow => self.scribe.timeline.follow(),
            Command::CycleFilter => {
                let keys: Vec<String> =
                    crate::scribe::Filter::ALL.iter().enumerate().map(|(i, f)| format!("{i} {}", f.label())).collect();
                self.say(format!(
                    "timeline filters: {} (now {})",
                    keys.join(" · "),
                    self.scribe.timeline.filter().label()
                ));
            }
            Command::SetFilter(n) => {
                if let Some(filter) = crate::scribe::Filter::of_key(usize::from(n)) {
                    self.scribe.timeline.set_filter(filter);
                }
            }
            Command::StartSearch => {
                let line = LineInput::default();
                self.view.compose = Some(Compose { kind: Kind::Note, line, error: None, purpose: Purpose::Search });
            }
            Command::SearchOlder | Command::SearchNewer => self.step_search(command == Command::SearchOlder),
            Command::EndSearch => {
                if self.scribe.timeline.search().is_some() {
                    self.scribe.timeline.end_search();
                    self.say("search ended");
                }
            }
            Command::StrikeEntry => self.start_strike(),
            Command::OpenFaultMenu => self.open_fault_menu(),
            Command::ToggleReveal => self.toggle_reveal(),
            Command::MenuUp => self.move_menu(0, -1),
            Command::MenuDown => self.move_menu(0, 1),
            Command::MenuLeft => self.move_menu(-1, 0),
            Command::MenuRight => self.move_menu(1, 0),
            Command::MenuToggle => self.toggle_menu_fault(),
            Command::CloseDrillOverlay => self.close_drill_overlay(),
            Command::ReplayPause
            | Command::ReplayPollBack
            | Command::ReplayPollForward
            | Command::ReplayEntryBack
            | Command::ReplayEntryForward
            | Command::ReplayMomentBack
            | Command::ReplayMomentForward
            | Command::ReplaySlower
            | Command::ReplayFaster => self.queue_replay_move(command),
        }
    }

    fn start_compose(&mut self, kind: Kind) {
        if !self.may_write() {
            return;
        }
        self.view.compose = Some(Compose { kind, line: LineInput::default(), error: None, purpose: Purpose::Entry });
    }

    fn move_selection(&mut self, delta: isize) {
        match self.view.focus {
            Focus::Timeline => self.scribe.timeline.scroll(delta),
            Focus::Regions => {
                let rows = self.resources.provenance.get(self.view.region_focus).map_or(0, Vec::len);
                self.view.region_row = self.view.region_row.saturating_add_signed(delta).min(rows.saturating_sub(1));
            }
            Focus::Runbook => {
                let steps = self.runs.runbooks.get(self.view.selected_runbook).map_or(0, |b| b.steps.len());
                self.view.selected_step =
                    self.view.selected_step.saturating_add_signed(delta).min(steps.saturating_sub(1));
            }
        }
    }

    /// Save the typed entry. Only once it is on disk does the input line close; on failure
    /// the text stays, with the reason, for another Enter.
    pub(super) fn submit(&mut self) {
        let Some(compose) = &self.view.compose else { return };
        let text = compose.line.text().trim().to_owned();
        let purpose = compose.purpose.clone();
        if text.is_empty() {
            if purpose == Purpose::Entry {
                self.view.compose = None;
            } else if let Some(c) = &mut self.view.compose {
                c.error = Some("type a note (what was checked) or a reason first".into());
            }
            return;
        }
        if purpose == Purpose::Search {
            self.view.compose = None;
            let found = self.scribe.timeline.start_search(&text);
            let count = self.scribe.timeline.matches().len();
            self.say(if found {
                format!("/{text}: {count} match(es), newest selected · n older · N newer · Esc ends")
            } else {
                format!("/{text}: no match")
            });
            return;
        }
        let submitted = purpose.clone();
        let saved = match purpose {
            Purpose::Strike(target) => self.strike(&target, text),
            Purpose::Entry => self.scribe.record(Draft::new(self.now, self.scribe.author.clone(), compose.kind, text)),
            Purpose::Tick(..)
            | Purpose::Skip(_)
            | Purpose::TakeOver(..)
            | Purpose::BreakGlass(_)
            | Purpose::Unclaimed(..) => self.submit_step_text(purpose, text),
            Purpose::Search => Ok(()),
        };
        match saved {
            Ok(()) => {
                // Closed unless what was saved opened a new prompt (a step's own, after a
                // break-glass past its claim).
                if self.view.compose.as_ref().is_some_and(|c| c.purpose == submitted) {
                    self.view.compose = None;
                }
                self.scribe.timeline.follow();
            }
            Err(error) => {
                if let Some(c) = &mut self.view.compose {
                    c.error = Some(error);
                }
            }
        }
    }

    /// `n` / `N` with a search active (`n` alone writes a note).
    fn step_search(&mut self, older: bool) {
        match self.scribe.timeline.step_match(older) {
            Some((n, of)) => self.say(format!("match {n} of {of}")),
            None => self.say("no search: / searches the timeline"),
        }
    }

    /// `x` on a note, decision or comms entry: ask why it is struck through.
    fn start_strike(&mut self) {
        if !self.may_write() {
            return;
        }
        let Some(e) = self.scribe.timeline.selected_entry() else { return };
        let (id, kind) = (e.id.clone(), e.kind);
        if !matches!(kind, Kind::Note | Kind::Decision | Kind::Comms) || e.data_str("amends").is_some() {
            return self
                .say("only a note, decision or comms entry can be struck through: actions and observations stand");
        }
        if self.scribe.timeline.struck_by(e).is_some() {
            return self.say("already struck through");
        }
        self.view.compose =
            Some(Compose { kind: Kind::Note, line: LineInput::default(), error: None, purpose: Purpose::Strike(id) });
    }

    /// The amendment: a new note naming the entry it strikes, with the reason.
    fn strike(&mut self, target: &str, reason: String) -> Result<(), String> {
        let Some(original) = self.scribe.timeline.entries().iter().find(|e| e.id == target) else {
            return Err("that entry is gone from this timeline".into());
        };
        let text = format!("struck through {} by amendment: {reason}", crate::text::sanitize::one_line(&original.text));
        let data = serde_json::json!({ "amends": target, "reason": reason });
        self.scribe.record(Draft::new(self.now, self.scribe.author.clone(), Kind::Note, text).data(data))
    }

    fn timeline_page(&self) -> usize {
        layout::timeline_rows(self.view.viewport).max(1)
    }

    /// How many region columns fit the current width.
    pub fn visible_columns(&self) -> usize {
        layout::visible_region_columns(self.view.viewport.0, self.snapshot.regions.len())
    }

    pub(super) fn clamp_offset(&mut self) {
        let max = self.snapshot.regions.len().saturating_sub(self.visible_columns());
        self.view.region_offset = self.view.region_offset.min(max);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Reading;
    use crate::scribe::Kind;
    use crossterm::event::{KeyCode, KeyModifiers};

    fn app(regions: usize) -> App {
        let mut config = Config::demo();
        config.regions = Config::default_regions(regions);
        let now = Utc::now();
        let scribe = Scribe::in_memory("ana", &config.incident, now);
        let (executor, _jobs) = crate::actions::Executor::detached();
        App::new(&config, crate::runbook::built_in(), Theme::fallback(false), scribe, Some(executor), now)
    }

    fn key(c: char) -> Msg {
        Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
    }

    #[test]
    fn help_toggles_and_q_closes_it_before_quitting() {
        let mut a = app(2);
        assert!(a.handle(key('?')));
        assert_eq!(a.view.overlay, Overlay::Help);
        a.handle(key('q'));
        assert_eq!(a.view.overlay, Overlay::None);
        assert!(!a.quit);
        a.handle(key('q'));
        assert!(a.quit);
    }

    #[test]
    fn ctrl_c_quits_from_anywhere() {
        let mut a = app(2);
        a.handle(key('?'));
        a.handle(Msg::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)));
        assert!(a.quit);
    }

    #[test]
    fn scrolling_stays_within_the_regions_that_do_not_fit() {
        let mut a = app(8);
        a.handle(Msg::Resize { width: 160, height: 48 });
        let visible = a.visible_columns();
        assert!((2..8).contains(&visible), "{visible}");
        for _ in 0..20 {
            a.handle(key('l'));
        }
        assert_eq!(a.view.region_offset, 8 - visible);
        for _ in 0..20 {
            a.handle(key('h'));
        }
        assert_eq!(a.view.region_offset, 0);
        // Growing the window pulls the offset back so no empty columns show.
        a.handle(Msg::Resize { width: 80, height: 24 });
        for _ in 0..20 {
            a.handle(key('l'));
        }
        assert_eq!(a.view.region_offset, 6);
        a.handle(Msg::Resize { width: 160, height: 48 });
        assert_eq!(a.view.region_offset, 4);
    }

    fn special(code: KeyCode) -> Msg {
        Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
    }

    #[test]
    fn a_typed_decision_is_saved_with_author_and_time() {
        let mut a = app(2);
        a.handle(key('d'));
        assert_eq!(a.context(), Context::Input);
        for c in "fail over to us-west-2 q".chars() {
            a.handle(key(c));
        }
        assert!(!a.quit, "q while typing is text, not quit");
        a.handle(special(KeyCode::Backspace));
        a.handle(special(KeyCode::Backspace));
        a.handle(special(KeyCode::Enter));
        assert!(a.view.compose.is_none());
        let last = a.scribe.timeline.entries().last().unwrap();
        assert_eq!(
            (last.kind, last.text.as_str(), last.author.as_str()),
            (Kind::Decision, "fail over to us-west-2", "ana")
        );
        assert_eq!(last.at, a.now);
    }

    #[test]
    fn a_failed_save_keeps_the_typed_text() {
        let mut a = app(2);
        let mut store = crate::scribe::MemoryJournal::default();
        store.fail_with = Some("No space left on device".into());
        a.scribe = Scribe::start(
            Box::new(store),
            vec![],
            &crate::scribe::Recovery::default(),
            "ana".into(),
            &a.incident,
            a.now,
        );
        a.handle(key('n'));
        for c in "db writer confirmed".chars() {
            a.handle(key(c));
        }
        a.handle(special(KeyCode::Enter));
        let compose = a.view.compose.as_ref().expect("input stays open");
        assert_eq!(compose.line.text(), "db writer confirmed");
        assert!(compose.error.as_deref().unwrap().contains("No space left"));
        a.handle(special(KeyCode::Esc));
        assert!(a.view.compose.is_none());
    }

    #[test]
    fn unknown_keys_and_rejected_updates_do_not_redraw() {
        let mut a = app(2);
        assert!(!a.handle(key('z')));
        let now = a.now;
        assert!(a.handle(Msg::Update(Update::ok(0, now, Reading::Requests(1.0)))));
        assert!(!a.handle(Msg::Update(Update::ok(0, now - chrono::Duration::seconds(5), Reading::Requests(2.0)))));
        assert!(!a.handle(Msg::Update(Update::ok(9, now, Reading::Requests(2.0)))));
    }
}
