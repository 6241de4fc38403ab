//! Speakers named on the first line under a talk's heading or link line.
//!
//! People write bylines in many ways: `Speaker: Jane Doe, Acme`,
//! `* speakers: a, b`, `Presented by Jane Doe (Acme)`, `_A and B_ [video]`,
//! `Presenters: _X_`, or a line of names only. A labelled line is certain;
//! a line of names only is a guess that [`super::outline`] trusts only when
//! sibling talks agree, since "Service Mesh" looks like a name too.

use super::meta::{all_people, looks_like_person, parse_speakers, split_names};
use regex::Regex;
use std::sync::LazyLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strength {
    /// `Speaker: ...`, `Presented by ...`.
    Labelled,
    /// A line of names and nothing else.
    NamesOnly,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Byline {
    pub speakers: Vec<String>,
    pub organizations: Vec<String>,
    pub strength: Strength,
}

static LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^[\s*_•-]*(?:(?:speakers?|presenters?|panel(?:ists)?|hosts?|moderators?|authors?)\s*[:–—-]|(?:presented|given|delivered|hosted) by\s*:?|by\s*:?)\s*(.+)$",
    )
    .unwrap()
});
static HANDLE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\(?@[A-Za-z0-9_]+\)?|\+[A-Z][a-z]+ ?[A-Z][a-z]+").unwrap());
static MEDIA_WORDS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)[\s|,;(\[]*\b(?:video|slides|recording|youtube|talk|abstract|notes|link|deck|et al)\b[\s.)\]|,;]*$").unwrap()
});

/// The byline a line of text is, if it is one.
pub fn byline(text: &str) -> Option<Byline> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    if t.len() > 200 {
        return prose_byline(t);
    }
    if may_be_labelled(t) {
        if let Some(found) = labelled(t) {
            return found;
        }
    }
    if let Some(found) = prose_byline(t) {
        return Some(found);
    }
    // A line of names is short and starts with a name (or emphasis, or a handle).
    let first = t
        .trim_start_matches(['*', '_', '[', '(', ' '])
        .chars()
        .next();
    if !first.is_some_and(|c| c.is_uppercase() || c == '@') || t.split_whitespace().count() > 16 {
        return None;
    }
    // Names are capitalised; a few joining or media words may be lower case.
    let lower_words = t
        .split_whitespace()
        .filter(|w| w.chars().next().is_some_and(char::is_lowercase))
        .filter(|w| {
            !matches!(
                w.trim_matches(|c: char| !c.is_alphanumeric()),
                "and"
                    | "et"
                    | "al"
                    | "de"
                    | "da"
                    | "van"
                    | "von"
                    | "der"
                    | "den"
                    | "la"
                    | "le"
                    | "di"
                    | "du"
                    | "del"
                    | "bin"
                    | "video"
                    | "slides"
                    | "recording"
                    | "talk"
            )
        })
        .count();
    if lower_words > 1 {
        return None;
    }
    let rest = clean(t);
    if rest.split_whitespace().count() > 12 {
        return None;
    }
    let (speakers, organizations) = people(&rest)?;
    Some(Byline {
        speakers,
        organizations,
        strength: Strength::NamesOnly,
    })
}

/// A cheap test before the label regex: most lines name no label.
fn may_be_labelled(t: &str) -> bool {
    let head: String = t.chars().take(24).collect::<String>().to_ascii_lowercase();
    [
        "speaker",
        "presenter",
        "panel",
        "host",
        "moderator",
        "author",
        "by",
    ]
    .iter()
    .any(|w| head.contains(w))
}

/// `Some(answer)` when the line has a label: the label decides.
fn labelled(t: &str) -> Option<Option<Byline>> {
    if let Some(c) = LABEL.captures(t) {
        let by_only = !t
            .to_lowercase()
            .trim_start_matches(['*', '_', ' '])
            .starts_with("by")
            || t.contains(':');
        let rest = clean(&c[1]);
        if let Some((speakers, organizations)) = people(&rest) {
            // A bare `By ...` needs the whole rest to be people.
            if by_only || !speakers.is_empty() {
                return Some(Some(Byline {
                    speakers,
                    organizations,
                    strength: Strength::Labelled,
                }));
            }
        }
        return Some(None);
    }
    None
}

/// `Jane Doe and John Roe presented ...`, `Jane Doe, an engineer at Acme,
/// showed ...`: a write-up's first sentence that opens with the speakers.
fn prose_byline(t: &str) -> Option<Byline> {
    // Two capitalised words first, or it cannot be a name.
    let mut words = t.split_whitespace();
    let capital = |w: Option<&str>| {
        w.and_then(|w| w.chars().next())
            .is_some_and(char::is_uppercase)
    };
    if !capital(words.next()) || !capital(words.next()) {
        return None;
    }
    static PROSE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(concat!(
            r"^((?:\p{Lu}[\p{L}'’.-]+\s+){1,3}\p{Lu}[\p{L}'’-]+",
            r"(?:\s+(?:and|&)\s+(?:\p{Lu}[\p{L}'’.-]+\s+){1,3}\p{Lu}[\p{L}'’-]+)?)",
            r"(?:,[^,]{3,80},)?(?:['’]s\s+(?:talk|keynote|session|presentation|workshop|lab)|\s+",
            r"(?:\p{Ll}+ed|set|gave|ran|led|made|spoke|took|brought|went|began|told|showed|",
            r"shared|drew|held|built|wrote|got|hit|laid|left|put|said|sat|shot|stood|taught|threw|",
            r"won|opens|shows|explains|presents|walks|gives|takes|argues|talks|makes))\s"
        ))
        .unwrap()
    });
    let c = PROSE.captures(t)?;
    let names = all_people(&c[1])?;
    Some(Byline {
        speakers: names,
        organizations: Vec::new(),
        strength: Strength::NamesOnly,
    })
}

/// Handles, emphasis and trailing media words taken off a byline.
fn clean(s: &str) -> String {
    let s = s.replace(['_', '*'], " ");
    let s = HANDLE.replace_all(&s, " ");
    let mut s = s.trim().to_string();
    loop {
        let cut = MEDIA_WORDS.replace(&s, "").trim().to_string();
        if cut == s {
            break;
        }
        s = cut;
    }
    s.trim_end_matches(['.', ',', ':', ';', '-', '–'])
        .trim()
        .to_string()
}

/// `Jane Doe (Acme)`, `A, B & C`, `A and B, Org`: people, each a name.
pub fn people(s: &str) -> Option<(Vec<String>, Vec<String>)> {
    let s = s.trim().trim_end_matches([',', '.']);
    if s.is_empty() {
        return None;
    }
    if let Some(names) = all_people(s) {
        return Some((names, Vec::new()));
    }
    if let Some(found) = parse_speakers(s) {
        return Some(found);
    }
    let names = split_names(s);
    (!names.is_empty() && names.len() <= 6 && names.iter().all(|n| looks_like_person(n)))
        .then_some((names, Vec::new()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(t: &str) -> Option<(Vec<String>, Strength)> {
        byline(t).map(|b| (b.speakers, b.strength))
    }

    #[test]
    fn labelled_and_bare_bylines() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(
            names("speaker: Jane Doe (Acme)"),
            Some((s(&["Jane Doe"]), Strength::Labelled))
        );
        assert_eq!(
            names("Speakers: Ada Lovelace, Grace Hopper"),
            Some((s(&["Ada Lovelace", "Grace Hopper"]), Strength::Labelled))
        );
        assert_eq!(
            names("Presented by Jane Doe"),
            Some((s(&["Jane Doe"]), Strength::Labelled))
        );
        assert_eq!(
            names("Ada Lovelace and Grace Hopper video"),
            Some((s(&["Ada Lovelace", "Grace Hopper"]), Strength::NamesOnly))
        );
        assert_eq!(
            names("Kelsey Doe @kdoe"),
            Some((s(&["Kelsey Doe"]), Strength::NamesOnly))
        );
        assert_eq!(
            names("Daniel Roe et al."),
            Some((s(&["Daniel Roe"]), Strength::NamesOnly))
        );
        let b = byline("Jane Doe, Executive Director, Acme Foundation").unwrap();
        assert_eq!(b.speakers, s(&["Jane Doe"]));
        assert_eq!(b.organizations, s(&["Acme Foundation"]));
    }

    #[test]
    fn prose_openings_name_speakers() {
        let b = byline("Ada Lovelace set the tone on day one. Barriers are collapsing.").unwrap();
        assert_eq!(b.speakers, ["Ada Lovelace"]);
        let b = byline("Ada Lovelace and Grace Hopper presented their compiler work.").unwrap();
        assert_eq!(b.speakers, ["Ada Lovelace", "Grace Hopper"]);
        let b = byline("Jean-Luc Roe, a philosopher and engineer, delivered his keynote.").unwrap();
        assert_eq!(b.speakers, ["Jean-Luc Roe"]);
        assert!(byline("The Rust Foundation presented its yearly report.").is_none());
    }

    #[test]
    fn prose_is_not_a_byline() {
        for t in [
            "By the numbers, this was the biggest event yet.",
            "The talk covered eBPF in depth and showed three demos.",
            "I have a soft spot for security talks.",
        ] {
            assert_eq!(byline(t), None, "{t}");
        }
    }
}
