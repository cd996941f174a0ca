//! `/case open` and delivery marks committed in groups: openings that arrive together in one
//! guild are numbered without gaps, each recorded once with its own notifications; a
//! redelivery gets its case; one opening the database refuses fails alone; a batch that
//! cannot be written fails every opening in it; marks that arrive together are all kept.

use std::sync::Arc;

use backline::{
    domain::{
        GuildId, Severity, VendorSlug,
        case::{Delivery, EventKind, NotifyTarget, Recipient},
    },
    store::{NewCase, NewEvent, Recorded, SqliteStore, Store, StoreError},
};
use chrono::{Duration, TimeZone, Utc};
use futures_util::future::join_all;
use sqlx::Connection as _;

use crate::{
    helpers::{TestDb, example_plans, parse},
    on_both_backends,
};

const GUILD: GuildId = GuildId::LOCAL;
const OPENER: u64 = 402_811_948_512_771_111;
/// A summary the test's trigger makes the database refuse.
const REFUSED: &str = "the database refuses this one";

fn new_case(summary: &str) -> NewCase {
    let opened_at = Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap();
    NewCase {
        vendor: VendorSlug::parse("aws").unwrap(),
        vendor_name: "Amazon Web Services".into(),
        severity: Severity::Sev2,
        vendor_severity: None,
        summary: summary.to_owned(),
        vendor_case_id: None,
        link: None,
        channel_id: Some(7),
        opened_by: OPENER,
        opened_at,
        response_due: Some(opened_at + Duration::minutes(30)),
    }
}

fn opened(summary: &str, interaction: Option<u64>) -> NewEvent {
    NewEvent {
        kind: EventKind::Opened,
        actor: Some(OPENER),
        detail: format!("sev2: {summary}"),
        at: Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap(),
        interaction_id: interaction,
    }
}

/// Three people per case, their IDs derived from the case's summary index: each case's
/// notifications are its own.
fn targets(i: u64) -> Vec<NotifyTarget> {
    (0..3)
        .map(|k| NotifyTarget {
            recipient: Recipient::User(1_000_000 + i * 10 + k),
            label: format!("person {k} of {i}"),
        })
        .collect()
}

/// Opens `summaries.len()` cases at once, the i-th with interaction `interactions[i]`.
async fn open_at_once(
    store: &Arc<dyn Store>,
    openings: &[(String, Option<u64>, u64)],
) -> Vec<Result<Recorded, StoreError>> {
    let tasks = openings.iter().cloned().map(|(summary, interaction, people)| {
        let store = Arc::clone(store);
        tokio::spawn(async move {
            store
                .open_case(
                    GUILD,
                    &new_case(&summary),
                    &opened(&summary, interaction),
                    &targets(people),
                )
                .await
        })
    });
    join_all(tasks).await.into_iter().map(Result::unwrap).collect()
}

async fn numbers(store: &Arc<dyn Store>) -> Vec<i64> {
    let mut numbers: Vec<i64> = store
        .cases(GUILD, None, None, 1000)
        .await
        .unwrap()
        .iter()
        .map(|c| c.number)
        .collect();
    numbers.sort();
    numbers
}

on_both_backends! {
    async fn openings_at_once_get_gapless_numbers_each_its_own_case_event_and_notifications(db) {
        let openings: Vec<(String, Option<u64>, u64)> =
            (0..200u64).map(|i| (format!("incident {i}"), Some(5_000 + i), i)).collect();
        let results = open_at_once(&db.store, &openings).await;
        assert_eq!(numbers(&db.store).await, (1..=200).collect::<Vec<_>>());
        for ((summary, _, people), result) in openings.iter().zip(results) {
            let recorded = result.unwrap();
            assert!(!recorded.replayed);
            assert_eq!(&recorded.case.summary, summary, "each opening is answered with its own case");
            let stored = db.store.case(GUILD, recorded.case.number).await.unwrap().unwrap();
            assert_eq!(&stored.summary, summary);
            let timeline = db.store.timeline(GUILD, recorded.case.number).await.unwrap();
            assert_eq!(timeline.events.len(), 1);
            assert_eq!(timeline.events[0].id, recorded.event_id);
            assert_eq!(timeline.events[0].detail, format!("sev2: {summary}"));
            let notified: Vec<(Recipient, String, i64, Delivery)> = timeline
                .notifications
                .iter()
                .map(|n| (n.recipient, n.label.clone(), n.event_id, n.delivery))
                .collect();
            let expected: Vec<(Recipient, String, i64, Delivery)> = targets(*people)
                .into_iter()
                .map(|t| (t.recipient, t.label, recorded.event_id, Delivery::Pending))
                .collect();
            assert_eq!(notified, expected, "every notification of case #{}, in order", recorded.case.number);
        }
    }
}

on_both_backends! {
    async fn an_interaction_delivered_twice_at_once_gets_one_case_answered_to_both(db) {
        // Each interaction twice, side by side: most pairs land in the same batch.
        let openings: Vec<(String, Option<u64>, u64)> =
            (0..60u64).map(|i| (format!("incident {}", i / 2), Some(7_000 + i / 2), i / 2)).collect();
        let results: Vec<Recorded> = open_at_once(&db.store, &openings).await.into_iter().map(Result::unwrap).collect();
        assert_eq!(numbers(&db.store).await, (1..=30).collect::<Vec<_>>());
        for pair in results.chunks(2) {
            assert_eq!(pair[0].case.number, pair[1].case.number, "the same interaction, the same case");
            assert_eq!(pair[0].event_id, pair[1].event_id);
            assert_eq!(pair[0].case.summary, pair[1].case.summary);
            assert_eq!(pair.iter().filter(|r| r.replayed).count(), 1, "recorded once, replayed once");
        }
    }
}

on_both_backends! {
    async fn a_redelivery_among_new_openings_gets_its_case_and_the_others_are_numbered_on(db) {
        let first = db.store
            .open_case(GUILD, &new_case("first"), &opened("first", Some(1)), &targets(0))
            .await
            .unwrap();
        let mut openings: Vec<(String, Option<u64>, u64)> =
            (1..40u64).map(|i| (format!("incident {i}"), Some(9_000 + i), i)).collect();
        openings.insert(20, ("first".into(), Some(1), 0));
        let results = open_at_once(&db.store, &openings).await;
        let again = results[20].as_ref().unwrap();
        assert!(again.replayed);
        assert_eq!((again.case.number, again.event_id), (first.case.number, first.event_id));
        assert!(results.iter().enumerate().all(|(i, r)| i == 20 || !r.as_ref().unwrap().replayed));
        assert_eq!(numbers(&db.store).await, (1..=40).collect::<Vec<_>>());
        assert_eq!(db.store.timeline(GUILD, 1).await.unwrap().events.len(), 1);
    }
}

/// Makes the database refuse any case whose summary is `REFUSED`.
async fn refuse_one_summary(db: &TestDb) {
    if db.url().starts_with("sqlite") {
        let mut conn = sqlx::SqliteConnection::connect(db.url()).await.unwrap();
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "CREATE TRIGGER refuse_one BEFORE INSERT ON cases WHEN NEW.summary = '{REFUSED}' \
             BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
        )))
        .execute(&mut conn)
        .await
        .unwrap();
    } else {
        let mut conn = sqlx::PgConnection::connect(db.url()).await.unwrap();
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "CREATE FUNCTION refuse_one() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
               IF NEW.summary = '{REFUSED}' THEN RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $$; \
             CREATE TRIGGER refuse_one BEFORE INSERT ON cases FOR EACH ROW EXECUTE FUNCTION refuse_one()"
        )))
        .execute(&mut conn)
        .await
        .unwrap();
    }
}

on_both_backends! {
    async fn an_opening_the_database_refuses_fails_alone_and_the_others_are_recorded(db) {
        refuse_one_summary(&db).await;
        let mut openings: Vec<(String, Option<u64>, u64)> =
            (0..40u64).map(|i| (format!("incident {i}"), Some(11_000 + i), i)).collect();
        openings[25].0 = REFUSED.into();
        let results = open_at_once(&db.store, &openings).await;
        for (i, result) in results.iter().enumerate() {
            match (i, result) {
                (25, Err(StoreError::Database { .. })) => {}
                (25, other) => panic!("the refused opening must fail, got {other:?}"),
                (_, Ok(recorded)) => assert_eq!(recorded.case.summary, openings[i].0),
                (_, Err(error)) => panic!("opening {i} failed with its batch: {error:?}"),
            }
        }
        // Its number went back: the others are numbered without a gap.
        assert_eq!(numbers(&db.store).await, (1..=39).collect::<Vec<_>>());
        let all = db.store.cases_with_timelines(GUILD, None).await.unwrap();
        assert!(all.iter().all(|(_, timeline)| timeline.notifications.len() == 3));
    }
}

on_both_backends! {
    async fn delivery_marks_that_arrive_together_are_each_recorded(db) {
        let openings: Vec<(String, Option<u64>, u64)> =
            (0..60u64).map(|i| (format!("incident {i}"), Some(13_000 + i), i)).collect();
        let opened: Vec<Recorded> = open_at_once(&db.store, &openings).await.into_iter().map(Result::unwrap).collect();
        // Case i: even ones sent to all; odd ones: the first person's message failed, the
        // other two's went out; every third also has its failure said twice (the same mark).
        let marks = opened.iter().enumerate().flat_map(|(i, recorded)| {
            let store = Arc::clone(&db.store);
            let (event, people) = (recorded.event_id, targets(i as u64));
            let first = people[0].recipient;
            let rest: Vec<Recipient> = people[1..].iter().map(|t| t.recipient).collect();
            let repeats = if i % 3 == 0 { 2 } else { 1 };
            let mut tasks = Vec::new();
            if i % 2 == 0 {
                tasks.push(tokio::spawn(async move { store.mark_delivery(GUILD, event, Delivery::Sent).await }));
            } else {
                for _ in 0..repeats {
                    let store = Arc::clone(&store);
                    tasks.push(tokio::spawn(async move {
                        store.mark_recipients(GUILD, event, Some(&[first]), Delivery::Failed, Some("Discord answered 403")).await
                    }));
                }
                tasks.push(tokio::spawn(async move {
                    store.mark_recipients(GUILD, event, Some(&rest), Delivery::Sent, None).await
                }));
            }
            tasks
        });
        for mark in join_all(marks.collect::<Vec<_>>()).await {
            mark.unwrap().unwrap();
        }
        for (i, recorded) in opened.iter().enumerate() {
            let timeline = db.store.timeline(GUILD, recorded.case.number).await.unwrap();
            let marked: Vec<(Delivery, Option<&str>)> =
                timeline.notifications.iter().map(|n| (n.delivery, n.reason.as_deref())).collect();
            let expected = if i % 2 == 0 {
                vec![(Delivery::Sent, None); 3]
            } else {
                vec![(Delivery::Failed, Some("Discord answered 403")), (Delivery::Sent, None), (Delivery::Sent, None)]
            };
            assert_eq!(marked, expected, "case {i}");
        }
    }
}

#[tokio::test]
async fn on_a_full_disk_every_opening_of_a_batch_fails_and_none_is_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let url =
        backline::store::DatabaseUrl::new(format!("sqlite://{}", dir.path().join("backline.db").display()));
    let sqlite = Arc::new(SqliteStore::connect(&url, Default::default()).await.unwrap());
    sqlite
        .import(GUILD, &parse(&example_plans()), false)
        .await
        .unwrap();
    let store: Arc<dyn Store> = sqlite.clone();
    let mut conn = sqlx::SqliteConnection::connect(url.expose()).await.unwrap();
    let (pages,): (i64,) = sqlx::query_as("PRAGMA page_count")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    sqlite.limit_pages(Some(u32::try_from(pages).unwrap()));
    let long = "x".repeat(64 * 1024);
    let openings: Vec<(String, Option<u64>, u64)> = (0..30u64)
        .map(|i| (format!("{long}{i}"), Some(15_000 + i), i))
        .collect();
    for result in open_at_once(&store, &openings).await {
        let error = result.expect_err("no opening is answered as recorded on a full disk");
        assert!(format!("{error:#?}").contains("full"), "{error:#?}");
    }
    assert!(numbers(&store).await.is_empty());

    sqlite.limit_pages(None);
    let results = open_at_once(&store, &openings).await;
    assert!(
        results.iter().all(Result::is_ok),
        "the same openings, retried, are recorded"
    );
    assert_eq!(
        numbers(&store).await,
        (1..=30).collect::<Vec<_>>(),
        "no number was used by the failed ones"
    );
}

#[tokio::test]
#[cfg_attr(no_test_postgres, ignore = "no PostgreSQL: set BACKLINE_TEST_POSTGRES_URL")]
async fn while_postgres_is_cut_off_every_opening_of_a_batch_fails_and_none_is_recorded() {
    let db = crate::helpers::postgres().await;
    db.store
        .import(GUILD, &parse(&example_plans()), false)
        .await
        .unwrap();
    let mut url = url::Url::parse(db.url()).unwrap();
    let target: std::net::SocketAddr = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap_or(5432))
        .parse()
        .unwrap();
    let proxy = crate::resilience::Proxy::start(target).await;
    url.set_port(Some(proxy.addr.port())).unwrap();
    let limits = backline::store::ConnectLimits {
        acquire_timeout: std::time::Duration::from_millis(500),
    };
    let through_proxy =
        backline::store::connect_with(&backline::store::DatabaseUrl::new(url.to_string()), limits)
            .await
            .unwrap();
    let openings: Vec<(String, Option<u64>, u64)> = (0..30u64)
        .map(|i| (format!("incident {i}"), Some(17_000 + i), i))
        .collect();
    open_at_once(&through_proxy, &openings[..1])
        .await
        .into_iter()
        .for_each(|r| assert!(r.is_ok()));

    proxy.cut();
    for result in open_at_once(&through_proxy, &openings[1..]).await {
        let error = result.expect_err("no opening is answered as recorded while the database is cut off");
        assert!(
            error.is_unreachable(),
            "seen as the database unreachable: {error:#?}"
        );
    }
    assert_eq!(
        numbers(&db.store).await,
        [1],
        "nothing of the failed batches was written"
    );

    proxy.restore();
    let results = open_at_once(&through_proxy, &openings[1..]).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(numbers(&db.store).await, (1..=30).collect::<Vec<_>>());
}
