//! Answers as cards: plain data a chat front end turns into its own message
//! format (the bot into Discord embeds). Limits of any one chat service are
//! applied by its adapter, not here.

use crate::answer::{Answer, ConferenceInfo, Hit};
use crate::notes::Link;

/// One result, ready to show.
#[derive(Debug, Clone, PartialEq)]
pub struct Card {
    pub title: String,
    /// Where the title links to: the session's own page, else the note's source.
    pub url: Option<String>,
    /// "Speakers · Organisations · Conference Year · section".
    pub byline: String,
    /// Snippet with `**bold**` matches, or the summary when there is none.
    pub text: String,
    pub summary: Option<String>,
    pub links: Vec<Link>,
    /// Its line on the conference's schedule, when it has one.
    pub schedule: Option<String>,
    /// The schedule's abstract of a session of the notes (full cards only).
    pub schedule_abstract: Option<String>,
    /// "kind · file:line", or "from the schedule, no notes · file".
    pub footer: String,
}

impl Card {
    /// A compact card: snippet only. `full` adds the summary and links.
    pub fn from_hit(h: &Hit, full: bool) -> Card {
        let url = h.url.clone();
        let text = if h.snippet.is_empty() {
            h.summary.clone()
        } else {
            h.snippet.clone()
        };
        Card {
            title: h.meta.title.clone(),
            url,
            byline: super::byline(&h.meta),
            text,
            summary: (full && !h.summary.is_empty()).then(|| h.summary.clone()),
            links: if full { h.links.clone() } else { Vec::new() },
            schedule: h.meta.slot.as_ref().map(|s| s.line.clone()),
            schedule_abstract: h.schedule_abstract.clone().filter(|_| full),
            footer: format!(
                "{} · {}",
                super::kind_label(h.meta.kind),
                super::place_label(&h.meta)
            ),
        }
    }
}

/// Cards for an answer: the first hit in full, the others compact.
pub fn answer_cards(a: &Answer) -> Vec<Card> {
    a.hits
        .iter()
        .enumerate()
        .map(|(i, h)| Card::from_hit(h, i == 0))
        .collect()
}

/// The line above the nearest notes when none is close to the question.
pub fn nearest_text(a: &Answer) -> String {
    let mut s = format!("Nothing in the notes is close to “{}”.", a.query.trim());
    if let Some(d) = &a.did_you_mean {
        s.push_str(&format!(" Did you mean **{d}**?"));
    }
    s.push_str(" The nearest notes:");
    s
}

/// The helpful reply when nothing matched.
pub fn no_results_text(a: &Answer) -> String {
    let mut s = format!("No session matches “{}”.", a.query.trim());
    if let Some(d) = &a.did_you_mean {
        s.push_str(&format!("\nDid you mean **{d}**?"));
    }
    if !a.conferences.is_empty() {
        s.push_str("\nThe notes cover: ");
        s.push_str(&conference_list(&a.conferences).join(", "));
        s.push('.');
    }
    s
}

pub fn conference_list(confs: &[ConferenceInfo]) -> Vec<String> {
    confs
        .iter()
        .map(|c| match c.year {
            Some(y) => format!("{} {y} ({} sessions)", c.name, c.sessions),
            None => format!("{} ({} sessions)", c.name, c.sessions),
        })
        .collect()
}
