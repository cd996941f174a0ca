//! A case that must ping more people than one Discord message allows, end to end through
//! the HTTP dispatcher and the fake Discord: every intended ID mentioned and allowed in
//! exactly one message, every message within Discord's limits and schema, and the records
//! saying exactly what Discord accepted.

use std::{collections::HashMap, sync::Arc, sync::atomic::Ordering, time::Duration};

use backline::{
    commands::{Core, FixedClock},
    discord::{Dispatcher, follow_up_client},
    domain::{
        GuildId,
        case::{Delivery, Recipient},
    },
};
use serde_json::{Value, json};

use crate::{
    contract,
    fake_discord::FakeDiscord,
    fixtures::{self, GUILD},
    helpers::{TestDb, parse},
    on_both_backends,
};

const OWNER: u64 = 410_000_000_000_000_001;
const BACKUP: u64 = 410_000_000_000_000_002;
const ROLES: [u64; 2] = [420_000_000_000_000_001, 420_000_000_000_000_002];
const CONTACTS: u64 = 250;

fn contact(i: u64) -> u64 {
    430_000_000_000_000_000 + i
}

/// A vendor whose name is at the longest the plans format allows, and whose first
/// escalation level has 250 contacts with Discord IDs.
fn plans(name: &str) -> String {
    let mut toml = format!(
        "[[vendor]]\nslug = \"bigco\"\nname = \"{name}\"\ncriticality = \"critical\"\n\n\
         [vendor.owner]\nname = \"Owner {owner}\"\ndiscord_id = \"{OWNER}\"\n\n\
         [vendor.backup]\nname = \"Backup\"\ndiscord_id = \"{BACKUP}\"\n\n\
         [vendor.notify_roles]\nsev1 = [\"{}\", \"{}\"]\n\n\
         [[vendor.escalation]]\nname = \"Everyone on the first line\"\nescalate_after = \"30m\"\n",
        ROLES[0],
        ROLES[1],
        owner = "x".repeat(80),
    );
    for i in 0..CONTACTS {
        toml.push_str(&format!(
            "\n[[vendor.escalation.contacts]]\nname = \"Contact number {i} with a rather long name\"\ndiscord_id = \"{}\"\n",
            contact(i)
        ));
    }
    toml
}

fn token(recipient: Recipient) -> String {
    match recipient {
        Recipient::User(id) => format!("<@{id}>"),
        Recipient::Role(id) => format!("<@&{id}>"),
    }
}

fn ids(value: &Value) -> Vec<u64> {
    value
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str()?.parse().ok()).collect())
        .unwrap_or_default()
}

/// The registry imported, a fake Discord refusing the `refuse`th follow-up (0: none), the
/// dispatcher, and the `/case open` interaction with a summary at its maximum.
async fn setup(db: &TestDb, refuse: usize) -> (FakeDiscord, Dispatcher, Value) {
    let guild = GuildId::new(GUILD).unwrap();
    let name = "N".repeat(99) + "*";
    db.store
        .import(guild, &parse(&plans(&name)), false)
        .await
        .unwrap();
    let clock = Arc::new(FixedClock("2026-11-25T10:00:00Z".parse().unwrap()));
    let discord = FakeDiscord::start().await;
    discord.refuse_follow_up.nth.store(refuse, Ordering::SeqCst);
    // Never deferred: the answer is the response, the rest follow through the webhook.
    let dispatcher = Dispatcher::new(Core::new(Arc::clone(&db.store), clock)).with_deadline(
        Duration::from_secs(600),
        follow_up_client(Some(&discord.api_url), None),
    );
    let summary = "S*_<@everyone> ".repeat(14).chars().take(200).collect::<String>();
    let open = json!({"id": "600000000000000003", "name": "case", "type": 1, "options": [{"name": "open", "type": 1,
        "options": [{"name": "vendor", "type": 3, "value": "bigco"}, {"name": "severity", "type": 3, "value": "sev1"},
                    {"name": "summary", "type": 3, "value": summary}]}]});
    (discord, dispatcher, fixtures::envelope(2, Some(GUILD), open))
}

/// Opens the case over the HTTP dispatcher and checks messages against records.
async fn open_big_case(db: TestDb, refuse: usize) {
    let (discord, dispatcher, interaction) = setup(&db, refuse).await;
    let body = dispatcher
        .dispatch_body(&serde_json::to_vec(&interaction).unwrap())
        .await
        .expect("an answer");
    check(&db, &discord, body, refuse).await;
}

/// Every intended ID in exactly one message's content and `allowed_mentions`, each message
/// within Discord's limits and schema, rows matching what the fake Discord accepted.
async fn check(db: &TestDb, discord: &FakeDiscord, body: Value, refuse: usize) {
    let guild = GuildId::new(GUILD).unwrap();
    contract::assert_valid_callback(&body);

    // Wait until every notification has its outcome recorded.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let timeline = loop {
        let timeline = db.store.timeline(guild, 1).await.unwrap();
        if timeline
            .notifications
            .iter()
            .all(|n| n.delivery != Delivery::Pending)
        {
            break timeline;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "deliveries never recorded"
        );
        tokio::task::yield_now().await;
    };
    let ephemeral = |b: &Value| b["flags"].as_u64().is_some_and(|f| f & 64 != 0);
    let mut calls = discord.webhooks_so_far().await;
    // The notice to the opener goes out after the last record: wait for it when one is due.
    while refuse > 0 && !calls.iter().any(|c| ephemeral(&c.body)) {
        calls.push(discord.next_webhook().await);
    }
    // (message body, accepted by Discord)
    let mut messages = vec![(body["data"].clone(), true)];
    messages.extend(
        calls
            .iter()
            .filter(|c| c.method == "POST" && !ephemeral(&c.body))
            .map(|c| {
                let mut body = c.body.clone();
                let refused = body.as_object_mut().unwrap().remove("refused_by_fake").is_some();
                (body, !refused)
            }),
    );
    assert!(
        messages.len() >= 3,
        "252 users and 2 roles take at least three messages"
    );
    assert!(
        messages[0].0["embeds"][0]["title"]
            .as_str()
            .unwrap()
            .contains("NNN"),
        "the card comes first"
    );

    let mut owner_of: HashMap<String, usize> = HashMap::new();
    for (i, (message, _)) in messages.iter().enumerate() {
        let content = message["content"].as_str().unwrap_or_default();
        assert!(content.chars().count() <= 2000, "message {i} content too long");
        let allowed = &message["allowed_mentions"];
        assert_eq!(allowed["parse"], json!([]), "message {i} never pings @everyone");
        let (users, roles) = (ids(&allowed["users"]), ids(&allowed["roles"]));
        assert!(
            users.len() <= 100 && roles.len() <= 100,
            "message {i}: {} users, {} roles",
            users.len(),
            roles.len()
        );
        if i > 0 {
            contract::assert_valid_follow_up(message);
        }
        let allowed: Vec<String> = users
            .iter()
            .map(|&u| token(Recipient::User(u)))
            .chain(roles.iter().map(|&r| token(Recipient::Role(r))))
            .collect();
        for t in &allowed {
            assert_eq!(
                content.matches(t.as_str()).count(),
                1,
                "message {i} mentions {t} once"
            );
            assert!(
                owner_of.insert(t.clone(), i).is_none(),
                "{t} allowed in two messages"
            );
        }
    }
    let intended: Vec<Recipient> = [OWNER, BACKUP]
        .into_iter()
        .chain((0..CONTACTS).map(contact))
        .map(Recipient::User)
        .chain(ROLES.map(Recipient::Role))
        .collect();
    assert_eq!(
        owner_of.len(),
        intended.len(),
        "exactly the intended IDs are allowed"
    );
    let refused: Vec<usize> = (0..messages.len()).filter(|&i| !messages[i].1).collect();
    assert_eq!(refused.len(), usize::from(refuse > 0));
    let rows: HashMap<Recipient, _> = timeline.notifications.iter().map(|n| (n.recipient, n)).collect();
    assert_eq!(rows.len(), intended.len(), "one row per intended ID");
    for recipient in &intended {
        let t = token(*recipient);
        let message = owner_of[&t];
        let written = messages
            .iter()
            .filter(|(m, _)| m["content"].as_str().unwrap_or_default().contains(t.as_str()));
        assert_eq!(written.count(), 1, "{t} written in exactly one message");
        let row = rows[recipient];
        if messages[message].1 {
            assert_eq!(
                (row.delivery, row.reason.as_deref()),
                (Delivery::Sent, None),
                "{t}"
            );
        } else {
            assert_eq!(row.delivery, Delivery::Failed, "{t}");
            assert_eq!(
                row.reason.as_deref(),
                Some("Discord answered 403 (Missing Permissions)"),
                "{t}"
            );
        }
    }
    // The person who opened the case is told who was not notified, and nobody is pinged by it.
    let notices: Vec<&Value> = calls
        .iter()
        .filter(|c| c.method == "POST" && ephemeral(&c.body))
        .map(|c| &c.body)
        .collect();
    if refuse > 0 {
        assert_eq!(notices.len(), 1);
        let notice = notices[0];
        assert!(
            notice["content"]
                .as_str()
                .unwrap()
                .contains("Missing Permissions"),
            "{notice}"
        );
        let allowed = &notice["allowed_mentions"];
        assert_eq!(allowed["parse"], json!([]));
        assert!(
            ids(&allowed["users"]).is_empty() && ids(&allowed["roles"]).is_empty(),
            "{notice}"
        );
        contract::assert_valid_follow_up(notice);
    } else {
        assert!(notices.is_empty());
    }
}

on_both_backends! {
    async fn a_case_notifying_254_ids_is_split_and_every_id_recorded_sent(db) {
        open_big_case(db, 0).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_the_gateway_the_same_case_is_split_the_same_way_and_recorded() {
    let db = crate::helpers::sqlite().await;
    let (discord, dispatcher, interaction) = setup(&db, 2).await;
    let token = backline::secret::Secret::new("fake-token");
    let mut client = backline::discord::gateway::client(&token, dispatcher, Some(&discord.api_url))
        .await
        .unwrap();
    let shards = client.shard_manager.clone();
    let running = tokio::spawn(async move { client.start().await });
    discord.identify().await;
    discord.dispatch("INTERACTION_CREATE", interaction);
    let callback = discord.next_callback().await;
    check(&db, &discord, callback.body, 2).await;
    shards.shutdown_all().await;
    let _ = running.await;
}

on_both_backends! {
    async fn a_refused_follow_up_marks_exactly_its_people_failed_with_the_reason(db) {
        open_big_case(db, 1).await;
    }
}

/// The bot's own messages (reminders, digests, notices) through the real Discord poster: a
/// reply pinging 150 people goes out as several channel messages, and when Discord refuses
/// the second, exactly its people are reported not notified, with Discord's reason.
#[tokio::test]
async fn a_posted_reply_reports_each_message_on_its_own_when_discord_refuses_the_second() {
    use backline::{
        commands::{Mentions, Reply, Text, reminders::Poster},
        discord::poster::DiscordPoster,
    };
    let discord = FakeDiscord::start().await;
    discord.refuse_channel_message.nth.store(2, Ordering::SeqCst);
    let users: Vec<u64> = (0..150).map(contact).collect();
    let text = users
        .iter()
        .fold(Text::from("📋 Vendor support digest"), |t, &u| {
            t.plain(" ").user(u, None)
        });
    let reply = Reply {
        content: Some(text),
        title: Some("Vendor support digest".into()),
        mentions: Mentions {
            users: users.clone(),
            roles: Vec::new(),
        },
        ..Reply::default()
    };
    let poster = DiscordPoster {
        http: Arc::new(follow_up_client(Some(&discord.api_url), None)),
    };
    let posted = poster.post(900, &reply).await;
    assert!(posted.messages.len() >= 2, "{posted:?}");
    assert!(posted.card_taken());
    let mut everyone = Vec::new();
    for (i, message) in posted.messages.iter().enumerate() {
        let expected = if i == 1 {
            Err("Discord answered 403 (Missing Permissions)".to_owned())
        } else {
            Ok(())
        };
        assert_eq!(message.outcome, expected, "message {}", i + 1);
        everyone.extend(message.mentions.users.iter().copied());
    }
    assert_eq!(everyone, users, "each person in exactly one message");
    // What Discord took is what the poster says was taken.
    let taken: Vec<u64> = discord
        .channel_messages
        .lock()
        .unwrap()
        .iter()
        .flat_map(|(_, body)| ids(&body["allowed_mentions"]["users"]))
        .collect();
    let reported: Vec<u64> = posted
        .messages
        .iter()
        .filter(|m| m.outcome.is_ok())
        .flat_map(|m| m.mentions.users.iter().copied())
        .collect();
    assert_eq!(taken, reported);
    for (_, body) in discord.channel_messages.lock().unwrap().iter() {
        contract::assert_valid_channel_message(body);
    }
}

/// Characters Discord counts against an embed's 6000 total.
fn embed_chars(embed: &Value) -> usize {
    let len = |v: &Value| v.as_str().map_or(0, |s| s.chars().count());
    let fields: usize = embed["fields"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| len(&f["name"]) + len(&f["value"]))
        .sum();
    len(&embed["title"]) + len(&embed["description"]) + len(&embed["footer"]["text"]) + fields
}

on_both_backends! {
    async fn case_show_lists_all_254_notified_failed_first_across_messages_pinging_nobody(db) {
        // The case is opened with the first follow-up refused: some of its people failed.
        let (discord, dispatcher, interaction) = setup(&db, 1).await;
        let body = dispatcher.dispatch_body(&serde_json::to_vec(&interaction).unwrap()).await.expect("an answer");
        check(&db, &discord, body, 1).await;
        let rows = db.store.timeline(GuildId::new(GUILD).unwrap(), 1).await.unwrap().notifications;
        assert_eq!(rows.len(), 254);
        assert!(rows.iter().any(|n| n.delivery == Delivery::Failed));

        let show = json!({"id": "600000000000000003", "name": "case", "type": 1,
            "options": [{"name": "show", "type": 1, "options": [{"name": "case", "type": 3, "value": "1"}]}]});
        let show = fixtures::envelope(2, Some(GUILD), show);
        let body = dispatcher.dispatch_body(&serde_json::to_vec(&show).unwrap()).await.expect("an answer");
        contract::assert_valid_callback(&body);
        let card = &body["data"];
        assert_eq!(card["flags"].as_u64().unwrap_or(0) & 64, 64, "only the asker sees it");
        assert!(embed_chars(&card["embeds"][0]) <= 6000);
        let mut messages = vec![card.clone()];
        // Follow-ups until every recipient has appeared (next_webhook fails after its deadline).
        let seen = |messages: &[Value], t: &str| {
            messages.iter().any(|m| m["content"].as_str().unwrap_or_default().contains(t))
        };
        while !rows.iter().all(|n| seen(&messages, &token(n.recipient))) {
            let call = discord.next_webhook().await; // checked against the follow-up schema
            assert_eq!(call.method, "POST");
            messages.push(call.body);
        }
        assert!(messages.len() > 2, "254 lines take several messages");
        let mut lines: Vec<String> = Vec::new();
        for (i, message) in messages.iter().enumerate() {
            let content = message["content"].as_str().unwrap_or_default();
            assert!(content.chars().count() <= 2000, "message {i}");
            let allowed = &message["allowed_mentions"];
            assert_eq!(allowed["parse"], json!([]), "message {i} pings nobody");
            assert!(ids(&allowed["users"]).is_empty() && ids(&allowed["roles"]).is_empty(), "message {i} pings nobody");
            if i > 0 {
                assert_eq!(message["flags"].as_u64().unwrap_or(0) & 64, 64, "follow-up {i} is ephemeral too");
            }
            lines.extend(content.lines().map(str::to_owned));
        }
        let mut first_sent = usize::MAX;
        let mut last_failed = 0;
        for row in &rows {
            let t = token(row.recipient);
            let at: Vec<usize> = (0..lines.len()).filter(|&i| lines[i].contains(t.as_str())).collect();
            assert_eq!(at.len(), 1, "{t} listed exactly once");
            let line = &lines[at[0]];
            match row.delivery {
                Delivery::Sent => {
                    assert!(line.contains(" sent ") && line.starts_with('✅'), "{line}");
                    first_sent = first_sent.min(at[0]);
                }
                Delivery::Failed => {
                    assert!(line.contains(" failed ") && line.ends_with("Discord answered 403 (Missing Permissions)"), "{line}");
                    last_failed = last_failed.max(at[0]);
                }
                Delivery::Pending => panic!("{t} still pending"),
            }
        }
        assert!(last_failed < first_sent, "the failed are listed first");
    }
}
