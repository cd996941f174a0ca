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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn owners_who_left_are_flagged_at_start_up_and_within_one_member_remove_event() {
    const DANA: u64 = 402_811_948_512_772_097; // AWS owner
    const MAYA: u64 = 402_811_948_512_772_104; // PagerDuty owner
    let db = crate::helpers::sqlite().await;
    let guild = GuildId::new(GUILD).unwrap();
    db.store
        .import(guild, &parse(&example_plans()), false)
        .await
        .unwrap();
    let settings = backline::domain::GuildSettings {
        notice_channel: Some(4_444),
        ..Default::default()
    };
    db.store.set_guild_settings(guild, &settings).await.unwrap();
    let clock = Arc::new(FixedClock("2026-11-25T10:00:00Z".parse().unwrap()));
    let dispatcher = Dispatcher::new(Core::new(Arc::clone(&db.store), clock));

    let discord = FakeDiscord::start().await;
    discord.absent_members.lock().unwrap().push(MAYA);
    let mut client = gateway::client(&Secret::new("fake-token"), dispatcher, Some(&discord.api_url))
        .await
        .unwrap();
    let shards = client.shard_manager.clone();
    let running = tokio::spawn(async move { client.start().await });
    let identify = discord.identify().await;
    assert_ne!(
        identify["d"]["intents"].as_u64().unwrap() & (1 << 1),
        0,
        "asks for the GUILD_MEMBERS intent"
    );

    // READY starts a check of every owner through REST: Maya left while the bot was away.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    while !db.store.departed(guild).await.unwrap().contains(&MAYA) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the start-up check never flagged Maya"
        );
        tokio::task::yield_now().await;
    }
    assert!(
        !db.store.departed(guild).await.unwrap().contains(&DANA),
        "members who are there are not flagged"
    );

    discord.dispatch(
        "GUILD_MEMBER_REMOVE",
        serde_json::json!({"guild_id": GUILD.to_string(), "user": fixtures::user(DANA, "dana")}),
    );
    // Flagging is done when the notice is out (departure, then history, then the notice).
    let posted = |discord: &FakeDiscord| {
        discord.channel_messages.lock().unwrap().iter().any(|(_, body)| {
            body["content"]
                .as_str()
                .unwrap_or_default()
                .contains("**Amazon Web Services** (aws): was the owner")
        })
    };
    while !posted(&discord) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the member-remove event never flagged Dana"
        );
        tokio::task::yield_now().await;
    }
    assert!(db.store.departed(guild).await.unwrap().contains(&DANA));
    let history = db
        .store
        .history(
            guild,
            Some(&backline::domain::VendorSlug::parse("aws").unwrap()),
            5,
        )
        .await
        .unwrap();
    assert_eq!(history[0].action, "owner-left");
    let notices = discord.channel_messages.lock().unwrap().clone();
    assert!(notices.iter().all(|(channel, _)| channel == "4444"));
    assert!(
        notices.iter().all(|(_, body)| body["allowed_mentions"]
            == serde_json::json!({"parse": [], "users": [], "roles": []}))
    );
    for (_, body) in &notices {
        contract::assert_valid_channel_message(body);
    }

    shards.shutdown_all().await;
    let _ = running.await;
}
