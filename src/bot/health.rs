//! `metrics.listen`: an HTTP listener for the machine that runs the bot,
//! serving `/metrics` (Prometheus' text format, [`super::metrics`]) and
//! `/healthz` (200 when every shard is connected and the index is open, 503
//! with the reasons otherwise). Off by default; meant for 127.0.0.1 or a
//! private network, as it has no authentication (it shows counts, never
//! questions, names or the token).

use super::metrics;
use anyhow::{Context as _, Result};
use http_body_util::Full;
use hyper::body::Bytes;
use hyper::{Method, Request, Response, StatusCode};
use poise::serenity_prelude as serenity;
use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// What `/healthz` looks at.
#[derive(Default)]
pub struct Health {
    /// The index is open and the bot's handlers have it.
    index_open: AtomicBool,
    /// The gateway's shards, once the client is built.
    shards: OnceLock<Arc<serenity::ShardManager>>,
    /// Shards that were READY at least once: each must stay connected. A
    /// shard serenity is restarting has no runner for a while, so a runner
    /// missing from the manager is not enough to see it is down.
    seen_ready: Mutex<BTreeSet<u32>>,
}

impl Health {
    pub(super) fn index_opened(&self) {
        self.index_open.store(true, Ordering::SeqCst);
    }

    pub(super) fn gateway(&self, shards: Arc<serenity::ShardManager>) {
        let _ = self.shards.set(shards);
    }

    pub(super) fn ready(&self, shard: u32) {
        self.seen_ready
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(shard);
    }

    /// Each shard's id, stage and heartbeat latency, as serenity has them.
    async fn shard_states(&self) -> Vec<(u32, &'static str, Option<std::time::Duration>)> {
        let Some(manager) = self.shards.get() else {
            return Vec::new();
        };
        let runners = manager.runners.lock().await;
        let mut out: Vec<_> = runners
            .iter()
            .map(|(id, info)| (id.0, metrics::stage_name(info.stage), info.latency))
            .collect();
        out.sort_by_key(|s| s.0);
        out
    }

    /// Why the bot is not healthy; empty when it is. Refreshes the shard
    /// gauges on the way.
    pub async fn problems(&self) -> Vec<String> {
        let states = self.shard_states().await;
        metrics::global().shards(&states);
        let seen = self
            .seen_ready
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let index_open = self.index_open.load(Ordering::SeqCst);
        let built = self.shards.get().is_some();
        assess(index_open, built, &states, &seen)
    }
}

/// What is wrong, given whether the index is open, whether the client is
/// built, each running shard's `(id, stage, latency)` and the shards that
/// were READY once.
fn assess(
    index_open: bool,
    built: bool,
    states: &[(u32, &'static str, Option<std::time::Duration>)],
    seen_ready: &BTreeSet<u32>,
) -> Vec<String> {
    let mut out = Vec::new();
    if !index_open {
        out.push("the index is not open yet".to_string());
    }
    if !built {
        out.push("the Discord client is not built yet".to_string());
        return out;
    }
    if states.is_empty() {
        out.push("no gateway shard is running yet".to_string());
    }
    for id in seen_ready {
        if !states.iter().any(|s| s.0 == *id) {
            out.push(format!("shard {id} is reconnecting (not running)"));
        }
    }
    for (id, stage, _) in states {
        if *stage != "connected" {
            out.push(format!("shard {id} is {stage}"));
        }
    }
    out
}

/// Listen on `addr` in the background; the address bound (the port, when
/// `addr` asked for port 0).
pub async fn listen(addr: SocketAddr, health: Arc<Health>) -> Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on metrics.listen = \"{addr}\""))?;
    let bound = listener.local_addr()?;
    tracing::info!(address = %bound, "metrics and health listening on http://{bound}/metrics and /healthz");
    tokio::spawn(async move {
        loop {
            let stream = match listener.accept().await {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors, say: wait, do not spin.
                    tracing::warn!(error = %e, "metrics listener cannot accept");
                    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                    continue;
                }
            };
            let health = Arc::clone(&health);
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req| {
                    let health = Arc::clone(&health);
                    async move { Ok::<_, std::convert::Infallible>(respond(&req, &health).await) }
                });
                let io = hyper_util::rt::TokioIo::new(stream);
                if let Err(e) = hyper::server::conn::http1::Builder::new()
                    .serve_connection(io, service)
                    .await
                {
                    tracing::debug!(error = %e, "metrics connection ended");
                }
            });
        }
    });
    Ok(bound)
}

async fn respond<B>(req: &Request<B>, health: &Health) -> Response<Full<Bytes>> {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return text(StatusCode::METHOD_NOT_ALLOWED, "only GET\n".to_string());
    }
    match req.uri().path() {
        "/metrics" => {
            // Shard states are read when asked, so refresh them first.
            let _ = health.problems().await;
            let body = metrics::global().encode();
            let mut r = text(StatusCode::OK, body);
            r.headers_mut().insert(
                hyper::header::CONTENT_TYPE,
                hyper::header::HeaderValue::from_static(prometheus::TEXT_FORMAT),
            );
            r
        }
        "/healthz" => {
            let problems = health.problems().await;
            if problems.is_empty() {
                text(StatusCode::OK, "ok\n".to_string())
            } else {
                let body = problems.join("\n") + "\n";
                text(StatusCode::SERVICE_UNAVAILABLE, body)
            }
        }
        _ => text(
            StatusCode::NOT_FOUND,
            "not found: try /metrics or /healthz\n".to_string(),
        ),
    }
}

fn text(status: StatusCode, body: String) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = status;
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

/// serenity's events that are not poise's: READY per shard, for `/healthz`,
/// and the rate limiter's waits, for the metrics.
pub(super) struct GatewayWatch {
    pub health: Arc<Health>,
}

#[serenity::async_trait]
impl serenity::EventHandler for GatewayWatch {
    async fn ready(&self, ctx: serenity::Context, _: serenity::Ready) {
        self.health.ready(ctx.shard_id.0);
    }

    async fn ratelimit(&self, info: serenity::RatelimitInfo) {
        metrics::global().rate_limited(info.global, info.timeout);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn healthy_only_with_the_index_open_and_every_shard_connected() {
        let up = |id| (id, "connected", None);
        let seen: BTreeSet<u32> = [0, 1].into();
        assert!(assess(true, true, &[up(0), up(1)], &seen).is_empty());
        assert_eq!(
            assess(false, true, &[up(0), up(1)], &seen),
            ["the index is not open yet"]
        );
        assert_eq!(
            assess(true, false, &[], &BTreeSet::new()),
            ["the Discord client is not built yet"]
        );
        assert_eq!(
            assess(true, true, &[], &BTreeSet::new()),
            ["no gateway shard is running yet"]
        );
        // One shard resuming, the other connected.
        assert_eq!(
            assess(true, true, &[up(0), (1, "resuming", None)], &seen),
            ["shard 1 is resuming"]
        );
        // serenity restarting shard 1: no runner for it while shard 0 runs.
        assert_eq!(
            assess(true, true, &[up(0)], &seen),
            ["shard 1 is reconnecting (not running)"]
        );
    }
}
