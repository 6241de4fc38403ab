//! confnotes binary: logging, configuration, and dispatch to the library.

use clap::Parser;
use confnotes::cli::{self, Cli};
use confnotes::config::Config;
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
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
    let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let code =
        match Config::load(cli.config.as_deref()).and_then(|config| cli::run(cli, config, color)) {
            Ok(code) => code,
            Err(e) => {
                eprintln!("error: {e:#}");
                2
            }
        };
    std::process::exit(code);
}
