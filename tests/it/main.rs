//! Every integration test, in one binary: each module was a test binary of
//! its own, and linking fifteen binaries that each hold serenity and tantivy
//! was most of CI's time. `cargo test --test it MODULE` runs one module.

mod common;
mod mock_discord;

mod answer_eval;
mod capture;
mod cli;
mod corpus_eval;
mod digest;
mod discord_doctor;
mod discord_e2e;
mod discord_faults;
mod discord_lifecycle;
mod discord_metrics;
mod discord_note_git;
mod discord_note_upload;
mod discord_notes;
mod discord_qa_digest;
mod discord_qa_gaps;
mod discord_qa_threads;
mod discord_schedule;
mod discord_shards;
mod discord_shared_state;
mod eval;
mod golden;
mod hostile_notes;
mod parse_fixtures;
mod proptest_parser;
mod ranking;
mod reliability;
mod schedule_import;
mod schedule_match;
mod schedule_sources;
mod state_stores;
