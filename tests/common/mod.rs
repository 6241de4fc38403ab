//! Helpers shared by the integration tests.
#![allow(dead_code)]

use confnotes::answer::Engine;
use confnotes::config::Config;
use confnotes::index::Silent;
use std::path::{Path, PathBuf};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
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
