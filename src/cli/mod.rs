//! The command line: the same answers as the bot, offline, with no token.

use crate::answer::{Answer, Engine};
use crate::config::Config;
use crate::index::{Filters, Progress};
use crate::notes::Kind;
use crate::render::{self, SessionFull, SessionJson, Style};
use anyhow::Result;
mod doctor;
mod gaps;
mod inspect;
pub mod state;

use clap::{Parser, Subcommand};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "confnotes",
    version,
    about = "Answers questions about a team's conference notes"
)]
pub struct Cli {
    /// Configuration file (default: config/default.toml when present).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Notes directory (overrides the config's notes_dir).
    #[arg(long, global = true, value_name = "DIR")]
    pub notes: Option<PathBuf>,
    /// Index directory (overrides the config's index_dir).
    #[arg(long, global = true, value_name = "DIR")]
    pub index: Option<PathBuf>,
    /// More log output (-v info, -vv debug); CONFNOTES_LOG sets a filter.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build or refresh the index; print counts and diagnostics.
    Index {
        #[arg(long)]
        json: bool,
    },
    /// The best sessions for a question, with the best hit's summary and links.
    Ask {
        #[arg(required = true, value_name = "QUESTION")]
        question: Vec<String>,
        #[arg(long, value_name = "N")]
        limit: Option<usize>,
        #[arg(long)]
        json: bool,
    },
    /// Search with filters.
    Search {
        #[arg(value_name = "QUERY")]
        query: Vec<String>,
        #[arg(long, value_name = "C")]
        conference: Option<String>,
        #[arg(long, value_name = "Y")]
        year: Option<i32>,
        #[arg(long, value_name = "S")]
        speaker: Option<String>,
        #[arg(long, value_name = "K", value_parser = parse_kind)]
        kind: Option<Kind>,
        #[arg(long, value_name = "N")]
        limit: Option<usize>,
        #[arg(long)]
        json: bool,
    },
    /// One session in full, by id or title.
    Session {
        #[arg(required = true, value_name = "ID_OR_TITLE")]
        id: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// The links of the sessions matching a query.
    Links {
        #[arg(required = true, value_name = "QUERY")]
        query: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// Every chunk extracted, in file order.
    Sessions {
        #[arg(long)]
        json: bool,
    },
    /// What the daily digest would post on a date (no Discord needed).
    Digest {
        /// The date (default: today in the config's digest.timezone).
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: Option<chrono::NaiveDate>,
        /// Only sessions about this topic.
        #[arg(long, value_name = "T")]
        topic: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Each conference schedule under the notes: its events, which ones the
    /// team has notes on, and the coverage.
    Schedule {
        /// Only conferences whose "name year" contains this.
        #[arg(long, value_name = "C")]
        conference: Option<String>,
        /// Also the match decisions for the team's sessions, with scores.
        #[arg(long)]
        matches: bool,
        #[arg(long)]
        json: bool,
    },
    /// Questions the notes could not answer, grouped by topic; those the
    /// notes answer now are closed first.
    Gaps {
        /// Only questions asked on or after this day (UTC).
        #[arg(long, value_name = "YYYY-MM-DD")]
        since: Option<chrono::NaiveDate>,
        #[arg(long)]
        json: bool,
    },
    /// Check the setup: the configuration, the notes, the index, the state,
    /// the token, the digests, then (with a usable token) Discord: the token
    /// accepted, the gateway reachable, the commands registered. Exit status
    /// 1 when something would stop the bot; Discord out of reach is only a
    /// warning.
    Doctor {
        #[arg(long)]
        json: bool,
        /// Skip the checks that reach Discord.
        #[arg(long)]
        offline: bool,
    },
    /// What the bot has stored: Q&A channels, subscriptions, last posts, feedback.
    State {
        #[arg(long)]
        json: bool,
    },
    /// How the parser read one note: its outline, what each heading became
    /// and why, and the chunks it gave. Needs no index.
    Inspect {
        #[arg(value_name = "FILE")]
        file: std::path::PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Run the Discord bot (token from DISCORD_TOKEN) until Ctrl-C or SIGTERM.
    Serve,
}

fn parse_kind(s: &str) -> Result<Kind, String> {
    s.parse()
}

/// Draws a progress bar on a terminal for long indexing runs.
struct Bar(indicatif::ProgressBar);

impl Progress for Bar {
    fn start(&self, files: u64, bytes: u64) {
        // Short runs finish before a bar would be read.
        if files >= 50 || bytes >= 2_000_000 {
            self.0.set_length(bytes);
            self.0
                .set_draw_target(indicatif::ProgressDrawTarget::stderr());
        }
    }
    fn advance(&self, bytes: u64) {
        self.0.inc(bytes);
    }
    fn finish(&self) {
        self.0.finish_and_clear();
    }
}

fn progress_bar() -> Bar {
    let bar =
        indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::hidden());
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "indexing {wide_bar} {binary_bytes}/{binary_total_bytes} {eta}",
    ) {
        bar.set_style(style);
    }
    Bar(bar)
}

/// Run a parsed command line; `color` says whether stdout is a terminal
/// that wants colour.
pub fn run(cli: Cli, mut config: Config, color: bool) -> Result<i32> {
    if let Some(n) = cli.notes {
        config.notes_dir = n;
    }
    if let Some(i) = cli.index {
        config.index_dir = i;
    }
    let style = Style { color };
    // Every log line of this run names the command (a span: its fields are
    // in each JSON log line).
    let name = format!("{:?}", cli.command);
    let name = name
        .split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or("")
        .to_lowercase();
    let _span = tracing::info_span!("run", command = %name).entered();
    // `-v` also says why each hit matched.
    let verbose = cli.verbose > 0;
    let bar = if std::io::stderr().is_terminal() {
        progress_bar()
    } else {
        Bar(indicatif::ProgressBar::hidden())
    };
    let source = match &cli.config {
        Some(p) => p.display().to_string(),
        None if std::path::Path::new(crate::config::DEFAULT_FILE).exists() => {
            crate::config::DEFAULT_FILE.to_string()
        }
        None => "built-in defaults".to_string(),
    };
    if let Command::Doctor { json, offline } = cli.command {
        let token = crate::config::discord_token();
        let mut checks = doctor::checks(&config, &source, &token, true);
        checks.extend(doctor::discord_checks(&config, &token, offline)?);
        let mut out = std::io::stdout().lock();
        if json {
            writeln!(out, "{}", serde_json::to_string_pretty(&checks)?)?;
        } else {
            write!(out, "{}", doctor::text(&checks, &style))?;
        }
        return Ok(doctor::status(&checks));
    }
    if matches!(cli.command, Command::Serve) {
        // What would stop the bot, said before anything else starts.
        let token = crate::config::discord_token();
        let checks = doctor::checks(&config, &source, &token, false);
        if doctor::status(&checks) != 0 {
            let failed: Vec<doctor::Check> = checks
                .into_iter()
                .filter(|c| c.status == doctor::Status::Error)
                .collect();
            eprint!("{}", doctor::text(&failed, &style));
            eprintln!("serve did not start; `confnotes doctor` checks everything.");
            return Ok(1);
        }
    }
    if let Command::State { json } = cli.command {
        return state(&config, json, &style);
    }
    if let Command::Inspect { file, json } = &cli.command {
        return inspect::run(&config, file, *json);
    }
    let fetch_problems = before_opening(&mut config, &cli.command)?;
    let (engine, mut report, answer) = open(&config, &cli.command, &bar)?;
    report.diagnostics.extend(
        fetch_problems
            .into_iter()
            .map(|message| crate::notes::Diagnostic {
                file: "[[schedule]]".to_string(),
                severity: crate::notes::Severity::Warning,
                message,
            }),
    );
    let mut out = std::io::stdout().lock();
    if !matches!(cli.command, Command::Index { .. }) {
        warn_of_problems(&report);
    }
    let opened = Opened {
        config,
        engine,
        report,
        answer,
    };
    output(&mut out, cli.command, opened, &style, verbose)
}

/// What a command needs settled before the notes are opened.
/// Checks and fetches before the index is opened; returns what fetching
/// the config's schedules could not do.
fn before_opening(config: &mut Config, command: &Command) -> Result<Vec<String>> {
    if matches!(command, Command::Serve) {
        // Check the token before indexing, so a missing one fails fast.
        crate::config::discord_token()?;
    }
    if matches!(command, Command::Index { .. }) && config.index.read_only {
        // `index` is the one command that writes the index, read-only or not.
        config.index.read_only = false;
    }
    // Schedules named by URL are fetched by the commands that build the
    // index or show the schedules, never by a question: `ask` reads the
    // copies on disk.
    let fetches = matches!(
        command,
        Command::Index { .. } | Command::Schedule { .. } | Command::Serve
    );
    if !fetches || config.schedule.iter().all(|s| s.url.is_none()) {
        return Ok(Vec::new());
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    Ok(runtime
        .block_on(crate::fetch::refresh_schedules(config, false))
        .problems)
}

/// Problems are listed by `confnotes index`; other commands only say
/// that there are some.
fn warn_of_problems(report: &crate::index::Report) {
    if report.files_read > 0 && !report.diagnostics.is_empty() {
        tracing::warn!(
            "{} note file(s) had problems; `confnotes index` lists them",
            report.diagnostics.len()
        );
    }
}

/// The notes opened for a command that reads them.
struct Opened {
    config: Config,
    engine: Engine,
    report: crate::index::Report,
    /// A question command's answer.
    answer: Option<Answer>,
}

/// What `command` prints, or for `serve`, the bot; the exit code.
fn output(
    out: &mut impl Write,
    command: Command,
    opened: Opened,
    style: &Style,
    verbose: bool,
) -> Result<i32> {
    let Opened {
        config,
        engine,
        report,
        answer,
    } = opened;
    match (command, answer) {
        (Command::Index { json }, _) => print_report(out, &report, &config, json, style)?,
        (Command::Ask { json, .. } | Command::Search { json, .. }, Some(a)) => {
            print_answer(out, &a, json, render::answer_text(&a, style, verbose))?;
        }
        (Command::Links { json, .. }, Some(a)) => {
            print_answer(out, &a, json, render::links_text(&a, style))?;
        }
        (Command::Ask { .. } | Command::Search { .. } | Command::Links { .. }, None) => {
            unreachable!("question commands are answered on opening")
        }
        (Command::Session { id, json }, _) => {
            return session(out, &engine, &id.join(" "), json, style);
        }
        (Command::Serve, _) => serve(config, engine, &report)?,
        (Command::Digest { date, topic, json }, _) => {
            let d = digest(&config, &engine, date, topic.as_deref().unwrap_or(""))?;
            print_digest(out, &d, json, style)?;
        }
        (Command::State { .. } | Command::Inspect { .. } | Command::Doctor { .. }, _) => {
            unreachable!("handled before indexing")
        }
        (Command::Sessions { json }, _) => print_sessions(out, &engine, json, style)?,
        (Command::Gaps { since, json }, _) => {
            return gaps::run(out, &config, &engine, since, json, style);
        }
        (
            Command::Schedule {
                conference,
                matches,
                json,
            },
            _,
        ) => {
            let coverage = engine.coverage(conference.as_deref())?;
            if json {
                writeln!(out, "{}", serde_json::to_string_pretty(&coverage)?)?;
            } else {
                write!(out, "{}", render::coverage_text(&coverage, matches, style))?;
            }
        }
    }
    Ok(0)
}

/// `confnotes index`: the counts and every problem found.
fn print_report(
    out: &mut impl Write,
    report: &crate::index::Report,
    config: &Config,
    json: bool,
    style: &Style,
) -> Result<()> {
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(report)?)?;
    } else {
        let notes_dir = config.notes_dir.display().to_string();
        write!(out, "{}", render::report_text(report, &notes_dir, style))?;
    }
    Ok(())
}

/// `confnotes digest`.
fn print_digest(
    out: &mut impl Write,
    d: &crate::digest::Digest,
    json: bool,
    style: &Style,
) -> Result<()> {
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(d)?)?;
    } else {
        write!(out, "{}", render::digest::digest_text(d, style))?;
    }
    Ok(())
}

/// `confnotes sessions`: every chunk, in file order.
fn print_sessions(out: &mut impl Write, engine: &Engine, json: bool, style: &Style) -> Result<()> {
    let chunks = engine.chunks()?;
    if json {
        let list: Vec<SessionJson> = chunks.iter().map(SessionJson::from).collect();
        writeln!(out, "{}", serde_json::to_string_pretty(&list)?)?;
    } else {
        write!(out, "{}", render::sessions_text(&chunks, style))?;
    }
    Ok(())
}

/// The engine, and for a question command its answer, made while the
/// notes are checked for changes.
fn open(
    config: &Config,
    command: &Command,
    bar: &Bar,
) -> Result<(Engine, crate::index::Report, Option<crate::answer::Answer>)> {
    let limit = |l: Option<usize>| l.unwrap_or(config.answer.limit).clamp(1, 100);
    Ok(match question_of(command) {
        Some((question, filters, l)) => {
            let (engine, report, a) =
                Engine::open_answering(config, bar, |e| e.ask(&question, &filters, limit(l), 0))?;
            (engine, report, Some(a))
        }
        None => {
            let (engine, report) = Engine::open(config, bar)?;
            (engine, report, None)
        }
    })
}

/// `confnotes session`: one session in full, by id or title.
fn session(
    out: &mut impl Write,
    engine: &Engine,
    wanted: &str,
    json: bool,
    style: &Style,
) -> Result<i32> {
    let Some(hit) = engine.session(wanted)? else {
        eprintln!("No session matches {wanted:?}. Try `confnotes search {wanted}` or `confnotes sessions`.");
        return Ok(1);
    };
    let body = engine
        .index
        .get(&hit.meta.id)?
        .map(|c| c.body)
        .unwrap_or_default();
    if json {
        let full = SessionFull {
            hit: &hit,
            body: &body,
        };
        writeln!(out, "{}", serde_json::to_string_pretty(&full)?)?;
    } else {
        write!(out, "{}", render::session_text(&hit, &body, style))?;
    }
    Ok(0)
}

/// `confnotes serve`: the bot, until it is stopped.
fn serve(config: Config, engine: Engine, report: &crate::index::Report) -> Result<()> {
    if !report.diagnostics.is_empty() {
        tracing::warn!(
            "{} note file(s) had problems; `confnotes index` lists them",
            report.diagnostics.len()
        );
    }
    tracing::info!(chunks = report.chunks, "index ready, connecting to Discord");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(crate::bot::serve(config, engine, report))
}

/// What a question command asks: the words, the filters and the number
/// of hits it wants (`None`: the config's).
fn question_of(command: &Command) -> Option<(String, Filters, Option<usize>)> {
    match command {
        Command::Ask {
            question, limit, ..
        } => Some((question.join(" "), Filters::default(), *limit)),
        Command::Search {
            query,
            conference,
            year,
            speaker,
            kind,
            limit,
            ..
        } => {
            let filters = Filters {
                conference: conference.clone(),
                year: *year,
                speaker: speaker.clone(),
                kind: *kind,
            };
            Some((query.join(" "), filters, *limit))
        }
        Command::Links { query, .. } => Some((query.join(" "), Filters::default(), None)),
        _ => None,
    }
}

/// The digest for `date` (see [`crate::digest::runner::unsubscribed`]).
fn digest(
    config: &Config,
    engine: &Engine,
    date: Option<chrono::NaiveDate>,
    topic: &str,
) -> Result<crate::digest::Digest> {
    use crate::digest::{runner, schedule, Plan};
    let now = chrono::Utc::now();
    let tz = config.digest.timezone;
    let date = date.unwrap_or_else(|| schedule::local_date(now, tz));
    let store = crate::store::open(&config.state_location())?;
    let plan = Plan {
        date,
        topic,
        per_day: config.digest.sessions,
        cursor: None,
        new_max: config.digest.new_max,
        schedule_today: config.digest.schedule_today,
    };
    runner::unsubscribed(store.as_ref(), engine, &plan, now)
}

/// `confnotes state`: read the state file without touching the notes.
fn state(config: &Config, json: bool, style: &Style) -> Result<i32> {
    let location = config.state_location();
    let path = config.state_path();
    if matches!(location, crate::store::Location::Sqlite(_)) && !path.exists() {
        eprintln!(
            "No state yet: {} does not exist. The bot creates it when it runs (`confnotes serve`).",
            path.display()
        );
        return Ok(1);
    }
    let snapshot = crate::store::open(&location)?.snapshot()?;
    let mut out = std::io::stdout().lock();
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(&snapshot)?)?;
    } else {
        write!(out, "{}", state::state_text(&snapshot, style))?;
    }
    Ok(0)
}

fn print_answer(out: &mut impl Write, a: &Answer, json: bool, text: String) -> Result<()> {
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(a)?)?;
    } else {
        write!(out, "{text}")?;
    }
    Ok(())
}
