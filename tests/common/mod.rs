//! Test support shared by every integration test file: start the real app on
//! a random port against a real database (a temporary SQLite file, or a fresh
//! PostgreSQL database when `TEST_DATABASE_URL` is set), declare one test per
//! backend ([`on_each_backend!`]), and the helpers the scenarios share:
//! - [`rest`]: an organization's client for the `/api/v1` customer routes;
//! - [`raw`]: a client that sends raw bodies and reads `ETag`s, for the
//!   safe-write scenarios;
//! - [`graph`]: the small organization the GraphQL scenarios share;
//! - [`feedback`]: that organization with spaces and feedbacks of the
//!   feedback API, and its feedback list as rows;
//! - [`sql`]: raw SQL inserts, for rows as an older schema held them;
//! - [`process`]: the real binary as a child process, for signals and limits;
//! - [`proxy`]: a TCP proxy that takes the database away and gives it back;
//! - [`seeded_app`], [`mail`], [`sorted`] and the [`TestApp`] requests below.

#![allow(dead_code)]

pub mod feedback;
pub mod graph;
pub mod live;
pub mod process;
pub mod proxy;
pub mod raw;
pub mod rest;
pub mod sql;

use std::net::SocketAddr;
use std::sync::Arc;

use customer_graph::app::{self, AppState};
use customer_graph::config::ServerConfig;
use customer_graph::metrics::Metrics;
use customer_graph::{db, store};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use tempfile::TempDir;
use uuid::Uuid;

/// `local` at `domain`, assembled so that no address is spelled out in the source.
pub fn mail(local: &str, domain: &str) -> String {
    [local, domain].join("@")
}

/// `names` as owned strings, sorted: what a list of JSON keys or names is
/// compared with.
pub fn sorted(names: &[&str]) -> Vec<String> {
    let mut names: Vec<String> = names.iter().map(|name| name.to_string()).collect();
    names.sort();
    names
}

/// A database the tests run against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// What a fresh database leaves behind, removed when the guard is dropped: a
/// SQLite file's directory, or a PostgreSQL database (dropped, so a
/// developer's server does not collect one per test run).
pub enum Scratch {
    Directory(TempDir),
    Database { server_url: String, name: String },
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let Scratch::Database { server_url, name } = self else {
            return;
        };
        let (server_url, name) = (server_url.clone(), name.clone());
        let database = name.clone();
        // Drop runs inside the test's runtime, which cannot be blocked on:
        // a thread of its own, with a runtime of its own, does the drop.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async {
                let admin = db::connect(&server_url, None).await?;
                // FORCE ends the sessions the test's app still holds.
                admin
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .await?;
                admin.close().await?;
                anyhow::Ok(())
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop the test database {database}: {dropped:?}");
        }
    }
}

/// A fresh, empty database of `backend`, and the guard that removes it.
pub async fn fresh_database(backend: Backend) -> (String, Scratch) {
    fresh_database_with(backend, "").await
}

/// [`fresh_database`], with `options` after `CREATE DATABASE name` on
/// PostgreSQL (such as a template, encoding or locale).
pub async fn fresh_database_with(backend: Backend, options: &str) -> (String, Scratch) {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
            (url, Scratch::Directory(dir))
        }
        Backend::Postgres => {
            let base = std::env::var("TEST_DATABASE_URL").expect("TEST_DATABASE_URL");
            let name = format!("cg_test_{}", Uuid::new_v4().simple());
            let admin = db::connect(&base, None)
                .await
                .expect("connect to TEST_DATABASE_URL");
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name} {options}"))
                .await
                .expect("create test database");
            admin.close().await.ok();
            let url = with_database_name(&base, &name);
            (
                url,
                Scratch::Database {
                    server_url: base,
                    name,
                },
            )
        }
    }
}

/// `url` with its database name replaced by `name`.
fn with_database_name(url: &str, name: &str) -> String {
    let (without_query, query) = match url.split_once('?') {
        Some((head, query)) => (head, Some(query)),
        None => (url, None),
    };
    let scheme_end = without_query.find("://").map_or(0, |at| at + 3);
    let base = match without_query[scheme_end..].find('/') {
        Some(slash) => &without_query[..scheme_end + slash],
        None => without_query,
    };
    match query {
        Some(query) => format!("{base}/{name}?{query}"),
        None => format!("{base}/{name}"),
    }
}

/// A running app.
pub struct TestApp {
    pub backend: Backend,
    pub address: SocketAddr,
    pub database_url: String,
    /// The app's own pool (statements through it are the app's).
    pub db: DatabaseConnection,
    /// The same pool with its watch, to build another state over it.
    pub pool: db::Pool,
    pub metrics: Arc<Metrics>,
    pub client: reqwest::Client,
    _scratch: Scratch,
}

impl TestApp {
    /// `http://127.0.0.1:PORT` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// A new organization and a token that grants it.
    pub async fn organization_with_token(&self) -> (Uuid, String) {
        let organization = store::organizations::create(&self.db, "Test Org")
            .await
            .expect("create organization");
        let (_, token) = store::tokens::issue(&self.db, organization.uuid, Some("test"))
            .await
            .expect("issue token");
        (organization.uuid, token)
    }

    /// An unauthenticated `GET path`.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("send")
    }

    /// The text `GET /metrics` answers.
    pub async fn metrics_text(&self) -> String {
        self.get("/metrics")
            .await
            .text()
            .await
            .expect("metrics text")
    }

    /// A `POST /graphql` request with `token`, to be given a body and headers.
    pub fn graphql_request(&self, token: &str) -> reqwest::RequestBuilder {
        self.client.post(self.url("/graphql")).bearer_auth(token)
    }
}

/// A running app of `backend` with an organization seeded by
/// [`customer_graph::demo::seed`] (`customers` customers of 4 feedbacks each,
/// random seed 5): the app, the organization and a token that grants it.
pub async fn seeded_app(backend: Backend, customers: u64) -> (TestApp, Uuid, String) {
    seeded_app_with(backend, customers, ServerConfig::default()).await
}

/// [`seeded_app`] with chosen settings.
pub async fn seeded_app_with(
    backend: Backend,
    customers: u64,
    config: ServerConfig,
) -> (TestApp, Uuid, String) {
    let app = spawn_app_with(backend, config).await;
    let (organization, token) = app.organization_with_token().await;
    customer_graph::demo::seed(
        &app.db,
        organization,
        customer_graph::demo::SeedOptions {
            customers,
            feedbacks_per_customer: 4,
            random_seed: 5,
        },
        &indicatif::ProgressBar::hidden(),
    )
    .await
    .expect("seed");
    (app, organization, token)
}

/// Migrates a fresh database of `backend` and serves the app on port 0.
pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, ServerConfig::default()).await
}

/// [`spawn_app`] with chosen settings.
pub async fn spawn_app_with(backend: Backend, config: ServerConfig) -> TestApp {
    let (database_url, scratch) = fresh_database(backend).await;
    spawn_app_on(backend, database_url, scratch, config).await
}

/// Migrates the database at `database_url` (which `scratch` removes) and
/// serves the app on port 0.
pub async fn spawn_app_on(
    backend: Backend,
    database_url: String,
    scratch: Scratch,
    config: ServerConfig,
) -> TestApp {
    customer_graph::telemetry::init();
    let metrics = Arc::new(Metrics::default());
    // As `serve` does: migrate on a pool of their own, then serve on one
    // bounded by the settings.
    db::connect_and_migrate(&database_url, None)
        .await
        .expect("connect and migrate")
        .close()
        .await
        .expect("close the migration pool");
    let pool = db::open(
        &database_url,
        Some(metrics.clone()),
        &db::PoolSettings::serving(&config),
    )
    .await
    .expect("open the pool");
    let db = pool.connection.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind port 0");
    let address = listener.local_addr().expect("local address");
    let state = AppState::new(pool.clone(), metrics.clone(), config);
    tokio::spawn(app::run(listener, state, std::future::pending()));
    TestApp {
        backend,
        address,
        database_url,
        db,
        pool,
        metrics,
        client: reqwest::Client::new(),
        _scratch: scratch,
    }
}

#[test]
fn the_database_name_is_replaced_and_the_query_kept() {
    assert_eq!(
        with_database_name(
            "postgres://u:p@127.0.0.1:5432/postgres?sslmode=disable",
            "x"
        ),
        "postgres://u:p@127.0.0.1:5432/x?sslmode=disable"
    );
    assert_eq!(
        with_database_name("postgres://u@h/db", "y"),
        "postgres://u@h/y"
    );
}

/// A GraphQL answer: HTTP status and JSON body.
pub struct GraphQLAnswer {
    pub status: u16,
    pub body: serde_json::Value,
}

impl GraphQLAnswer {
    /// `data` at a JSON pointer such as `/viewer/customers`.
    pub fn data(&self, pointer: &str) -> &serde_json::Value {
        self.body
            .pointer(&format!("/data{pointer}"))
            .unwrap_or_else(|| panic!("no data at {pointer}: {}", self.body))
    }

    /// The `extensions.code` of the first error, if any.
    pub fn error_code(&self) -> Option<&str> {
        self.body
            .pointer("/errors/0/extensions/code")
            .and_then(|code| code.as_str())
    }

    /// Panics unless the answer is a success without errors.
    pub fn ok(self) -> Self {
        assert_eq!(self.status, 200, "{}", self.body);
        assert!(
            self.body.get("errors").is_none(),
            "unexpected errors: {}",
            self.body
        );
        self
    }
}

impl TestApp {
    /// POSTs a GraphQL operation with `token`.
    pub async fn graphql(
        &self,
        token: &str,
        query: &str,
        variables: serde_json::Value,
    ) -> GraphQLAnswer {
        let response = self
            .graphql_request(token)
            .header("Accept", "application/graphql-response+json")
            .json(&serde_json::json!({"query": query, "variables": variables}))
            .send()
            .await
            .expect("send GraphQL request");
        let status = response.status().as_u16();
        let body = response.json().await.expect("GraphQL JSON body");
        GraphQLAnswer { status, body }
    }
}

/// True when PostgreSQL tests should run (`TEST_DATABASE_URL` is set).
/// Under CI (`CI` set) it must be: a CI run without PostgreSQL fails
/// instead of passing on SQLite alone. (The package's build script reads the
/// same variable into the cfg `test_database`, which decides whether a
/// PostgreSQL case runs or is reported as ignored.)
pub fn postgres_configured() -> bool {
    let configured = std::env::var("TEST_DATABASE_URL").is_ok_and(|url| !url.is_empty());
    assert!(
        configured || std::env::var("CI").is_err(),
        "CI is set but TEST_DATABASE_URL is not: the PostgreSQL tests would not run"
    );
    configured
}

/// Declares one test per backend, named after it: `name::on_sqlite` and
/// `name::on_postgres`. Without `TEST_DATABASE_URL` when the tests were
/// built, the PostgreSQL case is reported as ignored, with the reason, not
/// as passed; under CI that fails [`ci_runs_the_postgres_cases`]. The body
/// is an async function of the [`Backend`].
#[macro_export]
macro_rules! on_each_backend {
    ($(#[$meta:meta])* async fn $name:ident($backend:ident) $body:block) => {
        $(#[$meta])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($backend: $crate::common::Backend) $body

            #[tokio::test]
            async fn on_sqlite() {
                run($crate::common::Backend::Sqlite).await;
            }

            #[tokio::test]
            #[cfg_attr(
                not(test_database),
                ignore = "TEST_DATABASE_URL is not set: no PostgreSQL server to run on"
            )]
            async fn on_postgres() {
                $crate::common::postgres_configured();
                run($crate::common::Backend::Postgres).await;
            }
        }
    };
}

/// Under CI the PostgreSQL cases must have been built to run, not to be
/// ignored: `TEST_DATABASE_URL` set when the tests were compiled.
#[test]
fn ci_runs_the_postgres_cases() {
    assert!(
        cfg!(test_database) || std::env::var("CI").is_err(),
        "CI is set but the tests were built without TEST_DATABASE_URL: the PostgreSQL cases are ignored"
    );
}
