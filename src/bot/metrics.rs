//! What a running bot counts, for Prometheus: questions, answers and how
//! long they took, the index, the gateway, Discord's REST API, digest posts
//! and Q&A claims. One registry per process, kept by [`global`]: the
//! counters are bumped where the work happens (handlers, the retry loop,
//! the digest scheduler), far from the `Data` that serve builds, and a
//! process runs one bot. `/metrics` ([`super::health`]) encodes it in
//! Prometheus' text format with the `prometheus` crate.
//!
//! The README's Operations section lists every metric with its meaning;
//! keep it in step with [`Metrics::new`].

use crate::answer::Answer;
use crate::digest::runner::Outcome;
use poise::serenity_prelude as serenity;
use prometheus::{
    Gauge, GaugeVec, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec,
    Opts, Registry,
};
use std::sync::OnceLock;
use std::time::Duration;

/// Answer latencies, in seconds: a search answers in milliseconds, a reply
/// through Discord in a few hundred, a retried one in seconds.
const LATENCY_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// Every metric the bot keeps.
pub struct Metrics {
    registry: Registry,
    /// Questions received, by command (`ask`, `search`, ..., `qa` for a
    /// question in a Q&A channel, `followup` in its thread).
    pub questions: IntCounterVec,
    /// Questions answered from the notes, one each, by outcome: `answered`,
    /// `no_match` (nothing at all), `below_floor` (only notes under the
    /// relevance floor, shown as the nearest).
    pub answers: IntCounterVec,
    /// From receiving a question to having replied, by command.
    pub answer_seconds: HistogramVec,
    pub index_chunks: IntGauge,
    pub index_sessions: IntGauge,
    pub index_bytes: IntGauge,
    pub reindex_timestamp: Gauge,
    pub reindex_seconds: Gauge,
    pub reindex_failures: IntCounter,
    /// 1 for each shard whose connection is up (READY or RESUMED).
    pub shard_connected: IntGaugeVec,
    /// 1 for each shard's current connection stage.
    pub shard_stage: IntGaugeVec,
    pub shard_latency: GaugeVec,
    /// Discord REST calls that failed, by HTTP status (`network` when no
    /// answer came).
    pub rest_errors: IntCounterVec,
    /// Waits for Discord's rate limits, by scope (`route`, `global`).
    pub rate_limit_waits: IntCounterVec,
    pub rate_limit_wait_seconds: prometheus::Counter,
    /// Digest posts, by what became of them.
    pub digest_posts: IntCounterVec,
    /// Q&A messages claimed (`won`: this process answers) or found claimed
    /// already (`lost`: answered before, or by another process).
    pub qa_claims: IntCounterVec,
}

/// The process' metrics.
pub fn global() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(Metrics::new)
}

impl Metrics {
    fn new() -> Metrics {
        let registry = Registry::new();
        let r = &registry;
        let metrics = Metrics {
            questions: counters(
                r,
                "confnotes_questions_total",
                "Questions received, by command",
                &["command"],
            ),
            answers: counters(
                r,
                "confnotes_answers_total",
                "Questions answered from the notes, by outcome: answered, no_match, below_floor",
                &["outcome"],
            ),
            answer_seconds: {
                let opts = HistogramOpts::new(
                    "confnotes_answer_duration_seconds",
                    "From receiving a question to having replied, by command",
                )
                .buckets(LATENCY_BUCKETS.to_vec());
                register(r, HistogramVec::new(opts, &["command"]))
            },
            index_chunks: register(
                r,
                IntGauge::new(
                    "confnotes_index_chunks",
                    "Chunks (sessions and other sections) in the index",
                ),
            ),
            index_sessions: register(
                r,
                IntGauge::new("confnotes_index_sessions", "Sessions in the index"),
            ),
            index_bytes: register(
                r,
                IntGauge::new("confnotes_index_size_bytes", "The index's size on disk"),
            ),
            reindex_timestamp: register(
                r,
                Gauge::new(
                    "confnotes_index_last_reindex_timestamp_seconds",
                    "When the notes were last indexed (Unix time)",
                ),
            ),
            reindex_seconds: register(
                r,
                Gauge::new(
                    "confnotes_index_last_reindex_duration_seconds",
                    "How long the last indexing took",
                ),
            ),
            reindex_failures: register(
                r,
                IntCounter::new(
                    "confnotes_index_reindex_failures_total",
                    "Re-indexing that failed (the previous index kept answering)",
                ),
            ),
            shard_connected: register(
                r,
                IntGaugeVec::new(
                    Opts::new(
                        "confnotes_gateway_shard_connected",
                        "1 when the shard's gateway connection is up",
                    ),
                    &["shard"],
                ),
            ),
            shard_stage: register(
                r,
                IntGaugeVec::new(
                    Opts::new(
                        "confnotes_gateway_shard_stage",
                        "1 for the shard's current connection stage",
                    ),
                    &["shard", "stage"],
                ),
            ),
            shard_latency: register(
                r,
                GaugeVec::new(
                    Opts::new(
                        "confnotes_gateway_latency_seconds",
                        "The shard's last heartbeat round trip",
                    ),
                    &["shard"],
                ),
            ),
            rest_errors: counters(
                r,
                "confnotes_discord_rest_errors_total",
                "Discord REST calls that failed, by HTTP status (network: no answer)",
                &["status"],
            ),
            rate_limit_waits: counters(
                r,
                "confnotes_discord_rate_limit_waits_total",
                "Waits for Discord's rate limits, by scope (route, global)",
                &["scope"],
            ),
            rate_limit_wait_seconds: register(
                r,
                prometheus::Counter::new(
                    "confnotes_discord_rate_limit_wait_seconds_total",
                    "Time spent waiting for Discord's rate limits",
                ),
            ),
            digest_posts: counters(
                r,
                "confnotes_digest_posts_total",
                "Digest posts, by state: posted, confirmed, missed, failed, gave_up",
                &["state"],
            ),
            qa_claims: counters(
                r,
                "confnotes_qa_claims_total",
                "Q&A messages claimed (won) or already claimed (lost)",
                &["result"],
            ),
            registry,
        };
        // Which version runs, and since when: dashboards mark upgrades and
        // restarts with these.
        let build = register(
            &metrics.registry,
            IntGaugeVec::new(
                Opts::new(
                    "confnotes_build_info",
                    "1, labelled with the running version",
                ),
                &["version"],
            ),
        );
        build.with_label_values(&[env!("CARGO_PKG_VERSION")]).set(1);
        let started = register(
            &metrics.registry,
            Gauge::new(
                "confnotes_start_time_seconds",
                "When this process started (Unix time)",
            ),
        );
        started.set(unix_now());
        // Series that alert rules divide by or compare exist from the start
        // at 0, rather than appearing with the first event.
        for outcome in ["answered", "no_match", "below_floor"] {
            metrics.answers.with_label_values(&[outcome]);
        }
        for status in ["network", "429", "500"] {
            metrics.rest_errors.with_label_values(&[status]);
        }
        for state in ["posted", "failed", "gave_up"] {
            metrics.digest_posts.with_label_values(&[state]);
        }
        metrics
    }

    /// Everything, in Prometheus' text format.
    pub fn encode(&self) -> String {
        let families = self.registry.gather();
        prometheus::TextEncoder::new()
            .encode_to_string(&families)
            .unwrap_or_else(|e| {
                tracing::error!(error = %e, "cannot encode the metrics");
                String::new()
            })
    }

    /// A question came for `command`.
    pub fn question(&self, command: &str) {
        self.questions.with_label_values(&[command]).inc();
    }

    /// `command` replied, `took` after the question came.
    pub fn replied(&self, command: &str, took: Duration) {
        (self.answer_seconds.with_label_values(&[command])).observe(took.as_secs_f64());
    }

    /// What the answer to a new question held (not a page shown again).
    pub fn answered(&self, answer: &Answer) {
        let outcome = if answer.hits.is_empty() {
            "no_match"
        } else if answer.nearest {
            "below_floor"
        } else {
            "answered"
        };
        self.answers.with_label_values(&[outcome]).inc();
    }

    /// The index as it is now, after indexing that took `took`.
    pub fn indexed(&self, chunks: usize, sessions: usize, dir: &std::path::Path, took: Duration) {
        self.index_chunks.set(chunks as i64);
        self.index_sessions.set(sessions as i64);
        self.index_bytes.set(dir_size(dir) as i64);
        self.reindex_timestamp.set(unix_now());
        self.reindex_seconds.set(took.as_secs_f64());
    }

    /// A Discord REST call failed.
    pub fn rest_error(&self, e: &serenity::Error) {
        let status = match super::retry::status(e) {
            Some(s) => s.to_string(),
            None => "network".to_string(),
        };
        if matches!(e, serenity::Error::Http(_)) {
            self.rest_errors.with_label_values(&[&status]).inc();
        }
    }

    /// A wait of `wait` for Discord's rate limit.
    pub fn rate_limited(&self, global: bool, wait: Duration) {
        let scope = if global { "global" } else { "route" };
        self.rate_limit_waits.with_label_values(&[scope]).inc();
        self.rate_limit_wait_seconds.inc_by(wait.as_secs_f64());
    }

    /// What a digest tick did for one subscription.
    pub fn digest(&self, outcome: &Outcome) {
        let state = match outcome {
            Outcome::Posted { .. } => "posted",
            Outcome::Confirmed { .. } => "confirmed",
            Outcome::Missed { .. } => "missed",
            Outcome::Failed { gave_up: false, .. } => "failed",
            Outcome::Failed { gave_up: true, .. } => "gave_up",
        };
        self.digest_posts.with_label_values(&[state]).inc();
    }

    /// A Q&A message was claimed by this process (`won`), or not.
    pub fn claim(&self, won: bool) {
        let result = if won { "won" } else { "lost" };
        self.qa_claims.with_label_values(&[result]).inc();
    }

    /// The shards as the gateway has them now: `(shard, stage, latency)`.
    /// Shards no longer running are dropped from the series.
    pub fn shards(&self, shards: &[(u32, &'static str, Option<Duration>)]) {
        self.shard_connected.reset();
        self.shard_stage.reset();
        self.shard_latency.reset();
        for (id, stage, latency) in shards {
            let shard = id.to_string();
            let up = i64::from(*stage == "connected");
            self.shard_connected.with_label_values(&[&shard]).set(up);
            self.shard_stage
                .with_label_values(&[shard.as_str(), stage])
                .set(1);
            if let Some(l) = latency {
                (self.shard_latency.with_label_values(&[&shard])).set(l.as_secs_f64());
            }
        }
    }
}

fn register<M: prometheus::core::Collector + Clone + 'static>(
    registry: &Registry,
    metric: prometheus::Result<M>,
) -> M {
    // The names and labels are constants: a failure here is a bug in this
    // file, found by the first test that starts a bot.
    let metric = metric.expect("a valid metric");
    registry
        .register(Box::new(metric.clone()))
        .expect("each metric registered once");
    metric
}

fn counters(registry: &Registry, name: &str, help: &str, labels: &[&str]) -> IntCounterVec {
    register(registry, IntCounterVec::new(Opts::new(name, help), labels))
}

fn unix_now() -> f64 {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    now.unwrap_or_default().as_secs_f64()
}

/// Bytes in the files under `dir`.
fn dir_size(dir: &std::path::Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => dir_size(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

/// A shard's connection stage as a label.
pub fn stage_name(stage: serenity::ConnectionStage) -> &'static str {
    use serenity::ConnectionStage as S;
    match stage {
        S::Connected => "connected",
        S::Connecting => "connecting",
        S::Disconnected => "disconnected",
        S::Handshake => "handshake",
        S::Identifying => "identifying",
        S::Resuming => "resuming",
        _ => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_format_names_every_family_and_counts_what_happened() {
        let m = Metrics::new();
        m.question("ask");
        m.question("ask");
        m.replied("ask", Duration::from_millis(30));
        m.claim(true);
        m.shards(&[
            (0, "connected", Some(Duration::from_millis(40))),
            (1, "resuming", None),
        ]);
        let text = m.encode();
        assert!(
            text.contains("confnotes_questions_total{command=\"ask\"} 2"),
            "{text}"
        );
        assert!(
            text.contains(
                "confnotes_answer_duration_seconds_bucket{command=\"ask\",le=\"0.05\"} 1"
            ),
            "{text}"
        );
        assert!(
            text.contains("confnotes_answers_total{outcome=\"no_match\"} 0"),
            "{text}"
        );
        let version = format!(
            "confnotes_build_info{{version=\"{}\"}} 1",
            env!("CARGO_PKG_VERSION")
        );
        assert!(text.contains(&version), "{text}");
        assert!(
            text.contains("confnotes_gateway_shard_connected{shard=\"0\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("confnotes_gateway_shard_connected{shard=\"1\"} 0"),
            "{text}"
        );
        assert!(
            text.contains("confnotes_gateway_shard_stage{shard=\"1\",stage=\"resuming\"} 1"),
            "{text}"
        );
        // A shard that stopped running leaves the series.
        m.shards(&[(0, "connected", None)]);
        assert!(!m.encode().contains("shard=\"1\""));
    }
}
