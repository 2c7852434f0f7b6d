//! GraphQL over WebSocket: `GET /graphql` with an upgrade, speaking
//! `graphql-transport-ws` (the graphql-ws library's protocol) or the legacy
//! `graphql-ws` (subscriptions-transport-ws), chosen by
//! `Sec-WebSocket-Protocol`. async-graphql runs the protocol; this module
//! adds what a server facing browsers needs around it:
//!
//! - the token, from `connection_init`'s payload (`{"Authorization":
//!   "Bearer …"}`) or else the upgrade request's `Authorization` header;
//!   none closes with 4401, an unknown or revoked one with 4403, as
//!   graphql-transport-ws says (`Unauthorized`, `Forbidden`);
//! - an `Origin` other than the page's own is refused (403) unless CORS
//!   allows it;
//! - `connection_init` within `--websocket-init-timeout-secs` (else 4408),
//!   WebSocket pings every `--websocket-ping-secs` (a connection silent
//!   for two of them is closed, 1001), at most `--websocket-max-connections`
//!   (503 before the upgrade);
//! - outgoing messages wait in a queue of `--subscription-buffer`: a client
//!   that lets it fill, or whose socket takes no message for
//!   `--subscription-send-timeout-ms`, is closed (1008), and never slows
//!   the other subscribers;
//! - a revoked token's connection is closed (4403) within 5 s; the server's
//!   shutdown closes every connection (1001).
//!
//! Map of the folder:
//! - this file: the upgrade (origin, subprotocol, the connection cap) and
//!   the close codes;
//! - `connection`: one connection's loop (its token, ping, init timeout,
//!   revocation, shutdown) and the close it ends with;
//! - `frames`: the socket's two directions: the client's frames read for
//!   the protocol (size, ids in use), the queued messages written;
//! - `operations`: each operation run as the HTTP transport runs one;
//! - `shared`: what the loop and the frames share (the session, the close
//!   due, the ids in use).

mod connection;
mod frames;
mod operations;
mod shared;

use std::str::FromStr;

use async_graphql::http::WebSocketProtocols;
use axum::extract::FromRequestParts;
use axum::extract::ws::WebSocketUpgrade;
use axum::http::header::{HOST, ORIGIN, SEC_WEBSOCKET_PROTOCOL};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::error::AppError;
use crate::state::AppState;

/// The read buffer of a connection, in bytes.
const READ_BUFFER_BYTES: usize = 4 * 1024;

/// The subprotocols offered, in order of preference.
const PROTOCOLS: [&str; 2] = ["graphql-transport-ws", "graphql-ws"];

/// Close codes (graphql-transport-ws's own, and RFC 6455's).
pub(super) mod close {
    /// 1000: the work is done.
    pub const NORMAL: u16 = 1000;
    /// 1001: the server shuts down, or the client stopped answering pings.
    pub const GOING_AWAY: u16 = 1001;
    /// 1008: the client broke a limit (it stopped reading).
    pub const POLICY: u16 = 1008;
    /// 1013: the database is briefly away; try again later.
    pub const TRY_AGAIN: u16 = 1013;
    /// 4400: a message the protocol does not allow.
    pub const BAD_REQUEST: u16 = 4400;
    /// 4401: no token, or a subscription before `connection_ack`.
    pub const UNAUTHORIZED: u16 = 4401;
    /// 4403: an unknown or revoked token.
    pub const FORBIDDEN: u16 = 4403;
    /// 4408: no `connection_init` in time.
    pub const INIT_TIMEOUT: u16 = 4408;
    /// 4409: a second operation with an id in use.
    pub const DUPLICATE_ID: u16 = 4409;
    /// 1009: a message over the size limit.
    pub const TOO_BIG: u16 = 1009;
}

/// Whether `headers` ask for a WebSocket upgrade.
pub fn is_upgrade(headers: &HeaderMap) -> bool {
    headers
        .get(axum::http::header::UPGRADE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.eq_ignore_ascii_case("websocket"))
}

/// Answers an upgrade request on `/graphql`: 101 and the connection served
/// in its own task, or the refusal as JSON.
pub async fn upgrade(state: AppState, mut parts: Parts) -> Response {
    let headers = parts.headers.clone();
    if let Some(origin) = foreign_origin(&headers, &state) {
        return AppError::Forbidden(format!(
            "WebSocket connections from the origin {origin} are not allowed (see --cors-allowed-origins)"
        ))
        .into_response();
    }
    let Some(protocol) = protocol_of(&headers) else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "the Sec-WebSocket-Protocol header must offer graphql-transport-ws (or the legacy graphql-ws)".to_owned(),
        );
    };
    let upgrade = match WebSocketUpgrade::from_request_parts(&mut parts, &state).await {
        Ok(upgrade) => upgrade,
        Err(rejection) => {
            return refuse(rejection.status(), rejection.body_text());
        }
    };
    let Some(place) = state.live.admit_connection() else {
        let mut response = AppError::Overloaded("WebSocket connections open").into_response();
        *response.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
        return response;
    };
    let header_token = crate::auth::bearer_token_from(&headers).map(str::to_owned);
    upgrade
        .protocols(PROTOCOLS)
        .max_message_size(state.config.max_body_bytes)
        // An idle connection keeps its buffers: small ones (the library's
        // default is 128 KiB each way) make an idle subscription cheap; a
        // large message is still read whole, in more steps.
        .read_buffer_size(READ_BUFFER_BYTES)
        .write_buffer_size(0)
        .on_upgrade(move |socket| connection::serve(socket, state, protocol, header_token, place))
}

fn refuse(status: StatusCode, message: String) -> Response {
    let mut response = AppError::BadRequest {
        message,
        parameter: None,
    }
    .into_response();
    *response.status_mut() = status;
    response
}

/// The protocol the client offers that we speak, in our order of preference.
fn protocol_of(headers: &HeaderMap) -> Option<WebSocketProtocols> {
    let offered: Vec<&str> = headers
        .get_all(SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .collect();
    PROTOCOLS
        .iter()
        .find(|name| offered.contains(name))
        .and_then(|name| WebSocketProtocols::from_str(name).ok())
}

/// The request's `Origin` when a browser page of another origin made it
/// and CORS does not allow that origin: a WebSocket is not held by the
/// same-origin policy, so the server checks.
fn foreign_origin(headers: &HeaderMap, state: &AppState) -> Option<String> {
    let origin = headers.get(ORIGIN)?.to_str().ok()?;
    let host = headers.get(HOST).and_then(|host| host.to_str().ok());
    let authority = origin.split_once("://").map(|(_, rest)| rest);
    if authority.is_some() && authority == host {
        return None;
    }
    if crate::cors::allows(&state.config, origin) {
        return None;
    }
    Some(origin.to_owned())
}
