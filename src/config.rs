//! Typed configuration: defaults in code, then a TOML file, then
//! `CONFNOTES_*` environment variables (`__` separates nested keys, e.g.
//! `CONFNOTES_RANKING__TITLE_BOOST=4`). Unknown keys are errors that name
//! the file and the key. This is the only module that reads the environment.

use anyhow::{bail, Context, Result};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The file used when `--config` is not given, if it exists.
pub const DEFAULT_FILE: &str = "config/default.toml";

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Directory holding the notes.
    pub notes_dir: PathBuf,
    /// Index directory; empty means `<data_dir>/index`.
    pub index_dir: PathBuf,
    /// The bot's state (`state.sqlite3`) and, by default, the index; empty
    /// means `<notes_dir>/.confnotes`.
    pub data_dir: PathBuf,
    /// Synonyms and abbreviations file; empty means none.
    pub synonyms_file: PathBuf,
    /// Link to a note's source, with `{file}` and `{line}`; empty means none.
    pub source_url_template: String,
    pub ranking: Ranking,
    pub answer: AnswerConfig,
    pub index: IndexConfig,
    pub discord: DiscordConfig,
    pub qa: QaConfig,
    pub digest: DigestConfig,
    pub notes: NotesConfig,
}

/// How notes are read.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct NotesConfig {
    /// How to find the talks in files the parser reads wrongly; the first
    /// rule whose glob matches a file's path (relative to the notes
    /// directory) applies, and the file's own `confnotes_talks` wins.
    pub rules: Vec<NotesRule>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct NotesRule {
    /// `*` within a folder, `**` across folders, `?` one character.
    pub glob: String,
    /// `auto`, `file` (one talk), `none`, or the heading level of the talks.
    pub talks: String,
}

impl NotesConfig {
    /// The rules, parsed (validated when the config was loaded).
    pub fn talk_rules(&self) -> crate::notes::TalkRules {
        crate::notes::TalkRules(
            self.rules
                .iter()
                .filter_map(|r| {
                    crate::notes::outline::TalkLevel::parse(&r.talks)
                        .ok()
                        .map(|level| crate::notes::TalkRule {
                            glob: r.glob.clone(),
                            level,
                        })
                })
                .collect(),
        )
    }
}

/// Q&A channels: the bot answers questions asked there in a thread.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct QaConfig {
    /// Channels that are always Q&A channels, besides those set with `/qa enable`.
    pub channels: Vec<u64>,
    /// Answer any message that reads as a question, not only mentions. Needs
    /// the privileged Message Content intent turned on in the developer portal.
    pub message_content: bool,
    /// Questions answered per channel per minute; 0: no limit.
    pub per_channel_per_minute: u32,
}

impl Default for QaConfig {
    fn default() -> Self {
        QaConfig {
            channels: Vec::new(),
            message_content: false,
            per_channel_per_minute: 6,
        }
    }
}

/// Daily digests.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct DigestConfig {
    /// Whether this process posts digests. With several processes (shards),
    /// exactly one of them should.
    pub enabled: bool,
    /// Default local time of day, "HH:MM".
    pub time: String,
    /// Default IANA time zone.
    pub timezone: String,
    /// Sessions of the day per digest.
    pub sessions: usize,
    /// At most this many entries under "New in the notes".
    pub new_max: usize,
    /// How often the bot checks for due digests, in seconds.
    pub check_seconds: u64,
    /// Attempts to send one digest before giving up on it.
    pub max_attempts: u32,
}

impl Default for DigestConfig {
    fn default() -> Self {
        DigestConfig {
            enabled: true,
            time: "09:00".into(),
            timezone: "UTC".into(),
            sessions: 3,
            new_max: 10,
            check_seconds: 30,
            max_attempts: 5,
        }
    }
}

/// The Discord bot. The token is never here: it comes from `DISCORD_TOKEN`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct DiscordConfig {
    /// Register commands in these guilds (instant updates); empty: globally.
    pub guild_ids: Vec<u64>,
    /// Seconds a user waits between two searches; 0 turns the cooldown off.
    pub cooldown_seconds: u64,
    /// Results per answer or page.
    pub results_per_page: usize,
    /// Send REST calls here instead of to Discord: a shared rate-limiting
    /// proxy (nirn-proxy, twilight-http-proxy) when several processes run the
    /// bot. Empty: Discord itself.
    pub api_base: String,
    /// Shards this process runs, `[first, last]`, out of `shard_total`; both
    /// unset (`[]`, 0): Discord's recommended count, all in this process.
    pub shard_range: Vec<u32>,
    pub shard_total: u32,
}

impl Default for DiscordConfig {
    fn default() -> Self {
        DiscordConfig {
            guild_ids: Vec::new(),
            cooldown_seconds: 3,
            results_per_page: 3,
            api_base: String::new(),
            shard_range: Vec::new(),
            shard_total: 0,
        }
    }
}

/// The bot token, from the `DISCORD_TOKEN` environment variable.
pub fn discord_token() -> Result<String> {
    match std::env::var("DISCORD_TOKEN") {
        Ok(t) if !t.trim().is_empty() => Ok(t.trim().to_string()),
        _ => bail!("DISCORD_TOKEN is not set: export the bot token from the Discord developer portal (Bot > Reset Token)"),
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Ranking {
    pub title_boost: f32,
    pub speakers_boost: f32,
    pub organizations_boost: f32,
    pub conference_boost: f32,
    pub section_boost: f32,
    pub body_boost: f32,
    pub links_boost: f32,
    /// Extra weight when adjacent query words appear as a phrase.
    pub phrase_boost: f32,
    /// Weight of a synonym relative to the word typed.
    pub synonym_weight: f32,
    /// Typo tolerance: words this long or longer also match at edit distance 1.
    pub fuzzy_min_len: usize,
    /// Weight of a corrected (misspelled) word relative to the word it is
    /// corrected to; 0 turns typo correction off.
    pub fuzzy_boost: f32,
    /// Weight of a related word (the synonyms file's `related` groups)
    /// relative to the word typed; 0 turns them off.
    pub related_weight: f32,
    /// How much of the question a hit must hold to be an answer: 1 is one of
    /// its rarest words, a word most notes have counts almost nothing. When
    /// no hit holds this much the answer says nothing is close and shows the
    /// nearest notes as such.
    pub min_match: f32,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct AnswerConfig {
    /// Results when `--limit` is not given.
    pub limit: usize,
    /// Sentences or bullets in an extractive summary, at most.
    pub summary_sentences: usize,
    /// Characters in a summary, at most.
    pub summary_chars: usize,
    /// Characters in one snippet fragment, at most.
    pub snippet_chars: usize,
    /// Snippet fragments per hit, at most.
    pub snippet_fragments: usize,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct IndexConfig {
    /// Memory the index writer may use, in MB (at least 15 per thread).
    pub writer_memory_mb: usize,
    /// Indexing threads; 0 means one per core, at most 4.
    pub threads: usize,
    /// `serve` re-indexes when files in the notes directory change.
    pub watch: bool,
    /// Quiet time after the last change before re-indexing, in milliseconds.
    pub watch_debounce_ms: u64,
    /// Serve the index `confnotes index` built without ever writing it: no
    /// refresh at start-up, no watching, `/reindex` re-opens it from disk.
    /// For processes that each serve a copy of one index.
    pub read_only: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            notes_dir: PathBuf::from("notes"),
            index_dir: PathBuf::new(),
            data_dir: PathBuf::new(),
            synonyms_file: PathBuf::from(crate::index::query::DEFAULT_SYNONYMS),
            source_url_template: String::new(),
            ranking: Ranking::default(),
            answer: AnswerConfig::default(),
            index: IndexConfig::default(),
            discord: DiscordConfig::default(),
            qa: QaConfig::default(),
            digest: DigestConfig::default(),
            notes: NotesConfig::default(),
        }
    }
}

impl Default for Ranking {
    fn default() -> Self {
        Ranking {
            title_boost: 3.0,
            speakers_boost: 3.0,
            organizations_boost: 2.0,
            conference_boost: 1.0,
            section_boost: 0.5,
            body_boost: 1.0,
            links_boost: 0.5,
            phrase_boost: 2.0,
            synonym_weight: 0.8,
            fuzzy_min_len: 4,
            fuzzy_boost: 0.8,
            related_weight: 0.3,
            min_match: 0.8,
        }
    }
}

impl Default for AnswerConfig {
    fn default() -> Self {
        AnswerConfig {
            limit: 5,
            summary_sentences: 3,
            summary_chars: 500,
            snippet_chars: 160,
            snippet_fragments: 2,
        }
    }
}

impl Default for IndexConfig {
    fn default() -> Self {
        IndexConfig {
            writer_memory_mb: 64,
            threads: 0,
            watch: true,
            watch_debounce_ms: 1000,
            read_only: false,
        }
    }
}

impl Config {
    /// Load from `file` (or [`DEFAULT_FILE`] when it exists), then apply
    /// `CONFNOTES_*` variables from the process environment.
    pub fn load(file: Option<&Path>) -> Result<Config> {
        Self::load_with_env(file, std::env::vars())
    }

    pub fn load_with_env(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config> {
        let (mut table, source) = match file {
            Some(f) => (read_table(f)?, f.display().to_string()),
            None if Path::new(DEFAULT_FILE).exists() => (
                read_table(Path::new(DEFAULT_FILE))?,
                DEFAULT_FILE.to_string(),
            ),
            None => (toml::Table::new(), "built-in defaults".to_string()),
        };
        let mut from_env = Vec::new();
        for (key, value) in env {
            let Some(rest) = key.strip_prefix("CONFNOTES_") else {
                continue;
            };
            // Variables the program itself reads, not settings.
            if matches!(rest, "CAPTURE_DIR" | "LOG") {
                continue;
            }
            let path: Vec<String> = rest.split("__").map(str::to_lowercase).collect();
            set_path(&mut table, &path, parse_env_value(&value));
            from_env.push(key);
        }
        let config: Config =
            toml::Value::Table(table)
                .try_into()
                .map_err(|e: toml::de::Error| {
                    let hint = if from_env.is_empty() {
                        String::new()
                    } else {
                        format!(" (environment overrides: {})", from_env.join(", "))
                    };
                    anyhow::anyhow!(
                        "invalid configuration in {source}{hint}: {}",
                        e.message().trim_end()
                    )
                })?;
        config
            .validate()
            .with_context(|| format!("invalid configuration in {source}"))?;
        Ok(config)
    }

    fn validate(&self) -> Result<()> {
        if self.answer.limit == 0 {
            bail!("answer.limit must be at least 1");
        }
        if !(0.0..=32.0).contains(&self.ranking.min_match) {
            bail!("ranking.min_match must be between 0 and 32 (the most words a question is searched by)");
        }
        let r = &self.ranking;
        for (name, v) in [
            ("title_boost", r.title_boost),
            ("speakers_boost", r.speakers_boost),
            ("organizations_boost", r.organizations_boost),
            ("conference_boost", r.conference_boost),
            ("section_boost", r.section_boost),
            ("body_boost", r.body_boost),
            ("links_boost", r.links_boost),
            ("phrase_boost", r.phrase_boost),
            ("synonym_weight", r.synonym_weight),
            ("fuzzy_boost", r.fuzzy_boost),
            ("related_weight", r.related_weight),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                bail!("ranking.{name} must be a number of at least 0");
            }
        }
        if !(50..=600_000).contains(&self.index.watch_debounce_ms) {
            bail!("index.watch_debounce_ms must be between 50 and 600000");
        }
        if !(1..=10).contains(&self.discord.results_per_page) {
            bail!("discord.results_per_page must be between 1 and 10 (Discord shows at most 10 embeds)");
        }
        if self.index.writer_memory_mb < 15 {
            bail!("index.writer_memory_mb must be at least 15 (tantivy's minimum per thread)");
        }
        match (self.discord.shard_range.as_slice(), self.discord.shard_total) {
            ([], 0) => {}
            ([first, last], total) if first <= last && *last < total => {}
            _ => bail!("discord.shard_range must be [first, last] with first <= last < discord.shard_total (both set, or neither)"),
        }
        if let Err(e) = crate::digest::schedule::parse_time(&self.digest.time) {
            bail!("digest.time: {e}");
        }
        if let Err(e) = crate::digest::schedule::parse_zone(&self.digest.timezone) {
            bail!("digest.timezone: {e}");
        }
        if !(1..=8).contains(&self.digest.sessions) {
            bail!("digest.sessions must be between 1 and 8 (one Discord message holds 10 embeds)");
        }
        if self.digest.check_seconds == 0 {
            bail!("digest.check_seconds must be at least 1");
        }
        for (i, r) in self.notes.rules.iter().enumerate() {
            if r.glob.trim().is_empty() {
                bail!("notes.rules[{i}].glob is empty");
            }
            if let Err(e) = crate::notes::outline::TalkLevel::parse(&r.talks) {
                bail!(
                    "notes.rules[{i}].talks: {}",
                    e.trim_start_matches("confnotes_talks: ")
                );
            }
        }
        Ok(())
    }

    /// Where state and (by default) the index live.
    pub fn data_path(&self) -> PathBuf {
        if self.data_dir.as_os_str().is_empty() {
            self.notes_dir.join(".confnotes")
        } else {
            self.data_dir.clone()
        }
    }

    /// The state file.
    pub fn state_path(&self) -> PathBuf {
        self.data_path().join("state.sqlite3")
    }

    /// Where the index lives.
    pub fn index_path(&self) -> PathBuf {
        if self.index_dir.as_os_str().is_empty() {
            self.data_path().join("index")
        } else {
            self.index_dir.clone()
        }
    }

    /// The source link for a line of a note, if a template is configured.
    pub fn source_url(&self, file: &str, line: usize) -> Option<String> {
        (!self.source_url_template.is_empty()).then(|| {
            self.source_url_template
                .replace("{file}", file)
                .replace("{line}", &line.to_string())
        })
    }
}

fn read_table(path: &Path) -> Result<toml::Table> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read config file {}", path.display()))?;
    toml::from_str(&text).map_err(|e| {
        anyhow::anyhow!(
            "invalid configuration in {}: {}",
            path.display(),
            e.message().trim_end()
        )
    })
}

/// Environment values are TOML when they parse as a TOML value, else strings.
fn parse_env_value(value: &str) -> toml::Value {
    toml::from_str::<toml::Table>(&format!("v = {value}"))
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(value.to_string()))
}

fn set_path(table: &mut toml::Table, path: &[String], value: toml::Value) {
    match path {
        [] => {}
        [last] => {
            table.insert(last.clone(), value);
        }
        [first, rest @ ..] => {
            let entry = table
                .entry(first.clone())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            if !entry.is_table() {
                *entry = toml::Value::Table(toml::Table::new());
            }
            if let toml::Value::Table(t) = entry {
                set_path(t, rest, value);
            }
        }
    }
}
