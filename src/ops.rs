//! Operational endpoints: `/healthz` (the process is up), `/readyz` (the
//! database answers) and `/metrics` (OpenMetrics text, as Prometheus scrapes
//! it; plain text for a client that does not ask for OpenMetrics, such as a
//! browser, which would otherwise download it).

use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use crate::error::{AppError, Outage};
use crate::metrics::StateGauges;

/// The longest `/readyz` waits for the database before it answers 503.
const READY_WITHIN: Duration = Duration::from_millis(900);
use crate::state::AppState;
use crate::{db, media_type};

/// The operational routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
}

async fn healthz() -> Json<serde_json::Value> {
    Json(json!({"status": "ok"}))
}

/// `GET /readyz`: 200 when the database answers `SELECT 1`; 503 with
/// `Retry-After` at once while the circuit is open, or when the database
/// does not answer within [`READY_WITHIN`] (which opens the circuit if a
/// connection of its own cannot reach the database either, see
/// [`crate::db::DatabaseHealth::suspect`]).
async fn readyz(State(state): State<AppState>) -> Result<Json<serde_json::Value>, AppError> {
    if state.health.is_open() {
        return Err(AppError::Unavailable(Outage::CircuitOpen));
    }
    let answered = tokio::time::timeout(READY_WITHIN, db::ping(&state.db)).await;
    if answered == Ok(true) {
        Ok(Json(json!({"status": "ready"})))
    } else {
        crate::resilience::suspect_outage(&state);
        Err(AppError::Unavailable(Outage::Unreachable))
    }
}

/// `GET /metrics`: the counters as OpenMetrics text, under its own media
/// type when `Accept` asks for it (Prometheus does), else as
/// `text/plain; charset=utf-8`, the same text.
async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> impl IntoResponse {
    let openmetrics = media_type::accept_text(&headers).is_some_and(|accept| {
        media_type::ranges(accept).any(|range| {
            range.essence_str() == crate::metrics::OPENMETRICS && media_type::quality(&range) > 0.0
        })
    });
    let (open, idle) = db::pool_usage(&state.db);
    let in_use = |semaphore: &tokio::sync::Semaphore, limit: usize| {
        limit.saturating_sub(semaphore.available_permits()) as i64
    };
    state.metrics.set_state(StateGauges {
        requests_in_flight: in_use(
            &state.requests_in_flight,
            state.config.max_requests_in_flight as usize,
        ),
        graphql_in_flight: in_use(&state.graphql_in_flight, state.graphql_max_in_flight),
        pool_idle: idle as i64,
        pool_in_use: i64::from(open) - idle as i64,
        pool_max: i64::from(state.db_max_connections),
        circuit_open: state.health.is_open(),
        circuit_trips: state.health.trips() as i64,
        websocket_connections: state.live.open_connections() as i64,
        subscriptions: state.live.open_subscriptions() as i64,
        listening: state.live.is_listening(),
    });
    let content_type = match openmetrics {
        true => crate::metrics::CONTENT_TYPE,
        false => "text/plain; charset=utf-8",
    };
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, content_type)],
        state.metrics.render(),
    )
}
