//! Conversations in Q&A threads end to end: a question answered in a
//! thread, then follow-ups there of every kind (a pick with an aspect,
//! more like that, a filter change, who else, a new topic), across a
//! restart, against the mock Discord.

use crate::common;
use crate::mock_discord;

use confnotes::store::ThreadRecord;
use mock_discord::harness::*;
use mock_discord::{message, user, MockDiscord, Recorded, BOT_ID, CHANNEL_ID, GUILD_ID, USER_ID};
use serde_json::{json, Value};
use std::time::Duration;

/// A message by alice in `channel`, mentioning the bot or not.
fn said(mock: &MockDiscord, channel: u64, content: &str, mention: bool) -> (u64, Value) {
    let id = mock.next_id();
    let mut m = message(id, channel, user(USER_ID, "alice", false), content);
    m["guild_id"] = json!(GUILD_ID.to_string());
    if mention {
        m["mentions"] = json!([user(BOT_ID, "confnotes", true)]);
    }
    (id, m)
}

/// What the bot posted in `thread`, oldest first.
fn posts_in(mock: &MockDiscord, thread: u64) -> Vec<Value> {
    mock.requests()
        .into_iter()
        .filter(|r: &Recorded| {
            r.method == "POST" && r.path == format!("/api/v10/channels/{thread}/messages")
        })
        .filter_map(|r| r.body)
        .collect()
}

async fn nth_post(mock: &MockDiscord, thread: u64, n: usize) -> Value {
    mock.wait_for("an answer in the thread", |_| {
        posts_in(mock, thread).len() > n
    })
    .await;
    posts_in(mock, thread).remove(n)
}

fn titles(body: &Value) -> Vec<String> {
    body["embeds"]
        .as_array()
        .map(|es| {
            es.iter()
                .map(|e| {
                    let t = e["title"].as_str().unwrap_or("");
                    // "2. Title" -> "Title"
                    t.split_once(". ")
                        .filter(|(n, _)| n.parse::<u32>().is_ok())
                        .map_or(t, |(_, rest)| rest)
                        .to_string()
                })
                .collect()
        })
        .unwrap_or_default()
}

fn footers(body: &Value) -> Vec<String> {
    body["embeds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["footer"]["text"].as_str().unwrap_or("").to_string())
        .collect()
}

/// The thread's state once its `turns`-th answer is saved.
async fn state_after(bot: &Bot, thread: u64, turns: u32) -> ThreadRecord {
    for _ in 0..100 {
        if let Some(rec) = bot.store().thread(thread).unwrap() {
            if rec.turns >= turns {
                return rec;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the thread's state never reached turn {turns}");
}

async fn settle() {
    tokio::time::sleep(Duration::from_millis(300)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thread_holds_a_conversation_across_a_restart() {
    let clock = FakeClock::at("2026-11-22T10:00:00Z");
    let notes = common::root().join("notes");
    let bot = start_bot(&notes, clock.clone(), |c| {
        c.qa.channels = vec![CHANNEL_ID];
        c.qa.per_channel_per_minute = 10;
    })
    .await;

    // Turn 1: the question opens a thread (its id is the question's).
    let (thread, q) = said(
        &bot.mock,
        CHANNEL_ID,
        &format!("<@{BOT_ID}> webassembly on kubernetes"),
        true,
    );
    bot.mock.dispatch("MESSAGE_CREATE", q);
    let first = nth_post(&bot.mock, thread, 0).await;
    let shown = titles(&first);
    assert!(shown.len() >= 2, "{first:#}");
    let rec = state_after(&bot, thread, 1).await;
    assert_eq!(
        (rec.question.as_str(), rec.turns, rec.shown.len()),
        ("webassembly on kubernetes", 1, shown.len())
    );

    // Turn 2: a pick with an aspect, by mention in the thread.
    let (_, pick) = said(
        &bot.mock,
        thread,
        &format!("<@{BOT_ID}> who gave the second one?"),
        true,
    );
    bot.mock.dispatch("MESSAGE_CREATE", pick.clone());
    let who = nth_post(&bot.mock, thread, 1).await;
    let text = who["content"].as_str().unwrap_or("");
    assert!(
        text.contains("was given by") || text.contains("do not say who"),
        "{who:#}"
    );
    assert_eq!(state_after(&bot, thread, 2).await.focus, Some(1));
    // A replay of it, and a message that neither mentions nor replies to
    // the bot (no Message Content intent): nothing more.
    bot.mock.dispatch("MESSAGE_CREATE", pick);
    let (_, aside) = said(&bot.mock, thread, "the second one?", false);
    bot.mock.dispatch("MESSAGE_CREATE", aside);
    settle().await;
    assert_eq!(posts_in(&bot.mock, thread).len(), 2);

    // The conversation outlives the process.
    let bot = bot.restart().await;

    // Turn 3: more like that, as a reply to the bot's answer (no mention).
    let (_, mut like) = said(&bot.mock, thread, "anything similar?", false);
    let mut answer = message(
        bot.mock.next_id(),
        thread,
        user(BOT_ID, "confnotes", true),
        "",
    );
    answer["guild_id"] = json!(GUILD_ID.to_string());
    like["message_reference"] =
        json!({"message_id": answer["id"], "channel_id": thread.to_string()});
    like["referenced_message"] = answer;
    like["type"] = json!(19);
    bot.mock.dispatch("MESSAGE_CREATE", like);
    let similar = nth_post(&bot.mock, thread, 2).await;
    let similar_titles = titles(&similar);
    assert!(!similar_titles.is_empty(), "{similar:#}");
    assert!(
        !similar_titles.contains(&shown[1]),
        "the session itself is not similar to itself: {similar_titles:?}"
    );

    // Turn 4: a filter change on the thread's question.
    let (_, only) = said(&bot.mock, thread, &format!("<@{BOT_ID}> only 2021"), true);
    bot.mock.dispatch("MESSAGE_CREATE", only);
    let refined = nth_post(&bot.mock, thread, 3).await;
    let rec = state_after(&bot, thread, 4).await;
    assert_eq!(rec.year, Some(2021));
    if !titles(&refined).is_empty() {
        for f in footers(&refined) {
            assert!(f.contains("2021"), "{f}");
        }
    }

    // Turn 5: who else, without what was shown.
    let before = rec.shown.clone();
    let (_, others) = said(
        &bot.mock,
        thread,
        &format!("<@{BOT_ID}> who else talked about that?"),
        true,
    );
    bot.mock.dispatch("MESSAGE_CREATE", others);
    nth_post(&bot.mock, thread, 4).await;
    let rec = state_after(&bot, thread, 5).await;
    assert!(
        rec.shown == before || rec.shown.iter().all(|id| !before.contains(id)),
        "{before:?} then {:?}",
        rec.shown
    );

    // Turn 6: a topic of its own is a new question.
    let (_, new) = said(
        &bot.mock,
        thread,
        &format!("<@{BOT_ID}> what about service mesh security?"),
        true,
    );
    bot.mock.dispatch("MESSAGE_CREATE", new);
    nth_post(&bot.mock, thread, 5).await;
    let rec = state_after(&bot, thread, 6).await;
    assert_eq!(rec.question, "what about service mesh security?");
    assert_eq!((rec.turns, rec.year), (6, None));

    // Thanks, addressed to the bot, ask nothing: no answer, no turn.
    let (_, thanks) = said(
        &bot.mock,
        thread,
        &format!("<@{BOT_ID}> great, thanks!"),
        true,
    );
    bot.mock.dispatch("MESSAGE_CREATE", thanks);
    settle().await;
    assert_eq!(posts_in(&bot.mock, thread).len(), 6);
    assert_eq!(bot.store().thread(thread).unwrap().unwrap().turns, 6);

    // Past qa.thread_days (14) the thread is forgotten: no answer.
    clock.set("2026-12-07T10:00:00Z");
    let (_, late) = said(
        &bot.mock,
        thread,
        &format!("<@{BOT_ID}> the first one"),
        true,
    );
    bot.mock.dispatch("MESSAGE_CREATE", late);
    settle().await;
    let posts = posts_in(&bot.mock, thread);
    // Shown with a failure: the conversation as the thread has it.
    for p in &posts {
        println!("{:?} {:?}", p["content"].as_str(), titles(p));
    }
    assert_eq!(posts.len(), 6);
    validate_all(&bot.mock);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_message_content_follow_ups_need_no_mention_but_chatter_is_left_alone() {
    let notes = common::root().join("notes");
    let bot = start_bot(&notes, FakeClock::at("2026-11-22T10:00:00Z"), |c| {
        c.qa.message_content = true;
        c.qa.channels = vec![CHANNEL_ID];
    })
    .await;
    let (thread, q) = said(&bot.mock, CHANNEL_ID, "which talks covered ebpf?", false);
    bot.mock.dispatch("MESSAGE_CREATE", q);
    let first = nth_post(&bot.mock, thread, 0).await;
    state_after(&bot, thread, 1).await;
    let (_, chatter) = said(&bot.mock, thread, "lunch is here", false);
    bot.mock.dispatch("MESSAGE_CREATE", chatter);
    let (_, pick) = said(&bot.mock, thread, "the first one", false);
    bot.mock.dispatch("MESSAGE_CREATE", pick);
    let picked = nth_post(&bot.mock, thread, 1).await;
    assert_eq!(titles(&picked), titles(&first)[..1], "{picked:#}");
    settle().await;
    assert_eq!(posts_in(&bot.mock, thread).len(), 2);
    validate_all(&bot.mock);
}
