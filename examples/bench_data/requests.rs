//! Pre-signed interaction requests, one per line, for bench/interactions.lua to replay with wrk.

use std::io::Write;

use ed25519_dalek::{Signer, SigningKey};
use serde_json::{Value, json};

use crate::registry;

/// The benchmark's own key: its public half is handed to `backline serve`. Not a secret.
pub fn signing_key() -> SigningKey {
    SigningKey::from_bytes(&[42u8; 32])
}

pub fn public_key_hex() -> String {
    hex(&signing_key().verifying_key().to_bytes())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

const APPLICATION: u64 = 200_000_000_000_000_001;
const CHANNEL: u64 = 500_000_000_000_000_001;
const USER: u64 = 300_000_000_000_000_001;

/// What one line of a request file asks for.
#[derive(Clone, Copy, Debug)]
pub enum Scenario {
    Ping,
    /// `/support` on the exact slug of a vendor of the registry.
    Support,
    /// Autocomplete on `/support`'s vendor option, the first `n` letters of a vendor's name.
    Autocomplete(usize),
    /// `/case open` with a vendor of the registry; every request has its own interaction ID.
    CaseOpen,
}

impl Scenario {
    pub fn parse(name: &str) -> Result<Self, String> {
        match name {
            "ping" => Ok(Self::Ping),
            // A peer's application command: /support's request, answered whatever it asks.
            "support" | "command" => Ok(Self::Support),
            "autocomplete-2" => Ok(Self::Autocomplete(2)),
            "autocomplete-4" => Ok(Self::Autocomplete(4)),
            "case-open" => Ok(Self::CaseOpen),
            other => Err(format!(
                "unknown scenario `{other}`: ping, support, command, autocomplete-2, autocomplete-4 or case-open"
            )),
        }
    }
}

/// The envelope of an interaction, with every field serenity 0.12.5 requires
/// (the same shape as tests/it/fixtures.rs).
fn envelope(kind: u8, id: u64, guild: u64, data: Value) -> Value {
    json!({
        "type": kind,
        "id": id.to_string(),
        "application_id": APPLICATION.to_string(),
        "token": format!("tok-{id}"),
        "version": 1,
        "channel_id": CHANNEL.to_string(),
        "locale": "en-US",
        "app_permissions": "2248473465835073",
        "entitlements": [],
        "attachment_size_limit": 10_485_760,
        "guild_id": guild.to_string(),
        "guild_locale": "en-US",
        "context": 0,
        "authorizing_integration_owners": {"0": guild.to_string()},
        "member": {
            "user": {"id": USER.to_string(), "username": "bench", "discriminator": "0", "global_name": null, "avatar": null},
            "roles": [],
            "joined_at": "2024-01-01T00:00:00.000000+00:00",
            "deaf": false, "mute": false, "flags": 0,
            "permissions": "0",
        },
        "data": data,
    })
}

fn body(scenario: Scenario, id: u64, guild: u64, vendor: &registry::Names, n: usize) -> Value {
    match scenario {
        Scenario::Ping => {
            json!({"type": 1, "id": id.to_string(), "application_id": APPLICATION.to_string(), "token": "tok-ping", "version": 1})
        }
        Scenario::Support => envelope(
            2,
            id,
            guild,
            json!({"id": "600000000000000001", "name": "support", "type": 1,
                   "options": [{"name": "vendor", "type": 3, "value": vendor.slug}]}),
        ),
        Scenario::Autocomplete(letters) => {
            let typed: String = vendor.name.to_lowercase().chars().take(letters).collect();
            envelope(
                4,
                id,
                guild,
                json!({"id": "600000000000000001", "name": "support", "type": 1,
                       "options": [{"name": "vendor", "type": 3, "value": typed, "focused": true}]}),
            )
        }
        Scenario::CaseOpen => {
            let severity = ["sev1", "sev2", "sev3", "sev4"][n % 4];
            let options = json!([
                {"name": "vendor", "type": 3, "value": vendor.slug},
                {"name": "severity", "type": 3, "value": severity},
                {"name": "summary", "type": 3, "value": format!("Checkout errors in eu-west-1 (load test request {n})")},
            ]);
            envelope(
                2,
                id,
                guild,
                json!({"id": "600000000000000002", "name": "case", "type": 1,
                       "options": [{"name": "open", "type": 1, "options": options}]}),
            )
        }
    }
}

/// Writes `count` requests as `signature<TAB>timestamp<TAB>body` lines, signed now, naming
/// vendors spread over a registry of `size`. Interaction IDs start at `first_id`.
pub fn write(
    out: &mut impl Write,
    scenario: Scenario,
    count: usize,
    size: usize,
    guild: u64,
    first_id: u64,
) -> std::io::Result<()> {
    let key = signing_key();
    let timestamp = chrono::Utc::now().timestamp().to_string();
    for n in 0..count {
        // Spread over the whole registry, not only its first vendors.
        let vendor = registry::names((n * 104_729) % size.max(1));
        let body = serde_json::to_string(&body(scenario, first_id + n as u64, guild, &vendor, n))?;
        let signature = key.sign(&[timestamp.as_bytes(), body.as_bytes()].concat());
        writeln!(out, "{}\t{timestamp}\t{body}", hex(&signature.to_bytes()))?;
    }
    Ok(())
}
