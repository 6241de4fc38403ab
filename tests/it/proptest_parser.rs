//! Property tests of the two paths that take untrusted input: the note
//! parser (any bytes, and generated markdown / plain / rst-like notes) and
//! the question path (any string, with or without filters). Nothing may
//! panic or fail, and what comes out keeps its invariants.
//!
//! Case counts are bounded so the file runs in seconds in a debug build, as
//! part of `cargo test` in CI; `fuzz/` holds cargo-fuzz targets for longer
//! runs. `PROPTEST_CASES=10000 cargo test --test it proptest_parser` runs more.

use crate::common;

use confnotes::answer::Engine;
use confnotes::index::Filters;
use confnotes::notes::{read_bytes, Kind};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use std::collections::HashSet;
use std::sync::OnceLock;

/// Cases per property, unless `PROPTEST_CASES` says otherwise.
fn config(cases: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(cases);
    Config {
        cases,
        // Failures are printed with the input; no regression files.
        failure_persistence: None,
        ..Config::default()
    }
}

/// Read `bytes` as the note `rel` and check every invariant of the result.
fn check_note(rel: &str, bytes: &[u8]) {
    let read = read_bytes(rel, bytes);
    assert_eq!(read.hash.len(), 32, "a content hash for every file");
    for d in &read.diagnostics {
        assert_eq!(d.file, rel);
        assert!(!d.message.trim().is_empty());
    }
    let Some(note) = read.note else {
        assert!(!read.diagnostics.is_empty(), "skipped without a reason");
        return;
    };
    assert_eq!(note.file, rel);
    // Line numbers count `\n`, and a lone `\r` when a file has one (old Mac
    // endings); invalid UTF-8 replaced never adds one.
    let newlines = bytes.iter().filter(|&&b| b == b'\n').count();
    let lone_cr = (0..bytes.len())
        .filter(|&i| bytes[i] == b'\r' && bytes.get(i + 1) != Some(&b'\n'))
        .count();
    let last_line = newlines + lone_cr + 1;
    let mut ids = HashSet::new();
    let mut file_slugs = HashSet::new();
    for c in &note.chunks {
        assert!(ids.insert(c.meta.id.as_str()), "id {} repeats", c.meta.id);
        // `file-slug/title-slug`, both parts non-empty.
        let (file_slug, title_slug) = c.meta.id.split_once('/').expect("two parts");
        assert!(
            !file_slug.is_empty() && !title_slug.is_empty(),
            "id {}",
            c.meta.id
        );
        assert!(!title_slug.contains('/'), "id {}", c.meta.id);
        file_slugs.insert(file_slug);
        assert_eq!(c.meta.file, rel);
        assert!(
            (1..=last_line).contains(&c.meta.line),
            "line {} of {last_line}",
            c.meta.line
        );
        assert!(!c.meta.title.trim().is_empty(), "empty title in {c:?}");
        if c.meta.kind == Kind::Section {
            assert!(!c.body.trim().is_empty(), "empty section {c:?}");
        }
        assert!(
            c.meta.speakers.iter().all(|s| !s.trim().is_empty()),
            "{c:?}"
        );
        assert!(
            c.meta.organizations.iter().all(|s| !s.trim().is_empty()),
            "{c:?}"
        );
        assert!(
            c.meta.year.is_none_or(|y| (1900..2100).contains(&y)),
            "{c:?}"
        );
        for l in &c.links {
            assert!(
                l.url.starts_with("http://") || l.url.starts_with("https://"),
                "{l:?}"
            );
            assert!(!l.url.contains(char::is_whitespace), "{l:?}");
            assert!(!l.label.is_empty(), "{l:?}");
        }
    }
    assert!(
        file_slugs.len() <= 1,
        "one file, one id prefix: {file_slugs:?}"
    );
}

/// One line of a generated note: the marks every format's parser reacts to,
/// mixed with words, mentions and Discord markdown.
fn line() -> impl Strategy<Value = String> {
    let word = prop_oneof![
        Just("kubernetes".to_string()),
        Just("@everyone".to_string()),
        Just("<@&123>".to_string()),
        Just("||spoiler||".to_string()),
        Just("**bold**".to_string()),
        Just("`code`".to_string()),
        Just("2024".to_string()),
        "[a-zA-Z]{1,10}",
        "\\PC{1,6}",
    ];
    let words = prop::collection::vec(word, 0..8).prop_map(|w| w.join(" "));
    prop_oneof![
        4 => words.clone(),
        1 => Just(String::new()),
        2 => (1..=7usize, words.clone()).prop_map(|(n, w)| format!("{} {w}", "#".repeat(n))),
        2 => (words.clone(), words.clone())
            .prop_map(|(t, s)| format!("## {t} - Jane Doe, {s}")),
        1 => words.clone().prop_map(|t| format!("Session: {t} - Jane Doe, Acme")),
        1 => words.clone().prop_map(|t| format!("“{t}” by Jane Doe (Acme)")),
        2 => (0..40usize, prop_oneof![Just("- "), Just("* "), Just("1. "), Just("• ")], words.clone())
            .prop_map(|(d, m, w)| format!("{}{m}{w}", " ".repeat(d))),
        1 => (words.clone(), "[a-z]{1,8}")
            .prop_map(|(l, h)| format!("- [{l}](https://{h}.example/x)")),
        1 => "[a-z]{1,8}".prop_map(|h| format!("see https://sched.co/{h} and {h}.io")),
        1 => words.clone().prop_map(|w| format!("`{w} <https://x.io/{w}>`_")),
        1 => prop_oneof![Just("```"), Just("~~~"), Just("```sh")].prop_map(str::to_string),
        1 => prop_oneof![Just("+++"), Just("---"), Just("..."), Just("title = \"x"), Just("title: [x")]
            .prop_map(str::to_string),
        1 => (prop_oneof![Just('='), Just('-'), Just('~'), Just('^')], 1..30usize)
            .prop_map(|(c, n)| c.to_string().repeat(n)),
        1 => words.clone().prop_map(|w| format!(".. note:: {w}")),
        1 => words.clone().prop_map(|w| format!("{w}::")),
        1 => words.clone().prop_map(|w| format!(".. title: {w}")),
        1 => words.clone().prop_map(|w| format!("> {w}")),
        1 => words.clone().prop_map(|w| format!("| {w} | {w} |")),
        1 => words.clone().prop_map(|w| format!("Speaker: {w}")),
        1 => words.prop_map(|w| format!("    {w}")),
        1 => (0..200usize).prop_map(|n| "[".repeat(n)),
    ]
}

fn note_text() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(line(), 0..60),
        prop_oneof![Just("\n"), Just("\r\n"), Just("\n\n")],
    )
        .prop_map(|(lines, nl)| lines.join(nl))
}

fn file_name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("note.md".to_string()),
        Just("kubecon-eu-2023.txt".to_string()),
        Just("sub/dir/talks.rst".to_string()),
        Just("noext".to_string()),
        "[a-z0-9 ._-]{1,12}\\.md",
    ]
}

#[test]
fn any_bytes_parse_without_panicking() {
    let bytes = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..2048),
        // Mostly text, with a few stray bytes.
        (note_text(), prop::collection::vec(any::<u8>(), 0..4)).prop_map(|(t, b)| {
            let mut v = t.into_bytes();
            let at = v.len() / 2;
            v.splice(at..at, b);
            v
        }),
    ];
    TestRunner::new(config(300))
        .run(&(file_name(), bytes), |(rel, bytes)| {
            check_note(&rel, &bytes);
            Ok(())
        })
        .unwrap();
}

#[test]
fn any_string_parses_without_panicking() {
    TestRunner::new(config(300))
        .run(&(file_name(), any::<String>()), |(rel, text)| {
            check_note(&rel, text.as_bytes());
            Ok(())
        })
        .unwrap();
}

#[test]
fn generated_notes_keep_their_invariants() {
    TestRunner::new(config(400))
        .run(&(file_name(), note_text()), |(rel, text)| {
            check_note(&rel, text.as_bytes());
            Ok(())
        })
        .unwrap();
}

/// One engine over the shipped notes, shared by the question properties.
fn engine() -> &'static Engine {
    static ENGINE: OnceLock<(Engine, tempfile::TempDir)> = OnceLock::new();
    &ENGINE.get_or_init(common::shipped).0
}

/// Questions as people and attackers type them: words of the notes, query
/// syntax (tantivy's and others'), quotes, unicode, and long strings.
fn question() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("kubernetes"),
        Just("wasm"),
        Just("k8s"),
        Just("ebpf"),
        Just("kata containers"),
        Just("link"),
        Just("who"),
        Just("AND"),
        Just("OR"),
        Just("NOT"),
        Just("\""),
        Just("'"),
        Just("title:"),
        Just("speakers:x"),
        Just("*"),
        Just("?"),
        Just("~2"),
        Just("^3"),
        Just("("),
        Just(")"),
        Just("["),
        Just("]"),
        Just("{"),
        Just("-"),
        Just("+"),
        Just("\\"),
        Just("/"),
        Just(":"),
        Just("@everyone"),
        Just("<@&123>"),
        Just("ä"),
        Just("\u{0}"),
        Just("\u{200b}"),
        Just("🦀"),
    ];
    prop_oneof![
        4 => prop::collection::vec(token.clone(), 0..12).prop_map(|t| t.join(" ")),
        2 => prop::collection::vec(token, 0..12).prop_map(|t| t.concat()),
        2 => any::<String>(),
        2 => "\\PC{0,40}",
        // As long as a Discord option may be.
        1 => prop::collection::vec("[a-z]{1,12}|kubernetes|wasm", 200..600)
            .prop_map(|w| w.join(" ")),
    ]
}

fn filters() -> impl Strategy<Value = Filters> {
    let text = prop::option::of(prop_oneof![
        Just("KubeCon EU".to_string()),
        Just("Jiaxiao Zhou".to_string()),
        "\\PC{0,12}",
    ]);
    (
        text.clone(),
        prop::option::of(any::<i32>()),
        text,
        prop::option::of(prop::sample::select(Kind::ALL.to_vec())),
    )
        .prop_map(|(conference, year, speaker, kind)| Filters {
            conference,
            year,
            speaker,
            kind,
        })
}

#[test]
fn any_question_gets_an_answer_or_none() {
    let engine = engine();
    TestRunner::new(config(150))
        .run(
            &(question(), filters(), 1..20usize, 0..30usize),
            |(q, filters, limit, offset)| {
                let a = engine.ask(&q, &filters, limit, offset).unwrap();
                assert_eq!(a.query, q);
                assert!(a.hits.len() <= limit);
                for h in &a.hits {
                    assert!(h.score.is_finite(), "{h:?}");
                    assert!(!h.meta.title.trim().is_empty(), "{h:?}");
                    if let Some(k) = filters.kind {
                        assert_eq!(h.meta.kind, k);
                    }
                }
                Ok(())
            },
        )
        .unwrap();
}

#[test]
fn any_typed_title_or_name_is_looked_up_without_failing() {
    let engine = engine();
    let catalog = engine.catalog().unwrap();
    TestRunner::new(config(100))
        .run(&question(), |typed| {
            engine.session(&typed).unwrap();
            assert!(engine.matching(&typed, 5).unwrap().len() <= 5);
            assert!(catalog.match_titles(&typed, 25).len() <= 25);
            assert!(catalog.match_people(&typed, 25).len() <= 25);
            engine.overview(&typed).unwrap();
            Ok(())
        })
        .unwrap();
}

#[test]
fn a_lone_carriage_return_is_a_line_break_for_line_numbers() {
    // Found by `any_bytes_parse_without_panicking`: a chunk on "line 2" of a
    // file with no `\n` is right when a lone `\r` ends its first line.
    check_note("cr.md", b"# Day one\r## A talk\rnotes of it");
    let note = read_bytes("cr.md", b"# Day one\r## A talk\rnotes of it")
        .note
        .unwrap();
    assert!(
        note.chunks.iter().any(|c| c.meta.line == 2),
        "{:?}",
        note.chunks
    );
}
