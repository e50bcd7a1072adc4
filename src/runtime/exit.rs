//! How a command ends: the exit codes of the contract (DESIGN.md) and the failure that
//! carries one with its message.

/// Exit codes of the contract (DESIGN.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    Ok,
    Runtime,
    Usage,
    GuardRefused,
    /// `run-step`: the step was not run here; another terminal runs or ran it.
    NotRun,
    /// Ended by signal N: the shell's convention, 128 + N.
    Signal(u8),
}

impl Exit {
    pub fn code(self) -> u8 {
        match self {
            Exit::Ok => 0,
            Exit::Runtime => 1,
            Exit::Usage => 2,
            Exit::GuardRefused => 3,
            Exit::NotRun => 4,
            Exit::Signal(n) => 128u8.saturating_add(n),
        }
    }
}

/// A failure and the exit code it maps to. The message is printed as `warroom: <message>`.
#[derive(Debug)]
pub struct Failure {
    pub exit: Exit,
    pub message: String,
}

impl Failure {
    pub fn usage(message: impl Into<String>) -> Self {
        Self { exit: Exit::Usage, message: message.into() }
    }
    pub fn runtime(message: impl Into<String>) -> Self {
        Self { exit: Exit::Runtime, message: message.into() }
    }
}
