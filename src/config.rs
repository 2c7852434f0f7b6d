//! Typed settings of the server, read from flags and environment variables
//! (every flag has an environment twin, listed in `--help` and README.md).

use std::net::SocketAddr;
use std::num::NonZeroUsize;
use std::path::PathBuf;
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

    /// Origins whose browser pages may call `/graphql` and the `/api/v1`
    /// routes (CORS), comma-separated, each `scheme://host[:port]` (such as
    /// `https://app.example.com,http://127.0.0.1:5173`), or `*` for any
    /// origin. None by default: no cross-origin access, no CORS headers.
    #[arg(long, env = "CORS_ALLOWED_ORIGINS", value_delimiter = ',', value_parser = parse_cors_origin)]
    pub cors_allowed_origins: Vec<CorsOrigin>,

    /// Let those origins' pages send credentials (cookies, HTTP
    /// authentication) and read the answers
    /// (`Access-Control-Allow-Credentials: true`). Refused with
    /// `--cors-allowed-origins '*'`. A bearer token in `Authorization` needs
    /// no credentials mode.
    #[arg(long, env = "CORS_ALLOW_CREDENTIALS", default_value_t = false, num_args = 0..=1, default_missing_value = "true", action = clap::ArgAction::Set)]
    pub cors_allow_credentials: bool,

    /// Most bytes of query text the cache of automatic persisted queries
    /// holds (Apollo's APQ: a client sends a query's SHA-256 instead of its
    /// text once the server has seen it); past it the least recently used
    /// queries are dropped. 0 turns automatic persisted queries off.
    #[arg(long, env = "PERSISTED_QUERY_CACHE_BYTES", default_value_t = DEFAULT_PERSISTED_QUERY_CACHE_BYTES)]
    pub persisted_query_cache_bytes: usize,

    /// Run only the listed documents (an allow-list): a directory of
    /// `.graphql` files, each one document known by the SHA-256 of its bytes,
    /// or a JSON manifest `{"<sha256>": "<document>", …}`. A request sends
    /// a listed hash (in Apollo's `persistedQuery` extension) or the text of
    /// a listed document; anything else is refused.
    #[arg(long, env = "PERSISTED_OPERATIONS")]
    pub persisted_operations: Option<PathBuf>,
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

/// The default of `--persisted-query-cache-bytes`: 8 MiB of query text.
pub const DEFAULT_PERSISTED_QUERY_CACHE_BYTES: usize = 8 * 1024 * 1024;

/// One entry of `--cors-allowed-origins`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CorsOrigin {
    /// `*`: any origin (without credentials).
    Any,
    /// One origin as a browser serializes it in `Origin`: lower-case
    /// `scheme://host[:port]`.
    Exact(String),
}

/// Reads one origin of `--cors-allowed-origins`: `*`, or
/// `scheme://host[:port]` with nothing after it (no path, not even `/`, no
/// query, no user), since a browser's `Origin` header is compared with it
/// byte for byte. Scheme and host are folded to lower case, as browsers
/// send them. `Err` says what is wrong; clap names the flag and the value.
pub fn parse_cors_origin(text: &str) -> Result<CorsOrigin, String> {
    let text = text.trim();
    if text == "*" {
        return Ok(CorsOrigin::Any);
    }
    if text.is_empty() {
        return Err("an origin is empty (a stray comma?)".to_owned());
    }
    let shape = "an origin is scheme://host[:port], such as https://app.example.com or http://127.0.0.1:5173";
    let Some((scheme, rest)) = text.split_once("://") else {
        return Err(format!("no scheme: {shape}"));
    };
    let scheme_ok = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !scheme_ok {
        return Err(format!(
            "the scheme `{scheme}` is not a URL scheme: {shape}"
        ));
    }
    if let Some(at) = rest.find(['/', '?', '#']) {
        return Err(format!(
            "`{}` follows the host: {shape}, with no path (not even `/`), query or fragment",
            &rest[at..]
        ));
    }
    if rest.contains('@') {
        return Err(format!("an origin names no user: {shape}"));
    }
    // The host, and the port after the last colon that is not inside an
    // IPv6 literal's brackets.
    let (host, port) = match rest.rfind(':') {
        Some(colon) if !rest[colon..].contains(']') => (&rest[..colon], Some(&rest[colon + 1..])),
        _ => (rest, None),
    };
    let host_ok = if let Some(inner) = host.strip_prefix('[') {
        inner
            .strip_suffix(']')
            .is_some_and(|address| address.parse::<std::net::Ipv6Addr>().is_ok())
    } else {
        !host.is_empty()
            && host.split('.').all(|label| {
                !label.is_empty() && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            })
    };
    if !host_ok {
        return Err(format!("`{host}` is not a host name or address: {shape}"));
    }
    if let Some(port) = port
        && !(port.chars().all(|c| c.is_ascii_digit()) && port.parse::<u16>().is_ok_and(|p| p > 0))
    {
        return Err(format!("`{port}` is not a port (1 to 65535): {shape}"));
    }
    Ok(CorsOrigin::Exact(text.to_ascii_lowercase()))
}

impl ServerConfig {
    /// Checks the settings that no single flag's parser can: `Err` names the
    /// flags and says why, for the start-up to refuse them.
    pub fn check(&self) -> Result<(), String> {
        let any = self.cors_allowed_origins.contains(&CorsOrigin::Any);
        if any && self.cors_allowed_origins.len() > 1 {
            return Err(
                "--cors-allowed-origins (CORS_ALLOWED_ORIGINS): `*` allows any origin and stands alone; list origins or give `*`"
                    .to_owned(),
            );
        }
        if any && self.cors_allow_credentials {
            return Err(
                "--cors-allowed-origins '*' (CORS_ALLOWED_ORIGINS) cannot be combined with --cors-allow-credentials (CORS_ALLOW_CREDENTIALS): browsers refuse credentials from a server that allows any origin; list the origins instead"
                    .to_owned(),
            );
        }
        Ok(())
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
            cors_allowed_origins: Vec::new(),
            cors_allow_credentials: false,
            persisted_query_cache_bytes: DEFAULT_PERSISTED_QUERY_CACHE_BYTES,
            persisted_operations: None,
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
    use clap::Parser;

    use super::*;

    /// The server's flags alone, as `serve` reads them.
    #[derive(Debug, Parser)]
    struct Flags {
        #[command(flatten)]
        config: ServerConfig,
    }

    fn parse(args: &[&str]) -> Result<ServerConfig, String> {
        let args = std::iter::once("serve").chain(args.iter().copied());
        Flags::try_parse_from(args)
            .map(|flags| flags.config)
            .map_err(|error| error.to_string())
    }

    #[test]
    fn no_origin_is_allowed_by_default() {
        let config = parse(&[]).expect("defaults");
        assert!(config.cors_allowed_origins.is_empty());
        assert!(!config.cors_allow_credentials);
        assert_eq!(config.check(), Ok(()));
    }

    #[test]
    fn origins_are_a_comma_separated_list_folded_to_lower_case() {
        let config = parse(&[
            "--cors-allowed-origins",
            "https://App.Example.com,http://127.0.0.1:5173,http://[::1]:8080",
            "--cors-allow-credentials",
        ])
        .expect("origins");
        assert_eq!(
            config.cors_allowed_origins,
            [
                CorsOrigin::Exact("https://app.example.com".to_owned()),
                CorsOrigin::Exact("http://127.0.0.1:5173".to_owned()),
                CorsOrigin::Exact("http://[::1]:8080".to_owned()),
            ]
        );
        assert!(config.cors_allow_credentials);
        assert_eq!(config.check(), Ok(()));
    }

    #[test]
    fn any_origin_is_accepted_without_credentials() {
        let config = parse(&["--cors-allowed-origins", "*"]).expect("any");
        assert_eq!(config.cors_allowed_origins, [CorsOrigin::Any]);
        assert_eq!(config.check(), Ok(()));
    }

    #[test]
    fn any_origin_with_credentials_is_refused_naming_both_flags() {
        let config = parse(&[
            "--cors-allowed-origins",
            "*",
            "--cors-allow-credentials",
            "true",
        ])
        .expect("each flag alone is well-formed");
        let error = config.check().expect_err("refused");
        assert!(error.contains("--cors-allowed-origins"), "{error}");
        assert!(error.contains("--cors-allow-credentials"), "{error}");
    }

    #[test]
    fn a_malformed_origin_is_refused_naming_the_flag_and_the_value() {
        for bad in [
            "app.example.com",
            "https://app.example.com/",
            "https://app.example.com/app",
            "https://app.example.com?x=1",
            "https://user@app.example.com",
            "https://",
            "https://app.example.com:0",
            "https://app.example.com:99999",
            "https://app..example.com",
            "1http://app.example.com",
            "https://a.com,",
        ] {
            let error = parse(&["--cors-allowed-origins", bad]).expect_err(bad);
            assert!(error.contains("--cors-allowed-origins"), "{bad}: {error}");
            assert!(
                error.contains("scheme://host[:port]") || error.contains("empty"),
                "{bad}: {error}"
            );
        }
    }

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
