//! [`AppState`]: what every request of every face shares — the pool, the
//! counters, the settings and the built GraphQL schemas. It imports no HTTP
//! face (REST routes, GraphQL transport, pages), so every face may import it.

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use tokio::sync::Semaphore;

use crate::config::ServerConfig;
use crate::db::{DatabaseHealth, Pool};
use crate::graphql::persisted::PersistedOperations;
use crate::graphql::{self, GraphSchema};
use crate::live::Live;
use crate::metrics::Metrics;
use crate::tenant::Tenant;

/// Everything a request handler may need; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The connection pool.
    pub db: DatabaseConnection,
    /// The watch over the pool: its circuit and connection checks.
    pub health: Arc<DatabaseHealth>,
    /// The most connections the pool opens (for `/metrics`).
    pub db_max_connections: u32,
    /// One permit per data request in flight
    /// ([`ServerConfig::max_requests_in_flight`]).
    pub requests_in_flight: Arc<Semaphore>,
    /// One permit per GraphQL operation executing
    /// ([`ServerConfig::graphql_max_in_flight`]).
    pub graphql_in_flight: Arc<Semaphore>,
    /// How many permits `graphql_in_flight` holds: the setting, or the pool's size.
    pub graphql_max_in_flight: usize,
    /// This app's counters.
    pub metrics: Arc<Metrics>,
    /// Listen address and limits.
    pub config: Arc<ServerConfig>,
    /// The GraphQL schema every `/graphql` request executes on.
    pub schema: GraphSchema,
    /// The same schema without the depth limit, for introspection-only operations.
    pub introspection_schema: GraphSchema,
    /// The live-update hub: writes publish to it, subscriptions hear from it.
    pub live: Live,
    /// The persisted-operation rules (APQ cache, allow-list) of every
    /// transport; the schemas' extension holds the same.
    pub persisted: Arc<PersistedOperations>,
}

impl AppState {
    /// [`AppState::try_new`] for settings known to be accepted.
    ///
    /// # Panics
    /// When the settings are refused (see [`AppState::try_new`]); the
    /// `serve` command calls `try_new` and reports them.
    pub fn new(pool: Pool, metrics: Arc<Metrics>, config: ServerConfig) -> AppState {
        AppState::try_new(pool, metrics, config)
            .unwrap_or_else(|error| panic!("the settings are refused: {error:#}"))
    }

    /// Bundles a pool (whose statements should be counted in `metrics`) with
    /// settings. `Err` when the settings are refused ([`ServerConfig::check`])
    /// or the persisted operations cannot be read, naming the flag and file.
    pub fn try_new(
        pool: Pool,
        metrics: Arc<Metrics>,
        config: ServerConfig,
    ) -> anyhow::Result<AppState> {
        config.check().map_err(anyhow::Error::msg)?;
        let persisted = Arc::new(PersistedOperations::from_config(&config, metrics.clone())?);
        let db = pool.connection;
        let graphql_max_in_flight = config
            .graphql_max_in_flight
            .unwrap_or(pool.max_connections)
            .max(1) as usize;
        let live = Live::start(db.clone(), metrics.clone(), config.live.clone());
        let schema = graphql::build_schema(db.clone(), live.clone(), &config, &persisted);
        let introspection_schema =
            graphql::build_introspection_schema(db.clone(), live.clone(), &config, &persisted);
        Ok(AppState {
            db,
            health: pool.health,
            db_max_connections: pool.max_connections,
            requests_in_flight: Arc::new(Semaphore::new(config.max_requests_in_flight as usize)),
            graphql_in_flight: Arc::new(Semaphore::new(graphql_max_in_flight)),
            graphql_max_in_flight,
            metrics,
            config: Arc::new(config),
            schema,
            introspection_schema,
            live,
            persisted,
        })
    }
}

impl AppState {
    /// Executes a GraphQL `request` for `tenant` on the served schema, with
    /// fresh per-request loaders.
    pub async fn execute(
        &self,
        tenant: Tenant,
        request: async_graphql::Request,
    ) -> async_graphql::Response {
        graphql::execute(&self.schema, &self.db, &self.metrics, tenant, request).await
    }
}
