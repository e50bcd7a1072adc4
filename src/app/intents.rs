//! What a headless caller (`run-step`, the drills' autopilot) asks of the core: the intents
//! the keys map to, never the keys. Text goes into the dialog that asked for it, and only
//! when that dialog is open: a reason can never fall through to the dashboard as keys and
//! journal a note, a decision or a declaration nobody asked for.

use super::{App, Modal};
use crate::runbook::{StepRef, StepStatus};

/// Why an intent was not carried out.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// Another terminal runs the step, or ran it: who, and when.
    #[error("{0}")]
    Elsewhere(String),
    /// The dialog or guard said no; its words.
    #[error("{0}")]
    Said(String),
    /// The dialog the intent answers is not open.
    #[error("{0}")]
    NoDialog(&'static str),
}

impl App {
    /// Who runs or ran `at`, when that is not this terminal: `None` while it is this
    /// terminal's to run (pending, failed, skipped, or started here).
    pub fn run_elsewhere(&self, at: StepRef) -> Option<String> {
        let id = self.step(at)?.id.clone();
        let started_by = self.start_entry(at).filter(|e| e.session != self.scribe.session());
        let by = |fallback: &str| {
            started_by.map_or_else(
                || self.runs.by(at).unwrap_or(fallback).to_owned(),
                |e| e.session.clone().unwrap_or_else(|| e.author.clone()),
            )
        };
        match self.runs.status(at) {
            StepStatus::Running { since } if started_by.is_some() || !self.started_here(at) => {
                Some(format!("{id} is running by {}, started at {}", by("another terminal"), since.format("%H:%M:%SZ")))
            }
            StepStatus::Done { at: done, .. } if !self.started_here(at) => {
                Some(format!("{id} is done by {} at {}", by("another terminal"), done.format("%H:%M:%SZ")))
            }
            _ => None,
        }
    }

    /// The newest entry that started (or, for a step done at once, did) step `at`.
    fn start_entry(&self, at: StepRef) -> Option<&crate::scribe::Entry> {
        let id = self.step(at)?.id.as_str();
        self.scribe.timeline.entries().iter().rev().find(|e| {
            e.step.as_deref() == Some(id)
                && matches!(
                    e.kind,
                    crate::scribe::Kind::ActionStarted
                        | crate::scribe::Kind::ActionSucceeded
                        | crate::scribe::Kind::Decision
                )
        })
    }

    /// This terminal (this session) wrote the entry that started or did `at`.
    pub fn started_here(&self, at: StepRef) -> bool {
        self.start_entry(at).is_some_and(|e| e.session == self.scribe.session())
    }

    /// Run `at`, as Enter on it would: its guards judged now, then its dialog, or its start.
    pub fn request_run(&mut self, at: StepRef) -> Result<(), Refused> {
        self.select(at);
        self.view.message = None;
        self.activate();
        self.said(at)
    }

    /// Override `at`'s failed guards with `reason`, as `o`, the reason and Enter would; only
    /// if the override dialog opens.
    pub fn request_override(&mut self, at: StepRef, reason: &str) -> Result<(), Refused> {
        self.select(at);
        self.view.message = None;
        self.override_selected();
        let Some(Modal::Override { input, .. }) = self.view.modal.as_mut() else {
            self.said(at)?;
            return Err(Refused::NoDialog("the override dialog did not open"));
        };
        input.insert_str(reason);
        self.confirm_modal();
        if let Some(Modal::Override { error: Some(e), .. }) = &self.view.modal {
            return Err(Refused::Said(format!("override refused: {e}")));
        }
        self.said(at)
    }

    /// Answer the open confirmation: a declaration is confirmed, a changing step gets its
    /// region typed. Nothing open: nothing to answer (the step needed no dialog).
    pub fn answer_dialog(&mut self, at: StepRef, region: &str) -> Result<(), Refused> {
        match self.view.modal.as_mut() {
            Some(Modal::Declare { .. }) => self.confirm_modal(),
            Some(Modal::Confirm { input, .. }) => {
                input.insert_str(region);
                self.confirm_modal();
                if let Some(Modal::Confirm { error: Some(e), .. }) = &self.view.modal {
                    return Err(Refused::Said(e.clone()));
                }
            }
            _ => {}
        }
        self.said(at)
    }

    /// Answer the open text line (a checklist note, a break-glass reason) with `text`, saved.
    pub fn answer_line(&mut self, text: &str) -> Result<(), Refused> {
        let Some(compose) = self.view.compose.as_mut() else {
            return Err(Refused::NoDialog("no text was asked for"));
        };
        compose.line.insert_str(text);
        self.submit();
        if let Some(e) = self.view.compose.as_ref().and_then(|c| c.error.clone()) {
            return Err(Refused::Said(e));
        }
        Ok(())
    }

    /// What the last intent on `at` made the core say instead of acting, if anything: the
    /// step is another terminal's (it runs or ran it, or holds its claim), or the words.
    pub fn said(&mut self, at: StepRef) -> Result<(), Refused> {
        let Some(message) = self.view.message.take() else { return Ok(()) };
        if let Some(who) = self.run_elsewhere(at) {
            return Err(Refused::Elsewhere(who));
        }
        // A claim another terminal holds (`claims::claimed` says it so): not run here.
        if message.contains(": running by ") || message.contains(" now (by ") {
            return Err(Refused::Elsewhere(message));
        }
        Err(Refused::Said(message))
    }
}
