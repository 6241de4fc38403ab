//! An error and its causes in one line, each cause said once. A leaf: it
//! depends on nothing in the crate.
//!
//! anyhow's `{:#}` joins every cause with ": ", but many errors (reqwest's,
//! serenity's, the pool's) already end their own text with their cause, so
//! the same words came out two or three times: "Error while sending HTTP
//! request.: Error while sending HTTP request.: error sending request ...".

/// `error: cause: its cause`, leaving out a cause whose text the one
/// before it already says.
pub fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = Some(e);
    while let Some(err) = next {
        let text = err.to_string();
        let text = text.trim();
        let said = parts.last().is_some_and(|p| p.contains(text));
        if !text.is_empty() && !said {
            parts.push(text.to_string());
        }
        next = err.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct E(&'static str, Option<Box<E>>);

    impl std::fmt::Display for E {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)
        }
    }

    impl std::error::Error for E {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            self.1.as_deref().map(|e| e as _)
        }
    }

    #[test]
    fn each_cause_is_said_once() {
        let inner = E("connection refused", None);
        let http = E(
            "Error while sending HTTP request.",
            Some(Box::new(E(
                "Error while sending HTTP request.",
                Some(Box::new(inner)),
            ))),
        );
        assert_eq!(
            chain(&http),
            "Error while sending HTTP request.: connection refused"
        );
        let e = anyhow::Error::new(E("disk full", None)).context("cannot write the index");
        assert_eq!(chain(e.as_ref()), "cannot write the index: disk full");
    }
}
