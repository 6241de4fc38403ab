//! What the index holds, file by file, so unchanged notes are not re-read.
//!
//! Kept as JSON beside the tantivy files and replaced atomically (write to a
//! temporary file, then rename) after each index commit.

use crate::notes::Diagnostic;
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

pub const FILE_NAME: &str = "confnotes-manifest.json";

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Manifest {
    pub schema_version: u32,
    /// The `notes.rules` the files were read with (see `TalkRules::fingerprint`).
    #[serde(default)]
    pub rules: String,
    pub files: BTreeMap<String, FileEntry>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct FileEntry {
    pub size: u64,
    pub mtime: u64,
    pub hash: String,
    /// Chunk ids with a fingerprint of their content, in file order.
    pub chunks: Vec<(String, String)>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Manifest {
    pub fn load(dir: &Path) -> Option<Manifest> {
        let text = std::fs::read_to_string(dir.join(FILE_NAME)).ok()?;
        serde_json::from_str(&text).ok()
    }

    pub fn save(&self, dir: &Path) -> Result<()> {
        let tmp = dir.join(format!("{FILE_NAME}.tmp"));
        let json = serde_json::to_vec(self)?;
        std::fs::write(&tmp, json).with_context(|| format!("cannot write {}", tmp.display()))?;
        std::fs::rename(&tmp, dir.join(FILE_NAME))
            .with_context(|| format!("cannot replace manifest in {}", dir.display()))
    }
}
