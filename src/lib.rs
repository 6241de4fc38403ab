//! confnotes: answers a team's questions about its conference notes.
//!
//! The pipeline, each stage a module that only depends on the ones before it:
//!
//! - [`notes`]: note files -> chunks (talks, sections, listed talks) + diagnostics
//! - [`schedule`]: conference schedule files (frab/pretalx XML and JSON,
//!   Sessionize, iCalendar) -> events + diagnostics
//! - [`fetch`]: the config's schedules named by URL, fetched to disk (an edge:
//!   the only network I/O outside `bot`)
//! - [`capture`]: notes taken in chat written as note files, safely
//! - [`index`]: chunks -> a tantivy index on disk, refreshed incrementally; search -> hits
//! - [`answer`]: a question -> ranked hits with snippets, summaries and links
//! - [`digest`]: what a daily digest holds for a date, when it is due, and
//!   posting it through a `Poster` with every post recorded in [`store`]
//! - [`store`]: the bot's state behind the `StateStore` traits; SQLite today (Q&A channels,
//!   subscriptions, posts, feedback)
//! - [`render`]: answers and digests -> text for a terminal, and JSON
//! - [`cli`]: the command line
//!
//! [`config`] holds every setting; [`alloc`] tunes the allocator the binary installs. Only `config` reads the environment; no
//! module here does network I/O (the bot's `Poster` does it for [`digest`]).

// What only the crate uses is `pub(crate)`: the library's public surface is
// what the binary, the tests, the benchmarks and the fuzz targets need.
#![warn(unreachable_pub)]

pub mod alloc;
pub mod answer;
pub mod bot;
pub mod capture;
pub mod cli;
pub mod config;
pub mod digest;
pub mod errors;
pub mod fetch;
pub(crate) mod hash;
pub mod index;
pub mod notes;
pub mod render;
pub mod schedule;
pub mod store;
pub(crate) mod time;

#[cfg(test)]
mod tidy;
