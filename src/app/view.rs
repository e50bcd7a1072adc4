//! The view state of one terminal: what it shows (overlay, scrolls, which region columns,
//! the terminal size, the theme), where the operator is (focus, selection), and what they are
//! in the middle of (a dialog, typed text, the quit question, a paste's tail). None of it is
//! part of the incident; two terminals on one incident each have their own.

use super::{Compose, DrillView, Focus, Modal, Overlay};
use crate::runbook::StepRef;
use crate::theme::Theme;

#[derive(Debug)]
pub struct View {
    pub overlay: Overlay,
    /// First line of the help overlay shown (it scrolls on small screens).
    pub help_scroll: u16,
    /// First region column shown when not all fit.
    pub region_offset: usize,
    /// First row shown in the region columns when their rows outgrow them (J/K).
    pub region_row_offset: usize,
    /// With the regions focused (Tab): which region, and which of its rows, `i` describes.
    pub region_focus: usize,
    pub region_row: usize,
    /// First line of the describe view shown.
    pub describe_scroll: u16,
    pub viewport: (u16, u16),
    pub theme: Theme,
    pub compose: Option<Compose>,
    pub selected_runbook: usize,
    pub selected_step: usize,
    pub focus: Focus,
    pub modal: Option<Modal>,
    /// Feedback on the last key (why a step is blocked, why nothing happened).
    pub message: Option<String>,
    /// "quit? (y/Esc)" is shown, naming what quitting would abandon.
    pub quit_prompt: Option<String>,
    /// Ctrl-Z or SIGTSTP: the loop gives the terminal back and stops.
    pub(super) suspend: bool,
    /// Until then, keys belong to a paste whose end marker came early: text at most.
    pub paste_tail_until: Option<std::time::Instant>,
    /// The step the selection moved to by itself, and until when Enter on it is ignored.
    pub settling: Option<(StepRef, std::time::Instant)>,
    /// Text for the terminal's clipboard (OSC 52); the loop writes it out.
    pub clipboard: Option<String>,
    /// Set in a drill: the banner, the fault menu and the scorecard read it. The
    /// facilitator's, so it is per terminal like the rest of the view.
    pub drill: Option<DrillView>,
    /// Set in `warroom replay`: the replay bar, and the moves its keys ask for.
    pub replay: Option<super::ReplayBar>,
}
