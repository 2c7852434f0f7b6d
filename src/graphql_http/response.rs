//! The answers of GraphQL over HTTP in the GraphQL shape
//! `{"errors": [{"message", "extensions": {"code"}}]}`, with the status each
//! kind of failure gets under each [`Media`].

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::media::Media;
use crate::error::AppError;

/// A GraphQL-shaped error answer with one error of `message` and `code`.
pub fn error_response(status: StatusCode, media: Media, message: &str, code: &str) -> Response {
    let body = json!({"errors": [{"message": message, "extensions": {"code": code}}]});
    json_response(status, media, body.to_string())
}

/// `body` (JSON text) answered with `status` as `media`.
pub fn json_response(status: StatusCode, media: Media, body: String) -> Response {
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(media.content_type()),
    );
    response
}

/// A malformed HTTP request (no or bad JSON, parameters of the wrong type):
/// 400 whichever media type was asked for.
pub fn bad_request(media: Media, message: &str) -> Response {
    error_response(StatusCode::BAD_REQUEST, media, message, "BAD_REQUEST")
}

/// A well-formed request whose GraphQL document or variables fail: 400 for
/// `application/graphql-response+json`, 200 with `errors` for `application/json`.
pub fn request_error(media: Media, message: &str, code: &str) -> Response {
    error_response(media.request_error_status(), media, message, code)
}

/// An [`AppError`] (logged) with its own status and GraphQL code; a 401
/// names the `Bearer` scheme.
pub fn app_error_response(media: Media, error: AppError) -> Response {
    error.log();
    let mut response = error_response(
        error.status(),
        media,
        &error.to_string(),
        crate::graphql::errors::code(&error),
    );
    if let Some(challenge) = error.challenge() {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, challenge);
    }
    mark_retryable(&mut response, &error);
    response
}

/// Adds `Retry-After` to the answer of a failure a retry may cure, and
/// tells the resilience layer about a database outage (a response extension).
pub fn mark_retryable(response: &mut Response, error: &AppError) {
    if let Some(seconds) = error.retry_after() {
        response.headers_mut().insert(header::RETRY_AFTER, seconds);
    }
    if let Some(outage) = error.outage() {
        response.extensions_mut().insert(outage);
    }
}

/// 406: `Accept` allows neither media type we answer in.
pub fn not_acceptable() -> Response {
    error_response(
        StatusCode::NOT_ACCEPTABLE,
        Media::Json,
        "Accept must allow application/graphql-response+json or application/json",
        "NOT_ACCEPTABLE",
    )
}

/// 405 with `Allow: allow`: a method `/graphql` does not take, or a mutation
/// over GET.
pub fn method_not_allowed(media: Media, message: &str, allow: &'static str) -> Response {
    let mut response = error_response(
        StatusCode::METHOD_NOT_ALLOWED,
        media,
        message,
        "METHOD_NOT_ALLOWED",
    );
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static(allow));
    response
}
