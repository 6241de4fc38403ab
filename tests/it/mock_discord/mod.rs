//! A mock Discord on 127.0.0.1 for end-to-end tests: REST (a small HTTP/1.1
//! server, over TLS as `discord.com` and in plain HTTP for a proxy base) and
//! the gateway (websocket, in `gateway.rs`, a session per shard), for a bot
//! in the two guilds of `guilds.rs`. It records every request,
//! answers like Discord does (keeping the commands registered, for
//! `GET .../commands`), injects faults on demand (REST errors, rate
//! limits, expired interaction tokens, a refused bot token, dropped
//! connections, invalidated sessions), and lets a test push gateway
//! dispatches to the bot.
#![allow(dead_code)]

mod gateway;
mod guilds;
pub mod harness;
pub mod serve;

pub use gateway::{GatewayOp, Kill};
// benches/scale.rs includes the mock too, and uses none of the second guild.
#[allow(unused_imports)]
pub use guilds::{guild_of_channel, shard_of, BOT_PERMISSIONS, CHANNEL_B_ID, GUILD_B_ID};
use poise::serenity_prelude as serenity;
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::{pem::PemObject, CertificateDer, PrivateKeyDer};

pub const APP_ID: u64 = 1_100_000_000_000_000_001;
pub const BOT_ID: u64 = 1_100_000_000_000_000_002;
pub const GUILD_ID: u64 = 1_100_000_000_000_000_003;
pub const CHANNEL_ID: u64 = 1_100_000_000_000_000_004;
pub const USER_ID: u64 = 1_100_000_000_000_000_005;

#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    /// What followed `?` in the request's target.
    pub query: String,
    pub body: Option<Value>,
    pub status: u16,
    /// When the request arrived.
    pub at: std::time::Instant,
}

/// A REST failure, answered instead of (or after) the real response.
#[derive(Debug, Clone, Copy)]
pub enum Fault {
    /// 500; the request did nothing.
    ServerError,
    /// The request took effect, then its answer was lost: 502.
    LostResponse,
    /// 429 with Discord's headers and body, for whole seconds.
    RateLimited { retry_after_secs: u64 },
    /// 429 with a fractional `Retry-After` (Discord sends e.g. `0.3`).
    RateLimitedFor(Duration),
    /// 401 "Invalid Webhook Token" (50027): an interaction token expired.
    ExpiredToken,
    /// 404 "Unknown Webhook" (10015).
    UnknownWebhook,
    /// 401 "401: Unauthorized" (0): the bot token is refused (reset, or
    /// never a token of this bot).
    Unauthorized,
    /// The request takes effect at once and its answer comes after this
    /// long: a slow network, or a process stopped while it waits.
    Slow(Duration),
    /// The request never takes effect (lost on its way), and a 500 comes
    /// after this long.
    Stalled(Duration),
}

/// How long Discord honours `enforce_nonce`: "the past few minutes".
pub const NONCE_WINDOW: Duration = Duration::from_secs(5 * 60);

#[derive(Default)]
struct State {
    requests: Mutex<Vec<Recorded>>,
    changed: Notify,
    /// Faults to come, each for the first request whose "METHOD path"
    /// contains its pattern (`None`: any request).
    faults: Mutex<VecDeque<(Option<String>, Fault)>>,
    gateway: Mutex<gateway::Gateway>,
    ready: Notify,
    identified: std::sync::atomic::AtomicBool,
    ids: AtomicU64,
    capture_dir: Option<std::path::PathBuf>,
    /// The intents of the last IDENTIFY.
    intents: AtomicU64,
    /// Messages in each channel, oldest first, as `GET .../messages` lists
    /// them: without their nonces, which Discord does not keep.
    channels: Mutex<std::collections::HashMap<u64, Vec<Value>>>,
    /// Enforced nonces by channel, with when their message was made and
    /// the message, while they are honoured ([`MockDiscord::set_nonce_window`]).
    nonces: Mutex<std::collections::HashMap<(u64, Value), (std::time::Instant, Value)>>,
    nonce_window: Mutex<Option<Duration>>,
    /// Messages a thread was started from: Discord starts one per message.
    threads: Mutex<std::collections::HashSet<u64>>,
    /// New gateway connections are closed before the websocket handshake
    /// ([`MockDiscord::refuse_gateway`]).
    gateway_refused: std::sync::atomic::AtomicBool,
    /// The application's commands as the last bulk overwrite left them, by
    /// guild (`None`: global), as `GET .../commands` lists them.
    commands: Mutex<std::collections::HashMap<Option<u64>, Vec<Value>>>,
}

pub struct MockDiscord {
    /// Plain HTTP, for a client given an API base (a REST proxy).
    pub api_base: String,
    /// Where `https://discord.com` is served, with [`tls_root`]'s certificate.
    pub tls_addr: std::net::SocketAddr,
    pub gateway_url: String,
    state: Arc<State>,
}

/// The test CA that signed the mock's `discord.com` certificate, as DER.
pub fn tls_root() -> Vec<u8> {
    let pem = include_bytes!("../../fixtures/tls/ca.pem");
    CertificateDer::from_pem_slice(pem).unwrap().to_vec()
}

fn tls_acceptor() -> tokio_rustls::TlsAcceptor {
    let cert = CertificateDer::from_pem_slice(include_bytes!("../../fixtures/tls/discord.com.pem"))
        .unwrap();
    let key = PrivateKeyDer::from_pem_slice(include_bytes!("../../fixtures/tls/discord.com.key"))
        .unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .unwrap();
    tokio_rustls::TlsAcceptor::from(Arc::new(config))
}

impl MockDiscord {
    pub async fn start() -> MockDiscord {
        let rest = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let tls = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let tls_addr = tls.local_addr().unwrap();
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
        let acceptor = tls_acceptor();
        tokio::spawn(async move {
            while let Ok((stream, _)) = tls.accept().await {
                let (s, url, acceptor) = (Arc::clone(&s), url.clone(), acceptor.clone());
                tokio::spawn(async move {
                    if let Ok(stream) = acceptor.accept(stream).await {
                        let _ = serve_http(stream, s, url).await;
                    }
                });
            }
        });
        let (s, url) = (Arc::clone(&state), gateway_url.clone());
        tokio::spawn(async move {
            while let Ok((stream, _)) = gw.accept().await {
                if s.gateway_refused.load(Ordering::SeqCst) {
                    drop(stream);
                    continue;
                }
                let (s, url) = (Arc::clone(&s), url.clone());
                tokio::spawn(async move {
                    let _ = gateway::serve(stream, s, url).await;
                });
            }
        });
        MockDiscord {
            api_base,
            tls_addr,
            gateway_url,
            state,
        }
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.state.requests.lock().unwrap().clone()
    }

    /// Fail the next request, whatever it is.
    pub fn inject(&self, fault: Fault) {
        self.state.faults.lock().unwrap().push_back((None, fault));
    }

    /// Fail the next request whose "METHOD path" contains `pattern` (ends
    /// with it, if `pattern` ends with `$`).
    pub fn inject_on(&self, pattern: &str, fault: Fault) {
        let entry = (Some(pattern.to_string()), fault);
        self.state.faults.lock().unwrap().push_back(entry);
    }

    /// The commands registered globally (`guild` `None`) or in a guild.
    pub fn commands(&self, guild: Option<u64>) -> Vec<Value> {
        let commands = self.state.commands.lock().unwrap();
        commands.get(&guild).cloned().unwrap_or_default()
    }

    /// Register commands as a bulk overwrite would: `(type, name)` each.
    pub fn set_commands(&self, guild: Option<u64>, commands: &[(u8, &str)]) {
        let list = commands
            .iter()
            .map(|(kind, name)| {
                json!({"id": self.next_id().to_string(), "application_id": APP_ID.to_string(),
                    "version": "1", "type": kind, "name": name, "description": ""})
            })
            .collect();
        self.state.commands.lock().unwrap().insert(guild, list);
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

    /// Wait until `cond` holds (it is checked after every request and
    /// every gateway message from the bot).
    pub async fn wait_until(&self, what: &str, cond: impl Fn(&MockDiscord) -> bool) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            let notified = self.state.changed.notified();
            if cond(self) {
                return;
            }
            let tick = tokio::time::sleep(Duration::from_millis(50));
            tokio::select! {
                _ = notified => {}
                _ = tick => {}
            }
            if tokio::time::Instant::now() > deadline {
                let ops: Vec<u64> = self.gateway_ops().iter().map(|o| o.op).collect();
                panic!("timed out waiting for {what}; gateway ops from the bot: {ops:?}");
            }
        }
    }

    /// What the bot sent on the gateway, heartbeats left out.
    pub fn gateway_ops(&self) -> Vec<GatewayOp> {
        self.state.gateway.lock().unwrap().ops.clone()
    }

    /// The close codes the bot closed the gateway with.
    pub fn client_closes(&self) -> Vec<Option<u16>> {
        self.state.gateway.lock().unwrap().closes.clone()
    }

    /// The bot's IDENTIFY (op 2) payloads so far.
    pub fn identifies(&self) -> Vec<Value> {
        let ops = self.gateway_ops().into_iter().filter(|o| o.op == 2);
        ops.map(|o| o.d).collect()
    }

    /// The bot's RESUME (op 6) payloads so far.
    pub fn resumes(&self) -> Vec<Value> {
        let ops = self.gateway_ops().into_iter().filter(|o| o.op == 6);
        ops.map(|o| o.d).collect()
    }

    /// End the gateway connection the way `how` says; the session can
    /// still be resumed, and dispatches sent meanwhile are replayed then.
    /// With several shards, every shard's connection ends.
    pub fn kill_gateway(&self, how: Kill) {
        self.state.gateway.lock().unwrap().kill(None, how);
    }

    /// End one shard's gateway connection the way `how` says; its session
    /// can still be resumed, and its dispatches sent meanwhile are replayed
    /// then. The other shards stay connected.
    pub fn kill_shard(&self, shard: u64, how: Kill) {
        self.state.gateway.lock().unwrap().kill(Some(shard), how);
    }

    /// The shards that have identified and got READY (since the last
    /// [`MockDiscord::drop_gateway`]), in order.
    pub fn identified_shards(&self) -> Vec<u64> {
        self.state.gateway.lock().unwrap().identified()
    }

    /// Wait until each of these shards has identified and got READY.
    pub async fn wait_shards(&self, shards: &[u64]) {
        let what = format!("shards {shards:?} to identify");
        self.wait_until(&what, |m| {
            let ready = m.identified_shards();
            shards.iter().all(|s| ready.contains(s))
        })
        .await;
    }

    /// The `d` of every READY the mock sent, in order: each names its
    /// shard (`"shard": [id, total]`) and lists that shard's guilds.
    pub fn readies(&self) -> Vec<Value> {
        self.state.gateway.lock().unwrap().readies.clone()
    }

    /// `(op, shard)` of every IDENTIFY (2) and RESUME (6) so far, in order:
    /// the shard an IDENTIFY asked for, the shard whose session a RESUME
    /// named (`None`: a session the mock does not know).
    pub fn shard_ops(&self) -> Vec<(u64, Option<u64>)> {
        let ops = self.gateway_ops().into_iter();
        let openings = ops.filter(|o| o.op == 2 || o.op == 6);
        openings.map(|o| (o.op, o.shard)).collect()
    }

    /// The dispatches numbered in a shard's current session, in order.
    pub fn shard_dispatches(&self, shard: u64) -> Vec<Value> {
        self.state.gateway.lock().unwrap().sent(shard)
    }

    /// GUILD_CREATE for every guild of the mock, each on its shard, as
    /// Discord sends them after READY. The bot's cache then holds the
    /// guilds, their text channels and the bot as a member with
    /// [`BOT_PERMISSIONS`]. Every shard must have identified.
    pub fn send_guild_creates(&self) {
        for g in guilds::guild_ids() {
            self.dispatch("GUILD_CREATE", guilds::guild_create(g));
        }
    }

    /// Send INVALID_SESSION (op 9) on shard 0. Not resumable: the session
    /// is gone.
    pub fn invalidate_session(&self, resumable: bool) {
        let mut gw = self.state.gateway.lock().unwrap();
        gw.send(json!({"op": 9, "d": resumable}));
        if !resumable {
            gw.end_session();
        }
    }

    /// Send RECONNECT (op 7) on shard 0: the bot should resume on a new
    /// connection.
    pub fn request_reconnect(&self) {
        self.state
            .gateway
            .lock()
            .unwrap()
            .send(json!({"op": 7, "d": null}));
    }

    /// Refuse every RESUME from now on (INVALID_SESSION, d: false).
    /// Replay a resumed session's every dispatch, not only the missed ones.
    pub fn replay_all_on_resume(&self, all: bool) {
        self.state.gateway.lock().unwrap().replay_all = all;
    }

    pub fn refuse_resume(&self, refuse: bool) {
        self.state.gateway.lock().unwrap().refuse_resume = refuse;
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
    /// While the bot is disconnected it is kept for the bot's RESUME. It goes
    /// to the shard of its guild (`d.guild_id`; a GUILD_CREATE's `d.id`),
    /// else to shard 0.
    pub fn dispatch(&self, event: &str, d: Value) {
        self.state.gateway.lock().unwrap().dispatch(event, d);
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

    /// How long an enforced nonce is honoured from now on (Discord: a few
    /// minutes, [`NONCE_WINDOW`]). A test that stands for a restart hours
    /// later sets it to zero: a repeated nonce then makes a second message,
    /// as Discord would by then.
    pub fn set_nonce_window(&self, window: Duration) {
        *self.state.nonce_window.lock().unwrap() = Some(window);
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

    /// While `refused`, a new gateway connection is closed as soon as it is
    /// accepted, before the websocket handshake: Discord out of reach. The
    /// connections already open stay.
    pub fn refuse_gateway(&self, refused: bool) {
        self.state.gateway_refused.store(refused, Ordering::SeqCst);
    }

    /// Close the gateway connections and expect a new IDENTIFY (a restart).
    pub fn drop_gateway(&self) {
        let mut gw = self.state.gateway.lock().unwrap();
        gw.kill(None, Kill::Clean);
        gw.expect_identify();
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
    stream: impl AsyncRead + AsyncWrite + Unpin,
    state: Arc<State>,
    gateway_url: String,
) -> std::io::Result<()> {
    let (read, mut write) = tokio::io::split(stream);
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
        let (path, query) = target.split_once('?').unwrap_or((&target, ""));
        let (path, query) = (path.to_string(), query.to_string());
        let body_json: Option<Value> = if body.is_empty() {
            None
        } else {
            serde_json::from_slice(&body).ok()
        };
        let fault = take_fault(&state, &format!("{method} {path}"));
        let routed = || {
            route(
                &state,
                &method,
                &path,
                &query,
                body_json.as_ref(),
                &gateway_url,
            )
        };
        let (status, extra_headers, response) = match fault {
            Some(
                f @ (Fault::ServerError
                | Fault::ExpiredToken
                | Fault::UnknownWebhook
                | Fault::Unauthorized
                | Fault::Stalled(_)),
            ) => {
                let (status, body) = error_response(f);
                (status, String::new(), Some(body))
            }
            Some(Fault::LostResponse) => {
                let _ = routed();
                (
                    502,
                    String::new(),
                    Some(json!({"message": "502: Bad Gateway", "code": 0})),
                )
            }
            Some(Fault::RateLimited { retry_after_secs }) => {
                rate_limited(Duration::from_secs(retry_after_secs))
            }
            Some(Fault::RateLimitedFor(after)) => rate_limited(after),
            Some(Fault::Slow(_)) | None => {
                let (status, resp) = routed();
                (status, String::new(), resp)
            }
        };
        let recorded = Recorded {
            method: method.clone(),
            path: path.clone(),
            query: query.clone(),
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
        if let Some(Fault::Slow(delay) | Fault::Stalled(delay)) = fault {
            tokio::time::sleep(delay).await;
        }
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

/// The first fault meant for this request, taken off the queue.
fn take_fault(state: &State, request: &str) -> Option<Fault> {
    let mut faults = state.faults.lock().unwrap();
    let i =
        faults.iter().position(
            |(p, _)| match p.as_deref().map(|p| (p, p.strip_suffix('$'))) {
                None => true,
                Some((_, Some(end))) => request.ends_with(end),
                Some((p, None)) => request.contains(p),
            },
        )?;
    faults.remove(i).map(|(_, f)| f)
}

fn error_response(fault: Fault) -> (u16, Value) {
    match fault {
        Fault::ExpiredToken => (
            401,
            json!({"message": "Invalid Webhook Token", "code": 50027}),
        ),
        Fault::UnknownWebhook => (404, json!({"message": "Unknown Webhook", "code": 10015})),
        Fault::Unauthorized => (401, json!({"message": "401: Unauthorized", "code": 0})),
        _ => (
            500,
            json!({"message": "500: Internal Server Error", "code": 0}),
        ),
    }
}

/// A 429 as Discord sends it for a route's bucket (not the global limit,
/// which alone carries `X-RateLimit-Global`).
fn rate_limited(after: Duration) -> (u16, String, Option<Value>) {
    let secs = after.as_secs_f64();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let headers = format!(
        "Retry-After: {secs}\r\nX-RateLimit-Limit: 5\r\nX-RateLimit-Remaining: 0\r\n\
         X-RateLimit-Reset: {:.3}\r\nX-RateLimit-Reset-After: {secs:.3}\r\n\
         X-RateLimit-Bucket: 80c17d2f203122d936070c88c8d10f33\r\nX-RateLimit-Scope: user\r\n",
        now + secs
    );
    let body =
        json!({"message": "You are being rate limited.", "retry_after": secs, "global": false});
    (429, headers, Some(body))
}

fn route(
    state: &State,
    method: &str,
    path: &str,
    query: &str,
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
            // A bulk overwrite: the list replaces whatever was there.
            let guild = (p.len() == 5).then(|| p[3].parse().unwrap_or(0));
            let mut commands = state.commands.lock().unwrap();
            commands.insert(guild, cmds.clone());
            (200, Some(Value::Array(cmds)))
        }
        ("GET", ["applications", _, "commands"])
        | ("GET", ["applications", _, "guilds", _, "commands"]) => {
            let guild = (p.len() == 5).then(|| p[3].parse().unwrap_or(0));
            let commands = state.commands.lock().unwrap();
            let list = commands.get(&guild).cloned().unwrap_or_default();
            (200, Some(Value::Array(list)))
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
                if let Some(earlier) = enforced_nonce(state, channel, body, &msg) {
                    return (200, Some(earlier));
                }
                let mut kept = msg.clone();
                if let Some(m) = kept.as_object_mut() {
                    m.remove("nonce");
                }
                let mut channels = state.channels.lock().unwrap();
                channels.entry(channel).or_default().push(kept);
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
            // Newest first, `limit` of them (50 unless asked, 100 at most),
            // older than `before` when given.
            let param = |name: &str| {
                query
                    .split('&')
                    .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
                    .and_then(|v| v.parse::<u64>().ok())
            };
            let limit = param("limit").unwrap_or(50).clamp(1, 100) as usize;
            if let Some(before) = param("before") {
                list.retain(|m| {
                    m["id"].as_str().and_then(|i| i.parse::<u64>().ok()) < Some(before)
                });
            }
            list.reverse();
            list.truncate(limit);
            (200, Some(Value::Array(list)))
        }
        ("GET", ["channels", ch]) => match guilds::text_channel(ch.parse().unwrap_or(0)) {
            Some(channel) => (200, Some(channel)),
            None => (
                404,
                Some(json!({"message": "Unknown Channel", "code": 10003})),
            ),
        },
        ("GET", ["guilds", g]) => match guilds::guild(g.parse().unwrap_or(0)) {
            Some(guild) => (200, Some(guild)),
            None => (
                404,
                Some(json!({"message": "Unknown Guild", "code": 10004})),
            ),
        },
        ("POST", ["channels", ch, "messages", m, "threads"]) => {
            let m: u64 = m.parse().unwrap_or(0);
            if !state.threads.lock().unwrap().insert(m) {
                let error = json!({"message": "A thread has already been created for this message", "code": 160004});
                return (400, Some(error));
            }
            // A thread started from a message has the message's id.
            let guild = guild_of_channel(ch.parse().unwrap_or(0));
            (
                201,
                Some(
                    json!({"id": m.to_string(), "type": 11, "guild_id": guild.to_string(), "parent_id": ch,
                    "name": body.and_then(|b| b.get("name")).cloned().unwrap_or(json!("thread"))}),
                ),
            )
        }
        _ => (
            404,
            Some(json!({"message": "Unknown route in mock", "code": 0})),
        ),
    }
}

/// The message an enforced nonce already made in `channel`, if Discord
/// still honours it; otherwise `msg` is remembered under the nonce.
fn enforced_nonce(state: &State, channel: u64, body: Option<&Value>, msg: &Value) -> Option<Value> {
    let nonce = b_nonce(body)?;
    let window = state.nonce_window.lock().unwrap().unwrap_or(NONCE_WINDOW);
    let mut nonces = state.nonces.lock().unwrap();
    let key = (channel, nonce);
    match nonces.get(&key) {
        Some((at, earlier)) if at.elapsed() < window => Some(earlier.clone()),
        _ => {
            nonces.insert(key, (std::time::Instant::now(), msg.clone()));
            None
        }
    }
}

/// The nonce of a message create request that asks Discord to enforce it.
fn b_nonce(body: Option<&Value>) -> Option<Value> {
    let b = body?;
    (b.get("enforce_nonce") == Some(&json!(true)))
        .then(|| b.get("nonce").cloned())
        .flatten()
}
