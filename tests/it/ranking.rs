//! What ranking and presentation promise, on small notes of our own
//! (`tests/fixtures/ranking/`): rare words outweigh common ones, typos are
//! corrected from the notes' own words, spelled-out names find their
//! initials, related words find a paraphrase, weak questions say so, and
//! answers explain themselves and read as the notes are written.

use crate::common;

use confnotes::answer::{Answer, Engine};
use confnotes::index::Filters;

fn engine() -> (Engine, tempfile::TempDir) {
    common::engine(&common::root().join("tests/fixtures/ranking"))
}

fn ask(e: &Engine, q: &str) -> Answer {
    e.ask(q, &Filters::default(), 5, 0).unwrap()
}

fn titles(a: &Answer) -> Vec<&str> {
    a.hits.iter().map(|h| h.meta.title.as_str()).collect()
}

#[test]
fn a_rare_word_in_the_body_outweighs_a_common_word_in_the_title() {
    let (e, _t) = engine();
    let a = ask(&e, "kubernetes buildpacks");
    assert_eq!(titles(&a)[0], "Shipping Images Faster", "{:?}", titles(&a));
    assert!(!a.nearest);
    // The common word alone still finds the talks about it.
    let a = ask(&e, "kubernetes");
    assert!(!a.nearest && a.hits.len() >= 2, "{:?}", titles(&a));
}

#[test]
fn typos_are_corrected_from_the_notes_words() {
    let (e, _t) = engine();
    let a = ask(&e, "secuirty for begginers");
    assert_eq!(titles(&a)[0], "Security Champions", "{:?}", titles(&a));
    assert!(
        a.hits[0].why.contains("secuirty (security)"),
        "{}",
        a.hits[0].why
    );
}

#[test]
fn a_spelled_out_name_finds_its_initials() {
    let (e, _t) = engine();
    let a = ask(&e, "command query responsibility segregation");
    assert_eq!(titles(&a)[0], "CQRS in Practice", "{:?}", titles(&a));
}

#[test]
fn initials_the_notes_never_write_find_the_name() {
    let (e, _t) = engine();
    let a = ask(&e, "drf?");
    assert_eq!(
        titles(&a)[0],
        "Django REST framework, the good parts",
        "{:?}",
        titles(&a)
    );
    assert!(a.hits[0].why.contains("drf"), "{}", a.hits[0].why);
}

#[test]
fn a_word_with_a_prefix_finds_the_word() {
    let (e, _t) = engine();
    // "overhyped" is in no note; "hype" is.
    let a = ask(&e, "overhyped patterns");
    assert_eq!(titles(&a)[0], "CQRS in Practice", "{:?}", titles(&a));
    assert!(
        a.hits[0].why.contains("overhyped (hyped)"),
        "{}",
        a.hits[0].why
    );
}

#[test]
fn related_words_find_a_paraphrase() {
    let (e, _t) = engine();
    let a = ask(&e, "how does an attacker stay hidden on a machine?");
    assert_eq!(
        titles(&a)[0],
        "The Art of Staying Unseen",
        "{:?}",
        titles(&a)
    );
    let a = ask(&e, "building images without dockerfiles");
    assert_eq!(titles(&a)[0], "Shipping Images Faster", "{:?}", titles(&a));
}

#[test]
fn a_question_the_notes_cannot_answer_says_so() {
    let (e, _t) = engine();
    let a = ask(&e, "quantum entanglement experiments");
    assert!(
        a.hits.is_empty() || a.nearest,
        "shown as answers: {:?}",
        titles(&a)
    );
    let text =
        confnotes::render::answer_text(&a, &confnotes::render::Style { color: false }, false);
    assert!(
        text.starts_with("Nothing in the notes is close") || text.starts_with("No session matches"),
        "{text}"
    );
}

#[test]
fn a_choice_between_things_the_notes_never_name_finds_nothing() {
    let (e, _t) = engine();
    // "security reviews" match a talk, but the question is which of two
    // tools, and neither is in the notes.
    let a = ask(&e, "security reviews: zapproxy or burpsuite?");
    assert!(a.nearest, "shown as answers: {:?}", titles(&a));
    // One of them named in the notes is an answer.
    let a = ask(&e, "security reviews: threat modelling or zapproxy?");
    assert!(!a.nearest, "{:?}", titles(&a));
    assert_eq!(titles(&a)[0], "Security Champions", "{:?}", titles(&a));
}

#[test]
fn a_hit_links_to_its_own_page_and_says_why_it_matched() {
    let (e, _t) = engine();
    let a = ask(&e, "rootkit persistence");
    let h = &a.hits[0];
    assert_eq!(h.meta.title, "The Art of Staying Unseen");
    assert_eq!(
        h.url.as_deref(),
        Some("https://www.youtube.com/watch?v=abc123")
    );
    assert!(h.why.contains("rootkit: body"), "{}", h.why);
    // A section never links to whatever URL it mentions first.
    let a = ask(&e, "hallway track links");
    let s = a
        .hits
        .iter()
        .find(|h| h.meta.title == "Hallway track")
        .expect("the section");
    assert_ne!(s.url.as_deref(), Some("https://example.org/unrelated"));
}

#[test]
fn snippets_and_summaries_keep_bullets_on_their_own_lines() {
    let (e, _t) = engine();
    let a = ask(&e, "audit logs read-only file systems");
    let h = &a.hits[0];
    assert_eq!(h.meta.title, "The Art of Staying Unseen");
    let lines: Vec<&str> = h.snippet.lines().collect();
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("• ") && l.contains("**audit**")),
        "{}",
        h.snippet
    );
    // The label stays with the bullets under it.
    assert!(h.snippet.contains("Defences:\n• "), "{}", h.snippet);
    for line in h.summary.lines() {
        assert!(!line.trim().is_empty(), "{}", h.summary);
    }
}
