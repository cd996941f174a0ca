//! `backline serve` as operators run it: JSON logs with the interaction's fields, the reason
//! a request was refused, an egress proxy for Discord's REST API, and the gateway reached
//! only through `DISCORD_API_BASE` (an out-of-process bot against the fake Discord).

use std::{
    io::{BufRead as _, BufReader},
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use ed25519_dalek::{Signer as _, SigningKey};
use serde_json::Value;
use tokio::{
    io::{AsyncReadExt as _, AsyncWriteExt as _},
    net::{TcpListener, TcpStream},
};

use crate::{
    fake_discord::FakeDiscord,
    fixtures::{self, GUILD},
    helpers::{TestDb, hex},
    serve::{Server, http},
};

type Lines = Arc<Mutex<Vec<String>>>;

/// How long a test waits for the child before it fails.
const DEADLINE: Duration = Duration::from_secs(30);

/// Collects the child's stderr, line by line, as it comes.
pub fn collect_stderr(child: &mut Child) -> Lines {
    let stderr = child.stderr.take().unwrap();
    let lines = Lines::default();
    let sink = Arc::clone(&lines);
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            sink.lock().unwrap().push(line);
        }
    });
    lines
}

/// The first line `matches` accepts, polling until the deadline.
pub async fn wait_for_line(lines: &Lines, what: &str, matches: impl Fn(&str) -> bool) -> String {
    let give_up = Instant::now() + DEADLINE;
    loop {
        if let Some(line) = lines.lock().unwrap().iter().find(|l| matches(l)) {
            return line.clone();
        }
        assert!(
            Instant::now() < give_up,
            "no {what} in stderr: {:#?}",
            lines.lock().unwrap()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The `host:port` the child serves interactions on, once it says so.
pub async fn wait_for_endpoint(lines: &Lines) -> String {
    let line = wait_for_line(lines, "endpoint address", |l| {
        l.contains("Interactions endpoint:")
    })
    .await;
    crate::serve::endpoint_addr(&line)
}

pub fn import_examples(db: &TestDb) {
    let plans = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/plans.toml");
    let out = crate::helpers::backline(db, &["import", "--guild", &GUILD.to_string(), plans]);
    assert!(out.status.success(), "{}", crate::helpers::stderr(&out));
}

/// `backline serve` with `env`, every proxy and Discord variable of this process removed.
pub fn serve(db: &TestDb, args: &[&str], env: &[(&str, &str)]) -> Child {
    let mut command = Command::new(env!("CARGO_BIN_EXE_backline"));
    command.arg("serve").args(args).env("DATABASE_URL", db.url());
    for name in [
        "DISCORD_TOKEN",
        "DISCORD_PUBLIC_KEY",
        "DISCORD_API_BASE",
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "ALL_PROXY",
        "all_proxy",
        "NO_PROXY",
        "no_proxy",
        "RUST_LOG",
        "BACKLINE_LOG_FORMAT",
    ] {
        command.env_remove(name);
    }
    command.envs(env.iter().copied());
    command.stderr(Stdio::piped()).spawn().unwrap()
}

/// The JSON line logged with `message`, parsed.
fn json_line(line: &str) -> Value {
    serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"))
}

#[tokio::test]
async fn json_logs_carry_the_interaction_and_say_why_a_request_was_refused() {
    let db = crate::helpers::sqlite().await;
    import_examples(&db);
    let key = SigningKey::from_bytes(&[13u8; 32]);
    let public = hex(&key.verifying_key().to_bytes());
    let mut child = serve(
        &db,
        &["--http-addr", "127.0.0.1:0", "--log-format", "json"],
        &[("DISCORD_PUBLIC_KEY", &public), ("RUST_LOG", "info")],
    );
    let lines = collect_stderr(&mut child);
    let _server = Server {
        child,
        addr: String::new(),
    };
    let addr = wait_for_endpoint(&lines).await;

    let payload = fixtures::slash(Some(GUILD), "support", &[("vendor", "aws")]);
    let id = payload["id"].as_str().unwrap().to_owned();
    let body = serde_json::to_vec(&payload).unwrap();
    let signed = |timestamp: i64| {
        let timestamp = timestamp.to_string();
        let signature = hex(&key.sign(&[timestamp.as_bytes(), &body].concat()).to_bytes());
        [
            ("Content-Type", "application/json".to_owned()),
            ("X-Signature-Ed25519", signature),
            ("X-Signature-Timestamp", timestamp),
        ]
    };
    let now = chrono::Utc::now().timestamp();
    assert_eq!(
        http(&addr, "POST", "/interactions", &signed(now), &body).await.0,
        200
    );
    // A replay from an hour ago and a forged signature: both told the same, logged apart.
    let stale = http(&addr, "POST", "/interactions", &signed(now - 3600), &body).await;
    let mut forged = signed(now);
    forged[1].1 = "00".repeat(64);
    let bad = http(&addr, "POST", "/interactions", &forged, &body).await;
    assert_eq!(stale, (401, "invalid request signature".to_owned()));
    assert_eq!(bad, stale);

    let handled = wait_for_line(&lines, "interaction line", |l| l.contains("interaction handled")).await;
    let handled = json_line(&handled);
    assert_eq!(handled["level"], "INFO");
    let span = &handled["span"];
    assert_eq!(span["name"], "interaction");
    assert_eq!(span["id"], id.as_str());
    assert_eq!(span["guild"], GUILD);
    assert_eq!(span["command"], "support");
    assert_eq!(span["outcome"], "answered");
    assert_eq!(span["kind"], "command");
    for reason in ["stale_timestamp", "bad_signature"] {
        let line = wait_for_line(&lines, reason, |l| l.contains(reason)).await;
        let line = json_line(&line);
        assert_eq!(line["level"], "WARN");
        assert_eq!(line["fields"]["reason"], reason);
    }

    let all = lines.lock().unwrap().clone();
    assert!(
        all.iter().all(|l| !l.contains('\u{1b}')),
        "no colour codes off a terminal: {all:#?}"
    );
    let notes = all.iter().filter(|l| l.contains("without DISCORD_TOKEN")).count();
    assert_eq!(notes, 1, "each warning once: {all:#?}");
    for line in all.iter().filter(|l| l.starts_with('{')) {
        json_line(line);
    }
}

/// A proxy that records the first request line of each connection. Plain HTTP requests
/// (absolute-form) are forwarded to their host; CONNECT (HTTPS) is refused, since the tests
/// cannot reach Discord.
async fn recording_proxy() -> (String, Lines) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Lines::default();
    let record = Arc::clone(&seen);
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let record = Arc::clone(&record);
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buffer = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match client.read(&mut buffer).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buffer[..n]),
                    }
                }
                let first = String::from_utf8_lossy(&head)
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .to_owned();
                record.lock().unwrap().push(first.clone());
                let target = first.split(' ').nth(1).unwrap_or_default();
                let Some(host) = target.strip_prefix("http://").and_then(|t| t.split('/').next()) else {
                    let _ = client
                        .write_all(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
                        .await;
                    return;
                };
                let Ok(mut upstream) = TcpStream::connect(host).await else {
                    return;
                };
                if upstream.write_all(&head).await.is_ok() {
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
                }
            });
        }
    });
    (url, seen)
}

#[tokio::test]
async fn discord_rest_calls_go_through_the_https_proxy() {
    let db = crate::helpers::sqlite().await;
    let (proxy, seen) = recording_proxy().await;
    let child = serve(
        &db,
        &[],
        &[("DISCORD_TOKEN", "fake-token"), ("HTTPS_PROXY", &proxy)],
    );
    let _server = Server {
        child,
        addr: String::new(),
    };
    // The first call, gateway discovery at discord.com, is tunnelled through the proxy.
    let connect = wait_for_line(&seen, "CONNECT", |l| l.starts_with("CONNECT ")).await;
    assert_eq!(connect, "CONNECT discord.com:443 HTTP/1.1");
}

#[tokio::test]
async fn serve_in_gateway_mode_answers_through_a_discord_api_base() {
    let db = crate::helpers::sqlite().await;
    import_examples(&db);
    let discord = FakeDiscord::start().await;
    let (proxy, seen) = recording_proxy().await;
    let mut child = serve(
        &db,
        &[],
        &[
            ("DISCORD_TOKEN", "fake-token"),
            ("DISCORD_API_BASE", &discord.api_url),
            ("HTTP_PROXY", &proxy),
        ],
    );
    let stderr = collect_stderr(&mut child);
    let _server = Server {
        child,
        addr: String::new(),
    };

    let identify = discord.identify().await;
    assert_eq!(identify["d"]["token"], "Bot fake-token");
    let command = fixtures::slash(Some(GUILD), "support", &[("vendor", "aws")]);
    discord.dispatch("INTERACTION_CREATE", command.clone());
    let callback = discord.next_callback().await;
    assert_eq!(callback.interaction_id, command["id"].as_str().unwrap());
    assert_eq!(callback.authorization.as_deref(), Some("Bot fake-token"));
    assert_eq!(callback.body["type"], 4, "{:#?}", stderr.lock().unwrap());
    assert_eq!(
        callback.body["data"]["embeds"][0]["title"],
        "Amazon Web Services (aws)"
    );
    crate::contract::assert_valid_callback(&callback.body);

    // REST went to DISCORD_API_BASE through the egress proxy (HTTP_PROXY for an http:// base).
    let discovery = format!("GET {}/api/v10/gateway HTTP/1.1", discord.api_url);
    let seen = seen.lock().unwrap().clone();
    assert!(seen.contains(&discovery), "{discovery} not in {seen:#?}");
}

#[tokio::test]
async fn hosts_in_no_proxy_are_reached_directly() {
    let db = crate::helpers::sqlite().await;
    let discord = FakeDiscord::start().await;
    let (proxy, seen) = recording_proxy().await;
    let child = serve(
        &db,
        &[],
        &[
            ("DISCORD_TOKEN", "fake-token"),
            ("DISCORD_API_BASE", &discord.api_url),
            ("HTTP_PROXY", &proxy),
            ("NO_PROXY", "127.0.0.1"),
        ],
    );
    let _server = Server {
        child,
        addr: String::new(),
    };
    // Identifying needs the gateway's address from DISCORD_API_BASE: asked directly.
    discord.identify().await;
    assert_eq!(*seen.lock().unwrap(), Vec::<String>::new());
}
