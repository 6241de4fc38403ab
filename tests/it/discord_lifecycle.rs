//! The bot's life beyond single commands: notes that change while it runs,
//! and stopping on SIGTERM without dropping the reply it is writing.

use crate::common;
use crate::mock_discord;

use confnotes::store::{DigestState, NewSubscription, PostRecord, PostState, SqliteStore};
use mock_discord::harness::{
    command, command_as, interaction, option, start_bot, Bot, FakeClock, MANAGE_GUILD,
};
use mock_discord::harness::{digests_in, has_sent_digest};
use mock_discord::serve::serve_command;
use mock_discord::{Fault, MockDiscord, CHANNEL_ID, GUILD_ID};
use serde_json::{json, Value};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// Ask until `pred` holds for the answer's titles, or give up after 30 s.
async fn ask_until(
    bot: &mock_discord::harness::Bot,
    question: &str,
    what: &str,
    pred: impl Fn(&[String]) -> bool,
) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let body = command(bot, "ask", vec![option("question", 3, json!(question))]).await;
        let titles: Vec<String> = body["data"]["embeds"]
            .as_array()
            .map(|es| {
                es.iter()
                    .filter_map(|e| e["title"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        if pred(&titles) {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{what}: still {titles:?} after 30 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notes_written_while_the_bot_runs_are_answered_without_reindex() {
    let (_tmp, notes) = common::one_note();
    let bot = start_bot(&notes, FakeClock::at("2026-06-01T08:00:00Z"), |c| {
        c.index.watch = true;
        c.index.watch_debounce_ms = 100;
    })
    .await;
    let has_zig = |t: &[String]| t.iter().any(|t| t.contains("Zig build systems"));
    ask_until(&bot, "zig build systems", "before the note exists", |t| {
        !has_zig(t)
    })
    .await;

    let note = notes.join("zigconf-2026.md");
    std::fs::write(
        &note,
        "# ZigConf 2026\n\n## Zig build systems in anger - Andrea Kelly, Tigerbeetle\n\nComptime all the things; build.zig replaces make.\n",
    )
    .unwrap();
    ask_until(&bot, "zig build systems", "after writing the note", has_zig).await;

    std::fs::remove_file(&note).unwrap();
    ask_until(&bot, "zig build systems", "after deleting the note", |t| {
        !has_zig(t)
    })
    .await;
}

/// The `/reindex` reports the bot has sent so far (their first embed).
fn reindex_reports(bot: &Bot) -> Vec<String> {
    bot.mock
        .requests()
        .iter()
        .filter(|r| r.path.contains("/webhooks/") && r.method != "GET" && r.status < 300)
        .filter_map(|r| r.body.as_ref().map(|b| b["embeds"][0].to_string()))
        .filter(|e| e.contains("Notes re-indexed"))
        .collect()
}

async fn reindex(bot: &Bot) -> String {
    let before = reindex_reports(bot).len();
    let deferred = command_as(bot, "reindex", vec![], MANAGE_GUILD).await;
    assert_eq!(deferred["type"], 5, "{deferred:#}");
    bot.mock
        .wait_until("a /reindex report", |_| reindex_reports(bot).len() > before)
        .await;
    reindex_reports(bot).pop().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_bot_serves_its_copy_and_reopens_it_on_reindex() {
    let (tmp, notes) = common::one_note();
    let index = tmp.path().join("index");
    // The index is built elsewhere, by a writer (`confnotes index`).
    let writer = |notes: &std::path::Path| {
        let config = confnotes::config::Config {
            notes_dir: notes.to_path_buf(),
            index_dir: index.clone(),
            ..confnotes::config::Config::default()
        };
        confnotes::answer::Engine::open(&config, &confnotes::index::Silent).unwrap();
    };
    writer(&notes);
    let bot = start_bot(&notes, FakeClock::at("2026-06-01T08:00:00Z"), |c| {
        c.index_dir = index.clone();
        c.index.read_only = true;
        // Ignored when read-only: nothing may write the copy.
        c.index.watch = true;
        c.index.watch_debounce_ms = 50;
    })
    .await;
    let built = common::listing(&index);
    let has_zig = |t: &[String]| t.iter().any(|t| t.contains("Zig build systems"));
    ask_until(&bot, "kubernetes", "the copy answers", |t| !t.is_empty()).await;
    std::fs::write(
        notes.join("zigconf-2026.md"),
        "# ZigConf 2026\n\n## Zig build systems in anger - Andrea Kelly, Tigerbeetle\n\nComptime all the things; build.zig replaces make.\n",
    )
    .unwrap();
    // Neither a watcher nor /reindex reads the notes of a read-only bot.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let report = reindex(&bot).await;
    assert!(report.contains("0 read"), "{report}");
    ask_until(&bot, "zig build systems", "still the copy", |t| !has_zig(t)).await;
    assert_eq!(
        common::listing(&index),
        built,
        "the read-only bot wrote to the index"
    );
    // A writer updates the index; /reindex re-opens it from disk.
    writer(&notes);
    let report = reindex(&bot).await;
    assert!(report.contains("from 2 files"), "{report}");
    ask_until(&bot, "zig build systems", "after the re-open", has_zig).await;
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_lets_the_reply_in_flight_finish_and_flushes_the_state() {
    stop_with("-TERM").await;
}

/// Ctrl-C in a terminal.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_stops_the_same_way() {
    stop_with("-INT").await;
}

/// The real `confnotes serve` against `mock`, on `notes`, its state in
/// `data`, checking for due digests every second.
#[cfg(unix)]
fn spawn_serve(mock: &MockDiscord, notes: &Path, data: &Path) -> std::process::Child {
    serve_command(mock, notes, data).spawn().unwrap()
}

/// Start `confnotes serve`, send `signal` while a `/reindex` is being
/// answered, and check the shutdown.
#[cfg(unix)]
async fn stop_with(signal: &str) {
    let mock = MockDiscord::start().await;
    let tmp = tempfile::tempdir().unwrap();
    let notes = tmp.path().join("notes");
    common::copy_shipped(&notes);
    let data = tmp.path().join("data");
    let child = spawn_serve(&mock, &notes, &data);
    let pid = child.id().to_string();
    mock.wait_ready().await;
    mock.wait_for("command registration", |r| r.method == "PUT")
        .await;

    // Enough new notes that /reindex is still writing when SIGTERM comes.
    let shipped: Vec<String> = std::fs::read_dir(&notes)
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    for i in 0..300 {
        std::fs::write(
            notes.join(format!("copy-{i:03}.md")),
            &shipped[i % shipped.len()],
        )
        .unwrap();
    }
    let data_json = json!({"id": "1300000000000000009", "name": "reindex", "type": 1});
    // 32: Manage Server.
    let (id, payload) = interaction(&mock, 2, data_json, "32");
    let token = payload["token"].as_str().unwrap().to_string();
    mock.dispatch("INTERACTION_CREATE", payload);
    let needle = format!("/interactions/{id}/");
    mock.wait_for("the deferred reply", |r| r.path.contains(&needle))
        .await;
    let term = Command::new("kill").args([signal, &pid]).status().unwrap();
    assert!(term.success());

    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "exit {:?}\n{stderr}", out.status);
    // The reply that was being written when the signal came was finished.
    let edit = mock
        .requests()
        .into_iter()
        .find(|r| r.path.starts_with("/api/v10/webhooks/") && r.path.contains(&token))
        .unwrap_or_else(|| panic!("no final reply to /reindex\n{stderr}"));
    let body: &Value = edit.body.as_ref().unwrap();
    assert!(body.to_string().contains("Notes re-indexed"), "{body}");
    for line in [
        "closing the gateway",
        "waiting for replies in flight",
        "state file flushed",
        "stopped",
    ] {
        assert!(stderr.contains(line), "missing {line:?} in\n{stderr}");
    }
    assert_eq!(mock.client_closes(), vec![Some(1000)], "a clean close");
    assert!(
        !stderr.contains("awaiting close frame"),
        "the close handshake completed\n{stderr}"
    );
    // The write-ahead log was folded into the state file.
    let wal = data.join("state.sqlite3-wal");
    assert!(
        std::fs::metadata(&wal).map_or(true, |m| m.len() == 0),
        "{} still holds {} bytes",
        wal.display(),
        std::fs::metadata(&wal).unwrap().len()
    );
}

/// A subscription of the mock's channel whose digest is due: two minutes
/// ago, in a zone where that is still today, made an hour before.
fn subscribe_due_now(data: &Path) {
    use chrono::Timelike;
    let store = SqliteStore::open(&data.join("state.sqlite3")).unwrap();
    let now = chrono::Utc::now();
    let zone = ["UTC", "Asia/Tokyo", "America/New_York"]
        .iter()
        .map(|z| z.parse::<chrono_tz::Tz>().unwrap())
        .find(|tz| {
            (10..23 * 60 + 50).contains(
                &now.with_timezone(tz)
                    .time()
                    .num_seconds_from_midnight()
                    .div_euclid(60),
            )
        })
        .unwrap();
    let time = (now.with_timezone(&zone) - chrono::Duration::minutes(2)).time();
    let new = NewSubscription {
        guild_id: Some(GUILD_ID),
        channel_id: CHANNEL_ID,
        time,
        timezone: zone,
        topic: String::new(),
        created_by: None,
        gaps: false,
    };
    store
        .subscribe(&new, now - chrono::Duration::hours(1))
        .unwrap();
}

/// Requests that posted to the mock's channel (digests: nothing else posts there).
fn channel_posts(mock: &MockDiscord) -> usize {
    let path = format!("/api/v10/channels/{CHANNEL_ID}/messages");
    let rs = mock.requests().into_iter();
    rs.filter(|r| r.method == "POST" && r.path == path).count()
}

/// Start `serve` with a digest due and its post slowed down by the mock,
/// send `signal` while the post is in flight, and return what the process
/// printed with its status.
#[cfg(unix)]
async fn digest_in_flight(
    mock: &MockDiscord,
    notes: &Path,
    data: &Path,
    signal: &str,
) -> std::process::Output {
    subscribe_due_now(data);
    let path = format!("POST /api/v10/channels/{CHANNEL_ID}/messages$");
    mock.inject_on(&path, Fault::Slow(Duration::from_secs(3)));
    let child = spawn_serve(mock, notes, data);
    mock.wait_for("the digest post", |r| {
        r.method == "POST"
            && r.path
                .ends_with(&format!("/channels/{CHANNEL_ID}/messages"))
    })
    .await;
    let pending = SqliteStore::open(&data.join("state.sqlite3"))
        .unwrap()
        .pending_posts()
        .unwrap();
    assert_eq!(pending.len(), 1, "recorded before it was sent");
    let sent = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap()
}

/// Start `serve` again on the same state, let it check for due digests a
/// few times, and stop it.
#[cfg(unix)]
async fn serve_a_while(
    mock: &MockDiscord,
    notes: &Path,
    data: &Path,
    until: impl Fn(&MockDiscord) -> bool,
) -> String {
    mock.drop_gateway();
    let child = spawn_serve(mock, notes, data);
    mock.wait_ready().await;
    mock.wait_until("the restarted bot to settle", until).await;
    // Three more checks for due digests.
    tokio::time::sleep(Duration::from_millis(3500)).await;
    let term = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "exit {:?}\n{stderr}", out.status);
    stderr
}

/// The digest in the channel, and the one record of it.
fn the_digest(mock: &MockDiscord, data: &Path) -> (Value, PostRecord) {
    let in_channel = digests_in(mock, CHANNEL_ID);
    assert_eq!(in_channel.len(), 1, "in the channel exactly once");
    let mut posts = SqliteStore::open(&data.join("state.sqlite3"))
        .unwrap()
        .last_posts()
        .unwrap();
    assert_eq!(posts.len(), 1);
    (in_channel[0].clone(), posts.remove(0))
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_with_a_digest_in_flight_finishes_and_records_it() {
    let mock = MockDiscord::start().await;
    let tmp = tempfile::tempdir().unwrap();
    let (notes, data) = (tmp.path().join("notes"), tmp.path().join("data"));
    common::copy_shipped(&notes);
    std::fs::create_dir_all(&data).unwrap();
    let out = digest_in_flight(&mock, &notes, &data, "-TERM").await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "exit {:?}\n{stderr}", out.status);
    let (message, record) = the_digest(&mock, &data);
    assert_eq!(record.state, PostState::Sent, "{stderr}");
    assert_eq!(
        record.message_id,
        message["id"].as_str().unwrap().parse().ok()
    );
    assert!(stderr.contains("digest posted"), "{stderr}");
    // Flushed: the state file alone, without its write-ahead log, has it.
    let alone = tmp.path().join("alone.sqlite3");
    std::fs::copy(data.join("state.sqlite3"), &alone).unwrap();
    let copy = SqliteStore::open(&alone).unwrap().last_posts().unwrap();
    assert_eq!(
        copy[0].state,
        PostState::Sent,
        "not in the state file itself"
    );

    // Started again the same day: nothing more is posted.
    serve_a_while(&mock, &notes, &data, |m| {
        m.requests().iter().any(|r| r.method == "PUT")
    })
    .await;
    assert_eq!(channel_posts(&mock), 1);
    the_digest(&mock, &data);
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_with_a_digest_in_flight_leaves_it_in_the_channel_once() {
    let mock = MockDiscord::start().await;
    let tmp = tempfile::tempdir().unwrap();
    let (notes, data) = (tmp.path().join("notes"), tmp.path().join("data"));
    common::copy_shipped(&notes);
    std::fs::create_dir_all(&data).unwrap();
    let out = digest_in_flight(&mock, &notes, &data, "-KILL").await;
    assert!(!out.status.success());
    // Discord made the message; the process died before it heard so.
    assert_eq!(digests_in(&mock, CHANNEL_ID).len(), 1);
    let store = SqliteStore::open(&data.join("state.sqlite3")).unwrap();
    assert_eq!(store.pending_posts().unwrap().len(), 1);
    // By the restart Discord no longer honours the nonce: a second post
    // would be a second message.
    mock.set_nonce_window(Duration::ZERO);
    let posts_before = channel_posts(&mock);
    serve_a_while(&mock, &notes, &data, |_| has_sent_digest(&store)).await;
    assert_eq!(channel_posts(&mock), posts_before, "not posted again");
    let (message, record) = the_digest(&mock, &data);
    assert_eq!(record.state, PostState::Sent);
    assert_eq!(
        record.message_id,
        message["id"].as_str().unwrap().parse().ok()
    );
}
