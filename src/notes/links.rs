//! Finding URLs in text and labelling them.

use super::Link;
use regex::Regex;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

static BARE_URL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?xi)
        \b(?:https?://|www\.)[^\s<>()\[\]{}«»“”]+[^\s<>()\[\]{}«»“”.,;:!?'\x22]
        | \b[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:com|io|org|dev|net|sh|app|co|cloud|tech)/[^\s<>()\[\]{}«»“”]*[^\s<>()\[\]{}«»“”.,;:!?'\x22]
        | (?-i:\b[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:io|dev|sh)\b)",
    )
    .unwrap()
});

/// Bare URLs written in plain text, including scheme-less ones such as
/// `github.com/kcp-dev/kcp` or `networkservicemesh.io`.
pub fn bare_urls(text: &str) -> Vec<Link> {
    // The regex's Unicode word boundaries make it slow; most paragraphs have
    // no URL at all, and every URL it finds passes this cheap test.
    if !might_have_url(text) {
        return Vec::new();
    }
    BARE_URL
        .find_iter(text)
        .filter(|m| {
            // `spin.toml` or `index.ts` are file names, not hosts; the regex only
            // takes a few TLDs, but also skip e-mail addresses.
            let before = text[..m.start()].chars().next_back();
            before != Some('@') && before != Some('/')
        })
        .map(|m| Link {
            url: normalize(m.as_str()),
            label: String::new(),
        })
        .collect()
}

/// The top-level domains `BARE_URL` knows, for the prefilter.
const TLDS: [&str; 10] = [
    "com", "io", "org", "dev", "net", "sh", "app", "co", "cloud", "tech",
];

/// False only when `text` cannot hold a URL `BARE_URL` would find: no
/// "://", no "www." and no "." followed by one of its domains.
fn might_have_url(text: &str) -> bool {
    if text.contains("://") {
        return true;
    }
    let b = text.as_bytes();
    b.iter().enumerate().any(|(i, &c)| {
        c == b'.' && {
            let rest = &b[i + 1..];
            let before = &b[..i];
            (before.len() >= 3 && before[before.len() - 3..].eq_ignore_ascii_case(b"www"))
                || TLDS.iter().any(|t| {
                    rest.len() >= t.len() && rest[..t.len()].eq_ignore_ascii_case(t.as_bytes())
                })
        }
    })
}

/// Append to `links` the bare URLs of `text` not already among them
/// (ignoring a trailing slash), in one pass with a set of the URLs seen.
pub fn add_bare_urls(links: &mut Vec<Link>, text: &str) {
    let found = bare_urls(text);
    if found.is_empty() {
        return;
    }
    let mut seen: HashSet<String> = links
        .iter()
        .map(|l| l.url.trim_end_matches('/').to_string())
        .collect();
    for l in found {
        if seen.insert(l.url.trim_end_matches('/').to_string()) {
            links.push(l);
        }
    }
}

/// Add a scheme to scheme-less URLs.
pub fn normalize(url: &str) -> String {
    let url = url.trim();
    if url.starts_with("http://") || url.starts_with("https://") {
        url.to_string()
    } else {
        format!("https://{url}")
    }
}

/// A link written in a markup's own syntax: what the text shows in its
/// place (the label, or the URL when there is none), recording the link
/// when it is a web URL.
pub fn shown_link(url: String, label: String, links: &mut Vec<Link>) -> String {
    let shown = if label.is_empty() {
        url.clone()
    } else {
        label.clone()
    };
    if is_web_url(&url) {
        links.push(Link { url, label });
    }
    shown
}

/// A link to a talk's video, slides or schedule entry.
pub fn is_media_link(url: &str, label: &str) -> bool {
    const HOSTS: &[&str] = &[
        "youtube.com/watch",
        "youtube.com/embed",
        "youtu.be/",
        "vimeo.com/",
        "slideshare.net/",
        "speakerdeck.com/",
        "sched.co/",
        "sched.com/event",
        "pretalx",
        "infoq.com/presentations",
        "usenix.org/conference",
        "media.ccc.de/",
        "/schedule/event",
        "/schedule/presentation",
        "docs.google.com/presentation",
        "slides.com/",
        "sessionize.com/",
        "developer.apple.com/videos/play",
        "events.linuxfoundation.org",
        "confreaks",
        "pyvideo.org",
    ];
    let u = url.to_ascii_lowercase();
    let l = label.trim().to_lowercase();
    HOSTS.iter().any(|h| u.contains(h))
        || u.ends_with(".pdf") && !u.contains("arxiv")
        || matches!(
            l.as_str(),
            "video" | "slides" | "recording" | "the video" | "the slides" | "talk video" | "deck"
        )
}

pub fn is_web_url(s: &str) -> bool {
    let s = s.trim();
    (s.starts_with("http://") || s.starts_with("https://"))
        && s.len() > 10
        && !s.contains(char::is_whitespace)
}

/// A short human label for a URL: its host and the start of its path.
pub fn label_for(url: &str) -> String {
    let rest = url
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_start_matches("www.");
    let rest = rest
        .split(['?', '#'])
        .next()
        .unwrap_or(rest)
        .trim_end_matches('/');
    if rest.chars().count() <= 60 {
        return rest.to_string();
    }
    // Long paths: the host and the last segment say the most.
    let host = rest.split('/').next().unwrap_or(rest);
    let last: String = rest
        .rsplit('/')
        .next()
        .unwrap_or("")
        .chars()
        .take(45)
        .collect();
    format!("{host}/…/{last}")
}

/// Deduplicate links by URL (ignoring a trailing slash), keeping the first
/// and the most descriptive label.
pub fn dedup(links: Vec<Link>) -> Vec<Link> {
    let mut out: Vec<Link> = Vec::with_capacity(links.len());
    // Position in `out` by URL key: a chunk with thousands of links stays linear.
    let mut seen_at: HashMap<String, usize> = HashMap::with_capacity(links.len());
    for mut link in links {
        let key = link.url.trim_end_matches('/').to_string();
        if let Some(&i) = seen_at.get(&key) {
            let seen = &mut out[i];
            if seen.label.is_empty() || seen.label == seen.url {
                seen.label = link.label;
            }
            continue;
        }
        seen_at.insert(key, out.len());
        if link.label.trim().is_empty() || link.label == link.url {
            link.label = String::new();
        }
        out.push(link);
    }
    for link in &mut out {
        if link.label.is_empty() {
            link.label = label_for(&link.url);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prefilter_never_hides_a_url() {
        for t in [
            "see https://x.y/z",
            "WWW.EXAMPLE.NL",
            "github.com/a/b",
            "docs at networkservicemesh.io",
            "Spin.Dev rocks",
            "a.co/b",
        ] {
            assert!(might_have_url(t), "{t}");
        }
        assert!(!might_have_url(
            "Plain text. With sentences, and no links at all."
        ));
        assert!(!bare_urls("Plain text. With sentences.")
            .iter()
            .any(|_| true));
    }

    fn urls(t: &str) -> Vec<String> {
        bare_urls(t).into_iter().map(|l| l.url).collect()
    }

    #[test]
    fn finds_bare_urls() {
        assert_eq!(
            urls("see https://ngrok.com/ now."),
            vec!["https://ngrok.com/"]
        );
        assert_eq!(
            urls("- github.com/kcp-dev/kcp"),
            vec!["https://github.com/kcp-dev/kcp"]
        );
        assert_eq!(
            urls("Layer 3: networkservicemesh.io)"),
            vec!["https://networkservicemesh.io"]
        );
        assert_eq!(
            urls("(see https://x.io/a?gi=6)."),
            vec!["https://x.io/a?gi=6"]
        );
        assert!(urls("edit spin.toml and index.ts, mail me@acme.io, work at Solo.io").is_empty());
    }

    #[test]
    fn bare_urls_are_added_once_beside_written_links() {
        let mut links = vec![Link {
            url: "https://a.dev/x/".into(),
            label: "Docs".into(),
        }];
        add_bare_urls(
            &mut links,
            "https://a.dev/x then https://b.io/y and https://b.io/y/",
        );
        let urls: Vec<_> = links.iter().map(|l| l.url.as_str()).collect();
        assert_eq!(urls, ["https://a.dev/x/", "https://b.io/y"]);
        let many: Vec<Link> = (0..20_000)
            .map(|i| Link {
                url: format!("https://h{}.io/", i % 5000),
                label: String::new(),
            })
            .collect();
        assert_eq!(dedup(many).len(), 5000);
    }

    #[test]
    fn dedups_and_labels() {
        let l = dedup(vec![
            Link {
                url: "https://a.dev/x".into(),
                label: String::new(),
            },
            Link {
                url: "https://a.dev/x/".into(),
                label: "Docs".into(),
            },
        ]);
        assert_eq!(l.len(), 1);
        assert_eq!(l[0].label, "Docs");
        assert_eq!(
            label_for("https://www.example.com/a/b?q=1"),
            "example.com/a/b"
        );
        assert_eq!(
            label_for("https://github.com/deislabs/kc-eu-2023-k8s-wasm-microservices/blob/main/workshop/00-setup.md"),
            "github.com/…/00-setup.md"
        );
    }
}
