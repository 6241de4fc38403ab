//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod pg;

/// A token shaped like Discord's, for `serve` against the mock.
pub const TEST_TOKEN: &str = "MTEwMDAwMDAwMDAwMDAwMDAwMg.GaBcDe.mock-discord-test-token-000000";

use confnotes::answer::Engine;
use confnotes::config::Config;
use confnotes::index::Silent;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Say that a check did not run and why, where `cargo test` shows it: the
/// test harness captures `println!` of passing tests, not the process's
/// stderr itself. Printed once per message and test binary.
pub fn skipped(what: &str, why: &str) {
    use std::io::Write;
    use std::sync::Mutex;
    static SAID: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let line = format!("SKIPPED: {what}: {why}\n");
    let mut said = SAID.lock().unwrap_or_else(|e| e.into_inner());
    if !said.contains(&line) {
        let _ = std::io::stderr().write_all(line.as_bytes());
        said.push(line);
    }
}

/// An engine over `notes` with its index in a fresh temporary directory.
pub fn engine(notes: &Path) -> (Engine, tempfile::TempDir) {
    let tmp = tempfile::tempdir().unwrap();
    let config = Config {
        notes_dir: notes.to_path_buf(),
        index_dir: tmp.path().join("index"),
        synonyms_file: root().join("config/synonyms.toml"),
        ..Config::default()
    };
    let (engine, _) = Engine::open(&config, &Silent).unwrap();
    (engine, tmp)
}

/// The engine over the shipped notes.
pub fn shipped() -> (Engine, tempfile::TempDir) {
    engine(&root().join("notes"))
}

/// Run the `confnotes` binary on `notes` with its index in `index`.
pub fn confnotes(notes: &Path, index: &Path, args: &[&str]) -> Output {
    confnotes_env(notes, index, &[], args)
}

/// [`confnotes`] with extra environment variables.
pub fn confnotes_env(notes: &Path, index: &Path, env: &[(&str, &str)], args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_confnotes"))
        .current_dir(root())
        .env_remove("NO_COLOR")
        .envs(env.iter().copied())
        .args([
            "--notes",
            notes.to_str().unwrap(),
            "--index",
            index.to_str().unwrap(),
        ])
        .args(args)
        .output()
        .unwrap()
}

/// The JSON a successful run printed.
pub fn json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A notes directory holding one shipped note, in a temporary directory.
pub fn one_note() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let notes = tmp.path().join("notes");
    std::fs::create_dir(&notes).unwrap();
    std::fs::copy(
        root().join("notes/kubecon-eu-2023.md"),
        notes.join("kubecon.md"),
    )
    .unwrap();
    (tmp, notes)
}

/// Copy the shipped notes into `to`.
pub fn copy_shipped(to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(root().join("notes")).unwrap() {
        let p = e.unwrap().path();
        if p.is_file() {
            std::fs::copy(&p, to.join(p.file_name().unwrap())).unwrap();
        }
    }
}

/// Names, sizes and modification times of the files in `dir`, sorted: equal
/// listings mean nothing in `dir` was written.
pub fn listing(dir: &Path) -> Vec<(String, u64, std::time::SystemTime)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let m = e.metadata().unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                m.len(),
                m.modified().unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}
