//! Cases through the command core on both backends: lifecycle, notifications, idempotency,
//! concurrency, the response clock.

use backline::{
    commands::{Caller, Command, Core, OpenCase, UpdateCase},
    domain::{
        GuildId,
        case::{CaseStatus, Delivery, Recipient},
    },
    store,
};
use chrono::{DateTime, Duration, Utc};

use crate::{
    helpers::{
        self, CallerExt, NOW, RecordingPoster, TestApp, example_plans, parse, spawn_app, spawn_empty_app,
        user_error,
    },
    on_both_backends,
    surfaces::{md, md_of},
};

const DANA: u64 = 402_811_948_512_772_097; // AWS owner
const RAVI: u64 = 402_811_948_512_772_098; // AWS backup
const KIM: u64 = 402_811_948_512_772_110; // AWS first level
const JORDAN: u64 = 402_811_948_512_772_111; // AWS TAM, second level
const ONCALL_ROLE: u64 = 402_811_948_512_779_001; // AWS sev1 role
const OPENER: u64 = 42;

fn caller(interaction: u64) -> Caller {
    helpers::caller()
        .user(OPENER)
        .channel(777)
        .interaction(interaction)
}

fn open(vendor: &str, severity: &str, summary: &str) -> Command {
    Command::CaseOpen(OpenCase {
        vendor: vendor.into(),
        severity: severity.into(),
        summary: summary.into(),
        vendor_case_id: None,
        link: None,
    })
}

on_both_backends! {
    async fn a_case_goes_from_open_to_closed_with_every_notification_recorded(db) {
        let TestApp { core, clock } = spawn_app(&db).await;
        let opened = core.execute(&open("aws", "sev1", "Checkout 500s in eu-west-1"), &caller(1)).await.unwrap();
        let content = md_of(&opened.content);
        assert!(content.starts_with("🚨 **Case #1** opened with **Amazon Web Services** at **sev1** by <@42>."), "{content}");
        assert_eq!(opened.mentions.users, [DANA, RAVI, KIM], "owner, backup, first level: exactly them");
        assert_eq!(opened.mentions.roles, [ONCALL_ROLE]);
        assert!(!opened.mentions.users.contains(&OPENER), "the opener is named but not pinged");
        let template = md(opened.field_value("Case template").unwrap());
        assert!(template.contains("Impact: Checkout 500s in eu-west-1") && template.contains("Account / region: 4821-0937-5512"));
        assert!(template.contains("Severity: Business-critical system down"));
        let delivers = opened.delivers.expect("the message carries the opening notifications");
        db.store.mark_delivery(delivers.guild, delivers.event_id, Delivery::Sent).await.unwrap();

        let case = db.store.case(GuildId::LOCAL, 1).await.unwrap().unwrap();
        assert_eq!(case.response_due, Some(NOW.parse::<DateTime<Utc>>().unwrap() + Duration::minutes(15)));
        assert_eq!(case.vendor_severity.as_deref(), Some("Business-critical system down"));

        clock.advance(Duration::minutes(20));
        let escalated = core.execute(&Command::CaseEscalate { case: "1".into() }, &caller(2)).await.unwrap();
        assert_eq!(escalated.mentions.users, [JORDAN]);
        assert!(md_of(&escalated.content).contains("level 2 of 4: **Technical Account Manager**"));

        let update = UpdateCase { case: "#1".into(), vendor_case_id: Some("17170000001".into()), status: Some("vendor-responded".into()), note: None };
        let updated = core.execute(&Command::CaseUpdate(update), &caller(3)).await.unwrap();
        assert!(md_of(&updated.content).contains("The response clock is stopped"));
        assert_eq!(updated.mentions, Default::default());

        clock.advance(Duration::hours(2));
        let closed = core.execute(&Command::CaseClose { case: "1".into(), resolution: Some("AWS fixed a faulty LB".into()) }, &caller(4)).await.unwrap();
        assert!(md_of(&closed.content).contains("closed by <@42> after 2h 20m; the vendor first responded after 20m."));

        let case = db.store.case(GuildId::LOCAL, 1).await.unwrap().unwrap();
        assert_eq!(case.status, CaseStatus::Closed);
        assert_eq!(case.vendor_case_id.as_deref(), Some("17170000001"));
        let timeline = db.store.timeline(GuildId::LOCAL, 1).await.unwrap();
        let kinds: Vec<&str> = timeline.events.iter().map(|e| e.kind.as_str()).collect();
        // AWS declares a status feed: what it said at opening (not read yet here) is noted.
        assert_eq!(kinds, ["opened", "vendor-status", "escalated", "vendor-responded", "closed"]);
        assert_eq!(timeline.events[1].detail, "Amazon Web Services status at opening: status unknown: not read yet");
        let notified: Vec<(Recipient, Delivery)> = timeline.notifications.iter().map(|n| (n.recipient, n.delivery)).collect();
        assert_eq!(notified, [
            (Recipient::User(DANA), Delivery::Sent),
            (Recipient::User(RAVI), Delivery::Sent),
            (Recipient::User(KIM), Delivery::Sent),
            (Recipient::Role(ONCALL_ROLE), Delivery::Sent),
            (Recipient::User(JORDAN), Delivery::Pending),
        ]);
        assert!(timeline.notifications.iter().all(|n| n.method == "channel-mention"));

        let show = core.execute(&Command::CaseShow { case: "1".into() }, &caller(5)).await.unwrap();
        // Everyone notified is listed after the card (the timeline counts them).
        let shown = show.appendix.iter().map(md).collect::<Vec<_>>().join("\n");
        let timeline = md(&show.fields[0].value);
        assert!(timeline.contains("→ notified 4: 4 sent (each listed below)") && timeline.contains("→ notified 1: 0 sent, 1 pending"), "{timeline}");
        for who in ["Dana Whitfield (owner)", "Ravi Menon (backup)", "Kim Osei (AWS Support (case))", "role for sev1", "Jordan Alvarez (Technical Account Manager)"] {
            assert!(shown.contains(who), "timeline misses {who}: {shown}");
        }
        assert!(show.ephemeral);
    }
}

on_both_backends! {
    async fn the_same_interaction_twice_records_one_case_and_one_escalation(db) {
        let TestApp { core, .. } = spawn_app(&db).await;
        let first = core.execute(&open("aws", "sev2", "Elevated latency"), &caller(100)).await.unwrap();
        let again = core.execute(&open("aws", "sev2", "Elevated latency"), &caller(100)).await.unwrap();
        assert_eq!(first.title, again.title);
        assert_eq!(db.store.cases(GuildId::LOCAL, None, None, 10).await.unwrap().len(), 1);

        core.execute(&Command::CaseEscalate { case: "1".into() }, &caller(101)).await.unwrap();
        core.execute(&Command::CaseEscalate { case: "1".into() }, &caller(101)).await.unwrap();
        let case = db.store.case(GuildId::LOCAL, 1).await.unwrap().unwrap();
        assert_eq!(case.escalation_level, 1, "a redelivered escalation escalates once");
        let timeline = db.store.timeline(GuildId::LOCAL, 1).await.unwrap();
        assert_eq!(timeline.events.len(), 3, "opened, its status note, escalated");
        assert_eq!(timeline.notifications.len(), 4, "3 at opening (no role for sev2) + 1 at escalation");
    }
}

on_both_backends! {
    async fn two_hundred_openings_at_once_get_two_hundred_distinct_numbers(db) {
        let TestApp { core, .. } = spawn_app(&db).await;
        let openings = (0..200u64).map(|i| {
            let core = core.clone();
            tokio::spawn(async move { core.execute(&open("aws", "sev1", &format!("incident {i}")), &caller(10_000 + i)).await })
        });
        for opening in futures_util::future::join_all(openings).await {
            opening.unwrap().unwrap();
        }
        let cases = db.store.cases(GuildId::LOCAL, None, None, 1000).await.unwrap();
        let mut numbers: Vec<i64> = cases.iter().map(|c| c.number).collect();
        numbers.sort();
        assert_eq!(numbers, (1..=200).collect::<Vec<_>>());
        let all = db.store.cases_with_timelines(GuildId::LOCAL, None).await.unwrap();
        let rows: usize = all.iter().map(|(_, t)| t.notifications.len()).sum();
        assert_eq!(rows, 200 * 4, "owner, backup, first level and the sev1 role, for every case");
    }
}

on_both_backends! {
    async fn each_person_is_notified_once_per_event_even_in_two_roles(db) {
        let text = example_plans().replace(
            "name = \"Kim Osei\"\nrole = \"Our AWS liaison in the vendor's Discord\"\ndiscord_id = \"402811948512772110\"",
            "name = \"Dana Whitfield\"\nrole = \"also our liaison\"\ndiscord_id = \"402811948512772097\"",
        );
        db.store.import(GuildId::LOCAL, &parse(&text), false).await.unwrap();
        let TestApp { core, .. } = spawn_empty_app(&db, NOW);
        let opened = core.execute(&open("aws", "sev3", "Slow API"), &caller(7)).await.unwrap();
        assert_eq!(opened.mentions.users, [DANA, RAVI]);
        assert_eq!(db.store.timeline(GuildId::LOCAL, 1).await.unwrap().notifications.len(), 2);
    }
}

on_both_backends! {
    async fn bad_input_gets_a_clear_message_and_records_nothing(db) {
        let TestApp { core, .. } = spawn_app(&db).await;
        let message = user_error(core.execute(&open("awz", "sev1", "x"), &caller(1)).await);
        assert!(message.contains("Did you mean `aws`"), "{message}");
        let message = user_error(core.execute(&open("aws", "sev1", &"x".repeat(201)), &caller(2)).await);
        assert!(message.contains("201 characters; the limit is 200"), "{message}");
        let message = user_error(core.execute(&open("aws", "critical", "x"), &caller(3)).await);
        assert!(message.contains("use sev1, sev2, sev3 or sev4"), "{message}");
        let message = user_error(core.execute(&Command::CaseEscalate { case: "9".into() }, &caller(4)).await);
        assert!(message.contains("There is no case #9"), "{message}");
        let message = user_error(core.execute(&Command::CaseShow { case: "abc".into() }, &caller(5)).await);
        assert!(message.contains("is not a case number"), "{message}");
        assert!(db.store.cases(GuildId::LOCAL, None, None, 10).await.unwrap().is_empty());

        core.execute(&open("pagerduty", "sev1", "Pages delayed"), &caller(6)).await.unwrap();
        let message = user_error(core.execute(&Command::CaseEscalate { case: "1".into() }, &caller(7)).await);
        assert!(message.contains("already at the top of PagerDuty's escalation ladder"), "{message}");
        let nothing = UpdateCase { case: "1".into(), ..UpdateCase::default() };
        assert!(user_error(core.execute(&Command::CaseUpdate(nothing), &caller(8)).await).starts_with("Nothing to update"));
        core.execute(&Command::CaseClose { case: "1".into(), resolution: None }, &caller(9)).await.unwrap();
        let message = user_error(core.execute(&Command::CaseClose { case: "1".into(), resolution: None }, &caller(10)).await);
        assert!(message.contains("already closed"), "{message}");
        assert_eq!(db.store.timeline(GuildId::LOCAL, 1).await.unwrap().events.len(), 2);
    }
}

on_both_backends! {
    async fn list_shows_open_cases_first_then_newest(db) {
        let TestApp { core, .. } = spawn_app(&db).await;
        for (i, vendor) in ["aws", "stripe", "github"].into_iter().enumerate() {
            core.execute(&open(vendor, "sev2", "problem"), &caller(i as u64 + 1)).await.unwrap();
        }
        core.execute(&Command::CaseClose { case: "3".into(), resolution: None }, &caller(9)).await.unwrap();
        let cases = db.store.cases(GuildId::LOCAL, None, None, 10).await.unwrap();
        assert_eq!(cases.iter().map(|c| c.number).collect::<Vec<_>>(), [2, 1, 3]);
        let list = core.execute(&Command::CaseList { vendor: Some("Stripe".into()), status: None }, &caller(10)).await.unwrap();
        let text = md_of(&list.description);
        assert!(text.contains("**#2**") && !text.contains("**#1**"), "{text}");
    }
}

on_both_backends! {
    async fn an_overdue_case_is_reminded_once_and_the_opener_pinged(db) {
        let TestApp { core, clock } = spawn_app(&db).await;
        core.execute(&open("aws", "sev1", "Checkout down"), &caller(1)).await.unwrap();
        core.execute(&open("aws", "sev4", "Console typo"), &caller(2)).await.unwrap();
        let poster = RecordingPoster::default();
        assert_eq!(core.post_overdue_reminders(&poster).await.unwrap(), 0, "not due yet");

        clock.advance(Duration::minutes(16));
        assert_eq!(core.post_overdue_reminders(&poster).await.unwrap(), 1);
        assert_eq!(core.post_overdue_reminders(&poster).await.unwrap(), 0, "once");
        let posts = poster.posts.lock().unwrap().clone();
        assert_eq!(posts.len(), 1);
        let (channel, reminder) = &posts[0];
        assert_eq!(*channel, 777);
        assert_eq!(reminder.mentions.users, [OPENER]);
        assert!(md_of(&reminder.content).contains("Consider escalating to **Technical Account Manager**"));
        let timeline = db.store.timeline(GuildId::LOCAL, 1).await.unwrap();
        assert_eq!(timeline.events.last().unwrap().kind.as_str(), "reminder");
        assert_eq!(timeline.notifications.last().unwrap().delivery, Delivery::Sent);
    }
}

on_both_backends! {
    async fn a_responded_case_is_not_reminded_and_a_failed_post_is_recorded_as_failed(db) {
        let TestApp { core, clock } = spawn_app(&db).await;
        core.execute(&open("aws", "sev1", "A"), &caller(1)).await.unwrap();
        core.execute(&open("aws", "sev1", "B"), &caller(2)).await.unwrap();
        let responded = UpdateCase { case: "1".into(), status: Some("vendor-responded".into()), ..UpdateCase::default() };
        core.execute(&Command::CaseUpdate(responded), &caller(3)).await.unwrap();
        clock.advance(Duration::hours(1));
        let failing = RecordingPoster { fail: true, ..RecordingPoster::default() };
        assert_eq!(core.post_overdue_reminders(&failing).await.unwrap(), 0);
        let timeline = db.store.timeline(GuildId::LOCAL, 2).await.unwrap();
        let row = timeline.notifications.last().unwrap();
        assert_eq!(row.delivery, Delivery::Failed, "what happened is recorded");
        assert_eq!(row.reason.as_deref(), Some(crate::helpers::REFUSED), "with Discord's reason");
        assert!(db.store.timeline(GuildId::LOCAL, 1).await.unwrap().events.iter().all(|e| e.kind.as_str() != "reminder"));
        assert_eq!(core.post_overdue_reminders(&RecordingPoster::default()).await.unwrap(), 0, "claimed once, never again");
    }
}

#[tokio::test]
#[cfg_attr(no_test_postgres, ignore = "no PostgreSQL: set BACKLINE_TEST_POSTGRES_URL")]
async fn two_replicas_on_one_postgres_post_each_reminder_once() {
    let db = crate::helpers::postgres().await;
    let TestApp { core, clock } = spawn_app(&db).await;
    for i in 0..30 {
        core.execute(&open("aws", "sev1", &format!("incident {i}")), &caller(i + 1))
            .await
            .unwrap();
    }
    clock.advance(Duration::minutes(30));
    let second_store = store::connect(&db.url).await.unwrap();
    let replica = Core::new(second_store, clock.clone());
    let (a, b) = (RecordingPoster::default(), RecordingPoster::default());
    let (first, second) = tokio::join!(
        core.post_overdue_reminders(&a),
        replica.post_overdue_reminders(&b)
    );
    let (first, second) = (first.unwrap(), second.unwrap());
    assert_eq!(
        first + second,
        30,
        "every overdue case reminded: {first} + {second}"
    );
    let mut reminded: Vec<String> = a
        .posts
        .lock()
        .unwrap()
        .iter()
        .chain(b.posts.lock().unwrap().iter())
        .map(|(_, r)| md_of(&r.content))
        .collect();
    reminded.sort();
    reminded.dedup();
    assert_eq!(reminded.len(), 30, "and none twice");
}

on_both_backends! {
    async fn a_link_that_is_not_a_plain_web_address_is_refused_before_anything_is_recorded(db) {
        let TestApp { core, .. } = spawn_app(&db).await;
        for link in ["ftp://files.example/case", "https://x.example/ @everyone", "see the ticket"] {
            let command = Command::CaseOpen(OpenCase {
                vendor: "aws".into(),
                severity: "sev2".into(),
                summary: "Elevated latency".into(),
                vendor_case_id: None,
                link: Some(link.into()),
            });
            let message = user_error(core.execute(&command, &caller(1)).await);
            assert!(message.starts_with("The link `") && message.ends_with("` is not a web address: paste the full https:// address."), "{message}");
        }
        assert!(db.store.cases(GuildId::LOCAL, None, None, 10).await.unwrap().is_empty(), "nothing recorded");
    }
}

on_both_backends! {
    async fn a_failed_notification_shows_its_reason_per_person_in_show_and_export(db) {
        let TestApp { core, .. } = spawn_app(&db).await;
        let opened = core.execute(&open("aws", "sev1", "Checkout down"), &caller(1)).await.unwrap();
        let delivers = opened.delivers.unwrap();
        let reason = "Discord answered 403 (Missing Permissions)";
        let (sent, failed) = ([Recipient::User(DANA), Recipient::User(RAVI)], [Recipient::User(KIM), Recipient::Role(ONCALL_ROLE)]);
        db.store.mark_recipients(delivers.guild, delivers.event_id, Some(&sent), Delivery::Sent, None).await.unwrap();
        db.store.mark_recipients(delivers.guild, delivers.event_id, Some(&failed), Delivery::Failed, Some(reason)).await.unwrap();

        let show = core.execute(&Command::CaseShow { case: "1".into() }, &caller(5)).await.unwrap();
        let shown = show.appendix.iter().map(md).collect::<Vec<_>>().join("\n");
        assert!(shown.find("Kim Osei").unwrap() < shown.find("Dana Whitfield").unwrap(), "failed first: {shown}");
        let line = |who: &str| shown.lines().find(|l| l.contains(who)).unwrap_or_else(|| panic!("{who} missing: {shown}")).to_owned();
        for who in ["Dana Whitfield (owner)", "Ravi Menon (backup)"] {
            let line = line(who);
            assert!(line.contains("· sent") && !line.contains("403"), "{line}");
        }
        for who in ["Kim Osei (AWS Support (case))", "role for sev1"] {
            let line = line(who);
            assert!(line.contains("· failed") && line.contains("Missing Permissions"), "{line}");
        }

        let cases = db.store.cases_with_timelines(GuildId::LOCAL, None).await.unwrap();
        let csv = backline::commands::export::cases_csv(&cases).unwrap();
        let header = csv.lines().next().unwrap();
        assert!(header.ends_with(",delivery,delivery_reason"), "{header}");
        let kim = csv.lines().find(|l| l.contains(&KIM.to_string())).unwrap();
        assert!(kim.ends_with(&format!(",failed,{reason}")), "{kim}");
        let dana = csv.lines().find(|l| l.contains(&DANA.to_string())).unwrap();
        assert!(dana.ends_with(",sent,"), "{dana}");
        let json = backline::commands::export::cases_json(&cases);
        let notified = &json[0]["events"][0]["notified"];
        let reasons: Vec<_> = notified.as_array().unwrap().iter().map(|n| (n["delivery"].clone(), n["reason"].clone())).collect();
        assert_eq!(reasons, [
            (serde_json::json!("sent"), serde_json::Value::Null),
            (serde_json::json!("sent"), serde_json::Value::Null),
            (serde_json::json!("failed"), serde_json::json!(reason)),
            (serde_json::json!("failed"), serde_json::json!(reason)),
        ]);
    }
}
