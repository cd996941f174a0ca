//! The gateway path end to end: a real serenity client against the fake Discord.

use std::sync::Arc;

use backline::{
    commands::{Core, FixedClock},
    discord::{Dispatcher, gateway},
    domain::{GuildId, case::Delivery},
    secret::Secret,
};

use crate::{
    contract,
    fake_discord::FakeDiscord,
    fixtures::{self, GUILD},
    helpers::{example_plans, parse},
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_serenity_client_answers_slash_commands_and_autocomplete_through_the_gateway() {
    let db = crate::helpers::sqlite().await;
    db.store
        .import(GuildId::new(GUILD).unwrap(), &parse(&example_plans()), false)
        .await
        .unwrap();
    let clock = Arc::new(FixedClock("2026-11-25T10:00:00Z".parse().unwrap()));
    let dispatcher = Dispatcher::new(Core::new(Arc::clone(&db.store), clock));

    let discord = FakeDiscord::start().await;
    let token = Secret::new("fake-token");
    let mut client = gateway::client(&token, dispatcher, Some(&discord.api_url))
        .await
        .unwrap();
    let shards = client.shard_manager.clone();
    let running = tokio::spawn(async move { client.start().await });

    let identify = discord.identify().await;
    assert_eq!(identify["d"]["token"], "Bot fake-token");

    let command = fixtures::slash(Some(GUILD), "support", &[("vendor", "aws")]);
    discord.dispatch("INTERACTION_CREATE", command.clone());
    let callback = discord.next_callback().await;
    assert_eq!(callback.interaction_id, command["id"].as_str().unwrap());
    assert_eq!(callback.token, command["token"].as_str().unwrap());
    assert_eq!(callback.authorization.as_deref(), Some("Bot fake-token"));
    assert_eq!(callback.body["type"], 4);
    assert_eq!(
        callback.body["data"]["embeds"][0]["title"],
        "Amazon Web Services (aws)"
    );
    assert_eq!(
        callback.body["data"]["allowed_mentions"]["parse"],
        serde_json::json!([])
    );
    contract::assert_valid_callback(&callback.body);

    discord.dispatch(
        "INTERACTION_CREATE",
        fixtures::autocomplete(Some(GUILD), "owner", "pag"),
    );
    let callback = discord.next_callback().await;
    assert_eq!(callback.body["type"], 8);
    assert_eq!(callback.body["data"]["choices"][0]["value"], "pagerduty");
    contract::assert_valid_callback(&callback.body);

    // Discord refuses the next answer: the notifications it carried are recorded as failed.
    discord
        .reject_callbacks
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let open = serde_json::json!({"id": "600000000000000002", "name": "case", "type": 1, "options": [{"name": "open", "type": 1,
        "options": [{"name": "vendor", "type": 3, "value": "aws"}, {"name": "severity", "type": 3, "value": "sev3"}, {"name": "summary", "type": 3, "value": "Slow"}]}]});
    discord.dispatch("INTERACTION_CREATE", fixtures::envelope(2, Some(GUILD), open));
    let callback = discord.next_callback().await;
    contract::assert_valid_callback(&callback.body);
    let guild = GuildId::new(GUILD).unwrap();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    let deliveries = loop {
        // The bot records the outcome right after Discord answers; wait for that write.
        let timeline = db.store.timeline(guild, 1).await.unwrap();
        let deliveries: Vec<_> = timeline.notifications.iter().map(|n| n.delivery).collect();
        if !deliveries.is_empty() && deliveries.iter().all(|d| *d != Delivery::Pending) {
            break deliveries;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "delivery never recorded: {deliveries:?}"
        );
        tokio::task::yield_now().await;
    };
    assert_eq!(
        deliveries,
        [Delivery::Failed; 3],
        "owner, backup, first level: recorded as not delivered"
    );

    shards.shutdown_all().await;
    let _ = running.await;
}
