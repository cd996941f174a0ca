//! The `backline serve` child process: started, waited for, signalled, timed to its exit.

use std::{
    net::SocketAddr,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use ed25519_dalek::SigningKey;

use crate::{hex, wire::post_raw};

/// The server, killed however the experiment ends.
pub struct KillOnDrop(pub Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A free loopback address for the HTTP endpoint.
pub async fn free_addr() -> anyhow::Result<SocketAddr> {
    Ok(tokio::net::TcpListener::bind("127.0.0.1:0").await?.local_addr()?)
}

/// `backline serve` on `database` with the HTTP endpoint (when `http` is given) and the
/// extra environment; its output appended to `log`.
pub fn spawn(
    binary: &str,
    database: &str,
    http: Option<(SocketAddr, &SigningKey)>,
    env: &[(&str, String)],
    log: &str,
) -> anyhow::Result<KillOnDrop> {
    let log = std::fs::OpenOptions::new().create(true).append(true).open(log)?;
    let mut command = Command::new(binary);
    command
        .arg("serve")
        .env("DATABASE_URL", database)
        .env_remove("DISCORD_TOKEN")
        .env_remove("DISCORD_PUBLIC_KEY")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log);
    if let Some((addr, key)) = http {
        command
            .env("DISCORD_PUBLIC_KEY", hex(&key.verifying_key().to_bytes()))
            .env("BACKLINE_HTTP_ADDR", addr.to_string());
    }
    for (name, value) in env {
        command.env(name, value);
    }
    Ok(KillOnDrop(command.spawn()?))
}

/// Polls `/healthz` until it answers 200 (at most 30 s).
pub async fn wait_healthy(addr: SocketAddr) -> anyhow::Result<()> {
    let ready = Instant::now();
    while post_raw(addr, "GET", "/healthz", &[], b"").await.map(|(s, _)| s) != Some(200) {
        anyhow::ensure!(
            ready.elapsed() < Duration::from_secs(30),
            "backline serve never became healthy"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}

/// Sends SIGTERM and waits up to `limit` for the exit: (exit code, seconds to exit), or
/// `None` when it was still running at `limit` (then it is killed).
pub async fn terminate(server: &mut KillOnDrop, limit: Duration) -> anyhow::Result<Option<(String, f64)>> {
    // Fails only when it has already exited, which try_wait below reports.
    let _ = Command::new("kill")
        .args(["-TERM", &server.0.id().to_string()])
        .status()?;
    let sent = Instant::now();
    while sent.elapsed() < limit {
        if let Some(exit) = server.0.try_wait()? {
            let code = exit
                .code()
                .map_or_else(|| "killed by a signal".to_owned(), |c| c.to_string());
            return Ok(Some((code, sent.elapsed().as_secs_f64())));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(None)
}
