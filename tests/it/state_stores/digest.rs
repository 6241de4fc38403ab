//! Digest subscriptions, and the posts recorded for them.

use super::{check, day, subscription, t};
use chrono::NaiveTime;
use confnotes::store::{BeginPost, PostRecord, PostState, Subscription};

#[test]
fn subscribing_again_updates_and_topics_are_separate() {
    check("subscriptions", |b| {
        let s = b.open();
        let t0 = t("2026-03-01T09:00:00.400Z");
        let mut new = subscription(2, "");
        let (a, fresh) = s.subscribe(&new, t0).unwrap();
        assert!(fresh);
        assert_eq!(
            a,
            Subscription {
                id: a.id,
                guild_id: Some(1),
                channel_id: 2,
                time: NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
                timezone: chrono_tz::Europe::Amsterdam,
                topic: String::new(),
                created_by: Some(3),
                created_at: t("2026-03-01T09:00:00Z"),
                cursor: None,
                gaps: false,
            }
        );
        // Again, later, by someone else, at another time and zone: the same
        // subscription with the new time and zone, created when it was.
        new.time = NaiveTime::from_hms_opt(8, 30, 59).unwrap();
        new.timezone = chrono_tz::Asia::Kolkata;
        new.created_by = Some(4);
        let (again, fresh) = s.subscribe(&new, t("2026-03-05T00:00:00Z")).unwrap();
        assert!(!fresh);
        assert_eq!(again.id, a.id);
        assert_eq!(again.time, NaiveTime::from_hms_opt(8, 30, 0).unwrap());
        assert_eq!(again.timezone, chrono_tz::Asia::Kolkata);
        assert_eq!(
            (again.created_by, again.created_at),
            (a.created_by, a.created_at)
        );
        // A topic is a subscription of its own.
        new.topic = "ebpf".into();
        let (topic, fresh) = s.subscribe(&new, t0).unwrap();
        assert!(fresh && topic.id != a.id);
        let dm = subscription(3, "");
        let (dm, _) = s
            .subscribe(
                &confnotes::store::NewSubscription {
                    guild_id: None,
                    ..dm
                },
                t0,
            )
            .unwrap();
        assert_eq!(s.subscription(topic.id).unwrap(), Some(topic.clone()));
        assert_eq!(s.subscription(999).unwrap(), None);
        let ids = |v: Vec<Subscription>| v.iter().map(|s| s.id).collect::<Vec<_>>();
        assert_eq!(ids(s.subscriptions().unwrap()), [a.id, topic.id, dm.id]);
        assert_eq!(ids(s.subscriptions_in(Some(1)).unwrap()), [a.id, topic.id]);
        assert_eq!(ids(s.subscriptions_in(None).unwrap()), [dm.id]);
        assert!(s.subscriptions_in(Some(2)).unwrap().is_empty());
        let all = s.subscriptions().unwrap();
        // By topic, then the rest of the channel.
        assert_eq!(s.unsubscribe(2, Some("wasm")).unwrap(), 0);
        assert_eq!(s.unsubscribe(2, Some("ebpf")).unwrap(), 1);
        assert_eq!(ids(s.subscriptions().unwrap()), [a.id, dm.id]);
        s.subscribe(&new, t0).unwrap();
        assert_eq!(s.unsubscribe(2, None).unwrap(), 2);
        assert_eq!(s.unsubscribe(2, None).unwrap(), 0);
        assert_eq!(ids(s.subscriptions().unwrap()), [dm.id]);
        all
    });
}

#[test]
fn a_post_is_recorded_once_with_its_cursor() {
    check("begin_post", |b| {
        let s = b.open();
        let t0 = t("2026-03-01T08:00:00.300Z");
        let (sub, _) = s.subscribe(&subscription(2, ""), t0).unwrap();
        let d1 = day("2026-03-01");
        let began = s.begin_post(&sub, d1, "n1", "{\"a\":1}", Some(7), t0);
        assert_eq!(began.unwrap(), BeginPost::Recorded);
        // The cursor moved with the post, in the same transaction.
        assert_eq!(s.subscription(sub.id).unwrap().unwrap().cursor, Some(7));
        let recorded = PostRecord {
            subscription_id: sub.id,
            local_date: d1,
            channel_id: 2,
            state: PostState::Pending,
            nonce: "n1".into(),
            attempts: 0,
            message_id: None,
            recorded_at: t("2026-03-01T08:00:00Z"),
            sent_at: None,
            payload: "{\"a\":1}".into(),
        };
        assert_eq!(s.post(sub.id, d1).unwrap().as_ref(), Some(&recorded));
        // The same day again (another process, or after a restart): the
        // first record, and the cursor stays where the first one put it.
        let again = s.begin_post(&sub, d1, "n2", "{}", Some(9), t0).unwrap();
        assert_eq!(again, BeginPost::Exists(recorded.clone()));
        let other = b.open();
        let again = other.begin_post(&sub, d1, "n3", "{}", Some(9), t0).unwrap();
        assert_eq!(again, BeginPost::Exists(recorded.clone()));
        assert_eq!(s.subscription(sub.id).unwrap().unwrap().cursor, Some(7));
        // No cursor given: it stays.
        let d2 = day("2026-03-02");
        let began = s.begin_post(&sub, d2, "n4", "{}", None, t0).unwrap();
        assert_eq!(began, BeginPost::Recorded);
        assert_eq!(s.subscription(sub.id).unwrap().unwrap().cursor, Some(7));
        // Unsubscribed meanwhile: nothing is recorded.
        assert_eq!(s.unsubscribe(2, None).unwrap(), 1);
        let d3 = day("2026-03-03");
        let began = s.begin_post(&sub, d3, "n5", "{}", Some(1), t0).unwrap();
        assert_eq!(began, BeginPost::Unsubscribed);
        assert_eq!(s.post(sub.id, d3).unwrap(), None);
        // Even for a day that has a post: the subscription is gone.
        let began = s.begin_post(&sub, d1, "n6", "{}", Some(1), t0).unwrap();
        assert_eq!(began, BeginPost::Unsubscribed);
        s.posts_in(2).unwrap()
    });
}

#[test]
fn posts_are_sent_failed_and_missed() {
    check("post_states", |b| {
        let s = b.open();
        let at = |h: u32| t(&format!("2026-03-01T{h:02}:00:00Z"));
        let (a, _) = s.subscribe(&subscription(2, ""), at(0)).unwrap();
        let (e, _) = s.subscribe(&subscription(2, "ebpf"), at(0)).unwrap();
        let (c, _) = s.subscribe(&subscription(3, ""), at(0)).unwrap();
        let (d0, d1, d2, d3) = (
            day("2026-02-28"),
            day("2026-03-01"),
            day("2026-03-02"),
            day("2026-03-03"),
        );
        let begin = |sub: &Subscription, d, h| {
            let r = s.begin_post(sub, d, &format!("{}-{d}", sub.id), "{}", None, at(h));
            assert_eq!(r.unwrap(), BeginPost::Recorded);
        };
        // Sent: the message, the time, one attempt.
        begin(&a, d1, 1);
        s.finish_post(a.id, d1, 100, at(2)).unwrap();
        let sent = s.post(a.id, d1).unwrap().unwrap();
        assert_eq!(sent.state, PostState::Sent);
        assert_eq!(
            (sent.message_id, sent.sent_at, sent.attempts),
            (Some(100), Some(at(2)), 1)
        );
        // Failing: pending until the last attempt, then given up for good.
        begin(&a, d2, 3);
        assert_eq!(s.post_failed(a.id, d2, 3).unwrap(), PostState::Pending);
        assert_eq!(s.post_failed(a.id, d2, 3).unwrap(), PostState::Pending);
        assert_eq!(s.post_failed(a.id, d2, 3).unwrap(), PostState::Failed);
        assert_eq!(s.post_failed(a.id, d2, 3).unwrap(), PostState::Failed);
        assert_eq!(s.post(a.id, d2).unwrap().unwrap().attempts, 3);
        assert!(s.post_failed(a.id, d0, 3).is_err(), "no such post");
        // Missed: only a pending post.
        begin(&e, d1, 4);
        s.mark_missed(e.id, d1).unwrap();
        s.mark_missed(a.id, d1).unwrap();
        s.mark_missed(a.id, d2).unwrap();
        s.mark_missed(a.id, d0).unwrap();
        let state = |sub: i64, d| s.post(sub, d).unwrap().map(|p| p.state);
        assert_eq!(state(e.id, d1), Some(PostState::Missed));
        assert_eq!(state(a.id, d1), Some(PostState::Sent));
        assert_eq!(state(a.id, d2), Some(PostState::Failed));
        assert_eq!(state(a.id, d0), None);
        // Pending: recorded in the same second, listed by subscription.
        begin(&c, d0, 4);
        s.finish_post(c.id, d0, 300, at(5)).unwrap();
        begin(&c, d1, 6);
        begin(&a, d3, 6);
        let pending: Vec<(i64, _)> = s
            .pending_posts()
            .unwrap()
            .iter()
            .map(|p| (p.subscription_id, p.local_date))
            .collect();
        assert_eq!(pending, [(a.id, d3), (c.id, d1)]);
        // The latest post sent, by date, not the latest recorded.
        assert_eq!(s.last_sent(a.id).unwrap().map(|p| p.local_date), Some(d1));
        assert_eq!(s.last_sent(e.id).unwrap(), None);
        assert_eq!(s.post_failed(a.id, d3, 5).unwrap(), PostState::Pending);
        s.finish_post(a.id, d3, 103, at(7)).unwrap();
        let last = s.last_sent(a.id).unwrap().unwrap();
        assert_eq!((last.local_date, last.attempts), (d3, 2));
        // A post never recorded is not made up by finishing it.
        s.finish_post(e.id, d3, 104, at(7)).unwrap();
        assert_eq!(s.post(e.id, d3).unwrap(), None);
        let key = |v: Vec<PostRecord>| {
            v.iter()
                .map(|p| (p.subscription_id, p.local_date, p.state))
                .collect::<Vec<_>>()
        };
        // A channel's posts by date, then subscription.
        assert_eq!(
            key(s.posts_in(2).unwrap()),
            [
                (a.id, d1, PostState::Sent),
                (e.id, d1, PostState::Missed),
                (a.id, d2, PostState::Failed),
                (a.id, d3, PostState::Sent),
            ]
        );
        // The latest post of each subscription.
        assert_eq!(
            key(s.last_posts().unwrap()),
            [
                (a.id, d3, PostState::Sent),
                (e.id, d1, PostState::Missed),
                (c.id, d1, PostState::Pending),
            ]
        );
        (
            s.posts_in(2).unwrap(),
            s.posts_in(3).unwrap(),
            s.last_posts().unwrap(),
            s.pending_posts().unwrap(),
        )
    });
}
