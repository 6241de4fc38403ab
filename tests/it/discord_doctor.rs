//! `confnotes doctor`'s Discord checks, the real binary against the mock:
//! the gateway, the application and the commands' registration before and
//! after a real `serve` registered them, a refused token, Discord out of
//! reach, and `--offline`.

use crate::common;
use crate::mock_discord;

use mock_discord::serve::{serve_command, Serve};
use mock_discord::{Fault, MockDiscord, GUILD_ID};
use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Output};

/// The shipped notes in a directory of their own, and where doctor looks
/// for the state and the index.
struct Setup {
    _tmp: tempfile::TempDir,
    notes: PathBuf,
    data: PathBuf,
}

impl Setup {
    fn new() -> Setup {
        let tmp = tempfile::tempdir().unwrap();
        let notes = tmp.path().join("notes");
        common::copy_shipped(&notes);
        let data = tmp.path().join("data");
        Setup {
            _tmp: tmp,
            notes,
            data,
        }
    }

    /// `confnotes doctor` with `api_base` and `token`, plus `args` and
    /// variables.
    fn doctor(&self, api_base: &str, token: &str, args: &[&str], env: &[(&str, &str)]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_confnotes"));
        c.current_dir(common::root())
            .args(["--notes", self.notes.to_str().unwrap(), "doctor"])
            .args(args)
            .env("DISCORD_TOKEN", token)
            .env("CONFNOTES_DISCORD__API_BASE", api_base)
            .env("CONFNOTES_DATA_DIR", &self.data);
        for (k, v) in env {
            c.env(k, v);
        }
        c
    }
}

/// Run it off the runtime's threads: the mock answers on them.
async fn run(mut command: Command) -> Output {
    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
}

/// `doctor --json`'s exit code and its checks of area `discord`.
async fn discord_checks(command: Command) -> (Option<i32>, Vec<Value>) {
    let out = run(command).await;
    let checks: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "doctor --json printed no JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let all = checks.as_array().unwrap().iter();
    let discord = all.filter(|c| c["area"] == "discord").cloned().collect();
    (out.status.code(), discord)
}

fn has(checks: &[Value], status: &str, words: &[&str]) -> bool {
    checks.iter().any(|c| {
        let message = c["message"].as_str().unwrap_or("");
        c["status"] == status && words.iter().all(|w| message.contains(w))
    })
}

fn statuses(checks: &[Value]) -> Vec<&str> {
    checks
        .iter()
        .map(|c| c["status"].as_str().unwrap())
        .collect()
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_checks_the_gateway_and_the_commands_registration() {
    let mock = MockDiscord::start().await;
    let setup = Setup::new();
    let doctor = |env: &[(&str, &str)]| {
        let args = ["--json"];
        setup.doctor(&mock.api_base, common::TEST_TOKEN, &args, env)
    };

    // Before any serve: the token is accepted, the gateway reachable, and
    // no command registered, which serve fixes by itself (a warning).
    let (code, checks) = discord_checks(doctor(&[])).await;
    assert_eq!(code, Some(0), "{checks:#?}");
    assert!(
        has(
            &checks,
            "ok",
            &[
                "token accepted, gateway reachable",
                "1 shard(s)",
                "999 of 1000"
            ]
        ),
        "{checks:#?}"
    );
    assert!(
        has(&checks, "ok", &["application confnotes"]),
        "{checks:#?}"
    );
    assert!(
        has(&checks, "warning", &["no commands registered globally yet"]),
        "{checks:#?}"
    );
    let advice: Vec<&str> = checks.iter().filter_map(|c| c["advice"].as_str()).collect();
    assert!(
        advice.contains(&"registered at the next start of serve"),
        "{checks:#?}"
    );
    let asked: Vec<String> = mock.requests().iter().map(|r| r.method.clone()).collect();
    assert!(
        asked.iter().all(|m| m == "GET"),
        "doctor only reads: {asked:?}"
    );

    // The real serve registers its commands; then doctor finds them all.
    let serve = Serve::spawn(serve_command(&mock, &setup.notes, &setup.data));
    let put = mock
        .wait_for("the commands registered", |r| {
            r.method == "PUT" && r.path.ends_with("/commands")
        })
        .await;
    assert_eq!(put.status, 200);
    let (status, log) = serve.stop().await;
    assert!(status.success(), "{log}");
    let registered = mock.commands(None);
    assert!(registered.len() > 10, "{registered:#?}");
    let (code, checks) = discord_checks(doctor(&[])).await;
    assert_eq!(code, Some(0), "{checks:#?}");
    assert_eq!(statuses(&checks), ["ok", "ok", "ok"], "{checks:#?}");
    let n = registered.len().to_string();
    assert!(
        has(
            &checks,
            "ok",
            &[&n, "commands registered globally, as serve registers them"]
        ),
        "{checks:#?}"
    );

    // One missing, one left from an older version: both named. The menu
    // entry is compared with its type too.
    let mut kept: Vec<(u8, String)> = registered
        .iter()
        .map(|c| {
            (
                c["type"].as_u64().unwrap() as u8,
                c["name"].as_str().unwrap().to_string(),
            )
        })
        .filter(|(_, name)| name != "links")
        .collect();
    kept.push((1, "oldcommand".to_string()));
    let kept: Vec<(u8, &str)> = kept.iter().map(|(k, n)| (*k, n.as_str())).collect();
    mock.set_commands(None, &kept);
    let (code, checks) = discord_checks(doctor(&[])).await;
    assert_eq!(code, Some(0), "{checks:#?}");
    assert!(
        has(
            &checks,
            "warning",
            &["1 of ", "not registered globally: /links"]
        ),
        "{checks:#?}"
    );
    assert!(
        has(
            &checks,
            "warning",
            &["1 commands registered globally that this version does not have: /oldcommand"]
        ),
        "{checks:#?}"
    );

    // In guild mode each guild is asked; global commands left behind are
    // named, since serve would not remove them.
    let guilds = format!("[{GUILD_ID}]");
    let (code, checks) = discord_checks(doctor(&[("CONFNOTES_DISCORD__GUILD_IDS", &guilds)])).await;
    assert_eq!(code, Some(0), "{checks:#?}");
    assert!(
        has(
            &checks,
            "warning",
            &[&format!("no commands registered in guild {GUILD_ID} yet")]
        ),
        "{checks:#?}"
    );
    assert!(
        has(
            &checks,
            "warning",
            &["also registered globally", "/oldcommand"]
        ),
        "{checks:#?}"
    );
    let path = format!(
        "/applications/{}/guilds/{GUILD_ID}/commands",
        mock_discord::APP_ID
    );
    assert!(
        mock.requests()
            .iter()
            .any(|r| r.method == "GET" && r.path.ends_with(&path)),
        "the guild's commands were asked for"
    );
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_fails_when_discord_refuses_the_token_and_never_shows_it() {
    let mock = MockDiscord::start().await;
    let setup = Setup::new();
    mock.inject_on("GET /api/v10/gateway/bot", Fault::Unauthorized);
    // Text output, with the most logging there is: the token must show in
    // neither stream.
    let env = [("CONFNOTES_LOG", "trace")];
    let command = setup.doctor(&mock.api_base, common::TEST_TOKEN, &[], &env);
    let out = run(command).await;
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stdout.contains(
            "FAIL discord  Discord refused the token (GET /gateway/bot: 401 Unauthorized)"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("Bot > Reset Token"), "{stdout}");
    let secret = common::TEST_TOKEN.split('.').nth(2).unwrap();
    for (name, text) in [("stdout", &stdout), ("stderr", &stderr)] {
        assert!(
            !text.contains(common::TEST_TOKEN) && !text.contains(secret),
            "the token is in {name}:\n{text}"
        );
    }
    // Nothing is asked after the refusal: it would be refused too.
    let paths: Vec<String> = mock.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(paths, ["/api/v10/gateway/bot"]);
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_only_warns_when_discord_is_out_of_reach_and_offline_asks_nothing() {
    let mock = MockDiscord::start().await;
    let setup = Setup::new();

    // Nothing listens on port 1: a warning, and still exit 0.
    let args = ["--json"];
    let command = setup.doctor("http://127.0.0.1:1", common::TEST_TOKEN, &args, &[]);
    let (code, checks) = discord_checks(command).await;
    assert_eq!(code, Some(0), "{checks:#?}");
    assert_eq!(statuses(&checks), ["warning"], "{checks:#?}");
    assert!(
        has(
            &checks,
            "warning",
            &[
                "Discord could not be reached (",
                "the offline checks still hold"
            ]
        ),
        "{checks:#?}"
    );
    assert!(checks[0]["advice"].as_str().unwrap().contains("--offline"));

    // --offline: one line says so, and the mock hears nothing.
    let args = ["--json", "--offline"];
    let command = setup.doctor(&mock.api_base, common::TEST_TOKEN, &args, &[]);
    let (code, checks) = discord_checks(command).await;
    assert_eq!(code, Some(0), "{checks:#?}");
    assert_eq!(statuses(&checks), ["ok"], "{checks:#?}");
    assert_eq!(checks[0]["message"], "not checked (--offline)");
    assert!(mock.requests().is_empty(), "{:#?}", mock.requests());

    // A token that cannot be one is not sent: the offline check already
    // failed.
    let command = setup.doctor(&mock.api_base, "hunter2", &args[..1], &[]);
    let (code, checks) = discord_checks(command).await;
    assert_eq!(code, Some(1));
    assert!(checks.is_empty(), "{checks:#?}");
    assert!(mock.requests().is_empty(), "{:#?}", mock.requests());
}

/// A Discord that stops answering halfway: the probe gives up after its
/// 10 seconds, keeps what it found before, and doctor still exits 0.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_gives_discord_ten_seconds_and_keeps_what_it_found() {
    let mock = MockDiscord::start().await;
    let setup = Setup::new();
    let slow = Fault::Slow(std::time::Duration::from_secs(60));
    mock.inject_on("GET /api/v10/oauth2/applications/@me", slow);
    let args = ["--json"];
    let command = setup.doctor(&mock.api_base, common::TEST_TOKEN, &args, &[]);
    let started = std::time::Instant::now();
    let (code, checks) = discord_checks(command).await;
    let took = started.elapsed();
    assert_eq!(code, Some(0), "{checks:#?}");
    assert_eq!(statuses(&checks), ["ok", "warning"], "{checks:#?}");
    assert!(has(&checks, "ok", &["token accepted"]), "{checks:#?}");
    assert!(
        has(
            &checks,
            "warning",
            &[
                "Discord did not answer within 10 seconds",
                "the offline checks still hold"
            ]
        ),
        "{checks:#?}"
    );
    assert!(
        took >= std::time::Duration::from_secs(10) && took < std::time::Duration::from_secs(30),
        "{took:?}"
    );
}
