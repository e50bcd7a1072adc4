//! The AWS emulator for tests: moto server, pinned, installed into `target/` on first use
//! (a Python venv from PyPI) and started on a free loopback port per test.
//!
//! When it cannot be installed or started, the test fails and says why; it never skips.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// moto 5.1.x still serves the CloudWatch query protocol that aws-sdk-cloudwatch 1.99 speaks.
pub const MOTO_VERSION: &str = "5.1.4";

static INSTALL: Mutex<Option<PathBuf>> = Mutex::new(None);

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"))
}

fn run(cmd: &mut Command, what: &str) {
    let out = cmd.output().unwrap_or_else(|e| panic!("AWS emulator: cannot {what}: {e}"));
    assert!(
        out.status.success(),
        "AWS emulator: cannot {what} ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The `moto_server` executable, installing it the first time. Safe across test processes:
/// the install happens under a lock directory, and a marker file says it completed.
pub fn server_binary() -> PathBuf {
    let mut cached = INSTALL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(path) = cached.as_ref() {
        return path.clone();
    }
    let venv = target_dir().join(format!("moto-{MOTO_VERSION}"));
    let binary = venv.join("bin").join("moto_server");
    let marker = venv.join("installed");
    if !marker.exists() {
        std::fs::create_dir_all(target_dir()).unwrap();
        let lock = target_dir().join(format!("moto-{MOTO_VERSION}.lock"));
        let start = Instant::now();
        while std::fs::create_dir(&lock).is_err() {
            assert!(start.elapsed() < Duration::from_secs(600), "AWS emulator: {} held for 10 minutes", lock.display());
            std::thread::sleep(Duration::from_millis(500));
        }
        if !marker.exists() {
            eprintln!("installing moto[server]=={MOTO_VERSION} into {} (first use)", venv.display());
            run(
                Command::new("python3").args(["-m", "venv"]).arg(&venv),
                "create a Python venv (is python3 installed?)",
            );
            run(
                Command::new(venv.join("bin").join("pip"))
                    .args(["install", "--quiet", "--disable-pip-version-check"])
                    .arg(format!("moto[server]=={MOTO_VERSION}")),
                "pip install moto[server] from PyPI",
            );
            std::fs::write(&marker, MOTO_VERSION).unwrap();
        }
        let _ = std::fs::remove_dir(&lock);
    }
    assert!(binary.exists(), "AWS emulator: {} is missing after install", binary.display());
    *cached = Some(binary.clone());
    binary
}

/// A running moto server; killed on drop.
pub struct Moto {
    child: Child,
    pub port: u16,
    /// Where the server's request log and tracebacks go.
    pub log: PathBuf,
}

impl Moto {
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Stop the emulator (SIGSTOP) until the guard is dropped (SIGCONT): it keeps its socket,
    /// so calls connect and then hear nothing, like a region that froze.
    pub fn freeze(&self) -> Frozen {
        signal(self.child.id(), "-STOP");
        Frozen(self.child.id())
    }
}

/// A stopped emulator; it answers again when this is dropped.
pub struct Frozen(u32);

impl Drop for Frozen {
    fn drop(&mut self) {
        signal(self.0, "-CONT");
    }
}

fn signal(pid: u32, which: &str) {
    let status = Command::new("kill").args([which, &pid.to_string()]).status().unwrap();
    assert!(status.success(), "kill {which} {pid} failed");
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // A failing test shows the log's end (CI prints only output) and keeps the file; a
        // passing test's log is noise.
        if std::thread::panicking() {
            let log = std::fs::read_to_string(&self.log).unwrap_or_default();
            let lines: Vec<&str> = log.lines().collect();
            let tail = lines[lines.len().saturating_sub(40)..].join("\n");
            eprintln!("--- last 40 lines of the emulator's log, {} ---\n{tail}", self.log.display());
        } else {
            let _ = std::fs::remove_file(&self.log);
        }
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Start a fresh server (its own port, its own state).
///
/// Its stderr goes to a file, never to an unread pipe: moto logs every request there (and a
/// traceback for each 500), and once a pipe's 64 KiB fill, every request blocks forever.
pub fn start() -> Moto {
    let binary = server_binary();
    let port = free_port();
    let logs = target_dir().join(format!("moto-{MOTO_VERSION}-logs"));
    std::fs::create_dir_all(&logs).unwrap();
    let log = logs.join(format!("{port}.log"));
    let file =
        std::fs::File::create(&log).unwrap_or_else(|e| panic!("AWS emulator: cannot create {}: {e}", log.display()));
    let mut child = Command::new(&binary)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(file)
        .spawn()
        .unwrap_or_else(|e| panic!("AWS emulator: cannot start {}: {e}", binary.display()));
    let start = Instant::now();
    loop {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Moto { child, port, log };
        }
        if let Ok(Some(status)) = child.try_wait() {
            let err = std::fs::read_to_string(&log).unwrap_or_default();
            panic!("AWS emulator: moto_server exited ({status}) before listening:\n{err}");
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "AWS emulator: moto_server did not listen on {port} within 60 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}
