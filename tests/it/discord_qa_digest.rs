//! Q&A channels and daily digests end to end: the real client against the
//! mock Discord, with a clock the test sets and restarts on the same state.

use crate::common;
use crate::mock_discord;

use mock_discord::harness::*;
use mock_discord::{message, user, MockDiscord, Recorded, BOT_ID, CHANNEL_ID, GUILD_ID, USER_ID};
use serde_json::{json, Value};
use std::time::Duration;

const MANAGE_CHANNELS: &str = "16";
const MESSAGE_CONTENT_INTENT: u64 = 1 << 15;

fn shipped() -> std::path::PathBuf {
    common::root().join("notes")
}

fn sub(name: &str, options: Vec<Value>) -> Vec<Value> {
    vec![json!({"name": name, "type": 1, "options": options})]
}

fn text(body: &Value) -> String {
    body["data"]["content"].as_str().unwrap_or("").to_string()
}

/// A user's message in the Q&A channel, optionally mentioning the bot.
fn question(mock: &MockDiscord, author: Value, content: &str, mention: bool) -> (u64, Value) {
    let id = mock.next_id();
    let mut m = message(id, CHANNEL_ID, author, content);
    m["guild_id"] = json!(GUILD_ID.to_string());
    if mention {
        m["mentions"] = json!([user(BOT_ID, "confnotes", true)]);
    }
    (id, m)
}

fn is_thread_for(r: &Recorded, message: u64) -> bool {
    r.method == "POST"
        && r.path.ends_with(&format!(
            "/channels/{CHANNEL_ID}/messages/{message}/threads"
        ))
}

fn threads(mock: &MockDiscord) -> usize {
    mock.requests()
        .iter()
        .filter(|r| r.path.ends_with("/threads"))
        .count()
}

/// The answer posted in a thread (any channel but the Q&A channel itself).
async fn answer_in_thread(mock: &MockDiscord, nth: usize) -> Recorded {
    let answers = |mock: &MockDiscord| -> Vec<Recorded> {
        mock.requests()
            .into_iter()
            .filter(|r| {
                r.method == "POST"
                    && r.path.starts_with("/api/v10/channels/")
                    && r.path.ends_with("/messages")
                    && !r.path.contains(&CHANNEL_ID.to_string())
            })
            .collect()
    };
    mock.wait_for("an answer in a thread", |_| answers(mock).len() > nth)
        .await;
    answers(mock).remove(nth)
}

/// Give the bot time to act on something it should ignore.
async fn settle() {
    tokio::time::sleep(Duration::from_millis(300)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mention_in_a_qa_channel_gets_a_thread_with_an_answer_once() {
    let clock = FakeClock::at("2026-11-22T10:00:00Z");
    let bot = start_bot(&shipped(), clock.clone(), |c| {
        c.qa.per_channel_per_minute = 2
    })
    .await;
    assert_eq!(
        bot.mock.intents() & MESSAGE_CONTENT_INTENT,
        0,
        "no privileged intent by default"
    );

    // Only managers may enable a channel.
    let refused = command_as(&bot, "qa", sub("enable", vec![]), "0").await;
    assert!(text(&refused).contains("Manage Channels"), "{refused:#}");
    let body = command_as(&bot, "qa", sub("enable", vec![]), MANAGE_CHANNELS).await;
    assert!(text(&body).contains("now a Q&A channel"), "{body:#}");
    assert_eq!(body["data"]["flags"], 64);

    let alice = user(USER_ID, "alice", false);
    let (qid, msg) = question(
        &bot.mock,
        alice.clone(),
        &format!("<@{BOT_ID}> what did we learn about ebpf at kubecon?"),
        true,
    );
    bot.mock.dispatch("MESSAGE_CREATE", msg.clone());
    let thread = bot
        .mock
        .wait_for("a thread on the question", |r| is_thread_for(r, qid))
        .await;
    assert_eq!(
        thread.body.as_ref().unwrap()["name"],
        "what did we learn about ebpf at kubecon?"
    );
    let answer = answer_in_thread(&bot.mock, 0).await;
    let body = answer.body.clone().unwrap();
    let titles: Vec<String> = body["embeds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["title"].as_str().unwrap_or("").to_lowercase())
        .collect();
    assert!(
        titles.iter().take(3).any(|t| t.contains("bpf")),
        "{titles:?}"
    );
    assert_eq!(body["allowed_mentions"]["parse"], json!([]));
    // A channel message has its components at the top level, not under "data".
    let buttons = buttons(&json!({ "data": body }));
    let labels: Vec<&str> = buttons.iter().map(|b| b.0.as_str()).collect();
    assert_eq!(labels, ["More", "Not helpful"]);

    // The same message again (a gateway replay): not answered twice.
    bot.mock.dispatch("MESSAGE_CREATE", msg.clone());
    // Bots, and messages that do not mention the bot, are ignored.
    let (_, from_bot) = question(
        &bot.mock,
        user(BOT_ID + 99, "otherbot", true),
        &format!("<@{BOT_ID}> what is ebpf?"),
        true,
    );
    bot.mock.dispatch("MESSAGE_CREATE", from_bot);
    let (_, plain) = question(&bot.mock, alice.clone(), "what is ebpf used for?", false);
    bot.mock.dispatch("MESSAGE_CREATE", plain);
    settle().await;
    assert_eq!(threads(&bot.mock), 1);

    // More pages; Not helpful is stored and thanked privately.
    let more = click(&bot, &buttons[0].1, false).await;
    assert_eq!(more["type"], 7, "{more:#}");
    assert!(!more["data"]["embeds"].as_array().unwrap().is_empty());
    let thanks = click(&bot, &buttons[1].1, false).await;
    assert_eq!(thanks["type"], 4);
    assert_eq!(thanks["data"]["flags"], 64);
    assert!(text(&thanks).contains("Thanks"), "{thanks:#}");
    let feedback = bot.store().feedback().unwrap();
    assert_eq!(feedback.len(), 1);
    assert_eq!(feedback[0].message_id, qid);
    assert_eq!(
        feedback[0].query.as_deref(),
        Some("what did we learn about ebpf at kubecon?")
    );
    assert!(!feedback[0].helpful);

    // Rate limit: two answers a minute in this channel.
    let (q2, m2) = question(
        &bot.mock,
        alice.clone(),
        &format!("<@{BOT_ID}> gitops with argo?"),
        true,
    );
    bot.mock.dispatch("MESSAGE_CREATE", m2);
    bot.mock
        .wait_for("the second thread", |r| is_thread_for(r, q2))
        .await;
    let (_, m3) = question(
        &bot.mock,
        alice.clone(),
        &format!("<@{BOT_ID}> service mesh?"),
        true,
    );
    bot.mock.dispatch("MESSAGE_CREATE", m3);
    settle().await;
    assert_eq!(threads(&bot.mock), 2);
    // The minute is the bot's clock's: still closed a second before it
    // ends, open again when it has.
    clock.set("2026-11-22T10:00:59Z");
    let (_, m4) = question(
        &bot.mock,
        alice.clone(),
        &format!("<@{BOT_ID}> kyverno?"),
        true,
    );
    bot.mock.dispatch("MESSAGE_CREATE", m4);
    settle().await;
    assert_eq!(threads(&bot.mock), 2);
    clock.set("2026-11-22T10:01:00Z");
    let (q5, m5) = question(
        &bot.mock,
        alice.clone(),
        &format!("<@{BOT_ID}> opentelemetry?"),
        true,
    );
    bot.mock.dispatch("MESSAGE_CREATE", m5);
    bot.mock
        .wait_for("a thread once the minute has passed", |r| {
            is_thread_for(r, q5)
        })
        .await;

    // A restart: the first question is still not answered again.
    let bot = bot.restart().await;
    bot.mock.dispatch("MESSAGE_CREATE", msg);
    settle().await;
    assert_eq!(threads(&bot.mock), 3);
    let state = confnotes::cli::state::state_text(
        &bot.store().snapshot().unwrap(),
        &confnotes::render::Style { color: false },
    );
    assert!(
        state.contains(&format!("- channel {CHANNEL_ID}")),
        "{state}"
    );
    assert!(
        state.contains("not helpful: “what did we learn about ebpf at kubecon?”"),
        "{state}"
    );
    validate_all(&bot.mock);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_message_content_any_question_in_a_qa_channel_is_answered() {
    let bot = start_bot(&shipped(), FakeClock::at("2026-11-22T10:00:00Z"), |c| {
        c.qa.message_content = true;
        c.qa.channels = vec![CHANNEL_ID];
    })
    .await;
    assert_ne!(bot.mock.intents() & MESSAGE_CONTENT_INTENT, 0);
    let alice = user(USER_ID, "alice", false);
    let (_, chatter) = question(&bot.mock, alice.clone(), "lunch is here", false);
    bot.mock.dispatch("MESSAGE_CREATE", chatter);
    let (qid, q) = question(&bot.mock, alice, "which talks covered ebpf?", false);
    bot.mock.dispatch("MESSAGE_CREATE", q);
    bot.mock
        .wait_for("a thread", |r| is_thread_for(r, qid))
        .await;
    answer_in_thread(&bot.mock, 0).await;
    settle().await;
    assert_eq!(threads(&bot.mock), 1);
    validate_all(&bot.mock);
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

async fn wait_digests(mock: &MockDiscord, n: usize) -> Vec<Value> {
    mock.wait_for(&format!("{n} digest post(s)"), |_| {
        digest_posts(mock).len() >= n
    })
    .await;
    digest_posts(mock)
}

fn session_titles(post: &Value) -> Vec<String> {
    let embeds = post["embeds"].as_array().unwrap();
    embeds[1..embeds.len() - 1]
        .iter()
        .map(|e| e["title"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_due_digest_is_posted_once_even_across_restarts() {
    let clock = FakeClock::at("2026-11-22T10:00:00Z");
    let bot = start_bot(&shipped(), clock.clone(), |_| {}).await;

    let bad = command_as(
        &bot,
        "digest",
        sub(
            "subscribe",
            vec![json!({"name": "timezone", "type": 3, "value": "Europe/Amsterdm"})],
        ),
        MANAGE_CHANNELS,
    )
    .await;
    assert!(
        text(&bad).contains("Did you mean Europe/Amsterdam?"),
        "{bad:#}"
    );
    let ok = command_as(
        &bot,
        "digest",
        sub(
            "subscribe",
            vec![
                json!({"name": "time", "type": 3, "value": "12:00"}),
                json!({"name": "timezone", "type": 3, "value": "Europe/Amsterdam"}),
            ],
        ),
        MANAGE_CHANNELS,
    )
    .await;
    // 12:00 in Amsterdam in November is 11:00 UTC.
    let first = "2026-11-22T11:00:00Z"
        .parse::<chrono::DateTime<chrono::Utc>>()
        .unwrap();
    assert!(
        text(&ok).contains(&format!("<t:{}:F>", first.timestamp())),
        "{ok:#}"
    );
    let list = command(&bot, "digest", sub("list", vec![])).await;
    let listed = list["data"]["embeds"][0]["description"].as_str().unwrap();
    assert!(
        listed.contains("12:00 Europe/Amsterdam, all sessions"),
        "{listed}"
    );

    settle().await;
    assert!(
        digest_posts(&bot.mock).is_empty(),
        "not due before 12:00 local"
    );
    clock.set("2026-11-22T11:00:05Z");
    let posts = wait_digests(&bot.mock, 1).await;
    let post = &posts[0];
    let embeds = post["embeds"].as_array().unwrap();
    assert_eq!(
        embeds[0]["title"],
        "Sessions of the day · Sunday 22 November 2026"
    );
    assert_eq!(embeds.len(), 5, "heading, 3 sessions, new: {post:#}");
    assert_eq!(embeds[4]["title"], "New in the notes");
    let nonce = post["nonce"].as_str().unwrap().to_string();
    assert!(embeds[4]["footer"]["text"]
        .as_str()
        .unwrap()
        .ends_with(&nonce));
    assert_eq!(post["enforce_nonce"], true);
    assert_eq!(post["allowed_mentions"]["parse"], json!([]));
    let day_one = session_titles(post);

    // A restart later the same day: nothing is posted again.
    clock.set("2026-11-22T15:00:00Z");
    let bot = bot.restart().await;
    settle().await;
    assert_eq!(digest_posts(&bot.mock).len(), 1);

    // Sent but not recorded as sent (a crash in between): the restarted bot
    // finds its message in the channel by the nonce and does not post again.
    {
        let conn = rusqlite::Connection::open(bot.config.state_path()).unwrap();
        let n = conn
            .execute(
                "UPDATE digest_posts SET state = 'pending', message_id = NULL",
                [],
            )
            .unwrap();
        assert_eq!(n, 1);
    }
    let bot = bot.restart().await;
    bot.mock
        .wait_for("the bot looking for its digest", |r| {
            r.method == "GET" && r.path == format!("/api/v10/channels/{CHANNEL_ID}/messages")
        })
        .await;
    settle().await;
    assert_eq!(digest_posts(&bot.mock).len(), 1);
    let posts = bot.store().posts_in(CHANNEL_ID).unwrap();
    assert_eq!(posts[0].state, confnotes::store::PostState::Sent);

    // The next day: a new digest with other sessions.
    clock.set("2026-11-23T11:00:00Z");
    let posts = wait_digests(&bot.mock, 2).await;
    let day_two = session_titles(&posts[1]);
    assert!(
        day_two.iter().all(|t| !day_one.contains(t)),
        "{day_one:?} / {day_two:?}"
    );

    // Preview is private and posts nothing; unsubscribing stops the digests.
    let preview = command(&bot, "digest", sub("preview", vec![])).await;
    assert_eq!(preview["data"]["flags"], 64);
    assert!(preview["data"]["embeds"][0]["title"]
        .as_str()
        .unwrap()
        .starts_with("Sessions of the day"));
    let gone = command_as(&bot, "digest", sub("unsubscribe", vec![]), MANAGE_CHANNELS).await;
    assert!(text(&gone).contains("Unsubscribed"), "{gone:#}");
    clock.set("2026-11-24T11:00:00Z");
    settle().await;
    assert_eq!(digest_posts(&bot.mock).len(), 2);
    validate_all(&bot.mock);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn digest_now_posts_todays_digest_early_and_only_once() {
    let clock = FakeClock::at("2026-11-22T07:00:00Z");
    let bot = start_bot(&shipped(), clock.clone(), |_| {}).await;
    command_as(
        &bot,
        "digest",
        sub(
            "subscribe",
            vec![json!({"name": "topic", "type": 3, "value": "ebpf"})],
        ),
        MANAGE_CHANNELS,
    )
    .await;
    let refused = command_as(&bot, "digest", sub("now", vec![]), MANAGE_CHANNELS).await;
    assert!(
        text(&refused).contains("Manage Server") || text(&refused).contains("permission"),
        "{refused:#}"
    );
    command_as(&bot, "digest", sub("now", vec![]), "32").await;
    let posts = wait_digests(&bot.mock, 1).await;
    let heading = posts[0]["embeds"][0]["title"].as_str().unwrap();
    assert!(heading.contains("topic “ebpf”"), "{heading}");
    // 09:00 UTC (the default time) comes: already posted today.
    clock.set("2026-11-22T09:00:00Z");
    settle().await;
    assert_eq!(digest_posts(&bot.mock).len(), 1);
    validate_all(&bot.mock);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_preview_without_a_subscription_shows_what_is_new_like_the_cli() {
    let tmp = tempfile::tempdir().unwrap();
    let notes = tmp.path().join("notes");
    std::fs::create_dir(&notes).unwrap();
    std::fs::copy(
        shipped().join("kubecon-eu-2021.md"),
        notes.join("kubecon-eu-2021.md"),
    )
    .unwrap();
    let bot = start_bot(&notes, FakeClock::at("2026-11-22T10:00:00Z"), |_| {}).await;
    // What the bot knew at start is the baseline; a note added later is new.
    std::fs::write(
        notes.join("fresh.md"),
        "# Fresh Talk - Ada Lovelace, Engines\n\nDifference engines, briefly.\n",
    )
    .unwrap();
    command_as(&bot, "reindex", vec![], "32").await;
    bot.mock
        .wait_for("the reindex report", |r| {
            r.path.contains("/webhooks/") && r.method != "GET" && r.status < 300
        })
        .await;
    let preview = command(&bot, "digest", sub("preview", vec![])).await;
    let embeds = preview["data"]["embeds"].as_array().unwrap();
    let new = embeds
        .iter()
        .find(|e| e["title"] == "New in the notes")
        .unwrap_or_else(|| panic!("{preview:#}"));
    assert!(
        new["description"].as_str().unwrap().contains("Fresh Talk"),
        "{new:#}"
    );
    validate_all(&bot.mock);
}
