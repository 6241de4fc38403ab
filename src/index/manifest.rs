//! What the index holds, file by file, so unchanged notes are not re-read.
//!
//! Every short command (`ask`, `digest` …) checks the notes are unchanged
//! before it answers, so what it reads is kept small, and the rest is read
//! only when something changed. Three JSON files beside the tantivy files:
//! - `confnotes-manifest.json`, the header: the schema and rules the index
//!   was built with, a stamp of the notes directory as last listed (every
//!   note's path, size and mtime), the totals and the problems found. When
//!   a new listing has the same stamp, nothing else is read. A few hundred
//!   bytes, whatever the number of notes.
//! - `confnotes-files-N.json`: per note its size, mtime, content hash,
//!   number of chunks and problems, read when the stamp differs (about 100
//!   bytes a note).
//! - `confnotes-chunks-N.json`: per note the ids of its chunks with a
//!   fingerprint of each, read only when a note is re-read or removed (to
//!   say what was added, changed or removed); on the 1000x bench corpus it
//!   is 93% of the bytes.
//!
//! Each is replaced atomically (write a temporary file, then rename) after
//! an index commit, the header last. The header names its parts, and a
//! rewritten part gets a new number, so a crash between two writes leaves
//! the old header with the parts it names.

use crate::notes::{Diagnostic, NoteFile};
use anyhow::{Context, Result};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub(crate) const FILE_NAME: &str = "confnotes-manifest.json";

/// Chunk ids with a fingerprint of their content, in file order.
pub(crate) type ChunkList = Vec<(String, String)>;
pub(crate) type Files = BTreeMap<String, FileEntry>;
pub(crate) type Chunks = BTreeMap<String, ChunkList>;

#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct Manifest {
    pub schema_version: u32,
    /// The `notes.rules` the files were read with (see `TalkRules::fingerprint`).
    pub rules: String,
    /// [`stamp`] of the listing the index was last brought in line with.
    stamp: String,
    /// Set when some note could not be read: it is tried again every time.
    unreadable: bool,
    file_count: usize,
    chunk_count: usize,
    /// The problems of every note, in path order.
    diagnostics: Vec<Diagnostic>,
    files: Part<Files>,
    chunks: Part<Chunks>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct FileEntry {
    pub size: u64,
    pub mtime: u64,
    pub hash: String,
    pub chunk_count: usize,
    pub diagnostics: Vec<Diagnostic>,
}

/// A part of the manifest kept in a file of its own, read on first use.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Part<T> {
    /// The number in the part's file name (0: never written).
    number: u64,
    #[serde(skip)]
    value: Option<T>,
    #[serde(skip)]
    changed: bool,
}

impl<T: Default + Serialize + DeserializeOwned> Part<T> {
    fn path(dir: &Path, name: &str, n: u64) -> PathBuf {
        dir.join(format!("confnotes-{name}-{n}.json"))
    }

    /// The part, read on first use. A missing or unreadable file reads as
    /// empty, with a warning: the index is then refreshed as if new.
    fn get(&mut self, dir: &Path, name: &str) -> &mut T {
        let n = self.number;
        self.value.get_or_insert_with(|| {
            if n == 0 {
                return T::default();
            }
            let path = Self::path(dir, name, n);
            let read = std::fs::read(&path)
                .map_err(anyhow::Error::from)
                .and_then(|bytes| Ok(serde_json::from_slice(&bytes)?));
            read.unwrap_or_else(|e| {
                tracing::warn!(file = %path.display(), "cannot read this part of the index manifest ({e}); notes are read again");
                T::default()
            })
        })
    }

    fn get_mut(&mut self, dir: &Path, name: &str) -> &mut T {
        self.changed = true;
        self.get(dir, name)
    }

    /// Write the part under a new number if it changed; the old number, to
    /// remove once the header names the new one.
    fn save(&mut self, dir: &Path, name: &str) -> Result<Option<u64>> {
        let (Some(value), true) = (&self.value, self.changed) else {
            return Ok(None);
        };
        let old = self.number;
        let n = old + 1;
        write_atomic(&Self::path(dir, name, n), &serde_json::to_vec(value)?)?;
        self.number = n;
        self.changed = false;
        Ok(Some(old).filter(|&o| o != 0))
    }
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot replace {}", path.display()))
}

/// A fingerprint of a listing: every path, size and mtime, in order.
pub(crate) fn stamp(listing: &[NoteFile]) -> String {
    let mut h = crate::hash::Fingerprint::default();
    for f in listing {
        h.write(f.rel.as_bytes());
        h.write(&[0]);
        h.write(&f.size.to_le_bytes());
        h.write(&f.mtime.to_le_bytes());
    }
    h.finish()
}

impl Manifest {
    pub(super) fn new(schema_version: u32) -> Manifest {
        let mut m = Manifest {
            schema_version,
            ..Manifest::default()
        };
        m.files.value = Some(Files::new());
        m.chunks.value = Some(Chunks::new());
        m
    }

    pub(super) fn load(dir: &Path) -> Option<Manifest> {
        let bytes = std::fs::read(dir.join(FILE_NAME)).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// Whether `listing` is what the index was last brought in line with,
    /// under the same rules, with every note read: then nothing need be
    /// read or written.
    pub(super) fn unchanged(&self, listing: &[NoteFile], rules: &str) -> bool {
        self.rules == rules && !self.unreadable && self.stamp == stamp(listing)
    }

    /// Every note's entry, to read.
    pub(super) fn files(&mut self, dir: &Path) -> &Files {
        self.files.get(dir, "files")
    }

    /// Every note's entry, to change.
    pub(super) fn files_mut(&mut self, dir: &Path) -> &mut Files {
        self.files.get_mut(dir, "files")
    }

    /// Every note's chunk ids, to change.
    pub(super) fn chunks_mut(&mut self, dir: &Path) -> &mut Chunks {
        self.chunks.get_mut(dir, "chunks")
    }

    pub(super) fn file_count(&self) -> usize {
        self.file_count
    }

    pub(super) fn chunk_count(&self) -> usize {
        self.chunk_count
    }

    pub(super) fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// Record that the index is in line with `listing` (read with `rules`)
    /// and write what changed, the header last.
    pub(super) fn save(&mut self, dir: &Path, listing: &[NoteFile], rules: &str) -> Result<()> {
        self.rules = rules.to_string();
        self.stamp = stamp(listing);
        if let Some(files) = &self.files.value {
            self.file_count = files.len();
            self.chunk_count = files.values().map(|e| e.chunk_count).sum();
            self.unreadable = files.values().any(|e| e.hash.is_empty());
            self.diagnostics = files
                .values()
                .flat_map(|e| e.diagnostics.iter().cloned())
                .collect();
        }
        let old_files = self.files.save(dir, "files")?;
        let old_chunks = self.chunks.save(dir, "chunks")?;
        write_atomic(&dir.join(FILE_NAME), &serde_json::to_vec(self)?)
            .with_context(|| format!("cannot replace the manifest in {}", dir.display()))?;
        // Only leftovers now: a failure to remove one costs disk space.
        if let Some(n) = old_files {
            let _ = std::fs::remove_file(Part::<Files>::path(dir, "files", n));
        }
        if let Some(n) = old_chunks {
            let _ = std::fs::remove_file(Part::<Chunks>::path(dir, "chunks", n));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(chunk_count: usize) -> FileEntry {
        FileEntry {
            size: 1,
            mtime: 2,
            hash: "h".into(),
            chunk_count,
            diagnostics: Vec::new(),
        }
    }

    fn listing(mtime: u128) -> Vec<NoteFile> {
        vec![NoteFile {
            rel: "a.md".into(),
            path: "a.md".into(),
            size: 1,
            mtime,
        }]
    }

    fn part_exists(dir: &Path, name: &str, n: u64) -> bool {
        Part::<Files>::path(dir, name, n).exists()
    }

    #[test]
    fn parts_are_read_only_when_asked_for_and_survive_a_save() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let mut m = Manifest::new(1);
        m.files_mut(d).insert("a.md".into(), entry(3));
        m.chunks_mut(d)
            .insert("a.md".into(), vec![("a#1".into(), "fp".into())]);
        m.save(d, &listing(2), "r").unwrap();

        // Loading reads the header only, which has the totals.
        let mut loaded = Manifest::load(d).unwrap();
        assert!(loaded.files.value.is_none() && loaded.chunks.value.is_none());
        assert_eq!((loaded.file_count(), loaded.chunk_count()), (1, 3));
        assert!(loaded.unchanged(&listing(2), "r"));
        assert!(!loaded.unchanged(&listing(3), "r"), "a new mtime");
        assert!(!loaded.unchanged(&listing(2), "other rules"));

        // A save that changed the files only keeps the chunks file.
        loaded.files_mut(d).get_mut("a.md").unwrap().mtime = 3;
        loaded.save(d, &listing(3), "r").unwrap();
        assert!(!part_exists(d, "files", 1) && part_exists(d, "files", 2));
        assert!(part_exists(d, "chunks", 1));
        let mut again = Manifest::load(d).unwrap();
        assert_eq!(again.files(d)["a.md"].mtime, 3);
        assert_eq!(again.chunks_mut(d)["a.md"][0].0, "a#1");
    }

    #[test]
    fn an_unreadable_note_is_tried_again() {
        let dir = tempfile::tempdir().unwrap();
        let mut m = Manifest::new(1);
        let mut e = entry(0);
        e.hash.clear();
        m.files_mut(dir.path()).insert("a.md".into(), e);
        m.save(dir.path(), &listing(2), "").unwrap();
        assert!(!Manifest::load(dir.path())
            .unwrap()
            .unchanged(&listing(2), ""));
    }

    #[test]
    fn a_lost_part_reads_as_empty() {
        let dir = tempfile::tempdir().unwrap();
        let mut m = Manifest::new(1);
        m.chunks_mut(dir.path()).insert("a.md".into(), Vec::new());
        m.save(dir.path(), &[], "").unwrap();
        std::fs::remove_file(Part::<Chunks>::path(dir.path(), "chunks", 1)).unwrap();
        let mut loaded = Manifest::load(dir.path()).unwrap();
        assert!(loaded.chunks_mut(dir.path()).is_empty());
    }
}
