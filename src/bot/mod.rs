//! The Discord adapter: slash commands, autocomplete, buttons and the
//! context menu, through poise on serenity. The only module that knows
//! Discord; everything it answers comes from [`crate::answer`].
//!
//! [`build_client`] is what `confnotes serve` runs and what the end-to-end
//! tests run against a mock Discord: only the API base differs.

mod commands;
mod components;
mod reply;

use crate::answer::{Catalog, Engine};
use crate::config::Config;
use anyhow::{Context as _, Result};
use poise::serenity_prelude as serenity;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

pub type Error = Box<dyn std::error::Error + Send + Sync>;
pub type Context<'a> = poise::Context<'a, Data, Error>;

/// What every handler shares.
pub struct Data {
    pub engine: Arc<RwLock<Engine>>,
    pub catalog: RwLock<Catalog>,
    pub config: Config,
    cooldowns: Mutex<HashMap<u64, Instant>>,
}

impl Data {
    pub fn new(engine: Engine, config: Config) -> Result<Data> {
        let catalog = engine.catalog()?;
        Ok(Data {
            engine: Arc::new(RwLock::new(engine)),
            catalog: RwLock::new(catalog),
            config,
            cooldowns: Mutex::new(HashMap::new()),
        })
    }

    /// Run search work off the async runtime's threads.
    pub async fn with_engine<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Engine) -> Result<T> + Send + 'static,
    ) -> Result<T, Error> {
        let engine = Arc::clone(&self.engine);
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

/// Where the bot talks to Discord. Production uses Discord itself; tests
/// point `api_base` at a mock on 127.0.0.1.
#[derive(Debug, Clone, Default)]
pub struct Endpoints {
    pub api_base: Option<String>,
}

/// The intents the bot asks for: none of them privileged.
pub fn intents() -> serenity::GatewayIntents {
    serenity::GatewayIntents::GUILDS
        | serenity::GatewayIntents::GUILD_MESSAGES
        | serenity::GatewayIntents::DIRECT_MESSAGES
}

/// Build the client `serve` runs.
pub async fn build_client(
    config: &Config,
    token: &str,
    engine: Engine,
    endpoints: &Endpoints,
) -> Result<serenity::Client> {
    let data = Data::new(engine, config.clone())?;
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
                Ok(data)
            })
        })
        .build();
    let mut http = serenity::HttpBuilder::new(token);
    if let Some(base) = &endpoints.api_base {
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
    serenity::ClientBuilder::new_with_http(http.build(), intents())
        .framework(framework)
        .await
        .context("cannot build the Discord client")
}

/// `confnotes serve`: run the bot until Ctrl-C or SIGTERM.
pub async fn serve(config: Config, engine: Engine) -> Result<()> {
    let token = crate::config::discord_token()?;
    let mut client = build_client(&config, &token, engine, &Endpoints::default()).await?;
    let shards = client.shard_manager.clone();
    tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!("shutting down");
        shards.shutdown_all().await;
    });
    client
        .start_autosharded()
        .await
        .context("Discord connection failed")
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
