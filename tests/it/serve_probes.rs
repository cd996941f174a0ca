//! What an orchestrator and Discord read from the HTTP surface besides commands: `/healthz`
//! (liveness) and `/readyz` (readiness) through the router, on real stores, and response
//! bodies with no null fields.

use std::sync::Arc;

use axum::{
    Router,
    body::Body,
    http::{Request, StatusCode},
};
use backline::{
    commands::{Core, FixedClock},
    discord::{Dispatcher, SignatureVerifier},
    domain::GuildId,
    http::{AppState, router},
    store::{DatabaseUrl, SqliteStore, Store},
};
use chrono::Utc;
use ed25519_dalek::{Signer as _, SigningKey};
use http_body_util::BodyExt as _;
use serde_json::Value;
use tower::ServiceExt as _;

use crate::{
    fixtures,
    helpers::{example_plans, parse},
    on_both_backends,
};

/// The router over `store`, with the example registry in `fixtures::GUILD`.
struct App {
    router: Router,
    key: SigningKey,
    now: chrono::DateTime<Utc>,
}

impl App {
    async fn new(store: Arc<dyn Store>) -> Self {
        let guild = GuildId::new(fixtures::GUILD).unwrap();
        store
            .import(guild, &parse(&example_plans()), false)
            .await
            .unwrap();
        let key = SigningKey::from_bytes(&[23u8; 32]);
        let now = Utc::now();
        let clock = Arc::new(FixedClock(now));
        let state = AppState {
            dispatcher: Dispatcher::new(Core::new(store, clock.clone())),
            verifier: SignatureVerifier::from_hex(&crate::helpers::hex(&key.verifying_key().to_bytes()))
                .unwrap(),
            clock,
            discord_auth: None,
        };
        Self {
            router: router(Arc::new(state)),
            key,
            now,
        }
    }

    async fn send(&self, request: Request<Body>) -> (StatusCode, String) {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        (status, String::from_utf8(body.to_vec()).unwrap())
    }

    async fn get(&self, path: &str) -> (StatusCode, String) {
        self.send(Request::get(path).body(Body::empty()).unwrap()).await
    }

    /// Posts `payload` correctly signed; the answer's status and exact body.
    async fn interaction(&self, payload: &Value) -> (StatusCode, String) {
        let body = serde_json::to_vec(payload).unwrap();
        let timestamp = self.now.timestamp().to_string();
        let signature = self.key.sign(&[timestamp.as_bytes(), &body].concat());
        let request = Request::post("/interactions")
            .header("content-type", "application/json")
            .header("x-signature-ed25519", crate::helpers::hex(&signature.to_bytes()))
            .header("x-signature-timestamp", timestamp)
            .body(Body::from(body))
            .unwrap();
        self.send(request).await
    }
}

async fn page_count(path: &std::path::Path) -> u32 {
    let url = format!("sqlite://{}", path.display());
    let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url)
        .await
        .unwrap();
    let (pages,): (i64,) = sqlx::query_as("PRAGMA page_count")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    u32::try_from(pages).unwrap()
}

#[tokio::test]
async fn readyz_reports_a_full_disk_while_healthz_stays_200_and_recovers_on_the_same_app() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("backline.db");
    let url = DatabaseUrl::new(format!("sqlite://{}", path.display()));
    let store = Arc::new(SqliteStore::connect(&url, Default::default()).await.unwrap());
    let app = App::new(store.clone()).await;
    assert_eq!(app.get("/readyz").await, (StatusCode::OK, "ready".to_owned()));

    // The file may not grow: a write fails as on a full disk.
    store.limit_pages(Some(page_count(&path).await));
    let other = GuildId::new(fixtures::OTHER_GUILD).unwrap();
    assert!(
        store
            .import(other, &parse(&example_plans()), false)
            .await
            .is_err()
    );
    assert_eq!(
        app.get("/readyz").await,
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "database writes failing".to_owned()
        )
    );
    assert_eq!(app.get("/healthz").await, (StatusCode::OK, "ok".to_owned()));
    // Reads still work meanwhile, and the probe left nothing behind.
    let (status, _) = app
        .interaction(&fixtures::slash(
            Some(fixtures::GUILD),
            "support",
            &[("vendor", "aws")],
        ))
        .await;
    assert_eq!(status, StatusCode::OK);

    // Space is back: ready again without a restart, and writes succeed.
    store.limit_pages(None);
    assert_eq!(app.get("/readyz").await, (StatusCode::OK, "ready".to_owned()));
    store
        .import(other, &parse(&example_plans()), false)
        .await
        .unwrap();
    assert_eq!(app.get("/readyz").await.0, StatusCode::OK);
}

#[tokio::test]
async fn readyz_reports_missing_migrations() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("backline.db");
    let url = DatabaseUrl::new(format!("sqlite://{}", path.display()));
    let store = Arc::new(SqliteStore::connect(&url, Default::default()).await.unwrap());
    let app = App::new(store).await;
    // As if the file were swapped for one from an older build: its last migration unrecorded.
    let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(url.expose())
        .await
        .unwrap();
    sqlx::query("DELETE FROM _sqlx_migrations WHERE version = (SELECT max(version) FROM _sqlx_migrations)")
        .execute(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        app.get("/readyz").await,
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "database migrations not applied".to_owned()
        )
    );
    assert_eq!(app.get("/healthz").await.0, StatusCode::OK);
}

on_both_backends! {
    async fn readyz_is_503_without_the_database_while_healthz_stays_200(db) {
        let app = App::new(db.store.clone()).await;
        assert_eq!(app.get("/readyz").await, (StatusCode::OK, "ready".to_owned()));
        assert_eq!(app.get("/healthz").await, (StatusCode::OK, "ok".to_owned()));
        db.store.close().await;
        assert_eq!(
            app.get("/readyz").await,
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable".to_owned())
        );
        assert_eq!(app.get("/healthz").await, (StatusCode::OK, "ok".to_owned()));
    }
}

on_both_backends! {
    async fn the_pong_is_exactly_type_1_and_no_answer_carries_a_null(db) {
        let app = App::new(db.store.clone()).await;
        assert_eq!(
            app.interaction(&fixtures::ping()).await,
            (StatusCode::OK, r#"{"type":1}"#.to_owned())
        );
        for (name, options) in [
            ("support", vec![("vendor", "aws")]),
            ("support", vec![("vendor", "no-such-vendor")]),
            ("owner", vec![("vendor", "stripe")]),
        ] {
            let (status, body) = app
                .interaction(&fixtures::slash(Some(fixtures::GUILD), name, &options))
                .await;
            assert_eq!(status, StatusCode::OK, "{body}");
            assert!(serde_json::from_str::<Value>(&body).is_ok(), "{body}");
            assert!(!body.contains("null"), "/{name} {options:?} answered with a null: {body}");
        }
    }
}
