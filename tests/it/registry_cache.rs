//! The command core's in-memory registry: what it answers follows every import, whoever made it.

use backline::{
    commands::{Caller, Command, CommandError, Core},
    domain::{GuildId, Vendor},
    store::{self, Store},
};

use crate::{
    helpers::{NOW, TestDb, backline, caller_in, example_plans, parse, spawn_empty_app, stderr},
    on_both_backends,
};

/// How long a test waits for what must happen soon (generous: the machine may be busy).
const PATIENCE: std::time::Duration = std::time::Duration::from_secs(20);

const GUILD: u64 = 400_000_000_000_000_011;
const OTHER_GUILD: u64 = 400_000_000_000_000_012;

fn caller(guild: u64) -> Caller {
    caller_in(GuildId::new(guild).unwrap())
}

fn core(db: &TestDb) -> Core {
    spawn_empty_app(db, NOW).core
}

fn only(slugs: &[&str]) -> Vec<Vendor> {
    parse(&example_plans())
        .into_iter()
        .filter(|v| slugs.contains(&v.slug.as_str()))
        .collect()
}

async fn choices(core: &Core, guild: u64, typed: &str) -> Vec<String> {
    let choices = core.vendor_choices(&caller(guild), typed, 25).await.unwrap();
    choices.into_iter().map(|c| c.value).collect()
}

async fn support_title(core: &Core, guild: u64, vendor: &str) -> Result<String, String> {
    let command = Command::Support {
        vendor: vendor.into(),
    };
    match core.execute(&command, &caller(guild)).await {
        Ok(reply) => Ok(reply.title.unwrap_or_default()),
        Err(CommandError::User(message)) => Err(message.to_string()),
        Err(other) => panic!("internal error: {other:?}"),
    }
}

/// Waits, without sleeping, until `check` holds; fails after a generous deadline.
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while !check().await {
        assert!(tokio::time::Instant::now() < deadline, "never: {what}");
        tokio::task::yield_now().await;
    }
}

/// Waits until the store's change feed is connected (its watch starts on first use).
async fn feed_connected(store: &dyn Store) {
    eventually("the registry watch connected", || async {
        store.registry_feed().changes().is_some()
    })
    .await;
}

on_both_backends! {
    async fn a_write_through_the_same_store_is_seen_by_the_very_next_request(db) {
        let core = core(&db);
        let guild = GuildId::new(GUILD).unwrap();
        db.store.import(guild, &only(&["aws"]), false).await.unwrap();
        assert_eq!(choices(&core, GUILD, "").await, ["aws"]);
        feed_connected(db.store.as_ref()).await;
        assert_eq!(choices(&core, GUILD, "").await, ["aws"], "confirmed while the feed is live");

        db.store.import(guild, &only(&["aws", "stripe"]), false).await.unwrap();
        assert_eq!(choices(&core, GUILD, "").await, ["aws", "stripe"]);
        let sensitive = backline::domain::GuildSettings { sensitive_contacts: true, ..Default::default() };
        db.store.set_guild_settings(guild, &sensitive).await.unwrap();
        let support = Command::Support { vendor: "aws".into() };
        assert!(core.execute(&support, &caller(GUILD)).await.unwrap().ephemeral);
    }
}

on_both_backends! {
    async fn an_import_through_another_connection_is_seen_once_the_watch_hears_of_it(db) {
        let core = core(&db);
        let guild = GuildId::new(GUILD).unwrap();
        db.store.import(guild, &only(&["aws"]), false).await.unwrap();
        assert_eq!(choices(&core, GUILD, "").await, ["aws"]);
        feed_connected(db.store.as_ref()).await;
        assert_eq!(choices(&core, GUILD, "").await, ["aws"]);

        // Another process or replica: its own pool on the same database.
        let elsewhere = store::connect(&db.url).await.unwrap();
        elsewhere.import(guild, &only(&["aws", "stripe"]), false).await.unwrap();
        eventually("the import seen", || async { choices(&core, GUILD, "").await == ["aws", "stripe"] }).await;
        assert_eq!(support_title(&core, GUILD, "stripe").await.unwrap(), "Stripe (stripe)");

        elsewhere.import(guild, &only(&["stripe"]), true).await.unwrap();
        eventually("the pruning import seen", || async { choices(&core, GUILD, "").await == ["stripe"] }).await;
        let gone = support_title(&core, GUILD, "aws").await.unwrap_err();
        assert!(gone.contains("No vendor named `aws`"), "{gone}");
        elsewhere.close().await;
    }
}

on_both_backends! {
    async fn an_import_by_the_cli_while_serving_is_seen_without_a_restart(db) {
        let core = core(&db);
        let guild = GuildId::new(GUILD).unwrap();
        db.store.import(guild, &only(&["aws"]), false).await.unwrap();
        assert_eq!(choices(&core, GUILD, "").await, ["aws"]);
        feed_connected(db.store.as_ref()).await;
        assert_eq!(support_title(&core, GUILD, "aws").await.unwrap(), "Amazon Web Services (aws)");

        let plans = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/plans.toml");
        let out = backline(&db, &["import", "--guild", &GUILD.to_string(), plans]);
        assert!(out.status.success(), "{}", stderr(&out));
        let all = parse(&example_plans()).len();
        eventually("the CLI's import seen", || async { choices(&core, GUILD, "").await.len() == all }).await;
        assert_eq!(support_title(&core, GUILD, "stripe").await.unwrap(), "Stripe (stripe)");
    }
}

/// In the steady state `/support` does not read the registry version: it answers, current
/// and unmarked, while every read of the version would wait for a lock.
#[tokio::test]
#[cfg_attr(no_test_postgres, ignore = "no PostgreSQL: set BACKLINE_TEST_POSTGRES_URL")]
async fn in_the_steady_state_support_answers_without_reading_the_registry_version() {
    use sqlx::Connection as _;
    let db = crate::helpers::postgres().await;
    let guild = GuildId::new(GUILD).unwrap();
    db.store
        .import(guild, &parse(&example_plans()), false)
        .await
        .unwrap();
    // A read that waits this long fails the test's own deadline below.
    let core = core(&db).with_read_budget(std::time::Duration::from_secs(3600));
    feed_connected(db.store.as_ref()).await;
    assert_eq!(
        support_title(&core, GUILD, "aws").await.unwrap(),
        "Amazon Web Services (aws)"
    );

    let mut lock = sqlx::PgConnection::connect(db.url()).await.unwrap();
    sqlx::query("BEGIN").execute(&mut lock).await.unwrap();
    sqlx::query("LOCK TABLE registry_versions IN ACCESS EXCLUSIVE MODE")
        .execute(&mut lock)
        .await
        .unwrap();
    let support = Command::Support { vendor: "aws".into() };
    let reply = tokio::time::timeout(PATIENCE, core.execute(&support, &caller(GUILD)))
        .await
        .expect("a request waited for the registry version")
        .unwrap();
    assert_eq!(reply.title.as_deref(), Some("Amazon Web Services (aws)"));
    assert!(
        reply.content.is_none(),
        "current, not from memory: {:?}",
        reply.content
    );
    let typed = tokio::time::timeout(PATIENCE, choices(&core, GUILD, "str"))
        .await
        .unwrap();
    assert_eq!(typed, ["stripe"]);
    sqlx::query("ROLLBACK").execute(&mut lock).await.unwrap();
}

on_both_backends! {
    async fn a_guild_never_sees_another_guilds_vendors_through_the_cache(db) {
        let core = core(&db);
        db.store.import(GuildId::new(GUILD).unwrap(), &only(&["aws", "stripe"]), false).await.unwrap();
        // The first guild's index is built before the second guild asks.
        assert_eq!(choices(&core, GUILD, "").await, ["aws", "stripe"]);
        assert!(choices(&core, OTHER_GUILD, "").await.is_empty());
        assert!(choices(&core, OTHER_GUILD, "aws").await.is_empty());
        let missing = support_title(&core, OTHER_GUILD, "aws").await.unwrap_err();
        assert!(missing.contains("no vendor registry yet"), "{missing}");

        db.store.import(GuildId::new(OTHER_GUILD).unwrap(), &only(&["cloudflare"]), false).await.unwrap();
        assert_eq!(choices(&core, OTHER_GUILD, "").await, ["cloudflare"]);
        assert_eq!(choices(&core, GUILD, "").await, ["aws", "stripe"]);
        assert!(support_title(&core, OTHER_GUILD, "stripe").await.is_err());
    }
}

on_both_backends! {
    async fn concurrent_requests_on_a_cold_cache_all_get_the_registry(db) {
        let core = core(&db);
        db.store.import(GuildId::new(GUILD).unwrap(), &parse(&example_plans()), false).await.unwrap();
        let asks: Vec<_> = (0..32)
            .map(|_| {
                let core = core.clone();
                tokio::spawn(async move { choices(&core, GUILD, "").await.len() })
            })
            .collect();
        for ask in asks {
            assert_eq!(ask.await.unwrap(), parse(&example_plans()).len());
        }
    }
}

on_both_backends! {
    async fn the_registry_version_moves_only_when_an_import_changes_something(db) {
        let guild = GuildId::new(GUILD).unwrap();
        assert_eq!(db.store.registry_version(guild).await.unwrap(), 0);
        let vendors = parse(&example_plans());
        db.store.import(guild, &vendors, false).await.unwrap();
        let first = db.store.registry_version(guild).await.unwrap();
        assert!(first > 0);
        db.store.import(guild, &vendors, false).await.unwrap();
        assert_eq!(db.store.registry_version(guild).await.unwrap(), first, "nothing changed");
        db.store.import(guild, &vendors[..1], true).await.unwrap();
        assert!(db.store.registry_version(guild).await.unwrap() > first);
        assert_eq!(db.store.registry_version(GuildId::new(OTHER_GUILD).unwrap()).await.unwrap(), 0);
    }
}

on_both_backends! {
    async fn a_large_import_is_written_whole_and_a_repeated_slug_keeps_its_last_version(db) {
        let guild = GuildId::new(GUILD).unwrap();
        let aws = only(&["aws"]).remove(0);
        // More vendors than one INSERT writes.
        let mut vendors: Vec<Vendor> = (0..1201)
            .map(|i| {
                let mut v = aws.clone();
                v.slug = backline::domain::VendorSlug::parse(&format!("vendor-{i:04}")).unwrap();
                v.name = format!("Vendor {i}");
                v.aliases = vec![format!("v{i}")];
                v
            })
            .collect();
        let mut renamed = vendors[7].clone();
        renamed.name = "Renamed".into();
        vendors.push(renamed);
        let summary = db.store.import(guild, &vendors, false).await.unwrap();
        assert_eq!(summary.added.len(), vendors.len());
        let stored = db.store.vendor_summaries(guild).await.unwrap();
        assert_eq!(stored.len(), 1201);
        assert_eq!(stored[7].name, "Renamed");
        assert_eq!(stored[1200].slug.as_str(), "vendor-1200");
    }
}

on_both_backends! {
    async fn a_settings_change_through_another_connection_reaches_support(db) {
        let core = core(&db);
        let guild = GuildId::new(GUILD).unwrap();
        db.store.import(guild, &only(&["aws"]), false).await.unwrap();
        let support = Command::Support { vendor: "aws".into() };
        assert!(!core.execute(&support, &caller(GUILD)).await.unwrap().ephemeral);

        let elsewhere = store::connect(&db.url).await.unwrap();
        let sensitive = backline::domain::GuildSettings { sensitive_contacts: true, ..Default::default() };
        elsewhere.set_guild_settings(guild, &sensitive).await.unwrap();
        eventually("the settings change seen", || async {
            core.execute(&support, &caller(GUILD)).await.unwrap().ephemeral
        })
        .await;
        elsewhere.close().await;
    }
}

on_both_backends! {
    async fn an_import_abandoned_between_batches_writes_nothing(db) {
        let guild = GuildId::new(GUILD).unwrap();
        let documents = |slugs: &[&str]| only(slugs).into_iter().map(backline::domain::plans_file::VendorDocument::of).collect();
        let mut batches = vec![Ok(documents(&["aws"])), Err(backline::store::StoreError::Conflict("bad files".into()))].into_iter();
        let mut next = || batches.next();
        let abandoned = db.store.import_batches(guild, &mut next, false).await;
        assert!(abandoned.is_err());
        assert!(db.store.vendor_summaries(guild).await.unwrap().is_empty());
        assert_eq!(db.store.registry_version(guild).await.unwrap(), 0);

        let mut batches = vec![Ok(documents(&["aws"])), Ok(documents(&["stripe"]))].into_iter();
        let mut next = || batches.next();
        let summary = db.store.import_batches(guild, &mut next, false).await.unwrap();
        assert_eq!(summary.added.len(), 2);
        assert_eq!(choices(&core(&db), GUILD, "").await, ["aws", "stripe"]);
    }
}
