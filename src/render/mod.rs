//! Answers and reports as text for a terminal, and as the stable JSON the
//! README documents. Plain data in, strings out: no I/O here.

pub mod card;
pub mod digest;
pub mod gaps;

use crate::answer::{Answer, ConferenceInfo, Hit};
use crate::index::Report;
use crate::notes::{Chunk, Link, SessionMeta};
use serde::Serialize;
use std::fmt::Write;

/// How to style terminal text.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
}

impl Style {
    fn paint(&self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    pub fn bold(&self, s: &str) -> String {
        self.paint("1", s)
    }
    pub fn dim(&self, s: &str) -> String {
        self.paint("2", s)
    }
    fn cyan(&self, s: &str) -> String {
        self.paint("36", s)
    }
    fn yellow(&self, s: &str) -> String {
        self.paint("33", s)
    }
    /// `**word**` markers as bold on a terminal, kept as-is when piped.
    fn highlights(&self, s: &str) -> String {
        if !self.color {
            return s.to_string();
        }
        let mut out = String::new();
        for (i, part) in s.split("**").enumerate() {
            if i % 2 == 1 {
                out.push_str(&self.paint("1;33", part));
            } else {
                out.push_str(part);
            }
        }
        out
    }
}

/// `sessions --json` entries.
#[derive(Debug, Serialize)]
pub struct SessionJson<'a> {
    #[serde(flatten)]
    pub meta: &'a SessionMeta,
    pub links: &'a [Link],
}

impl<'a> From<&'a Chunk> for SessionJson<'a> {
    fn from(c: &'a Chunk) -> Self {
        SessionJson {
            meta: &c.meta,
            links: &c.links,
        }
    }
}

/// `session --json`: a hit with its whole body.
#[derive(Debug, Serialize)]
pub struct SessionFull<'a> {
    #[serde(flatten)]
    pub hit: &'a Hit,
    pub body: &'a str,
}

/// What a hit is, as the terminal and the cards say it: its kind, or that
/// it comes from a conference's schedule and not from the team's notes.
pub fn kind_label(kind: crate::notes::Kind) -> &'static str {
    match kind {
        crate::notes::Kind::Scheduled => "from the schedule, no notes",
        k => k.as_str(),
    }
}

/// Where a session is, for a footer: `file:line`, or the schedule's file.
pub fn place_label(m: &SessionMeta) -> String {
    match m.kind {
        crate::notes::Kind::Scheduled => m.file.clone(),
        _ => m.location(),
    }
}

/// "Speakers · Organisations · Conference Year · section".
pub fn byline(m: &SessionMeta) -> String {
    byline_of(m, true)
}

/// The byline, with or without the conference and year (a listing under
/// its file's name has them once, above).
fn byline_of(m: &SessionMeta, conference: bool) -> String {
    let mut parts = Vec::new();
    if !m.speakers.is_empty() {
        parts.push(m.speakers.join(", "));
    }
    if !m.organizations.is_empty() {
        parts.push(m.organizations.join(", "));
    }
    match (&m.conference, m.year) {
        _ if !conference => {}
        (Some(c), Some(y)) => parts.push(format!("{c} {y}")),
        (Some(c), None) => parts.push(c.clone()),
        (None, Some(y)) => parts.push(y.to_string()),
        (None, None) => {}
    }
    if let Some(s) = &m.section {
        parts.push(s.clone());
    }
    parts.join(" · ")
}

fn links_block(out: &mut String, style: &Style, links: &[Link], indent: &str) {
    for l in links {
        let _ = writeln!(out, "{indent}- {}: {}", l.label, style.cyan(&l.url));
    }
}

pub fn answer_text(a: &Answer, style: &Style, verbose: bool) -> String {
    let mut out = String::new();
    if a.hits.is_empty() {
        no_results(&mut out, a, style);
        return out;
    }
    if a.nearest {
        let _ = writeln!(
            out,
            "{}\n",
            style.yellow(&card::nearest_text(a).replace("**", ""))
        );
    }
    for (i, h) in a.hits.iter().enumerate() {
        let _ = writeln!(
            out,
            "{}. {}  {}",
            i + 1,
            style.bold(&h.meta.title),
            style.dim(&format!("[{}]", kind_label(h.meta.kind)))
        );
        let by = byline(&h.meta);
        if !by.is_empty() {
            let _ = writeln!(out, "   {by}");
        }
        if let Some(slot) = &h.meta.slot {
            let _ = writeln!(out, "   {}", style.dim(&format!("schedule: {}", slot.line)));
        }
        for line in h.snippet.lines() {
            let _ = writeln!(out, "   {}", style.highlights(line));
        }
        if verbose && !h.why.is_empty() {
            let _ = writeln!(out, "   {}", style.dim(&format!("why: {}", h.why)));
        }
        let _ = writeln!(
            out,
            "   {}",
            style.dim(&format!("{} · {}", place_label(&h.meta), h.meta.id))
        );
        if i == 0 {
            if !h.summary.is_empty() {
                let _ = writeln!(out, "   {}", style.bold("Summary:"));
                for line in h.summary.lines() {
                    let _ = writeln!(out, "     {line}");
                }
            }
            if !h.links.is_empty() {
                let _ = writeln!(out, "   {}", style.bold("Links:"));
                links_block(&mut out, style, &h.links, "     ");
            }
        }
        out.push('\n');
    }
    out
}

fn no_results(out: &mut String, a: &Answer, style: &Style) {
    let _ = writeln!(out, "No session matches {:?}.", a.query);
    if let Some(s) = &a.did_you_mean {
        let _ = writeln!(out, "Did you mean: {}", style.bold(s));
    }
    if !a.conferences.is_empty() {
        let _ = writeln!(out, "The notes cover:");
        conferences_lines(out, &a.conferences);
    }
}

fn conferences_lines(out: &mut String, confs: &[ConferenceInfo]) {
    for c in confs {
        let year = c.year.map(|y| format!(" {y}")).unwrap_or_default();
        let _ = writeln!(
            out,
            "  - {}{year}: {} sessions ({})",
            c.name,
            c.sessions,
            c.files.join(", ")
        );
    }
}

pub fn links_text(a: &Answer, style: &Style) -> String {
    let mut out = String::new();
    if a.hits.is_empty() {
        no_results(&mut out, a, style);
        return out;
    }
    let with_links: Vec<&Hit> = a.hits.iter().filter(|h| !h.links.is_empty()).collect();
    if with_links.is_empty() {
        let _ = writeln!(out, "The matching sessions have no links:");
        for h in &a.hits {
            let _ = writeln!(out, "  - {} ({})", h.meta.title, place_label(&h.meta));
        }
        return out;
    }
    for h in with_links {
        let _ = writeln!(
            out,
            "{}  {}",
            style.bold(&h.meta.title),
            style.dim(&place_label(&h.meta))
        );
        links_block(&mut out, style, &h.links, "  ");
    }
    out
}

pub fn session_text(h: &Hit, body: &str, style: &Style) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}  {}",
        style.bold(&h.meta.title),
        style.dim(&format!("[{}]", kind_label(h.meta.kind)))
    );
    let by = byline(&h.meta);
    if !by.is_empty() {
        let _ = writeln!(out, "{by}");
    }
    if let Some(slot) = &h.meta.slot {
        let _ = writeln!(out, "{}", style.dim(&format!("schedule: {}", slot.line)));
    }
    let _ = writeln!(
        out,
        "{}",
        style.dim(&format!("{} · {}", place_label(&h.meta), h.meta.id))
    );
    if !h.summary.is_empty() {
        let _ = writeln!(out, "\n{}", style.bold("Summary:"));
        for line in h.summary.lines() {
            let _ = writeln!(out, "  {line}");
        }
    }
    let _ = writeln!(out, "\n{body}");
    if let Some(a) = &h.schedule_abstract {
        let _ = writeln!(out, "\n{}\n{a}", style.bold("From the schedule:"));
    }
    if !h.links.is_empty() {
        let _ = writeln!(out, "\n{}", style.bold("Links:"));
        links_block(&mut out, style, &h.links, "  ");
    }
    out
}

pub fn sessions_text(chunks: &[Chunk], style: &Style) -> String {
    let mut out = String::new();
    let mut file = "";
    for c in chunks {
        if c.meta.file != file {
            file = &c.meta.file;
            let _ = writeln!(out, "{}", style.bold(file));
        }
        let by = byline_of(&c.meta, false);
        let by = if by.is_empty() {
            String::new()
        } else {
            format!(" — {by}")
        };
        let _ = writeln!(
            out,
            "  {:>4}  {:<9} {}{}",
            c.meta.line,
            c.meta.kind.as_str(),
            c.meta.title,
            style.dim(&by)
        );
    }
    out
}

pub fn report_text(r: &Report, notes_dir: &str, style: &Style) -> String {
    let mut out = String::new();
    if let Some(why) = &r.rebuilt {
        let _ = writeln!(out, "{} {why}", style.yellow("warning:"));
    }
    let _ = writeln!(
        out,
        "Indexed {} chunks ({} sessions) from {} files in {} ({} read, {} unchanged, {} removed) in {:.0?}.",
        r.chunks, r.sessions, r.files, notes_dir, r.files_read, r.files_unchanged, r.files_removed, r.elapsed
    );
    if !r.added.is_empty() || !r.changed.is_empty() || !r.removed.is_empty() {
        let _ = writeln!(
            out,
            "Changes: {} added, {} changed, {} removed.",
            r.added.len(),
            r.changed.len(),
            r.removed.len()
        );
    }
    if r.diagnostics.is_empty() {
        let _ = writeln!(out, "No problems found.");
    } else {
        let _ = writeln!(out, "{} problem(s):", r.diagnostics.len());
        for d in &r.diagnostics {
            let _ = writeln!(out, "  {}", style.yellow(&d.to_string()));
        }
    }
    out
}

/// `confnotes schedule`: each schedule's events in its order, those with
/// notes marked, the coverage, and with `matches` the decision for each of
/// the team's sessions of that conference.
pub fn coverage_text(
    all: &[crate::answer::coverage::Coverage],
    matches: bool,
    style: &Style,
) -> String {
    let mut out = String::new();
    if all.is_empty() {
        out.push_str("No conference schedule under the notes.\n");
    }
    for c in all {
        let name = match (&c.conference, c.year) {
            (Some(n), Some(y)) if !n.contains(&y.to_string()) => format!("{n} {y}"),
            (Some(n), None) => n.clone(),
            _ => "(conference not named)".to_string(),
        };
        let _ = writeln!(
            out,
            "{} ({}): notes on {} of {} sessions",
            style.bold(&name),
            c.source,
            c.with_notes,
            c.events.len()
        );
        for e in &c.events {
            let mark = if e.notes.is_some() { "✓" } else { " " };
            let when = e.meta.section.as_deref().unwrap_or("");
            let _ = writeln!(out, "  {mark} {}  {}", style.dim(when), e.meta.title);
            if let Some(id) = &e.notes {
                let _ = writeln!(out, "      {}", style.dim(&format!("notes: {id}")));
            }
        }
        if matches {
            decisions_text(&mut out, &c.decisions, style);
        }
    }
    out
}

fn decisions_text(
    out: &mut String,
    decisions: &[crate::schedule::matching::Decision],
    style: &Style,
) {
    let _ = writeln!(out, "  Match decisions for the team's sessions:");
    for d in decisions {
        let best = d.event.as_ref().map_or_else(
            || "no event".to_string(),
            |(_, title, score)| format!("“{title}” {score:.2}"),
        );
        let second = d
            .runner_up
            .as_ref()
            .map_or_else(String::new, |(_, title, score)| {
                format!("; next “{title}” {score:.2}")
            });
        let outcome = serde_json::to_value(d.outcome)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "    {}  {} → {best}{second}",
            style.dim(&outcome),
            d.title
        );
    }
}
