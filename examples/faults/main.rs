//! The fault experiments behind bench/faults.sh, one per run, chosen by FAULTS_EXPERIMENT:
//! `outage` (the default, below), `kill` (kill -9 rounds, kill.rs), `slow` (a thousand slow
//! clients, then SIGTERM, slow.rs), `gateway` (SIGTERM while Discord is unreachable, slow.rs),
//! `disk` (SQLite on a full filesystem, disk.rs).
//!
//! The outage: a PostgreSQL outage under steady load.
//! Starts the `backline serve` binary it is given on a database reached through an
//! in-process TCP proxy, with a fake Discord for the follow-up webhook; sends `/support` and
//! `/case open` at fixed rates; cuts the proxy (every connection dropped, new ones closed at
//! once) for the outage, restores it, and prints one Markdown table.
//!
//! Knobs (environment): FAULTS_BACKLINE (target/release/backline), FAULTS_POSTGRES_URL (an
//! admin URL; the run creates and drops the database backline_faults), FAULTS_OUTAGE (30 s),
//! FAULTS_BEFORE and FAULTS_AFTER (10 s each), FAULTS_SUPPORT_RATE (20/s), FAULTS_CASE_RATE (5/s),
//! FAULTS_MODE (`drop`: connections reset, the server went away; `stall`: nothing forwarded,
//! connections left hanging, a network partition).

mod child;
mod disk;
mod kill;
mod proxy;
mod slow;
mod wire;

use std::{
    net::SocketAddr,
    sync::Arc,
    time::{Duration, Instant},
};

use backline::{domain::GuildId, store::DatabaseUrl};
use ed25519_dalek::{Signer, SigningKey};
use serde_json::{Value, json};
use tokio::net::TcpListener;

use crate::{
    child::KillOnDrop,
    proxy::{Mode, Proxy},
    wire::{Webhooks, fake_discord, post_raw},
};

const GUILD: u64 = 400_000_000_000_000_001;
pub const APPLICATION: u64 = 200_000_000_000_000_001;
/// Discord drops an interaction response later than this.
const DISCORD_DEADLINE: Duration = Duration::from_secs(3);

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Phase {
    Before,
    Outage,
    After,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Support,
    CaseOpen,
}

/// One interaction sent and what came back.
struct Sent {
    kind: Kind,
    phase: Phase,
    id: u64,
    token: String,
    /// HTTP response: its interaction response type, and how long it took.
    answered: Option<(u64, Duration)>,
    inline: Option<Value>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let binary: String = env_or("FAULTS_BACKLINE", "target/release/backline".to_owned());
    let admin_url: String = env_or(
        "FAULTS_POSTGRES_URL",
        "postgres://postgres@127.0.0.1:5432/postgres".to_owned(),
    );
    std::fs::create_dir_all("target/bench")?;
    match std::env::var("FAULTS_EXPERIMENT").as_deref() {
        Ok("kill") => kill::run(&binary, &admin_url).await,
        Ok("slow") => slow::slow_clients(&binary).await,
        Ok("gateway") => slow::gateway(&binary).await,
        Ok("disk") => disk::run(&binary).await,
        _ => outage(&binary, &admin_url).await,
    }
}

/// The case number on a "Case #N" card.
fn case_number(shown: &Value) -> Option<i64> {
    shown["embeds"][0]["title"]
        .as_str()?
        .strip_prefix("Case #")?
        .split(' ')
        .next()?
        .parse()
        .ok()
}

async fn outage(binary: &str, admin_url: &str) -> anyhow::Result<()> {
    let outage = Duration::from_secs(env_or("FAULTS_OUTAGE", 30));
    let before = Duration::from_secs(env_or("FAULTS_BEFORE", 10));
    let after = Duration::from_secs(env_or("FAULTS_AFTER", 10));
    let support_rate: u64 = env_or("FAULTS_SUPPORT_RATE", 20);
    let case_rate: u64 = env_or("FAULTS_CASE_RATE", 5);

    // A fresh database with the example registry.
    let admin = sqlx::PgPool::connect(admin_url).await?;
    sqlx::raw_sql("DROP DATABASE IF EXISTS backline_faults WITH (FORCE)")
        .execute(&admin)
        .await?;
    sqlx::raw_sql("CREATE DATABASE backline_faults")
        .execute(&admin)
        .await?;
    let mut direct = url::Url::parse(admin_url)?;
    direct.set_path("backline_faults");
    let store = backline::store::connect(&DatabaseUrl::new(direct.to_string())).await?;
    let plans = std::fs::read_to_string("examples/plans.toml")?;
    let vendors = backline::domain::plans_file::parse_str("plans.toml", &plans)
        .map_err(|e| anyhow::anyhow!("examples/plans.toml: {e:?}"))?;
    let slugs: Vec<String> = vendors.iter().map(|v| v.slug.to_string()).collect();
    store
        .import(GuildId::new(GUILD).map_err(anyhow::Error::msg)?, &vendors, false)
        .await?;

    let target: SocketAddr = format!(
        "{}:{}",
        direct.host_str().unwrap_or("127.0.0.1"),
        direct.port().unwrap_or(5432)
    )
    .parse()?;
    let mode = match std::env::var("FAULTS_MODE").as_deref() {
        Ok("stall") => Mode::Stall,
        _ => Mode::Drop,
    };
    let proxy = Proxy::start(target, mode).await?;
    let mut proxied = direct.clone();
    proxied.set_port(Some(proxy.addr.port())).ok();

    let webhooks: Webhooks = Arc::default();
    let discord = fake_discord(Arc::clone(&webhooks)).await?;

    let key = SigningKey::from_bytes(&[42u8; 32]);
    let port = TcpListener::bind("127.0.0.1:0").await?.local_addr()?.port();
    let http_addr: SocketAddr = format!("127.0.0.1:{port}").parse()?;
    std::fs::create_dir_all("target/bench")?;
    let log = std::fs::File::create("target/bench/faults-serve.log")?;
    let server = KillOnDrop(
        std::process::Command::new(binary)
            .arg("serve")
            .env("DATABASE_URL", proxied.to_string())
            .env("DISCORD_PUBLIC_KEY", hex(&key.verifying_key().to_bytes()))
            .env("BACKLINE_HTTP_ADDR", http_addr.to_string())
            .env("DISCORD_API_BASE", &discord)
            .env_remove("DISCORD_TOKEN")
            .env("RUST_LOG", "warn")
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()?,
    );
    let ready = Instant::now();
    while post_raw(http_addr, "GET", "/healthz", &[], b"")
        .await
        .map(|(s, _)| s)
        != Some(200)
    {
        anyhow::ensure!(
            ready.elapsed() < Duration::from_secs(30),
            "backline serve never became healthy"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // The load: one tick per /support; a /case open every few ticks.
    let total = before + outage + after;
    let tick = Duration::from_micros(1_000_000 / support_rate.max(1));
    let case_every = (support_rate / case_rate.max(1)).max(1);
    let start = Instant::now();
    let mut interval = tokio::time::interval(tick);
    let mut tasks = tokio::task::JoinSet::new();
    let key = Arc::new(key);
    let mut n: u64 = 0;
    let mut cut = false;
    let mut restored = false;
    while start.elapsed() < total {
        interval.tick().await;
        let elapsed = start.elapsed();
        let phase = if elapsed < before {
            Phase::Before
        } else if elapsed < before + outage {
            if !cut {
                proxy.cut();
                cut = true;
            }
            Phase::Outage
        } else {
            if !restored {
                proxy.restore();
                restored = true;
            }
            Phase::After
        };
        n += 1;
        let slug = slugs[(n as usize) % slugs.len()].clone();
        let kinds: &[Kind] = if n.is_multiple_of(case_every) {
            &[Kind::Support, Kind::CaseOpen]
        } else {
            &[Kind::Support]
        };
        for (i, &kind) in kinds.iter().enumerate() {
            let id = 100_000_000_000_000_000 + n * 2 + i as u64;
            let key = Arc::clone(&key);
            let slug = slug.clone();
            tasks.spawn(async move { send(http_addr, &key, kind, phase, id, &slug).await });
        }
    }
    let mut sent = Vec::new();
    while let Some(result) = tasks.join_next().await {
        sent.push(result?);
    }
    // Deferred answers finish through the webhook: give them time to arrive.
    let waiting = Instant::now();
    while sent
        .iter()
        .any(|s| deferred(s) && !webhooks.lock().unwrap().contains_key(&s.token))
        && waiting.elapsed() < Duration::from_secs(60)
    {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    drop(server);

    println!(
        "PostgreSQL outage through a proxy: {mode:?} mode, {before:?} before, {outage:?} cut, {after:?} after; {support_rate} /support and {case_rate} /case open per second.\n"
    );
    report(&sent, &webhooks, &direct).await?;
    store.close().await;
    sqlx::raw_sql("DROP DATABASE IF EXISTS backline_faults WITH (FORCE)")
        .execute(&admin)
        .await?;
    Ok(())
}

fn deferred(s: &Sent) -> bool {
    matches!(s.answered, Some((5, _)))
}

/// What the asker ends up seeing: the inline answer, or the deferred answer's edit or follow-up.
fn shown(s: &Sent, webhooks: &Webhooks) -> Option<Value> {
    match s.answered {
        Some((4, _)) => s.inline.clone(),
        Some((5, _)) => webhooks
            .lock()
            .unwrap()
            .get(&s.token)?
            .iter()
            .find(|(method, _)| *method != "DELETE")
            .map(|(_, body)| body.clone()),
        _ => None,
    }
}

async fn report(sent: &[Sent], webhooks: &Webhooks, direct: &url::Url) -> anyhow::Result<()> {
    let db = sqlx::PgPool::connect(direct.as_str()).await?;
    let stored: Vec<(i64,)> = sqlx::query_as("SELECT number FROM cases WHERE guild_id = $1")
        .bind(GUILD as i64)
        .fetch_all(&db)
        .await?;
    let stored: std::collections::HashSet<i64> = stored.into_iter().map(|(n,)| n).collect();
    // Notifications recorded as sent, by the interaction that carried them.
    let sent_rows: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT e.interaction_id, count(*) FROM notifications n JOIN case_events e ON e.id = n.event_id \
         WHERE n.guild_id = $1 AND n.delivery = 'sent' GROUP BY e.interaction_id",
    )
    .bind(GUILD as i64)
    .fetch_all(&db)
    .await?;
    db.close().await;

    println!(
        "| phase | command | sent | answered in time | of which deferred | late or never | from memory | acknowledged | refused (not recorded) | acknowledged but not stored |"
    );
    println!("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for phase in [Phase::Before, Phase::Outage, Phase::After] {
        for kind in [Kind::Support, Kind::CaseOpen] {
            let rows: Vec<&Sent> = sent
                .iter()
                .filter(|s| s.phase == phase && s.kind == kind)
                .collect();
            let in_time = rows
                .iter()
                .filter(|s| s.answered.is_some_and(|(_, took)| took <= DISCORD_DEADLINE))
                .count();
            let deferred_count = rows.iter().filter(|s| deferred(s)).count();
            let shown: Vec<Value> = rows.iter().filter_map(|s| shown(s, webhooks)).collect();
            let text = |v: &Value| v["content"].as_str().unwrap_or_default().to_owned();
            let from_memory = shown.iter().filter(|v| text(v).contains("from memory")).count();
            let numbers: Vec<i64> = shown
                .iter()
                .filter_map(|v| v["embeds"][0]["title"].as_str())
                .filter_map(|t| t.strip_prefix("Case #"))
                .filter_map(|t| t.split(' ').next()?.parse().ok())
                .collect();
            let refused = shown.iter().filter(|v| text(v).contains("NOT recorded")).count();
            let lost = numbers.iter().filter(|n| !stored.contains(n)).count();
            let (ack, refused, lost) = match kind {
                Kind::CaseOpen => (numbers.len().to_string(), refused.to_string(), lost.to_string()),
                Kind::Support => ("".into(), "".into(), "".into()),
            };
            println!(
                "| {phase:?} | {} | {} | {in_time} | {deferred_count} | {} | {from_memory} | {ack} | {refused} | {lost} |",
                match kind {
                    Kind::Support => "/support",
                    Kind::CaseOpen => "/case open",
                },
                rows.len(),
                rows.len() - in_time,
            );
        }
    }
    // A notification counts as delivered when its message reached Discord in time: an inline
    // answer within 3 s, or a deferred answer whose webhook call the fake Discord took.
    let delivered = |id: u64| {
        sent.iter()
            .find(|s| s.id == id)
            .is_some_and(|s| match s.answered {
                Some((4, took)) => took <= DISCORD_DEADLINE,
                Some((5, took)) => {
                    took <= DISCORD_DEADLINE && webhooks.lock().unwrap().contains_key(&s.token)
                }
                _ => false,
            })
    };
    let sent_total: i64 = sent_rows.iter().map(|(_, c)| c).sum();
    let undelivered: i64 = sent_rows
        .iter()
        .filter(|(id, _)| !delivered(*id as u64))
        .map(|(_, c)| c)
        .sum();
    let acknowledged: std::collections::HashSet<i64> = sent
        .iter()
        .filter(|s| s.kind == Kind::CaseOpen)
        .filter_map(|s| shown(s, webhooks))
        .filter_map(|v| {
            v["embeds"][0]["title"]
                .as_str()?
                .strip_prefix("Case #")?
                .split(' ')
                .next()?
                .parse()
                .ok()
        })
        .collect();
    println!();
    println!(
        "| cases acknowledged | stored | acknowledged but not stored | stored but not acknowledged | notifications marked sent | of which not delivered |"
    );
    println!("| ---: | ---: | ---: | ---: | ---: | ---: |");
    println!(
        "| {} | {} | {} | {} | {sent_total} | {undelivered} |",
        acknowledged.len(),
        stored.len(),
        acknowledged.difference(&stored).count(),
        stored.difference(&acknowledged).count()
    );
    Ok(())
}

async fn send(addr: SocketAddr, key: &SigningKey, kind: Kind, phase: Phase, id: u64, slug: &str) -> Sent {
    let data = match kind {
        Kind::Support => json!({"id": "600000000000000001", "name": "support", "type": 1,
            "options": [{"name": "vendor", "type": 3, "value": slug}]}),
        Kind::CaseOpen => {
            json!({"id": "600000000000000002", "name": "case", "type": 1, "options": [{"name": "open", "type": 1,
            "options": [{"name": "vendor", "type": 3, "value": slug}, {"name": "severity", "type": 3, "value": "sev2"},
                        {"name": "summary", "type": 3, "value": format!("Fault run request {id}")}]}]})
        }
    };
    let token = format!("tok-{id}");
    let body = json!({
        "type": 2, "id": id.to_string(), "application_id": APPLICATION.to_string(), "token": token,
        "version": 1, "channel_id": "500000000000000001", "locale": "en-US", "app_permissions": "2248473465835073",
        "entitlements": [], "attachment_size_limit": 10_485_760, "guild_id": GUILD.to_string(), "guild_locale": "en-US",
        "context": 0, "authorizing_integration_owners": {"0": GUILD.to_string()},
        "member": {"user": {"id": "300000000000000001", "username": "faults", "discriminator": "0", "global_name": null, "avatar": null},
                   "roles": [], "joined_at": "2024-01-01T00:00:00.000000+00:00", "deaf": false, "mute": false, "flags": 0, "permissions": "0"},
        "data": data,
    });
    let body = serde_json::to_vec(&body).unwrap_or_default();
    let timestamp = chrono::Utc::now().timestamp().to_string();
    let signature = hex(&key.sign(&[timestamp.as_bytes(), &body].concat()).to_bytes());
    let headers = [
        ("content-type", "application/json".to_owned()),
        ("x-signature-ed25519", signature),
        ("x-signature-timestamp", timestamp),
    ];
    let started = Instant::now();
    // Discord gives up on the request long before this; so does the experiment.
    let response = tokio::time::timeout(
        Duration::from_secs(30),
        post_raw(addr, "POST", "/interactions", &headers, &body),
    )
    .await
    .ok()
    .flatten();
    let took = started.elapsed();
    let value = response
        .filter(|(status, _)| *status == 200)
        .and_then(|(_, body)| serde_json::from_slice::<Value>(&body).ok());
    Sent {
        kind,
        phase,
        id,
        token,
        answered: value.as_ref().and_then(|v| v["type"].as_u64()).map(|t| (t, took)),
        inline: value.map(|mut v| v["data"].take()),
    }
}
