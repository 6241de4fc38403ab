//! Faults: a commit lost with its connection, and a PostgreSQL server that
//! restarts or goes away under a running store.

use super::lifecycle::{fill, seen};
use super::{check, day, pg_options, subscription, t};
use crate::common::pg;
use confnotes::store::pg::PgStore;
use confnotes::store::{BeginPost, QaState};
use std::time::{Duration, Instant};

#[test]
fn a_post_whose_commit_is_lost_is_not_recorded_and_the_store_goes_on() {
    check("lost_commit", |b| {
        let s = b.open();
        let now = t("2026-03-01T09:00:00Z");
        let (sub, _) = s.subscribe(&subscription(2, ""), now).unwrap();
        let d1 = day("2026-03-01");
        assert_eq!(
            s.begin_post(&sub, d1, "n1", "{}", Some(3), now).unwrap(),
            BeginPost::Recorded
        );
        let d2 = day("2026-03-02");
        s.fail_before_next_commit();
        let lost = s.begin_post(&sub, d2, "n2", "{}", Some(4), now);
        assert!(lost.is_err(), "{lost:?}");
        // Neither the post nor its cursor: the caller sends nothing, and
        // the next attempt records it afresh.
        assert_eq!(s.post(sub.id, d2).unwrap(), None);
        assert_eq!(s.subscription(sub.id).unwrap().unwrap().cursor, Some(3));
        assert_eq!(s.pending_posts().unwrap().len(), 1);
        // The next attempt records it.
        assert_eq!(
            s.begin_post(&sub, d2, "n3", "{}", Some(5), now).unwrap(),
            BeginPost::Recorded
        );
        assert_eq!(s.subscription(sub.id).unwrap().unwrap().cursor, Some(5));
        assert_eq!(s.post(sub.id, d2).unwrap().unwrap().nonce, "n3");
        // Lost again, and tried again at once, with no call in between.
        let d3 = day("2026-03-03");
        s.fail_before_next_commit();
        assert!(s.begin_post(&sub, d3, "n4", "{}", Some(6), now).is_err());
        assert_eq!(
            s.begin_post(&sub, d3, "n5", "{}", Some(7), now).unwrap(),
            BeginPost::Recorded
        );
        assert_eq!(s.subscription(sub.id).unwrap().unwrap().cursor, Some(7));
        s.posts_in(2).unwrap()
    });
}

/// Calls on several connections at once, so the pool holds more than one
/// when the server goes away.
fn busy(s: &PgStore, base: u64) {
    std::thread::scope(|scope| {
        for i in 0..4 {
            scope.spawn(move || {
                for m in 0..5 {
                    let now = t("2026-03-01T09:00:00Z");
                    assert!(s.claim_message(base + i * 100 + m, 1, "q", now).unwrap());
                }
            });
        }
    });
}

#[test]
fn a_postgres_store_outlives_a_server_restart() {
    let Some(cluster) = pg::Cluster::start("state_stores::server_restart") else {
        return;
    };
    let url = pg::create_database(&cluster.url);
    let s = PgStore::open(&pg_options(&url)).unwrap();
    fill(&s);
    busy(&s, 1000);
    let mut before = seen(&s);
    cluster.restart();
    // The same store: its very first call after the restart, a write,
    // works (the pool saw its connections closed by the server's shutdown
    // and connects again), and everything written before is there.
    let now = t("2026-03-01T09:00:00Z");
    assert!(s.claim_message(3000, 1, "q", now).unwrap());
    before["answered"] = 22.into();
    assert_eq!(seen(&s), before);
    busy(&s, 2000);
    assert_eq!(s.answered_count().unwrap(), 42);

    // Down: calls fail at once, saying which database, and come back
    // with the server. (The throwaway server commits asynchronously and
    // `stop` is immediate: written out first, or the last commits are
    // lost with it.)
    pg::sql(&url, "CHECKPOINT");
    cluster.stop();
    let started = Instant::now();
    let e = format!("{:#}", s.answered_count().unwrap_err());
    assert!(
        e.contains(&format!("cannot reach the state database {url}")),
        "{e}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert!(s.claim_message(5000, 1, "q", now).is_err());
    cluster.restart();
    assert_eq!(s.answered_count().unwrap(), 42);
    assert!(s.claim_message(5000, 1, "q", now).unwrap());
}

#[test]
fn a_postgres_store_whose_connections_are_killed_goes_on() {
    // The server ends every connection of ours (an administrator, a
    // failover, an idle timeout in a proxy), and the store is called at
    // once, before its pool has noticed.
    let Some(url) = pg::database("state_stores::killed_connections") else {
        return;
    };
    let s = PgStore::open(&pg_options(&url)).unwrap();
    fill(&s);
    busy(&s, 1000);
    let mut before = seen(&s);
    let kill = "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                WHERE datname = current_database() AND pid <> pg_backend_pid()";
    for round in 0..20 {
        let killed = pg::sql(&url, kill);
        assert!(!killed.is_empty(), "round {round}: no connection to kill");
        if round % 2 == 0 {
            // Reads are asked again on a new connection: they never fail.
            assert_eq!(seen(&s), before, "round {round}");
            continue;
        }
        // So are writes: a claim made at once after the kill is asked
        // again on a new connection, and granted once.
        let m = 10_000 + round;
        let now = t("2026-03-01T09:00:00Z");
        assert!(s.claim_message(m, 1, "q", now).unwrap(), "round {round}");
        assert!(!s.claim_message(m, 1, "q", now).unwrap(), "round {round}");
        before["answered"] = (before["answered"].as_u64().unwrap() + 1).into();
    }
    assert_eq!(s.answered_count().unwrap(), 21 + 10);
}
