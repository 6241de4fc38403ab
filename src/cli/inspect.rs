//! `confnotes inspect FILE`: the parser's view of one note, so a team whose
//! notes parse badly can see why, and fix it with `confnotes_talks`.

use crate::config::Config;
use crate::notes::{inspect, read_bytes_with, Inspection};
use anyhow::{Context, Result};
use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

pub(super) fn run(config: &Config, file: &Path, json: bool) -> Result<i32> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    // The name the index would give it: relative to the notes directory.
    let rel = std::fs::canonicalize(file)
        .ok()
        .zip(std::fs::canonicalize(&config.notes_dir).ok())
        .and_then(|(f, d)| f.strip_prefix(d).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| file.file_name().map(Into::into).unwrap_or_default());
    let rel = rel.to_string_lossy().replace('\\', "/");
    let mut out = std::io::stdout().lock();
    if let Some(note) = crate::schedule::note::read_note(&rel, &bytes) {
        // Not a note: the index reads it as a schedule, and so does this.
        let schedule = note
            .note
            .unwrap_or_else(|| unreachable!("a schedule is a note"));
        if json {
            let chunks: Vec<crate::render::SessionJson> =
                schedule.chunks.iter().map(Into::into).collect();
            let diagnostics: Vec<String> =
                note.diagnostics.iter().map(ToString::to_string).collect();
            let report = serde_json::json!({
                "file": schedule.file,
                "schedule": true,
                "conference": schedule.conference,
                "year": schedule.year,
                "chunks": chunks,
                "diagnostics": diagnostics,
            });
            writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
        } else {
            write!(out, "{}", schedule_report(&schedule, &note.diagnostics))?;
        }
        return Ok(0);
    }
    let rule = config.notes.talk_rules().for_file(&rel);
    let read = read_bytes_with(&rel, &bytes, rule);
    if read.note.is_none() {
        for d in &read.diagnostics {
            writeln!(out, "{d}")?;
        }
        return Ok(1);
    }
    let text = String::from_utf8_lossy(&bytes);
    let mut report = inspect(&rel, &text, rule);
    report
        .diagnostics
        .extend(read.diagnostics.iter().map(ToString::to_string));
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
    } else {
        write!(out, "{}", text_report(&report))?;
    }
    Ok(0)
}

/// A schedule as the index holds it: its events in time order with their
/// schedule lines, and what the reader had to say. `confnotes schedule
/// --matches` shows which of them the notes cover.
fn schedule_report(note: &crate::notes::Note, diagnostics: &[crate::notes::Diagnostic]) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{}: a conference schedule{}, {} events",
        note.file,
        note.conference
            .as_deref()
            .map(|c| format!(" of {c}"))
            .unwrap_or_default(),
        note.chunks.len()
    );
    for c in &note.chunks {
        let line = c.meta.slot.as_ref().map_or("", |slot| slot.line.as_str());
        let _ = writeln!(s, "  {line}  {}", c.meta.title);
        if !c.meta.speakers.is_empty() {
            let _ = writeln!(s, "      {}", c.meta.speakers.join(", "));
        }
    }
    for d in diagnostics {
        let _ = writeln!(s, "{d}");
    }
    s
}

fn text_report(r: &Inspection) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} ({}): {}",
        r.file,
        r.format,
        [
            r.conference.clone(),
            r.year.map(|y| y.to_string()),
            r.title.clone().map(|t| format!("“{t}”")),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ")
    );
    let _ = writeln!(s, "decision: {}", r.decision);
    let _ = writeln!(s, "\noutline:");
    for h in &r.outline {
        let indent = "  ".repeat(usize::from(h.level.saturating_sub(1)).min(6));
        let role = serde_json::to_value(h.role)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        let _ = write!(s, "  {:>5}  {indent}{:<10} {}", h.line, role, h.text);
        if !h.speakers.is_empty() {
            let _ = write!(s, "  — {}", h.speakers.join(", "));
        }
        if !h.evidence.is_empty() {
            let _ = write!(s, "  [{}]", h.evidence.join("; "));
        }
        s.push('\n');
    }
    let _ = writeln!(s, "\nchunks:");
    for c in &r.chunks {
        let _ = write!(
            s,
            "  {:>5}  {:<9} {}",
            c.meta.line,
            c.meta.kind.as_str(),
            c.meta.title
        );
        if !c.meta.speakers.is_empty() {
            let _ = write!(s, "  — {}", c.meta.speakers.join(", "));
        }
        if !c.meta.organizations.is_empty() {
            let _ = write!(s, " ({})", c.meta.organizations.join(", "));
        }
        if let Some(sec) = &c.meta.section {
            let _ = write!(s, "  in “{sec}”");
        }
        s.push('\n');
    }
    for d in &r.diagnostics {
        let _ = writeln!(s, "{d}");
    }
    s
}
