//! `GET /metrics` on its own address (`--metrics-addr`), never on the interactions port:
//! the Prometheus scrape of what the core has counted, and the database pool as it is now.

use std::future::Future;

use axum::{
    Router,
    extract::State,
    http::header,
    response::{IntoResponse, Response},
    routing::get,
};
use tokio::net::TcpListener;

use super::{ServerLimits, server::serve_router};
use crate::{commands::Core, metrics::CONTENT_TYPE};

/// The metrics surface alone; tests drive it with `oneshot` or over a socket.
pub fn metrics_router(core: Core) -> Router {
    Router::new().route("/metrics", get(scrape)).with_state(core)
}

/// Serves `metrics_router(core)` on `listener` until `stop` completes.
pub async fn serve_metrics(
    listener: TcpListener,
    core: Core,
    limits: ServerLimits,
    stop: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    serve_router(listener, metrics_router(core), limits, stop).await
}

async fn scrape(State(core): State<Core>) -> Response {
    let text = core.metrics().encode(core.store().pool_connections());
    ([(header::CONTENT_TYPE, CONTENT_TYPE)], text).into_response()
}
