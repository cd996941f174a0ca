//! Test set-up shared by every integration test: a fresh SQLite file or PostgreSQL database
//! per test, `spawn_app` (a core over it with a hand-moved clock), callers, test doubles.

use std::{
    path::PathBuf,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU32, Ordering},
    },
};

use async_trait::async_trait;
use backline::{
    commands::{
        Caller, Clock, CommandError, Core, Reply,
        reminders::{Delivered, Posted, Poster},
    },
    domain::{GuildId, Rights},
    store::{self, DatabaseUrl, Store},
};
use chrono::{DateTime, Utc};

/// The variable that points the tests at a PostgreSQL server (an admin URL; each test
/// creates and drops its own database there).
pub const POSTGRES_ENV: &str = "BACKLINE_TEST_POSTGRES_URL";

/// A database that exists for one test and is removed when dropped.
pub struct TestDb {
    pub url: DatabaseUrl,
    pub store: Arc<dyn Store>,
    cleanup: Cleanup,
}

enum Cleanup {
    /// Holding the directory keeps the file; dropping it deletes both.
    Sqlite {
        _dir: tempfile::TempDir,
    },
    Postgres {
        admin_url: String,
        name: String,
    },
}

impl TestDb {
    /// The database URL to hand to the `backline` binary.
    pub fn url(&self) -> &str {
        self.url.expose()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Cleanup::Postgres { admin_url, name } = &self.cleanup {
            drop_postgres_database(admin_url, name);
        }
    }
}

/// Drops a test database. Called from `Drop`, inside the test's runtime: a fresh thread with
/// its own runtime can block on the DROP without stalling it.
pub fn drop_postgres_database(admin_url: &str, name: &str) {
    let (admin_url, name) = (admin_url.to_owned(), name.to_owned());
    let _ = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .ok()?;
        rt.block_on(async {
            let admin = sqlx::PgPool::connect(&admin_url).await.ok()?;
            let drop = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
            sqlx::raw_sql(sqlx::AssertSqlSafe(drop))
                .execute(&admin)
                .await
                .ok()?;
            Some(())
        })
    })
    .join();
}

pub async fn sqlite() -> TestDb {
    let dir = tempfile::tempdir().expect("temp dir");
    let path: PathBuf = dir.path().join("backline.db");
    let url = DatabaseUrl::new(format!("sqlite://{}", path.display()));
    let store = store::connect(&url).await.expect("open SQLite");
    TestDb {
        url,
        store,
        cleanup: Cleanup::Sqlite { _dir: dir },
    }
}

/// A fresh PostgreSQL database on the server `BACKLINE_TEST_POSTGRES_URL` names.
///
/// Without that variable the PostgreSQL tests are compiled as ignored (see build.rs and
/// `on_both_backends!`), so reaching this without it (a test run with `--include-ignored`,
/// or a test binary built with the variable and run without it) fails rather than passes.
pub async fn postgres() -> TestDb {
    let Ok(admin_url) = std::env::var(POSTGRES_ENV) else {
        panic!(
            "{POSTGRES_ENV} is not set: set it (e.g. postgres://postgres@127.0.0.1:5432/postgres) \
             to run the PostgreSQL tests; without it `cargo test` reports them ignored"
        );
    };
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let name = format!(
        "backline_test_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        chrono::Utc::now().timestamp_micros()
    );
    let admin = sqlx::PgPool::connect(&admin_url)
        .await
        .unwrap_or_else(|e| panic!("{POSTGRES_ENV} is set but PostgreSQL is not reachable: {e}"));
    let create = format!("CREATE DATABASE \"{name}\"");
    sqlx::raw_sql(sqlx::AssertSqlSafe(create))
        .execute(&admin)
        .await
        .expect("create test database");
    admin.close().await;
    let mut url = url::Url::parse(&admin_url).expect("valid PostgreSQL URL");
    url.set_path(&name);
    let url = DatabaseUrl::new(url.to_string());
    let store = store::connect(&url).await.expect("open PostgreSQL");
    TestDb {
        url,
        store,
        cleanup: Cleanup::Postgres { admin_url, name },
    }
}

/// Declares one async test per backend: `mod name { fn sqlite(); fn postgres(); }`. The
/// PostgreSQL one is ignored (and shown so in the summary) when no server is configured.
#[macro_export]
macro_rules! on_both_backends {
    ($(#[$meta:meta])* async fn $name:ident($db:ident) $body:block) => {
        $(#[$meta])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test]
            async fn sqlite() {
                let $db = $crate::helpers::sqlite().await;
                $body
            }

            #[tokio::test]
            #[cfg_attr(
                no_test_postgres,
                ignore = "no PostgreSQL: set BACKLINE_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres"
            )]
            async fn postgres() {
                let $db = $crate::helpers::postgres().await;
                $body
            }
        }
    };
}

/// The example registry shipped in the repository.
pub fn example_plans() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/plans.toml"))
        .expect("examples/plans.toml")
}

pub fn parse(text: &str) -> Vec<backline::domain::Vendor> {
    backline::domain::plans_file::parse_str("test.toml", text).expect("valid plans")
}

/// Runs the `backline` binary with `DATABASE_URL` pointing at `db`.
pub fn backline(db: &TestDb, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_backline"))
        .args(args)
        .env("DATABASE_URL", db.url())
        .env_remove("BACKLINE_GUILD_ID")
        .output()
        .expect("run backline")
}

pub fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Bytes as lowercase hex, as Discord sends keys and signatures.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Wednesday 2026-11-25 10:00 UTC: inside the business hours of every example vendor.
pub const NOW: &str = "2026-11-25T10:00:00Z";

/// A clock the test moves by hand.
pub struct TestClock(Mutex<DateTime<Utc>>);

impl TestClock {
    pub fn at(s: &str) -> Arc<Self> {
        Arc::new(Self(Mutex::new(s.parse().unwrap())))
    }

    pub fn advance(&self, by: chrono::Duration) {
        *self.0.lock().unwrap() += by;
    }
}

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

/// Records what would have been posted to Discord. A reply is split into the messages the
/// Discord adapter would send; `fail` makes every message fail, `refuse` (1-based) only
/// that message of each post, as Discord refusing one message of a split reply.
#[derive(Default)]
pub struct RecordingPoster {
    pub posts: Mutex<Vec<(u64, Reply)>>,
    pub dms: Mutex<Vec<(u64, Reply)>>,
    /// Messages sent with `send` (channel, message ID, reply); an edit replaces the reply
    /// and is also kept in `edits`.
    pub sent: Mutex<Vec<(u64, u64, Reply)>>,
    pub edits: Mutex<Vec<(u64, u64, Reply)>>,
    pub fail: bool,
    pub refuse: Option<usize>,
}

/// The reason the recording poster gives for a message it refuses.
pub const REFUSED: &str = "Discord answered 403 (Missing Permissions)";

impl RecordingPoster {
    fn deliver(&self, reply: &Reply) -> Posted {
        let messages = backline::discord::render::channel_messages(reply)
            .into_iter()
            .enumerate()
            .map(|(i, (_, mentions))| {
                let refused = self.fail || self.refuse == Some(i + 1);
                Delivered {
                    mentions,
                    outcome: if refused { Err(REFUSED.to_owned()) } else { Ok(()) },
                }
            })
            .collect();
        Posted { messages }
    }
}

#[async_trait]
impl Poster for RecordingPoster {
    async fn post(&self, channel: u64, reply: &Reply) -> Posted {
        let posted = self.deliver(reply);
        if posted.card_taken() {
            self.posts.lock().unwrap().push((channel, reply.clone()));
        }
        posted
    }

    async fn dm(&self, user: u64, reply: &Reply) -> Posted {
        let posted = self.deliver(reply);
        if posted.card_taken() {
            self.dms.lock().unwrap().push((user, reply.clone()));
        }
        posted
    }

    async fn send(&self, channel: u64, reply: &Reply) -> anyhow::Result<u64> {
        if self.fail {
            anyhow::bail!("Discord is unreachable");
        }
        let mut sent = self.sent.lock().unwrap();
        let id = 9_000_000 + sent.len() as u64;
        sent.push((channel, id, reply.clone()));
        Ok(id)
    }

    async fn edit(&self, channel: u64, message: u64, reply: &Reply) -> anyhow::Result<()> {
        if self.fail {
            anyhow::bail!("Discord is unreachable");
        }
        let mut sent = self.sent.lock().unwrap();
        let Some(entry) = sent.iter_mut().find(|(c, m, _)| *c == channel && *m == message) else {
            anyhow::bail!("Unknown Message");
        };
        entry.2 = reply.clone();
        self.edits.lock().unwrap().push((channel, message, reply.clone()));
        Ok(())
    }
}

/// One running command core over a test database, with a clock the test moves.
pub struct TestApp {
    pub core: Core,
    pub clock: Arc<TestClock>,
}

/// A core over `db` with the example registry imported into the local guild, at `NOW`.
pub async fn spawn_app(db: &TestDb) -> TestApp {
    spawn_app_at(db, NOW).await
}

/// As `spawn_app`, with the clock at `now`.
pub async fn spawn_app_at(db: &TestDb, now: &str) -> TestApp {
    db.store
        .import(GuildId::LOCAL, &parse(&example_plans()), false)
        .await
        .unwrap();
    spawn_empty_app(db, now)
}

/// A core over `db` as it is (nothing imported), with the clock at `now`.
pub fn spawn_empty_app(db: &TestDb, now: &str) -> TestApp {
    let clock = TestClock::at(now);
    let core = Core::new(Arc::clone(&db.store), clock.clone());
    TestApp { core, clock }
}

/// A member of `guild` (user 42, channel 1) with no special rights and no interaction.
pub fn caller_in(guild: GuildId) -> Caller {
    Caller {
        guild: Some(guild),
        channel: Some(1),
        user: 42,
        interaction: None,
        rights: Rights::Member,
    }
}

/// A member of the local guild; change what a test needs with the builder methods.
pub fn caller() -> Caller {
    caller_in(GuildId::LOCAL)
}

/// Builders on `Caller` for tests.
pub trait CallerExt {
    fn user(self, user: u64) -> Self;
    fn channel(self, channel: u64) -> Self;
    fn interaction(self, interaction: u64) -> Self;
    fn rights(self, rights: Rights) -> Self;
}

impl CallerExt for Caller {
    fn user(self, user: u64) -> Self {
        Self { user, ..self }
    }

    fn channel(self, channel: u64) -> Self {
        Self {
            channel: Some(channel),
            ..self
        }
    }

    fn interaction(self, interaction: u64) -> Self {
        Self {
            interaction: Some(interaction),
            ..self
        }
    }

    fn rights(self, rights: Rights) -> Self {
        Self { rights, ..self }
    }
}

/// The message of a user error, rendered as Discord would show it; panics on anything else
/// (an internal error is not a user error, however it is worded).
pub fn user_error(result: Result<Reply, CommandError>) -> String {
    match result {
        Err(CommandError::User(message)) => crate::surfaces::md(&message),
        other => panic!("expected a user error, got {other:?}"),
    }
}
