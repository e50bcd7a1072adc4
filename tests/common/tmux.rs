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

/// The live dashboard on `config` in a 160×48 terminal of its own, with the environment the
/// SDK needs to reach only the emulator (test keys, no profiles, no instance metadata) and
/// its state under `dir`; `args` follow `--config`.
pub fn live_dashboard(dir: &std::path::Path, name: &str, config: &std::path::Path, args: &str) -> Session {
    let env = format!(
        "AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_EC2_METADATA_DISABLED=true \
         AWS_CONFIG_FILE=/nonexistent AWS_SHARED_CREDENTIALS_FILE=/nonexistent XDG_STATE_HOME={dir} XDG_DATA_HOME={dir}",
        dir = dir.display()
    );
    let bin = env!("CARGO_BIN_EXE_warroom");
    let session = Session { name: name.into(), socket: format!("warroom-{name}-{}", std::process::id()) };
    let command = format!("{env} {bin} --config {} {args}; sleep 60", config.display());
    session.tmux(&["new-session", "-d", "-s", name, "-x", "160", "-y", "48", &command]);
    session
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-server"]);
    }
}
