//! Stopping under abuse: a thousand clients that send half a header and stall while a signed
//! PING is sent, then SIGTERM with them still connected; and SIGTERM in gateway mode while
//! Discord cannot be reached.
//!
//! Knobs: FAULTS_SLOW_CLIENTS (1000), FAULTS_GRACE (10s, passed as --shutdown-grace).

use std::time::{Duration, Instant};

use ed25519_dalek::{Signer, SigningKey};
use tokio::{io::AsyncWriteExt, net::TcpStream};

use crate::{child, env_or, hex, wire::post_raw};

const LOG: &str = "target/bench/faults-slow.log";

/// How long past the grace period the experiment waits for an exit before calling it a hang.
const HANG: Duration = Duration::from_secs(30);

pub async fn slow_clients(binary: &str) -> anyhow::Result<()> {
    let clients: usize = env_or("FAULTS_SLOW_CLIENTS", 1000);
    let grace: u64 = env_or("FAULTS_GRACE", 10);
    std::fs::write(LOG, "")?;
    let database = "sqlite://target/bench/faults-slow.db";
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("target/bench/faults-slow.db{suffix}"));
    }
    let key = SigningKey::from_bytes(&[42u8; 32]);
    let addr = child::free_addr().await?;
    let grace_arg = format!("{grace}s");
    let mut server = child::spawn(
        binary,
        database,
        Some((addr, &key)),
        &[("BACKLINE_SHUTDOWN_GRACE", grace_arg)],
        LOG,
    )?;
    child::wait_healthy(addr).await?;

    // Half a header each, then nothing.
    let opened = Instant::now();
    let mut held = Vec::with_capacity(clients);
    let mut refused = 0;
    for _ in 0..clients {
        match TcpStream::connect(addr).await {
            Ok(mut stream) => {
                let half = format!("POST /interactions HTTP/1.1\r\nhost: {addr}\r\ncontent-type: appl");
                if stream.write_all(half.as_bytes()).await.is_ok() {
                    held.push(stream);
                } else {
                    refused += 1;
                }
            }
            Err(_) => refused += 1,
        }
    }
    let connecting = opened.elapsed();

    let body = br#"{"type":1,"id":"100000000000000001","application_id":"200000000000000001","token":"ping","version":1}"#;
    let timestamp = chrono::Utc::now().timestamp().to_string();
    let signature = hex(&key.sign(&[timestamp.as_bytes(), &body[..]].concat()).to_bytes());
    let headers = [
        ("content-type", "application/json".to_owned()),
        ("x-signature-ed25519", signature),
        ("x-signature-timestamp", timestamp),
    ];
    let asked = Instant::now();
    let ping = tokio::time::timeout(
        Duration::from_secs(10),
        post_raw(addr, "POST", "/interactions", &headers, body),
    )
    .await
    .ok()
    .flatten();
    let ping_took = asked.elapsed();
    let ping = match ping {
        Some((status, body)) => format!(
            "answered: HTTP {status}, `{}`, in {:.3} s",
            String::from_utf8_lossy(&body),
            ping_took.as_secs_f64()
        ),
        None => format!("not answered within {:.0} s", ping_took.as_secs_f64()),
    };
    let exit = child::terminate(&mut server, Duration::from_secs(grace) + HANG).await?;
    drop(held);
    drop(server);

    println!(
        "Slow clients: {clients} connections opened in {:.2} s, each sending half a header and then nothing ({refused} could not connect or write); then a signed PING on a new connection; then SIGTERM with the slow clients still connected (--shutdown-grace {grace}s).\n",
        connecting.as_secs_f64()
    );
    println!("| slow clients held | PING | SIGTERM: exit code | seconds to exit | grace period |");
    println!("| ---: | --- | --- | ---: | ---: |");
    println!(
        "| {} | {ping} | {} | {} | {grace} s |",
        clients - refused,
        exit.as_ref()
            .map_or("none (still running)".to_owned(), |(code, _)| code.clone()),
        exit.as_ref()
            .map_or(format!("> {}", grace + HANG.as_secs()), |(_, s)| format!(
                "{s:.2}"
            )),
    );
    Ok(())
}

pub async fn gateway(binary: &str) -> anyhow::Result<()> {
    let grace: u64 = env_or("FAULTS_GRACE", 10);
    let up_for = Duration::from_secs(5);
    // A loopback port nothing listens on: Discord is unreachable.
    let closed = child::free_addr().await?;
    let database = "sqlite://target/bench/faults-gateway.db";
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("target/bench/faults-gateway.db{suffix}"));
    }
    std::fs::write(LOG, "")?;
    let mut server = child::spawn(
        binary,
        database,
        None,
        &[
            ("DISCORD_TOKEN", "x".to_owned()),
            ("DISCORD_API_BASE", format!("http://{closed}")),
            ("BACKLINE_SHUTDOWN_GRACE", format!("{grace}s")),
        ],
        LOG,
    )?;
    // No endpoint to poll in gateway mode: let it start and retry Discord for a while.
    tokio::time::sleep(up_for).await;
    let running = server.0.try_wait()?.is_none();
    let exit = child::terminate(&mut server, Duration::from_secs(grace) + HANG).await?;
    drop(server);
    println!(
        "Gateway mode, Discord unreachable (DISCORD_TOKEN=x, DISCORD_API_BASE=http://{closed}, nothing listening): SIGTERM after {up_for:?} (--shutdown-grace {grace}s).\n"
    );
    println!("| still running at SIGTERM | SIGTERM: exit code | seconds to exit | grace period |");
    println!("| --- | --- | ---: | ---: |");
    println!(
        "| {} | {} | {} | {grace} s |",
        if running { "yes" } else { "no (exited by itself)" },
        exit.as_ref()
            .map_or("none (still running)".to_owned(), |(code, _)| code.clone()),
        exit.as_ref()
            .map_or(format!("> {}", grace + HANG.as_secs()), |(_, s)| format!(
                "{s:.2}"
            )),
    );
    Ok(())
}
