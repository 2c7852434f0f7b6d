//! Connecting to the database: SQLite by default (a file, WAL, busy timeout,
//! foreign keys on, a real pool) or PostgreSQL by URL. Pending migrations are
//! applied by [`connect_and_migrate`].

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, Statement};

use crate::config::redact_database_url;
use crate::metrics::Metrics;

/// Connections kept by the SQLite pool: WAL lets readers run beside the one writer.
const SQLITE_POOL_SIZE: u32 = 8;
/// Connections kept by the PostgreSQL pool.
const POSTGRES_POOL_SIZE: u32 = 16;
/// A pooled connection idle for this long is pinged before it is handed out
/// (a proxy, a firewall or a server restart may have dropped it). Busy
/// connections are not: a ping on every checkout is one more round trip per
/// statement, and doubled the round trips of every request.
const PING_WHEN_IDLE_FOR: Duration = Duration::from_secs(30);

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

/// Opens a pool on `url`. Every statement sent through it is counted in
/// `metrics`, when given.
pub async fn connect(
    url: &str,
    metrics: Option<Arc<Metrics>>,
) -> anyhow::Result<DatabaseConnection> {
    let backend = Backend::from_url(url)?;
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .sqlx_logging(false)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(10))
        .test_before_acquire_if_idle_for(PING_WHEN_IDLE_FOR);
    match backend {
        Backend::Sqlite => {
            options
                .max_connections(SQLITE_POOL_SIZE)
                .min_connections(1)
                .map_sqlx_sqlite_opts(|sqlite| {
                    sqlite
                        .journal_mode(SqliteJournalMode::Wal)
                        .synchronous(SqliteSynchronous::Normal)
                        .busy_timeout(Duration::from_secs(10))
                        .foreign_keys(true)
                        // 64 MiB of page cache per connection (the default is 2 MiB):
                        // index pages stay in memory under bulk loads and scans.
                        .pragma("cache_size", "-65536")
                });
        }
        Backend::Postgres => {
            options
                .max_connections(POSTGRES_POOL_SIZE)
                .min_connections(1);
        }
    }
    let mut db = Database::connect(options)
        .await
        .with_context(|| format!("cannot open the database at {}", redact_database_url(url)))?;
    if let Some(metrics) = metrics {
        db.set_metric_callback(move |info| {
            metrics.record_statement(info.failed);
            tracing::debug!(
                target: "customer_graph::sql",
                elapsed_us = info.elapsed.as_micros() as u64,
                failed = info.failed,
                sql = %info.statement.sql,
            );
        });
    }
    Ok(db)
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

/// `SELECT 1`: is the database answering?
pub async fn ping(db: &DatabaseConnection) -> bool {
    let select_one = Statement::from_string(db.get_database_backend(), "SELECT 1");
    db.query_one_raw(select_one).await.is_ok()
}
