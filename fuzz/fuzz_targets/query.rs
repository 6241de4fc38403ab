//! Any string as a question, a typed title or a name, against an index of
//! the shipped notes built once: never a panic, never an error.

#![no_main]

use confnotes::answer::Engine;
use confnotes::config::Config;
use confnotes::index::{Filters, Silent};
use libfuzzer_sys::fuzz_target;
use std::path::Path;
use std::sync::OnceLock;

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<(Engine, tempfile::TempDir)> = OnceLock::new();
    &ENGINE
        .get_or_init(|| {
            let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
            let tmp = tempfile::tempdir().expect("a temporary directory");
            let config = Config {
                notes_dir: root.join("notes"),
                index_dir: tmp.path().join("index"),
                data_dir: tmp.path().join("data"),
                synonyms_file: root.join("config/synonyms.toml"),
                ..Config::default()
            };
            let (engine, _) = Engine::open(&config, &Silent).expect("the shipped notes index");
            (engine, tmp)
        })
        .0
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let engine = engine();
    let answer = engine
        .ask(text, &Filters::default(), 5, 0)
        .expect("ask never fails");
    assert!(answer.hits.len() <= 5);
    // The same text as a conference and speaker filter, as the bot passes them.
    let filters = Filters {
        conference: Some(text.to_string()),
        speaker: Some(text.to_string()),
        ..Filters::default()
    };
    engine
        .ask("kubernetes", &filters, 3, 1)
        .expect("filters never fail");
    engine.session(text).expect("session never fails");
    engine.matching(text, 5).expect("matching never fails");
});
