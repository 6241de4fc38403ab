//! `/note new` end to end against the mock Discord: the form (a modal,
//! callback type 9), its submission (MODAL_SUBMIT, interaction type 5), the
//! note file, the new session's card and `/ask` finding it; who may write,
//! hostile titles, the size limit and the per-user limit on the bot's clock.

use crate::common;
use crate::mock_discord;

use confnotes::capture::{self, Draft};
use mock_discord::harness::*;
use mock_discord::MockDiscord;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// The Manage Messages permission, as Discord sends a member's permissions.
const MANAGE_MESSAGES: &str = "8192";
const FORM: &str = "cn1|note|new";

pub(crate) fn sub(name: &str, options: Vec<Value>) -> Vec<Value> {
    vec![json!({"name": name, "type": 1, "options": options})]
}

/// A notes directory of one shipped note, in a fresh temporary directory.
pub(crate) fn notes_dir() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let notes = tmp.path().join("notes");
    std::fs::create_dir(&notes).unwrap();
    std::fs::copy(
        common::root().join("notes/kubecon-eu-2021.md"),
        notes.join("kubecon-eu-2021.md"),
    )
    .unwrap();
    (tmp, notes)
}

/// Every file under `dir`, relative to it, sorted.
pub(crate) fn files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().to_string();
                out.push(rel);
            }
        }
    }
    out.sort();
    out
}

fn fields<'a>(
    title: &'a str,
    speakers: &'a str,
    conf: &'a str,
    notes: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("title", title),
        ("speakers", speakers),
        ("conference", conf),
        ("notes", notes),
    ]
}

/// Send a form with Manage Messages; the deferred callback and the answer.
async fn write(bot: &Bot, f: &[(&str, &str)]) -> (Value, Value) {
    let (id, payload) = form_submit(&bot.mock, FORM, f, MANAGE_MESSAGES);
    let deferred = submit(bot, (id, payload)).await;
    assert_eq!(deferred["type"], 5, "deferred first: {deferred:#}");
    let answer = original_edit(&bot.mock, id).await;
    assert_no_pings(&answer);
    (deferred, answer)
}

/// A refusal: an ephemeral message callback, no pings.
pub(crate) fn assert_refused(body: &Value, words: &str) {
    assert_eq!(body["type"], 4, "{body:#}");
    assert_eq!(body["data"]["flags"], 64, "ephemeral: {body:#}");
    assert_no_pings(body);
    let text = body["data"]["content"].as_str().unwrap_or("");
    assert!(text.contains(words), "{words:?} not in {text:?}");
}

fn modals(mock: &MockDiscord) -> usize {
    mock.requests()
        .iter()
        .filter(|r| {
            r.body.as_ref().is_some_and(|b| b["type"] == 9) && r.path.ends_with("/callback")
        })
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_note_written_in_the_form_is_a_file_a_card_and_an_answer() {
    let (_tmp, notes) = notes_dir();
    let bot = start_with(&notes).await;
    let title = "Sandboxing plugins with Wasmtime";
    let options = vec![
        option("conference", 3, json!("WasmCon 2026")),
        option("title", 3, json!(title)),
    ];
    let modal = command_as(&bot, "note", sub("new", options), MANAGE_MESSAGES).await;
    assert_eq!(modal["type"], 9, "{modal:#}");
    let custom_id = modal["data"]["custom_id"].as_str().unwrap();
    assert!(custom_id.len() <= 100 && custom_id == FORM);
    let inputs: Vec<&Value> = modal["data"]["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| &row["components"][0])
        .collect();
    let shape: Vec<(&str, &str, u64, u64, bool)> = inputs
        .iter()
        .map(|i| {
            (
                i["custom_id"].as_str().unwrap(),
                i["label"].as_str().unwrap(),
                i["style"].as_u64().unwrap(),
                i["max_length"].as_u64().unwrap(),
                i["required"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        shape,
        [
            ("title", "Title", 1, 200, true),
            ("speakers", "Speakers and organisations", 1, 300, false),
            ("conference", "Conference", 1, 100, false),
            ("notes", "Notes", 2, 4000, true),
        ]
    );
    assert_eq!(inputs[0]["value"], title);
    assert_eq!(inputs[2]["value"], "WasmCon 2026");
    assert!(inputs[3].get("value").is_none(), "no empty prefill");

    let speakers = "Ada Lovelace, Analytical Engines";
    let body = "Wasmtime fuel metering keeps plugins from spinning forever.\n\n\
                Capabilities are granted per plugin through WASI preview 2.";
    let (_, answer) = write(&bot, &fields(title, speakers, "WasmCon 2026", body)).await;
    let rel = "wasmcon-2026/sandboxing-plugins-with-wasmtime.md";
    let content = answer["content"].as_str().unwrap();
    assert!(content.contains(&format!("Saved as `{rel}`")), "{content}");
    let card = &answer["embeds"][0];
    assert_eq!(card["title"], title, "{answer:#}");
    assert!(
        card["description"]
            .as_str()
            .unwrap()
            .contains("Ada Lovelace"),
        "{card:#}"
    );
    let draft = Draft {
        title: title.to_string(),
        speakers: speakers.to_string(),
        conference: Some("WasmCon 2026".to_string()),
        body: body.to_string(),
        author: "alice".to_string(),
        date: chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap(),
    };
    assert_eq!(
        std::fs::read_to_string(notes.join(rel)).unwrap(),
        capture::render(&draft).unwrap()
    );

    let asked = command(
        &bot,
        "ask",
        vec![option(
            "question",
            3,
            json!("wasmtime fuel metering for plugins"),
        )],
    )
    .await;
    assert_eq!(
        embed_titles(&asked).first().map(String::as_str),
        Some(format!("1. {title}").as_str()),
        "the new note answers at once"
    );
    validate_all(&bot.mock);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_writers_get_the_form_and_only_writers_forms_are_written() {
    let (_tmp, notes) = notes_dir();
    let before = files(&notes);
    let bot = start_with(&notes).await;
    let refused = command_as(&bot, "note", sub("new", vec![]), "0").await;
    assert_refused(&refused, "Manage Messages");
    assert_eq!(modals(&bot.mock), 0, "no form without the permission");
    // A form sent anyway (an old form, a member who lost the permission).
    let f = fields("Sneaky", "", "", "text");
    let forged = submit(&bot, form_submit(&bot.mock, FORM, &f, "0")).await;
    assert_refused(&forged, "Manage Messages");
    assert_eq!(files(&notes), before, "nothing written");
    validate_all(&bot.mock);

    // With notes.writers, a role decides, not the permission.
    let (_tmp2, notes) = notes_dir();
    let clock = FakeClock::at("2026-11-22T10:00:00Z");
    let bot = start_bot(&notes, clock, |c| c.notes.writers = vec![4242]).await;
    let with_role = |kind: u8, data: Value, perms: &str, roles: Value| {
        let (id, mut payload) = interaction(&bot.mock, kind, data, perms);
        payload["member"]["roles"] = roles;
        (id, payload)
    };
    let cmd =
        json!({"id": cmd_id("note"), "name": "note", "type": 1, "options": sub("new", vec![])});
    let no_role = submit(
        &bot,
        with_role(2, cmd.clone(), MANAGE_MESSAGES, json!(["7"])),
    )
    .await;
    assert_refused(&no_role, "note-writing roles");
    let writer = submit(&bot, with_role(2, cmd, "0", json!(["7", "4242"]))).await;
    assert_eq!(writer["type"], 9, "{writer:#}");
    let f = fields("Role Written Talk", "Grace Hopper, Navy", "", "Compilers.");
    let form = json!({"custom_id": FORM, "components": f.iter().map(|(id, v)| json!({"type": 1, "components": [{"type": 4, "custom_id": id, "value": v}]})).collect::<Vec<_>>()});
    let (id, payload) = with_role(5, form, "0", json!(["4242"]));
    assert_eq!(submit(&bot, (id, payload)).await["type"], 5);
    let answer = original_edit(&bot.mock, id).await;
    assert!(answer["content"]
        .as_str()
        .unwrap()
        .contains("notes/role-written-talk.md"));
    assert!(notes.join("notes/role-written-talk.md").is_file());
    validate_all(&bot.mock);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_titles_stay_inside_the_notes_with_safe_names_and_ping_no_one() {
    let (tmp, notes) = notes_dir();
    let bot = start_with(&notes).await;
    let long = "Very long title ".repeat(32);
    let titles = [
        "../../etc/passwd",
        "CON",
        "nul\0byte title",
        long.as_str(),
        "🎉🎉🎉",
        "@everyone <@&123> ||spoiler||",
    ];
    for title in titles {
        let f = fields(title, "@everyone, <@&42>", "../../../tmp", "Body text.");
        let (_, answer) = write(&bot, &f).await;
        let text = answer.to_string();
        assert!(!text.contains("@everyone"), "unescaped: {text}");
        assert!(!text.contains("<@&"), "unescaped: {text}");
        if let Some(t) = answer["embeds"][0]["title"].as_str() {
            assert!(t.chars().count() <= 256, "{t}");
        }
    }
    let written: Vec<String> = files(&notes)
        .into_iter()
        .filter(|f| f != "kubecon-eu-2021.md" && !f.starts_with(".confnotes"))
        .collect();
    assert_eq!(
        written,
        [
            "tmp/con-note.md",
            "tmp/etc-passwd.md",
            "tmp/everyone-123-spoiler.md",
            "tmp/note.md",
            "tmp/nul-byte-title.md",
            "tmp/very-long-title-very-long-title-very-long-title-very-long-ti.md",
        ],
        "{written:?}"
    );
    // Nothing beside the notes directory.
    let outside: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    assert_eq!(outside, ["notes"]);
    validate_all(&bot.mock);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_note_too_large_or_not_text_is_refused_and_nothing_is_written() {
    let (_tmp, notes) = notes_dir();
    let before = files(&notes);
    let clock = FakeClock::at("2026-11-22T10:00:00Z");
    let bot = start_bot(&notes, clock, |c| c.notes.max_note_kb = 1).await;
    let big = "word ".repeat(600);
    let f = fields("Big Talk", "", "", &big);
    let refused = submit(&bot, form_submit(&bot.mock, FORM, &f, MANAGE_MESSAGES)).await;
    assert_refused(&refused, "at most 1 KB");
    let f = fields("Binary Talk", "", "", "nul \0 inside");
    let refused = submit(&bot, form_submit(&bot.mock, FORM, &f, MANAGE_MESSAGES)).await;
    assert_refused(&refused, "not text");
    let f = fields("   ", "", "", "text");
    let refused = submit(&bot, form_submit(&bot.mock, FORM, &f, MANAGE_MESSAGES)).await;
    assert_refused(&refused, "needs a title");
    assert_eq!(files(&notes), before, "nothing written");
    validate_all(&bot.mock);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_writes_at_most_the_limit_per_hour_on_the_bots_clock() {
    let (_tmp, notes) = notes_dir();
    let clock = FakeClock::at("2026-11-22T10:00:00Z");
    let bot = start_bot(&notes, clock, |c| c.notes.per_user_per_hour = 2).await;
    write(&bot, &fields("First Talk", "", "", "One.")).await;
    bot.clock.set("2026-11-22T10:30:00Z");
    write(&bot, &fields("Second Talk", "", "", "Two.")).await;
    let f = fields("Third Talk", "", "", "Three.");
    let refused = submit(&bot, form_submit(&bot.mock, FORM, &f, MANAGE_MESSAGES)).await;
    assert_refused(&refused, "2 notes in the last hour");
    assert!(refused["data"]["content"]
        .as_str()
        .unwrap()
        .contains("in 30 min"));
    let no_form = command_as(&bot, "note", sub("new", vec![]), MANAGE_MESSAGES).await;
    assert_refused(&no_form, "2 notes in the last hour");
    assert!(!notes.join("notes/third-talk.md").exists());
    // An hour after the first note, one more fits.
    bot.clock.set("2026-11-22T11:00:00Z");
    let modal = command_as(&bot, "note", sub("new", vec![]), MANAGE_MESSAGES).await;
    assert_eq!(modal["type"], 9);
    write(&bot, &f).await;
    assert!(notes.join("notes/third-talk.md").is_file());
    let f = fields("Fourth Talk", "", "", "Four.");
    let refused = submit(&bot, form_submit(&bot.mock, FORM, &f, MANAGE_MESSAGES)).await;
    assert_refused(&refused, "2 notes in the last hour");
    validate_all(&bot.mock);
}

/// Another member than the harness's alice.
const BOB: u64 = 1_100_000_000_000_000_077;
const CAROL: u64 = 1_100_000_000_000_000_078;

/// `/note <name> options` by `user` (alice when `None`) with `perms`:
/// the interaction's id and its callback.
async fn note_as(
    bot: &Bot,
    name: &str,
    options: Vec<Value>,
    perms: &str,
    user: Option<(u64, &str)>,
) -> (u64, Value) {
    let data =
        json!({"id": cmd_id("note"), "name": "note", "type": 1, "options": sub(name, options)});
    let (id, mut payload) = interaction(&bot.mock, 2, data, perms);
    if let Some((uid, uname)) = user {
        payload["member"]["user"] = mock_discord::user(uid, uname, false);
    }
    (id, submit(bot, (id, payload)).await)
}

/// What autocomplete offers `user` for `/note <name> title`, as (name, value).
async fn own_notes(
    bot: &Bot,
    name: &str,
    typed: &str,
    user: Option<(u64, &str)>,
) -> Vec<(String, String)> {
    let focused = json!({"name": "title", "type": 3, "value": typed, "focused": true});
    let data = json!({"id": cmd_id("note"), "name": "note", "type": 1, "options": sub(name, vec![focused])});
    let (id, mut payload) = interaction(&bot.mock, 4, data, "0");
    if let Some((uid, uname)) = user {
        payload["member"]["user"] = mock_discord::user(uid, uname, false);
    }
    let body = submit(bot, (id, payload)).await;
    assert_eq!(body["type"], 8, "{body:#}");
    let choices = body["data"]["choices"].as_array().unwrap();
    assert!(choices.len() <= 25);
    choices
        .iter()
        .map(|c| {
            let (n, v) = (c["name"].as_str().unwrap(), c["value"].as_str().unwrap());
            assert!(n.chars().count() <= 100 && v.chars().count() <= 100);
            (n.to_string(), v.to_string())
        })
        .collect()
}

fn append_options(rel: &str, text: &str) -> Vec<Value> {
    vec![
        option("title", 3, json!(rel)),
        option("text", 3, json!(text)),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_author_appends_a_dated_paragraph_and_others_may_not() {
    let (_tmp, notes) = notes_dir();
    let clock = FakeClock::at("2026-11-22T10:00:00Z");
    let bot = start_bot(&notes, clock, |_| {}).await;
    let (_, answer) = write(
        &bot,
        &fields("Flux Beyond Git", "", "KubeCon EU 2023", "OCI artifacts."),
    )
    .await;
    assert!(answer["content"]
        .as_str()
        .unwrap()
        .contains("kubecon-eu-2023/flux-beyond-git.md"));
    let rel = "kubecon-eu-2023/flux-beyond-git.md";
    // The reply's id is recorded once Discord has answered the edit.
    let mut record = bot.store().note_record(rel).unwrap().expect("recorded");
    for _ in 0..100 {
        if record.message_id.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        record = bot.store().note_record(rel).unwrap().unwrap();
    }
    assert!(record.message_id.is_some(), "the reply is recorded");
    assert_eq!(
        (record.author_id, record.author_name.as_str()),
        (mock_discord::USER_ID, "alice")
    );
    assert_eq!(record.channel_id, Some(mock_discord::CHANNEL_ID));
    assert_eq!(record.guild_id, Some(mock_discord::GUILD_ID));

    // Only the author's own notes are offered, by title.
    assert_eq!(
        own_notes(&bot, "append", "flux", None).await,
        [("Flux Beyond Git".to_string(), rel.to_string())]
    );
    assert!(own_notes(&bot, "append", "", Some((BOB, "bob")))
        .await
        .is_empty());

    // A restart keeps the record.
    let bot = bot.restart().await;
    bot.clock.set("2026-11-23T09:00:00Z");
    let before = std::fs::read_to_string(notes.join(rel)).unwrap();
    let text = "Flagger @everyone <@&123> ||canaries|| **progressive** delivery.";
    let (id, deferred) = note_as(&bot, "append", append_options(rel, text), "0", None).await;
    assert_eq!(deferred["type"], 5, "{deferred:#}");
    let answer = original_edit(&bot.mock, id).await;
    assert_no_pings(&answer);
    let shown = answer.to_string();
    assert!(
        !shown.contains("@everyone") && !shown.contains("<@&"),
        "{shown}"
    );
    let content = answer["content"].as_str().unwrap();
    assert!(
        content.contains("Added to `kubecon-eu-2023/flux-beyond-git.md`"),
        "{content}"
    );
    assert!(
        content.contains("canaries") && content.contains("progressive"),
        "{content}"
    );
    assert_eq!(
        answer["embeds"][0]["title"], "Flux Beyond Git",
        "{answer:#}"
    );
    let after = std::fs::read_to_string(notes.join(rel)).unwrap();
    assert_eq!(
        after,
        format!("{before}\n**2026-11-23 · alice**\n\n{text}\n")
    );
    let record = bot.store().note_record(rel).unwrap().unwrap();
    assert_eq!(
        record.updated_at,
        "2026-11-23T09:00:00Z"
            .parse::<chrono::DateTime<chrono::Utc>>()
            .unwrap()
    );

    // Someone else, and a note not written with /note new, are refused.
    let (_, refused) = note_as(
        &bot,
        "append",
        append_options(rel, "Mine now."),
        "0",
        Some((BOB, "bob")),
    )
    .await;
    assert_refused(&refused, "only the note's author");
    let (_, refused) = note_as(
        &bot,
        "append",
        append_options("kubecon-eu-2021.md", "x"),
        MANAGE_MESSAGES,
        None,
    )
    .await;
    assert_refused(&refused, "/note new");
    let (_, refused) = note_as(
        &bot,
        "append",
        append_options("../../etc/passwd", "x"),
        MANAGE_MESSAGES,
        None,
    )
    .await;
    assert_refused(&refused, "/note new");
    assert_eq!(std::fs::read_to_string(notes.join(rel)).unwrap(), after);
    // A manager may add to it.
    let (id, deferred) = note_as(
        &bot,
        "append",
        append_options(rel, "Manager's line."),
        MANAGE_MESSAGES,
        Some((CAROL, "carol")),
    )
    .await;
    assert_eq!(deferred["type"], 5);
    original_edit(&bot.mock, id).await;
    assert!(std::fs::read_to_string(notes.join(rel))
        .unwrap()
        .ends_with("**2026-11-23 · carol**\n\nManager's line.\n"));
    let asked = command(
        &bot,
        "ask",
        vec![option(
            "question",
            3,
            json!("flagger canaries progressive delivery"),
        )],
    )
    .await;
    assert_eq!(
        embed_titles(&asked).first().map(String::as_str),
        Some("1. Flux Beyond Git")
    );
    validate_all(&bot.mock);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_note_is_deleted_by_its_author_or_a_manager_and_no_one_else() {
    let (_tmp, notes) = notes_dir();
    let clock = FakeClock::at("2026-11-22T10:00:00Z");
    let bot = start_bot(&notes, clock, |_| {}).await;
    write(&bot, &fields("First Talk", "", "", "One.")).await;
    write(&bot, &fields("Second Talk", "", "", "Two.")).await;
    let (first, second) = ("notes/first-talk.md", "notes/second-talk.md");
    let offered: Vec<String> = own_notes(&bot, "delete", "", None)
        .await
        .into_iter()
        .map(|c| c.0)
        .collect();
    assert_eq!(offered.len(), 2, "{offered:?}");

    let del = |rel: &str| vec![option("title", 3, json!(rel))];
    let (_, refused) = note_as(&bot, "delete", del(first), "0", Some((BOB, "bob"))).await;
    assert_refused(&refused, "only the note's author");
    let (_, refused) = note_as(
        &bot,
        "delete",
        del("kubecon-eu-2021.md"),
        MANAGE_MESSAGES,
        None,
    )
    .await;
    assert_refused(&refused, "/note new");
    assert!(notes.join(first).is_file() && notes.join("kubecon-eu-2021.md").is_file());

    let bot = bot.restart().await;
    // The author, without any permission.
    let (id, deferred) = note_as(&bot, "delete", del(first), "0", None).await;
    assert_eq!(
        (deferred["type"].clone(), deferred["data"]["flags"].clone()),
        (json!(5), json!(64)),
        "{deferred:#}"
    );
    let done = original_edit(&bot.mock, id).await;
    assert_no_pings(&done);
    assert!(done["content"]
        .as_str()
        .unwrap()
        .contains("Deleted `notes/first-talk.md`"));
    assert!(!notes.join(first).exists());
    // A manager.
    let (id, _) = note_as(
        &bot,
        "delete",
        del(second),
        MANAGE_MESSAGES,
        Some((CAROL, "carol")),
    )
    .await;
    original_edit(&bot.mock, id).await;
    assert!(!notes.join(second).exists());
    assert_eq!(files(&notes), ["kubecon-eu-2021.md"]);
    // Deleted notes are no longer offered or appended to; the records stay.
    assert!(own_notes(&bot, "append", "", None).await.is_empty());
    let (_, refused) = note_as(&bot, "append", append_options(first, "Late."), "0", None).await;
    assert_refused(&refused, "/note new");
    let all = bot.store().snapshot().unwrap().notes_written;
    assert_eq!(all.len(), 2);
    assert!(all.iter().all(|n| n.deleted_at.is_some()));
    let state = confnotes::cli::state::state_text(
        &bot.store().snapshot().unwrap(),
        &confnotes::render::Style { color: false },
    );
    assert!(
        state.contains("Notes written from Discord (2, 2 deleted)"),
        "{state}"
    );
    assert!(state.contains("- notes/first-talk.md by alice"), "{state}");
    let json = serde_json::to_value(bot.store().snapshot().unwrap()).unwrap();
    assert_eq!(json["notes_written"][0]["rel"], first, "{json:#}");
    let asked = command(
        &bot,
        "ask",
        vec![option("question", 3, json!("first talk"))],
    )
    .await;
    assert!(
        !embed_titles(&asked)
            .iter()
            .any(|t| t.contains("First Talk")),
        "re-indexed"
    );
    validate_all(&bot.mock);
}
