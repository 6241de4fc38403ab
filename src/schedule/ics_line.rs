//! iCalendar's content lines (RFC 5545 §3.1): folded lines joined again,
//! each split into a name, parameters and a value, TEXT values unescaped,
//! and the DATE, DATE-TIME and DURATION values schedules use.
//!
//! Written here rather than taken from a crate: this subset is a hundred
//! lines, and it lets one malformed line cost only that line (see `ics`).

use chrono::{Duration, NaiveDate, NaiveDateTime};

/// One content line: `NAME;PARAM=value;PARAM="quoted":value`.
#[derive(Debug, PartialEq)]
pub(super) struct Line<'a> {
    /// Upper-cased, as names are case-insensitive.
    pub(super) name: String,
    /// Parameter names upper-cased, values unquoted.
    pub(super) params: Vec<(String, &'a str)>,
    pub(super) value: &'a str,
}

impl Line<'_> {
    pub(super) fn param(&self, name: &str) -> Option<&str> {
        self.params.iter().find(|(n, _)| n == name).map(|(_, v)| *v)
    }
}

/// The logical lines of a calendar, each with the number of the physical
/// line it starts on: a line starting with a space or a tab continues the
/// one before, without that one character.
pub(super) fn unfold(text: &str) -> Vec<(usize, String)> {
    let mut lines: Vec<(usize, String)> = Vec::new();
    for (n, raw) in text.split('\n').enumerate() {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        match (raw.strip_prefix([' ', '\t']), lines.last_mut()) {
            (Some(rest), Some((_, last))) => last.push_str(rest),
            _ if raw.trim().is_empty() => {}
            _ => lines.push((n + 1, raw.to_string())),
        }
    }
    lines
}

/// Split a content line, or `None` when it has no `:` after its name.
pub(super) fn parse(line: &str) -> Option<Line<'_>> {
    let name_end = line.find([';', ':'])?;
    let name = &line[..name_end];
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return None;
    }
    let mut params = Vec::new();
    let mut rest = &line[name_end..];
    while let Some(after) = rest.strip_prefix(';') {
        let eq = after.find('=')?;
        let key = after[..eq].to_ascii_uppercase();
        let value_etc = &after[eq + 1..];
        let (value, used) = match value_etc.strip_prefix('"') {
            Some(q) => {
                let close = q.find('"')?;
                (&q[..close], close + 2)
            }
            None => {
                let end = value_etc.find([';', ':'])?;
                (&value_etc[..end], end)
            }
        };
        params.push((key, value));
        rest = &value_etc[used..];
    }
    let value = rest.strip_prefix(':')?;
    let name = name.to_ascii_uppercase();
    Some(Line {
        name,
        params,
        value,
    })
}

/// A TEXT value unescaped: `\,` `\;` `\\` and `\n` (or `\N`) for a line
/// break. Any other escaped character stands for itself.
pub(super) fn unescape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n' | 'N') => out.push('\n'),
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

/// A list value (CATEGORIES) split at commas that are not escaped.
pub(super) fn split_list(value: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut escaped = false;
    for c in value.chars() {
        let last = parts.last_mut().expect("never empty");
        match c {
            ',' if !escaped => parts.push(String::new()),
            _ => last.push(c),
        }
        escaped = c == '\\' && !escaped;
    }
    parts
        .iter()
        .map(|p| unescape(p).trim().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

/// A DATE-TIME without its `Z` (the caller looks at that): `19970714T173000`,
/// also without seconds as some exporters write it.
pub(super) fn date_time(value: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(value, "%Y%m%dT%H%M%S")
        .or_else(|_| NaiveDateTime::parse_from_str(value, "%Y%m%dT%H%M"))
        .ok()
}

pub(super) fn date(value: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(value, "%Y%m%d").ok()
}

/// A positive DURATION: `PT45M`, `PT1H30M`, `P1D`, `P1W`, `P1DT2H`.
pub(super) fn duration(value: &str) -> Option<Duration> {
    let body = value.trim().strip_prefix('+').unwrap_or(value.trim());
    let body = body.strip_prefix('P')?;
    let (mut total, mut number, mut in_time) = (Duration::zero(), String::new(), false);
    for c in body.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        if (c, in_time) == ('T', false) {
            in_time = true;
            continue;
        }
        let n: i64 = std::mem::take(&mut number).parse().ok()?;
        let part = match (c, in_time) {
            ('W', false) => Duration::try_weeks(n),
            ('D', false) => Duration::try_days(n),
            ('H', true) => Duration::try_hours(n),
            ('M', true) => Duration::try_minutes(n),
            ('S', true) => Duration::try_seconds(n),
            _ => None,
        };
        total = total.checked_add(&part?)?;
    }
    number.is_empty().then_some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folded_lines_are_joined() {
        let text = "BEGIN:VEVENT\r\nSUMMARY:Hands on with WebAssembly Micro\r\n services and Kubernetes\r\n\r\n\tand more\r\nEND:VEVENT";
        let lines = unfold(text);
        assert_eq!(
            lines[1],
            (
                2,
                "SUMMARY:Hands on with WebAssembly Microservices and Kubernetesand more".into()
            )
        );
        assert_eq!(lines[2].0, 6);
    }

    #[test]
    fn names_params_and_values() {
        let l =
            parse(r#"dtstart;TZID="Europe/Amsterdam";value=DATE-TIME:20230419T110000"#).unwrap();
        assert_eq!(l.name, "DTSTART");
        assert_eq!(l.param("TZID"), Some("Europe/Amsterdam"));
        assert_eq!(l.param("VALUE"), Some("DATE-TIME"));
        assert_eq!(l.value, "20230419T110000");
        let url = parse("URL;VALUE=URI:https://example.org/a?b=c;d").unwrap();
        assert_eq!(url.value, "https://example.org/a?b=c;d");
        assert_eq!(parse("no colon here"), None);
        assert_eq!(parse(":value without name"), None);
        assert_eq!(parse(r#"X;P="unclosed:value"#), None);
    }

    #[test]
    fn text_escapes() {
        assert_eq!(
            unescape(r"Argo\, Flux\; and\nmore \\ done"),
            "Argo, Flux; and\nmore \\ done"
        );
        assert_eq!(
            split_list(r"GitOps\, CD,Security, ,eBPF"),
            ["GitOps, CD", "Security", "eBPF"]
        );
    }

    #[test]
    fn durations() {
        assert_eq!(duration("PT1H30M"), Some(Duration::minutes(90)));
        assert_eq!(duration("P1DT2H"), Some(Duration::hours(26)));
        assert_eq!(duration("P2W"), Some(Duration::weeks(2)));
        assert_eq!(duration("PT5"), None);
        assert_eq!(duration("-PT5M"), None);
        assert_eq!(duration("P1H"), None);
        assert_eq!(duration("P99999999999999999W"), None);
        assert_eq!(duration("PT9223372036854775807H"), None);
    }
}
