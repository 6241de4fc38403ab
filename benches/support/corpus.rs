//! A corpus generator for benchmarks: `scale` times the shipped notes
//! (5 files, about 70 KB), as files in the same styles (markdown with and
//! without front matter, plain text, `.txt` markdown) with varied vocabulary:
//! each copy replaces about a sixth of the words with words from a large
//! generated vocabulary, renames the people, and moves the conference year,
//! so the index holds many distinct terms and titles, not one text repeated.

use std::path::{Path, PathBuf};

/// What was written.
pub struct Corpus {
    pub dir: PathBuf,
    pub files: Vec<PathBuf>,
    pub bytes: u64,
}

/// splitmix64: small, deterministic, good enough for shuffling words.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const SYLLABLES: &[&str] = &[
    "ka", "lo", "mi", "ter", "ra", "pod", "net", "flux", "ci", "dex", "vo", "gra", "sha", "plex",
    "mon", "tor", "bel", "zen", "qua", "rix", "stor", "op", "lin", "kube", "mesh", "wasm", "obs",
];

const FIRST: &[&str] = &[
    "Ana", "Ben", "Chen", "Dara", "Emil", "Fatima", "Goran", "Hana", "Ivo", "Jun", "Kemal", "Lea",
    "Marta", "Nils", "Olu", "Priya", "Quentin", "Rosa", "Sven", "Tariq", "Uma", "Vera", "Wen",
    "Yusuf",
];
const LAST: &[&str] = &[
    "Alvarez", "Berg", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Horvat", "Ito",
    "Jansen", "Kowalski", "Larsen", "Moreau", "Novak", "Okafor", "Petrov", "Rossi", "Schmidt",
    "Tanaka", "Weber",
];

/// A vocabulary of `n` pronounceable words.
fn vocabulary(n: usize, rng: &mut Rng) -> Vec<String> {
    (0..n)
        .map(|_| {
            let k = 2 + rng.below(3);
            (0..k)
                .map(|_| SYLLABLES[rng.below(SYLLABLES.len())])
                .collect()
        })
        .collect()
}

/// The shipped notes, as (file name, text).
pub fn templates(notes: &Path) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = std::fs::read_dir(notes)
        .expect("the notes directory")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_file())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read_to_string(e.path()).expect("a shipped note"),
            )
        })
        .collect();
    out.sort();
    out
}

/// One varied copy of `text`.
fn vary(text: &str, copy: usize, vocab: &[String], rng: &mut Rng) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    let people: Vec<String> = (0..8)
        .map(|_| {
            format!(
                "{} {}",
                FIRST[rng.below(FIRST.len())],
                LAST[rng.below(LAST.len())]
            )
        })
        .collect();
    for line in text.split_inclusive('\n') {
        let mut first = true;
        for word in line.split(' ') {
            if !first {
                out.push(' ');
            }
            first = false;
            let plain = word.len() >= 4
                && word.chars().all(|c| c.is_ascii_alphabetic())
                && !line.contains("://");
            if plain && rng.below(6) == 0 {
                let w = &vocab[rng.below(vocab.len())];
                if word.starts_with(|c: char| c.is_ascii_uppercase()) {
                    let mut cs = w.chars();
                    if let Some(c) = cs.next() {
                        out.push(c.to_ascii_uppercase());
                        out.push_str(cs.as_str());
                    }
                } else {
                    out.push_str(w);
                }
            } else if plain
                && word.starts_with(|c: char| c.is_ascii_uppercase())
                && rng.below(10) == 0
            {
                // A name-like word becomes someone else.
                out.push_str(&people[rng.below(people.len())]);
            } else {
                out.push_str(word);
            }
        }
    }
    // Move the years so conferences differ between copies.
    let year = 2015 + copy % 12;
    out.replace("2023", &year.to_string())
        .replace("2021", &(year + 1).to_string())
        .replace("2020", &(year + 2).to_string())
}

/// Write `scale` copies of the shipped notes under `dir` (100 files a
/// folder). Reuses a complete earlier run of the same scale.
pub fn generate(notes: &Path, dir: &Path, scale: usize) -> Corpus {
    let marker = dir.join(".complete");
    let templates = templates(notes);
    let mut files = Vec::new();
    for copy in 0..scale {
        for (name, _) in &templates {
            let (stem, ext) = name.rsplit_once('.').unwrap_or((name, "md"));
            let sub = dir.join(format!("batch-{:03}", (copy * templates.len()) / 100));
            files.push(sub.join(format!("{stem}-{copy:05}.{ext}")));
        }
    }
    if !marker.exists() {
        let _ = std::fs::remove_dir_all(dir);
        let mut rng = Rng(0x00c0_ffee);
        let vocab = vocabulary(20_000, &mut rng);
        let mut i = 0;
        for copy in 0..scale {
            for (_, text) in &templates {
                let path = &files[i];
                i += 1;
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                // The first copy is the shipped notes themselves.
                let body = if copy == 0 {
                    text.clone()
                } else {
                    vary(text, copy, &vocab, &mut rng)
                };
                std::fs::write(path, body).unwrap();
            }
        }
        std::fs::write(&marker, "").unwrap();
    }
    let bytes = files
        .iter()
        .map(|f| std::fs::metadata(f).map(|m| m.len()).unwrap_or(0))
        .sum();
    Corpus {
        dir: dir.to_path_buf(),
        files,
        bytes,
    }
}
