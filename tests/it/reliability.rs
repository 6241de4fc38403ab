//! Re-indexing while answering, crashes in the middle of indexing, and
//! broken index directories.

use crate::common;

use common::{confnotes, copy_shipped, json};

use confnotes::answer::{Engine, LiveEngine};
use confnotes::config::Config;
use confnotes::index::{Filters, Silent};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// `count` talks whose titles all carry `version`.
fn write_talks(notes: &Path, count: usize, version: &str) {
    for i in 0..count {
        std::fs::write(
            notes.join(format!("talk-{i:02}.md")),
            format!(
                "# Conference notes {i}\n\n## Scheduling {version} edition {i} - Ada Lovelace, Analytical Engines\n\n\
                 Notes about scheduling workloads, {version} release, part {i}.\n"
            ),
        )
        .unwrap();
    }
}

/// Talks in each version of the notes below; questions ask for all of them.
const TALKS: usize = 30;

/// What one question saw: how many talks, whether each was the "alpha"
/// version, and whether a re-index ran from before it to after it.
struct Seen {
    hits: usize,
    alpha: Vec<bool>,
    during: bool,
}

#[test]
fn questions_during_a_reindex_see_the_old_index_or_the_new_never_a_mix() {
    let tmp = tempfile::tempdir().unwrap();
    let notes = tmp.path().join("notes");
    std::fs::create_dir(&notes).unwrap();
    write_talks(&notes, TALKS, "alpha");
    let config = Config {
        notes_dir: notes.clone(),
        index_dir: tmp.path().join("index"),
        synonyms_file: common::root().join("config/synonyms.toml"),
        ..Config::default()
    };
    let (engine, _) = Engine::open(&config, &Silent).unwrap();
    let live = Arc::new(LiveEngine::new(engine));
    let done = Arc::new(AtomicBool::new(false));
    // Counts re-indexes begun and ended: odd while one runs.
    let phase = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let (live, done, phase) = (Arc::clone(&live), Arc::clone(&done), Arc::clone(&phase));
            std::thread::spawn(move || {
                let mut seen = Vec::new();
                while !done.load(Ordering::SeqCst) {
                    let before = phase.load(Ordering::SeqCst);
                    let engine = live.snapshot();
                    let answer = engine
                        .ask("scheduling edition", &Filters::default(), TALKS + 10, 0)
                        .unwrap();
                    let alpha = answer
                        .hits
                        .iter()
                        .map(|h| h.meta.title.contains("alpha"))
                        .collect();
                    let during = before % 2 == 1 && phase.load(Ordering::SeqCst) == before;
                    seen.push(Seen {
                        hits: answer.hits.len(),
                        alpha,
                        during,
                    });
                }
                seen
            })
        })
        .collect();
    for version in ["beta", "alpha", "beta"] {
        write_talks(&notes, TALKS, version);
        phase.fetch_add(1, Ordering::SeqCst);
        let report = live.reindex(&Silent).unwrap();
        phase.fetch_add(1, Ordering::SeqCst);
        assert_eq!(report.files_read, TALKS, "{report:?}");
    }
    done.store(true, Ordering::SeqCst);
    let seen: Vec<Seen> = readers
        .into_iter()
        .flat_map(|r| r.join().unwrap())
        .collect();
    for s in &seen {
        assert_eq!(s.hits, TALKS, "every question sees all the talks");
        assert!(
            s.alpha.iter().all(|&a| a == s.alpha[0]),
            "one answer mixed two versions of the index: {:?}",
            s.alpha
        );
    }
    // The questions really ran while the index was being rebuilt, and
    // answered from both versions.
    let during = seen.iter().filter(|s| s.during).count();
    let alpha = seen.iter().filter(|s| s.alpha[0]).count();
    eprintln!(
        "{} answers: {during} while a re-index ran; {alpha} from alpha, {} from beta",
        seen.len(),
        seen.len() - alpha
    );
    assert!(during > 0, "no question overlapped a re-index");
    assert!(alpha > 0 && alpha < seen.len(), "one version only");
    // And the engine now answers from the last version.
    let last = live
        .snapshot()
        .ask("scheduling edition", &Filters::default(), TALKS + 10, 0)
        .unwrap();
    assert!(last.hits.iter().all(|h| h.meta.title.contains("beta")));
}

#[test]
fn a_crash_in_the_middle_of_indexing_leaves_the_last_index_usable() {
    let tmp = tempfile::tempdir().unwrap();
    let notes = tmp.path().join("notes");
    let index = tmp.path().join("index");
    copy_shipped(&notes);
    let first = json(&confnotes(&notes, &index, &["index", "--json"]));
    let chunks_before = first["chunks"].as_u64().unwrap();
    // Many more notes. The indexer logs a line per file to a pipe this test
    // stops reading after the first new file: once the pipe is full (64 KiB
    // on Linux and macOS; the lines below hold more than twice that) the
    // indexer blocks before its commit, however fast the machine.
    let shipped: Vec<String> = std::fs::read_dir(&notes)
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    let more = tmp.path().join("notes/more");
    std::fs::create_dir(&more).unwrap();
    let long = "x".repeat(200);
    for i in 0..400 {
        let text = shipped[i % shipped.len()].replace("eBPF", &format!("ebpfvariant{i}"));
        std::fs::write(more.join(format!("copy-{i:03}-{long}.md")), text).unwrap();
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_confnotes"))
        .current_dir(common::root())
        .env("CONFNOTES_LOG", "confnotes=debug")
        .args(["--notes", notes.to_str().unwrap()])
        .args(["--index", index.to_str().unwrap(), "index"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut log = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    loop {
        line.clear();
        let n = std::io::BufRead::read_line(&mut log, &mut line).unwrap();
        assert!(n > 0, "the indexer stopped before logging a new file");
        assert!(
            !line.contains("committing"),
            "committed before the crash: {line}"
        );
        if line.contains("indexing") && line.contains("copy-") {
            break;
        }
    }
    child.kill().unwrap(); // SIGKILL: no chance to clean up.
    child.wait().unwrap();
    drop(log);

    // The next run opens the last committed index (nothing is rebuilt, the
    // shipped notes are not even re-read) and adds what the crash lost.
    let report = json(&confnotes(&notes, &index, &["index", "--json"]));
    assert!(report["rebuilt"].is_null(), "{report}");
    assert_eq!(report["files_unchanged"], 5, "{report}");
    assert_eq!(report["files_read"], 400, "{report}");
    assert!(report["chunks"].as_u64().unwrap() > chunks_before * 50);
    let found = json(&confnotes(
        &notes,
        &index,
        &["ask", "--json", "ebpfvariant399"],
    ));
    assert!(
        found["hits"][0]["file"]
            .as_str()
            .is_some_and(|f| f.starts_with("more/copy-399-")),
        "{found}"
    );
}

#[test]
fn a_damaged_index_directory_is_rebuilt_with_a_warning() {
    let notes = common::root().join("notes");
    for damage in [
        "truncate a store file",
        "delete a segment file",
        "delete the whole directory",
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let index = tmp.path().join("index");
        json(&confnotes(&notes, &index, &["index", "--json"]));
        let files: Vec<_> = std::fs::read_dir(&index)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        let with_ext = |ext: &str| {
            files
                .iter()
                .find(|p| p.extension().is_some_and(|e| e == ext))
                .unwrap()
                .clone()
        };
        match damage {
            "truncate a store file" => {
                let f = std::fs::OpenOptions::new()
                    .write(true)
                    .open(with_ext("store"))
                    .unwrap();
                f.set_len(100).unwrap();
            }
            "delete a segment file" => std::fs::remove_file(with_ext("idx")).unwrap(),
            _ => std::fs::remove_dir_all(&index).unwrap(),
        }
        let out = confnotes(&notes, &index, &["ask", "--json", "ebpf"]);
        let answer = json(&out);
        assert!(!answer["hits"].as_array().unwrap().is_empty(), "{damage}");
        if damage != "delete the whole directory" {
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(
                stderr.contains("unreadable") && stderr.contains("rebuilding"),
                "{damage}: {stderr}"
            );
        }
    }
}

#[test]
fn it_runs_from_any_directory_with_the_built_in_synonyms() {
    let elsewhere = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_confnotes"))
        .current_dir(elsewhere.path())
        .args(["--notes", common::root().join("notes").to_str().unwrap()])
        .args(["--index", elsewhere.path().join("index").to_str().unwrap()])
        .args(["ask", "--json", "mutual tls"])
        .output()
        .unwrap();
    let answer = json(&out);
    // The notes only say "mTLS": the shipped synonyms make the connection.
    assert!(
        answer["hits"][0]["snippet"]
            .as_str()
            .is_some_and(|s| s.to_lowercase().contains("mtls")),
        "{answer}"
    );
    // A synonyms file named on purpose must exist.
    let out = Command::new(env!("CARGO_BIN_EXE_confnotes"))
        .current_dir(elsewhere.path())
        .env("CONFNOTES_SYNONYMS_FILE", "missing.toml")
        .args(["--notes", common::root().join("notes").to_str().unwrap()])
        .args(["ask", "ebpf"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.toml"));
}

#[test]
fn a_pasted_wall_of_text_is_searched_by_its_first_words() {
    let (engine, _tmp) = common::shipped();
    // 100 KB of mostly unknown words: each used to cost three fuzzy walks of
    // the term dictionary (20 s and 7 GB in a release build).
    let mut wall = String::from("webassembly kubernetes ");
    for i in 0..12_000 {
        wall.push_str(&format!("zqword{i} "));
    }
    let answer = engine.ask(&wall, &Filters::default(), 5, 0).unwrap();
    assert!(
        answer
            .hits
            .iter()
            .any(|h| h.meta.title.to_lowercase().contains("wasm")
                || h.snippet.to_lowercase().contains("webassembly")),
        "the first words still find their talks: {:?}",
        answer
            .hits
            .iter()
            .map(|h| &h.meta.title)
            .collect::<Vec<_>>()
    );
    let builder = confnotes::index::QueryBuilder::new(
        engine.index.fields,
        Config::default().ranking,
        &confnotes::index::Synonyms::default(),
    );
    let words = builder.build(&wall, &Filters::default()).words;
    assert_eq!(words.len(), confnotes::index::query::MAX_WORDS);
    assert_eq!(words[..2], ["webassembly", "kubernetes"]);
}

/// Session ids in `sessions --json`, sorted.
fn session_ids(notes: &Path, index: &Path) -> Vec<String> {
    let all = json(&confnotes(notes, index, &["sessions", "--json"]));
    let mut ids: Vec<String> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

#[cfg(unix)]
#[test]
fn a_kill_between_the_index_commit_and_the_manifest_leaves_a_consistent_index() {
    let tmp = tempfile::tempdir().unwrap();
    let notes = tmp.path().join("notes");
    let index = tmp.path().join("index");
    copy_shipped(&notes);
    json(&confnotes(&notes, &index, &["index", "--json"]));
    for i in 0..30 {
        std::fs::write(
            notes.join(format!("late-{i:02}.md")),
            format!("# Late talk {i} - Grace Hopper, Navy\n\nCompilers and fifowindow{i} notes.\n"),
        )
        .unwrap();
    }
    // The manifest is replaced by writing a temporary file and renaming it.
    // A named pipe in the temporary file's place stops the indexer right
    // there, after its commit, for as long as nobody reads the pipe: the
    // kill below lands in that window every time, whatever the machine.
    let pipe = index.join("confnotes-manifest.json.tmp");
    let made = Command::new("mkfifo").arg(&pipe).status().unwrap();
    assert!(made.success());
    let meta = || std::fs::read_to_string(index.join("meta.json")).unwrap();
    let committed_before = meta();
    let mut child = Command::new(env!("CARGO_BIN_EXE_confnotes"))
        .current_dir(common::root())
        .args(["--notes", notes.to_str().unwrap()])
        .args(["--index", index.to_str().unwrap(), "index"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while meta() == committed_before {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the indexer ended before its commit"
        );
        assert!(std::time::Instant::now() < deadline, "no commit in 60 s");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the indexer got past the manifest"
    );
    child.kill().unwrap(); // SIGKILL between the commit and the manifest.
    child.wait().unwrap();
    // What a crash in the middle of writing leaves: a part of the file.
    std::fs::remove_file(&pipe).unwrap();
    std::fs::write(&pipe, "{\"schema_vers").unwrap();

    // The next start: the new notes are in tantivy's commit but not in the
    // manifest, so they are read again, replacing what the commit holds.
    let found = json(&confnotes(
        &notes,
        &index,
        &["ask", "--json", "fifowindow7"],
    ));
    let hits = found["hits"].as_array().unwrap();
    assert_eq!(hits[0]["file"], "late-07.md", "{found}");
    let ids: Vec<&str> = hits.iter().map(|h| h["id"].as_str().unwrap()).collect();
    let unique: std::collections::HashSet<&&str> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "a chunk twice: {ids:?}");
    let after = session_ids(&notes, &index);
    let fresh = session_ids(&notes, &tmp.path().join("fresh-index"));
    assert_eq!(
        after, fresh,
        "the index holds what a rebuild from scratch holds"
    );
    let again = json(&confnotes(&notes, &index, &["index", "--json"]));
    assert_eq!(again["files_read"], 0, "{again}");
    assert_eq!(again["files_unchanged"], 35, "{again}");
}
