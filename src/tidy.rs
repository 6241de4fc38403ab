//! Tests that read the repository itself, in the spirit of rust-analyzer's
//! tidy tests: what the README and `Cargo.toml` promise about the code.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.rs` file under `dir`, with its text.
fn rust_files(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.unwrap();
        if entry.path().extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(entry.path()).unwrap();
            out.push((entry.path().to_path_buf(), text));
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
