//! A mock Discord on 127.0.0.1 for end-to-end tests: REST (a small HTTP/1.1
//! server) and the gateway (websocket). It records every request, answers
//! like Discord does, injects faults on demand, and lets a test push
//! gateway dispatches (interactions, messages) to the bot.
#![allow(dead_code)]

pub mod harness;

use futures_util::{SinkExt, StreamExt};
use poise::serenity_prelude as serenity;
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, Notify};
use tokio_tungstenite::tungstenite::Message as WsMessage;

pub const APP_ID: u64 = 1_100_000_000_000_000_001;
pub const BOT_ID: u64 = 1_100_000_000_000_000_002;
pub const GUILD_ID: u64 = 1_100_000_000_000_000_003;
pub const CHANNEL_ID: u64 = 1_100_000_000_000_000_004;
pub const USER_ID: u64 = 1_100_000_000_000_000_005;

#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub body: Option<Value>,
    pub status: u16,
    /// When the request arrived.
    pub at: std::time::Instant,
}

#[derive(Debug, Clone, Copy)]
pub enum Fault {
    ServerError,
    RateLimited { retry_after_secs: u64 },
}

#[derive(Default)]
struct State {
    requests: Mutex<Vec<Recorded>>,
    changed: Notify,
    faults: Mutex<VecDeque<Fault>>,
    gateway: Mutex<Option<mpsc::UnboundedSender<Value>>>,
    ready: Notify,
    identified: std::sync::atomic::AtomicBool,
    seq: AtomicU64,
    ids: AtomicU64,
    capture_dir: Option<std::path::PathBuf>,
    /// The intents of the last IDENTIFY.
    intents: AtomicU64,
    /// Messages in each channel, oldest first, as `GET .../messages` lists them.
    channels: Mutex<std::collections::HashMap<u64, Vec<Value>>>,
}

pub struct MockDiscord {
    pub api_base: String,
    pub gateway_url: String,
    state: Arc<State>,
}

impl MockDiscord {
    pub async fn start() -> MockDiscord {
        let rest = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let gw = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let api_base = format!("http://{}", rest.local_addr().unwrap());
        let gateway_url = format!("ws://{}", gw.local_addr().unwrap());
        let capture_dir = std::env::var_os("CONFNOTES_CAPTURE_DIR").map(std::path::PathBuf::from);
        if let Some(d) = &capture_dir {
            std::fs::create_dir_all(d).unwrap();
        }
        let state = Arc::new(State {
            ids: AtomicU64::new(1_200_000_000_000_000_000),
            capture_dir,
            ..State::default()
        });
        let (s, url) = (Arc::clone(&state), gateway_url.clone());
        tokio::spawn(async move {
            while let Ok((stream, _)) = rest.accept().await {
                let (s, url) = (Arc::clone(&s), url.clone());
                tokio::spawn(async move {
                    let _ = serve_http(stream, s, url).await;
                });
            }
        });
        let (s, url) = (Arc::clone(&state), gateway_url.clone());
        tokio::spawn(async move {
            while let Ok((stream, _)) = gw.accept().await {
                let (s, url) = (Arc::clone(&s), url.clone());
                tokio::spawn(async move {
                    let _ = serve_gateway(stream, s, url).await;
                });
            }
        });
        MockDiscord {
            api_base,
            gateway_url,
            state,
        }
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.state.requests.lock().unwrap().clone()
    }

    pub fn inject(&self, fault: Fault) {
        self.state.faults.lock().unwrap().push_back(fault);
    }

    pub fn next_id(&self) -> u64 {
        self.state.ids.fetch_add(1, Ordering::SeqCst)
    }

    /// Wait until a recorded request satisfies `pred`; returns it.
    pub async fn wait_for(&self, what: &str, pred: impl Fn(&Recorded) -> bool) -> Recorded {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            let notified = self.state.changed.notified();
            if let Some(r) = self.requests().into_iter().find(|r| pred(r)) {
                return r;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                let seen: Vec<String> = self
                    .requests()
                    .iter()
                    .map(|r| format!("{} {} {}", r.method, r.path, r.status))
                    .collect();
                panic!("timed out waiting for {what}; requests so far: {seen:#?}");
            }
        }
    }

    /// Wait until the bot has identified and got READY.
    pub async fn wait_ready(&self) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        while !self.state.identified.load(Ordering::SeqCst) {
            if tokio::time::timeout_at(deadline, self.state.ready.notified())
                .await
                .is_err()
            {
                panic!("the bot never identified on the gateway");
            }
        }
    }

    /// Send a dispatch to the bot, after checking serenity understands it.
    pub fn dispatch(&self, event: &str, d: Value) {
        let s = self.state.seq.fetch_add(1, Ordering::SeqCst) + 2;
        let payload = json!({"op": 0, "t": event, "s": s, "d": d});
        assert_understood(&payload);
        let tx = self
            .state
            .gateway
            .lock()
            .unwrap()
            .clone()
            .expect("no gateway connection");
        tx.send(payload).unwrap();
    }

    /// The gateway intents the bot identified with.
    pub fn intents(&self) -> u64 {
        self.state.intents.load(Ordering::SeqCst)
    }

    /// Put a message in a channel's history, as if it had been posted earlier.
    pub fn seed_message(&self, channel: u64, msg: Value) {
        self.state
            .channels
            .lock()
            .unwrap()
            .entry(channel)
            .or_default()
            .push(msg);
    }

    /// A channel's messages, oldest first.
    pub fn channel_messages(&self, channel: u64) -> Vec<Value> {
        self.state
            .channels
            .lock()
            .unwrap()
            .get(&channel)
            .cloned()
            .unwrap_or_default()
    }

    /// Drop the gateway connection (the bot should reconnect).
    pub fn drop_gateway(&self) {
        self.state.gateway.lock().unwrap().take();
        self.state.identified.store(false, Ordering::SeqCst);
    }
}

/// A payload serenity would turn into `Event::Unknown` is silently ignored
/// by the bot: fail loudly instead.
fn assert_understood(payload: &Value) {
    let event: serenity::GatewayEvent = serde_json::from_value(payload.clone())
        .unwrap_or_else(|e| panic!("serenity cannot read this payload: {e}\n{payload:#}"));
    if let serenity::GatewayEvent::Dispatch(_, serenity::Event::Unknown(u)) = event {
        panic!("serenity does not understand this dispatch: {u:?}");
    }
}

pub fn user(id: u64, name: &str, bot: bool) -> Value {
    json!({"id": id.to_string(), "username": name, "discriminator": "0", "global_name": name, "avatar": null, "bot": bot})
}

pub fn message(id: u64, channel: u64, author: Value, content: &str) -> Value {
    json!({
        "id": id.to_string(), "channel_id": channel.to_string(), "author": author, "content": content,
        "timestamp": "2026-11-22T10:00:00.000000+00:00", "edited_timestamp": null, "tts": false,
        "mention_everyone": false, "mentions": [], "mention_roles": [], "attachments": [], "embeds": [],
        "pinned": false, "type": 0
    })
}

async fn serve_http(
    stream: TcpStream,
    state: Arc<State>,
    gateway_url: String,
) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).await? == 0 {
            return Ok(());
        }
        let mut parts = request_line.split_whitespace();
        let method = parts.next().unwrap_or("").to_string();
        let target = parts.next().unwrap_or("").to_string();
        let mut length = 0usize;
        loop {
            let mut h = String::new();
            reader.read_line(&mut h).await?;
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                if k.eq_ignore_ascii_case("content-length") {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
        }
        let mut body = vec![0u8; length];
        reader.read_exact(&mut body).await?;
        let path = target.split('?').next().unwrap_or("").to_string();
        let body_json: Option<Value> = if body.is_empty() {
            None
        } else {
            serde_json::from_slice(&body).ok()
        };
        let fault = state.faults.lock().unwrap().pop_front();
        let (status, extra_headers, response) = match fault {
            Some(Fault::ServerError) => (500, String::new(), Some(json!({"message": "500: Internal Server Error", "code": 0}))),
            Some(Fault::RateLimited { retry_after_secs }) => (
                429,
                format!("Retry-After: {retry_after_secs}\r\nX-RateLimit-Global: false\r\nX-RateLimit-Scope: user\r\n"),
                Some(json!({"message": "You are being rate limited.", "retry_after": retry_after_secs as f64, "global": false})),
            ),
            None => {
                let (status, resp) = route(&state, &method, &path, body_json.as_ref(), &gateway_url);
                (status, String::new(), resp)
            }
        };
        let recorded = Recorded {
            method: method.clone(),
            path: path.clone(),
            body: body_json,
            status,
            at: std::time::Instant::now(),
        };
        if let Some(dir) = &state.capture_dir {
            // One counter for every mock in the process: tests run in parallel.
            static CAPTURED: AtomicU64 = AtomicU64::new(0);
            let n = CAPTURED.fetch_add(1, Ordering::SeqCst);
            let file = dir.join(format!(
                "{}-{n:06}-{}.json",
                std::process::id(),
                method.to_lowercase()
            ));
            let doc = json!({"method": method, "path": path, "body": recorded.body});
            let _ = std::fs::write(file, serde_json::to_vec_pretty(&doc).unwrap());
        }
        state.requests.lock().unwrap().push(recorded);
        state.changed.notify_waiters();
        let (reason, bytes) = match (status, response) {
            (204, _) | (_, None) => ("No Content", Vec::new()),
            (s, Some(v)) => (
                if s < 300 { "OK" } else { "Error" },
                serde_json::to_vec(&v).unwrap(),
            ),
        };
        let status = if bytes.is_empty() && status == 200 {
            204
        } else {
            status
        };
        let head = format!(
            "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n{extra_headers}\r\n",
            bytes.len()
        );
        write.write_all(head.as_bytes()).await?;
        write.write_all(&bytes).await?;
        write.flush().await?;
    }
}

fn route(
    state: &State,
    method: &str,
    path: &str,
    body: Option<&Value>,
    gateway_url: &str,
) -> (u16, Option<Value>) {
    let p: Vec<&str> = path.trim_start_matches("/api/v10/").split('/').collect();
    let new_id = || state.ids.fetch_add(1, Ordering::SeqCst);
    match (method, p.as_slice()) {
        ("GET", ["gateway"]) => (200, Some(json!({"url": gateway_url}))),
        ("GET", ["gateway", "bot"]) => (
            200,
            Some(json!({"url": gateway_url, "shards": 1,
                "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}})),
        ),
        ("GET", ["oauth2", "applications", "@me"]) => (
            200,
            Some(
                json!({"id": APP_ID.to_string(), "name": "confnotes", "icon": null, "description": "",
                "bot_public": true, "bot_require_code_grant": false, "verify_key": "00", "flags": 0,
                "owner": user(USER_ID, "owner", false), "team": null}),
            ),
        ),
        ("PUT", ["applications", _, "commands"])
        | ("PUT", ["applications", _, "guilds", _, "commands"]) => {
            let cmds: Vec<Value> = body
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .map(|mut c| {
                    c["id"] = json!(new_id().to_string());
                    c["application_id"] = json!(APP_ID.to_string());
                    c["version"] = json!("1");
                    if c.get("type").is_none() {
                        c["type"] = json!(1);
                    }
                    if c.get("description").is_none() {
                        c["description"] = json!("");
                    }
                    c
                })
                .collect();
            (200, Some(Value::Array(cmds)))
        }
        ("POST", ["interactions", _, _, "callback"]) => (204, None),
        ("PATCH", ["webhooks", _, _, "messages", _])
        | ("POST", ["webhooks", _, _])
        | ("POST", ["channels", _, "messages"]) => {
            let in_channel = p[0] == "channels";
            let channel = p
                .get(1)
                .filter(|_| in_channel)
                .and_then(|c| c.parse().ok())
                .unwrap_or(CHANNEL_ID);
            let content = body
                .and_then(|b| b.get("content"))
                .and_then(Value::as_str)
                .unwrap_or("");
            let mut msg = message(new_id(), channel, user(BOT_ID, "confnotes", true), content);
            if let Some(b) = body {
                let embeds: Vec<Value> = b["embeds"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
                    .into_iter()
                    .map(|mut e| {
                        e["type"] = json!("rich");
                        e
                    })
                    .collect();
                msg["embeds"] = json!(embeds);
                if let Some(n) = b.get("nonce") {
                    msg["nonce"] = n.clone();
                }
                if let Some(c) = b.get("components") {
                    msg["components"] = c.clone();
                }
            }
            if in_channel {
                let mut channels = state.channels.lock().unwrap();
                let history = channels.entry(channel).or_default();
                // Discord drops a second message with an enforced nonce it has seen.
                let dup = b_nonce(body)
                    .and_then(|n| history.iter().find(|m| m.get("nonce") == Some(&n)).cloned());
                if let Some(earlier) = dup {
                    return (200, Some(earlier));
                }
                history.push(msg.clone());
            }
            (200, Some(msg))
        }
        ("GET", ["channels", ch, "messages"]) => {
            let id: u64 = ch.parse().unwrap_or(0);
            let mut list = state
                .channels
                .lock()
                .unwrap()
                .get(&id)
                .cloned()
                .unwrap_or_default();
            list.reverse();
            list.truncate(50);
            (200, Some(Value::Array(list)))
        }
        ("POST", ["channels", ch, "messages", _, "threads"]) => (
            201,
            Some(
                json!({"id": new_id().to_string(), "type": 11, "guild_id": GUILD_ID.to_string(), "parent_id": ch,
                "name": body.and_then(|b| b.get("name")).cloned().unwrap_or(json!("thread"))}),
            ),
        ),
        _ => (
            404,
            Some(json!({"message": "Unknown route in mock", "code": 0})),
        ),
    }
}

/// The nonce of a message create request that asks Discord to enforce it.
fn b_nonce(body: Option<&Value>) -> Option<Value> {
    let b = body?;
    (b.get("enforce_nonce") == Some(&json!(true)))
        .then(|| b.get("nonce").cloned())
        .flatten()
}

async fn serve_gateway(
    stream: TcpStream,
    state: Arc<State>,
    url: String,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let mut ws = tokio_tungstenite::accept_async(stream).await?;
    let (tx, mut rx) = mpsc::unbounded_channel::<Value>();
    *state.gateway.lock().unwrap() = Some(tx);
    ws.send(WsMessage::Text(
        json!({"op": 10, "d": {"heartbeat_interval": 41250}}).to_string(),
    ))
    .await?;
    loop {
        tokio::select! {
            incoming = ws.next() => {
                let Some(msg) = incoming else { return Ok(()) };
                let text = match msg? {
                    WsMessage::Text(t) => t,
                    WsMessage::Close(_) => return Ok(()),
                    _ => continue,
                };
                let v: Value = serde_json::from_str(&text)?;
                match v["op"].as_u64() {
                    Some(2) => {
                        state.intents.store(v["d"]["intents"].as_u64().unwrap_or(0), Ordering::SeqCst);
                        let ready = json!({"op": 0, "t": "READY", "s": 1, "d": {
                            "v": 10, "user": user(BOT_ID, "confnotes", true),
                            "guilds": [{"id": GUILD_ID.to_string(), "unavailable": true}],
                            "session_id": "mock-session", "resume_gateway_url": url,
                            "application": {"id": APP_ID.to_string(), "flags": 0},
                            "shard": [0, 1], "private_channels": [], "relationships": []
                        }});
                        assert_understood(&ready);
                        ws.send(WsMessage::Text(ready.to_string())).await?;
                        state.identified.store(true, Ordering::SeqCst);
                        state.ready.notify_waiters();
                    }
                    Some(1) => ws.send(WsMessage::Text(json!({"op": 11}).to_string())).await?,
                    Some(6) => ws.send(WsMessage::Text(json!({"op": 9, "d": false}).to_string())).await?,
                    _ => {}
                }
            }
            out = rx.recv() => {
                match out {
                    Some(payload) => ws.send(WsMessage::Text(payload.to_string())).await?,
                    // The test dropped the connection: close it like Discord would.
                    None => {
                        let _ = ws.close(None).await;
                        return Ok(());
                    }
                }
            }
        }
    }
}
