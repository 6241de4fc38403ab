//! Q&A channels, claimed messages and votes on answers.

use super::{check, t};
use confnotes::store::{Feedback, QaChannel};

#[test]
fn qa_channels_are_enabled_once_and_disabled_once() {
    check("qa_channels", |b| {
        let s = b.open();
        let t0 = t("2026-03-01T09:00:00.750Z");
        assert!(s.qa_enable(5, Some(1), Some(9), t0).unwrap());
        // Enabled again later: not new, and the first record stays.
        assert!(!s
            .qa_enable(5, Some(2), None, t("2026-03-02T00:00:00Z"))
            .unwrap());
        assert!(s
            .qa_enable(4, None, None, t("2026-03-01T10:00:00Z"))
            .unwrap());
        assert!(s.qa_enable(6, Some(1), None, t0).unwrap());
        assert!(s.is_qa_channel(5).unwrap() && !s.is_qa_channel(7).unwrap());
        let listed = s.qa_channels().unwrap();
        // Oldest first, then by channel; times to the second.
        let order: Vec<u64> = listed.iter().map(|c| c.channel_id).collect();
        assert_eq!(order, [5, 6, 4]);
        assert_eq!(
            listed[0],
            QaChannel {
                channel_id: 5,
                guild_id: Some(1),
                enabled_by: Some(9),
                enabled_at: t("2026-03-01T09:00:00Z"),
            }
        );
        assert!(s.qa_disable(5).unwrap());
        assert!(!s.qa_disable(5).unwrap());
        assert!(!s.qa_disable(77).unwrap());
        assert!(!s.is_qa_channel(5).unwrap());
        // Another process sees the same channels.
        let other = b.open();
        assert_eq!(other.qa_channels().unwrap().len(), 2);
        (listed, s.qa_channels().unwrap())
    });
}

#[test]
fn a_message_is_claimed_once_across_processes() {
    check("claims", |b| {
        let s = b.open();
        let now = t("2026-03-01T09:00:00Z");
        assert!(s.claim_message(10, 1, "what is ebpf?", now).unwrap());
        assert!(!s.claim_message(10, 1, "edited question", now).unwrap());
        assert!(s.claim_message(11, 2, "wasm?", now).unwrap());
        // Another process, or the bot after a restart, sees both claims.
        let other = b.open();
        assert!(!other.claim_message(10, 1, "what is ebpf?", now).unwrap());
        assert!(!other.claim_message(11, 2, "wasm?", now).unwrap());
        // The first question is the one kept.
        assert_eq!(
            other.answered_query(10).unwrap().as_deref(),
            Some("what is ebpf?")
        );
        assert_eq!(other.answered_query(12).unwrap(), None);
        other.set_answer_thread(10, 500).unwrap();
        // A message that was never claimed gets no thread and no row.
        other.set_answer_thread(12, 501).unwrap();
        assert_eq!(other.answered_query(12).unwrap(), None);
        assert_eq!(s.answered_count().unwrap(), 2);
        s.answered_count().unwrap()
    });
}

#[test]
fn a_vote_is_replaced_only_when_it_changes() {
    check("feedback", |b| {
        let s = b.open();
        let t0 = t("2026-03-01T09:00:00Z");
        let t1 = t("2026-03-01T10:00:00.999Z");
        assert!(s.claim_message(10, 1, "q", t0).unwrap());
        assert!(s.record_feedback(10, 7, false, t0).unwrap());
        // The same vote again: nothing changes, not even its time.
        assert!(!s.record_feedback(10, 7, false, t1).unwrap());
        assert_eq!(s.feedback().unwrap()[0].at, t0);
        // Changed: replaced, with the new time.
        assert!(s.record_feedback(10, 7, true, t1).unwrap());
        // Two users at the same second, the later id first: listed by user.
        assert!(s.record_feedback(10, 9, true, t0).unwrap());
        assert!(s.record_feedback(10, 8, false, t0).unwrap());
        // A vote on a message the bot never claimed is kept too.
        assert!(s.record_feedback(99, 7, true, t0).unwrap());
        let fb = s.feedback().unwrap();
        assert_eq!(fb.len(), 4, "{fb:?}");
        // Oldest first, then by message, then by user.
        let order: Vec<(u64, u64)> = fb.iter().map(|f| (f.message_id, f.user_id)).collect();
        assert_eq!(order, [(10, 8), (10, 9), (99, 7), (10, 7)]);
        assert_eq!(
            fb[3],
            Feedback {
                message_id: 10,
                channel_id: Some(1),
                query: Some("q".into()),
                user_id: 7,
                helpful: true,
                at: t("2026-03-01T10:00:00Z"),
            }
        );
        assert_eq!((fb[2].channel_id, fb[2].query.as_deref()), (None, None));
        fb
    });
}
