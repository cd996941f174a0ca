//! A guild of 100k vendors behind a `Dispatcher`, and the autocomplete interactions
//! bench/run.sh sends it: shared by the criterion bench and the callgrind example.

use std::sync::Arc;

use backline::{
    commands::{Core, FixedClock},
    discord::Dispatcher,
    domain::{GuildId, plans_file},
    store,
};

use super::registry;

pub const GUILD: u64 = 400_000_000_000_000_001;

/// A dispatcher over a SQLite store holding `count` vendors of the generated registry, with
/// their names, aliases and criticality only (all that autocomplete reads), its index built.
pub fn dispatcher(runtime: &tokio::runtime::Runtime, dir: &std::path::Path, count: usize) -> Dispatcher {
    let url = store::DatabaseUrl::new(format!("sqlite://{}", dir.join("autocomplete.db").display()));
    let mut plans = String::with_capacity(count * 160);
    for i in 0..count {
        let n = registry::names(i);
        // The generator's criticality for vendor `i`.
        let criticality = ["critical", "high", "high", "medium", "medium", "low"][(i * 31 + 17) % 6];
        plans.push_str(&format!(
            "[[vendor]]\nslug = \"{}\"\nname = \"{}\"\naliases = [\"{}\", \"{}\"]\ncriticality = \"{criticality}\"\n\n[vendor.owner]\nname = \"Dana Whitfield\"\n\n",
            n.slug, n.name, n.aliases[0], n.aliases[1]
        ));
    }
    let vendors = plans_file::parse_str("bench.toml", &plans)
        .unwrap_or_else(|errors| panic!("the generated registry does not parse: {:?}", errors.first()));
    let guild = GuildId::new(GUILD).expect("a guild ID");
    let dispatcher = runtime.block_on(async {
        let store = store::connect(&url).await.expect("a SQLite store");
        store.import(guild, &vendors, false).await.expect("the import");
        let clock = Arc::new(FixedClock("2026-11-25T10:00:00Z".parse().expect("an instant")));
        Dispatcher::new(Core::new(store, clock))
    });
    // The first keystroke builds the guild's index; the benchmark measures the ones after.
    // Past the answer deadline (as under valgrind) it is answered with no choices while the
    // index is still being built: ask until the index answers.
    let first = interaction(&typed(4242, 2));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(3600);
    while runtime
        .block_on(dispatcher.dispatch_body(&first))
        .is_none_or(|answer| answer["data"]["choices"].as_array().is_none_or(Vec::is_empty))
    {
        assert!(std::time::Instant::now() < deadline, "the index was never built");
    }
    // The steady state: the quick path answers only once the store's change feed vouches for
    // the index. Until then it declines and, as at the endpoint, the general path answers
    // (and reads the registry version again).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while dispatcher.quick_answer(&first).is_none() {
        assert!(
            std::time::Instant::now() < deadline,
            "the quick path never answered"
        );
        runtime.block_on(dispatcher.dispatch_body(&first));
    }
    dispatcher
}

/// What someone types: the first `letters` letters of vendor `i`'s name (as bench/run.sh).
pub fn typed(i: usize, letters: usize) -> String {
    registry::names(i)
        .name
        .to_lowercase()
        .chars()
        .take(letters)
        .collect()
}

/// `count` keystrokes: the first `letters` letters of as many vendors' names, spread over
/// the registry as bench/run.sh spreads them.
pub fn bodies(count: usize, letters: usize) -> Vec<Vec<u8>> {
    (0..count)
        .map(|n| interaction(&typed((n * 104_729) % 100_000, letters)))
        .collect()
}

/// Autocomplete on `/support`'s vendor option, as Discord sends it (as examples/bench_data).
pub fn interaction(typed: &str) -> Vec<u8> {
    support_interaction(
        4,
        serde_json::json!({"name": "vendor", "type": 3, "value": typed, "focused": true}),
    )
}

/// An interaction of `kind` on `/support` in the bench guild with one option, as Discord
/// sends it (as in tests/it/fixtures.rs).
pub fn support_interaction(kind: u8, option: serde_json::Value) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "type": kind, "id": "100000000000000001", "application_id": "200000000000000001",
        "token": "tok", "version": 1, "channel_id": "500000000000000001", "locale": "en-US",
        "app_permissions": "2248473465835073", "entitlements": [], "attachment_size_limit": 10_485_760,
        "guild_id": GUILD.to_string(), "guild_locale": "en-US", "context": 0,
        "authorizing_integration_owners": {"0": GUILD.to_string()},
        "member": {
            "user": {"id": "300000000000000001", "username": "bench", "discriminator": "0", "global_name": null, "avatar": null},
            "roles": [], "joined_at": "2024-01-01T00:00:00.000000+00:00", "deaf": false, "mute": false, "flags": 0,
            "permissions": "0",
        },
        "data": {"id": "600000000000000001", "name": "support", "type": 1, "options": [option]},
    }))
    .expect("JSON")
}
