//! `confnotes doctor`: what can be checked without Discord, each problem
//! with what to do about it, then what Discord says ([`discord_checks`]).
//! It reads and never writes: no index is built, no state file is created,
//! nothing is registered. `serve` runs the offline checks at start and
//! refuses to start on an error; it does not ask Discord first, since
//! connecting is what it does next anyway.

use crate::bot::probe::Outcome;
use crate::config::Config;
use crate::notes::{self, Severity};
use crate::render::Style;
use crate::store::Location;
use serde::Serialize;
use std::fmt::Write as _;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum Status {
    Ok,
    /// Works, but worth a look.
    Warning,
    /// `serve` would not work.
    Error,
}

/// One check.
#[derive(Debug, Clone, Serialize)]
pub(super) struct Check {
    /// config, notes, index, state, token, digests, discord
    pub(super) area: &'static str,
    pub(super) status: Status,
    pub(super) message: String,
    /// What to do; empty when all is well.
    pub(super) advice: String,
}

fn check(area: &'static str, status: Status, message: String, advice: &str) -> Check {
    Check {
        area,
        status,
        message,
        advice: advice.to_string(),
    }
}

/// Every offline check, in order. `token` is what reading the token gave.
/// `full`: read every note and the index too (`doctor`); without it, only
/// what stops `serve` (its start-up reads the notes and index anyway).
pub(super) fn checks(
    config: &Config,
    source: &str,
    token: &anyhow::Result<String>,
    full: bool,
) -> Vec<Check> {
    let mut out = vec![check(
        "config",
        Status::Ok,
        format!("configuration read from {source}"),
        "",
    )];
    for (key, var) in crate::config::env_overrides() {
        out.push(check(
            "config",
            Status::Ok,
            format!("{key} set by {var}"),
            "",
        ));
    }
    out.extend(metrics_check(config));
    if full {
        out.extend(notes_checks(config));
        out.push(index_check(config));
    } else if !config.notes_dir.is_dir() {
        out.extend(notes_checks(config));
    }
    out.extend(state_checks(config));
    out.push(match token {
        Ok(t) => check(
            "token",
            Status::Ok,
            format!(
                "DISCORD_TOKEN is set and shaped like a bot token ({} characters)",
                t.chars().count()
            ),
            "",
        ),
        Err(e) => check(
            "token",
            Status::Error,
            crate::errors::chain(e.as_ref()),
            "export DISCORD_TOKEN in the bot's environment (a systemd EnvironmentFile, not the config file)",
        ),
    });
    out
}

/// The checks that ask Discord, area `discord`: only with a token shaped
/// right (a missing or misshapen one is already an error above, and
/// sending it would tell nothing more), and not `offline`.
pub(super) fn discord_checks(
    config: &Config,
    token: &anyhow::Result<String>,
    offline: bool,
) -> anyhow::Result<Vec<Check>> {
    if offline {
        return Ok(vec![check(
            "discord",
            Status::Ok,
            "not checked (--offline)".to_string(),
            "",
        )]);
    }
    let Ok(token) = token else {
        return Ok(Vec::new());
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let findings = runtime.block_on(crate::bot::probe::probe(config, token));
    Ok(findings
        .into_iter()
        .map(|f| Check {
            area: "discord",
            status: match f.outcome {
                Outcome::Ok => Status::Ok,
                Outcome::Warning => Status::Warning,
                Outcome::Error => Status::Error,
            },
            message: f.message,
            advice: f.advice,
        })
        .collect())
}

fn notes_checks(config: &Config) -> Vec<Check> {
    let dir = &config.notes_dir;
    if !dir.is_dir() {
        return vec![check(
            "notes",
            Status::Error,
            format!("the notes directory {} does not exist", dir.display()),
            "set notes_dir (or --notes) to the directory holding the notes",
        )];
    }
    let (files, diags) = notes::walk::list_notes(dir);
    let rules = config.notes.talk_rules();
    let mut out = Vec::new();
    let (mut sessions, mut formats) = (0usize, std::collections::BTreeMap::new());
    let mut no_talk = Vec::new();
    for f in &files {
        let Ok(text) = std::fs::read_to_string(&f.path) else {
            continue; // reported by the walk's diagnostics or the index
        };
        let (note, _, _) = notes::parse_with_outline(&f.rel, &text, rules.for_file(&f.rel));
        *formats
            .entry(format!("{:?}", note.format).to_lowercase())
            .or_insert(0usize) += 1;
        let n = note
            .chunks
            .iter()
            .filter(|c| c.meta.kind.is_session())
            .count();
        sessions += n;
        if n == 0 {
            no_talk.push(f.rel.clone());
        }
    }
    let formats: Vec<String> = formats.iter().map(|(k, v)| format!("{v} {k}")).collect();
    out.push(check(
        "notes",
        if files.is_empty() {
            Status::Warning
        } else {
            Status::Ok
        },
        format!(
            "{} files in {} ({}), {sessions} sessions",
            files.len(),
            dir.display(),
            formats.join(", ")
        ),
        if files.is_empty() {
            "put the team's notes there"
        } else {
            ""
        },
    ));
    if !no_talk.is_empty() {
        out.push(check(
            "notes",
            Status::Warning,
            format!("no talk found in {}: {}", no_talk.len(), no_talk.join(", ")),
            "`confnotes inspect FILE` shows how each was read; a [[notes.rules]] entry fixes a layout the parser misreads",
        ));
    }
    for d in diags {
        let status = match d.severity {
            Severity::Warning => Status::Warning,
            Severity::Error => Status::Warning, // skipped, the rest is read
        };
        out.push(check(
            "notes",
            status,
            d.to_string(),
            "fix or remove the file",
        ));
    }
    out
}

fn index_check(config: &Config) -> Check {
    let dir = config.index_path();
    if !dir.exists() {
        return check(
            "index",
            if config.index.read_only {
                Status::Error
            } else {
                Status::Warning
            },
            format!("no index in {} yet", dir.display()),
            "run `confnotes index` (serve builds it at start unless index.read_only is set)",
        );
    }
    match crate::index::NotesIndex::open_read_only(&dir) {
        Ok(ix) => {
            let (files, _) = notes::walk::list_notes(&config.notes_dir);
            if ix.is_current(&files) {
                check(
                    "index",
                    Status::Ok,
                    format!("index in {} is current", dir.display()),
                    "",
                )
            } else {
                check(
                    "index",
                    Status::Warning,
                    format!("index in {} is older than the notes", dir.display()),
                    "run `confnotes index` (serve refreshes it at start and watches the notes)",
                )
            }
        }
        Err(e) => check(
            "index",
            if config.index.read_only {
                Status::Error
            } else {
                Status::Warning
            },
            crate::errors::chain(e.as_ref()),
            "run `confnotes index` to rebuild it",
        ),
    }
}

fn state_checks(config: &Config) -> Vec<Check> {
    let location = config.state_location();
    if let Location::Sqlite(path) = &location {
        if !path.exists() {
            return vec![check(
                "state",
                Status::Ok,
                format!("no state file yet ({}); serve creates it", path.display()),
                "",
            )];
        }
    }
    // A state file is only looked at: migrating it here would break the
    // older serve still running on it, when doctor of a new version is run
    // before the upgrade.
    let opened = match &location {
        Location::Sqlite(path) => match crate::store::SqliteStore::open_read_only(path) {
            Ok(Ok(s)) => Ok(std::sync::Arc::new(s) as std::sync::Arc<dyn crate::store::StateStore>),
            Ok(Err(schema)) => return vec![schema_check(&path.display().to_string(), schema)],
            Err(e) => Err(e),
        },
        Location::Postgres(options) => match crate::store::pg::PgStore::open_read_only(options) {
            Ok(Ok(s)) => Ok(std::sync::Arc::new(s) as std::sync::Arc<dyn crate::store::StateStore>),
            Ok(Err(schema)) => {
                return vec![schema_check(
                    &format!("the state database {}", options.url.trim()),
                    schema,
                )]
            }
            Err(e) => Err(e),
        },
    };
    let store = match opened {
        Ok(s) => s,
        Err(e) => {
            return vec![check(
                "state",
                Status::Error,
                crate::errors::chain(e.as_ref()),
                "check state.url and the database (or the state file's permissions)",
            )]
        }
    };
    let mut out = Vec::new();
    let pending = store.pending_posts().map(|p| p.len()).unwrap_or(0);
    out.push(check(
        "state",
        Status::Ok,
        format!(
            "{} (schema {}), {pending} digest posts pending",
            store.location(),
            store.schema_version().unwrap_or(0)
        ),
        "",
    ));
    let now = chrono::Utc::now();
    for s in store.subscriptions().unwrap_or_default() {
        let next = crate::digest::schedule::next_due(s.time, s.timezone, s.created_at, now);
        out.push(check(
            "digests",
            Status::Ok,
            format!(
                "channel {} at {} {}: next {}",
                s.channel_id,
                s.time.format("%H:%M"),
                s.timezone.name(),
                next.format("%Y-%m-%d %H:%M UTC")
            ),
            "",
        ));
    }
    out
}

/// A state file of another version's schema.
fn schema_check(place: &str, schema: crate::store::Schema) -> Check {
    use crate::store::Schema;
    match schema {
        Schema::Older { version, known } => check(
            "state",
            Status::Ok,
            format!(
                "{place} has schema {version}; serve migrates it to {known} when it starts (its subscriptions are listed after that)"
            ),
            "",
        ),
        Schema::Newer { version, known } => check(
            "state",
            Status::Error,
            format!(
                "{place} was written by a newer confnotes (schema {version}; this one knows {known})"
            ),
            "run the confnotes that wrote it, or restore a backup of the state file",
        ),
    }
}

/// The checks as text: one line each, advice under problems.
pub(super) fn text(checks: &[Check], style: &Style) -> String {
    let mut out = String::new();
    for c in checks {
        let mark = match c.status {
            Status::Ok => "ok  ",
            Status::Warning => "warn",
            Status::Error => "FAIL",
        };
        let _ = writeln!(out, "{mark} {:<8} {}", c.area, c.message);
        if !c.advice.is_empty() && c.status != Status::Ok {
            let _ = writeln!(out, "              → {}", c.advice);
        }
    }
    let errors = checks.iter().filter(|c| c.status == Status::Error).count();
    let warnings = checks
        .iter()
        .filter(|c| c.status == Status::Warning)
        .count();
    let _ = writeln!(
        out,
        "\n{}",
        style.bold(&format!(
            "{}, {}",
            plural(errors, "problem", "problems"),
            plural(warnings, "warning", "warnings")
        ))
    );
    out
}

/// Where `/metrics` and `/healthz` will be, and a warning when that is
/// reachable from outside the machine's networks: they have no
/// authentication.
fn metrics_check(config: &Config) -> Option<Check> {
    let addr = config.metrics.address()?;
    let ip = addr.ip();
    let private = match ip {
        std::net::IpAddr::V4(v4) => v4.is_loopback() || v4.is_private() || v4.is_link_local(),
        std::net::IpAddr::V6(v6) => v6.is_loopback() || (v6.segments()[0] & 0xfe00) == 0xfc00,
    };
    let message = format!("serve answers /metrics and /healthz on http://{addr}");
    Some(if private {
        check("metrics", Status::Ok, message, "")
    } else {
        let what = if ip.is_unspecified() {
            "every network interface"
        } else {
            "a public address"
        };
        check(
            "metrics",
            Status::Warning,
            format!("{message}: {what}, with no authentication"),
            "listen on 127.0.0.1 (Prometheus on the same machine) or a private address, or firewall the port",
        )
    })
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The exit status: 1 when a check failed.
pub(super) fn status(checks: &[Check]) -> i32 {
    i32::from(checks.iter().any(|c| c.status == Status::Error))
}

#[cfg(test)]
mod metrics_tests {
    use super::*;

    fn on(listen: &str) -> Option<Check> {
        let mut config = Config::default();
        config.metrics.listen = listen.to_string();
        metrics_check(&config)
    }

    #[test]
    fn metrics_open_beyond_the_machines_networks_are_a_warning() {
        assert!(on("").is_none(), "off: nothing to say");
        for private in [
            "127.0.0.1:9108",
            "10.1.2.3:9108",
            "192.168.0.5:9108",
            "[::1]:9108",
        ] {
            let c = on(private).unwrap();
            assert_eq!(c.status, Status::Ok, "{private}: {}", c.message);
            assert!(c.message.contains("/healthz"), "{}", c.message);
        }
        for open in ["0.0.0.0:9108", "203.0.113.7:9108", "[::]:9108"] {
            let c = on(open).unwrap();
            assert_eq!(c.status, Status::Warning, "{open}: {}", c.message);
            assert!(c.message.contains("no authentication"), "{}", c.message);
        }
    }
}
