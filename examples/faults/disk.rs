//! Disk full on SQLite: the database on a small tmpfs (bench/faults.sh mounts it and passes
//! FAULTS_DISK_DIR), filled to the last byte while `backline serve` runs; then `/case open`
//! must be refused, never acknowledged without its row; the filler is removed and writes
//! must succeed again on the same process, without a restart.
//!
//! Knobs: FAULTS_DISK_DIR (no default: skipped without it), FAULTS_DISK_REQUESTS (20 per phase).

use std::{io::Write as _, sync::Arc};

use ed25519_dalek::SigningKey;

use crate::{
    Kind, Phase, Sent, case_number, child, env_or, kill, send, shown,
    wire::{Webhooks, fake_discord, post_raw},
};

const LOG: &str = "target/bench/faults-disk.log";

pub async fn run(binary: &str) -> anyhow::Result<()> {
    let Ok(dir) = std::env::var("FAULTS_DISK_DIR") else {
        println!(
            "disk full: skipped (FAULTS_DISK_DIR is not set; bench/faults.sh mounts a small tmpfs for it)"
        );
        return Ok(());
    };
    let requests: u64 = env_or("FAULTS_DISK_REQUESTS", 20);
    std::fs::write(LOG, "")?;
    let file = format!("{dir}/backline.db");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{file}{suffix}"));
    }
    let url = format!("sqlite://{file}");
    let slugs = kill::import_plans(&url).await?;
    let webhooks: Webhooks = Arc::default();
    let discord = fake_discord(Arc::clone(&webhooks)).await?;
    let key = SigningKey::from_bytes(&[43u8; 32]);
    let addr = child::free_addr().await?;
    let mut server = child::spawn(
        binary,
        &url,
        Some((addr, &key)),
        &[("DISCORD_API_BASE", discord)],
        LOG,
    )?;
    child::wait_healthy(addr).await?;

    let first = 300_000_000_000_000_000u64;
    let mut sent = open_cases(addr, &key, &slugs, first, requests, Phase::Before).await;
    let filler = format!("{dir}/filler");
    let filled = fill(&filler)?;
    sent.extend(open_cases(addr, &key, &slugs, first + requests, requests, Phase::Outage).await);
    let ready_full = readyz(addr).await;
    std::fs::remove_file(&filler)?;
    sent.extend(open_cases(addr, &key, &slugs, first + 2 * requests, requests, Phase::After).await);
    let ready_after = readyz(addr).await;
    let same_process = server.0.try_wait()?.is_none();
    let _ = child::terminate(&mut server, std::time::Duration::from_secs(15)).await?;

    let stored = kill::stored_cases("sqlite", &url).await?;
    let numbers: std::collections::HashSet<i64> = stored.iter().map(|(n, _)| *n).collect();
    println!(
        "disk full on SQLite: the database on a tmpfs at {dir}, filled with {filled} bytes of filler while serving, {requests} `/case open` per phase, sent one after another.\n"
    );
    println!(
        "| phase | sent | acknowledged (a case number shown) | refused (an answer without a case) | no answer | acknowledged but not stored | /readyz |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | --- |");
    for (name, p, ready) in [
        ("before", Phase::Before, None),
        ("disk full", Phase::Outage, ready_full),
        ("filler removed (same process)", Phase::After, ready_after),
    ] {
        let of_phase: Vec<&Sent> = sent.iter().filter(|s| s.phase == p).collect();
        let mut acknowledged = 0;
        let mut refused = 0;
        let mut no_answer = 0;
        let mut lost = 0;
        for s in &of_phase {
            match shown(s, &webhooks) {
                Some(v) => match case_number(&v) {
                    Some(n) => {
                        acknowledged += 1;
                        if !numbers.contains(&n) {
                            lost += 1;
                        }
                    }
                    None => refused += 1,
                },
                None => no_answer += 1,
            }
        }
        let ready = ready.map_or_else(|| "–".to_owned(), |s| s.to_string());
        println!(
            "| {name} | {} | {acknowledged} | {refused} | {no_answer} | {lost} | {ready} |",
            of_phase.len()
        );
    }
    println!(
        "\nThe server was {} when the last phase ended; {} cases stored in all.",
        if same_process {
            "the same process, never restarted,"
        } else {
            "NOT running"
        },
        stored.len()
    );
    Ok(())
}

/// `/case open` `n` times, one after another, with interaction IDs from `first`.
async fn open_cases(
    addr: std::net::SocketAddr,
    key: &SigningKey,
    slugs: &[String],
    first: u64,
    n: u64,
    phase: Phase,
) -> Vec<Sent> {
    let mut sent = Vec::new();
    for id in first..first + n {
        let slug = &slugs[(id % slugs.len() as u64) as usize];
        sent.push(send(addr, key, Kind::CaseOpen, phase, id, slug).await);
    }
    sent
}

/// Writes to `path` until the filesystem refuses; the number of bytes written.
fn fill(path: &str) -> anyhow::Result<u64> {
    let mut file = std::fs::File::create(path)?;
    let chunk = vec![0u8; 4096];
    let mut written = 0u64;
    loop {
        match file.write(&chunk) {
            Ok(0) => break,
            Ok(n) => written += n as u64,
            Err(e) if e.raw_os_error() == Some(28) => break, // ENOSPC
            Err(e) => return Err(e.into()),
        }
    }
    let _ = file.flush();
    Ok(written)
}

async fn readyz(addr: std::net::SocketAddr) -> Option<u16> {
    post_raw(addr, "GET", "/readyz", &[], b"").await.map(|(s, _)| s)
}
