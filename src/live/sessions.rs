//! The WebSocket connections that have presented a token: the limits on
//! their subscriptions ([`Budget`], [`Admission`]) and the sweep that closes
//! those whose token was revoked (checked every [`SWEEP`], so a revoked
//! token's subscriptions close within 5 s, whichever process revoked it).

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::Live;
use crate::store::tokens;

/// How often the tokens of open connections are checked against the database.
pub const SWEEP: Duration = Duration::from_secs(2);

/// The open sessions and the subscription slots of each token.
#[derive(Default)]
pub(super) struct Sessions {
    next_id: AtomicU64,
    open: Mutex<HashMap<u64, Entry>>,
    /// Token hash → its subscription slots, shared by its connections.
    token_slots: Mutex<HashMap<String, Weak<Semaphore>>>,
}

struct Entry {
    token_hash: String,
    revoked: CancellationToken,
}

/// One WebSocket connection whose token was accepted; leaves the registry
/// when dropped.
pub struct Session {
    id: u64,
    live: Live,
    revoked: CancellationToken,
}

impl Session {
    /// Cancelled when the session's token is found revoked.
    pub fn revoked(&self) -> CancellationToken {
        self.revoked.clone()
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.live.sessions().remove(self.id);
    }
}

/// The subscription slots of one connection: its own, and its token's.
#[derive(Clone)]
pub struct Budget {
    live: Live,
    organization: Uuid,
    connection: Arc<Semaphore>,
    token: Arc<Semaphore>,
}

/// One open subscription's place in its connection's and token's limits
/// and in its organization's count; given back when dropped.
pub struct Admission {
    live: Live,
    organization: Uuid,
    _connection: OwnedSemaphorePermit,
    _token: OwnedSemaphorePermit,
}

/// Why a subscription was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The connection holds its most subscriptions.
    PerConnection(u32),
    /// The token holds its most subscriptions on this instance.
    PerToken(u32),
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::PerConnection(most) => write!(
                f,
                "this connection already holds {most} subscriptions, the most one connection may hold; complete one first"
            ),
            Refusal::PerToken(most) => write!(
                f,
                "this token already holds {most} subscriptions, the most one token may hold; complete one first"
            ),
        }
    }
}

impl Budget {
    /// A place for one more subscription, or why there is none.
    pub fn admit(&self) -> Result<Admission, Refusal> {
        let settings = self.live.settings();
        let connection = self
            .connection
            .clone()
            .try_acquire_owned()
            .map_err(|_| Refusal::PerConnection(settings.subscriptions_per_connection))?;
        let token = self
            .token
            .clone()
            .try_acquire_owned()
            .map_err(|_| Refusal::PerToken(settings.subscriptions_per_token))?;
        *self
            .live
            .subscribers()
            .entry(self.organization)
            .or_default() += 1;
        Ok(Admission {
            live: self.live.clone(),
            organization: self.organization,
            _connection: connection,
            _token: token,
        })
    }
}

impl Drop for Admission {
    fn drop(&mut self) {
        let mut subscribers = self.live.subscribers();
        if let Some(count) = subscribers.get_mut(&self.organization) {
            *count -= 1;
            if *count == 0 {
                subscribers.remove(&self.organization);
            }
        }
    }
}

impl Sessions {
    fn remove(&self, id: u64) {
        self.open
            .lock()
            .expect("BUG: session lock poisoned")
            .remove(&id);
    }
}

impl Live {
    fn sessions(&self) -> &Sessions {
        &self.0.sessions
    }

    /// Registers a connection that presented `token` (granting
    /// `organization`): its session, watched for revocation, and its
    /// subscription budget.
    pub fn open_session(&self, token: &str, organization: Uuid) -> (Session, Budget) {
        let sessions = self.sessions();
        let token_hash = tokens::hash(token);
        let id = sessions.next_id.fetch_add(1, Ordering::Relaxed);
        let revoked = CancellationToken::new();
        sessions
            .open
            .lock()
            .expect("BUG: session lock poisoned")
            .insert(
                id,
                Entry {
                    token_hash: token_hash.clone(),
                    revoked: revoked.clone(),
                },
            );
        let token_slots = {
            let mut slots = sessions
                .token_slots
                .lock()
                .expect("BUG: token slot lock poisoned");
            slots.retain(|_, slots| slots.strong_count() > 0);
            match slots.get(&token_hash).and_then(Weak::upgrade) {
                Some(existing) => existing,
                None => {
                    let fresh = Arc::new(Semaphore::new(
                        self.settings().subscriptions_per_token as usize,
                    ));
                    slots.insert(token_hash, Arc::downgrade(&fresh));
                    fresh
                }
            }
        };
        let session = Session {
            id,
            live: self.clone(),
            revoked,
        };
        let budget = Budget {
            live: self.clone(),
            organization,
            connection: Arc::new(Semaphore::new(
                self.settings().subscriptions_per_connection as usize,
            )),
            token: token_slots,
        };
        (session, budget)
    }

    /// Closes the sessions whose token is no longer valid. A failed check
    /// closes nothing (the database may be briefly away).
    async fn sweep(&self) {
        let hashes: Vec<String> = {
            let open = self
                .sessions()
                .open
                .lock()
                .expect("BUG: session lock poisoned");
            let distinct: HashSet<&String> = open.values().map(|entry| &entry.token_hash).collect();
            distinct.into_iter().cloned().collect()
        };
        if hashes.is_empty() {
            return;
        }
        let valid = match tokens::still_valid(self.db(), &hashes).await {
            Ok(valid) => valid,
            Err(error) => {
                tracing::warn!(%error, "cannot check the tokens of open subscriptions");
                return;
            }
        };
        let open = self
            .sessions()
            .open
            .lock()
            .expect("BUG: session lock poisoned");
        for entry in open.values() {
            if !valid.contains(&entry.token_hash) && !entry.revoked.is_cancelled() {
                tracing::info!("a token was revoked: closing its subscriptions");
                entry.revoked.cancel();
            }
        }
    }
}

/// Sweeps every [`SWEEP`] until the hub closes.
pub(super) fn spawn_sweep(live: Live) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(SWEEP);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = live.closing() => return,
                _ = every.tick() => live.sweep().await,
            }
        }
    });
}
