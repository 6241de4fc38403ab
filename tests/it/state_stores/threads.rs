//! The conversation in each Q&A thread: saved, replaced, read from another
//! process, forgotten once old.

use super::{check, t};
use confnotes::store::ThreadRecord;

fn record(thread: u64, question: &str, at: &str) -> ThreadRecord {
    ThreadRecord {
        thread_id: thread,
        channel_id: 7,
        question: question.to_string(),
        conference: None,
        year: None,
        not_year: None,
        shown: vec!["a".to_string(), "b".to_string()],
        focus: None,
        turns: 1,
        updated_at: t(at),
    }
}

#[test]
fn a_thread_is_saved_replaced_and_forgotten_when_old() {
    check("threads", |b| {
        let (s, other) = (b.open(), b.open());
        let mut seen = Vec::new();
        assert_eq!(s.thread(1).unwrap(), None);
        let first = record(1, "wasm on kubernetes", "2026-03-01T10:00:00Z");
        s.save_thread(&first).unwrap();
        s.save_thread(&record(2, "service mesh", "2026-03-05T10:00:00Z"))
            .unwrap();
        assert_eq!(other.thread(1).unwrap().as_ref(), Some(&first));
        // A second turn replaces the first, filters and all.
        let second = ThreadRecord {
            conference: Some("KubeCon EU".to_string()),
            year: Some(2023),
            not_year: Some(2021),
            shown: vec!["c".to_string(), "a".to_string(), "ü-ß".to_string()],
            focus: Some(2),
            turns: 2,
            updated_at: t("2026-03-02T10:00:00.750Z"),
            ..first.clone()
        };
        s.save_thread(&second).unwrap();
        let read = other.thread(1).unwrap().unwrap();
        // Times are kept to the second.
        assert_eq!(read.updated_at, t("2026-03-02T10:00:00Z"));
        assert_eq!(
            ThreadRecord {
                updated_at: second.updated_at,
                ..read.clone()
            },
            second
        );
        seen.push(format!("{read:?}"));
        // Forgetting is by the last update: thread 1 (2 March) goes, 2 stays.
        assert_eq!(other.forget_threads(t("2026-03-01T00:00:00Z")).unwrap(), 0);
        assert_eq!(other.forget_threads(t("2026-03-03T00:00:00Z")).unwrap(), 1);
        assert_eq!(s.thread(1).unwrap(), None);
        assert_eq!(s.thread(2).unwrap().unwrap().question, "service mesh");
        assert_eq!(s.forget_threads(t("2026-03-03T00:00:00Z")).unwrap(), 0);
        // Huge ids (snowflakes near 2^63) come back as they went in.
        let big = record(u64::MAX >> 1, "big", "2026-03-05T10:00:00Z");
        s.save_thread(&big).unwrap();
        assert_eq!(other.thread(u64::MAX >> 1).unwrap(), Some(big));
        seen
    });
}
