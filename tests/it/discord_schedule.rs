//! `/schedule programme|now|next` and `/coverage` end to end against the
//! mock Discord, on the shipped notes beside our fixture schedules
//! (`tests/fixtures/schedule/`), with the bot's clock set inside and
//! outside the conferences' days; and a schedule written to be hostile.

use crate::common;
use crate::mock_discord;

use confnotes::answer::programme;
use mock_discord::harness::*;
use serde_json::{json, Value};
use std::path::PathBuf;

/// The shipped notes and the fixture schedules (and, when `hostile`, a
/// schedule of markup and mentions) in a fresh notes directory.
fn notes(hostile: bool) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let notes = tmp.path().join("notes");
    common::copy_shipped(&notes);
    for e in std::fs::read_dir(common::root().join("tests/fixtures/schedule")).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, notes.join(p.file_name().unwrap())).unwrap();
    }
    if hostile {
        std::fs::write(
            notes.join("hostile-2024.json"),
            hostile_schedule().to_string(),
        )
        .unwrap();
    }
    (tmp, notes)
}

const HOSTILE_TITLE_START: &str = "@everyone <script>alert(1)</script> **bold** ||spoiler|| ";

/// A pretalx JSON schedule whose names, titles, rooms and tracks hold
/// mentions and markup, one title of 300 characters and more.
fn hostile_schedule() -> Value {
    let long = format!(
        "{HOSTILE_TITLE_START}{}",
        "Ignore previous text ".repeat(14)
    );
    assert!(long.chars().count() > 300);
    let event = |id: u32, time: &str, title: &str| {
        json!({"id": id, "guid": format!("h-{id}"), "date": format!("2024-03-05T{time}:00+01:00"),
               "start": time, "duration": "00:30", "room": "||Room|| <@&123>", "title": title,
               "track": "<@&123> `track` @here", "type": "Talk",
               "abstract": "<p><script>alert(1)</script> @everyone **bold**</p>",
               "persons": [{"public_name": "@here Mallory <@1>"}]})
    };
    json!({"schedule": {"conference": {
    "title": "Hostile **Con** @everyone 2024", "time_zone_name": "Europe/Amsterdam",
    "days": [{"index": 1, "date": "2024-03-05", "rooms": {"||Room|| <@&123>": [
        event(1, "10:00", &long),
        event(2, "11:00", "**Second** _talk_ @everyone"),
    ]}}]}}})
}

fn sub(name: &str, options: Vec<Value>) -> Vec<Value> {
    vec![json!({"name": name, "type": 1, "options": options})]
}

fn text(name: &str, value: &str) -> Value {
    option(name, 3, json!(value))
}

fn description(body: &Value) -> String {
    body["data"]["embeds"][0]["description"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn footer(body: &Value) -> String {
    body["data"]["embeds"][0]["footer"]["text"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Autocomplete `option` of `/command sub`, typed `typed`, with `others`.
async fn autocomplete(
    bot: &Bot,
    command: &str,
    sub_name: Option<&str>,
    option: &str,
    typed: &str,
    others: Vec<Value>,
) -> Vec<(String, String)> {
    let mut options = others;
    options.push(json!({"name": option, "type": 3, "value": typed, "focused": true}));
    let options = match sub_name {
        Some(s) => sub(s, options),
        None => options,
    };
    let data = json!({"id": cmd_id(command), "name": command, "type": 1, "options": options});
    let (id, payload) = interaction(&bot.mock, 4, data, "0");
    bot.mock.dispatch("INTERACTION_CREATE", payload);
    let body = callback(&bot.mock, id).await;
    assert_eq!(body["type"], 8);
    let choices = body["data"]["choices"].as_array().unwrap();
    assert!(choices.len() <= 25);
    choices
        .iter()
        .map(|c| {
            let (name, value) = (c["name"].as_str().unwrap(), c["value"].as_str().unwrap());
            assert!(name.chars().count() <= 100 && value.chars().count() <= 100);
            (name.to_string(), value.to_string())
        })
        .collect()
}

/// Every limit Discord sets on a message, and no mention left live.
fn assert_fits(body: &Value) {
    assert_no_pings(body);
    let data = &body["data"];
    let n = |v: &Value| v.as_str().map_or(0, |s| s.chars().count());
    assert!(n(&data["content"]) <= 2000);
    let embeds = data["embeds"].as_array().cloned().unwrap_or_default();
    assert!(embeds.len() <= 10);
    let mut total = 0;
    for e in &embeds {
        assert!(n(&e["title"]) <= 256 && n(&e["description"]) <= 4096);
        assert!(n(&e["footer"]["text"]) <= 2048);
        let fields = e["fields"].as_array().cloned().unwrap_or_default();
        assert!(fields.len() <= 25);
        for f in &fields {
            assert!(n(&f["name"]) <= 256 && n(&f["value"]) <= 1024, "{f:#}");
            total += n(&f["name"]) + n(&f["value"]);
        }
        total += n(&e["title"]) + n(&e["description"]) + n(&e["footer"]["text"]);
    }
    assert!(total <= 6000, "embeds total {total}");
    for (_, id, _) in buttons(body) {
        assert!(id.chars().count() <= 100, "{id}");
    }
    let shown = format!("{} {}", data["content"], data["embeds"]);
    for live in ["@everyone", "@here", "<@&", "<@1", "<script", "||"] {
        assert!(!shown.contains(live), "{live} reached Discord: {shown}");
    }
}

// ---- tests -------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schedule_and_coverage_are_registered_with_their_options() {
    let (_tmp, notes) = notes(false);
    let bot = start_bot(&notes, FakeClock::at("2023-04-19T09:10:00Z"), |_| {}).await;
    let put = bot
        .mock
        .requests()
        .into_iter()
        .find(|r| r.method == "PUT")
        .unwrap();
    let cmds = put.body.unwrap();
    let by_name = |n: &str| {
        cmds.as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == n)
            .unwrap_or_else(|| panic!("{n} not registered"))
            .clone()
    };
    let names = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|o| o["name"].as_str().unwrap().to_string())
            .collect()
    };
    let schedule = by_name("schedule");
    assert_eq!(names(&schedule["options"]), ["programme", "now", "next"]);
    let prog = &schedule["options"][0]["options"];
    assert_eq!(names(prog), ["conference", "day", "track", "query"]);
    for i in 0..3 {
        assert_eq!(prog[i]["autocomplete"], true, "{}", prog[i]);
    }
    assert_eq!(
        names(&schedule["options"][2]["options"]),
        ["conference", "query"]
    );
    let coverage = by_name("coverage");
    assert_eq!(names(&coverage["options"]), ["conference"]);
    assert_eq!(coverage["options"][0]["autocomplete"], true);
    assert!(coverage
        .get("default_member_permissions")
        .is_none_or(Value::is_null));
    validate_all(&bot.mock);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn programme_lists_the_conference_on_now_marks_notes_and_pages() {
    let (_tmp, notes) = notes(false);
    // 11:10 in Amsterdam on KubeCon EU 2023's first day.
    let bot = start_bot(&notes, FakeClock::at("2023-04-19T09:10:00Z"), |_| {}).await;
    let body = command(&bot, "schedule", sub("programme", vec![])).await;
    assert_eq!(body["type"], 4);
    assert!(
        body["data"]["flags"].as_u64().unwrap_or(0) & 64 == 0,
        "public, as /search"
    );
    assert_eq!(
        embed_titles(&body),
        ["Programme: KubeCon + CloudNativeCon Europe 2023"]
    );
    let desc = description(&body);
    assert!(desc.starts_with("__Wed 19 Apr__\n"), "{desc}");
    assert!(
        desc.contains(
            "11:00–11:35 · Hall 7, Room A · **A CI/CD Platform in the Palm of Your Hand** — Claudia Beresford\n  ✓ notes: A CI/CD Platform in the Palm of Your Hand"
        ),
        "{desc}"
    );
    assert!(
        desc.contains(
            "16:00–16:30 · Auditorium · **Verifiable GitLab Pipelines with eBPF** — Mira Example\n"
        ),
        "a near-miss has no notes: {desc}"
    );
    assert!(desc.contains("__Thu 20 Apr__"), "{desc}");
    assert_eq!(
        footer(&body),
        "page 1 of 2 · 10 events · ✓ the team has notes"
    );
    let b = buttons(&body);
    assert_eq!(
        b.iter().map(|b| (b.0.as_str(), b.2)).collect::<Vec<_>>(),
        [("Prev", true), ("Next", false)]
    );
    let next = click(&bot, &b[1].1, false).await;
    assert_eq!(next["type"], 7, "Next updates the message");
    assert_eq!(
        footer(&next),
        "page 2 of 2 · 10 events · ✓ the team has notes"
    );
    let desc2 = description(&next);
    assert!(desc2.starts_with("__Thu 20 Apr__\n"), "{desc2}");
    assert!(desc2.contains("Trust No One"), "{desc2}");
    let b2 = buttons(&next);
    assert_eq!((b2[0].2, b2[1].2), (false, true));
    let back = click(&bot, &b2[0].1, false).await;
    assert_eq!(footer(&back), footer(&body));

    // A day and a track, of another conference.
    let kcd = command(
        &bot,
        "schedule",
        sub(
            "programme",
            vec![
                text("conference", "KCD"),
                text("day", "Mon 20 Feb"),
                text("track", "Networking"),
            ],
        ),
    )
    .await;
    assert_eq!(
        embed_titles(&kcd),
        ["Programme: Kubernetes Community Days Amsterdam 2023"]
    );
    let d = description(&kcd);
    let lines: Vec<&str> = d.lines().filter(|l| l.contains(" · **")).collect();
    assert_eq!(lines.len(), 3, "{d}");
    assert!(
        lines[0].starts_with("11:30–12:10 · Main Stage · **Service MESH"),
        "{d}"
    );
    assert!(d.starts_with("*Mon 20 Feb · track Networking*"), "{d}");
    assert!(d.contains("✓ notes: Gateway API"), "{d}");
    assert!(buttons(&kcd).iter().all(|b| b.2), "one page: both disabled");

    // Words of the title or a speaker's name.
    let ebpf = command(
        &bot,
        "schedule",
        sub("programme", vec![text("query", "EBPF")]),
    )
    .await;
    assert_eq!(description(&ebpf).matches(" · **").count(), 2);
    let speaker = command(
        &bot,
        "schedule",
        sub("programme", vec![text("query", "prodan")]),
    )
    .await;
    assert!(description(&speaker).contains("Flux Beyond Git"));
    let nothing = command(
        &bot,
        "schedule",
        sub("programme", vec![text("query", "cobol")]),
    )
    .await;
    let said = nothing["data"]["content"].as_str().unwrap();
    assert!(
        said.starts_with("No event of KubeCon + CloudNativeCon Europe 2023 matches"),
        "{said}"
    );
    assert!(
        said.contains("Its days: Wed 19 Apr to Thu 20 Apr."),
        "{said}"
    );
    let unknown = command(
        &bot,
        "schedule",
        sub("programme", vec![text("conference", "DevOpsDays")]),
    )
    .await;
    assert!(unknown["data"]["content"]
        .as_str()
        .unwrap()
        .starts_with("No schedule is of that conference. Schedules: "));
    for b in [&body, &next, &kcd, &ebpf, &nothing, &unknown] {
        assert_fits(b);
    }
    validate_all(&bot.mock);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn autocomplete_offers_conferences_days_and_tracks() {
    let (_tmp, notes) = notes(false);
    // During KCD Amsterdam.
    let bot = start_bot(&notes, FakeClock::at("2023-02-21T08:00:00Z"), |_| {}).await;
    let confs = autocomplete(
        &bot,
        "schedule",
        Some("programme"),
        "conference",
        "",
        vec![],
    )
    .await;
    assert_eq!(confs.len(), 4, "{confs:?}");
    assert!(confs.contains(&(
        "KubeCon + CloudNativeCon Europe 2023 (10 sessions)".into(),
        "KubeCon + CloudNativeCon Europe 2023".into()
    )));
    let typed = autocomplete(&bot, "coverage", None, "conference", "2021", vec![]).await;
    assert_eq!(
        typed.iter().map(|c| c.1.as_str()).collect::<Vec<_>>(),
        ["KubeCon + CloudNativeCon Europe 2021 – Virtual"]
    );
    // Days: of the conference on by the clock, else of the one chosen.
    let days = autocomplete(&bot, "schedule", Some("programme"), "day", "", vec![]).await;
    assert_eq!(
        days.iter().map(|c| c.1.as_str()).collect::<Vec<_>>(),
        ["Mon 20 Feb", "Tue 21 Feb"]
    );
    assert_eq!(days[0].0, "Mon 20 Feb (5 sessions)");
    let chosen = vec![text("conference", "KubeCon + CloudNativeCon Europe 2023")];
    let days = autocomplete(
        &bot,
        "schedule",
        Some("programme"),
        "day",
        "thu",
        chosen.clone(),
    )
    .await;
    assert_eq!(
        days.iter().map(|c| c.1.as_str()).collect::<Vec<_>>(),
        ["Thu 20 Apr"]
    );
    // The 2021 schedule gives one event in UTC: it is still on its day there.
    let v2021 = vec![text("conference", "Virtual")];
    let days = autocomplete(&bot, "schedule", Some("programme"), "day", "", v2021).await;
    assert_eq!(
        days.iter().map(|c| c.1.as_str()).collect::<Vec<_>>(),
        ["Mon 3 May", "Wed 5 May", "Thu 6 May", "Fri 7 May"]
    );
    let tracks = autocomplete(&bot, "schedule", Some("programme"), "track", "", chosen).await;
    assert_eq!(
        tracks.iter().map(|c| c.1.as_str()).collect::<Vec<_>>(),
        [
            "CI/CD",
            "Emerging + Advanced",
            "Maintainer Track",
            "Operations",
            "Security"
        ]
    );
    let net = autocomplete(&bot, "schedule", Some("programme"), "track", "NET", vec![]).await;
    assert_eq!(
        net,
        [("Networking (3 sessions)".into(), "Networking".into())]
    );
    validate_all(&bot.mock);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn now_and_next_follow_the_clock_in_the_conferences_time() {
    let (_tmp, notes) = notes(false);
    let bot = start_bot(&notes, FakeClock::at("2023-04-19T09:10:00Z"), |_| {}).await;
    let now = command(&bot, "schedule", sub("now", vec![])).await;
    assert_eq!(
        embed_titles(&now),
        ["On now: KubeCon + CloudNativeCon Europe 2023"]
    );
    assert_eq!(description(&now).lines().next().unwrap(),
        "11:00–11:35 · Hall 7, Room A · **A CI/CD Platform in the Palm of Your Hand** — Claudia Beresford");
    assert_eq!(
        footer(&now),
        "Wed 19 Apr 2023 11:10 +02:00 there · ✓ the team has notes"
    );
    let next = command(&bot, "schedule", sub("next", vec![])).await;
    let d = description(&next);
    let lines: Vec<&str> = d.lines().filter(|l| l.contains(" · **")).collect();
    assert_eq!(lines.len(), 9, "the other nine events: {d}");
    assert!(
        lines[0].starts_with(
            "Wed 19 Apr 11:55–12:30 · Hall 7, Room A · **Verifiable GitHub Actions with eBPF**"
        ),
        "{d}"
    );
    let words = command(
        &bot,
        "schedule",
        sub("next", vec![text("query", "deep dive")]),
    )
    .await;
    assert_eq!(description(&words).matches(" · **").count(), 1);
    assert!(description(&words).contains("Kubeadm Deep Dive"));

    // Two talks at once at KCD (10:30 there, given with +01:00), named.
    bot.clock.set("2023-02-20T09:45:00Z");
    let kcd = command(
        &bot,
        "schedule",
        sub("now", vec![text("conference", "KCD")]),
    )
    .await;
    assert_eq!(
        description(&kcd).matches(" · **").count(),
        2,
        "{}",
        description(&kcd)
    );
    assert!(footer(&kcd).starts_with("Mon 20 Feb 2023 10:45 +01:00"));

    // After KubeCon EU 2023: the conference begun last, nothing on, nothing next.
    bot.clock.set("2023-04-22T10:00:00Z");
    let none = command(&bot, "schedule", sub("now", vec![])).await;
    assert_eq!(
        none["data"]["content"],
        "Nothing is on at KubeCon + CloudNativeCon Europe 2023 now (Sat 22 Apr 2023 12:00 +02:00 there). Its days: Wed 19 Apr to Thu 20 Apr."
    );
    let over = command(&bot, "schedule", sub("next", vec![])).await;
    assert!(over["data"]["content"].as_str().unwrap().starts_with(
        "Nothing more on the programme of KubeCon + CloudNativeCon Europe 2023 after now"
    ));

    // Before every conference: the first schedule, its first events next.
    bot.clock.set("2019-01-01T00:00:00Z");
    let early = command(&bot, "schedule", sub("next", vec![])).await;
    let d = description(&early);
    assert!(
        embed_titles(&early)[0].starts_with("Next: Kubernetes Community Days"),
        "{early:#}"
    );
    assert!(
        d.starts_with("Mon 20 Feb 10:30–11:10 · Main Stage · **GitOps Patterns"),
        "{d}"
    );
    assert!(d.matches(" · **").count() <= 10);
    for b in [&now, &next, &words, &kcd, &none, &over, &early] {
        assert_fits(b);
    }
    validate_all(&bot.mock);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn coverage_says_what_the_engine_counts() {
    let (_tmp, notes) = notes(false);
    let bot = start_bot(&notes, FakeClock::at("2023-04-19T09:10:00Z"), |_| {}).await;
    let (engine, _index) = common::engine(&notes);
    let expected = engine.coverage(None).unwrap();
    let body = command(&bot, "coverage", vec![]).await;
    assert!(body["data"]["flags"].as_u64().unwrap_or(0) & 64 == 0);
    let embeds = body["data"]["embeds"].as_array().unwrap();
    assert_eq!(embeds.len(), expected.len());
    for (e, c) in embeds.iter().zip(&expected) {
        assert_eq!(e["title"], format!("Coverage: {}", programme::label(c)));
        let said = e["description"].as_str().unwrap();
        assert!(
            said.starts_with(&format!(
                "Notes on {} of {} sessions",
                c.with_notes,
                c.events.len()
            )),
            "{said}"
        );
        let fields = e["fields"].as_array().unwrap();
        assert_eq!(fields[0]["name"], "By track");
        // "Track: X of Y" per track: they add up to the whole.
        let (mut with, mut all) = (0, 0);
        for line in fields[0]["value"].as_str().unwrap().lines() {
            let (_, counts) = line.rsplit_once(": ").unwrap();
            let (x, y) = counts.split_once(" of ").unwrap();
            with += x.parse::<usize>().unwrap();
            all += y.parse::<usize>().unwrap();
        }
        assert_eq!((with, all), (c.with_notes, c.events.len()));
        let uncovered = c.events.len() - c.with_notes;
        assert_eq!(fields[1]["name"], format!("No notes ({uncovered})"));
    }
    // One conference: its uncovered events by name.
    let kcd = command(&bot, "coverage", vec![text("conference", "KCD")]).await;
    let e = &kcd["data"]["embeds"][0];
    assert_eq!(
        e["title"],
        "Coverage: Kubernetes Community Days Amsterdam 2023"
    );
    assert_eq!(e["description"], "Notes on 2 of 7 sessions (29%).");
    let by_track = e["fields"][0]["value"].as_str().unwrap();
    assert!(by_track.contains("Networking: 1 of 3"), "{by_track}");
    let missing = e["fields"][1]["value"].as_str().unwrap();
    assert!(
        missing.starts_with("• Mon 20 Feb 10:30–11:10 GitOps Patterns"),
        "{missing}"
    );
    assert_eq!(missing.lines().count(), 5);
    let unknown = command(&bot, "coverage", vec![text("conference", "DevOpsDays")]).await;
    assert!(unknown["data"]["content"]
        .as_str()
        .unwrap()
        .starts_with("No schedule is of that conference"));
    for b in [&body, &kcd, &unknown] {
        assert_fits(b);
    }
    validate_all(&bot.mock);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_schedule_text_arrives_escaped_cut_and_pings_no_one() {
    let (_tmp, notes) = notes(true);
    // During the hostile conference's first talk (10:15 there).
    let bot = start_bot(&notes, FakeClock::at("2024-03-05T09:15:00Z"), |_| {}).await;
    let prog = command(&bot, "schedule", sub("programme", vec![])).await;
    let title = &embed_titles(&prog)[0];
    assert_eq!(
        title,
        "Programme: Hostile \\*\\*Con\\*\\* @\u{200b}everyone 2024"
    );
    let d = description(&prog);
    // The reader drops the script; the rest is escaped.
    assert!(
        d.contains("**@\u{200b}everyone \\*\\*bold\\*\\* \\|\\|spoiler\\|\\|"),
        "{d}"
    );
    assert!(d.contains("…**"), "the 300-character title is cut: {d}");
    assert!(
        d.contains("\\|\\|Room\\|\\| <\u{200b}@\u{200b}&123\\>"),
        "{d}"
    );
    let now = command(&bot, "schedule", sub("now", vec![])).await;
    assert_eq!(description(&now).matches(" · **").count(), 1);
    let next = command(&bot, "schedule", sub("next", vec![text("query", "second")])).await;
    assert!(description(&next).contains("**\\*\\*Second\\*\\* \\_talk\\_ @\u{200b}everyone**"));
    let cov = command(&bot, "coverage", vec![text("conference", "Hostile")]).await;
    let e = &cov["data"]["embeds"][0];
    assert!(e["fields"][0]["value"]
        .as_str()
        .unwrap()
        .starts_with("<\u{200b}@\u{200b}&123\\> \\`track\\` @\u{200b}here: 0 of 2"));
    // A title longer than the custom_id allows still pages.
    let long = command(
        &bot,
        "schedule",
        sub(
            "programme",
            vec![
                text("conference", "Hostile"),
                text("query", &"ignore previous ".repeat(6)),
            ],
        ),
    )
    .await;
    assert_eq!(description(&long).matches(" · **").count(), 1);
    let every = command(&bot, "coverage", vec![]).await;
    for b in [&prog, &now, &next, &cov, &long, &every] {
        assert_fits(b);
    }
    // Autocomplete of hostile names stays within Discord's limits.
    let tracks = autocomplete(&bot, "schedule", Some("programme"), "track", "", vec![]).await;
    assert_eq!(tracks.len(), 1);
    let confs = autocomplete(
        &bot,
        "schedule",
        Some("now"),
        "conference",
        "hostile",
        vec![],
    )
    .await;
    assert_eq!(confs.len(), 1);
    validate_all(&bot.mock);
}
