//! End to end, as a tired operator would use it: pastes, signals and Ctrl-Z against the real
//! binary in tmux, under an interactive shell (job control, `stty`). Every refusal has its
//! control: the same thing typed by hand does act.
//!
//! Needs `tmux` (`.ci/run` installs it if missing); without it these fail and say so.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::tmux::Session;

struct Demo {
    session: Session,
    dir: tempfile::TempDir,
    journal: PathBuf,
}

impl Demo {
    /// `warroom demo` started from an interactive bash in a 160×48 tmux pane; its pid in `pid`.
    fn start(name: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let journal = dir.path().join("j.jsonl");
        let session = Session { name: name.into(), socket: format!("warroom-{name}-{}", std::process::id()) };
        let out =
            session.tmux(&["new-session", "-d", "-s", name, "-x", "160", "-y", "48", "bash --norc --noprofile -i"]);
        assert!(out.status.success(), "tmux new-session failed: {}", String::from_utf8_lossy(&out.stderr));
        let command = format!(
            "export XDG_STATE_HOME={d} XDG_DATA_HOME={d}; sh -c 'echo $$ > {d}/pid; exec {bin} demo --speed 20 --as e2e --journal {j}'",
            d = dir.path().display(),
            bin = env!("CARGO_BIN_EXE_warroom"),
            j = journal.display(),
        );
        session.tmux(&["send-keys", "-t", name, "-l", &command]);
        session.tmux(&["send-keys", "-t", name, "Enter"]);
        session.wait_for("req/s", Duration::from_secs(20));
        Self { session, dir, journal }
    }

    fn keys(&self, keys: &[&str]) {
        for k in keys {
            self.session.tmux(&["send-keys", "-t", &self.session.name, k]);
        }
    }

    fn type_literally(&self, text: &str) {
        self.session.tmux(&["send-keys", "-t", &self.session.name, "-l", text]);
    }

    /// A bracketed paste of `text`, as tmux does it for a terminal that asked for it.
    fn paste(&self, text: &str) {
        let file = self.dir.path().join("paste");
        std::fs::write(&file, text).unwrap();
        self.session.tmux(&["load-buffer", file.to_str().unwrap()]);
        self.session.tmux(&["paste-buffer", "-p", "-t", &self.session.name]);
    }

    fn pid(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("pid")).unwrap().trim().to_owned()
    }

    fn journal_text(&self) -> String {
        std::fs::read_to_string(&self.journal).unwrap_or_default()
    }

    /// Once warroom has printed its closing line: its exit code, and the screen after the
    /// shell ran `stty -a` on the same terminal.
    fn wait_exit(&self) -> (i32, String) {
        self.session.wait_for("journal saved at", Duration::from_secs(15));
        self.type_literally("echo EXIT=$?; stty -a");
        self.keys(&["Enter"]);
        let screen = self.session.wait_until("the exit code and stty", Duration::from_secs(10), |s| {
            s.lines().any(|l| l.starts_with("EXIT=")) && s.contains("icanon")
        });
        let code = screen
            .lines()
            .find_map(|l| l.strip_prefix("EXIT="))
            .and_then(|c| c.trim().parse().ok())
            .unwrap_or_else(|| panic!("no exit code on screen:\n{screen}"));
        (code, screen)
    }
}

fn started(journal: &Path, step: &str) -> usize {
    let (entries, _) = warroom::scribe::journal::read_file(journal).unwrap();
    entries.iter().filter(|e| e.step.as_deref() == Some(step) && e.kind == warroom::scribe::Kind::ActionStarted).count()
}

fn settle() {
    // Past the paste's tail and the auto-advance's Enter guard.
    std::thread::sleep(Duration::from_millis(1200));
}

#[test]
fn pasted_text_never_runs_a_step_and_typed_text_does() {
    let demo = Demo::start("paste");
    // Declare: Enter, Enter. The selection moves to freeze-writes by itself.
    demo.keys(&["Enter"]);
    demo.session.wait_for("Declare: Failover from us-east-1 to us-west-2.", Duration::from_secs(5));
    demo.keys(&["Enter"]);
    demo.session.wait_for("1/11 done", Duration::from_secs(5));
    settle();

    // 1. A paste of ⏎us-east-1⏎ with the changing step selected: ignored.
    demo.paste("\nus-east-1\n");
    demo.session.wait_for("paste ignored", Duration::from_secs(5));
    settle();
    assert!(!demo.session.screen().contains("Confirm: freeze-writes"), "{}", demo.session.screen());

    // 2. Enter typed by hand opens the dialog; a paste of the region into it is refused.
    demo.keys(&["Enter"]);
    demo.session.wait_for("Confirm: freeze-writes", Duration::from_secs(5));
    demo.paste("us-east-1\n");
    demo.session.wait_for("typed, not pasted", Duration::from_secs(5));
    settle();
    assert_eq!(started(&demo.journal, "freeze-writes"), 0, "nothing ran");

    // 3. A paste whose end marker comes early: its rest arrives as keys, and they are not keys.
    demo.paste("x\u{1b}[201~\nus-east-1\n");
    settle();
    assert_eq!(started(&demo.journal, "freeze-writes"), 0, "nothing ran:\n{}", demo.session.screen());

    // Control: the same region typed by hand runs the step.
    demo.keys(&["C-u"]);
    demo.type_literally("us-east-1");
    demo.keys(&["Enter"]);
    let start = Instant::now();
    while started(&demo.journal, "freeze-writes") == 0 {
        assert!(start.elapsed() < Duration::from_secs(5), "typed confirmation did not run:\n{}", demo.session.screen());
        std::thread::sleep(Duration::from_millis(100));
    }

    // 4. A paste into a note stays on one line.
    demo.keys(&["n"]);
    demo.session.wait_for("note ›", Duration::from_secs(5));
    demo.paste("first line\nsecond line");
    settle();
    demo.keys(&["Enter"]);
    demo.session.wait_until("the note saved", Duration::from_secs(5), |s| !s.contains("note ›"));
    assert!(demo.journal_text().contains("\"text\":\"first line second line\""), "{}", demo.journal_text());

    demo.keys(&["q"]);
    let (code, _) = demo.wait_exit();
    assert_eq!(code, 0);
}

fn ended_by(signal: &str, number: i32) {
    let demo = Demo::start(&format!("sig{number}"));
    // A note half typed when the signal comes: not saved as a note, but kept in the end entry.
    demo.keys(&["n"]);
    demo.session.wait_for("note ›", Duration::from_secs(5));
    demo.type_literally("paging the db on-call");
    demo.session.wait_for("paging the db on-call", Duration::from_secs(5));
    let out = std::process::Command::new("kill").args([&format!("-{signal}"), &demo.pid()]).output().unwrap();
    assert!(out.status.success(), "kill -{signal} failed");
    let (code, screen) = demo.wait_exit();
    assert_eq!(code, 128 + number, "exit code after SIG{signal}:\n{screen}");
    let stty = screen.rsplit("EXIT=").next().unwrap();
    let cooked = |flag: &str| stty.split_whitespace().any(|w| w == flag);
    assert!(cooked("icanon") && cooked("echo"), "the tty is back in cooked mode:\n{screen}");
    assert!(!screen.contains("Requests"), "the alternate screen is gone:\n{screen}");
    assert!(screen.contains(&format!("session ended by SIG{signal}")), "{screen}");
    let journal = demo.journal_text();
    assert!(journal.contains(&format!("session ended by signal SIG{signal}")), "{journal}");
    assert!(journal.contains(r#""unsaved_text":"paging the db on-call""#), "{journal}");
}

#[test]
fn sigterm_restores_the_terminal_journals_and_exits_143() {
    ended_by("TERM", 15);
}

#[test]
fn sighup_restores_the_terminal_journals_and_exits_129() {
    ended_by("HUP", 1);
}

#[test]
fn sigint_restores_the_terminal_journals_and_exits_130() {
    ended_by("INT", 2);
}

#[test]
fn sigquit_restores_the_terminal_journals_and_exits_131() {
    ended_by("QUIT", 3);
}

#[test]
fn ctrl_z_suspends_and_fg_brings_back_a_working_dashboard() {
    let demo = Demo::start("suspend");
    demo.keys(&["C-z"]);
    let screen = demo.session.wait_for("Stopped", Duration::from_secs(5));
    assert!(!screen.contains("Requests"), "the shell's screen is back while stopped:\n{screen}");
    demo.type_literally("fg");
    demo.keys(&["Enter"]);
    demo.session.wait_for("req/s", Duration::from_secs(10));
    // Raw keys again: q quits at once, without an Enter.
    demo.keys(&["q"]);
    let (code, screen) = demo.wait_exit();
    assert_eq!(code, 0, "{screen}");
}
