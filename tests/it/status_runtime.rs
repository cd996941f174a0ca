//! Vendor status at runtime: the poller against the fake status server, what `/support`,
//! `/vendor status` and cases show of it, and the vendor-incident alert, on both backends and
//! with two replicas racing on one PostgreSQL.

use std::sync::Arc;

use backline::{
    commands::{Command, Core, OpenCase, Reply},
    domain::{GuildId, GuildSettings, StatusAlerts},
    status::poller::{HttpFetcher, Poller},
    store,
};
use chrono::Duration;

use crate::{
    fake_status::{FakeStatus, Mode},
    helpers::{CallerExt, RecordingPoster, TestApp, TestDb, caller, parse, spawn_empty_app},
    on_both_backends,
    surfaces::{md, md_of},
};

const SUMMARY: &str = "/api/v2/summary.json";
const NOTICES: u64 = 7_001;
const ONCALL: u64 = 7_002;
const CASE_CHANNEL: u64 = 7_003;
const INTERVAL: std::time::Duration = std::time::Duration::from_secs(60);

/// GitHub (high) watching Actions and Git Operations on the fake page, and a low vendor on
/// the same page (one source, polled once for both).
fn plans(base: &str) -> String {
    format!(
        r#"
[[vendor]]
slug = "github"
name = "GitHub"
criticality = "high"
status = {{ statuspage = "{base}", components = ["Actions", "Git Operations"] }}

[vendor.owner]
name = "Dana Whitfield"

[vendor.plan]
tier = "Enterprise"
hours = "24x7"

[vendor.plan.response]
sev1 = "30m"

[[vendor]]
slug = "gh-pages"
name = "GitHub Pages"
criticality = "low"
status = {{ statuspage = "{base}", components = ["Pages"] }}

[vendor.owner]
name = "Ravi Menon"
"#
    )
}

struct Setup {
    app: TestApp,
    fake: FakeStatus,
    poller: Poller,
}

async fn setup(db: &TestDb) -> Setup {
    let fake = FakeStatus::start().await;
    fake.set_fixture(SUMMARY, "statuspage-operational.json");
    db.store
        .import(GuildId::LOCAL, &parse(&plans(fake.url())), false)
        .await
        .unwrap();
    let settings = GuildSettings {
        notice_channel: Some(NOTICES),
        ..GuildSettings::default()
    };
    db.store
        .set_guild_settings(GuildId::LOCAL, &settings)
        .await
        .unwrap();
    let app = spawn_empty_app(db, crate::helpers::NOW);
    let poller = poller_for(app.core.clone());
    Setup { app, fake, poller }
}

fn poller_for(core: Core) -> Poller {
    Poller::new(core, Arc::new(HttpFetcher::new().unwrap()), INTERVAL)
}

async fn support(core: &Core, vendor: &str) -> Reply {
    core.execute(
        &Command::Support {
            vendor: vendor.into(),
        },
        &caller(),
    )
    .await
    .unwrap()
}

async fn vendor_status(core: &Core, vendor: Option<&str>) -> String {
    let reply = core
        .execute(
            &Command::VendorStatus {
                vendor: vendor.map(str::to_owned),
            },
            &caller(),
        )
        .await
        .unwrap();
    crate::contract::assert_valid_callback(
        &serde_json::to_value(backline::discord::render::response(&reply)).unwrap(),
    );
    md_of(&reply.description)
}

/// Every alert validates as a channel message Discord accepts, and each edit as an edit.
fn alerts(poster: &RecordingPoster) -> Vec<(u64, u64, Reply)> {
    let sent = poster.sent.lock().unwrap().clone();
    for (_, _, reply) in &sent {
        for (message, _) in backline::discord::render::channel_messages(reply) {
            crate::contract::assert_valid_channel_message(&serde_json::to_value(message).unwrap());
        }
    }
    for (_, _, reply) in poster.edits.lock().unwrap().iter() {
        let edit = backline::discord::render::edit_message(reply);
        crate::contract::assert_valid_message_edit(&serde_json::to_value(edit).unwrap());
    }
    sent
}

on_both_backends! {
    async fn the_support_card_shows_what_the_status_page_reports_and_when_it_was_checked(db) {
        let Setup { app, fake, poller } = setup(&db).await;
        let before = support(&app.core, "github").await;
        assert!(md_of(&before.description).starts_with("⚪ Vendor status: **unknown** (the status page has not been read yet)"), "{}", md_of(&before.description));

        assert_eq!(poller.poll_due(None).await.unwrap(), 1, "one source for both vendors");
        let card = md_of(&support(&app.core, "github").await.description);
        assert!(card.starts_with("🟢 Vendor status: **operational**"), "{card}");
        assert!(card.contains("Last checked"), "{card}");

        fake.set_fixture(SUMMARY, "statuspage-investigating.json");
        app.clock.advance(Duration::seconds(60));
        assert_eq!(poller.poll_due(None).await.unwrap(), 1);
        let card = support(&app.core, "github").await;
        crate::contract::assert_valid_callback(&serde_json::to_value(backline::discord::render::response(&card)).unwrap());
        let text = md_of(&card.description);
        assert!(text.starts_with("🔴 Vendor status: **critical outage** for the components we use (whole page: major issues)"), "{text}");
        assert!(text.contains("Affected: Actions (major outage)"), "{text}");
        assert!(text.contains("Disruption with some GitHub services](https://stspg.io/t0pfq5hsmxlm) · impact: major · investigating"), "{text}");
        assert!(!text.contains("Git Operations"), "operational components are not listed: {text}");
        assert_eq!(fake.requests(), 2);
    }
}

on_both_backends! {
    async fn a_source_is_polled_at_most_once_per_interval_and_asks_with_its_validators(db) {
        let Setup { app, fake, poller } = setup(&db).await;
        assert_eq!(poller.poll_due(None).await.unwrap(), 1);
        assert_eq!(poller.poll_due(None).await.unwrap(), 0, "not due again yet");
        app.clock.advance(Duration::seconds(59));
        assert_eq!(poller.poll_due(None).await.unwrap(), 0);
        app.clock.advance(Duration::seconds(1));
        assert_eq!(poller.poll_due(None).await.unwrap(), 1);
        assert_eq!(fake.requests(), 2);
        assert_eq!(fake.not_modified(), 1, "the second poll was conditional and the page had not changed");
    }
}

on_both_backends! {
    async fn a_failing_source_is_shown_as_unknown_since_its_first_failure_never_as_operational(db) {
        let Setup { app, fake, poller } = setup(&db).await;
        poller.poll_due(None).await.unwrap();
        fake.set_mode(Mode::ServerError);
        app.clock.advance(Duration::seconds(60));
        poller.poll_due(None).await.unwrap();
        let card = md_of(&support(&app.core, "github").await.description);
        assert!(card.starts_with("⚪ Vendor status: **unknown** since "), "{card}");
        assert!(!card.contains("operational"), "{card}");
        let events = vendor_status(&app.core, Some("github")).await;
        assert!(events.contains("Now: status unknown since 2026-11-25 10:01 UTC"), "{events}");
        let listed = vendor_status(&app.core, None).await;
        assert!(listed.contains("**GitHub** (`github`, high): status unknown since 2026-11-25 10:01 UTC"), "{listed}");

        // Backoff: the next attempt waits at least the interval again, then the page answers.
        app.clock.advance(Duration::seconds(30));
        assert_eq!(poller.poll_due(None).await.unwrap(), 0);
        fake.set_mode(Mode::Normal);
        app.clock.advance(Duration::seconds(60));
        assert_eq!(poller.poll_due(None).await.unwrap(), 1);
        let card = md_of(&support(&app.core, "github").await.description);
        assert!(card.starts_with("🟢 Vendor status: **operational**"), "{card}");
    }
}

on_both_backends! {
    async fn vendor_status_lists_vendors_with_problems_worst_first_and_one_vendors_changes(db) {
        let Setup { app, fake, poller } = setup(&db).await;
        poller.poll_due(None).await.unwrap();
        assert_eq!(vendor_status(&app.core, None).await, "🟢 All 2 watched vendors report no problem.");
        fake.set_fixture(SUMMARY, "statuspage-investigating.json");
        app.clock.advance(Duration::seconds(60));
        poller.poll_due(None).await.unwrap();
        let listed = vendor_status(&app.core, None).await;
        assert!(listed.starts_with("**GitHub** (`github`, high): Actions: major outage; incident: Disruption with some GitHub services (major)"), "{listed}");
        assert!(!listed.contains("GitHub Pages"), "Pages is operational: {listed}");

        let events = vendor_status(&app.core, Some("github")).await;
        assert!(events.contains("Now: Actions: major outage"), "{events}");
        assert!(events.contains("Actions: operational → major outage"), "{events}");
        assert!(events.contains("incident opened: Disruption with some GitHub services (major)"), "{events}");
        assert!(!events.contains("Pages"), "only watched components: {events}");
    }
}

on_both_backends! {
    async fn a_case_records_the_status_at_opening_and_each_change_while_open_once(db) {
        let Setup { app, fake, poller } = setup(&db).await;
        poller.poll_due(None).await.unwrap();
        let open = Command::CaseOpen(OpenCase {
            vendor: "github".into(),
            severity: "sev1".into(),
            summary: "Deploys stuck".into(),
            vendor_case_id: None,
            link: None,
        });
        app.core.execute(&open, &caller().channel(CASE_CHANNEL)).await.unwrap();
        let poster = RecordingPoster::default();
        fake.set_fixture(SUMMARY, "statuspage-investigating.json");
        app.clock.advance(Duration::seconds(60));
        poller.poll_due(Some(&poster)).await.unwrap();
        app.clock.advance(Duration::seconds(60));
        poller.poll_due(Some(&poster)).await.unwrap();

        let timeline = db.store.timeline(GuildId::LOCAL, 1).await.unwrap();
        let notes: Vec<&str> = timeline
            .events
            .iter()
            .filter(|e| e.kind.as_str() == "vendor-status")
            .map(|e| e.detail.as_str())
            .collect();
        assert_eq!(notes, [
            "GitHub status at opening: operational",
            "GitHub status: Actions: operational → major outage",
            "GitHub status: incident opened: Disruption with some GitHub services (major)",
        ]);
        let posts = poster.posts.lock().unwrap().clone();
        assert_eq!(posts.len(), 2, "each change posted once in the case's channel");
        assert!(posts.iter().all(|(channel, reply)| *channel == CASE_CHANNEL && reply.mentions.users.is_empty() && reply.mentions.roles.is_empty()));
        assert_eq!(md_of(&posts[0].1.content), "Case #1: GitHub status: Actions: operational → major outage");

        let cases = db.store.cases_with_timelines(GuildId::LOCAL, None).await.unwrap();
        let csv = backline::commands::export::cases_csv(&cases).unwrap();
        assert_eq!(csv.lines().filter(|l| l.contains(",vendor-status,")).count(), 3, "{csv}");
        let json = backline::commands::export::cases_json(&cases).to_string();
        assert!(json.contains("GitHub status at opening: operational"), "{json}");
    }
}

on_both_backends! {
    async fn the_alert_posts_once_per_incident_edits_on_update_and_says_resolved(db) {
        let Setup { app, fake, poller } = setup(&db).await;
        let poster = RecordingPoster::default();
        poller.poll_due(Some(&poster)).await.unwrap();
        assert!(alerts(&poster).is_empty(), "nothing to say while operational");

        fake.set_fixture(SUMMARY, "statuspage-investigating.json");
        app.clock.advance(Duration::seconds(60));
        poller.poll_due(Some(&poster)).await.unwrap();
        let sent = alerts(&poster);
        assert_eq!(sent.len(), 1, "one alert, for GitHub only (GitHub Pages is low and operational)");
        let (channel, message, alert) = &sent[0];
        assert_eq!(*channel, NOTICES);
        assert_eq!(alert.title.as_deref(), Some("Vendor incident: GitHub — Disruption with some GitHub services"));
        assert!(alert.content.is_none() && alert.mentions.roles.is_empty(), "no role configured: pings nobody");
        let plan = md(alert.field_value("Our support plan").unwrap());
        assert_eq!(plan, "**Enterprise** plan · sev1 first response 30m · 🟢 support available now");
        assert_eq!(alert.buttons.len(), 1, "Open a case");

        app.clock.advance(Duration::seconds(60));
        poller.poll_due(Some(&poster)).await.unwrap();
        assert_eq!(poster.edits.lock().unwrap().len(), 0, "nothing changed, nothing edited");

        fake.set_fixture(SUMMARY, "statuspage-identified.json");
        app.clock.advance(Duration::seconds(60));
        poller.poll_due(Some(&poster)).await.unwrap();
        let edits = poster.edits.lock().unwrap().clone();
        assert_eq!(edits.len(), 1);
        assert_eq!(edits[0].1, *message, "the same message is edited");
        assert!(md_of(&edits[0].2.description).contains("Impact: **minor, identified**"));

        fake.set_fixture(SUMMARY, "statuspage-resolved.json");
        app.clock.advance(Duration::seconds(60));
        poller.poll_due(Some(&poster)).await.unwrap();
        let sent = alerts(&poster);
        assert_eq!(sent.len(), 1, "still one message");
        assert_eq!(sent[0].2.title.as_deref(), Some("Resolved: GitHub — Disruption with some GitHub services"));
        assert!(sent[0].2.buttons.is_empty());
        assert_eq!(poster.edits.lock().unwrap().len(), 2);
    }
}

on_both_backends! {
    async fn alerts_follow_the_guilds_level_and_ping_only_its_status_role(db) {
        let Setup { app, fake, poller } = setup(&db).await;
        let settings = GuildSettings {
            notice_channel: Some(NOTICES),
            status_alerts: StatusAlerts::All,
            status_role: Some(ONCALL),
            ..GuildSettings::default()
        };
        db.store.set_guild_settings(GuildId::LOCAL, &settings).await.unwrap();
        let poster = RecordingPoster::default();
        fake.set_fixture(SUMMARY, "statuspage-investigating.json");
        poller.poll_due(Some(&poster)).await.unwrap();
        let sent = alerts(&poster);
        assert_eq!(sent.len(), 1, "Pages is not affected: only GitHub");
        assert_eq!(sent[0].2.mentions.roles, [ONCALL]);
        assert!(sent[0].2.mentions.users.is_empty());

        let off = GuildSettings { status_alerts: StatusAlerts::Off, ..settings };
        db.store.set_guild_settings(GuildId::LOCAL, &off).await.unwrap();
        fake.set_fixture(SUMMARY, "statuspage-identified.json");
        app.clock.advance(Duration::seconds(60));
        poller.poll_due(Some(&poster)).await.unwrap();
        assert!(poster.edits.lock().unwrap().is_empty(), "alerts off: not even edits");
    }
}

/// Two replicas (two store handles, two pollers, one clock) racing on one PostgreSQL.
async fn replicas(db: &TestDb, app: &TestApp) -> Poller {
    let second = store::connect(&db.url).await.unwrap();
    poller_for(Core::new(second, app.clock.clone()))
}

#[tokio::test]
#[cfg_attr(no_test_postgres, ignore = "no PostgreSQL: set BACKLINE_TEST_POSTGRES_URL")]
async fn two_replicas_on_one_postgres_poll_each_source_once_per_interval() {
    let db = crate::helpers::postgres().await;
    let Setup { app, fake, poller } = setup(&db).await;
    let other = replicas(&db, &app).await;
    for round in 1..=3 {
        let (a, b) = tokio::join!(poller.poll_due(None), other.poll_due(None));
        assert_eq!(a.unwrap() + b.unwrap(), 1, "round {round}: one replica polled it");
        let (a, b) = tokio::join!(poller.poll_due(None), other.poll_due(None));
        assert_eq!(
            a.unwrap() + b.unwrap(),
            0,
            "round {round}: not again within the interval"
        );
        assert_eq!(fake.requests(), round);
        app.clock.advance(Duration::seconds(60));
    }
}

#[tokio::test]
#[cfg_attr(no_test_postgres, ignore = "no PostgreSQL: set BACKLINE_TEST_POSTGRES_URL")]
async fn two_replicas_on_one_postgres_post_each_alert_once_and_edit_it_once_per_update() {
    let db = crate::helpers::postgres().await;
    let Setup { app, fake, poller } = setup(&db).await;
    let other = replicas(&db, &app).await;
    // One Discord for both replicas.
    let discord = RecordingPoster::default();
    for fixture in [
        "statuspage-investigating.json",
        "statuspage-identified.json",
        "statuspage-resolved.json",
    ] {
        fake.set_fixture(SUMMARY, fixture);
        let (a, b) = tokio::join!(poller.poll_due(Some(&discord)), other.poll_due(Some(&discord)));
        assert_eq!(a.unwrap() + b.unwrap(), 1);
        // A replica started now (a restart) finds nothing due and posts nothing again.
        let restarted = replicas(&db, &app).await;
        assert_eq!(restarted.poll_due(Some(&discord)).await.unwrap(), 0);
        app.clock.advance(Duration::seconds(60));
    }
    let sent = alerts(&discord);
    assert_eq!(sent.len(), 1, "one alert for the incident across replicas");
    assert_eq!(
        discord.edits.lock().unwrap().len(),
        2,
        "edited once on the update, once on resolution"
    );
    assert_eq!(
        sent[0].2.title.as_deref(),
        Some("Resolved: GitHub — Disruption with some GitHub services")
    );
}

on_both_backends! {
    async fn the_command_line_sets_status_alerts_and_prints_vendor_status(db) {
        let out = crate::helpers::backline(&db, &["guild", "--status-alerts", "critical", "--status-role", "5"]);
        assert!(out.status.success(), "{}", crate::helpers::stderr(&out));
        assert!(crate::helpers::stdout(&out).ends_with("status_alerts = critical, status_role = 5\n"), "{}", crate::helpers::stdout(&out));
        let settings = db.store.guild_settings(GuildId::LOCAL).await.unwrap();
        assert_eq!((settings.status_alerts, settings.status_role), (StatusAlerts::Critical, Some(5)));
        let refused = crate::helpers::backline(&db, &["guild", "--status-alerts", "loud"]);
        assert_eq!(refused.status.code(), Some(2));
        assert!(crate::helpers::stderr(&refused).contains("use critical, high, all or off"), "{}", crate::helpers::stderr(&refused));

        let Setup { fake, poller, .. } = setup(&db).await;
        fake.set_fixture(SUMMARY, "statuspage-investigating.json");
        poller.poll_due(None).await.unwrap();
        let out = crate::helpers::backline(&db, &["status"]);
        assert!(out.status.success(), "{}", crate::helpers::stderr(&out));
        let printed = crate::helpers::stdout(&out);
        assert!(printed.starts_with("== Vendor status ==\nGitHub (`github`, high): Actions: major outage; incident: Disruption with some GitHub services (major)"), "{printed}");
        let out = crate::helpers::backline(&db, &["status", "--vendor", "github"]);
        assert!(crate::helpers::stdout(&out).contains("incident opened: Disruption with some GitHub services (major)"), "{}", crate::helpers::stdout(&out));
    }
}

on_both_backends! {
    async fn a_feed_alerts_each_new_entry_once_and_never_its_history(db) {
        let fake = FakeStatus::start().await;
        fake.set_fixture("/feed.rss", "rss.xml");
        let plans = format!(
            "[[vendor]]\nslug = \"host\"\nname = \"Example Host\"\ncriticality = \"critical\"\n\
             status = {{ feed = \"{}/feed.rss\" }}\n\n[vendor.owner]\nname = \"Kim Osei\"\n",
            fake.url()
        );
        db.store.import(GuildId::LOCAL, &parse(&plans), false).await.unwrap();
        let settings = GuildSettings { notice_channel: Some(NOTICES), ..GuildSettings::default() };
        db.store.set_guild_settings(GuildId::LOCAL, &settings).await.unwrap();
        let app = spawn_empty_app(&db, crate::helpers::NOW);
        let poller = poller_for(app.core.clone());
        let poster = RecordingPoster::default();
        poller.poll_due(Some(&poster)).await.unwrap();
        assert!(alerts(&poster).is_empty(), "the entries already in the feed are history");

        let newer = String::from_utf8(crate::fake_status::fixture("rss.xml")).unwrap().replacen(
            "<item>",
            "<item>\n      <title>API outage in ams3</title>\n      <link>https://status.example.net/incidents/9z9z</link>\n      \
             <guid isPermaLink=\"false\">incident-9z9z</guid>\n      <pubDate>Thu, 26 Nov 2026 11:00:00 +0000</pubDate>\n    </item>\n    <item>",
            1,
        );
        fake.set_document("/feed.rss", newer);
        for _ in 0..2 {
            app.clock.advance(Duration::seconds(60));
            poller.poll_due(Some(&poster)).await.unwrap();
        }
        let sent = alerts(&poster);
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].2.title.as_deref(), Some("Vendor incident: Example Host — API outage in ams3"));
        assert!(poster.edits.lock().unwrap().is_empty());
    }
}

on_both_backends! {
    async fn vendor_status_puts_the_worst_outage_first_and_unknown_last(db) {
        let fake = FakeStatus::start().await;
        fake.set_fixture("/a/api/v2/summary.json", "statuspage-investigating.json");
        fake.set_fixture("/b/api/v2/summary.json", "statuspage-identified.json");
        let vendor = |slug: &str, criticality: &str, path: &str| {
            format!(
                "[[vendor]]\nslug = \"{slug}\"\nname = \"{slug}\"\ncriticality = \"{criticality}\"\n\
                 status = {{ statuspage = \"{}/{path}\", components = [\"Actions\"] }}\n\n[vendor.owner]\nname = \"Kim Osei\"\n\n",
                fake.url()
            )
        };
        let plans = [vendor("alpha", "medium", "a"), vendor("beta", "critical", "b"), vendor("gamma", "high", "c")].concat();
        db.store.import(GuildId::LOCAL, &parse(&plans), false).await.unwrap();
        let app = spawn_empty_app(&db, crate::helpers::NOW);
        assert_eq!(poller_for(app.core.clone()).poll_due(None).await.unwrap(), 3);
        let listed = vendor_status(&app.core, None).await;
        let order: Vec<&str> = listed.lines().map(|l| l.split("**").nth(1).unwrap_or(l)).collect();
        assert_eq!(order, ["alpha", "beta", "gamma"], "a major outage, then a partial one, then unknown: {listed}");
        assert!(listed.lines().nth(2).unwrap().ends_with("status unknown since 2026-11-25 10:00 UTC"), "{listed}");
    }
}

/// `backline serve` runs the poller: the page's reading reaches the database without any
/// bot token (alerts need one; readings do not).
#[tokio::test]
async fn serve_polls_the_status_pages_of_the_registry() {
    let db = crate::helpers::sqlite().await;
    let fake = FakeStatus::start().await;
    fake.set_fixture(SUMMARY, "statuspage-investigating.json");
    db.store
        .import(GuildId::LOCAL, &parse(&plans(fake.url())), false)
        .await
        .unwrap();
    let key = ed25519_dalek::SigningKey::from_bytes(&[11u8; 32]);
    let public_hex = crate::helpers::hex(&key.verifying_key().to_bytes());
    let _server = crate::serve::start(&db, &public_hex, &["--status-interval", "1s"]);
    let url = format!("{}{SUMMARY}", fake.url());
    let give_up = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let reading = loop {
        if let Some(reading) = db.store.status_reading(&url).await.unwrap()
            && reading.snapshot.is_some()
        {
            break reading;
        }
        assert!(
            std::time::Instant::now() < give_up,
            "serve never recorded a reading"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert_eq!(
        reading.snapshot.unwrap().incidents[0].title,
        "Disruption with some GitHub services"
    );
}

on_both_backends! {
    async fn a_watched_component_out_without_an_incident_is_alerted_once_then_resolved(db) {
        let Setup { app, fake, poller } = setup(&db).await;
        let mut page: serde_json::Value =
            serde_json::from_slice(&crate::fake_status::fixture("statuspage-investigating.json")).unwrap();
        page["incidents"] = serde_json::json!([]);
        fake.set_document(SUMMARY, serde_json::to_vec(&page).unwrap());
        let poster = RecordingPoster::default();
        for _ in 0..2 {
            poller.poll_due(Some(&poster)).await.unwrap();
            app.clock.advance(Duration::seconds(60));
        }
        let sent = alerts(&poster);
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].2.title.as_deref(), Some("Vendor incident: GitHub — components not operational"));
        assert_eq!(md_of(&sent[0].2.description), "Actions: major outage");

        fake.set_fixture(SUMMARY, "statuspage-resolved.json");
        poller.poll_due(Some(&poster)).await.unwrap();
        let sent = alerts(&poster);
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].2.title.as_deref(), Some("Resolved: GitHub — components not operational"));
    }
}

on_both_backends! {
    async fn a_source_keeps_its_newest_events_only(db) {
        use backline::{
            domain::status::{ComponentState, Snapshot, StatusChange, StatusKind},
            store::status::{EVENTS_KEPT, PollOutcome, StoredValidators},
        };
        let url = "http://127.0.0.1:9/api/v2/summary.json".to_owned();
        let now = crate::helpers::NOW.parse().unwrap();
        db.store.register_status_sources(&[(url.clone(), StatusKind::Statuspage)], now).await.unwrap();
        let change = |i: i64| StatusChange::Component {
            name: format!("component {i}"),
            from: None,
            to: ComponentState::Operational,
        };
        for round in 0..2 {
            assert_eq!(db.store.claim_due_sources(std::slice::from_ref(&url), "me", now, now, 1).await.unwrap().len(), 1);
            let outcome = PollOutcome::Read {
                snapshot: Snapshot::default(),
                changes: (0..EVENTS_KEPT).map(|i| change(round * EVENTS_KEPT + i)).collect(),
                validators: StoredValidators::default(),
            };
            db.store.record_poll(&url, "me", &outcome, now, now).await.unwrap().unwrap();
        }
        let kept = db.store.status_events(&url, 10 * EVENTS_KEPT).await.unwrap();
        assert_eq!(kept.len() as i64, EVENTS_KEPT);
        assert_eq!(kept[0].change, change(2 * EVENTS_KEPT - 1), "newest first");
        assert_eq!(kept.last().unwrap().change, change(EVENTS_KEPT), "the oldest kept");
    }
}

on_both_backends! {
    async fn a_lease_held_too_long_is_taken_over_and_the_late_poll_is_not_recorded(db) {
        use backline::{domain::status::StatusKind, store::status::PollOutcome};
        let url = "http://127.0.0.1:9/api/v2/summary.json".to_owned();
        let urls = std::slice::from_ref(&url);
        let now: chrono::DateTime<chrono::Utc> = crate::helpers::NOW.parse().unwrap();
        let later = now + Duration::seconds(61);
        db.store.register_status_sources(&[(url.clone(), StatusKind::Statuspage)], now).await.unwrap();
        assert_eq!(db.store.claim_due_sources(urls, "a", now, now + Duration::seconds(60), 5).await.unwrap().len(), 1);
        assert!(db.store.claim_due_sources(urls, "b", now, now + Duration::seconds(60), 5).await.unwrap().is_empty(), "leased by a");
        assert_eq!(db.store.claim_due_sources(urls, "b", later, later + Duration::seconds(60), 5).await.unwrap().len(), 1, "a's lease ran out");
        let failed = PollOutcome::Failed { error: "slow".into() };
        assert!(db.store.record_poll(&url, "a", &failed, later, later).await.unwrap().is_none(), "a no longer holds it");
        assert!(db.store.record_poll(&url, "b", &PollOutcome::NotModified, later, later).await.unwrap().is_some());
        let reading = db.store.status_reading(&url).await.unwrap().unwrap();
        assert_eq!((reading.checked_at, reading.failing_since), (Some(later), None), "a's failure was not recorded");
    }
}

on_both_backends! {
    async fn a_watched_component_the_page_does_not_have_is_a_check_warning_once_the_page_is_read(db) {
        let Setup { app, fake, poller } = setup(&db).await;
        let typo = plans(fake.url()).replace("\"Git Operations\"", "\"Gti Operations\"");
        db.store.import(GuildId::LOCAL, &parse(&typo), false).await.unwrap();
        let unknown = |audited: Vec<backline::commands::upkeep::Audited>| {
            audited
                .into_iter()
                .flat_map(|a| {
                    let slug = a.vendor.slug.to_string();
                    a.findings
                        .into_iter()
                        .filter(|f| f.kind == backline::domain::FindingKind::UnknownStatusComponent)
                        .map(move |f| (slug.clone(), f.message))
                })
                .collect::<Vec<_>>()
        };
        let before = unknown(app.core.audit(GuildId::LOCAL).await.unwrap());
        assert!(before.is_empty(), "nothing is known of the page before it is read: {before:?}");
        assert_eq!(poller.poll_due(None).await.unwrap(), 1);
        let after = unknown(app.core.audit(GuildId::LOCAL).await.unwrap());
        assert_eq!(after.len(), 1, "{after:?}");
        assert_eq!(after[0].0, "github");
        assert!(after[0].1.contains("no component named `Gti Operations`"), "{}", after[0].1);
        assert!(!after[0].1.contains("Actions"), "a component the page has is fine: {}", after[0].1);
    }
}
