//! `/metrics`: the app served on loopback with a metrics address, a scripted session of
//! signed interactions and refused requests, then a scrape that must show exactly that.
//! Each core has its own registry, so this runs in parallel with every other test.

use std::{collections::HashMap, sync::Arc};

use backline::{
    commands::{Core, FixedClock},
    discord::{Dispatcher, SignatureVerifier},
    domain::GuildId,
    http::{self, AppState, ServerLimits},
};
use ed25519_dalek::{Signer, SigningKey};
use serde_json::{Value, json};
use tokio::net::TcpListener;

use crate::{
    fixtures::{self, GUILD},
    helpers::{example_plans, hex, parse},
    serve::http as request,
};

const NOW: &str = "2026-11-25T10:00:00Z";

struct App {
    addr: String,
    metrics_addr: String,
    key: SigningKey,
    now: i64,
}

impl App {
    /// A signed POST /interactions: (status, body).
    async fn signed(&self, payload: &Value) -> (u16, String) {
        let body = serde_json::to_vec(payload).unwrap();
        self.post(&body, Some(self.now)).await
    }

    async fn post(&self, body: &[u8], timestamp: Option<i64>) -> (u16, String) {
        let mut headers = vec![("Content-Type", "application/json".to_owned())];
        if let Some(timestamp) = timestamp {
            let timestamp = timestamp.to_string();
            let signature = hex(&self.key.sign(&[timestamp.as_bytes(), body].concat()).to_bytes());
            headers.push(("X-Signature-Ed25519", signature));
            headers.push(("X-Signature-Timestamp", timestamp));
        }
        request(&self.addr, "POST", "/interactions", &headers, body).await
    }

    /// A request whose header declares 10 MiB of body (none is sent): the raw answer.
    async fn declare_huge_body(&self) -> String {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let mut stream = tokio::net::TcpStream::connect(&self.addr).await.unwrap();
        let head = "POST /interactions HTTP/1.1\r\nHost: backline\r\nContent-Length: 10485760\r\n\r\n";
        stream.write_all(head.as_bytes()).await.unwrap();
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer).await;
        String::from_utf8_lossy(&answer).into_owned()
    }

    /// Every sample of the scrape: `name{labels}` → value.
    async fn scrape(&self) -> HashMap<String, f64> {
        let (status, text) = request(&self.metrics_addr, "GET", "/metrics", &[], b"").await;
        assert_eq!(status, 200, "{text}");
        assert!(text.trim_end().ends_with("# EOF"), "{text}");
        text.lines()
            .filter(|line| !line.starts_with('#') && !line.is_empty())
            .map(|line| {
                let (name, value) = line.rsplit_once(' ').unwrap();
                (name.to_owned(), value.parse().unwrap())
            })
            .collect()
    }
}

async fn spawn_app_with_metrics(db: &crate::helpers::TestDb) -> App {
    db.store
        .import(GuildId::new(GUILD).unwrap(), &parse(&example_plans()), false)
        .await
        .unwrap();
    let key = SigningKey::from_bytes(&[5u8; 32]);
    let now: chrono::DateTime<chrono::Utc> = NOW.parse().unwrap();
    let clock = Arc::new(FixedClock(now));
    let core = Core::new(Arc::clone(&db.store), clock.clone());
    let state = Arc::new(AppState {
        dispatcher: Dispatcher::new(core.clone()),
        verifier: SignatureVerifier::from_hex(&hex(&key.verifying_key().to_bytes())).unwrap(),
        clock,
        discord_auth: None,
    });
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let limits = ServerLimits::default();
    tokio::spawn(http::serve(listener, state, limits, std::future::pending()));
    let metrics = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let metrics_addr = metrics.local_addr().unwrap().to_string();
    tokio::spawn(http::serve_metrics(metrics, core, limits, std::future::pending()));
    App {
        addr,
        metrics_addr,
        key,
        now: now.timestamp(),
    }
}

fn case(sub: &str, options: &[(&str, &str)]) -> Value {
    let options: Vec<Value> = options
        .iter()
        .map(|(n, v)| json!({"name": n, "type": 3, "value": v}))
        .collect();
    fixtures::envelope(
        2,
        Some(GUILD),
        json!({"id": "600000000000000002", "name": "case", "type": 1,
               "options": [{"name": sub, "type": 1, "options": options}]}),
    )
}

/// People and roles a case message notifies.
fn notified(body: &str) -> f64 {
    let response: Value = serde_json::from_str(body).unwrap();
    let mentions = &response["data"]["allowed_mentions"];
    (mentions["users"].as_array().unwrap().len() + mentions["roles"].as_array().unwrap().len()) as f64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scrape_shows_exactly_the_interactions_refusals_and_case_changes_of_a_session() {
    let db = crate::helpers::sqlite().await;
    let app = spawn_app_with_metrics(&db).await;
    let before = app.scrape().await;
    assert_eq!(before.get("backline_registry_cache_rebuilds_total"), Some(&0.0));
    let build = before
        .keys()
        .find(|k| k.starts_with("backline_build_info{"))
        .expect("build info");
    assert!(
        build.contains(&format!("version=\"{}\"", env!("CARGO_PKG_VERSION"))),
        "{build}"
    );
    assert!(build.contains("commit=\""), "{build}");

    assert_eq!(app.signed(&fixtures::ping()).await.0, 200);
    let support = fixtures::slash(Some(GUILD), "support", &[("vendor", "aws")]);
    assert_eq!(app.signed(&support).await.0, 200);
    let unknown = fixtures::slash(Some(GUILD), "support", &[("vendor", "no-such-vendor")]);
    assert_eq!(app.signed(&unknown).await.0, 200);
    let open = case(
        "open",
        &[
            ("vendor", "aws"),
            ("severity", "sev1"),
            ("summary", "Checkout 500s"),
        ],
    );
    let (status, opened) = app.signed(&open).await;
    assert_eq!(status, 200, "{opened}");
    let (_, escalated) = app.signed(&case("escalate", &[("case", "1")])).await;
    let (_, closed) = app.signed(&case("close", &[("case", "1")])).await;
    assert!(closed.contains("closed by"), "{closed}");
    // Closing it again is the user's mistake, and changes nothing.
    let (_, closed_again) = app.signed(&case("close", &[("case", "1")])).await;
    assert!(closed_again.contains("already closed"), "{closed_again}");

    // Refused: each reason once. The client is told only "invalid request signature".
    let body = serde_json::to_vec(&support).unwrap();
    assert_eq!(
        app.post(&body, None).await,
        (401, "invalid request signature".to_owned())
    );
    assert_eq!(app.post(&body, Some(app.now - 3600)).await.0, 401);
    let headers = [
        ("X-Signature-Ed25519", "00".repeat(64)),
        ("X-Signature-Timestamp", app.now.to_string()),
    ];
    assert_eq!(
        request(&app.addr, "POST", "/interactions", &headers, &body)
            .await
            .0,
        401
    );
    assert!(app.declare_huge_body().await.starts_with("HTTP/1.1 413"));
    assert_eq!(
        app.post(b"{\"not\": \"an interaction\"}", Some(app.now)).await.0,
        400
    );

    let after = app.scrape().await;
    let moved =
        |sample: &str| after.get(sample).copied().unwrap_or(0.0) - before.get(sample).copied().unwrap_or(0.0);
    let expected = [
        (
            "backline_interactions_total{kind=\"ping\",command=\"ping\",outcome=\"answered\"}",
            1.0,
        ),
        (
            "backline_interactions_total{kind=\"command\",command=\"support\",outcome=\"answered\"}",
            1.0,
        ),
        (
            "backline_interactions_total{kind=\"command\",command=\"support\",outcome=\"user_error\"}",
            1.0,
        ),
        (
            "backline_interactions_total{kind=\"command\",command=\"case open\",outcome=\"answered\"}",
            1.0,
        ),
        (
            "backline_interactions_total{kind=\"command\",command=\"case escalate\",outcome=\"answered\"}",
            1.0,
        ),
        (
            "backline_interactions_total{kind=\"command\",command=\"case close\",outcome=\"answered\"}",
            1.0,
        ),
        (
            "backline_interactions_total{kind=\"command\",command=\"case close\",outcome=\"user_error\"}",
            1.0,
        ),
        (
            "backline_interaction_duration_seconds_count{command=\"support\"}",
            2.0,
        ),
        (
            "backline_interaction_duration_seconds_count{command=\"case close\"}",
            2.0,
        ),
        ("backline_requests_refused_total{reason=\"no_signature\"}", 1.0),
        ("backline_requests_refused_total{reason=\"stale_timestamp\"}", 1.0),
        ("backline_requests_refused_total{reason=\"bad_signature\"}", 1.0),
        ("backline_requests_refused_total{reason=\"too_large\"}", 1.0),
        ("backline_requests_refused_total{reason=\"malformed\"}", 1.0),
        ("backline_case_events_total{event=\"opened\"}", 1.0),
        ("backline_case_events_total{event=\"escalated\"}", 1.0),
        ("backline_case_events_total{event=\"closed\"}", 1.0),
        (
            "backline_notifications_total{outcome=\"sent\"}",
            notified(&opened) + notified(&escalated),
        ),
        ("backline_registry_cache_rebuilds_total", 1.0),
    ];
    for (sample, by) in expected {
        assert_eq!(moved(sample), by, "{sample}; scrape: {after:#?}");
    }
    assert!(notified(&opened) > 0.0 && notified(&escalated) > 0.0);
    let interactions: f64 = after
        .iter()
        .filter(|(k, _)| k.starts_with("backline_interactions_total"))
        .map(|(_, v)| v)
        .sum();
    assert_eq!(interactions, 7.0, "nothing else was counted: {after:#?}");
    assert_eq!(moved("backline_notifications_total{outcome=\"failed\"}"), 0.0);
    assert!(after.contains_key("backline_db_connections{state=\"in_use\"}"));
    assert!(after.contains_key("backline_db_connections{state=\"idle\"}"));

    // The registry is read from memory while its version stands: one more hit, no rebuild.
    let hits = after["backline_registry_cache_hits_total"];
    assert_eq!(app.signed(&support).await.0, 200);
    let last = app.scrape().await;
    assert_eq!(last["backline_registry_cache_hits_total"], hits + 1.0);
    assert_eq!(last["backline_registry_cache_rebuilds_total"], 1.0);
}

#[tokio::test]
async fn metrics_are_not_served_on_the_interactions_port() {
    let db = crate::helpers::sqlite().await;
    let app = spawn_app_with_metrics(&db).await;
    assert_eq!(request(&app.addr, "GET", "/metrics", &[], b"").await.0, 404);
}

#[tokio::test]
async fn reminders_digests_and_notices_are_counted_as_posted_or_failed() {
    use crate::helpers::{CallerExt as _, RecordingPoster, TestApp};
    const MAYA: u64 = 402_811_948_512_772_104; // PagerDuty owner
    let db = crate::helpers::sqlite().await;
    let TestApp { core, clock } = crate::helpers::spawn_app(&db).await;
    let settings = backline::domain::GuildSettings {
        notice_channel: Some(888),
        ..Default::default()
    };
    db.store
        .set_guild_settings(GuildId::LOCAL, &settings)
        .await
        .unwrap();
    let open = backline::commands::Command::CaseOpen(backline::commands::OpenCase {
        vendor: "aws".into(),
        severity: "sev1".into(),
        summary: "Checkout down".into(),
        vendor_case_id: None,
        link: None,
    });
    let caller = crate::helpers::caller().channel(777).interaction(1);
    core.execute(&open, &caller).await.unwrap();
    clock.advance(chrono::Duration::minutes(16));

    let posted = RecordingPoster::default();
    let failing = RecordingPoster {
        fail: true,
        ..RecordingPoster::default()
    };
    assert_eq!(core.post_overdue_reminders(&posted).await.unwrap(), 1);
    assert_eq!(core.post_digests(&failing).await.unwrap(), 0);
    assert_eq!(
        core.member_left(GuildId::LOCAL, MAYA, &posted)
            .await
            .unwrap()
            .len(),
        2
    );
    assert_eq!(posted.posts.lock().unwrap().len(), 2, "a reminder and a notice");

    let text = core.metrics().encode(db.store.pool_connections());
    let mut samples: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("backline_posts_total"))
        .collect();
    samples.sort_unstable();
    assert_eq!(
        samples,
        [
            "backline_posts_total{kind=\"digest\",outcome=\"failed\"} 1",
            "backline_posts_total{kind=\"owner_left_notice\",outcome=\"posted\"} 1",
            "backline_posts_total{kind=\"reminder\",outcome=\"posted\"} 1",
        ],
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l == "backline_case_events_total{event=\"opened\"} 1"),
        "{text}"
    );
}
