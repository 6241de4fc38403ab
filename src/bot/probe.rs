//! `confnotes doctor`'s look at Discord: is the token accepted, is the
//! gateway reachable, and are the commands registered as `serve` would
//! register them. Only reads: it never registers anything and never opens
//! a gateway session (asking for the gateway's address does not use up a
//! session start). What it finds is plain data, so the command line can
//! show it beside the offline checks without knowing serenity.

use crate::config::Config;
use poise::serenity_prelude as serenity;
use std::collections::BTreeSet;
use std::time::Duration;

/// How long the whole probe may take. A machine that cannot reach Discord
/// usually fails at once; one behind a firewall that drops packets would
/// otherwise wait for the operating system to give up, minutes later.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(10);

/// How one finding went; the command line maps it onto its own statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    Warning,
    Error,
}

/// One thing the probe found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub outcome: Outcome,
    pub message: String,
    /// What to do; empty when all is well.
    pub advice: String,
}

fn finding(outcome: Outcome, message: String, advice: &str) -> Finding {
    Finding {
        outcome,
        message,
        advice: advice.to_string(),
    }
}

/// Ask Discord (or `discord.api_base`) what `doctor` wants to know, within
/// [`PROBE_TIMEOUT`]. Whatever was found before a timeout is kept.
pub async fn probe(config: &Config, token: &str) -> Vec<Finding> {
    let mut out = Vec::new();
    let within = tokio::time::timeout(PROBE_TIMEOUT, run(config, token, &mut out)).await;
    if within.is_err() {
        out.push(finding(
            Outcome::Warning,
            format!(
                "Discord did not answer within {} seconds; the offline checks still hold",
                PROBE_TIMEOUT.as_secs()
            ),
            UNREACHABLE_ADVICE,
        ));
    }
    // serenity's errors name URLs, never the Authorization header; this is
    // a second guard, so a future error text that quotes the request cannot
    // put the token in a log or a terminal.
    for f in &mut out {
        if f.message.contains(token) {
            f.message = f.message.replace(token, "[DISCORD_TOKEN]");
        }
    }
    out
}

const UNREACHABLE_ADVICE: &str = "check the network (or discord.api_base, when a REST proxy is used); `confnotes doctor --offline` skips these checks";

async fn run(config: &Config, token: &str, out: &mut Vec<Finding>) {
    let options = super::Options {
        api_base: super::api_base(config),
        ..super::Options::default()
    };
    let http = match super::http(token, &options) {
        Ok(h) => h,
        Err(e) => {
            out.push(finding(
                Outcome::Error,
                crate::errors::chain(e.as_ref()),
                "check discord.api_base",
            ));
            return;
        }
    };
    tracing::debug!("asking Discord for the gateway");
    match http.get_bot_gateway().await {
        Ok(gateway) => out.push(gateway_finding(&gateway)),
        Err(e) => {
            out.push(failure("GET /gateway/bot", &e));
            return;
        }
    }
    tracing::debug!("asking Discord for the application");
    let app = match http.get_current_application_info().await {
        Ok(app) => app,
        Err(e) => {
            out.push(failure("GET /oauth2/applications/@me", &e));
            return;
        }
    };
    out.push(finding(
        Outcome::Ok,
        format!("application {} ({})", app.name, app.id),
        "",
    ));
    // The command routes name the application; serenity learns its id
    // from READY, which the probe never gets.
    http.set_application_id(app.id);
    let expected = expected_commands();
    if config.discord.guild_ids.is_empty() {
        let where_ = "globally".to_string();
        out.extend(commands_finding(
            &where_,
            &expected,
            http.get_global_commands().await,
        ));
    } else {
        for g in &config.discord.guild_ids {
            let where_ = format!("in guild {g}");
            let registered = http.get_guild_commands(serenity::GuildId::new(*g)).await;
            out.extend(commands_finding(&where_, &expected, registered));
        }
        // serve registers in the guilds only and never removes global
        // commands: left from an earlier global setup, each would show
        // twice in the guilds' command picker.
        if let Ok(global) = http.get_global_commands().await {
            if !global.is_empty() {
                out.push(finding(
                    Outcome::Warning,
                    format!(
                        "{} commands are also registered globally: {} (each shows twice in the configured guilds)",
                        global.len(),
                        labels(global.iter().map(|c| (u8::from(c.kind), c.name.clone())))
                    ),
                    "remove the global commands (serve registers in discord.guild_ids only and leaves global ones alone), or empty discord.guild_ids to register globally",
                ));
            }
        }
    }
}

fn gateway_finding(gateway: &serenity::BotGateway) -> Finding {
    let limit = &gateway.session_start_limit;
    let message = format!(
        "token accepted, gateway reachable: {} shard(s) recommended, {} of {} session starts left",
        gateway.shards, limit.remaining, limit.total
    );
    if limit.remaining == 0 {
        // serve would wait (or fail) at IDENTIFY until the limit resets.
        let hours = limit.reset_after / 3_600_000;
        let minutes = limit.reset_after / 60_000 % 60;
        return finding(
            Outcome::Warning,
            format!("{message}; they come back in {hours} h {minutes} min"),
            "serve cannot connect before then; a crash loop restarting serve uses the starts up (RestartSec)",
        );
    }
    finding(Outcome::Ok, message, "")
}

/// What a failed request means for `doctor`. A refused token is the one
/// error: serve could not work with it. Anything else (no network, a proxy
/// down, Discord having a bad moment) is a warning, because doctor must not
/// fail only because the machine running it is offline right now.
fn failure(what: &str, e: &serenity::Error) -> Finding {
    if let serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(r)) = e {
        let status = r.status_code.as_u16();
        if status == 401 {
            return finding(
                Outcome::Error,
                format!("Discord refused the token ({what}: 401 Unauthorized)"),
                "the token was reset or belongs to no bot: copy a new one from the Discord developer portal (Bot > Reset Token) into DISCORD_TOKEN",
            );
        }
        return finding(
            Outcome::Warning,
            format!(
                "Discord answered {what} with {status}: {}; the offline checks still hold",
                r.error.message
            ),
            "try again later; https://discordstatus.com shows Discord's incidents",
        );
    }
    // serenity wraps the HTTP client's error in a sentence of its own that
    // adds nothing: the client's chain names the URL and the cause.
    let cause = match e {
        serenity::Error::Http(serenity::HttpError::Request(r)) => crate::errors::chain(r),
        other => crate::errors::chain(other),
    };
    finding(
        Outcome::Warning,
        format!("Discord could not be reached ({cause}); the offline checks still hold"),
        UNREACHABLE_ADVICE,
    )
}

/// `(type, name)` of every command serve registers: what poise makes of
/// [`super::commands::all`], slash commands and context menus alike, so
/// the comparison follows the commands as they change.
fn expected_commands() -> BTreeSet<(u8, String)> {
    let commands = super::commands::all();
    poise::builtins::create_application_commands(&commands)
        .iter()
        .filter_map(|c| {
            let v = serde_json::to_value(c).ok()?;
            let name = v.get("name")?.as_str()?.to_string();
            // No type is a slash command (1), as Discord reads it.
            let kind = v.get("type").and_then(|t| t.as_u64()).unwrap_or(1);
            Some((u8::try_from(kind).unwrap_or(1), name))
        })
        .collect()
}

/// A command as a person finds it: `/ask`, or a menu entry by its name.
fn label(kind: u8, name: &str) -> String {
    match kind {
        1 => format!("/{name}"),
        2 => format!("{name} (user menu)"),
        3 => format!("{name} (message menu)"),
        _ => name.to_string(),
    }
}

fn labels(commands: impl Iterator<Item = (u8, String)>) -> String {
    let all: Vec<String> = commands.map(|(k, n)| label(k, &n)).collect();
    all.join(", ")
}

/// The registered commands in one place against the expected ones.
fn commands_finding(
    where_: &str,
    expected: &BTreeSet<(u8, String)>,
    registered: serenity::Result<Vec<serenity::Command>>,
) -> Vec<Finding> {
    let registered = match registered {
        Ok(r) => r,
        Err(e) => {
            let mut f = failure(&format!("the commands {where_}"), &e);
            if let serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(r)) = &e {
                if r.status_code.as_u16() == 403 && f.outcome != Outcome::Error {
                    f.advice = "invite the bot to that guild with the applications.commands scope, or take the guild out of discord.guild_ids".to_string();
                }
            }
            return vec![f];
        }
    };
    let registered: BTreeSet<(u8, String)> = registered
        .iter()
        .map(|c| (u8::from(c.kind), c.name.clone()))
        .collect();
    compare(where_, expected, &registered)
}

fn compare(
    where_: &str,
    expected: &BTreeSet<(u8, String)>,
    registered: &BTreeSet<(u8, String)>,
) -> Vec<Finding> {
    let missing: Vec<(u8, String)> = expected.difference(registered).cloned().collect();
    let stale: Vec<(u8, String)> = registered.difference(expected).cloned().collect();
    let mut out = Vec::new();
    if missing.is_empty() && stale.is_empty() {
        out.push(finding(
            Outcome::Ok,
            format!(
                "{} commands registered {where_}, as serve registers them",
                registered.len()
            ),
            "",
        ));
    }
    if !missing.is_empty() {
        let none = missing.len() == expected.len();
        out.push(finding(
            Outcome::Warning,
            if none {
                format!("no commands registered {where_} yet")
            } else {
                format!(
                    "{} of {} commands not registered {where_}: {}",
                    missing.len(),
                    expected.len(),
                    labels(missing.into_iter())
                )
            },
            "registered at the next start of serve",
        ));
    }
    if !stale.is_empty() {
        out.push(finding(
            Outcome::Warning,
            format!(
                "{} commands registered {where_} that this version does not have: {}",
                stale.len(),
                labels(stale.into_iter())
            ),
            "serve replaces the whole set at its next start, which removes them",
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(names: &[(u8, &str)]) -> BTreeSet<(u8, String)> {
        names.iter().map(|(k, n)| (*k, n.to_string())).collect()
    }

    #[test]
    fn the_expected_commands_are_the_slash_commands_and_the_menu() {
        let expected = expected_commands();
        assert!(expected.contains(&(1, "ask".to_string())), "{expected:?}");
        assert!(
            expected.contains(&(3, "Save to notes".to_string())),
            "{expected:?}"
        );
    }

    fn gateway(remaining: u64) -> serenity::BotGateway {
        serde_json::from_value(
            serde_json::json!({"url": "wss://gateway.discord.gg", "shards": 2,
            "session_start_limit": {"total": 1000, "remaining": remaining,
            "reset_after": 5_400_000, "max_concurrency": 1}}),
        )
        .unwrap()
    }

    #[test]
    fn no_session_start_left_is_a_warning_with_the_time_until_more() {
        let ok = gateway_finding(&gateway(12));
        assert_eq!(ok.outcome, Outcome::Ok);
        assert!(
            ok.message
                .contains("2 shard(s) recommended, 12 of 1000 session starts left"),
            "{ok:?}"
        );
        let none = gateway_finding(&gateway(0));
        assert_eq!(none.outcome, Outcome::Warning);
        assert!(
            none.message.ends_with("they come back in 1 h 30 min"),
            "{none:?}"
        );
    }

    #[test]
    fn registered_commands_are_compared_by_type_and_name() {
        let expected = set(&[(1, "ask"), (1, "search"), (3, "Save to notes")]);
        let same = compare("globally", &expected, &expected.clone());
        assert_eq!(same.len(), 1);
        assert_eq!(same[0].outcome, Outcome::Ok);

        let none = compare("globally", &expected, &BTreeSet::new());
        assert_eq!(none.len(), 1);
        assert_eq!(none[0].outcome, Outcome::Warning);
        assert!(none[0].message.contains("no commands registered globally"));
        assert_eq!(none[0].advice, "registered at the next start of serve");

        // A slash command named like the menu is not the menu.
        let registered = set(&[(1, "ask"), (1, "Save to notes"), (1, "old")]);
        let out = compare("in guild 7", &expected, &registered);
        let text: Vec<&str> = out.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(out.len(), 2, "{text:?}");
        assert!(
            text[0].contains("2 of 3 commands not registered in guild 7")
                && text[0].contains("/search")
                && text[0].contains("Save to notes (message menu)"),
            "{text:?}"
        );
        assert!(
            text[1].contains("2 commands registered in guild 7 that this version does not have")
                && text[1].contains("/old"),
            "{text:?}"
        );
    }
}
