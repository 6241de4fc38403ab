//! Follow-ups in a conversation: what a new message means given the
//! previous turn (its question, filters and the hits shown in order).
//!
//! Pure rules, no index and no Discord. A message is a follow-up only when
//! every word of it is follow-up vocabulary: positions ("the second one",
//! "#2", "3rd", "last", "that one"), aspects ("slides", "who spoke",
//! "links", "more about"), "similar" / "more like that", filters (a
//! four-digit year, a conference name known to the notes, "only", "not",
//! "instead") and "who else". A single word outside that vocabulary
//! ("service mesh", "clusters", "second-hand") makes it a new question, so
//! a topic is never mistaken for a follow-up.

/// What the conversation holds after a turn.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Turn {
    /// The question the shown hits answer.
    pub question: String,
    pub conference: Option<String>,
    pub year: Option<i32>,
    /// A year the hits must not be from ("not 2021").
    pub not_year: Option<i32>,
    /// The ids of the hits shown, in order.
    pub shown: Vec<String>,
    /// The position last picked, which "it" and "that one" mean.
    pub focus: Option<usize>,
}

/// Which part of a session a pick asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aspect {
    /// The whole session: speakers, links and summary.
    All,
    Speakers,
    Links,
    Slides,
    Video,
}

/// What a message is, given the previous turn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Followup {
    /// One of the shown hits (0-based position), or one part of it.
    Pick { index: usize, aspect: Aspect },
    /// Sessions like the shown hit at `index`.
    Similar { index: usize },
    /// The previous question with its filters changed.
    Refine {
        conference: Option<String>,
        year: Option<i32>,
        not_year: Option<i32>,
    },
    /// The previous question again, without the sessions already shown.
    Others,
    /// A question of its own.
    New(String),
    /// Thanks, an acknowledgement: nothing to answer.
    Ack,
}

/// Words that say where or what, but name no topic.
const FILLER: &[&str] = &[
    "a",
    "an",
    "and",
    "any",
    "anyone",
    "anybody",
    "anything",
    "about",
    "are",
    "at",
    "by",
    "can",
    "could",
    "did",
    "do",
    "does",
    "for",
    "from",
    "get",
    "give",
    "go",
    "got",
    "have",
    "has",
    "how",
    "i",
    "in",
    "instead",
    "is",
    "it",
    "its",
    "it's",
    "me",
    "more",
    "of",
    "ok",
    "okay",
    "on",
    "one",
    "ones",
    "only",
    "just",
    "please",
    "pls",
    "same",
    "see",
    "show",
    "tell",
    "that",
    "the",
    "then",
    "there",
    "this",
    "those",
    "these",
    "to",
    "us",
    "was",
    "were",
    "what",
    "what's",
    "where",
    "which",
    "with",
    "year",
    "you",
    "talk",
    "session",
    "presentation",
    "again",
    "now",
    "talks",
    "sessions",
    "else",
    "other",
    "others",
    "also",
    "someone",
    "somebody",
    "who",
    "whom",
    "whose",
    "talked",
    "talk",
    "spoke",
    "speak",
    "spoken",
    "gave",
    "give",
    "given",
    "presented",
    "present",
    "held",
    "similar",
    "like",
    "related",
    "not",
    "no",
    "except",
    "excluding",
    "without",
    "but",
    "number",
    "no.",
    "details",
    "detail",
    "info",
    "summary",
    "summarise",
    "summarize",
    "there's",
    "we",
    "our",
    "them",
    "they",
    "let's",
    "see",
    "exclude",
    "drop",
    "skip",
    "hmm",
    "so",
    "well",
    "or",
    "share",
    "send",
    "post",
    "find",
    "provide",
    "would",
    "know",
    "let",
    "want",
    "need",
];
/// Words of thanks and acknowledgement. A message made of these (and
/// filler) asks nothing.
const ACK: &[&str] = &[
    "thanks",
    "thank",
    "thx",
    "ty",
    "cheers",
    "ok",
    "okay",
    "great",
    "cool",
    "nice",
    "perfect",
    "awesome",
    "got",
    "makes",
    "sense",
    "helpful",
    "good",
    "brilliant",
    "lovely",
    "excellent",
    "that's",
    "exactly",
    "yes",
    "yep",
    "much",
    "lot",
    "👍",
    "🙏",
];
/// Numbers as words, for "number two".
const CARDINALS: &[&str] = &[
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
];
const ORDINALS: &[&str] = &[
    "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
];
const NOT: &[&str] = &[
    "not",
    "except",
    "excluding",
    "without",
    "exclude",
    "skip",
    "drop",
];

/// Resolve `message` against `prev`. `conferences` are the conference
/// names the notes know (any case).
pub fn resolve(prev: &Turn, message: &str, conferences: &[String]) -> Followup {
    let new = || Followup::New(message.trim().to_string());
    if prev.shown.is_empty() && prev.question.is_empty() {
        return new();
    }
    let lower = message.to_lowercase();
    if is_ack(&lower) {
        return Followup::Ack;
    }
    let (conference, rest) = take_conference(&lower, conferences);
    let words: Vec<&str> = rest
        .split(|c: char| !(c.is_alphanumeric() || matches!(c, '#' | '-' | '\'' | '.')))
        .map(|w| w.trim_matches(|c: char| matches!(c, '.' | '\'' | '-')))
        .filter(|w| !w.is_empty())
        .collect();
    let mut position = None;
    let mut year = None;
    let mut negated_year = None;
    let mut aspect = None;
    let (mut similar, mut others, mut negate, mut refers) = (false, false, false, false);
    for (i, w) in words.iter().enumerate() {
        let before = |s: &str| i > 0 && words[i - 1] == s;
        if let Some(p) = ordinal(w) {
            position = Some(p);
        } else if *w == "last" {
            position = Some(prev.shown.len().saturating_sub(1));
        } else if let Some(y) = year_of(w) {
            if negate {
                negated_year = Some(y);
            } else {
                year = Some(y);
            }
        } else if let Some(n) = w.strip_prefix('#').and_then(|n| n.parse::<usize>().ok()) {
            position = Some(n.wrapping_sub(1));
        } else if w.parse::<usize>().is_ok() && (before("number") || before("no")) {
            position = Some(w.parse::<usize>().unwrap_or(0).wrapping_sub(1));
        } else if let Some(n) = CARDINALS
            .iter()
            .position(|c| c == w)
            .filter(|_| before("number") || before("no"))
        {
            position = Some(n);
        } else if let Some(a) = aspect_of(w) {
            aspect = Some(a);
        } else if matches!(*w, "else" | "other" | "others") {
            others = true;
        } else if matches!(*w, "similar" | "related") || (*w == "like" && i > 0) {
            similar = true;
        } else if NOT.contains(w) {
            negate = true;
        } else if matches!(*w, "it" | "that" | "this" | "one" | "its") {
            refers = true;
        } else if !FILLER.contains(w) {
            // A word naming a topic: a question of its own.
            return new();
        }
    }
    let focus = prev.focus.unwrap_or(0);
    if let Some(p) = position {
        if p >= prev.shown.len() {
            return new();
        }
        if similar {
            return Followup::Similar { index: p };
        }
        return Followup::Pick {
            index: p,
            aspect: aspect.unwrap_or(Aspect::All),
        };
    }
    if conference.is_some() || year.is_some() || negated_year.is_some() {
        // A filter not named again is kept; a year asked for replaces a
        // year left out, and the other way round.
        let keep_year = negated_year.is_none().then_some(prev.year).flatten();
        let keep_not_year = year.is_none().then_some(prev.not_year).flatten();
        return Followup::Refine {
            conference: conference.or_else(|| prev.conference.clone()),
            year: year.or(keep_year),
            not_year: negated_year.or(keep_not_year),
        };
    }
    if others {
        return Followup::Others;
    }
    if similar && !prev.shown.is_empty() {
        return Followup::Similar { index: focus };
    }
    match aspect {
        Some(a) if !prev.shown.is_empty() => Followup::Pick {
            index: focus,
            aspect: a,
        },
        _ if refers && words.contains(&"more") && !prev.shown.is_empty() => Followup::Pick {
            index: focus,
            aspect: Aspect::All,
        },
        _ if refers && words.len() <= 2 && !prev.shown.is_empty() => Followup::Pick {
            index: focus,
            aspect: Aspect::All,
        },
        _ => new(),
    }
}

/// Thanks or an acknowledgement, and nothing else: "thanks!", "ok, got
/// it", "great, thank you".
fn is_ack(lower: &str) -> bool {
    let words: Vec<&str> = lower
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | '!' | '.' | '?' | ':' | ';'))
        .filter(|w| !w.is_empty())
        .collect();
    words.iter().any(|w| ACK.contains(w))
        && words.iter().all(|w| {
            ACK.contains(w)
                || matches!(
                    *w,
                    "you"
                        | "it"
                        | "so"
                        | "very"
                        | "a"
                        | "that"
                        | "this"
                        | "is"
                        | "was"
                        | "for"
                        | "the"
                        | "info"
                        | "answer"
                )
        })
}

/// `first`..`tenth`, `1st`..`10th`, as 0-based positions.
fn ordinal(w: &str) -> Option<usize> {
    if let Some(i) = ORDINALS.iter().position(|o| *o == w) {
        return Some(i);
    }
    let digits = w
        .strip_suffix("st")
        .or_else(|| w.strip_suffix("nd"))
        .or_else(|| w.strip_suffix("rd"))
        .or_else(|| w.strip_suffix("th"))?;
    let n: usize = digits.parse().ok()?;
    (1..=99).contains(&n).then(|| n - 1)
}

/// A four-digit year a conference could be in.
fn year_of(w: &str) -> Option<i32> {
    let y: i32 = (w.len() == 4).then(|| w.parse().ok()).flatten()?;
    (1970..=2100).contains(&y).then_some(y)
}

fn aspect_of(w: &str) -> Option<Aspect> {
    Some(match w {
        "slides" | "slide" | "deck" | "decks" => Aspect::Slides,
        "video" | "videos" | "recording" | "recordings" | "youtube" | "watch" => Aspect::Video,
        "link" | "links" | "url" | "urls" => Aspect::Links,
        "speaker" | "speakers" | "presenter" | "presenters" | "spoke" | "gave" | "presented"
        | "who" => Aspect::Speakers,
        _ => return None,
    })
}

/// The longest known conference named in `lower` (as a whole name, or by
/// a distinctive word of it: "kubecon" for "KubeCon EU"), and the text
/// without it.
fn take_conference(lower: &str, conferences: &[String]) -> (Option<String>, String) {
    let mut names: Vec<&String> = conferences.iter().collect();
    names.sort_by_key(|n| std::cmp::Reverse(n.len()));
    for name in &names {
        let n = name.to_lowercase();
        if let Some(at) = find_word(lower, &n) {
            let rest = format!("{} {}", &lower[..at], &lower[at + n.len()..]);
            return (Some((*name).clone()), rest);
        }
    }
    for name in &names {
        for original in name.split_whitespace() {
            let word = original.to_lowercase();
            let word = word.as_str();
            // A word of four letters or more, or an acronym ("KCD").
            let acronym =
                original.chars().count() >= 2 && original.chars().all(|c| c.is_ascii_uppercase());
            let distinctive = (word.chars().count() >= 4 || acronym)
                && year_of(word).is_none()
                && !FILLER.contains(&word);
            if let (true, Some(at)) = (distinctive, find_word(lower, word)) {
                let rest = format!("{} {}", &lower[..at], &lower[at + word.len()..]);
                return (Some((*name).clone()), rest);
            }
        }
    }
    (None, lower.to_string())
}

/// Where `needle` occurs in `hay` as whole words.
fn find_word(hay: &str, needle: &str) -> Option<usize> {
    let boundary = |c: Option<char>| c.is_none_or(|c| !c.is_alphanumeric());
    hay.match_indices(needle).map(|(i, _)| i).find(|&i| {
        boundary(hay[..i].chars().next_back()) && boundary(hay[i + needle.len()..].chars().next())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prev() -> Turn {
        Turn {
            question: "kubernetes autoscaling".into(),
            conference: None,
            year: Some(2023),
            not_year: None,
            shown: (1..=4).map(|i| format!("s{i}")).collect(),
            focus: None,
        }
    }

    fn check(message: &str, want: Followup) {
        let confs = [
            "KubeCon EU".to_string(),
            "FOSDEM".to_string(),
            "KCD Amsterdam".to_string(),
        ];
        assert_eq!(resolve(&prev(), message, &confs), want, "{message}");
    }

    fn pick(index: usize, aspect: Aspect) -> Followup {
        Followup::Pick { index, aspect }
    }

    #[test]
    fn picks_by_position_with_an_aspect() {
        check("the second one", pick(1, Aspect::All));
        check("#2", pick(1, Aspect::All));
        check("the first talk", pick(0, Aspect::All));
        check("3rd?", pick(2, Aspect::All));
        check("the last one", pick(3, Aspect::All));
        check("number 4 please", pick(3, Aspect::All));
        check("that one", pick(0, Aspect::All));
        check("slides?", pick(0, Aspect::Slides));
        check("the slides for the second one", pick(1, Aspect::Slides));
        check("who gave it?", pick(0, Aspect::Speakers));
        check("who spoke?", pick(0, Aspect::Speakers));
        check("links?", pick(0, Aspect::Links));
        check("is there a video of the third?", pick(2, Aspect::Video));
        check("more about the third", pick(2, Aspect::All));
        check("tell me more about that", pick(0, Aspect::All));
    }

    #[test]
    fn it_means_the_last_pick() {
        let mut p = prev();
        p.focus = Some(2);
        assert_eq!(resolve(&p, "who gave it?", &[]), pick(2, Aspect::Speakers));
        assert_eq!(
            resolve(&p, "anything similar?", &[]),
            Followup::Similar { index: 2 }
        );
    }

    #[test]
    fn similar_to_the_best_or_the_picked_hit() {
        check("more like that", Followup::Similar { index: 0 });
        check("anything similar?", Followup::Similar { index: 0 });
        check(
            "anything related to the second one?",
            Followup::Similar { index: 1 },
        );
    }

    #[test]
    fn filters_refined() {
        let refine = |conference: Option<&str>, year, not_year| Followup::Refine {
            conference: conference.map(String::from),
            year,
            not_year,
        };
        check("only 2023", refine(None, Some(2023), None));
        check(
            "anything from 2022 instead?",
            refine(None, Some(2022), None),
        );
        check("just KubeCon", refine(Some("KubeCon EU"), Some(2023), None));
        check(
            "only kubecon eu",
            refine(Some("KubeCon EU"), Some(2023), None),
        );
        check("fosdem?", refine(Some("FOSDEM"), Some(2023), None));
        // An acronym of a conference's name, however short.
        check(
            "the KCD one?",
            refine(Some("KCD Amsterdam"), Some(2023), None),
        );
        check("not 2021", refine(None, None, Some(2021)));
        check("anything except 2021?", refine(None, None, Some(2021)));
    }

    #[test]
    fn filters_not_named_again_are_kept() {
        let mut p = prev();
        p.year = None;
        p.not_year = Some(2021);
        let confs = ["FOSDEM".to_string()];
        assert_eq!(
            resolve(&p, "just fosdem", &confs),
            Followup::Refine {
                conference: Some("FOSDEM".into()),
                year: None,
                not_year: Some(2021)
            }
        );
        assert_eq!(
            resolve(&p, "only 2023", &confs),
            Followup::Refine {
                conference: None,
                year: Some(2023),
                not_year: None
            }
        );
    }

    #[test]
    fn others_on_the_topic() {
        check("who else talked about that?", Followup::Others);
        check("anyone else?", Followup::Others);
        check("any other talks on this?", Followup::Others);
    }

    #[test]
    fn topics_are_new_questions() {
        for q in [
            "what about service mesh security?",
            "second-hand clusters?",
            "first steps with rust",
            "who talked about ebpf?",
            "slides on observability",
            "the second law of thermodynamics",
            "kubecon keynotes on sustainability",
            "2023 platform engineering talks",
            "#5",
            "the ninth one",
        ] {
            check(q, Followup::New(q.into()));
        }
    }

    #[test]
    fn nothing_before_means_new() {
        let empty = Turn::default();
        assert_eq!(
            resolve(&empty, "the second one", &[]),
            Followup::New("the second one".into())
        );
    }

    #[test]
    fn thanks_ask_nothing() {
        for m in [
            "thanks!",
            "Thank you",
            "great, thanks",
            "ok",
            "ok, got it",
            "perfect 👍",
            "that's helpful, thanks",
        ] {
            check(m, Followup::Ack);
        }
        // Thanks with a question is the question.
        check(
            "thanks! and anything on ebpf?",
            Followup::New("thanks! and anything on ebpf?".into()),
        );
    }

    #[test]
    fn requests_and_numbers_in_words() {
        check(
            "can you share the slides of the 3rd talk?",
            pick(2, Aspect::Slides),
        );
        check("tell me more about number two", pick(1, Aspect::All));
        check("please send the link", pick(0, Aspect::Links));
    }

    #[test]
    fn ordinals_and_years() {
        assert_eq!(ordinal("2nd"), Some(1));
        assert_eq!(ordinal("10th"), Some(9));
        assert_eq!(ordinal("nth"), None);
        assert_eq!(ordinal("0th"), None);
        assert_eq!(year_of("2022"), Some(2022));
        assert_eq!(year_of("1234"), None);
        assert_eq!(year_of("20222"), None);
    }
}
