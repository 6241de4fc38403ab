//! Sessions first seen and changed, and the notes written from Discord.

use super::{check, t};
use chrono::{DateTime, Utc};
use confnotes::store::{Changed, NoteRecord, SyncReport};

fn s(id: &str, hash: &str) -> (String, String, String) {
    (id.into(), hash.into(), format!("Title {id} {hash}"))
}

fn ids(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn report(added: &[&str], changed: &[&str], removed: &[&str]) -> SyncReport {
    SyncReport {
        baseline: false,
        added: ids(added),
        changed: ids(changed),
        removed: ids(removed),
    }
}

#[test]
fn sessions_baseline_then_added_changed_removed_and_back() {
    check("sessions", |b| {
        let st = b.open();
        let t0 = t("2026-03-01T00:00:00Z");
        let t1 = t("2026-03-02T00:00:00.600Z");
        let t2 = t("2026-03-03T00:00:00Z");
        // Nothing yet: still a baseline next time.
        assert!(st.sync_sessions(&[], t0).unwrap().baseline);
        let r = st.sync_sessions(&[s("a", "1"), s("b", "1"), s("d", "1")], t0);
        let r = r.unwrap();
        assert!(r.baseline && r.added.is_empty() && r.changed.is_empty());
        assert_eq!(st.known_session_count().unwrap(), 3);
        assert!(st
            .changed_since(DateTime::<Utc>::MIN_UTC)
            .unwrap()
            .is_empty());
        // The same again: nothing to report.
        let same = st.sync_sessions(&[s("a", "1"), s("b", "1"), s("d", "1")], t0);
        assert_eq!(same.unwrap(), report(&[], &[], &[]));
        // A session listed twice (two files claiming one id) counts once.
        let current = [s("d", "1"), s("c", "1"), s("a", "2"), s("c", "1")];
        let r = st.sync_sessions(&current, t1).unwrap();
        assert_eq!(r, report(&["c"], &["a"], &["b"]));
        assert_eq!(st.known_session_count().unwrap(), 3);
        let changed = st.changed_since(t0).unwrap();
        let at1 = t("2026-03-02T00:00:00Z");
        assert_eq!(
            changed,
            [
                Changed {
                    id: "a".into(),
                    title: "Title a 2".into(),
                    added: false,
                    at: at1
                },
                Changed {
                    id: "c".into(),
                    title: "Title c 1".into(),
                    added: true,
                    at: at1
                },
            ]
        );
        // Strictly after: the second of the change itself is not after it.
        assert!(st.changed_since(at1).unwrap().is_empty());
        assert_eq!(
            st.changed_since(t("2026-03-01T23:59:59.500Z")).unwrap(),
            changed
        );
        // Back after being removed: added again, as of now.
        let r = st.sync_sessions(&[s("a", "2"), s("c", "1"), s("d", "1"), s("b", "1")], t2);
        assert_eq!(r.unwrap(), report(&["b"], &[], &[]));
        // Removed sessions are not offered; everything removed at once is
        // reported sorted.
        let after = st.changed_since(t1).unwrap();
        assert_eq!(after.len(), 1);
        assert!(after[0].added && after[0].id == "b" && after[0].at == t2);
        let gone = st.sync_sessions(&[s("a", "2")], t2).unwrap();
        assert_eq!(gone, report(&[], &[], &["b", "c", "d"]));
        assert!(st.changed_since(t1).unwrap().is_empty());
        assert_eq!(st.known_session_count().unwrap(), 1);
        // Another process compares with what this one recorded.
        let other = b.open();
        let r = other.sync_sessions(&[s("a", "3")], t2).unwrap();
        assert_eq!(r, report(&[], &["a"], &[]));
        (changed, other.changed_since(t0).unwrap())
    });
}

fn note(rel: &str, author: u64, at: &str) -> NoteRecord {
    NoteRecord {
        rel: rel.to_string(),
        author_id: author,
        author_name: format!("user{author}"),
        guild_id: Some(1),
        channel_id: Some(2),
        message_id: None,
        created_at: t(at),
        updated_at: t(at),
        deleted_at: None,
    }
}

#[test]
fn notes_are_recorded_appended_deleted_and_written_again() {
    check("notes", |b| {
        let s = b.open();
        s.record_note(&note("a/one.md", 7, "2026-11-22T10:00:00.900Z"))
            .unwrap();
        s.record_note(&note("a/two.md", 7, "2026-11-22T11:00:00Z"))
            .unwrap();
        s.record_note(&note("a/other.md", 8, "2026-11-22T12:00:00Z"))
            .unwrap();
        s.set_note_message("a/one.md", 99).unwrap();
        s.set_note_message("a/none.md", 98).unwrap();
        let rels = |v: Vec<NoteRecord>| v.into_iter().map(|n| n.rel).collect::<Vec<_>>();
        assert_eq!(
            rels(s.recent_notes_by(7, 10).unwrap()),
            ["a/two.md", "a/one.md"]
        );
        assert!(s.recent_notes_by(9, 10).unwrap().is_empty());
        // Appending makes a note the most recent.
        assert!(s
            .note_appended("a/one.md", t("2026-11-22T13:00:00Z"))
            .unwrap());
        assert!(!s
            .note_appended("a/none.md", t("2026-11-22T13:00:00Z"))
            .unwrap());
        assert_eq!(rels(s.recent_notes_by(7, 1).unwrap()), ["a/one.md"]);
        let one = s.note_record("a/one.md").unwrap().unwrap();
        assert_eq!(one.message_id, Some(99));
        assert_eq!(one.created_at, t("2026-11-22T10:00:00Z"));
        assert_eq!(one.updated_at, t("2026-11-22T13:00:00Z"));
        assert_eq!(s.note_record("a/none.md").unwrap(), None);
        // Deleted once; then neither appended to nor offered, but kept.
        assert!(s
            .note_deleted("a/one.md", t("2026-11-22T14:00:00Z"))
            .unwrap());
        assert!(!s
            .note_deleted("a/one.md", t("2026-11-22T15:00:00Z"))
            .unwrap());
        assert!(!s
            .note_deleted("a/none.md", t("2026-11-22T15:00:00Z"))
            .unwrap());
        assert!(!s
            .note_appended("a/one.md", t("2026-11-22T15:00:00Z"))
            .unwrap());
        assert_eq!(rels(s.recent_notes_by(7, 10).unwrap()), ["a/two.md"]);
        let all = s.notes_written().unwrap();
        assert_eq!(rels(all.clone()), ["a/one.md", "a/two.md", "a/other.md"]);
        assert_eq!(all[0].deleted_at, Some(t("2026-11-22T14:00:00Z")));
        // The same file written again (by someone else): a new note.
        let again = note("a/one.md", 8, "2026-11-23T09:00:00Z");
        s.record_note(&again).unwrap();
        assert_eq!(s.note_record("a/one.md").unwrap(), Some(again));
        assert_eq!(
            rels(s.recent_notes_by(8, 10).unwrap()),
            ["a/one.md", "a/other.md"]
        );
        assert_eq!(rels(s.recent_notes_by(7, 10).unwrap()), ["a/two.md"]);
        assert_eq!(s.snapshot().unwrap().notes_written.len(), 3);
        (all, s.notes_written().unwrap())
    });
}
