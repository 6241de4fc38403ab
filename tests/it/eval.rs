//! Retrieval quality on the shipped notes: hit@3 and MRR over the questions
//! in tests/eval/questions.toml. Prints every miss; fails below the bar.

use crate::common;

use confnotes::index::Filters;
use serde::Deserialize;

#[derive(Deserialize)]
struct Set {
    q: Vec<Question>,
}

#[derive(Deserialize)]
struct Question {
    question: String,
    expect: Vec<String>,
    category: String,
}

const MIN_HIT_AT_3: f64 = 0.90;
const MIN_MRR: f64 = 0.80;

#[test]
fn retrieval_quality_meets_the_bar() {
    let text = std::fs::read_to_string(common::root().join("tests/eval/questions.toml")).unwrap();
    let set: Set = toml::from_str(&text).unwrap();
    assert!(
        set.q.len() >= 40,
        "the evaluation set needs at least 40 questions"
    );
    let (engine, _tmp) = common::shipped();
    let mut hits3 = 0usize;
    let mut rr_sum = 0.0f64;
    let mut per_cat: std::collections::BTreeMap<&str, (usize, usize)> = Default::default();
    for q in &set.q {
        let answer = engine.ask(&q.question, &Filters::default(), 10, 0).unwrap();
        let rank = answer.hits.iter().position(|h| {
            let t = h.meta.title.to_lowercase();
            q.expect.iter().any(|e| t.contains(&e.to_lowercase()))
        });
        let cat = per_cat.entry(q.category.as_str()).or_default();
        cat.1 += 1;
        if let Some(r) = rank {
            rr_sum += 1.0 / (r as f64 + 1.0);
        }
        if rank.is_some_and(|r| r < 3) {
            hits3 += 1;
            cat.0 += 1;
        } else {
            let got: Vec<&str> = answer
                .hits
                .iter()
                .take(3)
                .map(|h| h.meta.title.as_str())
                .collect();
            println!(
                "MISS [{}] {:?}\n     expected {:?} (rank {:?})\n     got {:?}",
                q.category,
                q.question,
                q.expect,
                rank.map(|r| r + 1),
                got
            );
        }
    }
    let n = set.q.len() as f64;
    let hit3 = hits3 as f64 / n;
    let mrr = rr_sum / n;
    for (cat, (h, t)) in &per_cat {
        println!("{cat:>12}: {h}/{t}");
    }
    println!(
        "questions: {}  hit@3: {hit3:.3}  MRR: {mrr:.3}",
        set.q.len()
    );
    assert!(
        hit3 >= MIN_HIT_AT_3,
        "hit@3 {hit3:.3} is below {MIN_HIT_AT_3}"
    );
    assert!(mrr >= MIN_MRR, "MRR {mrr:.3} is below {MIN_MRR}");
}
