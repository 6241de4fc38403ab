//! Talks written as a link line: `[Title](video) by Jane Doe`,
//! `🌳 [Title - Speaker, Org](https://youtu.be/...)`, `Jane Doe's [Title](...)`,
//! `Title (Speaker, Speaker): [Slides](...), [Video](...)`.
//!
//! A line like that is a talk when what it links to or what surrounds the
//! link says so: speakers in the link text or next to it, or a video, slides
//! or schedule link. Followed by notes it becomes a talk with a body; alone
//! in a list it is a talk that is only listed.

use super::blocks::Block;
use super::byline::people;
use super::links::{is_media_link, is_web_url};
use super::meta::{self, parse_heading, HeadingMeta};
use regex::Regex;
use std::sync::LazyLock;

/// Link texts that say what a link is, not which talk.
const GENERIC_LABELS: &[&str] = &[
    "presentation",
    "slide",
    "watch",
    "the talk",
    "full talk",
    "video recording",
    "transcript",
    "paper",
    "article",
    "post",
    "thread",
    "tweet",
    "photos",
    "pictures",
    "schedule",
    "program",
    "video",
    "slides",
    "here",
    "link",
    "this",
    "recording",
    "youtube",
    "deck",
    "pdf",
    "notes",
    "abstract",
    "talk",
    "website",
    "site",
    "blog",
    "github",
    "repo",
    "source",
    "code",
    "demo",
];

/// The talk a block's lead line names, and how many words of notes follow
/// the lead inside the same block.
pub fn link_talk(block: &Block) -> Option<(HeadingMeta, usize)> {
    let text = block.text.as_str();
    let words = text.split_whitespace().count();
    if words == 0 {
        return None;
    }
    if let Some(found) = media_suffix(block) {
        return Some(found);
    }
    let link = block.links.iter().find(|l| {
        let label = l.label.trim();
        label.chars().count() >= 3
            && !label.starts_with('@')
            && !is_web_url(label)
            && !GENERIC_LABELS.contains(&label.to_lowercase().as_str())
    })?;
    let at = text.find(link.label.as_str())?;
    let before = text[..at].trim();
    let after = text[at + link.label.len()..].trim();
    if before.split_whitespace().count() > 6 {
        return None;
    }
    let mut meta = parse_heading(&link.label);
    let mut evidence = meta.evidence;
    let (by, rest) = by_part(after);
    if let Some((s, o)) = by.and_then(|b| people(&b)) {
        if meta.speakers.is_empty() {
            meta.speakers = s;
            meta.organizations = o;
        }
        evidence = true;
    }
    if let Some((s, o)) = possessive(before) {
        meta.speakers = s;
        meta.organizations = o;
        evidence = true;
    }
    let media = is_media_link(&link.url, &link.label)
        || is_talk_page(&link.url)
        || block.links.iter().any(|l| is_media_link(&l.url, &l.label));
    if !(evidence || media) {
        return None;
    }
    // A long paragraph that merely mentions a talk is prose, not a lead.
    let rest_words = rest.split_whitespace().count();
    if link.label.chars().count() * 3 < text.chars().count() && rest_words > 25 && !evidence {
        return None;
    }
    meta.evidence = true;
    meta.title = meta
        .title
        .trim_matches(|c: char| matches!(c, '"' | '“' | '”' | '\'' | '‘' | '’'))
        .to_string();
    if meta.title.is_empty() || meta.title.chars().filter(|c| c.is_alphanumeric()).count() < 2 {
        return None;
    }
    Some((meta, rest_words))
}

/// Talks named inside prose: `Jane Doe's talk on [Title](video)`, `I liked
/// "[Title](schedule page)"`. Each is a link to a talk's video or schedule
/// page, introduced as a talk or quoted.
pub fn mentions(block: &Block) -> Vec<HeadingMeta> {
    static TALK_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?:((?:\p{Lu}[\p{L}'’.-]+\s+){0,2}\p{Lu}[\p{L}-]+)['’]s\s+)?(?:[\w-]+\s+){0,4}(?i:talk|keynote|presentation|session|tutorial|workshop)\s+(?i:on|about|titled|called|named)?\s*[\x22“]?$")
            .unwrap()
    });
    let text = block.text.as_str();
    let mut found = Vec::new();
    let mut from = 0;
    for link in &block.links {
        let label = link.label.trim();
        if label.chars().count() < 3
            || is_web_url(label)
            || GENERIC_LABELS.contains(&label.to_lowercase().as_str())
        {
            continue;
        }
        let talk_link = is_media_link(&link.url, label) || is_talk_page(&link.url);
        // `the [Ingress BoF](wiki page)`: the label itself names a session.
        let names_session = SESSION_LABEL.is_match(label);
        if !(talk_link || names_session) {
            continue;
        }
        let Some(at) = text[from..].find(label).map(|i| i + from) else {
            continue;
        };
        from = at + label.len();
        let mut start = at.saturating_sub(120);
        while !text.is_char_boundary(start) {
            start += 1;
        }
        let before = &text[start..at];
        let quoted = before.ends_with(['"', '“']);
        let lower = before.to_ascii_lowercase();
        let names_a_talk = [
            "talk",
            "keynote",
            "presentation",
            "session",
            "tutorial",
            "workshop",
        ]
        .iter()
        .any(|w| lower.contains(w));
        let caps = names_a_talk.then(|| TALK_BEFORE.captures(before)).flatten();
        // A recording whose link text reads as a title (`checking out [Fire
        // your supervisord][14] by Dan Callahan`) names the talk it records.
        let titled_recording = is_media_link(&link.url, "") && reads_as_title(label);
        if !(names_session || talk_link && (quoted || titled_recording || caps.is_some())) {
            continue;
        }
        let mut meta = parse_heading(label);
        if let Some(name) = caps.as_ref().and_then(|c| c.get(1)) {
            if meta.speakers.is_empty() && meta::looks_like_person(name.as_str()) {
                meta.speakers = vec![name.as_str().to_string()];
            }
        }
        if meta.speakers.is_empty() {
            let after = &text[from..];
            if let Some((s, o)) = by_part(after.trim()).0.and_then(|b| people(&b)) {
                meta.speakers = s;
                meta.organizations = o;
            } else if let Some((s, o)) = possessive_before(before) {
                meta.speakers = s;
                meta.organizations = o;
            }
        }
        meta.evidence = true;
        found.push(meta);
    }
    found
}

/// Link texts that name a session by its kind: `Ingress BoF`, `Rust
/// workshop`, `Closing keynote`.
static SESSION_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:\bBoFs?\b|(?i:\b(?:birds of a feather|keynote|workshop|tutorial|panel|lightning talks?)\b))")
        .unwrap()
});

/// A link text that reads as a talk's title: two words or more, the first
/// capitalised or a digit, not a generic label (`Type Hints`, `I Don't
/// Deserve to be Here`; not `this video`, `here`).
fn reads_as_title(label: &str) -> bool {
    let label = label.trim_matches(|c: char| matches!(c, '"' | '“' | '”' | '\'' | '‘' | '’'));
    let words: Vec<&str> = label.split_whitespace().collect();
    if words.len() < 2 || GENERIC_LABELS.contains(&label.to_lowercase().as_str()) {
        return false;
    }
    let lower = label.to_lowercase();
    let first = words[0].to_lowercase();
    let deictic = [
        "this", "that", "the", "a", "an", "my", "his", "her", "their", "our",
    ];
    if deictic.contains(&first.as_str())
        && words
            .iter()
            .skip(1)
            .any(|w| GENERIC_LABELS.contains(&w.to_lowercase().trim_matches(',')))
    {
        return false;
    }
    !lower.starts_with("watch ")
        && !lower.starts_with("here")
        && words[0]
            .chars()
            .next()
            .is_some_and(|c| c.is_uppercase() || c.is_ascii_digit())
}

/// `Jacob Kaplan-Moss's keynote, ` before a link: the speaker.
fn possessive_before(before: &str) -> Option<(Vec<String>, Vec<String>)> {
    static POSS: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"((?:\p{Lu}[\p{L}'’.-]+\s+){0,2}\p{Lu}[\p{L}-]+)['’]s\s+(?:[\w-]+\s+){0,2}(?i:talk|keynote|presentation|session|tutorial|workshop)[,:]?\s*[\x22“]?$")
            .unwrap()
    });
    let name = POSS.captures(before)?.get(1)?.as_str();
    meta::looks_like_person(name).then(|| (vec![name.to_string()], Vec::new()))
}

/// A talk's page on a conference site: `/schedule/...`, `/talks/...`.
pub fn is_talk_page(url: &str) -> bool {
    let u = url.to_ascii_lowercase();
    let path = u
        .split("://")
        .nth(1)
        .and_then(|r| r.split_once('/'))
        .map_or("", |(_, p)| p);
    path.split(['/', '?', '_', '-']).any(|seg| {
        matches!(
            seg,
            "schedule"
                | "talk"
                | "talks"
                | "session"
                | "sessions"
                | "presentation"
                | "presentations"
                | "speakers"
        )
    })
}

/// `Title (A, B): [Slides](...), [Video](...)`: the links only say what they
/// are, the text before them is the talk.
fn media_suffix(block: &Block) -> Option<(HeadingMeta, usize)> {
    let first = block.links.first()?;
    if !GENERIC_LABELS.contains(&first.label.trim().to_lowercase().as_str()) {
        return None;
    }
    let at = block.text.find(first.label.as_str())?;
    let head = block.text[..at]
        .trim()
        .trim_end_matches([':', ',', '-', '–', '(', '[']);
    if head.split_whitespace().count() < 2 || head.split_whitespace().count() > 30 {
        return None;
    }
    let meta = parse_heading(head);
    (!meta.speakers.is_empty()).then_some((meta, 0))
}

/// `{:target="_blank"} by Jane Doe. Notes...` -> (Some("Jane Doe"), "Notes...").
fn by_part(after: &str) -> (Option<String>, String) {
    static BY: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^(?:\{:[^}]*\}\s*)?(?:[-–—,:]\s*)?(?i:by|be|with|from|presented by)\s+(.+)$")
            .unwrap()
    });
    static PAREN: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^(?:\{:[^}]*\}\s*)?\(([^)]+)\)(.*)$").unwrap());
    static DASH: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^(?:\{:[^}]*\}\s*)?[-–—]\s+(.+)$").unwrap());
    if let Some(c) = BY.captures(after).or_else(|| DASH.captures(after)) {
        let tail = c[1].trim();
        // The names run to the end of the sentence or line.
        let end = tail
            .find(['.', ';', '!', '?', ':'])
            .filter(|&i| {
                // `Jr.`, `St.` and initials are not the end of a name.
                !tail[..i].ends_with(|c: char| c.is_uppercase())
            })
            .unwrap_or(tail.len());
        let names = tail[..end].trim();
        let mut words = names.split_whitespace();
        let short: String = words.by_ref().take(8).collect::<Vec<_>>().join(" ");
        return (
            Some(short),
            tail[end..].trim_start_matches(['.', ';', ':']).to_string(),
        );
    }
    if let Some(c) = PAREN.captures(after) {
        return (Some(c[1].to_string()), c[2].to_string());
    }
    (None, after.to_string())
}

/// `Jane Doe's`, `@handle's`, `@a and Igor Roe on`: people before the link.
fn possessive(before: &str) -> Option<(Vec<String>, Vec<String>)> {
    let b = before
        .trim_start_matches(|c: char| !c.is_alphanumeric() && c != '@')
        .trim();
    let b = b
        .strip_suffix("'s talk")
        .or_else(|| b.strip_suffix("’s talk"))
        .or_else(|| b.strip_suffix("'s"))
        .or_else(|| b.strip_suffix("’s"))
        .or_else(|| b.strip_suffix(" on"))
        .or_else(|| b.strip_suffix(':'))?;
    people(b.trim())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notes::blocks::BlockKind;
    use crate::notes::Link;

    fn block(text: &str, links: &[(&str, &str)]) -> Block {
        Block::new(
            BlockKind::ListItem { depth: 0 },
            text.to_string(),
            1,
            links
                .iter()
                .map(|(u, l)| Link {
                    url: u.to_string(),
                    label: l.to_string(),
                })
                .collect(),
        )
    }

    #[test]
    fn link_lines_that_are_talks() {
        let (m, rest) = link_talk(&block(
            "Safe Parsers in Practice by Ada Lovelace",
            &[("https://example.org/talks/1", "Safe Parsers in Practice")],
        ))
        .unwrap();
        assert_eq!(m.title, "Safe Parsers in Practice");
        assert_eq!(m.speakers, ["Ada Lovelace"]);
        assert_eq!(rest, 0);
        let (m, _) = link_talk(&block(
            "🌳 Gardening Clusters - Jane Roe, Acme & Joe Bloggs, Initech",
            &[(
                "https://youtu.be/x",
                "Gardening Clusters - Jane Roe, Acme & Joe Bloggs, Initech",
            )],
        ))
        .unwrap();
        assert_eq!(m.speakers, ["Jane Roe", "Joe Bloggs"]);
        assert_eq!(m.organizations, ["Acme", "Initech"]);
        let (m, _) = link_talk(&block(
            "Grace Hopper's Compilers All the Way Down",
            &[(
                "https://youtube.com/watch?v=1",
                "Compilers All the Way Down",
            )],
        ))
        .unwrap();
        assert_eq!(m.speakers, ["Grace Hopper"]);
        let (m, _) = link_talk(&block(
            "Tracing at Scale – a retrospective (Jane Roe, Joe Bloggs): Slides, Video",
            &[
                ("https://example.org/a.pdf", "Slides"),
                ("https://example.org/v", "Video"),
            ],
        ))
        .unwrap();
        assert_eq!(m.title, "Tracing at Scale – a retrospective");
        assert_eq!(m.speakers, ["Jane Roe", "Joe Bloggs"]);
    }

    #[test]
    fn links_that_are_not_talks() {
        assert!(link_talk(&block(
            "The docs are on the project site and worth a read",
            &[("https://example.org/docs", "project site")],
        ))
        .is_none());
        assert!(link_talk(&block(
            "Great Coffee Place",
            &[("https://maps.example.org/x", "Great Coffee Place")],
        ))
        .is_none());
    }

    #[test]
    fn talks_named_in_prose() {
        // A recording whose link text reads as a title, its speaker after it.
        let m = mentions(&block(
            "Caching is everywhere, so I went to Caches All the Way Down by Ada Lovelace. Worth it.",
            &[("https://youtu.be/c", "Caches All the Way Down")],
        ));
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].title, "Caches All the Way Down");
        assert_eq!(m[0].speakers, ["Ada Lovelace"]);
        // The speaker before it: `Name's keynote, [Title]`.
        let m = mentions(&block(
            "Grace Hopper's keynote, Ship Small Things, was the best hour.",
            &[("https://vimeo.com/1", "Ship Small Things")],
        ));
        assert_eq!(m[0].speakers, ["Grace Hopper"]);
        // A link text that names the session's kind.
        let m = mentions(&block(
            "The Gardening BoF ran late.",
            &[("https://example.org/wiki/Gardening", "Gardening BoF")],
        ));
        assert_eq!(m[0].title, "Gardening BoF");
        // Not talks: a generic or lower-case video link, a plain web page.
        for (label, url) in [
            ("this video", "https://youtu.be/v"),
            ("the recording", "https://youtu.be/v"),
            ("watch it here", "https://youtu.be/v"),
            ("some clip", "https://youtu.be/v"),
            ("Project Docs", "https://example.org/docs"),
        ] {
            let text = format!("See {label} for more on caching.");
            assert!(
                mentions(&block(&text, &[(url, label)])).is_empty(),
                "{label}"
            );
        }
    }
}
