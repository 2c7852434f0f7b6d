//! Operational endpoints: `/healthz` (the process is up), `/readyz` (the
//! database answers) and `/metrics` (OpenMetrics text, as Prometheus scrapes
//! it; plain text for a client that does not ask for OpenMetrics, such as a
//! browser, which would otherwise download it).

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use crate::error::AppError;
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

async fn readyz(State(state): State<AppState>) -> Result<Json<serde_json::Value>, AppError> {
    if db::ping(&state.db).await {
        Ok(Json(json!({"status": "ready"})))
    } else {
        Err(AppError::Unavailable)
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
