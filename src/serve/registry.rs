//! The open connections: the cap on their number, room made under it by
//! closing the connection that has waited longest for a request (nginx's
//! reusable connections), and the drain's first step.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::Notify;

use super::connection::Connection;

/// Every open connection, by id.
#[derive(Debug)]
pub(super) struct Registry {
    max_connections: usize,
    inner: Mutex<Inner>,
    /// A connection closed or became reusable: the accept loop, waiting at
    /// the cap, looks again.
    changed: Arc<Notify>,
}

#[derive(Debug, Default)]
struct Inner {
    next_id: u64,
    open: HashMap<u64, Entry>,
    /// Connections closed to make room, not gone yet: room is coming.
    evicting: usize,
}

#[derive(Debug)]
struct Entry {
    connection: Arc<Connection>,
    evicted: bool,
}

/// Whether one more connection may be accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Room {
    /// Under the cap.
    Free,
    /// At the cap, a reusable connection is closing: wait for it.
    Coming,
    /// At the cap, every connection has a request in flight (or a head or a
    /// response under way): wait for one to close or become reusable.
    Full,
}

/// Tries this many reusable connections, should they turn busy meanwhile.
const EVICTION_TRIES: usize = 3;

impl Registry {
    /// An empty registry letting `max_connections` be open at once.
    pub(super) fn new(max_connections: usize) -> Arc<Registry> {
        Arc::new(Registry {
            max_connections: max_connections.max(1),
            inner: Mutex::new(Inner::default()),
            changed: Arc::new(Notify::new()),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// What a connection notifies when it becomes reusable.
    pub(super) fn changed_notify(&self) -> Arc<Notify> {
        self.changed.clone()
    }

    /// Completes when a connection closed or became reusable since the last
    /// call (at once if one did).
    pub(super) async fn changed(&self) {
        self.changed.notified().await;
    }

    /// Counts `connection` in until the [`Registration`] is dropped.
    pub(super) fn register(self: &Arc<Self>, connection: Arc<Connection>) -> Registration {
        let mut inner = self.lock();
        let id = inner.next_id;
        inner.next_id += 1;
        inner.open.insert(
            id,
            Entry {
                connection,
                evicted: false,
            },
        );
        Registration {
            registry: self.clone(),
            id,
        }
    }

    /// Whether the listener may accept one more connection: while the count
    /// is at most the cap. The one accepted at the cap makes room for itself
    /// ([`Registry::evict_if_over`]): nothing is closed before a new client
    /// needs its place. Past the cap, closes the reusable connection that
    /// has waited longest for a request (see [`Registry::evict_oldest`]), so
    /// that room is coming.
    pub(super) fn make_room(&self) -> Room {
        let mut inner = self.lock();
        if inner.open.len() <= self.max_connections {
            Room::Free
        } else if inner.evicting > 0 || Self::evict_oldest_locked(&mut inner) {
            Room::Coming
        } else {
            Room::Full
        }
    }

    /// After an accept at the cap: closes the reusable connection that has
    /// waited longest for a request, the new one last (when every other is
    /// busy, the new client is the one turned away, as nginx does).
    pub(super) fn evict_if_over(&self) {
        let mut inner = self.lock();
        if inner.open.len().saturating_sub(inner.evicting) > self.max_connections {
            Self::evict_oldest_locked(&mut inner);
        }
    }

    /// Closes the reusable connection that has waited longest for a request,
    /// if there is one; returns whether it did. One at a time: the newest
    /// connections, just accepted and not read yet, are reusable too and
    /// must not go before the old ones. Scans every connection: it runs at
    /// the cap (or out of files) only.
    pub(super) fn evict_oldest(&self) -> bool {
        Self::evict_oldest_locked(&mut self.lock())
    }

    fn evict_oldest_locked(inner: &mut Inner) -> bool {
        let mut tried = [u64::MAX; EVICTION_TRIES];
        for attempt in 0..EVICTION_TRIES {
            let Some(oldest) = inner
                .open
                .iter()
                .filter(|(id, entry)| !entry.evicted && !tried.contains(id))
                .filter_map(|(id, entry)| Some((entry.connection.phase().reusable_since()?, *id)))
                .min()
                .map(|(_, id)| id)
            else {
                return false;
            };
            tried[attempt] = oldest;
            let entry = inner
                .open
                .get_mut(&oldest)
                .expect("BUG: the id was just found under the same lock");
            if entry.connection.evict() {
                entry.evicted = true;
                inner.evicting += 1;
                return true;
            }
        }
        false
    }

    /// Begins the drain: closes every connection that owes its client
    /// nothing (waiting for a request, or with a request head half-sent).
    /// Returns how many it closed and how many are left to finish.
    pub(super) fn drain(&self) -> (usize, usize) {
        let inner = self.lock();
        let closed = inner
            .open
            .values()
            .filter(|entry| entry.connection.close_if_owing_nothing())
            .count();
        (closed, inner.open.len() - closed)
    }

    /// Closes every connection, whatever it is doing (the drain deadline
    /// passed). Returns how many were open.
    pub(super) fn close_all(&self) -> usize {
        let inner = self.lock();
        for entry in inner.open.values() {
            entry.connection.close();
        }
        inner.open.len()
    }
}

/// One connection counted in its [`Registry`]; dropping it counts it out.
#[derive(Debug)]
pub(super) struct Registration {
    registry: Arc<Registry>,
    id: u64,
}

impl Registration {
    /// The connection's number, for logs.
    pub(super) fn id(&self) -> u64 {
        self.id
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        {
            let mut inner = self.registry.lock();
            if inner
                .open
                .remove(&self.id)
                .is_some_and(|entry| entry.evicted)
            {
                inner.evicting = inner.evicting.saturating_sub(1);
            }
        }
        self.registry.changed.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::super::connection::Timeouts;
    use super::*;

    fn connection(registry: &Registry) -> Arc<Connection> {
        Arc::new(Connection::new(
            Timeouts {
                header_read: Duration::from_secs(10),
                keep_alive: Duration::from_secs(60),
            },
            registry.changed_notify(),
        ))
    }

    #[tokio::test(start_paused = true)]
    async fn at_the_cap_a_new_client_makes_room_by_closing_the_longest_waiting() {
        let registry = Registry::new(3);
        let busy = connection(&registry);
        let _busy = registry.register(busy.clone());
        busy.request_started();
        tokio::time::advance(Duration::from_secs(1)).await;
        let older = connection(&registry);
        let older_registration = registry.register(older.clone());
        tokio::time::advance(Duration::from_secs(1)).await;
        let newer = connection(&registry);
        let _newer = registry.register(newer.clone());

        // At the cap nothing is closed until a new client arrives.
        assert_eq!(registry.make_room(), Room::Free);
        assert!(!older.is_closing() && !newer.is_closing() && !busy.is_closing());
        tokio::time::advance(Duration::from_secs(1)).await;
        let arriving = connection(&registry);
        let _arriving = registry.register(arriving.clone());
        registry.evict_if_over();
        assert!(older.is_closing());
        assert!(!newer.is_closing() && !busy.is_closing() && !arriving.is_closing());
        // Until the evicted one is gone, nothing more is accepted or evicted.
        assert_eq!(registry.make_room(), Room::Coming);
        assert!(!newer.is_closing());
        drop(older_registration);
        assert_eq!(registry.make_room(), Room::Free);
    }

    #[tokio::test(start_paused = true)]
    async fn with_no_reusable_connection_the_new_client_is_turned_away() {
        let registry = Registry::new(1);
        let head = connection(&registry);
        let _head = registry.register(head.clone());
        head.bytes_received();
        assert_eq!(registry.make_room(), Room::Free);
        let arriving = connection(&registry);
        let arriving_registration = registry.register(arriving.clone());
        registry.evict_if_over();
        assert!(arriving.is_closing());
        assert!(!head.is_closing());
        drop(arriving_registration);
        // Past the cap with nothing to close, accepting waits.
        let busy = connection(&registry);
        let _busy = registry.register(busy.clone());
        busy.request_started();
        assert_eq!(registry.make_room(), Room::Full);
        assert_eq!(registry.drain(), (1, 1));
        assert!(head.is_closing());
    }
}
