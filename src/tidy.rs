//! Tests that read the repository itself, in the spirit of rust-analyzer's
//! tidy tests: what the README and `Cargo.toml` promise about the code.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.rs` file under `dir`, with its text.
fn rust_files(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).unwrap();
            out.push((path, text));
        }
    }
    out
}

#[test]
fn every_dependency_is_used() {
    let manifest: toml::Table =
        toml::from_str(&std::fs::read_to_string(root().join("Cargo.toml")).unwrap()).unwrap();
    let code: Vec<(PathBuf, String)> = ["src", "benches", "tests"]
        .iter()
        .flat_map(|d| rust_files(&root().join(d)))
        .collect();
    for section in ["dependencies", "dev-dependencies"] {
        let Some(deps) = manifest.get(section).and_then(|d| d.as_table()) else {
            continue;
        };
        for name in deps.keys() {
            let krate = name.replace('-', "_");
            let used = code.iter().any(|(_, text)| {
                text.contains(&format!("{krate}::"))
                    || text.contains(&format!("use {krate}"))
                    || text.contains(&format!("extern crate {krate}"))
            });
            assert!(
                used,
                "Cargo.toml: [{section}] {name} is used by no file under src/, benches/ or tests/"
            );
        }
    }
}

/// The crate's top-level modules in the order dependencies may point:
/// a module may use those of a lower rank, never of its own or a higher
/// one (README, Architecture). Leaves depend on nothing in the crate.
const LAYERS: &[(&str, u8)] = &[
    ("alloc", 0),
    ("errors", 0),
    ("hash", 0),
    ("time", 0),
    ("notes", 1),
    ("schedule", 2),
    ("capture", 2),
    ("store", 1),
    ("config", 2),
    ("index", 3),
    ("fetch", 3),
    ("answer", 4),
    ("digest", 5),
    ("render", 6),
    ("bot", 7),
    ("cli", 8),
];

/// A file's text without its `#[cfg(test)]` module: tests may reach
/// anywhere.
fn without_tests(text: &str) -> &str {
    match text.find("#[cfg(test)]\nmod tests") {
        Some(i) => &text[..i],
        None => text,
    }
}

/// The top-level module a file under `src/` belongs to.
fn module_of(rel: &Path) -> String {
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_string()
}

fn src_files() -> Vec<(PathBuf, String)> {
    let src = root().join("src");
    rust_files(&src)
        .into_iter()
        .map(|(p, t)| (p.strip_prefix(&src).unwrap().to_path_buf(), t))
        .filter(|(p, _)| !matches!(p.to_str(), Some("lib.rs" | "main.rs" | "tidy.rs")))
        .collect()
}

#[test]
fn dependencies_between_modules_point_one_way() {
    let rank = |m: &str| LAYERS.iter().find(|(n, _)| *n == m).map(|(_, r)| *r);
    let mut wrong = Vec::new();
    for (rel, text) in src_files() {
        let from = module_of(&rel);
        let Some(from_rank) = rank(&from) else {
            wrong.push(format!(
                "src/{}: module `{from}` has no place in LAYERS",
                rel.display()
            ));
            continue;
        };
        for (n, line) in without_tests(&text).lines().enumerate() {
            let mut rest = line;
            while let Some(at) = rest.find("crate::") {
                rest = &rest[at + "crate::".len()..];
                let to: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if to == from {
                    continue;
                }
                match rank(&to) {
                    Some(r) if r < from_rank => {}
                    _ => wrong.push(format!(
                        "src/{}:{}: `{from}` uses `crate::{to}`: {}",
                        rel.display(),
                        n + 1,
                        line.trim()
                    )),
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports against the layering:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn only_the_bot_knows_discord_and_only_config_reads_the_environment() {
    let mut wrong = Vec::new();
    for (rel, text) in src_files() {
        let in_bot = rel.starts_with("bot");
        let in_config = rel == Path::new("config.rs");
        for (n, line) in without_tests(&text).lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            if !in_bot && (code.contains("serenity") || code.contains("poise")) {
                wrong.push(format!(
                    "src/{}:{}: names serenity or poise outside src/bot/: {}",
                    rel.display(),
                    n + 1,
                    line.trim()
                ));
            }
            if !in_config && (code.contains("std::env") || code.contains("env::var")) {
                wrong.push(format!(
                    "src/{}:{}: reads the environment outside config: {}",
                    rel.display(),
                    n + 1,
                    line.trim()
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "invariants broken:\n{}", wrong.join("\n"));
}

/// Network clients only at the edges: the bot, schedule and attachment
/// fetching, and the PostgreSQL store. Never the parser, the index or the
/// answers.
#[test]
fn the_network_is_reached_only_from_the_edges() {
    const CLIENTS: &[&str] = &[
        "reqwest",
        "tokio_postgres",
        "deadpool_postgres",
        "TcpStream",
    ];
    let edge = |rel: &Path| {
        rel.starts_with("bot") || rel == Path::new("fetch.rs") || rel.starts_with("store/pg")
    };
    let mut wrong = Vec::new();
    for (rel, text) in src_files() {
        if edge(&rel) {
            continue;
        }
        for (n, line) in without_tests(&text).lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            if let Some(c) = CLIENTS.iter().find(|c| code.contains(*c)) {
                wrong.push(format!(
                    "src/{}:{}: uses {c} outside bot/, fetch.rs and store/pg/: {}",
                    rel.display(),
                    n + 1,
                    line.trim()
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "network outside the edges:\n{}",
        wrong.join("\n")
    );
}
