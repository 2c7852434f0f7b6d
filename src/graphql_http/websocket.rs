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

use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_graphql::http::{WebSocket as ProtocolStream, WebSocketProtocols, WsMessage};
use async_graphql::{Data, Executor, Request as GraphQLRequest, Response as GraphQLResponse};
use axum::extract::FromRequestParts;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::http::header::{HOST, ORIGIN, SEC_WEBSOCKET_PROTOCOL};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::stream::BoxStream;
use futures_util::{SinkExt, StreamExt};
use tokio::sync::{OwnedSemaphorePermit, mpsc};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::auth::authenticate;
use crate::error::AppError;
use crate::graphql;
use crate::live::Session;
use crate::loaders;
use crate::state::AppState;

/// The subprotocols offered, in order of preference.
const PROTOCOLS: [&str; 2] = ["graphql-transport-ws", "graphql-ws"];

/// Close codes (graphql-transport-ws's own, and RFC 6455's).
mod close {
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
        return refuse(
            StatusCode::FORBIDDEN,
            format!("WebSocket connections from the origin {origin} are not allowed"),
        );
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
        .on_upgrade(move |socket| serve(socket, state, protocol, header_token, place))
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

/// The token of `connection_init`'s payload: `Authorization` (any case)
/// at its top or in a `headers` object, as `Bearer <token>`.
fn payload_token(payload: &serde_json::Value) -> Option<Result<String, ()>> {
    let find = |object: &serde_json::Map<String, serde_json::Value>| {
        object
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case("authorization"))
            .map(|(_, value)| value.clone())
    };
    let object = payload.as_object()?;
    let value = find(object).or_else(|| {
        object
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case("headers"))
            .and_then(|(_, headers)| headers.as_object())
            .and_then(find)
    })?;
    let token = value.as_str().and_then(|text| {
        let (scheme, token) = text.trim().split_once(' ')?;
        let token = token.trim();
        (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| token.to_owned())
    });
    Some(token.ok_or(()))
}

/// Runs the schema for the protocol: every operation of a connection
/// with its session's data, every error given a client-safe message and
/// code as over HTTP.
#[derive(Clone)]
struct Gateway(AppState);

impl Executor for Gateway {
    async fn execute(&self, request: GraphQLRequest) -> GraphQLResponse {
        let mut response = self.0.schema.execute(request).await;
        graphql::classify_errors(&mut response);
        response
    }

    fn execute_stream(
        &self,
        request: GraphQLRequest,
        session_data: Option<Arc<Data>>,
    ) -> BoxStream<'static, GraphQLResponse> {
        self.0
            .schema
            .execute_stream_with_session_data(request, session_data.unwrap_or_default())
            .map(|mut response| {
                graphql::classify_errors(&mut response);
                response
            })
            .boxed()
    }
}

/// What `connection_init` decided, for the loop to act on.
#[derive(Default)]
struct Handshake {
    /// The session of an accepted token.
    session: Option<Session>,
    /// The close code and reason of a refused one.
    refusal: Option<(u16, String)>,
}

/// Serves one upgraded connection until it closes.
async fn serve(
    socket: WebSocket,
    state: AppState,
    protocol: WebSocketProtocols,
    header_token: Option<String>,
    place: OwnedSemaphorePermit,
) {
    let _place = place;
    let settings = state.live.settings().clone();
    let (sink, mut incoming) = socket.split();
    let (queue, outgoing) = mpsc::channel::<Message>(settings.subscription_buffer as usize);
    let writer_gone = CancellationToken::new();
    let writer = tokio::spawn(write(
        sink,
        outgoing,
        settings.send_timeout(),
        writer_gone.clone(),
    ));
    let handshake = Arc::new(Mutex::new(Handshake::default()));
    let last_heard = Arc::new(Mutex::new(Instant::now()));
    // Client frames for the protocol: text and binary; pings and pongs only
    // prove the client is there.
    let heard = last_heard.clone();
    let frames = async_stream_of(&mut incoming, heard);
    let on_init = {
        let state = state.clone();
        let handshake = handshake.clone();
        move |payload: serde_json::Value| async move {
            init(&state, payload, header_token, &handshake).await
        }
    };
    let mut protocol_stream =
        ProtocolStream::new(Gateway(state.clone()), frames, protocol).on_connection_init(on_init);
    let mut ping = tokio::time::interval_at(
        Instant::now() + settings.ping_interval(),
        settings.ping_interval(),
    );
    let init_deadline = tokio::time::sleep(settings.init_timeout());
    tokio::pin!(init_deadline);
    let mut acknowledged = false;
    let closing = loop {
        let revoked = handshake
            .lock()
            .expect("BUG: handshake lock poisoned")
            .session
            .as_ref()
            .map(Session::revoked);
        tokio::select! {
            biased;
            () = state.live.closing() => break Some((close::GOING_AWAY, "the server is shutting down".to_owned())),
            () = cancelled(revoked) => break Some((close::FORBIDDEN, "Forbidden: the token was revoked".to_owned())),
            () = writer_gone.cancelled() => break None,
            () = &mut init_deadline, if !acknowledged => {
                break Some((close::INIT_TIMEOUT, "Connection initialisation timeout".to_owned()));
            }
            _ = ping.tick() => {
                let silent = last_heard.lock().expect("BUG: last-heard lock poisoned").elapsed();
                if silent > settings.ping_interval() * 2 {
                    break Some((close::GOING_AWAY, "no answer to pings".to_owned()));
                }
                if queue.try_send(Message::Ping(Default::default())).is_err() {
                    break Some(overflow(&state));
                }
            }
            message = protocol_stream.next() => match message {
                Some(WsMessage::Text(text)) => {
                    if text.starts_with(r#"{"type":"connection_ack""#) {
                        acknowledged = true;
                    } else if text.starts_with(r#"{"type":"next""#) || text.starts_with(r#"{"type":"data""#) {
                        state.metrics.record_live_sent();
                    }
                    let refused = handshake.lock().expect("BUG: handshake lock poisoned").refusal.clone();
                    if queue.try_send(Message::Text(text.into())).is_err() {
                        break Some(overflow(&state));
                    }
                    // The legacy protocol tells of a refused token in a
                    // message; then the connection ends.
                    if let Some(refusal) = refused {
                        break Some(refusal);
                    }
                }
                Some(WsMessage::Close(code, reason)) => {
                    let refused = handshake.lock().expect("BUG: handshake lock poisoned").refusal.take();
                    break Some(refused.unwrap_or_else(|| translate(code, reason)));
                }
                None => break Some((close::NORMAL, String::new())),
            },
        }
    };
    drop(protocol_stream);
    if let Some((code, reason)) = closing {
        let frame = CloseFrame {
            code,
            reason: reason.into(),
        };
        let _ = queue.try_send(Message::Close(Some(frame)));
    }
    drop(queue);
    // The writer sends what is queued (the close frame last) within its
    // send timeout, then drops the socket.
    let _ = writer.await;
}

/// The incoming frames the protocol reads: text and binary messages; a
/// ping, a pong or any frame refreshes `heard`.
fn async_stream_of<'a>(
    incoming: &'a mut futures_util::stream::SplitStream<WebSocket>,
    heard: Arc<Mutex<Instant>>,
) -> impl futures_util::Stream<Item = Vec<u8>> + Send + 'a {
    incoming
        .take_while(|frame| {
            std::future::ready(matches!(frame, Ok(frame) if !matches!(frame, Message::Close(_))))
        })
        .filter_map(move |frame| {
            *heard.lock().expect("BUG: last-heard lock poisoned") = Instant::now();
            std::future::ready(match frame {
                Ok(Message::Text(text)) => Some(text.as_bytes().to_vec()),
                Ok(Message::Binary(bytes)) => Some(bytes.to_vec()),
                _ => None,
            })
        })
}

/// Checks `connection_init`'s token (or the upgrade's), and opens the
/// session with its data: the tenant, the subscription budget, loaders.
async fn init(
    state: &AppState,
    payload: serde_json::Value,
    header_token: Option<String>,
    handshake: &Mutex<Handshake>,
) -> async_graphql::Result<Data> {
    let refuse = |code: u16, reason: &str| {
        handshake
            .lock()
            .expect("BUG: handshake lock poisoned")
            .refusal = Some((code, reason.to_owned()));
        Err(async_graphql::Error::new(reason))
    };
    let token = match payload_token(&payload) {
        Some(Ok(token)) => token,
        Some(Err(())) => {
            return refuse(
                close::FORBIDDEN,
                "Forbidden: connection_init's Authorization must be \"Bearer <token>\"",
            );
        }
        None => match header_token {
            Some(token) => token,
            None => {
                return refuse(
                    close::UNAUTHORIZED,
                    "Unauthorized: send {\"Authorization\": \"Bearer <token>\"} as connection_init's payload",
                );
            }
        },
    };
    match authenticate(state, Some(&token)).await {
        Ok(tenant) => {
            let (session, budget) = state.live.open_session(&token, tenant.organization_uuid);
            handshake
                .lock()
                .expect("BUG: handshake lock poisoned")
                .session = Some(session);
            let mut data = Data::default();
            data.insert(tenant);
            data.insert(budget);
            data.insert(loaders::spawned_loaders(
                state.db.clone(),
                state.metrics.clone(),
            ));
            Ok(data)
        }
        Err(AppError::Unauthorized) => refuse(
            close::FORBIDDEN,
            "Forbidden: the token is unknown or revoked",
        ),
        Err(error) => {
            tracing::warn!(%error, "cannot check a WebSocket connection's token");
            refuse(
                close::TRY_AGAIN,
                "the database is briefly out of reach; connect again shortly",
            )
        }
    }
}

/// async-graphql's close codes in graphql-transport-ws's words.
fn translate(code: u16, reason: String) -> (u16, String) {
    match code {
        1011 => (
            close::UNAUTHORIZED,
            "Unauthorized: send connection_init and wait for connection_ack before subscribing"
                .to_owned(),
        ),
        1002 => (close::BAD_REQUEST, reason),
        _ => (code, reason),
    }
}

/// The queue to the client is full: it stopped reading.
fn overflow(state: &AppState) -> (u16, String) {
    state.metrics.record_live_dropped("subscriber_behind", 1);
    (
        close::POLICY,
        "the client is not reading: its messages filled the queue".to_owned(),
    )
}

async fn cancelled(token: Option<CancellationToken>) {
    match token {
        Some(token) => token.cancelled().await,
        None => std::future::pending().await,
    }
}

/// Sends the queued messages to the socket, each within `send_timeout`;
/// cancels `gone` when the client cannot take them.
async fn write(
    mut sink: futures_util::stream::SplitSink<WebSocket, Message>,
    mut outgoing: mpsc::Receiver<Message>,
    send_timeout: Duration,
    gone: CancellationToken,
) {
    while let Some(message) = outgoing.recv().await {
        let last = matches!(message, Message::Close(_));
        match tokio::time::timeout(send_timeout, sink.send(message)).await {
            Ok(Ok(())) if !last => {}
            Ok(Ok(())) => break,
            Ok(Err(_)) | Err(_) => {
                gone.cancel();
                return;
            }
        }
    }
    let _ = tokio::time::timeout(send_timeout, sink.close()).await;
    gone.cancel();
}
