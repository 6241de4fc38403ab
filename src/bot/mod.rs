//! The Discord adapter: slash commands, autocomplete, buttons, the context
//! menu, Q&A channels, digest posts and notes written from Discord, through
//! poise on serenity. The only module that knows Discord; everything it
//! answers comes from [`crate::answer`] and [`crate::digest`], its state
//! from [`crate::store`], and notes it writes go through [`crate::capture`].
//!
//! [`build_client`] is what `confnotes serve` runs and what the end-to-end
//! tests run against a mock Discord: only the [`Options`] differ (API base,
//! clock, how often digests are checked).

mod commands;
mod cooldown;
mod coverage;
mod custom_id;
mod digests;
mod events;
mod gaps;
pub mod health;
mod lifecycle;
pub mod metrics;
mod note_edits;
mod note_upload;
mod notes;
mod page;
pub mod probe;
mod qa;
mod reactions;
mod reply;
mod results;
mod retry;
mod schedule;
mod threads;

use crate::answer::{Catalog, Engine, LiveEngine};
use crate::config::Config;
use crate::digest::runner::{Clock, SystemClock};
use crate::store::StateStore;
use anyhow::{Context as _, Result};
use chrono::{DateTime, Utc};
use poise::serenity_prelude as serenity;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

pub type Error = Box<dyn std::error::Error + Send + Sync>;
pub type Context<'a> = poise::Context<'a, Data, Error>;

/// What every handler shares.
pub struct Data {
    pub engine: Arc<LiveEngine>,
    pub catalog: Arc<RwLock<Catalog>>,
    pub config: Config,
    pub store: Arc<dyn StateStore>,
    pub clock: Arc<dyn Clock>,
    cooldowns: Mutex<cooldown::Cooldowns>,
    /// Answers given per Q&A channel in the last minute.
    qa_windows: Mutex<HashMap<u64, VecDeque<DateTime<Utc>>>>,
    /// Notes written per user in the last hour (`/note new`).
    note_windows: Mutex<HashMap<u64, VecDeque<DateTime<Utc>>>>,
    /// One follow-up at a time per Q&A thread: each reads the thread's
    /// state and writes it back. A guild's events reach one process only,
    /// so a lock in the process is enough.
    thread_turns: threads::TurnLocks,
    /// Dropping it (with the client) stops the digest scheduler; so does
    /// sending `true` (graceful shutdown).
    stop_digests: Arc<tokio::sync::watch::Sender<bool>>,
    /// The digest scheduler's task, for shutdown to wait on.
    digest_task: Arc<Mutex<Option<tokio::task::JoinHandle<()>>>>,
    /// Re-indexes when notes change, while it lives.
    _watcher: Option<crate::index::watch::NotesWatcher>,
    /// Searches running at once: one per core. More would only queue on
    /// the CPU, each on its own blocking thread with its own allocator arena.
    searches: Arc<tokio::sync::Semaphore>,
}

impl Data {
    fn new(
        engine: Engine,
        config: Config,
        store: Arc<dyn StateStore>,
        clock: Arc<dyn Clock>,
        stop: tokio::sync::watch::Sender<bool>,
    ) -> Result<Data> {
        let catalog = engine.catalog()?;
        let cooldown = Duration::from_secs(config.discord.cooldown_seconds);
        Ok(Data {
            engine: Arc::new(LiveEngine::new(engine)),
            catalog: Arc::new(RwLock::new(catalog)),
            config,
            store,
            clock,
            cooldowns: Mutex::new(cooldown::Cooldowns::new(cooldown)),
            qa_windows: Mutex::new(HashMap::new()),
            note_windows: Mutex::new(HashMap::new()),
            thread_turns: threads::TurnLocks::default(),
            stop_digests: Arc::new(stop),
            digest_task: Arc::new(Mutex::new(None)),
            _watcher: None,
            searches: Arc::new(tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, |n| n.get()),
            )),
        })
    }

    /// Run search work off the async runtime's threads.
    pub async fn with_engine<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Engine) -> Result<T> + Send + 'static,
    ) -> Result<T, Error> {
        let engine = self.engine.snapshot();
        let _permit = Arc::clone(&self.searches).acquire_owned().await?;
        let out = tokio::task::spawn_blocking(move || f(&engine)).await??;
        Ok(out)
    }

    /// Re-read the notes (`/reindex`; the watcher does the same).
    pub async fn reindex(&self) -> Result<crate::index::Report> {
        lifecycle::Reindexer::of(self).run().await
    }

    /// Seconds the user still has to wait, if they searched too recently.
    fn cooldown_left(&self, user: u64) -> Option<u64> {
        self.cooldowns
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .check(user, Instant::now())
    }
}

/// What differs between production and the end-to-end tests.
#[derive(Clone)]
pub struct Options {
    /// Where the REST API is; `None` is Discord itself. Tests point it at a
    /// mock on 127.0.0.1.
    pub api_base: Option<String>,
    /// The time digests are scheduled by.
    pub clock: Arc<dyn Clock>,
    /// How often due digests are checked; `None`: `digest.check_seconds`.
    pub digest_check: Option<Duration>,
    /// Tests only: reach `https://discord.com` at this address, trusting
    /// this root certificate (DER). serenity then runs exactly as in
    /// production, rate limiter included, against a mock. `None` in `serve`.
    pub tls_route: Option<(std::net::SocketAddr, Vec<u8>)>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            api_base: None,
            clock: Arc::new(SystemClock),
            digest_check: None,
            tls_route: None,
        }
    }
}

/// The intents the bot asks for. Message Content is privileged and only
/// asked for when `qa.message_content` is on; without it, Discord still
/// sends the text of messages that mention the bot.
pub fn intents(config: &Config) -> serenity::GatewayIntents {
    let base = serenity::GatewayIntents::GUILDS
        | serenity::GatewayIntents::GUILD_MESSAGES
        | serenity::GatewayIntents::DIRECT_MESSAGES
        // 👍 / 👎 on answers, as votes (not privileged).
        | serenity::GatewayIntents::GUILD_MESSAGE_REACTIONS;
    if config.qa.message_content {
        base | serenity::GatewayIntents::MESSAGE_CONTENT
    } else {
        base
    }
}

/// A client ready to start, what stopping it gracefully needs, and what
/// `/healthz` reads.
pub struct Running {
    pub client: serenity::Client,
    pub shutdown: lifecycle::Shutdown,
    pub health: Arc<health::Health>,
}

/// Build the client `serve` runs.
pub async fn build_client(
    config: &Config,
    token: &str,
    engine: Engine,
    store: Arc<dyn StateStore>,
    options: &Options,
) -> Result<serenity::Client> {
    Ok(build(config, token, engine, store, options).await?.client)
}

/// Build the client, with its graceful shutdown.
pub async fn build(
    config: &Config,
    token: &str,
    engine: Engine,
    store: Arc<dyn StateStore>,
    options: &Options,
) -> Result<Running> {
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut data = Data::new(
        engine,
        config.clone(),
        store,
        Arc::clone(&options.clock),
        stop,
    )?;
    let health = Arc::new(health::Health::default());
    health.index_opened();
    digests::sync(&*data.store, &data.engine, data.clock.as_ref());
    data._watcher = lifecycle::watch_notes(&data)?;
    lifecycle::refresh_schedules(&data);
    let inflight = Arc::new(lifecycle::InFlight::default());
    let shutdown = lifecycle::Shutdown {
        inflight: Arc::clone(&inflight),
        stop_digests: Arc::clone(&data.stop_digests),
        digest_task: Arc::clone(&data.digest_task),
        store: Arc::clone(&data.store),
    };
    let every = options
        .digest_check
        .unwrap_or(Duration::from_secs(config.digest.check_seconds));
    let guilds = config.discord.guild_ids.clone();
    let framework = poise::Framework::builder()
        .options(poise::FrameworkOptions {
            commands: commands::all(),
            on_error: |e| Box::pin(on_error(e)),
            pre_command: |ctx| Box::pin(command_started(ctx)),
            post_command: |ctx| Box::pin(command_done(ctx)),
            event_handler: |fw, event| {
                Box::pin(events::on_event(fw.serenity_context, event, fw.user_data))
            },
            allowed_mentions: Some(serenity::CreateAllowedMentions::new()),
            ..Default::default()
        })
        .setup(move |ctx, ready, framework| {
            Box::pin(on_ready(
                ctx, ready, framework, data, guilds, every, stopped,
            ))
        })
        .build();
    let client = serenity::ClientBuilder::new_with_http(http(token, options)?, intents(config))
        .framework(lifecycle::Tracked {
            inner: framework,
            inflight,
        })
        .event_handler(health::GatewayWatch {
            health: Arc::clone(&health),
        })
        .await
        .context("cannot build the Discord client")?;
    health.gateway(Arc::clone(&client.shard_manager));
    Ok(Running {
        client,
        shutdown,
        health,
    })
}

/// Every command is counted, and timed from here to its reply.
async fn command_started(ctx: Context<'_>) {
    metrics::global().question(&ctx.command().qualified_name);
    ctx.set_invocation_data(CommandStart(Instant::now())).await;
}

/// When the command started, kept in poise's invocation data.
struct CommandStart(Instant);

async fn command_done(ctx: Context<'_>) {
    let started = ctx.invocation_data::<CommandStart>().await.map(|s| s.0);
    if let Some(started) = started {
        metrics::global().replied(&ctx.command().qualified_name, started.elapsed());
    }
}

/// On connecting: register the commands (in the configured guilds, else
/// globally) and start the digest scheduler unless another process posts
/// the digests.
async fn on_ready(
    ctx: &serenity::Context,
    ready: &serenity::Ready,
    framework: &poise::Framework<Data, Error>,
    data: Data,
    guilds: Vec<u64>,
    every: Duration,
    stopped: tokio::sync::watch::Receiver<bool>,
) -> Result<Data, Error> {
    let cmds = &framework.options().commands;
    if guilds.is_empty() {
        poise::builtins::register_globally(ctx, cmds).await?;
    } else {
        for g in &guilds {
            poise::builtins::register_in_guild(ctx, cmds, serenity::GuildId::new(*g)).await?;
        }
    }
    tracing::info!(user = %ready.user.name, guilds = ready.guilds.len(), "connected to Discord, commands registered");
    if data.config.digest.enabled {
        // The lease lasts one check interval (at least a second): when this
        // process dies, another takes over within two.
        let ttl = every.max(Duration::from_secs(1));
        let lease = crate::digest::lease::Lease::new(Arc::clone(&data.store), ttl);
        let scheduler = digests::scheduler(
            &data,
            Arc::clone(&ctx.http),
            ready.user.id,
            Some(Arc::new(lease)),
        );
        let task = tokio::spawn(async move { scheduler.run(every, stopped).await });
        *data.digest_task.lock().unwrap_or_else(|e| e.into_inner()) = Some(task);
    } else {
        tracing::info!("digest.enabled is off: another process posts the digests");
    }
    Ok(data)
}

/// The HTTP client: to Discord, through a proxy that keeps Discord's
/// limits (`options.api_base`), or to a TLS server standing in for
/// discord.com (`options.tls_route`, in tests).
fn http(token: &str, options: &Options) -> Result<serenity::Http> {
    let mut http = serenity::HttpBuilder::new(token);
    if let Some(base) = &options.api_base {
        // serenity only uses the proxy with its own rate limiter off: the
        // proxy (e.g. nirn-proxy) is the one that keeps Discord's limits.
        let client = reqwest::Client::builder()
            .no_proxy()
            .build()
            .context("cannot build HTTP client")?;
        http = http
            .proxy(base.clone())
            .ratelimiter_disabled(true)
            .client(client);
    } else if let Some((addr, root)) = &options.tls_route {
        let root = reqwest::Certificate::from_der(root).context("bad root certificate")?;
        let client = reqwest::Client::builder()
            .no_proxy()
            .resolve("discord.com", *addr)
            .add_root_certificate(root)
            .build()
            .context("cannot build HTTP client")?;
        http = http.client(client);
    }
    Ok(http.build())
}

/// `discord.api_base` as [`Options::api_base`] takes it: `None` when
/// empty (Discord itself), without a trailing slash.
fn api_base(config: &Config) -> Option<String> {
    let base = config.discord.api_base.trim();
    (!base.is_empty()).then(|| base.trim_end_matches('/').to_string())
}

/// How long shutdown waits for replies in flight and the digest scheduler.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// `confnotes serve`: run the bot until Ctrl-C or SIGTERM. `report` is
/// what indexing at start found.
pub async fn serve(config: Config, engine: Engine, report: &crate::index::Report) -> Result<()> {
    let token = crate::config::discord_token()?;
    metrics::global().indexed(
        report.chunks,
        report.sessions,
        engine.index.dir(),
        report.elapsed,
    );
    let store = crate::store::open(&config.state_location())?;
    let options = Options {
        api_base: api_base(&config),
        ..Options::default()
    };
    let Running {
        mut client,
        shutdown,
        health,
    } = build(&config, &token, engine, store, &options).await?;
    if let Some(addr) = config.metrics.address() {
        health::listen(addr, health).await?;
    }
    let shards = client.shard_manager.clone();
    tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!("shutting down: closing the gateway");
        shards.shutdown_all().await;
    });
    let started = match config.discord.shard_range.as_slice() {
        [first, last] => {
            tracing::info!(
                first,
                last,
                total = config.discord.shard_total,
                "starting a shard range"
            );
            // serenity 0.12 reads the range's end as the last shard to start
            // (Client::start_connection boots `end - start + 1` shards), so
            // `first..last`, not `first..last + 1`, starts exactly [first, last].
            client
                .start_shard_range(*first..*last, config.discord.shard_total)
                .await
        }
        _ => client.start_autosharded().await,
    };
    // The gateway is closed (by a signal or an error): finish what is running.
    shutdown.finish(SHUTDOWN_GRACE).await;
    tracing::info!("stopped");
    started.context("Discord connection failed")
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => return std::future::pending().await,
            };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Errors: a short private reply to the user, the detail to the log.
async fn on_error(error: poise::FrameworkError<'_, Data, Error>) {
    use poise::FrameworkError as F;
    let (ctx, text) = match error {
        F::Command { error, ctx, .. } => {
            if let Some(e) = error.downcast_ref::<serenity::Error>() {
                metrics::global().rest_error(e);
            }
            tracing::error!(command = %ctx.command().qualified_name, error = %error, "command failed");
            (
                ctx,
                "Sorry, that did not work. The error was logged; please try again.".to_string(),
            )
        }
        F::MissingUserPermissions {
            ctx,
            missing_permissions,
            ..
        } => {
            let what = missing_permissions.map_or("the required permission".to_string(), |p| {
                format!("the {p} permission")
            });
            (
                ctx,
                format!("You need {what} to use /{}.", ctx.command().name),
            )
        }
        F::ArgumentParse { ctx, error, .. } => (ctx, format!("I could not read that: {error}")),
        F::CommandCheckFailed { ctx, .. }
        | F::NotAnOwner { ctx, .. }
        | F::GuildOnly { ctx, .. } => (ctx, "You cannot use this command here.".to_string()),
        other => {
            tracing::warn!("{other}");
            return;
        }
    };
    let reply = poise::CreateReply::default()
        .content(text)
        .ephemeral(true)
        .allowed_mentions(serenity::CreateAllowedMentions::new());
    if let Err(e) = ctx.send(reply).await {
        metrics::global().rest_error(&e);
        tracing::warn!(error = %e, "could not send the error reply");
    }
}
