//! [`DatabaseHealth`]: the watch over one pool.
//!
//! - **The circuit.** When a request gets no connection within the acquire
//!   timeout and a connection of its own, outside the pool, cannot reach
//!   the database either ([`DatabaseHealth::suspect`]: a busy pool or a
//!   server out of slots is load, not an outage), the circuit opens: data requests
//!   answer 503 `SERVICE_UNAVAILABLE` with `Retry-After` at once instead of
//!   each waiting out the timeout, and `/readyz` answers 503 at once. A probe
//!   in the background tries `SELECT 1` every [`PROBE_EVERY`]; its first
//!   success closes the circuit, so service resumes within about half a
//!   second of the database's return, without a restart.
//! - **Checking connections.** A connection found broken under a statement
//!   (a restart, a failover, a proxy that dropped it) says its siblings in the
//!   pool may be broken too: for [`CHECK_FOR`] afterwards, and while the
//!   circuit is open, every checkout pings its connection first, and a dead
//!   one is replaced by a fresh one before anything runs on it. Otherwise only
//!   connections idle for 30 s are pinged (see [`crate::db`]), which saves a
//!   round trip per statement.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use sea_orm::DatabaseConnection;

/// How often the probe tries the database while the circuit is open.
pub const PROBE_EVERY: Duration = Duration::from_millis(200);
/// How long after a lost connection (or the circuit's closing) every
/// checkout is pinged first.
pub const CHECK_FOR: Duration = Duration::from_secs(10);

/// How long a confirmation that the database is reachable stands before a
/// request that found no connection asks again.
const CONFIRMED_FOR: Duration = Duration::from_secs(1);

/// The circuit and the checking flag of one pool; shared by the pool's
/// checkout hook, the request guard and `/readyz`.
#[derive(Debug)]
pub struct DatabaseHealth {
    /// The pool's database, to open a connection of its own to.
    url: String,
    /// True while the database is known to be out of reach.
    open: AtomicBool,
    /// True while a connection of its own is being opened to confirm an
    /// outage ([`DatabaseHealth::suspect`]).
    confirming: AtomicBool,
    /// When (milliseconds after `epoch`) the database last took a new
    /// connection of ours.
    reachable_at_ms: AtomicU64,
    /// Until when (milliseconds after `epoch`) every checkout is pinged.
    check_until_ms: AtomicU64,
    /// The origin of `check_until_ms`.
    epoch: Instant,
    /// The longest a probe waits for the database.
    probe_timeout: Duration,
    /// How many times the circuit opened (for `/metrics`).
    trips: AtomicU64,
}

impl DatabaseHealth {
    /// A closed circuit over the database at `url`, whose probe waits at
    /// most `probe_timeout` (the pool's acquire timeout) for it.
    pub fn new(url: &str, probe_timeout: Duration) -> Arc<DatabaseHealth> {
        Arc::new(DatabaseHealth {
            url: url.to_owned(),
            open: AtomicBool::new(false),
            confirming: AtomicBool::new(false),
            reachable_at_ms: AtomicU64::new(0),
            check_until_ms: AtomicU64::new(0),
            epoch: Instant::now(),
            probe_timeout,
            trips: AtomicU64::new(0),
        })
    }

    /// True while the circuit is open: the database was found out of reach
    /// and the probe has not seen it back.
    pub fn is_open(&self) -> bool {
        self.open.load(Ordering::Acquire)
    }

    /// How many times the circuit has opened since start.
    pub fn trips(&self) -> u64 {
        self.trips.load(Ordering::Relaxed)
    }

    /// True when a checkout should ping its connection first.
    pub fn checking(&self) -> bool {
        self.is_open() || self.elapsed_ms() < self.check_until_ms.load(Ordering::Relaxed)
    }

    /// Pings every checkout for the next [`CHECK_FOR`]: a connection was
    /// found lost, and its siblings may be too.
    pub fn check_connections(&self) {
        let until = self.elapsed_ms() + CHECK_FOR.as_millis() as u64;
        self.check_until_ms.fetch_max(until, Ordering::Relaxed);
    }

    /// A request found no connection in time: the pool could not open one,
    /// or every connection was busy. Opens a connection of its own, outside
    /// the pool, to tell which: the database takes it (the pool was busy:
    /// load, not an outage), refuses it for want of a slot (SQLSTATE 53300
    /// or 57P03: capacity, not an outage), or cannot be reached within the
    /// probe timeout, which opens the circuit ([`DatabaseHealth::trip`]). One
    /// confirmation at a time, and none for a second after the database was
    /// last reached.
    pub fn suspect(self: &Arc<Self>, db: &DatabaseConnection) {
        let recently = self.reachable_at_ms.load(Ordering::Relaxed);
        if self.is_open()
            || (recently > 0 && self.elapsed_ms() < recently + CONFIRMED_FOR.as_millis() as u64)
            || self.confirming.swap(true, Ordering::AcqRel)
        {
            return;
        }
        let health = self.clone();
        let db = db.clone();
        tokio::spawn(async move {
            let reached =
                tokio::time::timeout(health.probe_timeout, connect_once(&health.url)).await;
            health.confirming.store(false, Ordering::Release);
            match reached {
                Ok(Ok(())) => health.reached(),
                Ok(Err(error)) if is_out_of_slots(&error) => {
                    health.reached();
                    tracing::warn!(%error, "the database has no connection slot for the pool to grow");
                }
                _ => health.trip(&db),
            }
        });
    }

    fn reached(&self) {
        self.reachable_at_ms
            .store(self.elapsed_ms().max(1), Ordering::Relaxed);
    }

    /// Opens the circuit, unless it is open already, and starts the probe
    /// that closes it once `db` answers again.
    pub fn trip(self: &Arc<Self>, db: &DatabaseConnection) {
        if self.open.swap(true, Ordering::AcqRel) {
            return;
        }
        self.trips.fetch_add(1, Ordering::Relaxed);
        tracing::warn!(
            probe_every_ms = PROBE_EVERY.as_millis() as u64,
            "the database is out of reach: answering 503 until a probe reaches it"
        );
        let health = self.clone();
        let db = db.clone();
        tokio::spawn(async move {
            let started = Instant::now();
            loop {
                tokio::time::sleep(PROBE_EVERY).await;
                let answered = tokio::time::timeout(health.probe_timeout, super::ping(&db)).await;
                if answered == Ok(true) {
                    health.check_connections();
                    health.open.store(false, Ordering::Release);
                    tracing::info!(
                        after_ms = started.elapsed().as_millis() as u64,
                        "the database answers again: serving"
                    );
                    return;
                }
            }
        });
    }

    fn elapsed_ms(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64
    }
}

/// Opens one connection to `url`, outside any pool, and closes it.
async fn connect_once(url: &str) -> Result<(), sea_orm::sqlx::Error> {
    use sea_orm::sqlx::Connection;
    use sea_orm::sqlx::postgres::PgConnection;
    use sea_orm::sqlx::sqlite::SqliteConnection;
    if url.starts_with("sqlite:") {
        SqliteConnection::connect(url).await?.close().await
    } else {
        PgConnection::connect(url).await?.close().await
    }
}

/// PostgreSQL refused a connection for want of a slot (53300, too many
/// connections) or because it is starting up (57P03): it is there.
fn is_out_of_slots(error: &sea_orm::sqlx::Error) -> bool {
    matches!(error, sea_orm::sqlx::Error::Database(error)
        if matches!(error.code().as_deref(), Some("53300" | "57P03")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lost_connection_turns_checking_on_for_a_while() {
        let health = DatabaseHealth::new("sqlite::memory:", Duration::from_millis(10));
        assert!(!health.checking());
        health.check_connections();
        assert!(health.checking());
        assert!(!health.is_open());
    }
}
