//! `backline serve` as a process: a signed request over loopback, health, and a clean stop.

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, ExitStatus, Stdio},
    time::{Duration, Instant},
};

use ed25519_dalek::{Signer, SigningKey};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::{contract, fixtures, helpers::TestDb};

pub struct Server {
    pub child: Child,
    pub addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

/// Reads the child's stderr up to the first line containing `marker` and returns that line;
/// the rest is drained in the background. Panics if the child exits first.
pub fn wait_for_line(child: &mut Child, marker: &str) -> String {
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    while !line.contains(marker) {
        line.clear();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "serve exited before printing {marker:?}"
        );
    }
    std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
    line
}

/// The `host:port` of the server's "Interactions endpoint: http://…/interactions" line.
pub fn endpoint_addr(line: &str) -> String {
    line.split("http://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_owned()
}

/// `backline serve` on the HTTP endpoint at a free port, with `extra` arguments.
pub fn start(db: &TestDb, public_key: &str, extra: &[&str]) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_backline"))
        .args(["serve", "--http-addr", "127.0.0.1:0"])
        .args(extra)
        .env("DATABASE_URL", db.url())
        .env("DISCORD_PUBLIC_KEY", public_key)
        .env_remove("DISCORD_TOKEN")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The server says where it listens once it does; reading blocks until then.
    let line = wait_for_line(&mut child, "Interactions endpoint:");
    let addr = endpoint_addr(&line);
    Server { child, addr }
}

/// Sends SIGTERM and polls until the process exits; panics once `deadline` has passed.
pub async fn exits_after_sigterm(server: &mut Server, deadline: Duration) -> ExitStatus {
    let pid = server.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let give_up = Instant::now() + deadline;
    loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            return status;
        }
        assert!(
            Instant::now() < give_up,
            "serve did not exit within {deadline:?} of SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A minimal HTTP/1.1 exchange over a real socket: (status, body).
pub async fn http(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, String)],
    body: &[u8],
) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let response = String::from_utf8_lossy(&response).into_owned();
    let status = response.split(' ').nth(1).unwrap().parse().unwrap();
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

#[tokio::test]
async fn a_signed_support_request_over_loopback_gets_a_valid_card_and_sigterm_stops_cleanly() {
    let db = crate::helpers::sqlite().await;
    let plans = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/plans.toml");
    let guild = fixtures::GUILD.to_string();
    assert!(
        crate::helpers::backline(&db, &["import", "--guild", &guild, plans])
            .status
            .success()
    );

    let key = SigningKey::from_bytes(&[11u8; 32]);
    let public_hex = crate::helpers::hex(&key.verifying_key().to_bytes());
    let mut server = start(&db, &public_hex, &[]);

    let body = serde_json::to_vec(&fixtures::slash(
        Some(fixtures::GUILD),
        "support",
        &[("vendor", "elastic")],
    ))
    .unwrap();
    let timestamp = chrono::Utc::now().timestamp().to_string();
    let signature = crate::helpers::hex(&key.sign(&[timestamp.as_bytes(), &body].concat()).to_bytes());
    let headers = [
        ("Content-Type", "application/json".to_owned()),
        ("X-Signature-Ed25519", signature),
        ("X-Signature-Timestamp", timestamp.clone()),
    ];
    let (status, response) = http(&server.addr, "POST", "/interactions", &headers, &body).await;
    assert_eq!(status, 200, "{response}");
    let response: Value = serde_json::from_str(&response).unwrap();
    contract::assert_valid_callback(&response);
    let card = &response["data"]["embeds"][0];
    assert_eq!(card["title"], "Elastic Cloud (elastic)");
    assert!(card["description"].as_str().unwrap().contains("**Gold** plan"));

    let forged = [
        ("X-Signature-Ed25519", "00".repeat(64)),
        ("X-Signature-Timestamp", timestamp),
    ];
    assert_eq!(
        http(&server.addr, "POST", "/interactions", &forged, &body)
            .await
            .0,
        401
    );
    assert_eq!(
        http(&server.addr, "GET", "/healthz", &[], b"").await,
        (200, "ok".to_owned())
    );
    assert_eq!(
        http(&server.addr, "GET", "/readyz", &[], b"").await,
        (200, "ready".to_owned())
    );

    let status = exits_after_sigterm(&mut server, Duration::from_secs(20)).await;
    assert!(status.success(), "serve exits 0 after SIGTERM: {status}");
}

#[test]
fn serve_with_nothing_configured_says_what_to_set() {
    let out = Command::new(env!("CARGO_BIN_EXE_backline"))
        .arg("serve")
        .env_remove("DISCORD_TOKEN")
        .env_remove("DISCORD_PUBLIC_KEY")
        .env("DATABASE_URL", "sqlite::memory:")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("DISCORD_PUBLIC_KEY") && stderr.contains("DISCORD_TOKEN"),
        "{stderr}"
    );
}

#[test]
fn serve_with_a_malformed_public_key_says_where_to_find_it() {
    let out = Command::new(env!("CARGO_BIN_EXE_backline"))
        .arg("serve")
        .env("DISCORD_PUBLIC_KEY", "not-a-key")
        .env_remove("DISCORD_TOKEN")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("developer portal"));
}
