//! Criterion benchmarks of the pipeline's steps on generated corpora
//! (`benches/support/corpus.rs`): parsing alone, tantivy alone on the same
//! chunks, the whole refresh from scratch, and a question in process.
//!
//! ```sh
//! cargo bench --bench pipeline
//! ```

#[path = "support/corpus.rs"]
mod corpus;

use confnotes::answer::Engine;
use confnotes::config::Config;
use confnotes::index::{Filters, NotesIndex, Silent, WriterOptions};
use confnotes::notes::Chunk;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::path::{Path, PathBuf};

// The allocator `confnotes` itself uses.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn corpus(scale: usize) -> corpus::Corpus {
    corpus::generate(
        &root().join("notes"),
        &root().join(format!("target/bench-corpus/x{scale}")),
        scale,
    )
}

fn read_all(c: &corpus::Corpus) -> Vec<(String, Vec<u8>)> {
    c.files
        .iter()
        .map(|f| {
            let rel = f
                .strip_prefix(&c.dir)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (rel, std::fs::read(f).unwrap())
        })
        .collect()
}

fn parse(files: &[(String, Vec<u8>)]) -> Vec<Chunk> {
    files
        .iter()
        .filter_map(|(rel, bytes)| confnotes::notes::read_bytes(rel, bytes).note)
        .flat_map(|n| n.chunks)
        .collect()
}

fn config(notes: &Path, index: &Path) -> Config {
    Config {
        notes_dir: notes.to_path_buf(),
        index_dir: index.to_path_buf(),
        synonyms_file: root().join("config/synonyms.toml"),
        ..Config::default()
    }
}

fn steps(c: &mut Criterion) {
    // As `confnotes index` runs: no purging before exit.
    confnotes::alloc::set_purge(confnotes::alloc::Purge::AtExit);
    for scale in [1, 100] {
        let corpus = corpus(scale);
        let files = read_all(&corpus);
        let mut g = c.benchmark_group("pipeline");
        g.sample_size(10);
        g.throughput(Throughput::Bytes(corpus.bytes));
        g.bench_with_input(
            BenchmarkId::new("parse", format!("{scale}x")),
            &files,
            |b, f| b.iter(|| parse(f)),
        );
        let chunks = parse(&files);
        g.bench_with_input(
            BenchmarkId::new("tantivy-only", format!("{scale}x")),
            &chunks,
            |b, chunks| {
                b.iter(|| {
                    let dir = tempfile::tempdir().unwrap();
                    let (index, _) = NotesIndex::open(dir.path()).unwrap();
                    let opts = WriterOptions::from_config(&Config::default().index);
                    let mut w: tantivy::IndexWriter<tantivy::TantivyDocument> = index
                        .tantivy()
                        .writer_with_num_threads(opts.threads, opts.memory_bytes)
                        .unwrap();
                    let mut seen = confnotes::index::FileWords::default();
                    let mut file = "";
                    for ch in chunks {
                        if ch.meta.file != file {
                            seen = Default::default();
                            file = &ch.meta.file;
                        }
                        w.add_document(index.document(
                            ch.clone(),
                            serde_json::to_string(ch).unwrap(),
                            &mut seen,
                        ))
                        .unwrap();
                    }
                    w.commit().unwrap();
                    w.wait_merging_threads().unwrap();
                })
            },
        );
        g.bench_function(
            BenchmarkId::new("index-from-scratch", format!("{scale}x")),
            |b| {
                b.iter(|| {
                    let dir = tempfile::tempdir().unwrap();
                    Engine::open(&config(&corpus.dir, &dir.path().join("index")), &Silent).unwrap()
                })
            },
        );
        g.finish();
    }
}

fn query(c: &mut Criterion) {
    let corpus = corpus(100);
    let dir = tempfile::tempdir().unwrap();
    let (engine, _) =
        Engine::open(&config(&corpus.dir, &dir.path().join("index")), &Silent).unwrap();
    let mut g = c.benchmark_group("ask");
    for q in [
        "how do I run webassembly on kubernetes?",
        "ebpf tracing",
        "who spoke about gitops with argo",
    ] {
        g.bench_with_input(BenchmarkId::new("100x", q), &q, |b, q| {
            b.iter(|| engine.ask(q, &Filters::default(), 5, 0).unwrap())
        });
    }
    g.finish();
}

/// What the metrics add to an answer, and what a scrape of `/metrics` costs.
fn metrics(c: &mut Criterion) {
    let m = confnotes::bot::metrics::global();
    let mut g = c.benchmark_group("metrics");
    g.bench_function("count and time one answer", |b| {
        b.iter(|| {
            m.question("ask");
            m.claim(true);
            m.replied("ask", std::time::Duration::from_millis(40));
        })
    });
    let shards: Vec<_> = (0..4).map(|i| (i, "connected", None)).collect();
    m.shards(&shards);
    g.bench_function("encode /metrics", |b| b.iter(|| m.encode()));
    g.finish();
}

criterion_group!(benches, steps, query, metrics);
criterion_main!(benches);
