//! Live updates: what a committed write tells the subscribers of its
//! organization, on this instance and on every other instance serving the
//! same database.
//!
//! A write's resolver [`Live::publish`]es its [`Change`]s once its
//! transaction has committed. On PostgreSQL they travel as `NOTIFY`
//! payloads on one channel ([`relay::CHANNEL`]; ids only), which every
//! instance `LISTEN`s to, the publishing one included; on SQLite (one
//! process) through an in-process queue. Each instance then reads the rows
//! a change names once ([`relay`]) and broadcasts the [`Event`] to its
//! subscriptions, each of which keeps its own place in a bounded backlog
//! ([`EVENT_BACKLOG`]): a subscription that falls behind it is ended with
//! an error, and never slows a write or another subscriber.
//!
//! - [`event`]: [`Change`] (what is published) and [`Event`] (what is delivered).
//! - [`relay`]: publishing, the PostgreSQL listener, reading the rows.
//! - [`sessions`]: the WebSocket connections' tokens, their revocation,
//!   and the subscription limits per connection and per token.

pub mod event;
pub mod relay;
pub mod sessions;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use sea_orm::DatabaseConnection;
use tokio::sync::{Semaphore, broadcast};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::config::LiveConfig;
use crate::metrics::Metrics;
pub use event::{Change, Event};
pub use sessions::{Admission, Budget, Session};

/// Events an instance keeps for its slowest subscription: one that falls
/// further behind is ended with an error.
pub const EVENT_BACKLOG: usize = 1_024;

/// The live-update hub of one instance; cheap to clone.
#[derive(Clone)]
pub struct Live(Arc<Inner>);

struct Inner {
    db: DatabaseConnection,
    metrics: Arc<Metrics>,
    settings: LiveConfig,
    events: broadcast::Sender<Arc<Event>>,
    relay: relay::Publisher,
    sessions: sessions::Sessions,
    /// One permit per open WebSocket connection.
    connections: Arc<Semaphore>,
    /// Organization → subscriptions open on this instance.
    subscribers: Mutex<HashMap<Uuid, usize>>,
    /// Cancelled when the server shuts down: every connection closes.
    closing: CancellationToken,
    /// Whether changes reach this instance now: on PostgreSQL, while its
    /// listening connection is up; on SQLite, always.
    listening: std::sync::atomic::AtomicBool,
}

impl Live {
    /// The hub over `db`, with its background tasks (the listener or the
    /// in-process queue, the row reader, the token sweep) started on the
    /// current runtime. They end when [`Live::close_all`] is called or the
    /// runtime ends.
    pub fn start(db: DatabaseConnection, metrics: Arc<Metrics>, settings: LiveConfig) -> Live {
        let (publisher, incoming) = relay::Publisher::new(&db);
        let live = Live::with(db, metrics, settings, publisher);
        live.set_listening(!incoming.listens());
        if tokio::runtime::Handle::try_current().is_ok() {
            relay::spawn(live.clone(), incoming);
            sessions::spawn_sweep(live.clone());
        }
        live
    }

    /// A hub that delivers nothing, for a schema built without a database
    /// (its unit tests).
    pub fn detached() -> Live {
        let (publisher, _) = relay::Publisher::with_listener(None);
        Live::with(
            DatabaseConnection::default(),
            Arc::new(Metrics::default()),
            LiveConfig::default(),
            publisher,
        )
    }

    fn with(
        db: DatabaseConnection,
        metrics: Arc<Metrics>,
        settings: LiveConfig,
        publisher: relay::Publisher,
    ) -> Live {
        let (events, _) = broadcast::channel(EVENT_BACKLOG);
        let closing = CancellationToken::new();
        Live(Arc::new(Inner {
            connections: Arc::new(Semaphore::new(settings.websocket_max_connections as usize)),
            db,
            metrics,
            settings,
            events,
            relay: publisher,
            sessions: sessions::Sessions::default(),
            subscribers: Mutex::default(),
            closing,
            listening: std::sync::atomic::AtomicBool::new(false),
        }))
    }

    /// Whether changes reach this instance now (on PostgreSQL, while its
    /// listening connection is up); `/metrics` shows it as
    /// `live_changes_listening`.
    pub fn is_listening(&self) -> bool {
        self.0.listening.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn set_listening(&self, listening: bool) {
        self.0
            .listening
            .store(listening, std::sync::atomic::Ordering::Relaxed);
    }

    /// Tells every instance's subscribers of `changes`, made by a write
    /// that has committed. Never fails the write: a change that cannot be
    /// sent is counted and logged, and subscribers hear of the gap.
    pub async fn publish(&self, changes: Vec<Change>) {
        if !changes.is_empty() {
            relay::publish(self, changes).await;
        }
    }

    /// A new receiver of this instance's events, from now on.
    pub fn events(&self) -> broadcast::Receiver<Arc<Event>> {
        self.0.events.subscribe()
    }

    /// The limits in force.
    pub fn settings(&self) -> &LiveConfig {
        &self.0.settings
    }

    /// A place for one more WebSocket connection, or `None` at the cap.
    pub fn admit_connection(&self) -> Option<tokio::sync::OwnedSemaphorePermit> {
        self.0.connections.clone().try_acquire_owned().ok()
    }

    /// WebSocket connections open now.
    pub fn open_connections(&self) -> usize {
        self.0.settings.websocket_max_connections as usize - self.0.connections.available_permits()
    }

    /// Subscriptions open now on this instance.
    pub fn open_subscriptions(&self) -> usize {
        self.subscribers().values().sum()
    }

    /// Whether some subscription of `organization` is open here.
    pub fn has_subscribers(&self, organization: Uuid) -> bool {
        self.subscribers().contains_key(&organization)
    }

    /// Completes when the server begins to shut down.
    pub fn closing(&self) -> tokio_util::sync::WaitForCancellationFuture<'_> {
        self.0.closing.cancelled()
    }

    /// Closes every WebSocket connection (1001, going away) and ends the
    /// background tasks: the server is shutting down.
    pub fn close_all(&self) {
        self.0.closing.cancel();
    }

    /// Waits until every WebSocket connection has closed (their close
    /// frames sent), at most `deadline`.
    pub async fn wait_closed(&self, deadline: std::time::Duration) {
        let until = tokio::time::Instant::now() + deadline;
        while self.open_connections() > 0 && tokio::time::Instant::now() < until {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    }

    fn subscribers(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, usize>> {
        self.0
            .subscribers
            .lock()
            .expect("BUG: subscriber count lock poisoned")
    }

    fn db(&self) -> &DatabaseConnection {
        &self.0.db
    }

    /// The counters events are counted in.
    pub fn metrics(&self) -> &Metrics {
        &self.0.metrics
    }
}
