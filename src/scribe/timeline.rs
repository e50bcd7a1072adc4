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
    /// Every filter, in the order of their keys (`0`…`6`).
    pub const ALL: [Filter; 7] = [
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

    /// The filter of digit key `n` (`0` all … `6` pinned).
    pub fn of_key(n: usize) -> Option<Self> {
        Self::ALL.get(n).copied()
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
    /// Indices into `entries` that pass the filter, in time order (journal order at equal
    /// times).
    view: Vec<usize>,
    /// Selected position in `view`; `None` follows the newest entry.
    selected: Option<usize>,
    measurements: Measurements,
    /// Show the facilitator's drill entries (hidden from the commander by default).
    reveal_drill: bool,
    /// First view position on screen while scrolled, so moving the selection up does not
    /// push the newest entries out until it reaches the window's top.
    top: Option<usize>,
    /// Rows the pane shows (the app keeps it current); the window's height.
    page: usize,
    /// Entry ids struck through by an amendment, with the amendment's index in `entries`.
    struck: std::collections::HashMap<String, usize>,
    /// The search (`/`), with its matches kept as entries arrive, so no frame re-reads the
    /// whole timeline.
    search: Option<Search>,
}

/// A search: the text as typed, lowercased for matching, and the view positions it matches.
#[derive(Clone, Debug)]
struct Search {
    text: String,
    needle: String,
    found: Vec<usize>,
}

/// Whether `e` contains `needle` (lowercase) in its text, author, region or step.
fn found_in(e: &Entry, needle: &str) -> bool {
    [e.text.as_str(), e.author.as_str(), e.region.as_deref().unwrap_or(""), e.step.as_deref().unwrap_or("")]
        .iter()
        .any(|field| field.to_lowercase().contains(needle))
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
            top: None,
            page: 1,
            struck: std::collections::HashMap::new(),
            search: None,
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
        if let Some(target) = entry.data_str("amends") {
            self.struck.insert(target.to_owned(), index);
        }
        let shown = self.shows(&entry);
        // The view is in time order: an entry placed by its own time (a fact about an earlier
        // reading, another machine's clock) goes before the later ones already shown.
        let at = entry.at;
        self.entries.push(entry);
        if shown {
            let position = self.view.partition_point(|&i| self.entries.get(i).is_some_and(|e| e.at <= at));
            if position < self.view.len() {
                self.view.insert(position, index);
                for p in [self.selected.as_mut(), self.top.as_mut()].into_iter().flatten() {
                    *p += usize::from(*p >= position);
                }
                self.refind();
                return;
            }
            self.view.push(index);
            if let Some(search) = &mut self.search
                && self.entries.last().is_some_and(|e| found_in(e, &search.needle))
            {
                search.found.push(position);
            }
        }
    }

    /// The same view (filter, facilitator entries, page, search) over other entries: a
    /// replay moving back in time rebuilds its timeline this way. The selection follows the
    /// newest entry again.
    pub fn over(&self, entries: Vec<Entry>) -> Self {
        let mut t = Self::new(entries);
        t.filter = self.filter;
        t.reveal_drill = self.reveal_drill;
        t.page = self.page;
        t.search =
            self.search.as_ref().map(|s| Search { text: s.text.clone(), needle: s.needle.clone(), found: Vec::new() });
        t.rebuild();
        t
    }

    fn shows(&self, e: &Entry) -> bool {
        e.kind != Kind::Pin && (self.reveal_drill || e.kind != Kind::Drill) && self.filter.matches(e, &self.pinned)
    }

    fn rebuild(&mut self) {
        self.view = self.entries.iter().enumerate().filter(|(_, e)| self.shows(e)).map(|(i, _)| i).collect();
        // In time order, as `push` keeps it; journal order among equal times.
        self.view.sort_by_key(|&i| self.entries.get(i).map(|e| e.at));
        self.selected = None;
        self.top = None;
        self.refind();
    }

    /// The search's matches over the whole view (a new search, a new filter).
    fn refind(&mut self) {
        let Some(search) = &mut self.search else { return };
        search.found = self
            .view
            .iter()
            .enumerate()
            .filter(|(_, i)| self.entries.get(**i).is_some_and(|e| found_in(e, &search.needle)))
            .map(|(pos, _)| pos)
            .collect();
    }

    /// Choose a filter directly.
    pub fn set_filter(&mut self, filter: Filter) {
        if self.filter != filter {
            self.filter = filter;
            self.rebuild();
        }
    }

    /// How many rows the pane shows, so scrolling keeps the window steady.
    pub fn set_page(&mut self, rows: usize) {
        self.page = rows.max(1);
    }

    /// The amendment that struck this entry through, if one did.
    pub fn struck_by(&self, entry: &Entry) -> Option<&Entry> {
        self.entries.get(*self.struck.get(&entry.id)?)
    }

    pub fn search(&self) -> Option<&str> {
        self.search.as_ref().map(|s| s.text.as_str())
    }

    /// View positions of the entries the search matches, oldest first.
    pub fn matches(&self) -> &[usize] {
        self.search.as_ref().map_or(&[], |s| s.found.as_slice())
    }

    /// Whether the entry at view position `pos` matches the search.
    pub fn is_match_at(&self, pos: usize) -> bool {
        self.matches().binary_search(&pos).is_ok()
    }

    /// Search for `text` and select the newest match; false when nothing matches.
    pub fn start_search(&mut self, text: &str) -> bool {
        self.search = Some(Search { text: text.to_owned(), needle: text.to_lowercase(), found: Vec::new() });
        self.refind();
        match self.matches().last().copied() {
            Some(pos) => {
                self.select(pos);
                true
            }
            None => false,
        }
    }

    pub fn end_search(&mut self) {
        self.search = None;
    }

    /// Step to the next match older (`older`) or newer than the selection, wrapping.
    pub fn step_match(&mut self, older: bool) -> Option<(usize, usize)> {
        let matches = self.matches().to_vec();
        if matches.is_empty() {
            return None;
        }
        let current = self.selected.unwrap_or(self.view.len());
        let next = if older {
            matches.iter().rev().find(|&&m| m < current).or(matches.last())
        } else {
            matches.iter().find(|&&m| m > current).or(matches.first())
        };
        let pos = *next?;
        self.select(pos);
        let n = matches.iter().position(|&m| m == pos).unwrap_or(0);
        Some((n + 1, matches.len()))
    }

    fn select(&mut self, pos: usize) {
        let last = self.view.len().saturating_sub(1);
        self.selected = Some(pos.min(last));
        self.keep_in_window();
    }

    /// Move the window only as far as the selection needs.
    fn keep_in_window(&mut self) {
        let len = self.view.len();
        let Some(sel) = self.selected else {
            self.top = None;
            return;
        };
        let page = self.page.min(len).max(1);
        let top = self.top.unwrap_or(len.saturating_sub(page)).min(len.saturating_sub(page));
        let top = if sel < top {
            sel
        } else if sel >= top + page {
            sel + 1 - page
        } else {
            top
        };
        self.top = Some(top);
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
        self.keep_in_window();
    }

    pub fn follow(&mut self) {
        self.selected = None;
        self.top = None;
    }

    /// The rows to draw in a window of `rows`: (view position, entry), oldest first, keeping
    /// the selection (or the newest entry) on screen. Scrolled, the window stays where it is
    /// while the selection moves inside it: the newest entries stay in view until the
    /// selection reaches the window's top.
    pub fn window(&self, rows: usize) -> impl Iterator<Item = (usize, &Entry)> {
        let len = self.view.len();
        let anchor = self.selected.unwrap_or(len.saturating_sub(1));
        let start = match (self.selected, self.top) {
            (Some(sel), Some(top)) if sel >= top && sel < top + rows => top.min(len.saturating_sub(rows.min(len))),
            _ => (anchor + 1).max(rows.min(len)).min(len).saturating_sub(rows),
        };
        let end = (start + rows).min(len);
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
            session: None,
        }
    }

    #[test]
    fn an_entry_placed_by_an_earlier_time_shows_before_later_ones() {
        let mut t = Timeline::new(vec![entry(1, Kind::Note), entry(2, Kind::Note)]);
        let mut early = entry(3, Kind::Observation);
        early.at -= chrono::Duration::seconds(30);
        t.push(early);
        let order: Vec<u64> = t.window(3).map(|(_, e)| e.seq).collect();
        assert_eq!(order, [3, 1, 2]);
    }

    fn seqs(t: &Timeline, rows: usize) -> Vec<u64> {
        t.window(rows).map(|(_, e)| e.seq).collect()
    }

    #[test]
    fn the_window_follows_the_newest_until_scrolled() {
        let mut t = Timeline::new((1..=10).map(|i| entry(i, Kind::Note)).collect());
        t.set_page(3);
        assert_eq!(seqs(&t, 3), [8, 9, 10]);
        t.scroll(-4);
        assert_eq!(t.selected_entry().unwrap().seq, 6);
        assert_eq!(seqs(&t, 3), [6, 7, 8], "past the window's top: the selection leads it");
        t.push(entry(11, Kind::Note));
        assert_eq!(seqs(&t, 3), [6, 7, 8], "a new entry does not yank a scrolled view");
        t.scroll(100);
        assert!(t.following());
        assert_eq!(seqs(&t, 3), [9, 10, 11]);
        t.scroll(-100);
        assert_eq!(seqs(&t, 3), [1, 2, 3]);
        assert_eq!(seqs(&t, 50).len(), 11);
    }

    #[test]
    fn scrolling_up_keeps_the_newest_in_view_until_the_selection_reaches_the_top() {
        let mut t = Timeline::new((1..=10).map(|i| entry(i, Kind::Note)).collect());
        t.set_page(4);
        assert_eq!(seqs(&t, 4), [7, 8, 9, 10]);
        t.scroll(-1);
        assert_eq!(t.selected_entry().unwrap().seq, 9);
        assert_eq!(seqs(&t, 4), [7, 8, 9, 10], "the newest stays in view");
        t.scroll(-2);
        assert_eq!(seqs(&t, 4), [7, 8, 9, 10], "selection at the window's top");
        t.scroll(-1);
        assert_eq!((t.selected_entry().unwrap().seq, seqs(&t, 4)), (6, vec![6, 7, 8, 9]), "now it moves");
        t.scroll(1);
        assert_eq!(seqs(&t, 4), [6, 7, 8, 9], "moving back down inside the window does not move it");
    }

    #[test]
    fn search_steps_through_matches_and_amendments_strike_their_target() {
        let mut t =
            Timeline::new((1..=6).map(|i| entry(i, if i % 2 == 0 { Kind::Decision } else { Kind::Note })).collect());
        assert!(t.start_search("ENTRY 4"));
        assert_eq!(t.selected_entry().unwrap().seq, 4);
        assert!(!t.start_search("nowhere"));
        t.start_search("entry");
        assert_eq!(t.selected_entry().unwrap().seq, 6, "the newest match first");
        assert_eq!(t.step_match(true), Some((5, 6)));
        assert_eq!(t.selected_entry().unwrap().seq, 5);
        assert_eq!(t.step_match(false), Some((6, 6)));
        assert_eq!(t.step_match(false), Some((1, 6)), "wraps");
        t.end_search();
        assert_eq!(t.step_match(false), None);

        let mut amend = entry(7, Kind::Note);
        amend.data = Some(json!({ "amends": "id2", "reason": "wrong region" }));
        t.push(amend);
        let target = t.entries()[1].clone();
        assert_eq!(t.struck_by(&target).map(|e| e.seq), Some(7));
        assert!(t.struck_by(&t.entries()[0].clone()).is_none());

        t.set_filter(Filter::Decisions);
        assert_eq!(seqs(&t, 10), [2, 4, 6]);
        assert_eq!(Filter::of_key(0), Some(Filter::All));
        assert_eq!(Filter::of_key(6), Some(Filter::Pinned));
        assert_eq!(Filter::of_key(7), None);
    }

    #[test]
    fn filters_and_pins() {
        let mut t = Timeline::new(vec![
            entry(1, Kind::Note),
            entry(2, Kind::Decision),
            entry(3, Kind::Observation),
            entry(4, Kind::Comms),
        ]);
        t.set_filter(Filter::Decisions);
        assert_eq!(t.filter(), Filter::Decisions);
        assert_eq!(seqs(&t, 10), [2]);
        let mut pin = entry(5, Kind::Pin);
        pin.data = Some(json!({ "target": "id3" }));
        t.push(pin);
        t.set_filter(Filter::Pinned);
        assert_eq!(seqs(&t, 10), [3]);
        let mut unpin = entry(6, Kind::Pin);
        unpin.data = Some(json!({ "target": "id3", "pinned": false }));
        t.push(unpin);
        assert!(seqs(&t, 10).is_empty());
        t.set_filter(Filter::All);
        assert_eq!(t.filter(), Filter::All);
        assert_eq!(seqs(&t, 10), [1, 2, 3, 4], "pin markers are not rows");
    }
}
