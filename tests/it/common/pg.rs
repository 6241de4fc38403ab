//! PostgreSQL for the tests: a throwaway cluster (`.ci/postgres`), one
//! database per test.
//!
//! `.ci/run` starts a cluster and exports its URL as
//! `CONFNOTES_TEST_POSTGRES`, with `CONFNOTES_TEST_REQUIRE_POSTGRES=1`. Without
//! the URL, the first test that needs the server starts one itself with the
//! same script, and it stops when the test binary exits (a watchdog shell
//! waits for our end of a pipe to close). Without PostgreSQL installed the
//! tests that need it say SKIPPED, unless `CONFNOTES_TEST_REQUIRE_POSTGRES` is
//! set: then they fail, so CI never passes without them.

use super::{root, skipped};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};

fn required() -> bool {
    std::env::var_os("CONFNOTES_TEST_REQUIRE_POSTGRES").is_some_and(|v| !v.is_empty() && v != "0")
}

/// A cluster this test binary started; stopped when the binary exits.
pub struct Cluster {
    /// `postgres://confnotes@127.0.0.1:PORT/postgres`
    pub url: String,
    pub dir: PathBuf,
    _watchdog: Option<(Child, ChildStdin)>,
}

fn script(args: &[&str]) -> std::io::Result<std::process::Output> {
    Command::new(root().join(".ci/postgres"))
        .args(args)
        .output()
}

impl Cluster {
    /// Start a cluster of our own; `None` (with a notice) when PostgreSQL
    /// is not installed and not required.
    pub fn start(what: &str) -> Option<Cluster> {
        let tmp = tempfile::Builder::new()
            .prefix("confnotes-pg")
            .tempdir()
            .unwrap();
        let dir = tmp.path().join("cluster");
        let out = script(&["start", dir.to_str().unwrap()]).unwrap();
        if !out.status.success() {
            let why = String::from_utf8_lossy(&out.stderr).trim().to_string();
            if required() {
                panic!("{what}: CONFNOTES_TEST_REQUIRE_POSTGRES is set and no PostgreSQL starts: {why}");
            }
            skipped(what, &format!("no PostgreSQL server: {why}"));
            return None;
        }
        let url = String::from_utf8(out.stdout).unwrap().trim().to_string();
        // The watchdog removes the directory once the server has stopped.
        let top = tmp.keep();
        // Stop the server when this process ends, however it ends.
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(r#"read _ignored; "$0" stop "$1/cluster"; rm -rf "$1""#)
            .arg(root().join(".ci/postgres"))
            .arg(&top)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        Some(Cluster {
            url,
            dir,
            _watchdog: Some((child, stdin)),
        })
    }

    /// Stop and start the server again, same port, same data.
    pub fn restart(&self) {
        let out = script(&["restart", self.dir.to_str().unwrap()]).unwrap();
        assert!(
            out.status.success(),
            "restart: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Stop the server now.
    pub fn stop(&self) {
        script(&["stop", self.dir.to_str().unwrap()]).unwrap();
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if let Some((mut child, stdin)) = self._watchdog.take() {
            drop(stdin);
            let _ = child.wait();
        }
    }
}

/// The server the tests share: `CONFNOTES_TEST_POSTGRES`, or one started
/// once for this binary.
fn shared(what: &str) -> Option<String> {
    static SHARED: OnceLock<Option<Mutex<Cluster>>> = OnceLock::new();
    if let Ok(url) = std::env::var("CONFNOTES_TEST_POSTGRES") {
        if !url.trim().is_empty() {
            return Some(url.trim().to_string());
        }
    }
    let cluster = SHARED.get_or_init(|| Cluster::start(what).map(Mutex::new));
    match cluster {
        Some(c) => Some(c.lock().unwrap_or_else(|e| e.into_inner()).url.clone()),
        None => {
            skipped(what, "no PostgreSQL server");
            None
        }
    }
}

/// A fresh, empty database on `server_url`'s server; its URL.
pub fn create_database(server_url: &str) -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    let name = format!(
        "t{}_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
    );
    sql(
        server_url,
        &format!("CREATE DATABASE {name} TEMPLATE template0"),
    );
    let base = server_url
        .rsplit_once('/')
        .map(|(b, _)| b)
        .unwrap_or(server_url);
    format!("{base}/{name}")
}

/// Run `statements` on `url` as one simple query (no parameters, as psql
/// would): the values of every row returned, as text.
pub fn sql(url: &str, statements: &str) -> Vec<Vec<Option<String>>> {
    // On a thread of its own: callers may be inside a tokio runtime.
    let (url, statements) = (url.to_string(), statements.to_string());
    std::thread::spawn(move || sql_here(&url, &statements))
        .join()
        .unwrap_or_else(|e| std::panic::resume_unwind(e))
}

fn sql_here(url: &str, statements: &str) -> Vec<Vec<Option<String>>> {
    use tokio_postgres::SimpleQueryMessage;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
            .await
            .unwrap_or_else(|e| panic!("cannot reach the test PostgreSQL at {url}: {e}"));
        let task = tokio::spawn(conn);
        let messages = client
            .simple_query(statements)
            .await
            .unwrap_or_else(|e| panic!("{statements}: {e}"));
        drop(client);
        let _ = task.await;
        messages
            .iter()
            .filter_map(|m| match m {
                SimpleQueryMessage::Row(r) => {
                    Some((0..r.len()).map(|i| r.get(i).map(str::to_string)).collect())
                }
                _ => None,
            })
            .collect()
    })
}

/// A fresh database on the shared server, for one test; `None` (with a
/// notice) when there is no PostgreSQL and it is not required.
pub fn database(what: &str) -> Option<String> {
    shared(what).map(|url| create_database(&url))
}

/// A [`confnotes::store::Location`] for a database URL.
pub fn location(url: &str) -> confnotes::store::Location {
    confnotes::store::Location::Postgres(confnotes::store::pg::PgOptions {
        url: url.to_string(),
        ..Default::default()
    })
}
