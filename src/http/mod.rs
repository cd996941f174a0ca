//! The HTTP transport: Discord's signed interactions endpoint, liveness and readiness. The
//! only module that imports axum (and hyper): the rest of the crate calls `router` and `serve`.

use std::sync::Arc;

use axum::{
    Json, Router,
    body::Bytes,
    extract::{DefaultBodyLimit, State, rejection::BytesRejection},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};

mod metrics;
mod server;

use serde_json::Value;

pub use metrics::{metrics_router, serve_metrics};
pub use server::{ServerLimits, serve};

use crate::{
    commands::Clock,
    discord::{Dispatcher, SignatureError, SignatureVerifier, auth::DiscordAuth},
    metrics::{Metrics, Refusal},
};

/// Discord's interaction payloads are a few KiB; anything this large is not one.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

pub struct AppState {
    pub dispatcher: Dispatcher,
    pub verifier: SignatureVerifier,
    pub clock: Arc<dyn Clock>,
    /// With a bot token: whether Discord has accepted it (`/readyz` waits for it).
    pub discord_auth: Option<Arc<DiscordAuth>>,
}

/// The whole HTTP surface; tests drive it with `tower::ServiceExt::oneshot`.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/interactions", post(interactions))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

async fn interactions(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let metrics = state.dispatcher.core().metrics();
    let body = match body {
        Ok(body) => body,
        Err(rejection) => {
            let reason = match rejection.status() {
                StatusCode::PAYLOAD_TOO_LARGE => Refusal::TooLarge,
                _ => Refusal::Malformed,
            };
            refuse(metrics, reason, &rejection.body_text());
            return rejection.into_response();
        }
    };
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let checked = state.verifier.verify(
        header("x-signature-ed25519"),
        header("x-signature-timestamp"),
        &body,
        state.clock.now(),
    );
    if let Err(error) = checked {
        let reason = match error {
            SignatureError::Missing => Refusal::NoSignature,
            SignatureError::BadTimestamp => Refusal::Malformed,
            SignatureError::Stale => Refusal::StaleTimestamp,
            SignatureError::Invalid => Refusal::BadSignature,
        };
        // The client learns only that it was refused; the log says why (a stale timestamp
        // usually means this machine's clock is off).
        refuse(metrics, reason, &error.to_string());
        return (StatusCode::UNAUTHORIZED, "invalid request signature").into_response();
    }
    // Vendor autocomplete in the steady state is answered without the general path.
    if let Some(response) = state.dispatcher.quick_answer(&body) {
        return ([(header::CONTENT_TYPE, "application/json")], response).into_response();
    }
    match state.dispatcher.dispatch_body(&body).await {
        Some(mut response) => {
            drop_nulls(&mut response);
            Json(response).into_response()
        }
        None => {
            metrics.refused(Refusal::Malformed);
            (StatusCode::BAD_REQUEST, "not an interaction").into_response()
        }
    }
}

/// Counts a refused request and logs why.
fn refuse(metrics: &Metrics, reason: Refusal, detail: &str) {
    metrics.refused(reason);
    tracing::warn!(
        reason = reason.as_str(),
        detail,
        "refused a request to the interactions endpoint"
    );
}

/// Liveness: the process answers. Never asks the database, so an outage does not get a
/// healthy process restarted; `/readyz` is the probe that reports the database.
async fn healthz() -> &'static str {
    "ok"
}

/// Readiness: 200 when the database answers, its migrations are applied and a write goes
/// through, and (with a bot token) Discord has accepted the token; 503 with the short reason
/// otherwise (the cause goes to the log). Asks the store on every call, so it recovers by
/// itself once writes work again.
async fn readyz(State(state): State<Arc<AppState>>) -> Response {
    match state.dispatcher.core().store().readiness().await {
        Ok(()) => match state.discord_auth.as_deref().and_then(DiscordAuth::not_ready) {
            None => (StatusCode::OK, "ready").into_response(),
            Some(reason) => {
                tracing::warn!(%reason, "readiness check failed");
                (StatusCode::SERVICE_UNAVAILABLE, reason).into_response()
            }
        },
        Err(not_ready) => {
            let mut cause = String::new();
            let mut next = std::error::Error::source(&not_ready);
            while let Some(error) = next {
                cause = format!("{cause}: {error}");
                next = error.source();
            }
            tracing::warn!(reason = %not_ready, cause, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, not_ready.to_string()).into_response()
        }
    }
}

/// Removes every object field whose value is null, at any depth: Discord reads an absent
/// field and a null one alike, and a PONG is exactly `{"type":1}`.
fn drop_nulls(value: &mut Value) {
    match value {
        Value::Object(fields) => {
            fields.retain(|_, field| !field.is_null());
            fields.values_mut().for_each(drop_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_nulls),
        _ => {}
    }
}
