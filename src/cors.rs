//! Cross-origin access (CORS) to the data routes, `/graphql` and the
//! `/api/v1` routes, for the origins of `--cors-allowed-origins`: tower-http's
//! [`CorsLayer`], put in front of a router by [`apply`].
//!
//! Only a request that is a CORS request goes through the layer: one with an
//! `Origin`, and for `OPTIONS` one that is a preflight (`Origin` and
//! `Access-Control-Request-Method`, as the Fetch standard's CORS protocol
//! defines it). Any other `OPTIONS` gets the route's own answer (a 405 with
//! `Allow`), as without CORS: tower-http would answer every `OPTIONS` as a
//! preflight. With no origin configured there is no layer and no CORS header.

use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, Method, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use tower::{Layer, ServiceExt};
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::config::{CorsOrigin, ServerConfig};
use crate::state::AppState;

/// How long a browser may keep a preflight's answer (Chromium caps it at 2 h).
pub const MAX_AGE: Duration = Duration::from_secs(600);

/// The methods of the data routes a page may send.
const METHODS: [Method; 5] = [
    Method::GET,
    Method::POST,
    Method::PUT,
    Method::PATCH,
    Method::DELETE,
];

/// The CORS layer of `config`'s origins, or `None` when it lists none (or
/// its settings are refused by [`ServerConfig::check`], which the start-up
/// runs first: tower-http panics on `*` with credentials).
pub fn layer(config: &ServerConfig) -> Option<CorsLayer> {
    if config.cors_allowed_origins.is_empty() || config.check().is_err() {
        return None;
    }
    let origins = if config.cors_allowed_origins.contains(&CorsOrigin::Any) {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(config.cors_allowed_origins.iter().filter_map(|origin| {
            match origin {
                // Checked by the flag's parser: ASCII without controls.
                CorsOrigin::Exact(origin) => HeaderValue::from_str(origin).ok(),
                CorsOrigin::Any => None,
            }
        }))
    };
    Some(
        CorsLayer::new()
            .allow_origin(origins)
            .allow_methods(METHODS)
            .allow_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                header::IF_MATCH,
                header::IF_NONE_MATCH,
            ])
            .expose_headers([header::ETAG, header::RETRY_AFTER, header::WWW_AUTHENTICATE])
            .allow_credentials(config.cors_allow_credentials)
            .max_age(MAX_AGE),
    )
}

/// `router` with CORS in front of every route, its method fallback included
/// (so set that fallback before): a preflight is answered before any 405.
/// Unchanged when no origin is configured.
pub fn apply(router: Router<AppState>, config: &ServerConfig) -> Router<AppState> {
    let Some(cors) = layer(config) else {
        return router;
    };
    router.layer(middleware::from_fn(move |request: Request, next: Next| {
        let cors = cors.clone();
        async move { handle(cors, request, next).await }
    }))
}

/// True when `request` is a CORS request: it has an `Origin`, and, if it is
/// an `OPTIONS`, an `Access-Control-Request-Method` (a preflight).
fn is_cors(request: &Request) -> bool {
    let headers = request.headers();
    headers.contains_key(header::ORIGIN)
        && (request.method() != Method::OPTIONS
            || headers.contains_key(header::ACCESS_CONTROL_REQUEST_METHOD))
}

async fn handle(cors: CorsLayer, request: Request, next: Next) -> Response {
    if !is_cors(&request) {
        let mut response = next.run(request).await;
        // The answer to a page of another origin differs: a cache must not
        // hand it this one.
        response
            .headers_mut()
            .append(header::VARY, HeaderValue::from_static("origin"));
        return response;
    }
    match cors.layer(next).oneshot(request).await {
        Ok(response) => response.into_response(),
        Err(never) => match never {},
    }
}

/// Whether `--cors-allowed-origins` lets pages of `origin` (an `Origin`
/// header's value) call the gateway: a WebSocket upgrade from such a page
/// is accepted too.
pub fn allows(config: &ServerConfig, origin: &str) -> bool {
    config
        .cors_allowed_origins
        .iter()
        .any(|allowed| match allowed {
            CorsOrigin::Any => true,
            CorsOrigin::Exact(allowed) => allowed.eq_ignore_ascii_case(origin),
        })
}
