//! Criterion benchmarks of the state stores: messages claimed per second,
//! and digest posts (`begin_post` then `finish_post`) per second, against
//! SQLite and PostgreSQL, from one caller and from eight at once.
//!
//! ```sh
//! cargo bench --bench state
//! CONFNOTES_TEST_POSTGRES=postgres://user@host/db cargo bench --bench state
//! ```
//!
//! The eight callers are threads of one process sharing one store, as the
//! bot's tasks do: one SQLite connection behind its mutex, or one pool of
//! PostgreSQL connections. PostgreSQL is the server `CONFNOTES_TEST_POSTGRES`
//! names, or a throwaway cluster started for the run (`.ci/postgres`: fsync
//! off, commits asynchronous) and stopped at its end; without PostgreSQL
//! only SQLite is measured. SQLite runs as the bot runs it: WAL,
//! `synchronous = NORMAL`.

#[path = "../tests/it/common/mod.rs"]
mod common;

use chrono::{DateTime, Days, NaiveDate, NaiveTime, Utc};
use common::pg;
use confnotes::store::pg::{PgOptions, PgStore};
use confnotes::store::{NewSubscription, SqliteStore, StateStore, Subscription};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

const CALLERS: u64 = 8;

fn now() -> DateTime<Utc> {
    "2026-03-01T09:00:00Z".parse().unwrap()
}

/// A store to measure, and what keeps its state alive (dropped after it).
struct Backend {
    name: &'static str,
    store: Box<dyn StateStore>,
    _dir: Option<tempfile::TempDir>,
    _cluster: Option<pg::Cluster>,
}

fn sqlite() -> Backend {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("state.sqlite3")).unwrap();
    Backend {
        name: "sqlite",
        store: Box::new(store),
        _dir: Some(dir),
        _cluster: None,
    }
}

/// `CONFNOTES_TEST_POSTGRES`'s server, or a throwaway cluster of our own;
/// a fresh database on it.
fn postgres() -> Option<Backend> {
    let (server, cluster) = match std::env::var("CONFNOTES_TEST_POSTGRES") {
        Ok(url) if !url.trim().is_empty() => (url.trim().to_string(), None),
        _ => {
            let cluster = pg::Cluster::start("benches/state: PostgreSQL")?;
            (cluster.url.clone(), Some(cluster))
        }
    };
    let url = pg::create_database(&server);
    let store = PgStore::open(&PgOptions {
        url: url.clone(),
        ..PgOptions::default()
    })
    .unwrap();
    println!("PostgreSQL: {url}");
    Some(Backend {
        name: "postgres",
        store: Box::new(store),
        _dir: None,
        _cluster: cluster,
    })
}

/// Run `op(caller)` `iters` times in all, split among `callers` threads
/// started together; the wall time of the whole.
fn spread(callers: u64, iters: u64, op: impl Fn(u64) + Sync) -> Duration {
    let start = std::sync::Barrier::new(callers as usize + 1);
    std::thread::scope(|scope| {
        for caller in 0..callers {
            let (start, op) = (&start, &op);
            scope.spawn(move || {
                start.wait();
                for _ in (caller..iters).step_by(callers as usize) {
                    op(caller);
                }
            });
        }
        start.wait();
        let began = Instant::now();
        // The scope joins every caller before it returns.
        began
    })
    .elapsed()
}

fn claims(c: &mut Criterion, backends: &[Backend]) {
    let mut g = c.benchmark_group("claims");
    g.throughput(Throughput::Elements(1));
    for b in backends {
        // A new message each time: every claim is won, and written.
        let next = AtomicU64::new(1);
        let claim = |_caller: u64| {
            let m = next.fetch_add(1, Ordering::Relaxed);
            assert!(b.store.claim_message(m, 1, "how do I?", now()).unwrap());
        };
        for callers in [1, CALLERS] {
            g.bench_function(BenchmarkId::new(b.name, callers_name(callers)), |bench| {
                bench.iter_custom(|iters| spread(callers, iters, claim))
            });
        }
    }
    g.finish();
}

fn posts(c: &mut Criterion, backends: &[Backend]) {
    let mut g = c.benchmark_group("posts");
    g.throughput(Throughput::Elements(1));
    let first = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    for b in backends {
        // One subscription per caller (a post locks its subscription), a
        // new day for each post.
        let subs: Vec<Subscription> = (0..CALLERS)
            .map(|i| b.store.subscribe(&subscription(100 + i), now()).unwrap().0)
            .collect();
        let days: Vec<AtomicU64> = (0..CALLERS).map(|_| AtomicU64::new(0)).collect();
        let post = |caller: u64| {
            let sub = &subs[caller as usize];
            let day = days[caller as usize].fetch_add(1, Ordering::Relaxed);
            let date = first + Days::new(day);
            let began = b
                .store
                .begin_post(sub, date, "nonce", "{}", Some(day), now());
            assert_eq!(began.unwrap(), confnotes::store::BeginPost::Recorded);
            b.store
                .finish_post(sub.id, date, 1000 + day, now())
                .unwrap();
        };
        for callers in [1, CALLERS] {
            g.bench_function(BenchmarkId::new(b.name, callers_name(callers)), |bench| {
                bench.iter_custom(|iters| spread(callers, iters, post))
            });
        }
    }
    g.finish();
}

fn subscription(channel: u64) -> NewSubscription {
    NewSubscription {
        guild_id: Some(1),
        channel_id: channel,
        time: NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
        timezone: chrono_tz::UTC,
        topic: String::new(),
        created_by: None,
        gaps: false,
    }
}

fn callers_name(n: u64) -> String {
    match n {
        1 => "1 caller".into(),
        n => format!("{n} callers"),
    }
}

fn state(c: &mut Criterion) {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("{cores} cores; SQLite in WAL with synchronous=NORMAL");
    let mut backends = vec![sqlite()];
    match postgres() {
        Some(b) => backends.push(b),
        None => println!("no PostgreSQL: measuring SQLite only"),
    }
    claims(c, &backends);
    posts(c, &backends);
    // The cluster, if we started one, stops here.
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(20);
    targets = state
}
criterion_main!(benches);
