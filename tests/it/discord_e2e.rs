//! The bot end to end: the real serenity/poise client, built by the same
//! code as `confnotes serve`, against a mock Discord on 127.0.0.1. Every REST
//! body the bot sends is validated against Discord's OpenAPI spec.

use crate::common;
use crate::mock_discord;

use mock_discord::harness::*;
use mock_discord::{message, user, Fault, APP_ID, CHANNEL_ID, GUILD_ID, USER_ID};
use serde_json::json;

// ---- tests -------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn startup_registers_every_command_with_its_options() {
    let bot = start().await;
    let put = bot
        .mock
        .requests()
        .into_iter()
        .find(|r| r.method == "PUT")
        .unwrap();
    assert_eq!(
        put.path,
        format!("/api/v10/applications/{APP_ID}/guilds/{GUILD_ID}/commands")
    );
    let cmds = put.body.clone().unwrap();
    let names: Vec<&str> = cmds
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    for n in [
        "ask",
        "search",
        "session",
        "summary",
        "links",
        "speaker",
        "conferences",
        "reindex",
        "help",
        "Find related sessions",
        "qa",
        "digest",
    ] {
        assert!(names.contains(&n), "{n} not registered: {names:?}");
    }
    let by_name = |n: &str| {
        cmds.as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == n)
            .unwrap()
            .clone()
    };
    let ask = by_name("ask");
    let opts: Vec<&str> = ask["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(opts, ["question", "conference", "hide"]);
    assert_eq!(ask["options"][1]["autocomplete"], true);
    let search = by_name("search");
    assert_eq!(search["options"].as_array().unwrap().len(), 5);
    assert_eq!(
        by_name("reindex")["default_member_permissions"],
        MANAGE_GUILD
    );
    assert_eq!(by_name("Find related sessions")["type"], 3);
    let digest = by_name("digest");
    let subs: Vec<&str> = digest["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(subs, ["subscribe", "unsubscribe", "list", "preview", "now"]);
    let subscribe = &digest["options"][0]["options"];
    assert_eq!(subscribe[0]["name"], "channel");
    assert_eq!(subscribe[2]["name"], "timezone");
    assert_eq!(subscribe[2]["autocomplete"], true);
    validate_all(&bot.mock);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ask_answers_with_cards_and_the_more_button_pages() {
    let bot = start().await;
    let body = command(
        &bot,
        "ask",
        vec![option(
            "question",
            3,
            json!("what did we learn about ebpf?"),
        )],
    )
    .await;
    assert_eq!(body["type"], 4);
    assert_no_pings(&body);
    let titles = embed_titles(&body);
    assert!(titles[0].contains("eBPF"), "{titles:?}");
    let first = &body["data"]["embeds"][0];
    assert!(
        first["description"].as_str().unwrap().contains("**"),
        "matching words in bold"
    );
    let fields: Vec<&str> = first["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(fields.first(), Some(&"Summary"), "{fields:?}");
    assert!(
        fields.iter().all(|f| ["Summary", "Links"].contains(f)),
        "{fields:?}"
    );
    let b = buttons(&body);
    assert_eq!(b.len(), 1, "public answers have no Show button: {b:?}");
    assert_eq!(b[0].0, "More");
    let more = click(&bot, &b[0].1, false).await;
    assert_eq!(more["type"], 7, "More updates the message");
    assert!(
        embed_titles(&more)[0].starts_with("4. "),
        "{:?}",
        embed_titles(&more)
    );
    validate_all(&bot.mock);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hidden_answers_can_be_shown_to_the_channel() {
    let bot = start().await;
    let body = command(
        &bot,
        "ask",
        vec![
            option("question", 3, json!("prometheus long term storage")),
            option("hide", 5, json!(true)),
        ],
    )
    .await;
    assert_eq!(body["data"]["flags"], 64, "ephemeral");
    let b = buttons(&body);
    let show = b
        .iter()
        .find(|b| b.0 == "Show to channel")
        .expect("Show to channel button");
    let shown = click(&bot, &show.1, true).await;
    assert_eq!(shown["type"], 4);
    assert!(
        shown["data"]["flags"].as_u64().unwrap_or(0) & 64 == 0,
        "shown publicly"
    );
    assert!(embed_titles(&shown)[0].contains("Prometheus"));
    assert!(buttons(&shown).iter().all(|b| b.0 != "Show to channel"));
    validate_all(&bot.mock);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_pages_with_prev_and_next() {
    let bot = start().await;
    let body = command(
        &bot,
        "search",
        vec![
            option("query", 3, json!("kubernetes")),
            option("conference", 3, json!("KubeCon")),
        ],
    )
    .await;
    let desc = body["data"]["embeds"][0]["description"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(desc.contains("**1. "), "{desc}");
    let b = buttons(&body);
    assert_eq!(
        b.iter().map(|b| (b.0.as_str(), b.2)).collect::<Vec<_>>(),
        [("Prev", true), ("Next", false)]
    );
    let next = click(&bot, &b[1].1, false).await;
    assert_eq!(next["type"], 7);
    let footer = next["data"]["embeds"][0]["footer"]["text"]
        .as_str()
        .unwrap();
    assert_eq!(footer, "page 2");
    let desc2 = next["data"]["embeds"][0]["description"].as_str().unwrap();
    assert!(desc2.contains("**7. "), "{desc2}");
    let prev = buttons(&next).into_iter().find(|b| b.0 == "Prev").unwrap();
    let back = click(&bot, &prev.1, false).await;
    assert_eq!(back["data"]["embeds"][0]["footer"]["text"], "page 1");
    // Filters only, no words: the year and kind narrow the list.
    let keynotes = command(
        &bot,
        "search",
        vec![option("year", 4, json!(2021)), option("kind", 4, json!(1))],
    )
    .await;
    let d = keynotes["data"]["embeds"][0]["description"]
        .as_str()
        .unwrap();
    assert!(
        d.contains("Keynote day 1") && !d.contains("Day 1 Keynotes"),
        "{d}"
    );
    validate_all(&bot.mock);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn autocomplete_offers_sessions_conferences_and_speakers() {
    let bot = start().await;
    let data = json!({"id": cmd_id("session"), "name": "session", "type": 1,
        "options": [{"name": "title", "type": 3, "value": "kube", "focused": true}]});
    let (id, payload) = interaction(&bot.mock, 4, data, "0");
    bot.mock.dispatch("INTERACTION_CREATE", payload);
    let body = callback(&bot.mock, id).await;
    assert_eq!(body["type"], 8);
    let choices = body["data"]["choices"].as_array().unwrap();
    assert!(!choices.is_empty() && choices.len() <= 25);
    assert!(choices
        .iter()
        .all(|c| c["name"].as_str().unwrap().chars().count() <= 100));
    assert!(
        choices
            .iter()
            .any(|c| c["value"] == "kubecon-eu-2023-summary/kubeadm-deep-dive"),
        "{choices:?}"
    );
    for (cmd, opt, typed, expect) in [
        ("ask", "conference", "kcd", "KCD Amsterdam"),
        ("speaker", "name", "codef", "Codefresh"),
    ] {
        let mut options = vec![json!({"name": opt, "type": 3, "value": typed, "focused": true})];
        if cmd == "ask" {
            options.insert(0, json!({"name": "question", "type": 3, "value": "x"}));
        }
        let data = json!({"id": cmd_id(cmd), "name": cmd, "type": 1, "options": options});
        let (id, payload) = interaction(&bot.mock, 4, data, "0");
        bot.mock.dispatch("INTERACTION_CREATE", payload);
        let body = callback(&bot.mock, id).await;
        assert_eq!(body["data"]["choices"][0]["value"], expect, "{body:#}");
    }
    validate_all(&bot.mock);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_summary_links_speaker_conferences_and_help() {
    let bot = start().await;
    let s = command(
        &bot,
        "session",
        vec![option(
            "title",
            3,
            json!("kubecon-eu-2023-summary/kubeadm-deep-dive"),
        )],
    )
    .await;
    assert_eq!(embed_titles(&s), ["Kubeadm Deep Dive"]);
    assert!(s["data"]["embeds"][0]["fields"]
        .to_string()
        .contains("https://sched.co/1Iki0"));
    let sum = command(
        &bot,
        "summary",
        vec![option("conference", 3, json!("KCD Amsterdam"))],
    )
    .await;
    let e = &sum["data"]["embeds"][0];
    assert_eq!(e["title"], "KCD Amsterdam 2023");
    assert!(e["fields"][0]["name"] == "Presentation notes", "{e:#}");
    assert!(e["description"]
        .as_str()
        .unwrap()
        .contains("Frequent topics"));
    let ss = command(
        &bot,
        "summary",
        vec![option(
            "session",
            3,
            json!("When Prometheus Can’t Take the Load Anymore"),
        )],
    )
    .await;
    assert!(ss["data"]["embeds"][0]["fields"][0]["name"] == "Summary");
    let l = command(
        &bot,
        "links",
        vec![option("query", 3, json!("wasm workshop"))],
    )
    .await;
    assert!(l["data"]["embeds"][0]["fields"][0]["value"]
        .as_str()
        .unwrap()
        .contains("](https://"));
    let sp = command(&bot, "speaker", vec![option("name", 3, json!("Codefresh"))]).await;
    let d = sp["data"]["embeds"][0]["description"].as_str().unwrap();
    assert!(d.contains("Argo CD") && d.contains("Multi-Tenancy"), "{d}");
    let by_text = command(&bot, "speaker", vec![option("name", 3, json!("Liz Rice"))]).await;
    assert!(by_text["data"]["embeds"][0]["description"]
        .as_str()
        .unwrap()
        .contains("Keynote"));
    let c = command(&bot, "conferences", vec![]).await;
    assert_eq!(
        c["data"]["embeds"][0]["fields"].as_array().unwrap().len(),
        4
    );
    let h = command(&bot, "help", vec![]).await;
    assert_eq!(h["data"]["flags"], 64);
    validate_all(&bot.mock);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_context_menu_finds_sessions_related_to_a_message() {
    let bot = start().await;
    let target = bot.mock.next_id();
    let msg = message(
        target,
        CHANNEL_ID,
        user(USER_ID, "alice", false),
        "we should look at kyverno for our admission controllers",
    );
    let data = json!({"id": cmd_id("Find related sessions"), "name": "Find related sessions", "type": 3,
        "target_id": target.to_string(), "resolved": {"messages": {target.to_string(): msg}}});
    let (id, payload) = interaction(&bot.mock, 2, data, "0");
    bot.mock.dispatch("INTERACTION_CREATE", payload);
    let body = callback(&bot.mock, id).await;
    assert_eq!(body["data"]["flags"], 64);
    let titles = embed_titles(&body);
    assert!(
        titles.iter().any(|t| t.contains("On policy and security")),
        "{titles:?}"
    );
    validate_all(&bot.mock);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reindex_is_for_managers_only_and_reports_changes() {
    let tmp = tempfile::tempdir().unwrap();
    let notes = tmp.path().join("notes");
    std::fs::create_dir(&notes).unwrap();
    std::fs::copy(
        common::root().join("notes/kubecon-eu-2021.md"),
        notes.join("kubecon-eu-2021.md"),
    )
    .unwrap();
    let bot = start_with(&notes).await;
    let refused = command_as(&bot, "reindex", vec![], "0").await;
    assert_eq!(refused["data"]["flags"], 64);
    assert!(
        refused["data"]["content"]
            .as_str()
            .unwrap()
            .contains("permission"),
        "{refused:#}"
    );
    std::fs::write(
        notes.join("new.md"),
        "# Fresh Talk - Ada Lovelace, Engines\n\nEngines.\n",
    )
    .unwrap();
    std::fs::write(notes.join("junk.bin"), [0u8, 1, 2, 3]).unwrap();
    let deferred = command_as(&bot, "reindex", vec![], MANAGE_GUILD).await;
    assert_eq!(deferred["type"], 5, "deferred first");
    // After deferring, poise sends the report as a follow-up on the interaction's webhook.
    let edit = bot
        .mock
        .wait_for("the reindex report", |r| {
            r.path.contains("/webhooks/") && r.method != "GET" && r.status < 300
        })
        .await;
    let body = edit.body.unwrap();
    assert_no_pings(&body);
    let e = body["embeds"][0].to_string();
    assert!(
        e.contains("Notes re-indexed") && e.contains("new/fresh-talk") && e.contains("junk.bin"),
        "{e}"
    );
    validate_all(&bot.mock);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_queries_and_notes_never_break_a_reply() {
    let tmp = tempfile::tempdir().unwrap();
    let notes = tmp.path().join("notes");
    std::fs::create_dir(&notes).unwrap();
    let long_title = "Very ".repeat(80) + "Long Title";
    let body_text = "@everyone look at <@&123> and <@456> ||spoiler|| ```unclosed [masked](https://evil.example) ".repeat(200);
    std::fs::write(
        notes.join("hostile.md"),
        format!("# {long_title} - Eve Mallory, Evil Corp\n\n{body_text}\n\n# Pings Everywhere - Bob Ping, Pingers\n\n@everyone and @here and <@&999> read this.\n"),
    )
    .unwrap();
    let bot = start_with(&notes).await;
    for q in [
        "((( AND -: \"unbalanced",
        "*",
        "title:",
        "@everyone",
        "😀 🎉",
    ] {
        let body = command(&bot, "ask", vec![option("question", 3, json!(q))]).await;
        assert_no_pings(&body);
        assert!(
            body["data"]["content"].is_string() || body["data"]["embeds"].is_array(),
            "{q}: {body:#}"
        );
    }
    let body = command(
        &bot,
        "ask",
        vec![option("question", 3, json!("everyone spoiler long title"))],
    )
    .await;
    assert_no_pings(&body);
    let text = body.to_string();
    assert!(
        !text.contains("@everyone") && !text.contains("<@&"),
        "mentions are neutralised"
    );
    for e in body["data"]["embeds"].as_array().unwrap() {
        assert!(e["title"].as_str().unwrap().chars().count() <= 256);
        assert!(e["description"].as_str().unwrap_or("").chars().count() <= 4096);
    }
    validate_all(&bot.mock);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bot_survives_rest_errors_and_rate_limits() {
    let bot = start().await;
    for fault in [
        Fault::ServerError,
        Fault::RateLimited {
            retry_after_secs: 1,
        },
    ] {
        let data = json!({"id": cmd_id("ask"), "name": "ask", "type": 1, "options": [option("question", 3, json!("ebpf"))]});
        let (id, payload) = interaction(&bot.mock, 2, data, "0");
        // For this interaction only: the previous one's error reply may
        // still be on its way.
        let needle = format!("/interactions/{id}/");
        bot.mock.inject_on(&needle, fault);
        bot.mock.dispatch("INTERACTION_CREATE", payload);
        bot.mock
            .wait_for("the failed callback", |r| {
                r.path.contains(&needle) && r.status >= 429
            })
            .await;
        // Still alive: the next command is answered.
        let ok = command(&bot, "conferences", vec![]).await;
        assert_eq!(ok["type"], 4);
    }
    validate_all(&bot.mock);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn searching_too_fast_gets_a_polite_reply() {
    let bot = start_configured(&common::root().join("notes"), 60).await;
    let first = command(&bot, "ask", vec![option("question", 3, json!("flux"))]).await;
    assert!(first["data"]["embeds"]
        .as_array()
        .is_some_and(|e| !e.is_empty()));
    let second = command(&bot, "ask", vec![option("question", 3, json!("argo"))]).await;
    assert_eq!(second["data"]["flags"], 64);
    assert!(
        second["data"]["content"]
            .as_str()
            .unwrap()
            .starts_with("Please wait"),
        "{second:#}"
    );
    // Commands that do not search are not limited.
    let c = command(&bot, "conferences", vec![]).await;
    assert!(c["data"]["embeds"].is_array());
    validate_all(&bot.mock);
}

/// What users see, reviewed on every change (`cargo insta review`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rendered_embeds_snapshots() {
    let bot = start().await;
    let cases = [
        (
            "ask_wasm",
            "ask",
            vec![option(
                "question",
                3,
                json!("how do I run webassembly on kubernetes?"),
            )],
        ),
        (
            "ask_nothing",
            "ask",
            vec![option("question", 3, json!("xqzvbn"))],
        ),
        (
            "session_kubeadm",
            "session",
            vec![option(
                "title",
                3,
                json!("kubecon-eu-2023-summary/kubeadm-deep-dive"),
            )],
        ),
        (
            "summary_kcd",
            "summary",
            vec![option("conference", 3, json!("KCD"))],
        ),
    ];
    for (name, cmd, options) in cases {
        let body = command(&bot, cmd, options).await;
        let shown = json!({"content": body["data"]["content"], "embeds": body["data"]["embeds"], "components": body["data"]["components"]});
        insta::assert_json_snapshot!(name, shown);
    }
    validate_all(&bot.mock);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ask_shows_schedule_lines_and_marks_events_without_notes() {
    let tmp = tempfile::tempdir().unwrap();
    let notes = tmp.path().join("notes");
    common::copy_shipped(&notes);
    for name in ["kubecon-eu-2023.xml", "kcd-amsterdam-2023.json"] {
        let from = common::root().join("tests/fixtures/schedule").join(name);
        std::fs::copy(from, notes.join(name)).unwrap();
    }
    let bot = start_with(&notes).await;
    let ask = |q: &str| vec![option("question", 3, json!(q))];

    // Only the schedule knows it: said so on the card.
    let body = command(&bot, "ask", ask("wasm rollouts at a fictional bank")).await;
    let first = &body["data"]["embeds"][0];
    assert!(
        first["title"]
            .as_str()
            .unwrap()
            .contains("Fleet-wide Wasm Rollouts"),
        "{body:#}"
    );
    assert!(
        first["footer"]["text"]
            .as_str()
            .unwrap()
            .starts_with("from the schedule, no notes"),
        "{first:#}"
    );

    // A talk with notes: its schedule line, and the schedule's abstract
    // apart from the notes, with the abstract's script gone.
    let body = command(
        &bot,
        "ask",
        ask("a ci/cd platform in the palm of your hand"),
    )
    .await;
    let first = &body["data"]["embeds"][0];
    let description = first["description"].as_str().unwrap();
    assert!(
        description.contains("Schedule: Wed 19 Apr 11:00–11:35 · Hall 7, Room A"),
        "{first:#}"
    );
    let fields = first["fields"].as_array().unwrap();
    let from_schedule = fields
        .iter()
        .find(|f| f["name"] == "From the schedule")
        .unwrap_or_else(|| panic!("{first:#}"));
    let text = from_schedule["value"].as_str().unwrap();
    assert!(
        text.contains("MicroVMs") && !text.contains("script"),
        "{text}"
    );
    assert_no_pings(&body);
    validate_all(&bot.mock);
}
