//! Notes written from chat: a talk's notes taken in Discord become a note
//! file in the notes directory, in the project's own layout (a folder per
//! conference, a file per talk, front matter naming the author and date, a
//! `# Title - Speaker, Org` heading), and later paragraphs are appended to
//! it.
//!
//! Nothing a user types becomes a path: names come from the title by our
//! own slug rules ([`slug`]), never `..`, never absolute, never hidden,
//! never a device name. A note is written whole to a hidden temporary file
//! (which the notes' walker skips) and linked into place, which fails
//! rather than replace an existing note: two notes with one title at once
//! get two files. Its text passes the checks the indexer applies (not
//! binary, within the size limit).

pub mod git;

use anyhow::{bail, Context, Result};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// What a note made from chat holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    pub title: String,
    /// As typed: "Ada Lovelace, Analytical Engines & Grace Hopper, Navy".
    pub speakers: String,
    pub conference: Option<String>,
    pub body: String,
    /// Who wrote it (a Discord user name).
    pub author: String,
    pub date: chrono::NaiveDate,
}

/// Where a note was written, relative to the notes directory and in full.
#[derive(Debug, Clone, PartialEq)]
pub struct Written {
    pub rel: String,
    pub path: PathBuf,
}

/// The front matter of a note made from chat. The date it was written is
/// `written`, not `date`, which notes use for the conference's year.
#[derive(Serialize)]
struct Front<'a> {
    title: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    conference: Option<&'a str>,
    /// The conference's year: as typed with its name, else the year the
    /// note was written (notes are taken at the conference).
    year: i32,
    author: &'a str,
    written: String,
}

/// "KubeCon EU 2023" as its name and year.
fn name_and_year(conference: &str) -> (&str, Option<i32>) {
    let c = conference.trim();
    match c.rsplit_once(' ') {
        Some((name, y)) if y.len() == 4 && y.chars().all(|d| d.is_ascii_digit()) => {
            (name.trim(), y.parse().ok())
        }
        _ => (c, None),
    }
}

/// The note's text: front matter, the heading with its speakers, the body.
pub fn render(d: &Draft) -> Result<String> {
    let (title, author, speakers) = (
        one_line(&d.title),
        one_line(&d.author),
        one_line(&d.speakers),
    );
    let (conference, year) = d.conference.as_deref().map_or(("", None), name_and_year);
    let front = Front {
        title: title.trim(),
        conference: Some(conference).filter(|c| !c.is_empty()),
        year: year.unwrap_or_else(|| chrono::Datelike::year(&d.date)),
        author: author.trim(),
        written: d.date.format("%Y-%m-%d").to_string(),
    };
    let toml = toml::to_string(&front).context("cannot write the note's front matter")?;
    let heading = match speakers.trim() {
        "" => format!("# {}", title.trim()),
        s => format!("# {} - {s}", title.trim()),
    };
    Ok(format!(
        "+++\n{toml}+++\n\n{heading}\n\n{}\n",
        d.body.trim()
    ))
}

/// Newlines and other control characters as spaces: a title stays one line.
fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Write a new note for `d` under `notes_dir`: `<conference>/<title>.md`,
/// with `-2`, `-3`… when that name is taken. Refused when its text is
/// larger than `max_bytes`.
pub fn write_new(notes_dir: &Path, d: &Draft, max_bytes: usize) -> Result<Written> {
    let text = render(d)?;
    check_text(text.as_bytes(), max_bytes)?;
    let folder = d
        .conference
        .as_deref()
        .map(slug)
        .unwrap_or_else(|| "notes".to_string());
    let dir = notes_dir.join(&folder);
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let stem = slug(&d.title);
    for n in 1..=1000 {
        let name = if n == 1 {
            format!("{stem}.md")
        } else {
            format!("{stem}-{n}.md")
        };
        let path = dir.join(&name);
        if place_new(&dir, &path, text.as_bytes())? {
            return Ok(Written {
                rel: format!("{folder}/{name}"),
                path,
            });
        }
    }
    bail!("no free name for “{stem}” in {}", dir.display())
}

/// The extensions an uploaded note may have: the formats the notes' reader
/// knows as text.
pub const UPLOAD_EXTENSIONS: &[&str] = &["md", "markdown", "txt", "rst", "org", "adoc"];

/// An uploaded file's name as our own: its stem through [`slug`] and its
/// extension, lower-cased, when it is one of [`UPLOAD_EXTENSIONS`]; `None`
/// otherwise. `../../etc/passwd.md` is `etc-passwd` and `md`.
pub fn upload_name(file_name: &str) -> Option<(String, &'static str)> {
    let (stem, ext) = file_name.trim().rsplit_once('.')?;
    let ext = ext.to_ascii_lowercase();
    let ext = UPLOAD_EXTENSIONS.iter().copied().find(|e| *e == ext)?;
    Some((slug(stem), ext))
}

/// Write an uploaded note's `bytes`, as they are, to
/// `<folder>/<stem>.<ext>` under `notes_dir` (`folder` and `stem` as
/// [`slug`] makes them), with `-2`, `-3`… when that name is taken. Refused
/// when they are not text or larger than `max_bytes`.
pub fn write_file(
    notes_dir: &Path,
    folder: &str,
    stem: &str,
    ext: &str,
    bytes: &[u8],
    max_bytes: usize,
) -> Result<Written> {
    check_text(bytes, max_bytes)?;
    let (folder, stem) = (slug(folder), slug(stem));
    if !UPLOAD_EXTENSIONS.contains(&ext) {
        bail!("“.{ext}” is not a kind of note");
    }
    let dir = notes_dir.join(&folder);
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for n in 1..=1000 {
        let name = if n == 1 {
            format!("{stem}.{ext}")
        } else {
            format!("{stem}-{n}.{ext}")
        };
        let path = dir.join(&name);
        if place_new(&dir, &path, bytes)? {
            return Ok(Written {
                rel: format!("{folder}/{name}"),
                path,
            });
        }
    }
    bail!("no free name for “{stem}” in {}", dir.display())
}

/// Write `bytes` to a hidden temporary file in `dir` and link it to `path`:
/// `false` when `path` exists (nothing is replaced).
fn place_new(dir: &Path, path: &Path, bytes: &[u8]) -> Result<bool> {
    let tmp = temporary(dir);
    std::fs::write(&tmp, bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
    let linked = std::fs::hard_link(&tmp, path);
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(e).with_context(|| format!("cannot write {}", path.display())),
    }
}

/// A hidden name in `dir` no other writer uses at the same time.
fn temporary(dir: &Path) -> PathBuf {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    dir.join(format!(".confnotes-{}-{n}.tmp", std::process::id()))
}

/// Add a dated paragraph to a note made this way (`rel` as [`write_new`]
/// gave it), replacing the file whole.
pub fn append(
    notes_dir: &Path,
    rel: &str,
    author: &str,
    date: chrono::NaiveDate,
    text: &str,
    max_bytes: usize,
) -> Result<Written> {
    let path = inside(notes_dir, rel)?;
    let mut note = std::fs::read_to_string(&path).with_context(|| format!("cannot read {rel}"))?;
    if !note.ends_with('\n') {
        note.push('\n');
    }
    note.push_str(&format!(
        "\n**{} · {}**\n\n{}\n",
        date.format("%Y-%m-%d"),
        one_line(author).trim(),
        text.trim()
    ));
    check_text(note.as_bytes(), max_bytes)?;
    let dir = path.parent().unwrap_or(notes_dir);
    let tmp = temporary(dir);
    std::fs::write(&tmp, &note).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, &path).with_context(|| format!("cannot replace {rel}"))?;
    Ok(Written {
        rel: rel.to_string(),
        path,
    })
}

/// Remove a note made this way (`rel` as [`write_new`] gave it).
pub fn remove(notes_dir: &Path, rel: &str) -> Result<()> {
    let path = inside(notes_dir, rel)?;
    std::fs::remove_file(&path).with_context(|| format!("cannot remove {rel}"))
}

/// The `title` of a note's front matter (`+++` TOML, as [`render`] writes
/// it); `None` when it has none or cannot be read.
pub fn title_of(notes_dir: &Path, rel: &str) -> Option<String> {
    let text = std::fs::read_to_string(inside(notes_dir, rel).ok()?).ok()?;
    let front = text.strip_prefix("+++\n")?.split_once("\n+++")?.0;
    let table: toml::Table = toml::from_str(front).ok()?;
    let title = table.get("title")?.as_str()?.trim();
    Some(title.to_string()).filter(|t| !t.is_empty())
}

/// `rel` under `notes_dir`, refused unless it is a plain relative path of
/// visible names: what [`write_new`] makes and nothing else.
fn inside(notes_dir: &Path, rel: &str) -> Result<PathBuf> {
    let ok = !rel.is_empty()
        && rel.split('/').all(|part| {
            !part.is_empty()
                && !part.starts_with('.')
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
        });
    if !ok {
        bail!("“{rel}” is not a note made from chat");
    }
    Ok(notes_dir.join(rel))
}

/// The checks the indexer applies to a note, before anything is written.
pub fn check_text(bytes: &[u8], max_bytes: usize) -> Result<()> {
    if bytes.len() > max_bytes {
        bail!(
            "the note is {} KB; at most {} KB",
            bytes.len() / 1024,
            max_bytes / 1024
        );
    }
    if bytes.contains(&0) || std::str::from_utf8(bytes).is_err() {
        bail!("the note is not text (UTF-8 without NUL bytes)");
    }
    Ok(())
}

/// Names Windows reserves for devices, in any case and with any extension.
const DEVICES: &[&str] = &[
    "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8",
    "com9", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
];

/// A file or folder name from free text: lower-case ASCII letters and
/// digits joined by single dashes, accents folded, at most 60 characters;
/// `note` when nothing is left (only emoji), a device name with `-note`.
pub fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars().flat_map(fold) {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
        if out.len() >= 60 {
            break;
        }
    }
    let out = out.trim_matches('-').to_string();
    if out.is_empty() {
        "note".to_string()
    } else if DEVICES.contains(&out.as_str()) {
        format!("{out}-note")
    } else {
        out
    }
}

/// Latin letters with accents as their base letter (é as e, ß as ss);
/// anything else as it is.
fn fold(c: char) -> Vec<char> {
    match c {
        'à'..='å' | 'À'..='Å' => vec!['a'],
        'è'..='ë' | 'È'..='Ë' => vec!['e'],
        'ì'..='ï' | 'Ì'..='Ï' => vec!['i'],
        'ò'..='ö' | 'ø' | 'Ò'..='Ö' | 'Ø' => vec!['o'],
        'ù'..='ü' | 'Ù'..='Ü' => vec!['u'],
        'ç' | 'Ç' => vec!['c'],
        'ñ' | 'Ñ' => vec!['n'],
        'ý' | 'ÿ' | 'Ý' => vec!['y'],
        'ß' => vec!['s', 's'],
        'æ' | 'Æ' => vec!['a', 'e'],
        'ł' | 'Ł' => vec!['l'],
        c => vec![c],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_safe_names_whatever_the_title() {
        for (title, want) in [
            ("Gateway API: The New Way", "gateway-api-the-new-way"),
            ("../../etc/passwd", "etc-passwd"),
            ("/absolute/path", "absolute-path"),
            (".hidden", "hidden"),
            ("CON", "con-note"),
            ("nul", "nul-note"),
            ("a\0b", "a-b"),
            ("🎉🎉🎉", "note"),
            ("Körbächer über Ærø", "korbacher-uber-aero"),
        ] {
            assert_eq!(slug(title), want, "{title:?}");
        }
        assert!(slug(&"long title ".repeat(50)).len() <= 60);
    }

    #[test]
    fn uploads_keep_only_text_extensions_under_safe_names() {
        let name = |n: &str| upload_name(n).map(|(s, e)| format!("{s}.{e}"));
        assert_eq!(name("Talk Notes.MD").as_deref(), Some("talk-notes.md"));
        assert_eq!(
            name("../../etc/passwd.md").as_deref(),
            Some("etc-passwd.md")
        );
        assert_eq!(name("CON.md").as_deref(), Some("con-note.md"));
        assert_eq!(name(".md").as_deref(), Some("note.md"));
        assert_eq!(name("x.org").as_deref(), Some("x.org"));
        for bad in ["a.exe", "a.md.exe", "README", "a.pdf", "a.html"] {
            assert_eq!(name(bad), None, "{bad}");
        }
    }

    #[test]
    fn only_plain_relative_names_are_appended_to() {
        let dir = Path::new("/notes");
        for bad in [
            "../x.md",
            "/etc/passwd",
            ".hidden/x.md",
            "a//b.md",
            "",
            "a/../b.md",
            "a\\b.md",
        ] {
            assert!(inside(dir, bad).is_err(), "{bad:?}");
        }
        assert!(inside(dir, "kubecon-eu-2023/flux-beyond-git.md").is_ok());
    }
}
