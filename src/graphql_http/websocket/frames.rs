//! The socket's two directions: the client's frames, read for the protocol
//! ([`client_frames`]: any frame proves the client is there; an id in use
//! or a message over the size limit ends them with the close it calls
//! for), and the queued messages, written within the send timeout
//! ([`write`]).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures_util::{SinkExt, StreamExt};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::close;
use super::shared::{Peek, SharedState, lock, peek, within_close_limit};

/// The incoming frames the protocol reads: text and binary messages. Any
/// frame refreshes `heard`. A second operation with an id in use ends the
/// stream with 4409, a message over `max_message` bytes with 1009.
pub(super) fn client_frames<'a>(
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

/// Sends the queued messages to the socket, each within `send_timeout`;
/// when `aborted` fires, leaves the queue and sends that close frame
/// instead (after the frame in flight, which stays whole). Cancels `gone`
/// when the client cannot take them.
pub(super) async fn write(
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
