//! `metrics.listen` on a real `confnotes serve` against the mock Discord:
//! `/healthz` before the gateway is ready, once connected, and after the
//! mock drops the connection (and refuses new ones), then connected again;
//! `/metrics` parsed as Prometheus text, its counters moved by exactly the
//! questions, claims and REST failures the test caused.

use crate::common;
use crate::discord_shards::{answered, ask};
use crate::discord_shared_state::subscribe_due_now;
use crate::mock_discord::harness::{buttons, callback, click_on, digests_in, interaction, option};
use crate::mock_discord::serve::{serve_command, Serve};
use crate::mock_discord::{Fault, Kill, MockDiscord, CHANNEL_ID};
use prometheus_parse::{Scrape, Value};
use serde_json::json;
use std::time::{Duration, Instant};

/// The address serve says it listens on, once it says so.
async fn listening(serve: &Serve) -> String {
    let re = regex::Regex::new(r"listening on http://([0-9.]+:[0-9]+)/metrics").unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(c) = re.captures(&serve.log()) {
            return c[1].to_string();
        }
        assert!(
            Instant::now() < deadline,
            "serve never said where it listens:\n{}",
            serve.log()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn get(addr: &str, path: &str) -> (u16, String) {
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let r = client
        .get(format!("http://{addr}{path}"))
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {path}: {e}"));
    (r.status().as_u16(), r.text().await.unwrap())
}

/// Poll `/healthz` until it answers `status`; its body then.
async fn health_becomes(addr: &str, status: u16, serve: &Serve) -> String {
    let deadline = Instant::now() + Duration::from_secs(45);
    loop {
        let (s, body) = get(addr, "/healthz").await;
        if s == status {
            return body;
        }
        assert!(
            Instant::now() < deadline,
            "/healthz stayed {s} ({body:?}), never {status}; serve's log:\n{}",
            serve.log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn scrape(addr: &str) -> Scrape {
    let (status, body) = get(addr, "/metrics").await;
    assert_eq!(status, 200, "{body}");
    let lines = body.lines().map(|l| Ok(l.to_string()));
    Scrape::parse(lines).expect("/metrics is Prometheus text")
}

/// The value of the sample named `metric` whose labels include `labels`;
/// a histogram gives its count (its +Inf bucket).
fn value(s: &Scrape, metric: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let sample = s
        .samples
        .iter()
        .find(|x| x.metric == metric && labels.iter().all(|(k, v)| x.labels.get(k) == Some(*v)))?;
    Some(match &sample.value {
        Value::Counter(v) | Value::Gauge(v) | Value::Untyped(v) => *v,
        Value::Histogram(buckets) => buckets
            .iter()
            .find(|b| b.less_than.is_infinite())
            .map_or(0.0, |b| b.count),
        Value::Summary(_) => panic!("{metric} is a summary"),
    })
}

fn counted(s: &Scrape, metric: &str, labels: &[(&str, &str)]) -> f64 {
    value(s, metric, labels).unwrap_or_else(|| {
        let names: Vec<_> = s.samples.iter().map(|x| &x.metric).collect();
        panic!("no {metric} {labels:?} among {names:?}")
    })
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_what_happened_and_healthz_follows_the_gateway() {
    let mock = MockDiscord::start().await;
    // Discord out of reach at start: serve is up, its gateway is not.
    mock.refuse_gateway(true);
    let (tmp, notes) = common::one_note();
    let data = tmp.path().join("data");
    // A digest due as soon as the bot connects.
    std::fs::create_dir_all(&data).unwrap();
    let state = confnotes::store::SqliteStore::open(&data.join("state.sqlite3")).unwrap();
    subscribe_due_now(&state, CHANNEL_ID, "");
    drop(state);
    let mut command = serve_command(&mock, &notes, &data);
    command
        .env("CONFNOTES_METRICS__LISTEN", "127.0.0.1:0")
        .env("CONFNOTES_QA__CHANNELS", format!("[{CHANNEL_ID}]"));
    let serve = Serve::spawn(command);
    let addr = listening(&serve).await;

    // Before the gateway is ready: unhealthy, and it says why.
    let (status, body) = get(&addr, "/healthz").await;
    assert_eq!(status, 503, "{body}");
    assert!(
        body.contains("shard"),
        "the reason names the gateway: {body}"
    );
    let before = scrape(&addr).await;
    assert!(counted(&before, "confnotes_index_chunks", &[]) > 0.0);
    assert!(
        counted(
            &before,
            "confnotes_index_last_reindex_timestamp_seconds",
            &[]
        ) > 1.0e9
    );
    assert_eq!(
        counted(
            &before,
            "confnotes_answers_total",
            &[("outcome", "answered")]
        ),
        0.0
    );

    // Discord back: connected, healthy.
    mock.refuse_gateway(false);
    mock.wait_ready().await;
    assert_eq!(health_becomes(&addr, 200, &serve).await, "ok\n");
    mock.wait_for("the commands' registration", |r| {
        r.method == "PUT" && r.path.ends_with("/commands")
    })
    .await;
    mock.wait_until("the digest", |m| !digests_in(m, CHANNEL_ID).is_empty())
        .await;

    // Three questions in the Q&A channel (the third's reply fails with a
    // 500, then a 429 passed on by the REST proxy, and is retried) and one
    // /ask.
    let found = ask(
        &mock,
        CHANNEL_ID,
        "how do teams run webassembly on kubernetes?",
    );
    answered(&mock, found).await;
    let nothing = ask(&mock, CHANNEL_ID, "zqxjv wibblefrotz plonkish?");
    answered(&mock, nothing).await;
    mock.inject_on("/messages$", Fault::ServerError);
    mock.inject_on(
        "/messages$",
        Fault::RateLimitedFor(Duration::from_millis(300)),
    );
    let retried = ask(&mock, CHANNEL_ID, "what did the talks say about gitops?");
    answered(&mock, retried).await;
    let data = json!({"id": "1", "name": "ask", "type": 1,
        "options": [option("question", 3, json!("argo")), option("hide", 5, json!(true))]});
    let (id, payload) = interaction(&mock, 2, data, "0");
    mock.dispatch("INTERACTION_CREATE", payload);
    let hidden = callback(&mock, id).await;
    // Showing the same answer to the channel is no new question.
    let show = buttons(&hidden)
        .into_iter()
        .find(|b| b.0 == "Show to channel");
    click_on(&mock, &show.expect("a Show to channel button").1, true).await;

    // The counters moved by what was done, no more: a scrape can come
    // before the /ask's reply is timed, so wait for it.
    let deadline = Instant::now() + Duration::from_secs(20);
    let s = loop {
        let s = scrape(&addr).await;
        let timed = value(
            &s,
            "confnotes_answer_duration_seconds",
            &[("command", "ask")],
        );
        if timed == Some(1.0) || Instant::now() > deadline {
            break s;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let q = |command| counted(&s, "confnotes_questions_total", &[("command", command)]);
    assert_eq!(q("qa"), 3.0);
    assert_eq!(q("ask"), 1.0);
    let latency = |command| {
        counted(
            &s,
            "confnotes_answer_duration_seconds",
            &[("command", command)],
        )
    };
    assert_eq!(latency("qa"), 3.0, "every Q&A answer is timed");
    assert_eq!(latency("ask"), 1.0);
    let outcome = |o| counted(&s, "confnotes_answers_total", &[("outcome", o)]);
    assert_eq!(
        outcome("answered") + outcome("no_match") + outcome("below_floor"),
        4.0,
        "one outcome per question, none for showing one again"
    );
    assert!(
        outcome("answered") >= 3.0,
        "webassembly, gitops and argo are in the note"
    );
    assert_eq!(
        outcome("no_match") + outcome("below_floor"),
        1.0,
        "the gibberish found nothing close"
    );
    assert_eq!(
        counted(&s, "confnotes_qa_claims_total", &[("result", "won")]),
        3.0
    );
    let digests = |state| counted(&s, "confnotes_digest_posts_total", &[("state", state)]);
    assert_eq!(digests("posted"), 1.0);
    assert_eq!(digests("failed"), 0.0);
    let rest = |status| {
        counted(
            &s,
            "confnotes_discord_rest_errors_total",
            &[("status", status)],
        )
    };
    assert_eq!((rest("500"), rest("429"), rest("network")), (1.0, 1.0, 0.0));
    let waits = counted(
        &s,
        "confnotes_discord_rate_limit_waits_total",
        &[("scope", "route")],
    );
    assert_eq!(waits, 1.0);
    // After a 429 the retry waits at least a second.
    let waited = counted(&s, "confnotes_discord_rate_limit_wait_seconds_total", &[]);
    assert!(waited >= 1.0, "{waited}");
    assert_eq!(
        counted(&s, "confnotes_gateway_shard_connected", &[("shard", "0")]),
        1.0
    );
    assert_eq!(
        counted(
            &s,
            "confnotes_gateway_shard_stage",
            &[("shard", "0"), ("stage", "connected")]
        ),
        1.0
    );

    // The mock drops the connection and refuses new ones: unhealthy, with
    // the shard named; the gauge says so too.
    mock.refuse_gateway(true);
    mock.kill_gateway(Kill::Abrupt);
    let body = health_becomes(&addr, 503, &serve).await;
    assert!(body.contains("shard 0"), "{body}");
    let s = scrape(&addr).await;
    let up = value(&s, "confnotes_gateway_shard_connected", &[("shard", "0")]);
    assert_ne!(up, Some(1.0), "shard 0 is not up");

    // Back again.
    mock.refuse_gateway(false);
    assert_eq!(health_becomes(&addr, 200, &serve).await, "ok\n");
    let (status, log) = serve.stop().await;
    assert!(status.success(), "{log}");
    assert!(
        !log.contains(common::TEST_TOKEN),
        "the token never reaches the log"
    );
}
