//! What the scribe pane shows: entries, pins, the kind filter, and the scroll position.
//!
//! The filtered view is kept as a list of indices updated on each append, so drawing only
//! touches the rows on screen, even with 100,000 entries.

use std::collections::HashSet;

use super::entry::{Entry, Kind};
use super::measure::{Measurements, measure};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Filter {
    All,
    Decisions,
    Notes,
    Comms,
    Actions,
    Observations,
    Pinned,
}

impl Filter {
    const CYCLE: [Filter; 7] = [
        Filter::All,
        Filter::Decisions,
        Filter::Notes,
        Filter::Comms,
        Filter::Actions,
        Filter::Observations,
        Filter::Pinned,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Filter::All => "all",
            Filter::Decisions => "decisions",
            Filter::Notes => "notes",
            Filter::Comms => "comms",
            Filter::Actions => "actions",
            Filter::Observations => "observations",
            Filter::Pinned => "pinned",
        }
    }

    pub fn next(self) -> Self {
        let i = Self::CYCLE.iter().position(|f| *f == self).unwrap_or(0);
        Self::CYCLE[(i + 1) % Self::CYCLE.len()]
    }

    fn matches(self, e: &Entry, pinned: &HashSet<String>) -> bool {
        match self {
            Filter::All => true,
            Filter::Decisions => e.kind == Kind::Decision,
            Filter::Notes => e.kind == Kind::Note,
            Filter::Comms => e.kind == Kind::Comms,
            Filter::Actions => {
                matches!(e.kind, Kind::ActionStarted | Kind::ActionSucceeded | Kind::ActionFailed | Kind::GuardOverride)
            }
            Filter::Observations => matches!(e.kind, Kind::Observation | Kind::Measurement),
            Filter::Pinned => pinned.contains(&e.id),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Timeline {
    entries: Vec<Entry>,
    pinned: HashSet<String>,
    filter: Filter,
    /// Indices into `entries` that pass the filter, in order.
    view: Vec<usize>,
    /// Selected position in `view`; `None` follows the newest entry.
    selected: Option<usize>,
    measurements: Measurements,
    /// Show the facilitator's drill entries (hidden from the commander by default).
    reveal_drill: bool,
}

impl Default for Timeline {
    fn default() -> Self {
        Self::new(Vec::new())
    }
}

impl Timeline {
    pub fn new(entries: Vec<Entry>) -> Self {
        let mut t = Self {
            entries: Vec::with_capacity(entries.len()),
            pinned: HashSet::new(),
            filter: Filter::All,
            view: Vec::new(),
            selected: None,
            measurements: Measurements::default(),
            reveal_drill: false,
        };
        for e in entries {
            t.push_unmeasured(e);
        }
        t.measurements = measure(&t.entries);
        t
    }

    pub fn push(&mut self, entry: Entry) {
        let affects = super::measure::affects(&entry);
        self.push_unmeasured(entry);
        if affects {
            self.measurements = measure(&self.entries);
        }
    }

    fn push_unmeasured(&mut self, entry: Entry) {
        if entry.kind == Kind::Pin {
            if let Some(pin) = entry.pin() {
                if pin.pinned {
                    self.pinned.insert(pin.target);
                } else {
                    self.pinned.remove(&pin.target);
                }
            }
            self.entries.push(entry);
            if self.filter == Filter::Pinned {
                self.rebuild();
            }
            return;
        }
        let index = self.entries.len();
        let shown = self.shows(&entry);
        self.entries.push(entry);
        if shown {
            self.view.push(index);
        }
    }

    fn shows(&self, e: &Entry) -> bool {
        e.kind != Kind::Pin && (self.reveal_drill || e.kind != Kind::Drill) && self.filter.matches(e, &self.pinned)
    }

    fn rebuild(&mut self) {
        self.view = self.entries.iter().enumerate().filter(|(_, e)| self.shows(e)).map(|(i, _)| i).collect();
        self.selected = None;
    }

    /// Show or hide the facilitator's drill entries.
    pub fn toggle_reveal_drill(&mut self) {
        self.reveal_drill = !self.reveal_drill;
        self.rebuild();
    }

    pub fn reveals_drill(&self) -> bool {
        self.reveal_drill
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub fn measurements(&self) -> &Measurements {
        &self.measurements
    }

    pub fn filter(&self) -> Filter {
        self.filter
    }

    pub fn cycle_filter(&mut self) {
        self.filter = self.filter.next();
        self.rebuild();
    }

    pub fn shown(&self) -> usize {
        self.view.len()
    }

    pub fn is_pinned(&self, entry: &Entry) -> bool {
        self.pinned.contains(&entry.id)
    }

    pub fn following(&self) -> bool {
        self.selected.is_none()
    }

    /// The selected entry, or the newest shown when following.
    pub fn selected_entry(&self) -> Option<&Entry> {
        let pos = self.selected.or_else(|| self.view.len().checked_sub(1))?;
        self.view.get(pos).and_then(|i| self.entries.get(*i))
    }

    pub fn selected_position(&self) -> Option<usize> {
        self.selected
    }

    /// Move the selection by `delta` rows (negative = older). Moving past the newest follows.
    pub fn scroll(&mut self, delta: isize) {
        let Some(last) = self.view.len().checked_sub(1) else { return };
        let current = self.selected.unwrap_or(last);
        let next = current.saturating_add_signed(delta);
        self.selected = if next >= last && delta > 0 { None } else { Some(next.min(last)) };
    }

    pub fn follow(&mut self) {
        self.selected = None;
    }

    /// The rows to draw in a window of `rows`: (view position, entry), oldest first, keeping
    /// the selection (or the newest entry) on screen.
    pub fn window(&self, rows: usize) -> impl Iterator<Item = (usize, &Entry)> {
        let len = self.view.len();
        let anchor = self.selected.unwrap_or(len.saturating_sub(1));
        let end = (anchor + 1).max(rows.min(len)).min(len);
        let start = end.saturating_sub(rows);
        self.view[start..end]
            .iter()
            .enumerate()
            .filter_map(move |(i, idx)| self.entries.get(*idx).map(|e| (start + i, e)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use serde_json::json;

    fn entry(seq: u64, kind: Kind) -> Entry {
        Entry {
            seq,
            id: format!("id{seq}"),
            at: Utc.with_ymd_and_hms(2026, 11, 24, 3, 0, 0).unwrap(),
            author: "ana".into(),
            role: None,
            kind,
            region: None,
            step: None,
            text: format!("entry {seq}"),
            data: None,
        }
    }

    fn seqs(t: &Timeline, rows: usize) -> Vec<u64> {
        t.window(rows).map(|(_, e)| e.seq).collect()
    }

    #[test]
    fn the_window_follows_the_newest_until_scrolled() {
        let mut t = Timeline::new((1..=10).map(|i| entry(i, Kind::Note)).collect());
        assert_eq!(seqs(&t, 3), [8, 9, 10]);
        t.scroll(-4);
        assert_eq!(t.selected_entry().unwrap().seq, 6);
        assert_eq!(seqs(&t, 3), [4, 5, 6]);
        t.push(entry(11, Kind::Note));
        assert_eq!(seqs(&t, 3), [4, 5, 6], "a new entry does not yank a scrolled view");
        t.scroll(100);
        assert!(t.following());
        assert_eq!(seqs(&t, 3), [9, 10, 11]);
        t.scroll(-100);
        assert_eq!(seqs(&t, 3), [1, 2, 3]);
        assert_eq!(seqs(&t, 50).len(), 11);
    }

    #[test]
    fn filters_and_pins() {
        let mut t = Timeline::new(vec![
            entry(1, Kind::Note),
            entry(2, Kind::Decision),
            entry(3, Kind::Observation),
            entry(4, Kind::Comms),
        ]);
        t.cycle_filter();
        assert_eq!(t.filter(), Filter::Decisions);
        assert_eq!(seqs(&t, 10), [2]);
        let mut pin = entry(5, Kind::Pin);
        pin.data = Some(json!({ "target": "id3" }));
        t.push(pin);
        while t.filter() != Filter::Pinned {
            t.cycle_filter();
        }
        assert_eq!(seqs(&t, 10), [3]);
        let mut unpin = entry(6, Kind::Pin);
        unpin.data = Some(json!({ "target": "id3", "pinned": false }));
        t.push(unpin);
        assert!(seqs(&t, 10).is_empty());
        t.cycle_filter();
        assert_eq!(t.filter(), Filter::All);
        assert_eq!(seqs(&t, 10), [1, 2, 3, 4], "pin markers are not rows");
    }
}
