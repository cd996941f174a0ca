//! Deployment: `backline migrate`, `serve` refusing to start with nothing to serve, and two
//! `backline serve` replicas on one PostgreSQL database (what deploy/compose.yaml runs),
//! without Docker.

use std::{
    collections::BTreeSet,
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use backline::{
    commands::{self, Caller, OpenCase},
    domain::{GuildId, Rights},
};
use ed25519_dalek::{Signer, SigningKey};
use serde_json::{Value, json};

use crate::{
    fake_discord::FakeDiscord,
    fixtures::{self, GUILD},
    helpers::{self, backline, example_plans, parse, stderr, stdout},
    serve::{Server, http, wait_for_line},
};

#[test]
fn serve_with_nothing_to_serve_says_what_is_missing_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_backline"))
        .arg("serve")
        .env(
            "DATABASE_URL",
            format!("sqlite://{}", dir.path().join("b.db").display()),
        )
        .env_remove("DISCORD_PUBLIC_KEY")
        .env_remove("DISCORD_TOKEN")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let message = stderr(&out);
    assert!(
        message.contains("Set DISCORD_PUBLIC_KEY to serve the HTTP interactions endpoint")
            && message.contains("DISCORD_TOKEN to connect to the gateway"),
        "{message}"
    );
    assert_eq!(stdout(&out), "");
}

#[tokio::test]
async fn migrate_applies_every_migration_to_a_new_database_and_exits() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("new.db").display());
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_backline"))
            .args(args)
            .env("DATABASE_URL", &url)
            .output()
            .unwrap()
    };
    let out = run(&["migrate"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("Migrations applied: sqlite://"),
        "{}",
        stdout(&out)
    );
    let files = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/sqlite"))
        .unwrap()
        .filter(|f| f.as_ref().unwrap().path().extension().is_some_and(|e| e == "sql"))
        .count();
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    let applied: i64 = sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations WHERE success")
        .fetch_one(&pool)
        .await
        .unwrap();
    pool.close().await;
    assert_eq!(applied, i64::try_from(files).unwrap());
    // A second run has nothing to do and says the same.
    let again = run(&["migrate"]);
    assert!(again.status.success(), "{}", stderr(&again));
}

#[tokio::test]
#[cfg_attr(
    no_test_postgres,
    ignore = "no PostgreSQL: set BACKLINE_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres"
)]
async fn migrate_on_postgres_is_idempotent_and_never_prints_the_password() {
    let db = helpers::postgres().await;
    let out = backline(&db, &["migrate"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("is up to date"), "{}", stdout(&out));
    let missing = Command::new(env!("CARGO_BIN_EXE_backline"))
        .arg("migrate")
        .env(
            "DATABASE_URL",
            "postgres://postgres:s3cret-pw@127.0.0.1:5432/backline_no_such_db",
        )
        .output()
        .unwrap();
    assert!(!missing.status.success());
    let said = stderr(&missing);
    assert!(
        said.contains("backline_no_such_db") && !said.contains("s3cret-pw"),
        "{said}"
    );
}

const KEY: [u8; 32] = [7u8; 32];
/// The channel digests and notices go to.
const NOTICES: u64 = 500_000_000_000_000_077;

/// One `backline serve` replica: the HTTP endpoint, and a token for posting through the fake
/// Discord; `gateway` also holds the gateway connection. Killed when dropped (also on panic).
fn replica(db: &helpers::TestDb, discord: &FakeDiscord, gateway: bool) -> Server {
    let key = SigningKey::from_bytes(&KEY);
    let mut child = Command::new(env!("CARGO_BIN_EXE_backline"))
        .args(["serve", "--http-addr", "127.0.0.1:0"])
        .env("DATABASE_URL", db.url())
        .env(
            "DISCORD_PUBLIC_KEY",
            helpers::hex(&key.verifying_key().to_bytes()),
        )
        .env("DISCORD_TOKEN", "fake-bot-token")
        .env("DISCORD_API_BASE", &discord.api_url)
        .env("BACKLINE_GATEWAY", gateway.to_string())
        .env("BACKLINE_REMINDER_EVERY", "200ms")
        .env("BACKLINE_ANSWER_WITHIN", "2800ms")
        .env_remove("RUST_LOG")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let line = wait_for_line(&mut child, "Interactions endpoint:");
    let addr = crate::serve::endpoint_addr(&line);
    Server { child, addr }
}

/// Posts a signed interaction to a replica; returns its answer's text (content, or the
/// embed's title), following a deferral to the edit that finishes it.
async fn ask(server: &Server, discord: &FakeDiscord, payload: &Value) -> String {
    ask_with(server, discord, payload, &Edits::default()).await
}

/// Edits of deferred answers taken from the fake Discord so far, by interaction token:
/// concurrent requests share them, since taking them empties the fake's queue.
#[derive(Default)]
struct Edits(std::sync::Mutex<Vec<(String, Value)>>);

async fn ask_with(server: &Server, discord: &FakeDiscord, payload: &Value, edits: &Edits) -> String {
    let body = serde_json::to_vec(payload).unwrap();
    let timestamp = chrono::Utc::now().timestamp().to_string();
    let signature = SigningKey::from_bytes(&KEY).sign(&[timestamp.as_bytes(), &body[..]].concat());
    let headers = [
        ("content-type", "application/json".to_owned()),
        ("x-signature-ed25519", helpers::hex(&signature.to_bytes())),
        ("x-signature-timestamp", timestamp),
    ];
    let (status, answer) = http(&server.addr, "POST", "/interactions", &headers, &body).await;
    assert_eq!(status, 200, "{answer}");
    let answer: Value = serde_json::from_str(&answer).unwrap();
    let data = if answer["type"] == 5 {
        // Deferred under load: the answer is the edit of the original through the webhook.
        let token = payload["token"].as_str().unwrap();
        let give_up = Instant::now() + Duration::from_secs(30);
        loop {
            let calls = discord.webhooks_so_far().await;
            let found = {
                let mut seen = edits.0.lock().unwrap();
                seen.extend(
                    calls
                        .into_iter()
                        .filter(|c| c.method == "PATCH")
                        .map(|c| (c.token, c.body)),
                );
                seen.iter()
                    .find(|(t, _)| t == token)
                    .map(|(_, body)| body.clone())
            };
            if let Some(body) = found {
                break body;
            }
            assert!(Instant::now() < give_up, "the deferred answer never came");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    } else {
        answer["data"].clone()
    };
    data["content"]
        .as_str()
        .or(data["embeds"][0]["title"].as_str())
        .unwrap_or_default()
        .to_owned()
}

fn case_open(summary: &str) -> Value {
    let options = json!([{"name": "open", "type": 1, "options": [
        {"name": "vendor", "type": 3, "value": "aws"},
        {"name": "severity", "type": 3, "value": "sev3"},
        {"name": "summary", "type": 3, "value": summary},
    ]}]);
    fixtures::envelope(
        2,
        Some(GUILD),
        json!({"id": "600000000000000002", "name": "case", "type": 1, "options": options}),
    )
}

/// Messages posted to `channel` whose text contains `needle`.
fn posted(discord: &FakeDiscord, channel: u64, needle: &str) -> usize {
    let messages = discord.channel_messages.lock().unwrap();
    messages
        .iter()
        .filter(|(c, body)| *c == channel.to_string() && body.to_string().contains(needle))
        .count()
}

/// Polls until `done` holds; fails after a generous deadline.
async fn until(what: &str, mut done: impl FnMut() -> bool) {
    let give_up = Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(Instant::now() < give_up, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Opens a case through the command core with a clock an hour back: its first response
/// is overdue as soon as it exists.
async fn open_overdue_case(db: &helpers::TestDb, summary: &str) -> i64 {
    let an_hour_ago = (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339();
    let app = helpers::spawn_empty_app(db, &an_hour_ago);
    let caller = Caller {
        guild: Some(GuildId::new(GUILD).unwrap()),
        channel: Some(fixtures::CHANNEL),
        user: fixtures::ALICE,
        interaction: None,
        rights: Rights::Member,
    };
    let open = OpenCase {
        vendor: "aws".into(),
        severity: "sev1".into(),
        summary: summary.into(),
        vendor_case_id: None,
        link: None,
    };
    app.core
        .execute(&commands::Command::CaseOpen(open), &caller)
        .await
        .unwrap();
    let cases = db
        .store
        .cases(GuildId::new(GUILD).unwrap(), None, None, 100)
        .await
        .unwrap();
    cases.iter().find(|c| c.summary == summary).unwrap().number
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    no_test_postgres,
    ignore = "no PostgreSQL: set BACKLINE_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres"
)]
async fn two_replicas_on_one_postgres_number_cases_once_post_once_and_see_cli_imports() {
    let db = helpers::postgres().await;
    let guild = GuildId::new(GUILD).unwrap();
    db.store
        .import(guild, &parse(&example_plans()), false)
        .await
        .unwrap();
    let mut settings = db.store.guild_settings(guild).await.unwrap();
    settings.notice_channel = Some(NOTICES);
    db.store.set_guild_settings(guild, &settings).await.unwrap();
    let first_overdue = open_overdue_case(&db, "Overdue before the replicas start").await;

    let discord = FakeDiscord::start().await;
    let (with_gateway, rest_only) = (replica(&db, &discord, true), replica(&db, &discord, false));
    let replicas = [&with_gateway, &rest_only];

    // Each reminder and the period's digest once, though both replicas look for them.
    let reminder = |n: i64| format!("**Case #{n}** with");
    until("the first reminder", || {
        posted(&discord, fixtures::CHANNEL, &reminder(first_overdue)) >= 1
    })
    .await;
    until("the digest", || {
        posted(&discord, NOTICES, "Vendor support digest") >= 1
    })
    .await;

    // Twelve /case open, alternately to each replica, all at once: numbered without gaps.
    let edits = Edits::default();
    let answers = futures_util::future::join_all((0..12).map(|i| {
        let (server, discord, edits) = (replicas[i % 2], &discord, &edits);
        async move { ask_with(server, discord, &case_open(&format!("Checkout slow {i}")), edits).await }
    }))
    .await;
    let numbers: BTreeSet<i64> = answers
        .iter()
        .map(|a| {
            let rest = a
                .split("**Case #")
                .nth(1)
                .unwrap_or_else(|| panic!("not a case: {a}"));
            rest.split("**").next().unwrap().parse().unwrap()
        })
        .collect();
    assert_eq!(
        numbers,
        (first_overdue + 1..=first_overdue + 12).collect(),
        "{answers:#?}"
    );
    let stored: Vec<i64> = db
        .store
        .cases(guild, None, None, 100)
        .await
        .unwrap()
        .iter()
        .map(|c| c.number)
        .collect();
    assert_eq!(stored.len(), 13, "each case once: {stored:?}");
    assert_eq!(
        stored.iter().copied().collect::<BTreeSet<_>>(),
        (1..=13).collect()
    );

    // A case that becomes overdue while both run: reminded once too.
    let second_overdue = open_overdue_case(&db, "Overdue while the replicas run").await;
    until("the second reminder", || {
        posted(&discord, fixtures::CHANNEL, &reminder(second_overdue)) >= 1
    })
    .await;

    // An import by the command line reaches both replicas.
    let dir = tempfile::tempdir().unwrap();
    let plans = dir.path().join("newco.toml");
    std::fs::write(&plans, "[[vendor]]\nslug = \"newco\"\nname = \"NewCo\"\ncriticality = \"low\"\n[vendor.owner]\nname = \"Lee\"\n").unwrap();
    let imported = backline(
        &db,
        &["import", "--guild", &GUILD.to_string(), plans.to_str().unwrap()],
    );
    assert!(imported.status.success(), "{}", stderr(&imported));
    for server in replicas {
        let give_up = Instant::now() + Duration::from_secs(30);
        loop {
            let answer = ask(
                server,
                &discord,
                &fixtures::slash(Some(GUILD), "support", &[("vendor", "newco")]),
            )
            .await;
            if answer == "NewCo (newco)" {
                break;
            }
            assert!(
                Instant::now() < give_up,
                "replica {} never saw the import: {answer}",
                server.addr
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    // Many sweeps by each replica later: still one of each.
    assert_eq!(posted(&discord, fixtures::CHANNEL, &reminder(first_overdue)), 1);
    assert_eq!(posted(&discord, fixtures::CHANNEL, &reminder(second_overdue)), 1);
    assert_eq!(posted(&discord, NOTICES, "Vendor support digest"), 1);
    for number in [first_overdue, second_overdue] {
        let timeline = db.store.timeline(guild, number).await.unwrap();
        let reminders = timeline
            .events
            .iter()
            .filter(|e| e.kind.as_str() == "reminder")
            .count();
        assert_eq!(reminders, 1, "case {number}");
    }
    // The replica without a gateway posts on its own through the REST API.
    drop(with_gateway);
    let third_overdue = open_overdue_case(&db, "Overdue with one replica left").await;
    until("the third reminder", || {
        posted(&discord, fixtures::CHANNEL, &reminder(third_overdue)) >= 1
    })
    .await;
    drop(rest_only);
}
