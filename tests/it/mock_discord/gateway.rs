//! The mock's gateway: HELLO, IDENTIFY -> READY, heartbeats, and sessions
//! that can be resumed (RESUME -> the dispatches the bot missed, then
//! RESUMED) or refused (INVALID_SESSION). Every dispatch is kept with its
//! sequence number for the session's life, as Discord does, so one sent
//! while the bot was away is replayed when it resumes.

use super::{assert_understood, user, State, APP_ID, BOT_ID, GUILD_ID};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
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

/// The session the bot identified into, and its dispatches so far.
struct Session {
    id: String,
    seq: u64,
    sent: Vec<Value>,
}

#[derive(Default)]
pub(super) struct Gateway {
    session: Option<Session>,
    /// The connection dispatches go to: one that got READY or RESUMED.
    live: Option<(u64, mpsc::UnboundedSender<Out>)>,
    pub(super) ops: Vec<GatewayOp>,
    /// Close codes of the close frames the bot sent (`None`: no code).
    pub(super) closes: Vec<Option<u16>>,
    sessions: u64,
    connections: u64,
    /// Refuse every RESUME with INVALID_SESSION (d: false).
    pub(super) refuse_resume: bool,
}

impl Gateway {
    /// Number, record and send (or keep for a resume) one dispatch.
    pub(super) fn dispatch(&mut self, event: &str, d: Value) {
        let session = self
            .session
            .as_mut()
            .expect("no gateway session: wait for the bot to identify first");
        session.seq += 1;
        let payload = json!({"op": 0, "t": event, "s": session.seq, "d": d});
        assert_understood(&payload);
        session.sent.push(payload.clone());
        if let Some((_, tx)) = &self.live {
            let _ = tx.send(Out::Payload(payload));
        }
    }

    /// Send a raw payload on the live connection.
    pub(super) fn send(&mut self, payload: Value) {
        let (_, tx) = self.live.as_ref().expect("no live gateway connection");
        tx.send(Out::Payload(payload)).unwrap();
    }

    /// End the live connection; the session stays resumable.
    pub(super) fn kill(&mut self, how: Kill) {
        if let Some((_, tx)) = self.live.take() {
            let _ = tx.send(Out::Kill(how));
        }
    }

    /// The session ends (after INVALID_SESSION d: false): no resuming it.
    pub(super) fn end_session(&mut self) {
        self.session = None;
    }

    fn identify(&mut self, conn: u64, tx: &mpsc::UnboundedSender<Out>, url: &str) {
        self.sessions += 1;
        let id = format!("mock-session-{}", self.sessions);
        let ready = json!({"op": 0, "t": "READY", "s": 1, "d": {
            "v": 10, "user": user(BOT_ID, "confnotes", true),
            "guilds": [{"id": GUILD_ID.to_string(), "unavailable": true}],
            "session_id": id, "resume_gateway_url": url,
            "application": {"id": APP_ID.to_string(), "flags": 0},
            "shard": [0, 1], "private_channels": [], "relationships": []
        }});
        assert_understood(&ready);
        let _ = tx.send(Out::Payload(ready));
        self.session = Some(Session {
            id,
            seq: 1,
            sent: Vec::new(),
        });
        self.live = Some((conn, tx.clone()));
    }

    /// RESUME: replay what the bot missed, then RESUMED; or refuse.
    fn resume(&mut self, conn: u64, tx: &mpsc::UnboundedSender<Out>, d: &Value) {
        let theirs = d["session_id"].as_str().unwrap_or("");
        let after = d["seq"].as_u64().unwrap_or(0);
        let session = match self.session.as_mut() {
            Some(s) if s.id == theirs && !self.refuse_resume => s,
            _ => {
                let _ = tx.send(Out::Payload(json!({"op": 9, "d": false})));
                return;
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
        self.live = Some((conn, tx.clone()));
    }
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
    let mut gw = state.gateway.lock().unwrap();
    if gw.live.as_ref().is_some_and(|(c, _)| *c == conn) {
        gw.live = None;
    }
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
                {
                    let mut gw = state.gateway.lock().unwrap();
                    gw.ops.push(GatewayOp { op, d: v["d"].clone(), at: std::time::Instant::now() });
                    match op {
                        2 => {
                            state.intents.store(v["d"]["intents"].as_u64().unwrap_or(0), Ordering::SeqCst);
                            gw.identify(conn, tx, url);
                        }
                        6 => gw.resume(conn, tx, &v["d"]),
                        _ => {}
                    }
                }
                if op == 2 {
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
