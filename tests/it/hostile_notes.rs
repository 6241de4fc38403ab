//! Hostile notes, end to end: each test puts bad, huge or strange files
//! beside one good note, runs the real binary, and checks three things:
//! `confnotes index` exits 0 and names every bad file with a clear message
//! (also on the next, unchanged run, which is what `/reindex` shows), the
//! good note is still found by `ask`, and what could be read is indexed.
//!
//! No test measures time (a project rule): the big inputs are here to prove
//! they finish and give sane chunks; the work per byte is kept linear in
//! `src/notes/` and the release-build figures are in the README.

use serde_json::Value;
use std::os::unix::fs::{symlink as link, PermissionsExt};
use std::path::PathBuf;
use std::process::{Command, Output};

/// The good note every case keeps beside its hostile files.
const GOOD: &str = "# Quokka Telemetry Pipelines - Ada Lovelace, Example Corp\n\n\
    Ada showed how the quokka team ships telemetry with collectors and tail sampling.\n";

/// What `confnotes index` should say about one file.
#[derive(Clone, Copy, Debug)]
enum Expect {
    /// Indexed with no diagnostic.
    Indexed,
    /// Indexed, with a warning containing this text.
    Warned(&'static str),
    /// Skipped, with this reason.
    Skipped(&'static str),
}

/// A notes directory in a temporary directory, with its own configuration
/// (so the repository's `config/default.toml` plays no part).
struct Notes {
    tmp: tempfile::TempDir,
    dir: PathBuf,
}

impl Notes {
    fn new() -> Notes {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("notes");
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(
            tmp.path().join("confnotes.toml"),
            format!(
                "data_dir = {:?}\nsynonyms_file = \"\"\n",
                tmp.path().join("data").display().to_string()
            ),
        )
        .unwrap();
        let notes = Notes { tmp, dir };
        notes.write("good.md", GOOD);
        notes
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.join(rel)
    }

    fn write(&self, rel: &str, content: impl AsRef<[u8]>) {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_confnotes"))
            .current_dir(self.tmp.path())
            .env("NO_COLOR", "1")
            .env_remove("CONFNOTES_LOG")
            .arg("--config")
            .arg(self.tmp.path().join("confnotes.toml"))
            .arg("--notes")
            .arg(&self.dir)
            .arg("--index")
            .arg(self.tmp.path().join("index"))
            .args(args)
            .output()
            .unwrap()
    }

    fn json(&self, args: &[&str]) -> Value {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "confnotes {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// The first hit of `ask QUESTION --json`.
    fn best(&self, question: &str) -> Value {
        let a = self.json(&["ask", question, "--json"]);
        a["hits"][0].clone()
    }
}

/// Index the notes, check what is said about each file, and that the good
/// note is still found. Returns the report of the first (fresh) run.
fn check(notes: &Notes, expected: &[(&str, Expect)]) -> Value {
    let report = notes.json(&["index", "--json"]);
    let diags = report["diagnostics"].as_array().unwrap();
    for (file, expect) in expected {
        let about: Vec<&Value> = diags.iter().filter(|d| d["file"] == *file).collect();
        match expect {
            Expect::Indexed => assert!(about.is_empty(), "{file}: unexpected {about:?}"),
            Expect::Warned(msg) | Expect::Skipped(msg) => {
                let severity = if matches!(expect, Expect::Warned(_)) {
                    "warning"
                } else {
                    "error"
                };
                assert!(
                    about.iter().any(|d| d["severity"] == severity
                        && d["message"].as_str().unwrap().contains(msg)),
                    "{file}: expected {expect:?}, got {about:?}\nall: {diags:?}"
                );
            }
        }
    }
    assert!(
        !diags.iter().any(|d| d["file"] == "good.md"),
        "the good note has problems: {diags:?}"
    );
    // The text report of the next run (nothing changed) names the same
    // files: `/reindex` shows this list.
    let out = notes.run(&["index"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for (file, expect) in expected {
        match expect {
            Expect::Indexed => {}
            Expect::Warned(msg) => {
                assert!(
                    text.contains(&format!("warning: {file}: ")),
                    "{file}:\n{text}"
                );
                assert!(text.contains(msg), "{msg}:\n{text}");
            }
            Expect::Skipped(msg) => {
                assert!(text.contains(&format!("skipped: {file}: {msg}")), "{text}")
            }
        }
    }
    let hit = notes.best("quokka telemetry");
    assert_eq!(hit["file"], "good.md", "{hit}");
    assert_eq!(hit["title"], "Quokka Telemetry Pipelines");
    report
}

#[test]
fn binary_files_are_skipped_by_name() {
    let notes = Notes::new();
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    png.extend((0..4096u32).map(|i| (i * 7 % 256) as u8));
    notes.write("scan.dat", &png);
    // Control characters without NUL bytes, as in a terminal recording.
    notes.write(
        "typescript.log",
        b"\x1b\x01\x02\x03\x04\x05\x06\x07\x08 x".repeat(200),
    );
    // Pictures kept beside notes are not notes and not worth a warning.
    notes.write("photo.png", &png);
    let report = check(
        &notes,
        &[
            ("scan.dat", Expect::Skipped("binary file, not a note")),
            ("typescript.log", Expect::Skipped("binary file, not a note")),
            ("photo.png", Expect::Indexed),
        ],
    );
    assert_eq!(report["files"], 3, "{report}");
}

#[test]
fn invalid_utf8_is_read_lossily_with_a_warning() {
    let notes = Notes::new();
    // Latin-1 bytes (é = 0xE9) in an otherwise good note.
    notes.write(
        "latin1.md",
        b"# Cr\xe8me Caching - Jean Dupont, Acme\n\nThe caf\xe9 cache keeps croissants warm.\n",
    );
    // A truncated multi-byte sequence at the very end.
    notes.write(
        "truncated.txt",
        b"Gecko Storage Notes\n\nGeckos store their logs in object storage \xe2\x82",
    );
    check(
        &notes,
        &[
            (
                "latin1.md",
                Expect::Warned("invalid UTF-8 at byte 4; undecodable bytes replaced"),
            ),
            ("truncated.txt", Expect::Warned("invalid UTF-8 at byte")),
        ],
    );
    let hit = notes.best("croissants");
    assert_eq!(hit["file"], "latin1.md");
    assert_eq!(hit["title"], "Cr\u{fffd}me Caching");
    assert_eq!(notes.best("geckos object storage")["file"], "truncated.txt");
}

#[test]
fn empty_files_are_skipped_by_name() {
    let notes = Notes::new();
    notes.write("empty.md", "");
    notes.write("blank.txt", " \n\n\t\r\n");
    notes.write("bom-only.md", "\u{feff}\n");
    // Headings and nothing under them: read, but nothing to index.
    notes.write(
        "bare-headings.md",
        (0..50)
            .map(|i| format!("## Heading {i}\n"))
            .collect::<String>(),
    );
    check(
        &notes,
        &[
            ("empty.md", Expect::Skipped("empty file")),
            ("blank.txt", Expect::Skipped("empty file")),
            ("bom-only.md", Expect::Skipped("empty file")),
            ("bare-headings.md", Expect::Warned("no text found to index")),
        ],
    );
}

#[test]
fn broken_front_matter_is_reported_and_the_body_indexed() {
    let notes = Notes::new();
    let body =
        |animal: &str| format!("# {animal} Logging - Ann Lee, Zoo\n\nStriped {animal} logs.\n");
    notes.write(
        "toml.md",
        format!("+++\ntitle = \"oops\n+++\n{}", body("Zebra")),
    );
    notes.write(
        "yaml.md",
        format!("---\ntitle: [unclosed\n---\n{}", body("Okapi")),
    );
    notes.write(
        "unclosed.md",
        format!("+++\ntitle = \"x\"\n\n{}", body("Tapir")),
    );
    notes.write(
        "list.md",
        format!("---\n- just\n- a list\n---\n{}", body("Lemur")),
    );
    // Nesting that made libyaml's scanner quadratic (100 000 levels took
    // 40 s); refused before parsing now.
    notes.write(
        "deep-yaml.md",
        format!("---\na: {}\n---\n{}", "[".repeat(100_000), body("Ibex")),
    );
    notes.write(
        "deep-toml.md",
        format!("+++\na = {}\n+++\n{}", "[".repeat(100_000), body("Yak")),
    );
    check(
        &notes,
        &[
            (
                "toml.md",
                Expect::Warned("front matter is not valid TOML: "),
            ),
            (
                "yaml.md",
                Expect::Warned("front matter is not valid YAML: "),
            ),
            (
                "unclosed.md",
                Expect::Warned("front matter opened with +++ is never closed"),
            ),
            (
                "list.md",
                Expect::Warned("front matter is not a YAML mapping of keys to values"),
            ),
            (
                "deep-yaml.md",
                Expect::Warned("brackets nested more than 128 deep"),
            ),
            (
                "deep-toml.md",
                Expect::Warned("front matter is not valid TOML: "),
            ),
        ],
    );
    for (animal, file) in [
        ("Zebra", "toml.md"),
        ("Okapi", "yaml.md"),
        ("Tapir", "unclosed.md"),
        ("Lemur", "list.md"),
        ("Ibex", "deep-yaml.md"),
        ("Yak", "deep-toml.md"),
    ] {
        let hit = notes.best(&format!("striped {animal} logs"));
        assert_eq!(hit["file"], file, "{hit}");
        assert_eq!(hit["title"], format!("{animal} Logging"));
        assert_eq!(hit["speakers"][0], "Ann Lee");
    }
}

#[test]
fn symlink_loops_and_dangling_links_are_named_not_followed() {
    let notes = Notes::new();
    std::fs::create_dir(notes.path("sub")).unwrap();
    link(&notes.dir, notes.path("sub/loop")).unwrap();
    link("b.md", notes.path("a.md")).unwrap();
    link("a.md", notes.path("b.md")).unwrap();
    link("missing.md", notes.path("gone.md")).unwrap();
    // A link to a real note is followed.
    notes.write(
        "real/capybara.md",
        "# Capybara Caching - Ann Lee, Zoo\n\nCapybaras cache.\n",
    );
    link("real/capybara.md", notes.path("alias.md")).unwrap();
    check(
        &notes,
        &[
            ("sub/loop", Expect::Skipped("symlink loop, not followed")),
            ("a.md", Expect::Skipped("symlink loop, not followed")),
            ("b.md", Expect::Skipped("symlink loop, not followed")),
            ("gone.md", Expect::Skipped("cannot read: No such file")),
            ("alias.md", Expect::Indexed),
        ],
    );
    let files: Vec<Value> = notes.json(&["ask", "capybaras", "--json"])["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["file"].clone())
        .collect();
    assert!(files.contains(&"alias.md".into()), "{files:?}");
    assert!(files.contains(&"real/capybara.md".into()), "{files:?}");
}

#[test]
fn unreadable_files_are_named_or_indexed_when_root_can_read_them() {
    let notes = Notes::new();
    notes.write(
        "secret.md",
        "# Walrus Secrets - Bo Ek, Ice\n\nWalrus tusk notes.\n",
    );
    notes.write(
        "locked/inner.md",
        "# Narwhal Secrets - Bo Ek, Ice\n\nNarwhal tusk notes.\n",
    );
    let none = std::fs::Permissions::from_mode(0o000);
    std::fs::set_permissions(notes.path("secret.md"), none.clone()).unwrap();
    std::fs::set_permissions(notes.path("locked"), none).unwrap();
    // Root (as in many CI containers) reads files whatever their mode, so
    // chmod 000 proves nothing there: find out, and expect what really
    // happens instead of skipping the test.
    let can_read = std::fs::read(notes.path("secret.md")).is_ok();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        if can_read {
            check(
                &notes,
                &[("secret.md", Expect::Indexed), ("locked", Expect::Indexed)],
            );
            assert_eq!(notes.best("walrus tusk")["file"], "secret.md");
            assert_eq!(notes.best("narwhal tusk")["file"], "locked/inner.md");
        } else {
            check(
                &notes,
                &[
                    (
                        "secret.md",
                        Expect::Skipped("cannot read: Permission denied"),
                    ),
                    ("locked", Expect::Skipped("cannot read: Permission denied")),
                ],
            );
        }
    }));
    // Give the permissions back, or the temporary directory cannot be removed.
    let rw = std::fs::Permissions::from_mode(0o755);
    std::fs::set_permissions(notes.path("locked"), rw.clone()).unwrap();
    std::fs::set_permissions(notes.path("secret.md"), rw).unwrap();
    if let Err(e) = result {
        std::panic::resume_unwind(e);
    }
}

/// A talk of about 1 KB, with its number in the title.
fn talk(i: usize) -> String {
    format!(
        "## Reconciling Cluster Number {i} - Jane Doe, Acme\n\n{}\n\n",
        "Operators watch resources and reconcile the cluster toward the desired state, \
         retrying with backoff when the API server is busy. "
            .repeat(8)
    )
}

#[test]
fn a_20_mb_note_is_indexed_whole() {
    let notes = Notes::new();
    let mut text = String::from("# Huge Conf 2024\n\n");
    let mut talks = 0;
    while text.len() < 20_000_000 {
        text.push_str(&talk(talks));
        talks += 1;
    }
    text.push_str("## Final Pangolin Session - Jane Doe, Acme\n\nPangolins close the show.\n");
    notes.write("huge.md", &text);
    let report = check(&notes, &[("huge.md", Expect::Indexed)]);
    // Every talk is a chunk: nothing was cut off or merged.
    assert_eq!(report["chunks"], talks + 2, "{}", report["chunks"]);
    let hit = notes.best("pangolin");
    assert_eq!(hit["file"], "huge.md");
    assert_eq!(hit["title"], "Final Pangolin Session");
    assert_eq!(hit["conference"], "Huge Conf");
    assert_eq!(hit["year"], 2024);
}

#[test]
fn a_single_1_mb_line_is_one_chunk_that_is_found() {
    let notes = Notes::new();
    let line = "kubernetes operators reconcile state ".repeat(28_000);
    notes.write(
        "long-line.md",
        format!("# Long Line Notes\n\n{line}ocelot\n"),
    );
    // Plain text, no spaces at all, and one with a URL every few words.
    notes.write(
        "long-line.txt",
        format!("{}margay\n", "Word ".repeat(200_000)),
    );
    notes.write(
        "no-spaces.md",
        format!("# Solid\n\n{}\n\nserval\n", "x".repeat(1_000_000)),
    );
    let urls: String = (0..30_000)
        .map(|i| format!("see https://h{i}.example.io/p "))
        .collect();
    notes.write("many-links.md", format!("# Links\n\n{urls}caracal\n"));
    let report = check(
        &notes,
        &[
            ("long-line.md", Expect::Indexed),
            ("long-line.txt", Expect::Indexed),
            ("no-spaces.md", Expect::Indexed),
            ("many-links.md", Expect::Indexed),
        ],
    );
    assert_eq!(report["chunks"], 5, "{report}");
    for (word, file) in [
        ("ocelot", "long-line.md"),
        ("margay", "long-line.txt"),
        ("serval", "no-spaces.md"),
        ("caracal", "many-links.md"),
    ] {
        assert_eq!(notes.best(word)["file"], file, "{word}");
    }
    let links = &notes.best("caracal")["links"];
    assert_eq!(links.as_array().unwrap().len(), 30_000);
}

#[test]
fn ten_thousand_headings_give_ten_thousand_chunks_with_unique_ids() {
    let notes = Notes::new();
    let sections: String = (0..10_000)
        .map(|i| format!("## Heading {i}\n\nBody {i} about lorikeets.\n\n"))
        .collect();
    notes.write("headings.md", sections);
    // Ten thousand talks under one title: their ids were found with a
    // cubic search (216 s in a release build); linear now.
    let same: String = (0..10_000)
        .map(|i| format!("### Same Talk - Jane Doe, Acme\n\nRepeat {i}.\n\n"))
        .collect();
    notes.write("same-title.md", same);
    // Every level of heading, deepest first and back.
    let levels: String = (0..10_000)
        .map(|i| format!("{} Level {i}\n\nText {i}.\n\n", "#".repeat(1 + i % 6)))
        .collect();
    notes.write("levels.md", levels);
    let report = check(
        &notes,
        &[
            ("headings.md", Expect::Indexed),
            ("same-title.md", Expect::Indexed),
            ("levels.md", Expect::Indexed),
        ],
    );
    let added: Vec<&str> = report["added"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let unique: std::collections::HashSet<&str> = added.iter().copied().collect();
    assert_eq!(unique.len(), added.len(), "chunk ids repeat");
    let count = |prefix: &str| added.iter().filter(|id| id.starts_with(prefix)).count();
    assert_eq!(count("headings/"), 10_000);
    assert_eq!(count("same-title/same-talk"), 10_000);
    assert!(added.contains(&"same-title/same-talk-10000"));
    assert!(count("levels/") > 0);
    assert_eq!(report["chunks"], added.len());
    assert_eq!(
        notes.best("heading 9999 lorikeets")["title"],
        "Heading 9999"
    );
}

#[test]
fn a_thousand_levels_of_nesting_are_read_flat() {
    let notes = Notes::new();
    let lists: String = (0..1000)
        .map(|d| format!("{}- level {d}\n", "  ".repeat(d)))
        .collect();
    notes.write(
        "lists.md",
        format!("# Deep Lists\n\n{lists}{}- platypus\n", "  ".repeat(1000)),
    );
    let ordered: String = (0..1000)
        .map(|d| format!("{}1. step\n", "   ".repeat(d)))
        .collect();
    notes.write(
        "ordered.md",
        format!("# Deep Steps\n\n{ordered}\nechidna\n"),
    );
    let one_line = format!("# Stars\n\n{}wombat\n", "* ".repeat(1000));
    notes.write("one-line.md", one_line);
    let quotes = format!("# Quotes\n\n{} quoll\n", ">".repeat(1000));
    notes.write("quotes.md", quotes);
    let brackets = format!(
        "# Brackets\n\n{}bilby{}\n",
        "[".repeat(1000),
        "](u)".repeat(1000)
    );
    notes.write("brackets.md", brackets);
    let emphasis = format!(
        "# Emphasis\n\n{}numbat{}\n",
        "*".repeat(1000),
        "*".repeat(1000)
    );
    notes.write("emphasis.md", emphasis);
    let rst: String = (0..1000)
        .map(|d| format!("{}- level {d}\n", "  ".repeat(d)))
        .collect();
    notes.write(
        "lists.rst",
        format!("Deep Rst\n========\n\n{rst}\n.. note:: dingo\n"),
    );
    let files = [
        ("lists.md", "platypus"),
        ("ordered.md", "echidna"),
        ("one-line.md", "wombat"),
        ("quotes.md", "quoll"),
        ("brackets.md", "bilby"),
        ("emphasis.md", "numbat"),
        ("lists.rst", "dingo"),
    ];
    let expected: Vec<(&str, Expect)> = files.iter().map(|(f, _)| (*f, Expect::Indexed)).collect();
    check(&notes, &expected);
    for (file, word) in files {
        assert_eq!(notes.best(word)["file"], file, "{word}");
    }
    // Indentation in a chunk's text stops at eight levels.
    let out = notes.run(&["session", "lists/deep-lists", "--json"]);
    let body: Value = serde_json::from_slice(&out.stdout).unwrap();
    let body = body["body"].as_str().unwrap();
    assert!(body.contains(&format!("{}- level 999", "  ".repeat(8))));
    assert!(!body.contains(&format!("{}- level", "  ".repeat(9))));
}

#[test]
fn mentions_and_discord_markdown_are_indexed_as_text() {
    let notes = Notes::new();
    notes.write(
        "mentions.md",
        "# @everyone Capybara Party <@&123> - Jane Doe, Acme\n\n\
         Ping @here and <@456> about the ||spoiler: capybaras win|| results, \
         see [masked](https://evil.example/a) and **bold _nested ~~mess\n\n\
         ```sh\ncapybara --unclosed-fence\n",
    );
    check(&notes, &[("mentions.md", Expect::Indexed)]);
    let hit = notes.best("capybara party");
    assert_eq!(hit["file"], "mentions.md");
    assert_eq!(hit["title"], "@everyone Capybara Party <@&123>");
    assert_eq!(hit["links"][0]["url"], "https://evil.example/a");
    assert_eq!(hit["links"][0]["label"], "masked");
    // The terminal shows all of it as written: no escaping, no pings.
    let out = notes.run(&["ask", "capybara", "party"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("1. @everyone Capybara Party <@&123>  [talk]"),
        "{text}"
    );
    assert!(text.contains("masked: https://evil.example/a"), "{text}");
    // The body keeps the mentions and the spoiler bars; the unclosed fence
    // becomes a closed code block.
    let out = notes.run(&["session", "capybara party", "--json"]);
    let s: Value = serde_json::from_slice(&out.stdout).unwrap();
    let body = s["body"].as_str().unwrap();
    for written in ["@here", "<@456>", "||spoiler: capybaras win||"] {
        assert!(body.contains(written), "{written} in {body}");
    }
    assert!(
        body.ends_with("```\ncapybara --unclosed-fence\n```"),
        "{body}"
    );
}
