//! Upgrades keep data: databases written by earlier releases (tests/fixtures/upgrade/<version>/)
//! are opened with the current migrations and every row is read back through the store.
//!
//! Every release adds its own fixture with `write_upgrade_fixture` (ignored; see
//! tests/fixtures/upgrade/README.md): the same data set, written by that release.

use std::path::{Path, PathBuf};

use backline::{
    domain::{
        ChangeSource, GuildId, GuildSettings, HistoryEntry, Severity, VendorSlug,
        case::{Case, CaseStatus, Delivery, EventKind, Notification, NotifyTarget, Recipient},
    },
    store::{self, DatabaseUrl, NewCase, NewEvent, Store},
};
use chrono::{DateTime, TimeZone, Utc};

use crate::helpers::{POSTGRES_ENV, parse};

/// A real Discord server and the command line's registry (guild 0).
const REAL_ID: u64 = 712_345_678_901_234_567;
const LOCAL: GuildId = GuildId::LOCAL;

const DANA: u64 = 402_811_948_512_772_097;
const RAVI: u64 = 402_811_948_512_772_098;
const ONCALL_ROLE: u64 = 402_811_948_512_779_001;
const ESCALATION_CONTACT: u64 = 402_811_948_512_770_555;
const RESPONDER: u64 = 402_811_948_512_771_111;
const LEFT_FOR_GOOD: u64 = 402_811_948_512_773_333;
const CAME_BACK: u64 = 402_811_948_512_774_444;
const CHANNEL: u64 = 402_811_948_512_775_000;
const NOTICES: u64 = 402_811_948_512_776_000;
const MANAGERS: u64 = 402_811_948_512_777_000;

fn real() -> GuildId {
    GuildId::new(REAL_ID).unwrap()
}

fn at(day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, day, hour, minute, 0).unwrap()
}

fn slug(s: &str) -> VendorSlug {
    VendorSlug::parse(s).unwrap()
}

fn fixtures_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/upgrade")
}

/// The registry imported into both guilds (a copy kept with each fixture).
fn plans(dir: &Path) -> Vec<backline::domain::Vendor> {
    parse(&std::fs::read_to_string(dir.join("plans.toml")).expect("fixture plans.toml"))
}

fn new_case(
    vendor: &str,
    name: &str,
    severity: Severity,
    opened_at: DateTime<Utc>,
    due: Option<DateTime<Utc>>,
) -> NewCase {
    NewCase {
        vendor: slug(vendor),
        vendor_name: name.to_owned(),
        severity,
        vendor_severity: Some(format!("{name} {severity}")),
        summary: format!("{name} is down for checkout"),
        vendor_case_id: None,
        link: None,
        channel_id: Some(CHANNEL),
        opened_by: RESPONDER,
        opened_at,
        response_due: due,
    }
}

fn event(kind: EventKind, detail: &str, when: DateTime<Utc>, interaction: u64) -> NewEvent {
    NewEvent {
        kind,
        actor: Some(RESPONDER),
        detail: detail.to_owned(),
        at: when,
        interaction_id: Some(interaction),
    }
}

fn targets() -> Vec<NotifyTarget> {
    vec![
        NotifyTarget {
            recipient: Recipient::User(DANA),
            label: "Dana Whitfield (owner)".into(),
        },
        NotifyTarget {
            recipient: Recipient::User(RAVI),
            label: "Ravi Menon (backup)".into(),
        },
        NotifyTarget {
            recipient: Recipient::Role(ONCALL_ROLE),
            label: "role for sev1".into(),
        },
    ]
}

/// Writes the data set every fixture holds, through the store API of the release that
/// writes it. `check` below reads it back.
async fn populate(store: &dyn Store, plans: &[backline::domain::Vendor]) {
    // The registry, in both guilds; then a second import that updates one vendor and
    // prunes another (history: added, updated, removed).
    store.import(real(), plans, false).await.unwrap();
    store.import(LOCAL, plans, false).await.unwrap();
    let mut second: Vec<_> = plans
        .iter()
        .filter(|v| v.slug.as_str() != "stripe")
        .cloned()
        .collect();
    second
        .iter_mut()
        .find(|v| v.slug.as_str() == "aws")
        .unwrap()
        .plan
        .as_mut()
        .unwrap()
        .tier = "Enterprise On-Ramp".into();
    store.import(real(), &second, true).await.unwrap();

    // An edit from Discord, a verification, an owner's "needs updating", a departure.
    let before = store.vendor(real(), &slug("github")).await.unwrap().unwrap();
    let mut after = before.clone();
    after.owner.name = "Priya Natarajan".into();
    store
        .save_vendor_edit(
            real(),
            &before,
            &after,
            &ChangeSource::Discord(RESPONDER),
            "set-owner",
            at(2, 9, 0),
        )
        .await
        .unwrap();
    store
        .record_verification(
            real(),
            &slug("cloudflare"),
            DANA,
            at(3, 10, 0),
            "contacts confirmed",
        )
        .await
        .unwrap();
    store
        .record_verification(LOCAL, &slug("aws"), RAVI, at(3, 11, 0), "checked by phone")
        .await
        .unwrap();
    store
        .record_history(
            real(),
            &[
                HistoryEntry {
                    slug: slug("elastic"),
                    at: at(4, 8, 0),
                    source: ChangeSource::Discord(DANA),
                    action: "needs-update".into(),
                    detail: "the owner says the contacts need updating".into(),
                },
                HistoryEntry {
                    slug: slug("pagerduty"),
                    at: at(4, 9, 0),
                    source: ChangeSource::Gateway,
                    action: "owner-left".into(),
                    detail: format!("owner Sam (Discord {LEFT_FOR_GOOD}) left the server"),
                },
            ],
        )
        .await
        .unwrap();
    assert!(
        store
            .record_departure(real(), LEFT_FOR_GOOD, at(4, 9, 0))
            .await
            .unwrap()
    );
    assert!(
        store
            .record_departure(real(), CAME_BACK, at(4, 9, 30))
            .await
            .unwrap()
    );
    store.clear_departure(real(), CAME_BACK).await.unwrap();

    store
        .set_guild_settings(
            real(),
            &GuildSettings {
                sensitive_contacts: true,
                notice_channel: Some(NOTICES),
                manager_role: Some(MANAGERS),
                digest_every: backline::domain::ResponseTime::from_days(1),
                dm_owners: true,
                ..GuildSettings::default()
            },
        )
        .await
        .unwrap();
    assert!(
        store
            .claim_digest(real(), at(1, 0, 0), at(1, 0, 5))
            .await
            .unwrap()
    );
    assert!(
        store
            .claim_digest(real(), at(2, 0, 0), at(2, 0, 7))
            .await
            .unwrap()
    );

    // Case #1: opened (notifications sent), escalated (failed), updated, vendor responded, closed.
    let opened = store
        .open_case(
            real(),
            &new_case(
                "aws",
                "Amazon Web Services",
                Severity::Sev1,
                at(5, 10, 0),
                Some(at(5, 10, 15)),
            ),
            &event(EventKind::Opened, "opened", at(5, 10, 0), 9001),
            &targets(),
        )
        .await
        .unwrap();
    store
        .mark_delivery(real(), opened.event_id, Delivery::Sent)
        .await
        .unwrap();
    let before = opened.case;
    let mut after = before.clone();
    after.escalation_level = 1;
    let escalated = store
        .record_case_event(
            real(),
            &before,
            &after,
            &event(
                EventKind::Escalated,
                "escalated to Technical Account Manager",
                at(5, 10, 20),
                9002,
            ),
            &[NotifyTarget {
                recipient: Recipient::User(ESCALATION_CONTACT),
                label: "Jo Park (Technical Account Manager)".into(),
            }],
        )
        .await
        .unwrap();
    store
        .mark_delivery(real(), escalated.event_id, Delivery::Failed)
        .await
        .unwrap();
    let before = escalated.case;
    let mut after = before.clone();
    after.vendor_case_id = Some("AWS-1234567890".into());
    after.link = Some("https://support.console.aws.amazon.com/support/home#/case/?caseId=1234567890".into());
    let updated = store
        .record_case_event(
            real(),
            &before,
            &after,
            &event(
                EventKind::Updated,
                "vendor case ID AWS-1234567890",
                at(5, 10, 25),
                9003,
            ),
            &[],
        )
        .await
        .unwrap();
    let before = updated.case;
    let mut after = before.clone();
    after.status = CaseStatus::VendorResponded;
    after.vendor_responded_at = Some(at(5, 10, 40));
    let responded = store
        .record_case_event(
            real(),
            &before,
            &after,
            &event(EventKind::VendorResponded, "AWS answered", at(5, 10, 40), 9004),
            &[],
        )
        .await
        .unwrap();
    let before = responded.case;
    let mut after = before.clone();
    after.status = CaseStatus::Closed;
    after.closed_at = Some(at(5, 12, 0));
    after.resolution = Some("AWS replaced the failed host".into());
    store
        .record_case_event(
            real(),
            &before,
            &after,
            &event(
                EventKind::Closed,
                "AWS replaced the failed host",
                at(5, 12, 0),
                9005,
            ),
            &[],
        )
        .await
        .unwrap();

    // Case #2: open, notifications still pending, overdue and its reminder claimed.
    store
        .open_case(
            real(),
            &new_case(
                "github",
                "GitHub",
                Severity::Sev2,
                at(6, 9, 0),
                Some(at(6, 10, 0)),
            ),
            &event(EventKind::Opened, "opened", at(6, 9, 0), 9006),
            &targets()[..1],
        )
        .await
        .unwrap();
    // Case #3: open, due later, its reminder not claimed yet.
    store
        .open_case(
            real(),
            &new_case(
                "elastic",
                "Elastic",
                Severity::Sev3,
                at(6, 9, 30),
                Some(at(6, 21, 30)),
            ),
            &event(EventKind::Opened, "opened", at(6, 9, 30), 9007),
            &[],
        )
        .await
        .unwrap();
    let claimed = store.claim_overdue_reminders(at(6, 11, 0), 10).await.unwrap();
    assert_eq!(
        claimed.iter().map(|(g, c)| (*g, c.number)).collect::<Vec<_>>(),
        [(real(), 2)]
    );

    // Guild 0: one case, no response clock, notification sent.
    let local = store
        .open_case(
            LOCAL,
            &new_case("cloudflare", "Cloudflare", Severity::Sev4, at(7, 8, 0), None),
            &event(EventKind::Opened, "opened", at(7, 8, 0), 9101),
            &targets()[..1],
        )
        .await
        .unwrap();
    store
        .mark_delivery(LOCAL, local.event_id, Delivery::Sent)
        .await
        .unwrap();
}

/// Reads the data set back and checks every row, then checks the upgraded database keeps
/// working: numbering, idempotency and claims continue where the old release left off.
async fn check(store: &dyn Store, plans: &[backline::domain::Vendor]) {
    // The registry.
    let local = store.vendors(LOCAL).await.unwrap();
    assert_eq!(local, plans, "guild 0's registry");
    let stored = store.vendors(real()).await.unwrap();
    let real_slugs: Vec<&str> = stored.iter().map(|v| v.slug.as_str()).collect();
    let mut expected: Vec<&str> = plans
        .iter()
        .map(|v| v.slug.as_str())
        .filter(|s| *s != "stripe")
        .collect();
    expected.sort();
    assert_eq!(real_slugs, expected);
    for vendor in &stored {
        let mut want = plans.iter().find(|v| v.slug == vendor.slug).unwrap().clone();
        match vendor.slug.as_str() {
            "aws" => want.plan.as_mut().unwrap().tier = "Enterprise On-Ramp".into(),
            "github" => want.owner.name = "Priya Natarajan".into(),
            _ => {}
        }
        assert_eq!(*vendor, want, "vendor {}", vendor.slug);
    }
    let summaries = store.vendor_summaries(real()).await.unwrap();
    let aws = summaries.iter().find(|s| s.slug.as_str() == "aws").unwrap();
    assert_eq!(aws.name, "Amazon Web Services");
    assert_eq!(aws.aliases, ["amazon", "amazon web services", "ec2"]);
    assert_eq!(aws.criticality, backline::domain::Criticality::Critical);
    assert_eq!(store.registry_guilds().await.unwrap(), [LOCAL, real()]);

    // Settings: set in the real guild, never set in guild 0.
    assert_eq!(
        store.guild_settings(real()).await.unwrap(),
        GuildSettings {
            sensitive_contacts: true,
            notice_channel: Some(NOTICES),
            manager_role: Some(MANAGERS),
            digest_every: backline::domain::ResponseTime::from_days(1),
            dm_owners: true,
            ..GuildSettings::default()
        }
    );
    assert_eq!(
        store.guild_settings(LOCAL).await.unwrap(),
        GuildSettings::default()
    );

    // Verifications, departures, history.
    let verified = store.verifications(real()).await.unwrap();
    assert_eq!(verified.len(), 1);
    assert_eq!(verified[&slug("cloudflare")], (DANA, at(3, 10, 0)));
    let verified = store.verifications(LOCAL).await.unwrap();
    assert_eq!(verified.len(), 1);
    assert_eq!(verified[&slug("aws")], (RAVI, at(3, 11, 0)));
    assert_eq!(store.departed(real()).await.unwrap(), [LEFT_FOR_GOOD].into());
    assert!(store.departed(LOCAL).await.unwrap().is_empty());

    let history = store.history(real(), None, 100).await.unwrap();
    let lines: Vec<(&str, &str, Option<u64>, &str)> = history
        .iter()
        .map(|h| (h.slug.as_str(), h.source.as_str(), h.actor(), h.action.as_str()))
        .collect();
    let mut want: Vec<(&str, &str, Option<u64>, &str)> = vec![
        ("pagerduty", "gateway", None, "owner-left"),
        ("elastic", "discord", Some(DANA), "needs-update"),
        ("cloudflare", "discord", Some(DANA), "verified"),
        ("github", "discord", Some(RESPONDER), "set-owner"),
        ("stripe", "import", None, "removed"),
        ("aws", "import", None, "updated"),
    ];
    let mut added: Vec<&str> = plans.iter().map(|v| v.slug.as_str()).collect();
    added.reverse();
    want.extend(added.iter().map(|s| (*s, "import", None, "added")));
    assert_eq!(lines, want);
    let by_slug = |s: &str, action: &str| {
        history
            .iter()
            .find(|h| h.slug.as_str() == s && h.action == action)
            .unwrap()
    };
    assert_eq!(by_slug("github", "set-owner").at, at(2, 9, 0));
    assert!(
        by_slug("github", "set-owner").detail.contains("Priya Natarajan"),
        "{}",
        by_slug("github", "set-owner").detail
    );
    assert!(by_slug("aws", "updated").detail.contains("Enterprise On-Ramp"));
    assert_eq!(
        by_slug("stripe", "removed").detail,
        "removed: not in the imported files"
    );
    assert_eq!(by_slug("cloudflare", "verified").detail, "contacts confirmed");
    assert_eq!(by_slug("elastic", "needs-update").at, at(4, 8, 0));
    assert_eq!(
        by_slug("pagerduty", "owner-left").detail,
        format!("owner Sam (Discord {LEFT_FOR_GOOD}) left the server")
    );
    let local_history = store.history(LOCAL, None, 100).await.unwrap();
    assert_eq!(local_history.len(), plans.len() + 1);
    assert_eq!(
        (local_history[0].action.as_str(), local_history[0].actor()),
        ("verified", Some(RAVI))
    );
    assert_eq!(
        store
            .history(real(), Some(&slug("github")), 100)
            .await
            .unwrap()
            .len(),
        2
    );

    // Cases.
    let cases = store.cases(real(), None, None, 10).await.unwrap();
    assert_eq!(
        cases.iter().map(|c| (c.number, c.status)).collect::<Vec<_>>(),
        [
            (3, CaseStatus::Open),
            (2, CaseStatus::Open),
            (1, CaseStatus::Closed)
        ]
    );
    let first = store.case(real(), 1).await.unwrap().unwrap();
    assert_eq!(
        first,
        Case {
            number: 1,
            vendor: slug("aws"),
            vendor_name: "Amazon Web Services".into(),
            severity: Severity::Sev1,
            vendor_severity: Some("Amazon Web Services sev1".into()),
            summary: "Amazon Web Services is down for checkout".into(),
            vendor_case_id: Some("AWS-1234567890".into()),
            link: Some("https://support.console.aws.amazon.com/support/home#/case/?caseId=1234567890".into()),
            channel_id: Some(CHANNEL),
            opened_by: RESPONDER,
            opened_at: at(5, 10, 0),
            response_due: Some(at(5, 10, 15)),
            status: CaseStatus::Closed,
            escalation_level: 1,
            vendor_responded_at: Some(at(5, 10, 40)),
            closed_at: Some(at(5, 12, 0)),
            resolution: Some("AWS replaced the failed host".into()),
        }
    );
    let timeline = store.timeline(real(), 1).await.unwrap();
    let events: Vec<(EventKind, Option<u64>, &str, DateTime<Utc>)> = timeline
        .events
        .iter()
        .map(|e| (e.kind, e.actor, e.detail.as_str(), e.at))
        .collect();
    assert_eq!(
        events,
        [
            (EventKind::Opened, Some(RESPONDER), "opened", at(5, 10, 0)),
            (
                EventKind::Escalated,
                Some(RESPONDER),
                "escalated to Technical Account Manager",
                at(5, 10, 20)
            ),
            (
                EventKind::Updated,
                Some(RESPONDER),
                "vendor case ID AWS-1234567890",
                at(5, 10, 25)
            ),
            (
                EventKind::VendorResponded,
                Some(RESPONDER),
                "AWS answered",
                at(5, 10, 40)
            ),
            (
                EventKind::Closed,
                Some(RESPONDER),
                "AWS replaced the failed host",
                at(5, 12, 0)
            ),
        ]
    );
    let (opened_id, escalated_id) = (timeline.events[0].id, timeline.events[1].id);
    let sent = |event_id, recipient, label: &str, at, delivery| Notification {
        event_id,
        recipient,
        label: label.to_owned(),
        method: "channel-mention".to_owned(),
        at,
        delivery,
        reason: None,
    };
    assert_eq!(
        timeline.notifications,
        [
            sent(
                opened_id,
                Recipient::User(DANA),
                "Dana Whitfield (owner)",
                at(5, 10, 0),
                Delivery::Sent
            ),
            sent(
                opened_id,
                Recipient::User(RAVI),
                "Ravi Menon (backup)",
                at(5, 10, 0),
                Delivery::Sent
            ),
            sent(
                opened_id,
                Recipient::Role(ONCALL_ROLE),
                "role for sev1",
                at(5, 10, 0),
                Delivery::Sent
            ),
            sent(
                escalated_id,
                Recipient::User(ESCALATION_CONTACT),
                "Jo Park (Technical Account Manager)",
                at(5, 10, 20),
                Delivery::Failed
            ),
        ]
    );
    let second = store.timeline(real(), 2).await.unwrap();
    assert_eq!(second.events.len(), 1);
    assert_eq!(
        second
            .notifications
            .iter()
            .map(|n| (n.recipient, n.delivery))
            .collect::<Vec<_>>(),
        [(Recipient::User(DANA), Delivery::Pending)]
    );
    let exported = store
        .cases_with_timelines(real(), Some(at(6, 0, 0)))
        .await
        .unwrap();
    assert_eq!(
        exported
            .iter()
            .map(|(c, t)| (c.number, c.vendor.as_str(), t.events.len()))
            .collect::<Vec<_>>(),
        [(2, "github", 1), (3, "elastic", 1)]
    );
    let local_cases = store.cases_with_timelines(LOCAL, None).await.unwrap();
    assert_eq!(local_cases.len(), 1);
    let (case, timeline) = &local_cases[0];
    assert_eq!(
        (
            case.number,
            case.vendor.as_str(),
            case.severity,
            case.response_due
        ),
        (1, "cloudflare", Severity::Sev4, None)
    );
    assert_eq!(timeline.notifications[0].delivery, Delivery::Sent);

    // The upgraded database keeps working where the old release left off.
    assert!(
        !store
            .claim_digest(real(), at(2, 0, 0), at(9, 0, 0))
            .await
            .unwrap(),
        "the digest was claimed before"
    );
    assert!(
        store
            .claim_digest(real(), at(3, 0, 0), at(9, 0, 0))
            .await
            .unwrap()
    );
    let claimed = store.claim_overdue_reminders(at(9, 0, 0), 10).await.unwrap();
    assert_eq!(
        claimed.iter().map(|(g, c)| (*g, c.number)).collect::<Vec<_>>(),
        [(real(), 3)],
        "case #2 was reminded before"
    );
    let replay = store
        .open_case(
            real(),
            &new_case("aws", "Amazon Web Services", Severity::Sev1, at(5, 10, 0), None),
            &event(EventKind::Opened, "opened", at(5, 10, 0), 9001),
            &[],
        )
        .await
        .unwrap();
    assert!(
        replay.replayed && replay.case.number == 1,
        "a redelivered interaction opens nothing new"
    );
    let fourth = store
        .open_case(
            real(),
            &new_case("aws", "Amazon Web Services", Severity::Sev2, at(9, 0, 0), None),
            &event(EventKind::Opened, "opened", at(9, 0, 0), 9999),
            &targets(),
        )
        .await
        .unwrap();
    assert_eq!((fourth.case.number, fourth.replayed), (4, false));
    assert!(fourth.event_id > escalated_id);
    assert!(
        !store
            .record_departure(real(), LEFT_FOR_GOOD, at(9, 0, 0))
            .await
            .unwrap()
    );
    let version = store.registry_version(real()).await.unwrap();
    store
        .set_guild_settings(real(), &GuildSettings::default())
        .await
        .unwrap();
    assert_eq!(store.registry_version(real()).await.unwrap(), version + 1);
}

/// The fixture versions present, oldest first.
fn fixture_versions() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(fixtures_root())
        .expect("tests/fixtures/upgrade")
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(!dirs.is_empty(), "no upgrade fixtures");
    dirs
}

#[tokio::test]
async fn sqlite_databases_of_every_release_upgrade_with_their_data() {
    for dir in fixture_versions() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("backline.db");
        std::fs::copy(dir.join("backline.sqlite3"), &path).unwrap();
        let url = DatabaseUrl::new(format!("sqlite://{}", path.display()));
        let store = store::connect(&url)
            .await
            .unwrap_or_else(|e| panic!("upgrading {}: {e:#}", dir.display()));
        check(store.as_ref(), &plans(&dir)).await;
        store.close().await;
    }
}

#[tokio::test]
#[cfg_attr(no_test_postgres, ignore = "no PostgreSQL: set BACKLINE_TEST_POSTGRES_URL")]
async fn postgres_databases_of_every_release_upgrade_with_their_data() {
    let Ok(admin_url) = std::env::var(POSTGRES_ENV) else {
        eprintln!("SKIPPED (PostgreSQL): set {POSTGRES_ENV} to run it");
        return;
    };
    for dir in fixture_versions() {
        // psql's meta-commands (pg_dump writes `\restrict`) are for psql, not the server.
        let dump: String = std::fs::read_to_string(dir.join("postgres.sql"))
            .unwrap()
            .lines()
            .filter(|line| !line.starts_with('\\'))
            .map(|line| format!("{line}\n"))
            .collect();
        let db = EmptyPostgres::create(&admin_url).await;
        let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(db.url.expose())
            .await
            .unwrap();
        sqlx::raw_sql(sqlx::AssertSqlSafe(dump))
            .execute(&mut conn)
            .await
            .unwrap();
        sqlx::Connection::close(conn).await.unwrap();
        let store = store::connect(&db.url)
            .await
            .unwrap_or_else(|e| panic!("upgrading {}: {e:#}", dir.display()));
        check(store.as_ref(), &plans(&dir)).await;
        store.close().await;
    }
}

/// A PostgreSQL database with nothing in it, dropped at the end.
struct EmptyPostgres {
    admin_url: String,
    name: String,
    url: DatabaseUrl,
}

impl EmptyPostgres {
    async fn create(admin_url: &str) -> Self {
        let name = format!(
            "backline_upgrade_{}_{}",
            std::process::id(),
            Utc::now().timestamp_micros()
        );
        let admin = sqlx::PgPool::connect(admin_url).await.unwrap();
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
            .execute(&admin)
            .await
            .unwrap();
        admin.close().await;
        let mut url = url::Url::parse(admin_url).unwrap();
        url.set_path(&name);
        Self {
            admin_url: admin_url.to_owned(),
            name,
            url: DatabaseUrl::new(url.to_string()),
        }
    }
}

impl Drop for EmptyPostgres {
    fn drop(&mut self) {
        crate::helpers::drop_postgres_database(&self.admin_url, &self.name);
    }
}

/// Writes this release's fixture: `cargo test --test it upgrade::write_upgrade_fixture --
/// --ignored` with `BACKLINE_TEST_POSTGRES_URL` set and `pg_dump` on PATH.
#[tokio::test]
#[ignore = "writes tests/fixtures/upgrade/<version>/: run once per release"]
async fn write_upgrade_fixture() {
    let dir = fixtures_root().join(env!("CARGO_PKG_VERSION"));
    // A committed fixture is what that release left on disk: never rewritten by a later build.
    assert!(
        !dir.exists(),
        "{} exists: bump the version in Cargo.toml first",
        dir.display()
    );
    std::fs::create_dir_all(&dir).unwrap();
    let plans_text = crate::helpers::example_plans();
    std::fs::write(dir.join("plans.toml"), &plans_text).unwrap();
    let vendors = plans(&dir);

    let db = crate::helpers::sqlite().await;
    populate(db.store.as_ref(), &vendors).await;
    db.store.close().await;
    let out = dir.join("backline.sqlite3");
    let _ = std::fs::remove_file(&out);
    let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(db.url())
        .await
        .unwrap();
    // One self-contained file (no WAL beside it), compacted.
    let vacuum = format!("VACUUM INTO '{}'", out.display());
    sqlx::raw_sql(sqlx::AssertSqlSafe(vacuum))
        .execute(&mut conn)
        .await
        .unwrap();
    sqlx::Connection::close(conn).await.unwrap();

    let db = crate::helpers::postgres().await;
    populate(db.store.as_ref(), &vendors).await;
    db.store.close().await;
    let dump = std::process::Command::new("pg_dump")
        .args([
            "--inserts",
            "--no-owner",
            "--no-privileges",
            "--no-comments",
            "--dbname",
            db.url(),
        ])
        .output()
        .expect("run pg_dump");
    assert!(
        dump.status.success(),
        "pg_dump: {}",
        String::from_utf8_lossy(&dump.stderr)
    );
    std::fs::write(dir.join("postgres.sql"), dump.stdout).unwrap();
}
