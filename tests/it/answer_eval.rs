//! Answer quality on questions written by someone else, the way a team
//! member types them in Discord: paraphrases, typos, abbreviations, speaker
//! and company look-ups, link requests, topics over several talks, and
//! questions the notes cannot answer.
//!
//! The questions live in `tests/eval/corpus/*.toml`. Those about the shipped
//! notes (`shipped.toml`) are asked of an index of the shipped notes alone;
//! the others are about real notes by other people in `../shared/corpus/notes/`
//! (never part of this repository) and are asked of one index holding those
//! and the shipped notes together, as a team's folder would. When the corpus
//! is absent those questions are skipped with a notice.
//!
//! A question is answered when one of the talks or sections it expects is in
//! the top 3; a `none` question when the answer says nothing is close. The
//! test prints hit@3, MRR and recall@5 per category, for the tuned questions
//! and, separately, for the held-out ones (a quarter, never looked at while
//! tuning: the honest figure), and fails when the tuned part falls below
//! the bar below. Misses of held-out questions are printed only with
//! `CONFNOTES_SHOW_HELD_OUT=1`, so tuning cannot lean on them by accident.

use crate::common;

use confnotes::answer::{Answer, Engine};
use confnotes::index::Filters;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

// The bar on the tuned part (issue 13). It holds for the shipped questions
// alone too, so it applies when ../shared/corpus is absent.
const MIN_HIT_AT_3: f64 = 0.90;
const MIN_MRR: f64 = 0.80;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Set {
    q: Vec<Question>,
}

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct Question {
    question: String,
    category: String,
    expect: Vec<Expect>,
    holdout: bool,
    #[allow(dead_code)]
    why: String,
}

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct Expect {
    file: String,
    title: String,
}

const CATEGORIES: &[&str] = &[
    "keyword",
    "paraphrase",
    "typo",
    "abbreviation",
    "speaker",
    "company",
    "link",
    "topic",
    "none",
];

/// Lowercased, punctuation to spaces, spaces collapsed, curly quotes straight.
fn norm(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '’' | '‘' => '\'',
            c if c.is_alphanumeric() || c == '\'' => c,
            _ => ' ',
        })
        .flat_map(char::to_lowercase)
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn matches(e: &Expect, file: &str, title: &str) -> bool {
    file.replace('\\', "/") == e.file && norm(title).contains(&norm(&e.title))
}

#[derive(Default, Clone, Copy)]
struct Tally {
    n: usize,
    hit3: usize,
    rr: f64,
    recall5: f64,
}

impl Tally {
    fn add(&mut self, o: Tally) {
        self.n += o.n;
        self.hit3 += o.hit3;
        self.rr += o.rr;
        self.recall5 += o.recall5;
    }
    fn hit3(&self) -> f64 {
        self.hit3 as f64 / self.n.max(1) as f64
    }
    fn mrr(&self) -> f64 {
        self.rr / self.n.max(1) as f64
    }
    fn recall5(&self) -> f64 {
        self.recall5 / self.n.max(1) as f64
    }
    fn line(&self) -> String {
        format!(
            "{:>3} questions  hit@3 {:.3}  MRR {:.3}  recall@5 {:.3}",
            self.n,
            self.hit3(),
            self.mrr(),
            self.recall5()
        )
    }
}

/// Score one answer: (first matching rank, share of expected found in the top 5).
fn score(q: &Question, a: &Answer) -> Tally {
    if q.expect.is_empty() {
        // Nothing in the notes answers it: right when nothing is shown as an answer.
        let ok = a.hits.is_empty() || a.nearest;
        return Tally {
            n: 1,
            hit3: usize::from(ok),
            rr: f64::from(u8::from(ok)),
            recall5: f64::from(u8::from(ok)),
        };
    }
    let shown = if a.nearest { &[][..] } else { &a.hits[..] };
    let rank = shown.iter().position(|h| {
        q.expect
            .iter()
            .any(|e| matches(e, &h.meta.file, &h.meta.title))
    });
    let found = q
        .expect
        .iter()
        .filter(|e| {
            shown
                .iter()
                .take(5)
                .any(|h| matches(e, &h.meta.file, &h.meta.title))
        })
        .count();
    Tally {
        n: 1,
        hit3: usize::from(rank.is_some_and(|r| r < 3)),
        rr: rank.map_or(0.0, |r| 1.0 / (r as f64 + 1.0)),
        recall5: found as f64 / q.expect.len() as f64,
    }
}

fn load(dir: &Path) -> Vec<(String, Vec<Question>)> {
    let mut sets = Vec::new();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    for p in paths {
        let text = std::fs::read_to_string(&p).unwrap();
        let set: Set = toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        for q in &set.q {
            assert!(
                CATEGORIES.contains(&q.category.as_str()),
                "{}: unknown category {:?} in {:?}",
                p.display(),
                q.category,
                q.question
            );
            assert_eq!(
                q.category == "none",
                q.expect.is_empty(),
                "{}: {:?}: only `none` questions expect nothing",
                p.display(),
                q.question
            );
        }
        let name = p.file_stem().unwrap().to_string_lossy().into_owned();
        sets.push((name, set.q));
    }
    sets
}

/// The shipped notes and the corpus in one folder, as a team's would be.
/// The engine, the copied notes and the index: both folders live as long as it.
type Folder = (Engine, [tempfile::TempDir; 2]);

fn corpus_engine(corpus: &Path) -> Folder {
    let dir = tempfile::tempdir().unwrap();
    let notes = dir.path().join("notes");
    common::copy_shipped(&notes);
    copy_tree(corpus, &notes);
    let (engine, index) = common::engine(&notes);
    (engine, [dir, index])
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let dest = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_tree(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).unwrap();
        }
    }
}

#[test]
fn answers_to_questions_by_someone_else_meet_the_bar() {
    let sets = load(&common::root().join("tests/eval/corpus"));
    let total: usize = sets.iter().map(|(_, q)| q.len()).sum();
    assert!(total >= 80, "the evaluation needs at least 80 questions");
    let show_held_out = std::env::var_os("CONFNOTES_SHOW_HELD_OUT").is_some();
    let corpus = common::root().join("../shared/corpus/notes");
    let (shipped, _t1) = common::shipped();
    let corpus_engine = if corpus.is_dir() {
        Some(corpus_engine(&corpus))
    } else {
        common::skipped(
            "the 84 questions about real notes by other people (the shipped ones still run)",
            "../shared/corpus/notes is absent (the real notes are not part of this repository)",
        );
        None
    };
    // (part, category) -> tally; part is "tuned" or "held-out".
    let mut tallies: BTreeMap<(&str, String), Tally> = BTreeMap::new();
    let mut by_set: BTreeMap<(&str, String), Tally> = BTreeMap::new();
    for (name, questions) in &sets {
        let engine = if name == "shipped" {
            &shipped
        } else {
            match &corpus_engine {
                Some((e, _)) => e,
                None => continue,
            }
        };
        for q in questions {
            let answer = engine.ask(&q.question, &Filters::default(), 10, 0).unwrap();
            let t = score(q, &answer);
            if std::env::var_os("CONFNOTES_EVAL_TRACE").is_some() && !q.holdout {
                let top = answer.hits.first();
                let raw = answer.hits.iter().position(|h| {
                    q.expect
                        .iter()
                        .any(|e| matches(e, &h.meta.file, &h.meta.title))
                });
                println!(
                    "TRACE [{}] hit={} raw={:?} nearest={} cov={:.2} held={:.2} {:?}",
                    q.category,
                    t.hit3,
                    raw,
                    answer.nearest,
                    top.map_or(0.0, |h| h.coverage),
                    top.map_or(0.0, |h| h.held),
                    q.question
                );
            }
            let part = if q.holdout { "held-out" } else { "tuned" };
            tallies
                .entry((part, q.category.clone()))
                .or_default()
                .add(t);
            by_set.entry((part, name.clone())).or_default().add(t);
            if t.hit3 == 0 && (!q.holdout || show_held_out) {
                let got: Vec<String> = answer
                    .hits
                    .iter()
                    .take(3)
                    .map(|h| format!("{} ({})", h.meta.title, h.meta.file))
                    .collect();
                println!(
                    "MISS {part} [{}] {:?}\n     expected {:?}\n     got{} {:?}",
                    q.category,
                    q.question,
                    q.expect
                        .iter()
                        .map(|e| format!("{} ({})", e.title, e.file))
                        .collect::<Vec<_>>(),
                    if answer.nearest { " (nearest)" } else { "" },
                    got
                );
            }
        }
    }
    let mut parts: BTreeMap<&str, Tally> = BTreeMap::new();
    for part in ["tuned", "held-out"] {
        println!("\n{part}:");
        for ((p, cat), t) in &tallies {
            if *p == part {
                println!("  {cat:>12}: {}", t.line());
                parts.entry(part).or_default().add(*t);
            }
        }
        for ((p, set), t) in &by_set {
            if *p == part {
                println!("  {:>12}: {}", format!("[{set}]"), t.line());
            }
        }
        println!("  {:>12}: {}", "all", parts.entry(part).or_default().line());
    }
    let tuned = parts["tuned"];
    assert!(
        tuned.hit3() >= MIN_HIT_AT_3,
        "tuned hit@3 {:.3} is below {MIN_HIT_AT_3}",
        tuned.hit3()
    );
    assert!(
        tuned.mrr() >= MIN_MRR,
        "tuned MRR {:.3} is below {MIN_MRR}",
        tuned.mrr()
    );
}
