//! GraphQL over HTTP: `POST /graphql` and `GET /graphql` as the
//! GraphQL-over-HTTP specification asks — `Accept` negotiation between
//! `application/graphql-response+json` and `application/json`, its status
//! codes for request errors, no mutations over GET — plus the body limit,
//! batch limit and bearer token.
//!
//! Map of the folder, in the order a request meets it:
//! - this file: the routes and their handlers (method, token, playground);
//! - [`media`]: the answer's media type from `Accept`, the body's `Content-Type`;
//! - `request`: the body (within its limit) or query string into parameters;
//! - then the text to run, from a persisted query's hash or checked against
//!   the allow-list, by [`crate::graphql::persisted`] (shared with any other
//!   transport through the schema's extension);
//! - [`source`]: the query text before the parser (escapes, nesting, repeats);
//! - [`document`]: the one operation the request selects, alone with its fragments;
//! - [`variables`]: the variables coerced to their declared types first;
//! - `execute`: one operation or a batch, from parameters to the answer;
//! - [`order`]: the answer's fields put back in selection order;
//! - `response`: the GraphQL-shaped answers and their statuses;
//! - [`websocket`]: subscriptions (and any operation) over WebSocket, with
//!   the token, limits and timeouts a browser-facing server needs; each
//!   operation checked and run as `execute` runs an HTTP one.

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use serde_json::Value;

pub mod document;
mod execute;
pub mod media;
pub mod order;
mod request;
mod response;
pub mod source;
pub mod variables;
pub mod websocket;

pub use media::{Media, negotiate};

/// An [`AppError`] met outside the GraphQL handlers (the request deadline,
/// a full limit, an open circuit, a panic) in the GraphQL shape, in the
/// media type `headers` ask for (`application/json` when none fits), with
/// its status and `Retry-After`.
pub fn face_error(headers: &HeaderMap, error: AppError) -> Response {
    response::app_error_response(negotiate(headers).unwrap_or(Media::Json), error)
}

use crate::auth::authenticate;
use crate::error::AppError;
use crate::state::AppState;
use crate::tenant::Tenant;
use execute::{run_batch, run_one};
use media::{check_content_type, wants_html};
use request::{params_from_json, params_from_query, parse_query_string, read_json_body};
use response::{app_error_response, bad_request, error_response, not_acceptable};

/// The GraphQL routes.
///
/// `/graphql` answers its own errors in the GraphQL shape, including a body
/// over the limit (413, whether the client sent `Content-Length` or chunks)
/// and a method other than GET and POST (405): the app's REST-shaped body
/// limit and method fallback do not apply to it.
pub fn router() -> Router<AppState> {
    Router::new().route(
        "/graphql",
        get(get_graphql)
            .post(post_graphql)
            .fallback(method_not_allowed),
    )
}

/// A method other than GET and POST on `/graphql`.
async fn method_not_allowed(headers: HeaderMap) -> Response {
    let media = negotiate(&headers).unwrap_or(Media::Json);
    response::method_not_allowed(
        media,
        "/graphql accepts GET (queries) and POST",
        "GET, POST",
    )
}

/// The organization the bearer token grants, or the 401 in `media`.
async fn tenant(state: &AppState, headers: &HeaderMap, media: Media) -> Result<Tenant, Response> {
    let token = crate::auth::bearer_token_from(headers);
    authenticate(state, token)
        .await
        .map_err(|error| app_error_response(media, error))
}

/// `POST /graphql`: one request object or a batch array, as JSON.
async fn post_graphql(State(state): State<AppState>, request: Request) -> Response {
    let headers = request.headers().clone();
    let Some(media) = negotiate(&headers) else {
        return not_acceptable();
    };
    let tenant = match tenant(&state, &headers, media).await {
        Ok(tenant) => tenant,
        Err(response) => return response,
    };
    if let Err(message) = check_content_type(&headers) {
        return error_response(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            media,
            message,
            "UNSUPPORTED_MEDIA_TYPE",
        );
    }
    let limit = state.config.max_body_bytes;
    let value = match read_json_body(&headers, request.into_body(), limit, media).await {
        Ok(value) => value,
        Err(response) => return response,
    };
    match value {
        Value::Array(operations) => run_batch(&state, tenant, media, operations).await,
        single => match params_from_json(single) {
            Ok(params) => run_one(&state, tenant, media, params, true).await,
            Err(message) => bad_request(media, message),
        },
    }
}

/// `GET /graphql`: a query (never a mutation) in the query string, the
/// playground for a browser that sends none, or a WebSocket upgrade for
/// subscriptions (see [`websocket`]).
async fn get_graphql(State(state): State<AppState>, request: Request) -> Response {
    let (parts, _) = request.into_parts();
    if websocket::is_upgrade(&parts.headers) {
        return websocket::upgrade(state, parts).await;
    }
    let headers = parts.headers;
    let raw = parts.uri.query();
    let query = match raw.map(parse_query_string).transpose() {
        Ok(query) => query.unwrap_or_default(),
        Err(name) => {
            let media = negotiate(&headers).unwrap_or(Media::Json);
            return bad_request(media, &format!("the `{name}` parameter is repeated"));
        }
    };
    // A browser's address bar sends neither; a persisted query may send
    // only `extensions`.
    if wants_html(&headers) && !query.contains_key("query") && !query.contains_key("extensions") {
        return playground();
    }
    let Some(media) = negotiate(&headers) else {
        return not_acceptable();
    };
    let tenant = match tenant(&state, &headers, media).await {
        Ok(tenant) => tenant,
        Err(response) => return response,
    };
    match params_from_query(&query) {
        Ok(params) => run_one(&state, tenant, media, params, false).await,
        Err(message) => bad_request(media, &message),
    }
}

fn playground() -> Response {
    (
        crate::playground::headers(),
        Html(crate::playground::html()),
    )
        .into_response()
}
