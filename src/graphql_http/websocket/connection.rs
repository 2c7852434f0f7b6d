//! One WebSocket connection's loop: the protocol stream (async-graphql's)
//! between the client's frames and the outgoing queue, the token checked at
//! `connection_init`, pings, the init timeout, revocation and shutdown, and
//! the close the connection ends with.

use std::sync::{Arc, Mutex};

use async_graphql::Data;
use async_graphql::http::{WebSocket as ProtocolStream, WebSocketProtocols, WsMessage};
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures_util::StreamExt;
use tokio::sync::{OwnedSemaphorePermit, mpsc, oneshot};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::close;
use super::frames::{client_frames, write};
use super::operations::{Gateway, Grant};
use super::shared::{SharedState, lock, peek, within_close_limit};
use crate::auth::authenticate;
use crate::error::AppError;
use crate::live::Session;
use crate::state::AppState;

/// Serves one upgraded connection until it closes.
pub(super) async fn serve(
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
