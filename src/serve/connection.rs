//! One client connection: what it is doing ([`Phase`]) and the deadline
//! that phase gives it; the task that serves it is [`super::task`].
//!
//! hyper knows when it waits for a request head but not whether the wait is
//! a keep-alive pause or a half-sent head (its own `header_read_timeout`
//! times both alike), so the phase is read off two wrappers
//! ([`super::tracking`]): the IO tells when bytes arrive or a write is
//! stuck, the service when a request starts and when its response body is
//! done with.
//!
//! One approximation: bytes of a pipelined request that arrive while the
//! request before it is in flight start no head (they cannot be told from
//! that request's body); such a head, if left unfinished, is timed by the
//! keep-alive timeout from the end of the response before it.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

/// The two timeouts every connection is held to (see [`super::ServeOptions`]).
#[derive(Debug, Clone, Copy)]
pub(super) struct Timeouts {
    /// From the first byte of a request head (from the accept, for a
    /// connection's first request) to its end.
    pub header_read: Duration,
    /// Idle between requests, or with a response the client does not read.
    pub keep_alive: Duration,
}

/// What a connection is doing, and since when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Phase {
    /// Accepted, nothing received yet.
    Fresh { since: Instant },
    /// Part of a request head received (`since` is the accept for the
    /// connection's first request, else the first byte of the head).
    Head { since: Instant },
    /// At least one request in flight: from its head to the end of its
    /// response body. No connection timeout: the request timeout governs.
    Busy,
    /// No request in flight, but the client has not read the whole response
    /// (a write is stuck since `since`).
    Unsent { since: Instant },
    /// Between two requests (keep-alive), since the end of the last response.
    Idle { since: Instant },
}

impl Phase {
    /// When a connection in this phase is closed, if nothing changes.
    pub(super) fn deadline(self, timeouts: Timeouts) -> Option<Instant> {
        match self {
            Phase::Fresh { since } | Phase::Head { since } => Some(since + timeouts.header_read),
            Phase::Unsent { since } | Phase::Idle { since } => Some(since + timeouts.keep_alive),
            Phase::Busy => None,
        }
    }

    /// Whether the connection may be closed to make room under the cap
    /// (nginx's "reusable" connections: waiting for a request, none begun).
    pub(super) fn is_reusable(self) -> bool {
        matches!(self, Phase::Fresh { .. } | Phase::Idle { .. })
    }

    /// Since when a reusable connection has waited for a request.
    pub(super) fn reusable_since(self) -> Option<Instant> {
        match self {
            Phase::Fresh { since } | Phase::Idle { since } => Some(since),
            _ => None,
        }
    }

    /// Whether the drain closes it at once: nothing is owed to the client
    /// (no request in flight, no response left to send).
    fn owes_nothing(self) -> bool {
        matches!(
            self,
            Phase::Fresh { .. } | Phase::Head { .. } | Phase::Idle { .. }
        )
    }
}

/// What the wrappers report, kept under one lock.
#[derive(Debug)]
struct State {
    /// Requests whose response body is not finished yet.
    requests: usize,
    /// Whether a request was ever started on this connection.
    served: bool,
    /// When the last response body finished.
    idle_since: Instant,
    /// When the current request head began, if one has.
    head_since: Option<Instant>,
    /// When a write last got stuck (the client stopped reading), if it is.
    stuck_since: Option<Instant>,
    /// The server decided to close it (evicted at the cap, or drained).
    closing: bool,
}

/// The shared record of one connection: its wrappers write it, its task,
/// the registry and the drain read it.
#[derive(Debug)]
pub(super) struct Connection {
    /// When it was accepted: the start of its first header-read timeout.
    pub(super) accepted_at: Instant,
    /// The deadlines of its phases.
    pub(super) timeouts: Timeouts,
    state: Mutex<State>,
    /// Wakes this connection's task: its deadline came nearer, or it is to close.
    pub(super) wake: Notify,
    /// Wakes the accept loop (which may wait at the cap) when this connection
    /// becomes reusable.
    reusable: Arc<Notify>,
}

impl Connection {
    /// A connection accepted now.
    pub(super) fn new(timeouts: Timeouts, reusable: Arc<Notify>) -> Connection {
        let now = Instant::now();
        Connection {
            accepted_at: now,
            timeouts,
            state: Mutex::new(State {
                requests: 0,
                served: false,
                idle_since: now,
                head_since: None,
                stuck_since: None,
                closing: false,
            }),
            wake: Notify::new(),
            reusable,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding this lock leaves plain numbers behind: go on.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn phase_of(&self, state: &State) -> Phase {
        if state.requests > 0 {
            Phase::Busy
        } else if let Some(since) = state.stuck_since {
            Phase::Unsent { since }
        } else if let Some(since) = state.head_since {
            Phase::Head { since }
        } else if !state.served {
            Phase::Fresh {
                since: self.accepted_at,
            }
        } else {
            Phase::Idle {
                since: state.idle_since,
            }
        }
    }

    /// What it is doing now.
    pub(super) fn phase(&self) -> Phase {
        self.phase_of(&self.lock())
    }

    /// Changes the state, then wakes whoever the change concerns: the task
    /// when the deadline came nearer, the accept loop when it became reusable.
    fn update(&self, change: impl FnOnce(&mut State)) {
        let (before, after) = {
            let mut state = self.lock();
            let before = self.phase_of(&state);
            change(&mut state);
            (before, self.phase_of(&state))
        };
        if before == after {
            return;
        }
        let nearer = match (
            before.deadline(self.timeouts),
            after.deadline(self.timeouts),
        ) {
            (_, None) => false,
            (None, Some(_)) => true,
            (Some(old), Some(new)) => new < old,
        };
        if nearer {
            self.wake.notify_one();
        }
        if after.is_reusable() && !before.is_reusable() {
            self.reusable.notify_one();
        }
    }

    /// Bytes arrived: with no request in flight, a request head has begun.
    pub(super) fn bytes_received(&self) {
        self.update(|state| {
            if state.requests == 0 && state.head_since.is_none() {
                state.head_since = Some(if state.served {
                    Instant::now()
                } else {
                    self.accepted_at
                });
            }
        });
    }

    /// A write returned `Pending` (`stuck`) or made progress.
    pub(super) fn write_stuck(&self, stuck: bool) {
        self.update(|state| match (stuck, state.stuck_since) {
            (true, None) => state.stuck_since = Some(Instant::now()),
            (false, Some(_)) => state.stuck_since = None,
            _ => {}
        });
    }

    /// hyper handed a request to the service.
    pub(super) fn request_started(&self) {
        self.update(|state| {
            state.requests += 1;
            state.served = true;
            state.head_since = None;
        });
    }

    /// A response body was finished with (sent, or dropped with the
    /// connection).
    pub(super) fn request_finished(&self) {
        self.update(|state| {
            state.requests = state.requests.saturating_sub(1);
            if state.requests == 0 {
                state.idle_since = Instant::now();
                state.head_since = None;
            }
        });
    }

    /// Marks it to be closed at once if `allowed` says so of its phase, and
    /// wakes its task. Returns whether it is closing now, and whether it
    /// was before.
    fn close_if(&self, allowed: impl FnOnce(Phase) -> bool) -> (bool, bool) {
        let (closing, before) = {
            let mut state = self.lock();
            let before = state.closing;
            state.closing = before || allowed(self.phase_of(&state));
            (state.closing, before)
        };
        if closing && !before {
            self.wake.notify_one();
        }
        (closing, before)
    }

    /// Closes it if it is reusable (see [`Phase::is_reusable`]) and not
    /// closing already: the cap needs room. Returns whether it did.
    pub(super) fn evict(&self) -> bool {
        matches!(self.close_if(Phase::is_reusable), (true, false))
    }

    /// Closes it if it owes the client nothing (the drain). Returns whether
    /// it is closing now.
    pub(super) fn close_if_owing_nothing(&self) -> bool {
        self.close_if(Phase::owes_nothing).0
    }

    /// Closes it whatever it is doing (the drain deadline passed).
    pub(super) fn close(&self) {
        self.close_if(|_| true);
    }

    /// Whether the server decided to close it.
    pub(super) fn is_closing(&self) -> bool {
        self.lock().closing
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn connection() -> Connection {
        Connection::new(
            Timeouts {
                header_read: Duration::from_secs(10),
                keep_alive: Duration::from_secs(60),
            },
            Arc::new(Notify::new()),
        )
    }

    #[tokio::test(start_paused = true)]
    async fn a_fresh_connection_has_the_header_timeout_from_its_accept() {
        let connection = connection();
        let accepted = connection.accepted_at;
        assert_eq!(connection.phase(), Phase::Fresh { since: accepted });
        tokio::time::advance(Duration::from_secs(3)).await;
        connection.bytes_received();
        assert_eq!(connection.phase(), Phase::Head { since: accepted });
        assert_eq!(
            connection.phase().deadline(connection.timeouts),
            Some(accepted + Duration::from_secs(10))
        );
    }

    #[tokio::test(start_paused = true)]
    async fn keep_alive_waits_get_the_idle_timeout_and_a_new_head_the_header_timeout() {
        let connection = connection();
        connection.request_started();
        assert_eq!(connection.phase(), Phase::Busy);
        // Body bytes of the request in flight start no head.
        connection.bytes_received();
        assert_eq!(connection.phase(), Phase::Busy);
        connection.request_finished();
        let idle = Instant::now();
        assert_eq!(connection.phase(), Phase::Idle { since: idle });
        assert_eq!(
            connection.phase().deadline(connection.timeouts),
            Some(idle + Duration::from_secs(60))
        );
        tokio::time::advance(Duration::from_secs(30)).await;
        connection.bytes_received();
        assert_eq!(
            connection.phase().deadline(connection.timeouts),
            Some(Instant::now() + Duration::from_secs(10))
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_response_the_client_does_not_read_is_owed_and_not_reusable() {
        let connection = connection();
        connection.request_started();
        connection.request_finished();
        connection.write_stuck(true);
        let phase = connection.phase();
        assert!(matches!(phase, Phase::Unsent { .. }));
        assert!(!phase.is_reusable());
        assert!(!connection.close_if_owing_nothing());
        connection.write_stuck(false);
        assert!(connection.phase().is_reusable());
        assert!(connection.evict());
        assert!(connection.is_closing());
    }

    #[tokio::test(start_paused = true)]
    async fn a_half_sent_head_is_closed_by_the_drain_but_not_evicted() {
        let connection = connection();
        connection.bytes_received();
        assert!(!connection.evict());
        assert!(connection.close_if_owing_nothing());
    }
}
