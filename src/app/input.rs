//! The operator's input path, guarded: pastes are text and never keys, keys that trail a
//! paste are text at most, Enter right after the selection moved by itself is ignored,
//! quitting asks when something would be lost, and Enter opens a timeline entry in full.

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::keys::Context;
use super::{App, Focus, Modal, Overlay};
use crate::runbook::StepRef;
use crate::scribe::{Draft, Kind, Observed, SYSTEM_AUTHOR};

/// Keys arriving this soon after a paste belong to it: tmux does not filter an `ESC[201~`
/// inside pasted text, so a paste can end early and its rest arrive as keys.
pub const PASTE_TAIL: Duration = Duration::from_millis(100);
/// After the selection moved by itself, Enter on the new step is ignored this long, so the
/// second press of a double Enter cannot run the next step.
pub const ENTER_SETTLE: Duration = Duration::from_secs(1);

impl App {
    /// A bracketed paste: one line of text into a free-text input, or nothing.
    pub(super) fn paste(&mut self, text: &str) -> bool {
        self.view.paste_tail_until = Some(Instant::now() + PASTE_TAIL);
        let text = crate::text::sanitize::one_line(text);
        let context = self.context();
        if context == Context::Input
            && let Some(compose) = self.view.compose.as_mut()
        {
            compose.line.insert_str(&text);
            return true;
        }
        if context == Context::Modal
            && let Some(modal) = self.view.modal.as_mut()
        {
            if modal.takes_free_text() {
                if let Some(input) = modal.input() {
                    input.insert_str(&text);
                }
            } else if let Modal::Confirm { error, .. } | Modal::ConfirmSkip { error, .. } = modal {
                *error = Some("the region must be typed, not pasted: the paste was ignored".into());
            } else {
                self.say("paste ignored: this dialog takes no text (Enter or Esc)");
            }
            return true;
        }
        if self.replaying() {
            self.say("paste ignored: a replay takes no text but a search (/)");
        } else {
            self.say("paste ignored: no text input is open (n note, d decision, c comms)");
        }
        true
    }

    pub(super) fn in_paste_tail(&self) -> bool {
        self.view.paste_tail_until.is_some_and(|until| Instant::now() < until)
    }

    /// A key inside a paste's tail: a character into a free-text input, nothing else.
    pub(super) fn paste_tail_key(&mut self, event: &KeyEvent) -> bool {
        // Ctrl-C still reaches the quit question: a person is at the keyboard.
        if event.code == KeyCode::Char('c') && event.modifiers.contains(KeyModifiers::CONTROL) {
            self.ask_to_quit();
            return true;
        }
        let KeyCode::Char(c) = event.code else { return false };
        if event.modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) {
            return false;
        }
        let free_text = match self.context() {
            Context::Input => self.view.compose.as_mut().map(|c| &mut c.line),
            Context::Modal => self.view.modal.as_mut().filter(|m| m.takes_free_text()).and_then(Modal::input),
            _ => None,
        };
        match free_text {
            Some(line) => {
                line.insert(c);
                true
            }
            None => false,
        }
    }

    /// What quitting now would abandon, in words; `None` when nothing would be lost.
    pub fn would_abandon(&self) -> Option<String> {
        // A replay's running steps ran then; nothing of this terminal is lost.
        if self.replaying() {
            return None;
        }
        let mut lost = Vec::new();
        let running: Vec<String> =
            self.runs.running().filter_map(|(at, _)| self.step(at).map(|s| s.id.clone())).collect();
        if !running.is_empty() {
            lost.push(format!("{} running", running.join(", ")));
        }
        if let Some(c) = &self.view.compose
            && !c.line.text().trim().is_empty()
        {
            lost.push(format!("the {} being typed", c.kind.as_str()));
        }
        if let Some(modal) = &self.view.modal {
            let id = self.step(modal.step()).map(|s| s.id.clone()).unwrap_or_default();
            lost.push(format!("the open dialog for {id}"));
        }
        (!lost.is_empty()).then(|| lost.join(" · "))
    }

    /// `q` or Ctrl-C: quit, or ask first when something would be lost.
    pub(super) fn ask_to_quit(&mut self) {
        // Ctrl-C while the question is shown: quit at once, exit 130.
        if self.view.quit_prompt.is_some() {
            self.interrupted = true;
            return self.quit_now("Ctrl-C twice");
        }
        match self.would_abandon() {
            Some(what) => self.view.quit_prompt = Some(what),
            None => self.quit_now("quit"),
        }
    }

    /// Quit, journaling it.
    pub(super) fn quit_now(&mut self, how: &str) {
        self.end_session(&format!("{} ended the session ({how})", self.scribe.author));
        self.view.quit_prompt = None;
        self.quit = true;
    }

    /// Journal the end of this terminal's session (a quit, or a signal), with what it
    /// abandoned. Text typed but not yet saved goes into the entry, so a scribe's half-written
    /// note survives a `kill` as a record of what was being written.
    pub fn end_session(&mut self, how: &str) {
        let abandoned = self.would_abandon();
        let text = match &abandoned {
            Some(what) => format!("{how}, abandoning {what}"),
            None => how.to_owned(),
        };
        let typed = self.view.compose.as_ref().map(|c| c.line.text().trim().to_owned()).filter(|t| !t.is_empty());
        let data = Observed::SessionEnded { author: self.scribe.author.clone(), abandoned, unsaved_text: typed };
        let draft = Draft::new(self.now, SYSTEM_AUTHOR, Kind::Observation, text).data(data.data());
        // A failure is already in the header; the closing line says it too.
        let _ = self.scribe.record(draft);
        // The facts go on at the next polling terminal now, not after the lease.
        self.release_fact_lease();
        // A dialog left open frees its step for the others now; a running step keeps its claim
        // until the lease runs out, as it would if this terminal had died.
        self.release_idle_claims();
    }

    /// The line printed on stderr (after `warroom: `) once the terminal is back: where the
    /// journal is, truthfully.
    pub fn closing_line(&self, ended_by: &str) -> String {
        let how = if ended_by.is_empty() { String::new() } else { format!("session ended by {ended_by}; ") };
        if self.replaying() {
            return format!("{how}replay ended; the journal was read, never changed");
        }
        match &self.scribe.error {
            None => format!("{how}journal saved at {}", self.scribe.location()),
            Some(error) => format!(
                "{how}✗ the journal is NOT saved: {error} ({} automatic entries not written)",
                self.scribe.pending()
            ),
        }
    }

    pub fn request_suspend(&mut self) {
        self.view.suspend = true;
    }

    /// Whether the loop should suspend now (clears the request).
    pub fn take_suspend(&mut self) -> bool {
        std::mem::take(&mut self.view.suspend)
    }

    /// Enter on the dashboard acts on the focused pane.
    pub(super) fn activate(&mut self) {
        match self.view.focus {
            Focus::Runbook => {
                if self.view.settling.is_some_and(|(at, until)| at == self.selected_step() && Instant::now() < until) {
                    return self.say("the selection just moved to this step by itself: press Enter again to run it");
                }
                self.view.settling = None;
                self.run_selected();
            }
            Focus::Timeline => match self.scribe.timeline.selected_entry() {
                Some(entry) => self.view.overlay = Overlay::Entry(entry.id.clone()),
                None => self.say("the timeline is empty"),
            },
            Focus::Regions => self.describe(),
        }
    }

    /// `i`: describe the focused region row. With the regions not focused, the first row of
    /// the first region that is not known now (what a person at 3 a.m. wants to read), else
    /// the focused one.
    pub(super) fn describe(&mut self) {
        if self.view.focus != Focus::Regions {
            let limits = self.limits();
            let unknown = self.snapshot.regions.iter().enumerate().find_map(|(i, r)| {
                let first = crate::assess::verdict::region(r, limits).unknown.into_iter().next()?;
                let row = self.resources.provenance.get(i)?.iter().position(|(k, _)| *k == first.signal)?;
                Some((i, row))
            });
            if let Some((region, row)) = unknown {
                (self.view.region_focus, self.view.region_row) = (region, row);
            }
        }
        let Some(rows) = self.resources.provenance.get(self.view.region_focus) else { return };
        let Some((signal, _)) = rows.get(self.view.region_row.min(rows.len().saturating_sub(1))) else { return };
        self.view.overlay = Overlay::Describe { region: self.view.region_focus, signal: *signal };
        self.view.describe_scroll = 0;
    }

    /// h/l with the regions focused: the next region, scrolled into view.
    pub(super) fn move_region_focus(&mut self, delta: isize) {
        let regions = self.snapshot.regions.len();
        self.view.region_focus = self.view.region_focus.saturating_add_signed(delta).min(regions.saturating_sub(1));
        let rows = self.resources.provenance.get(self.view.region_focus).map_or(0, Vec::len);
        self.view.region_row = self.view.region_row.min(rows.saturating_sub(1));
        if self.view.region_focus < self.view.region_offset {
            self.view.region_offset = self.view.region_focus;
        }
        let shown = crate::app::layout::visible_region_columns(self.view.viewport.0, regions).max(1);
        if self.view.region_focus >= self.view.region_offset + shown {
            self.view.region_offset = self.view.region_focus + 1 - shown;
        }
        self.clamp_offset();
    }

    /// Select a step explicitly (the autopilot, run-step, tests): nothing is settling then.
    pub fn select(&mut self, at: StepRef) {
        self.view.selected_runbook = at.runbook;
        self.view.selected_step = at.step;
        self.view.focus = Focus::Runbook;
        self.view.settling = None;
    }

    /// The selection moves by itself (a step finished): Enter waits a moment before acting.
    pub(super) fn auto_select(&mut self, at: StepRef) {
        self.view.selected_runbook = at.runbook;
        self.view.selected_step = at.step;
        self.view.settling = Some((at, Instant::now() + ENTER_SETTLE));
    }

    /// `y` in the entry view: the entry's text, inert, to the terminal's clipboard.
    pub(super) fn copy_entry(&mut self) {
        let Overlay::Entry(id) = &self.view.overlay else { return };
        let Some(entry) = self.scribe.timeline.entries().iter().find(|e| &e.id == id) else { return };
        let text = format!("{} {} {}: {}", entry.at.format("%H:%M:%SZ"), entry.author, entry.kind.as_str(), entry.text);
        self.view.clipboard = Some(crate::text::sanitize::inert(&text));
        self.say("copied to the clipboard (through the terminal, OSC 52)");
    }
}
