//! Digests, for a terminal and as plain cards for chat.

use super::card::Card;
use super::Style;
use crate::digest::Digest;
use std::fmt::Write;

/// "Sessions of the day · Sunday 22 November 2026 · topic ebpf".
/// The heading of the digest's gaps section.
pub const GAPS_HEADING: &str = "Asked this week, not in the notes";

pub fn digest_heading(d: &Digest) -> String {
    let mut s = format!("Sessions of the day · {}", d.date.format("%A %-d %B %Y"));
    if let Some(t) = &d.topic {
        let _ = write!(s, " · topic “{t}”");
    }
    s
}

/// One card per session of the day, with its summary and links.
pub fn digest_cards(d: &Digest) -> Vec<Card> {
    d.sessions
        .iter()
        .map(|s| Card {
            title: s.meta.title.clone(),
            url: s
                .links
                .iter()
                .find(|l| l.label.starts_with("source:"))
                .or_else(|| s.links.first())
                .map(|l| l.url.clone()),
            byline: super::byline(&s.meta),
            text: s.summary.clone(),
            summary: None,
            links: s.links.clone(),
            schedule: s.meta.slot.as_ref().map(|s| s.line.clone()),
            schedule_abstract: None,
            footer: format!("{} · {}", s.meta.kind, s.meta.location()),
        })
        .collect()
}

/// "New in the notes" lines: "added: Title".
/// "11:00–11:35 · Hall 7, Room A · Title (notes)": the day's events of a
/// schedule, those the team has notes on marked.
pub fn today_lines(d: &Digest) -> Vec<String> {
    d.today
        .iter()
        .map(|e| {
            let mut parts = Vec::new();
            if let Some(slot) = &e.meta.slot {
                let mut when = slot
                    .start
                    .map(|s| s.format("%H:%M").to_string())
                    .unwrap_or_default();
                if let Some(end) = slot.end {
                    when.push_str(&end.format("–%H:%M").to_string());
                }
                parts.extend(Some(when).filter(|w| !w.is_empty()));
                parts.extend(slot.room.clone());
            }
            let notes = if e.notes.is_some() { " (notes)" } else { "" };
            parts.push(format!("{}{notes}", e.meta.title));
            parts.join(" · ")
        })
        .collect()
}

/// "Asked this week, not in the notes": one line per topic.
pub fn gap_lines(d: &Digest) -> Vec<String> {
    d.gaps
        .iter()
        .map(|g| match g.asked {
            1 => format!("“{}”", g.question),
            n => format!("“{}” (asked {n}×)", g.question),
        })
        .collect()
}

pub fn new_lines(d: &Digest) -> Vec<String> {
    d.new
        .iter()
        .map(|n| format!("{}: {}", n.change, n.title))
        .collect()
}

/// What `confnotes digest` prints.
pub fn digest_text(d: &Digest, style: &Style) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", style.bold(&digest_heading(d)));
    if d.sessions.is_empty() {
        let _ = writeln!(
            out,
            "\nNo sessions to feature{}.",
            match &d.topic {
                Some(t) => format!(" on “{t}”"),
                None => String::new(),
            }
        );
    }
    for (i, c) in digest_cards(d).iter().enumerate() {
        let _ = writeln!(out, "\n{}. {}", i + 1, style.bold(&c.title));
        if !c.byline.is_empty() {
            let _ = writeln!(out, "   {}", style.dim(&c.byline));
        }
        if !c.text.is_empty() {
            let _ = writeln!(out, "   {}", c.text.replace('\n', "\n   "));
        }
        for l in &c.links {
            let _ = writeln!(out, "   - {}: {}", l.label, style.cyan(&l.url));
        }
        let _ = writeln!(out, "   {}", style.dim(&c.footer));
    }
    if !d.today.is_empty() {
        let _ = writeln!(out, "\n{}", style.bold("Today in the schedule"));
        for line in today_lines(d) {
            let _ = writeln!(out, "- {line}");
        }
    }
    let _ = writeln!(out, "\n{}", style.bold("New in the notes"));
    if d.new.is_empty() {
        let _ = writeln!(out, "Nothing added or changed.");
    }
    for line in new_lines(d) {
        let _ = writeln!(out, "- {line}");
    }
    if !d.gaps.is_empty() {
        let _ = writeln!(out, "\n{}", style.bold(GAPS_HEADING));
        for line in gap_lines(d) {
            let _ = writeln!(out, "- {line}");
        }
    }
    let _ = writeln!(
        out,
        "{}",
        style.dim(&format!("(rotating through {} sessions)", d.rotation_size))
    );
    out
}
