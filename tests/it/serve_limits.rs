//! `backline serve` against slow and abusive clients, and its shutdown: started with small
//! limits so each case is decided in seconds. Every wait has a deadline whose expiry is the
//! failure, never a measured time.

use std::{process::Command, time::Duration};

use axum::{Json, Router, routing::get};
use ed25519_dalek::{Signer, SigningKey};
use serde_json::{Value, json};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
};

use crate::{
    fixtures,
    serve::{Server, exits_after_sigterm, http, start},
};

/// Longer than any limit these tests configure; reaching it means the limit did not work.
const DEADLINE: Duration = Duration::from_secs(60);

fn key() -> (SigningKey, String) {
    let key = SigningKey::from_bytes(&[12u8; 32]);
    let public = crate::helpers::hex(&key.verifying_key().to_bytes());
    (key, public)
}

fn signed(key: &SigningKey, body: &[u8]) -> Vec<(&'static str, String)> {
    let timestamp = chrono::Utc::now().timestamp().to_string();
    let signature = crate::helpers::hex(&key.sign(&[timestamp.as_bytes(), body].concat()).to_bytes());
    vec![
        ("Content-Type", "application/json".to_owned()),
        ("X-Signature-Ed25519", signature),
        ("X-Signature-Timestamp", timestamp),
    ]
}

/// A client that sends `head` and then nothing, holding its connection open.
async fn stalled(addr: &str, head: &str) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    stream
}

/// Everything the server sends until it closes the connection.
async fn until_closed(stream: &mut TcpStream) -> String {
    let mut received = Vec::new();
    tokio::time::timeout(DEADLINE, stream.read_to_end(&mut received))
        .await
        .expect("the server kept the connection open")
        .expect("read");
    String::from_utf8_lossy(&received).into_owned()
}

#[tokio::test]
async fn a_signed_ping_is_answered_while_slow_clients_hold_every_connection() {
    let db = crate::helpers::sqlite().await;
    let (key, public) = key();
    let server = start(
        &db,
        &public,
        &["--max-connections", "20", "--header-timeout", "1s"],
    );
    let mut slow = Vec::new();
    for _ in 0..50 {
        slow.push(
            stalled(
                &server.addr,
                "POST /interactions HTTP/1.1\r\nHost: backline\r\nContent-",
            )
            .await,
        );
    }
    let body = serde_json::to_vec(&fixtures::ping()).unwrap();
    let (status, response) = tokio::time::timeout(
        DEADLINE,
        http(&server.addr, "POST", "/interactions", &signed(&key, &body), &body),
    )
    .await
    .expect("the PING was never answered");
    assert_eq!(status, 200, "{response}");
    assert_eq!(serde_json::from_str::<Value>(&response).unwrap()["type"], 1);
    // The slow clients were disconnected, not merely outlived.
    for stream in &mut slow {
        let answer = until_closed(stream).await;
        assert!(!answer.contains("200 OK"), "{answer}");
    }
}

#[tokio::test]
async fn a_declared_body_that_never_arrives_is_disconnected() {
    let db = crate::helpers::sqlite().await;
    let (_, public) = key();
    // A long header timeout: only the body deadline can end these connections.
    let server = start(&db, &public, &["--body-timeout", "1s", "--header-timeout", "5m"]);
    let head = |length: usize| {
        format!(
            "POST /interactions HTTP/1.1\r\nHost: backline\r\nContent-Length: {length}\r\n\r\n{{\"type\":"
        )
    };

    let mut within_limit = stalled(&server.addr, &head(60_000)).await;
    let answer = until_closed(&mut within_limit).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");

    let mut ten_megabytes = stalled(&server.addr, &head(10 * 1024 * 1024)).await;
    let answer = until_closed(&mut ten_megabytes).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed() {
    let db = crate::helpers::sqlite().await;
    let (_, public) = key();
    let server = start(&db, &public, &["--header-timeout", "1s"]);
    let mut stream = stalled(&server.addr, "GET /healthz HTTP/1.1\r\nHost: backline\r\n\r\n").await;
    // One answered request, then silence: the connection is kept alive, then closed.
    let answer = until_closed(&mut stream).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        !answer.to_ascii_lowercase().contains("connection: close"),
        "{answer}"
    );
}

#[tokio::test]
async fn sigterm_with_a_half_sent_request_open_exits_0_within_the_grace_period() {
    let db = crate::helpers::sqlite().await;
    let (_, public) = key();
    // The header timeout is far beyond the deadline: only the grace period can end it.
    let mut server = start(
        &db,
        &public,
        &["--header-timeout", "5m", "--shutdown-grace", "1s"],
    );
    let _half_open = stalled(&server.addr, "POST /interactions HTTP/1.1\r\nHost: back").await;
    let mut idle = stalled(&server.addr, "GET /healthz HTTP/1.1\r\nHost: backline\r\n\r\n").await;
    let mut first = [0u8; 12];
    idle.read_exact(&mut first).await.unwrap();
    assert_eq!(&first, b"HTTP/1.1 200");
    let status = exits_after_sigterm(&mut server, DEADLINE).await;
    assert!(status.success(), "serve exits 0 after SIGTERM: {status}");
}

/// A Discord whose REST answers but whose gateway refuses every connection.
async fn discord_with_an_unreachable_gateway() -> String {
    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let gateway = format!("ws://{}", closed.local_addr().unwrap());
    drop(closed);
    let rest = Router::new().route(
        "/api/v10/gateway",
        get(move || async move { Json(json!({ "url": gateway })) }),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, rest).await });
    url
}

// Two threads: the fake Discord answers while this test blocks reading the child's stderr.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_in_gateway_mode_exits_0_while_discord_is_unreachable() {
    let db = crate::helpers::sqlite().await;
    let api_base = discord_with_an_unreachable_gateway().await;
    let mut child = Command::new(env!("CARGO_BIN_EXE_backline"))
        .args(["serve", "--shutdown-grace", "1s"])
        .env("DATABASE_URL", db.url())
        .env("DISCORD_TOKEN", "fake-token")
        .env("DISCORD_API_BASE", &api_base)
        .env_remove("DISCORD_PUBLIC_KEY")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    crate::serve::wait_for_line(&mut child, "Connecting to the Discord gateway");
    let mut server = Server {
        child,
        addr: String::new(),
    };
    let status = exits_after_sigterm(&mut server, DEADLINE).await;
    assert!(status.success(), "serve exits 0 after SIGTERM: {status}");
}
