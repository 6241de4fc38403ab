//! Any bytes as a note file: reading never panics, and what comes out keeps
//! the invariants the index and Discord rely on.

#![no_main]

use libfuzzer_sys::fuzz_target;
use std::collections::HashSet;

fuzz_target!(|data: &[u8]| {
    // The first byte picks the file name, so every format and file-name
    // fallback (conference from the name, empty slugs) is reached.
    const NAMES: [&str; 5] = [
        "note.md",
        "kubecon-eu-2023.txt",
        "sub/talks.rst",
        "-.md",
        "noext",
    ];
    let (rel, bytes) = match data.split_first() {
        Some((b, rest)) => (NAMES[usize::from(*b) % NAMES.len()], rest),
        None => ("note.md", data),
    };
    let read = confnotes::notes::read_bytes(rel, bytes);
    assert!(read.diagnostics.iter().all(|d| d.file == rel));
    let Some(note) = read.note else {
        assert!(!read.diagnostics.is_empty(), "skipped without a reason");
        return;
    };
    let last_line = bytes.iter().filter(|&&b| b == b'\n').count() + 1;
    let mut ids = HashSet::new();
    for c in &note.chunks {
        let m = &c.meta;
        assert!(ids.insert(m.id.clone()), "id {} repeats", m.id);
        assert_eq!(m.file, rel);
        assert!(
            (1..=last_line).contains(&m.line),
            "line {} of {last_line}",
            m.line
        );
        assert!(!m.title.trim().is_empty(), "empty title");
        assert!(c.links.iter().all(|l| l.url.starts_with("http")));
    }
});
