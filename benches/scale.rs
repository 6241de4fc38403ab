//! The figures of the README's performance table, end to end:
//!
//! ```sh
//! cargo bench --bench scale              # 1000x the shipped notes (~70 MB)
//! cargo bench --bench scale -- --scale 100
//! ```
//!
//! It generates the corpus (cached under `target/bench-corpus/`), then times
//! parsing alone, tantivy alone on the same chunks, `confnotes index` from
//! scratch as a process, `confnotes ask` on the unchanged index, one changed
//! note, queries in process against `rg -i` over the same files, and
//! `confnotes serve` against the mock Discord of the tests under 100
//! concurrent `/ask` interactions, with its peak RSS. Timings are printed,
//! never asserted.

#[path = "../tests/it/common/mod.rs"]
mod common;
#[path = "support/corpus.rs"]
mod corpus;
#[path = "../tests/it/mock_discord/mod.rs"]
mod mock_discord;

use confnotes::answer::Engine;
use confnotes::config::Config;
use confnotes::index::{Filters, NotesIndex, Silent, WriterOptions};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

// The allocator `confnotes` itself uses, so "tantivy alone" runs on the same.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

struct Table(Vec<[String; 3]>);

impl Table {
    fn row(&mut self, what: &str, value: String, target: &str) {
        println!("{what:<58} {value:>22}   {target}");
        self.0.push([what.to_string(), value, target.to_string()]);
    }

    fn print(&self) {
        println!("\n| measure | value | target |\n| --- | --- | --- |");
        for [a, b, c] in &self.0 {
            println!("| {a} | {b} | {c} |");
        }
    }
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1e6
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Peak resident memory of a running process, in MB (Linux).
fn peak_rss_mb(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Run `confnotes` to completion; wall time and peak RSS.
fn run(args: &[&str], env: &[(&str, &str)]) -> (Duration, f64) {
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_confnotes"))
        .current_dir(common::root())
        .args(args)
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("confnotes runs");
    let pid = child.id();
    let mut peak: f64 = 0.0;
    loop {
        if let Some(rss) = peak_rss_mb(pid) {
            peak = peak.max(rss);
        }
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "confnotes {args:?} failed");
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    (started.elapsed(), peak)
}

fn questions() -> Vec<String> {
    let text = std::fs::read_to_string(common::root().join("tests/eval/questions.toml")).unwrap();
    let doc: toml::Table = toml::from_str(&text).unwrap();
    doc["q"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["question"].as_str().unwrap().to_string())
        .collect()
}

fn config_for(notes: &Path, index: &Path) -> Config {
    Config {
        notes_dir: notes.to_path_buf(),
        index_dir: index.to_path_buf(),
        data_dir: index.with_extension("data"),
        synonyms_file: common::root().join("config/synonyms.toml"),
        ..Config::default()
    }
}

fn main() {
    // As `confnotes index` runs: no purging before exit.
    confnotes::alloc::set_purge(confnotes::alloc::Purge::AtExit);
    let mut scale = 1000;
    let mut only: Option<String> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--scale" => scale = args.next().and_then(|s| s.parse().ok()).expect("--scale N"),
            // One part: `index`, `queries`, `serve` or `startup` (the last three on the
            // index an earlier run built), for profiling and quick checks.
            "--only" => only = args.next(),
            _ => {}
        }
    }
    let root = common::root();
    let work = root.join("target/bench-corpus");
    let started = Instant::now();
    let c = corpus::generate(&root.join("notes"), &work.join(format!("x{scale}")), scale);
    println!(
        "corpus: {scale}x the shipped notes, {} files, {:.1} MB ({} to generate or reuse)\n",
        c.files.len(),
        mb(c.bytes),
        ms(started.elapsed())
    );
    let mut t = Table(Vec::new());
    let notes = c.dir.to_str().unwrap().to_string();
    let index = work.join(format!("x{scale}-index"));
    match only.as_deref() {
        None | Some("index") => {}
        Some("queries") => {
            queries(&mut t, &c.dir, &index);
            return;
        }
        Some("serve") => {
            serve_under_load(&mut t, &notes, index.to_str().unwrap());
            return;
        }
        Some("startup") => {
            startup(&mut t, &notes, index.to_str().unwrap(), &c.dir);
            t.print();
            return;
        }
        Some(other) => panic!("--only {other}: expected index, queries, serve or startup"),
    }

    // Parsing alone: read + detect + parse + segment, one thread; the
    // second of two passes (the first warms the regex caches and the heap).
    let parse_all = || {
        let started = Instant::now();
        let mut chunks = Vec::new();
        for f in &c.files {
            let bytes = std::fs::read(f).unwrap();
            let rel = f
                .strip_prefix(&c.dir)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            if let Some(n) = confnotes::notes::read_bytes(&rel, &bytes).note {
                chunks.extend(n.chunks);
            }
        }
        (started.elapsed(), chunks)
    };
    let (first, _) = parse_all();
    let (parse, chunks) = parse_all();
    println!("(parse: first pass {})", ms(first));
    t.row(
        "parse only (read, detect, parse, segment; 1 thread)",
        format!("{:.1} MB/s", mb(c.bytes) / parse.as_secs_f64()),
        "",
    );

    // Tantivy alone on the same chunks, same schema, analyzers and writer
    // settings; the median of three runs, each into a fresh index.
    let opts = WriterOptions::from_config(&Config::default().index);
    let mut raws: Vec<Duration> = (0..3)
        .map(|_| {
            let raw_dir = tempfile::tempdir().unwrap();
            let (raw_index, _) = NotesIndex::open(raw_dir.path()).unwrap();
            // The same documents a refresh makes: each word once per file.
            let mut seen = confnotes::index::FileWords::default();
            let mut file = "";
            let docs: Vec<_> = chunks
                .iter()
                .map(|ch| {
                    if ch.meta.file != file {
                        seen = Default::default();
                        file = &ch.meta.file;
                    }
                    raw_index.document(ch.clone(), serde_json::to_string(ch).unwrap(), &mut seen)
                })
                .collect();
            let started = Instant::now();
            let mut w: tantivy::IndexWriter<tantivy::TantivyDocument> = raw_index
                .tantivy()
                .writer_with_num_threads(opts.threads, opts.memory_bytes)
                .unwrap();
            for d in docs {
                w.add_document(d).unwrap();
            }
            w.commit().unwrap();
            w.wait_merging_threads().unwrap();
            started.elapsed()
        })
        .collect();
    raws.sort();
    let raw = raws[1];
    t.row(
        &format!("tantivy alone, same {} chunks (median of 3)", chunks.len()),
        format!("{:.1} MB/s", mb(c.bytes) / raw.as_secs_f64()),
        "",
    );

    // The same pipeline in process, like tantivy alone above: walk, read,
    // parse, build documents, index, commit. The median of three.
    let mut refreshes: Vec<Duration> = (0..3)
        .map(|_| {
            let dir = tempfile::tempdir().unwrap();
            let (mut ix, _) = NotesIndex::open(dir.path()).unwrap();
            let started = Instant::now();
            ix.refresh(&c.dir, opts, &Silent).unwrap();
            started.elapsed()
        })
        .collect();
    refreshes.sort();
    let refresh = refreshes[1];
    t.row(
        "refresh from scratch in process (median of 3); overhead",
        format!(
            "{:.1} MB/s; {:.2}x",
            mb(c.bytes) / refresh.as_secs_f64(),
            refresh.as_secs_f64() / raw.as_secs_f64()
        ),
        "<= 1.5x",
    );

    // The whole pipeline as a process, from scratch; the median of three.
    let idx = index.to_str().unwrap().to_string();
    let mut scratches: Vec<(Duration, f64)> = (0..3)
        .map(|_| {
            let _ = std::fs::remove_dir_all(&index);
            let _ = std::fs::remove_dir_all(index.with_extension("data"));
            run(&["--notes", &notes, "--index", &idx, "index"], &[])
        })
        .collect();
    scratches.sort_by_key(|s| s.0);
    let (scratch, scratch_rss) = scratches[1];
    t.row(
        "`confnotes index` from scratch (read, parse, index, commit; median of 3)",
        format!("{:.1} MB/s", mb(c.bytes) / scratch.as_secs_f64()),
        ">= 20 MB/s",
    );
    t.row(
        "  its time; over tantivy alone",
        format!(
            "{}; {:.2}x",
            ms(scratch),
            scratch.as_secs_f64() / raw.as_secs_f64()
        ),
        "",
    );
    t.row(
        "  its peak RSS",
        format!("{scratch_rss:.0} MB"),
        "bounded by index.writer_memory_mb",
    );

    if only.is_some() {
        t.print();
        return;
    }

    startup(&mut t, &notes, &idx, &c.dir);

    // One note changed.
    let victim = &c.files[c.files.len() / 2];
    let mut text = std::fs::read_to_string(victim).unwrap();
    text.push_str("\n\nA late addition about eBPF tracing.\n");
    std::fs::write(victim, text).unwrap();
    let (changed, _) = run(&["--notes", &notes, "--index", &idx, "index"], &[]);
    t.row(
        "one note changed: `confnotes index` process",
        ms(changed),
        "< 1 s",
    );

    queries(&mut t, &c.dir, &index);
    serve_under_load(&mut t, &notes, &idx);
    t.print();
}

/// Unchanged notes: a whole `ask` process, freshness check included,
/// interleaved with `rg -i -l` for the question's rarest word over the
/// same files, so both see the same machine. Both are timed the same way,
/// waiting on the process (`run` polls every 2 ms for the peak RSS, which
/// would add about a millisecond to a 10 ms command).
fn startup(t: &mut Table, notes: &str, idx: &str, dir: &Path) {
    let rg = Command::new("rg").arg("--version").output().is_ok();
    let mut asks = Vec::new();
    let mut rgs = Vec::new();
    for _ in 0..20 {
        asks.push(wall(
            Command::new(env!("CARGO_BIN_EXE_confnotes"))
                .current_dir(common::root())
                .args(["--notes", notes, "--index", idx, "ask"])
                .arg("how do I run webassembly on kubernetes?"),
        ));
        if rg {
            rgs.push(wall(
                Command::new("rg")
                    .args(["-i", "-l", "webassembly"])
                    .arg(dir),
            ));
        }
    }
    asks.sort();
    rgs.sort();
    let ask = percentile(&asks, 0.5);
    t.row(
        "`confnotes ask` process, unchanged notes (median of 20)",
        ms(ask),
        "< 300 ms",
    );
    if rg {
        let rg50 = percentile(&rgs, 0.5);
        t.row(
            "  `rg -i -l webassembly`, same files, interleaved (median of 20)",
            format!(
                "{}; ask {:.1}x faster",
                ms(rg50),
                rg50.as_secs_f64() / ask.as_secs_f64()
            ),
            "ask >= 3x faster",
        );
    } else {
        t.row(
            "  `rg -i -l webassembly`",
            "rg not installed (`apt install ripgrep`)".into(),
            "",
        );
    }
}

/// The wall time of a command run to its end, its output discarded.
fn wall(cmd: &mut Command) -> Duration {
    let started = Instant::now();
    let status = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("the command runs");
    assert!(status.success(), "{cmd:?} failed: {status}");
    started.elapsed()
}

/// Questions in process against `rg -i` over the same files.
fn queries(t: &mut Table, dir: &Path, index: &Path) {
    let config = config_for(dir, index);
    let (engine, _) = Engine::open(&config, &Silent).unwrap();
    let qs = questions();
    for q in qs.iter().take(20) {
        engine.ask(q, &Filters::default(), 5, 0).unwrap();
    }
    let mut times = Vec::new();
    let mut slowest: Vec<(Duration, &str)> = Vec::new();
    for round in 0..6 {
        for q in &qs {
            let started = Instant::now();
            let a = engine.ask(q, &Filters::default(), 5, 0).unwrap();
            let took = started.elapsed();
            times.push(took);
            if round == 5 {
                slowest.push((took, q));
            }
            if round == 0 && a.hits.is_empty() {
                println!("  (no hit for {q:?})");
            }
        }
    }
    slowest.sort_by_key(|s| std::cmp::Reverse(s.0));
    for (took, q) in slowest.iter().take(3) {
        println!("  slowest: {} {q:?}", ms(*took));
    }
    times.sort();
    let p50 = percentile(&times, 0.5);
    t.row(
        &format!(
            "`ask` in process, top 5 with snippets and summaries ({} queries)",
            times.len()
        ),
        format!("p50 {} · p99 {}", ms(p50), ms(percentile(&times, 0.99))),
        "p50 < 2 ms, p99 < 10 ms",
    );
    match rg_times(&qs, dir) {
        Some(mut rg) => {
            rg.sort();
            let rg50 = percentile(&rg, 0.5);
            t.row(
                "`rg -i -l` over the same files, one word per question",
                format!(
                    "p50 {} ({:.0}x slower)",
                    ms(rg50),
                    rg50.as_secs_f64() / p50.as_secs_f64()
                ),
                "",
            );
        }
        None => t.row(
            "`rg -i` over the same files",
            "rg not installed (`apt install ripgrep` or `cargo install ripgrep`)".into(),
            "",
        ),
    }
    drop(engine);
}

/// The longest word of each question, searched with ripgrep.
fn rg_times(qs: &[String], dir: &Path) -> Option<Vec<Duration>> {
    Command::new("rg").arg("--version").output().ok()?;
    Some(
        qs.iter()
            .map(|q| {
                let word = q
                    .split(|c: char| !c.is_alphanumeric())
                    .max_by_key(|w| w.len())
                    .unwrap_or("kubernetes");
                let started = Instant::now();
                Command::new("rg")
                    .args(["-i", "-l", word])
                    .arg(dir)
                    .stdout(Stdio::null())
                    .status()
                    .unwrap();
                started.elapsed()
            })
            .collect(),
    )
}

/// `confnotes serve` against the mock Discord: 100 `/ask` at once.
fn serve_under_load(t: &mut Table, notes: &str, idx: &str) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mock = mock_discord::MockDiscord::start().await;
        let data = PathBuf::from(idx).with_extension("serve");
        let mut child = Command::new(env!("CARGO_BIN_EXE_confnotes"))
            .current_dir(common::root())
            .args(["--notes", notes, "--index", idx, "serve"])
            .env("DISCORD_TOKEN", "bench-token")
            .env("CONFNOTES_DISCORD__API_BASE", &mock.api_base)
            .env("CONFNOTES_DISCORD__COOLDOWN_SECONDS", "0")
            .env("CONFNOTES_DATA_DIR", &data)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("confnotes serve runs");
        let pid = child.id();
        mock.wait_ready().await;
        mock.wait_for("command registration", |r| r.method == "PUT")
            .await;
        let idle = peak_rss_mb(pid).unwrap_or(0.0);
        let qs = questions();
        let n = 100;
        let mut sent = Vec::new();
        let started = Instant::now();
        for i in 0..n {
            let data = json!({"id": "1300000000000000001", "name": "ask", "type": 1,
                "options": [{"name": "question", "type": 3, "value": qs[i % qs.len()]}]});
            let (id, payload) = mock_discord::harness::interaction(&mock, 2, data, "0");
            sent.push((id, Instant::now()));
            mock.dispatch("INTERACTION_CREATE", payload);
        }
        let mut latencies = Vec::new();
        for (id, at) in &sent {
            let needle = format!("/interactions/{id}/");
            let r = mock
                .wait_for("an answer", |r| r.path.contains(&needle))
                .await;
            latencies.push(r.at.duration_since(*at));
        }
        let total = started.elapsed();
        latencies.sort();
        let peak = peak_rss_mb(pid).unwrap_or(0.0);
        let _ = child.kill();
        let _ = child.wait();
        t.row(
            "`serve`: 100 concurrent `/ask` through the mock Discord",
            format!(
                "{:.0}/s · p50 {} · p99 {}",
                n as f64 / total.as_secs_f64(),
                ms(percentile(&latencies, 0.5)),
                ms(percentile(&latencies, 0.99))
            ),
            "",
        );
        t.row(
            "`serve` peak RSS (after start-up; after the load)",
            format!("{idle:.0} MB; {peak:.0} MB"),
            "< 150 MB",
        );
    });
}
