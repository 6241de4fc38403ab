//! `notes.git_commit` through the mock Discord: a note written from Discord
//! is committed with the Discord user as author (hostile names stay
//! literal), a notes directory outside git still gets the note, two notes
//! with one title at once are both written, and a note written just before
//! a restart is indexed when the bot starts again.

use crate::discord_notes::{files, notes_dir};
use crate::mock_discord;

use confnotes::capture::{self, Draft};
use mock_discord::harness::*;
use serde_json::json;
use std::path::Path;
use std::process::Command;

const MANAGE_MESSAGES: &str = "8192";
const FORM: &str = "cn1|note|new";

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).to_string()
}

fn repo(notes: &Path) {
    git(notes, &["init", "-q"]);
    git(notes, &["config", "user.name", "Repo Owner"]);
    git(notes, &["config", "user.email", "owner@example.org"]);
    git(notes, &["config", "commit.gpgsign", "false"]);
    git(notes, &["add", "--", "."]);
    git(notes, &["commit", "-q", "-m", "initial"]);
}

async fn start_git(notes: &Path) -> Bot {
    start_bot(notes, FakeClock::at("2026-11-22T10:00:00Z"), |c| {
        c.notes.git_commit = true
    })
    .await
}

/// Send the form as `user`; the answer's text.
async fn write_as(bot: &Bot, title: &str, user: (u64, &str)) -> String {
    let f = [
        ("title", title),
        ("speakers", "Ada Lovelace, Engines"),
        ("conference", "WasmCon 2026"),
        ("notes", "Fuel metering keeps plugins in their budget."),
    ];
    let (id, mut payload) = form_submit(&bot.mock, FORM, &f, MANAGE_MESSAGES);
    payload["member"]["user"] = mock_discord::user(user.0, user.1, false);
    let deferred = submit(bot, (id, payload)).await;
    assert_eq!(deferred["type"], 5, "{deferred:#}");
    let answer = original_edit(&bot.mock, id).await;
    assert_no_pings(&answer);
    answer["content"].as_str().unwrap_or("").to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_note_from_discord_is_committed_by_its_author_and_hostile_names_stay_names() {
    let (_tmp, notes) = notes_dir();
    repo(&notes);
    let bot = start_git(&notes).await;
    let names = ["alice", "--exec=evil", "\"; rm -rf /"];
    for (i, name) in names.iter().enumerate() {
        let title = format!("Plugins {i}");
        let text = write_as(&bot, &title, (1_100_000_000_000_000_100 + i as u64, name)).await;
        assert!(!text.contains("not committed"), "{text}");
        let rel = format!("wasmcon-2026/plugins-{i}.md");
        assert!(notes.join(&rel).is_file(), "{:?}", files(&notes));
        let log = git(&notes, &["log", "-1", "--format=%an|%s", "--", &rel]);
        // git itself trims `.,:;<>"'` and spaces off a name's ends.
        let shown = name.trim_matches(|c| ".,:;<>\"' ".contains(c));
        assert_eq!(
            log.trim(),
            format!("{shown}|confnotes: new note {rel} (by {name})")
        );
        assert_eq!(
            git(&notes, &["status", "--porcelain"]),
            "",
            "clean after {name}"
        );
    }
    assert_eq!(git(&notes, &["rev-list", "--count", "HEAD"]).trim(), "4");
    assert!(notes.join("wasmcon-2026").is_dir() && !Path::new("/evil").exists());
    validate_all(&bot.mock);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outside_a_repository_the_note_is_saved_and_the_reply_says_not_committed() {
    let (_tmp, notes) = notes_dir();
    let bot = start_git(&notes).await;
    let text = write_as(&bot, "No repo here", (1_100_000_000_000_000_101, "alice")).await;
    assert!(
        text.contains("Saved as `wasmcon-2026/no-repo-here.md`"),
        "{text}"
    );
    assert!(text.contains("Saved, but not committed:"), "{text}");
    assert!(notes.join("wasmcon-2026/no-repo-here.md").is_file());
    // The bot keeps working.
    let again = write_as(&bot, "Still here", (1_100_000_000_000_000_101, "alice")).await;
    assert!(
        again.contains("Saved as `wasmcon-2026/still-here.md`"),
        "{again}"
    );
    validate_all(&bot.mock);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_notes_with_one_title_at_once_are_two_whole_files() {
    let (_tmp, notes) = notes_dir();
    repo(&notes);
    let bot = start_git(&notes).await;
    let f = |body: &'static str| {
        [
            ("title", "Same title"),
            ("speakers", ""),
            ("conference", "WasmCon 2026"),
            ("notes", body),
        ]
    };
    let (a, b) = (f("First writer's notes."), f("Second writer's notes."));
    let first = form_submit(&bot.mock, FORM, &a, MANAGE_MESSAGES);
    let second = form_submit(&bot.mock, FORM, &b, MANAGE_MESSAGES);
    let ids = [first.0, second.0];
    bot.mock.dispatch("INTERACTION_CREATE", first.1);
    bot.mock.dispatch("INTERACTION_CREATE", second.1);
    let mut texts = Vec::new();
    for id in ids {
        assert_eq!(callback(&bot.mock, id).await["type"], 5);
        let answer = original_edit(&bot.mock, id).await;
        texts.push(answer["content"].as_str().unwrap_or("").to_string());
    }
    let written: Vec<String> = files(&notes)
        .into_iter()
        .filter(|f| f.starts_with("wasmcon-2026/"))
        .collect();
    assert_eq!(
        written,
        ["wasmcon-2026/same-title-2.md", "wasmcon-2026/same-title.md"]
    );
    let bodies: Vec<String> = written
        .iter()
        .map(|r| std::fs::read_to_string(notes.join(r)).unwrap())
        .collect();
    assert!(bodies
        .iter()
        .all(|b| b.starts_with("+++\n") && b.ends_with("notes.\n")));
    assert!(bodies.iter().any(|b| b.contains("First writer's")));
    assert!(bodies.iter().any(|b| b.contains("Second writer's")));
    for t in &texts {
        assert!(t.contains("Saved as `wasmcon-2026/same-title"), "{t}");
        assert!(!t.contains("not committed"), "{t}");
    }
    let store = bot.store();
    for rel in &written {
        assert!(store.note_record(rel).unwrap().is_some(), "{rel} recorded");
    }
    assert_eq!(git(&notes, &["status", "--porcelain"]), "");
    validate_all(&bot.mock);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_note_written_just_before_a_restart_is_indexed_at_start() {
    let (_tmp, notes) = notes_dir();
    let bot = start_with(&notes).await;
    // Written as the bot writes one, but the bot stops before indexing it.
    let draft = Draft {
        title: "Quokka telemetry pipelines".to_string(),
        speakers: "Grace Hopper, Navy".to_string(),
        conference: Some("WasmCon 2026".to_string()),
        body: "Zanzibar-style quokka telemetry sampling at the edge.".to_string(),
        author: "alice".to_string(),
        date: chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap(),
    };
    capture::write_new(&notes, &draft, 1024 * 1024).unwrap();
    let bot = bot.restart().await;
    let asked = command(
        &bot,
        "ask",
        vec![option("question", 3, json!("quokka telemetry sampling"))],
    )
    .await;
    assert_eq!(
        embed_titles(&asked).first().map(String::as_str),
        Some("1. Quokka telemetry pipelines"),
        "{asked:#}"
    );
}
