//! Gaps end to end: a question the notes cannot answer recorded, then
//! closed by a note dropped into the notes directory (the watcher
//! re-indexes); 👍 / 👎 on an answer as votes, added and removed; `/gaps`;
//! the digest's "Asked this week, not in the notes" with the option on and
//! its absence with it off.

use crate::common;
use crate::mock_discord;

use confnotes::store::{GapReason, NewGap};
use mock_discord::harness::*;
use mock_discord::{message, user, MockDiscord, BOT_ID, CHANNEL_ID, GUILD_ID, USER_ID};
use serde_json::{json, Value};
use std::time::Duration;

const MANAGE_CHANNELS: &str = "16";
const REACTIONS_INTENT: u64 = 1 << 10;

fn sub(name: &str, options: Vec<Value>) -> Vec<Value> {
    vec![json!({"name": name, "type": 1, "options": options})]
}

/// A user's question mentioning the bot in the Q&A channel.
fn question(mock: &MockDiscord, content: &str) -> (u64, Value) {
    let id = mock.next_id();
    let mut m = message(
        id,
        CHANNEL_ID,
        user(USER_ID, "alice", false),
        &format!("<@{BOT_ID}> {content}"),
    );
    m["guild_id"] = json!(GUILD_ID.to_string());
    m["mentions"] = json!([user(BOT_ID, "confnotes", true)]);
    (id, m)
}

/// Ask in the Q&A channel; the id of the bot's answer in the question's
/// thread (a thread started on a message has the message's id).
async fn ask(bot: &Bot, content: &str) -> (u64, u64) {
    let (qid, msg) = question(&bot.mock, content);
    bot.mock.dispatch("MESSAGE_CREATE", msg);
    bot.mock
        .wait_until("the answer in the thread", |m| {
            !m.channel_messages(qid).is_empty()
        })
        .await;
    let answer = &bot.mock.channel_messages(qid)[0];
    let aid = answer["id"].as_str().unwrap().parse().unwrap();
    // Recorded just after the answer is sent.
    wait_store(bot, "the answer message recorded", |s| {
        s.answer_question(aid).unwrap().is_some()
    })
    .await;
    (qid, aid)
}

async fn wait_store(
    bot: &Bot,
    what: &str,
    cond: impl Fn(&dyn confnotes::store::StateStore) -> bool,
) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !cond(bot.store().as_ref()) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{what}: not after 30 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A reaction by `who` on `message` in `channel`, added or removed.
fn react(bot: &Bot, channel: u64, message: u64, who: u64, emoji: &str, added: bool) {
    let mut d = json!({
        "user_id": who.to_string(), "channel_id": channel.to_string(),
        "message_id": message.to_string(), "guild_id": GUILD_ID.to_string(),
        "emoji": {"id": null, "name": emoji}, "burst": false, "type": 0,
    });
    if added {
        d["message_author_id"] = json!(BOT_ID.to_string());
        d["burst_colors"] = json!([]);
    }
    let event = if added {
        "MESSAGE_REACTION_ADD"
    } else {
        "MESSAGE_REACTION_REMOVE"
    };
    bot.mock.dispatch(event, d);
}

/// The votes on the answer to `qid`: (user, helpful).
fn votes(bot: &Bot, qid: u64) -> Vec<(u64, bool)> {
    bot.store()
        .feedback()
        .unwrap()
        .iter()
        .filter(|f| f.message_id == qid)
        .map(|f| (f.user_id, f.helpful))
        .collect()
}

/// The text `/gaps` answered with (its deferred reply's follow-up or edit).
async fn gaps_command(bot: &Bot) -> String {
    let data = json!({"id": cmd_id("gaps"), "name": "gaps", "type": 1, "options": []});
    let (id, payload) = interaction(&bot.mock, 2, data, MANAGE_GUILD);
    bot.mock.dispatch("INTERACTION_CREATE", payload);
    let deferred = callback(&bot.mock, id).await;
    assert_eq!(deferred["type"], 5, "{deferred:#}");
    assert_eq!(deferred["data"]["flags"], 64, "ephemeral: {deferred:#}");
    let needle = format!("/tok-{id}");
    let r = bot
        .mock
        .wait_for("the /gaps reply", |r| {
            r.path.contains("/webhooks/")
                && r.path.contains(&needle)
                && r.method != "GET"
                && r.status < 300
        })
        .await;
    r.body.unwrap()["content"]
        .as_str()
        .unwrap_or("")
        .to_string()
}

/// A notes directory holding one shipped note.
fn one_note() -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let notes = tmp.path().join("notes");
    std::fs::create_dir(&notes).unwrap();
    std::fs::copy(
        common::root().join("notes/kubecon-eu-2023.md"),
        notes.join("kubecon.md"),
    )
    .unwrap();
    (tmp, notes)
}

/// `/digest subscribe` at 12:00 in Amsterdam, with the gaps section or not.
async fn subscribe_at_noon(bot: &Bot, gaps: bool) -> Value {
    command_as(
        bot,
        "digest",
        sub(
            "subscribe",
            vec![
                json!({"name": "time", "type": 3, "value": "12:00"}),
                json!({"name": "timezone", "type": 3, "value": "Europe/Amsterdam"}),
                json!({"name": "gaps", "type": 5, "value": gaps}),
            ],
        ),
        MANAGE_CHANNELS,
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_question_the_notes_cannot_answer_is_a_gap_until_a_note_answers_it() {
    let (_tmp, notes) = one_note();
    let bot = start_bot(&notes, FakeClock::at("2026-06-01T08:00:00Z"), |c| {
        c.qa.channels = vec![CHANNEL_ID];
        c.index.watch = true;
        c.index.watch_debounce_ms = 100;
    })
    .await;
    let (qid, _) = ask(&bot, "what did we learn about zig comptime build systems?").await;
    let gaps = bot.store().gaps(None).unwrap();
    assert_eq!(gaps.len(), 1, "{gaps:#?}");
    assert_eq!(gaps[0].message_id, Some(qid));
    assert_eq!(gaps[0].reason, GapReason::NoMatch);
    assert_eq!(gaps[0].channel_id, Some(CHANNEL_ID));
    assert_eq!(gaps[0].guild_id, Some(GUILD_ID));
    assert!(gaps[0].closed.is_none());
    // A question the notes answer is no gap.
    ask(&bot, "what is ebpf used for at kubecon?").await;
    assert_eq!(bot.store().gaps(None).unwrap().len(), 1);

    let listed = gaps_command(&bot).await;
    assert!(listed.contains("zig comptime build systems"), "{listed}");
    assert!(listed.contains("1 still open"), "{listed}");
    assert!(
        listed.contains(&format!("<#{CHANNEL_ID}>")),
        "a channel mention: {listed}"
    );
    // Managers only.
    let data = json!({"id": cmd_id("gaps"), "name": "gaps", "type": 1, "options": []});
    let (id, payload) = interaction(&bot.mock, 2, data, "0");
    bot.mock.dispatch("INTERACTION_CREATE", payload);
    let refused = callback(&bot.mock, id).await;
    assert!(
        refused.to_string().contains("Manage Server") || refused.to_string().contains("permission"),
        "{refused:#}"
    );

    // A note on it: the watcher re-indexes and closes the gap.
    std::fs::write(
        notes.join("zigconf-2026.md"),
        "# ZigConf 2026\n\n## Zig build systems and comptime - Andrea Kelly, Tigerbeetle\n\nComptime all the things; build.zig replaces make. We learned that zig build systems are fast.\n",
    )
    .unwrap();
    wait_store(&bot, "the gap closed by the new note", |s| {
        s.open_gaps().unwrap().is_empty()
    })
    .await;
    let closed = bot.store().gaps(None).unwrap().remove(0).closed.unwrap();
    assert!(closed.title.contains("Zig build systems"), "{closed:?}");
    let listed = gaps_command(&bot).await;
    assert!(listed.contains("0 still open"), "{listed}");
    assert!(
        listed.contains("closed") && listed.contains("Zig build systems"),
        "{listed}"
    );
    validate_all(&bot.mock);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thumbs_on_an_answer_are_votes_and_taken_back_while_current() {
    let bot = start_bot(
        &common::root().join("notes"),
        FakeClock::at("2026-06-01T08:00:00Z"),
        |c| c.qa.channels = vec![CHANNEL_ID],
    )
    .await;
    assert_ne!(bot.mock.intents() & REACTIONS_INTENT, 0, "reactions intent");
    let (qid, aid) = ask(&bot, "what did we learn about ebpf at kubecon?").await;
    assert!(bot.store().gaps(None).unwrap().is_empty());
    let bob = USER_ID + 1;

    react(&bot, qid, aid, USER_ID, "👍", true);
    wait_store(&bot, "alice's 👍", |_| {
        votes(&bot, qid) == [(USER_ID, true)]
    })
    .await;
    // 👎 replaces it, and records the question as a gap (not helpful).
    react(&bot, qid, aid, USER_ID, "👎🏽", true);
    react(&bot, qid, aid, bob, "👍", true);
    wait_store(&bot, "alice's 👎 and bob's 👍", |_| {
        let mut v = votes(&bot, qid);
        v.sort();
        v == [(USER_ID, false), (bob, true)]
    })
    .await;
    wait_store(&bot, "the gap of the 👎", |s| {
        s.gaps(None).unwrap().len() == 1
    })
    .await;
    let gap = bot.store().gaps(None).unwrap().remove(0);
    assert_eq!(
        (gap.reason, gap.message_id),
        (GapReason::NotHelpful, Some(qid))
    );
    assert!(!gap.nearest.is_empty(), "the answer's hits: {gap:?}");
    assert_eq!(
        gap.channel_id,
        Some(CHANNEL_ID),
        "the Q&A channel, not the thread"
    );

    // Alice removes her 👍: her vote is 👎 now, and stays.
    react(&bot, qid, aid, USER_ID, "👍", false);
    // Ignored: the bot's own reaction, another emoji, a message that is
    // not an answer.
    react(&bot, qid, aid, BOT_ID, "👎", true);
    react(&bot, qid, aid, bob, "🎉", true);
    react(&bot, CHANNEL_ID, qid, bob, "👎", true);
    // Bob removes his 👍: taken back. (Events of one channel arrive in order.)
    react(&bot, qid, aid, bob, "👍", false);
    wait_store(&bot, "bob's vote taken back", |_| {
        votes(&bot, qid) == [(USER_ID, false)]
    })
    .await;
    // Alice removes her 👎: no vote left; the gap stays.
    react(&bot, qid, aid, USER_ID, "👎🏽", false);
    wait_store(&bot, "alice's vote taken back", |_| {
        votes(&bot, qid).is_empty()
    })
    .await;
    assert_eq!(bot.store().gaps(None).unwrap().len(), 1);
    validate_all(&bot.mock);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn not_helpful_after_no_match_keeps_one_gap() {
    let (_tmp, notes) = one_note();
    let bot = start_bot(&notes, FakeClock::at("2026-06-01T08:00:00Z"), |c| {
        c.qa.channels = vec![CHANNEL_ID];
    })
    .await;
    let (qid, _) = ask(&bot, "any notes on quantum lattice cryptography?").await;
    let thanks = click(&bot, &format!("cn1|nh|{qid}"), false).await;
    assert_eq!(thanks["type"], 4, "{thanks:#}");
    wait_store(&bot, "the vote", |_| votes(&bot, qid) == [(USER_ID, false)]).await;
    let gaps = bot.store().gaps(None).unwrap();
    assert_eq!(gaps.len(), 1, "{gaps:#?}");
    assert_eq!(gaps[0].reason, GapReason::NoMatch);
}

fn digest_posts(mock: &MockDiscord) -> Vec<Value> {
    mock.requests()
        .into_iter()
        .filter(|r| {
            r.method == "POST" && r.path == format!("/api/v10/channels/{CHANNEL_ID}/messages")
        })
        .filter_map(|r| r.body)
        .filter(|b| b["nonce"].as_str().is_some_and(|n| n.starts_with("cnd")))
        .collect()
}

fn titles(post: &Value) -> Vec<String> {
    post["embeds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["title"].as_str().unwrap_or("").to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_digest_ends_with_the_weeks_gaps_only_when_subscribed_to_them() {
    let clock = FakeClock::at("2026-11-22T10:00:00Z");
    let bot = start_bot(&common::root().join("notes"), clock.clone(), |_| {}).await;
    let store = bot.store();
    let gap = |q: &str, message: u64, at: &str| NewGap {
        question: q.to_string(),
        channel_id: Some(CHANNEL_ID),
        guild_id: Some(GUILD_ID),
        message_id: Some(message),
        at: at.parse().unwrap(),
        reason: GapReason::NoMatch,
        nearest: Vec::new(),
    };
    store
        .record_gap(&gap("zig comptime?", 1, "2026-11-20T09:00:00Z"))
        .unwrap();
    store
        .record_gap(&gap("zig comptime tips", 2, "2026-11-21T09:00:00Z"))
        .unwrap();
    store
        .record_gap(&gap("quantum <@everyone>?", 3, "2026-11-21T10:00:00Z"))
        .unwrap();
    // More than a week old: not this week's.
    store
        .record_gap(&gap("cobol on mainframes?", 4, "2026-11-10T09:00:00Z"))
        .unwrap();
    // Closed: not listed.
    store
        .record_gap(&gap("wasm islands?", 5, "2026-11-21T11:00:00Z"))
        .unwrap();
    let wasm = store
        .gaps(None)
        .unwrap()
        .into_iter()
        .find(|g| g.message_id == Some(5))
        .unwrap();
    store
        .close_gap(wasm.id, "2026-11-21T12:00:00Z".parse().unwrap(), "x", "X")
        .unwrap();

    let ok = subscribe_at_noon(&bot, true).await;
    assert_eq!(ok["type"], 4, "{ok:#}");
    assert!(
        ok["data"]["content"]
            .as_str()
            .unwrap()
            .contains("all sessions, with the week's unanswered questions"),
        "{ok:#}"
    );
    assert!(bot.store().subscriptions().unwrap()[0].gaps);
    clock.set("2026-11-22T11:00:05Z");
    bot.mock
        .wait_until("a digest", |m| !digest_posts(m).is_empty())
        .await;
    let post = digest_posts(&bot.mock).remove(0);
    let t = titles(&post);
    assert_eq!(
        t.last().unwrap(),
        "Asked this week, not in the notes",
        "{t:?}"
    );
    assert_eq!(t[t.len() - 2], "New in the notes");
    let last = post["embeds"].as_array().unwrap().last().unwrap().clone();
    let lines = last["description"].as_str().unwrap();
    let lines: Vec<&str> = lines.lines().collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines[0].contains("zig comptime tips") && lines[0].contains("asked 2×"),
        "{lines:?}"
    );
    assert!(lines[1].contains("quantum"), "{lines:?}");
    assert!(last["footer"]["text"]
        .as_str()
        .unwrap()
        .starts_with("Daily digest · ref"));
    assert_no_pings(&post);

    // The option off: the next day's digest has no such section.
    subscribe_at_noon(&bot, false).await;
    clock.set("2026-11-23T11:00:05Z");
    bot.mock
        .wait_until("a second digest", |m| digest_posts(m).len() >= 2)
        .await;
    let t = titles(&digest_posts(&bot.mock)[1]);
    assert_eq!(t.last().unwrap(), "New in the notes", "{t:?}");
    validate_all(&bot.mock);
}
