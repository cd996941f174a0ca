//! Interaction payloads as Discord sends them, with every field serenity 0.12.5 requires.

use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{Value, json};

/// The guild the endpoint and gateway tests import the example registry into.
pub const GUILD: u64 = 400_000_000_000_000_001;
/// A guild with a registry of its own, to show nothing leaks across.
pub const OTHER_GUILD: u64 = 400_000_000_000_000_002;
pub const APPLICATION: u64 = 200_000_000_000_000_001;
pub const CHANNEL: u64 = 500_000_000_000_000_001;
pub const ALICE: u64 = 300_000_000_000_000_001;

static NEXT_ID: AtomicU64 = AtomicU64::new(100_000_000_000_000_001);

fn next_id() -> String {
    NEXT_ID.fetch_add(1, Ordering::Relaxed).to_string()
}

pub fn user(id: u64, name: &str) -> Value {
    json!({"id": id.to_string(), "username": name, "discriminator": "0", "global_name": null, "avatar": null})
}

pub fn ping() -> Value {
    json!({"type": 1, "id": next_id(), "application_id": APPLICATION.to_string(), "token": "tok-ping", "version": 1})
}

/// The envelope of every non-PING interaction; `guild: None` is a direct message.
pub fn envelope(kind: u8, guild: Option<u64>, data: Value) -> Value {
    let mut payload = json!({
        "type": kind,
        "id": next_id(),
        "application_id": APPLICATION.to_string(),
        "token": format!("tok-{}", next_id()),
        "version": 1,
        "channel_id": CHANNEL.to_string(),
        "locale": "en-US",
        "app_permissions": "2248473465835073",
        "entitlements": [],
        "attachment_size_limit": 10_485_760,
        "data": data,
    });
    match guild {
        Some(guild) => {
            payload["guild_id"] = json!(guild.to_string());
            payload["guild_locale"] = json!("en-US");
            payload["context"] = json!(0);
            payload["authorizing_integration_owners"] = json!({"0": guild.to_string()});
            payload["member"] = json!({
                "user": user(ALICE, "alice"),
                "roles": [],
                "joined_at": "2024-01-01T00:00:00.000000+00:00",
                "deaf": false, "mute": false, "flags": 0,
                "permissions": "0",
            });
        }
        None => {
            payload["user"] = user(ALICE, "alice");
            payload["context"] = json!(1);
            payload["authorizing_integration_owners"] = json!({"0": "0"});
        }
    }
    payload
}

/// `/name option:value …`
pub fn slash(guild: Option<u64>, name: &str, options: &[(&str, &str)]) -> Value {
    let options: Vec<Value> = options
        .iter()
        .map(|(n, v)| json!({"name": n, "type": 3, "value": v}))
        .collect();
    envelope(
        2,
        guild,
        json!({"id": "600000000000000001", "name": name, "type": 1, "options": options}),
    )
}

/// Someone typing `typed` into the `vendor` option of `/name`.
pub fn autocomplete(guild: Option<u64>, name: &str, typed: &str) -> Value {
    envelope(
        4,
        guild,
        json!({"id": "600000000000000001", "name": name, "type": 1,
               "options": [{"name": "vendor", "type": 3, "value": typed, "focused": true}]}),
    )
}

pub fn button(guild: Option<u64>, custom_id: &str) -> Value {
    let mut payload = envelope(3, guild, json!({"custom_id": custom_id, "component_type": 2}));
    payload["message"] = json!({
        "id": "700000000000000001", "channel_id": CHANNEL.to_string(),
        "author": user(APPLICATION, "backline"), "content": "",
        "timestamp": "2024-01-01T00:00:00.000000+00:00", "edited_timestamp": null,
        "tts": false, "mention_everyone": false, "mentions": [], "mention_roles": [],
        "attachments": [], "embeds": [], "pinned": false, "type": 0,
    });
    payload
}

pub fn modal(guild: Option<u64>, custom_id: &str, value: &str) -> Value {
    envelope(
        5,
        guild,
        json!({"custom_id": custom_id,
               "components": [{"type": 1, "components": [{"type": 4, "custom_id": "summary", "value": value}]}]}),
    )
}

#[test]
fn every_fixture_is_an_interaction_serenity_accepts() {
    // A payload serenity cannot read is silently dropped on the gateway: check each here.
    for payload in [
        ping(),
        slash(Some(GUILD), "support", &[("vendor", "aws")]),
        slash(None, "support", &[("vendor", "aws")]),
        autocomplete(Some(GUILD), "support", "aw"),
        button(Some(GUILD), "x"),
        modal(Some(GUILD), "x", "y"),
    ] {
        let kind = payload["type"].clone();
        let parsed: serenity::all::Interaction =
            serde_json::from_value(payload).expect("serenity accepts it");
        assert_eq!(u8::from(parsed.kind()), kind.as_u64().unwrap() as u8);
    }
}

#[test]
fn the_endpoint_reads_every_fixture_as_serenity_does() {
    // The endpoint reads the body straight into the kind its `type` names.
    for payload in [
        ping(),
        slash(Some(GUILD), "support", &[("vendor", "aws")]),
        slash(None, "support", &[("vendor", "aws")]),
        autocomplete(Some(GUILD), "support", "aw"),
        button(Some(GUILD), "x"),
        modal(Some(GUILD), "x", "y"),
    ] {
        let body = serde_json::to_vec(&payload).unwrap();
        let by_serenity: serenity::all::Interaction = serde_json::from_slice(&body).unwrap();
        let by_endpoint = backline::discord::interaction_from_json(&body).expect("the endpoint reads it");
        assert_eq!(
            serde_json::to_value(&by_endpoint).unwrap(),
            serde_json::to_value(&by_serenity).unwrap()
        );
    }
    for refused in [
        &b"{\"type\": 9, \"id\": \"1\"}"[..],
        b"{}",
        b"not json",
        b"{\"type\": 2}",
    ] {
        assert!(backline::discord::interaction_from_json(refused).is_err());
    }
}
