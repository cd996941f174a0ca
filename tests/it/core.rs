//! The command core over a real store: what `/support` and `/owner` answer.

use backline::{
    commands::{Caller, Command, CommandError, Core, Mentions, Reply},
    domain::GuildId,
};

use crate::{
    helpers::{TestDb, caller, spawn_app_at, spawn_empty_app, user_error},
    on_both_backends,
    surfaces::{md, md_of},
};

/// Wednesday 2026-11-25 10:00 UTC: inside European business hours.
const WEDNESDAY_MORNING: &str = "2026-11-25T10:00:00Z";
/// Saturday 2026-11-28 03:00 UTC: nobody's business hours.
const SATURDAY_NIGHT: &str = "2026-11-28T03:00:00Z";

async fn core_with_examples(db: &TestDb, now: &str) -> Core {
    spawn_app_at(db, now).await.core
}

async fn support(core: &Core, vendor: &str) -> Result<Reply, CommandError> {
    core.execute(
        &Command::Support {
            vendor: vendor.into(),
        },
        &caller(),
    )
    .await
}

fn field(reply: &Reply, name: &str) -> String {
    md(reply
        .field_value(name)
        .unwrap_or_else(|| panic!("no field {name}: {reply:#?}")))
}

on_both_backends! {
    async fn support_card_has_everything_needed_to_file_and_escalate(db) {
        let core = core_with_examples(&db, WEDNESDAY_MORNING).await;
        let card = support(&core, "aws").await.unwrap();
        let text = card.to_terminal();
        assert_eq!(card.title.as_deref(), Some("Amazon Web Services (aws)"));
        assert!(card.description.as_ref().map(md).unwrap().contains("**Enterprise** plan · 24x7 · 🟢 covered now"));
        assert!(field(&card, "Response times").contains("**sev1** — \"Business-critical system down\": first response 15m"));
        let filing = field(&card, "How to file a case");
        assert!(filing.starts_with("1\\. Sign in to the payer account"), "{filing}");
        assert!(filing.contains("Account ID: `4821-0937-5512`"));
        assert!(filing.contains("Portal: https://support.console.aws.amazon.com/"));
        assert!(field(&card, "Have ready").contains("Affected resource ARNs"));
        let ladder = field(&card, "Escalation ladder");
        assert!(ladder.contains("1\\. **AWS Support (case)** (next level after 30m)"));
        assert!(ladder.contains("4\\. **Executive sponsor**"));
        assert!(field(&card, "Owner").contains("Dana Whitfield (Platform)"));
        assert!(field(&card, "Backup").contains("Ravi Menon (SRE)"));
        assert!(field(&card, "Contacts last verified").starts_with("2026-10-14 (oldest 2026-09-02)"));
        assert!(!text.contains("Warnings"), "aws has no findings: {text}");
        assert_eq!(card.mentions, Mentions::default(), "a support card pings nobody");
    }
}

on_both_backends! {
    async fn business_hours_plan_says_when_it_opens(db) {
        let open = support(&core_with_examples(&db, WEDNESDAY_MORNING).await, "elastic").await.unwrap();
        assert!(open.description.as_ref().map(md).unwrap().contains("🟢 covered now, until Wed 18:00 CET"), "{open:#?}");
        let core = spawn_empty_app(&db, SATURDAY_NIGHT).core;
        let closed = support(&core, "elastic").await.unwrap();
        let description = md_of(&closed.description);
        assert!(description.contains("🔴 outside support hours now; opens Mon 08:00 CET (in 2d 4h)"), "{description}");
    }
}

on_both_backends! {
    async fn warnings_flag_no_plan_weaker_plan_and_stale_contacts(db) {
        let core = core_with_examples(&db, WEDNESDAY_MORNING).await;
        let stripe = support(&core, "stripe").await.unwrap();
        assert!(stripe.description.as_ref().map(md).unwrap().contains("No support plan on record"));
        assert!(field(&stripe, "Warnings").contains("critical vendor with no support plan"));

        let cloudflare = support(&core, "cloudflare").await.unwrap();
        assert!(field(&cloudflare, "Response times").contains("first response 2h ❗ need 15m"));
        assert!(field(&cloudflare, "Warnings").contains("plan weaker than needed at sev1"));

        let github = support(&core, "github").await.unwrap();
        assert!(field(&github, "Warnings").contains("contacts not verified within 90d: Tom Becker (owner)"));

        let pagerduty = support(&core, "pagerduty").await.unwrap();
        assert!(field(&pagerduty, "Backup").contains("single point of contact"));
    }
}

on_both_backends! {
    async fn vendors_are_found_by_name_or_alias_in_any_case(db) {
        let core = core_with_examples(&db, WEDNESDAY_MORNING).await;
        for query in ["AWS", "amazon web services", "Amazon", "ec2"] {
            let card = support(&core, query).await.unwrap();
            assert_eq!(card.title.as_deref(), Some("Amazon Web Services (aws)"), "{query}");
        }
    }
}

on_both_backends! {
    async fn an_unknown_vendor_gets_did_you_mean(db) {
        let core = core_with_examples(&db, WEDNESDAY_MORNING).await;
        let message = user_error(support(&core, "cloudfare").await);
        assert!(message.starts_with("No vendor named `cloudfare` here. Did you mean `cloudflare` (Cloudflare)"), "{message}");
        let message = user_error(support(&core, "qqqqzzzz").await);
        assert!(message.contains("No vendor named `qqqqzzzz`") && message.contains("start typing a vendor name"), "{message}");
    }
}

on_both_backends! {
    async fn owner_card_shows_owner_backup_team_and_verification(db) {
        let core = core_with_examples(&db, WEDNESDAY_MORNING).await;
        let card = core.execute(&Command::Owner { vendor: "pd".into() }, &caller()).await.unwrap();
        assert_eq!(card.title.as_deref(), Some("Who owns PagerDuty (pagerduty)"));
        let owner = field(&card, "Owner");
        assert!(owner.contains("**Maya Okafor**") && owner.contains("Team: SRE") && owner.contains("Last verified: 2026-09-15"));
        assert!(field(&card, "Backup").contains("single point of contact"));
    }
}

on_both_backends! {
    async fn a_guild_without_a_registry_is_told_how_to_import_one(db) {
        let core = core_with_examples(&db, WEDNESDAY_MORNING).await;
        let elsewhere = Caller { guild: Some(GuildId::new(999).unwrap()), channel: None, user: 1, interaction: None, rights: Default::default() };
        let result = core.execute(&Command::Support { vendor: "aws".into() }, &elsewhere).await;
        assert!(user_error(result).contains("backline import --guild"));
    }
}

on_both_backends! {
    async fn a_direct_message_is_told_to_use_a_server(db) {
        let core = core_with_examples(&db, WEDNESDAY_MORNING).await;
        let dm = Caller { guild: None, channel: None, user: 1, interaction: None, rights: Default::default() };
        let result = core.execute(&Command::Support { vendor: "aws".into() }, &dm).await;
        assert!(user_error(result).contains("not in direct messages"));
    }
}

on_both_backends! {
    async fn a_guild_with_sensitive_contacts_gets_replies_only_the_asker_sees(db) {
        let core = core_with_examples(&db, WEDNESDAY_MORNING).await;
        assert!(!support(&core, "aws").await.unwrap().ephemeral);
        let settings = backline::domain::GuildSettings { sensitive_contacts: true, ..Default::default() };
        db.store.set_guild_settings(GuildId::LOCAL, &settings).await.unwrap();
        assert!(support(&core, "aws").await.unwrap().ephemeral);
        let owner = core.execute(&Command::Owner { vendor: "aws".into() }, &caller()).await.unwrap();
        assert!(owner.ephemeral);
        let other = GuildId::new(5).unwrap();
        assert_eq!(db.store.guild_settings(other).await.unwrap(), Default::default(), "settings are per guild");
    }
}

on_both_backends! {
    async fn the_terminal_card_reads_naturally_in_a_terminal(db) {
        let core = core_with_examples(&db, WEDNESDAY_MORNING).await;
        let text = support(&core, "aws").await.unwrap().to_terminal();
        assert!(!text.contains("<@") && !text.contains("<t:"), "no Discord syntax: {text}");
        assert!(!text.contains("**") && !text.contains('\\'), "no markdown or escapes: {text}");
        assert!(!text.contains("(or the button)"), "no Discord-only hint: {text}");
        assert!(text.contains("  Dana Whitfield (Platform) · dana.whitfield@example.com\n"), "no mention beside the name: {text}");
        assert!(text.contains("Enterprise plan · 24x7"), "{text}");
        assert!(text.contains("  1. Sign in to the payer account"), "{text}");
        assert_eq!(text.matches("https://support.console.aws.amazon.com/").count(), 1, "the portal once: {text}");
        let unknown = core.execute(&Command::Support { vendor: "qqqqzzzz".into() }, &caller()).await.unwrap_err();
        let unknown = unknown.to_string();
        assert_eq!(unknown, "No vendor named `qqqqzzzz` here. See every vendor with `/vendor list` in Discord or `backline list` in a terminal.");
    }
}

on_both_backends! {
    async fn escalation_contacts_with_a_discord_id_are_mentioned_without_a_ping(db) {
        let core = core_with_examples(&db, WEDNESDAY_MORNING).await;
        let card = support(&core, "aws").await.unwrap();
        let ladder = field(&card, "Escalation ladder");
        assert!(ladder.contains("– Kim Osei, Our AWS liaison in the vendor's Discord · <@402811948512772110>"), "{ladder}");
        assert_eq!(card.mentions, Mentions::default(), "shown, not pinged");
        let terminal = card.to_terminal();
        assert!(terminal.contains("– Kim Osei, Our AWS liaison in the vendor's Discord\n"), "named once on the terminal: {terminal}");
    }
}
