//! Typed settings of the server, read from flags and environment variables
//! (every flag has an environment twin, listed in `--help` and README.md).

use std::net::SocketAddr;
use std::num::NonZeroUsize;
use std::time::Duration;

use clap::Args;

/// The database used when neither `--database-url` nor `DATABASE_URL` is given:
/// a SQLite file in the working directory, created on first start.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://customer-graph.db?mode=rwc";

/// The longest duration a seconds flag takes: one day. Longer deadlines
/// overflow the clocks they are added to, and PostgreSQL's
/// `statement_timeout` stops at about 24 days.
const DAY_SECS: u64 = 86_400;
/// The longest duration a milliseconds flag takes: one hour.
const HOUR_MS: u64 = 3_600_000;

/// How the server listens and which limits it enforces.
#[derive(Debug, Clone, Args)]
pub struct ServerConfig {
    /// Address to listen on.
    #[arg(long = "listen", env = "LISTEN_ADDR", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Largest accepted request body, in bytes (413 above it).
    #[arg(long, env = "MAX_BODY_BYTES", default_value_t = 256 * 1024)]
    pub max_body_bytes: usize,

    /// Longest time a request may take, in seconds (503 past it).
    #[arg(long, env = "REQUEST_TIMEOUT_SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=DAY_SECS))]
    pub request_timeout_secs: u64,

    /// Deepest GraphQL selection accepted.
    #[arg(long, env = "GRAPHQL_MAX_DEPTH", default_value_t = 12)]
    pub graphql_max_depth: usize,

    /// Largest GraphQL complexity accepted (page sizes multiply their children).
    #[arg(long, env = "GRAPHQL_MAX_COMPLEXITY", default_value_t = 50_000)]
    pub graphql_max_complexity: usize,

    /// Most GraphQL operations in one batched request (1 turns batching off).
    #[arg(long, env = "GRAPHQL_MAX_BATCH", default_value_t = 1)]
    pub graphql_max_batch: usize,

    /// Answer introspection queries (the playground's docs and autocompletion need it).
    #[arg(long, env = "GRAPHQL_INTROSPECTION", default_value_t = true, action = clap::ArgAction::Set)]
    pub graphql_introspection: bool,

    /// Most connections the database pool opens. Default: 8 for SQLite; for
    /// PostgreSQL half of the connection slots the server leaves to ordinary
    /// roles (`max_connections` minus `superuser_reserved_connections` and
    /// `reserved_connections`), between 2 and 16, so an administrator and
    /// other clients always find a slot.
    #[arg(long, env = "DB_MAX_CONNECTIONS", value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub db_max_connections: Option<u32>,

    /// Longest wait for the database, in milliseconds: for a pooled
    /// connection (opening one included), and on SQLite for another writer's
    /// lock. Past it the request answers 503 with `Retry-After`.
    #[arg(long, env = "DB_ACQUIRE_TIMEOUT_MS", default_value_t = 750, value_parser = clap::value_parser!(u64).range(100..=HOUR_MS))]
    pub db_acquire_timeout_ms: u64,

    /// Most data requests (REST routes and `/graphql`) served at once; one
    /// more answers 503 `OVERLOADED` with `Retry-After` at once. The
    /// operational routes are not counted.
    #[arg(long, env = "MAX_REQUESTS_IN_FLIGHT", default_value_t = 512, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_requests_in_flight: u32,

    /// Most GraphQL operations executing at once; the memory of a request is
    /// mostly its answer being built, so this bounds the server's memory.
    /// Others wait in line for up to `--graphql-queue-timeout-ms`. Default:
    /// the database pool's size (an operation needs a connection to move on).
    #[arg(long, env = "GRAPHQL_MAX_IN_FLIGHT", value_parser = clap::value_parser!(u32).range(1..))]
    pub graphql_max_in_flight: Option<u32>,

    /// Longest wait in line for a GraphQL execution slot, in milliseconds;
    /// past it the request answers 503 `OVERLOADED` with `Retry-After`.
    #[arg(long, env = "GRAPHQL_QUEUE_TIMEOUT_MS", default_value_t = 2_000, value_parser = clap::value_parser!(u64).range(0..=HOUR_MS))]
    pub graphql_queue_timeout_ms: u64,

    /// Longest time a client may take to send a request head (request line
    /// and header fields, RFC 9112 §2), in seconds, counted from its first
    /// byte (from the accept, for a connection's first request). Past it the
    /// connection is closed without an answer, as nginx's
    /// `client_header_timeout` does.
    #[arg(long, env = "HEADER_READ_TIMEOUT_SECS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=DAY_SECS))]
    pub header_read_timeout_secs: u64,

    /// Longest time a connection may wait idle between two requests (nginx's
    /// `keepalive_timeout`), or with a response its client does not read
    /// (nginx's `send_timeout`), in seconds; then it is closed.
    #[arg(long, env = "KEEP_ALIVE_TIMEOUT_SECS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=DAY_SECS))]
    pub keep_alive_timeout_secs: u64,

    /// Most client connections open at once. At the cap the connection that
    /// has waited longest for a request is closed to make room (nginx's
    /// reusable connections); with none waiting, accepting waits until one
    /// closes. Default: the file limit, raised to its hard limit at start,
    /// less 64 files kept for the database pool, logs and the runtime.
    #[arg(long, env = "MAX_CONNECTIONS")]
    pub max_connections: Option<NonZeroUsize>,

    /// Longest time the shutdown (SIGTERM or SIGINT) waits for the requests
    /// in flight to finish and their answers to be sent, in seconds; then the
    /// connections still open are closed and the process exits (status 0).
    #[arg(long, env = "SHUTDOWN_DRAIN_SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(0..=DAY_SECS))]
    pub shutdown_drain_secs: u64,

    /// Subscriptions over WebSocket: their limits and timeouts.
    #[command(flatten)]
    pub live: LiveConfig,
}

/// The limits of subscriptions over WebSocket (`GET /graphql` with an
/// upgrade), each on by default.
#[derive(Debug, Clone, Args)]
pub struct LiveConfig {
    /// Most WebSocket connections open at once; one more is refused with
    /// 503 before the upgrade.
    #[arg(long, env = "WEBSOCKET_MAX_CONNECTIONS", default_value_t = 4_096, value_parser = clap::value_parser!(u32).range(1..))]
    pub websocket_max_connections: u32,

    /// Longest time from the upgrade to the client's `connection_init`, in
    /// seconds; past it the connection is closed with 4408, as
    /// graphql-transport-ws says.
    #[arg(long, env = "WEBSOCKET_INIT_TIMEOUT_SECS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=DAY_SECS))]
    pub websocket_init_timeout_secs: u64,

    /// Seconds between the server's pings on an open WebSocket; a
    /// connection that sends nothing (not even a pong) for twice as long
    /// is closed.
    #[arg(long, env = "WEBSOCKET_PING_SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=DAY_SECS))]
    pub websocket_ping_secs: u64,

    /// Most subscriptions one connection may hold at once.
    #[arg(long, env = "SUBSCRIPTIONS_PER_CONNECTION", default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..))]
    pub subscriptions_per_connection: u32,

    /// Most subscriptions one token may hold at once, over all its
    /// connections to this instance.
    #[arg(long, env = "SUBSCRIPTIONS_PER_TOKEN", default_value_t = 1_000, value_parser = clap::value_parser!(u32).range(1..))]
    pub subscriptions_per_token: u32,

    /// Messages a connection may have waiting to be sent; a subscriber that
    /// falls this far behind is closed with an error (1008), so it never
    /// slows the others.
    #[arg(long, env = "SUBSCRIPTION_BUFFER", default_value_t = 256, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub subscription_buffer: u32,

    /// Longest time one message may take to be taken by the client's
    /// socket, in milliseconds; a client that stops reading is closed past it.
    #[arg(long, env = "SUBSCRIPTION_SEND_TIMEOUT_MS", default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(10..=HOUR_MS))]
    pub subscription_send_timeout_ms: u64,
}

impl LiveConfig {
    /// The WebSocket init timeout as a [`Duration`].
    pub fn init_timeout(&self) -> Duration {
        Duration::from_secs(self.websocket_init_timeout_secs)
    }

    /// The interval between pings as a [`Duration`].
    pub fn ping_interval(&self) -> Duration {
        Duration::from_secs(self.websocket_ping_secs)
    }

    /// The send timeout as a [`Duration`].
    pub fn send_timeout(&self) -> Duration {
        Duration::from_millis(self.subscription_send_timeout_ms)
    }
}

impl Default for LiveConfig {
    fn default() -> Self {
        LiveConfig {
            websocket_max_connections: 4_096,
            websocket_init_timeout_secs: 10,
            websocket_ping_secs: 30,
            subscriptions_per_connection: 100,
            subscriptions_per_token: 1_000,
            subscription_buffer: 256,
            subscription_send_timeout_ms: 10_000,
        }
    }
}

impl ServerConfig {
    /// The request timeout as a [`Duration`].
    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs)
    }

    /// The database acquire timeout as a [`Duration`].
    pub fn db_acquire_timeout(&self) -> Duration {
        Duration::from_millis(self.db_acquire_timeout_ms)
    }

    /// The GraphQL queue timeout as a [`Duration`].
    pub fn graphql_queue_timeout(&self) -> Duration {
        Duration::from_millis(self.graphql_queue_timeout_ms)
    }

    /// The header-read timeout as a [`Duration`].
    pub fn header_read_timeout(&self) -> Duration {
        Duration::from_secs(self.header_read_timeout_secs)
    }

    /// The keep-alive timeout as a [`Duration`].
    pub fn keep_alive_timeout(&self) -> Duration {
        Duration::from_secs(self.keep_alive_timeout_secs)
    }

    /// The shutdown's drain deadline as a [`Duration`].
    pub fn shutdown_drain(&self) -> Duration {
        Duration::from_secs(self.shutdown_drain_secs)
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            max_body_bytes: 256 * 1024,
            request_timeout_secs: 30,
            graphql_max_depth: 12,
            graphql_max_complexity: 50_000,
            graphql_max_batch: 1,
            graphql_introspection: true,
            db_max_connections: None,
            db_acquire_timeout_ms: 750,
            max_requests_in_flight: 512,
            graphql_max_in_flight: None,
            graphql_queue_timeout_ms: 2_000,
            header_read_timeout_secs: 10,
            keep_alive_timeout_secs: 60,
            max_connections: None,
            shutdown_drain_secs: 30,
            live: LiveConfig::default(),
        }
    }
}

/// The database URL with any password replaced, fit for logs.
pub fn redact_database_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme_end + 3],
                    &credentials[..colon],
                    &url[at..]
                ),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_in_the_database_url_never_reaches_the_log() {
        assert_eq!(
            redact_database_url("postgres://app:secret@127.0.0.1:5432/db"),
            "postgres://app:***@127.0.0.1:5432/db"
        );
        assert_eq!(
            redact_database_url(DEFAULT_DATABASE_URL),
            DEFAULT_DATABASE_URL
        );
    }
}
