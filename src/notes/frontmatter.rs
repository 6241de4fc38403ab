//! Front matter: TOML between `+++` lines or YAML between `---` lines, only at
//! the very start of a file. A `---` later in a note is a rule, not metadata.

use super::outline::TalkLevel;
use regex::Regex;
use std::sync::LazyLock;

/// The few front matter keys confnotes understands; the rest is ignored.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FrontMatter {
    pub title: Option<String>,
    pub conference: Option<String>,
    pub year: Option<i32>,
    pub tags: Vec<String>,
    /// `confnotes_talks`: how to find this file's talks, overriding the parser.
    pub talk_level: Option<super::outline::TalkLevel>,
}

/// The front matter key that overrides how talks are found in a file.
pub const TALKS_KEY: &str = "confnotes_talks";

/// The result of splitting a note: front matter (if any, possibly broken),
/// the body, and the 1-based line the body starts on.
pub struct Split<'a> {
    pub front: Option<Result<FrontMatter, String>>,
    pub body: &'a str,
    pub body_line: usize,
}

/// Split front matter off the start of `text`.
pub fn split(text: &str) -> Split<'_> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let whole = Split {
        front: None,
        body: text,
        body_line: 1,
    };
    let first_line = text.lines().next().unwrap_or("");
    let delim = match first_line.trim_end() {
        "+++" => "+++",
        "---" => "---",
        _ => return whole,
    };
    let start = first_line.len() + newline_len(&text[first_line.len()..]);
    // Find the closing delimiter on a line of its own.
    let mut offset = start;
    for (line_no, line) in (2..).zip(text[start..].split_inclusive('\n')) {
        let bare = line.trim_end();
        if bare == delim || (delim == "---" && bare == "...") {
            let inner = &text[start..offset];
            let body = &text[offset + line.len()..];
            let front = if delim == "+++" {
                parse_toml(inner)
            } else {
                parse_yaml(inner)
            };
            return Split {
                front: Some(front),
                body,
                body_line: line_no + 1,
            };
        }
        offset += line.len();
    }
    if delim == "+++" {
        // An opening `+++` with no end: the note is still worth indexing.
        return Split {
            front: Some(Err("front matter opened with +++ is never closed".into())),
            body: &text[start..],
            body_line: 2,
        };
    }
    // A lone `---` at the top with no closing line is a thematic break.
    whole
}

fn newline_len(rest: &str) -> usize {
    if rest.starts_with("\r\n") {
        2
    } else {
        usize::from(rest.starts_with('\n'))
    }
}

fn parse_toml(inner: &str) -> Result<FrontMatter, String> {
    let table: toml::Table = toml::from_str(inner)
        .map_err(|e| format!("front matter is not valid TOML: {}", e.message().trim_end()))?;
    let get_str = |k: &str| table.get(k).and_then(|v| v.as_str()).map(str::to_owned);
    let year = table.get("date").and_then(|v| match v {
        toml::Value::Datetime(d) => d.date.map(|d| i32::from(d.year)),
        toml::Value::String(s) => year_in(s),
        _ => None,
    });
    let tags = table
        .get("tags")
        .and_then(|v| v.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|t| t.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let talk_level = match table.get(TALKS_KEY) {
        None => None,
        Some(toml::Value::Integer(n)) => Some(TalkLevel::parse(&n.to_string())?),
        Some(toml::Value::String(s)) => Some(TalkLevel::parse(s)?),
        Some(_) => return Err(TalkLevel::parse("").unwrap_err()),
    };
    Ok(FrontMatter {
        talk_level,
        title: get_str("title"),
        conference: get_str("conference").or_else(|| get_str("event")),
        year: table
            .get("year")
            .and_then(|v| v.as_integer())
            .and_then(|y| i32::try_from(y).ok())
            .or(year),
        tags,
    })
}

/// Deeper flow collections than serde_yaml_ng's own recursion limit (128)
/// fail anyway; checked before parsing because libyaml's scanner takes time
/// quadratic in the nesting (100 000 `[` took 40 s) before that limit is hit.
const MAX_YAML_FLOW_DEPTH: usize = 128;

/// The deepest nesting of `[` and `{` in `inner`, counting every bracket
/// (also quoted ones: only absurd front matter has 128 of them open).
fn flow_depth(inner: &str) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    for b in inner.bytes() {
        match b {
            b'[' | b'{' => {
                depth += 1;
                max = max.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

fn parse_yaml(inner: &str) -> Result<FrontMatter, String> {
    use serde_yaml_ng::Value;
    if flow_depth(inner) > MAX_YAML_FLOW_DEPTH {
        return Err(format!(
            "front matter is not valid YAML: brackets nested more than {MAX_YAML_FLOW_DEPTH} deep"
        ));
    }
    let value: Value = serde_yaml_ng::from_str(inner)
        .map_err(|e| format!("front matter is not valid YAML: {e}"))?;
    let map = match value {
        Value::Mapping(m) => m,
        Value::Null => return Ok(FrontMatter::default()),
        _ => return Err("front matter is not a YAML mapping of keys to values".into()),
    };
    let scalar = |k: &str| match map.get(k) {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let tags = match map.get("tags") {
        Some(Value::Sequence(seq)) => seq
            .iter()
            .filter_map(|t| t.as_str().map(str::to_owned))
            .collect(),
        Some(Value::String(s)) => s
            .split([',', ' '])
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    };
    let talk_level = scalar(TALKS_KEY)
        .map(|v| TalkLevel::parse(&v))
        .transpose()?;
    Ok(FrontMatter {
        talk_level,
        title: scalar("title"),
        conference: scalar("conference").or_else(|| scalar("event")),
        year: scalar("year")
            .and_then(|y| y.parse().ok())
            .or_else(|| scalar("date").as_deref().and_then(year_in)),
        tags,
    })
}

static YEAR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:^|[^0-9])((?:19|20)[0-9]{2})(?:[^0-9]|$)").unwrap());

/// The first plausible year (1900-2099) written in `s`.
pub fn year_in(s: &str) -> Option<i32> {
    YEAR.captures(s).and_then(|c| c[1].parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_front_matter() {
        let s = split(
            "+++\ntitle = \"KubeCon EU 2021\"\ndate = 2021-12-07T00:00:00+00:00\n+++\n\nBody\n",
        );
        let fm = s.front.unwrap().unwrap();
        assert_eq!(fm.title.as_deref(), Some("KubeCon EU 2021"));
        assert_eq!(fm.year, Some(2021));
        assert_eq!(s.body, "\nBody\n");
        assert_eq!(s.body_line, 5);
    }

    #[test]
    fn yaml_front_matter_and_later_rule() {
        let s = split(
            "---\ntitle: \"Notes\"\ndate: 2023-04-27 11:47 +0100\n---\ntext\n\n---\n\nmore\n",
        );
        let fm = s.front.unwrap().unwrap();
        assert_eq!(fm.title.as_deref(), Some("Notes"));
        assert_eq!(fm.year, Some(2023));
        assert!(s.body.contains("---\n\nmore"));
    }

    #[test]
    fn rule_not_at_start_is_not_front_matter() {
        let s = split("# Title\n\n---\ntitle: x\n---\n");
        assert!(s.front.is_none());
        assert_eq!(s.body_line, 1);
    }

    #[test]
    fn broken_front_matter_is_reported_and_body_kept() {
        let s = split("+++\ntitle = \"unterminated\n+++\n# Talk\n");
        assert!(s.front.unwrap().is_err());
        assert_eq!(s.body, "# Talk\n");
        let s = split("---\ntitle: [unclosed\n---\nBody\n");
        assert!(s.front.unwrap().is_err());
        assert_eq!(s.body, "Body\n");
    }

    #[test]
    fn deeply_nested_yaml_is_refused_before_parsing() {
        let deep = format!(
            "---\na: {}{}\n---\nBody\n",
            "[".repeat(5000),
            "]".repeat(5000)
        );
        let err = split(&deep).front.unwrap().unwrap_err();
        assert!(err.contains("nested more than 128 deep"), "{err}");
        // Nesting within the limit is still parsed.
        let ok = format!(
            "---\ntitle: T\na: {}{}\n---\nBody\n",
            "[".repeat(20),
            "]".repeat(20)
        );
        assert_eq!(
            split(&ok).front.unwrap().unwrap().title.as_deref(),
            Some("T")
        );
    }

    #[test]
    fn years() {
        assert_eq!(year_in("kubecon2023"), Some(2023));
        assert_eq!(year_in("12023"), None);
        assert_eq!(year_in("no year"), None);
    }
}
