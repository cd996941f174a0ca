//! The store under concurrent writers and failing writes: no "database is locked", nothing
//! half-written, and writes work again by themselves once the cause is gone.

use std::sync::Arc;

use backline::{
    domain::{
        ChangeSource, GuildId, GuildSettings, HistoryEntry, ResponseTime, Severity, VendorSlug,
        case::{CaseStatus, Delivery, EventKind, NotifyTarget, Recipient},
    },
    store::{CaseStore, DatabaseUrl, NewCase, NewEvent, SqliteStore, Store, StoreError, UpkeepStore},
};
use chrono::{Duration, TimeZone, Utc};

use crate::helpers::{example_plans, parse};

const GUILD: GuildId = GuildId::LOCAL;
const USER: u64 = 402_811_948_512_771_111;

fn slug(s: &str) -> VendorSlug {
    VendorSlug::parse(s).unwrap()
}

fn new_case(summary: &str, opened_minutes: i64) -> NewCase {
    let opened_at = Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap() + Duration::minutes(opened_minutes);
    NewCase {
        vendor: slug("aws"),
        vendor_name: "Amazon Web Services".into(),
        severity: Severity::Sev2,
        vendor_severity: None,
        summary: summary.to_owned(),
        vendor_case_id: None,
        link: None,
        channel_id: Some(7),
        opened_by: USER,
        opened_at,
        response_due: Some(opened_at + Duration::minutes(30)),
    }
}

fn opened(interaction: Option<u64>) -> NewEvent {
    NewEvent {
        kind: EventKind::Opened,
        actor: Some(USER),
        detail: "opened".into(),
        at: Utc::now(),
        interaction_id: interaction,
    }
}

fn notify() -> Vec<NotifyTarget> {
    vec![NotifyTarget {
        recipient: Recipient::User(USER),
        label: "someone (owner)".into(),
    }]
}

async fn sqlite_store(dir: &tempfile::TempDir) -> Arc<SqliteStore> {
    let url = DatabaseUrl::new(format!("sqlite://{}", dir.path().join("backline.db").display()));
    Arc::new(SqliteStore::connect(&url, Default::default()).await.unwrap())
}

/// One write of every kind the store has, on its own vendor, case or period where it
/// would otherwise conflict with itself.
async fn every_kind_of_write(
    store: Arc<SqliteStore>,
    round: u32,
) -> Vec<(&'static str, Result<(), StoreError>)> {
    let vendors = parse(&example_plans());
    let at = Utc::now();
    let mut out: Vec<(&'static str, Result<(), StoreError>)> = Vec::new();
    let mut aws = vendors.iter().find(|v| v.slug.as_str() == "aws").unwrap().clone();
    aws.plan.as_mut().unwrap().tier = format!("Enterprise {round}");
    out.push(("import", store.import(GUILD, &[aws], false).await.map(drop)));
    let settings = GuildSettings {
        digest_every: ResponseTime::from_minutes(60 + u64::from(round)),
        ..Default::default()
    };
    out.push((
        "set_guild_settings",
        store.set_guild_settings(GUILD, &settings).await,
    ));
    let opened = store
        .open_case(
            GUILD,
            &new_case(&format!("round {round}"), i64::from(round)),
            &opened(None),
            &notify(),
        )
        .await;
    match opened {
        Ok(recorded) => {
            out.push((
                "mark_delivery",
                store
                    .mark_delivery(GUILD, recorded.event_id, Delivery::Sent)
                    .await,
            ));
            let mut after = recorded.case.clone();
            after.status = CaseStatus::VendorResponded;
            after.vendor_responded_at = Some(at);
            let event = NewEvent {
                kind: EventKind::VendorResponded,
                actor: Some(USER),
                detail: "answered".into(),
                at,
                interaction_id: None,
            };
            out.push((
                "record_case_event",
                store
                    .record_case_event(GUILD, &recorded.case, &after, &event, &[])
                    .await
                    .map(drop),
            ));
        }
        Err(e) => out.push(("open_case", Err(e))),
    }
    out.push((
        "claim_overdue_reminders",
        store.claim_overdue_reminders(at, 5).await.map(drop),
    ));
    out.push((
        "record_verification",
        store
            .record_verification(GUILD, &slug("cloudflare"), USER, at, "ok")
            .await,
    ));
    // Edits of one vendor by concurrent rounds may conflict (a domain answer, not a lock).
    let before = store.vendor(GUILD, &slug("github")).await.unwrap().unwrap();
    let mut after = before.clone();
    after.owner.name = format!("Owner {round}");
    let edit = store
        .save_vendor_edit(
            GUILD,
            &before,
            &after,
            &ChangeSource::Discord(USER),
            "set-owner",
            at,
        )
        .await;
    out.push((
        "save_vendor_edit",
        if matches!(edit, Err(StoreError::Conflict(_))) {
            Ok(())
        } else {
            edit
        },
    ));
    let entry = HistoryEntry {
        slug: slug("elastic"),
        at,
        source: ChangeSource::Gateway,
        action: "owner-left".into(),
        detail: format!("round {round}"),
    };
    out.push(("record_history", store.record_history(GUILD, &[entry]).await));
    let member = 1000 + u64::from(round);
    out.push((
        "record_departure",
        store.record_departure(GUILD, member, at).await.map(drop),
    ));
    out.push(("clear_departure", store.clear_departure(GUILD, member).await));
    let period = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap() + Duration::days(i64::from(round % 3));
    out.push((
        "claim_digest",
        store.claim_digest(GUILD, period, at).await.map(drop),
    ));
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_of_every_kind_on_one_sqlite_file_never_see_a_locked_database() {
    let dir = tempfile::tempdir().unwrap();
    let store = sqlite_store(&dir).await;
    store
        .import(GUILD, &parse(&example_plans()), false)
        .await
        .unwrap();
    const ROUNDS: u32 = 24;
    let tasks: Vec<_> = (0..ROUNDS)
        .map(|round| tokio::spawn(every_kind_of_write(Arc::clone(&store), round)))
        .collect();
    let mut writes = 0;
    for task in tasks {
        for (kind, result) in task.await.unwrap() {
            if let Err(e) = result {
                panic!("{kind} failed: {e:#?}");
            }
            writes += 1;
        }
    }
    assert_eq!(writes, ROUNDS * 11);
    // Every round's case is there, numbered 1..=ROUNDS without a gap or a repeat.
    let mut numbers: Vec<i64> = store
        .cases(GUILD, None, None, 100)
        .await
        .unwrap()
        .iter()
        .map(|c| c.number)
        .collect();
    numbers.sort();
    assert_eq!(numbers, (1..=i64::from(ROUNDS)).collect::<Vec<_>>());
    // Three digest periods, each claimed once whatever the number of contenders.
    let period = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    assert!(!store.claim_digest(GUILD, period, Utc::now()).await.unwrap());
    assert!(store.departed(GUILD).await.unwrap().is_empty());
}

/// Reads `PRAGMA page_count` of the file from a connection of its own.
async fn page_count(dir: &tempfile::TempDir) -> u32 {
    let url = format!("sqlite://{}", dir.path().join("backline.db").display());
    let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url)
        .await
        .unwrap();
    let (pages,): (i64,) = sqlx::query_as("PRAGMA page_count")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    u32::try_from(pages).unwrap()
}

fn is_full(result: Result<impl std::fmt::Debug, StoreError>) -> StoreError {
    match result {
        Err(e @ StoreError::Database { .. }) => {
            assert!(
                format!("{e:#?}").contains("full"),
                "expected a full disk, got {e:#?}"
            );
            e
        }
        other => panic!("expected a database error, got {other:?}"),
    }
}

#[tokio::test]
async fn after_a_full_disk_writes_succeed_again_on_the_same_running_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = sqlite_store(&dir).await;
    let vendors = parse(&example_plans());
    store.import(GUILD, &vendors, false).await.unwrap();
    let first = store
        .open_case(
            GUILD,
            &new_case("before the disk filled", 0),
            &opened(Some(1)),
            &notify(),
        )
        .await
        .unwrap();
    let other = GuildId::new(42).unwrap();
    let version = store.registry_version(other).await.unwrap();

    // No page beyond those the file has: every write that needs one fails, as on a full disk.
    store.limit_pages(Some(page_count(&dir).await));
    let long = "x".repeat(64 * 1024);
    for attempt in 0..10 {
        let error = is_full(store.import(other, &vendors, false).await);
        // What a user would be shown is the generic message, never SQLite's.
        assert!(error.to_string().starts_with("database error while "), "{error}");
        assert!(!error.to_string().contains("full"), "{error}");
        is_full(
            store
                .open_case(
                    GUILD,
                    &new_case(&long, attempt),
                    &opened(Some(100 + attempt as u64)),
                    &notify(),
                )
                .await,
        );
    }
    // Nothing half-written: no vendor, no history, no version bump, no case, no case number used.
    assert!(store.vendors(other).await.unwrap().is_empty());
    assert!(store.history(other, None, 10).await.unwrap().is_empty());
    assert_eq!(store.registry_version(other).await.unwrap(), version);
    assert_eq!(store.cases(GUILD, None, None, 100).await.unwrap().len(), 1);

    // Space is back: the same store writes again, without a restart.
    store.limit_pages(None);
    let summary = store.import(other, &vendors, false).await.unwrap();
    assert_eq!(summary.added.len(), vendors.len());
    assert_eq!(store.vendors(other).await.unwrap(), vendors);
    let second = store
        .open_case(GUILD, &new_case(&long, 11), &opened(Some(2)), &notify())
        .await
        .unwrap();
    assert_eq!((first.case.number, second.case.number), (1, 2));
    assert_eq!(second.case.summary, long);
    store
        .mark_delivery(GUILD, second.event_id, Delivery::Sent)
        .await
        .unwrap();
    assert!(store.claim_digest(GUILD, Utc::now(), Utc::now()).await.unwrap());
}

#[tokio::test]
#[cfg_attr(no_test_postgres, ignore = "no PostgreSQL: set BACKLINE_TEST_POSTGRES_URL")]
async fn on_postgres_a_write_that_fails_halfway_leaves_nothing_and_the_next_write_succeeds() {
    let db = crate::helpers::postgres().await;
    let store: &dyn Store = db.store.as_ref();
    store
        .import(GUILD, &parse(&example_plans()), false)
        .await
        .unwrap();
    store
        .open_case(GUILD, &new_case("first", 0), &opened(Some(1)), &notify())
        .await
        .unwrap();
    // Writes that fail inside their transaction: the case insert after the counter moved
    // (PostgreSQL refuses NUL in text), and a claim the server rejects (a negative LIMIT).
    // The connections they ran on are closed, not pooled again in an aborted transaction.
    let bad = NewCase {
        summary: "nul \0 inside".into(),
        ..new_case("", 1)
    };
    for attempt in 0..5 {
        let failed = store
            .open_case(GUILD, &bad, &opened(Some(100 + attempt)), &notify())
            .await;
        assert!(matches!(failed, Err(StoreError::Database { .. })), "{failed:?}");
        let failed = store.claim_overdue_reminders(Utc::now(), -1).await;
        assert!(matches!(failed, Err(StoreError::Database { .. })), "{failed:?}");
    }
    // Each of them left its connection idle at the head of the pool, had it not been closed.
    for n in 0..10 {
        assert!(
            store
                .claim_digest(GUILD, Utc::now() + Duration::days(n), Utc::now())
                .await
                .unwrap()
        );
    }
    let next = store
        .open_case(GUILD, &new_case("second", 2), &opened(Some(2)), &notify())
        .await
        .unwrap();
    assert_eq!(next.case.number, 2, "the failed cases used no number");
    assert_eq!(store.timeline(GUILD, 2).await.unwrap().notifications.len(), 1);
}
