//! iCalendar values the `icalendar` crate's parser leaves as written:
//! TEXT escapes where it has not undone them (see `ics::text`), the
//! CATEGORIES list, and the DATE, DATE-TIME and DURATION values schedules
//! use. Content lines themselves are the crate's (`ics`).

use chrono::{Duration, NaiveDate, NaiveDateTime};

/// A TEXT value unescaped: `\,` `\;` `\\` `\:` and `\n` (or `\N`) for a
/// line break; any other backslash stays as written. These are the
/// `icalendar` crate's rules, so a value reads the same whichever of the
/// two unescaped it.
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
            Some(c @ ('\\' | ',' | ';' | ':')) => out.push(c),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
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
    fn text_escapes() {
        assert_eq!(
            unescape(r"Argo\, Flux\; and\nmore \\ done"),
            "Argo, Flux; and\nmore \\ done"
        );
        assert_eq!(unescape(r"https\://x \q end\"), r"https://x \q end\");
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
