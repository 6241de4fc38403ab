//! Fetching the config's schedules that are named by URL. This is an edge
//! of the program, used by `confnotes index`, `confnotes schedule` and
//! `serve` (at start and every `index.schedule_refresh_minutes`); the
//! parser and the index only ever read the copy kept on disk.
//!
//! A fetch that fails (no answer, an error status, too large, not a
//! schedule) keeps the last good copy and says why, naming the URL.
//!
//! Also the attachments of `/note upload` and "Save to notes": only from
//! Discord's CDN, within the size Discord announced for them.

use crate::config::{Config, ScheduleFile};
use std::path::Path;
use std::time::Duration;

/// The most a schedule may hold: 50 000 events in frab JSON are about
/// 40 MB.
const MAX_BYTES: usize = 64 * 1024 * 1024;
/// How long one fetch may take.
const TIMEOUT: Duration = Duration::from_secs(60);

/// What a round of fetches did.
#[derive(Debug, Default)]
pub struct Fetched {
    /// Some copy on disk changed: the index should be refreshed.
    pub changed: bool,
    /// What went wrong, one line per URL.
    pub problems: Vec<String>,
}

/// Fetch every schedule named by URL whose copy is missing or older than
/// the refresh interval (all of them with `force`), keeping each copy that
/// a fetch cannot replace.
pub async fn refresh_schedules(config: &Config, force: bool) -> Fetched {
    let mut fetched = Fetched::default();
    let every = Duration::from_secs(config.index.schedule_refresh_minutes * 60);
    for file in config.schedule_files() {
        let Some(url) = file.url.as_deref() else {
            continue;
        };
        if !force && fresh(&file.path, every) {
            continue;
        }
        match fetch_one(url, &file).await {
            Ok(changed) => fetched.changed |= changed,
            Err(e) => {
                let kept = if file.path.exists() {
                    "the last good copy is kept"
                } else {
                    "no copy yet"
                };
                let line = format!(
                    "schedule {url}: {}; {kept}",
                    crate::errors::chain(e.as_ref())
                );
                tracing::warn!("{line}");
                fetched.problems.push(line);
            }
        }
    }
    fetched
}

/// True when the copy at `path` is younger than `every`.
fn fresh(path: &Path, every: Duration) -> bool {
    std::fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .is_some_and(|age| age < every)
}

/// Fetch one URL and keep its bytes when they are a schedule; `true` when
/// the copy on disk changed.
async fn fetch_one(url: &str, file: &ScheduleFile) -> anyhow::Result<bool> {
    let bytes = download(url).await?;
    if crate::schedule::detect(&bytes).is_none() {
        anyhow::bail!("the answer is not a schedule (frab or pretalx XML or JSON, Sessionize JSON, iCalendar)");
    }
    if std::fs::read(&file.path).is_ok_and(|old| old == bytes) {
        // Unchanged: only its age is renewed.
        touch(&file.path)?;
        return Ok(false);
    }
    write_atomic(&file.path, &bytes)?;
    tracing::info!(url, bytes = bytes.len(), "schedule fetched");
    Ok(true)
}

/// The body of a GET, refused past [`MAX_BYTES`] while it streams.
async fn download(url: &str) -> anyhow::Result<Vec<u8>> {
    download_limited(url, MAX_BYTES, TIMEOUT).await
}

/// The body of a GET, refused past `max` bytes while it streams.
async fn download_limited(url: &str, max: usize, timeout: Duration) -> anyhow::Result<Vec<u8>> {
    let mut builder = reqwest::Client::builder().timeout(timeout);
    if url.starts_with("http://") {
        // Plain HTTP is only ever to this machine: no proxy in between.
        builder = builder.no_proxy();
    }
    let mut response = builder.build()?.get(url).send().await?.error_for_status()?;
    let too_large = || anyhow::anyhow!("larger than {}", size(max));
    if response.content_length().is_some_and(|n| n as usize > max) {
        return Err(too_large());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        body.extend_from_slice(&chunk);
        if body.len() > max {
            return Err(too_large());
        }
    }
    Ok(body)
}

/// A byte count as people read it.
fn size(bytes: usize) -> String {
    match bytes {
        b if b >= 1024 * 1024 => format!("{} MB", b / 1024 / 1024),
        b if b >= 1024 => format!("{} KB", b / 1024),
        b => format!("{b} bytes"),
    }
}

/// Discord's hosts for attachments: the only ones an uploaded note is
/// fetched from (and, for tests, plain HTTP to this machine).
const ATTACHMENT_HOSTS: &[&str] = &["cdn.discordapp.com", "media.discordapp.net"];
/// How long fetching an attachment may take: the answer is due within
/// the 15 minutes an interaction's token lasts, and a note is small.
const ATTACHMENT_TIMEOUT: Duration = Duration::from_secs(20);

/// Whether an attachment at `url` may be fetched: `https://` on one of
/// Discord's CDN hosts, or `http://` to 127.0.0.1 or localhost.
pub fn attachment_url_ok(url: &str) -> bool {
    if let Some(rest) = url.strip_prefix("https://") {
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        // No user info, no port: exactly the host.
        return ATTACHMENT_HOSTS.contains(&authority);
    }
    url.starts_with("http://") && crate::config::fetchable(url) && !url.contains('@')
}

/// An attachment's bytes, refused when its host is not Discord's, when the
/// server announces or sends more than `max_bytes` (the size Discord
/// announced for it, at most the notes' limit), or after a timeout.
pub async fn attachment(url: &str, max_bytes: usize) -> anyhow::Result<Vec<u8>> {
    if !attachment_url_ok(url) {
        anyhow::bail!("not one of Discord's attachment hosts");
    }
    download_limited(url, max_bytes, ATTACHMENT_TIMEOUT).await
}

fn touch(path: &Path) -> anyhow::Result<()> {
    let f = std::fs::File::options().append(true).open(path)?;
    f.set_modified(std::time::SystemTime::now())?;
    Ok(())
}

/// Write to a temporary file beside `path`, then rename it over: a reader
/// sees the old copy or the new one, never half of one.
fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = std::path::PathBuf::from(tmp);
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attachments_come_only_from_discords_hosts_or_this_machine() {
        for ok in [
            "https://cdn.discordapp.com/attachments/1/2/notes.md?ex=1",
            "https://media.discordapp.net/attachments/1/2/notes.md",
            "http://127.0.0.1:8080/x.md",
            "http://localhost/x.md",
        ] {
            assert!(attachment_url_ok(ok), "{ok}");
        }
        for bad in [
            "https://example.org/x.md",
            "https://cdn.discordapp.com.evil.org/x.md",
            "https://cdn.discordapp.com:444/x.md",
            "https://u@cdn.discordapp.com/x.md",
            "http://cdn.discordapp.com/x.md",
            "http://127.0.0.1@evil.org/x.md",
            "file:///etc/passwd",
        ] {
            assert!(!attachment_url_ok(bad), "{bad}");
        }
    }
}
