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

/// A long-running `serve` gives freed memory back to the system at once
/// instead of after mimalloc's default 10 ms delay: its peak resident memory
/// under 100 concurrent questions fell from 212 MB to 125 MB (see the
/// README's performance table). Short commands keep the default, which
/// indexes faster. 15 is `mi_option_purge_delay` in mimalloc v2's
/// `mi_option_t`, the version libmimalloc-sys 0.1 builds.
fn tune_allocator_for_serving() {
    const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
    // SAFETY: mi_option_set only stores an integer; it is called from main
    // before the runtime starts any other thread.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, 0) }
}

fn main() {
    let cli = Cli::parse();
    if matches!(cli.command, cli::Command::Serve) {
        tune_allocator_for_serving();
    }
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
