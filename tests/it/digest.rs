//! Digest scheduling against a controlled clock and a fake poster: due
//! times across time zones and clock changes, restarts between recording
//! and sending, several subscriptions in one channel, unsubscribing mid-day,
//! no flooding after days off, the rotation, and "New in the notes".

use crate::common;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use confnotes::answer::{Engine, LiveEngine};
use confnotes::config::Config;
use confnotes::digest::runner::{
    nonce, sync_sessions, Clock, Outcome, Poster, Scheduler, Settings,
};
use confnotes::digest::Digest;
use confnotes::index::Silent;
use confnotes::store::{
    BeginPost, NewSubscription, PostState, SqliteStore, StateStore, Subscription,
};
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

const CHANNEL: u64 = 500;

struct TestClock(Mutex<DateTime<Utc>>);

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

/// Records what it posts; a channel's history is what it posted (or what a
/// test put there, as if an earlier process had posted it).
#[derive(Default)]
struct Channel {
    posts: Mutex<Vec<(u64, String, Digest)>>,
    history: Mutex<HashMap<String, u64>>,
    failures_left: AtomicU32,
    ids: AtomicU64,
    /// While set, a post waits for `release` after saying it has `entered`.
    hold: std::sync::atomic::AtomicBool,
    entered: tokio::sync::Notify,
    release: tokio::sync::Notify,
}

struct FakePoster(Arc<Channel>);

impl Poster for FakePoster {
    async fn post(&self, channel: u64, digest: &Digest, nonce: &str) -> anyhow::Result<u64> {
        let ch = &self.0;
        if ch.hold.load(Ordering::SeqCst) {
            ch.entered.notify_one();
            ch.release.notified().await;
        }
        if ch
            .failures_left
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
        {
            anyhow::bail!("503 Service Unavailable");
        }
        let id = 1000 + ch.ids.fetch_add(1, Ordering::SeqCst);
        ch.posts
            .lock()
            .unwrap()
            .push((channel, nonce.to_string(), digest.clone()));
        ch.history.lock().unwrap().insert(nonce.to_string(), id);
        Ok(id)
    }

    async fn find(&self, _channel: u64, nonce: &str) -> anyhow::Result<Option<u64>> {
        Ok(self.0.history.lock().unwrap().get(nonce).copied())
    }
}

struct World {
    _tmp: tempfile::TempDir,
    config: Config,
    store: Arc<dyn StateStore>,
    engine: Arc<LiveEngine>,
    clock: Arc<TestClock>,
    channel: Arc<Channel>,
}

fn world_on(notes: &Path) -> World {
    let tmp = tempfile::tempdir().unwrap();
    let config = Config {
        notes_dir: notes.to_path_buf(),
        data_dir: tmp.path().to_path_buf(),
        synonyms_file: common::root().join("config/synonyms.toml"),
        ..Config::default()
    };
    let (engine, _) = Engine::open(&config, &Silent).unwrap();
    let store: Arc<dyn StateStore> = Arc::new(SqliteStore::open(&config.state_path()).unwrap());
    let now: DateTime<Utc> = "2026-03-20T00:00:00Z".parse().unwrap();
    sync_sessions(&*store, &engine, now).unwrap();
    World {
        _tmp: tmp,
        config,
        store,
        engine: Arc::new(LiveEngine::new(engine)),
        clock: Arc::new(TestClock(Mutex::new(now))),
        channel: Arc::default(),
    }
}

fn world() -> World {
    world_on(&common::root().join("notes"))
}

impl World {
    /// A scheduler as one process of the bot would run it; building a new
    /// one on the same store is a restart.
    fn scheduler(&self) -> Scheduler<FakePoster> {
        Scheduler {
            lease: None,
            store: Arc::clone(&self.store),
            engine: Arc::clone(&self.engine),
            poster: FakePoster(Arc::clone(&self.channel)),
            clock: Arc::clone(&self.clock) as Arc<dyn Clock>,
            settings: Settings {
                per_day: 3,
                new_max: 10,
                max_attempts: 3,
                schedule_today: false,
            },
            on_outcome: None,
        }
    }

    fn set(&self, t: &str) {
        *self.clock.0.lock().unwrap() = t.parse().unwrap();
    }

    fn subscribe(&self, time: &str, zone: &str, topic: &str) -> Subscription {
        self.store
            .subscribe(
                &NewSubscription {
                    guild_id: Some(1),
                    channel_id: CHANNEL,
                    time: NaiveTime::parse_from_str(time, "%H:%M").unwrap(),
                    timezone: zone.parse().unwrap(),
                    topic: topic.into(),
                    created_by: Some(2),
                    gaps: false,
                },
                self.clock.now(),
            )
            .unwrap()
            .0
    }

    fn posts(&self) -> Vec<(u64, String, Digest)> {
        self.channel.posts.lock().unwrap().clone()
    }

    /// Run one tick at `t`.
    async fn tick_at(&self, t: &str) -> Vec<Outcome> {
        self.set(t);
        self.scheduler().tick().await
    }
}

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn posted(out: &[Outcome]) -> usize {
    out.iter()
        .filter(|o| matches!(o, Outcome::Posted { .. }))
        .count()
}

#[tokio::test]
async fn posts_at_the_local_time_on_the_day_clocks_change_and_never_twice() {
    let w = world();
    let sub = w.subscribe("09:00", "Europe/Amsterdam", "");
    // 2026-03-29: Amsterdam moves from +01:00 to +02:00, so 09:00 is 07:00 UTC.
    assert!(w.tick_at("2026-03-29T06:59:59Z").await.is_empty());
    let out = w.tick_at("2026-03-29T07:00:00Z").await;
    assert_eq!(posted(&out), 1, "{out:?}");
    assert!(w.tick_at("2026-03-29T07:00:40Z").await.is_empty());
    // A restart later that day: a new scheduler on the same store posts nothing.
    assert!(w.tick_at("2026-03-29T18:00:00Z").await.is_empty());
    let posts = w.posts();
    assert_eq!(posts.len(), 1);
    let (channel, n, digest) = &posts[0];
    assert_eq!(
        (*channel, n.as_str()),
        (CHANNEL, nonce(sub.id, date("2026-03-29")).as_str())
    );
    assert_eq!(digest.date, date("2026-03-29"));
    assert_eq!(digest.sessions.len(), 3);
    let rec = w.store.post(sub.id, date("2026-03-29")).unwrap().unwrap();
    assert_eq!((rec.state, rec.message_id), (PostState::Sent, Some(1000)));
    // The next day at 09:00 local is again 07:00 UTC; the day clocks go back, 08:00 UTC.
    assert_eq!(posted(&w.tick_at("2026-03-30T07:00:00Z").await), 1);
    assert!(w.tick_at("2026-10-25T07:59:00Z").await.is_empty());
    assert_eq!(posted(&w.tick_at("2026-10-25T08:00:00Z").await), 1);
}

#[tokio::test]
async fn subscriptions_in_several_zones_fall_due_at_their_own_times() {
    let w = world();
    let ny = w.subscribe("08:30", "America/New_York", "");
    let kolkata = w.store.subscribe(
        &NewSubscription {
            guild_id: Some(1),
            channel_id: CHANNEL + 1,
            time: NaiveTime::from_hms_opt(8, 30, 0).unwrap(),
            timezone: "Asia/Kolkata".parse().unwrap(),
            topic: String::new(),
            created_by: None,
            gaps: false,
        },
        w.clock.now(),
    );
    let kolkata = kolkata.unwrap().0;
    // 08:30 in Kolkata (+05:30) is 03:00 UTC; in New York (-04:00 in summer) 12:30 UTC.
    // The bot starts late on 30 June in New York: that day's digest, once.
    let out = w.tick_at("2026-07-01T02:59:00Z").await;
    assert!(
        matches!(out[..], [Outcome::Posted { sub, date: d, .. }] if sub == ny.id && d == date("2026-06-30")),
        "{out:?}"
    );
    let out = w.tick_at("2026-07-01T03:00:00Z").await;
    assert!(
        matches!(out[..], [Outcome::Posted { sub, date: d, .. }] if sub == kolkata.id && d == date("2026-07-01")),
        "{out:?}"
    );
    assert!(w.tick_at("2026-07-01T12:29:00Z").await.is_empty());
    let out = w.tick_at("2026-07-01T12:30:00Z").await;
    assert!(
        matches!(out[..], [Outcome::Posted { sub, date: d, .. }] if sub == ny.id && d == date("2026-07-01")),
        "{out:?}"
    );
    // Late evening in New York is already the next day in Kolkata: its next digest.
    let out = w.tick_at("2026-07-02T03:30:00Z").await;
    assert!(
        matches!(out[..], [Outcome::Posted { sub, date: d, .. }] if sub == kolkata.id && d == date("2026-07-02"))
    );
}

#[tokio::test]
async fn two_subscriptions_in_one_channel_each_post_their_own_digest() {
    let w = world();
    let all = w.subscribe("09:00", "UTC", "");
    let ebpf = w.subscribe("09:00", "UTC", "ebpf");
    let out = w.tick_at("2026-05-01T09:00:00Z").await;
    assert_eq!(posted(&out), 2, "{out:?}");
    let posts = w.posts();
    let nonces: HashSet<&str> = posts.iter().map(|p| p.1.as_str()).collect();
    assert!(nonces.contains(nonce(all.id, date("2026-05-01")).as_str()));
    assert!(nonces.contains(nonce(ebpf.id, date("2026-05-01")).as_str()));
    let topical = posts.iter().find(|p| p.2.topic.is_some()).unwrap();
    let everything = posts.iter().find(|p| p.2.topic.is_none()).unwrap();
    assert!(topical.2.rotation_size < everything.2.rotation_size);
    assert!(topical.2.rotation_size >= 1);
    {
        let engine = w.engine.snapshot();
        for s in &topical.2.sessions {
            let chunk = engine.index.get(&s.meta.id).unwrap().unwrap();
            let text = format!("{} {}", chunk.meta.title, chunk.body).to_lowercase();
            assert!(text.contains("ebpf"), "{} is not about eBPF", s.meta.title);
        }
    }
    assert!(w.tick_at("2026-05-01T10:00:00Z").await.is_empty());
}

#[tokio::test]
async fn unsubscribing_mid_day_stops_that_days_digest() {
    let w = world();
    let sub = w.subscribe("12:00", "UTC", "");
    w.set("2026-05-01T08:00:00Z");
    assert_eq!(w.store.unsubscribe(CHANNEL, None).unwrap(), 1);
    assert!(w.tick_at("2026-05-01T12:00:00Z").await.is_empty());
    assert!(w.posts().is_empty());
    // Unsubscribed between recording and sending: the pending post is retired, not sent.
    let sub2 = w.subscribe("12:00", "UTC", "");
    assert_ne!(sub.id, sub2.id);
    w.set("2026-05-02T12:00:00Z");
    let d = date("2026-05-02");
    let begun = w
        .store
        .begin_post(&sub2, d, &nonce(sub2.id, d), "{}", None, w.clock.now())
        .unwrap();
    assert_eq!(begun, BeginPost::Recorded);
    w.store.unsubscribe(CHANNEL, None).unwrap();
    let out = w.tick_at("2026-05-02T12:00:30Z").await;
    assert_eq!(
        out,
        vec![Outcome::Missed {
            sub: sub2.id,
            date: d
        }]
    );
    assert!(w.posts().is_empty());
}

/// Record a post as the bot does right before sending, then "crash".
async fn record_without_sending(w: &World, sub: &Subscription, d: NaiveDate) -> String {
    let digest = w.scheduler().digest_for(sub, d).await.unwrap();
    let n = nonce(sub.id, d);
    let payload = serde_json::to_string(&digest).unwrap();
    let r = w
        .store
        .begin_post(sub, d, &n, &payload, digest.cursor, w.clock.now())
        .unwrap();
    assert_eq!(r, BeginPost::Recorded);
    n
}

#[tokio::test]
async fn a_restart_between_recording_and_sending_posts_exactly_once() {
    let w = world();
    let sub = w.subscribe("09:00", "UTC", "");
    let d = date("2026-05-01");
    w.set("2026-05-01T09:00:00Z");

    // Crashed after recording, before the message left: sent once, same content.
    let n = record_without_sending(&w, &sub, d).await;
    let pending = w.store.post(sub.id, d).unwrap().unwrap();
    assert_eq!(pending.state, PostState::Pending);
    let out = w.tick_at("2026-05-01T09:01:00Z").await;
    assert_eq!(posted(&out), 1, "{out:?}");
    assert!(w.tick_at("2026-05-01T09:02:00Z").await.is_empty());
    let posts = w.posts();
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].1, n);
    assert_eq!(serde_json::to_string(&posts[0].2).unwrap(), pending.payload);

    // Crashed after the message left, before it was marked sent: found, not re-sent.
    let d2 = date("2026-05-02");
    w.set("2026-05-02T09:00:00Z");
    let n2 = record_without_sending(&w, &sub, d2).await;
    w.channel.history.lock().unwrap().insert(n2.clone(), 777);
    let out = w.tick_at("2026-05-02T09:00:30Z").await;
    assert_eq!(
        out,
        vec![Outcome::Confirmed {
            sub: sub.id,
            date: d2,
            message: 777
        }]
    );
    assert_eq!(w.posts().len(), 1);

    // Crashed and stayed down until the next day: yesterday's is not posted late.
    let d3 = date("2026-05-03");
    w.set("2026-05-03T09:00:00Z");
    record_without_sending(&w, &sub, d3).await;
    let out = w.tick_at("2026-05-04T08:00:00Z").await;
    assert_eq!(
        out,
        vec![Outcome::Missed {
            sub: sub.id,
            date: d3
        }]
    );
    assert_eq!(w.posts().len(), 1);
}

#[tokio::test]
async fn days_off_are_not_flooded_and_a_digest_missed_today_comes_once() {
    let w = world();
    let sub = w.subscribe("09:00", "Europe/Amsterdam", "");
    assert_eq!(posted(&w.tick_at("2026-04-01T07:00:00Z").await), 1);
    // Off from the 2nd to the evening of the 5th.
    let out = w.tick_at("2026-04-05T19:00:00Z").await;
    assert_eq!(out.len(), 1);
    assert!(matches!(out[0], Outcome::Posted { date: d, .. } if d == date("2026-04-05")));
    assert!(w.tick_at("2026-04-05T21:00:00Z").await.is_empty());
    let dates: Vec<NaiveDate> = w
        .store
        .posts_in(CHANNEL)
        .unwrap()
        .iter()
        .map(|p| p.local_date)
        .collect();
    assert_eq!(dates, vec![date("2026-04-01"), date("2026-04-05")]);
    assert!(w.store.post(sub.id, date("2026-04-03")).unwrap().is_none());
}

#[tokio::test]
async fn the_rotation_features_every_session_before_repeating() {
    let w = world();
    w.subscribe("09:00", "UTC", "");
    let total = w
        .engine
        .snapshot()
        .chunks()
        .unwrap()
        .iter()
        .filter(|c| c.meta.kind.is_session())
        .count();
    let days = total.div_ceil(3);
    let mut seen: Vec<String> = Vec::new();
    let start = date("2026-06-01");
    for day in 0..days {
        let d = start + chrono::Duration::days(day as i64);
        let out = w.tick_at(&format!("{d}T09:00:00Z")).await;
        assert_eq!(posted(&out), 1, "day {day}: {out:?}");
    }
    for (_, _, digest) in w.posts() {
        seen.extend(digest.sessions.iter().map(|s| s.meta.id.clone()));
    }
    let distinct: HashSet<&String> = seen.iter().collect();
    assert_eq!(
        distinct.len(),
        total,
        "every session featured once in {days} days"
    );
    // Only the last day may wrap around to the start.
    let before_last = &seen[..(days - 1) * 3];
    assert_eq!(
        before_last.iter().collect::<HashSet<_>>().len(),
        before_last.len()
    );
}

#[tokio::test]
async fn new_in_the_notes_lists_what_changed_since_the_last_digest() {
    let notes = tempfile::tempdir().unwrap();
    for f in std::fs::read_dir(common::root().join("notes")).unwrap() {
        let f = f.unwrap();
        if f.file_type().unwrap().is_file() {
            std::fs::copy(f.path(), notes.path().join(f.file_name())).unwrap();
        }
    }
    let w = world_on(notes.path());
    w.subscribe("09:00", "UTC", "");
    let out = w.tick_at("2026-06-01T09:00:00Z").await;
    assert_eq!(posted(&out), 1);
    assert!(
        w.posts()[0].2.new.is_empty(),
        "nothing is new on the first day"
    );

    w.set("2026-06-01T15:00:00Z");
    std::fs::write(
        notes.path().join("rustconf-2026.md"),
        "# RustConf 2026\n\n## Async Rust in production\n\nSpeaker: Jane Doe, Ferrous Systems\n\nWe moved our services to tokio.\n",
    )
    .unwrap();
    {
        w.engine.reindex(&Silent).unwrap();
        let r = sync_sessions(&*w.store, &w.engine.snapshot(), w.clock.now()).unwrap();
        assert_eq!(r.added.len(), 1, "{r:?}");
    }
    w.tick_at("2026-06-02T09:00:00Z").await;
    let second = &w.posts()[1].2;
    let titles: Vec<(&str, &str)> = second
        .new
        .iter()
        .map(|n| (n.title.as_str(), n.change.as_str()))
        .collect();
    assert_eq!(titles, vec![("Async Rust in production", "added")]);
    w.tick_at("2026-06-03T09:00:00Z").await;
    assert!(
        w.posts()[2].2.new.is_empty(),
        "only new since the last digest"
    );
}

#[tokio::test]
async fn failed_sends_are_retried_then_given_up() {
    let w = world();
    let sub = w.subscribe("09:00", "UTC", "");
    w.channel.failures_left.store(10, Ordering::SeqCst);
    let out = w.tick_at("2026-06-01T09:00:00Z").await;
    assert!(
        matches!(&out[..], [Outcome::Failed { gave_up: false, .. }]),
        "{out:?}"
    );
    let out = w.tick_at("2026-06-01T09:00:30Z").await;
    assert!(
        matches!(&out[..], [Outcome::Failed { gave_up: false, .. }]),
        "{out:?}"
    );
    let out = w.tick_at("2026-06-01T09:01:00Z").await;
    assert!(
        matches!(&out[..], [Outcome::Failed { gave_up: true, .. }]),
        "{out:?}"
    );
    assert!(w.tick_at("2026-06-01T09:01:30Z").await.is_empty());
    let rec = w.store.post(sub.id, date("2026-06-01")).unwrap().unwrap();
    assert_eq!((rec.state, rec.attempts), (PostState::Failed, 3));
    // One transient failure: the next tick sends it.
    w.channel.failures_left.store(1, Ordering::SeqCst);
    let out = w.tick_at("2026-06-02T09:00:00Z").await;
    assert!(matches!(&out[..], [Outcome::Failed { .. }]));
    assert_eq!(posted(&w.tick_at("2026-06-02T09:00:30Z").await), 1);
    assert_eq!(w.posts().len(), 1);
    let _ = &w.config;
}

#[tokio::test]
async fn a_shutdown_during_a_post_neither_loses_nor_doubles_the_digest() {
    let w = world();
    let sub = w.subscribe("09:00", "UTC", "");
    w.set("2026-03-20T09:00:30Z");
    w.channel.hold.store(true, Ordering::SeqCst);
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let scheduler = w.scheduler();
    let run = tokio::spawn(async move {
        scheduler
            .run(std::time::Duration::from_millis(20), stopped)
            .await
    });
    // The post is on its way to Discord when the shutdown comes.
    w.channel.entered.notified().await;
    stop.send(true).unwrap();
    let rec = w.store.post(sub.id, date("2026-03-20")).unwrap().unwrap();
    assert_eq!(rec.state, PostState::Pending, "recorded before it is sent");
    w.channel.release.notify_one();
    tokio::time::timeout(std::time::Duration::from_secs(10), run)
        .await
        .expect("the scheduler stops once its post is done")
        .unwrap();
    assert_eq!(w.posts().len(), 1);
    let rec = w.store.post(sub.id, date("2026-03-20")).unwrap().unwrap();
    assert_eq!(rec.state, PostState::Sent, "finished, not abandoned");
    // The next process, later that day, posts nothing more.
    w.channel.hold.store(false, Ordering::SeqCst);
    let out = w.tick_at("2026-03-20T09:05:00Z").await;
    assert_eq!(posted(&out), 0, "{out:?}");
    assert_eq!(w.posts().len(), 1);
}
