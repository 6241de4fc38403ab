//! Faults through the mock Discord, end to end: the gateway drops or is
//! told to reconnect, the session is invalidated, REST answers 429 with
//! Retry-After or 5xx, an interaction token expires before a slow reply.
//! In each case the bot carries on: it resumes or identifies again, retries
//! what is safe to retry (exactly once in the channel), logs what cannot be
//! delivered, and answers the next command.

use crate::common;
use crate::mock_discord;

use mock_discord::harness::*;
use mock_discord::{message, user, Fault, Kill, MockDiscord, Recorded, BOT_ID, CHANNEL_ID};
use mock_discord::{GUILD_ID, USER_ID};
use serde_json::{json, Value};
use std::time::Duration;

const MANAGE_CHANNELS: &str = "16";
const MANAGE_GUILD: &str = "32";
const CHANNEL_POSTS: &str = "POST /api/v10/channels/1100000000000000004/messages$";

fn shipped() -> std::path::PathBuf {
    common::root().join("notes")
}

fn sub(name: &str, options: Vec<Value>) -> Vec<Value> {
    vec![json!({"name": name, "type": 1, "options": options})]
}

/// Dispatch `/ask question` and return the interaction's id (not waiting).
fn ask(mock: &MockDiscord, question: &str) -> u64 {
    let data = json!({"id": cmd_id("ask"), "name": "ask", "type": 1,
        "options": [option("question", 3, json!(question))]});
    let (id, payload) = interaction(mock, 2, data, "0");
    mock.dispatch("INTERACTION_CREATE", payload);
    id
}

/// The bot answers a command now: proof it is alive and connected.
async fn answers(bot: &Bot) {
    let body = command(bot, "conferences", vec![]).await;
    assert_eq!(body["type"], 4, "{body:#}");
    assert_no_pings(&body);
}

fn requests_to(mock: &MockDiscord, method: &str, path_part: &str) -> Vec<Recorded> {
    let rs = mock.requests().into_iter();
    rs.filter(|r| r.method == method && r.path.contains(path_part))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bot_resumes_after_the_gateway_drops_and_answers_what_it_missed() {
    let bot = start().await;
    answers(&bot).await;

    // The TCP connection goes, with no close frame. An /ask sent meanwhile
    // is kept in the session and replayed when the bot resumes.
    bot.mock.kill_gateway(Kill::Abrupt);
    let missed = ask(&bot.mock, "ebpf");
    bot.mock
        .wait_until("a RESUME", |m| m.resumes().len() == 1)
        .await;
    let resume = &bot.mock.resumes()[0];
    assert_eq!(resume["session_id"], "mock-session-1");
    assert!(resume["seq"].as_u64().unwrap() >= 2, "{resume}");
    let body = callback(&bot.mock, missed).await;
    assert!(
        body["data"]["embeds"]
            .as_array()
            .is_some_and(|e| !e.is_empty()),
        "the missed /ask is answered: {body:#}"
    );
    answers(&bot).await;

    // A close frame with 4000 (unknown error): resumed again.
    bot.mock.kill_gateway(Kill::Code(4000));
    bot.mock
        .wait_until("a second RESUME", |m| m.resumes().len() == 2)
        .await;
    answers(&bot).await;
    assert_eq!(
        bot.mock.identifies().len(),
        1,
        "resumed, never re-identified"
    );

    // Discord no longer knows the session: the bot identifies again.
    bot.mock.refuse_resume(true);
    bot.mock.kill_gateway(Kill::Abrupt);
    bot.mock
        .wait_until("a new IDENTIFY", |m| m.identifies().len() == 2)
        .await;
    assert_eq!(bot.mock.resumes().len(), 3);
    answers(&bot).await;
    validate_all(&bot.mock);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconnect_and_invalid_session_make_the_bot_resume_or_identify_again() {
    let bot = start().await;
    answers(&bot).await;
    let registrations = requests_to(&bot.mock, "PUT", "/commands").len();

    // RECONNECT (op 7): resume on a new connection.
    bot.mock.request_reconnect();
    bot.mock
        .wait_until("a RESUME", |m| m.resumes().len() == 1)
        .await;
    answers(&bot).await;

    // INVALID_SESSION, not resumable: a new IDENTIFY with the same intents.
    bot.mock.invalidate_session(false);
    bot.mock
        .wait_until("a second IDENTIFY", |m| m.identifies().len() == 2)
        .await;
    let ids = bot.mock.identifies();
    assert_eq!(ids[1]["intents"], ids[0]["intents"]);
    assert!(ids[1]["intents"].as_u64().unwrap() > 0);
    assert!(ids[1]["token"] == ids[0]["token"], "the same token");
    assert_eq!(bot.mock.resumes().len(), 1, "no resume of a dead session");
    answers(&bot).await;
    assert_eq!(
        requests_to(&bot.mock, "PUT", "/commands").len(),
        registrations,
        "the commands are not registered again"
    );
    validate_all(&bot.mock);
}

/// The callback requests of one interaction, in order.
fn callbacks(mock: &MockDiscord, id: u64) -> Vec<Recorded> {
    requests_to(mock, "POST", &format!("/interactions/{id}/"))
}

/// Subscribe this channel to a daily digest at 12:00 UTC.
async fn subscribe(bot: &Bot) {
    let options = vec![
        json!({"name": "time", "type": 3, "value": "12:00"}),
        json!({"name": "timezone", "type": 3, "value": "UTC"}),
    ];
    let ok = command_as(bot, "digest", sub("subscribe", options), MANAGE_CHANNELS).await;
    let text = ok["data"]["content"].as_str().unwrap_or("");
    assert!(text.contains("Subscribed"), "{ok:#}");
}

/// The digest messages in the channel's history (what users see): their
/// last embed's footer names them, as history keeps no nonce.
fn digests_in_channel(mock: &MockDiscord) -> Vec<Value> {
    digests_in(mock, CHANNEL_ID)
}

/// Wait until today's digest is recorded as sent; returns the record.
async fn sent_digest(bot: &Bot) -> confnotes::store::PostRecord {
    let store = bot.store();
    bot.mock
        .wait_until("the digest recorded as sent", |_| has_sent_digest(&*store))
        .await;
    store.last_posts().unwrap().remove(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_are_waited_out_for_their_retry_after() {
    let clock = FakeClock::at("2026-11-22T10:00:00Z");
    let bot = start_bot(&shipped(), clock.clone(), |_| {}).await;

    // An answer: its callback gets a 429 for 0.4 s, then goes through.
    let wait = Duration::from_millis(400);
    bot.mock
        .inject_on("/api/v10/interactions/", Fault::RateLimitedFor(wait));
    let id = ask(&bot.mock, "ebpf");
    let body = callback(&bot.mock, id).await;
    assert!(body["data"]["embeds"]
        .as_array()
        .is_some_and(|e| !e.is_empty()));
    assert_no_pings(&body);
    let tries = callbacks(&bot.mock, id);
    assert_eq!(
        tries.iter().map(|r| r.status).collect::<Vec<_>>(),
        [429, 204]
    );
    assert!(
        tries[1].at.duration_since(tries[0].at) >= wait,
        "retried after {:?}, before Retry-After",
        tries[1].at.duration_since(tries[0].at)
    );
    assert_eq!(tries[0].body, tries[1].body, "the same answer again");

    // A digest post: rate limited once, posted once, one attempt on record.
    subscribe(&bot).await;
    let wait = Duration::from_millis(300);
    bot.mock
        .inject_on(CHANNEL_POSTS, Fault::RateLimitedFor(wait));
    clock.set("2026-11-22T12:00:05Z");
    let record = sent_digest(&bot).await;
    let posts = requests_to(&bot.mock, "POST", "/channels/1100000000000000004/messages");
    assert_eq!(posts.len(), 2, "one 429, one retry");
    assert_eq!(posts[0].status, 429);
    assert!(posts[1].at.duration_since(posts[0].at) >= wait);
    assert_no_pings(posts[1].body.as_ref().unwrap());
    let in_channel = digests_in_channel(&bot.mock);
    assert_eq!(in_channel.len(), 1);
    assert_eq!(record.attempts, 1, "serenity's retry is one attempt");
    assert_eq!(
        record.message_id,
        in_channel[0]["id"].as_str().unwrap().parse().ok()
    );
    validate_all(&bot.mock);
}

/// A user's question mentioning the bot in the Q&A channel.
fn mention(mock: &MockDiscord, text: &str) -> u64 {
    let id = mock.next_id();
    let mut m = message(id, CHANNEL_ID, user(USER_ID, "alice", false), text);
    m["guild_id"] = json!(GUILD_ID.to_string());
    m["mentions"] = json!([user(BOT_ID, "confnotes", true)]);
    mock.dispatch("MESSAGE_CREATE", m);
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_are_retried_and_each_post_arrives_once() {
    let clock = FakeClock::at("2026-11-22T10:00:00Z");
    let bot = start_bot(&shipped(), clock.clone(), |_| {}).await;

    // A digest post that reached the channel but whose answer was lost
    // (502): retried with its enforced nonce, it is in the channel once.
    subscribe(&bot).await;
    bot.mock.inject_on(CHANNEL_POSTS, Fault::LostResponse);
    clock.set("2026-11-22T12:00:05Z");
    let record = sent_digest(&bot).await;
    let posts = requests_to(&bot.mock, "POST", "/channels/1100000000000000004/messages");
    assert_eq!(
        posts.iter().map(|r| r.status).collect::<Vec<_>>(),
        [502, 200]
    );
    assert_eq!(posts[0].body, posts[1].body, "the same post, same nonce");
    assert_eq!(posts[1].body.as_ref().unwrap()["enforce_nonce"], true);
    let in_channel = digests_in_channel(&bot.mock);
    assert_eq!(
        in_channel.len(),
        1,
        "once in the channel, not zero or twice"
    );
    assert_eq!(record.attempts, 1, "retried within one attempt");
    assert_eq!(
        record.message_id,
        in_channel[0]["id"].as_str().unwrap().parse().ok()
    );

    // A Q&A question: the thread fails once (500, nothing made), the answer
    // is made but its response lost (502). One thread, one answer in it.
    let on = command_as(&bot, "qa", sub("enable", vec![]), MANAGE_CHANNELS).await;
    assert_eq!(on["type"], 4);
    bot.mock.inject_on("/threads$", Fault::ServerError);
    bot.mock.inject_on("/messages$", Fault::LostResponse);
    let q = mention(
        &bot.mock,
        &format!("<@{BOT_ID}> how do I run webassembly on kubernetes?"),
    );
    let thread_posts = format!("/channels/{q}/messages");
    bot.mock
        .wait_for("the retried answer", |r| {
            r.path.ends_with(&thread_posts) && r.status == 200
        })
        .await;
    let made = requests_to(&bot.mock, "POST", &format!("/messages/{q}/threads"));
    assert_eq!(
        made.iter().map(|r| r.status).collect::<Vec<_>>(),
        [500, 201]
    );
    let replies = requests_to(&bot.mock, "POST", &thread_posts);
    assert_eq!(
        replies.iter().map(|r| r.status).collect::<Vec<_>>(),
        [502, 200]
    );
    let reply = replies[1].body.as_ref().unwrap();
    assert_eq!(reply["nonce"], format!("qa{q}"));
    assert_eq!(reply["enforce_nonce"], true);
    assert_no_pings(reply);
    assert_eq!(
        bot.mock.channel_messages(q).len(),
        1,
        "one answer in the thread"
    );

    // The thread is made but its response lost: the retry is told it
    // exists, and the answer still goes into it.
    bot.mock.inject_on("/threads$", Fault::LostResponse);
    let q2 = mention(&bot.mock, &format!("<@{BOT_ID}> who talked about ebpf?"));
    let thread_posts = format!("/channels/{q2}/messages");
    bot.mock
        .wait_for("the answer in the thread", |r| {
            r.path.ends_with(&thread_posts)
        })
        .await;
    let made = requests_to(&bot.mock, "POST", &format!("/messages/{q2}/threads"));
    assert_eq!(
        made.iter().map(|r| r.status).collect::<Vec<_>>(),
        [502, 400]
    );
    assert_eq!(bot.mock.channel_messages(q2).len(), 1);
    assert!(
        digests_in_channel(&bot.mock).len() == 1
            && bot.mock.channel_messages(CHANNEL_ID).len() == 1,
        "nothing answered in the channel itself"
    );
    answers(&bot).await;
    validate_all(&bot.mock);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_interaction_token_is_logged_and_the_bot_keeps_answering() {
    let clock = FakeClock::at("2026-11-22T10:00:00Z");
    let bot = start_bot(&shipped(), clock.clone(), |_| {}).await;
    subscribe(&bot).await;

    // /digest now defers, posts, then sends its report as a follow-up: by
    // then the token has expired (401, 50027; or 404 Unknown Webhook).
    for (fault, status) in [(Fault::ExpiredToken, 401), (Fault::UnknownWebhook, 404)] {
        bot.mock.inject_on("/api/v10/webhooks/", fault);
        let data = json!({"id": cmd_id("digest"), "name": "digest", "type": 1, "options": sub("now", vec![])});
        let (id, payload) = interaction(&bot.mock, 2, data, MANAGE_GUILD);
        let token = payload["token"].as_str().unwrap().to_string();
        bot.mock.dispatch("INTERACTION_CREATE", payload);
        let deferred = callback(&bot.mock, id).await;
        assert_eq!(deferred["type"], 5, "{deferred:#}");
        bot.mock
            .wait_for("the failed edit", |r| {
                r.path.contains(&token) && r.status == status
            })
            .await;
        let needle = format!("interaction={id}");
        bot.mock
            .wait_until("the warning", |_| !logged(&needle).is_empty())
            .await;
        let line = logged(&needle).remove(0);
        assert!(
            line.contains("WARN") && line.contains("token expired"),
            "{line}"
        );
        assert!(!line.contains(&token), "no token in the log: {line}");
        // Nothing more is sent with a token that cannot work.
        tokio::time::sleep(Duration::from_millis(200)).await;
        let with_token = bot.mock.requests().into_iter();
        assert_eq!(with_token.filter(|r| r.path.contains(&token)).count(), 2);
        answers(&bot).await;
    }
    // The digest itself went out, once.
    assert_eq!(digests_in_channel(&bot.mock).len(), 1);
    validate_all(&bot.mock);
}

/// Chatter in the channel: `n` messages from a user, after everything else.
fn chatter(mock: &MockDiscord, n: usize) {
    for i in 0..n {
        let mut m = message(
            mock.next_id(),
            CHANNEL_ID,
            user(USER_ID, "alice", false),
            &format!("talk {i}"),
        );
        m["guild_id"] = json!(GUILD_ID.to_string());
        mock.seed_message(CHANNEL_ID, m);
    }
}

/// Today's digest for the subscription at 12:00 UTC is started at 12:00:05
/// and its request meets `fault`; the bot is stopped while it waits, and
/// started again an hour later, when Discord no longer honours the nonce
/// and 150 messages have been written in the channel since.
async fn digest_interrupted_then_restarted_an_hour_later(fault: Fault) -> Bot {
    let clock = FakeClock::at("2026-11-22T10:00:00Z");
    let bot = start_bot(&shipped(), clock.clone(), |_| {}).await;
    subscribe(&bot).await;
    bot.mock.inject_on(CHANNEL_POSTS, fault);
    clock.set("2026-11-22T12:00:05Z");
    bot.mock
        .wait_for("the digest post", |r| {
            r.method == "POST" && r.path == "/api/v10/channels/1100000000000000004/messages"
        })
        .await;
    let pending = bot.store().pending_posts().unwrap();
    assert_eq!(pending.len(), 1, "recorded before it was sent");
    bot.mock.set_nonce_window(Duration::ZERO);
    chatter(&bot.mock, 150);
    clock.set("2026-11-22T13:00:05Z");
    bot.restart().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_digest_whose_answer_was_lost_is_found_by_its_footer_an_hour_later() {
    // Discord made the message; the answer never reached the bot.
    let bot =
        digest_interrupted_then_restarted_an_hour_later(Fault::Slow(Duration::from_secs(60))).await;
    let record = sent_digest(&bot).await;
    let in_channel = digests_in_channel(&bot.mock);
    assert_eq!(in_channel.len(), 1, "found, not posted again");
    assert_eq!(
        record.message_id,
        in_channel[0]["id"].as_str().unwrap().parse().ok()
    );
    // 150 newer messages: found on the second page of the history.
    let lookups = requests_to(&bot.mock, "GET", "/channels/1100000000000000004/messages");
    assert!(
        lookups.iter().any(|r| r.query.contains("before=")),
        "{:?}",
        lookups.iter().map(|r| &r.query).collect::<Vec<_>>()
    );
    assert_eq!(
        requests_to(&bot.mock, "POST", "/channels/1100000000000000004/messages").len(),
        1
    );
    validate_all(&bot.mock);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_digest_that_never_reached_discord_is_sent_once_an_hour_later() {
    let bot =
        digest_interrupted_then_restarted_an_hour_later(Fault::Stalled(Duration::from_secs(60)))
            .await;
    let record = sent_digest(&bot).await;
    let in_channel = digests_in_channel(&bot.mock);
    assert_eq!(in_channel.len(), 1, "sent after the restart, once");
    assert_eq!(
        record.message_id,
        in_channel[0]["id"].as_str().unwrap().parse().ok()
    );
    // The whole history was read before sending again.
    let lookups = requests_to(&bot.mock, "GET", "/channels/1100000000000000004/messages");
    assert!(lookups.len() >= 2, "{lookups:?}");
    validate_all(&bot.mock);
}
