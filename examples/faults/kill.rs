//! kill -9 rounds: `backline serve` (HTTP endpoint) SIGKILLed in the middle of concurrent
//! `/case open`, restarted, again; then what the askers were shown against what is stored.
//!
//! Knobs: FAULTS_KILL_ROUNDS (5), FAULTS_KILL_IN_FLIGHT (50 requests in flight),
//! FAULTS_KILL_AFTER_MS (2000: load time before each kill), FAULTS_KILL_BACKENDS
//! ("sqlite postgres").

use std::{
    collections::{HashMap, HashSet},
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::Duration,
};

use backline::{domain::GuildId, store::DatabaseUrl};
use ed25519_dalek::SigningKey;

use crate::{
    GUILD, Kind, Phase, Sent, case_number, child, env_or, send, shown,
    wire::{Webhooks, fake_discord},
};

const LOG: &str = "target/bench/faults-kill.log";

pub async fn run(binary: &str, admin_url: &str) -> anyhow::Result<()> {
    let rounds: u32 = env_or("FAULTS_KILL_ROUNDS", 5);
    let in_flight: u32 = env_or("FAULTS_KILL_IN_FLIGHT", 50);
    let kill_after = Duration::from_millis(env_or("FAULTS_KILL_AFTER_MS", 2000));
    let backends: String = env_or("FAULTS_KILL_BACKENDS", "sqlite postgres".to_owned());
    std::fs::write(LOG, "")?;
    println!(
        "kill -9 rounds: {rounds} rounds per backend; in each, `/case open` with {in_flight} requests in flight for {kill_after:?}, then SIGKILL, then a restart.\n"
    );
    println!(
        "| backend | rounds | sent | acknowledged (200 with a case number) | refused | no answer (killed) | stored | acknowledged but not stored | stored but not acknowledged | stored twice for one request | one number shown twice |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for backend in backends.split_whitespace() {
        let url = fresh_database(backend, admin_url).await?;
        let slugs = import_plans(&url).await?;
        let webhooks: Webhooks = Arc::default();
        let discord = fake_discord(Arc::clone(&webhooks)).await?;
        let key = Arc::new(SigningKey::from_bytes(&[42u8; 32]));
        let next_id = Arc::new(AtomicU64::new(100_000_000_000_000_000));
        let mut sent: Vec<Sent> = Vec::new();
        for _ in 0..rounds {
            let addr = child::free_addr().await?;
            let mut server = child::spawn(
                binary,
                &url,
                Some((addr, &key)),
                &[("DISCORD_API_BASE", discord.clone())],
                LOG,
            )?;
            child::wait_healthy(addr).await?;
            let stop = Arc::new(AtomicBool::new(false));
            let mut workers = tokio::task::JoinSet::new();
            for w in 0..in_flight {
                let (key, next_id, stop) = (Arc::clone(&key), Arc::clone(&next_id), Arc::clone(&stop));
                let slug = slugs[w as usize % slugs.len()].clone();
                workers.spawn(async move {
                    let mut mine = Vec::new();
                    while !stop.load(Ordering::Relaxed) {
                        let id = next_id.fetch_add(1, Ordering::Relaxed);
                        let s = send(addr, &key, Kind::CaseOpen, Phase::Before, id, &slug).await;
                        let down = s.answered.is_none();
                        mine.push(s);
                        if down {
                            break;
                        }
                    }
                    mine
                });
            }
            tokio::time::sleep(kill_after).await;
            server.0.kill()?; // SIGKILL
            server.0.wait()?;
            stop.store(true, Ordering::Relaxed);
            while let Some(mine) = workers.join_next().await {
                sent.extend(mine?);
            }
        }
        // Deferred answers (if any) were finished, or not, before the kill: nothing to wait for.
        let stored = stored_cases(backend, &url).await?;
        print_row(backend, rounds, &sent, &webhooks, &stored);
        if backend == "postgres" {
            drop_database(admin_url).await?;
        }
    }
    Ok(())
}

/// Each stored case of the guild: (number, summary).
pub(crate) async fn stored_cases(backend: &str, url: &str) -> anyhow::Result<Vec<(i64, String)>> {
    let query = "SELECT number, summary FROM cases WHERE guild_id = $1";
    Ok(if backend == "postgres" {
        let db = sqlx::PgPool::connect(url).await?;
        let rows = sqlx::query_as(query).bind(GUILD as i64).fetch_all(&db).await?;
        db.close().await;
        rows
    } else {
        let db = sqlx::SqlitePool::connect(url).await?;
        let rows = sqlx::query_as(query).bind(GUILD as i64).fetch_all(&db).await?;
        db.close().await;
        rows
    })
}

fn print_row(backend: &str, rounds: u32, sent: &[Sent], webhooks: &Webhooks, stored: &[(i64, String)]) {
    let mut acknowledged: HashMap<i64, u32> = HashMap::new();
    let mut refused = 0;
    let mut no_answer = 0;
    for s in sent {
        match shown(s, webhooks) {
            Some(v) => match case_number(&v) {
                Some(n) => *acknowledged.entry(n).or_default() += 1,
                None => refused += 1,
            },
            None => no_answer += 1,
        }
    }
    let numbers: HashSet<i64> = stored.iter().map(|(n, _)| *n).collect();
    let mut per_request: HashMap<&str, u32> = HashMap::new();
    for (_, summary) in stored {
        *per_request.entry(summary).or_default() += 1;
    }
    let stored_twice: u32 = per_request.values().map(|c| c - 1).sum();
    let shown_twice: u32 = acknowledged.values().map(|c| c - 1).sum();
    let lost = acknowledged.keys().filter(|n| !numbers.contains(n)).count();
    let unacknowledged = numbers.iter().filter(|n| !acknowledged.contains_key(n)).count();
    println!(
        "| {backend} | {rounds} | {} | {} | {refused} | {no_answer} | {} | {lost} | {unacknowledged} | {stored_twice} | {shown_twice} |",
        sent.len(),
        acknowledged.values().sum::<u32>(),
        stored.len(),
    );
}

/// An empty database for `backend`: a new SQLite file, or `backline_faults_kill` on the server.
async fn fresh_database(backend: &str, admin_url: &str) -> anyhow::Result<String> {
    if backend == "postgres" {
        drop_database(admin_url).await?;
        let admin = sqlx::PgPool::connect(admin_url).await?;
        sqlx::raw_sql("CREATE DATABASE backline_faults_kill")
            .execute(&admin)
            .await?;
        admin.close().await;
        let mut url = url::Url::parse(admin_url)?;
        url.set_path("backline_faults_kill");
        Ok(url.to_string())
    } else {
        let file = "target/bench/faults-kill.db";
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{file}{suffix}"));
        }
        Ok(format!("sqlite://{file}"))
    }
}

async fn drop_database(admin_url: &str) -> anyhow::Result<()> {
    let admin = sqlx::PgPool::connect(admin_url).await?;
    sqlx::raw_sql("DROP DATABASE IF EXISTS backline_faults_kill WITH (FORCE)")
        .execute(&admin)
        .await?;
    admin.close().await;
    Ok(())
}

/// Migrates the database and imports examples/plans.toml; the vendors' slugs.
pub(crate) async fn import_plans(url: &str) -> anyhow::Result<Vec<String>> {
    let store = backline::store::connect(&DatabaseUrl::new(url)).await?;
    let plans = std::fs::read_to_string("examples/plans.toml")?;
    let vendors = backline::domain::plans_file::parse_str("plans.toml", &plans)
        .map_err(|e| anyhow::anyhow!("examples/plans.toml: {e:?}"))?;
    store
        .import(GuildId::new(GUILD).map_err(anyhow::Error::msg)?, &vendors, false)
        .await?;
    store.close().await;
    Ok(vendors.iter().map(|v| v.slug.to_string()).collect())
}
