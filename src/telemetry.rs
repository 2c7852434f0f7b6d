//! Logging setup. Logs go to stderr so that stdout carries only
//! machine-readable output (uuids, tokens, the SDL).

use tracing_subscriber::EnvFilter;

/// The filter used when `RUST_LOG` is not set: our own logs at info, the
/// database drivers' per-statement logs silenced.
pub const DEFAULT_FILTER: &str = "info,sqlx=warn,sea_orm=warn,sea_orm_migration=warn";

/// Installs the global subscriber (once; later calls are ignored, as tests need).
pub fn init() {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
