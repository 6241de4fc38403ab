//! The tantivy index over chunks: building it, refreshing it file by file,
//! and running queries against it.
//!
//! The index lives in one directory with a manifest recording, for each
//! note file, its size, mtime, content hash and chunk ids. A refresh skips
//! files whose size and mtime are unchanged, re-reads the rest, and replaces
//! a changed file's chunks in one commit. An index that cannot be opened, or
//! was built with another schema, is rebuilt from scratch with a warning.

pub mod directory;
pub mod initials;
mod manifest;
pub mod query;
pub mod schema;
pub mod spell;
pub mod watch;
pub mod words;

use crate::config::ScheduleFile;
use crate::notes::{self, Chunk, Diagnostic, Kind, NoteFile};
use anyhow::{Context, Result};
use directory::NotesDirectory;
use manifest::{FileEntry, Manifest};
use schema::Fields;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tantivy::collector::TopDocs;
use tantivy::query::{AllQuery, Query};
use tantivy::schema::Value;
use tantivy::{DocAddress, Index, IndexReader, ReloadPolicy, Searcher, TantivyDocument, Term};

pub use query::{Filters, QueryBuilder, Synonyms};

/// Progress of a long refresh, for a progress bar.
pub trait Progress {
    fn start(&self, _files: u64, _bytes: u64) {}
    fn advance(&self, _bytes: u64) {}
    fn finish(&self) {}
}

/// No progress display.
pub struct Silent;
impl Progress for Silent {}

/// Decompressed doc store blocks each segment keeps (tantivy's default is
/// 100). Answers read a handful of chunks, mostly from different blocks; a
/// small cache keeps `serve`'s memory flat under load.
const DOC_STORE_CACHE_BLOCKS: usize = 10;

/// How the index writer may use the machine.
#[derive(Debug, Clone, Copy)]
pub struct WriterOptions {
    pub memory_bytes: usize,
    pub threads: usize,
}

impl WriterOptions {
    pub fn from_config(c: &crate::config::IndexConfig) -> WriterOptions {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let threads = if c.threads == 0 {
            cores.min(4)
        } else {
            c.threads
        };
        // tantivy needs at least 15 MB per thread: fewer threads, not more memory.
        let threads = threads.clamp(1, (c.writer_memory_mb / 15).max(1));
        WriterOptions {
            memory_bytes: c.writer_memory_mb * 1_000_000,
            threads,
        }
    }
}

/// What a refresh did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Report {
    pub files: usize,
    pub files_read: usize,
    pub files_unchanged: usize,
    pub files_removed: usize,
    pub chunks: usize,
    pub sessions: usize,
    pub added: Vec<String>,
    pub changed: Vec<String>,
    pub removed: Vec<String>,
    pub diagnostics: Vec<Diagnostic>,
    /// Set when the index was rebuilt from scratch, with the reason.
    pub rebuilt: Option<String>,
    #[serde(skip)]
    pub elapsed: Duration,
}

pub struct NotesIndex {
    index: Index,
    reader: IndexReader,
    pub fields: Fields,
    dir: PathBuf,
    manifest: Manifest,
    /// The config's `notes.rules`, applied when notes are read.
    rules: notes::TalkRules,
    /// The config's schedules, read beside the notes.
    schedules: Vec<ScheduleFile>,
}

/// Words already given to the `words` field for one file (as hashes).
/// The field needs which words the notes have, not where or how often, and a
/// file's chunks are always replaced together: each word once per file keeps
/// the vocabulary exact at a fraction of tantivy's cost per word.
#[derive(Default)]
pub struct FileWords(rustc_hash::FxHashSet<u64>);

/// Each word of a chunk's title, body and names that `seen` has not had,
/// space-separated.
fn new_words(c: &Chunk, seen: &mut FileWords) -> String {
    use std::hash::BuildHasher;
    use tantivy::tokenizer::{TokenStream, Tokenizer};
    let hasher = rustc_hash::FxBuildHasher;
    let mut out = String::new();
    let mut tokenizer = words::WordTokenizer::default();
    let texts = [c.meta.title.as_str(), c.body.as_str()]
        .into_iter()
        .chain(c.meta.speakers.iter().map(String::as_str))
        .chain(c.meta.organizations.iter().map(String::as_str));
    for text in texts {
        let mut stream = tokenizer.token_stream(text);
        while stream.advance() {
            let t = stream.token();
            let word = &text[t.offset_from..t.offset_to];
            if seen.0.insert(hasher.hash_one(word)) {
                out.push_str(word);
                out.push(' ');
            }
        }
    }
    out
}

impl NotesIndex {
    /// Open the index in `dir`, or create it. A broken or outdated index is
    /// moved aside and rebuilt; the second value says why.
    pub fn open(dir: &Path) -> Result<(NotesIndex, Option<String>)> {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create index directory {}", dir.display()))?;
        let manifest = Manifest::load(dir);
        let has_index = dir.join("meta.json").exists();
        let reason = match (&manifest, has_index) {
            (_, false) => None,
            (Some(m), true) if m.schema_version == schema::SCHEMA_VERSION => {
                match Self::try_open(dir) {
                    Ok(ix) => return Ok((ix, None)),
                    Err(e) => Some(format!(
                        "index in {} is unreadable ({}); rebuilding it",
                        dir.display(),
                        crate::errors::chain(e.as_ref())
                    )),
                }
            }
            (Some(_), true) => Some(format!(
                "index in {} was built by another version; rebuilding it",
                dir.display()
            )),
            (None, true) => Some(format!(
                "index in {} has no manifest; rebuilding it",
                dir.display()
            )),
        };
        if reason.is_some() {
            clear_dir(dir)?;
        }
        let (schema, fields) = schema::build();
        let index = NotesDirectory::open(dir)
            .map_err(tantivy::TantivyError::from)
            .and_then(|d| Index::create(d, schema, tantivy::IndexSettings::default()))
            .with_context(|| format!("cannot create index in {}", dir.display()))?;
        schema::register(&index);
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .doc_store_cache_num_blocks(DOC_STORE_CACHE_BLOCKS)
            .try_into()?;
        let mut manifest = Manifest::new(schema::SCHEMA_VERSION);
        manifest.save(dir, &[], "")?;
        Ok((
            NotesIndex {
                index,
                reader,
                fields,
                dir: dir.to_path_buf(),
                manifest,
                rules: notes::TalkRules::default(),
                schedules: Vec::new(),
            },
            reason,
        ))
    }

    /// Open an index that `confnotes index` built, without changing
    /// anything in `dir`: no rebuild, no refresh, no lock. For processes that
    /// serve a copy of the index (`index.read_only`).
    pub fn open_read_only(dir: &Path) -> Result<NotesIndex> {
        let hint = "index.read_only is set, so this process does not build it: run `confnotes index` with the same index_dir first";
        let manifest = Manifest::load(dir).with_context(|| {
            format!(
                "no readable index in {} ({} is missing or unreadable); {hint}",
                dir.display(),
                manifest::FILE_NAME
            )
        })?;
        if manifest.schema_version != schema::SCHEMA_VERSION {
            anyhow::bail!(
                "the index in {} was built by another version of confnotes; {hint}",
                dir.display()
            );
        }
        Self::try_open(dir)
            .with_context(|| format!("cannot open the index in {}; {hint}", dir.display()))
    }

    /// Open the index in `dir` with the manifest `load` gives (a second
    /// read of a small file beats keeping a copy of it).
    fn try_open(dir: &Path) -> Result<NotesIndex> {
        let manifest = Manifest::load(dir).context("the manifest changed while opening")?;
        let index = Index::open(NotesDirectory::open(dir).map_err(tantivy::TantivyError::from)?)?;
        let fields = schema::fields_of(&index.schema())?;
        schema::register(&index);
        let reader: IndexReader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .doc_store_cache_num_blocks(DOC_STORE_CACHE_BLOCKS)
            .try_into()?;
        // Touch every segment once so corruption shows now, not mid-query.
        reader
            .searcher()
            .search(&AllQuery, &tantivy::collector::Count)?;
        Ok(NotesIndex {
            index,
            reader,
            fields,
            dir: dir.to_path_buf(),
            manifest,
            rules: notes::TalkRules::default(),
            schedules: Vec::new(),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn searcher(&self) -> Searcher {
        self.reader.searcher()
    }

    pub fn tantivy(&self) -> &Index {
        &self.index
    }

    /// Read notes with these rules from now on (see `notes.rules`).
    pub fn set_rules(&mut self, rules: notes::TalkRules) {
        self.rules = rules;
    }

    /// Read these schedules of the config beside the notes.
    pub fn set_schedules(&mut self, schedules: Vec<ScheduleFile>) {
        self.schedules = schedules;
    }

    /// What decides how files are read: the rules, and the conference each
    /// schedule of the config is said to belong to. A change re-reads all.
    fn reading(&self) -> String {
        let mut s = self.rules.fingerprint();
        for f in &self.schedules {
            s.push_str(&format!(
                "|{}={}",
                f.rel,
                f.conference.as_deref().unwrap_or("")
            ));
        }
        s
    }

    /// The notes directory's listing with the config's schedules added, in
    /// path order; a schedule file that is gone is a problem named by its
    /// path, a URL not fetched yet is left out.
    fn with_schedules(
        &self,
        (mut files, mut diags): (Vec<NoteFile>, Vec<Diagnostic>),
    ) -> (Vec<NoteFile>, Vec<Diagnostic>) {
        for s in &self.schedules {
            match std::fs::metadata(&s.path) {
                Ok(m) => files.push(NoteFile {
                    rel: s.rel.clone(),
                    path: s.path.clone(),
                    size: m.len(),
                    mtime: m
                        .modified()
                        .ok()
                        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                        .map_or(0, |d| d.as_nanos()),
                }),
                Err(_) if s.url.is_some() => {}
                Err(e) => diags.push(Diagnostic {
                    file: s.path.display().to_string(),
                    severity: notes::Severity::Error,
                    message: format!("schedule in the config cannot be read: {e}"),
                }),
            }
        }
        if !self.schedules.is_empty() {
            files.sort_by(|a, b| a.rel.cmp(&b.rel));
        }
        (files, diags)
    }

    /// Bring the index in line with the notes directory.
    pub fn refresh(
        &mut self,
        notes_dir: &Path,
        opts: WriterOptions,
        progress: &dyn Progress,
    ) -> Result<Report> {
        let started = Instant::now();
        check_notes_dir(notes_dir)?;
        let listing = notes::list_notes(notes_dir);
        self.refresh_listed(listing, started, opts, progress)
    }

    /// Whether the index holds `files` as listed, read with the rules set:
    /// then a refresh would read and write nothing.
    pub fn is_current(&self, files: &[NoteFile]) -> bool {
        let (files, _) = self.with_schedules((files.to_vec(), Vec::new()));
        self.manifest.unchanged(&files, &self.reading())
    }

    /// [`NotesIndex::refresh`] with the listing of the notes directory
    /// made already (`started` when it began), for callers that list the
    /// notes while they do something else.
    pub fn refresh_listed(
        &mut self,
        (files, walk_diags): (Vec<NoteFile>, Vec<Diagnostic>),
        started: Instant,
        opts: WriterOptions,
        progress: &dyn Progress,
    ) -> Result<Report> {
        let (files, walk_diags) = self.with_schedules((files, walk_diags));
        let rules = self.reading();
        let mut report = Report {
            files: files.len(),
            ..Report::default()
        };
        // The common case, on every short command: one small file read.
        if self.manifest.unchanged(&files, &rules) {
            report.files_unchanged = files.len();
            return self.finish_report(report, walk_diags, started);
        }
        let removed = self.removed_since(&files);
        // New rules may change what any file holds: read them all again.
        let rules_changed = self.manifest.rules != rules;
        let stale = self.stale(&files, rules_changed);
        report.files_unchanged = files.len() - stale.len();
        let changed = !stale.is_empty() || !removed.is_empty();
        if changed {
            progress.start(stale.len() as u64, stale.iter().map(|f| f.size).sum());
            let mut writer: tantivy::IndexWriter<TantivyDocument> = self
                .index
                .writer_with_num_threads(opts.threads, opts.memory_bytes)?;
            self.remove_files(&mut writer, &removed, &mut report);
            // An empty index holds nothing to delete: skip a delete per file,
            // which tantivy would otherwise check against every new segment.
            let empty = self.reader.searcher().num_docs() == 0;
            for file in stale {
                self.index_file(
                    &mut writer,
                    file,
                    rules_changed,
                    empty,
                    progress,
                    &mut report,
                )?;
            }
            tracing::debug!(files = report.files_read, "committing");
            writer.commit()?;
            writer.wait_merging_threads()?;
        }
        // Also when only mtimes changed: the next listing is then unchanged.
        self.manifest.save(&self.dir, &files, &rules)?;
        if changed {
            self.reader.reload()?;
            progress.finish();
        }
        self.finish_report(report, walk_diags, started)
    }

    /// The notes the index holds that `files` no longer lists.
    fn removed_since(&mut self, files: &[NoteFile]) -> Vec<String> {
        let present: BTreeSet<&str> = files.iter().map(|f| f.rel.as_str()).collect();
        self.manifest
            .files(&self.dir)
            .keys()
            .filter(|k| !present.contains(&k[..]))
            .cloned()
            .collect()
    }

    /// The notes of `files` to read: new, or with another size or mtime, or
    /// unreadable last time (a permission since fixed keeps the mtime), or
    /// all of them when the rules changed.
    fn stale<'f>(&mut self, files: &'f [NoteFile], rules_changed: bool) -> Vec<&'f NoteFile> {
        let known = self.manifest.files(&self.dir);
        files
            .iter()
            .filter(|f| {
                rules_changed
                    || known.get(&f.rel).is_none_or(|e| {
                        e.size != f.size || u128::from(e.mtime) != f.mtime || e.hash.is_empty()
                    })
            })
            .collect()
    }

    fn remove_files(
        &mut self,
        writer: &mut tantivy::IndexWriter<TantivyDocument>,
        removed: &[String],
        report: &mut Report,
    ) {
        for rel in removed {
            writer.delete_term(Term::from_field_text(self.fields.file, rel));
            self.manifest.files_mut(&self.dir).remove(rel);
            if let Some(chunks) = self.manifest.chunks_mut(&self.dir).remove(rel) {
                report.removed.extend(chunks.into_iter().map(|(id, _)| id));
            }
            report.files_removed += 1;
        }
    }

    /// Read one note and replace its chunks, unless only its mtime changed;
    /// say which chunks were added, changed or removed.
    fn index_file(
        &mut self,
        writer: &mut tantivy::IndexWriter<TantivyDocument>,
        file: &NoteFile,
        rules_changed: bool,
        empty: bool,
        progress: &dyn Progress,
        report: &mut Report,
    ) -> Result<()> {
        tracing::debug!(file = %file.rel, "indexing");
        let read = match self.schedules.iter().find(|s| s.rel == file.rel) {
            Some(s) => read_schedule(file, s.conference.as_deref()),
            None => read_file(file, self.rules.for_file(&file.rel)),
        };
        progress.advance(file.size);
        let mtime = u64::try_from(file.mtime).unwrap_or(u64::MAX);
        let old = self.manifest.files_mut(&self.dir).get_mut(&file.rel);
        if let Some(old) = old.filter(|o| !rules_changed && !o.hash.is_empty()) {
            if old.hash == read.hash {
                // Touched, not changed: remember the new mtime only.
                old.mtime = mtime;
                report.files_unchanged += 1;
                return Ok(());
            }
        }
        report.files_read += 1;
        let old_chunks: BTreeMap<String, String> = self
            .manifest
            .chunks_mut(&self.dir)
            .remove(&file.rel)
            .map(|c| c.into_iter().collect())
            .unwrap_or_default();
        if !empty {
            writer.delete_term(Term::from_field_text(self.fields.file, &file.rel));
        }
        let mut chunks = Vec::new();
        let mut seen = FileWords::default();
        for chunk in read.note.into_iter().flat_map(|n| n.chunks) {
            let json = serde_json::to_string(&chunk)?;
            let fp = crate::hash::fingerprint(json.as_bytes());
            match old_chunks.get(&chunk.meta.id) {
                None => report.added.push(chunk.meta.id.clone()),
                Some(f) if *f != fp => report.changed.push(chunk.meta.id.clone()),
                Some(_) => {}
            }
            chunks.push((chunk.meta.id.clone(), fp));
            writer.add_document(self.document(chunk, json, &mut seen))?;
        }
        let new_ids: BTreeSet<&str> = chunks.iter().map(|(id, _)| id.as_str()).collect();
        report.removed.extend(
            old_chunks
                .keys()
                .filter(|id| !new_ids.contains(&id[..]))
                .cloned(),
        );
        let entry = FileEntry {
            size: file.size,
            mtime,
            hash: read.hash,
            chunk_count: chunks.len(),
            diagnostics: read.diagnostics,
        };
        self.manifest
            .files_mut(&self.dir)
            .insert(file.rel.clone(), entry);
        self.manifest
            .chunks_mut(&self.dir)
            .insert(file.rel.clone(), chunks);
        Ok(())
    }

    /// What the index holds now, as a report of a run that read nothing: for
    /// a read-only index, which is never refreshed.
    pub fn current_report(&self) -> Result<Report> {
        let files = self.manifest.file_count();
        let report = Report {
            files,
            files_unchanged: files,
            ..Report::default()
        };
        self.finish_report(report, Vec::new(), Instant::now())
    }

    /// Fill in the totals and the problems of every note the index holds.
    fn finish_report(
        &self,
        mut report: Report,
        walk_diags: Vec<Diagnostic>,
        started: Instant,
    ) -> Result<Report> {
        report.chunks = self.manifest.chunk_count();
        report.sessions = self.count_sessions()?;
        report.diagnostics = walk_diags;
        report
            .diagnostics
            .extend(self.manifest.diagnostics().iter().cloned());
        report.elapsed = started.elapsed();
        Ok(report)
    }

    /// The tantivy document of a chunk (`json` is its stored form); public so
    /// benchmarks can index the same documents with tantivy alone.
    /// The tantivy document of a chunk; `words` holds the words of its
    /// title, body and names, as typed, that earlier chunks of its file
    /// (`seen`) did not have, for typo correction.
    pub fn document(&self, c: Chunk, json: String, seen: &mut FileWords) -> TantivyDocument {
        let f = &self.fields;
        let mut d = TantivyDocument::default();
        d.add_text(f.words, new_words(&c, seen));
        d.add_text(f.initials, initials::field_text(&c.meta.title, &c.body));
        d.add_text(f.id, c.meta.id);
        d.add_text(f.file, c.meta.file);
        d.add_text(f.kind, c.meta.kind.as_str());
        d.add_text(f.title, c.meta.title);
        d.add_text(f.body, c.body);
        d.add_text(f.json, json);
        for s in &c.meta.speakers {
            d.add_text(f.speakers, s);
            d.add_text(f.names, s);
        }
        for o in &c.meta.organizations {
            d.add_text(f.organizations, o);
            d.add_text(f.names, o);
        }
        if let Some(conf) = &c.meta.conference {
            d.add_text(f.conference, conf);
            d.add_text(f.conf_plain, conf);
        }
        if let Some(y) = c.meta.year.and_then(|y| u64::try_from(y).ok()) {
            d.add_u64(f.year, y);
        }
        if let Some(s) = &c.meta.section {
            d.add_text(f.section, s);
        }
        // When and where the schedule puts it: "security track", "Hall A".
        if let Some(slot) = &c.meta.slot {
            d.add_text(f.section, &slot.line);
        }
        for l in &c.links {
            d.add_text(f.links, format!("{} {}", l.label, l.url));
        }
        d
    }

    /// Chunks that stand for a talk in the team's notes: neither sections
    /// nor schedule events.
    fn count_sessions(&self) -> Result<usize> {
        let others = self.count_kind(Kind::Section)? + self.count_kind(Kind::Scheduled)?;
        Ok(usize::try_from(self.searcher().num_docs()).unwrap_or(0) - others)
    }

    /// How many chunks are of `kind`.
    pub fn count_kind(&self, kind: Kind) -> Result<usize> {
        let q = tantivy::query::TermQuery::new(
            Term::from_field_text(self.fields.kind, kind.as_str()),
            tantivy::schema::IndexRecordOption::Basic,
        );
        Ok(self.searcher().search(&q, &tantivy::collector::Count)?)
    }

    /// The chunk stored in a document.
    pub fn chunk_at(&self, searcher: &Searcher, addr: DocAddress) -> Result<Chunk> {
        let doc: TantivyDocument = searcher.doc(addr)?;
        let json = doc
            .get_first(self.fields.json)
            .and_then(|v| v.as_str())
            .context("index document without its chunk")?;
        Ok(serde_json::from_str(json)?)
    }

    /// Every chunk, in file order. This holds the whole corpus in memory:
    /// prefer [`NotesIndex::each_chunk`] where the order does not matter.
    pub fn all_chunks(&self) -> Result<Vec<Chunk>> {
        let mut chunks = Vec::new();
        self.each_chunk(|c| {
            chunks.push(c);
            Ok(())
        })?;
        chunks.sort_by(|a, b| a.meta.place().cmp(&b.meta.place()));
        Ok(chunks)
    }

    /// Call `f` with every chunk, one at a time, in storage order: memory
    /// stays flat however large the notes are.
    pub fn each_chunk(&self, mut f: impl FnMut(Chunk) -> Result<()>) -> Result<()> {
        let searcher = self.searcher();
        for segment in searcher.segment_readers() {
            let store = segment.get_store_reader(1)?;
            for doc in store.iter::<TantivyDocument>(segment.alive_bitset()) {
                let doc = doc?;
                let json = doc
                    .get_first(self.fields.json)
                    .and_then(|v| v.as_str())
                    .context("index document without its chunk")?;
                f(serde_json::from_str(json)?)?;
            }
        }
        Ok(())
    }

    /// The chunk with this id.
    pub fn get(&self, id: &str) -> Result<Option<Chunk>> {
        let searcher = self.searcher();
        let q = tantivy::query::TermQuery::new(
            Term::from_field_text(self.fields.id, id),
            tantivy::schema::IndexRecordOption::Basic,
        );
        let top = searcher.search(&q, &TopDocs::with_limit(1).order_by_score())?;
        top.first()
            .map(|(_, a)| self.chunk_at(&searcher, *a))
            .transpose()
    }

    /// Run a query: (score, chunk, address), best first.
    pub fn run(
        &self,
        query: &dyn Query,
        limit: usize,
        offset: usize,
    ) -> Result<Vec<(f32, Chunk, DocAddress)>> {
        let searcher = self.searcher();
        let top = searcher.search(
            query,
            &TopDocs::with_limit(limit.max(1))
                .and_offset(offset)
                .order_by_score(),
        )?;
        top.into_iter()
            .map(|(score, addr)| Ok((score, self.chunk_at(&searcher, addr)?, addr)))
            .collect()
    }
}

/// Remove the files of an index that cannot be used. Only files tantivy or
/// confnotes write are removed, so a mistaken `index_dir` loses nothing else.
/// The notes directory must be one: an empty listing of a mistyped path
/// would otherwise empty the index.
pub fn check_notes_dir(notes_dir: &Path) -> Result<()> {
    if notes_dir.is_dir() {
        return Ok(());
    }
    anyhow::bail!(
        "notes directory {} does not exist or is not a directory",
        notes_dir.display()
    )
}

fn clear_dir(dir: &Path) -> Result<()> {
    const OURS: &[&str] = &[
        "idx",
        "pos",
        "term",
        "store",
        "fast",
        "fieldnorm",
        "del",
        "json",
        "tmp",
        "lock",
    ];
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_string())
            .unwrap_or_default();
        if path.is_file()
            && (OURS.contains(&ext.as_str())
                || name.starts_with(".tantivy")
                || name == ".managed.json")
        {
            std::fs::remove_file(&path)
                .with_context(|| format!("cannot remove {}", path.display()))?;
        }
    }
    Ok(())
}

/// A schedule of the config: read as one, or reported as not one.
fn read_schedule(file: &NoteFile, conference: Option<&str>) -> notes::ReadNote {
    let problem = |message: String| notes::ReadNote {
        note: None,
        diagnostics: vec![Diagnostic {
            file: file.rel.clone(),
            severity: notes::Severity::Error,
            message,
        }],
        hash: String::new(),
    };
    match std::fs::read(&file.path) {
        Ok(bytes) => crate::schedule::note::read_note_as(&file.rel, &bytes, conference)
            .unwrap_or_else(|| {
                problem(format!(
                "{} is not a schedule (frab or pretalx XML or JSON, Sessionize JSON, iCalendar)",
                file.path.display()
            ))
            }),
        Err(e) => problem(format!("cannot read {}: {e}", file.path.display())),
    }
}

/// A file under the notes directory: a conference schedule when its
/// content is one (its events become `scheduled` chunks), else a note.
fn read_file(file: &NoteFile, rule: notes::outline::TalkLevel) -> notes::ReadNote {
    match std::fs::read(&file.path) {
        Ok(bytes) => crate::schedule::note::read_note(&file.rel, &bytes)
            .unwrap_or_else(|| notes::read_bytes_with(&file.rel, &bytes, rule)),
        // Reading it again says why it cannot be read, as for any note.
        Err(_) => notes::read_note_with(file, rule),
    }
}
