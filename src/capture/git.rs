//! Committing a note written from Discord with the `git` command (not a
//! git library: no libgit2 or gix to build, and the user's own git config
//! and hooks apply). Only the note's path is staged and committed, with the
//! Discord user as the commit's author. Nothing typed by a user becomes an
//! option: paths follow `--`, the author is one argument, no shell.

use anyhow::{bail, Context, Result};
use std::path::Path;
use std::process::{Command, Output};
use std::sync::Mutex;

/// One commit at a time: two at once would race for git's index lock.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Commit `rel` (relative to `notes_dir`, added or removed) with `message`,
/// authored by `author` (a Discord user name) with Discord user id `id`.
pub fn commit(notes_dir: &Path, rel: &str, author: &str, id: u64, message: &str) -> Result<()> {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let inside = git(notes_dir, &["rev-parse", "--is-inside-work-tree"])?;
    if !inside.status.success() || String::from_utf8_lossy(&inside.stdout).trim() != "true" {
        bail!("the notes directory is not in a git repository");
    }
    let staged = if notes_dir.join(rel).exists() {
        git(notes_dir, &["add", "--", rel])?
    } else {
        git(
            notes_dir,
            &["rm", "--cached", "--quiet", "--ignore-unmatch", "--", rel],
        )?
    };
    check("git add", &staged)?;
    let author = format!(
        "--author={} <{id}@users.noreply.discord>",
        author_name(author)
    );
    let mut cmd = command(notes_dir);
    // Without a committer of the user's own (config or environment, as
    // git sees it), commit as confnotes.
    let has_committer = git(notes_dir, &["var", "GIT_COMMITTER_IDENT"])
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !has_committer {
        cmd.env("GIT_COMMITTER_NAME", "confnotes")
            .env("GIT_COMMITTER_EMAIL", "confnotes@localhost");
    }
    let done = cmd
        .args([
            "commit",
            "--quiet",
            "-m",
            message,
            author.as_str(),
            "--",
            rel,
        ])
        .output()
        .context("cannot run git")?;
    check("git commit", &done)
}

/// The name as git takes it: one line, no `<` or `>`, never empty.
fn author_name(name: &str) -> String {
    let clean: String = name
        .chars()
        .map(|c| {
            if c.is_control() || c == '<' || c == '>' {
                ' '
            } else {
                c
            }
        })
        .collect();
    let clean = clean.trim();
    if clean.is_empty() {
        "unknown".to_string()
    } else {
        clean.to_string()
    }
}

fn command(dir: &Path) -> Command {
    let mut cmd = Command::new("git");
    cmd.arg("-C").arg(dir).stdin(std::process::Stdio::null());
    cmd
}

fn git(dir: &Path, args: &[&str]) -> Result<Output> {
    command(dir)
        .args(args)
        .output()
        .context("cannot run git (is it installed?)")
}

fn check(what: &str, out: &Output) -> Result<()> {
    if out.status.success() {
        return Ok(());
    }
    let err = String::from_utf8_lossy(&out.stderr);
    let out_text = String::from_utf8_lossy(&out.stdout);
    let why = err
        .lines()
        .chain(out_text.lines())
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("no reason given");
    bail!("{what} failed: {why}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn author_names_are_one_plain_line() {
        assert_eq!(author_name("a<b>\nc"), "a b  c");
        assert_eq!(author_name("  "), "unknown");
        assert_eq!(author_name("--exec=evil"), "--exec=evil");
    }
}
