//! Running the bot under test against the mock: start and restart it,
//! send it commands, clicks and messages, and check every body it sent
//! against Discord's OpenAPI spec.

use super::{
    guild_of_channel, message, tls_root, user, MockDiscord, Recorded, APP_ID, BOT_ID,
    BOT_PERMISSIONS, CHANNEL_ID, GUILD_ID, USER_ID,
};
use crate::common;
use chrono::{DateTime, Utc};
use confnotes::answer::Engine;
use confnotes::bot::{build_client, Options};
use confnotes::config::Config;
use confnotes::digest::runner::Clock;
use confnotes::index::Silent;
use confnotes::store::{SqliteStore, StateStore};
use poise::serenity_prelude as serenity;
use serde_json::{json, Value};
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

pub const MANAGE_GUILD: &str = "32";

pub struct Bot {
    pub mock: MockDiscord,
    pub config: Config,
    pub clock: Arc<FakeClock>,
    pub tmp: Arc<tempfile::TempDir>,
    shards: Arc<serenity::ShardManager>,
    task: tokio::task::JoinHandle<()>,
}

/// A clock the test sets.
pub struct FakeClock(Mutex<DateTime<Utc>>);

impl FakeClock {
    pub fn at(t: &str) -> Arc<FakeClock> {
        Arc::new(FakeClock(Mutex::new(t.parse().expect("an RFC 3339 time"))))
    }
    pub fn set(&self, t: &str) {
        *self.0.lock().unwrap() = t.parse().expect("an RFC 3339 time");
    }
}

impl Clock for FakeClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

/// The log of every bot in this test process, as the test output shows it.
static LOGS: Mutex<String> = Mutex::new(String::new());

/// Log to the test's output and to [`logs`].
fn init_logs() {
    struct Tee;
    impl std::io::Write for Tee {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            let text = String::from_utf8_lossy(buf);
            print!("{text}");
            LOGS.lock()
                .unwrap_or_else(|e| e.into_inner())
                .push_str(&text);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("warn,confnotes=debug"))
        .with_ansi(false)
        .with_writer(|| Tee)
        .try_init();
}

/// Log lines so far (of every test in this process) that contain `needle`.
pub fn logged(needle: &str) -> Vec<String> {
    let logs = LOGS.lock().unwrap_or_else(|e| e.into_inner());
    logs.lines()
        .filter(|l| l.contains(needle))
        .map(str::to_string)
        .collect()
}

/// How often the bot under test checks for due digests.
pub const DIGEST_CHECK: Duration = Duration::from_millis(40);

pub async fn start_with(notes: &Path) -> Bot {
    start_configured(notes, 0).await
}

pub async fn start_configured(notes: &Path, cooldown_seconds: u64) -> Bot {
    start_bot(notes, FakeClock::at("2026-11-22T10:00:00Z"), |c| {
        c.discord.cooldown_seconds = cooldown_seconds
    })
    .await
}

/// Start the bot on `notes` with its state in a fresh directory.
pub async fn start_bot(notes: &Path, clock: Arc<FakeClock>, tune: impl FnOnce(&mut Config)) -> Bot {
    init_logs();
    let mock = MockDiscord::start().await;
    let tmp = Arc::new(tempfile::tempdir().unwrap());
    let mut config = Config {
        notes_dir: notes.to_path_buf(),
        data_dir: tmp.path().to_path_buf(),
        synonyms_file: common::root().join("config/synonyms.toml"),
        ..Config::default()
    };
    config.discord.guild_ids = vec![GUILD_ID];
    config.discord.cooldown_seconds = 0;
    // Tests re-index explicitly; the ones about live notes turn this on.
    config.index.watch = false;
    tune(&mut config);
    launch(mock, config, clock, tmp).await
}

async fn launch(
    mock: MockDiscord,
    config: Config,
    clock: Arc<FakeClock>,
    tmp: Arc<tempfile::TempDir>,
) -> Bot {
    let registrations = mock.requests().iter().filter(|r| r.method == "PUT").count();
    let (engine, _) = Engine::open(&config, &Silent).unwrap();
    let store = Arc::new(SqliteStore::open(&config.state_path()).unwrap());
    // Production's configuration: https://discord.com (here the mock, over
    // TLS) with serenity's rate limiter on.
    let options = Options {
        api_base: None,
        tls_route: Some((mock.tls_addr, tls_root())),
        clock: Arc::clone(&clock) as Arc<dyn Clock>,
        digest_check: Some(DIGEST_CHECK),
    };
    let mut client = build_client(&config, "test-token", engine, store, &options)
        .await
        .unwrap();
    let shards = Arc::clone(&client.shard_manager);
    let task = tokio::spawn(async move {
        if let Err(e) = client.start().await {
            eprintln!("client stopped: {e}");
        }
    });
    mock.wait_ready().await;
    mock.wait_for("command registration", |_| {
        mock.requests().iter().filter(|r| r.method == "PUT").count() > registrations
    })
    .await;
    Bot {
        mock,
        config,
        clock,
        tmp,
        shards,
        task,
    }
}

impl Bot {
    /// Stop the bot (as a crash or a deploy would) and start a new process's
    /// worth of it on the same state, notes and mock Discord.
    pub async fn restart(self) -> Bot {
        self.shards.shutdown_all().await;
        let _ = tokio::time::timeout(Duration::from_secs(10), self.task).await;
        self.mock.drop_gateway();
        launch(self.mock, self.config, self.clock, self.tmp).await
    }

    /// The state file, opened as `confnotes state` would.
    pub fn store(&self) -> Box<dyn StateStore> {
        Box::new(SqliteStore::open(&self.config.state_path()).unwrap())
    }
}

pub async fn start() -> Bot {
    start_with(&common::root().join("notes")).await
}

pub fn member(permissions: &str) -> Value {
    json!({"user": user(USER_ID, "alice", false), "roles": [], "deaf": false, "mute": false, "flags": 0,
           "joined_at": "2024-01-01T00:00:00.000000+00:00", "permissions": permissions})
}

pub fn interaction(mock: &MockDiscord, kind: u8, data: Value, permissions: &str) -> (u64, Value) {
    interaction_in(mock, CHANNEL_ID, kind, data, permissions)
}

/// An interaction in one of the mock's channels (and so its guild).
pub fn interaction_in(
    mock: &MockDiscord,
    channel: u64,
    kind: u8,
    data: Value,
    permissions: &str,
) -> (u64, Value) {
    let id = mock.next_id();
    let token = format!("tok-{id}");
    let guild = guild_of_channel(channel);
    let payload = json!({
        "id": id.to_string(), "application_id": APP_ID.to_string(), "type": kind, "token": token, "version": 1,
        "channel_id": channel.to_string(), "guild_id": guild.to_string(), "locale": "en-US",
        "guild_locale": "en-US", "entitlements": [], "attachment_size_limit": 8_388_608,
        "app_permissions": BOT_PERMISSIONS, "member": member(permissions), "data": data
    });
    (id, payload)
}

pub fn option(name: &str, kind: u8, value: Value) -> Value {
    json!({"name": name, "type": kind, "value": value})
}

/// Run a slash command; returns the body of its interaction callback.
pub async fn command(bot: &Bot, name: &str, options: Vec<Value>) -> Value {
    command_as(bot, name, options, "0").await
}

pub async fn command_as(bot: &Bot, name: &str, options: Vec<Value>, permissions: &str) -> Value {
    let data = json!({"id": cmd_id(name), "name": name, "type": 1, "options": options});
    let (id, payload) = interaction(&bot.mock, 2, data, permissions);
    bot.mock.dispatch("INTERACTION_CREATE", payload);
    callback(&bot.mock, id).await
}

pub fn cmd_id(name: &str) -> String {
    (1_300_000_000_000_000_000u64 + name.bytes().map(u64::from).sum::<u64>()).to_string()
}

pub async fn callback(mock: &MockDiscord, id: u64) -> Value {
    let needle = format!("/interactions/{id}/");
    let r = mock
        .wait_for(&format!("callback of interaction {id}"), |r| {
            r.path.contains(&needle) && r.status < 300
        })
        .await;
    r.body.unwrap()
}

/// A filled form (MODAL_SUBMIT, interaction type 5) as Discord sends it:
/// each text input in an action row of its own, with its value.
pub fn form_submit(
    mock: &MockDiscord,
    custom_id: &str,
    fields: &[(&str, &str)],
    permissions: &str,
) -> (u64, Value) {
    let rows: Vec<Value> = fields
        .iter()
        .map(|(id, value)| {
            json!({"type": 1, "components": [{"type": 4, "custom_id": id, "value": value}]})
        })
        .collect();
    let data = json!({"custom_id": custom_id, "components": rows});
    interaction(mock, 5, data, permissions)
}

/// Send a filled form; returns the body of its interaction callback.
pub async fn submit(bot: &Bot, payload: (u64, Value)) -> Value {
    let (id, payload) = payload;
    bot.mock.dispatch("INTERACTION_CREATE", payload);
    callback(&bot.mock, id).await
}

/// The edit of an interaction's deferred answer (its `@original` message).
pub async fn original_edit(mock: &MockDiscord, id: u64) -> Value {
    let needle = format!("/webhooks/{}/tok-{id}/messages/@original", super::APP_ID);
    let r = mock
        .wait_for(&format!("the answer to interaction {id}"), |r| {
            r.path.contains(&needle) && r.method == "PATCH" && r.status < 300
        })
        .await;
    r.body.unwrap()
}

/// Click a button on a message the bot sent.
pub async fn click(bot: &Bot, custom_id: &str, ephemeral: bool) -> Value {
    click_on(&bot.mock, custom_id, ephemeral).await
}

/// [`click`], for a bot that is not a [`Bot`] (a `serve` process).
pub async fn click_on(mock: &MockDiscord, custom_id: &str, ephemeral: bool) -> Value {
    let mut msg = message(
        mock.next_id(),
        CHANNEL_ID,
        user(BOT_ID, "confnotes", true),
        "",
    );
    msg["flags"] = json!(if ephemeral { 64 } else { 0 });
    let data = json!({"custom_id": custom_id, "component_type": 2});
    let (id, mut payload) = interaction(mock, 3, data, "0");
    payload["message"] = msg;
    mock.dispatch("INTERACTION_CREATE", payload);
    callback(mock, id).await
}

pub fn buttons(body: &Value) -> Vec<(String, String, bool)> {
    body["data"]["components"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
        .map(|b| {
            (
                b["label"].as_str().unwrap_or("").to_string(),
                b["custom_id"].as_str().unwrap_or("").to_string(),
                b["disabled"].as_bool().unwrap_or(false),
            )
        })
        .collect()
}

pub fn embed_titles(body: &Value) -> Vec<String> {
    body["data"]["embeds"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| e["title"].as_str().unwrap_or("").to_string())
        .collect()
}

// ---- validation against Discord's OpenAPI spec -----------------------------

pub struct Spec {
    doc: Value,
    validators: std::sync::Mutex<std::collections::HashMap<String, jsonschema::Validator>>,
}

pub fn spec() -> Option<&'static Spec> {
    static SPEC: OnceLock<Option<Spec>> = OnceLock::new();
    SPEC.get_or_init(|| {
        let path = common::root().join("../shared/discord-api-spec/openapi.json");
        let text = std::fs::read_to_string(&path).ok()?;
        Some(Spec {
            doc: serde_json::from_str(&text).unwrap(),
            validators: Default::default(),
        })
    })
    .as_ref()
}

/// The schema reference for a request, by route and (for callbacks) type.
pub fn schema_for(r: &Recorded) -> Option<Value> {
    let p: Vec<&str> = r.path.trim_start_matches("/api/v10/").split('/').collect();
    let name = |n: &str| json!({"$ref": format!("#/components/schemas/{n}")});
    Some(match (r.method.as_str(), p.as_slice()) {
        ("POST", ["interactions", _, _, "callback"]) => match r.body.as_ref()?["type"].as_u64()? {
            4 | 5 => name("CreateMessageInteractionCallbackRequest"),
            6 | 7 => name("UpdateMessageInteractionCallbackRequest"),
            8 => name("ApplicationCommandAutocompleteCallbackRequest"),
            9 => name("ModalInteractionCallbackRequest"),
            t => panic!("unexpected callback type {t}"),
        },
        ("PATCH", ["webhooks", _, _, "messages", _]) => name("IncomingWebhookUpdateRequestPartial"),
        ("POST", ["webhooks", _, _]) => name("IncomingWebhookRequestPartial"),
        ("POST", ["channels", _, "messages"]) => name("MessageCreateRequest"),
        ("POST", ["channels", _, "messages", _, "threads"]) => {
            name("CreateTextThreadWithMessageRequest")
        }
        ("PUT", ["applications", .., "commands"]) => {
            json!({"type": "array", "items": {"$ref": "#/components/schemas/ApplicationCommandUpdateRequest"}, "maxItems": 130})
        }
        _ => return None,
    })
}

/// Discord documents permission sets as strings ("32") and its API takes
/// them so, but the published spec types `default_member_permissions` as an
/// integer. Read the string as the number it is before validating.
pub fn normalize_permissions(body: &mut Value) {
    if let Some(cmds) = body.as_array_mut() {
        for c in cmds {
            if let Some(p) = c
                .get("default_member_permissions")
                .and_then(Value::as_str)
                .and_then(|s| s.parse::<u64>().ok())
            {
                c["default_member_permissions"] = json!(p);
            }
        }
    }
}

/// Every body the bot sent must be one Discord accepts.
pub fn validate_all(mock: &MockDiscord) {
    let Some(spec) = spec() else {
        common::skipped(
            "validating request bodies against Discord's OpenAPI spec",
            "../shared/discord-api-spec/openapi.json is absent",
        );
        return;
    };
    for r in mock.requests() {
        let (Some(mut body), Some(mut schema)) = (r.body.clone(), schema_for(&r)) else {
            continue;
        };
        normalize_permissions(&mut body);
        let key = schema.to_string();
        let mut cache = spec.validators.lock().unwrap_or_else(|e| e.into_inner());
        let validator = cache.entry(key).or_insert_with(|| {
            schema["components"] = spec.doc["components"].clone();
            jsonschema::draft202012::new(&schema).expect("the spec compiles")
        });
        let errors: Vec<String> = validator
            .iter_errors(&body)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{} {} is not valid for Discord:\n{}\nbody: {body:#}",
            r.method,
            r.path,
            errors.join("\n")
        );
    }
}

/// True once the state holds a digest post marked sent.
pub fn has_sent_digest(store: &dyn StateStore) -> bool {
    let posts = store.last_posts().unwrap();
    posts
        .iter()
        .any(|p| p.state == confnotes::store::PostState::Sent)
}

/// The digests in a channel's history: messages whose last embed's footer
/// carries a digest reference ("Daily digest · ref cnd…").
pub fn digests_in(mock: &MockDiscord, channel: u64) -> Vec<Value> {
    mock.channel_messages(channel)
        .into_iter()
        .filter(|m| {
            m["embeds"]
                .as_array()
                .and_then(|e| e.last())
                .is_some_and(|e| {
                    e["footer"]["text"]
                        .as_str()
                        .is_some_and(|t| t.contains("· ref cnd"))
                })
        })
        .collect()
}

pub fn assert_no_pings(body: &Value) {
    let data = if body.get("data").is_some() {
        &body["data"]
    } else {
        body
    };
    assert_eq!(
        data["allowed_mentions"]["parse"],
        json!([]),
        "allowed_mentions must be parse: [] in {body:#}"
    );
}
