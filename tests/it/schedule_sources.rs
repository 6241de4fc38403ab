//! Schedules named in the config: a file outside the notes, and a URL
//! fetched from a server this test runs on 127.0.0.1, whose last good copy
//! is kept when a later fetch fails or brings something that is not a
//! schedule.

use crate::common;

use common::{confnotes, copy_shipped, json};
use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};

fn fixture(name: &str) -> std::path::PathBuf {
    common::root().join("tests/fixtures/schedule").join(name)
}

/// A config file holding `body`, its path as a string.
fn config(dir: &Path, body: &str) -> String {
    let path = dir.join("config.toml");
    std::fs::write(&path, body).unwrap();
    path.to_str().unwrap().to_string()
}

/// An HTTP server on 127.0.0.1 answering every request with what
/// `answer` holds at that moment; it stops with the test process.
fn server(answer: Arc<Mutex<(u16, Vec<u8>)>>) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "http://{}/kceu23/schedule.xml",
        listener.local_addr().unwrap()
    );
    std::thread::spawn(move || {
        for stream in listener.incoming().take(50) {
            let Ok(mut stream) = stream else { continue };
            let mut request = Vec::new();
            let mut buf = [0u8; 1024];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buf[..n]),
                }
            }
            let (status, body) = answer.lock().unwrap().clone();
            let head = format!(
                "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
    });
    url
}

fn events_of(notes: &Path, index: &Path, cfg: &str) -> Vec<serde_json::Value> {
    let out = confnotes(notes, index, &["--config", cfg, "schedule", "--json"]);
    json(&out).as_array().unwrap().clone()
}

#[test]
fn a_schedule_file_named_in_the_config_is_read_as_its_conference() {
    let tmp = tempfile::tempdir().unwrap();
    let notes = tmp.path().join("notes");
    copy_shipped(&notes);
    let cfg = config(
        tmp.path(),
        &format!(
            "[[schedule]]\nconference = \"KubeCon EU 2023\"\npath = \"{}\"\n",
            fixture("kubecon-eu-2023.xml").display()
        ),
    );
    let all = events_of(&notes, &tmp.path().join("index"), &cfg);
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["conference"], "KubeCon EU 2023");
    assert_eq!(all[0]["source"], "@schedule/kubecon-eu-2023.xml");
    assert_eq!(all[0]["with_notes"], 7);
}

#[test]
fn a_schedule_url_is_fetched_and_its_last_good_copy_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let notes = tmp.path().join("notes");
    let index = tmp.path().join("index");
    copy_shipped(&notes);
    let answer = Arc::new(Mutex::new((
        200,
        std::fs::read(fixture("kubecon-eu-2023.xml")).unwrap(),
    )));
    let url = server(Arc::clone(&answer));
    let data = tmp.path().join("data");
    let cfg = config(
        tmp.path(),
        &format!(
            "data_dir = \"{}\"\n[index]\nschedule_refresh_minutes = 1\n[[schedule]]\nconference = \"KubeCon EU 2023\"\nurl = \"{url}\"\n",
            data.display()
        ),
    );
    let first = events_of(&notes, &index, &cfg);
    assert_eq!(first[0]["events"].as_array().unwrap().len(), 10);
    let copy = std::fs::read_dir(data.join("schedules"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let age = |copy: &Path| {
        // As if the last fetch were two minutes ago: due again.
        let old = std::time::SystemTime::now() - std::time::Duration::from_secs(120);
        std::fs::File::options()
            .append(true)
            .open(copy)
            .unwrap()
            .set_modified(old)
            .unwrap();
    };
    for (status, body, says) in [
        (500, b"oops".to_vec(), "500"),
        (
            200,
            b"<html><body>Maintenance</body></html>".to_vec(),
            "not a schedule",
        ),
    ] {
        *answer.lock().unwrap() = (status, body);
        age(&copy);
        let report = json(&confnotes(
            &notes,
            &index,
            &["--config", &cfg, "index", "--json"],
        ));
        let problems = report["diagnostics"].to_string();
        assert!(
            problems.contains(&url) && problems.contains(says),
            "{problems}"
        );
        assert!(
            problems.contains("the last good copy is kept"),
            "{problems}"
        );
        let again = events_of(&notes, &index, &cfg);
        assert_eq!(again[0]["events"].as_array().unwrap().len(), 10, "{status}");
    }
}

#[test]
fn schedules_in_the_config_are_checked() {
    let tmp = tempfile::tempdir().unwrap();
    let notes = common::root().join("notes");
    for (body, says) in [
        ("[[schedule]]\nconference = \"X\"\n", "a path or a url"),
        (
            "[[schedule]]\nurl = \"http://example.org/s.ics\"\n",
            "schedule.url",
        ),
        (
            "[[schedule]]\nurl = \"ftp://example.org/s.ics\"\n",
            "not an https:// URL",
        ),
    ] {
        let cfg = config(tmp.path(), body);
        let out = confnotes(
            &notes,
            &tmp.path().join("index"),
            &["--config", &cfg, "schedule"],
        );
        assert_eq!(out.status.code(), Some(2), "{body}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(says), "{body}: {stderr}");
    }
}

#[test]
fn inspect_reads_a_schedule_as_the_index_does() {
    let tmp = tempfile::tempdir().unwrap();
    let notes = common::root().join("notes");
    let file = fixture("kubecon-eu-2021.ics");
    let out = confnotes(
        &notes,
        &tmp.path().join("index"),
        &["inspect", file.to_str().unwrap()],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("a conference schedule of KubeCon"), "{text}");
    // An event given in UTC shows in the conference's own time.
    assert!(
        text.contains(
            "Thu 6 May 15:30–16:05 · Virtual Room 2 · Observability track  When Prometheus"
        ),
        "{text}"
    );
    let report = json(&confnotes(
        &notes,
        &tmp.path().join("index"),
        &["inspect", file.to_str().unwrap(), "--json"],
    ));
    let chunks = report["chunks"].as_array().unwrap();
    assert_eq!(chunks.len(), 7);
    assert!(chunks.iter().all(|c| c["kind"] == "scheduled"));
}
