//! Both storage backends: import semantics, guild isolation, round trips, and stored values
//! that do not read back.

use backline::{
    domain::{GuildId, VendorSlug, plans_file},
    store::StoreError,
};

use crate::{
    helpers::{example_plans, parse},
    on_both_backends,
};

const GUILD_A: GuildId = GuildId::LOCAL;

fn guild(id: u64) -> GuildId {
    GuildId::new(id).unwrap()
}

fn slugs(list: &[VendorSlug]) -> Vec<&str> {
    list.iter().map(|s| s.as_str()).collect()
}

on_both_backends! {
    async fn importing_the_same_file_twice_changes_nothing_the_second_time(db) {
        let vendors = parse(&example_plans());
        let first = db.store.import(GUILD_A, &vendors, false).await.unwrap();
        assert_eq!(first.added.len(), vendors.len());
        let second = db.store.import(GUILD_A, &vendors, false).await.unwrap();
        assert_eq!(second.unchanged.len(), vendors.len());
        assert!(second.added.is_empty() && second.updated.is_empty() && second.removed.is_empty());
        assert_eq!(db.store.vendors(GUILD_A).await.unwrap(), vendors);
    }
}

on_both_backends! {
    async fn a_changed_vendor_is_updated_and_the_rest_left_alone(db) {
        let mut vendors = parse(&example_plans());
        db.store.import(GUILD_A, &vendors, false).await.unwrap();
        let aws = vendors.iter_mut().find(|v| v.slug.as_str() == "aws").unwrap();
        aws.plan.as_mut().unwrap().tier = "Enterprise On-Ramp".into();
        let summary = db.store.import(GUILD_A, &vendors, false).await.unwrap();
        assert_eq!(slugs(&summary.updated), ["aws"]);
        assert_eq!(summary.unchanged.len(), vendors.len() - 1);
        let stored = db.store.vendor(GUILD_A, &VendorSlug::parse("aws").unwrap()).await.unwrap().unwrap();
        assert_eq!(stored.plan.unwrap().tier, "Enterprise On-Ramp");
    }
}

on_both_backends! {
    async fn vendors_missing_from_the_file_are_removed_only_with_prune(db) {
        let vendors = parse(&example_plans());
        db.store.import(GUILD_A, &vendors, false).await.unwrap();
        let fewer: Vec<_> = vendors.iter().filter(|v| v.slug.as_str() != "stripe").cloned().collect();

        let kept = db.store.import(GUILD_A, &fewer, false).await.unwrap();
        assert!(kept.removed.is_empty());
        assert_eq!(db.store.vendors(GUILD_A).await.unwrap().len(), vendors.len());

        let pruned = db.store.import(GUILD_A, &fewer, true).await.unwrap();
        assert_eq!(slugs(&pruned.removed), ["stripe"]);
        assert_eq!(db.store.vendors(GUILD_A).await.unwrap(), fewer);
    }
}

on_both_backends! {
    async fn each_guild_sees_only_its_own_vendors(db) {
        let all = parse(&example_plans());
        let (first, second): (Vec<_>, Vec<_>) = all.into_iter().partition(|v| v.slug.as_str() < "f");
        db.store.import(guild(111), &first, false).await.unwrap();
        db.store.import(guild(222), &second, false).await.unwrap();

        assert_eq!(db.store.vendors(guild(111)).await.unwrap(), first);
        assert_eq!(db.store.vendors(guild(222)).await.unwrap(), second);
        let summaries = db.store.vendor_summaries(guild(111)).await.unwrap();
        assert_eq!(summaries.len(), first.len());
        for vendor in &second {
            assert_eq!(db.store.vendor(guild(111), &vendor.slug).await.unwrap(), None);
        }
        // Pruning one guild never touches another.
        db.store.import(guild(111), &first[..1], true).await.unwrap();
        assert_eq!(db.store.vendors(guild(222)).await.unwrap(), second);
        assert!(db.store.vendors(GuildId::LOCAL).await.unwrap().is_empty());
    }
}

on_both_backends! {
    async fn export_import_export_gives_identical_text(db) {
        db.store.import(GUILD_A, &parse(&example_plans()), false).await.unwrap();
        let exported = plans_file::to_toml(&db.store.vendors(GUILD_A).await.unwrap()).unwrap();

        let fresh = crate::helpers::sqlite().await;
        fresh.store.import(GUILD_A, &parse(&exported), false).await.unwrap();
        let again = plans_file::to_toml(&fresh.store.vendors(GUILD_A).await.unwrap()).unwrap();
        assert_eq!(again, exported);
    }
}

on_both_backends! {
    async fn ping_answers_and_summaries_are_sorted_by_slug(db) {
        db.store.ping().await.unwrap();
        db.store.import(GUILD_A, &parse(&example_plans()), false).await.unwrap();
        let summaries = db.store.vendor_summaries(GUILD_A).await.unwrap();
        let slugs: Vec<&str> = summaries.iter().map(|s| s.slug.as_str()).collect();
        let mut sorted = slugs.clone();
        sorted.sort();
        assert_eq!(slugs, sorted);
        let aws = summaries.iter().find(|s| s.slug.as_str() == "aws").unwrap();
        assert!(aws.aliases.contains(&"amazon".to_owned()));
    }
}

/// Runs `sql` on the test database behind the store's back (a hand edit, a bad migration).
async fn tamper(db: &crate::helpers::TestDb, sql: &'static str) {
    use sqlx::Connection as _;
    if db.store.backend() == backline::store::Backend::Postgres {
        let mut conn = sqlx::PgConnection::connect(db.url()).await.unwrap();
        sqlx::raw_sql(sql).execute(&mut conn).await.unwrap();
    } else {
        let mut conn = sqlx::SqliteConnection::connect(db.url()).await.unwrap();
        sqlx::raw_sql(sql).execute(&mut conn).await.unwrap();
    }
}

fn corrupt<T: std::fmt::Debug>(result: Result<T, StoreError>) -> (&'static str, String, &'static str) {
    match result {
        Err(StoreError::Corrupt {
            table, key, column, ..
        }) => (table, key, column),
        other => panic!("expected Corrupt, got {other:?}"),
    }
}

on_both_backends! {
    async fn a_stored_value_that_does_not_read_back_is_corrupt_naming_table_key_and_column(db) {
        use backline::domain::{ChangeSource, GuildSettings, HistoryEntry};
        let vendors = parse(&example_plans());
        db.store.import(GUILD_A, &vendors, false).await.unwrap();
        db.store.set_guild_settings(GUILD_A, &GuildSettings::default()).await.unwrap();
        let at = chrono::Utc::now();
        let entry = HistoryEntry {
            slug: VendorSlug::parse("aws").unwrap(),
            at,
            source: ChangeSource::Discord(7),
            action: "note".into(),
            detail: String::new(),
        };
        db.store.record_history(GUILD_A, &[entry]).await.unwrap();

        tamper(&db, "UPDATE vendors SET criticality = 'apocalyptic' WHERE slug = 'aws'").await;
        assert_eq!(
            corrupt(db.store.vendor_summaries(GUILD_A).await),
            ("vendors", "guild 0, vendor aws".to_owned(), "criticality")
        );
        tamper(&db, "UPDATE vendors SET document = 'slug = 3' WHERE slug = 'github'").await;
        assert_eq!(
            corrupt(db.store.vendor(GUILD_A, &VendorSlug::parse("github").unwrap()).await),
            ("vendors", "guild 0, vendor github".to_owned(), "document")
        );
        tamper(&db, "UPDATE guild_settings SET digest_every_minutes = 0").await;
        assert_eq!(
            corrupt(db.store.guild_settings(GUILD_A).await),
            ("guild_settings", "guild 0".to_owned(), "digest_every_minutes")
        );
        tamper(&db, "UPDATE vendor_history SET actor = NULL WHERE action = 'note'").await;
        let (table, key, column) = corrupt(db.store.history(GUILD_A, None, 100).await);
        assert_eq!((table, column), ("vendor_history", "source"));
        assert!(key.starts_with("guild 0, entry "), "{key}");
        // Other guilds' rows are not read, so they are not reported.
        assert!(db.store.history(guild(111), None, 100).await.unwrap().is_empty());
    }
}

on_both_backends! {
    async fn a_case_whose_timeline_does_not_read_back_is_corrupt_not_defaulted(db) {
        use backline::{
            domain::{Severity, case::{Delivery, EventKind, NotifyTarget, Recipient}},
            store::{NewCase, NewEvent},
        };
        let at = chrono::Utc::now();
        let case = NewCase {
            vendor: VendorSlug::parse("aws").unwrap(),
            vendor_name: "AWS".into(),
            severity: Severity::Sev2,
            vendor_severity: None,
            summary: "down".into(),
            vendor_case_id: None,
            link: None,
            channel_id: None,
            opened_by: 5,
            opened_at: at,
            response_due: None,
        };
        let event = NewEvent { kind: EventKind::Opened, actor: Some(5), detail: "opened".into(), at, interaction_id: None };
        let target = NotifyTarget { recipient: Recipient::Role(9), label: "on-call".into() };
        let opened = db.store.open_case(GUILD_A, &case, &event, &[target]).await.unwrap();
        db.store.mark_delivery(GUILD_A, opened.event_id, Delivery::Sent).await.unwrap();

        tamper(&db, "UPDATE notifications SET delivery = 'maybe'").await;
        let (table, key, column) = corrupt(db.store.timeline(GUILD_A, 1).await);
        assert_eq!((table, column), ("notifications", "delivery"));
        assert!(key.starts_with("guild 0, notification "), "{key}");
        tamper(&db, "UPDATE case_events SET kind = 'exploded'").await;
        let (table, _, column) = corrupt(db.store.timeline(GUILD_A, 1).await);
        assert_eq!((table, column), ("case_events", "kind"));
        tamper(&db, "UPDATE cases SET escalation_level = -1").await;
        assert_eq!(
            corrupt(db.store.case(GUILD_A, 1).await),
            ("cases", "guild 0, case #1".to_owned(), "escalation_level")
        );
    }
}

on_both_backends! {
    async fn the_poller_reads_only_the_vendors_that_declare_a_status_page(db) {
        let mut vendors = parse(&example_plans());
        // A note that merely mentions the table's name does not make a status source.
        let plain = vendors.iter_mut().find(|v| v.status.is_none()).unwrap();
        plain.notes = Some("see [status] in the runbook".into());
        db.store.import(GUILD_A, &vendors, false).await.unwrap();
        let expected: Vec<String> = vendors
            .iter()
            .filter(|v| v.status.is_some())
            .map(|v| v.slug.to_string())
            .collect();
        assert!(expected.len() >= 2, "the examples watch several pages: {expected:?}");
        let mut expected = expected;
        expected.sort();
        let read: Vec<String> = db.store.vendors_with_status(GUILD_A).await.unwrap()
            .iter().map(|v| v.slug.to_string()).collect();
        assert_eq!(read, expected);
        assert!(db.store.vendors_with_status(guild(77)).await.unwrap().is_empty(), "another guild's vendors are not read");
    }
}
