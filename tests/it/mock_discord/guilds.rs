//! The guilds the mock's bot is in, their channels, and which shard each
//! guild is on. GUILD_ID and GUILD_B_ID land on different shards of two, so
//! a test with two shards sees each guild's events on one shard only.

use super::{user, BOT_ID, CHANNEL_ID, GUILD_ID, USER_ID};
use serde_json::{json, Value};

/// A second guild, on the other shard of two than [`GUILD_ID`]:
/// `(GUILD_ID >> 22) % 2 == 1`, `(GUILD_B_ID >> 22) % 2 == 0`.
pub const GUILD_B_ID: u64 = 1_100_000_000_010_000_003;
/// A text channel in [`GUILD_B_ID`].
pub const CHANNEL_B_ID: u64 = 1_100_000_000_010_000_004;

/// Every guild the bot is in, with its one text channel and name.
const GUILDS: [(u64, u64, &str); 2] = [
    (GUILD_ID, CHANNEL_ID, "confnotes test"),
    (GUILD_B_ID, CHANNEL_B_ID, "confnotes test B"),
];

/// What the bot may do in every channel of the mock's guilds (the same
/// set the mock's interactions carry as `app_permissions`).
pub const BOT_PERMISSIONS: &str = "2248473465835073";

/// The guild ids, in order.
pub fn guild_ids() -> Vec<u64> {
    GUILDS.iter().map(|(g, _, _)| *g).collect()
}

/// The shard a guild's events go to: Discord's `(guild_id >> 22) % total`.
pub fn shard_of(guild: u64, total: u64) -> u64 {
    (guild >> 22) % total.max(1)
}

/// The guild a channel of the mock is in (threads are not tracked: their
/// parent's guild is what a caller knows); [`GUILD_ID`] for any other.
pub fn guild_of_channel(channel: u64) -> u64 {
    GUILDS
        .iter()
        .find(|(_, c, _)| *c == channel)
        .map_or(GUILD_ID, |(g, _, _)| *g)
}

/// The guild a dispatch is about: its `guild_id`, or for the guild's own
/// events (GUILD_CREATE, GUILD_UPDATE, GUILD_DELETE) its `id`.
pub(super) fn guild_of_dispatch(event: &str, d: &Value) -> Option<u64> {
    let id = match event {
        "GUILD_CREATE" | "GUILD_UPDATE" | "GUILD_DELETE" => &d["id"],
        _ => &d["guild_id"],
    };
    id.as_str().and_then(|s| s.parse().ok())
}

/// A guild text channel, as `GET /channels/{id}` and GUILD_CREATE give it.
pub fn text_channel(channel: u64) -> Option<Value> {
    let (guild, _, _) = GUILDS.iter().find(|(_, c, _)| *c == channel)?;
    Some(json!({
        "id": channel.to_string(), "type": 0, "guild_id": guild.to_string(), "name": "questions",
        "position": 0, "permission_overwrites": [], "topic": null, "nsfw": false,
        "last_message_id": null, "parent_id": null, "rate_limit_per_user": 0, "flags": 0
    }))
}

/// A guild as `GET /guilds/{id}` gives it; `None` if the bot is not in it.
pub fn guild(id: u64) -> Option<Value> {
    let (_, _, name) = GUILDS.iter().find(|(g, _, _)| *g == id)?;
    // @everyone has the guild's id; here it grants the bot what it needs.
    let everyone = json!({
        "id": id.to_string(), "name": "@everyone", "color": 0,
        "colors": {"primary_color": 0, "secondary_color": null, "tertiary_color": null},
        "hoist": false, "icon": null, "unicode_emoji": null, "position": 0,
        "permissions": BOT_PERMISSIONS, "managed": false, "mentionable": false, "flags": 0
    });
    Some(json!({
        "id": id.to_string(), "name": name, "icon": null, "icon_hash": null, "splash": null,
        "discovery_splash": null, "owner_id": USER_ID.to_string(), "afk_channel_id": null,
        "afk_timeout": 300, "verification_level": 0, "default_message_notifications": 1,
        "explicit_content_filter": 0, "roles": [everyone], "emojis": [], "features": [],
        "mfa_level": 0, "application_id": null, "system_channel_id": null,
        "system_channel_flags": 0, "rules_channel_id": null, "vanity_url_code": null,
        "description": null, "banner": null, "premium_tier": 0, "preferred_locale": "en-US",
        "public_updates_channel_id": null, "nsfw_level": 0, "stickers": [],
        "premium_progress_bar_enabled": false, "safety_alerts_channel_id": null
    }))
}

/// The GUILD_CREATE Discord sends a shard after READY for each of its
/// guilds: the guild with its channels and the bot as a member.
pub(super) fn guild_create(id: u64) -> Value {
    let mut g = guild(id).expect("a guild of the mock");
    let channels: Vec<Value> = GUILDS
        .iter()
        .filter(|(gid, _, _)| *gid == id)
        .filter_map(|(_, c, _)| text_channel(*c))
        .collect();
    let me = json!({
        "user": user(BOT_ID, "confnotes", true), "nick": null, "roles": [], "deaf": false,
        "mute": false, "flags": 0, "joined_at": "2024-01-01T00:00:00.000000+00:00"
    });
    let extra = json!({
        "joined_at": "2024-01-01T00:00:00.000000+00:00", "large": false, "unavailable": false,
        "member_count": 2, "voice_states": [], "members": [me], "channels": channels,
        "threads": [], "presences": [], "stage_instances": [], "guild_scheduled_events": []
    });
    for (k, v) in extra.as_object().unwrap() {
        g[k] = v.clone();
    }
    g
}
