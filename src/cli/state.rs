//! `confnotes state`: the bot's stored state for a terminal. Here, not in
//! `render`, because only the command line shows the state store.

use crate::render::Style;
use crate::store::Snapshot;
use std::fmt::Write;

/// What `confnotes state` prints.
pub fn state_text(s: &Snapshot, style: &Style) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} (schema {})", style.bold(&s.path), s.schema_version);
    qa_channels(&mut out, s, style);
    subscriptions(&mut out, s, style);
    last_posts(&mut out, s, style);
    feedback(&mut out, s, style);
    notes_written(&mut out, s, style);
    let _ = writeln!(
        out,
        "\nSessions tracked for “New in the notes”: {}",
        s.known_sessions
    );
    let _ = writeln!(
        out,
        "Questions the notes could not answer: {} ({} open; `confnotes gaps` lists them)",
        s.gaps, s.open_gaps
    );
    digest_poster(&mut out, s);
    out
}

/// Which process posts the digests now (the lease's holder), if any.
fn digest_poster(out: &mut String, s: &Snapshot) {
    let holder = s
        .leases
        .iter()
        .find(|l| l.name == crate::digest::lease::NAME);
    let _ = match holder {
        Some(l) => writeln!(
            out,
            "Digests posted by: {} (lease until {})",
            l.owner,
            l.expires_at.format("%Y-%m-%d %H:%M:%S UTC")
        ),
        None => writeln!(out, "Digests posted by: no process now"),
    };
}

/// The channels where the bot answers questions, and how many it answered.
fn qa_channels(out: &mut String, s: &Snapshot, style: &Style) {
    let _ = writeln!(
        out,
        "\n{} ({})",
        style.bold("Q&A channels"),
        s.qa_channels.len()
    );
    for q in &s.qa_channels {
        let _ = writeln!(
            out,
            "- channel {} (guild {}), since {}",
            q.channel_id,
            opt(q.guild_id),
            q.enabled_at.format("%Y-%m-%d %H:%M UTC")
        );
    }
    let _ = writeln!(out, "Questions answered: {}", s.answered);
}

/// Each digest subscription: where, when and about what.
fn subscriptions(out: &mut String, s: &Snapshot, style: &Style) {
    let _ = writeln!(
        out,
        "\n{} ({})",
        style.bold("Digest subscriptions"),
        s.subscriptions.len()
    );
    for sub in &s.subscriptions {
        let topic = if sub.topic.is_empty() {
            "all sessions".to_string()
        } else {
            format!("topic “{}”", sub.topic)
        };
        let gaps = if sub.gaps { ", with gaps" } else { "" };
        let _ = writeln!(
            out,
            "- #{} channel {} at {} {}, {topic}{gaps}",
            sub.id,
            sub.channel_id,
            sub.time.format("%H:%M"),
            sub.timezone
        );
    }
}

/// Each subscription's last digest post and how it went.
fn last_posts(out: &mut String, s: &Snapshot, style: &Style) {
    let _ = writeln!(
        out,
        "\n{} ({})",
        style.bold("Last digest posts"),
        s.last_posts.len()
    );
    for p in &s.last_posts {
        let msg = p
            .message_id
            .map(|m| format!(", message {m}"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "- #{} {} channel {}: {:?}{msg}, {} attempt(s)",
            p.subscription_id, p.local_date, p.channel_id, p.state, p.attempts
        );
    }
}

/// The feedback on answers, the unhelpful ones counted.
fn feedback(out: &mut String, s: &Snapshot, style: &Style) {
    let unhelpful = s.feedback.iter().filter(|f| !f.helpful).count();
    let _ = writeln!(
        out,
        "\n{} ({} not helpful)",
        style.bold("Feedback"),
        unhelpful
    );
    for f in &s.feedback {
        let verdict = if f.helpful { "helpful" } else { "not helpful" };
        let _ = writeln!(
            out,
            "- {verdict}: “{}” (message {}, user {}, {})",
            f.query.as_deref().unwrap_or("?"),
            f.message_id,
            f.user_id,
            f.at.format("%Y-%m-%d %H:%M UTC")
        );
    }
}

/// The notes written from Discord: file, author, when, and where from.
fn notes_written(out: &mut String, s: &Snapshot, style: &Style) {
    let deleted = s
        .notes_written
        .iter()
        .filter(|n| n.deleted_at.is_some())
        .count();
    let _ = writeln!(
        out,
        "\n{} ({}, {deleted} deleted)",
        style.bold("Notes written from Discord"),
        s.notes_written.len()
    );
    let when = |t: &chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%d %H:%M UTC").to_string();
    for n in &s.notes_written {
        let mut line = format!(
            "- {} by {} (user {}), {}, channel {}",
            n.rel,
            n.author_name,
            n.author_id,
            when(&n.created_at),
            opt(n.channel_id)
        );
        if n.updated_at != n.created_at {
            line.push_str(&format!(", appended {}", when(&n.updated_at)));
        }
        if let Some(d) = &n.deleted_at {
            line.push_str(&format!(", deleted {}", when(d)));
        }
        let _ = writeln!(out, "{line}");
    }
}

fn opt(v: Option<u64>) -> String {
    v.map_or("-".to_string(), |v| v.to_string())
}
