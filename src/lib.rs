//! customer-graph: a GraphQL gateway over a customer-feedback model, with a thin
//! REST layer for the documented `/api/v1` routes.
//!
//! Map of the crate:
//! - [`cli`]: the command line (`serve`, `migrate`, `org`, `token`, `seed`, …).
//! - [`config`]: typed settings of the server, from flags and environment.
//! - [`db`]: connect to SQLite (default) or PostgreSQL, pool settings, migrations.
//! - [`app`]: the axum router over [`app::AppState`], and serving with graceful shutdown.
//! - [`auth`]: bearer token → the organization it grants.
//! - [`error`]: [`error::AppError`], the one place failures become HTTP statuses
//!   and GraphQL error codes.
//! - [`json`]: JSON bodies read strictly (a repeated member is an error).
//! - [`metrics`]: the Prometheus counters behind `/metrics`.
//! - [`ops`]: `/healthz`, `/readyz`, `/metrics`.
//! - [`playground`]: the browser pages, GraphiQL on `GET /graphql`, the REST docs on
//!   `/api/v1/docs` and the index on `/`, their files embedded in the binary.
//! - [`graphql`]: the schema, its execution and GraphQL over HTTP.
//! - [`loaders`]: the DataLoaders every relation resolves through.
//! - [`resolvers`]: typed queries and commands per resource, which both faces call.
//! - [`rest`]: the documented `/api/v1` routes, each a fixed GraphQL operation.
//! - [`validation`]: input rules shared by every write.
//! - [`store`]: storage functions that are more than a one-line SeaORM call.
//! - [`demo`]: deterministic synthetic data for demos and benchmarks.

pub mod app;
pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod error;
pub mod graphql;
pub mod graphql_http;
pub mod json;
pub mod loaders;
pub mod metrics;
pub mod ops;
pub mod playground;
pub mod resolvers;
pub mod rest;
pub mod state;
pub mod store;
pub mod telemetry;
pub mod tenant;
pub mod validation;
