//! Telling a question from chat, for the Q&A channels.

/// Whether a chat message reads as a question: it ends with "?", or opens
/// with a question word and says a little more.
pub fn looks_like_question(text: &str) -> bool {
    const OPENERS: &[&str] = &[
        "how",
        "what",
        "why",
        "who",
        "where",
        "when",
        "which",
        "is",
        "are",
        "does",
        "do",
        "did",
        "can",
        "could",
        "should",
        "would",
        "will",
        "has",
        "have",
        "any",
        "anyone",
        "anybody",
        "does anyone",
        "whats",
        "what's",
        "hows",
        "how's",
    ];
    let t = text.trim();
    if t.is_empty() || t.starts_with('/') || t.starts_with("http") {
        return false;
    }
    if t.ends_with('?') && t.split_whitespace().count() >= 2 {
        return true;
    }
    let mut words = t.split_whitespace();
    let first = words
        .next()
        .unwrap_or("")
        .trim_matches(|c: char| !c.is_alphanumeric() && c != '\'')
        .to_lowercase();
    OPENERS.contains(&first.as_str()) && words.count() >= 3
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn question_detection() {
        for q in [
            "how do I run wasm on kubernetes?",
            "what did we learn about ebpf at kubecon",
            "Anyone seen a talk on GitOps with Argo?",
            "ebpf talks?",
        ] {
            assert!(looks_like_question(q), "{q}");
        }
        for s in [
            "lunch is here",
            "thanks!",
            "?",
            "how?",
            "https://example.com/?q=1",
            "is it",
        ] {
            assert!(!looks_like_question(s), "{s}");
        }
    }
}
