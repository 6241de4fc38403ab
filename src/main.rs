//! confnotes binary: logging, configuration, and dispatch to the library.

use clap::Parser;
use confnotes::cli::{self, Cli};
use confnotes::config::{Config, LogFormat};
use std::io::IsTerminal;
use tracing_subscriber::EnvFilter;

// mimalloc: indexing is a third faster than with glibc's malloc, whose
// cross-thread frees (the parser allocates, tantivy's threads free) dominated.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let cli = Cli::parse();
    confnotes::alloc::set_purge(if matches!(cli.command, cli::Command::Serve) {
        confnotes::alloc::Purge::AtOnce
    } else {
        confnotes::alloc::Purge::AtExit
    });
    let default_level = match cli.verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = std::env::var("CONFNOTES_LOG")
        .ok()
        .and_then(|f| EnvFilter::try_new(f).ok())
        .unwrap_or_else(|| EnvFilter::new(default_level));
    let loaded = Config::load(cli.config.as_deref());
    let format = match std::env::var("CONFNOTES_LOG_FORMAT") {
        Ok(v) => match v.parse::<LogFormat>() {
            Ok(f) => f,
            Err(e) => {
                eprintln!("error: CONFNOTES_LOG_FORMAT: {e}");
                std::process::exit(2);
            }
        },
        Err(_) => loaded.as_ref().map(|c| c.log.format).unwrap_or_default(),
    };
    init_logging(filter, format);
    let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let code = match loaded.and_then(|config| cli::run(cli, config, color)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", confnotes::errors::chain(e.as_ref()));
            2
        }
    };
    std::process::exit(code);
}

/// Log to standard error: text, coloured only on a terminal and never
/// with `NO_COLOR` (a file or the journal gets no escape codes), or one
/// JSON object per line with the spans' fields.
fn init_logging(filter: EnvFilter, format: LogFormat) {
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => {
            let ansi = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            builder.with_target(false).with_ansi(ansi).init();
        }
        LogFormat::Json => builder
            .json()
            .with_current_span(true)
            .with_span_list(true)
            .init(),
    }
}
