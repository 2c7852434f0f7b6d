//! Connecting to the database: SQLite by default (a file, WAL, busy timeout,
//! foreign keys on, a real pool) or PostgreSQL by URL. Pending migrations are
//! applied by [`connect_and_migrate`], on a pool of their own without a
//! statement deadline.
//!
//! - [`open`]: the serving pool, sized ([`PoolSettings`]) so that PostgreSQL
//!   keeps slots for other clients, with its statements cancelled by the
//!   server at the request deadline, watched by a [`DatabaseHealth`].
//! - [`health`]: the circuit that fails requests fast while the database is
//!   out of reach, and checks connections after one was found lost.

pub mod health;

pub use health::DatabaseHealth;

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use futures_util::future::BoxFuture;
use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::Connection as _;
use sea_orm::sqlx::Error as SqlxError;
use sea_orm::sqlx::pool::PoolConnectionMetadata;
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, ConnectionTrait, DatabaseConnection, Statement};

use crate::config::{ServerConfig, redact_database_url};
use crate::metrics::Metrics;

/// Connections kept by the SQLite pool: WAL lets readers run beside the one writer.
const SQLITE_POOL_SIZE: u32 = 8;
/// The most connections the PostgreSQL pool opens when not told.
const POSTGRES_POOL_CEILING: u32 = 16;
/// A pooled connection idle for this long is pinged before it is handed out
/// (a proxy, a firewall or a server restart may have dropped it). Busy
/// connections are not: a ping on every checkout is one more round trip per
/// statement, and doubled the round trips of every request. After a lost
/// connection every checkout is pinged for a while ([`health`]).
const PING_WHEN_IDLE_FOR: Duration = Duration::from_secs(30);
/// What the server's connections call themselves (`application_name`), so
/// an operator finds them in `pg_stat_activity`.
pub const APPLICATION_NAME: &str = "customer-graph";

/// How a pool is sized and bounded.
#[derive(Debug, Clone)]
pub struct PoolSettings {
    /// Most connections; `None` picks the default (see
    /// [`crate::config::ServerConfig::db_max_connections`]).
    pub max_connections: Option<u32>,
    /// Longest wait for a connection (opening one included), and SQLite's
    /// busy timeout.
    pub acquire_timeout: Duration,
    /// PostgreSQL cancels any statement that runs longer
    /// (`statement_timeout`), and one that waits for a lock longer than the
    /// acquire timeout (`lock_timeout`); `None` lets statements run and wait
    /// (migrations, the CLI).
    pub statement_timeout: Option<Duration>,
}

impl PoolSettings {
    /// The serving pool's settings: sized and bounded by `config`, every
    /// statement cancelled by the server at the request deadline.
    pub fn serving(config: &ServerConfig) -> PoolSettings {
        PoolSettings {
            max_connections: config.db_max_connections,
            acquire_timeout: config.db_acquire_timeout(),
            statement_timeout: Some(config.request_timeout()),
        }
    }
}

impl Default for PoolSettings {
    /// The command line's pool: patient, no statement deadline.
    fn default() -> Self {
        PoolSettings {
            max_connections: None,
            acquire_timeout: Duration::from_secs(10),
            statement_timeout: None,
        }
    }
}

/// A pool and the watch over it: the circuit that fails requests fast while
/// the database is out of reach, and the flag that makes every checkout
/// check its connection after one was found lost.
#[derive(Clone)]
pub struct Pool {
    /// The pool.
    pub connection: DatabaseConnection,
    /// The watch over it.
    pub health: Arc<DatabaseHealth>,
    /// The most connections the pool opens.
    pub max_connections: u32,
}

/// Which database a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An embedded SQLite file.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

impl Backend {
    /// Reads the backend off a URL's scheme.
    pub fn from_url(url: &str) -> anyhow::Result<Backend> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            bail!(
                "unsupported database URL `{}`: use sqlite://FILE?mode=rwc or postgres://USER:PASSWORD@HOST/DB",
                redact_database_url(url)
            )
        }
    }
}

/// Opens a pool on `url` with the command line's [`PoolSettings`]. Every
/// statement sent through it is counted in `metrics`, when given.
pub async fn connect(
    url: &str,
    metrics: Option<Arc<Metrics>>,
) -> anyhow::Result<DatabaseConnection> {
    Ok(open(url, metrics, &PoolSettings::default())
        .await?
        .connection)
}

/// Opens a pool on `url` bounded by `settings`, watched by a
/// [`DatabaseHealth`]. Every statement sent through it is counted in
/// `metrics`, when given.
pub async fn open(
    url: &str,
    metrics: Option<Arc<Metrics>>,
    settings: &PoolSettings,
) -> anyhow::Result<Pool> {
    let backend = Backend::from_url(url)?;
    let cannot_open = || format!("cannot open the database at {}", redact_database_url(url));
    let max_connections = match (settings.max_connections, backend) {
        (Some(max), _) => max.max(1),
        (None, Backend::Sqlite) => SQLITE_POOL_SIZE,
        (None, Backend::Postgres) => postgres_pool_size(url).await.with_context(cannot_open)?,
    };
    let health = DatabaseHealth::new(url, settings.acquire_timeout);
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .sqlx_logging(false)
        .connect_timeout(settings.acquire_timeout)
        .acquire_timeout(settings.acquire_timeout)
        .max_connections(max_connections)
        .min_connections(1)
        .test_before_acquire(false);
    match backend {
        Backend::Sqlite => {
            options
                .map_sqlx_sqlite_before_acquire(check_before_use(health.clone()))
                .map_sqlx_sqlite_opts({
                    let busy_timeout = settings.acquire_timeout;
                    move |sqlite| {
                        sqlite
                            .journal_mode(SqliteJournalMode::Wal)
                            .synchronous(SqliteSynchronous::Normal)
                            // How long a writer waits for another's lock: the same
                            // bound as the wait for a connection.
                            .busy_timeout(busy_timeout)
                            .foreign_keys(true)
                            // 64 MiB of page cache per connection (the default is 2 MiB):
                            // index pages stay in memory under bulk loads and scans.
                            .pragma("cache_size", "-65536")
                    }
                });
        }
        Backend::Postgres => {
            options
                .set_application_name(APPLICATION_NAME)
                .map_sqlx_postgres_before_acquire(check_before_use(health.clone()));
            if let Some(timeout) = settings.statement_timeout {
                // A statement waits for a row or table lock at most as long
                // as for a connection (SQLite's busy timeout, the same bound),
                // so a locked table cannot hold the pool.
                let lock_timeout = settings.acquire_timeout.as_millis().to_string();
                options
                    .statement_timeout(timeout)
                    .map_sqlx_postgres_opts(move |postgres| {
                        postgres.options([("lock_timeout", lock_timeout.clone())])
                    });
            }
        }
    }
    let mut connection = sea_orm::Database::connect(options)
        .await
        .with_context(cannot_open)?;
    if let Some(metrics) = metrics {
        connection.set_metric_callback(move |info| {
            metrics.record_statement(info.failed);
            tracing::debug!(
                target: "customer_graph::sql",
                elapsed_us = info.elapsed.as_micros() as u64,
                failed = info.failed,
                sql = %info.statement.sql,
            );
        });
    }
    Ok(Pool {
        connection,
        health,
        max_connections,
    })
}

/// The pool's checkout hook: a connection idle for [`PING_WHEN_IDLE_FOR`],
/// or any connection while `health` says some may be lost, answers a ping
/// before it is handed out; one that does not is dropped and another taken
/// (a fresh one if need be).
fn check_before_use<C: sea_orm::sqlx::Connection>(
    health: Arc<DatabaseHealth>,
) -> impl for<'c> Fn(&'c mut C, PoolConnectionMetadata) -> BoxFuture<'c, Result<bool, SqlxError>>
+ Send
+ Sync
+ 'static {
    move |connection, meta| {
        // A connection back in the pool with a transaction still counted
        // open lost track of it (a COMMIT or ROLLBACK failed: SQLite rolls
        // back by itself on a full disk); its next "transaction" would be a
        // savepoint inside one that never ends. Closing it ends that one.
        if connection.is_in_transaction() {
            tracing::warn!("a pooled connection was left in a transaction: closing it");
            return Box::pin(async { Ok(false) });
        }
        let check = health.checking() || meta.idle_for >= PING_WHEN_IDLE_FOR;
        Box::pin(async move {
            if check {
                connection.ping().await?;
            }
            Ok(true)
        })
    }
}

/// The default size of a PostgreSQL pool: half of the connection slots the
/// server leaves to ordinary roles, between 2 and [`POSTGRES_POOL_CEILING`].
/// Read over one short-lived connection before the pool opens.
async fn postgres_pool_size(url: &str) -> anyhow::Result<u32> {
    use sea_orm::sqlx::{Row, postgres::PgConnection};
    let mut connection = PgConnection::connect(url).await?;
    let row = sea_orm::sqlx::query(
        "SELECT current_setting('max_connections')::int, \
                current_setting('superuser_reserved_connections')::int, \
                COALESCE(current_setting('reserved_connections', true)::int, 0)",
    )
    .fetch_one(&mut connection)
    .await?;
    connection.close().await?;
    let (max, superuser, reserved): (i32, i32, i32) =
        (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
    let size = pool_size_for(max, superuser + reserved);
    tracing::info!(
        max_connections = max,
        reserved = superuser + reserved,
        pool = size,
        "PostgreSQL pool sized to leave room for other clients"
    );
    Ok(size)
}

/// Half of `max_connections - reserved`, between 2 and the ceiling.
fn pool_size_for(max_connections: i32, reserved: i32) -> u32 {
    let ordinary = u32::try_from(max_connections - reserved).unwrap_or(0);
    (ordinary / 2).clamp(2, POSTGRES_POOL_CEILING)
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None)
        .await
        .context("cannot apply the database migrations")
}

/// [`connect`], then [`migrate`].
pub async fn connect_and_migrate(
    url: &str,
    metrics: Option<Arc<Metrics>>,
) -> anyhow::Result<DatabaseConnection> {
    let db = connect(url, metrics).await?;
    migrate(&db).await?;
    Ok(db)
}

/// How many connections `db`'s pool holds, and how many of them are idle.
pub fn pool_usage(db: &DatabaseConnection) -> (u32, usize) {
    match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            (pool.size(), pool.num_idle())
        }
        sea_orm::DbBackend::Sqlite => {
            let pool = db.get_sqlite_connection_pool();
            (pool.size(), pool.num_idle())
        }
        _ => (0, 0),
    }
}

/// `SELECT 1`: is the database answering?
pub async fn ping(db: &DatabaseConnection) -> bool {
    let select_one = Statement::from_string(db.get_database_backend(), "SELECT 1");
    db.query_one_raw(select_one).await.is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SQLite rolls a transaction back by itself when the disk is full; the
    /// COMMIT and ROLLBACK that follow fail, and the connection still counts
    /// a transaction open. Reused, it put later writes where they were
    /// answered but never stored (seen on a full tmpfs: 15 of 15 lost). No
    /// connection the pool hands out counts a transaction open.
    #[tokio::test]
    async fn a_connection_left_counting_a_transaction_is_not_handed_out() {
        use sea_orm::TransactionTrait;
        use sea_orm::sqlx::Connection as _;
        let dir = tempfile::tempdir().expect("a temporary directory");
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("full.db").display());
        let settings = PoolSettings {
            max_connections: Some(1),
            ..PoolSettings::default()
        };
        let pool = open(&url, None, &settings).await.expect("pool");
        let db = &pool.connection;
        db.execute_unprepared("CREATE TABLE t (x BLOB)")
            .await
            .expect("table");
        // The transaction ends under sqlx's feet, as SQLite ends it on a full
        // disk: the COMMIT and the ROLLBACK after it fail.
        let ended = db.begin().await.expect("begin");
        ended.execute_unprepared("ROLLBACK").await.expect("ended");
        assert!(ended.commit().await.is_err());

        let connection = db
            .get_sqlite_connection_pool()
            .acquire()
            .await
            .expect("a connection");
        assert!(!connection.is_in_transaction());
    }

    #[test]
    fn the_default_pool_leaves_postgres_slots_to_other_clients() {
        // PostgreSQL's defaults: 100 slots, 3 for superusers.
        assert_eq!(pool_size_for(100, 3), 16);
        // The operator's small server: 7 ordinary slots, we take 3.
        assert_eq!(pool_size_for(10, 3), 3);
        assert_eq!(pool_size_for(4, 3), 2);
        assert_eq!(pool_size_for(3, 3), 2);
    }
}
