//! Every subcommand and flag, given a value holding ESC, an OSC 52 clipboard write, BEL, a C1
//! control, a bidi override, a line separator and a tag character: nothing of it reaches
//! stdout or stderr raw. Run twice: with pipes, and under a pseudo-terminal (`script`),
//! because clap strips escapes only when its output is not a terminal.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

use clap::CommandFactory;

const HOSTILE: &str = "x\u{1b}]52;c;aGk=\u{7}\u{1b}[31mred\u{9b}2J\u{202E}rtl\u{2028}line\u{E0041}tag\u{AD}y";
/// After the hostile value, so every run ends in a usage error at once (no command runs).
const STOP: &str = "--warroom-no-such-flag";

/// Raw characters that must never be printed.
fn raw_hostile(text: &str) -> Vec<char> {
    text.chars()
        .filter(|c| matches!(c, '\u{1b}' | '\u{7}' | '\u{9b}' | '\u{202E}' | '\u{2028}' | '\u{E0041}' | '\u{AD}'))
        .collect()
}

/// `[subcommand path…, flag or positional, HOSTILE, STOP]` for every argument that takes a value.
fn invocations() -> Vec<Vec<String>> {
    fn walk(cmd: &clap::Command, path: &[String], out: &mut Vec<Vec<String>>) {
        for arg in cmd.get_arguments() {
            if !arg.get_action().takes_values() {
                continue;
            }
            let mut argv = path.to_vec();
            match arg.get_long() {
                Some(long) => argv.extend([format!("--{long}"), HOSTILE.to_owned()]),
                None if arg.is_positional() => argv.push(HOSTILE.to_owned()),
                None => continue,
            }
            argv.push(STOP.to_owned());
            out.push(argv);
        }
        for sub in cmd.get_subcommands() {
            let mut next = path.to_vec();
            next.push(sub.get_name().to_owned());
            walk(sub, &next, out);
        }
    }
    let mut out = Vec::new();
    walk(&warroom::cli::Cli::command(), &[], &mut out);
    out
}

#[test]
fn no_argument_is_echoed_raw_through_pipes() {
    let runs = invocations();
    assert!(runs.len() > 40, "every subcommand's flags: {}", runs.len());
    let dir = tempfile::tempdir().unwrap();
    for argv in runs {
        let out = Command::new(env!("CARGO_BIN_EXE_warroom"))
            .args(&argv)
            .env("XDG_STATE_HOME", dir.path())
            .env("XDG_DATA_HOME", dir.path())
            .env("XDG_CONFIG_HOME", dir.path())
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{argv:?} must be a usage error");
        for (name, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
            let text = String::from_utf8_lossy(bytes);
            assert!(raw_hostile(&text).is_empty(), "{argv:?}: {name} holds {:?}:\n{text:?}", raw_hostile(&text));
        }
    }
}

#[test]
fn no_argument_is_echoed_raw_to_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    for argv in invocations() {
        // The hostile value goes through the environment: the shell line stays plain.
        let line: Vec<String> = std::iter::once("\"$WARROOM\"".to_owned())
            .chain(argv.iter().map(|a| if a == HOSTILE { "\"$HOSTILE\"".to_owned() } else { format!("'{a}'") }))
            .collect();
        let out = Command::new("script")
            .args(["-qec", &line.join(" "), "/dev/null"])
            .env("WARROOM", env!("CARGO_BIN_EXE_warroom"))
            .env("HOSTILE", HOSTILE)
            .env("XDG_STATE_HOME", dir.path())
            .env("XDG_DATA_HOME", dir.path())
            .env("XDG_CONFIG_HOME", dir.path())
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("`script` (util-linux) could not run: {e}; this test needs a pseudo-terminal"));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("error"), "{argv:?}: no usage error on the terminal:\n{text:?}");
        assert!(raw_hostile(&text).is_empty(), "{argv:?}: the terminal got {:?}:\n{text:?}", raw_hostile(&text));
    }
}
