//! The real `confnotes serve` against the mock, as a child process: the
//! environment that points it at the mock, and a handle that drains its
//! log and kills it when dropped, so a failing test leaves no process
//! behind.

use super::MockDiscord;
use crate::common;
use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};

/// `confnotes serve` against `mock`, on `notes`, its state in `data`,
/// checking for due digests every second; stderr piped.
pub fn serve_command(mock: &MockDiscord, notes: &Path, data: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_confnotes"));
    command
        .current_dir(common::root())
        .args(["--notes", notes.to_str().unwrap(), "serve"])
        .env("DISCORD_TOKEN", crate::common::TEST_TOKEN)
        .env("CONFNOTES_DISCORD__API_BASE", &mock.api_base)
        .env("CONFNOTES_DATA_DIR", data)
        .env("CONFNOTES_INDEX__WATCH", "false")
        .env("CONFNOTES_DIGEST__CHECK_SECONDS", "1")
        .env("CONFNOTES_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    command
}

/// A running `serve`: killed (SIGKILL) on drop unless stopped.
pub struct Serve {
    child: Option<Child>,
    log: Arc<Mutex<String>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Serve {
    /// Start `command` (from [`serve_command`]), reading its stderr as it
    /// comes so a full pipe never blocks it.
    pub fn spawn(mut command: Command) -> Serve {
        let mut child = command.spawn().expect("confnotes serve starts");
        let mut stderr = child.stderr.take().expect("stderr piped");
        let log = Arc::new(Mutex::new(String::new()));
        let sink = Arc::clone(&log);
        let reader = std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n @ 1..) = stderr.read(&mut buf) {
                let text = String::from_utf8_lossy(&buf[..n]);
                sink.lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push_str(&text);
            }
        });
        Serve {
            child: Some(child),
            log,
            reader: Some(reader),
        }
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map(|c| c.id()).unwrap_or(0)
    }

    /// What it logged so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// SIGTERM, then wait for it to exit: its status and its whole log.
    #[cfg(unix)]
    pub async fn stop(mut self) -> (ExitStatus, String) {
        let mut child = self.child.take().expect("running");
        let pid = child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(sent.success(), "kill -TERM {pid}");
        let reader = self.reader.take();
        let status = tokio::task::spawn_blocking(move || {
            let status = child.wait().unwrap();
            if let Some(r) = reader {
                let _ = r.join();
            }
            status
        })
        .await
        .unwrap();
        (status, self.log())
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
