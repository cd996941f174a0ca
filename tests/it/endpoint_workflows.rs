//! Workflows over the signed HTTP endpoint: a case's whole life, and keeping vendors true.

use backline::domain::GuildId;
use serde_json::{Value, json};

use crate::{
    endpoint::{Endpoint, content, embed, field, is_ephemeral, pings_nobody},
    fixtures::{self, GUILD},
    on_both_backends,
};

/// `/case <sub> name:value …` as Discord sends a subcommand.
fn case_command(guild: u64, sub: &str, options: &[(&str, &str)]) -> Value {
    let options: Vec<Value> = options
        .iter()
        .map(|(n, v)| json!({"name": n, "type": 3, "value": v}))
        .collect();
    fixtures::envelope(
        2,
        Some(guild),
        json!({"id": "600000000000000002", "name": "case", "type": 1,
               "options": [{"name": sub, "type": 1, "options": options}]}),
    )
}

on_both_backends! {
    async fn a_case_lifecycle_over_the_signed_endpoint_records_every_notification(db) {
        let endpoint = Endpoint::new(db).await;
        let opened = endpoint
            .post(&case_command(GUILD, "open", &[("vendor", "aws"), ("severity", "sev1"), ("summary", "Checkout 500s"), ("vendor_case_id", "1717")]))
            .await;
        assert!(content(&opened).starts_with("🚨 **Case #1** opened with **Amazon Web Services**"), "{opened:#}");
        assert!(!is_ephemeral(&opened), "the channel sees who was notified");
        let mentions = &opened["data"]["allowed_mentions"];
        assert_eq!(mentions["parse"], json!([]));
        assert_eq!(mentions["users"], json!(["402811948512772097", "402811948512772098", "402811948512772110"]));
        assert_eq!(mentions["roles"], json!(["402811948512779001"]));
        assert_eq!(opened["data"]["components"][0]["components"][0]["custom_id"], "case-escalate:1");

        let escalated = endpoint.post(&case_command(GUILD, "escalate", &[("case", "1")])).await;
        assert_eq!(escalated["data"]["allowed_mentions"]["users"], json!(["402811948512772111"]));
        let responded = endpoint.post(&fixtures::button(Some(GUILD), "case-responded:1")).await;
        assert!(content(&responded).contains("the vendor responded"), "{responded:#}");
        assert_eq!(responded["data"]["allowed_mentions"]["users"], json!([]));
        let closed = endpoint.post(&case_command(GUILD, "close", &[("case", "1"), ("resolution", "Fixed by AWS")])).await;
        assert!(content(&closed).contains("closed by <@300000000000000001>"));

        let show = endpoint.post(&case_command(GUILD, "show", &[("case", "1")])).await;
        let timeline = field(&show, "Timeline");
        // Each event counts whom it notified; the people themselves follow the card as
        // follow-up messages (tests/it/notify_split.rs checks those through a fake Discord).
        for line in ["→ notified 4: 4 sent (each listed below)", "→ notified 1: 1 sent (each listed below)"] {
            assert!(timeline.contains(line), "{line} missing in {timeline}");
        }
        let list = endpoint.post(&case_command(GUILD, "list", &[])).await;
        assert!(embed(&list)["description"].as_str().unwrap().contains("**#1** · closed"));
        let choices = endpoint.post(&{
            let mut p = case_command(GUILD, "escalate", &[]);
            p["type"] = json!(4);
            p["data"]["options"][0]["options"] = json!([{"name": "case", "type": 3, "value": "1", "focused": true}]);
            p
        }).await;
        assert_eq!(choices["data"]["choices"][0]["value"], "1");

        let csv = crate::helpers::backline(&endpoint.db, &["cases", "export", "--guild", &GUILD.to_string(), "--format", "csv"]);
        let csv = crate::helpers::stdout(&csv);
        let rows: Vec<&str> = csv.lines().collect();
        assert!(rows[0].starts_with("case,vendor,severity"));
        assert_eq!(rows.iter().filter(|r| r.contains(",channel-mention,sent")).count(), 5, "{csv}");
        assert!(rows.iter().any(|r| r.contains("Dana Whitfield (owner)") && r.contains("2026-11-25T10:00:00+00:00")));
        let json = crate::helpers::backline(&endpoint.db, &["cases", "export", "--guild", &GUILD.to_string(), "--format", "json", "--since", "2026-11-25"]);
        let json: Value = serde_json::from_str(&crate::helpers::stdout(&json)).unwrap();
        assert_eq!(json[0]["events"][0]["notified"].as_array().unwrap().len(), 4);
        let later = crate::helpers::backline(&endpoint.db, &["cases", "export", "--guild", &GUILD.to_string(), "--format", "json", "--since", "2026-11-26"]);
        assert_eq!(crate::helpers::stdout(&later).trim(), "[]");
    }
}

on_both_backends! {
    async fn the_open_a_case_button_asks_for_details_and_the_form_opens_the_case(db) {
        let endpoint = Endpoint::new(db).await;
        let card = endpoint.post(&fixtures::slash(Some(GUILD), "support", &[("vendor", "elastic")])).await;
        assert_eq!(card["data"]["components"][0]["components"][0]["custom_id"], "case-open:elastic");
        let form = endpoint.post(&fixtures::button(Some(GUILD), "case-open:elastic")).await;
        assert_eq!(form["type"], 9, "a modal");
        assert_eq!(form["data"]["custom_id"], "case-open:elastic");
        assert_eq!(form["data"]["components"].as_array().unwrap().len(), 4);

        let mut submitted = fixtures::modal(Some(GUILD), "case-open:elastic", "Search queries time out");
        submitted["data"]["components"].as_array_mut().unwrap().push(json!({"type": 1, "components": [{"type": 4, "custom_id": "severity", "value": "sev2"}]}));
        let opened = endpoint.post(&submitted).await;
        assert!(content(&opened).contains("**Case #1** opened with **Elastic Cloud** at **sev2**"), "{opened:#}");

        let mut bad = fixtures::modal(Some(GUILD), "case-open:elastic", "x");
        bad["data"]["components"].as_array_mut().unwrap().push(json!({"type": 1, "components": [{"type": 4, "custom_id": "severity", "value": "urgent"}]}));
        let refused = endpoint.post(&bad).await;
        assert!(is_ephemeral(&refused));
        assert!(content(&refused).contains("use sev1, sev2, sev3 or sev4"));
    }
}

on_both_backends! {
    async fn a_redelivered_case_interaction_records_one_case(db) {
        let endpoint = Endpoint::new(db).await;
        let payload = case_command(GUILD, "open", &[("vendor", "aws"), ("severity", "sev2"), ("summary", "Slow")]);
        let first = endpoint.post(&payload).await;
        let second = endpoint.post(&payload).await;
        assert_eq!(content(&first), content(&second));
        let cases = endpoint.db.store.cases(GuildId::new(GUILD).unwrap(), None, None, 10).await.unwrap();
        assert_eq!(cases.len(), 1);
    }
}

/// `/vendor <sub> …` from a member with `permissions`; a `user` option is resolved as Discord does.
fn vendor_command(sub: &str, options: &[(&str, &str)], user: Option<u64>, permissions: &str) -> Value {
    let mut opts: Vec<Value> = options
        .iter()
        .map(|(n, v)| json!({"name": n, "type": 3, "value": v}))
        .collect();
    let mut data = json!({"id": "600000000000000003", "name": "vendor", "type": 1});
    if let Some(user) = user {
        opts.push(json!({"name": "user", "type": 6, "value": user.to_string()}));
        data["resolved"] = json!({
            "users": {user.to_string(): fixtures::user(user, "lee")},
            "members": {user.to_string(): {"roles": [], "joined_at": "2024-01-01T00:00:00.000000+00:00", "deaf": false, "mute": false, "flags": 0, "nick": "Lee Park"}},
        });
    }
    data["options"] = json!([{"name": sub, "type": 1, "options": opts}]);
    let mut payload = fixtures::envelope(2, Some(GUILD), data);
    payload["member"]["permissions"] = json!(permissions);
    payload
}

on_both_backends! {
    async fn vendor_upkeep_over_the_signed_endpoint_checks_permissions_and_keeps_history(db) {
        let endpoint = Endpoint::new(db).await;
        let audit = endpoint.post(&vendor_command("audit", &[], None, "0")).await;
        assert!(is_ephemeral(&audit));
        assert_eq!(embed(&audit)["fields"][0]["name"], "Cloudflare (cloudflare, critical)", "worst first");
        assert!(field(&audit, "Stripe (stripe, critical)").contains("critical vendor with no support plan"));

        let refused = endpoint.post(&vendor_command("set-owner", &[("vendor", "github")], Some(77), "0")).await;
        assert!(is_ephemeral(&refused));
        assert!(content(&refused).contains("Only members with the Manage Server permission"));
        let github = GuildId::new(GUILD).unwrap();
        let slug = backline::domain::VendorSlug::parse("github").unwrap();
        assert_eq!(endpoint.db.store.vendor(github, &slug).await.unwrap().unwrap().owner.name, "Tom Becker");

        let applied = endpoint.post(&vendor_command("set-owner", &[("vendor", "github"), ("team", "SRE")], Some(77), "32")).await;
        assert!(content(&applied).contains("<@77> is now GitHub's owner"), "{applied:#}");
        pings_nobody(&applied);
        let owner = endpoint.db.store.vendor(github, &slug).await.unwrap().unwrap().owner;
        assert_eq!((owner.name.as_str(), owner.team.as_deref()), ("Lee Park", Some("SRE")), "named from the resolved member");

        let verified = endpoint.post(&vendor_command("verify", &[("vendor", "github")], None, "32")).await;
        assert!(content(&verified).contains("contacts verified by <@300000000000000001>"));

        let history = endpoint.post(&vendor_command("history", &[("vendor", "github")], None, "0")).await;
        let text = embed(&history)["description"].as_str().unwrap();
        assert!(text.contains("**verified** by <@300000000000000001>"), "{text}");
        assert!(text.contains("**set-owner** by <@300000000000000001>\n  owner.discord\\_id: 402811948512772105 → 77"), "{text}");
        assert!(text.contains("**added** by import"), "{text}");
    }
}

on_both_backends! {
    async fn the_guilds_manager_role_may_edit_over_the_endpoint_and_other_roles_may_not(db) {
        const MANAGER_ROLE: u64 = 4242;
        let endpoint = Endpoint::new(db).await;
        let guild = GuildId::new(GUILD).unwrap();
        let settings = backline::domain::GuildSettings { manager_role: Some(MANAGER_ROLE), ..Default::default() };
        endpoint.db.store.set_guild_settings(guild, &settings).await.unwrap();
        let note = |roles: Vec<String>| {
            let mut payload = vendor_command("note", &[("vendor", "github"), ("text", "Renewal in Q1")], None, "0");
            payload["member"]["roles"] = json!(roles);
            payload
        };
        let refused = endpoint.post(&note(vec!["7".into()])).await;
        assert_eq!(
            content(&refused),
            "Only members with the Manage Server permission or the <@&4242> role can change the registry from Discord. Nothing was changed."
        );
        pings_nobody(&refused);
        let slug = backline::domain::VendorSlug::parse("github").unwrap();
        assert_eq!(endpoint.db.store.vendor(guild, &slug).await.unwrap().unwrap().notes, None);

        let applied = endpoint.post(&note(vec!["7".into(), MANAGER_ROLE.to_string()])).await;
        assert!(content(&applied).starts_with("✅ Note on GitHub saved"), "{applied:#}");
        let notes = endpoint.db.store.vendor(guild, &slug).await.unwrap().unwrap().notes;
        assert_eq!(notes.as_deref(), Some("Renewal in Q1"));
    }
}
