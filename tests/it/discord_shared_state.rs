//! Two `confnotes serve` processes, one shard of two each, on one
//! PostgreSQL state and one mock Discord: questions answered once, replays
//! after a resume not answered again, digests posted once, and when the
//! process posting them is killed (SIGKILL) the other takes over and
//! settles the post it left in flight.

use crate::common::{self, pg};
use crate::discord_shards::{answered, answers_to, ask, channel_on, TOTAL};
use crate::mock_discord;

use chrono::Timelike;
use confnotes::digest::lease;
use confnotes::store::{self, NewSubscription, PostState, StateStore};
use mock_discord::harness::digests_in;
use mock_discord::serve::{serve_command, Serve};
use mock_discord::{guild_of_channel, shard_of, Fault, Kill, MockDiscord};
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Seconds between checks for due digests: the lease lasts one.
const CHECK: u64 = 2;

fn spawn(mock: &MockDiscord, notes: &Path, data: &Path, shard: u64, url: &str) -> Serve {
    let mut command = serve_command(mock, notes, data);
    command
        .env(
            "CONFNOTES_DISCORD__SHARD_RANGE",
            format!("[{shard}, {shard}]"),
        )
        .env("CONFNOTES_DISCORD__SHARD_TOTAL", TOTAL.to_string())
        .env("CONFNOTES_DIGEST__CHECK_SECONDS", CHECK.to_string())
        .env("CONFNOTES_STATE__URL", url);
    Serve::spawn(command)
}

/// A daily digest for `channel` that is due now: its time two minutes ago
/// in a zone where that is still today.
pub(crate) fn subscribe_due_now(store: &dyn StateStore, channel: u64, topic: &str) {
    let now = chrono::Utc::now();
    let zone = ["UTC", "Asia/Tokyo", "America/New_York"]
        .iter()
        .map(|z| z.parse::<chrono_tz::Tz>().unwrap())
        .find(|tz| {
            let minute = now.with_timezone(tz).time().num_seconds_from_midnight() / 60;
            (10..23 * 60 + 50).contains(&minute)
        })
        .unwrap();
    let new = NewSubscription {
        guild_id: Some(guild_of_channel(channel)),
        channel_id: channel,
        time: (now.with_timezone(&zone) - chrono::Duration::minutes(2)).time(),
        timezone: zone,
        topic: topic.to_string(),
        created_by: None,
        gaps: false,
    };
    store
        .subscribe(&new, now - chrono::Duration::hours(1))
        .unwrap();
}

/// POST requests that made a message in `channel` itself (digests: the
/// answers go to threads).
fn channel_posts(mock: &MockDiscord, channel: u64) -> usize {
    let path = format!("/api/v10/channels/{channel}/messages");
    let rs = mock.requests().into_iter();
    rs.filter(|r| r.method == "POST" && r.path == path).count()
}

/// The process id in a lease's owner, `host/pid/salt`.
fn owner_pid(owner: &str) -> u32 {
    owner.split('/').nth(1).unwrap().parse().unwrap()
}

fn holder(store: &dyn StateStore) -> Option<u32> {
    let leases = store.leases().unwrap();
    let digests = leases.iter().find(|l| l.name == lease::NAME)?;
    Some(owner_pid(&digests.owner))
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_on_one_postgres_answer_once_post_once_and_fail_over() {
    let Some(url) = pg::database("two serve processes on one PostgreSQL") else {
        return;
    };
    let mock = MockDiscord::start().await;
    // Only our own recovery may keep a digest single: Discord's nonce
    // check is off.
    mock.set_nonce_window(Duration::ZERO);
    let (tmp, notes) = common::one_note();

    // The shared state: both channels answer questions, both get a digest
    // now. The second digest's answer from Discord is slow, so its poster
    // can be killed while it is in flight, before the third.
    let state: Arc<dyn StateStore> = store::open(&pg::location(&url)).unwrap();
    let (first, second) = (channel_on(0), channel_on(1));
    let now = chrono::Utc::now();
    for c in [first, second] {
        state
            .qa_enable(c, Some(guild_of_channel(c)), None, now)
            .unwrap();
        subscribe_due_now(state.as_ref(), c, "");
    }
    // A third digest, due too, that the first poster never reaches: the
    // survivor posts it.
    subscribe_due_now(state.as_ref(), first, "kubernetes");
    let slow = format!("POST /api/v10/channels/{second}/messages$");
    mock.inject_on(&slow, Fault::Slow(Duration::from_secs(4)));

    let mut serves: Vec<Option<Serve>> = (0..TOTAL)
        .map(|s| {
            let data = tmp.path().join(format!("data-{s}"));
            Some(spawn(&mock, &notes, &data, s, &url))
        })
        .collect();
    mock.wait_shards(&[0, 1]).await;
    mock.send_guild_creates();

    // A question in each guild: answered once, by its shard's process,
    // claimed in the one state.
    let questions: Vec<u64> = (0..TOTAL)
        .map(|s| ask(&mock, channel_on(s), "what was said about kubernetes?"))
        .collect();
    for q in &questions {
        answered(&mock, *q).await;
    }

    // The digests: the first reaches its channel, the second is in flight
    // when the process posting them dies.
    mock.wait_for("the second digest's post", |r| {
        r.method == "POST" && r.path == format!("/api/v10/channels/{second}/messages")
    })
    .await;
    assert_eq!(digests_in(&mock, first).len(), 1, "the first digest is out");
    let poster = holder(state.as_ref()).expect("a process holds the digests' lease");
    let dead = serves
        .iter()
        .position(|s| s.as_ref().is_some_and(|s| s.pid() == poster))
        .expect("the lease's owner is one of the two processes");
    let pending = state.pending_posts().unwrap();
    assert_eq!(pending.len(), 1, "recorded before it was sent: {pending:?}");
    let killed_at = Instant::now();
    drop(serves[dead].take()); // SIGKILL
    let survivor = serves[1 - dead].as_ref().unwrap();

    // The other process takes the lease over within two check intervals
    // (plus a second for a loaded machine) and settles the post in flight:
    // it is in the channel, so it is confirmed, not sent again.
    let deadline = killed_at + Duration::from_secs(2 * CHECK + 1);
    while holder(state.as_ref()) != Some(survivor.pid()) {
        assert!(
            Instant::now() < deadline,
            "no takeover {:?} after the kill\n{}",
            killed_at.elapsed(),
            survivor.log()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let took_over = killed_at.elapsed();
    mock.wait_until("the digest in flight settled, the last one posted", |_| {
        let posts = state.last_posts().unwrap();
        posts.len() == 3 && posts.iter().all(|p| p.state == PostState::Sent)
    })
    .await;
    let posts = state.last_posts().unwrap();
    assert_eq!(posts.len(), 3, "{posts:#?}");
    assert!(
        posts.iter().all(|p| p.state == PostState::Sent),
        "{posts:#?}"
    );
    assert!(survivor
        .log()
        .contains("this process posts the digests now"));

    // The survivor's shard drops and Discord replays the whole session on
    // resume, the answered question too: not answered again. A question
    // asked after the replay is answered, so the replay was handled.
    let shard = 1 - dead as u64;
    let resumes = |m: &MockDiscord| {
        m.shard_ops()
            .iter()
            .filter(|o| **o == (6, Some(shard)))
            .count()
    };
    let before = resumes(&mock);
    mock.replay_all_on_resume(true);
    mock.kill_shard(shard, Kill::Abrupt);
    mock.wait_until("the shard to resume", |m| resumes(m) > before)
        .await;
    let after_replay = ask(&mock, channel_on(shard), "and about ebpf?");
    answered(&mock, after_replay).await;
    for q in questions.iter().chain([&after_replay]) {
        assert_eq!(answers_to(&mock, *q), 1, "question {q} answered once");
    }
    assert_eq!(state.answered_count().unwrap(), 3);

    // Over the whole run every digest is in its channel exactly once.
    for (c, n) in [(first, 2), (second, 1)] {
        assert_eq!(digests_in(&mock, c).len(), n, "channel {c}");
        assert_eq!(
            channel_posts(&mock, c),
            n,
            "posted to channel {c} once each"
        );
    }
    assert_eq!(shard_of(guild_of_channel(second), TOTAL), 1);

    // `confnotes state` reads the shared state: both posts, the holder.
    let out = Command::new(env!("CARGO_BIN_EXE_confnotes"))
        .current_dir(common::root())
        .args(["state", "--json"])
        .env("CONFNOTES_STATE__URL", &url)
        .output()
        .unwrap();
    let snapshot = common::json(&out);
    assert_eq!(snapshot["answered"], 3);
    assert_eq!(snapshot["subscriptions"].as_array().unwrap().len(), 3);
    assert!(snapshot["path"]
        .as_str()
        .unwrap()
        .starts_with("postgres://"));
    let owner = snapshot["leases"][0]["owner"].as_str().unwrap();
    assert_eq!(owner_pid(owner), survivor.pid());

    // SIGTERM releases the lease: nobody holds it after a clean stop.
    let (status, log) = serves[1 - dead].take().unwrap().stop().await;
    assert!(status.success(), "{log}");
    assert_eq!(holder(state.as_ref()), None, "released at shutdown");
    eprintln!("digests taken over {took_over:?} after the SIGKILL");
}
