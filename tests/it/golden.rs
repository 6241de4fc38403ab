//! Golden files: for each shipped note, the sessions it must yield (title,
//! speakers, organisations, kind, section), in tests/golden/<note>.json.
//! `UPDATE_GOLDEN=1 cargo test --test it golden` rewrites them; review the diff.

use crate::common;

use confnotes::notes::{read_bytes, Chunk};
use serde::{Deserialize, Serialize};

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Expected {
    title: String,
    kind: String,
    speakers: Vec<String>,
    organizations: Vec<String>,
    section: Option<String>,
}

impl From<&Chunk> for Expected {
    fn from(c: &Chunk) -> Self {
        Expected {
            title: c.meta.title.clone(),
            kind: c.meta.kind.to_string(),
            speakers: c.meta.speakers.clone(),
            organizations: c.meta.organizations.clone(),
            section: c.meta.section.clone(),
        }
    }
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Golden {
    format: String,
    conference: Option<String>,
    year: Option<i32>,
    chunks: Vec<Expected>,
}

#[test]
fn shipped_notes_match_their_golden_files() {
    let notes = common::root().join("notes");
    let golden_dir = common::root().join("tests/golden");
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut names: Vec<_> = std::fs::read_dir(&notes)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| !n.starts_with('.'))
        .collect();
    names.sort();
    assert_eq!(names.len(), 5, "five shipped notes");
    let mut failures = Vec::new();
    for name in names {
        let bytes = std::fs::read(notes.join(&name)).unwrap();
        let read = read_bytes(&name, &bytes);
        assert!(
            read.diagnostics.is_empty(),
            "{name}: {:?}",
            read.diagnostics
        );
        let note = read.note.unwrap();
        let got = Golden {
            format: note.format.to_string(),
            conference: note.conference.clone(),
            year: note.year,
            chunks: note.chunks.iter().map(Expected::from).collect(),
        };
        let path = golden_dir.join(format!("{name}.json"));
        if update {
            std::fs::create_dir_all(&golden_dir).unwrap();
            std::fs::write(&path, serde_json::to_string_pretty(&got).unwrap() + "\n").unwrap();
            continue;
        }
        let want: Golden = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        if want != got {
            failures.push(format!(
                "{name} differs from {}:\nwant: {}\ngot:  {}",
                path.display(),
                serde_json::to_string_pretty(&want).unwrap(),
                serde_json::to_string_pretty(&got).unwrap()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn shipped_notes_are_byte_identical_to_the_seeds() {
    let seeds = common::root().join("../shared/seeds");
    if !seeds.is_dir() {
        common::skipped(
            "notes/ byte-identical to the seeds",
            "../shared/seeds is absent",
        );
        return;
    }
    let mut seed_bytes: Vec<Vec<u8>> = std::fs::read_dir(&seeds)
        .unwrap()
        .map(|e| std::fs::read(e.unwrap().path()).unwrap())
        .collect();
    let mut note_bytes: Vec<Vec<u8>> = std::fs::read_dir(common::root().join("notes"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    seed_bytes.sort();
    note_bytes.sort();
    assert_eq!(seed_bytes, note_bytes);
}
