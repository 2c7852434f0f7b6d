//! customer-graph: a GraphQL gateway over a customer-feedback model, with a thin
//! REST layer for the documented `/api/v1` routes.
//!
//! Map of the crate, from the top down (a module imports only modules below
//! it; `app` is the composition root, imported by the command line alone):
//! - [`cli`]: the command line (`serve`, `migrate`, `org`, `token`, `seed`, …).
//! - [`app`]: the axum router of every face over [`state::AppState`], and serving
//!   with graceful shutdown.
//! - The faces, each parsing its input in its own words and shaping its output:
//!   - [`rest`]: the documented `/api/v1` routes;
//!   - [`graphql_http`]: GraphQL over HTTP (negotiation, the document's checks
//!     before it runs, response order) in front of the schema;
//!   - [`playground`]: the browser pages, GraphiQL on `GET /graphql`, the REST
//!     docs on `/api/v1/docs` and the index on `/`, embedded in the binary;
//!   - [`ops`]: `/healthz`, `/readyz`, `/metrics`.
//! - [`auth`]: bearer token → [`tenant::Tenant`], as an extractor.
//! - [`state`]: [`state::AppState`], what every request shares.
//! - [`graphql`]: the schema: types, resolvers of fields, limits, execution.
//! - [`resolvers`]: typed queries per resource: the REST routes call them; the
//!   GraphQL fields share their page and filter rules, loaders and store.
//! - [`loaders`]: the DataLoaders every relation resolves through.
//! - [`store`]: storage functions that are more than a one-line SeaORM call.
//! - [`demo`]: deterministic synthetic data for demos and benchmarks.
//! - [`db`]: connect to SQLite (default) or PostgreSQL, pool settings, migrations.
//! - [`tenant`]: [`tenant::Tenant`], the organization a request may touch.
//! - [`error`]: [`error::AppError`], the one place failures become HTTP statuses
//!   and GraphQL error codes.
//! - [`validation`]: input rules shared by every write (names, emails, instants…).
//! - [`json`]: JSON bodies read strictly (a repeated member is an error).
//! - [`media_type`]: `Accept` and `Content-Type` read as media types.
//! - [`config`], [`metrics`], [`telemetry`]: settings, counters, logs.

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
pub mod media_type;
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
