//! The one bindings table. Dispatch, the footer hints and the help overlay all read it, so
//! a key can never do one thing and be documented as another.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// What a key asks the app to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    Quit,
    ToggleHelp,
    CloseOverlay,
    ScrollRegionsLeft,
    ScrollRegionsRight,
    ScrollRowsUp,
    ScrollRowsDown,
    /// Show only one kind of entry: the filter of that digit (`0` all … `6` pinned).
    SetFilter(u8),
    StartSearch,
    /// With a search active: the next older / newer match.
    SearchOlder,
    SearchNewer,
    EndSearch,
    StrikeEntry,
    NewNote,
    NewDecision,
    NewComms,
    TogglePin,
    Up,
    Down,
    ToggleFocus,
    NextRunbook,
    OverrideStep,
    SkipStep,
    ConfirmModal,
    CancelModal,
    TimelinePageOlder,
    TimelinePageNewer,
    TimelineFollow,
    CycleFilter,
    SubmitInput,
    CancelInput,
    HelpUp,
    HelpDown,
    OpenFaultMenu,
    ToggleReveal,
    MenuUp,
    MenuDown,
    MenuLeft,
    MenuRight,
    MenuToggle,
    CloseDrillOverlay,
    /// Enter on the dashboard: run the selected step, or open the selected timeline entry.
    Activate,
    RerunStep,
    JumpToReady,
    Suspend,
    ConfirmQuit,
    CancelQuit,
    CopyEntry,
    CloseEntry,
    /// Describe the focused region row (or the first one not known now).
    Describe,
    DescribeUp,
    DescribeDown,
    CloseDescribe,
    ReplayPause,
    ReplayPollBack,
    ReplayPollForward,
    ReplayEntryBack,
    ReplayEntryForward,
    ReplayMomentBack,
    ReplayMomentForward,
    ReplaySlower,
    ReplayFaster,
}

impl Command {
    /// Writes an entry or acts on a step (a replay refuses these).
    pub fn changes_incident(self) -> bool {
        matches!(
            self,
            Command::NewNote
                | Command::NewDecision
                | Command::NewComms
                | Command::TogglePin
                | Command::StrikeEntry
                | Command::RerunStep
                | Command::OverrideStep
                | Command::SkipStep
                | Command::OpenFaultMenu
                | Command::Activate
        )
    }
}

/// Where a binding applies. `Global` bindings work everywhere unless a context binds the key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Context {
    Global,
    Dashboard,
    /// Typing into the scribe's input line: keys not bound here are text.
    Input,
    /// A confirm or override dialog is open: keys not bound here are text.
    Modal,
    Help,
    /// A drill's fault menu is open.
    FaultMenu,
    /// A drill's scorecard is shown.
    Scorecard,
    /// One timeline entry shown in full.
    Entry,
    /// One region row described in full.
    Describe,
    /// "quit? (y/Esc)": something would be lost.
    QuitPrompt,
    /// The terminal is below the smallest layout: only quitting acts.
    TooSmall,
    /// `warroom replay` on the dashboard: its keys come before the dashboard's.
    Replay,
}

impl Context {
    pub fn title(self) -> &'static str {
        match self {
            Context::Global => "Anywhere",
            Context::Dashboard => "Dashboard",
            Context::Input => "Typing an entry",
            Context::Modal => "Confirm / override dialog",
            Context::Help => "Help",
            Context::FaultMenu => "Drill: fault menu",
            Context::Scorecard => "Drill: scorecard",
            Context::Entry => "Timeline entry",
            Context::Describe => "Describing a region row",
            Context::QuitPrompt => "Quit question",
            Context::TooSmall => "Terminal too small",
            Context::Replay => "Replay (warroom replay)",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
}

const fn plain(c: char) -> Key {
    Key { code: KeyCode::Char(c), modifiers: KeyModifiers::NONE }
}

const fn special(code: KeyCode) -> Key {
    Key { code, modifiers: KeyModifiers::NONE }
}

const fn ctrl(c: char) -> Key {
    Key { code: KeyCode::Char(c), modifiers: KeyModifiers::CONTROL }
}

impl Key {
    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCode::Char(' ') => "Space".into(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Left => "←".into(),
            KeyCode::Right => "→".into(),
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::Esc => "Esc".into(),
            KeyCode::Enter => "Enter".into(),
            KeyCode::Tab => "Tab".into(),
            KeyCode::PageUp => "PgUp".into(),
            KeyCode::PageDown => "PgDn".into(),
            KeyCode::End => "End".into(),
            other => format!("{other:?}"),
        };
        if self.modifiers.contains(KeyModifiers::CONTROL) { format!("Ctrl-{}", base.to_uppercase()) } else { base }
    }

    fn matches(&self, event: &KeyEvent) -> bool {
        // Shifted characters ('?' is Shift-/) arrive with SHIFT set; the char already says it.
        let modifiers = match event.code {
            KeyCode::Char(_) => event.modifiers - KeyModifiers::SHIFT,
            _ => event.modifiers,
        };
        self.code == event.code && self.modifiers == modifiers
    }
}

#[derive(Clone, Copy, Debug)]
pub struct Binding {
    pub context: Context,
    pub keys: &'static [Key],
    pub command: Command,
    pub description: &'static str,
    /// Short text for the footer; `None` keeps the binding to the help overlay.
    pub hint: Option<&'static str>,
}

pub const BINDINGS: &[Binding] = &[
    Binding {
        context: Context::Global,
        keys: &[ctrl('c')],
        command: Command::Quit,
        description: "quit (asks first if a step runs or text is typed)",
        hint: None,
    },
    Binding {
        context: Context::Global,
        keys: &[ctrl('z')],
        command: Command::Suspend,
        description: "suspend to the shell (fg brings warroom back)",
        hint: None,
    },
    Binding {
        context: Context::TooSmall,
        keys: &[plain('q')],
        command: Command::Quit,
        description: "quit (asks first if anything would be lost)",
        hint: Some("quit"),
    },
    Binding {
        context: Context::QuitPrompt,
        keys: &[plain('y')],
        command: Command::ConfirmQuit,
        description: "quit now, abandoning what is named",
        hint: Some("quit"),
    },
    Binding {
        context: Context::QuitPrompt,
        keys: &[special(KeyCode::Esc), plain('n')],
        command: Command::CancelQuit,
        description: "stay",
        hint: Some("stay"),
    },
    Binding {
        context: Context::Entry,
        keys: &[plain('y')],
        command: Command::CopyEntry,
        description: "copy the entry to the clipboard (OSC 52)",
        hint: Some("copy"),
    },
    Binding {
        context: Context::Entry,
        keys: &[special(KeyCode::Esc), special(KeyCode::Enter), plain('q')],
        command: Command::CloseEntry,
        description: "close the entry",
        hint: Some("close"),
    },
    Binding {
        context: Context::Describe,
        keys: &[special(KeyCode::Up), plain('k')],
        command: Command::DescribeUp,
        description: "scroll up",
        hint: Some("scroll"),
    },
    Binding {
        context: Context::Describe,
        keys: &[special(KeyCode::Down), plain('j')],
        command: Command::DescribeDown,
        description: "scroll down",
        hint: None,
    },
    Binding {
        context: Context::Describe,
        keys: &[special(KeyCode::Esc), special(KeyCode::Enter), plain('q'), plain('i')],
        command: Command::CloseDescribe,
        description: "close the description",
        hint: Some("close"),
    },
    Binding {
        context: Context::Dashboard,
        keys: &[plain('i')],
        command: Command::Describe,
        description: "describe a region row: its error in full, fix, config",
        hint: None,
    },
    Binding {
        context: Context::Dashboard,
        keys: &[plain('q')],
        command: Command::Quit,
        description: "quit",
        hint: Some("quit"),
    },
    Binding {
        context: Context::Dashboard,
        keys: &[plain('?')],
        command: Command::ToggleHelp,
        description: "help: every key and how to read the screen",
        hint: Some("help"),
    },
    Binding {
        context: Context::Dashboard,
        keys: &[special(KeyCode::Left), plain('h')],
        command: Command::ScrollRegionsLeft,
        description: "regions further left (region rows focused: the region)",
        hint: Some("regions"),
    },
    Binding {
        context: Context::Dashboard,
        keys: &[special(KeyCode::Right), plain('l')],
        command: Command::ScrollRegionsRight,
        description: "regions further right (region rows focused: the region)",
        hint: None,
    },
    Binding {
        context: Context::Dashboard,
        keys: &[plain('J')],
        command: Command::ScrollRowsDown,
        description: "scroll region rows down (when they outgrow the column)",
        hint: None,
    },
    Binding {
        context: Context::Dashboard,
        keys: &[plain('K')],
        command: Command::ScrollRowsUp,
        description: "scroll region rows up",
        hint: None,
    },
    Binding {
        context: Context::Dashboard,
        keys: &[plain('n')],
        command: Command::NewNote,
        description: "write a note in the timeline",
        hint: Some("note"),
    },
    Binding {
        context: Context::Dashboard,
        keys: &[plain('d')],
        command: Command::NewDecision,
        description: "record a decision",
        hint: Some("decision"),
    },
    Binding {
        context: Context::Dashboard,
        keys: &[plain('c')],
        command: Command::NewComms,
        description: "record a comms update (what was told to whom)",
        hint: Some("comms"),
    },
    Binding {
        context: Context::Dashboard,
        keys: &[plain('p')],
        command: Command::TogglePin,
        description: "pin/unpin the selected entry (newest if following)",
        hint: None,
    },
    Binding {
        context: Context::Dashboard,
        keys: &[special(KeyCode::Up), plain('k')],
        command: Command::Up,
        description: "previous step / older entry / row above (focused pane)",
        hint: None,
    },
    Binding {
        context: Context::Dashboard,
        keys: &[special(KeyCode::Down), plain('j')],
        command: Command::Down,
        description: "next step / newer entry / row below (focused pane)",
        hint: None,
    },
    Binding {
        context: Context::Dashboard,
        keys: &[special(KeyCode::Tab)],
        command: Command::ToggleFocus,
        description: "move focus: runbook → timeline → region rows",
        hint: Some("focus"),
    },
    Binding {
        context: Context::Dashboard,
        keys: &[plain('r')],
        command: Command::NextRunbook,
        description: "next runbook (pre-failover, failover, post, failback)",
        hint: None,
    },
    Binding {
        context: Context::Dashboard,
        keys: &[special(KeyCode::Enter)],
        command: Command::Activate,
        description: "run the selected step / open the selected entry",
        hint: Some("run step"),
    },
    Binding {
        context: Context::Dashboard,
        keys: &[plain('R')],
        command: Command::RerunStep,
        description: "re-run a done changing step (it says already done)",
        hint: None,
    },
    Binding {
        context: Context::Dashboard,
        keys: &[plain('g')],
        command: Command::JumpToReady,
        description: "jump to the next ready step",
        hint: None,
    },
    Binding {
        context: Context::Dashboard,
        keys: &[plain('o')],
        command: Command::OverrideStep,
        description: "override failed guards (type a reason)",
        hint: None,
    },
    Binding {
        context: Context::Dashboard,
        keys: &[plain('s')],
        command: Command::SkipStep,
        description: "skip the selected step (type a reason)",
        hint: None,
    },
    Binding {
        context: Context::Modal,
        keys: &[special(KeyCode::Enter)],
        command: Command::ConfirmModal,
        description: "confirm (after typing what the dialog asks)",
        hint: Some("confirm"),
    },
    Binding {
        context: Context::Modal,
        keys: &[special(KeyCode::Esc)],
        command: Command::CancelModal,
        description: "cancel: nothing is run",
        hint: Some("cancel"),
    },
    Binding {
        context: Context::Dashboard,
        keys: &[special(KeyCode::PageUp)],
        command: Command::TimelinePageOlder,
        description: "a page of older entries",
        hint: None,
    },
    Binding {
        context: Context::Dashboard,
        keys: &[special(KeyCode::PageDown)],
        command: Command::TimelinePageNewer,
        description: "a page of newer entries",
        hint: None,
    },
    Binding {
        context: Context::Dashboard,
        keys: &[special(KeyCode::End), plain('G')],
        command: Command::TimelineFollow,
        description: "follow the newest entry again",
        hint: None,
    },
    Binding {
        context: Context::Dashboard,
        keys: &[plain('t')],
        command: Command::CycleFilter,
        description: "list the timeline filters and their keys",
        hint: Some("filter"),
    },
    Binding {
        context: Context::Dashboard,
        keys: &[plain('0')],
        command: Command::SetFilter(0),
        description: "timeline: all entries",
        hint: None,
    },
    Binding {
        context: Context::Dashboard,
        keys: &[plain('1')],
        command: Command::SetFilter(1),
        description: "timeline: decisions only",
        hint: None,
    },
    Binding {
        context: Context::Dashboard,
        keys: &[plain('2')],
        command: Command::SetFilter(2),
        description: "timeline: notes only",
        hint: None,
    },
    Binding {
        context: Context::Dashboard,
        keys: &[plain('3')],
        command: Command::SetFilter(3),
        description: "timeline: comms only",
        hint: None,
    },
    Binding {
        context: Context::Dashboard,
        keys: &[plain('4')],
        command: Command::SetFilter(4),
        description: "timeline: actions only",
        hint: None,
    },
    Binding {
        context: Context::Dashboard,
        keys: &[plain('5')],
        command: Command::SetFilter(5),
        description: "timeline: observations only",
        hint: None,
    },
    Binding {
        context: Context::Dashboard,
        keys: &[plain('6')],
        command: Command::SetFilter(6),
        description: "timeline: pinned entries only",
        hint: None,
    },
    Binding {
        context: Context::Dashboard,
        keys: &[plain('/')],
        command: Command::StartSearch,
        description: "search the timeline (n / N: older / newer match)",
        hint: Some("search"),
    },
    Binding {
        context: Context::Dashboard,
        keys: &[plain('N')],
        command: Command::SearchNewer,
        description: "with a search: the next newer match",
        hint: None,
    },
    Binding {
        context: Context::Dashboard,
        keys: &[special(KeyCode::Esc)],
        command: Command::EndSearch,
        description: "end the search",
        hint: None,
    },
    Binding {
        context: Context::Dashboard,
        keys: &[plain('x')],
        command: Command::StrikeEntry,
        description: "strike the selected note, decision or comms through",
        hint: None,
    },
    Binding {
        context: Context::Input,
        keys: &[special(KeyCode::Enter)],
        command: Command::SubmitInput,
        description: "save the entry (it is on disk when the line closes)",
        hint: Some("save"),
    },
    Binding {
        context: Context::Input,
        keys: &[special(KeyCode::Esc)],
        command: Command::CancelInput,
        description: "discard what was typed",
        hint: Some("cancel"),
    },
    Binding {
        context: Context::Dashboard,
        keys: &[plain('f')],
        command: Command::OpenFaultMenu,
        description: "drill: fault menu, or the scorecard once ended",
        hint: None,
    },
    Binding {
        context: Context::Dashboard,
        keys: &[plain('F')],
        command: Command::ToggleReveal,
        description: "drill: show/hide the facilitator's entries",
        hint: None,
    },
    Binding {
        context: Context::FaultMenu,
        keys: &[special(KeyCode::Up), plain('k')],
        command: Command::MenuUp,
        description: "previous fault",
        hint: Some("fault"),
    },
    Binding {
        context: Context::FaultMenu,
        keys: &[special(KeyCode::Down), plain('j')],
        command: Command::MenuDown,
        description: "next fault",
        hint: None,
    },
    Binding {
        context: Context::FaultMenu,
        keys: &[special(KeyCode::Left), plain('h')],
        command: Command::MenuLeft,
        description: "previous region",
        hint: Some("region"),
    },
    Binding {
        context: Context::FaultMenu,
        keys: &[special(KeyCode::Right), plain('l')],
        command: Command::MenuRight,
        description: "next region",
        hint: None,
    },
    Binding {
        context: Context::FaultMenu,
        keys: &[special(KeyCode::Enter)],
        command: Command::MenuToggle,
        description: "inject the fault there, or clear it if active",
        hint: Some("inject/clear"),
    },
    Binding {
        context: Context::FaultMenu,
        keys: &[special(KeyCode::Esc), plain('f')],
        command: Command::CloseDrillOverlay,
        description: "close the fault menu",
        hint: Some("close"),
    },
    Binding {
        context: Context::Scorecard,
        keys: &[special(KeyCode::Esc), plain('q')],
        command: Command::CloseDrillOverlay,
        description: "close the scorecard (q again quits)",
        hint: Some("close"),
    },
    Binding {
        context: Context::Replay,
        keys: &[plain(' ')],
        command: Command::ReplayPause,
        description: "pause / play",
        hint: Some("pause"),
    },
    Binding {
        context: Context::Replay,
        keys: &[plain('[')],
        command: Command::ReplayPollBack,
        description: "one poll back",
        hint: Some("poll back"),
    },
    Binding {
        context: Context::Replay,
        keys: &[plain(']')],
        command: Command::ReplayPollForward,
        description: "one poll forward",
        hint: Some("poll on"),
    },
    Binding {
        context: Context::Replay,
        keys: &[plain('{')],
        command: Command::ReplayEntryBack,
        description: "previous journal entry",
        hint: Some("entry back"),
    },
    Binding {
        context: Context::Replay,
        keys: &[plain('}')],
        command: Command::ReplayEntryForward,
        description: "next journal entry",
        hint: Some("entry on"),
    },
    Binding {
        context: Context::Replay,
        keys: &[plain('m')],
        command: Command::ReplayMomentForward,
        description: "next moment: declared, shift, recovered…",
        hint: Some("next moment"),
    },
    Binding {
        context: Context::Replay,
        keys: &[plain('M')],
        command: Command::ReplayMomentBack,
        description: "previous moment",
        hint: None,
    },
    Binding {
        context: Context::Replay,
        keys: &[plain('-')],
        command: Command::ReplaySlower,
        description: "half the speed",
        hint: None,
    },
    Binding {
        context: Context::Replay,
        keys: &[plain('+')],
        command: Command::ReplayFaster,
        description: "twice the speed",
        hint: Some("faster"),
    },
    Binding {
        context: Context::Help,
        keys: &[special(KeyCode::Up), plain('k')],
        command: Command::HelpUp,
        description: "scroll help up",
        hint: Some("scroll"),
    },
    Binding {
        context: Context::Help,
        keys: &[special(KeyCode::Down), plain('j')],
        command: Command::HelpDown,
        description: "scroll help down",
        hint: None,
    },
    Binding {
        context: Context::Help,
        keys: &[special(KeyCode::Esc), plain('?'), plain('q')],
        command: Command::CloseOverlay,
        description: "close help",
        hint: Some("close help"),
    },
];

/// The command a key event means in `context`: the context's own bindings first, then global.
pub fn dispatch(context: Context, event: &KeyEvent) -> Option<Command> {
    if event.kind == KeyEventKind::Release {
        return None;
    }
    let find = |ctx: Context| {
        BINDINGS.iter().find(|b| b.context == ctx && b.keys.iter().any(|k| k.matches(event))).map(|b| b.command)
    };
    find(context).or_else(|| find(Context::Global))
}

/// The command `event` means in `context` alone (no global fallback): a replay asks its own
/// context first.
pub fn dispatch_only(context: Context, event: &KeyEvent) -> Option<Command> {
    if event.kind == KeyEventKind::Release {
        return None;
    }
    BINDINGS.iter().find(|b| b.context == context && b.keys.iter().any(|k| k.matches(event))).map(|b| b.command)
}

/// Bindings for the footer of `context`, as (keys, description); in a replay, none that
/// would change the incident (it refuses them).
pub fn footer_hints(context: Context, replay: bool) -> impl Iterator<Item = (String, &'static str)> {
    BINDINGS
        .iter()
        .filter(move |b| b.context == context && !(replay && b.command.changes_incident()))
        .filter_map(|b| b.hint.map(|hint| (keys_label(b), hint)))
}

pub fn keys_label(binding: &Binding) -> String {
    binding.keys.iter().map(Key::label).collect::<Vec<_>>().join("/")
}

/// Pairs of bindings that claim the same key where both could fire: within one context, or a
/// context binding that shadows a global one. Empty for a valid table.
pub fn conflicts(table: &[Binding]) -> Vec<String> {
    let mut out = Vec::new();
    for (i, a) in table.iter().enumerate() {
        for b in &table[i + 1..] {
            if a.context != b.context && a.context != Context::Global && b.context != Context::Global {
                continue;
            }
            for key in a.keys.iter().filter(|k| b.keys.contains(k)) {
                out.push(format!(
                    "{} is bound to {:?} ({}) and {:?} ({})",
                    key.label(),
                    a.command,
                    a.context.title(),
                    b.command,
                    b.context.title()
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    #[test]
    fn the_table_has_no_duplicate_bindings() {
        assert_eq!(conflicts(BINDINGS), Vec::<String>::new());
    }

    #[test]
    fn a_duplicate_is_detected() {
        const X: &[Key] = &[plain('x')];
        const Y: &[Key] = &[plain('y')];
        let table = [
            Binding { context: Context::Dashboard, keys: X, command: Command::Quit, description: "", hint: None },
            Binding { context: Context::Dashboard, keys: X, command: Command::ToggleHelp, description: "", hint: None },
            Binding { context: Context::Help, keys: Y, command: Command::Quit, description: "", hint: None },
            Binding { context: Context::Global, keys: Y, command: Command::Quit, description: "", hint: None },
        ];
        assert_eq!(conflicts(&table).len(), 2, "{:?}", conflicts(&table));
    }

    #[test]
    fn dispatch_prefers_the_context_and_falls_back_to_global() {
        let q = press(KeyCode::Char('q'), KeyModifiers::NONE);
        assert_eq!(dispatch(Context::Dashboard, &q), Some(Command::Quit));
        assert_eq!(dispatch(Context::Help, &q), Some(Command::CloseOverlay));
        let ctrl_c = press(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(dispatch(Context::Help, &ctrl_c), Some(Command::Quit));
        let shifted_question = press(KeyCode::Char('?'), KeyModifiers::SHIFT);
        assert_eq!(dispatch(Context::Dashboard, &shifted_question), Some(Command::ToggleHelp));
        assert_eq!(dispatch(Context::Dashboard, &press(KeyCode::Char('z'), KeyModifiers::NONE)), None);
        assert_eq!(dispatch(Context::Dashboard, &press(KeyCode::Char('q'), KeyModifiers::ALT)), None);
    }

    #[test]
    fn descriptions_fit_the_help_overlay() {
        for b in BINDINGS {
            assert!(b.description.chars().count() <= 56, "too long for help: {:?}", b.description);
        }
    }

    #[test]
    fn footer_hints_come_from_the_table() {
        let hints: Vec<_> = footer_hints(Context::Dashboard, false).collect();
        assert!(hints.contains(&("q".to_owned(), "quit")));
        assert!(hints.contains(&("←/h".to_owned(), "regions")));
        assert!(!hints.iter().any(|(k, _)| k == "Ctrl-C"), "Ctrl-C is in help only");
    }
}
