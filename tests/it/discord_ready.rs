//! `/readyz` with a bot token: not ready until Discord has accepted the token, so a replica
//! started with a wrong token never takes traffic (the database alone is not enough).

use std::time::{Duration, Instant};

use ed25519_dalek::SigningKey;

use crate::{
    fake_discord::FakeDiscord,
    helpers::{TestDb, hex},
    operations::{collect_stderr, import_examples, serve, wait_for_endpoint},
    serve::{Server, http},
};

/// `backline serve` with an HTTP endpoint and a token, against the fake Discord; its address.
async fn serve_with_token(db: &TestDb, discord: &FakeDiscord, gateway: bool) -> (Server, String) {
    let public = hex(&SigningKey::from_bytes(&[21u8; 32]).verifying_key().to_bytes());
    let gateway = gateway.to_string();
    let mut child = serve(
        db,
        &["--http-addr", "127.0.0.1:0"],
        &[
            ("DISCORD_PUBLIC_KEY", &public),
            ("DISCORD_TOKEN", "fake-token"),
            ("DISCORD_API_BASE", &discord.api_url),
            ("BACKLINE_GATEWAY", &gateway),
        ],
    );
    let lines = collect_stderr(&mut child);
    let addr = wait_for_endpoint(&lines).await;
    (
        Server {
            child,
            addr: addr.clone(),
        },
        addr,
    )
}

/// Polls `/readyz` until its answer satisfies `done`, and returns that answer.
async fn readyz_until(addr: &str, done: impl Fn(&(u16, String)) -> bool) -> (u16, String) {
    let give_up = Instant::now() + Duration::from_secs(30);
    loop {
        let answer = http(addr, "GET", "/readyz", &[], b"").await;
        if done(&answer) {
            return answer;
        }
        assert!(
            Instant::now() < give_up,
            "/readyz never got there: last {answer:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_replica_whose_token_discord_refuses_is_never_ready() {
    let db = crate::helpers::sqlite().await;
    import_examples(&db);
    let discord = FakeDiscord::start().await;
    discord
        .refuse_token
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let (_server, addr) = serve_with_token(&db, &discord, false).await;
    let (status, reason) = readyz_until(&addr, |(_, body)| body.contains("refused")).await;
    assert_eq!(status, 503);
    assert!(reason.contains("discord: the token was refused"), "{reason}");
    // The liveness probe still answers: the process is fine, its token is not.
    assert_eq!(http(&addr, "GET", "/healthz", &[], b"").await.0, 200);
}

#[tokio::test]
async fn a_replica_without_a_gateway_is_ready_once_discord_accepts_its_token() {
    let db = crate::helpers::sqlite().await;
    import_examples(&db);
    let discord = FakeDiscord::start().await;
    let (_server, addr) = serve_with_token(&db, &discord, false).await;
    let (status, body) = readyz_until(&addr, |(status, _)| *status == 200).await;
    assert_eq!((status, body.as_str()), (200, "ready"));
}

#[tokio::test]
async fn a_replica_with_the_gateway_is_ready_once_discord_says_ready() {
    let db = crate::helpers::sqlite().await;
    import_examples(&db);
    let discord = FakeDiscord::start().await;
    let (_server, addr) = serve_with_token(&db, &discord, true).await;
    // Before the gateway has identified, the answer can only be "not accepted yet".
    let first = http(&addr, "GET", "/readyz", &[], b"").await;
    assert!(
        first.0 == 200 || first.1.contains("not been accepted"),
        "{first:?}"
    );
    discord.identify().await;
    let (status, body) = readyz_until(&addr, |(status, _)| *status == 200).await;
    assert_eq!((status, body.as_str()), (200, "ready"));
}
