//! Watching the notes directory, so `serve` re-indexes when notes change.
//!
//! Editors save in bursts (a temporary file, a rename, a chmod), and a
//! `git pull` touches many files at once: events are collected until the
//! directory has been quiet for the debounce time, then one batch of paths
//! is handed over. Paths the walker skips (hidden files and directories,
//! such as `notes/.confnotes` where the index itself lives) never trigger a
//! batch, or every re-index would trigger the next.

use anyhow::{Context as _, Result};
use notify::{EventKind, RecursiveMode, Watcher as _};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::sync::mpsc;

/// Keeps the operating system's watch alive; dropping it stops the batches.
pub struct NotesWatcher {
    _watcher: notify::RecommendedWatcher,
}

/// Watch `notes_dir` recursively. Each message on the receiver is a set of
/// changed paths, sent once nothing has changed for `debounce`. Must be
/// called inside a tokio runtime.
pub fn watch(
    notes_dir: &Path,
    ignore: &[PathBuf],
    debounce: Duration,
) -> Result<(NotesWatcher, mpsc::Receiver<BTreeSet<PathBuf>>)> {
    let root = std::fs::canonicalize(notes_dir)
        .with_context(|| format!("cannot watch {}", notes_dir.display()))?;
    let ignore: Vec<PathBuf> = ignore
        .iter()
        .map(|p| std::fs::canonicalize(p).unwrap_or_else(|_| p.clone()))
        .collect();
    let (raw_tx, mut raw_rx) = mpsc::unbounded_channel::<PathBuf>();
    let handler_root = root.clone();
    let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        match res {
            Ok(event) if is_change(&event.kind) => {
                for path in event.paths {
                    if relevant(&handler_root, &ignore, &path) {
                        // The receiver is gone only when the watch is stopping.
                        let _ = raw_tx.send(path);
                    }
                }
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "notes watcher error"),
        }
    })
    .context("cannot start watching the notes directory")?;
    watcher
        .watch(&root, RecursiveMode::Recursive)
        .with_context(|| format!("cannot watch {}", root.display()))?;
    let (tx, rx) = mpsc::channel(1);
    tokio::spawn(async move {
        while let Some(first) = raw_rx.recv().await {
            let mut batch = BTreeSet::from([first]);
            loop {
                match tokio::time::timeout(debounce, raw_rx.recv()).await {
                    Ok(Some(p)) => {
                        batch.insert(p);
                    }
                    Ok(None) => return,
                    Err(_quiet) => break,
                }
            }
            if tx.send(batch).await.is_err() {
                return;
            }
        }
    });
    Ok((NotesWatcher { _watcher: watcher }, rx))
}

fn is_change(kind: &EventKind) -> bool {
    matches!(
        kind,
        EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_) | EventKind::Any
    )
}

/// Would the walker look at this path? Not inside an ignored directory, and
/// no hidden component below the notes directory.
fn relevant(root: &Path, ignore: &[PathBuf], path: &Path) -> bool {
    if ignore.iter().any(|i| path.starts_with(i)) {
        return false;
    }
    let Ok(rel) = path.strip_prefix(root) else {
        return true;
    };
    !rel.components()
        .any(|c| c.as_os_str().to_string_lossy().starts_with('.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_paths_and_the_index_never_trigger() {
        let root = Path::new("/n");
        let ignore = vec![PathBuf::from("/n/data")];
        assert!(relevant(root, &ignore, Path::new("/n/kubecon.md")));
        assert!(relevant(root, &ignore, Path::new("/n/2024/rustconf.txt")));
        assert!(!relevant(
            root,
            &ignore,
            Path::new("/n/.confnotes/index/meta.json")
        ));
        assert!(!relevant(root, &ignore, Path::new("/n/.kubecon.md.swp")));
        assert!(!relevant(root, &ignore, Path::new("/n/data/state.sqlite3")));
    }

    #[tokio::test]
    async fn a_burst_of_changes_is_one_batch() {
        let tmp = tempfile::tempdir().unwrap();
        let hidden = tmp.path().join(".confnotes");
        std::fs::create_dir(&hidden).unwrap();
        let (_w, mut rx) = watch(tmp.path(), &[], Duration::from_millis(300)).unwrap();
        for i in 0..5 {
            std::fs::write(tmp.path().join(format!("n{i}.md")), "# T\n").unwrap();
        }
        let batch = tokio::time::timeout(Duration::from_secs(10), rx.recv())
            .await
            .expect("a batch within 10 s")
            .unwrap();
        let names: BTreeSet<String> = batch
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 5, "{names:?}");
        // Writes in the hidden index directory alone never make a batch.
        std::fs::write(hidden.join("meta.json"), "{}").unwrap();
        assert!(
            tokio::time::timeout(Duration::from_millis(900), rx.recv())
                .await
                .is_err(),
            "the index directory is ignored"
        );
    }
}
