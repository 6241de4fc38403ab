//! Typed configuration: defaults in code, then a TOML file, then
//! `CONFNOTES_*` environment variables (`__` separates nested keys, e.g.
//! `CONFNOTES_RANKING__TITLE_BOOST=4`). Unknown keys are errors that name
//! the file and the key. This is the only module that reads the environment.

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The file used when `--config` is not given, if it exists.
pub const DEFAULT_FILE: &str = "config/default.toml";

/// The synonyms file used when none is configured; built-in synonyms stand
/// in when it is absent.
pub const DEFAULT_SYNONYMS: &str = "config/synonyms.toml";

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
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
    pub state: StateConfig,
    pub log: LogConfig,
    pub metrics: MetricsConfig,
    /// Conference schedules outside the notes directory (`[[schedule]]`).
    pub schedule: Vec<ScheduleSource>,
}

/// A conference schedule named in the config: a file, or an HTTPS URL
/// fetched into `<data_dir>/schedules/` and refreshed every
/// `index.schedule_refresh_minutes`, the last good copy kept.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ScheduleSource {
    /// The conference as the notes name it ("KubeCon EU 2023"), when the
    /// schedule names it otherwise or not at all.
    #[serde(default)]
    pub conference: Option<String>,
    /// A schedule file; relative to the directory confnotes runs in.
    #[serde(default)]
    pub path: Option<PathBuf>,
    /// An HTTPS URL (plain HTTP only to this machine, for tests).
    #[serde(default)]
    pub url: Option<String>,
}

/// A schedule of the config as the index reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduleFile {
    /// Its name in the index: `@schedule/<name>`, apart from the notes' paths.
    pub rel: String,
    /// The file, or where the URL's last good copy is kept.
    pub path: PathBuf,
    pub conference: Option<String>,
    /// The URL it is fetched from, if any.
    pub url: Option<String>,
}

/// How notes are read, and written from Discord (`/note new`).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct NotesConfig {
    /// How to find the talks in files the parser reads wrongly; the first
    /// rule whose glob matches a file's path (relative to the notes
    /// directory) applies, and the file's own `confnotes_talks` wins.
    pub rules: Vec<NotesRule>,
    /// The largest note `/note new` writes, in KB (front matter included).
    pub max_note_kb: usize,
    /// Role ids whose members may write notes from Discord; empty: members
    /// with the Manage Messages permission.
    pub writers: Vec<u64>,
    /// Notes one user may write from Discord per hour; 0: no limit.
    pub per_user_per_hour: u32,
    /// Commit each note written, changed or deleted from Discord with
    /// `git`, when the notes directory is in a git work tree.
    pub git_commit: bool,
}

impl Default for NotesConfig {
    fn default() -> Self {
        NotesConfig {
            rules: Vec::new(),
            max_note_kb: 1024,
            writers: Vec::new(),
            per_user_per_hour: 10,
            git_commit: false,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
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
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct QaConfig {
    /// Channels that are always Q&A channels, besides those set with `/qa enable`.
    pub channels: Vec<u64>,
    /// Answer any message that reads as a question, not only mentions. Needs
    /// the privileged Message Content intent turned on in the developer portal.
    pub message_content: bool,
    /// Questions answered per channel per minute; 0: no limit.
    pub per_channel_per_minute: u32,
    /// A Q&A thread's conversation is forgotten this many days after its
    /// last answer (follow-ups there are then new questions); 0: never.
    pub thread_days: u32,
}

impl Default for QaConfig {
    fn default() -> Self {
        QaConfig {
            channels: Vec::new(),
            message_content: false,
            per_channel_per_minute: 6,
            thread_days: 14,
        }
    }
}

/// Daily digests.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct DigestConfig {
    /// Whether this process may post digests. Processes sharing a state
    /// database take turns by a lease: one posts at a time.
    pub enabled: bool,
    /// Default local time of day, "HH:MM" in the file; parsed once, here.
    #[serde(with = "crate::time::hhmm")]
    pub time: chrono::NaiveTime,
    /// Default IANA time zone, by name in the file.
    #[serde(with = "crate::time::zone")]
    pub timezone: chrono_tz::Tz,
    /// Sessions of the day per digest.
    pub sessions: usize,
    /// At most this many entries under "New in the notes".
    pub new_max: usize,
    /// Whether a digest also lists the day's events of a conference under
    /// way, from its schedule ("Today in the schedule").
    pub schedule_today: bool,
    /// How often the bot checks for due digests, in seconds.
    pub check_seconds: u64,
    /// Attempts to send one digest before giving up on it.
    pub max_attempts: u32,
}

impl Default for DigestConfig {
    fn default() -> Self {
        DigestConfig {
            enabled: true,
            time: chrono::NaiveTime::from_hms_opt(9, 0, 0).expect("a time of day"),
            timezone: chrono_tz::UTC,
            sessions: 3,
            new_max: 10,
            schedule_today: false,
            check_seconds: 30,
            max_attempts: 5,
        }
    }
}

/// The Discord bot. The token is never here: it comes from `DISCORD_TOKEN`.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
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

/// How log lines are written (to standard error).
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    /// `text` for people, `json` for log shippers (one object per line).
    /// `CONFNOTES_LOG_FORMAT` overrides it.
    pub format: LogFormat,
}

/// The HTTP listener for Prometheus and health checks.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct MetricsConfig {
    /// `host:port` to serve `/metrics` and `/healthz` on; empty: off.
    pub listen: String,
}

impl MetricsConfig {
    /// The address to listen on, if any.
    pub fn address(&self) -> Option<std::net::SocketAddr> {
        self.listen.trim().parse().ok()
    }
}

#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// One line per event; coloured only on a terminal, never with NO_COLOR.
    #[default]
    Text,
    /// One JSON object per line, with the event's fields and its spans'.
    Json,
}

impl std::str::FromStr for LogFormat {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            other => Err(format!("“{other}” is not a log format: text or json")),
        }
    }
}

/// The settings the environment overrides now, as (dotted key, variable):
/// where each value came from, for `confnotes doctor`. Values are not
/// given.
pub fn env_overrides() -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = std::env::vars()
        .filter_map(|(var, _)| {
            let rest = var.strip_prefix("CONFNOTES_")?;
            let program =
                matches!(rest, "CAPTURE_DIR" | "LOG" | "LOG_FORMAT") || rest.starts_with("TEST_");
            (!program).then(|| {
                let key: Vec<String> = rest.split("__").map(str::to_lowercase).collect();
                (key.join("."), var.clone())
            })
        })
        .collect();
    out.sort();
    out
}

/// Where the bot keeps its state.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct StateConfig {
    /// A PostgreSQL database shared by several processes,
    /// `postgres://user@host:port/db`, with no password in it (that comes
    /// from `PGPASSWORD` or `~/.pgpass`). Empty: the SQLite file
    /// `<data_dir>/state.sqlite3`.
    pub url: String,
}

/// The bot token, from the `DISCORD_TOKEN` environment variable.
pub fn discord_token() -> Result<String> {
    match std::env::var("DISCORD_TOKEN") {
        Ok(t) if !t.trim().is_empty() => token_shape(&t),
        _ => bail!("DISCORD_TOKEN is not set: export the bot token from the Discord developer portal (Bot > Reset Token)"),
    }
}

/// A bot token as Discord issues it: three parts of base64url joined by
/// dots (the bot's id, a time, a signature). Caught here, a token that
/// cannot be one fails before any connection, with a message that never
/// shows it. A pasted "Bot " prefix (serenity adds its own) is taken off.
pub fn token_shape(token: &str) -> Result<String> {
    let t = token.trim();
    let t = t.strip_prefix("Bot ").unwrap_or(t).trim();
    let parts: Vec<&str> = t.split('.').collect();
    let base64url = |p: &str| {
        p.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    };
    let shaped = parts.len() == 3
        && parts.iter().all(|p| !p.is_empty() && base64url(p))
        && parts[0].len() >= 16
        && parts[2].len() >= 20;
    if !shaped {
        bail!(
            "DISCORD_TOKEN does not look like a bot token ({} characters; a bot token is three              parts joined by dots, about 70 characters): copy it again from the Discord developer              portal (Bot > Reset Token), not the application id, public key or client secret",
            t.chars().count()
        );
    }
    Ok(t.to_string())
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
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

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
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

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
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
    /// How often schedules named by URL are fetched again, in minutes.
    pub schedule_refresh_minutes: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            notes_dir: PathBuf::from("notes"),
            index_dir: PathBuf::new(),
            data_dir: PathBuf::new(),
            synonyms_file: PathBuf::from(DEFAULT_SYNONYMS),
            source_url_template: String::new(),
            ranking: Ranking::default(),
            answer: AnswerConfig::default(),
            index: IndexConfig::default(),
            discord: DiscordConfig::default(),
            qa: QaConfig::default(),
            digest: DigestConfig::default(),
            notes: NotesConfig::default(),
            state: StateConfig::default(),
            log: LogConfig::default(),
            metrics: MetricsConfig::default(),
            schedule: Vec::new(),
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
            schedule_refresh_minutes: 60,
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
        // Each setting the environment gives: its dotted key, variable and value.
        let mut from_env: Vec<(String, String, toml::Value)> = Vec::new();
        let defaults = toml::Table::try_from(Config::default()).unwrap_or_default();
        let file_table = table.clone();
        for (key, value) in env {
            let Some(rest) = key.strip_prefix("CONFNOTES_") else {
                continue;
            };
            // Variables the program itself reads, and the tests' own
            // (`CONFNOTES_TEST_*`), not settings.
            if matches!(rest, "CAPTURE_DIR" | "LOG" | "LOG_FORMAT") || rest.starts_with("TEST_") {
                continue;
            }
            let path: Vec<String> = rest.split("__").map(str::to_lowercase).collect();
            let value = env_value(&value, lookup(&defaults, &path));
            set_path(&mut table, &path, value.clone());
            from_env.push((path.join("."), key, value));
        }
        // Where a key's value came from, for errors: the variable, or the file.
        let origin = |key: &str| -> String {
            match from_env.iter().find(|(k, _, _)| k == key) {
                Some((_, var, _)) => format!("{var} in the environment"),
                None => source.clone(),
            }
        };
        let config: Config = match toml::Value::Table(table).try_into() {
            Ok(c) => c,
            Err(e) => {
                let e: toml::de::Error = e;
                let message = e.message().trim_end().to_string();
                // serde's message does not always name the key: the variable
                // without which the configuration reads is the culprit.
                let culprit = (0..from_env.len()).find(|&i| {
                    let mut t = file_table.clone();
                    for (j, (k, _, v)) in from_env.iter().enumerate() {
                        if j != i {
                            let path: Vec<String> = k.split('.').map(str::to_string).collect();
                            set_path(&mut t, &path, v.clone());
                        }
                    }
                    toml::Value::Table(t).try_into::<Config>().is_ok()
                });
                match culprit {
                    Some(i) => {
                        let (k, var, _) = &from_env[i];
                        bail!(
                            "invalid configuration: {k} (from {var} in the environment): {message}"
                        )
                    }
                    None => bail!("invalid configuration in {source}: {message}"),
                }
            }
        };
        if let Err(Invalid { key, message }) = config.validate() {
            bail!(
                "invalid configuration: {key} (from {}): {message}",
                origin(&key)
            );
        }
        Ok(config)
    }

    /// Each `[[schedule]]` has a path or a URL it may fetch.
    fn validate_schedules(&self) -> std::result::Result<(), Invalid> {
        for s in &self.schedule {
            match (&s.path, &s.url) {
                (Some(_), Some(_)) | (None, None) => {
                    return invalid(
                        "schedule",
                        "each [[schedule]] needs a path or a url, not both",
                    );
                }
                (None, Some(u)) if !fetchable(u) => {
                    return invalid(
                        "schedule.url",
                        &format!("“{u}” is not an https:// URL (plain http only to 127.0.0.1 or localhost)"),
                    );
                }
                _ => {}
            }
        }
        if self.index.schedule_refresh_minutes == 0 {
            return invalid("index.schedule_refresh_minutes", "must be at least 1");
        }
        Ok(())
    }

    fn validate(&self) -> std::result::Result<(), Invalid> {
        if self.answer.limit == 0 {
            return invalid("answer.limit", "must be at least 1");
        }
        self.validate_schedules()?;
        if !(0.0..=32.0).contains(&self.ranking.min_match) {
            return invalid(
                "ranking.min_match",
                "must be between 0 and 32 (the most words a question is searched by)",
            );
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
                return invalid(&format!("ranking.{name}"), "must be a number of at least 0");
            }
        }
        if !(50..=600_000).contains(&self.index.watch_debounce_ms) {
            return invalid("index.watch_debounce_ms", "must be between 50 and 600000");
        }
        if !(1..=10).contains(&self.discord.results_per_page) {
            return invalid(
                "discord.results_per_page",
                "must be between 1 and 10 (Discord shows at most 10 embeds)",
            );
        }
        if self.index.writer_memory_mb < 15 {
            return invalid(
                "index.writer_memory_mb",
                "must be at least 15 (tantivy's minimum per thread)",
            );
        }
        match (self.discord.shard_range.as_slice(), self.discord.shard_total) {
            ([], 0) => {}
            ([first, last], total) if first <= last && *last < total => {}
            _ => {
                return invalid(
                    "discord.shard_range",
                    "must be [first, last] with first <= last < discord.shard_total (both set, or neither)",
                )
            }
        }
        if !(1..=8).contains(&self.digest.sessions) {
            return invalid(
                "digest.sessions",
                "must be between 1 and 8 (one Discord message holds 10 embeds)",
            );
        }
        let listen = self.metrics.listen.trim();
        if !listen.is_empty() && self.metrics.address().is_none() {
            return invalid(
                "metrics.listen",
                "must be an IP address and port, e.g. \"127.0.0.1:9108\" (empty: off)",
            );
        }
        if self.digest.check_seconds == 0 {
            return invalid("digest.check_seconds", "must be at least 1");
        }
        for (i, r) in self.notes.rules.iter().enumerate() {
            if r.glob.trim().is_empty() {
                return invalid(&format!("notes.rules[{i}].glob"), "is empty");
            }
            if let Err(e) = crate::notes::outline::TalkLevel::parse(&r.talks) {
                return invalid(
                    &format!("notes.rules[{i}].talks"),
                    e.trim_start_matches("confnotes_talks: "),
                );
            }
        }
        Ok(())
    }

    /// Where state and (by default) the index live.
    /// The config's schedules, each with its name in the index and where
    /// its bytes are read from.
    pub fn schedule_files(&self) -> Vec<ScheduleFile> {
        self.schedule
            .iter()
            .filter_map(|s| {
                let (path, url) = match (&s.path, &s.url) {
                    (Some(p), _) => (p.clone(), None),
                    (None, Some(u)) => (
                        self.data_path().join("schedules").join(cache_name(u)),
                        Some(u.clone()),
                    ),
                    (None, None) => return None,
                };
                let name = path.file_name()?.to_string_lossy().into_owned();
                Some(ScheduleFile {
                    rel: format!("@schedule/{name}"),
                    path,
                    conference: s.conference.clone(),
                    url,
                })
            })
            .collect()
    }

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

    /// Where the state is kept: PostgreSQL when `state.url` is set (its
    /// password from `PGPASSWORD` or the password file, as libpq finds it),
    /// else the SQLite file.
    pub fn state_location(&self) -> crate::store::Location {
        use crate::store::{pg::PgOptions, Location};
        let url = self.state.url.trim();
        if url.is_empty() {
            return Location::Sqlite(self.state_path());
        }
        let var = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
        let passfile = var("PGPASSFILE")
            .map(PathBuf::from)
            .or_else(|| var("HOME").map(|h| PathBuf::from(h).join(".pgpass")));
        Location::Postgres(PgOptions {
            url: url.to_string(),
            password: var("PGPASSWORD").and_then(|v| v.into_string().ok()),
            passfile,
        })
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
    // Read as the configuration first: toml's errors then give the line,
    // the key and the value, where a table read alone knows no types.
    if let Err(e) = toml::from_str::<Config>(&text) {
        bail!(
            "invalid configuration in {}: {}",
            path.display(),
            e.to_string().trim_end()
        );
    }
    Ok(toml::from_str(&text)?)
}

/// A setting that fails validation: its dotted key and what is wrong.
#[derive(Debug)]
struct Invalid {
    key: String,
    message: String,
}

fn invalid(key: &str, message: &str) -> std::result::Result<(), Invalid> {
    Err(Invalid {
        key: key.to_string(),
        message: message.to_string(),
    })
}

/// The default value at a dotted path, if the path is a setting.
fn lookup<'a>(table: &'a toml::Table, path: &[String]) -> Option<&'a toml::Value> {
    let (first, rest) = path.split_first()?;
    let v = table.get(first)?;
    match (rest.is_empty(), v) {
        (true, v) => Some(v),
        (false, toml::Value::Table(t)) => lookup(t, rest),
        _ => None,
    }
}

/// An environment value read as what the setting holds, so that the
/// environment accepts what the file accepts: a text setting takes the
/// text as it is (`09:00` stays `09:00`, not a TOML time), any other is
/// read as a TOML value (`4`, `true`, `[0, 1]`), and a value that is not
/// one is text, for the type check to report.
fn env_value(value: &str, default: Option<&toml::Value>) -> toml::Value {
    match default {
        Some(toml::Value::String(_)) => toml::Value::String(value.to_string()),
        _ => match parse_env_value(value) {
            // No setting is a TOML date or time: those are text.
            toml::Value::Datetime(_) => toml::Value::String(value.to_string()),
            v => v,
        },
    }
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

/// An HTTPS URL, or plain HTTP to this machine (a test's server).
pub fn fetchable(url: &str) -> bool {
    if url.starts_with("https://") {
        return true;
    }
    let Some(rest) = url.strip_prefix("http://") else {
        return false;
    };
    if rest.starts_with("[::1]") {
        return true;
    }
    let host = rest.split(['/', ':']).next().unwrap_or("");
    matches!(host, "127.0.0.1" | "localhost")
}

/// The file a URL's copy is kept in: its host and path as one name.
fn cache_name(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let name: String = rest
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect();
    name.trim_matches('-').chars().take(120).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn load(file: Option<&Path>, pairs: &[(&str, &str)]) -> Result<Config> {
        // Never the repository's config/default.toml: an empty file stands in.
        let empty = tempfile::NamedTempFile::new().unwrap();
        Config::load_with_env(Some(file.unwrap_or(empty.path())), env(pairs))
    }

    /// Each setting's environment variable and its default written as a
    /// person would type it: text as it is, anything else as TOML.
    fn leaves(prefix: &str, table: &toml::Table, out: &mut Vec<(String, String)>) {
        for (k, v) in table {
            let var = format!("{prefix}{}", k.to_uppercase());
            match v {
                toml::Value::Table(t) => leaves(&format!("{var}__"), t, out),
                toml::Value::String(s) => out.push((var, s.clone())),
                other => out.push((var, other.to_string())),
            }
        }
    }

    #[test]
    fn the_environment_accepts_every_setting_as_the_file_writes_it() {
        let defaults = toml::Table::try_from(Config::default()).unwrap();
        let mut vars = Vec::new();
        leaves("CONFNOTES_", &defaults, &mut vars);
        assert!(vars.len() > 40, "only {} settings found", vars.len());
        for (var, value) in &vars {
            let got =
                load(None, &[(var, value)]).unwrap_or_else(|e| panic!("{var}={value}: {e:#}"));
            assert_eq!(got, Config::default(), "{var}={value}");
        }
        // The reported case: a time of day is text, not a TOML time.
        let c = load(None, &[("CONFNOTES_DIGEST__TIME", "17:30")]).unwrap();
        assert_eq!(c.digest.time.format("%H:%M").to_string(), "17:30");
        let c = load(None, &[("CONFNOTES_DIGEST__TIMEZONE", "europe/amsterdam")]).unwrap();
        assert_eq!(c.digest.timezone, chrono_tz::Europe::Amsterdam);
        let c = load(None, &[("CONFNOTES_RANKING__TITLE_BOOST", "4")]).unwrap();
        assert_eq!(c.ranking.title_boost, 4.0);
        let c = load(
            None,
            &[
                ("CONFNOTES_DISCORD__SHARD_RANGE", "[0, 1]"),
                ("CONFNOTES_DISCORD__SHARD_TOTAL", "2"),
            ],
        )
        .unwrap();
        assert_eq!(c.discord.shard_range, [0, 1]);
        let c = load(None, &[("CONFNOTES_METRICS__LISTEN", "127.0.0.1:9108")]).unwrap();
        assert_eq!(c.metrics.address(), Some(([127, 0, 0, 1], 9108).into()));
    }

    #[test]
    fn a_metrics_address_that_is_not_one_is_refused_by_name() {
        for bad in ["localhost:9108", "9108", "127.0.0.1"] {
            let e = format!(
                "{:#}",
                load(None, &[("CONFNOTES_METRICS__LISTEN", bad)]).unwrap_err()
            );
            assert!(e.contains("metrics.listen"), "{bad}: {e}");
        }
        assert_eq!(Config::default().metrics.address(), None, "off by default");
    }

    #[test]
    fn a_token_that_cannot_be_a_bot_token_is_refused_without_showing_it() {
        let good = "MTEwMDAwMDAwMDAwMDAwMDAwMg.GaBcDe.aBcDeFgHiJkLmNoPqRsTuVwXyZ012345";
        assert_eq!(token_shape(good).unwrap(), good);
        assert_eq!(token_shape(&format!(" Bot {good}\n")).unwrap(), good);
        for bad in [
            "not-a-token",
            "1100000000000000001",
            "MTEwMDAwMDAwMDAwMDAwMDAwMg.GaBcDe",
            "MTEwMDAwMDAwMDAwMDAwMDAwMg.GaBcDe.short",
            "MTEwMDAwMDAwMDAwMDAwMDAwMg.Ga+cDe.aBcDeFgHiJkLmNoPqRsTuVwXyZ012345",
        ] {
            let e = token_shape(bad).unwrap_err().to_string();
            assert!(e.contains("does not look like a bot token"), "{e}");
            assert!(!e.contains(bad), "the token is shown: {e}");
        }
    }

    #[test]
    fn an_error_names_where_the_value_came_from() {
        // From the environment: the variable, not the file.
        let e = format!(
            "{:#}",
            load(None, &[("CONFNOTES_DIGEST__TIME", "9am")]).unwrap_err()
        );
        assert!(
            e.contains("digest.time") && e.contains("CONFNOTES_DIGEST__TIME"),
            "{e}"
        );
        let e = format!(
            "{:#}",
            load(
                None,
                &[
                    ("CONFNOTES_ANSWER__LIMIT", "lots"),
                    ("CONFNOTES_ANSWER__SNIPPET_CHARS", "200")
                ]
            )
            .unwrap_err()
        );
        assert!(
            e.contains("answer.limit") && e.contains("CONFNOTES_ANSWER__LIMIT"),
            "{e}"
        );
        assert!(!e.contains("SNIPPET_CHARS"), "{e}");
        let e = format!(
            "{:#}",
            load(None, &[("CONFNOTES_ANSWER__LIMIT", "0")]).unwrap_err()
        );
        assert!(
            e.contains("answer.limit") && e.contains("CONFNOTES_ANSWER__LIMIT"),
            "{e}"
        );
        // From the file: the file and the key.
        let mut f = tempfile::NamedTempFile::new().unwrap();
        std::io::Write::write_all(&mut f, b"[digest]\ntime = \"25:00\"\n").unwrap();
        let e = format!("{:#}", load(Some(f.path()), &[]).unwrap_err());
        let name = f.path().display().to_string();
        assert!(
            e.contains(&name) && e.contains("line 2") && e.contains("not a time of day"),
            "{e}"
        );
        assert!(!e.contains("CONFNOTES_"), "{e}");
        // A wrong type in the file: its line and the value.
        let mut f = tempfile::NamedTempFile::new().unwrap();
        std::io::Write::write_all(&mut f, b"[answer]\nlimit = \"lots\"\n").unwrap();
        let e = format!("{:#}", load(Some(f.path()), &[]).unwrap_err());
        assert!(
            e.contains(&f.path().display().to_string()) && e.contains("line 2"),
            "{e}"
        );
        // An unknown key names itself.
        let e = format!(
            "{:#}",
            load(None, &[("CONFNOTES_DIGEST__TIMEZONEE", "UTC")]).unwrap_err()
        );
        assert!(e.contains("timezonee"), "{e}");
    }
}
