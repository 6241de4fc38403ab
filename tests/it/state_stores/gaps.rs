//! Gaps (questions the notes could not answer), the digest's gaps option,
//! and answer messages mapped back to their questions.

use super::{check, subscription, t};
use confnotes::store::{Gap, GapClosed, GapReason, NearHit, NewGap};

fn gap(question: &str, message: Option<u64>, at: &str, reason: GapReason) -> NewGap {
    NewGap {
        question: question.to_string(),
        channel_id: Some(5),
        guild_id: Some(1),
        message_id: message,
        at: t(at),
        reason,
        nearest: vec![
            NearHit {
                session_id: "kubecon-2025/ebpf".into(),
                title: "eBPF at scale".into(),
                score: 1.25,
            },
            NearHit {
                session_id: "rustconf/async".into(),
                title: "Async Rust, “really”".into(),
                score: 0.1,
            },
        ],
    }
}

#[test]
fn gaps_are_recorded_once_per_message_listed_and_closed() {
    check("gaps", |b| {
        let s = b.open();
        assert_eq!(s.gap_counts().unwrap(), (0, 0));
        let first = gap(
            "who talked about wasm?",
            Some(10),
            "2026-03-01T09:00:00.600Z",
            GapReason::NoMatch,
        );
        assert!(s.record_gap(&first).unwrap());
        // Not helpful on the same message later: still one row, the first
        // reason kept.
        let again = gap(
            "who talked about wasm?",
            Some(10),
            "2026-03-01T09:05:00Z",
            GapReason::NotHelpful,
        );
        assert!(!s.record_gap(&again).unwrap());
        // Questions with no message are each their own gap.
        let loose = gap("wasm?", None, "2026-03-02T09:00:00Z", GapReason::NoMatch);
        assert!(s.record_gap(&loose).unwrap());
        assert!(s.record_gap(&loose).unwrap());
        let later = gap(
            "is eBPF fast?",
            Some(11),
            "2026-03-08T09:00:00Z",
            GapReason::NotHelpful,
        );
        assert!(s.record_gap(&later).unwrap());
        let all = s.gaps(None).unwrap();
        assert_eq!(all.len(), 4);
        assert_eq!(s.gap_counts().unwrap(), (4, 4));
        // Oldest first; times to the second; the nearest hits as given.
        assert_eq!(
            all[0],
            Gap {
                id: all[0].id,
                question: "who talked about wasm?".into(),
                channel_id: Some(5),
                guild_id: Some(1),
                message_id: Some(10),
                asked_at: t("2026-03-01T09:00:00Z"),
                reason: GapReason::NoMatch,
                nearest: first.nearest.clone(),
                closed: None,
            }
        );
        let since = s.gaps(Some(t("2026-03-02T09:00:00Z"))).unwrap();
        assert_eq!(since.len(), 3, "since is inclusive");
        // Closed once, by a session; another process sees it closed.
        let closed_at = t("2026-03-09T10:00:00Z");
        assert!(s
            .close_gap(
                all[0].id,
                closed_at,
                "wasmcon/components",
                "Wasm components"
            )
            .unwrap());
        assert!(!s
            .close_gap(all[0].id, closed_at, "other/session", "Other")
            .unwrap());
        assert!(!s.close_gap(9999, closed_at, "x", "y").unwrap());
        let other = b.open();
        let open: Vec<String> = other
            .open_gaps()
            .unwrap()
            .into_iter()
            .map(|g| g.question)
            .collect();
        assert_eq!(open, ["wasm?", "wasm?", "is eBPF fast?"]);
        let closed = other.gaps(None).unwrap().remove(0);
        assert_eq!(
            closed.closed,
            Some(GapClosed {
                at: closed_at,
                session_id: "wasmcon/components".into(),
                title: "Wasm components".into(),
            })
        );
        assert_eq!(other.gap_counts().unwrap(), (4, 3));
        let snap = other.snapshot().unwrap();
        assert_eq!((snap.gaps, snap.open_gaps), (4, 3));
        let ids: Vec<i64> = all.iter().map(|g| g.id).collect();
        (ids, other.gaps(None).unwrap())
    });
}

#[test]
fn a_subscription_keeps_its_gaps_option() {
    check("gaps_option", |b| {
        let s = b.open();
        let t0 = t("2026-03-01T09:00:00Z");
        let (plain, _) = s.subscribe(&subscription(2, ""), t0).unwrap();
        assert!(!plain.gaps, "off unless asked");
        let mut new = subscription(3, "");
        new.gaps = true;
        let (on, fresh) = s.subscribe(&new, t0).unwrap();
        assert!(fresh && on.gaps);
        // Subscribing again changes the option, as it changes the time.
        new.gaps = false;
        let (off, fresh) = s.subscribe(&new, t0).unwrap();
        assert!(!fresh && !off.gaps && off.id == on.id);
        new.gaps = true;
        s.subscribe(&new, t0).unwrap();
        let other = b.open();
        let listed: Vec<(u64, bool)> = other
            .subscriptions()
            .unwrap()
            .iter()
            .map(|s| (s.channel_id, s.gaps))
            .collect();
        assert_eq!(listed, [(2, false), (3, true)]);
        listed
    });
}

#[test]
fn an_answer_message_leads_back_to_its_question() {
    check("answer_messages", |b| {
        let s = b.open();
        let now = t("2026-03-01T09:00:00Z");
        assert!(s.claim_message(10, 1, "what is ebpf?", now).unwrap());
        assert_eq!(s.answer_question(700).unwrap(), None);
        s.set_answer_message(10, 700).unwrap();
        // A message never claimed gets no answer recorded.
        s.set_answer_message(12, 701).unwrap();
        let other = b.open();
        assert_eq!(
            other.answer_question(700).unwrap(),
            Some((10, "what is ebpf?".to_string()))
        );
        assert_eq!(other.answer_question(701).unwrap(), None);
        assert_eq!(other.answer_question(10).unwrap(), None);
        // Asked in channel 1, whatever thread the answer went to.
        other.set_answer_thread(10, 500).unwrap();
        assert_eq!(other.answered_channel(10).unwrap(), Some(1));
        assert_eq!(other.answered_channel(12).unwrap(), None);
        other.answer_question(700).unwrap()
    });
}

#[test]
fn a_vote_is_withdrawn_only_while_it_is_the_current_one() {
    check("withdraw_feedback", |b| {
        let s = b.open();
        let now = t("2026-03-01T09:00:00Z");
        assert!(s.claim_message(10, 1, "q", now).unwrap());
        assert!(s.record_feedback(10, 7, false, now).unwrap());
        // A 👍 removed while the vote is 👎: the vote stays.
        assert!(!s.withdraw_feedback(10, 7, true).unwrap());
        assert_eq!(s.feedback().unwrap().len(), 1);
        assert!(s.withdraw_feedback(10, 7, false).unwrap());
        assert!(!s.withdraw_feedback(10, 7, false).unwrap());
        assert!(s.feedback().unwrap().is_empty());
        // Voting again after a withdrawal is a new vote.
        assert!(s.record_feedback(10, 7, true, now).unwrap());
        s.feedback().unwrap()
    });
}
