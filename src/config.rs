//! Typed settings of the server, read from flags and environment variables
//! (every flag has an environment twin, listed in `--help` and README.md).

use std::net::SocketAddr;
use std::time::Duration;

use clap::Args;

/// The database used when neither `--database-url` nor `DATABASE_URL` is given:
/// a SQLite file in the working directory, created on first start.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://customer-graph.db?mode=rwc";

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
    #[arg(long, env = "REQUEST_TIMEOUT_SECS", default_value_t = 30)]
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
}

impl ServerConfig {
    /// The request timeout as a [`Duration`].
    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs)
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
