//! The HTTP connection layer under the router: accepts TCP connections,
//! serves HTTP/1.1 (RFC 9112) on each — as `axum::serve` did with axum's
//! default features, which leave HTTP/2 out — and holds every connection to
//! the limits a server facing clients needs. nginx is the model for each
//! rule.
//!
//! Map of the module:
//! - [`run`] (here): the accept loop (cap, accept-error backoff) and the
//!   drain on shutdown; [`ServeOptions`], and the file limit the default cap
//!   is derived from ([`raise_file_limit`], [`default_max_connections`]).
//! - `connection`: one connection's phase (fresh, reading a head, busy,
//!   unsent response, idle) and the deadline each phase gives it
//!   (header-read and keep-alive timeouts).
//! - `task`: the task serving one connection against that deadline.
//! - `tracking`: the IO, service and body wrappers that tell a connection
//!   its phase; the request body that fails once the drain has begun.
//! - `registry`: the open connections, the cap, eviction of the one that has
//!   waited longest for a request, and the drain's first step.
//! - `accept`: which accept errors are the listener's, their backoff and
//!   their rate-limited log.

mod accept;
mod connection;
mod registry;
mod task;
mod tracking;

use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use self::accept::AcceptErrors;
use self::connection::{Connection, Timeouts};
use self::registry::{Registry, Room};
use crate::config::ServerConfig;

/// Files kept for other uses than client connections when the connection
/// cap is derived from the file limit: the database pool (8 SQLite
/// connections of up to 3 files each — database, WAL, shared memory — or 16
/// PostgreSQL sockets), the listener, standard streams, the runtime's epoll
/// and wakers, and room to spare for migrations and log files.
pub const RESERVED_FILES: u64 = 64;

/// How the connections are served; see the flags of the same names in
/// [`ServerConfig`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServeOptions {
    /// Longest time from the first byte of a request head (the accept, for a
    /// connection's first request) to its end; the connection is closed past
    /// it without an answer, as nginx's `client_header_timeout` does.
    /// Default 10 s.
    pub header_read_timeout: Duration,
    /// Longest time a connection may wait between two requests (nginx's
    /// `keepalive_timeout`), or with a response its client does not read
    /// (nginx's `send_timeout`). Default 60 s.
    pub keep_alive_timeout: Duration,
    /// Most connections open at once. Default: [`default_max_connections`]
    /// of the file limit.
    pub max_connections: usize,
    /// Longest time the shutdown waits for the requests in flight. Default
    /// 30 s.
    pub drain_deadline: Duration,
}

impl ServeOptions {
    /// The options `config` sets; the connection cap, when not set, derived
    /// from the file limit now in force.
    pub fn from_config(config: &ServerConfig) -> ServeOptions {
        ServeOptions {
            header_read_timeout: config.header_read_timeout(),
            keep_alive_timeout: config.keep_alive_timeout(),
            max_connections: max_connections(config),
            drain_deadline: config.shutdown_drain(),
        }
    }
}

/// The connection cap `config` sets, else [`default_max_connections`] of
/// the file limit now in force.
pub fn max_connections(config: &ServerConfig) -> usize {
    // RESERVED_FILES covers a pool of up to 16 connections; a larger one
    // (`--db-max-connections`) keeps up to 3 more files per connection.
    let larger_pool = config.db_max_connections.unwrap_or(0).saturating_sub(16);
    match (config.max_connections, file_limit()) {
        (Some(max), _) => max.get(),
        (None, Some(limit)) => {
            default_max_connections(limit.saturating_sub(3 * u64::from(larger_pool)))
        }
        (None, None) => usize::MAX,
    }
}

/// The default connection cap for a file limit: the limit less
/// [`RESERVED_FILES`], and at least half the limit (a limit too low to
/// reserve that many still serves).
pub fn default_max_connections(file_limit: u64) -> usize {
    if file_limit == rlimit::INFINITY {
        return usize::MAX;
    }
    let max = file_limit
        .saturating_sub(RESERVED_FILES)
        .max(file_limit / 2)
        .max(1);
    usize::try_from(max).unwrap_or(usize::MAX)
}

/// The file limit now in force (the soft `RLIMIT_NOFILE`), if the platform
/// has one.
pub fn file_limit() -> Option<u64> {
    rlimit::Resource::NOFILE
        .get()
        .ok()
        .map(|(soft, _hard)| soft)
}

/// Raises the soft file limit (`RLIMIT_NOFILE`) to the hard limit, as a
/// server holding one file per connection should; returns the limit now in
/// force.
pub fn raise_file_limit() -> io::Result<u64> {
    rlimit::increase_nofile_limit(u64::MAX)
}

/// Serves `router` on `listener` until `shutdown` completes, then drains:
/// stops accepting, closes at once every connection that owes its client
/// nothing (idle, or with a request head half-sent), fails the body reads of
/// requests whose body is not complete, lets the other requests in flight
/// finish and their responses be sent, and returns when every connection
/// has closed or after `options.drain_deadline`, whichever comes first.
pub async fn run(
    listener: TcpListener,
    router: Router,
    options: ServeOptions,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let timeouts = Timeouts {
        header_read: options.header_read_timeout,
        keep_alive: options.keep_alive_timeout,
    };
    let registry = Registry::new(options.max_connections);
    let graceful = GracefulShutdown::new();
    let draining = CancellationToken::new();
    let mut errors = AcceptErrors::default();
    let mut shutdown = std::pin::pin!(shutdown);
    'accept: loop {
        loop {
            match registry.make_room() {
                Room::Free => break,
                Room::Coming => {}
                Room::Full => errors.at_cap(options.max_connections),
            }
            tokio::select! {
                () = &mut shutdown => break 'accept,
                () = registry.changed() => {}
            }
        }
        let accepted = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, peer)) => {
                errors.accepted();
                let connection = Arc::new(Connection::new(timeouts, registry.changed_notify()));
                let registration = registry.register(connection.clone());
                registry.evict_if_over();
                tracing::trace!(id = registration.id(), %peer, "connection accepted");
                tokio::spawn(task::serve(
                    stream,
                    router.clone(),
                    connection,
                    registration,
                    graceful.watcher(),
                    draining.clone(),
                ));
            }
            Err(error) => {
                let Some(pause) = errors.failed(&error) else {
                    continue;
                };
                if accept::is_out_of_resources(&error) {
                    // Room for the next one: the cap was set above what the
                    // file limit (or the kernel's memory) allows.
                    registry.evict_oldest();
                }
                tokio::select! {
                    () = &mut shutdown => break,
                    () = tokio::time::sleep(pause) => {}
                }
            }
        }
    }
    drop(listener);
    let (closed, left) = registry.drain();
    draining.cancel();
    tracing::info!(
        closed,
        in_flight = left,
        deadline_secs = options.drain_deadline.as_secs_f64(),
        "draining: stopped accepting, closed the idle connections, finishing the requests in flight"
    );
    if tokio::time::timeout(options.drain_deadline, graceful.shutdown())
        .await
        .is_ok()
    {
        tracing::info!("drained: every connection is closed");
    } else {
        let open = registry.close_all();
        tracing::warn!(
            open,
            "the drain deadline passed: closing the connections still open"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_cap_keeps_files_for_the_rest_of_the_process() {
        assert_eq!(default_max_connections(1024), 960);
        assert_eq!(default_max_connections(100), 50);
        assert_eq!(default_max_connections(1), 1);
        assert_eq!(default_max_connections(rlimit::INFINITY), usize::MAX);
    }
}
