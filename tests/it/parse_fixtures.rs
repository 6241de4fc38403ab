//! The parser on notes in styles the shipped notes do not use: one directory
//! per case under tests/fixtures/parse/, each with one note and an
//! expected.toml, all checked through one `check()`.

use crate::common;

use confnotes::notes::{read_bytes, Kind, Note};
use serde::Deserialize;
use std::path::Path;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Expected {
    format: String,
    conference: Option<String>,
    year: Option<i32>,
    #[serde(default)]
    sections: Vec<String>,
    #[serde(default)]
    body_contains: Vec<String>,
    #[serde(default)]
    session: Vec<Session>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Session {
    title: String,
    kind: String,
    speakers: Option<Vec<String>>,
    organizations: Option<Vec<String>>,
    section: Option<String>,
    link: Option<String>,
}

fn parse_case(dir: &Path) -> (Note, Expected) {
    let expected: Expected =
        toml::from_str(&std::fs::read_to_string(dir.join("expected.toml")).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let note_path = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap() != "expected.toml")
        .expect("a note file");
    let name = note_path.file_name().unwrap().to_string_lossy().to_string();
    let read = read_bytes(&name, &std::fs::read(&note_path).unwrap());
    assert!(
        read.diagnostics.is_empty(),
        "{name}: {:?}",
        read.diagnostics
    );
    (read.note.unwrap(), expected)
}

/// Every mismatch between a parsed note and its expectations.
fn check(note: &Note, want: &Expected) -> Vec<String> {
    let mut errs = Vec::new();
    if note.format.to_string() != want.format {
        errs.push(format!("format: want {}, got {}", want.format, note.format));
    }
    if let Some(c) = &want.conference {
        let got = note.conference.clone().unwrap_or_default();
        if !got.to_lowercase().contains(&c.to_lowercase())
            && !c.to_lowercase().contains(&got.to_lowercase())
            || got.is_empty()
        {
            errs.push(format!("conference: want {c:?}, got {:?}", note.conference));
        }
    }
    if want.year.is_some() && want.year != note.year {
        errs.push(format!("year: want {:?}, got {:?}", want.year, note.year));
    }
    let sessions: Vec<_> = note
        .chunks
        .iter()
        .filter(|c| c.meta.kind != Kind::Section)
        .collect();
    let got_titles: Vec<&str> = sessions.iter().map(|c| c.meta.title.as_str()).collect();
    let want_titles: Vec<&str> = want.session.iter().map(|s| s.title.as_str()).collect();
    if got_titles != want_titles {
        errs.push(format!(
            "sessions: want {want_titles:#?}\n got {got_titles:#?}"
        ));
        return errs;
    }
    for (c, s) in sessions.iter().zip(&want.session) {
        let t = &s.title;
        if c.meta.kind.as_str() != s.kind {
            errs.push(format!("{t}: kind want {}, got {}", s.kind, c.meta.kind));
        }
        if let Some(sp) = &s.speakers {
            if &c.meta.speakers != sp {
                errs.push(format!(
                    "{t}: speakers want {sp:?}, got {:?}",
                    c.meta.speakers
                ));
            }
        }
        if let Some(o) = &s.organizations {
            if &c.meta.organizations != o {
                errs.push(format!(
                    "{t}: organizations want {o:?}, got {:?}",
                    c.meta.organizations
                ));
            }
        }
        if let Some(sec) = &s.section {
            if c.meta.section.as_ref() != Some(sec) {
                errs.push(format!(
                    "{t}: section want {sec:?}, got {:?}",
                    c.meta.section
                ));
            }
        }
        if let Some(l) = &s.link {
            if !c.links.iter().any(|x| &x.url == l) {
                errs.push(format!("{t}: link {l} missing from {:?}", c.links));
            }
        }
    }
    for sec in &want.sections {
        if !note
            .chunks
            .iter()
            .any(|c| c.meta.kind == Kind::Section && &c.meta.title == sec)
        {
            let got: Vec<_> = note
                .chunks
                .iter()
                .filter(|c| c.meta.kind == Kind::Section)
                .map(|c| &c.meta.title)
                .collect();
            errs.push(format!(
                "section chunk {sec:?} missing; sections are {got:?}"
            ));
        }
    }
    for needle in &want.body_contains {
        if !note.chunks.iter().any(|c| c.body.contains(needle.as_str())) {
            errs.push(format!("no chunk body contains {needle:?}"));
        }
    }
    errs
}

#[test]
fn every_fixture_parses_as_expected() {
    let root = common::root().join("tests/fixtures/parse");
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 10, "at least ten fixture cases");
    let mut failures = Vec::new();
    for dir in &dirs {
        let (note, want) = parse_case(dir);
        let errs = check(&note, &want);
        if !errs.is_empty() {
            failures.push(format!(
                "== {}\n{}",
                dir.file_name().unwrap().to_string_lossy(),
                errs.join("\n")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        dirs.len(),
        failures.join("\n\n")
    );
}
