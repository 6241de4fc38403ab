//! Sharding end to end: two `confnotes serve` processes, one shard of two
//! each, against one mock Discord. Each gets READY for its own guild only
//! and the gateway events of that guild only, and resumes its own session
//! when its connection drops while the other shard stays connected.

use crate::common;
use crate::mock_discord;

use confnotes::store::{QaState, SqliteStore};
use mock_discord::serve::{serve_command, Serve};
use mock_discord::{guild_of_channel, message, shard_of, user, Kill, MockDiscord};
use mock_discord::{BOT_ID, CHANNEL_B_ID, CHANNEL_ID, GUILD_B_ID, GUILD_ID, USER_ID};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::time::Duration;

pub(crate) const TOTAL: u64 = 2;

#[test]
fn the_mock_guilds_are_on_different_shards_of_two() {
    assert_ne!(shard_of(GUILD_ID, TOTAL), shard_of(GUILD_B_ID, TOTAL));
    assert_eq!(shard_of(GUILD_ID, 1), shard_of(GUILD_B_ID, 1));
    assert_eq!(guild_of_channel(CHANNEL_B_ID), GUILD_B_ID);
    assert_eq!(guild_of_channel(CHANNEL_ID), GUILD_ID);
}

/// The mock's channel in the guild on `shard` of two.
pub(crate) fn channel_on(shard: u64) -> u64 {
    let channels = [CHANNEL_ID, CHANNEL_B_ID].into_iter();
    let mut on = channels.filter(|c| shard_of(guild_of_channel(*c), TOTAL) == shard);
    on.next().expect("a channel on every shard")
}

/// `serve` running shard `shard` of two, its state in `data`, with both
/// channels as Q&A channels: each process would answer a question in
/// either, if it got it.
fn spawn_shard(mock: &MockDiscord, notes: &Path, data: &Path, shard: u64) -> Serve {
    let mut command = serve_command(mock, notes, data);
    command
        .env(
            "CONFNOTES_DISCORD__SHARD_RANGE",
            format!("[{shard}, {shard}]"),
        )
        .env("CONFNOTES_DISCORD__SHARD_TOTAL", TOTAL.to_string())
        .env(
            "CONFNOTES_QA__CHANNELS",
            format!("[{CHANNEL_ID}, {CHANNEL_B_ID}]"),
        )
        // One process posts the digests.
        .env("CONFNOTES_DIGEST__ENABLED", (shard == 0).to_string());
    Serve::spawn(command)
}

/// Ask the bot in `channel` (a message mentioning it); returns its id.
pub(crate) fn ask(mock: &MockDiscord, channel: u64, question: &str) -> u64 {
    let id = mock.next_id();
    let mut m = message(id, channel, user(USER_ID, "alice", false), question);
    m["guild_id"] = json!(guild_of_channel(channel).to_string());
    m["mentions"] = json!([user(BOT_ID, "confnotes", true)]);
    m["content"] = json!(format!("<@{BOT_ID}> {question}"));
    mock.dispatch("MESSAGE_CREATE", m);
    id
}

/// Answers posted to the thread on question `id` (it has the question's id).
pub(crate) fn answers_to(mock: &MockDiscord, id: u64) -> usize {
    let path = format!("/api/v10/channels/{id}/messages");
    let posted = mock.requests().into_iter();
    posted
        .filter(|r| r.method == "POST" && r.path == path && r.status < 300)
        .count()
}

pub(crate) async fn answered(mock: &MockDiscord, id: u64) {
    let what = format!("the answer to question {id}");
    mock.wait_until(&what, |m| answers_to(m, id) > 0).await;
}

/// The questions a process's state says it answered, among `ids`.
fn claimed(data: &Path, ids: &[u64]) -> Vec<u64> {
    let store = SqliteStore::open(&data.join("state.sqlite3")).unwrap();
    let mut ids = ids.to_vec();
    ids.retain(|id| store.answered_query(*id).unwrap().is_some());
    ids
}

/// The guild ids a READY lists.
fn guilds_in(ready: &Value) -> Vec<u64> {
    let guilds = ready["guilds"].as_array().unwrap().iter();
    guilds
        .map(|g| g["id"].as_str().unwrap().parse().unwrap())
        .collect()
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_serve_processes_each_run_one_shard_and_get_only_its_guilds_events() {
    let mock = MockDiscord::start().await;
    let (tmp, notes) = common::one_note();
    let data: Vec<PathBuf> = (0..TOTAL)
        .map(|s| tmp.path().join(format!("data-{s}")))
        .collect();
    let serves: Vec<Serve> = (0..TOTAL)
        .map(|s| spawn_shard(&mock, &notes, &data[s as usize], s))
        .collect();
    mock.wait_shards(&[0, 1]).await;
    let ready_at = tokio::time::Instant::now();

    // Each READY names its shard of two and lists that shard's guild only.
    let readies = mock.readies();
    assert_eq!(readies.len(), 2, "{readies:#?}");
    for ready in &readies {
        let shard = ready["shard"][0].as_u64().unwrap();
        assert_eq!(ready["shard"][1], TOTAL, "{ready:#}");
        let own = guild_of_channel(channel_on(shard));
        assert_eq!(guilds_in(ready), [own], "READY of shard {shard}");
    }
    mock.send_guild_creates();

    // A question in each guild is answered once, by its shard's process.
    let questions: Vec<u64> = (0..TOTAL)
        .map(|s| ask(&mock, channel_on(s), "what was said about kubernetes?"))
        .collect();
    for q in &questions {
        answered(&mock, *q).await;
    }

    // Shard 1's connection drops; a question sent meanwhile is kept in its
    // session, replayed when it resumes, and answered. Shard 0 stays up.
    mock.kill_shard(1, Kill::Abrupt);
    let missed = ask(&mock, channel_on(1), "and about ebpf?");
    mock.wait_until("shard 1 to resume", |m| {
        m.shard_ops().contains(&(6, Some(1)))
    })
    .await;
    answered(&mock, missed).await;

    // serenity boots a process's next shard 5 s after its first: a process
    // starting more shards than its range would have by now.
    tokio::time::sleep_until(ready_at + Duration::from_secs(6)).await;
    let mut ops = mock.shard_ops();
    ops.sort();
    assert_eq!(
        ops,
        [(2, Some(0)), (2, Some(1)), (6, Some(1))],
        "one IDENTIFY per shard, one RESUME of shard 1"
    );
    for q in questions.iter().chain([&missed]) {
        assert_eq!(answers_to(&mock, *q), 1, "question {q} answered once");
    }
    // Each process claimed the questions of its own shard's guild only.
    let all = [questions.clone(), vec![missed]].concat();
    assert_eq!(claimed(&data[0], &all), [questions[0]], "shard 0's process");
    assert_eq!(
        claimed(&data[1], &all),
        [questions[1], missed],
        "shard 1's process"
    );
    // The mock's side of it: each shard's session numbered its own guild's
    // messages only.
    for shard in 0..TOTAL {
        let own = json!(guild_of_channel(channel_on(shard)).to_string());
        let sent = mock.shard_dispatches(shard).into_iter();
        let messages: Vec<Value> = sent.filter(|p| p["t"] == "MESSAGE_CREATE").collect();
        assert_eq!(messages.len(), 1 + shard as usize, "on shard {shard}");
        assert!(messages.iter().all(|p| p["d"]["guild_id"] == own));
    }

    for (shard, serve) in serves.into_iter().enumerate() {
        let (status, log) = serve.stop().await;
        assert!(status.success(), "shard {shard}: exit {status:?}\n{log}");
        assert!(
            log.contains("starting a shard range"),
            "shard {shard}:\n{log}"
        );
    }
    mock_discord::harness::validate_all(&mock);
}
