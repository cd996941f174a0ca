//! Serving the router over TCP with limits that slow or abusive clients cannot outlast: a
//! header-read timeout (which also closes idle keep-alive connections), a body-read
//! deadline, a cap on open connections, and a shutdown bounded by a grace period.

use std::{future::Future, sync::Arc, time::Duration};

use anyhow::Context as _;
use axum::{
    Router,
    body::Body,
    extract::{Request, State},
    http::{HeaderValue, StatusCode, header},
    middleware::{self, Next},
    response::{IntoResponse, Response},
};
use hyper_util::{
    rt::{TokioIo, TokioTimer},
    server::graceful::GracefulShutdown,
    service::TowerToHyperService,
};
use tokio::{net::TcpListener, sync::Semaphore};

use super::{AppState, MAX_BODY_BYTES, router};
use crate::metrics::{Metrics, Refusal};

/// How long the server waits for clients, and for how many.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServerLimits {
    /// From when a connection waits for a request (just opened, or its previous response
    /// sent) until that request's header is complete; so also the keep-alive idle timeout.
    pub header_timeout: Duration,
    /// From a complete header until the whole body has arrived.
    pub body_timeout: Duration,
    /// Connections open at once; further clients wait in the listen backlog.
    pub max_connections: usize,
    /// After the stop signal: how long requests in flight may take before every connection
    /// still open is dropped.
    pub shutdown_grace: Duration,
}

impl Default for ServerLimits {
    fn default() -> Self {
        Self {
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(10),
            max_connections: 1024,
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

/// Serves `router(state)` on `listener` within `limits` until `stop` completes; then stops
/// accepting, closes idle connections, lets requests in flight finish and returns, at the
/// latest after `limits.shutdown_grace`.
pub async fn serve(
    listener: TcpListener,
    state: Arc<AppState>,
    limits: ServerLimits,
    stop: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let metrics = Arc::clone(state.dispatcher.core().metrics());
    let app: Router = router(state).layer(middleware::from_fn_with_state(
        (limits.body_timeout, metrics),
        read_body_within,
    ));
    serve_router(listener, app, limits, stop).await
}

/// Serves `app` on `listener` within `limits` until `stop` completes (see [`serve`]).
pub(super) async fn serve_router(
    listener: TcpListener,
    app: Router,
    limits: ServerLimits,
    stop: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    let mut http1 = hyper::server::conn::http1::Builder::new();
    http1
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    tokio::pin!(stop);
    loop {
        // A slot first: at the cap, the next client waits in the backlog, not in memory.
        let slot = tokio::select! {
            () = &mut stop => break,
            slot = Arc::clone(&slots).acquire_owned() => slot.context("the connection limit closed")?,
        };
        let stream = tokio::select! {
            () = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => stream,
                Err(error) => {
                    // Out of file descriptors, most likely: back off instead of spinning.
                    tracing::warn!(%error, "could not accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let connection = http1.serve_connection(TokioIo::new(stream), TowerToHyperService::new(app.clone()));
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, "connection ended with an error");
            }
            drop(slot);
        });
    }
    drop(listener);
    tracing::info!("HTTP: stopped accepting; finishing requests in flight");
    if tokio::time::timeout(limits.shutdown_grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            grace = ?limits.shutdown_grace,
            "HTTP: connections still open after the grace period are dropped"
        );
    }
    Ok(())
}

/// Reads the whole body before the handler runs, within `deadline`: a client that declares a
/// body and never sends it is answered 408 and disconnected instead of holding a connection.
async fn read_body_within(
    State((deadline, metrics)): State<(Duration, Arc<Metrics>)>,
    request: Request,
    next: Next,
) -> Response {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared.is_some_and(|length| length > MAX_BODY_BYTES as u64) {
        super::refuse(&metrics, Refusal::TooLarge, "declared body too large");
        return closing(StatusCode::PAYLOAD_TOO_LARGE, "request body too large");
    }
    let (parts, body) = request.into_parts();
    match tokio::time::timeout(deadline, axum::body::to_bytes(body, MAX_BODY_BYTES)).await {
        Ok(Ok(bytes)) => next.run(Request::from_parts(parts, Body::from(bytes))).await,
        Ok(Err(error)) => {
            let too_large = error
                .into_inner()
                .downcast_ref::<http_body_util::LengthLimitError>()
                .is_some();
            if too_large {
                super::refuse(&metrics, Refusal::TooLarge, "body too large");
                closing(StatusCode::PAYLOAD_TOO_LARGE, "request body too large")
            } else {
                closing(StatusCode::BAD_REQUEST, "could not read the request body")
            }
        }
        Err(_) => {
            tracing::info!(?deadline, "HTTP: request body not received in time");
            closing(StatusCode::REQUEST_TIMEOUT, "request body not received in time")
        }
    }
}

/// A response after which the connection is closed (its request body was not read whole).
fn closing(status: StatusCode, message: &'static str) -> Response {
    let mut response = (status, message).into_response();
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}
