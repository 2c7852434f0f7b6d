//! What a connection's loop and its frames share: the state the socket's
//! directions tell the loop (the session, the close due, the ids in use), a
//! protocol message's type and id read alone, and a close reason cut to fit
//! its frame.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use crate::live::Session;

/// What the connection's parts tell its loop: the session of an accepted
/// token, the close a refusal or a protocol breach calls for, and the
/// subscription ids in use.
#[derive(Default)]
pub(super) struct Shared {
    /// The session of an accepted token.
    pub(super) session: Option<Session>,
    /// The close code and reason the connection must end with.
    pub(super) close: Option<(u16, String)>,
    /// The ids of the operations running (graphql-transport-ws allows no
    /// second with the same id: 4409).
    pub(super) ids: HashSet<String>,
}

pub(super) type SharedState = Arc<Mutex<Shared>>;

pub(super) fn lock(shared: &SharedState) -> std::sync::MutexGuard<'_, Shared> {
    shared.lock().expect("BUG: WebSocket state lock poisoned")
}

/// The type and id of a protocol message, read without the rest.
#[derive(serde::Deserialize)]
pub(super) struct Peek {
    #[serde(rename = "type")]
    pub(super) kind: Option<String>,
    pub(super) id: Option<String>,
}

pub(super) fn peek(text: &[u8]) -> Option<Peek> {
    serde_json::from_slice(text).ok()
}

/// `reason` cut to what a close frame carries (RFC 6455 §5.5: 125 bytes of
/// payload, 2 of them the code), at a character boundary.
pub(super) fn within_close_limit(mut reason: String) -> String {
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
