//! The operators' HTTP endpoint: `GET /metrics`, `GET /healthz` and `GET /readyz`, and
//! nothing else. Off unless the config's `http.listen` names an address.

use std::net::SocketAddr;
use std::sync::Arc;

use async_trait::async_trait;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tokio::net::TcpListener;

use crate::metrics::Metrics;
use crate::store::SessionStore;

/// The content type of Prometheus' text exposition format as prometheus-client writes it.
const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Whether the gateway is connected: `Err` says what is not.
#[async_trait]
pub trait Gateway: Send + Sync {
    async fn connected(&self) -> Result<(), String>;
}

#[derive(Clone)]
pub struct Ops {
    pub metrics: Arc<Metrics>,
    pub store: Arc<dyn SessionStore>,
    pub gateway: Arc<dyn Gateway>,
}

#[derive(Debug, thiserror::Error)]
#[error(
    "cannot listen on {addr} for the operators' endpoint (`http.listen` in the config): \
     {source}; pick a free port, or set `listen: None`"
)]
pub struct BindError {
    addr: SocketAddr,
    #[source]
    source: std::io::Error,
}

/// Binds `addr` now (so a taken port is a start-up error) and returns the server to run.
pub async fn bind(
    addr: SocketAddr,
    ops: Ops,
) -> Result<(SocketAddr, impl std::future::Future<Output = ()>), BindError> {
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|source| BindError { addr, source })?;
    let bound = listener.local_addr().unwrap_or(addr);
    let app = Router::new()
        .route("/metrics", get(metrics))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .with_state(ops);
    let serve = async move {
        if let Err(err) = axum::serve(listener, app).await {
            tracing::error!("the operators' endpoint stopped: {err}");
        }
    };
    Ok((bound, serve))
}

async fn metrics(State(ops): State<Ops>) -> Response {
    let open = match ops.store.count_open().await {
        Ok(open) => Some(open),
        Err(err) => {
            tracing::warn!("cannot count the open walkthroughs for /metrics: {err}");
            None
        }
    };
    let body = ops.metrics.encode(open);
    ([(header::CONTENT_TYPE, OPENMETRICS)], body).into_response()
}

async fn healthz() -> &'static str {
    "ok\n"
}

/// 200 when the gateway is connected and the store answers; else 503 with the reason.
async fn readyz(State(ops): State<Ops>) -> Response {
    if let Err(reason) = ops.gateway.connected().await {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("not ready: {reason}\n"),
        )
            .into_response();
    }
    if let Err(err) = ops.store.count_open().await {
        let reason = format!("not ready: the store does not answer: {err}\n");
        return (StatusCode::SERVICE_UNAVAILABLE, reason).into_response();
    }
    (StatusCode::OK, "ready\n").into_response()
}
