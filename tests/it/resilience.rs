//! Resilience: an interaction not answered in time is deferred and finished through the
//! webhook (HTTP endpoint and gateway), its notifications count as sent only when Discord
//! took the edit, and while PostgreSQL is cut off `/support` and `/owner` answer from memory
//! and `/case open` says it could not record the case.

use std::{
    net::SocketAddr,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use axum::{
    Router,
    body::Body,
    http::{Request, StatusCode},
};
use backline::{
    commands::{Core, FixedClock},
    discord::{Dispatcher, SignatureVerifier, follow_up_client, gateway},
    domain::{GuildId, case::Delivery},
    http::{AppState, router},
    secret::Secret,
    store::{self, ConnectLimits, DatabaseUrl, Store},
};
use chrono::{DateTime, Utc};
use ed25519_dalek::{Signer, SigningKey};
use http_body_util::BodyExt as _;
use serde_json::{Value, json};
use sqlx::Connection as _;
use tokio::net::{TcpListener, TcpStream};
use tower::ServiceExt as _;

use crate::{
    fake_discord::FakeDiscord,
    fixtures::{self, APPLICATION, GUILD},
    helpers::{TestDb, example_plans, parse},
    on_both_backends,
};

const NOW: &str = "2026-11-25T10:00:00Z";
/// How long a test waits for something the bot does in the background.
const PATIENCE: Duration = Duration::from_secs(20);
/// A margin short enough that a write held by the test is certainly not done within it.
const SHORT: Duration = Duration::from_millis(50);

fn guild() -> GuildId {
    GuildId::new(GUILD).unwrap()
}

fn core(store: Arc<dyn Store>) -> Core {
    let now: DateTime<Utc> = NOW.parse().unwrap();
    Core::new(store, Arc::new(FixedClock(now)))
}

/// The HTTP endpoint over `core`, finishing deferred answers through a fake Discord.
struct Endpoint {
    router: Router,
    key: SigningKey,
    discord: FakeDiscord,
}

impl Endpoint {
    async fn new(core: Core, answer_within: Duration) -> Self {
        let discord = FakeDiscord::start().await;
        let key = SigningKey::from_bytes(&[9u8; 32]);
        let public_hex = crate::helpers::hex(&key.verifying_key().to_bytes());
        let dispatcher = Dispatcher::new(core)
            .with_deadline(answer_within, follow_up_client(Some(&discord.api_url), None));
        let state = AppState {
            dispatcher,
            verifier: SignatureVerifier::from_hex(&public_hex).unwrap(),
            clock: Arc::new(FixedClock(NOW.parse().unwrap())),
            discord_auth: None,
        };
        Self {
            router: router(Arc::new(state)),
            key,
            discord,
        }
    }

    /// Posts a signed interaction; the HTTP response body.
    async fn post(&self, payload: &Value) -> Value {
        let body = serde_json::to_vec(payload).unwrap();
        let timestamp = NOW.parse::<DateTime<Utc>>().unwrap().timestamp().to_string();
        let signature = self.key.sign(&[timestamp.as_bytes(), &body].concat());
        let request = Request::post("/interactions")
            .header("content-type", "application/json")
            .header("x-signature-ed25519", crate::helpers::hex(&signature.to_bytes()))
            .header("x-signature-timestamp", timestamp)
            .body(Body::from(body))
            .unwrap();
        let response = self.router.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let body = response.into_body().collect().await.unwrap().to_bytes();
        let body: Value = serde_json::from_slice(&body).unwrap();
        crate::contract::assert_valid_callback(&body);
        body
    }

    /// The message the asker ends up seeing: the inline answer, or the edit that follows a
    /// deferral (whether an answer came in time is not what these tests are about).
    async fn shown(&self, payload: &Value) -> Value {
        let response = self.post(payload).await;
        match response["type"].as_u64() {
            Some(4) => response["data"].clone(),
            Some(5) => {
                let edit = self.discord.next_webhook().await;
                assert_eq!(edit.token, payload["token"].as_str().unwrap());
                crate::contract::assert_valid_edit(&edit.body);
                edit.body
            }
            _ => panic!("not a message: {response}"),
        }
    }
}

/// A PostgreSQL test database with the example registry in the test guild.
async fn postgres_with_examples() -> TestDb {
    let db = crate::helpers::postgres().await;
    db.store
        .import(guild(), &parse(&example_plans()), false)
        .await
        .unwrap();
    db
}

/// A transaction holding `table` exclusively, so that every read of it waits until the
/// test rolls it back: a delay the test controls.
async fn lock_table(db: &TestDb, table: &str) -> sqlx::PgConnection {
    let mut lock = sqlx::PgConnection::connect(db.url()).await.unwrap();
    sqlx::query("BEGIN").execute(&mut lock).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE"
    )))
    .execute(&mut lock)
    .await
    .unwrap();
    lock
}

/// `/case open vendor:aws severity:sev3 summary:Slow`.
fn case_open() -> Value {
    let data = json!({"id": "600000000000000002", "name": "case", "type": 1, "options": [{"name": "open", "type": 1,
        "options": [{"name": "vendor", "type": 3, "value": "aws"}, {"name": "severity", "type": 3, "value": "sev3"},
                    {"name": "summary", "type": 3, "value": "Slow"}]}]});
    fixtures::envelope(2, Some(GUILD), data)
}

/// A transaction that holds what `/case open` needs to write (SQLite's write lock; the
/// `cases` table on PostgreSQL) until the test lets go: a delay the test controls.
enum WriteBlock {
    Sqlite(sqlx::SqliteConnection),
    Postgres(sqlx::PgConnection),
}

impl WriteBlock {
    async fn hold(db: &TestDb) -> Self {
        if db.url().starts_with("sqlite:") {
            let mut conn = sqlx::SqliteConnection::connect(db.url()).await.unwrap();
            sqlx::query("BEGIN IMMEDIATE").execute(&mut conn).await.unwrap();
            Self::Sqlite(conn)
        } else {
            let mut conn = sqlx::PgConnection::connect(db.url()).await.unwrap();
            sqlx::query("BEGIN").execute(&mut conn).await.unwrap();
            sqlx::query("LOCK TABLE cases IN ACCESS EXCLUSIVE MODE")
                .execute(&mut conn)
                .await
                .unwrap();
            Self::Postgres(conn)
        }
    }

    async fn release(self) {
        match self {
            Self::Sqlite(mut conn) => sqlx::query("ROLLBACK").execute(&mut conn).await.map(drop),
            Self::Postgres(mut conn) => sqlx::query("ROLLBACK").execute(&mut conn).await.map(drop),
        }
        .unwrap();
    }
}

/// The delivery state of case 1's notifications, once the bot has recorded them.
async fn deliveries(store: &dyn Store) -> Vec<Delivery> {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let timeline = store.timeline(guild(), 1).await.unwrap();
        let found: Vec<_> = timeline.notifications.iter().map(|n| n.delivery).collect();
        if !found.is_empty() && found.iter().all(|d| *d != Delivery::Pending) {
            return found;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "delivery never recorded: {found:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// `/case open` whose write is held past the margin: deferred publicly, then the original
/// is edited with the recorded case, and the notifications follow Discord's verdict.
async fn late_case_open(db: TestDb, discord_takes_it: bool) {
    db.store
        .import(guild(), &parse(&example_plans()), false)
        .await
        .unwrap();
    let endpoint = Endpoint::new(core(Arc::clone(&db.store)), SHORT).await;
    endpoint
        .discord
        .reject_webhooks
        .store(!discord_takes_it, Ordering::SeqCst);

    let block = WriteBlock::hold(&db).await;
    let payload = case_open();
    let response = endpoint.post(&payload).await;
    assert_eq!(response["type"], 5, "deferred: {response}");
    assert_eq!(
        response["data"]["flags"].as_u64().unwrap_or(0) & 64,
        0,
        "a case is announced to the channel, so its deferral is public"
    );
    block.release().await;

    let edit = endpoint.discord.next_webhook().await;
    assert_eq!(edit.method, "PATCH");
    assert_eq!(edit.application_id, APPLICATION.to_string());
    assert_eq!(edit.token, payload["token"].as_str().unwrap());
    let case = db
        .store
        .case(guild(), 1)
        .await
        .unwrap()
        .expect("the case is recorded");
    assert_eq!(
        edit.body["embeds"][0]["title"].as_str().unwrap(),
        format!("Case #{} · Amazon Web Services · sev3", case.number),
        "the edit shows the row that was written"
    );
    assert!(
        edit.body.get("flags").is_none(),
        "an edit cannot change visibility"
    );
    crate::contract::assert_valid_edit(&edit.body);
    let expected = if discord_takes_it {
        Delivery::Sent
    } else {
        Delivery::Failed
    };
    assert_eq!(
        deliveries(db.store.as_ref()).await,
        [expected; 3],
        "owner, backup, first level"
    );
}

on_both_backends! {
    async fn a_late_case_open_is_deferred_then_the_original_is_edited_and_its_notifications_count_as_sent(db) {
        late_case_open(db, true).await;
    }
}

on_both_backends! {
    async fn a_deferred_answer_discord_refuses_leaves_its_notifications_failed(db) {
        late_case_open(db, false).await;
    }
}

on_both_backends! {
    async fn an_answer_ready_in_time_is_sent_inline_as_before(db) {
        db.store.import(guild(), &parse(&example_plans()), false).await.unwrap();
        let endpoint = Endpoint::new(core(Arc::clone(&db.store)), Duration::from_secs(600)).await;
        let response = endpoint.post(&fixtures::slash(Some(GUILD), "support", &[("vendor", "aws")])).await;
        assert_eq!(response["type"], 4);
        assert_eq!(response["data"]["embeds"][0]["title"], "Amazon Web Services (aws)");
        assert!(response["data"]["content"].is_null(), "answered from the database, no marker");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_the_gateway_a_late_answer_is_deferred_through_serenity_then_edited() {
    let db = crate::helpers::sqlite().await;
    db.store
        .import(guild(), &parse(&example_plans()), false)
        .await
        .unwrap();
    let discord = FakeDiscord::start().await;
    let dispatcher = Dispatcher::new(core(Arc::clone(&db.store)))
        .with_deadline(SHORT, follow_up_client(Some(&discord.api_url), None));
    let mut client = gateway::client(&Secret::new("fake-token"), dispatcher, Some(&discord.api_url))
        .await
        .unwrap();
    let shards = client.shard_manager.clone();
    let running = tokio::spawn(async move { client.start().await });
    discord.identify().await;

    let block = WriteBlock::hold(&db).await;
    let payload = case_open();
    discord.dispatch("INTERACTION_CREATE", payload.clone());
    let callback = discord.next_callback().await;
    assert_eq!(callback.body["type"], 5, "deferred: {}", callback.body);
    crate::contract::assert_valid_callback(&callback.body);
    block.release().await;

    let edit = discord.next_webhook().await;
    assert_eq!(edit.method, "PATCH");
    assert_eq!(edit.application_id, APPLICATION.to_string());
    assert_eq!(edit.token, payload["token"].as_str().unwrap());
    assert_eq!(
        edit.body["embeds"][0]["title"],
        "Case #1 · Amazon Web Services · sev3"
    );
    crate::contract::assert_valid_edit(&edit.body);
    assert_eq!(deliveries(db.store.as_ref()).await, [Delivery::Sent; 3]);

    shards.shutdown_all().await;
    let _ = running.await;
}

/// A TCP proxy in front of PostgreSQL that the test can cut (every connection dropped, new
/// ones closed at once) and restore, without touching the shared server.
pub(crate) struct Proxy {
    pub(crate) addr: SocketAddr,
    cut: Arc<AtomicBool>,
    links: Arc<Mutex<Vec<tokio::task::AbortHandle>>>,
}

impl Proxy {
    pub(crate) async fn start(target: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let cut = Arc::new(AtomicBool::new(false));
        let links = Arc::new(Mutex::new(Vec::new()));
        let (is_cut, open_links) = (Arc::clone(&cut), Arc::clone(&links));
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if is_cut.load(Ordering::SeqCst) {
                    continue; // dropping the socket closes it
                }
                let link = tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                open_links.lock().unwrap().push(link.abort_handle());
            }
        });
        Self { addr, cut, links }
    }

    pub(crate) fn cut(&self) {
        self.cut.store(true, Ordering::SeqCst);
        for link in self.links.lock().unwrap().drain(..) {
            link.abort();
        }
    }

    pub(crate) fn restore(&self) {
        self.cut.store(false, Ordering::SeqCst);
    }
}

#[tokio::test]
#[cfg_attr(no_test_postgres, ignore = "no PostgreSQL: set BACKLINE_TEST_POSTGRES_URL")]
async fn while_postgres_is_cut_off_support_answers_from_memory_and_case_open_says_it_was_not_recorded() {
    let db = postgres_with_examples().await;
    let mut url = url::Url::parse(db.url()).unwrap();
    let target: SocketAddr = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap_or(5432))
        .parse()
        .unwrap();
    let proxy = Proxy::start(target).await;
    url.set_port(Some(proxy.addr.port())).unwrap();
    let limits = ConnectLimits {
        acquire_timeout: Duration::from_millis(500),
    };
    let through_proxy = store::connect_with(&DatabaseUrl::new(url.to_string()), limits)
        .await
        .unwrap();
    let core = core(through_proxy);
    let endpoint = Endpoint::new(core.clone(), Duration::from_secs(2)).await;
    let support = || fixtures::slash(Some(GUILD), "support", &[("vendor", "aws")]);
    let marker = "from memory as of 10:00 UTC: backline's database is unreachable";

    let before = endpoint.shown(&support()).await;
    assert!(before["content"].is_null(), "{before}");

    proxy.cut();
    let during = endpoint.shown(&support()).await;
    assert!(
        during["content"].as_str().unwrap_or_default().contains(marker),
        "{during}"
    );
    assert_eq!(during["embeds"][0]["title"], "Amazon Web Services (aws)");
    let owner = endpoint
        .shown(&fixtures::slash(Some(GUILD), "owner", &[("vendor", "aws")]))
        .await;
    assert!(
        owner["content"].as_str().unwrap_or_default().contains(marker),
        "{owner}"
    );
    assert!(core.database_down());

    let refused = endpoint.shown(&case_open()).await;
    let text = refused["content"].as_str().unwrap_or_default();
    assert!(text.contains("NOT recorded"), "{refused}");
    let fields: Vec<&str> = refused["embeds"][0]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"How to file a case") && fields.contains(&"Whom to call"),
        "{fields:?}"
    );
    assert!(
        db.store.case(guild(), 1).await.unwrap().is_none(),
        "never a success without the row, and no row behind a refusal"
    );

    let list = fixtures::envelope(
        2,
        Some(GUILD),
        json!({"id": "600000000000000002", "name": "case", "type": 1, "options": [{"name": "list", "type": 1, "options": []}]}),
    );
    let listed = endpoint.shown(&list).await;
    assert!(
        listed["content"]
            .as_str()
            .unwrap_or_default()
            .contains("database is unreachable right now, so this was not done"),
        "commands that need the database say so at once: {listed}"
    );

    proxy.restore();
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while core.database_down() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the database was never seen back"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let opened = endpoint.shown(&case_open()).await;
    assert_eq!(
        opened["embeds"][0]["title"], "Case #1 · Amazon Web Services · sev3",
        "{opened}"
    );
    assert!(db.store.case(guild(), 1).await.unwrap().is_some());
    let after = endpoint.shown(&support()).await;
    assert!(after["content"].is_null(), "{after}");
}

#[tokio::test]
#[cfg_attr(no_test_postgres, ignore = "no PostgreSQL: set BACKLINE_TEST_POSTGRES_URL")]
async fn a_late_private_answer_to_a_public_deferral_comes_as_a_private_follow_up() {
    let db = postgres_with_examples().await;
    let endpoint = Endpoint::new(core(Arc::clone(&db.store)), SHORT).await;
    // An escalation is announced to the channel, so it is deferred publicly; this one turns
    // out to be a mistake only its author should see.
    let data = json!({"id": "600000000000000002", "name": "case", "type": 1, "options": [{"name": "escalate", "type": 1,
        "options": [{"name": "case", "type": 3, "value": "5"}]}]});
    let payload = fixtures::envelope(2, Some(GUILD), data);
    let block = WriteBlock::hold(&db).await;
    let response = endpoint.post(&payload).await;
    assert_eq!(response["type"], 5, "deferred: {response}");
    assert_eq!(response["data"]["flags"].as_u64().unwrap_or(0) & 64, 0);
    block.release().await;

    let follow_up = endpoint.discord.next_webhook().await;
    assert_eq!(follow_up.method, "POST");
    assert_eq!(follow_up.token, payload["token"].as_str().unwrap());
    assert_eq!(follow_up.body["flags"].as_u64().unwrap_or(0) & 64, 64, "private");
    assert!(
        follow_up.body["content"].as_str().unwrap().contains("no case #5"),
        "{}",
        follow_up.body
    );
    let removed = endpoint.discord.next_webhook().await;
    assert_eq!(removed.method, "DELETE", "the public placeholder goes away");
}

#[tokio::test]
#[cfg_attr(no_test_postgres, ignore = "no PostgreSQL: set BACKLINE_TEST_POSTGRES_URL")]
async fn requests_do_not_queue_behind_a_slow_registry_read_they_answer_from_memory() {
    let db = postgres_with_examples().await;
    let core = core(Arc::clone(&db.store)).with_read_budget(SHORT);
    let endpoint = Endpoint::new(core, Duration::from_secs(600)).await;
    let support = || fixtures::slash(Some(GUILD), "support", &[("vendor", "aws")]);
    assert!(endpoint.post(&support()).await["data"]["content"].is_null());

    // Every registry-version read now waits for this lock.
    let mut lock = lock_table(&db, "registry_versions").await;
    let answers = futures_util::future::join_all((0..3).map(|_| {
        let payload = support();
        let endpoint = &endpoint;
        async move { endpoint.post(&payload).await }
    }));
    // Without the budget these wait for the lock, which is released only below.
    let answers = tokio::time::timeout(PATIENCE, answers)
        .await
        .expect("requests queued behind the blocked read");
    for answer in &answers {
        assert_eq!(answer["type"], 4);
        assert_eq!(answer["data"]["embeds"][0]["title"], "Amazon Web Services (aws)");
        let content = answer["data"]["content"].as_str().unwrap_or_default();
        assert!(
            content.contains("from memory as of 10:00 UTC: backline's database is not answering in time"),
            "{answer}"
        );
    }
    sqlx::query("ROLLBACK").execute(&mut lock).await.unwrap();
    // Once reads are quick again, answers are current again (the budget is short: poll).
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while !endpoint.post(&support()).await["data"]["content"].is_null() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "still answering from memory"
        );
    }
}

#[tokio::test]
#[cfg_attr(no_test_postgres, ignore = "no PostgreSQL: set BACKLINE_TEST_POSTGRES_URL")]
async fn a_late_page_button_is_acknowledged_then_the_page_it_is_on_is_replaced() {
    let db = postgres_with_examples().await;
    let endpoint = Endpoint::new(core(Arc::clone(&db.store)), SHORT).await;
    // Reading the registry for the directory waits for this lock.
    let mut lock = lock_table(&db, "vendors").await;
    let payload = fixtures::button(Some(GUILD), "vendor-list:1:*:0:");
    let response = endpoint.post(&payload).await;
    assert_eq!(
        response,
        json!({"type": 6}),
        "a deferred update: the page stays until replaced"
    );
    sqlx::query("ROLLBACK").execute(&mut lock).await.unwrap();

    let edit = endpoint.discord.next_webhook().await;
    assert_eq!(edit.method, "PATCH", "the message the button is on is edited");
    assert_eq!(edit.token, payload["token"].as_str().unwrap());
    crate::contract::assert_valid_edit(&edit.body);
    let description = edit.body["embeds"][0]["description"].as_str().unwrap();
    assert!(
        description.starts_with("Page 1 of 1 · 6 vendors"),
        "{description}"
    );
}
