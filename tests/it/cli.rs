//! The command line end to end: the real binary on a copy of the notes.

use crate::common;

use common::{confnotes, copy_shipped, json, listing};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

#[test]
fn broken_notes_are_reported_by_name_and_the_rest_indexed() {
    let tmp = tempfile::tempdir().unwrap();
    let notes = tmp.path().join("notes");
    copy_shipped(&notes);
    std::fs::write(notes.join("binary.dat"), [0u8, 159, 146, 150, 0, 1]).unwrap();
    std::fs::write(
        notes.join("latin1.md"),
        b"# Caf\xe9 talk - Jane Doe, Acme\n\nGood text about caching.\n",
    )
    .unwrap();
    std::fs::write(notes.join("empty.md"), "").unwrap();
    std::fs::write(
        notes.join("broken-fm.md"),
        "+++\ntitle = \"oops\n+++\n# Zebra Logging - Ann Lee, Zoo\n\nStriped logs.\n",
    )
    .unwrap();
    std::fs::create_dir(notes.join("sub")).unwrap();
    std::os::unix::fs::symlink(&notes, notes.join("sub/loop")).unwrap();
    std::fs::create_dir(notes.join(".hidden")).unwrap();
    std::fs::write(
        notes.join(".hidden/secret.md"),
        "# Hidden Talk - Not Indexed, Nobody\n\nhidden\n",
    )
    .unwrap();
    let index = tmp.path().join("index");
    let out = confnotes(&notes, &index, &["index"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("sub/loop: symlink loop"), "{text}");
    assert!(!text.contains("Hidden"), "hidden directories are skipped");
    for name in ["binary.dat", "latin1.md", "empty.md", "broken-fm.md"] {
        assert!(text.contains(name), "{name} not named in:\n{text}");
    }
    // The good notes and the readable parts of the bad ones are all searchable.
    let a = json(&confnotes(
        &notes,
        &index,
        &["ask", "striped zebra logging", "--json"],
    ));
    assert_eq!(a["hits"][0]["title"], "Zebra Logging");
    let a = json(&confnotes(&notes, &index, &["ask", "caching", "--json"]));
    assert_eq!(a["hits"][0]["file"], "latin1.md");
    let all = json(&confnotes(&notes, &index, &["sessions", "--json"]));
    assert!(all.as_array().unwrap().len() > 80);
}

#[test]
fn ask_json_has_the_documented_shape() {
    let tmp = tempfile::tempdir().unwrap();
    let notes = common::root().join("notes");
    let a = json(&confnotes(
        &notes,
        tmp.path(),
        &[
            "ask", "how", "do", "I", "run", "wasm", "on", "k8s?", "--json", "--limit", "3",
        ],
    ));
    assert_eq!(a["query"], "how do I run wasm on k8s?");
    let hits = a["hits"].as_array().unwrap();
    assert_eq!(hits.len(), 3);
    let keys: Vec<&str> = hits[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for k in [
        "id",
        "kind",
        "title",
        "speakers",
        "organizations",
        "conference",
        "year",
        "section",
        "file",
        "line",
        "score",
        "snippet",
        "summary",
        "links",
    ] {
        assert!(keys.contains(&k), "missing {k} in {keys:?}");
    }
    assert_eq!(
        hits[0]["title"],
        "Hands on with WebAssembly Microservices and Kubernetes"
    );
    assert!(
        hits[0]["snippet"].as_str().unwrap().contains("**"),
        "matching words are marked"
    );
    assert!(hits[0]["links"][0]["url"]
        .as_str()
        .unwrap()
        .starts_with("https://"));
    assert!(!hits[0]["summary"].as_str().unwrap().is_empty());
}

#[test]
fn queries_that_break_naive_parsers_still_answer() {
    let tmp = tempfile::tempdir().unwrap();
    let notes = common::root().join("notes");
    for q in [
        "((( AND -: \"unbalanced",
        "title:",
        "*",
        "NOT OR AND",
        "\"\"",
        "zzzzqqq",
    ] {
        let out = confnotes(&notes, tmp.path(), &["ask", q]);
        assert!(
            out.status.success(),
            "{q}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!out.stdout.is_empty(), "{q}: empty answer");
    }
    let out = confnotes(&notes, tmp.path(), &["ask", "promethues scalling"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("Prometheus"));
    let out = confnotes(&notes, tmp.path(), &["ask", "xqzvbn"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("No session matches") && text.contains("KubeCon EU"),
        "{text}"
    );
}

#[test]
fn search_filters_session_and_links() {
    let tmp = tempfile::tempdir().unwrap();
    let notes = common::root().join("notes");
    let a = json(&confnotes(
        &notes,
        tmp.path(),
        &["search", "gitops", "--conference", "kcd", "--json"],
    ));
    let hits = a["hits"].as_array().unwrap();
    assert!(!hits.is_empty());
    assert!(hits.iter().all(|h| h["conference"] == "KCD Amsterdam"));
    let a = json(&confnotes(
        &notes,
        tmp.path(),
        &[
            "search", "--kind", "keynote", "--year", "2020", "--limit", "50", "--json",
        ],
    ));
    let hits = a["hits"].as_array().unwrap();
    assert_eq!(hits.len(), 7, "the 2020 keynote chunks");
    assert!(hits
        .iter()
        .all(|h| h["kind"] == "keynote" && h["year"] == 2020));
    let a = json(&confnotes(
        &notes,
        tmp.path(),
        &["search", "--speaker", "Liav Yona", "--json"],
    ));
    assert_eq!(a["hits"].as_array().unwrap().len(), 2);
    let s = json(&confnotes(
        &notes,
        tmp.path(),
        &["session", "kubeadm deep dive", "--json"],
    ));
    assert_eq!(s["kind"], "listed");
    assert_eq!(s["links"][0]["url"], "https://sched.co/1Iki0");
    let out = confnotes(
        &notes,
        tmp.path(),
        &["links", "link for the kubeadm deep dive"],
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("https://sched.co/1Iki0"));
    let out = confnotes(&notes, tmp.path(), &["session", "no such talk at all xqzv"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("No session matches"));
    let out = confnotes(&notes, tmp.path(), &["search", "x", "--kind", "movie"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown kind"));
}

#[test]
fn the_index_is_reused_and_updated_per_file() {
    let tmp = tempfile::tempdir().unwrap();
    let notes = tmp.path().join("notes");
    copy_shipped(&notes);
    let index = tmp.path().join("index");
    let first = json(&confnotes(&notes, &index, &["index", "--json"]));
    assert_eq!(first["files_read"], 5);
    let again = json(&confnotes(&notes, &index, &["index", "--json"]));
    assert_eq!(
        (
            again["files_read"].clone(),
            again["files_unchanged"].clone()
        ),
        (0.into(), 5.into())
    );
    // Same content, new mtime: hashed, not re-parsed.
    let p = notes.join("kubecon-eu-2023.md");
    let bytes = std::fs::read(&p).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(&p, &bytes).unwrap();
    let touched = json(&confnotes(&notes, &index, &["index", "--json"]));
    assert_eq!(touched["files_read"], 0);
    // One note changed: only it is re-read; other chunk ids are unchanged.
    let before = json(&confnotes(&notes, &index, &["sessions", "--json"]));
    let mut text = String::from_utf8(bytes).unwrap();
    text.push_str(
        "\n# Brand New Talk - Ada Lovelace, Engines\n\nDifference engines on Kubernetes.\n",
    );
    std::fs::write(&p, text).unwrap();
    let changed = json(&confnotes(&notes, &index, &["index", "--json"]));
    assert_eq!(changed["files_read"], 1);
    assert_eq!(
        changed["added"],
        serde_json::json!(["kubecon-eu-2023/brand-new-talk"])
    );
    let after = json(&confnotes(&notes, &index, &["sessions", "--json"]));
    let ids = |v: &Value| {
        v.as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    let (b, a) = (ids(&before), ids(&after));
    assert!(b.iter().all(|id| a.contains(id)), "existing ids are stable");
    assert_eq!(a.len(), b.len() + 1);
    // A removed note's chunks leave the index.
    std::fs::remove_file(notes.join("kcd-amsterdam-2023.txt")).unwrap();
    let removed = json(&confnotes(&notes, &index, &["index", "--json"]));
    assert_eq!(removed["files_removed"], 1);
    let a = json(&confnotes(
        &notes,
        &index,
        &["search", "--conference", "kcd", "--json"],
    ));
    assert!(a["hits"].as_array().unwrap().is_empty());
}

#[test]
fn a_read_only_index_is_served_as_built_and_never_written() {
    let tmp = tempfile::tempdir().unwrap();
    let notes = tmp.path().join("notes");
    copy_shipped(&notes);
    let index = tmp.path().join("index");
    let ro = [("CONFNOTES_INDEX__READ_ONLY", "true")];
    // Nothing built yet: a clear refusal naming the directory and the fix.
    let out = common::confnotes_env(&notes, &index, &ro, &["ask", "ebpf"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(index.to_str().unwrap()) && err.contains("confnotes index"),
        "{err}"
    );
    // `index` builds it even with read_only set: it is the one writer.
    let built = json(&common::confnotes_env(
        &notes,
        &index,
        &ro,
        &["index", "--json"],
    ));
    assert_eq!(built["files_read"], 5);
    let files = listing(&index);
    // The notes change; a read-only process keeps serving what was built
    // and touches nothing in the index directory.
    std::fs::write(
        notes.join("new-talk.md"),
        "# Quokkaflow at scale - Ada Lovelace, Engines\n\nQuokkaflow schedules difference engines.\n",
    )
    .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    let old = json(&common::confnotes_env(
        &notes,
        &index,
        &ro,
        &["ask", "--json", "quokkaflow"],
    ));
    assert!(old["hits"].as_array().unwrap().is_empty(), "{old:#}");
    let ebpf = json(&common::confnotes_env(
        &notes,
        &index,
        &ro,
        &["ask", "--json", "ebpf"],
    ));
    assert!(!ebpf["hits"].as_array().unwrap().is_empty());
    assert_eq!(listing(&index), files, "a read-only run wrote to the index");
    // A writer picks the change up; the read-only process then sees it.
    json(&confnotes(&notes, &index, &["index", "--json"]));
    let new = json(&common::confnotes_env(
        &notes,
        &index,
        &ro,
        &["ask", "--json", "quokkaflow"],
    ));
    assert_eq!(
        new["hits"][0]["id"], "new-talk/quokkaflow-at-scale",
        "{new:#}"
    );
}

#[test]
fn a_corrupt_index_is_rebuilt_with_a_warning() {
    let tmp = tempfile::tempdir().unwrap();
    let notes = common::root().join("notes");
    let index = tmp.path().join("index");
    json(&confnotes(&notes, &index, &["index", "--json"]));
    std::fs::write(index.join("meta.json"), "{ not json").unwrap();
    let out = confnotes(&notes, &index, &["index", "--json"]);
    let r = json(&out);
    assert!(r["rebuilt"].as_str().unwrap().contains("rebuilding"));
    assert_eq!(r["files_read"], 5);
}

#[test]
fn bad_configuration_names_the_file_and_key() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("bad.toml");
    std::fs::write(&cfg, "notes_dir = \"notes\"\n[ranking]\ntitle_bost = 2.0\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_confnotes"))
        .current_dir(common::root())
        .args(["--config", cfg.to_str().unwrap(), "sessions"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("bad.toml") && err.contains("title_bost"),
        "{err}"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_confnotes"))
        .current_dir(common::root())
        .env("CONFNOTES_ANSWER__LIMIT", "0")
        .args([
            "--index",
            tmp.path().join("i").to_str().unwrap(),
            "sessions",
        ])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("answer.limit"));
}

#[test]
fn answers_link_to_the_source_when_a_template_is_configured() {
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_confnotes"))
        .current_dir(common::root())
        .env(
            "CONFNOTES_SOURCE_URL_TEMPLATE",
            "https://git.example/notes/{file}#L{line}",
        )
        .args([
            "--index",
            tmp.path().to_str().unwrap(),
            "ask",
            "kubeadm deep dive",
            "--json",
            "--limit",
            "1",
        ])
        .output()
        .unwrap();
    let a = json(&out);
    let links = a["hits"][0]["links"].as_array().unwrap();
    let source = links
        .iter()
        .find(|l| l["label"].as_str().unwrap().starts_with("source:"))
        .expect("a source link");
    assert_eq!(
        source["url"],
        "https://git.example/notes/kubecon-eu-2023-summary.txt#L190"
    );
}

fn session_count(notes: &Path, index: &Path) -> usize {
    let all = json(&confnotes(notes, index, &["sessions", "--json"]));
    all.as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] != "section")
        .count()
}

#[test]
fn digest_dates_rotate_through_every_session_before_repeating() {
    let tmp = tempfile::tempdir().unwrap();
    let (notes, index) = (tmp.path().join("notes"), tmp.path().join("index"));
    copy_shipped(&notes);
    let total = session_count(&notes, &index);
    let days = total.div_ceil(3);
    let start = chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
    let mut featured: Vec<String> = Vec::new();
    for day in 0..days {
        let date = (start + chrono::Duration::days(day as i64)).to_string();
        let d = json(&confnotes(
            &notes,
            &index,
            &["digest", "--date", &date, "--json"],
        ));
        assert_eq!(d["date"], date.as_str());
        assert!(d["new"].as_array().unwrap().is_empty());
        let sessions = d["sessions"].as_array().unwrap();
        assert!(!sessions.is_empty() && sessions.len() <= 3, "{d:#}");
        for s in sessions {
            assert!(s["title"].as_str().is_some_and(|t| !t.is_empty()));
            assert!(s["links"].is_array() && s["summary"].is_string());
            featured.push(s["id"].as_str().unwrap().to_string());
        }
    }
    let distinct: std::collections::HashSet<&String> = featured.iter().collect();
    assert_eq!(distinct.len(), total, "all {total} sessions in {days} days");
    let before_last = &featured[..(days - 1) * 3];
    let unique: std::collections::HashSet<&String> = before_last.iter().collect();
    assert_eq!(unique.len(), before_last.len(), "a session repeated early");
}

#[test]
fn digest_by_topic_new_notes_and_bad_options() {
    let tmp = tempfile::tempdir().unwrap();
    let (notes, index) = (tmp.path().join("notes"), tmp.path().join("index"));
    copy_shipped(&notes);
    let d = json(&confnotes(
        &notes,
        &index,
        &["digest", "--topic", "ebpf", "--json"],
    ));
    assert_eq!(d["topic"], "ebpf");
    let ids: Vec<&str> = d["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert!(!ids.is_empty());
    for id in ids {
        let s = json(&confnotes(&notes, &index, &["session", id, "--json"]));
        let text = format!("{} {}", s["title"], s["body"]).to_lowercase();
        assert!(text.contains("ebpf"), "{id} is not about eBPF");
    }
    // A note added since: listed under "new" (the first run recorded what was there).
    std::fs::write(
        notes.join("rustconf-2026.md"),
        "# RustConf 2026\n\n## Async Rust in production - Jane Doe, Ferrous Systems\n\nWe moved to tokio.\n",
    )
    .unwrap();
    let d = json(&confnotes(&notes, &index, &["digest", "--json"]));
    assert_eq!(d["new"][0]["title"], "Async Rust in production");
    assert_eq!(d["new"][0]["change"], "added");
    let text = confnotes(&notes, &index, &["digest"]);
    let out = String::from_utf8_lossy(&text.stdout);
    assert!(out.starts_with("Sessions of the day · "), "{out}");
    assert!(
        out.contains("New in the notes\n- added: Async Rust in production"),
        "{out}"
    );

    let bad = confnotes(&notes, &index, &["digest", "--date", "2026-13-01"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--date"));
}

#[test]
fn state_shows_what_the_bot_stored() {
    use confnotes::store::{DigestState, NewSubscription, QaState, SqliteStore};
    let tmp = tempfile::tempdir().unwrap();
    let (notes, index) = (tmp.path().join("notes"), tmp.path().join("index"));
    copy_shipped(&notes);
    let none = confnotes(&notes, &index, &["state"]);
    assert_eq!(none.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&none.stderr).contains("state.sqlite3"));

    let store = SqliteStore::open(&notes.join(".confnotes/state.sqlite3")).unwrap();
    let now = chrono::Utc::now();
    store.qa_enable(77, Some(1), Some(2), now).unwrap();
    store
        .subscribe(
            &NewSubscription {
                guild_id: Some(1),
                channel_id: 88,
                time: chrono::NaiveTime::from_hms_opt(9, 30, 0).unwrap(),
                timezone: "Europe/Amsterdam".parse().unwrap(),
                topic: "gitops".into(),
                created_by: Some(2),
                gaps: false,
            },
            now,
        )
        .unwrap();
    store.claim_message(5, 77, "what about argo?", now).unwrap();
    store.record_feedback(5, 3, false, now).unwrap();
    drop(store);

    let s = json(&confnotes(&notes, &index, &["state", "--json"]));
    assert_eq!(s["qa_channels"][0]["channel_id"], 77);
    assert_eq!(s["subscriptions"][0]["timezone"], "Europe/Amsterdam");
    assert_eq!(s["subscriptions"][0]["topic"], "gitops");
    assert_eq!(s["feedback"][0]["query"], "what about argo?");
    assert_eq!(s["answered"], 1);
    let text = confnotes(&notes, &index, &["state"]);
    let out = String::from_utf8_lossy(&text.stdout);
    assert!(
        out.contains("- #1 channel 88 at 09:30 Europe/Amsterdam, topic “gitops”"),
        "{out}"
    );
    assert!(out.contains("Feedback (1 not helpful)"), "{out}");
}

/// Talk titles the binary extracted, in file order.
fn talk_titles(notes: &Path, index: &Path, config: Option<&Path>) -> Vec<String> {
    let mut args: Vec<&str> = Vec::new();
    if let Some(c) = config {
        args.extend(["--config", c.to_str().unwrap()]);
    }
    args.extend(["sessions", "--json"]);
    let all = json(&confnotes(notes, index, &args));
    all.as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] != "section")
        .map(|c| c["title"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn inspect_shows_the_decision_and_rules_override_it() {
    let tmp = tempfile::tempdir().unwrap();
    let notes = tmp.path().join("notes");
    let index = tmp.path().join("index");
    std::fs::create_dir_all(notes.join("platform-day")).unwrap();
    // Topic headings with no speakers, no talk links: sections, by default.
    let note = "# Platform day\n\n## Paved roads\n\nThree companies dropped the single paved road.\n\n## Golden paths\n\nTwo or three supported paths, owned by the teams.\n";
    std::fs::write(notes.join("platform-day/topics.md"), note).unwrap();
    assert!(talk_titles(&notes, &index, None).is_empty());

    // `inspect` says what each heading became and why, without an index.
    let out = confnotes(
        &notes,
        &tmp.path().join("unused"),
        &[
            "inspect",
            notes.join("platform-day/topics.md").to_str().unwrap(),
            "--json",
        ],
    );
    let report = json(&out);
    assert_eq!(report["file"], "platform-day/topics.md");
    let roles: Vec<_> = report["outline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["text"].as_str().unwrap(), h["role"].as_str().unwrap()))
        .collect();
    assert_eq!(
        roles,
        [
            ("Platform day", "title"),
            ("Paved roads", "section"),
            ("Golden paths", "section")
        ]
    );
    assert!(report["decision"]
        .as_str()
        .unwrap()
        .contains("no heading level"));
    assert!(
        !tmp.path().join("unused").exists(),
        "inspect needs no index"
    );

    // A config rule for the folder: the same index is re-read with it.
    let cfg = tmp.path().join("rules.toml");
    std::fs::write(
        &cfg,
        "[[notes.rules]]\nglob = \"platform-day/*.md\"\ntalks = \"h2\"\n",
    )
    .unwrap();
    assert_eq!(
        talk_titles(&notes, &index, Some(&cfg)),
        ["Paved roads", "Golden paths"]
    );
    let text = String::from_utf8_lossy(
        &confnotes(
            &notes,
            &index,
            &[
                "--config",
                cfg.to_str().unwrap(),
                "inspect",
                notes.join("platform-day/topics.md").to_str().unwrap(),
            ],
        )
        .stdout,
    )
    .to_string();
    assert!(text.contains("talks are level-2 headings (set)"), "{text}");

    // The file's own front matter wins over the rule.
    std::fs::write(
        notes.join("platform-day/topics.md"),
        format!("+++\nconfnotes_talks = \"file\"\n+++\n{note}"),
    )
    .unwrap();
    assert_eq!(talk_titles(&notes, &index, Some(&cfg)), ["Platform day"]);

    // A rule that means nothing is refused, naming the key.
    std::fs::write(&cfg, "[[notes.rules]]\nglob = \"*.md\"\ntalks = \"h9\"\n").unwrap();
    let out = confnotes(
        &notes,
        &index,
        &["--config", cfg.to_str().unwrap(), "sessions"],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("rules.toml") && err.contains("notes.rules[0].talks"),
        "{err}"
    );
}

#[test]
fn a_question_asked_while_notes_change_is_answered_from_the_new_notes() {
    use confnotes::answer::Engine;
    use confnotes::config::Config;
    use confnotes::index::{Filters, Silent};
    use std::cell::Cell;
    let tmp = tempfile::tempdir().unwrap();
    let notes = tmp.path().join("notes");
    copy_shipped(&notes);
    let config = Config {
        notes_dir: notes.clone(),
        index_dir: tmp.path().join("index"),
        synonyms_file: common::root().join("config/synonyms.toml"),
        ..Config::default()
    };
    let calls = Cell::new(0);
    let ask = |e: &Engine| {
        calls.set(calls.get() + 1);
        e.ask("okapi stampede", &Filters::default(), 3, 0)
    };
    let hit_files = |a: &confnotes::answer::Answer| -> Vec<String> {
        a.hits.iter().map(|h| h.meta.file.clone()).collect()
    };
    // A new index: built, then asked once.
    let (_, report, _) = Engine::open_answering(&config, &Silent, ask).unwrap();
    assert_eq!((report.files_read, calls.get()), (5, 1));
    // Unchanged notes: asked once, on the index as it was.
    let (_, report, _) = Engine::open_answering(&config, &Silent, ask).unwrap();
    assert_eq!((report.files_read, calls.get()), (0, 2));
    // A note added since: the first answer is dropped, the index refreshed
    // and the question asked again.
    std::fs::write(
        notes.join("zoo.md"),
        "# Okapi Stampede Control - Ann Lee, Zoo\n\nWhat to do in an okapi stampede.\n",
    )
    .unwrap();
    let (_, report, answer) = Engine::open_answering(&config, &Silent, ask).unwrap();
    assert_eq!((report.files_read, calls.get()), (1, 4));
    assert_eq!(
        hit_files(&answer).first().map(String::as_str),
        Some("zoo.md")
    );
    // Removed again: not in the answer.
    std::fs::remove_file(notes.join("zoo.md")).unwrap();
    let (_, report, answer) = Engine::open_answering(&config, &Silent, ask).unwrap();
    assert_eq!(report.files_removed, 1);
    assert!(!hit_files(&answer).contains(&"zoo.md".to_string()));
}

/// The keys of a session's metadata, as `SessionMeta` serializes them.
fn session_meta_keys() -> Vec<String> {
    let meta = confnotes::notes::SessionMeta {
        id: String::new(),
        kind: confnotes::notes::Kind::Talk,
        title: String::new(),
        speakers: Vec::new(),
        organizations: Vec::new(),
        conference: None,
        year: None,
        section: None,
        file: String::new(),
        line: 1,
        slot: None,
    };
    match serde_json::to_value(&meta).unwrap() {
        Value::Object(m) => m.keys().cloned().collect(),
        other => panic!("metadata serialized as {other}"),
    }
}

#[test]
fn every_json_shape_of_a_session_carries_all_of_its_metadata() {
    // One struct travels from the chunk to every shape: a field added to it
    // reaches `sessions`, `ask`, `session`, `digest` and `inspect` alike.
    let tmp = tempfile::tempdir().unwrap();
    // A copy: `digest` keeps its state beside the notes.
    let notes = tmp.path().join("notes");
    copy_shipped(&notes);
    let index = tmp.path().join("index");
    let keys = session_meta_keys();
    assert!(keys.len() >= 10, "{keys:?}");
    let shapes = [
        (
            "sessions",
            json(&confnotes(&notes, &index, &["sessions", "--json"]))[0].clone(),
        ),
        (
            "ask",
            json(&confnotes(&notes, &index, &["ask", "ebpf", "--json"]))["hits"][0].clone(),
        ),
        (
            "session",
            json(&confnotes(
                &notes,
                &index,
                &["session", "kubeadm deep dive", "--json"],
            )),
        ),
        (
            "digest",
            json(&confnotes(&notes, &index, &["digest", "--json"]))["sessions"][0].clone(),
        ),
    ];
    let (file, _, _) = listing(&notes)
        .into_iter()
        .find(|(name, _, _)| !name.starts_with('.'))
        .unwrap();
    let inspected = json(&confnotes(
        &notes,
        &index,
        &["inspect", notes.join(&file).to_str().unwrap(), "--json"],
    ));
    let shapes = shapes
        .into_iter()
        .chain([("inspect", inspected["chunks"][0].clone())]);
    for (name, shape) in shapes {
        let object = shape
            .as_object()
            .unwrap_or_else(|| panic!("{name}: not an object: {shape}"));
        for k in &keys {
            assert!(object.contains_key(k), "{name} lacks {k}: {shape}");
        }
    }
}

#[test]
fn gaps_are_grouped_by_topic_and_closed_when_the_notes_answer_them() {
    use confnotes::store::{GapReason, GapState, NearHit, NewGap, SqliteStore};
    let tmp = tempfile::tempdir().unwrap();
    let (notes, index) = (tmp.path().join("notes"), tmp.path().join("index"));
    copy_shipped(&notes);
    // Before the bot ever ran: nothing, and no state file made.
    let none = confnotes(&notes, &index, &["gaps"]);
    assert_eq!(none.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&none.stdout).contains("No questions recorded"));
    assert!(!notes.join(".confnotes/state.sqlite3").exists());
    let store = SqliteStore::open(&notes.join(".confnotes/state.sqlite3")).unwrap();
    let gap = |q: &str, message: u64, at: &str, reason| NewGap {
        question: q.to_string(),
        channel_id: Some(77),
        guild_id: Some(1),
        message_id: Some(message),
        at: at.parse().unwrap(),
        reason,
        nearest: vec![NearHit {
            session_id: "some/session".into(),
            title: "Some session".into(),
            score: 0.5,
        }],
    };
    store
        .record_gap(&gap(
            "zig comptime?",
            1,
            "2026-03-01T09:00:00Z",
            GapReason::NoMatch,
        ))
        .unwrap();
    store
        .record_gap(&gap(
            "zig comptime in practice",
            2,
            "2026-03-05T09:00:00Z",
            GapReason::NotHelpful,
        ))
        .unwrap();
    store
        .record_gap(&gap(
            "quantum lattice crypto?",
            3,
            "2026-03-06T09:00:00Z",
            GapReason::NoMatch,
        ))
        .unwrap();
    drop(store);

    let r = json(&confnotes(&notes, &index, &["gaps", "--json"]));
    assert_eq!(r["closed_now"], serde_json::json!([]));
    let topics = r["topics"].as_array().unwrap();
    assert_eq!(topics.len(), 2, "{r:#}");
    assert_eq!(topics[0]["asked"], 2);
    assert_eq!(topics[0]["open"], 2);
    assert_eq!(topics[0]["words"], serde_json::json!(["comptime", "zig"]));
    let first = &topics[0]["gaps"][0];
    assert_eq!(first["question"], "zig comptime in practice");
    assert_eq!(first["reason"], "not_helpful");
    assert_eq!(first["channel_id"], 77);
    assert_eq!(first["asked_at"], "2026-03-05T09:00:00Z");
    assert_eq!(first["nearest"][0]["session_id"], "some/session");
    assert_eq!(first["closed"], serde_json::Value::Null);

    let since = json(&confnotes(
        &notes,
        &index,
        &["gaps", "--since", "2026-03-05", "--json"],
    ));
    let asked: u64 = since["topics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["asked"].as_u64().unwrap())
        .sum();
    assert_eq!(asked, 2);

    // A note that answers the zig questions: the next run closes them.
    std::fs::write(
        notes.join("zigconf-2026.md"),
        "# ZigConf 2026\n\n## Zig comptime in practice - Andrea Kelly, Tigerbeetle\n\nComptime all the things: zig comptime replaces macros and code generation.\n",
    )
    .unwrap();
    let r = json(&confnotes(&notes, &index, &["gaps", "--json"]));
    let closed: Vec<&str> = r["closed_now"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["question"].as_str().unwrap())
        .collect();
    assert_eq!(
        closed,
        ["zig comptime?", "zig comptime in practice"],
        "{r:#}"
    );
    let zig = &r["topics"][0];
    assert_eq!(zig["open"], 0);
    assert!(zig["gaps"][0]["closed"]["title"]
        .as_str()
        .unwrap()
        .contains("Zig comptime"));
    let text = confnotes(&notes, &index, &["gaps"]);
    let out = String::from_utf8_lossy(&text.stdout);
    assert!(
        out.contains("3 question(s) the notes could not answer, 1 still open"),
        "{out}"
    );
    assert!(out.contains("closed "), "{out}");
    assert!(out.contains("nearest: Some session (0.50)"), "{out}");
}

/// Log lines on a pipe (a file, the journal) carry no colour codes; with
/// `CONFNOTES_LOG_FORMAT=json` each is one JSON object with the command's
/// span; a bad format is refused by name.
#[test]
fn logs_have_no_colour_off_a_terminal_and_are_json_when_asked() {
    let tmp = tempfile::tempdir().unwrap();
    let notes = tmp.path().join("notes");
    copy_shipped(&notes);
    let index = tmp.path().join("index");
    let text = common::confnotes_env(&notes, &index, &[("CONFNOTES_LOG", "debug")], &["index"]);
    assert!(text.status.success());
    let log = String::from_utf8(text.stderr).unwrap();
    assert!(log.lines().count() > 3, "{log}");
    assert!(!log.contains('\u{1b}'), "escape codes on a pipe: {log:?}");

    std::fs::remove_dir_all(&index).unwrap();
    let env = [("CONFNOTES_LOG", "debug"), ("CONFNOTES_LOG_FORMAT", "json")];
    let out = common::confnotes_env(&notes, &index, &env, &["index"]);
    assert!(out.status.success());
    let log = String::from_utf8(out.stderr).unwrap();
    let lines: Vec<Value> = log
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert!(lines.len() > 3, "{log}");
    for l in &lines {
        assert!(l["timestamp"].is_string() && l["level"].is_string(), "{l}");
        assert!(l["fields"].is_object(), "{l}");
    }
    let ours = lines.iter().find(|l| l["span"]["command"] == "index");
    assert!(ours.is_some(), "no line with the command's span: {log}");

    let bad = common::confnotes_env(
        &notes,
        &index,
        &[("CONFNOTES_LOG_FORMAT", "xml")],
        &["ask", "wasm"],
    );
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("CONFNOTES_LOG_FORMAT") && err.contains("xml"),
        "{err}"
    );
}

/// A token that cannot be a bot token stops `serve` before it connects,
/// with a message that does not show it.
#[test]
fn serve_refuses_a_token_that_cannot_be_a_bot_token() {
    let tmp = tempfile::tempdir().unwrap();
    let notes = tmp.path().join("notes");
    copy_shipped(&notes);
    let out = Command::new(env!("CARGO_BIN_EXE_confnotes"))
        .current_dir(common::root())
        .args(["--notes", notes.to_str().unwrap(), "serve"])
        .env("DISCORD_TOKEN", "not-a-token")
        .env("CONFNOTES_DATA_DIR", tmp.path().join("data"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("does not look like a bot token"), "{err}");
    assert!(err.contains("serve did not start"), "{err}");
    assert!(
        !err.contains("not-a-token") && !err.contains("HTTP"),
        "{err}"
    );
}

/// `doctor` on a good setup says so and exits 0; each problem is named
/// with what to do, and exits 1. It never writes: no index, no state file.
/// `--offline`: the checks that ask Discord are in discord_doctor.rs.
#[test]
fn doctor_checks_the_setup_without_discord() {
    let tmp = tempfile::tempdir().unwrap();
    let notes = tmp.path().join("notes");
    copy_shipped(&notes);
    std::fs::write(notes.join("empty.md"), "just a line, no talk\n").unwrap();
    let data = tmp.path().join("data");
    let doctor = |notes: &Path, token: Option<&str>, read_only: bool| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_confnotes"));
        c.current_dir(common::root())
            .args([
                "--notes",
                notes.to_str().unwrap(),
                "doctor",
                "--json",
                "--offline",
            ])
            .env("CONFNOTES_DATA_DIR", &data)
            .env("CONFNOTES_INDEX__READ_ONLY", read_only.to_string())
            .env_remove("DISCORD_TOKEN");
        if let Some(t) = token {
            c.env("DISCORD_TOKEN", t);
        }
        let out = c.output().unwrap();
        let checks: Value = serde_json::from_slice(&out.stdout).unwrap();
        (out.status.code(), checks)
    };
    let failed = |checks: &Value| -> Vec<String> {
        let all = checks.as_array().unwrap().iter();
        all.filter(|c| c["status"] == "error")
            .map(|c| format!("{} {}", c["area"], c["message"]))
            .collect()
    };

    // No index yet, no state, a file with no talk: warnings, not errors.
    let (code, checks) = doctor(&notes, Some(common::TEST_TOKEN), false);
    assert_eq!(code, Some(0), "{checks:#}");
    let text = checks.to_string();
    assert!(
        text.contains("empty.md") && text.contains("no index"),
        "{text}"
    );
    assert!(
        text.contains("CONFNOTES_INDEX__READ_ONLY"),
        "overrides named: {text}"
    );
    assert!(!data.join("state.sqlite3").exists() && !data.join("index").exists());

    // The same with index.read_only: no index is an error.
    let (code, checks) = doctor(&notes, Some(common::TEST_TOKEN), true);
    assert_eq!(code, Some(1));
    assert!(
        failed(&checks).iter().any(|f| f.contains("index")),
        "{checks:#}"
    );

    // No token; a token that cannot be one (never shown).
    let (code, checks) = doctor(&notes, None, false);
    assert_eq!(code, Some(1));
    assert!(failed(&checks)[0].contains("DISCORD_TOKEN is not set"));
    let (code, checks) = doctor(&notes, Some("hunter2"), false);
    assert_eq!(code, Some(1));
    assert!(!checks.to_string().contains("hunter2"));

    // No notes directory.
    let (code, checks) = doctor(&tmp.path().join("nope"), Some(common::TEST_TOKEN), false);
    assert_eq!(code, Some(1));
    assert!(failed(&checks)[0].contains("does not exist"), "{checks:#}");
}

/// doctor looks at the state file and leaves it as it was: an older
/// schema is reported, not migrated (an older serve may still run on it),
/// and a newer one is an error.
#[test]
fn doctor_never_migrates_or_writes_the_state_file() {
    let tmp = tempfile::tempdir().unwrap();
    let notes = tmp.path().join("notes");
    copy_shipped(&notes);
    let data = tmp.path().join("data");
    let state = data.join("state.sqlite3");
    let store = confnotes::store::SqliteStore::open(&state).unwrap();
    confnotes::store::StateStore::flush(&store).unwrap();
    drop(store);
    let set_version = |v: i64| {
        let conn = rusqlite::Connection::open(&state).unwrap();
        conn.pragma_update(None, "user_version", v).unwrap();
    };
    let version = || -> i64 {
        let conn = rusqlite::Connection::open(&state).unwrap();
        conn.query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap()
    };
    let doctor = || {
        let out = Command::new(env!("CARGO_BIN_EXE_confnotes"))
            .current_dir(common::root())
            .args(["--notes", notes.to_str().unwrap(), "doctor", "--offline"])
            .env("CONFNOTES_DATA_DIR", &data)
            .env("DISCORD_TOKEN", common::TEST_TOKEN)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        (out.status.code(), text)
    };
    let current = version();

    // An older schema: reported, left alone.
    set_version(2);
    let before = std::fs::read(&state).unwrap();
    let (code, text) = doctor();
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains(&format!("schema 2; serve migrates it to {current}")),
        "{text}"
    );
    assert_eq!(version(), 2, "doctor migrated the state file");
    assert_eq!(std::fs::read(&state).unwrap(), before, "doctor wrote to it");

    // A newer one: an error, named.
    set_version(current + 1);
    let (code, text) = doctor();
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("written by a newer confnotes"), "{text}");

    // This version's: read as usual.
    set_version(current);
    let (code, text) = doctor();
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains(&format!("(schema {current})")), "{text}");
}

/// The same on PostgreSQL: a new database is schema 0 and stays empty.
#[test]
fn doctor_never_migrates_a_postgres_state() {
    let Some(url) = common::pg::database("doctor on a PostgreSQL state") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let notes = tmp.path().join("notes");
    copy_shipped(&notes);
    let doctor = || {
        let out = Command::new(env!("CARGO_BIN_EXE_confnotes"))
            .current_dir(common::root())
            .args(["--notes", notes.to_str().unwrap(), "doctor", "--offline"])
            .env("CONFNOTES_DATA_DIR", tmp.path().join("data"))
            .env("CONFNOTES_STATE__URL", &url)
            .env("DISCORD_TOKEN", common::TEST_TOKEN)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        (out.status.code(), text)
    };
    let tables = || {
        common::pg::sql(
            &url,
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'",
        )[0][0]
            .clone()
    };
    let (code, text) = doctor();
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("has schema 0; serve migrates it"), "{text}");
    assert_eq!(tables().as_deref(), Some("0"), "doctor created tables");

    // Once serve (here: any store opened for writing) migrated it: read.
    let store = confnotes::store::open(&common::pg::location(&url)).unwrap();
    let current = store.schema_version().unwrap();
    drop(store);
    let (code, text) = doctor();
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains(&format!("(schema {current})")), "{text}");
}
