//! The tantivy schema and the analyzers behind it.

use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, INDEXED, STORED, STRING,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    TextAnalyzer,
};
use tantivy::Index;

/// English text: lowercased, accents folded, stemmed.
pub const STEMMED: &str = "cn_en";
/// Names: lowercased and folded, not stemmed ("Rice" must not become "rice" -> "ric").
pub const PLAIN: &str = "cn_plain";

/// Bump when the schema, the analyzers or what the parser extracts change:
/// indexes built by an older confnotes are rebuilt, so unchanged notes are
/// re-read with the new parser. 2: labelled speakers make a heading a talk.
/// 3: positions only in title and body.
pub const SCHEMA_VERSION: u32 = 3;

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
        json: f("json")?,
    })
}

pub fn stemmed_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(Stemmer::new(Language::English))
        .build()
}

pub fn plain_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
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
