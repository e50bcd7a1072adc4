//! Layout arithmetic: what fits where at a terminal size. The app asks it to page, scroll and
//! refuse keys on a screen too small to show them; `ui` asks it to draw. Pure, no drawing.

use super::keys::{self, BINDINGS, Context};

/// Smallest terminal the dashboard lays out in; below it a message says so.
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;
/// Narrowest a region column may get before fewer columns are shown.
pub const MIN_COLUMN_WIDTH: u16 = 38;
/// Most region columns side by side; more scroll.
pub const MAX_COLUMNS: usize = 4;
/// From this width the runbook and timeline panes sit side by side.
pub const SIDE_BY_SIDE: u16 = 140;
/// Rows of text in a region column (the charts share what is left).
pub const REGION_TEXT_ROWS: u16 = 12;
/// Width of one column of the help overlay.
pub const HELP_WIDTH: u16 = 76;

/// Whether a terminal of this size is too small to lay out (0×0 is headless: never too small).
pub fn too_small((width, height): (u16, u16)) -> bool {
    (width, height) != (0, 0) && (width < MIN_WIDTH || height < MIN_HEIGHT)
}

/// Height of the scribe pane in a body of `body` rows: the regions keep their text rows,
/// the timeline gets the rest, up to two fifths of a tall screen.
pub fn scribe_height(body: u16) -> u16 {
    let region_rows = REGION_TEXT_ROWS + 2;
    if body >= 34 { body * 9 / 20 } else { body.saturating_sub(region_rows).max(5).min(body) }
}

/// Timeline rows visible at a terminal size (for paging).
pub fn timeline_rows((width, height): (u16, u16)) -> usize {
    if width < MIN_WIDTH || height < MIN_HEIGHT {
        return 0;
    }
    let body = height.saturating_sub(3 + 1);
    usize::from(scribe_height(body).saturating_sub(3))
}

/// How many region columns fit side by side in `width`.
pub fn visible_region_columns(width: u16, regions: usize) -> usize {
    usize::from(width / MIN_COLUMN_WIDTH).clamp(1, MAX_COLUMNS).min(regions.max(1))
}

/// One line of the help overlay, as data: `ui::help` gives each its style.
#[derive(Clone, Debug, PartialEq)]
pub enum HelpLine {
    Title(&'static str),
    Binding {
        keys: String,
        description: &'static str,
    },
    Note(String),
    /// The colour legend.
    Legend,
    Blank,
}

/// The help: every binding from the one table, then how to read the colours. The drill's own
/// keys are listed in drills only, where they work.
/// The help: every context's bindings, and those of `extra` (a drill's menus, a replay's keys).
pub fn help_content(extra: &[Context]) -> Vec<HelpLine> {
    let mut lines = Vec::new();
    let contexts = [
        Context::Dashboard,
        Context::Input,
        Context::Modal,
        Context::Entry,
        Context::Describe,
        Context::QuitPrompt,
        Context::TooSmall,
        Context::Global,
        Context::Help,
    ];
    for context in extra
        .iter()
        .copied()
        .filter(|c| *c == Context::Replay)
        .chain(contexts)
        .chain(extra.iter().copied().filter(|c| *c != Context::Replay))
    {
        lines.push(HelpLine::Title(context.title()));
        for b in BINDINGS.iter().filter(|b| b.context == context) {
            lines.push(HelpLine::Binding { keys: keys::keys_label(b), description: b.description });
        }
        if context == Context::Input {
            lines.push(HelpLine::Note(super::line_input::EDITING_HELP.to_owned()));
        }
        lines.push(HelpLine::Blank);
    }
    lines.push(HelpLine::Title("Reading the screen"));
    lines.push(HelpLine::Legend);
    lines.push(HelpLine::Note("Stale (older than 3 polls): dimmed, age marked '!', never trusted.".to_owned()));
    lines.push(HelpLine::Note("SERVING (thick border): the region Route 53 answers with.".to_owned()));
    lines.push(HelpLine::Note("† read through us-east-1's control plane (the Route 53 API).".to_owned()));
    lines
}

/// The help in one column, or in two side by side where the terminal is wide enough (split
/// at a section break), so a tall table still fits one screen.
pub fn help_columns<T>(lines: Vec<T>, width: u16, is_break: impl Fn(&T) -> bool) -> Vec<Vec<T>> {
    if width < 2 * HELP_WIDTH + 2 {
        return vec![lines];
    }
    let half = lines.len().div_ceil(2);
    let split = (half..lines.len()).find(|i| is_break(&lines[*i])).map_or(half, |i| i + 1);
    let mut left = lines;
    let right = left.split_off(split.min(left.len()));
    vec![left, right]
}

/// How many lines of help do not fit at `viewport` (0 when all fit): the scroll range.
pub fn help_overflow((width, height): (u16, u16), extra: &[Context]) -> u16 {
    let rows =
        help_columns(help_content(extra), width, |l| *l == HelpLine::Blank).iter().map(Vec::len).max().unwrap_or(0);
    (u16::try_from(rows).unwrap_or(u16::MAX) + 2).saturating_sub(height)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_fit_width_and_cap_at_four() {
        assert_eq!(visible_region_columns(80, 2), 2);
        assert_eq!(visible_region_columns(160, 2), 2);
        assert_eq!(visible_region_columns(160, 8), 4);
        assert_eq!(visible_region_columns(300, 8), 4);
        assert_eq!(visible_region_columns(100, 8), 2);
        assert_eq!(visible_region_columns(20, 8), 1);
    }

    #[test]
    fn help_overflow_depends_on_the_width() {
        // Two columns from 154 wide: the same height overflows less than at 80.
        let narrow = help_overflow((80, 30), &[]);
        let wide = help_overflow((160, 30), &[]);
        assert!(narrow > 0, "the help does not fit 30 rows in one column");
        assert!(wide < narrow, "two columns overflow less ({wide} vs {narrow})");
        assert_eq!(help_overflow((160, 200), &[Context::FaultMenu, Context::Scorecard]), 0);
    }
}
