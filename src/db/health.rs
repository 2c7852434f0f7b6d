//! [`DatabaseHealth`]: the watch over one pool.
//!
//! - **The circuit.** When a request finds the database out of reach (no
//!   connection within the acquire timeout), the circuit opens: data requests
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

/// The circuit and the checking flag of one pool; shared by the pool's
/// checkout hook, the request guard and `/readyz`.
#[derive(Debug)]
pub struct DatabaseHealth {
    /// True while the database is known to be out of reach.
    open: AtomicBool,
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
    /// A closed circuit whose probe waits at most `probe_timeout` (the
    /// pool's acquire timeout) for the database.
    pub fn new(probe_timeout: Duration) -> Arc<DatabaseHealth> {
        Arc::new(DatabaseHealth {
            open: AtomicBool::new(false),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lost_connection_turns_checking_on_for_a_while() {
        let health = DatabaseHealth::new(Duration::from_millis(10));
        assert!(!health.checking());
        health.check_connections();
        assert!(health.checking());
        assert!(!health.is_open());
    }
}
