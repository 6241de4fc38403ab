//! A store's life: created and migrated (by two processes at once), a
//! snapshot of everything, reopened, and refused when a newer confnotes
//! migrated it.

use super::{check, day, subscription, t, Backend};
use confnotes::store::{NoteRecord, StateStore};
use serde_json::Value;
use std::sync::Barrier;
use std::time::Duration;

/// Some of everything the state holds.
pub fn fill(s: &dyn StateStore) {
    let now = t("2026-03-01T09:00:00Z");
    s.qa_enable(5, Some(1), Some(9), now).unwrap();
    s.claim_message(10, 5, "what is ebpf?", now).unwrap();
    s.record_feedback(10, 7, false, now).unwrap();
    let (sub, _) = s.subscribe(&subscription(2, ""), now).unwrap();
    s.begin_post(&sub, day("2026-03-01"), "n1", "{}", Some(4), now)
        .unwrap();
    s.finish_post(sub.id, day("2026-03-01"), 100, now).unwrap();
    s.begin_post(&sub, day("2026-03-02"), "n2", "{}", Some(8), now)
        .unwrap();
    let session = |id: &str| (id.to_string(), "h".to_string(), format!("Title {id}"));
    s.sync_sessions(&[session("a"), session("b")], now).unwrap();
    s.record_note(&NoteRecord {
        rel: "kubecon/ebpf.md".into(),
        author_id: 7,
        author_name: "ada".into(),
        guild_id: Some(1),
        channel_id: Some(5),
        message_id: Some(11),
        created_at: now,
        updated_at: now,
        deleted_at: None,
    })
    .unwrap();
}

/// What `confnotes state --json` shows, less what differs by nature
/// between stores (where it is, the schema's numbering, lease times).
pub fn seen(s: &dyn StateStore) -> Value {
    let snap = s.snapshot().unwrap();
    let mut v = serde_json::to_value(&snap).unwrap();
    let o = v.as_object_mut().unwrap();
    o.remove("path");
    o.remove("schema_version");
    o.remove("leases");
    v
}

#[test]
fn a_snapshot_holds_everything_and_never_a_password() {
    check("snapshot", |b| {
        let s = b.open();
        fill(&*s);
        assert!(s
            .hold_lease("digests", "host-1", Duration::from_secs(60))
            .unwrap());
        s.flush().unwrap();
        let snap = s.snapshot().unwrap();
        assert_eq!(snap.path, s.location());
        assert_eq!(snap.schema_version, s.schema_version().unwrap());
        assert_eq!(snap.schema_version as i64, b.raw_schema_version());
        assert_eq!((snap.answered, snap.known_sessions), (1, 2));
        assert_eq!(snap.qa_channels, s.qa_channels().unwrap());
        assert_eq!(snap.subscriptions, s.subscriptions().unwrap());
        assert_eq!(snap.last_posts, s.last_posts().unwrap());
        assert_eq!(snap.feedback, s.feedback().unwrap());
        assert_eq!(snap.notes_written, s.notes_written().unwrap());
        let lease: Vec<&str> = snap.leases.iter().map(|l| l.owner.as_str()).collect();
        assert_eq!(lease, ["host-1"]);
        match b {
            Backend::Sqlite { path, .. } => {
                assert_eq!(s.location(), path.display().to_string());
                // Flushed: the file alone, without its write-ahead log, is complete.
                let copy = path.with_file_name("copy.sqlite3");
                std::fs::copy(path, &copy).unwrap();
                let alone = confnotes::store::SqliteStore::open(&copy).unwrap();
                assert_eq!(seen(&alone), seen(&*s));
            }
            Backend::Postgres { url } => {
                // Given a password (the test server takes any): never shown.
                let options = confnotes::store::pg::PgOptions {
                    url: url.clone(),
                    password: Some("hunter2".into()),
                    passfile: None,
                };
                let with = confnotes::store::pg::PgStore::open(&options).unwrap();
                assert_eq!(with.location(), *url, "the URL as given, no password");
                let snap = serde_json::to_string(&with.snapshot().unwrap()).unwrap();
                assert!(!snap.contains("hunter2"), "{snap}");
            }
        }
        seen(&*s)
    });
}

#[test]
fn a_store_reopened_has_everything_it_had() {
    check("reopen", |b| {
        let s = b.open();
        fill(&*s);
        let before = seen(&*s);
        drop(s);
        let s = b.open();
        assert_eq!(seen(&*s), before);
        // And goes on: what must happen once still happens once.
        assert!(!s
            .claim_message(10, 5, "q", t("2026-03-03T00:00:00Z"))
            .unwrap());
        let sub = s.subscriptions().unwrap().remove(0);
        assert_eq!(sub.cursor, Some(8));
        let again = s.begin_post(
            &sub,
            day("2026-03-02"),
            "n3",
            "{}",
            Some(1),
            t("2026-03-03T00:00:00Z"),
        );
        assert!(
            matches!(again.unwrap(), confnotes::store::BeginPost::Exists(p) if p.nonce == "n2")
        );
        before
    });
}

#[test]
fn two_processes_migrating_an_empty_state_at_once_both_succeed() {
    // Several rounds: SQLite lost one round in thirty to a race for the
    // lock that turns on WAL, which only a new file has.
    for _ in 0..8 {
        migrate_at_once();
    }
}

fn migrate_at_once() {
    check("migrate_at_once", |b| {
        const N: usize = 4;
        let start = Barrier::new(N);
        let opened: Vec<_> = std::thread::scope(|scope| {
            let hs: Vec<_> = (0..N)
                .map(|_| {
                    scope.spawn(|| {
                        start.wait();
                        b.try_open().map_err(|e| format!("{e:#}"))
                    })
                })
                .collect();
            hs.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let stores: Vec<_> = opened
            .into_iter()
            .enumerate()
            .map(|(i, s)| s.unwrap_or_else(|e| panic!("process {i}: {e}")))
            .collect();
        let version = stores[0].schema_version().unwrap();
        for s in &stores {
            assert_eq!(s.schema_version().unwrap(), version);
        }
        match b {
            Backend::Sqlite { .. } => assert_eq!(version, 5),
            Backend::Postgres { url } => {
                assert_eq!(version, 3);
                // Each migration applied once.
                let rows = crate::common::pg::sql(
                    url,
                    "SELECT version FROM schema_migrations ORDER BY version",
                );
                let applied: Vec<_> = (1..=3).map(|v| vec![Some(v.to_string())]).collect();
                assert_eq!(rows, applied);
            }
        }
        // Every process works on the one schema.
        assert!(stores[1]
            .claim_message(1, 2, "q", t("2026-03-01T00:00:00Z"))
            .unwrap());
        assert!(!stores[2]
            .claim_message(1, 2, "q", t("2026-03-01T00:00:00Z"))
            .unwrap());
    });
}

#[test]
fn a_state_migrated_by_a_newer_confnotes_is_refused() {
    check("newer_schema", |b| {
        let s = b.open();
        fill(&*s);
        drop(s);
        b.set_raw_schema_version(99);
        let e = format!("{:#}", b.try_open().err().expect("refused"));
        let known = match b {
            Backend::Sqlite { .. } => 5,
            Backend::Postgres { .. } => 3,
        };
        assert!(
            e.contains(&format!(
                "a newer confnotes (schema 99, this one knows {known})"
            )),
            "{e}"
        );
        // Says which state it is.
        let which = match b {
            Backend::Sqlite { path, .. } => path.display().to_string(),
            Backend::Postgres { url } => url.clone(),
        };
        assert!(e.contains(&which), "{e}");
        // And left it alone.
        assert_eq!(b.raw_schema_version(), 99);
    });
}
