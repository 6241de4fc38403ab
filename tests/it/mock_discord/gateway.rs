//! The mock's gateway: HELLO, IDENTIFY -> READY, heartbeats, and sessions
//! that can be resumed (RESUME -> the dispatches the bot missed, then
//! RESUMED) or refused (INVALID_SESSION). Every dispatch is kept with its
//! sequence number for the session's life, as Discord does, so one sent
//! while the bot was away is replayed when it resumes.
//!
//! Sessions are per shard, as on Discord: an IDENTIFY names its shard
//! (`d.shard = [id, total]`, `[0, 1]` when absent), READY lists that shard's
//! guilds only, and a dispatch goes to the shard of its guild, numbered in
//! that shard's session.

use super::guilds::{guild_ids, guild_of_dispatch, shard_of};
use super::{assert_understood, user, State, APP_ID, BOT_ID};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message as WsMessage;

/// What the bot sent on the gateway (heartbeats left out).
#[derive(Debug, Clone)]
pub struct GatewayOp {
    pub op: u64,
    pub d: Value,
    pub at: std::time::Instant,
    /// The shard it came from: the one an IDENTIFY asked for, the one whose
    /// session a RESUME named, else the one its connection is on (`None`:
    /// not known).
    pub shard: Option<u64>,
}

/// How the mock ends a connection.
#[derive(Debug, Clone, Copy)]
pub enum Kill {
    /// The TCP connection closes with no websocket close frame.
    Abrupt,
    /// A close frame with this code (4000: unknown error, resumable).
    Code(u16),
    /// A close frame without a code.
    Clean,
}

/// Something for one connection to send.
#[derive(Debug)]
pub(super) enum Out {
    Payload(Value),
    Kill(Kill),
}

/// A session the bot identified into, and its dispatches so far.
struct Session {
    id: String,
    seq: u64,
    sent: Vec<Value>,
}

/// One shard's session and the connection its dispatches go to.
#[derive(Default)]
struct Shard {
    session: Option<Session>,
    /// A connection that got READY or RESUMED.
    live: Option<(u64, mpsc::UnboundedSender<Out>)>,
    /// It identified since the test last expected a new IDENTIFY.
    identified: bool,
}

/// Discord's close code for an IDENTIFY with a shard outside `[0, total)`.
const INVALID_SHARD: u16 = 4010;

#[derive(Default)]
pub(super) struct Gateway {
    /// By shard id: a bot that does not shard has shard 0 only.
    shards: BTreeMap<u64, Shard>,
    /// The shard count of the last IDENTIFY, by which dispatches are routed
    /// (0 until then: one shard).
    total: u64,
    pub(super) ops: Vec<GatewayOp>,
    /// The `d` of every READY sent, in order.
    pub(super) readies: Vec<Value>,
    /// Close codes of the close frames the bot sent (`None`: no code).
    pub(super) closes: Vec<Option<u16>>,
    sessions: u64,
    connections: u64,
    /// Refuse every RESUME with INVALID_SESSION (d: false).
    pub(super) refuse_resume: bool,
    /// On RESUME, replay every dispatch of the session, the ones the bot
    /// already had too (Discord does not promise exactly once).
    pub(super) replay_all: bool,
}

impl Gateway {
    /// The shard a dispatch goes to: its guild's, or shard 0.
    fn route(&self, event: &str, d: &Value) -> u64 {
        guild_of_dispatch(event, d).map_or(0, |g| shard_of(g, self.total))
    }

    /// Number, record and send (or keep for a resume) one dispatch, on the
    /// shard of its guild.
    pub(super) fn dispatch(&mut self, event: &str, d: Value) {
        let id = self.route(event, &d);
        let shard = self.shards.get_mut(&id);
        let Some(Shard {
            session: Some(session),
            live,
            ..
        }) = shard
        else {
            panic!("no gateway session on shard {id}: wait for the bot to identify first");
        };
        session.seq += 1;
        let payload = json!({"op": 0, "t": event, "s": session.seq, "d": d});
        assert_understood(&payload);
        session.sent.push(payload.clone());
        if let Some((_, tx)) = live {
            let _ = tx.send(Out::Payload(payload));
        }
    }

    /// The dispatches of a shard's session so far.
    pub(super) fn sent(&self, shard: u64) -> Vec<Value> {
        let session = self.shards.get(&shard).and_then(|s| s.session.as_ref());
        session.map(|s| s.sent.clone()).unwrap_or_default()
    }

    /// Send a raw payload on shard 0's live connection.
    pub(super) fn send(&mut self, payload: Value) {
        let live = self.shards.get(&0).and_then(|s| s.live.as_ref());
        let (_, tx) = live.expect("no live gateway connection");
        tx.send(Out::Payload(payload)).unwrap();
    }

    /// End a shard's live connection (every shard's: `None`); its session
    /// stays resumable.
    pub(super) fn kill(&mut self, shard: Option<u64>, how: Kill) {
        let chosen = |id: u64| shard.is_none() || shard == Some(id);
        for (_, s) in self.shards.iter_mut().filter(|(id, _)| chosen(**id)) {
            if let Some((_, tx)) = s.live.take() {
                let _ = tx.send(Out::Kill(how));
            }
        }
    }

    /// The shards that identified since the last [`Gateway::expect_identify`].
    pub(super) fn identified(&self) -> Vec<u64> {
        let shards = self.shards.iter().filter(|(_, s)| s.identified);
        shards.map(|(id, _)| *id).collect()
    }

    /// A new IDENTIFY is expected from every shard (a restart).
    pub(super) fn expect_identify(&mut self) {
        for s in self.shards.values_mut() {
            s.identified = false;
        }
    }

    /// Shard 0's session ends (after INVALID_SESSION d: false): no resuming it.
    pub(super) fn end_session(&mut self) {
        if let Some(s) = self.shards.get_mut(&0) {
            s.session = None;
        }
    }

    /// IDENTIFY: READY with the guilds of the shard it asks for, or close
    /// 4010 for a shard out of range, as Discord does. True if READY went.
    fn identify(
        &mut self,
        conn: u64,
        tx: &mpsc::UnboundedSender<Out>,
        url: &str,
        d: &Value,
    ) -> bool {
        let (id, total) = asked_shard(d);
        if id >= total {
            let _ = tx.send(Out::Kill(Kill::Code(INVALID_SHARD)));
            return false;
        }
        self.total = total;
        self.sessions += 1;
        let session_id = format!("mock-session-{}", self.sessions);
        let guilds: Vec<Value> = guild_ids()
            .into_iter()
            .filter(|g| shard_of(*g, total) == id)
            .map(|g| json!({"id": g.to_string(), "unavailable": true}))
            .collect();
        let ready = json!({"op": 0, "t": "READY", "s": 1, "d": {
            "v": 10, "user": user(BOT_ID, "confnotes", true), "guilds": guilds,
            "session_id": session_id, "resume_gateway_url": url,
            "application": {"id": APP_ID.to_string(), "flags": 0},
            "shard": [id, total], "private_channels": [], "relationships": []
        }});
        assert_understood(&ready);
        self.readies.push(ready["d"].clone());
        let _ = tx.send(Out::Payload(ready));
        let shard = self.shards.entry(id).or_default();
        shard.session = Some(Session {
            id: session_id,
            seq: 1,
            sent: Vec::new(),
        });
        shard.live = Some((conn, tx.clone()));
        shard.identified = true;
        true
    }

    /// RESUME: replay what the bot missed on the session's shard, then
    /// RESUMED; or refuse. Returns the shard of the session resumed.
    fn resume(&mut self, conn: u64, tx: &mpsc::UnboundedSender<Out>, d: &Value) -> Option<u64> {
        let theirs = d["session_id"].as_str().unwrap_or("");
        let after = if self.replay_all {
            0
        } else {
            d["seq"].as_u64().unwrap_or(0)
        };
        let found = self.shards.iter_mut().find_map(|(id, s)| {
            let session = s.session.as_mut().filter(|x| x.id == theirs)?;
            Some((*id, session, &mut s.live))
        });
        let (id, session, live) = match found {
            Some(f) if !self.refuse_resume => f,
            _ => {
                let _ = tx.send(Out::Payload(json!({"op": 9, "d": false})));
                return None;
            }
        };
        for p in session
            .sent
            .iter()
            .filter(|p| p["s"].as_u64() > Some(after))
        {
            let _ = tx.send(Out::Payload(p.clone()));
        }
        session.seq += 1;
        let resumed = json!({"op": 0, "t": "RESUMED", "s": session.seq, "d": {}});
        assert_understood(&resumed);
        let _ = tx.send(Out::Payload(resumed));
        *live = Some((conn, tx.clone()));
        Some(id)
    }

    /// A connection ended: it is no shard's live connection any more.
    fn closed(&mut self, conn: u64) {
        for s in self.shards.values_mut() {
            if s.live.as_ref().is_some_and(|(c, _)| *c == conn) {
                s.live = None;
            }
        }
    }
}

/// The shard an IDENTIFY asks for, `[id, total]`: `[0, 1]` when absent.
fn asked_shard(d: &Value) -> (u64, u64) {
    let [id, total] = [0, 1].map(|i| d["shard"][i].as_u64());
    (id.unwrap_or(0), total.unwrap_or(1))
}

pub(super) async fn serve(
    stream: TcpStream,
    state: Arc<State>,
    url: String,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let mut ws = tokio_tungstenite::accept_async(stream).await?;
    let (tx, mut rx) = mpsc::unbounded_channel::<Out>();
    let conn = {
        let mut gw = state.gateway.lock().unwrap();
        gw.connections += 1;
        gw.connections
    };
    ws.send(WsMessage::Text(
        json!({"op": 10, "d": {"heartbeat_interval": 41250}}).to_string(),
    ))
    .await?;
    let result = converse(&mut ws, &mut rx, &tx, conn, &state, &url).await;
    state.gateway.lock().unwrap().closed(conn);
    result
}

async fn converse(
    ws: &mut tokio_tungstenite::WebSocketStream<TcpStream>,
    rx: &mut mpsc::UnboundedReceiver<Out>,
    tx: &mpsc::UnboundedSender<Out>,
    conn: u64,
    state: &State,
    url: &str,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    // The shard this connection identified or resumed as.
    let mut shard: Option<u64> = None;
    loop {
        tokio::select! {
            incoming = ws.next() => {
                let Some(msg) = incoming else { return Ok(()) };
                let text = match msg? {
                    WsMessage::Text(t) => t,
                    WsMessage::Close(frame) => {
                        let code = frame.map(|f| u16::from(f.code));
                        state.gateway.lock().unwrap().closes.push(code);
                        // Answer the close handshake, as Discord does.
                        let _ = ws.flush().await;
                        return Ok(());
                    }
                    _ => continue,
                };
                let v: Value = serde_json::from_str(&text)?;
                let op = v["op"].as_u64().unwrap_or(u64::MAX);
                if op == 1 {
                    ws.send(WsMessage::Text(json!({"op": 11}).to_string())).await?;
                    continue;
                }
                let mut readied = false;
                {
                    let mut gw = state.gateway.lock().unwrap();
                    match op {
                        2 => {
                            state.intents.store(v["d"]["intents"].as_u64().unwrap_or(0), Ordering::SeqCst);
                            shard = Some(asked_shard(&v["d"]).0);
                            readied = gw.identify(conn, tx, url, &v["d"]);
                        }
                        6 => shard = gw.resume(conn, tx, &v["d"]),
                        _ => {}
                    }
                    gw.ops.push(GatewayOp { op, d: v["d"].clone(), at: std::time::Instant::now(), shard });
                }
                if readied {
                    state.identified.store(true, Ordering::SeqCst);
                    state.ready.notify_waiters();
                }
                state.changed.notify_waiters();
            }
            out = rx.recv() => match out {
                Some(Out::Payload(p)) => ws.send(WsMessage::Text(p.to_string())).await?,
                Some(Out::Kill(Kill::Abrupt)) | None => return Ok(()),
                Some(Out::Kill(Kill::Code(code))) => {
                    let frame = CloseFrame { code: CloseCode::from(code), reason: "".into() };
                    let _ = ws.close(Some(frame)).await;
                    return Ok(());
                }
                Some(Out::Kill(Kill::Clean)) => {
                    let _ = ws.close(None).await;
                    return Ok(());
                }
            }
        }
    }
}
