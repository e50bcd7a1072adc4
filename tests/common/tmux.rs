//! The built binary in a real terminal: a tmux server of its own per test, read with
//! capture-pane. Needs `tmux` (`.ci/run` installs it); without it the test fails and says so.

use std::process::Command;
use std::time::{Duration, Instant};

pub struct Session {
    pub name: String,
    pub socket: String,
}

impl Session {
    pub fn tmux(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux").args(["-L", &self.socket]).args(args).output().unwrap_or_else(|e| {
            panic!("tmux could not run ({e}); install it (apt-get install tmux) — this test needs a real terminal")
        })
    }

    pub fn screen(&self) -> String {
        String::from_utf8_lossy(&self.tmux(&["capture-pane", "-p", "-t", &self.name]).stdout).into_owned()
    }

    pub fn wait_for(&self, needle: &str, timeout: Duration) -> String {
        self.wait_until(&format!("`{needle}` to appear"), timeout, |screen| screen.contains(needle))
    }

    pub fn wait_until(&self, what: &str, timeout: Duration, done: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if done(&screen) {
                return screen;
            }
            assert!(start.elapsed() < timeout, "waited {timeout:?} for {what}; screen:\n{screen}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-server"]);
    }
}
