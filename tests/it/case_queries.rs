//! How many queries the case paths cost, and that the cheaper queries answer as before:
//! numbers stay gapless when openings and redeliveries race, the export reads a fixed number
//! of queries whatever the number of cases, and case autocomplete searches every case of
//! the guild in the order it shows them.

use std::sync::{Arc, Mutex};

use backline::{
    commands::{Caller, Command, OpenCase},
    domain::GuildId,
};
use tracing_subscriber::{Layer, layer::SubscriberExt as _};

use crate::{
    helpers::{self, CallerExt, TestApp, spawn_app},
    on_both_backends,
};

fn caller(interaction: u64) -> Caller {
    helpers::caller().user(42).channel(777).interaction(interaction)
}

fn open(vendor: &str, summary: &str) -> Command {
    Command::CaseOpen(OpenCase {
        vendor: vendor.into(),
        severity: "sev3".into(),
        summary: summary.into(),
        vendor_case_id: None,
        link: None,
    })
}

async fn open_many(app: &TestApp, count: u64, first_interaction: u64) {
    for i in 0..count {
        let summary = format!("incident {}", first_interaction + i);
        app.core
            .execute(&open("aws", &summary), &caller(first_interaction + i))
            .await
            .unwrap();
    }
}

on_both_backends! {
    async fn openings_racing_their_own_redeliveries_leave_no_gap_in_the_numbers(db) {
        let app = spawn_app(&db).await;
        // Each interaction twice at once: one of each pair records, the other is a replay
        // (on PostgreSQL, a statement that fails on the interaction's ID after taking a number).
        let openings = (0..60u64).flat_map(|i| [i, i]).map(|i| {
            let core = app.core.clone();
            tokio::spawn(async move { core.execute(&open("aws", &format!("incident {i}")), &caller(50_000 + i)).await })
        });
        for opening in futures_util::future::join_all(openings).await {
            opening.unwrap().unwrap();
        }
        let cases = db.store.cases(GuildId::LOCAL, None, None, 1000).await.unwrap();
        let mut numbers: Vec<i64> = cases.iter().map(|c| c.number).collect();
        numbers.sort();
        assert_eq!(numbers, (1..=60).collect::<Vec<_>>());
        let opened = open("aws", "after the race");
        let next = app.core.execute(&opened, &caller(99_999)).await.unwrap();
        assert_eq!(next.title.as_deref(), Some("Case #61 · Amazon Web Services · sev3"));
    }
}

on_both_backends! {
    async fn the_export_gives_every_case_its_own_timeline(db) {
        let app = spawn_app(&db).await;
        open_many(&app, 3, 1000).await;
        app.core.execute(&Command::CaseEscalate { case: "2".into() }, &caller(2000)).await.unwrap();
        let exported = db.store.cases_with_timelines(GuildId::LOCAL, None).await.unwrap();
        let numbers: Vec<i64> = exported.iter().map(|(c, _)| c.number).collect();
        assert_eq!(numbers, [1, 2, 3]);
        for (case, timeline) in &exported {
            let one_at_a_time = db.store.timeline(GuildId::LOCAL, case.number).await.unwrap();
            let ids = |t: &backline::domain::Timeline| {
                (t.events.iter().map(|e| e.id).collect::<Vec<_>>(), t.notifications.iter().map(|n| (n.event_id, n.recipient)).collect::<Vec<_>>())
            };
            assert_eq!(ids(timeline), ids(&one_at_a_time), "case #{}", case.number);
        }
        // AWS has a status page in the examples: opening a case notes the vendor's status.
        let kinds = |t: &backline::domain::Timeline| t.events.iter().map(|e| e.kind.as_str()).filter(|k| *k != "vendor-status").collect::<Vec<_>>();
        assert_eq!(kinds(&exported[1].1), ["opened", "escalated"]);
        assert_eq!(kinds(&exported[0].1), ["opened"]);
    }
}

on_both_backends! {
    async fn the_json_export_written_as_it_goes_is_the_same_text_as_the_sorted_document(db) {
        let app = spawn_app(&db).await;
        open_many(&app, 2, 3000).await;
        app.core.execute(&Command::CaseEscalate { case: "1".into() }, &caller(4000)).await.unwrap();
        let exported = db.store.cases_with_timelines(GuildId::LOCAL, None).await.unwrap();
        // `cases export --format json` used to print a `serde_json::Value`, whose objects
        // list their fields in alphabetical order; the streamed text must not reorder them.
        let mut streamed = Vec::new();
        backline::commands::export::write_cases_json(&mut streamed, &exported).unwrap();
        let document = serde_json::to_string_pretty(&backline::commands::export::cases_json(&exported)).unwrap();
        assert_eq!(String::from_utf8(streamed).unwrap(), document);
        assert!(document.contains("\"notified\": ["), "{document}");
    }
}

/// The statements sqlx runs on this thread (it reports each one as a `sqlx::query` event,
/// from the task that awaits it on PostgreSQL), by their text.
#[derive(Clone, Default)]
struct Statements(Arc<Mutex<Vec<String>>>);

impl Statements {
    /// The export's own queries: reads of the cases (each names `cases c`). Not the store's
    /// background writers, polled on this thread meanwhile, nor sqlx's one-time look-ups of
    /// the database's types on a new connection.
    fn export_queries(&self) -> Vec<String> {
        let all = self.0.lock().unwrap();
        all.iter()
            .filter(|s| s.starts_with("SELECT") && s.contains("cases c"))
            .cloned()
            .collect()
    }
}

struct Summary(String);

impl tracing::field::Visit for Summary {
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        let statement = field.name() == "db.statement" && !value.trim().is_empty();
        if statement || (field.name() == "summary" && self.0.is_empty()) {
            self.0 = value.trim().to_owned();
        }
    }
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.record_str(field, &format!("{value:?}"));
    }
}

impl<S: tracing::Subscriber> Layer<S> for Statements {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        if event.metadata().target() == "sqlx::query" {
            let mut summary = Summary(String::new());
            event.record(&mut summary);
            self.0.lock().unwrap().push(summary.0);
        }
    }
}

#[tokio::test]
#[cfg_attr(no_test_postgres, ignore = "no PostgreSQL: set BACKLINE_TEST_POSTGRES_URL")]
async fn the_export_runs_the_same_number_of_queries_for_two_cases_as_for_twenty() {
    let db = helpers::postgres().await;
    let app = spawn_app(&db).await;
    let counted = || async {
        let statements = Statements::default();
        let _scope =
            tracing::subscriber::set_default(tracing_subscriber::registry().with(statements.clone()));
        let exported = db.store.cases_with_timelines(GuildId::LOCAL, None).await.unwrap();
        (exported.len(), statements.export_queries())
    };
    open_many(&app, 2, 1000).await;
    let (cases, few) = counted().await;
    assert_eq!(cases, 2);
    assert!(!few.is_empty(), "the statements were counted");
    open_many(&app, 18, 2000).await;
    let (cases, many) = counted().await;
    assert_eq!(cases, 20);
    assert_eq!(
        few.len(),
        many.len(),
        "queries per export: {few:#?} against {many:#?}"
    );
}

on_both_backends! {
    async fn case_autocomplete_searches_every_case_open_first_newest_first(db) {
        let app = spawn_app(&db).await;
        open_many(&app, 30, 1000).await;
        let close = Command::CaseClose { case: "30".into(), resolution: None };
        app.core.execute(&close, &caller(3000)).await.unwrap();
        let values = |typed: &'static str| {
            let core = app.core.clone();
            async move {
                let choices = core.case_choices(&caller(1), typed, 25).await.unwrap();
                choices.into_iter().map(|c| c.value).collect::<Vec<_>>()
            }
        };
        let all = values("").await;
        assert_eq!(all.len(), 25);
        assert_eq!(all[0], "29", "open ones first, newest first");
        assert!(!all.contains(&"30".to_owned()), "the closed one comes after 25 open ones");
        assert_eq!(values("#30").await, ["30"], "a closed case is still found");
        assert_eq!(values("2").await[..3], ["29", "28", "27"]);
        assert_eq!(values("INCIDENT 1005").await, ["6"], "case aside, in the summary");
        assert_eq!(values("amazon").await.len(), 25, "in the vendor's name");
        assert!(values("100%").await.is_empty(), "% is a character, not a wildcard");
        assert!(values("incident_1").await.is_empty(), "_ is a character, not a wildcard");
    }
}
