//! Gaps (questions the notes could not answer) grouped by topic, as text
//! for a terminal or for Discord, and the JSON `confnotes gaps --json`
//! prints.

use super::Style;
use crate::answer::gaps::{Closed, GapTopic};
use crate::store::{Gap, GapReason};
use serde::Serialize;
use std::fmt::Write;

/// `confnotes gaps --json` (README, JSON).
#[derive(Debug, Clone, Serialize)]
pub struct GapsReport {
    /// Gaps this run found answered by the notes now, and closed.
    pub closed_now: Vec<Closed>,
    /// Most asked first.
    pub topics: Vec<GapTopic>,
}

/// Where the text goes: a terminal (styled) or Discord (markdown, channel
/// mentions, and the text of questions and titles through the adapter's
/// `escape`, since the rest of the line is markdown of our own making).
#[derive(Debug, Clone, Copy)]
pub enum Target {
    Terminal(Style),
    Discord { escape: fn(&str) -> String },
}

impl Target {
    fn bold(&self, s: &str) -> String {
        match self {
            Target::Terminal(style) => style.bold(s),
            Target::Discord { .. } => format!("**{s}**"),
        }
    }

    /// Text from people or notes.
    fn text(&self, s: &str) -> String {
        match self {
            Target::Terminal(_) => s.to_string(),
            Target::Discord { escape } => escape(s),
        }
    }

    fn channel(&self, c: u64) -> String {
        match self {
            Target::Terminal(_) => format!("channel {c}"),
            Target::Discord { .. } => format!("<#{c}>"),
        }
    }
}

/// The report as lines: a heading per topic, then its questions.
pub fn gaps_text(r: &GapsReport, target: Target) -> String {
    let mut out = String::new();
    let asked: usize = r.topics.iter().map(|t| t.asked).sum();
    let open: usize = r.topics.iter().map(|t| t.open).sum();
    if asked == 0 {
        out.push_str("No questions recorded as unanswered by the notes.\n");
        return out;
    }
    let _ = writeln!(
        out,
        "{} question(s) the notes could not answer, {} still open, in {} topic(s).",
        asked,
        open,
        r.topics.len()
    );
    for c in &r.closed_now {
        let _ = writeln!(
            out,
            "Closed now: “{}”, answered by “{}” ({}).",
            target.text(&c.question),
            target.text(&c.title),
            target.text(&c.session_id)
        );
    }
    for t in &r.topics {
        let name = if t.words.is_empty() {
            "(no topic words)".to_string()
        } else {
            target.text(&t.words.join(", "))
        };
        let _ = writeln!(
            out,
            "\n{} — asked {}×, {} open",
            target.bold(&name),
            t.asked,
            t.open
        );
        for g in &t.gaps {
            gap_line(&mut out, g, target);
        }
    }
    out
}

fn gap_line(out: &mut String, g: &Gap, target: Target) {
    let place = g.channel_id.map(|c| target.channel(c)).unwrap_or_default();
    let why = match g.reason {
        GapReason::NoMatch => "no match",
        GapReason::NotHelpful => "not helpful",
    };
    let _ = writeln!(
        out,
        "- {} {} “{}” ({why})",
        g.asked_at.format("%Y-%m-%d"),
        place,
        target.text(&g.question)
    );
    match &g.closed {
        Some(c) => {
            let _ = writeln!(
                out,
                "  closed {} by “{}” ({})",
                c.at.format("%Y-%m-%d"),
                target.text(&c.title),
                target.text(&c.session_id)
            );
        }
        None if !g.nearest.is_empty() => {
            let near: Vec<String> = g
                .nearest
                .iter()
                .map(|n| format!("{} ({:.2})", target.text(&n.title), n.score))
                .collect();
            let _ = writeln!(out, "  nearest: {}", near.join("; "));
        }
        None => {}
    }
}
