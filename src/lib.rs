//! customer-graph: a GraphQL gateway over a customer-feedback model, with a thin
//! REST layer for the documented `/api/v1` routes.
//!
//! Map of the crate, from the top down (a module imports only modules below
//! it; `app` is the composition root, imported by the command line alone):
//! - [`cli`]: the command line (`serve`, `migrate`, `org`, `token`, `seed`, …).
//! - [`app`]: the axum router of every face over [`state::AppState`], and serving
//!   it until a shutdown signal.
//! - [`serve`]: the HTTP connection layer under the router: the accept loop,
//!   per-connection header-read and keep-alive timeouts, the cap on open
//!   connections (from the file limit), the drain on shutdown.
//! - The faces, each parsing its input in its own words and shaping its output:
//!   - [`rest`]: the documented `/api/v1` routes;
//!   - [`graphql_http`]: GraphQL over HTTP (negotiation, the document's checks
//!     before it runs, response order) in front of the schema;
//!   - [`playground`]: the browser pages, GraphiQL on `GET /graphql`, the REST
//!     docs on `/api/v1/docs` and the index on `/`, embedded in the binary;
//!   - [`ops`]: `/healthz`, `/readyz`, `/metrics`.
//! - [`cors`]: cross-origin access to the data routes of both faces, for
//!   the configured origins.
//! - [`resilience`]: the guard of the data routes of both faces (load
//!   shedding, the database circuit, one retry of a read whose connection
//!   broke), answering in the shape of the request's face.
//! - [`auth`]: bearer token → [`tenant::Tenant`], as an extractor.
//! - [`state`]: [`state::AppState`], what every request shares.
//! - [`graphql`]: the schema: types, their fields, limits, execution, and the
//!   GraphQL rendering of errors.
//! - [`resolvers`]: typed queries and commands per resource (customers, an
//!   organization's graph, any parent's children), which both faces call:
//!   they take the tenant's organization and checked arguments and return
//!   models and pages. No face calls a store function but through them
//!   (they share the store's argument types: filters, new rows, changes).
//! - [`live`]: live updates: the changes writes publish after they commit,
//!   carried between instances (PostgreSQL `LISTEN`/`NOTIFY`) or in process
//!   (SQLite), the events subscriptions hear, the WebSocket sessions' limits
//!   and their tokens' revocation.
//! - [`loaders`]: the DataLoaders every relation resolves through, and the
//!   future that drives a request's batches.
//! - [`store`]: SQL and SeaORM, each function confined to one organization.
//! - [`demo`]: deterministic synthetic data for demos and benchmarks.
//! - [`db`]: connect to SQLite (default) or PostgreSQL, pool settings,
//!   migrations, and the pool's health (the circuit, connection checks).
//! - [`tenant`]: [`tenant::Tenant`], the organization a request may touch.
//! - [`error`]: [`error::AppError`]: what went wrong and which input, with its
//!   HTTP status and codes; each face renders it once.
//! - [`validation`]: the input rules, field-free, and the checked values
//!   (`Name`, `Email`, `Timestamp`, …) each face parses into under its own
//!   parameter names.
//! - [`json`]: JSON bodies read strictly (a repeated member is an error).
//! - [`media_type`]: `Accept` and `Content-Type` read as media types.
//! - [`config`], [`metrics`], [`telemetry`]: settings, counters, logs.

pub mod app;
pub mod auth;
pub mod cli;
pub mod config;
pub mod cors;
pub mod db;
pub mod demo;
pub mod error;
pub mod graphql;
pub mod graphql_http;
pub mod json;
pub mod live;
pub mod loaders;
pub mod media_type;
pub mod metrics;
pub mod ops;
pub mod playground;
pub mod resilience;
pub mod resolvers;
pub mod rest;
pub mod serve;
pub mod state;
pub mod store;
pub mod telemetry;
pub mod tenant;
pub mod validation;
