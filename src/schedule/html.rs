//! HTML in schedules, as plain text: pretalx and frab abstracts are often
//! HTML (escaped once more inside the XML), Sessionize's are plain text with
//! the odd `&amp;`, and a hostile schedule may carry `<script>`.
//!
//! A small stripper rather than an HTML crate: we need text, not a DOM, and
//! the lock file's only HTML crate (htmlescape, through tantivy) is an
//! unmaintained entity coder. Tags go, `<script>`/`<style>` go with their
//! contents, block tags become line breaks, entities are decoded; text
//! without any tag keeps its own line breaks, since those are meant.

/// Schedule text (an abstract, a description) as plain text.
pub(super) fn to_text(s: &str) -> String {
    let text = if has_markup(s) {
        strip(s)
    } else {
        decode_entities(s)
    };
    tidy_lines(&text)
}

/// Schedule text meant for one line (a title, a name): as [`to_text`],
/// with every run of whitespace, line breaks included, one space.
pub(super) fn to_line(s: &str) -> String {
    let text = if s.contains(['<', '&']) {
        to_text(s)
    } else {
        s.to_string()
    };
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The longest tag taken for one: without a bound, text full of `<a "` and
/// no `>` would be scanned to its end from every `<`.
const MAX_TAG: usize = 1024;

/// The length of the tag that starts `s` (which starts with `<`), when it is
/// one: `<` then a letter, `/` or `!`, up to a `>` outside quotes. "a < b"
/// and "x<y" in plain text are not tags.
fn tag_len(s: &str) -> Option<usize> {
    let next = s[1..].chars().next()?;
    if !(next.is_ascii_alphabetic() || next == '/' || next == '!') {
        return None;
    }
    let mut quote = None;
    for (i, c) in s.char_indices().skip(1).take_while(|(i, _)| *i < MAX_TAG) {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return Some(i + 1),
            // A `<` before the `>` ends the try: it keeps every scan within
            // one stretch between two `<`, so text full of them stays linear.
            (None, '<') => return None,
            _ => {}
        }
    }
    None
}

fn has_markup(s: &str) -> bool {
    s.match_indices('<')
        .any(|(i, _)| tag_len(&s[i..]).is_some())
}

/// What a tag does to the text around it.
enum Tag {
    /// Skip this many bytes more: the contents of `<script>` or `<style>`.
    Skip(usize),
    Break(u8),
    Item,
    Inline,
}

/// Read a tag (`tag` is the whole `<…>`); `rest` is what follows it.
fn classify(tag: &str, rest: &str) -> Tag {
    if tag.starts_with("<!") {
        return Tag::Inline;
    }
    let closing = tag.starts_with("</");
    let name: String = tag
        .trim_start_matches(['<', '/'])
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    match name.as_str() {
        "script" | "style" if !closing && !tag.ends_with("/>") => {
            let end = find_ascii_ci(rest, &format!("</{name}"));
            Tag::Skip(end.map_or(rest.len(), |i| {
                i + rest[i..].find('>').map_or(rest.len() - i, |j| j + 1)
            }))
        }
        "br" | "tr" | "dt" | "dd" => Tag::Break(1),
        "li" if !closing => Tag::Item,
        "p" | "div" | "ul" | "ol" | "table" | "blockquote" | "pre" | "section" | "article"
        | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "hr" => Tag::Break(2),
        _ => Tag::Inline,
    }
}

/// Where `needle` (ASCII) first occurs in `hay`, ignoring ASCII case.
fn find_ascii_ci(hay: &str, needle: &str) -> Option<usize> {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    (0..h.len().saturating_sub(n.len()) + 1)
        .find(|&i| h.len() >= i + n.len() && h[i..i + n.len()].eq_ignore_ascii_case(n))
}

/// Text written out with HTML's whitespace rules: runs of whitespace are one
/// space, and only tags break lines.
#[derive(Default)]
struct Out {
    text: String,
    space: bool,
    breaks: u8,
    bullet: bool,
}

impl Out {
    fn push(&mut self, c: char) {
        if c.is_whitespace() {
            self.space = true;
            return;
        }
        if !self.text.is_empty() {
            if self.breaks > 0 {
                self.text
                    .extend(std::iter::repeat_n('\n', self.breaks.into()));
            } else if self.space {
                self.text.push(' ');
            }
        }
        if std::mem::take(&mut self.bullet) {
            self.text.push_str("- ");
        }
        (self.space, self.breaks) = (false, 0);
        self.text.push(c);
    }
}

/// HTML to text: comments and tags dropped, script and style with their
/// contents, block tags as line breaks, list items as "- ".
fn strip(s: &str) -> String {
    let mut out = Out::default();
    let mut i = 0;
    while i < s.len() {
        let rest = &s[i..];
        if let Some(body) = rest.strip_prefix("<!--") {
            i += 4 + body.find("-->").map_or(body.len(), |j| j + 3);
            continue;
        }
        if let Some(n) = rest.starts_with('<').then(|| tag_len(rest)).flatten() {
            i += n;
            match classify(&rest[..n], &rest[n..]) {
                Tag::Skip(more) => i += more,
                Tag::Break(b) => out.breaks = out.breaks.max(b),
                Tag::Item => (out.breaks, out.bullet) = (out.breaks.max(1), true),
                Tag::Inline => {}
            }
            continue;
        }
        let (c, used) = entity_or_char(rest);
        out.push(c);
        i += used;
    }
    out.text
}

/// The character `s` starts with, decoding an entity (`&amp;`, `&#233;`,
/// `&#x2014;`); the second value is how many bytes it took.
fn entity_or_char(s: &str) -> (char, usize) {
    let c = s.chars().next().expect("not empty");
    if c != '&' {
        return (c, c.len_utf8());
    }
    let Some(end) = s[1..].find(';').filter(|&e| e <= 10) else {
        return ('&', 1);
    };
    let name = &s[1..1 + end];
    let decoded = match name.strip_prefix('#') {
        Some(num) => match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok(),
            None => num.parse::<u32>().ok(),
        }
        .and_then(char::from_u32)
        .filter(|c| *c != '\0'),
        None => named(name),
    };
    match decoded {
        Some(c) => (c, end + 2),
        None => ('&', 1),
    }
}

/// The named entities schedules use; others are left as written.
fn named(name: &str) -> Option<char> {
    #[rustfmt::skip]
    const NAMED: &[(&str, char)] = &[
        ("amp", '&'), ("lt", '<'), ("gt", '>'), ("quot", '"'), ("apos", '\''),
        ("nbsp", ' '), ("ndash", '–'), ("mdash", '—'), ("hellip", '…'),
        ("lsquo", '‘'), ("rsquo", '’'), ("ldquo", '“'), ("rdquo", '”'),
        ("laquo", '«'), ("raquo", '»'), ("bull", '•'), ("middot", '·'),
        ("copy", '©'), ("reg", '®'), ("trade", '™'), ("euro", '€'), ("times", '×'),
        ("eacute", 'é'), ("egrave", 'è'), ("agrave", 'à'), ("ccedil", 'ç'),
        ("auml", 'ä'), ("ouml", 'ö'), ("uuml", 'ü'), ("Auml", 'Ä'), ("Ouml", 'Ö'),
        ("Uuml", 'Ü'), ("szlig", 'ß'), ("oslash", 'ø'), ("aring", 'å'),
    ];
    NAMED.iter().find(|(n, _)| *n == name).map(|(_, c)| *c)
}

fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        let (c, used) = entity_or_char(&s[i..]);
        out.push(c);
        i += used;
    }
    out
}

/// Lines without trailing spaces, at most one blank line in a row, and no
/// blank lines around the whole.
fn tidy_lines(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut blank = 0;
    for line in s.lines().map(str::trim_end) {
        if line.trim().is_empty() {
            blank += 1;
            continue;
        }
        if out.is_empty() {
            out.push_str(line.trim_start());
        } else {
            out.push_str(if blank > 0 { "\n\n" } else { "\n" });
            out.push_str(line);
        }
        blank = 0;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_go_and_blocks_break_lines() {
        let html = "<p>Wasm on <b>Kubernetes</b>,&nbsp;today.</p>\n<p>Bring a\n   laptop<br>and <a href=\"x>y\">Spin</a>.</p>";
        assert_eq!(
            to_text(html),
            "Wasm on Kubernetes, today.\n\nBring a laptop\nand Spin."
        );
    }

    #[test]
    fn script_and_style_go_with_their_contents() {
        let html = "Hi<script type=\"text/javascript\">alert('<p>x</p>')</SCRIPT> there\
                    <style>p { color: red }</style><!-- <p>hidden</p> -->!";
        assert_eq!(to_text(html), "Hi there!");
        assert_eq!(to_text("a<script>never closed"), "a");
    }

    #[test]
    fn lists_become_dashes() {
        assert_eq!(
            to_text("<ul><li>eBPF</li><li>Cilium</li></ul>"),
            "- eBPF\n- Cilium"
        );
    }

    #[test]
    fn entities_decode_and_unknown_ones_stay() {
        assert_eq!(
            to_text("Argo CD&rsquo;s tools &amp; &#233;&#x2014; &bogus; & more"),
            "Argo CD’s tools & é— &bogus; & more"
        );
    }

    #[test]
    fn plain_text_keeps_its_lines_and_its_angle_brackets() {
        assert_eq!(
            to_text("  First line\r\n\r\n\r\nSecond: a < b, x<y  \n"),
            "First line\n\nSecond: a < b, x<y"
        );
    }

    #[test]
    fn unclosed_angles_are_text_and_cost_little() {
        for hostile in ["<a".repeat(100_000), "<a title=\"".repeat(2_000)] {
            assert_eq!(to_text(&hostile).len(), hostile.len());
        }
        assert_eq!(
            to_text("<p>ok</p><b title=\"never closed"),
            "ok\n\n<b title=\"never closed"
        );
    }

    #[test]
    fn lines_are_one_line() {
        assert_eq!(
            to_line("Hands on with <em>WebAssembly</em>\n &amp; Kubernetes"),
            "Hands on with WebAssembly & Kubernetes"
        );
    }
}
