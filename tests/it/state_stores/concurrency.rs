//! Many processes at once: each handle here is a store of its own (its own
//! SQLite connection, its own PostgreSQL pool) on the same state, and every
//! one of them calls at the same moment.

use super::{check, day, subscription, t, Backend, Store};
use confnotes::store::BeginPost;
use std::sync::Barrier;

const PROCESSES: usize = 16;

/// Run `f(i, store)` on `n` threads, each with a store of its own, all
/// released at once; their results in order.
fn at_once<T: Send>(b: &Backend, n: usize, f: impl Fn(usize, &Store) -> T + Sync) -> Vec<T> {
    // Opened first, one after the other: opening at once is a test of its own.
    let stores: Vec<Store> = (0..n).map(|_| b.open()).collect();
    let start = Barrier::new(n);
    std::thread::scope(|scope| {
        let handles: Vec<_> = stores
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let (start, f) = (&start, &f);
                scope.spawn(move || {
                    start.wait();
                    f(i, s)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

#[test]
fn each_message_is_claimed_once_among_many_processes() {
    const MESSAGES: u64 = 50;
    check("concurrent_claims", |b| {
        let now = t("2026-03-01T09:00:00Z");
        // Each process goes through all the messages, starting at a
        // different one, so every message is contended.
        let won = at_once(b, PROCESSES, |i, s| {
            (0..MESSAGES)
                .map(|k| (k + i as u64 * 3) % MESSAGES)
                .filter(|&m| {
                    s.claim_message(1000 + m, 1, &format!("q{m} from {i}"), now)
                        .unwrap_or_else(|e| panic!("process {i}, message {m}: {e:#}"))
                })
                .collect::<Vec<u64>>()
        });
        let mut all: Vec<u64> = won.concat();
        all.sort();
        assert_eq!(all, (0..MESSAGES).collect::<Vec<_>>(), "each message once");
        let s = b.open();
        assert_eq!(s.answered_count().unwrap(), MESSAGES as usize);
        // The question kept is the winner's.
        for (i, ms) in won.iter().enumerate() {
            for m in ms {
                let q = s.answered_query(1000 + m).unwrap();
                assert_eq!(q, Some(format!("q{m} from {i}")));
            }
        }
        s.answered_count().unwrap()
    });
}

#[test]
fn a_digest_post_is_recorded_once_among_many_processes() {
    check("concurrent_posts", |b| {
        let now = t("2026-03-01T09:00:00Z");
        let (sub, _) = b.open().subscribe(&subscription(2, ""), now).unwrap();
        let d = day("2026-03-01");
        let got = at_once(b, PROCESSES, |i, s| {
            s.begin_post(&sub, d, &format!("n{i}"), "{}", Some(i as u64), now)
                .unwrap_or_else(|e| panic!("process {i}: {e:#}"))
        });
        let winners: Vec<usize> = (0..PROCESSES)
            .filter(|&i| got[i] == BeginPost::Recorded)
            .collect();
        assert_eq!(winners.len(), 1, "{got:?}");
        let w = winners[0];
        let s = b.open();
        let post = s.post(sub.id, d).unwrap().unwrap();
        assert_eq!(post.nonce, format!("n{w}"));
        // Everyone else was told about the winner's post.
        for (i, g) in got.iter().enumerate().filter(|&(i, _)| i != w) {
            assert_eq!(g, &BeginPost::Exists(post.clone()), "process {i}");
        }
        // The cursor is the winner's: it moved with the post, and only then.
        assert_eq!(
            s.subscription(sub.id).unwrap().unwrap().cursor,
            Some(w as u64)
        );
        winners.len()
    });
}

#[test]
fn a_channel_subscribed_by_many_processes_at_once_has_one_subscription() {
    check("concurrent_subscribe", |b| {
        let now = t("2026-03-01T09:00:00Z");
        let got = at_once(b, 8, |i, s| {
            s.subscribe(&subscription(2, "ebpf"), now)
                .unwrap_or_else(|e| panic!("process {i}: {e:#}"))
        });
        let fresh = got.iter().filter(|(_, fresh)| *fresh).count();
        assert_eq!(fresh, 1, "{got:?}");
        assert!(got.iter().all(|(s, _)| *s == got[0].0), "{got:?}");
        assert_eq!(b.open().subscriptions().unwrap().len(), 1);
        fresh
    });
}

#[test]
fn sessions_synced_by_many_processes_at_once_are_added_once() {
    check("concurrent_sync", |b| {
        let s = |id: &str| (id.to_string(), "1".to_string(), format!("Title {id}"));
        let then = t("2026-03-01T09:00:00Z");
        b.open().sync_sessions(&[s("a")], then).unwrap();
        let now = t("2026-03-02T09:00:00Z");
        let got = at_once(b, 8, |i, st| {
            st.sync_sessions(&[s("a"), s("b")], now)
                .unwrap_or_else(|e| panic!("process {i}: {e:#}"))
        });
        let added: Vec<&Vec<String>> = got
            .iter()
            .map(|r| &r.added)
            .filter(|a| !a.is_empty())
            .collect();
        assert_eq!(added, [&vec!["b".to_string()]], "{got:?}");
        assert!(got.iter().all(|r| !r.baseline && r.changed.is_empty()));
        b.open().changed_since(then).unwrap()
    });
}
