//! An in-process fake Discord: REST (axum) and a gateway websocket (tokio-tungstenite) that
//! says HELLO, waits for IDENTIFY, sends READY and then whatever the test dispatches, and
//! records every interaction callback. A real serenity client talks to it over loopback.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    time::Duration,
};

use axum::{
    Json, Router,
    extract::{Path, State},
    http::StatusCode,
    routing::{get, patch, post},
};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::{
    net::TcpListener,
    sync::{Mutex, mpsc},
};
use tokio_tungstenite::tungstenite::Message;

use crate::fixtures::{APPLICATION, GUILD};

/// Messages posted to channels: (channel ID, request body).
pub type Posted = Arc<std::sync::Mutex<Vec<(String, Value)>>>;

/// One `POST /api/v10/interactions/{id}/{token}/callback` the bot made.
#[derive(Debug)]
pub struct Callback {
    pub interaction_id: String,
    pub token: String,
    pub authorization: Option<String>,
    pub body: Value,
}

/// One call the bot made to an interaction's webhook: `PATCH …/messages/@original` (the
/// edit of a deferred answer), `POST` (a follow-up message) or `DELETE …/messages/@original`.
#[derive(Debug)]
pub struct WebhookCall {
    pub method: &'static str,
    pub application_id: String,
    pub token: String,
    pub body: Value,
}

type Webhooks = (
    mpsc::UnboundedSender<WebhookCall>,
    Arc<AtomicBool>,
    Arc<RefuseNth>,
);

/// Refuses the `nth` follow-up or channel message (counting from 1; 0: none) with 403 Missing
/// Permissions, as Discord does when the bot may not post there.
#[derive(Default)]
pub struct RefuseNth {
    pub nth: AtomicUsize,
    seen: AtomicUsize,
}

pub struct FakeDiscord {
    /// What to hand serenity as its API base (replaces https://discord.com).
    pub api_url: String,
    dispatches: mpsc::UnboundedSender<(String, Value)>,
    callbacks: Mutex<mpsc::UnboundedReceiver<Callback>>,
    identified: Mutex<mpsc::UnboundedReceiver<Value>>,
    /// While set, interaction callbacks are answered 500 (Discord having a bad day).
    pub reject_callbacks: Arc<AtomicBool>,
    /// Users `GET /guilds/{guild}/members/{user}` answers 404 for (they left).
    pub absent_members: Arc<std::sync::Mutex<Vec<u64>>>,
    /// Messages the bot posted with `POST /channels/{id}/messages`: (channel, body).
    pub channel_messages: Posted,
    webhooks: Mutex<mpsc::UnboundedReceiver<WebhookCall>>,
    /// While set, webhook calls are answered 500: Discord did not take the message.
    pub reject_webhooks: Arc<AtomicBool>,
    /// One follow-up message Discord refuses.
    pub refuse_follow_up: Arc<RefuseNth>,
    /// One channel message (`POST /channels/{id}/messages`) Discord refuses.
    pub refuse_channel_message: Arc<RefuseNth>,
    /// While set, `GET /users/@me` answers 401: the bot's token is wrong.
    pub refuse_token: Arc<AtomicBool>,
}

/// How long a test waits for the bot before it fails.
const DEADLINE: Duration = Duration::from_secs(20);

impl FakeDiscord {
    pub async fn start() -> Self {
        let ws_listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let ws_url = format!("ws://{}", ws_listener.local_addr().unwrap());
        let (dispatch_tx, dispatch_rx) = mpsc::unbounded_channel();
        let (identify_tx, identify_rx) = mpsc::unbounded_channel();
        tokio::spawn(gateway(
            ws_listener,
            Arc::new(Mutex::new(dispatch_rx)),
            identify_tx,
        ));

        let (callback_tx, callback_rx) = mpsc::unbounded_channel();
        let reject_callbacks = Arc::new(AtomicBool::new(false));
        let rest = Router::new()
            .route(
                "/api/v10/gateway",
                get(move || async move { Json(json!({ "url": ws_url })) }),
            )
            .route(
                "/api/v10/interactions/{id}/{token}/callback",
                post(record_callback),
            )
            .with_state((callback_tx, reject_callbacks.clone()));
        let absent_members = Arc::new(std::sync::Mutex::new(Vec::new()));
        let channel_messages = Arc::new(std::sync::Mutex::new(Vec::new()));
        let refuse_channel_message = Arc::new(RefuseNth::default());
        let rest = rest
            .merge(
                Router::new()
                    .route("/api/v10/guilds/{guild}/members/{user}", get(member))
                    .with_state(absent_members.clone()),
            )
            .merge(
                Router::new()
                    .route("/api/v10/channels/{channel}/messages", post(channel_message))
                    .with_state((channel_messages.clone(), refuse_channel_message.clone())),
            );
        let refuse_token = Arc::new(AtomicBool::new(false));
        let rest = rest.merge(
            Router::new()
                .route("/api/v10/users/@me", get(current_user))
                .with_state(refuse_token.clone()),
        );
        let (webhook_tx, webhook_rx) = mpsc::unbounded_channel();
        let reject_webhooks = Arc::new(AtomicBool::new(false));
        let refuse_follow_up = Arc::new(RefuseNth::default());
        let original = "/api/v10/webhooks/{app}/{token}/messages/@original";
        let rest = rest.merge(
            Router::new()
                .route(original, patch(edit_original).delete(delete_original))
                .route("/api/v10/webhooks/{app}/{token}", post(follow_up))
                .with_state((webhook_tx, reject_webhooks.clone(), refuse_follow_up.clone())),
        );
        let rest_listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let api_url = format!("http://{}", rest_listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(rest_listener, rest).await });
        Self {
            api_url,
            dispatches: dispatch_tx,
            callbacks: Mutex::new(callback_rx),
            identified: Mutex::new(identify_rx),
            reject_callbacks,
            absent_members,
            channel_messages,
            webhooks: Mutex::new(webhook_rx),
            reject_webhooks,
            refuse_follow_up,
            refuse_channel_message,
            refuse_token,
        }
    }

    /// Every webhook call made so far, without waiting; each body checked against the spec.
    pub async fn webhooks_so_far(&self) -> Vec<WebhookCall> {
        let mut rx = self.webhooks.lock().await;
        std::iter::from_fn(|| rx.try_recv().ok())
            .inspect(check_webhook_body)
            .collect()
    }

    /// The next call to an interaction webhook, waiting for it up to the deadline; its body
    /// checked against the spec.
    pub async fn next_webhook(&self) -> WebhookCall {
        let mut rx = self.webhooks.lock().await;
        let call = tokio::time::timeout(DEADLINE, rx.recv())
            .await
            .expect("the bot never called the interaction webhook")
            .unwrap();
        check_webhook_body(&call);
        call
    }

    /// Sends a gateway dispatch (`t`, `d`) once the bot has identified.
    pub fn dispatch(&self, event: &str, data: Value) {
        self.dispatches.send((event.to_owned(), data)).unwrap();
    }

    /// The bot's IDENTIFY payload, waiting for it up to the deadline.
    pub async fn identify(&self) -> Value {
        let mut rx = self.identified.lock().await;
        tokio::time::timeout(DEADLINE, rx.recv())
            .await
            .expect("the bot never identified")
            .unwrap()
    }

    /// The next interaction callback, waiting for it up to the deadline.
    pub async fn next_callback(&self) -> Callback {
        let mut rx = self.callbacks.lock().await;
        tokio::time::timeout(DEADLINE, rx.recv())
            .await
            .expect("the bot never answered")
            .unwrap()
    }
}

async fn record_callback(
    State((tx, reject)): State<(mpsc::UnboundedSender<Callback>, Arc<AtomicBool>)>,
    Path((interaction_id, token)): Path<(String, String)>,
    headers: axum::http::HeaderMap,
    Json(body): Json<Value>,
) -> StatusCode {
    let authorization = headers
        .get("authorization")
        .map(|v| v.to_str().unwrap_or_default().to_owned());
    let _ = tx.send(Callback {
        interaction_id,
        token,
        authorization,
        body,
    });
    if reject.load(Ordering::SeqCst) {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::NO_CONTENT
    }
}

async fn gateway(
    listener: TcpListener,
    dispatches: Arc<Mutex<mpsc::UnboundedReceiver<(String, Value)>>>,
    identified: mpsc::UnboundedSender<Value>,
) {
    while let Ok((tcp, _)) = listener.accept().await {
        let Ok(mut ws) = tokio_tungstenite::accept_async(tcp).await else {
            continue;
        };
        let hello = json!({"op": 10, "d": {"heartbeat_interval": 45_000}, "s": null, "t": null});
        if ws.send(Message::Text(hello.to_string())).await.is_err() {
            continue;
        }
        let mut seq = 0u64;
        let mut ready = false;
        let mut dispatches = dispatches.lock().await;
        loop {
            tokio::select! {
                frame = ws.next() => {
                    let Some(Ok(Message::Text(text))) = frame else { break };
                    let Ok(payload) = serde_json::from_str::<Value>(&text) else { continue };
                    let answer = match payload["op"].as_u64() {
                        Some(2) => {
                            let _ = identified.send(payload);
                            seq += 1;
                            ready = true;
                            json!({"op": 0, "s": seq, "t": "READY", "d": ready_payload()})
                        }
                        Some(1) => json!({"op": 11}),
                        _ => continue,
                    };
                    if ws.send(Message::Text(answer.to_string())).await.is_err() { break }
                }
                next = dispatches.recv(), if ready => {
                    let Some((event, data)) = next else { break };
                    seq += 1;
                    let frame = json!({"op": 0, "s": seq, "t": event, "d": data});
                    if ws.send(Message::Text(frame.to_string())).await.is_err() { break }
                }
            }
        }
    }
}

fn ready_payload() -> Value {
    json!({
        "v": 10,
        "user": {"id": APPLICATION.to_string(), "username": "backline", "discriminator": "0", "bot": true, "avatar": null, "global_name": null},
        "guilds": [{"id": GUILD.to_string(), "unavailable": true}],
        "session_id": "fake-session",
        "resume_gateway_url": "ws://127.0.0.1:1",
        "shard": [0, 1],
        "application": {"id": APPLICATION.to_string(), "flags": 0},
    })
}

/// The bot itself, as Discord answers a valid token (401 while `refuse` is set).
async fn current_user(State(refuse): State<Arc<AtomicBool>>) -> (StatusCode, Json<Value>) {
    if refuse.load(Ordering::SeqCst) {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"message": "401: Unauthorized", "code": 0})),
        );
    }
    let user = json!({
        "id": APPLICATION.to_string(), "username": "backline", "discriminator": "0",
        "global_name": null, "avatar": null, "bot": true, "verified": true, "mfa_enabled": false,
        "flags": 0, "public_flags": 0
    });
    (StatusCode::OK, Json(user))
}

async fn member(
    State(absent): State<Arc<std::sync::Mutex<Vec<u64>>>>,
    Path((_guild, user)): Path<(String, u64)>,
) -> (StatusCode, Json<Value>) {
    if absent.lock().unwrap().contains(&user) {
        return (
            StatusCode::NOT_FOUND,
            Json(json!({"message": "Unknown Member", "code": 10007})),
        );
    }
    let member = json!({
        "user": {"id": user.to_string(), "username": "member", "discriminator": "0", "global_name": null, "avatar": null},
        "roles": [], "joined_at": "2024-01-01T00:00:00.000000+00:00", "deaf": false, "mute": false, "flags": 0,
    });
    (StatusCode::OK, Json(member))
}

async fn channel_message(
    State((messages, refuse)): State<(Posted, Arc<RefuseNth>)>,
    Path(channel): Path<String>,
    Json(body): Json<Value>,
) -> Result<Json<Value>, (StatusCode, Json<Value>)> {
    let seen = refuse.seen.fetch_add(1, Ordering::SeqCst) + 1;
    if seen == refuse.nth.load(Ordering::SeqCst) {
        let error = json!({"message": "Missing Permissions", "code": 50013});
        return Err((StatusCode::FORBIDDEN, Json(error)));
    }
    messages.lock().unwrap().push((channel.clone(), body.clone()));
    Ok(Json(json!({
        "id": "700000000000000099", "channel_id": channel, "author": crate::fixtures::user(APPLICATION, "backline"),
        "content": body["content"].as_str().unwrap_or_default(), "timestamp": "2026-11-25T10:00:00.000000+00:00",
        "edited_timestamp": null, "tts": false, "mention_everyone": false, "mentions": [], "mention_roles": [],
        "attachments": [], "embeds": [], "pinned": false, "type": 0,
    })))
}

/// Every follow-up (webhook execute) and every edit of the original response the bot sends
/// must be a body Discord's OpenAPI description accepts for that endpoint.
fn check_webhook_body(call: &WebhookCall) {
    let mut body = call.body.clone();
    if let Some(fields) = body.as_object_mut() {
        fields.remove("refused_by_fake");
    }
    match call.method {
        "POST" => crate::contract::assert_valid_follow_up(&body),
        "PATCH" => crate::contract::assert_valid_edit(&body),
        _ => {}
    }
}

fn webhook_message(body: &Value) -> Value {
    json!({
        "id": "700000000000000098", "channel_id": crate::fixtures::CHANNEL.to_string(), "author": crate::fixtures::user(APPLICATION, "backline"),
        "content": body["content"].as_str().unwrap_or_default(), "timestamp": "2026-11-25T10:00:00.000000+00:00",
        "edited_timestamp": null, "tts": false, "mention_everyone": false, "mentions": [], "mention_roles": [],
        "attachments": [], "embeds": [], "pinned": false, "type": 0,
    })
}

fn record_webhook(
    (tx, reject, _): &Webhooks,
    method: &'static str,
    (application_id, token): (String, String),
    body: Value,
) -> Result<Json<Value>, StatusCode> {
    let message = webhook_message(&body);
    let _ = tx.send(WebhookCall {
        method,
        application_id,
        token,
        body,
    });
    if reject.load(Ordering::SeqCst) {
        return Err(StatusCode::INTERNAL_SERVER_ERROR);
    }
    Ok(Json(message))
}

async fn edit_original(
    State(webhooks): State<Webhooks>,
    Path(ids): Path<(String, String)>,
    Json(body): Json<Value>,
) -> Result<Json<Value>, StatusCode> {
    record_webhook(&webhooks, "PATCH", ids, body)
}

async fn follow_up(
    State(webhooks): State<Webhooks>,
    Path(ids): Path<(String, String)>,
    Json(body): Json<Value>,
) -> Result<Json<Value>, (StatusCode, Json<Value>)> {
    let refuse = &webhooks.2;
    let seen = refuse.seen.fetch_add(1, Ordering::SeqCst) + 1;
    if seen == refuse.nth.load(Ordering::SeqCst) {
        // Recorded as refused: the test learns which message Discord did not take.
        let mut body = body;
        body["refused_by_fake"] = Value::Bool(true);
        let _ = webhooks.0.send(WebhookCall {
            method: "POST",
            application_id: ids.0,
            token: ids.1,
            body,
        });
        let error = json!({"message": "Missing Permissions", "code": 50013});
        return Err((StatusCode::FORBIDDEN, Json(error)));
    }
    record_webhook(&webhooks, "POST", ids, body).map_err(|status| (status, Json(json!({}))))
}

async fn delete_original(State(webhooks): State<Webhooks>, Path(ids): Path<(String, String)>) -> StatusCode {
    match record_webhook(&webhooks, "DELETE", ids, Value::Null) {
        Ok(_) => StatusCode::NO_CONTENT,
        Err(status) => status,
    }
}
