//! The real binary as a child process, for what only a process shows: how
//! it exits on SIGTERM, what it logs, how it lives with a low file limit.
//! Every wait here is bounded; a server still running when its [`Server`]
//! is dropped is killed.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use tempfile::TempDir;

/// The longest a server may take to start: migrate a fresh SQLite database
/// and bind (a loaded 2-core machine runs several tests at once).
pub const START_TIMEOUT: Duration = Duration::from_secs(60);

/// The binary under test.
const BINARY: &str = env!("CARGO_BIN_EXE_customer-graph");

/// `customer-graph serve` running as a child process on a fresh SQLite
/// database and a free loopback port, its standard error collected.
pub struct Server {
    child: Child,
    /// Where it listens.
    pub address: SocketAddr,
    /// `--database-url` it was given, for the other subcommands.
    pub database_url: String,
    log: Arc<Mutex<String>>,
    _dir: TempDir,
}

/// A fresh SQLite database URL in a new temporary directory.
fn fresh_database() -> (String, TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("x.db").display());
    (url, dir)
}

/// The binary with no environment but colourless logs at `info`: flags
/// given by a test are the only settings.
fn command(file_limit: Option<u64>) -> Command {
    let mut command = match file_limit {
        None => Command::new(BINARY),
        Some(limit) => {
            // The shell sets both the soft and the hard limit, then becomes
            // the server: the server cannot raise it.
            let mut shell = Command::new("/bin/sh");
            shell
                .arg("-c")
                .arg(format!("ulimit -n {limit} && exec \"$0\" \"$@\""))
                .arg(BINARY);
            shell
        }
    };
    command
        .env_clear()
        .env("NO_COLOR", "1")
        .env("RUST_LOG", "info")
        .stdin(Stdio::null());
    command
}

/// Runs `customer-graph ARGS --database-url URL` to completion (within
/// [`START_TIMEOUT`]) and returns its standard output, trimmed.
pub fn run_command(database_url: &str, args: &[&str]) -> String {
    let mut child = command(None)
        .args(args)
        .args(["--database-url", database_url])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("run the binary");
    let status = wait_for(&mut child, START_TIMEOUT);
    let Some(status) = status else {
        let _ = child.kill();
        let _ = child.wait();
        panic!("customer-graph {args:?} did not finish within {START_TIMEOUT:?}");
    };
    assert!(status.success(), "customer-graph {args:?} failed: {status}");
    let mut output = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take().expect("piped stdout"), &mut output)
        .expect("read stdout");
    output.trim().to_owned()
}

/// Runs `serve ARGS` on a fresh SQLite database, expecting it to refuse to
/// start: its exit status and standard error, once it exits (within
/// [`START_TIMEOUT`]; a server that starts instead is killed and fails the test).
pub fn serve_refused(args: &[&str]) -> (ExitStatus, String) {
    let (database_url, _dir) = fresh_database();
    let mut child = command(None)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(["--database-url", &database_url])
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the server");
    let Some(status) = wait_for(&mut child, START_TIMEOUT) else {
        let _ = child.kill();
        let _ = child.wait();
        panic!("serve {args:?} did not exit within {START_TIMEOUT:?}");
    };
    let mut log = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().expect("piped stderr"), &mut log)
        .expect("read stderr");
    (status, log)
}

/// Polls `child` until it exits or `within` passes.
fn wait_for(child: &mut Child, within: Duration) -> Option<ExitStatus> {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return Some(status);
        }
        if started.elapsed() >= within {
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

impl Server {
    /// Starts `serve` with `args` after the listen address and database.
    pub fn start(args: &[&str]) -> Server {
        Server::start_with(None, args)
    }

    /// [`Server::start`] with the file limit (soft and hard) at `file_limit`.
    pub fn start_with_file_limit(file_limit: u64, args: &[&str]) -> Server {
        Server::start_with(Some(file_limit), args)
    }

    fn start_with(file_limit: Option<u64>, args: &[&str]) -> Server {
        let (database_url, dir) = fresh_database();
        let mut child = command(file_limit)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(["--database-url", &database_url])
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the server");
        let stderr = child.stderr.take().expect("piped stderr");
        let log = Arc::new(Mutex::new(String::new()));
        let (address_sender, address) = std::sync::mpsc::channel();
        let lines = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if line.contains("listening")
                    && let Some(address) = listening_address(&line)
                {
                    let _ = address_sender.send(address);
                }
                let mut log = lines.lock().expect("log lock");
                log.push_str(&line);
                log.push('\n');
            }
        });
        let address = match address.recv_timeout(START_TIMEOUT) {
            Ok(address) => address,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "the server did not log its address within {START_TIMEOUT:?}:\n{}",
                    log.lock().expect("log lock")
                );
            }
        };
        Server {
            child,
            address,
            database_url,
            log,
            _dir: dir,
        }
    }

    /// What it has written to standard error so far.
    pub fn log(&self) -> String {
        self.log.lock().expect("log lock").clone()
    }

    /// Waits (within `within`) until its log contains `needle`; panics,
    /// showing the log, if it does not.
    pub async fn wait_for_log(&self, needle: &str, within: Duration) {
        let started = Instant::now();
        while !self.log().contains(needle) {
            assert!(
                started.elapsed() < within,
                "no {needle:?} in the log within {within:?}:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Sends SIGTERM.
    pub fn terminate(&self) {
        let pid = i32::try_from(self.child.id()).expect("a pid fits in i32");
        kill(Pid::from_raw(pid), Signal::SIGTERM).expect("send SIGTERM");
    }

    /// Its exit status and how long after this call it came, if it exits
    /// within `within`.
    pub async fn exit_within(&mut self, within: Duration) -> Option<(ExitStatus, Duration)> {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return Some((status, started.elapsed()));
            }
            if started.elapsed() >= within {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The `address=` field of the server's "listening" log line.
fn listening_address(line: &str) -> Option<SocketAddr> {
    let (_, rest) = line.split_once("address=")?;
    rest.split_whitespace().next()?.parse().ok()
}
