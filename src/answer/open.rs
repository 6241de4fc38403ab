//! Opening an [`Engine`]: the index brought in line with the notes first,
//! or a question answered while they are checked.

use super::{rank, Engine};
use crate::config::Config;
use crate::index::{self, NotesIndex, QueryBuilder, Report, Synonyms, WriterOptions};
use anyhow::Result;

impl Engine {
    /// Open the index and bring it up to date with the notes; with
    /// `index.read_only`, open it as `confnotes index` left it.
    pub fn open(config: &Config, progress: &dyn index::Progress) -> Result<(Engine, Report)> {
        let synonyms = Synonyms::load(&config.synonyms_file)?;
        let (index, report) = if config.index.read_only {
            let index = NotesIndex::open_read_only(&config.index_path())?;
            let report = index.current_report()?;
            (index, report)
        } else {
            let (mut index, rebuilt) = Self::open_index(config)?;
            let mut report = index.refresh(
                &config.notes_dir,
                WriterOptions::from_config(&config.index),
                progress,
            )?;
            report.rebuilt = rebuilt;
            (index, report)
        };
        Ok((Self::with_index(config, index, &synonyms), report))
    }

    /// [`Engine::open`] for a short command: `answer` runs on the index as
    /// it is while another thread lists the notes, the freshness check of
    /// every start. When the listing shows that the notes changed, the index
    /// is refreshed and `answer` runs again, so what it gives is always
    /// from the notes as they are. Unchanged notes, the common case, cost
    /// the longer of the two instead of both: on the 1000x bench corpus the
    /// listing (a `stat` per note) takes longer than the question.
    pub fn open_answering<T>(
        config: &Config,
        progress: &dyn index::Progress,
        answer: impl Fn(&Engine) -> Result<T>,
    ) -> Result<(Engine, Report, T)> {
        if config.index.read_only {
            let (engine, report) = Self::open(config, progress)?;
            let first = answer(&engine)?;
            return Ok((engine, report, first));
        }
        let started = std::time::Instant::now();
        index::check_notes_dir(&config.notes_dir)?;
        let (listing, opened) = std::thread::scope(|scope| {
            // The listing first: it takes longest.
            let lister = scope.spawn(|| crate::notes::list_notes(&config.notes_dir));
            let opened = Synonyms::load(&config.synonyms_file).and_then(|synonyms| {
                let (index, rebuilt) = Self::open_index(config)?;
                let engine = Self::with_index(config, index, &synonyms);
                // A new or rebuilt index is empty: nothing to answer from yet.
                let empty = engine.index.searcher().num_docs() == 0;
                let first = (!empty).then(|| answer(&engine));
                Ok((engine, rebuilt, first))
            });
            let listing = lister
                .join()
                .map_err(|_| anyhow::anyhow!("listing the notes failed"));
            (listing, opened)
        });
        let (mut engine, rebuilt, first) = opened?;
        let listing = listing?;
        let current = engine.index.is_current(&listing.0);
        let mut report = engine.index.refresh_listed(
            listing,
            started,
            WriterOptions::from_config(&config.index),
            progress,
        )?;
        report.rebuilt = rebuilt;
        match first {
            Some(first) if current => Ok((engine, report, first?)),
            _ => {
                // Typo corrections were made on the old snapshot.
                engine.corrections = rank::Corrections::default();
                let again = answer(&engine)?;
                Ok((engine, report, again))
            }
        }
    }

    /// The index, opened (rebuilt if need be: the second value says why)
    /// to read notes with the config's rules.
    fn open_index(config: &Config) -> Result<(NotesIndex, Option<String>)> {
        let (mut index, rebuilt) = NotesIndex::open(&config.index_path())?;
        if let Some(why) = &rebuilt {
            tracing::warn!("{why}");
        }
        index.set_rules(config.notes.talk_rules());
        index.set_schedules(config.schedule_files());
        Ok((index, rebuilt))
    }

    fn with_index(config: &Config, index: NotesIndex, synonyms: &Synonyms) -> Engine {
        let builder = QueryBuilder::new(index.fields, config.ranking.clone(), synonyms);
        Engine {
            index,
            builder,
            config: config.clone(),
            corrections: rank::Corrections::default(),
            matches: Default::default(),
            schedules: Default::default(),
        }
    }
}
