//! Which of the team's sessions is which event of a schedule.
//!
//! Notes shorten titles, change their case, drop subtitles and number their
//! talks; schedules are exact. A session is matched to at most one event of
//! its conference's schedule, and an event to at most one session, only
//! when the match is clear: titles compared after normalising ([`title_key`]),
//! speakers as a second signal, a threshold ([`THRESHOLD`]), and no match
//! when a second event comes close to the best ([`MARGIN`]). A wrong match
//! would show one talk's recording and abstract under another's notes, so
//! precision comes before recall. Which conference a schedule belongs to is
//! the caller's decision ([`same_conference`] helps).

use super::Event;
use crate::notes::SessionMeta;
use serde::Serialize;

/// The least score a match is made at.
pub const THRESHOLD: f32 = 0.8;
/// A runner-up within this of the best makes the match ambiguous.
pub const MARGIN: f32 = 0.1;

/// What became of one session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Matched,
    /// Two events came as close: none is taken.
    Ambiguous,
    /// The best event is not close enough.
    BelowThreshold,
    /// Its best event went to another session that matched it better.
    Taken,
    /// The schedule has no event at all.
    NoEvents,
}

/// The decision for one session, with the scores behind it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    pub session: String,
    pub title: String,
    pub outcome: Outcome,
    /// The best event: its uid, title and score.
    pub event: Option<(String, String, f32)>,
    /// The runner-up, when there was one.
    pub runner_up: Option<(String, String, f32)>,
}

impl Decision {
    /// The matched event's uid.
    pub fn matched(&self) -> Option<&str> {
        match (&self.outcome, &self.event) {
            (Outcome::Matched, Some((uid, _, _))) => Some(uid),
            _ => None,
        }
    }
}

/// Decide, for each session, the event of `events` it is, if any.
pub fn match_sessions(sessions: &[&SessionMeta], events: &[Event]) -> Vec<Decision> {
    let keys: Vec<Keys> = events
        .iter()
        .map(|e| Keys::of(&e.title, &e.speakers))
        .collect();
    let mut decisions: Vec<Decision> = sessions.iter().map(|s| decide(s, events, &keys)).collect();
    one_session_per_event(&mut decisions);
    decisions
}

/// The best and runner-up events for one session, judged alone.
fn decide(session: &SessionMeta, events: &[Event], keys: &[Keys]) -> Decision {
    let mine = Keys::of(&session.title, &session.speakers);
    let mut scored: Vec<(f32, usize)> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| (score(&mine, k), i))
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let named = |(s, i): (f32, usize)| (events[i].uid.clone(), events[i].title.clone(), s);
    let best = scored.first().copied();
    let runner_up = scored.get(1).copied();
    let outcome = match (best, runner_up) {
        (None, _) => Outcome::NoEvents,
        (Some((b, _)), _) if b < THRESHOLD => Outcome::BelowThreshold,
        (Some((b, _)), Some((r, _))) if b - r < MARGIN => Outcome::Ambiguous,
        _ => Outcome::Matched,
    };
    Decision {
        session: session.id.clone(),
        title: session.title.clone(),
        outcome,
        event: best.map(named),
        runner_up: runner_up.map(named),
    }
}

/// An event claimed by two sessions goes to the one with the higher score
/// (the earlier one on a tie); the other is left unmatched.
fn one_session_per_event(decisions: &mut [Decision]) {
    let mut order: Vec<usize> = (0..decisions.len())
        .filter(|&i| decisions[i].outcome == Outcome::Matched)
        .collect();
    let score = |d: &Decision| d.event.as_ref().map_or(0.0, |e| e.2);
    order.sort_by(|&a, &b| {
        score(&decisions[b])
            .total_cmp(&score(&decisions[a]))
            .then(a.cmp(&b))
    });
    let mut taken = std::collections::HashSet::new();
    for i in order {
        let uid = decisions[i].event.as_ref().map(|e| e.0.clone());
        if !taken.insert(uid) {
            decisions[i].outcome = Outcome::Taken;
        }
    }
}

/// A title and speakers, normalised once.
struct Keys {
    title: String,
    words: Vec<String>,
    /// The title before its subtitle (`Main: subtitle`, `Main - subtitle`).
    main: String,
    surnames: Vec<String>,
}

impl Keys {
    fn of(title: &str, speakers: &[String]) -> Keys {
        let title_norm = title_key(title);
        let main = main_title(title).map(title_key).unwrap_or_default();
        Keys {
            words: title_norm.split(' ').map(str::to_string).collect(),
            title: title_norm,
            main,
            surnames: speakers.iter().filter_map(|s| surname(s)).collect(),
        }
    }
}

/// How alike two sessions are, 0 to 1: the titles' likeness, raised when
/// they share a speaker and lowered when both name speakers and share none.
fn score(a: &Keys, b: &Keys) -> f32 {
    let title = title_likeness(a, b);
    if a.surnames.is_empty() || b.surnames.is_empty() {
        return title;
    }
    let shared = a.surnames.iter().any(|s| b.surnames.contains(s));
    if shared {
        (title + 0.15).min(1.0)
    } else {
        (title - 0.3).max(0.0)
    }
}

/// Titles' likeness: the same title, the same title before a subtitle, one
/// a shortened form of the other, else the closer of word overlap and
/// spelling (a typo in the notes).
fn title_likeness(a: &Keys, b: &Keys) -> f32 {
    if a.title.is_empty() || b.title.is_empty() {
        return 0.0;
    }
    if a.title == b.title {
        return 1.0;
    }
    let substantial = |s: &str| s.split(' ').count() >= 2;
    let mains = [(&a.main, &b.title), (&a.title, &b.main), (&a.main, &b.main)];
    if mains
        .iter()
        .any(|(x, y)| !x.is_empty() && x == y && substantial(x))
    {
        return 0.92;
    }
    let (short, long) = if a.words.len() <= b.words.len() {
        (a, b)
    } else {
        (b, a)
    };
    if short.words.len() >= 3 && long.words.starts_with(&short.words) {
        return 0.88;
    }
    if one_typo_apart(&a.words, &b.words) {
        return 0.9;
    }
    dice(&content(&a.words), &content(&b.words)).min(0.85)
}

/// The same words but one, and that one a typo of the other (one letter
/// added, dropped, changed or two swapped, in a word of four letters or
/// more): "gRPS" for "gRPC", not "Finding" for "Hiding".
fn one_typo_apart(a: &[String], b: &[String]) -> bool {
    if a.len() != b.len() || a.len() < 2 {
        return false;
    }
    let differing: Vec<(&String, &String)> = a.iter().zip(b).filter(|(x, y)| x != y).collect();
    matches!(differing.as_slice(), [(x, y)]
        if x.chars().count().min(y.chars().count()) >= 4
            && strsim::damerau_levenshtein(x, y) == 1)
}

/// Words that say what a title is about: without the small words every
/// title has, which would make any two titles look alike.
fn content(words: &[String]) -> Vec<String> {
    const SMALL: &[&str] = &[
        "a", "an", "and", "are", "as", "at", "by", "for", "from", "how", "in", "into", "is", "it",
        "of", "on", "or", "the", "to", "we", "what", "when", "why", "with", "you", "your",
    ];
    words
        .iter()
        .filter(|w| !SMALL.contains(&w.as_str()))
        .cloned()
        .collect()
}

/// The Sørensen-Dice coefficient of two word lists, as sets.
fn dice(a: &[String], b: &[String]) -> f32 {
    let a: std::collections::HashSet<&String> = a.iter().collect();
    let b: std::collections::HashSet<&String> = b.iter().collect();
    let shared = a.intersection(&b).count();
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    2.0 * shared as f32 / (a.len() + b.len()) as f32
}

/// Words a title starts with that only say what kind of session it is.
const KIND_PREFIXES: &[&str] = &[
    "keynote",
    "lightning talk",
    "lightning",
    "workshop",
    "tutorial",
    "panel",
    "panel discussion",
    "talk",
    "session",
];

/// A title as words: lower case, without punctuation or quotes, without a
/// leading number ("3.", "#3", "Talk 3:") or kind ("Keynote:").
pub fn title_key(title: &str) -> String {
    let spaced: String = title
        .chars()
        .map(|c| {
            if c.is_alphanumeric() {
                c.to_lowercase().next().unwrap_or(c)
            } else if c == '\'' || c == '’' {
                '\u{0}'
            } else {
                ' '
            }
        })
        .filter(|&c| c != '\u{0}')
        .collect();
    let mut words: Vec<&str> = spaced.split_whitespace().collect();
    strip_leading(&mut words);
    words.join(" ")
}

/// Drop leading numbers and kind words ("talk 3", "keynote", "12").
fn strip_leading(words: &mut Vec<&str>) {
    loop {
        let before = words.len();
        if words
            .first()
            .is_some_and(|w| w.chars().all(|c| c.is_ascii_digit()))
            && words.len() > 2
        {
            words.remove(0);
        }
        for prefix in KIND_PREFIXES {
            let p: Vec<&str> = prefix.split(' ').collect();
            if words.len() > p.len() + 1 && words.starts_with(&p) {
                words.drain(..p.len());
                break;
            }
        }
        if words.len() == before {
            return;
        }
    }
}

/// The title before its subtitle, when it has one.
fn main_title(title: &str) -> Option<&str> {
    [": ", " - ", " – ", " — ", " | "]
        .iter()
        .filter_map(|sep| title.split_once(sep).map(|(main, _)| main))
        .min_by_key(|main| main.len())
        .filter(|main| !main.trim().is_empty())
}

/// A speaker's surname, lower case: the last word of the name.
fn surname(name: &str) -> Option<String> {
    let last = name.split_whitespace().last()?;
    let s: String = last
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    (s.chars().count() >= 2).then_some(s)
}

/// True when a session's conference and year and a schedule's are the same
/// conference: the same year when both have one, and every word of the
/// shorter name in the longer, with the usual abbreviations ("EU" for
/// "Europe", "NA" for "North America") and sponsors' co-names
/// ("CloudNativeCon") left out.
pub fn same_conference(a: &str, a_year: Option<i32>, b: &str, b_year: Option<i32>) -> bool {
    if let (Some(x), Some(y)) = (a_year, b_year) {
        if x != y {
            return false;
        }
    }
    let (a, b) = (conference_words(a), conference_words(b));
    if a.is_empty() || b.is_empty() {
        return false;
    }
    let (short, long) = if a.len() <= b.len() {
        (&a, &b)
    } else {
        (&b, &a)
    };
    short.iter().all(|w| long.contains(w))
}

/// A conference's name as words: lower case, abbreviations spelled one way,
/// years and filler left out.
fn conference_words(name: &str) -> Vec<String> {
    let key = title_key(name).replace("kubernetes community days", "kcd");
    let mut words = Vec::new();
    let mut it = key.split(' ').peekable();
    while let Some(w) = it.next() {
        let w = match w {
            "europe" | "eu" => "eu",
            "north" if it.peek() == Some(&"america") => {
                it.next();
                "na"
            }
            "na" => "na",
            "cloudnativecon" | "cloud" | "native" | "con" | "and" | "the" => continue,
            w if w.len() == 4 && w.chars().all(|c| c.is_ascii_digit()) => continue,
            w => w,
        };
        words.push(w.to_string());
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notes::Kind;

    fn session(id: &str, title: &str, speakers: &[&str]) -> SessionMeta {
        SessionMeta {
            id: id.into(),
            kind: Kind::Talk,
            title: title.into(),
            speakers: speakers.iter().map(|s| s.to_string()).collect(),
            organizations: vec![],
            conference: None,
            year: None,
            section: None,
            file: "f.md".into(),
            line: 1,
            slot: None,
        }
    }

    fn event(uid: &str, title: &str, speakers: &[&str]) -> Event {
        Event {
            uid: uid.into(),
            title: title.into(),
            subtitle: None,
            speakers: speakers.iter().map(|s| s.to_string()).collect(),
            organizations: vec![],
            start: None,
            end: None,
            room: None,
            track: None,
            kind: None,
            abstract_text: String::new(),
            url: None,
            links: vec![],
        }
    }

    fn outcome(s: &SessionMeta, events: &[Event]) -> (Outcome, Option<String>) {
        let d = match_sessions(&[s], events).remove(0);
        (d.outcome, d.matched().map(str::to_string))
    }

    #[test]
    fn titles_match_across_case_punctuation_numbers_and_kinds() {
        let events = [
            event("1", "Gateway API: The New Way to Travel North/South", &[]),
            event("2", "Keynote: Scaling the 4th Industrial Revolution", &[]),
            event("3", "Hacking into Kubernetes Security for Beginners", &[]),
        ];
        for (title, uid) in [
            ("Gateway API - the new way to travel north/south", "1"),
            ("3. Scaling the 4th industrial revolution", "2"),
            ("HACKING INTO KUBERNETES SECURITY FOR BEGINNERS", "3"),
        ] {
            let s = session("s", title, &[]);
            assert_eq!(
                outcome(&s, &events),
                (Outcome::Matched, Some(uid.into())),
                "{title}"
            );
        }
    }

    #[test]
    fn shortened_titles_typos_and_speakers() {
        let events = [
            event(
                "1",
                "Trust No One: Bringing Confidential Computing to Containers",
                &["Samuel Ortiz", "Eric Ernst"],
            ),
            event("2", "gRPC Proxyless Service", &["Gijs Molenaar"]),
            event(
                "3",
                "Open Policy Agent (OPA) Intro & Deep Dive",
                &["Ash Narkar"],
            ),
        ];
        let cases = [
            session("a", "Trust No One", &[]),
            session("b", "gRPS Proxyless Service", &["Gijs Molenaar"]),
            session(
                "c",
                "Open Policy Agent Intro",
                &["Ash Narkar", "Oren Shomron"],
            ),
        ];
        for (s, uid) in cases.iter().zip(["1", "2", "3"]) {
            assert_eq!(
                outcome(s, &events),
                (Outcome::Matched, Some(uid.into())),
                "{}",
                s.title
            );
        }
        // The same words without the speaker are not enough.
        let alone = session("d", "Open Policy Agent Intro", &[]);
        assert_eq!(outcome(&alone, &events).0, Outcome::BelowThreshold);
    }

    #[test]
    fn near_misses_other_speakers_and_ties_are_not_matched() {
        let events = [
            event("1", "Cluster API Deep Dive", &["Jason DeTiberus"]),
            event("2", "Kubernetes SIG Node Intro", &[]),
            event("3", "Kubernetes SIG Node Intro", &[]),
        ];
        let near = session("a", "Kubeadm Deep Dive", &["Rohit Anand"]);
        assert_ne!(outcome(&near, &events).0, Outcome::Matched);
        let other = session("b", "Cluster API Deep Dive", &["Someone Else"]);
        assert_ne!(outcome(&other, &events).0, Outcome::Matched);
        let finding = session("e", "The Art of Finding Yourself", &[]);
        let hiding = [event("h", "The Art of Hiding Yourself", &[])];
        assert_eq!(outcome(&finding, &hiding).0, Outcome::BelowThreshold);
        let tie = session("c", "Kubernetes SIG Node intro", &[]);
        assert_eq!(outcome(&tie, &events).0, Outcome::Ambiguous);
        assert_eq!(outcome(&tie, &[]).0, Outcome::NoEvents);
    }

    #[test]
    fn an_event_goes_to_one_session_only() {
        let events = [event(
            "1",
            "Flux Beyond Git: Harnessing the Power of OCI",
            &[],
        )];
        let exact = session("a", "Flux Beyond Git: Harnessing the Power of OCI", &[]);
        let short = session("b", "Flux Beyond Git", &[]);
        let d = match_sessions(&[&short, &exact], &events);
        assert_eq!(d[0].outcome, Outcome::Taken);
        assert_eq!(d[1].matched(), Some("1"));
    }

    #[test]
    fn conferences_by_name_and_year() {
        assert!(same_conference(
            "KubeCon EU",
            Some(2023),
            "KubeCon + CloudNativeCon Europe 2023",
            Some(2023)
        ));
        assert!(same_conference(
            "KubeCon NA",
            Some(2020),
            "KubeCon + CloudNativeCon North America",
            None
        ));
        assert!(!same_conference(
            "KubeCon EU",
            Some(2023),
            "KubeCon Europe",
            Some(2021)
        ));
        assert!(!same_conference(
            "KubeCon EU",
            Some(2023),
            "KubeCon North America 2023",
            Some(2023)
        ));
        assert!(same_conference(
            "KCD Amsterdam",
            Some(2023),
            "Kubernetes Community Days Amsterdam KCD",
            Some(2023)
        ));
        assert!(!same_conference(
            "KCD Amsterdam",
            Some(2023),
            "KCD Munich",
            Some(2023)
        ));
    }

    #[test]
    fn community_days_are_kcd() {
        let long = "Kubernetes Community Days Amsterdam 2023";
        assert!(same_conference(
            "KCD Amsterdam",
            Some(2023),
            long,
            Some(2023)
        ));
    }
}
