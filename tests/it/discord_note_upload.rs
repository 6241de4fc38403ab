//! `/note upload` and the "Save to notes" context menu end to end against
//! the mock Discord, with a "CDN" this test runs on 127.0.0.1: the file is
//! saved byte for byte under a name of ours and its sessions listed; what
//! is not text, too large (announced or sent), or not on Discord's hosts
//! is refused, fetched as little as possible, and nothing is written.

use crate::discord_notes::{assert_refused, files, notes_dir, sub};
use crate::mock_discord;

use mock_discord::harness::*;
use mock_discord::{message, user, CHANNEL_ID, GUILD_ID, USER_ID};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::io::{Read, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

const MANAGE_MESSAGES: &str = "8192";

/// A "CDN" on 127.0.0.1 answering each path with its bytes (404 for
/// others), counting the requests it gets; it stops with the test process.
struct Cdn {
    base: String,
    files: Arc<Mutex<HashMap<String, Vec<u8>>>>,
    hits: Arc<AtomicUsize>,
}

impl Cdn {
    fn start() -> Cdn {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let files: Arc<Mutex<HashMap<String, Vec<u8>>>> = Arc::default();
        let hits = Arc::new(AtomicUsize::new(0));
        let (served, counted) = (files.clone(), hits.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().take(100) {
                let Ok(mut stream) = stream else { continue };
                counted.fetch_add(1, Ordering::SeqCst);
                let mut request = Vec::new();
                let mut buf = [0u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let text = String::from_utf8_lossy(&request);
                let path = text.split(' ').nth(1).unwrap_or("").to_string();
                let (status, body) = match served.lock().unwrap().get(&path) {
                    Some(b) => (200, b.clone()),
                    None => (404, Vec::new()),
                };
                let head = format!(
                    "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(&body);
            }
        });
        Cdn { base, files, hits }
    }

    /// Serve `bytes` at `/attachments/<n>/<name>`; its URL.
    fn serve(&self, name: &str, bytes: &[u8]) -> String {
        let n = self.files.lock().unwrap().len();
        let path = format!("/attachments/{n}/{name}");
        self.files
            .lock()
            .unwrap()
            .insert(path.clone(), bytes.to_vec());
        format!("{}{path}", self.base)
    }

    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

/// An attachment as Discord describes it.
fn attachment(id: u64, filename: &str, size: usize, url: &str) -> Value {
    json!({"id": id.to_string(), "filename": filename, "size": size, "url": url,
           "proxy_url": url, "content_type": "text/plain; charset=utf-8"})
}

/// `/note upload` of `att` (with `conference`) by alice with `perms`: the
/// interaction's id and its callback.
async fn upload(bot: &Bot, att: Value, conference: Option<&str>, perms: &str) -> (u64, Value) {
    let aid = att["id"].as_str().unwrap().to_string();
    let mut options = vec![option("file", 11, json!(aid))];
    if let Some(c) = conference {
        options.push(option("conference", 3, json!(c)));
    }
    let data = json!({"id": cmd_id("note"), "name": "note", "type": 1,
        "options": sub("upload", options), "resolved": {"attachments": {aid: att}}});
    let (id, payload) = interaction(&bot.mock, 2, data, perms);
    bot.mock.dispatch("INTERACTION_CREATE", payload);
    (id, callback(&bot.mock, id).await)
}

/// An upload that is deferred (ephemeral) and then answered: the answer.
async fn upload_answered(bot: &Bot, att: Value, conference: Option<&str>) -> String {
    let (id, deferred) = upload(bot, att, conference, MANAGE_MESSAGES).await;
    assert_eq!(deferred["type"], 5, "deferred first: {deferred:#}");
    assert_eq!(deferred["data"]["flags"], 64, "ephemeral: {deferred:#}");
    let answer = original_edit(&bot.mock, id).await;
    assert_no_pings(&answer);
    answer["content"].as_str().unwrap().to_string()
}

const TALKS: &str = "# Sandboxing plugins with Wasmtime - Ada Lovelace, Analytical Engines\n\n\
    Wasmtime fuel metering keeps plugins from spinning forever.\n\n\
    # Zero trust service meshes - Grace Hopper, Navy\n\n\
    Mutual TLS between every pair of services, rotated hourly.\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_uploaded_note_is_saved_byte_for_byte_its_sessions_listed_and_answered() {
    let (_tmp, notes) = notes_dir();
    let bot = start_with(&notes).await;
    let cdn = Cdn::start();
    let url = cdn.serve("Wasmtime%20Notes.md", TALKS.as_bytes());
    let att = attachment(bot.mock.next_id(), "Wasmtime Notes.md", TALKS.len(), &url);
    let answer = upload_answered(&bot, att.clone(), Some("WasmCon 2026")).await;
    let rel = "wasmcon-2026/wasmtime-notes.md";
    assert!(answer.contains(&format!("Saved as `{rel}`")), "{answer}");
    assert!(answer.contains("2 sessions found"), "{answer}");
    assert!(
        answer.contains("talk · Sandboxing plugins with Wasmtime — Ada Lovelace"),
        "{answer}"
    );
    assert!(
        answer.contains("Zero trust service meshes — Grace Hopper"),
        "{answer}"
    );
    assert_eq!(std::fs::read(notes.join(rel)).unwrap(), TALKS.as_bytes());
    let record = bot.store().note_record(rel).unwrap().expect("recorded");
    assert_eq!(record.author_id, USER_ID);

    // The same file again: a second name, the first note untouched.
    let again = upload_answered(&bot, att, Some("WasmCon 2026")).await;
    assert!(
        again.contains("wasmcon-2026/wasmtime-notes-2.md"),
        "{again}"
    );
    assert_eq!(std::fs::read(notes.join(rel)).unwrap(), TALKS.as_bytes());

    let asked = command(
        &bot,
        "ask",
        vec![option(
            "question",
            3,
            json!("wasmtime fuel metering for plugins"),
        )],
    )
    .await;
    let titles = embed_titles(&asked);
    assert!(
        titles
            .first()
            .is_some_and(|t| t.contains("Sandboxing plugins with Wasmtime")),
        "the upload answers at once: {titles:?}"
    );
    validate_all(&bot.mock);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_not_text_too_large_or_off_discord_are_refused_and_nothing_is_written() {
    let (_tmp, notes) = notes_dir();
    let before = files(&notes);
    let clock = FakeClock::at("2026-11-22T10:00:00Z");
    let bot = start_bot(&notes, clock, |c| c.notes.max_note_kb = 1).await;
    let cdn = Cdn::start();

    // Not a note file by its name: refused before anything is fetched.
    let url = cdn.serve("slides.pdf", b"%PDF-1.7");
    let att = attachment(bot.mock.next_id(), "slides.pdf", 8, &url);
    let (_, refused) = upload(&bot, att, None, MANAGE_MESSAGES).await;
    assert_refused(&refused, "not a note file");
    // Announced larger than the limit: refused without fetching.
    let url = cdn.serve("big.md", &vec![b'a'; 5000]);
    let att = attachment(bot.mock.next_id(), "big.md", 5000, &url);
    let (_, refused) = upload(&bot, att, None, MANAGE_MESSAGES).await;
    assert_refused(&refused, "at most 1 KB");
    // Not on Discord's hosts: refused without fetching.
    let att = attachment(bot.mock.next_id(), "x.md", 10, "https://example.org/x.md");
    let (_, refused) = upload(&bot, att, None, MANAGE_MESSAGES).await;
    assert_refused(&refused, "not on Discord's servers");
    // Without the permission.
    let url = cdn.serve("ok.md", b"# Fine\n\ntext\n");
    let att = attachment(bot.mock.next_id(), "ok.md", 13, &url);
    let (_, refused) = upload(&bot, att, None, "0").await;
    assert_refused(&refused, "Manage Messages");
    assert_eq!(cdn.hits(), 0, "nothing fetched yet");

    // Fetched, then refused: not text; more bytes than Discord announced.
    let url = cdn.serve("binary.md", b"# Title\n\0\x01\x02");
    let att = attachment(bot.mock.next_id(), "binary.md", 11, &url);
    let answer = upload_answered(&bot, att, None).await;
    assert!(answer.contains("not text"), "{answer}");
    let url = cdn.serve("liar.md", &vec![b'a'; 900]);
    let att = attachment(bot.mock.next_id(), "liar.md", 100, &url);
    let answer = upload_answered(&bot, att, None).await;
    assert!(answer.contains("could not be fetched"), "{answer}");
    assert!(answer.contains("nothing was saved"), "{answer}");
    assert_eq!(cdn.hits(), 2);
    assert_eq!(files(&notes), before, "nothing written");
    validate_all(&bot.mock);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_file_names_are_saved_under_safe_names() {
    let (_tmp, notes) = notes_dir();
    let bot = start_with(&notes).await;
    let cdn = Cdn::start();
    let text = b"# A Talk - Ada Lovelace, Engines\n\nEngines.\n";
    for (name, rel) in [
        ("../../etc/passwd.md", "uploads/etc-passwd.md"),
        ("CON.md", "uploads/con-note.md"),
        (".hidden.TXT", "uploads/hidden.txt"),
    ] {
        let url = cdn.serve("x.md", text);
        let att = attachment(bot.mock.next_id(), name, text.len(), &url);
        let answer = upload_answered(&bot, att, None).await;
        assert!(
            answer.contains(&format!("Saved as `{rel}`")),
            "{name}: {answer}"
        );
        assert_eq!(std::fs::read(notes.join(rel)).unwrap(), text);
    }
    let mut all = files(&notes);
    all.retain(|f| f.starts_with("uploads"));
    assert_eq!(all.len(), 3, "{all:?}");
    validate_all(&bot.mock);
}

/// "Save to notes" on `msg` by alice with `perms`: id and callback.
async fn save(bot: &Bot, msg: Value, perms: &str) -> (u64, Value) {
    let target = msg["id"].as_str().unwrap().to_string();
    let data = json!({"id": cmd_id("Save to notes"), "name": "Save to notes", "type": 3,
        "target_id": target, "resolved": {"messages": {target.clone(): msg}}});
    let (id, payload) = interaction(&bot.mock, 2, data, perms);
    bot.mock.dispatch("INTERACTION_CREATE", payload);
    (id, callback(&bot.mock, id).await)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_saved_to_notes_links_back_to_it() {
    let (_tmp, notes) = notes_dir();
    let before = files(&notes);
    let bot = start_with(&notes).await;
    let cdn = Cdn::start();
    let bob = user(1_100_000_000_000_000_077, "bob", false);
    let mid = bot.mock.next_id();
    let msg = message(
        mid,
        CHANNEL_ID,
        bob.clone(),
        "Kyverno policy reports @everyone\nThey flag every pod without limits.",
    );
    let (_, refused) = save(&bot, msg.clone(), "0").await;
    assert_refused(&refused, "Manage Messages");
    let empty = message(bot.mock.next_id(), CHANNEL_ID, bob.clone(), "  ");
    let (_, refused) = save(&bot, empty, MANAGE_MESSAGES).await;
    assert_refused(&refused, "no text to save");
    assert_eq!(files(&notes), before, "nothing written");

    let (id, deferred) = save(&bot, msg, MANAGE_MESSAGES).await;
    assert_eq!(deferred["type"], 5, "{deferred:#}");
    assert_eq!(deferred["data"]["flags"], 64, "ephemeral: {deferred:#}");
    let answer = original_edit(&bot.mock, id).await;
    assert_no_pings(&answer);
    let rel = "notes/kyverno-policy-reports-everyone.md";
    let content = answer["content"].as_str().unwrap();
    assert!(content.contains(&format!("Saved as `{rel}`")), "{content}");
    let saved = std::fs::read_to_string(notes.join(rel)).unwrap();
    assert!(
        saved.contains("title = \"Kyverno policy reports @everyone\""),
        "{saved}"
    );
    assert!(saved.contains("author = \"bob\""), "{saved}");
    assert!(
        saved.contains("They flag every pod without limits."),
        "{saved}"
    );
    let link = format!("https://discord.com/channels/{GUILD_ID}/{CHANNEL_ID}/{mid}");
    assert!(saved.trim_end().ends_with(&link), "{saved}");

    // A message of a text attachment only: titled by its author, the
    // attachment's text in the note; a picture beside it is left out.
    let text = b"Falco rules for crypto miners.\n";
    let url = cdn.serve("falco.txt", text);
    let mid = bot.mock.next_id();
    let mut msg = message(mid, CHANNEL_ID, bob, "");
    msg["attachments"] = json!([
        attachment(bot.mock.next_id(), "falco.txt", text.len(), &url),
        attachment(
            bot.mock.next_id(),
            "photo.png",
            10,
            "https://example.org/p.png"
        ),
    ]);
    let (id, deferred) = save(&bot, msg, MANAGE_MESSAGES).await;
    assert_eq!(deferred["type"], 5, "{deferred:#}");
    let answer = original_edit(&bot.mock, id).await;
    let rel = "notes/note-from-bob.md";
    assert!(
        answer["content"].as_str().unwrap().contains(rel),
        "{answer:#}"
    );
    let saved = std::fs::read_to_string(notes.join(rel)).unwrap();
    assert!(saved.contains("Falco rules for crypto miners."), "{saved}");
    assert!(saved.contains(&format!("/{CHANNEL_ID}/{mid}")), "{saved}");
    assert_eq!(cdn.hits(), 1);
    validate_all(&bot.mock);
}
