//! Metadata from headings and bodies: titles, speakers grouped by
//! organisation, the kind of a talk, and the conference a note is about.
//!
//! The formats handled are the ones people write: `Title - Speaker, Company`,
//! `Title - A & B, Company`, `A, B & C, Microsoft & D, Fermyon`,
//! `Session: TITLE - Speakers`, `“Title” by Name (Company)`, `Talk 3: Speaker -
//! Title`, `Title by @handle`; titles may contain ` - ` themselves, only the
//! separator before a real speaker list splits.

use super::blocks::squash;
use super::Kind;
use regex::Regex;
use std::sync::LazyLock;

/// What a heading says about the talk it may introduce.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HeadingMeta {
    pub title: String,
    pub speakers: Vec<String>,
    pub organizations: Vec<String>,
    /// A kind stated by a prefix or by words of the title.
    pub kind: Option<Kind>,
    /// The heading is certainly a talk: it names speakers or has a talk prefix.
    pub evidence: bool,
}

static PREFIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(session(?:\s*#?\d+)?|talk(?:\s*#?\d+)?|(?:opening |closing )?keynote(?:\s*#?\d+)?|panel(?: discussion)?|workshop|tutorial|hands[- ]on(?: lab| workshop)?|lab|bof|lightning(?: talk)?(?:\s*#?\d+)?)\s*(?::|\s[-–—]\s)\s*(.+)$").unwrap()
});
static QUOTED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"^[“"«‘](.+?)[”"»’]\s*(?:\(([^)]*)\))?\s*[-–—,:]?\s*(?:(?i:by)\s+(.+?))?\s*$"#)
        .unwrap()
});
static BY: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^(.+?)\s+(?i:by)\s+(.+)$").unwrap());
static SEPARATOR: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\s[-–—|]\s|\s--\s").unwrap());
static TRAILING_PAREN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\s*\([^()]*\d[^()]*\)\s*$").unwrap());

pub fn parse_heading(text: &str) -> HeadingMeta {
    let mut t = undecorate(&squash(text)).to_string();
    let mut meta = HeadingMeta::default();
    let mut prefixed = false;
    // Cheap first-character checks before the regexes with captures.
    let first = t.chars().next().map(|c| c.to_ascii_lowercase());
    let may_prefix = matches!(
        first,
        Some('s' | 't' | 'k' | 'o' | 'c' | 'p' | 'w' | 'l' | 'h' | 'b')
    );
    let mut numbered_prefix = false;
    if let Some(c) = may_prefix.then(|| PREFIX.captures(&t)).flatten() {
        prefixed = true;
        numbered_prefix = c[1].chars().any(|c| c.is_ascii_digit());
        meta.kind = kind_word(&c[1]);
        meta.evidence = true;
        t = c[2].trim().to_string();
    }
    let may_quote = t.starts_with(['“', '"', '«', '‘']);
    if let Some(c) = may_quote.then(|| QUOTED.captures(&t)).flatten() {
        meta.title = c[1].trim().to_string();
        if let Some(k) = c.get(2).and_then(|m| kind_word(m.as_str())) {
            meta.kind = Some(k);
        }
        if let Some(by) = c.get(3) {
            if let Some((s, o)) = parse_speakers(by.as_str()) {
                meta.speakers = s;
                meta.organizations = o;
                meta.evidence = true;
            }
        }
    } else if let Some((title, s, o)) = split_speakers(&t, prefixed) {
        meta.title = title;
        meta.speakers = s;
        meta.organizations = o;
        meta.evidence = true;
    } else if let Some((s, o)) = numbered_prefix.then(|| parse_speakers(&t)).flatten() {
        // `Talk 4: John Roe`: a name and no title.
        meta.title = t.clone();
        meta.speakers = s;
        meta.organizations = o;
    } else if let Some((title, s, o)) = paren_speakers(&t) {
        meta.title = title;
        meta.speakers = s;
        meta.organizations = o;
        meta.evidence = true;
    } else {
        meta.title = t.trim_end_matches('.').trim().to_string();
    }
    if meta.kind.is_none() {
        meta.kind = kind_in_title(&meta.title);
    }
    meta
}

/// `3. Title`, `C. Keynote - X`, `🌳 Title ★`: enumerators and decoration
/// around a heading are not part of its title.
pub fn undecorate(t: &str) -> &str {
    static ENUM: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^(?:[A-Za-z]|\d{1,3}(?:\.\d{1,2})*)[.)]\s+").unwrap());
    let t = t.trim_matches(|c: char| {
        !(c.is_alphanumeric()
            || c.is_whitespace()
            || matches!(
                c,
                '"' | '“'
                    | '”'
                    | '«'
                    | '»'
                    | '‘'
                    | '’'
                    | '\''
                    | '@'
                    | '('
                    | ')'
                    | '['
                    | ']'
                    | '?'
                    | '!'
                    | '.'
                    | '+'
                    | '#'
                    | '&'
                    | '/'
                    | '<'
                    | '>'
                    | '`'
                    | '$'
                    | '%'
                    | '-'
                    | '–'
                    | '—'
                    | ':'
            ))
    });
    let t = t.trim();
    match ENUM.find(t) {
        Some(m) if t[m.end()..].split_whitespace().count() >= 2 => &t[m.end()..],
        _ => t,
    }
}

/// `Title (Jane Doe, John Roe)`: people in a closing parenthesis.
fn paren_speakers(t: &str) -> Option<(String, Vec<String>, Vec<String>)> {
    static PAREN: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^(.+?)\s*\(([^()]+)\)\s*$").unwrap());
    let c = PAREN.captures(t)?;
    let inside = c[2].trim();
    if inside.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    let (s, o) = all_people(inside)
        .map(|n| (n, Vec::new()))
        .or_else(|| parse_speakers(inside))?;
    Some((
        c[1].trim()
            .trim_end_matches([',', ':', '-', '–'])
            .trim()
            .to_string(),
        s,
        o,
    ))
}

/// `Jane Doe – Title` or `Jane Doe: Title`: a heading that names its
/// speakers first. Only trusted where the document's sibling headings
/// agree (see [`super::outline`]) or after a `Talk N:` prefix.
pub fn speaker_first(text: &str) -> Option<HeadingMeta> {
    let t = undecorate(&squash(text)).to_string();
    let mut meta = HeadingMeta::default();
    let mut rest = t.as_str();
    if let Some(c) = PREFIX.captures(&t) {
        meta.kind = kind_word(&c[1]);
        rest = c.get(2).map_or(rest, |m| &t[m.start()..]);
    }
    static FIRST_SEP: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\s[-–—|]\s|\s--\s").unwrap());
    let m = FIRST_SEP.find(rest)?;
    let (left, right) = (rest[..m.start()].trim(), rest[m.end()..].trim());
    if right.is_empty() {
        return None;
    }
    let (s, o) = parse_speakers(left)?;
    // `Jane Doe - @jdoe - Title - https://slides`: handles and URLs are not
    // part of the title.
    let parts: Vec<&str> = SEPARATOR
        .split(right)
        .map(|p| p.trim().trim_matches('`').trim())
        .filter(|p| {
            !p.is_empty()
                && !p.contains("://")
                && (!p.starts_with('@') || p.contains(' '))
                && !p.starts_with('+')
        })
        .collect();
    if parts.is_empty() {
        return None;
    }
    meta.title = parts.join(" - ").trim_end_matches('.').to_string();
    meta.speakers = s;
    meta.organizations = o;
    meta.evidence = true;
    if meta.kind.is_none() {
        meta.kind = kind_in_title(&meta.title);
    }
    Some(meta)
}

/// Try `Title - Speakers`, `Speakers - Title` (only after a `Talk N:` style
/// prefix, or "Kubernetes CronJobs" would be a speaker), `Title by Speakers`.
fn split_speakers(t: &str, prefixed: bool) -> Option<(String, Vec<String>, Vec<String>)> {
    if let Some(m) = SEPARATOR.find_iter(t).last() {
        let (left, right) = (t[..m.start()].trim(), t[m.end()..].trim());
        if let Some((s, o)) = parse_speakers(right) {
            return Some((left.to_string(), s, o));
        }
        if let Some((s, o)) = parse_speakers(left).filter(|_| prefixed) {
            if !right.is_empty() {
                return Some((right.trim_end_matches('.').to_string(), s, o));
            }
        }
    }
    if prefixed {
        // `Keynote: Wed Oct 7 with Jane Doe`.
        if let Some((left, right)) = t.rsplit_once(" with ") {
            if let Some(p) = all_people(right) {
                return Some((left.trim().to_string(), p, Vec::new()));
            }
        }
        // `Talk 2: Jane Doe: 2.5 Million Contributors`.
        if let Some((left, right)) = t.split_once(": ") {
            if let Some((s, o)) = parse_speakers(left) {
                if !right.trim().is_empty() {
                    return Some((right.trim().to_string(), s, o));
                }
            }
        }
    }
    let may_by = t
        .as_bytes()
        .windows(2)
        .any(|w| w.eq_ignore_ascii_case(b"by"));
    if let Some(c) = may_by.then(|| BY.captures(t)).flatten() {
        let right = c[2].trim();
        // Unquoted `Title by X` only with handles, a parenthesised company
        // or several people, so "Hiding processes by libprocesshider" is not a talk.
        if right.starts_with('@')
            || right.contains('(')
            || all_people(right)
                .is_some_and(|p| p.len() >= 2 || c[1].split_whitespace().count() >= 2)
        {
            if let Some((s, o)) = parse_speakers(right) {
                return Some((c[1].trim().to_string(), s, o));
            }
        }
    }
    None
}

const PARTICLES: &[&str] = &[
    "de", "da", "das", "do", "dos", "van", "von", "der", "den", "la", "le", "di", "du", "del",
    "della", "bin", "al", "ten", "ter", "y", "e", "zu", "af",
];

const NOT_FIRST: &[&str] = &[
    "the",
    "a",
    "an",
    "how",
    "why",
    "what",
    "when",
    "where",
    "who",
    "does",
    "is",
    "are",
    "in",
    "on",
    "of",
    "and",
    "to",
    "for",
    "with",
    "from",
    "keynote",
    "session",
    "talk",
    "day",
    "track",
    "part",
    "intro",
    "introduction",
    "deep",
];

const ORG_WORDS: &[&str] = &[
    "inc",
    "corp",
    "corporation",
    "ltd",
    "llc",
    "gmbh",
    "ag",
    "bv",
    "labs",
    "lab",
    "laboratory",
    "systems",
    "software",
    "technologies",
    "technology",
    "tech",
    "metal",
    "cloud",
    "hat",
    "swarm",
    "group",
    "foundation",
    "university",
    "institute",
    "department",
    "times",
    "networks",
    "security",
    "data",
    "reply",
    "bank",
    "services",
    "solutions",
    "consulting",
    "engineering",
    "upstream",
    "azure",
    "microsoft",
    "google",
    "intel",
    "apple",
    "ibm",
    "amazon",
    "aws",
    "nvidia",
    "vmware",
    "datadog",
    "cncf",
    "linux",
    "national",
    "company",
    "studio",
    "studios",
    "partners",
    "media",
    "health",
    "research",
    "center",
    "centre",
    "council",
    "ventures",
    "digital",
    "io",
    "ai",
    "platform",
    "computing",
];

/// Is this a person's name (or a `@handle`)?
pub fn looks_like_person(s: &str) -> bool {
    let s = s.trim();
    if let Some(handle) = s.strip_prefix('@') {
        return !handle.is_empty()
            && handle
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '-' || c == '.');
    }
    // `李智樺`: a Chinese, Japanese or Korean name of two to four characters.
    let cjk = |c: char| matches!(c as u32, 0x4E00..=0x9FFF | 0x3400..=0x4DBF | 0xAC00..=0xD7AF);
    if (2..=4).contains(&s.chars().count()) && s.chars().all(cjk) {
        return true;
    }
    let words: Vec<&str> = s.split_whitespace().collect();
    if !(2..=5).contains(&words.len()) {
        return false;
    }
    if NOT_FIRST.contains(&words[0].to_lowercase().as_str()) || PARTICLES.contains(&words[0]) {
        return false;
    }
    if words
        .iter()
        .any(|w| ORG_WORDS.contains(&w.to_lowercase().trim_end_matches('.')))
    {
        return false;
    }
    // `Pharo Enhancements`, `Service Communications`: abstract nouns are
    // not surnames.
    const NOUN_ENDINGS: &[&str] = &[
        "tion", "tions", "ment", "ments", "ness", "ity", "ities", "ics", "ism", "isms", "ology",
        "ware", "ances", "ences", "ings", "ures",
    ];
    if words.iter().skip(1).any(|w| {
        let l = w.to_lowercase();
        l.chars().count() > 5 && NOUN_ENDINGS.iter().any(|e| l.ends_with(e))
    }) {
        return false;
    }
    words.iter().all(|w| {
        PARTICLES.contains(w)
            || (w.chars().next().is_some_and(char::is_uppercase)
                && w.chars()
                    .all(|c| c.is_alphabetic() || matches!(c, '-' | '\'' | '’' | '.')))
    })
}

/// `A, B and C` where every part is a person's name (none a role or a
/// company): a list of people, not `Name, Company`.
pub fn all_people(s: &str) -> Option<Vec<String>> {
    let names = split_names(s);
    (!names.is_empty()
        && names.len() <= 8
        && names
            .iter()
            .all(|n| looks_like_person(n) && !is_job_title(n)))
    .then_some(names)
}

fn looks_like_org(s: &str) -> bool {
    let s = s.trim();
    let words: Vec<&str> = s.split_whitespace().collect();
    !words.is_empty()
        && words.len() <= 7
        && s.chars()
            .next()
            .is_some_and(|c| c.is_uppercase() || c.is_ascii_digit())
        && !s.contains(['?', '!', '[', ']', ':', '"', '“'])
}

/// `Executive Director`, `Sr. Product Manager`, `CTO`: what someone does.
pub fn is_job_title(s: &str) -> bool {
    const ROLES: &[&str] = &[
        "director",
        "manager",
        "engineer",
        "developer",
        "architect",
        "lead",
        "head",
        "founder",
        "co-founder",
        "cofounder",
        "ceo",
        "cto",
        "cio",
        "coo",
        "vp",
        "president",
        "evangelist",
        "advocate",
        "principal",
        "senior",
        "sr",
        "staff",
        "maintainer",
        "researcher",
        "scientist",
        "professor",
        "consultant",
        "chief",
        "officer",
        "analyst",
        "designer",
        "owner",
        "editor",
        "author",
        "contributor",
        "specialist",
        "fellow",
        "intern",
        "student",
        "chair",
        "member",
        "programmer",
        "hacker",
        "partner",
        "sre",
        "devrel",
        "dev",
        "phd",
    ];
    s.split_whitespace().any(|w| {
        let w = w
            .trim_matches(|c: char| !c.is_alphanumeric() && c != '-')
            .to_lowercase();
        ROLES.contains(&w.as_str())
    })
}

fn is_org_suffix(s: &str) -> bool {
    matches!(
        s.trim().trim_end_matches('.').to_lowercase().as_str(),
        "inc" | "ltd" | "llc" | "gmbh" | "corp" | "co" | "ag" | "bv" | "sa" | "plc"
    )
}

/// Parse a speaker list into (speakers, organizations); `None` when the text
/// is not one (so it stays part of the title).
pub fn parse_speakers(text: &str) -> Option<(Vec<String>, Vec<String>)> {
    let t = TRAILING_PAREN.replace(text.trim(), "");
    let t = t.trim().trim_end_matches(['.', ',']).trim();
    if t.is_empty() || SEPARATOR.is_match(t) {
        return None;
    }
    let shouting = t.chars().any(char::is_alphabetic) && !t.chars().any(char::is_lowercase);
    let mut speakers = Vec::new();
    let mut orgs: Vec<String> = Vec::new();
    if t.contains('(') {
        // `Name (Org) & Name (Org)` or `A and B (Org)`.
        let re = paren_re();
        let mut rest = t;
        while !rest.is_empty() {
            let c = re.captures(rest)?;
            let names = c[1].trim();
            for n in split_names(names) {
                if !looks_like_person(&n) {
                    return None;
                }
                speakers.push(n);
            }
            if let Some(o) = c.get(2) {
                push_unique(&mut orgs, o.as_str().trim());
            }
            rest = rest[c[0].len()..].trim_start_matches([',', '&', ';', ' ']);
            rest = rest.strip_prefix("and ").unwrap_or(rest);
        }
    } else {
        for part in t.split(';') {
            let (s, o) = parse_group_list(part.trim())?;
            speakers.extend(s);
            for org in o {
                push_unique(&mut orgs, &org);
            }
        }
    }
    // In a heading written in capitals every word looks like a name: only
    // accept a list that also names an organisation.
    if speakers.is_empty() || (shouting && orgs.is_empty()) {
        return None;
    }
    if shouting {
        // Names in capitals are shown in title case; short company names
        // ("SAP", "NEC") are acronyms and stay as written.
        speakers = speakers.iter().map(|s| title_case(s, 0)).collect();
        orgs = orgs.iter().map(|s| title_case(s, 3)).collect();
    }
    Some((speakers, orgs))
}

fn paren_re() -> &'static Regex {
    static RE: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^([^()]+?)\s*(?:\(([^)]+)\)|$)").unwrap());
    &RE
}

pub fn split_names(s: &str) -> Vec<String> {
    s.split([',', '&'])
        .flat_map(|p| p.split(" and "))
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

fn push_unique(v: &mut Vec<String>, s: &str) {
    if !s.is_empty() && !v.iter().any(|x| x == s) {
        v.push(s.to_string());
    }
}

/// `A, B & C, Org1 & D, Org2`: names separated by `,`/`&`/`and`, each group
/// closed by its organisation after a comma.
fn parse_group_list(t: &str) -> Option<(Vec<String>, Vec<String>)> {
    // Elements with the separator that preceded each.
    let mut elems: Vec<(char, String)> = Vec::new();
    let mut sep = ' ';
    let mut cur = String::new();
    let words: Vec<&str> = t.split(' ').collect();
    let mut i = 0;
    while i < words.len() {
        let w = words[i];
        if w == "&" || w == "and" {
            elems.push((sep, std::mem::take(&mut cur)));
            sep = '&';
        } else if let Some(stripped) = w.strip_suffix(',') {
            if !cur.is_empty() {
                cur.push(' ');
            }
            cur.push_str(stripped);
            elems.push((sep, std::mem::take(&mut cur)));
            sep = ',';
        } else {
            if !cur.is_empty() {
                cur.push(' ');
            }
            cur.push_str(w);
        }
        i += 1;
    }
    elems.push((sep, cur));
    let elems: Vec<(char, String)> = elems
        .into_iter()
        .map(|(s, e)| (s, e.trim().to_string()))
        .filter(|(_, e)| !e.is_empty())
        .collect();
    if elems.is_empty() {
        return None;
    }
    let has_comma = elems.iter().any(|(s, _)| *s == ',');
    let n = elems.len();
    let mut speakers = Vec::new();
    let mut orgs: Vec<String> = Vec::new();
    for (idx, (sep, e)) in elems.iter().enumerate() {
        let last = idx + 1 == n;
        let next_sep = elems.get(idx + 1).map(|(s, _)| *s);
        if *sep == ',' && is_job_title(e) && !speakers.is_empty() {
            // `Jane Doe, Executive Director, Acme`: a role, not a person.
            continue;
        }
        if *sep == ',' && is_org_suffix(e) {
            let prev = orgs.pop()?;
            orgs.push(format!(
                "{prev}, {}",
                e.trim_end_matches('.').to_string() + "."
            ));
            continue;
        }
        let org_slot = *sep == ',' && (last || next_sep == Some('&') || next_sep == Some(','));
        let is_org = has_comma
            && org_slot
            && (last
                || !looks_like_person(e)
                || e.split_whitespace()
                    .any(|w| ORG_WORDS.contains(&w.to_lowercase().as_str())));
        if is_org {
            if !looks_like_org(e) {
                return None;
            }
            push_unique(&mut orgs, e);
        } else {
            if !looks_like_person(e) {
                return None;
            }
            speakers.push(e.clone());
        }
    }
    Some((speakers, orgs))
}

fn title_case(s: &str, keep_up_to: usize) -> String {
    s.split(' ')
        .map(|w| {
            if w.chars().count() <= keep_up_to {
                return w.to_string();
            }
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_uppercase().collect::<String>() + &c.as_str().to_lowercase(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The kind named by a prefix or parenthesis: "Keynote", "Opening Keynote", "Panel"...
pub fn kind_word(s: &str) -> Option<Kind> {
    let l = s.to_lowercase();
    if l.contains("keynote") {
        Some(Kind::Keynote)
    } else if l.contains("lightning") {
        Some(Kind::Lightning)
    } else if l.contains("workshop")
        || l.contains("tutorial")
        || l.contains("hands-on")
        || l.contains("hands on")
    {
        Some(Kind::Workshop)
    } else if l.contains("panel") {
        Some(Kind::Panel)
    } else if l.starts_with("talk") || l.starts_with("session") {
        Some(Kind::Talk)
    } else {
        None
    }
}

/// Kind words inside a title: "Keynote day 1", "Hands on with ...", "Tutorial: ...".
pub fn kind_in_title(title: &str) -> Option<Kind> {
    static WORDS: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"(?i)(?-u:\b)(keynotes?|workshops?|tutorials?|hands[- ]on|lightning talks?|panels?)(?-u:\b)",
        )
        .unwrap()
    });
    WORDS.find(title).and_then(|m| kind_word(m.as_str()))
}

static SPEAKER_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?im)^\s*(?:speakers?|presenters?|presented by|by)\s*:\s*(.+)$").unwrap()
});
static SPEAKER_PAREN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b(?:Speakers?|Presenters?) \(([^)]+)\)").unwrap());
static PRESENTED_BY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?:presented|given|delivered|hosted) by ((?:[A-Z][\w'’.-]+ ?){2,4})(?:\(([^)]+)\)|(?:from|of|at) ([A-Z][\w.-]+(?: [A-Z][\w.-]+)*))?").unwrap()
});

/// Speakers named in the first lines of a talk's body ("Speaker: ...",
/// "Speaker (Name) tried...", "presented by Name").
/// Speakers named by a label on the first line of a body ("Speaker: Jane
/// Doe, Ferrous"): that makes a plain heading a talk.
pub fn labelled_speakers(body: &str) -> Option<(Vec<String>, Vec<String>)> {
    let first = body.lines().find(|l| !l.trim().is_empty())?;
    let c = SPEAKER_LINE.captures(first)?;
    if first.trim_start().to_lowercase().starts_with("by") {
        // "By: the numbers" is prose more often than a byline.
        return None;
    }
    parse_speakers(c[1].trim()).or_else(|| {
        let names: Vec<String> = split_names(c[1].trim())
            .into_iter()
            .filter(|n| looks_like_person(n))
            .collect();
        (!names.is_empty()).then_some((names, Vec::new()))
    })
}

pub fn speakers_in_body(body: &str) -> Option<(Vec<String>, Vec<String>)> {
    let head: String = body.chars().take(600).collect();
    if let Some(c) = SPEAKER_LINE.captures(&head) {
        let line = c[1].trim();
        // Pasted text may run the label line into the paragraph after it.
        let to_paren = line.find(')').map(|i| &line[..=i]);
        for candidate in [Some(line), to_paren].into_iter().flatten() {
            if let Some(found) = parse_speakers(candidate) {
                return Some(found);
            }
        }
        let names: Vec<String> = split_names(line)
            .into_iter()
            .filter(|n| looks_like_person(n))
            .collect();
        if !names.is_empty() {
            return Some((names, Vec::new()));
        }
    }
    if let Some(c) = SPEAKER_PAREN.captures(&head) {
        let names: Vec<String> = split_names(&c[1])
            .into_iter()
            .filter(|n| looks_like_person(n))
            .collect();
        if !names.is_empty() {
            return Some((names, Vec::new()));
        }
    }
    if let Some(c) = PRESENTED_BY.captures(&head) {
        let name = c[1].trim().to_string();
        if looks_like_person(&name) {
            let org = c
                .get(2)
                .or_else(|| c.get(3))
                .map(|m| m.as_str().trim().to_string());
            return Some((vec![name], org.into_iter().collect()));
        }
    }
    None
}

// ---- Containers, sections and sub-headings -------------------------------

static DAY: LazyLock<Regex> = LazyLock::new(|| {
    let month = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?";
    let wday = r"(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)[a-z]*\.?";
    Regex::new(&format!(
        r"(?i)^(?:{wday},?\s+)?(?:\d{{1,2}}(?:st|nd|rd|th)?\s+{month}(?:,?\s+\d{{4}})?|{month}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?|\d{{4}}-\d{{2}}-\d{{2}}|{wday})(?:\s*[-–—:(].*)?$|^(?:day\s*(?:\d+|one|two|three|four|five|zero)|(?:the\s+)?(?:first|second|third|fourth|fifth|last)\s+day)(?-u:\b).*$"
    ))
    .unwrap()
});

static TALK_CONTAINER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(?:all\s+|other\s+|more\s+)?(?:sessions?|talks?|presentations?|presentation notes|session notes|talk notes|keynotes?|keynote sessions|lightning talks?|workshops?|tutorials?|panels?|replays|recordings|videos|breakout sessions?|main track|(?:talks|sessions) i (?:attended|saw|watched|liked)|track(?-u:\b).*|.*(?-u:\b)track|.*(?-u:\b)stage)$").unwrap()
});

static SECTION_WORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(?:introduction|intro|overview|summary|recap|conclusions?|conclusion(?-u:\b).*|(?:main |key |my |some )?take\s?-?aways?(?-u:\b).*|final (?:notes|thoughts|words|remarks)|closing thoughts|wrap[- ]?up|logistics|venue|travel|resources|links|references|misc\w*|other (?:notes|things|stuff)|interesting(?-u:\b).*|in this recap|table of contents|contents|about(?-u:\b).*|thanks|acknowledg\w*)$").unwrap()
});

/// A day, date or track container heading, with the kind its talks have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Container {
    pub is_day: bool,
    pub kind: Option<Kind>,
}

pub fn container(heading: &str) -> Option<Container> {
    let t = heading.trim().trim_end_matches(':');
    let is_day = DAY.is_match(t);
    if !is_day && !TALK_CONTAINER.is_match(t) {
        return None;
    }
    let kind = kind_in_title(t).or_else(|| {
        let l = t.to_lowercase();
        (l.starts_with("panels")).then_some(Kind::Panel)
    });
    Some(Container { is_day, kind })
}

/// Non-talk parts every note may have: intro, takeaways, summary...
pub fn is_section_word(heading: &str) -> bool {
    SECTION_WORD.is_match(heading.trim().trim_end_matches(':'))
}

/// Headings that name no talk whatever the document: section words, days
/// and dates, the life around a conference (lunch, party, booths, travel),
/// reading lists and to-do items.
pub fn is_generic(heading: &str) -> bool {
    static LIFE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)^(?:todo|done|fixme)(?-u:\b).*|^(?:the\s+|my\s+|our\s+)?(?:lunch|breakfast|dinner|coffee|breaks?|party|parties|after\s?-?part[a-z]*|networking|reception|registration|check-?in|booths?|expo|exhibition|sponsors?|swag|venue|travel|hotels?|accommodation|food(?:\s+(?:and|&)\s+drinks?)?|drinks?|restaurants?|bars?|beers?|sightseeing|hallway(?:\s+track)?|reading(?:\s+list)?|books?|further reading|things to (?:read|watch|do)(?-u:\b).*|to\s?-?do|word dump|random (?:notes|thoughts)|contributions?|contributing|how to contribute|mentions|credits|licen[cs]e|changelog|faq|schedule|agenda|programme|program|photos|pictures|gallery|(?:restaurant|bar|book|hotel|venue)\s*:.*)$").unwrap()
    });
    let t = undecorate(heading.trim()).trim_end_matches(':').trim();
    // Every LIFE match starts with one of these words: skip the regex otherwise.
    const LIFE_FIRST: &[&str] = &[
        "todo",
        "done",
        "fixme",
        "the",
        "my",
        "our",
        "lunch",
        "breakfast",
        "dinner",
        "coffee",
        "break",
        "breaks",
        "party",
        "parties",
        "after",
        "afterparty",
        "afterparties",
        "after-party",
        "networking",
        "reception",
        "registration",
        "check-in",
        "checkin",
        "booth",
        "booths",
        "expo",
        "exhibition",
        "sponsor",
        "sponsors",
        "swag",
        "venue",
        "travel",
        "hotel",
        "hotels",
        "accommodation",
        "food",
        "drink",
        "drinks",
        "restaurant",
        "restaurants",
        "bar",
        "bars",
        "beer",
        "beers",
        "sightseeing",
        "hallway",
        "reading",
        "book",
        "books",
        "further",
        "things",
        "to",
        "to-do",
        "todos",
        "word",
        "random",
        "contribution",
        "contributions",
        "contributing",
        "how",
        "mentions",
        "credits",
        "license",
        "licence",
        "changelog",
        "faq",
        "schedule",
        "agenda",
        "programme",
        "program",
        "photos",
        "pictures",
        "gallery",
    ];
    let first = t
        .split(|c: char| c.is_whitespace() || c == ':')
        .next()
        .unwrap_or("")
        .to_lowercase();
    let life = first.starts_with("afterpart") || LIFE_FIRST.contains(&first.as_str());
    is_section_word(t) || (life && LIFE.is_match(t)) || container(t).is_some_and(|c| c.is_day)
}

const SMALL: &[&str] = &[
    "with", "from", "into", "that", "this", "your", "over", "than", "them", "they", "have", "what",
    "when", "about", "were", "will", "does", "there", "their", "then", "just", "only",
];

/// Share of significant words (four letters or more) that start uppercase.
pub fn title_case_ratio(s: &str) -> f32 {
    let words: Vec<&str> = s
        .split(|c: char| !c.is_alphanumeric() && c != '\'' && c != '’')
        .filter(|w| w.chars().filter(|c| c.is_alphabetic()).count() >= 4)
        .filter(|w| !SMALL.contains(&w.to_lowercase().as_str()))
        .collect();
    if words.is_empty() {
        return 1.0;
    }
    let caps = words
        .iter()
        .filter(|w| w.chars().next().is_some_and(char::is_uppercase))
        .count();
    caps as f32 / words.len() as f32
}

/// In plain text, does this heading inside a talk look like one of its
/// sub-headings ("Evolution", "What is a build pack ?") rather than a new talk?
pub fn looks_like_subheading(heading: &str) -> bool {
    static PAREN: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\([^)]*\)|\[[^\]]*\]").unwrap());
    let bare = PAREN.replace_all(heading, " ");
    let words = bare
        .split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .count();
    if words <= 2 {
        return true;
    }
    let first = bare.split_whitespace().next().unwrap_or("").to_lowercase();
    let question_word = matches!(
        first.as_str(),
        "what"
            | "why"
            | "how"
            | "when"
            | "where"
            | "who"
            | "which"
            | "is"
            | "are"
            | "can"
            | "should"
            | "do"
            | "does"
    );
    let ratio = title_case_ratio(&bare);
    (question_word && heading.trim_end().ends_with('?')) || ratio < 0.6
}

/// "List of sessions I attended on the first day:" -> "Day 1".
pub fn list_label(paragraph: &str) -> String {
    static ORDINAL_DAY: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)(?-u:\b)(first|second|third|fourth|fifth)\s+day(?-u:\b)|(?-u:\b)day\s*(\d+)(?-u:\b)").unwrap()
    });
    if let Some(c) = ORDINAL_DAY.captures(paragraph) {
        let n = match c.get(1).map(|m| m.as_str().to_lowercase()) {
            Some(w) => ["first", "second", "third", "fourth", "fifth"]
                .iter()
                .position(|x| *x == w)
                .map_or(1, |p| p + 1),
            None => c[2].parse().unwrap_or(1),
        };
        return format!("Day {n}");
    }
    paragraph.trim().trim_end_matches(':').trim().to_string()
}

// ---- Conference and year --------------------------------------------------

const KNOWN: &[(&str, &str)] = &[
    ("rustconf", "RustConf"),
    ("eurorust", "EuroRust"),
    ("rustfest", "RustFest"),
    ("rust nation", "Rust Nation"),
    ("fosdem", "FOSDEM"),
    ("pycon", "PyCon"),
    ("europython", "EuroPython"),
    ("gophercon", "GopherCon"),
    ("open source summit", "Open Source Summit"),
    ("devopsdays", "DevOpsDays"),
    ("devops days", "DevOpsDays"),
    ("srecon", "SREcon"),
    ("qcon", "QCon"),
    ("strange loop", "Strange Loop"),
    ("re:invent", "AWS re:Invent"),
    ("google i/o", "Google I/O"),
    ("all things open", "All Things Open"),
    ("cloud native rejekts", "Cloud Native Rejekts"),
    ("argocon", "ArgoCon"),
];

/// The conference a title or file name speaks of, normalised ("KubeCon EU").
pub fn conference_in(text: &str) -> Option<String> {
    let lower = text.to_lowercase().replace(['-', '_', '/'], " ");
    let words: Vec<&str> = lower.split_whitespace().collect();
    let has = |w: &str| {
        words
            .iter()
            .any(|x| x.trim_matches(|c: char| !c.is_alphanumeric()) == w)
    };
    if lower.contains("kubecon")
        || lower.contains("cloudnativecon")
        || lower.contains("cloud native con")
    {
        let region = if has("eu") || has("europe") {
            " EU"
        } else if has("na") || lower.contains("north america") {
            " NA"
        } else if has("china") {
            " China"
        } else if has("india") {
            " India"
        } else if has("japan") {
            " Japan"
        } else {
            ""
        };
        return Some(format!("KubeCon{region}"));
    }
    if lower.contains("kubernetes community day") || has("kcd") {
        let city = text
            .replace(['-', '_'], " ")
            .split_whitespace()
            .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
            .filter(|w| !w.is_empty())
            .find(|w| {
                let l = w.to_lowercase();
                !matches!(
                    l.as_str(),
                    "kubernetes"
                        | "community"
                        | "days"
                        | "day"
                        | "kcd"
                        | "notes"
                        | "recap"
                        | "summary"
                ) && !l.chars().all(|c| c.is_ascii_digit())
                    && !DAY.is_match(w)
            })
            .map(|w| {
                let mut c = w.chars();
                c.next().map_or(String::new(), |f| {
                    f.to_uppercase().collect::<String>() + c.as_str()
                })
            });
        return Some(match city {
            Some(c) => format!("KCD {c}"),
            None => "KCD".to_string(),
        });
    }
    for (needle, name) in KNOWN {
        if lower.contains(needle) {
            return Some((*name).to_string());
        }
    }
    static GENERIC: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"\b([A-Z][A-Za-z]*(?:Con|Conf|conf|Fest|Days|Summit|Camp))\b").unwrap()
    });
    if let Some(c) = GENERIC.captures(text) {
        return Some(c[1].to_string());
    }
    // "Wasm I/O 2024 notes": the words before the year name the event.
    static BEFORE_YEAR: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^\s*([A-Z][^\n]{1,40}?)[\s,–-]+(?:19|20)\d{2}\b").unwrap());
    BEFORE_YEAR
        .captures(text)
        .map(|c| c[1].trim().to_string())
        .filter(|c| !c.contains("://") && c.split_whitespace().count() <= 5)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(t: &str) -> (String, Vec<String>, Vec<String>, Option<Kind>, bool) {
        let m = parse_heading(t);
        (m.title, m.speakers, m.organizations, m.kind, m.evidence)
    }

    fn v(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn title_speaker_company() {
        let (t, s, o, _, e) =
            h("A CI/CD Platform in the Palm of Your Hand - Claudia Beresford, Weaveworks");
        assert_eq!(t, "A CI/CD Platform in the Palm of Your Hand");
        assert_eq!(s, v(&["Claudia Beresford"]));
        assert_eq!(o, v(&["Weaveworks"]));
        assert!(e);
    }

    #[test]
    fn speakers_grouped_by_organisation() {
        let (t, s, o, k, _) = h("Hands on with WebAssembly Microservices and Kubernetes - Jiaxiao Zhou, David Justice & Kate Goldenring, Microsoft & Radu Matei, Fermyon");
        assert_eq!(t, "Hands on with WebAssembly Microservices and Kubernetes");
        assert_eq!(
            s,
            v(&[
                "Jiaxiao Zhou",
                "David Justice",
                "Kate Goldenring",
                "Radu Matei"
            ])
        );
        assert_eq!(o, v(&["Microsoft", "Fermyon"]));
        assert_eq!(k, Some(Kind::Workshop));
        let (_, s, o, _, _) =
            h("Cluster API Deep Dive - Jason DeTiberus, Equinix Metal & Marcel Mue, Giant Swarm");
        assert_eq!(s, v(&["Jason DeTiberus", "Marcel Mue"]));
        assert_eq!(o, v(&["Equinix Metal", "Giant Swarm"]));
        let (_, s, o, _, _) = h("Node Resource Management: The Big Picture - Sascha Grunert & Swati Sehgal, Red Hat; Alexander Kanevskiy, Intel; David Porter, Google.");
        assert_eq!(
            s,
            v(&[
                "Sascha Grunert",
                "Swati Sehgal",
                "Alexander Kanevskiy",
                "David Porter"
            ])
        );
        assert_eq!(o, v(&["Red Hat", "Intel", "Google"]));
        let (_, s, o, _, _) =
            h("Open Policy Agent. (OPA) Intro & Deep Dive - Charlie Egan, Styra, Inc.");
        assert_eq!(s, v(&["Charlie Egan"]));
        assert_eq!(o, v(&["Styra, Inc."]));
    }

    #[test]
    fn dash_inside_title() {
        let (t, s, _, _, _) = h("Unlocking Argo CD’s Hidden Tools for Chaos Engineering - Featuring VCluster and More - Dan Garfield & Brandon Phillips, Codefresh");
        assert_eq!(
            t,
            "Unlocking Argo CD’s Hidden Tools for Chaos Engineering - Featuring VCluster and More"
        );
        assert_eq!(s, v(&["Dan Garfield", "Brandon Phillips"]));
        let (t, _, _, _, e) =
            h("Kubernetes CronJobs – Does Anyone Actually Use This [in Production]?");
        assert_eq!(
            t,
            "Kubernetes CronJobs – Does Anyone Actually Use This [in Production]?"
        );
        assert!(!e);
        assert!(!h("Kubecon North america 2020 virtual – recap").4);
        assert!(!h("Conclusion – key take aways").4);
    }

    #[test]
    fn prefixes_quotes_and_handles() {
        let (t, s, o, k, _) = h("Session: SEAMLESS MULTI-CLUSTER COMMUNICATION AND OBSERVABILITY WITH LINKERD - MAX KÖRBÄCHER, LIQUID REPLY");
        assert_eq!(
            t,
            "SEAMLESS MULTI-CLUSTER COMMUNICATION AND OBSERVABILITY WITH LINKERD"
        );
        assert_eq!(
            (s, o, k),
            (
                v(&["Max Körbächer"]),
                v(&["Liquid Reply"]),
                Some(Kind::Talk)
            )
        );
        let (t, s, o, k, _) = h(
            "“Scaling the 4th industrial revolution” (Opening Keynote) by Sarah Polan (Hashicorp)",
        );
        assert_eq!(t, "Scaling the 4th industrial revolution");
        assert_eq!(
            (s, o, k),
            (v(&["Sarah Polan"]), v(&["Hashicorp"]), Some(Kind::Keynote))
        );
        let (t, s, _, _, _) = h("Talk 3: Jane Doe - Why Rust Loves Linux");
        assert_eq!((t.as_str(), s), ("Why Rust Loves Linux", v(&["Jane Doe"])));
        let (t, s, _, _, e) = h("Tiny allocators by @ferris");
        assert_eq!(
            (t.as_str(), s, e),
            ("Tiny allocators", v(&["@ferris"]), true)
        );
        let (t, s, _, _, _) =
            h("Session: DEMYSTIFYING CLOUD NATIVE CONCEPTS FOR THE BUSINESS WORLD");
        assert_eq!(
            (t.as_str(), s.len()),
            (
                "DEMYSTIFYING CLOUD NATIVE CONCEPTS FOR THE BUSINESS WORLD",
                0
            )
        );
    }

    #[test]
    fn body_speakers() {
        assert_eq!(
            speakers_in_body("Speaker (David Sudia) tried to improve")
                .unwrap()
                .0,
            v(&["David Sudia"])
        );
        assert_eq!(
            speakers_in_body("Speaker: Jane Doe (Acme)\n\nText").unwrap(),
            (v(&["Jane Doe"]), v(&["Acme"]))
        );
        assert!(
            speakers_in_body("The Apple keynote was presented by a platform engineer").is_none()
        );
    }

    #[test]
    fn containers_and_sections() {
        for c in [
            "5 May",
            "Day 1 Keynotes",
            "Talks",
            "Sessions",
            "Replays",
            "Presentation notes",
            "Day 2",
            "Track B",
            "Tuesday",
        ] {
            assert!(container(c).is_some(), "{c}");
        }
        assert_eq!(
            container("Day 1 Keynotes").unwrap().kind,
            Some(Kind::Keynote)
        );
        for c in [
            "Keynote day 1",
            "MicroVMs",
            "ArgoCD / GitOps",
            "Mayhem in prod",
        ] {
            assert!(container(c).is_none(), "{c}");
        }
        assert!(is_section_word("Main takeaways"));
        assert!(is_section_word("Conclusion – key take aways"));
        assert!(!is_section_word("eBPF"));
    }

    #[test]
    fn subheadings() {
        for s in [
            "Evolution",
            "What is a build pack ?",
            "What are Chaos Engineering and Litmus?",
            "When operators are needed",
            "Demo (source available on Github)",
            "Alban showed 2 demos",
        ] {
            assert!(looks_like_subheading(s), "{s}");
        }
        for t in [
            "Moving Cloud Native beyond HTTP",
            "GitOps Is Likely More Than You Think It Is",
            "Kubernetes Project Updates",
        ] {
            assert!(!looks_like_subheading(t), "{t}");
        }
    }

    #[test]
    fn conferences() {
        assert_eq!(
            conference_in("KubeCon / Cloud Native Con Europe 2021").as_deref(),
            Some("KubeCon EU")
        );
        assert_eq!(
            conference_in("Kubecon North america 2020 virtual – recap").as_deref(),
            Some("KubeCon NA")
        );
        assert_eq!(
            conference_in("Kubernetes Community Days 2023 Amsterdam").as_deref(),
            Some("KCD Amsterdam")
        );
        assert_eq!(
            conference_in("kcd-munich-2024").as_deref(),
            Some("KCD Munich")
        );
        assert_eq!(conference_in("kubecon2023").as_deref(), Some("KubeCon"));
        assert_eq!(
            conference_in("RustConf 2024 notes").as_deref(),
            Some("RustConf")
        );
        assert_eq!(conference_in("Wasm I/O 2024").as_deref(), Some("Wasm I/O"));
        assert_eq!(conference_in("Some meetup"), None);
    }
}
