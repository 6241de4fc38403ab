//! Finding note files and reading them, with diagnostics instead of failures.

use super::outline::TalkLevel;
use super::{Diagnostic, Note, Severity};
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

/// A file under the notes directory that may be a note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteFile {
    /// Path relative to the notes directory, `/`-separated.
    pub rel: String,
    pub path: PathBuf,
    pub size: u64,
    /// Modification time in nanoseconds since the epoch (0 if unknown).
    pub mtime: u128,
}

/// Pictures and documents kept beside notes: never notes, never warned about.
const ASSETS: &[&str] = &[
    "png", "jpg", "jpeg", "gif", "svg", "webp", "ico", "bmp", "tif", "tiff", "pdf", "mp4", "mov",
    "webm", "mp3", "zip", "gz", "tgz", "pptx", "key", "odp", "docx",
];

/// Every candidate note under `dir`, sorted by path. Hidden files and
/// directories are skipped; symlinks are followed, loops reported.
pub fn list_notes(dir: &Path) -> (Vec<NoteFile>, Vec<Diagnostic>) {
    let mut files = Vec::new();
    let mut diags = Vec::new();
    let walker = walkdir::WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(err) => {
                let file = err
                    .path()
                    .map(|p| rel_path(dir, p))
                    .unwrap_or_else(|| dir.display().to_string());
                // A directory link to an ancestor is found by walkdir; links
                // that point at each other fail to resolve with ELOOP.
                let message = if err.loop_ancestor().is_some()
                    || err.io_error().is_some_and(is_symlink_loop)
                {
                    "symlink loop, not followed".to_string()
                } else {
                    format!(
                        "cannot read: {}",
                        err.io_error().map_or(err.to_string(), ToString::to_string)
                    )
                };
                diags.push(Diagnostic {
                    file,
                    severity: Severity::Error,
                    message,
                });
                continue;
            }
        };
        if !entry.file_type().is_file() {
            continue;
        }
        let path = entry.path();
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        if ASSETS.contains(&ext.as_str()) {
            continue;
        }
        let (size, mtime) = match entry.metadata() {
            Ok(m) => (
                m.len(),
                m.modified()
                    .ok()
                    .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                    .map_or(0, |d| d.as_nanos()),
            ),
            Err(_) => (0, 0),
        };
        files.push(NoteFile {
            rel: rel_path(dir, path),
            path: path.to_path_buf(),
            size,
            mtime,
        });
    }
    (files, diags)
}

/// ELOOP: too many levels of symbolic links. (`ErrorKind::FilesystemLoop`
/// is not stable yet.) 40 on Linux, 62 on macOS and the BSDs.
fn is_symlink_loop(e: &std::io::Error) -> bool {
    const ELOOP: i32 = if cfg!(any(target_os = "linux", target_os = "android")) {
        40
    } else {
        62
    };
    e.raw_os_error() == Some(ELOOP)
}

fn rel_path(dir: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(dir).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// What reading one file gave.
pub struct ReadNote {
    pub note: Option<Note>,
    pub diagnostics: Vec<Diagnostic>,
    /// Content hash, to tell a touched file from a changed one.
    pub hash: String,
}

/// Read and parse one note file.
pub fn read_note(file: &NoteFile) -> ReadNote {
    read_note_with(file, TalkLevel::Auto)
}

/// [`read_note`] with the config's rule for this file.
pub fn read_note_with(file: &NoteFile, rule: TalkLevel) -> ReadNote {
    match std::fs::read(&file.path) {
        Ok(bytes) => read_bytes_with(&file.rel, &bytes, rule),
        Err(e) => ReadNote {
            note: None,
            diagnostics: vec![Diagnostic {
                file: file.rel.clone(),
                severity: Severity::Error,
                message: format!("cannot read: {e}"),
            }],
            hash: String::new(),
        },
    }
}

/// Parse a note from its bytes: binary files are skipped, invalid UTF-8 is
/// decoded lossily, broken front matter is reported and the body kept.
pub fn read_bytes(rel: &str, bytes: &[u8]) -> ReadNote {
    read_bytes_with(rel, bytes, TalkLevel::Auto)
}

/// [`read_bytes`] with the config's rule for this file.
pub fn read_bytes_with(rel: &str, bytes: &[u8], rule: TalkLevel) -> ReadNote {
    let hash = crate::hash::fingerprint(bytes);
    let mut diagnostics = Vec::new();
    let diag = |severity, message: &str| Diagnostic {
        file: rel.to_string(),
        severity,
        message: message.to_string(),
    };
    if looks_binary(bytes) {
        diagnostics.push(diag(Severity::Error, "binary file, not a note"));
        return ReadNote {
            note: None,
            diagnostics,
            hash,
        };
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => std::borrow::Cow::Borrowed(t),
        Err(e) => {
            diagnostics.push(diag(
                Severity::Warning,
                &format!(
                    "invalid UTF-8 at byte {}; undecodable bytes replaced",
                    e.valid_up_to()
                ),
            ));
            String::from_utf8_lossy(bytes)
        }
    };
    // A byte order mark alone is not text either.
    if text.trim_start_matches('\u{feff}').trim().is_empty() {
        diagnostics.push(diag(Severity::Error, "empty file"));
        return ReadNote {
            note: None,
            diagnostics,
            hash,
        };
    }
    let (note, _, front_error) = super::parse_with_outline(rel, &text, rule);
    if let Some(e) = front_error {
        diagnostics.push(diag(
            Severity::Warning,
            &format!("{e}; the body is indexed without it"),
        ));
    }
    if note.chunks.is_empty() {
        diagnostics.push(diag(Severity::Warning, "no text found to index"));
    }
    ReadNote {
        note: Some(note),
        diagnostics,
        hash,
    }
}

/// NUL bytes or mostly control characters in the first 8 KiB.
fn looks_binary(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(8192)];
    if head.contains(&0) {
        return true;
    }
    let control = head
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t' | 0x0c))
        .count();
    !head.is_empty() && control * 10 > head.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_empty_and_lossy() {
        let r = read_bytes("a.bin", b"\x00\x01\x02PNG");
        assert!(r.note.is_none());
        assert!(r.diagnostics[0].message.contains("binary"));
        for empty in ["", "  \n\n", "\u{feff}", "\u{feff}\r\n\t"] {
            let r = read_bytes("e.md", empty.as_bytes());
            assert!(r.note.is_none(), "{empty:?}");
            assert_eq!(r.diagnostics[0].message, "empty file", "{empty:?}");
        }
        let r = read_bytes("l.md", b"# Talk - Jane Doe, Acme\n\nCaf\xe9 text\n");
        assert!(r.diagnostics[0].message.contains("UTF-8"));
        assert_eq!(r.note.unwrap().chunks[0].body, "Caf\u{fffd} text");
    }
}
