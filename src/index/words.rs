//! Splitting text into words: runs of letters and digits, as tantivy's
//! `SimpleTokenizer` does, except that Chinese, Japanese and Korean text,
//! written without spaces, becomes overlapping pairs of characters
//! (`可觀測性` is `可觀 觀測 測性`), the usual way to search it without a
//! dictionary. A run of one such character is a word of its own.
//!
//! A word that ends or starts in capitals glued to a word (`PharoJS`,
//! `GraphQL`, `HTTPServer`) is also its two parts, at the same position, so
//! `pharo`, `js` and `server` find it. Words whose capitals only begin
//! their parts (`JavaScript`, `TypeScript`, `GitHub`) are not split: `java`
//! should not find JavaScript, nor `type` TypeScript.

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

/// Han, kana and Hangul: scripts written without spaces between words.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF      // Hiragana, Katakana
        | 0x3400..=0x4DBF    // CJK Extension A
        | 0x4E00..=0x9FFF    // CJK Unified Ideographs
        | 0xAC00..=0xD7AF    // Hangul syllables
        | 0xF900..=0xFAFF    // CJK Compatibility Ideographs
        | 0x20000..=0x2FA1F  // CJK Extensions B..F, supplement
    )
}

#[derive(Clone, Default)]
pub struct WordTokenizer {
    token: Token,
}

pub struct WordStream<'a> {
    text: &'a str,
    /// Byte offset of the next character to read.
    at: usize,
    /// Inside a CJK run: where its previous character starts.
    cjk_prev: Option<usize>,
    /// The parts of the word just given, still to give.
    parts: Vec<(usize, usize)>,
    token: &'a mut Token,
}

impl Tokenizer for WordTokenizer {
    type TokenStream<'a> = WordStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> WordStream<'a> {
        self.token.reset();
        WordStream {
            text,
            at: 0,
            cjk_prev: None,
            parts: Vec::new(),
            token: &mut self.token,
        }
    }
}

impl WordStream<'_> {
    fn next_char(&self) -> Option<char> {
        self.text[self.at..].chars().next()
    }

    fn emit(&mut self, from: usize, to: usize) -> bool {
        self.token.text.clear();
        self.token.text.push_str(&self.text[from..to]);
        self.token.offset_from = from;
        self.token.offset_to = to;
        self.token.position = self.token.position.wrapping_add(1);
        true
    }
}

/// Where a word splits into a word and an acronym glued to it: `PharoJS`
/// at 5, `HTTPServer` at 4. At most one split, each part two or more
/// letters.
fn acronym_split(word: &str) -> Option<usize> {
    // Most words have no capital after their first letter: done at once,
    // without looking further (this runs on every word indexed).
    let mut rest = word.char_indices().skip(1);
    if !rest.any(|(_, c)| c.is_uppercase()) {
        return None;
    }
    let n = word.chars().count();
    if n < 4 || !word.chars().all(char::is_alphabetic) {
        return None;
    }
    let first_upper = word.chars().next().is_some_and(char::is_uppercase);
    // A capitalised word, then capitals to the end: `PharoJS`, `GraphQL`
    // (`Graph` + `QL`): the first capital after a lower-case letter, with
    // only capitals from there on, and at least two letters each side.
    let mut prev_lower = false;
    for (i, (at, c)) in word.char_indices().enumerate() {
        if c.is_uppercase() && prev_lower {
            let tail_upper = word[at..].chars().all(char::is_uppercase);
            return (tail_upper && i >= 2 && n - i >= 2).then_some(at);
        }
        prev_lower = c.is_lowercase();
    }
    // Capitals, then a capitalised word: `HTTPServer`, `XMLParser`.
    if first_upper {
        let run = word.chars().take_while(|c| c.is_uppercase()).count();
        let tail_lower = word.chars().skip(run).all(char::is_lowercase);
        if run >= 3 && run < n - 1 && tail_lower {
            return word.char_indices().nth(run - 1).map(|(at, _)| at);
        }
    }
    None
}

impl TokenStream for WordStream<'_> {
    fn advance(&mut self) -> bool {
        // The parts of a glued word, at its position.
        if let Some((from, to)) = self.parts.pop() {
            self.token.text.clear();
            self.token.text.push_str(&self.text[from..to]);
            self.token.offset_from = from;
            self.token.offset_to = to;
            return true;
        }
        // Inside a CJK run: the pair of the previous character and the next.
        if let Some(prev) = self.cjk_prev {
            match self.next_char() {
                Some(c) if is_cjk(c) => {
                    let start = self.at;
                    self.at += c.len_utf8();
                    self.cjk_prev = Some(start);
                    return self.emit(prev, self.at);
                }
                _ => self.cjk_prev = None,
            }
        }
        // Skip to the next letter or digit.
        while let Some(c) = self.next_char() {
            if c.is_alphanumeric() {
                break;
            }
            self.at += c.len_utf8();
        }
        let start = self.at;
        let Some(first) = self.next_char() else {
            return false;
        };
        self.at += first.len_utf8();
        if is_cjk(first) {
            match self.next_char() {
                Some(c) if is_cjk(c) => {
                    let second = self.at;
                    self.at += c.len_utf8();
                    self.cjk_prev = Some(second);
                    return self.emit(start, self.at);
                }
                // A lone character is a word.
                _ => return self.emit(start, self.at),
            }
        }
        while let Some(c) = self.next_char() {
            if !c.is_alphanumeric() || is_cjk(c) {
                break;
            }
            self.at += c.len_utf8();
        }
        if let Some(split) = acronym_split(&self.text[start..self.at]) {
            // Given last first: `parts` is popped.
            self.parts.push((start + split, self.at));
            self.parts.push((start, start + split));
        }
        self.emit(start, self.at)
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::tokenizer::SimpleTokenizer;

    fn words(tokenizer: &mut impl Tokenizer, text: &str) -> Vec<(String, usize, usize)> {
        let mut out = Vec::new();
        let mut s = tokenizer.token_stream(text);
        while s.advance() {
            let t = s.token();
            out.push((t.text.clone(), t.offset_from, t.offset_to));
        }
        out
    }

    #[test]
    fn latin_text_is_split_as_tantivy_splits_it() {
        let text = "Running runners ran; naïve O'Brien k8s e.g. 3.5 — über-cool_x";
        assert_eq!(
            words(&mut WordTokenizer::default(), text),
            words(&mut SimpleTokenizer::default(), text)
        );
    }

    #[test]
    fn words_glued_to_an_acronym_are_also_their_parts() {
        let got = words(
            &mut WordTokenizer::default(),
            "PharoJS, GraphQL and HTTPServer; JavaScript GitHub iOS CSS",
        );
        let texts: Vec<&str> = got.iter().map(|t| t.0.as_str()).collect();
        assert_eq!(
            texts,
            [
                "PharoJS",
                "Pharo",
                "JS",
                "GraphQL",
                "Graph",
                "QL",
                "and",
                "HTTPServer",
                "HTTP",
                "Server",
                "JavaScript",
                "GitHub",
                "iOS",
                "CSS"
            ]
        );
        // The parts share their word's position.
        let mut tokenizer = WordTokenizer::default();
        let mut s = tokenizer.token_stream("see PharoJS run");
        let mut positions = Vec::new();
        while s.advance() {
            positions.push(s.token().position);
        }
        assert_eq!(positions, [0, 1, 1, 1, 2]);
    }

    #[test]
    fn cjk_runs_become_pairs_and_offsets_point_into_the_text() {
        let text = "金絲雀部署 的 Kubernetes監控";
        let got = words(&mut WordTokenizer::default(), text);
        let texts: Vec<&str> = got.iter().map(|t| t.0.as_str()).collect();
        assert_eq!(
            texts,
            ["金絲", "絲雀", "雀部", "部署", "的", "Kubernetes", "監控"]
        );
        for (w, from, to) in &got {
            assert_eq!(&text[*from..*to], w);
        }
    }
}
