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
///
/// Every short command runs this (the freshness check), so it costs one
/// `stat` per note, relative to its directory, and nothing per directory
/// but reading it. On the 1000x bench corpus (5000 notes in 50
/// directories) it takes half of what `walkdir` with `follow_links` took,
/// which stats every entry by its full path and sorts by re-parsing paths.
/// Two threads took as long again in CPU for a fifth less time on two
/// cores, where a short command answers the question on the other core
/// meanwhile (`Engine::open_answering`): one thread it is.
pub fn list_notes(dir: &Path) -> (Vec<NoteFile>, Vec<Diagnostic>) {
    let mut walk = Walk {
        root: dir,
        files: Vec::new(),
        diags: Vec::new(),
        ancestors: Vec::new(),
    };
    let real = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    walk.dir(dir, "", real);
    (walk.files, walk.diags)
}

struct Walk<'a> {
    root: &'a Path,
    files: Vec<NoteFile>,
    diags: Vec<Diagnostic>,
    /// The real paths of the directories being walked, outermost first: a
    /// link to one of them is a loop.
    ancestors: Vec<PathBuf>,
}

impl Walk<'_> {
    fn problem(&mut self, rel: &str, message: String) {
        self.diags.push(Diagnostic {
            file: if rel.is_empty() {
                self.root.display().to_string()
            } else {
                rel.to_string()
            },
            severity: Severity::Error,
            message,
        });
    }

    /// Walk one directory: `rel` is its path under the root (`""` for the
    /// root), `real` its path with links resolved.
    fn dir(&mut self, path: &Path, rel: &str, real: PathBuf) {
        let entries = match std::fs::read_dir(path) {
            Ok(entries) => entries,
            Err(e) => return self.problem(rel, format!("cannot read: {e}")),
        };
        let mut named = Vec::new();
        for entry in entries {
            match entry {
                Ok(e) => {
                    let name = e.file_name();
                    if !name.as_encoded_bytes().starts_with(b".") {
                        named.push((name, e));
                    }
                }
                Err(e) => self.problem(rel, format!("cannot read: {e}")),
            }
        }
        named.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        self.ancestors.push(real);
        for (name, entry) in named {
            let name = name.to_string_lossy();
            let child_rel = if rel.is_empty() {
                name.into_owned()
            } else {
                format!("{rel}/{name}")
            };
            self.entry(&entry, child_rel);
        }
        self.ancestors.pop();
    }

    /// One directory entry: a note, a problem, or a directory to walk.
    fn entry(&mut self, entry: &std::fs::DirEntry, rel: String) {
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            return self.problem(&rel, "cannot read: no file type".into());
        };
        let metadata = if kind.is_symlink() {
            // Followed: the note is what the link points at.
            match std::fs::metadata(&path) {
                Ok(m) => m,
                Err(e) if is_symlink_loop(&e) => {
                    return self.problem(&rel, "symlink loop, not followed".into());
                }
                Err(e) => return self.problem(&rel, format!("cannot read: {e}")),
            }
        } else if kind.is_dir() {
            let real = self.ancestors.last().map(|a| a.join(entry.file_name()));
            return self.dir(&path, &rel, real.unwrap_or_default());
        } else if kind.is_file() {
            if is_asset(&path) {
                return;
            }
            match entry.metadata() {
                Ok(m) => m,
                // Listed, then gone or unreadable: reading it will say why.
                Err(_) => return self.note(path, rel, None),
            }
        } else {
            return;
        };
        if metadata.is_dir() {
            let real = std::fs::canonicalize(&path).unwrap_or_default();
            if self.ancestors.contains(&real) {
                self.problem(&rel, "symlink loop, not followed".into());
            } else {
                self.dir(&path, &rel, real);
            }
        } else if metadata.is_file() && !is_asset(&path) {
            self.note(path, rel, Some(&metadata));
        }
    }

    fn note(&mut self, path: PathBuf, rel: String, metadata: Option<&std::fs::Metadata>) {
        let (size, mtime) = metadata.map_or((0, 0), |m| {
            (
                m.len(),
                m.modified()
                    .ok()
                    .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                    .map_or(0, |d| d.as_nanos()),
            )
        });
        self.files.push(NoteFile {
            rel,
            path,
            size,
            mtime,
        });
    }
}

/// Pictures, documents and the like, by extension.
fn is_asset(path: &Path) -> bool {
    path.extension().is_some_and(|e| {
        let e = e.to_string_lossy();
        ASSETS.iter().any(|a| a.eq_ignore_ascii_case(&e))
    })
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
    fn notes_are_listed_depth_first_in_name_order_without_hidden_files_or_assets() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        for f in [
            "b.md",
            "a.md",
            "a/z.txt",
            "a/b/c.org",
            ".git/config",
            "a/.draft.md",
            "a/pic.PNG",
            "Z.rst",
        ] {
            let p = d.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, "# Talk\n\ntext\n").unwrap();
        }
        let (files, diags) = list_notes(d);
        let rels: Vec<&str> = files.iter().map(|f| f.rel.as_str()).collect();
        assert_eq!(rels, ["Z.rst", "a/b/c.org", "a/z.txt", "a.md", "b.md"]);
        assert!(diags.is_empty(), "{diags:?}");
        let f = &files[1];
        assert_eq!(f.path, d.join("a/b/c.org"));
        assert_eq!(f.size, 13);
        assert!(f.mtime > 0);
    }

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
