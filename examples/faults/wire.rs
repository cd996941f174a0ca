//! The experiment's wire: signed interactions over plain HTTP/1.1, and a fake Discord that
//! takes the bot's webhook calls.

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{Arc, Mutex},
};

use axum::{Json, Router, extract::Path, routing::patch};
use serde_json::{Value, json};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
};

use crate::APPLICATION;

/// Webhook calls the bot made, by interaction token: (method, body).
pub type Webhooks = Arc<Mutex<HashMap<String, Vec<(&'static str, Value)>>>>;

/// One HTTP/1.1 request on its own connection: (status, body).
pub async fn post_raw(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, String)],
    body: &[u8],
) -> Option<(u16, Vec<u8>)> {
    let mut stream = TcpStream::connect(addr).await.ok()?;
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).await.ok()?;
    stream.write_all(body).await.ok()?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.ok()?;
    let split = response.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&response[..split]);
    let status = head.split(' ').nth(1)?.parse().ok()?;
    Some((status, response[split + 4..].to_vec()))
}

/// Discord's interaction webhook, taking every call and remembering it by token.
pub async fn fake_discord(webhooks: Webhooks) -> anyhow::Result<String> {
    let message = |body: &Value| {
        json!({"id": "700000000000000098", "channel_id": "500000000000000001",
            "author": {"id": APPLICATION.to_string(), "username": "backline", "discriminator": "0", "global_name": null, "avatar": null},
            "content": body["content"].as_str().unwrap_or_default(), "timestamp": "2026-11-25T10:00:00.000000+00:00",
            "edited_timestamp": null, "tts": false, "mention_everyone": false, "mentions": [], "mention_roles": [],
            "attachments": [], "embeds": [], "pinned": false, "type": 0})
    };
    let record = move |webhooks: Webhooks, method: &'static str| {
        move |Path((_app, token)): Path<(String, String)>, body: Option<Json<Value>>| {
            let webhooks = Arc::clone(&webhooks);
            async move {
                let body = body.map(|Json(b)| b).unwrap_or(Value::Null);
                let answer = message(&body);
                webhooks
                    .lock()
                    .unwrap()
                    .entry(token)
                    .or_default()
                    .push((method, body));
                Json(answer)
            }
        }
    };
    let original = "/api/v10/webhooks/{app}/{token}/messages/@original";
    let app = Router::new()
        .route(
            original,
            patch(record(Arc::clone(&webhooks), "PATCH")).delete(record(Arc::clone(&webhooks), "DELETE")),
        )
        .route(
            "/api/v10/webhooks/{app}/{token}",
            axum::routing::post(record(Arc::clone(&webhooks), "POST")),
        );
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(url)
}
