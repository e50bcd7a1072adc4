//! The app state machine: the single owner of all state, changed only by `handle(Msg)`.
//! Drawing reads it (`ui::draw`); nothing here touches the terminal.

use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;

use crate::config::{Config, Incident, Thresholds};
use crate::keys::{self, Command, Context};
use crate::model::{RegionSnapshot, Snapshot, Update};
use crate::theme::Theme;

/// What the session may do, shown in the header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Demo,
}

impl Mode {
    pub fn label(self) -> &'static str {
        match self {
            Mode::Demo => "DEMO",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overlay {
    None,
    Help,
}

/// Sim facts shown in the header of a demo.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SimInfo {
    pub seed: u64,
    pub speed: f64,
}

/// Everything the app loop reacts to.
#[derive(Clone, Debug, PartialEq)]
pub enum Msg {
    Key(KeyEvent),
    Update(Update),
    /// The clock moved (1 s tick): ages and staleness change even without data.
    Tick(DateTime<Utc>),
    Resize {
        width: u16,
        height: u16,
    },
}

#[derive(Clone, Debug)]
pub struct App {
    pub incident: Incident,
    pub thresholds: Thresholds,
    pub mode: Mode,
    pub snapshot: Snapshot,
    /// "Now" for ages and staleness: virtual time in the sim.
    pub now: DateTime<Utc>,
    pub overlay: Overlay,
    /// First region column shown when not all fit.
    pub region_offset: usize,
    pub viewport: (u16, u16),
    pub theme: Theme,
    pub sim: Option<SimInfo>,
    pub quit: bool,
}

impl App {
    pub fn new(config: &Config, mode: Mode, theme: Theme, now: DateTime<Utc>) -> Self {
        let regions = config.regions.iter().map(|r| RegionSnapshot::new(r.name.clone(), r.role)).collect();
        Self {
            incident: config.incident.clone(),
            thresholds: config.thresholds.clone(),
            mode,
            snapshot: Snapshot::new(regions, config.incident.poll_interval),
            now,
            overlay: Overlay::None,
            region_offset: 0,
            viewport: (0, 0),
            theme,
            sim: None,
            quit: false,
        }
    }

    pub fn context(&self) -> Context {
        match self.overlay {
            Overlay::None => Context::Dashboard,
            Overlay::Help => Context::Help,
        }
    }

    /// Apply one message. Returns whether anything visible changed (the loop redraws then).
    pub fn handle(&mut self, msg: Msg) -> bool {
        match msg {
            Msg::Update(update) => self.snapshot.apply(update) == crate::model::Applied::Stored,
            Msg::Tick(now) => {
                self.now = self.now.max(now);
                true
            }
            Msg::Resize { width, height } => {
                self.viewport = (width, height);
                self.clamp_offset();
                true
            }
            Msg::Key(event) => match keys::dispatch(self.context(), &event) {
                Some(command) => {
                    self.run(command);
                    true
                }
                None => false,
            },
        }
    }

    fn run(&mut self, command: Command) {
        match command {
            Command::Quit => self.quit = true,
            Command::ToggleHelp => {
                self.overlay = if self.overlay == Overlay::Help { Overlay::None } else { Overlay::Help };
            }
            Command::CloseOverlay => self.overlay = Overlay::None,
            Command::ScrollRegionsLeft => self.region_offset = self.region_offset.saturating_sub(1),
            Command::ScrollRegionsRight => {
                self.region_offset += 1;
                self.clamp_offset();
            }
        }
    }

    /// How many region columns fit the current width.
    pub fn visible_columns(&self) -> usize {
        crate::ui::visible_region_columns(self.viewport.0, self.snapshot.regions.len())
    }

    fn clamp_offset(&mut self) {
        let max = self.snapshot.regions.len().saturating_sub(self.visible_columns());
        self.region_offset = self.region_offset.min(max);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Reading;
    use crossterm::event::{KeyCode, KeyModifiers};

    fn app(regions: usize) -> App {
        let mut config = Config::demo();
        config.regions = Config::default_regions(regions);
        App::new(&config, Mode::Demo, Theme::fallback(false), Utc::now())
    }

    fn key(c: char) -> Msg {
        Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
    }

    #[test]
    fn help_toggles_and_q_closes_it_before_quitting() {
        let mut a = app(2);
        assert!(a.handle(key('?')));
        assert_eq!(a.overlay, Overlay::Help);
        a.handle(key('q'));
        assert_eq!(a.overlay, Overlay::None);
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
        assert_eq!(a.region_offset, 8 - visible);
        for _ in 0..20 {
            a.handle(key('h'));
        }
        assert_eq!(a.region_offset, 0);
        // Growing the window pulls the offset back so no empty columns show.
        a.handle(Msg::Resize { width: 80, height: 24 });
        for _ in 0..20 {
            a.handle(key('l'));
        }
        assert_eq!(a.region_offset, 6);
        a.handle(Msg::Resize { width: 160, height: 48 });
        assert_eq!(a.region_offset, 4);
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
