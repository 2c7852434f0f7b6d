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

use std::collections::HashSet;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_graphql::Data;
use async_graphql::http::{WebSocket as ProtocolStream, WebSocketProtocols, WsMessage};
use axum::extract::FromRequestParts;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::http::header::{HOST, ORIGIN, SEC_WEBSOCKET_PROTOCOL};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::{SinkExt, StreamExt};
use tokio::sync::{OwnedSemaphorePermit, mpsc, oneshot};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::socket_operations::{Gateway, Grant};
use crate::auth::authenticate;
use crate::error::AppError;
use crate::live::Session;
use crate::state::AppState;

/// The read buffer of a connection, in bytes.
const READ_BUFFER_BYTES: usize = 4 * 1024;

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

/// What the connection's parts tell its loop: the session of an accepted
/// token, the close a refusal or a protocol breach calls for, and the
/// subscription ids in use.
#[derive(Default)]
struct Shared {
    /// The session of an accepted token.
    session: Option<Session>,
    /// The close code and reason the connection must end with.
    close: Option<(u16, String)>,
    /// The ids of the operations running (graphql-transport-ws allows no
    /// second with the same id: 4409).
    ids: HashSet<String>,
}

type SharedState = Arc<Mutex<Shared>>;

fn lock(shared: &SharedState) -> std::sync::MutexGuard<'_, Shared> {
    shared.lock().expect("BUG: WebSocket state lock poisoned")
}

/// The type and id of a protocol message, read without the rest.
#[derive(serde::Deserialize)]
struct Peek {
    #[serde(rename = "type")]
    kind: Option<String>,
    id: Option<String>,
}

fn peek(text: &[u8]) -> Option<Peek> {
    serde_json::from_slice(text).ok()
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
    let max_message = state.config.max_body_bytes;
    let (sink, mut incoming) = socket.split();
    let (queue, outgoing) = mpsc::channel::<Message>(settings.subscription_buffer as usize);
    let (abort, aborted) = oneshot::channel::<(u16, String)>();
    let writer_gone = CancellationToken::new();
    let writer = tokio::spawn(write(
        sink,
        outgoing,
        aborted,
        settings.send_timeout(),
        writer_gone.clone(),
    ));
    let shared = SharedState::default();
    let grant = Grant::default();
    let last_heard = Arc::new(Mutex::new(Instant::now()));
    let frames = Box::pin(client_frames(
        &mut incoming,
        last_heard.clone(),
        shared.clone(),
        max_message,
    ));
    let on_init = {
        let state = state.clone();
        let shared = shared.clone();
        let grant = grant.clone();
        move |payload: serde_json::Value| async move {
            init(&state, payload, header_token, &shared, &grant).await
        }
    };
    let gateway = Gateway {
        state: state.clone(),
        grant,
    };
    let mut protocol_stream =
        ProtocolStream::new(gateway, frames, protocol).on_connection_init(on_init);
    let mut ping = tokio::time::interval_at(
        Instant::now() + settings.ping_interval(),
        settings.ping_interval(),
    );
    let init_deadline = tokio::time::sleep(settings.init_timeout());
    tokio::pin!(init_deadline);
    let mut acknowledged = false;
    let closing = loop {
        let revoked = lock(&shared).session.as_ref().map(Session::revoked);
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
                    } else if (text.starts_with(r#"{"type":"complete""#) || text.starts_with(r#"{"type":"error""#))
                        && let Some(id) = peek(text.as_bytes()).and_then(|message| message.id)
                    {
                        lock(&shared).ids.remove(&id);
                    }
                    if queue.try_send(Message::Text(text.into())).is_err() {
                        break Some(overflow(&state));
                    }
                    // The legacy protocol tells of a refused token in a
                    // message; then the connection ends.
                    if let Some(close) = lock(&shared).close.take() {
                        break Some(close);
                    }
                }
                Some(WsMessage::Close(code, reason)) => {
                    let close = lock(&shared).close.take();
                    break Some(close.unwrap_or_else(|| translate(code, reason)));
                }
                None => {
                    let close = lock(&shared).close.take();
                    break Some(close.unwrap_or((close::NORMAL, String::new())));
                }
            },
        }
    };
    drop(protocol_stream);
    if let Some((code, reason)) = closing {
        let frame = Message::Close(Some(CloseFrame {
            code,
            reason: within_close_limit(reason).into(),
        }));
        // Behind what is queued; when the queue is full (the client is not
        // reading), in place of it.
        if let Err(mpsc::error::TrySendError::Full(Message::Close(frame))) = queue.try_send(frame) {
            let (code, reason) = frame.map_or((code, String::new()), |frame| {
                (frame.code, frame.reason.to_string())
            });
            let _ = abort.send((code, reason));
        }
    }
    drop(queue);
    // The writer sends what is queued (the close frame last) within its
    // send timeout, then drops the socket.
    let _ = writer.await;
}

/// The incoming frames the protocol reads: text and binary messages. Any
/// frame refreshes `heard`. A second operation with an id in use ends the
/// stream with 4409, a message over `max_message` bytes with 1009.
fn client_frames<'a>(
    incoming: &'a mut futures_util::stream::SplitStream<WebSocket>,
    heard: Arc<Mutex<Instant>>,
    shared: SharedState,
    max_message: usize,
) -> impl futures_util::Stream<Item = Vec<u8>> + Send + 'a {
    futures_util::stream::unfold(
        (incoming, heard, shared),
        move |(incoming, heard, shared)| async move {
            loop {
                let frame = match incoming.next().await? {
                    Ok(frame) => frame,
                    Err(error) => {
                        let too_big = matches!(
                            error.into_inner().downcast_ref::<tungstenite::Error>(),
                            Some(tungstenite::Error::Capacity(_))
                        );
                        if too_big {
                            lock(&shared).close = Some((
                                close::TOO_BIG,
                                format!("a message holds at most {max_message} bytes"),
                            ));
                        }
                        return None;
                    }
                };
                *heard.lock().expect("BUG: last-heard lock poisoned") = Instant::now();
                let bytes = match frame {
                    Message::Text(text) => text.as_bytes().to_vec(),
                    Message::Binary(bytes) => bytes.to_vec(),
                    Message::Close(_) => return None,
                    _ => continue,
                };
                if let Some(Peek {
                    kind: Some(kind),
                    id: Some(id),
                }) = peek(&bytes)
                {
                    let mut shared_now = lock(&shared);
                    match kind.as_str() {
                        "subscribe" | "start" if shared_now.ids.contains(&id) => {
                            shared_now.close = Some((
                                close::DUPLICATE_ID,
                                within_close_limit(format!("Subscriber for {id} already exists")),
                            ));
                            return None;
                        }
                        "subscribe" | "start" => {
                            shared_now.ids.insert(id);
                        }
                        "complete" | "stop" => {
                            shared_now.ids.remove(&id);
                        }
                        _ => {}
                    }
                }
                return Some((bytes, (incoming, heard, shared)));
            }
        },
    )
}

/// Checks `connection_init`'s token (or the upgrade's), and opens the
/// session: the tenant and its subscription budget (`grant`), and the data
/// its subscriptions resolve with (the tenant; each has loaders of its own).
async fn init(
    state: &AppState,
    payload: serde_json::Value,
    header_token: Option<String>,
    shared: &SharedState,
    grant: &Grant,
) -> async_graphql::Result<Data> {
    let refuse = |code: u16, reason: &str| {
        lock(shared).close = Some((code, reason.to_owned()));
        Err(async_graphql::Error::new(reason))
    };
    let token = match payload_token(&payload) {
        Some(Ok(token)) => token,
        Some(Err(())) => {
            return refuse(
                close::FORBIDDEN,
                "Forbidden: Authorization must be \"Bearer <token>\"",
            );
        }
        None => match header_token {
            Some(token) => token,
            None => {
                return refuse(
                    close::UNAUTHORIZED,
                    "Unauthorized: send {\"Authorization\": \"Bearer <token>\"} in connection_init",
                );
            }
        },
    };
    match authenticate(state, Some(&token)).await {
        Ok(tenant) => {
            let (session, budget) = state.live.open_session(&token, tenant.organization_uuid);
            lock(shared).session = Some(session);
            let _ = grant.set((tenant, budget));
            let mut data = Data::default();
            data.insert(tenant);
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

/// async-graphql's close codes in graphql-transport-ws's words (never the
/// parser's own text).
fn translate(code: u16, reason: String) -> (u16, String) {
    match code {
        1011 => (
            close::UNAUTHORIZED,
            "Unauthorized: send connection_init and wait for connection_ack first".to_owned(),
        ),
        1002 => (close::BAD_REQUEST, "Invalid message received".to_owned()),
        _ => (code, reason),
    }
}

/// `reason` cut to what a close frame carries (RFC 6455 §5.5: 125 bytes of
/// payload, 2 of them the code), at a character boundary.
fn within_close_limit(mut reason: String) -> String {
    const MOST: usize = 123;
    if reason.len() > MOST {
        let mut end = MOST;
        while !reason.is_char_boundary(end) {
            end -= 1;
        }
        reason.truncate(end);
    }
    reason
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
/// when `aborted` fires, leaves the queue and sends that close frame
/// instead (after the frame in flight, which stays whole). Cancels `gone`
/// when the client cannot take them.
async fn write(
    mut sink: futures_util::stream::SplitSink<WebSocket, Message>,
    mut outgoing: mpsc::Receiver<Message>,
    mut aborted: oneshot::Receiver<(u16, String)>,
    send_timeout: Duration,
    gone: CancellationToken,
) {
    let close_with = |(code, reason): (u16, String)| {
        Message::Close(Some(CloseFrame {
            code,
            reason: reason.into(),
        }))
    };
    loop {
        let message = tokio::select! {
            biased;
            Ok(close) = &mut aborted => close_with(close),
            message = outgoing.recv() => match message {
                Some(message) => message,
                None => break,
            },
        };
        let last = matches!(message, Message::Close(_));
        let sent = tokio::select! {
            biased;
            Ok(close) = &mut aborted => {
                let _ = tokio::time::timeout(send_timeout, sink.send(close_with(close))).await;
                break;
            }
            sent = tokio::time::timeout(send_timeout, sink.send(message)) => sent,
        };
        match sent {
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
