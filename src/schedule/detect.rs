//! Naming a schedule's format from its content, never its file name, and
//! from its head only: a schedule says what it is in its first bytes (a
//! `<schedule>` root, a `{"schedule": {"conference": …` or a `"sessions"`
//! array, `BEGIN:VCALENDAR`), so looking further would only cost time on
//! every note in the directory.
//!
//! Each test asks for the format's shape at the start of the file, not for
//! its words anywhere: a markdown note quoting `BEGIN:VCALENDAR` in a code
//! block, or a JSON snippet with a "sessions" key, is not a schedule.

use super::ScheduleFormat;

/// How much of a file is looked at. The XML and iCalendar marks are in the
/// first few hundred bytes; the JSON ones can follow a long list of rooms.
const WINDOW: usize = 16 * 1024;

/// The schedule format `bytes` are written in, or `None` for anything else.
pub fn detect(bytes: &[u8]) -> Option<ScheduleFormat> {
    let head = &bytes[..bytes.len().min(WINDOW)];
    let head = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    let head = skip_space(head);
    match head.first()? {
        b'<' => frab_xml(head).then_some(ScheduleFormat::FrabXml),
        b'{' => json(head),
        _ => {
            let begin = b"BEGIN:VCALENDAR";
            let found =
                head.len() >= begin.len() && head[..begin.len()].eq_ignore_ascii_case(begin);
            found.then_some(ScheduleFormat::ICalendar)
        }
    }
}

fn skip_space(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|b| b.is_ascii_whitespace()).count();
    &s[n..]
}

/// A `<schedule>` root (after the declaration, comments and doctype) with a
/// `<conference>` or `<day>` in the window.
fn frab_xml(mut s: &[u8]) -> bool {
    let whole = s;
    loop {
        s = skip_space(s);
        let close: &[u8] = if s.starts_with(b"<?") {
            b"?>"
        } else if s.starts_with(b"<!--") {
            b"-->"
        } else if s.starts_with(b"<!") {
            b">"
        } else {
            break;
        };
        match find(s, close) {
            Some(i) => s = &s[i + close.len()..],
            None => return false,
        }
    }
    let root = s.strip_prefix(b"<schedule").is_some_and(|rest| {
        matches!(
            rest.first(),
            Some(b'>' | b'/') | Some(b' ' | b'\t' | b'\r' | b'\n')
        )
    });
    root && (find(whole, b"<conference").is_some() || find(whole, b"<day").is_some())
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// What the keys at the head of a JSON object say about it.
#[derive(Default)]
struct JsonMarks {
    schedule_conference: bool,
    sessions_array: bool,
    speakers_array: bool,
    /// Keys only Sessionize's session objects have.
    session_keys: usize,
}

/// A pretalx/frab `schedule.conference`, or Sessionize's top-level
/// `sessions` array beside `speakers` (or sessions with Sessionize's own
/// keys, when the speakers come after the window).
fn json(head: &[u8]) -> Option<ScheduleFormat> {
    let marks = scan_json(head);
    if marks.schedule_conference {
        Some(ScheduleFormat::FrabJson)
    } else if marks.sessions_array && (marks.speakers_array || marks.session_keys >= 2) {
        Some(ScheduleFormat::Sessionize)
    } else {
        None
    }
}

/// Walk the JSON tokens of `head`, keeping the stack of open containers
/// with the key each was opened under; no value is parsed.
fn scan_json(head: &[u8]) -> JsonMarks {
    let mut marks = JsonMarks::default();
    let mut stack: Vec<Option<&[u8]>> = Vec::new();
    let (mut last_string, mut key): (Option<&[u8]>, Option<&[u8]>) = (None, None);
    let mut i = 0;
    while i < head.len() {
        match head[i] {
            b'"' => {
                let end = string_end(head, i + 1);
                last_string = Some(&head[i + 1..end.min(head.len())]);
                i = end;
            }
            b':' => {
                key = last_string.take();
                note_key(&mut marks, &stack, key);
            }
            b'{' | b'[' => {
                if head[i] == b'[' && stack.len() == 1 {
                    marks.sessions_array |= key == Some(&b"sessions"[..]);
                    marks.speakers_array |= key == Some(&b"speakers"[..]);
                }
                stack.push(key.take());
            }
            b'}' | b']' => {
                stack.pop();
                key = None;
            }
            b',' => key = None,
            _ => {}
        }
        i += 1;
    }
    marks
}

/// The index of the quote closing a string whose contents start at `from`.
fn string_end(s: &[u8], mut from: usize) -> usize {
    while from < s.len() {
        match s[from] {
            b'\\' => from += 2,
            b'"' => return from,
            _ => from += 1,
        }
    }
    s.len()
}

fn note_key(marks: &mut JsonMarks, stack: &[Option<&[u8]>], key: Option<&[u8]>) {
    let Some(key) = key else { return };
    match stack {
        [_, Some(b"schedule")] if key == b"conference" => marks.schedule_conference = true,
        [_, Some(b"sessions"), _] => {
            const SESSIONIZE: [&[u8]; 5] = [
                b"startsAt",
                b"endsAt",
                b"isServiceSession",
                b"roomId",
                b"categoryItems",
            ];
            marks.session_keys += usize::from(SESSIONIZE.contains(&key));
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ScheduleFormat::*;

    #[test]
    fn frab_xml_after_declaration_and_comment() {
        let xml = "\u{feff}<?xml version='1.0'?>\n<!-- made by pretalx -->\n<schedule>\n <version>1</version>\n <conference><title>x</title></conference></schedule>";
        assert_eq!(detect(xml.as_bytes()), Some(FrabXml));
        assert_eq!(
            detect(b"<schedule><day date='2023-04-18'/></schedule>"),
            Some(FrabXml)
        );
        assert_eq!(detect(b"<schedules><conference/></schedules>"), None);
        assert_eq!(detect(b"<html><body><schedule><conference/>"), None);
    }

    #[test]
    fn frab_json_needs_schedule_then_conference() {
        let json = r#"{"$schema": "x", "schedule": {"version": "1", "conference": {"title": "KCD", "days": []}}}"#;
        assert_eq!(detect(json.as_bytes()), Some(FrabJson));
        assert_eq!(detect(br#"{"conference": {"schedule": 1}}"#), None);
        assert_eq!(detect(br#"{"a": {"schedule": {"conference": 1}}}"#), None);
    }

    #[test]
    fn sessionize_by_its_arrays_or_its_session_keys() {
        let both = br#"{"sessions": [], "speakers": [], "rooms": []}"#;
        assert_eq!(detect(both), Some(Sessionize));
        let keys = br#"{"sessions": [{"id": "1", "title": "t", "startsAt": "x", "roomId": 3, "speakers": []}"#;
        assert_eq!(detect(keys), Some(Sessionize));
        assert_eq!(detect(br#"{"sessions": 3, "speakers": 4}"#), None);
        assert_eq!(detect(br#"{"sessions": [{"title": "t"}]}"#), None);
        assert_eq!(
            detect(br#"{"data": {"sessions": [], "speakers": []}}"#),
            None
        );
    }

    #[test]
    fn icalendar_only_at_the_start() {
        assert_eq!(
            detect(b"\r\n  begin:vcalendar\r\nVERSION:2.0"),
            Some(ICalendar)
        );
        assert_eq!(detect(b"Notes\nBEGIN:VCALENDAR\n"), None);
    }

    #[test]
    fn notes_that_mention_schedules_are_not_schedules() {
        let md = "# KubeCon notes\n\n```\nBEGIN:VCALENDAR\nEND:VCALENDAR\n```\n\n\
                  ```json\n{\"sessions\": [], \"speakers\": []}\n```\n<schedule><conference/>";
        assert_eq!(detect(md.as_bytes()), None);
        assert_eq!(detect(b""), None);
        assert_eq!(detect(b"   \n"), None);
    }

    #[test]
    fn a_string_holding_braces_does_not_confuse_the_scan() {
        let json = r#"{"note": "a } and a \" and {", "schedule": {"conference": {}}}"#;
        assert_eq!(detect(json.as_bytes()), Some(FrabJson));
    }
}
