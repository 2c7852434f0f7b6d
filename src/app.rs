//! The composition root: the [`router`] that serves every route of every
//! face over an [`AppState`], and [`run`], which serves it (through
//! [`crate::serve`]) until a shutdown signal. Nothing imports this module
//! back.

use std::future::Future;
use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;

use crate::error::AppError;
use crate::resilience::{self, Face};
use crate::serve::{self, ServeOptions};
pub use crate::state::AppState;
use crate::{cors, graphql_http, ops, rest};

/// Every route of the gateway, with its limits and metrics.
pub fn router(state: AppState) -> Router {
    // The data routes: load shedding, the database circuit, one retry of a
    // read whose connection broke (see crate::resilience).
    let guard = || middleware::from_fn_with_state(state.clone(), resilience::guard);
    // The REST data routes get their 405 fallback here, before CORS wraps
    // them, so that a preflight is answered before the 405 (see crate::cors).
    let rest_data = Router::new()
        .merge(rest::customers::router().layer(guard()))
        .merge(rest::feedbacks::router().layer(guard()))
        .method_not_allowed_fallback(method_not_allowed);
    Router::new()
        .merge(ops::router())
        .merge(cors::apply(rest_data, &state.config))
        .merge(rest::openapi::router())
        .merge(crate::playground::router())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(RequestBodyLimitLayer::new(state.config.max_body_bytes))
        // GraphQL reads its body under the same limit itself and answers
        // 413 and 405 in the GraphQL shape (see graphql_http::router).
        .merge(cors::apply(
            graphql_http::router().layer(guard()),
            &state.config,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), json_errors))
        .layer(middleware::from_fn_with_state(state.clone(), timeout))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            record_metrics,
        ))
        .layer(CatchPanicLayer::custom(|_| {
            let mut response =
                AppError::internal(anyhow::anyhow!("a request handler panicked")).into_response();
            response.extensions_mut().insert(Panicked);
            response
        }))
        .layer(middleware::from_fn(panics_in_face))
        .with_state(state)
}

/// Marks the answer of a handler that panicked, for [`panics_in_face`].
#[derive(Debug, Clone, Copy)]
struct Panicked;

/// Re-renders the 500 of a panic on `/graphql` in the GraphQL shape (the
/// panic layer sees only the panic, not the request).
async fn panics_in_face(request: Request, next: Next) -> Response {
    let face = Face::of(request.uri().path());
    let headers = (face == Face::GraphQL).then(|| request.headers().clone());
    let response = next.run(request).await;
    match headers {
        Some(headers) if response.extensions().get::<Panicked>().is_some() => {
            let error = AppError::internal(anyhow::anyhow!("a request handler panicked"));
            face.render(&headers, error)
        }
        _ => response,
    }
}

/// Serves `router(state)` on `listener` with the connection limits of
/// `state.config` until `shutdown` completes, then drains: closes the idle
/// connections, lets requests in flight finish within the drain deadline
/// (see [`serve::run`]).
pub async fn run(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let options = ServeOptions::from_config(&state.config);
    // WebSocket connections have left the HTTP layer's watch: the hub closes
    // them (1001) when the shutdown begins.
    let live = state.live.clone();
    let closing = live.clone();
    let shutdown = async move {
        shutdown.await;
        closing.close_all();
    };
    let served = serve::run(listener, router(state), options, shutdown).await;
    // Their close frames go out before the process ends.
    live.wait_closed(options.drain_deadline).await;
    served
}

/// Completes on SIGINT (ctrl-c) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown signal received, finishing requests in flight");
}

async fn not_found() -> AppError {
    AppError::NotFound("route")
}

async fn method_not_allowed() -> AppError {
    AppError::MethodNotAllowed
}

/// Counts every answered request by route template and status.
async fn record_metrics(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    // Any token is a valid method name: keep the label set bounded.
    let method = match request.method().as_str() {
        known @ ("GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD" | "OPTIONS") => known,
        _ => "OTHER",
    }
    .to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |path| path.as_str())
        .to_owned();
    let response = next.run(request).await;
    state.metrics.record_request(
        &method,
        &route,
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}

/// Ends a request that runs past the configured limit with a 503 `TIMEOUT`
/// and `Retry-After`, in the shape of its face. Its statements end with it:
/// PostgreSQL cancels them at the same deadline (`statement_timeout`, see
/// [`crate::db::PoolSettings`]).
async fn timeout(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let face = Face::of(request.uri().path());
    let headers = (face == Face::GraphQL).then(|| request.headers().clone());
    match tokio::time::timeout(state.config.request_timeout(), next.run(request)).await {
        Ok(response) => response,
        Err(_) => face.render(&headers.unwrap_or_default(), AppError::Timeout),
    }
}

/// Rewrites the plain-text error answers of the layers below (body limit,
/// extractor rejections) into the one JSON error shape.
async fn json_errors(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    let is_json = crate::media_type::content_type(response.headers())
        .is_some_and(|media| crate::media_type::is_json_family(&media));
    if !status.is_client_error() || is_json {
        return response;
    }
    let error = match status {
        StatusCode::PAYLOAD_TOO_LARGE => AppError::PayloadTooLarge(state.config.max_body_bytes),
        StatusCode::NOT_FOUND => AppError::NotFound("route"),
        StatusCode::METHOD_NOT_ALLOWED => AppError::MethodNotAllowed,
        StatusCode::UNAUTHORIZED => AppError::Unauthorized,
        _ => AppError::BadRequest {
            message: status
                .canonical_reason()
                .unwrap_or("bad request")
                .to_owned(),
            parameter: None,
        },
    };
    let mut rewritten = error.into_response();
    *rewritten.status_mut() = status;
    rewritten
}
