//! The HTTP transport: Discord's signed interactions endpoint and a health check. The only
//! module that imports axum (and hyper): the rest of the crate calls `router` and `serve`.

use std::sync::Arc;

use axum::{
    Json, Router,
    body::Bytes,
    extract::{DefaultBodyLimit, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
};

mod server;

pub use server::{ServerLimits, serve};

use crate::{
    commands::Clock,
    discord::{Dispatcher, SignatureVerifier},
};

/// Discord's interaction payloads are a few KiB; anything this large is not one.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

pub struct AppState {
    pub dispatcher: Dispatcher,
    pub verifier: SignatureVerifier,
    pub clock: Arc<dyn Clock>,
}

/// The whole HTTP surface; tests drive it with `tower::ServiceExt::oneshot`.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/interactions", post(interactions))
        .route("/healthz", get(healthz))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

async fn interactions(State(state): State<Arc<AppState>>, headers: HeaderMap, body: Bytes) -> Response {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let checked = state.verifier.verify(
        header("x-signature-ed25519"),
        header("x-signature-timestamp"),
        &body,
        state.clock.now(),
    );
    if let Err(error) = checked {
        tracing::info!(%error, "rejected an unsigned or badly signed interaction");
        return (StatusCode::UNAUTHORIZED, "invalid request signature").into_response();
    }
    match state.dispatcher.dispatch_body(&body).await {
        Some(response) => Json(response).into_response(),
        None => (StatusCode::BAD_REQUEST, "not an interaction").into_response(),
    }
}

async fn healthz(State(state): State<Arc<AppState>>) -> Response {
    match state.dispatcher.core().store().ping().await {
        Ok(()) => (StatusCode::OK, "ok").into_response(),
        Err(error) => {
            tracing::warn!(error = %error, "health check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
        }
    }
}
