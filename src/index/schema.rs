//! The tantivy schema and the analyzers behind it.

use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, INDEXED, STORED, STRING,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, RemoveLongFilter, TextAnalyzer, Token, TokenFilter,
    TokenStream, Tokenizer,
};
use tantivy::Index;

/// English text: lowercased, accents folded, stemmed.
pub const STEMMED: &str = "cn_en";
/// Names: lowercased and folded, not stemmed ("Rice" must not become "rice" -> "ric").
pub const PLAIN: &str = "cn_plain";

/// Bump when the schema, the analyzers or what the parser extracts change:
/// indexes built by an older confnotes are rebuilt, so unchanged notes are
/// re-read with the new parser. 2: labelled speakers make a heading a talk.
/// 3: positions only in title and body. 4: 128-bit fingerprints in the manifest.
/// 5: the two-pass parser (outline, link-line talks, org-mode and AsciiDoc).
/// 6: the `words` field (words as typed, for typo correction), and CJK text
/// as pairs of characters. 7: words glued to an acronym (`PharoJS`) are
/// also their parts; talks named in prose by a recording's title; the
/// `initials` field. 8: the chunk lists moved out of the manifest into a
/// file of their own, read only when a note changes. 9: a chunk's stored
/// JSON holds its session metadata as one nested `meta` object.
pub const SCHEMA_VERSION: u32 = 9;

#[derive(Clone, Copy, Debug)]
pub struct Fields {
    pub id: Field,
    pub file: Field,
    pub kind: Field,
    pub year: Field,
    pub title: Field,
    pub speakers: Field,
    pub organizations: Field,
    pub conference: Field,
    pub section: Field,
    pub body: Field,
    pub links: Field,
    /// Speakers and organisations, unstemmed, for the `--speaker` filter.
    pub names: Field,
    /// Conference name, unstemmed, for the `--conference` filter.
    pub conf_plain: Field,
    /// Every word of title, body and names as typed (not stemmed), doc ids
    /// only: the vocabulary typos are corrected from (`spell`).
    pub words: Field,
    /// The initials of the names a chunk spells out (`drf`), doc ids only.
    pub initials: Field,
    /// The whole chunk as JSON.
    pub json: Field,
}

/// A text field; positions only where phrases and snippets need them.
fn text(analyzer: &str, positions: bool) -> TextOptions {
    let option = if positions {
        IndexRecordOption::WithFreqsAndPositions
    } else {
        IndexRecordOption::WithFreqs
    };
    TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(analyzer)
            .set_index_option(option),
    )
}

pub fn build() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let fields = Fields {
        id: b.add_text_field("id", STRING | STORED),
        file: b.add_text_field("file", STRING),
        kind: b.add_text_field("kind", STRING),
        year: b.add_u64_field("year", INDEXED),
        title: b.add_text_field("title", text(STEMMED, true)),
        speakers: b.add_text_field("speakers", text(PLAIN, false)),
        organizations: b.add_text_field("organizations", text(PLAIN, false)),
        conference: b.add_text_field("conference", text(STEMMED, false)),
        section: b.add_text_field("section", text(STEMMED, false)),
        body: b.add_text_field("body", text(STEMMED, true)),
        links: b.add_text_field("links", text(STEMMED, false)),
        names: b.add_text_field("names", text(PLAIN, false)),
        conf_plain: b.add_text_field("conf_plain", text(PLAIN, false)),
        words: b.add_text_field(
            "words",
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(PLAIN)
                    .set_index_option(IndexRecordOption::Basic),
            ),
        ),
        initials: b.add_text_field(
            "initials",
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(PLAIN)
                    .set_index_option(IndexRecordOption::Basic),
            ),
        ),
        json: b.add_text_field("json", STORED),
    };
    (b.build(), fields)
}

/// Look the fields up in an opened index (whose schema must match ours).
pub fn fields_of(schema: &Schema) -> tantivy::Result<Fields> {
    let f = |name: &str| schema.get_field(name);
    Ok(Fields {
        id: f("id")?,
        file: f("file")?,
        kind: f("kind")?,
        year: f("year")?,
        title: f("title")?,
        speakers: f("speakers")?,
        organizations: f("organizations")?,
        conference: f("conference")?,
        section: f("section")?,
        body: f("body")?,
        links: f("links")?,
        names: f("names")?,
        conf_plain: f("conf_plain")?,
        words: f("words")?,
        initials: f("initials")?,
        json: f("json")?,
    })
}

pub fn stemmed_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(super::words::WordTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(CachedStemmer)
        .build()
}

/// English snowball stemming (the same stems as tantivy's `Stemmer`) with a
/// cache of recent words. Stemming was a fifth of all indexing work, and
/// notes repeat a small vocabulary, so most tokens hit the cache. Each copy
/// of the analyzer (one per field and indexing thread) has its own bounded
/// cache: no locks, at most [`STEM_CACHE_WORDS`] words each.
#[derive(Clone, Copy, Debug)]
pub struct CachedStemmer;

/// Words each analyzer copy remembers; when full the cache starts over.
pub const STEM_CACHE_WORDS: usize = 8192;

impl TokenFilter for CachedStemmer {
    type Tokenizer<T: Tokenizer> = CachedStemmerFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> CachedStemmerFilter<T> {
        CachedStemmerFilter {
            inner: tokenizer,
            cache: StemCache {
                stemmer: frostem::Stemmer::new(frostem::Algorithm::English),
                words: rustc_hash::FxHashMap::default(),
            },
        }
    }
}

#[derive(Clone)]
pub struct CachedStemmerFilter<T> {
    inner: T,
    cache: StemCache,
}

#[derive(Clone)]
struct StemCache {
    stemmer: frostem::Stemmer,
    words: rustc_hash::FxHashMap<Box<str>, Box<str>>,
}

impl StemCache {
    fn stem_into(&mut self, text: &mut String) {
        if let Some(stem) = self.words.get(text.as_str()) {
            text.clear();
            text.push_str(stem);
            return;
        }
        let stem: Box<str> = self.stemmer.stem(text).into();
        if self.words.len() >= STEM_CACHE_WORDS {
            self.words.clear();
        }
        self.words.insert(text.as_str().into(), stem.clone());
        text.clear();
        text.push_str(&stem);
    }
}

impl<T: Tokenizer> Tokenizer for CachedStemmerFilter<T> {
    type TokenStream<'a> = CachedStemmerStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        CachedStemmerStream {
            tail: self.inner.token_stream(text),
            cache: &mut self.cache,
        }
    }
}

pub struct CachedStemmerStream<'a, T> {
    tail: T,
    cache: &'a mut StemCache,
}

impl<T: TokenStream> TokenStream for CachedStemmerStream<'_, T> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        self.cache.stem_into(&mut self.tail.token_mut().text);
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

pub fn plain_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(super::words::WordTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

pub fn register(index: &Index) {
    index.tokenizers().register(STEMMED, stemmed_analyzer());
    index.tokenizers().register(PLAIN, plain_analyzer());
}

/// The tokens an analyzer makes of `text`.
pub fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while stream.advance() {
        out.push(stream.token().text.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::tokenizer::{Language, SimpleTokenizer, Stemmer};

    #[test]
    fn cached_stems_are_tantivys_stems_even_after_the_cache_fills() {
        let mut reference = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(40))
            .filter(LowerCaser)
            .filter(AsciiFoldingFilter)
            .filter(Stemmer::new(Language::English))
            .build();
        let mut cached = stemmed_analyzer();
        let mut text =
            String::from("Running runners ran; CONNECTIONS connected, naïve caching cached ");
        // More distinct words than the cache holds, then the first ones again.
        for i in 0..STEM_CACHE_WORDS + 500 {
            text.push_str(&format!("building{i}s relational{i} "));
        }
        text.push_str("Running runners ran; CONNECTIONS connected, naïve caching cached");
        let want = tokens(&mut reference, &text);
        // Twice through the same analyzer: the second pass is served from the cache.
        assert_eq!(tokens(&mut cached, &text), want);
        assert_eq!(tokens(&mut cached, &text), want);
        assert!(want.contains(&"connect".to_string()) && want.contains(&"naiv".to_string()));
    }
}
