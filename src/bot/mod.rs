//! The Discord adapter: slash commands, autocomplete, buttons, the context
//! menu, Q&A channels and digest posts, through poise on serenity. The only
//! module that knows Discord; everything it answers comes from
//! [`crate::answer`] and [`crate::digest`], and its state from [`crate::store`].
//!
//! [`build_client`] is what `confnotes serve` runs and what the end-to-end
//! tests run against a mock Discord: only the [`Options`] differ (API base,
//! clock, how often digests are checked).

mod commands;
mod components;
mod digests;
mod qa;
mod reply;

use crate::answer::{Catalog, Engine};
use crate::config::Config;
use crate::digest::runner::{Clock, SystemClock};
use crate::store::Store;
use anyhow::{Context as _, Result};
use poise::serenity_prelude as serenity;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

pub type Error = Box<dyn std::error::Error + Send + Sync>;
pub type Context<'a> = poise::Context<'a, Data, Error>;

/// What every handler shares.
pub struct Data {
    pub engine: Arc<RwLock<Engine>>,
    pub catalog: RwLock<Catalog>,
    pub config: Config,
    pub store: Arc<Store>,
    pub clock: Arc<dyn Clock>,
    cooldowns: Mutex<HashMap<u64, Instant>>,
    /// Answers given per Q&A channel in the last minute.
    qa_windows: Mutex<HashMap<u64, VecDeque<Instant>>>,
    /// Dropping it (with the client) stops the digest scheduler.
    _stop_digests: tokio::sync::watch::Sender<bool>,
    /// Searches running at once: one per core. More would only queue on
    /// the CPU, each on its own blocking thread with its own allocator arena.
    searches: Arc<tokio::sync::Semaphore>,
}

impl Data {
    fn new(
        engine: Engine,
        config: Config,
        store: Arc<Store>,
        clock: Arc<dyn Clock>,
        stop: tokio::sync::watch::Sender<bool>,
    ) -> Result<Data> {
        let catalog = engine.catalog()?;
        Ok(Data {
            engine: Arc::new(RwLock::new(engine)),
            catalog: RwLock::new(catalog),
            config,
            store,
            clock,
            cooldowns: Mutex::new(HashMap::new()),
            qa_windows: Mutex::new(HashMap::new()),
            _stop_digests: stop,
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
        let engine = Arc::clone(&self.engine);
        let _permit = Arc::clone(&self.searches).acquire_owned().await?;
        let out = tokio::task::spawn_blocking(move || {
            let guard = engine
                .read()
                .map_err(|_| anyhow::anyhow!("search engine lock poisoned"))?;
            f(&guard)
        })
        .await??;
        Ok(out)
    }

    /// Seconds the user still has to wait, if they searched too recently.
    fn cooldown_left(&self, user: u64) -> Option<u64> {
        let secs = self.config.discord.cooldown_seconds;
        if secs == 0 {
            return None;
        }
        let mut map = self.cooldowns.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        if let Some(last) = map.get(&user) {
            let wait = Duration::from_secs(secs).saturating_sub(now.duration_since(*last));
            if !wait.is_zero() {
                return Some(wait.as_secs().max(1));
            }
        }
        map.insert(user, now);
        None
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
}

impl Default for Options {
    fn default() -> Self {
        Options {
            api_base: None,
            clock: Arc::new(SystemClock),
            digest_check: None,
        }
    }
}

/// The intents the bot asks for. Message Content is privileged and only
/// asked for when `qa.message_content` is on; without it, Discord still
/// sends the text of messages that mention the bot.
pub fn intents(config: &Config) -> serenity::GatewayIntents {
    let base = serenity::GatewayIntents::GUILDS
        | serenity::GatewayIntents::GUILD_MESSAGES
        | serenity::GatewayIntents::DIRECT_MESSAGES;
    if config.qa.message_content {
        base | serenity::GatewayIntents::MESSAGE_CONTENT
    } else {
        base
    }
}

/// Build the client `serve` runs.
pub async fn build_client(
    config: &Config,
    token: &str,
    engine: Engine,
    store: Arc<Store>,
    options: &Options,
) -> Result<serenity::Client> {
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let data = Data::new(
        engine,
        config.clone(),
        store,
        Arc::clone(&options.clock),
        stop,
    )?;
    digests::sync(&data);
    let every = options
        .digest_check
        .unwrap_or(Duration::from_secs(config.digest.check_seconds));
    let guilds = config.discord.guild_ids.clone();
    let framework = poise::Framework::builder()
        .options(poise::FrameworkOptions {
            commands: commands::all(),
            on_error: |e| Box::pin(on_error(e)),
            event_handler: |fw, event| Box::pin(components::on_event(fw.serenity_context, event, fw.user_data)),
            allowed_mentions: Some(serenity::CreateAllowedMentions::new()),
            ..Default::default()
        })
        .setup(move |ctx, ready, framework| {
            Box::pin(async move {
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
                    let scheduler = digests::scheduler(&data, Arc::clone(&ctx.http), ready.user.id);
                    tokio::spawn(async move { scheduler.run(every, stopped).await });
                } else {
                    tracing::info!("digest.enabled is off: another process posts the digests");
                }
                Ok(data)
            })
        })
        .build();
    let mut http = serenity::HttpBuilder::new(token);
    if let Some(base) = &options.api_base {
        // serenity only uses the proxy with its own rate limiter off; the
        // mock does not rate limit, Discord itself is never reached this way.
        let client = reqwest::Client::builder()
            .no_proxy()
            .build()
            .context("cannot build HTTP client")?;
        http = http
            .proxy(base.clone())
            .ratelimiter_disabled(true)
            .client(client);
    }
    serenity::ClientBuilder::new_with_http(http.build(), intents(config))
        .framework(framework)
        .await
        .context("cannot build the Discord client")
}

/// `confnotes serve`: run the bot until Ctrl-C or SIGTERM.
pub async fn serve(config: Config, engine: Engine) -> Result<()> {
    let token = crate::config::discord_token()?;
    let store = Arc::new(Store::open(&config.state_path())?);
    let options = Options {
        api_base: (!config.discord.api_base.trim().is_empty()).then(|| {
            config
                .discord
                .api_base
                .trim()
                .trim_end_matches('/')
                .to_string()
        }),
        ..Options::default()
    };
    let mut client = build_client(&config, &token, engine, store, &options).await?;
    let shards = client.shard_manager.clone();
    tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!("shutting down");
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
            client
                .start_shard_range(*first..*last + 1, config.discord.shard_total)
                .await
        }
        _ => client.start_autosharded().await,
    };
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
        tracing::warn!(error = %e, "could not send the error reply");
    }
}
