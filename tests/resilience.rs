//! Faults injected on purpose, and what the gateway must do about them:
//! the database taken away and given back, every pooled connection killed
//! under the pool, a table locked past the request deadline, another
//! process holding SQLite's write lock, bursts over the limits of work in
//! flight, and a pool bounded by its setting. Every wait is bounded; the
//! bounds carry slack for a loaded machine and still fail on a gateway
//! without the behaviour (which waited 10 s, or never recovered).

mod common;

use std::time::{Duration, Instant};

use common::proxy::{Proxy, server_address};
use common::rest::Tenant;
use common::{Backend, TestApp, fresh_database, spawn_app_on, spawn_app_with};
use customer_graph::config::ServerConfig;
use customer_graph::db;
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use sea_orm::{ConnectionTrait, DatabaseConnection, TransactionTrait};
use serde_json::{Value, json};

/// The media type GraphQL over HTTP answers in when asked.
const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

const CUSTOMERS_QUERY: &str =
    "query($o: UUID!) { customers(organizationUuid: $o) { totalCount nodes { fullName } } }";

/// An answer: status, headers, JSON body, and how long it took.
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Value,
    took: Duration,
}

impl Answer {
    /// A 503 of the REST face with `code`, `Retry-After` and no SQL.
    fn assert_rest_503(&self, code: &str) {
        let body = &self.body;
        assert_eq!(self.status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
        assert_eq!(body["error"]["code"], code, "{body}");
        assert_eq!(self.headers["retry-after"], "1", "{body}");
        let text = body.to_string().to_lowercase();
        assert!(!text.contains("select") && !text.contains("sqlx"), "{body}");
    }

    /// A GraphQL-shaped 503 with `code`, in the negotiated media type, with
    /// `Retry-After`.
    fn assert_graphql_503(&self, code: &str) {
        let body = &self.body;
        assert_eq!(self.status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
        assert_eq!(body["errors"][0]["extensions"]["code"], code, "{body}");
        let content_type = self.headers["content-type"].to_str().expect("ASCII");
        assert!(content_type.starts_with(GRAPHQL_RESPONSE), "{content_type}");
        assert_eq!(self.headers["retry-after"], "1", "{body}");
    }

    /// Answered within `bound`.
    fn within(self, bound: Duration) -> Self {
        assert!(self.took < bound, "took {:?}: {}", self.took, self.body);
        self
    }
}

/// Sends `request`; its [`Answer`].
async fn send(request: reqwest::RequestBuilder) -> Answer {
    let asked = Instant::now();
    let response = request.send().await.expect("send");
    let (status, headers) = (response.status(), response.headers().clone());
    let body = response.json().await.expect("a JSON body");
    Answer {
        status,
        headers,
        body,
        took: asked.elapsed(),
    }
}

/// The tenant's customer list over REST.
async fn list(api: &Tenant<'_>) -> Answer {
    send(api.request(Method::GET, "")).await
}

/// `query` over GraphQL, asking for `application/graphql-response+json`.
async fn graphql(api: &Tenant<'_>, query: &str) -> Answer {
    let body = json!({"query": query, "variables": {"o": api.organization}});
    let request = api.app.graphql_request(&api.token);
    send(request.header("accept", GRAPHQL_RESPONSE).json(&body)).await
}

/// Asks for the customer list until it is served; fails past `bound`.
async fn until_served(api: &Tenant<'_>, bound: Duration) {
    let started = Instant::now();
    loop {
        let (status, _) = api.get("").await;
        if status == StatusCode::OK {
            return;
        }
        assert!(started.elapsed() < bound, "still {status} after {bound:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The one number `sql` answers, through `db`.
async fn count(db: &DatabaseConnection, sql: &str) -> i64 {
    db.query_one_raw(sea_orm::Statement::from_string(
        db.get_database_backend(),
        sql,
    ))
    .await
    .expect("query")
    .expect("a row")
    .try_get_by_index(0)
    .expect("a number")
}

/// Another session of the app's database holding `customers` locked
/// against every access until the returned transaction ends: the session
/// (to look at `pg_stat_activity` from) and the transaction.
async fn lock_customers(app: &TestApp) -> (DatabaseConnection, sea_orm::DatabaseTransaction) {
    let admin = db::connect(&app.database_url, None).await.expect("admin");
    let lock = admin.begin().await.expect("begin");
    lock.execute_unprepared("LOCK TABLE customers IN ACCESS EXCLUSIVE MODE")
        .await
        .expect("lock");
    (admin, lock)
}

/// Seeds the app's organization with `customers` customers of 4 feedbacks.
async fn seed(app: &TestApp, organization: uuid::Uuid, customers: u64) {
    let options = customer_graph::demo::SeedOptions {
        customers,
        feedbacks_per_customer: 4,
        random_seed: 5,
    };
    let progress = indicatif::ProgressBar::hidden();
    customer_graph::demo::seed(&app.db, organization, options, &progress)
        .await
        .expect("seed");
}

/// The database goes away (every connection ends, new ones are refused) for
/// a few seconds while a client keeps asking: every answer is a quick 503
/// with `Retry-After` in its face's shape, `/readyz` says 503 quickly, and
/// the first request after the database returns is served within 2 s.
#[tokio::test]
#[cfg_attr(
    not(test_database),
    ignore = "TEST_DATABASE_URL is not set: no PostgreSQL server to run on"
)]
async fn a_database_outage_fails_fast_and_service_resumes_without_a_restart_on_postgres() {
    common::postgres_configured();
    let (url, scratch) = fresh_database(Backend::Postgres).await;
    let proxy = Proxy::start(server_address(&url)).await;
    let through = proxy.url_through(&url);
    let app = spawn_app_on(Backend::Postgres, through, scratch, ServerConfig::default()).await;
    let api = Tenant::new(&app).await;
    common::rest::post_alice(&api).await;
    assert_eq!(list(&api).await.status, StatusCode::OK);

    proxy.go_dark();
    let fast = Duration::from_millis(1_500);
    let outage = Instant::now();
    let mut rounds = 0;
    while outage.elapsed() < Duration::from_secs(3) {
        list(&api).await.within(fast).assert_rest_503("unavailable");
        let answer = graphql(&api, CUSTOMERS_QUERY).await.within(fast);
        answer.assert_graphql_503("SERVICE_UNAVAILABLE");
        let ready = send(app.client.get(app.url("/readyz"))).await.within(fast);
        ready.assert_rest_503("unavailable");
        rounds += 1;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(rounds >= 3, "only {rounds} rounds in the outage");
    assert!(app.metrics_text().await.contains("db_circuit_open 1"));

    proxy.restore();
    until_served(&api, Duration::from_secs(3)).await;
    assert_eq!(app.get("/readyz").await.status(), StatusCode::OK);
    let answer = graphql(&api, CUSTOMERS_QUERY).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.body["data"]["customers"]["totalCount"], 1);
}

/// Every connection of the pool is killed by the server (a failover, an
/// administrator's `pg_terminate_backend`) while nothing runs on them: the
/// next reads, REST and GraphQL, are served without an error, each lost
/// connection replaced by a checked one.
#[tokio::test]
#[cfg_attr(
    not(test_database),
    ignore = "TEST_DATABASE_URL is not set: no PostgreSQL server to run on"
)]
async fn reads_after_every_pooled_connection_was_killed_are_served_on_postgres() {
    common::postgres_configured();
    let app = spawn_app_with(Backend::Postgres, ServerConfig::default()).await;
    let api = Tenant::new(&app).await;
    common::rest::post_alice(&api).await;
    // Open several connections: concurrent reads each hold one.
    for answer in futures_util::future::join_all((0..12).map(|_| list(&api))).await {
        assert_eq!(answer.status, StatusCode::OK);
    }
    let admin = db::connect(&app.database_url, None).await.expect("admin");
    let killed = count(
        &admin,
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .await;
    assert!(killed >= 2, "killed {killed}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    for round in 0..20 {
        let answer = list(&api).await;
        assert_eq!(
            answer.status,
            StatusCode::OK,
            "REST {round}: {}",
            answer.body
        );
        let answer = graphql(&api, CUSTOMERS_QUERY).await;
        assert_eq!(
            answer.status,
            StatusCode::OK,
            "GraphQL {round}: {}",
            answer.body
        );
        assert!(answer.body.get("errors").is_none(), "{}", answer.body);
    }
}

/// A table locked by another session past the request deadline: the
/// requests answer 503 `timeout` at the deadline (GraphQL's in its own
/// shape), and then none of their statements is left waiting on the lock,
/// so `/readyz` and queries that do not touch the table are served while
/// the lock is still held.
#[tokio::test]
#[cfg_attr(
    not(test_database),
    ignore = "TEST_DATABASE_URL is not set: no PostgreSQL server to run on"
)]
async fn a_locked_table_past_the_deadline_leaves_no_statement_waiting_on_postgres() {
    common::postgres_configured();
    // Lock waits longer than the request: the deadline ends them.
    let config = ServerConfig {
        request_timeout_secs: 2,
        db_acquire_timeout_ms: 10_000,
        ..ServerConfig::default()
    };
    let app = spawn_app_with(Backend::Postgres, config).await;
    let api = Tenant::new(&app).await;
    common::rest::post_alice(&api).await;

    let (admin, lock) = lock_customers(&app).await;

    // Fewer requests than the pool has connections (a list takes two), so
    // that each one waits on the lock, not for a connection.
    let rest = futures_util::future::join_all((0..6).map(|_| list(&api)));
    let (answers, graph) = tokio::join!(rest, graphql(&api, CUSTOMERS_QUERY));
    for answer in &answers {
        answer.assert_rest_503("timeout");
        assert!(answer.took < Duration::from_secs(5), "{:?}", answer.took);
    }
    graph.assert_graphql_503("TIMEOUT");

    // The lock is still held. None of our statements waits on it.
    let waiting = Instant::now();
    let lock_waits = "SELECT count(*) FROM pg_stat_activity \
                      WHERE datname = current_database() AND wait_event_type = 'Lock'";
    while count(&admin, lock_waits).await > 0 {
        assert!(
            waiting.elapsed() < Duration::from_secs(2),
            "statements still wait"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(app.get("/readyz").await.status(), StatusCode::OK);
    let unrelated = graphql(&api, "query($o: UUID!) { organization(uuid: $o) { name } }").await;
    assert_eq!(unrelated.status, StatusCode::OK, "{}", unrelated.body);
    assert_eq!(unrelated.body["data"]["organization"]["name"], "Test Org");

    lock.rollback().await.expect("unlock");
    assert_eq!(list(&api).await.status, StatusCode::OK);
}

/// A table locked by another session, with the default settings: every
/// request, of every client, gives up the lock wait after the acquire
/// timeout (`lock_timeout`) and answers 503 `unavailable` naming the lock,
/// however many there are, and the pool is free for everything else.
#[tokio::test]
#[cfg_attr(
    not(test_database),
    ignore = "TEST_DATABASE_URL is not set: no PostgreSQL server to run on"
)]
async fn a_locked_table_holds_no_connection_past_the_acquire_timeout_on_postgres() {
    common::postgres_configured();
    let app = spawn_app_with(Backend::Postgres, ServerConfig::default()).await;
    let api = Tenant::new(&app).await;
    common::rest::post_alice(&api).await;
    let (_admin, lock) = lock_customers(&app).await;

    // More requests than the pool has connections.
    let answers = futures_util::future::join_all((0..30).map(|_| list(&api))).await;
    for answer in &answers {
        answer.assert_rest_503("unavailable");
        assert!(answer.took < Duration::from_secs(3), "{:?}", answer.took);
    }
    assert!(answers.iter().any(|answer| {
        answer.body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("locked"))
    }));
    let graph = graphql(&api, CUSTOMERS_QUERY).await;
    graph.assert_graphql_503("SERVICE_UNAVAILABLE");
    assert_eq!(app.get("/readyz").await.status(), StatusCode::OK);
    let unrelated = graphql(&api, "query($o: UUID!) { organization(uuid: $o) { name } }").await;
    assert_eq!(unrelated.status, StatusCode::OK, "{}", unrelated.body);
    assert!(app.metrics_text().await.contains("db_circuit_open 0"));

    lock.rollback().await.expect("unlock");
    assert_eq!(list(&api).await.status, StatusCode::OK);
}

/// Another process holds SQLite's write lock: a write answers 503 with
/// `Retry-After` once the busy timeout runs out (not a 500, not after 10 s),
/// reads go on being served, and writes land again once the lock is let go.
#[tokio::test]
async fn a_write_lock_held_by_another_process_answers_503_and_reads_go_on_on_sqlite() {
    let app = spawn_app_with(Backend::Sqlite, ServerConfig::default()).await;
    let api = Tenant::new(&app).await;
    common::rest::post_alice(&api).await;

    let other = db::connect(&app.database_url, None)
        .await
        .expect("another process");
    let lock = other.begin().await.expect("begin");
    lock.execute_unprepared("UPDATE organizations SET name = name")
        .await
        .expect("take the write lock");

    for attempt in 0..3 {
        let bob = json!({"full_name": "Bob", "email": common::mail(&format!("bob{attempt}"), "example.com")});
        let answer = send(api.request(Method::POST, "").json(&bob)).await;
        let answer = answer.within(Duration::from_millis(2_500));
        answer.assert_rest_503("unavailable");
        let message = answer.body["error"]["message"].as_str().expect("a message");
        assert!(message.contains("locked"), "{message}");
        assert_eq!(list(&api).await.status, StatusCode::OK);
        assert_eq!(app.get("/readyz").await.status(), StatusCode::OK);
    }

    lock.rollback().await.expect("let go");
    let bob = json!({"full_name": "Bob", "email": common::mail("bob", "example.com")});
    let (status, body) = api.post(bob).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

/// Holds `count` data requests in flight: POSTs whose bodies never come.
async fn hold_requests(api: &Tenant<'_>, count: usize) -> Vec<tokio::net::TcpStream> {
    use tokio::io::AsyncWriteExt;
    let mut held = Vec::new();
    let path = format!("/api/v1/organizations/{}/customers", api.organization);
    for _ in 0..count {
        let mut stream = tokio::net::TcpStream::connect(api.app.address)
            .await
            .expect("connect");
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\
             Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{",
            api.token
        );
        stream.write_all(head.as_bytes()).await.expect("write");
        held.push(stream);
    }
    // Let the server take them in.
    tokio::time::sleep(Duration::from_millis(300)).await;
    held
}

on_each_backend! {
    /// With every slot for data requests taken, one more answers 503
    /// `OVERLOADED` with `Retry-After` at once, in its face's shape, while
    /// the operational routes answer; once the slots free up, it is served.
    async fn a_request_over_the_in_flight_limit_is_shed_at_once(backend) {
        let config = ServerConfig {
            max_requests_in_flight: 2,
            ..ServerConfig::default()
        };
        let app = spawn_app_with(backend, config).await;
        let api = Tenant::new(&app).await;
        let held = hold_requests(&api, 2).await;

        list(&api).await.within(Duration::from_secs(1)).assert_rest_503("overloaded");
        graphql(&api, CUSTOMERS_QUERY).await.assert_graphql_503("OVERLOADED");
        assert_eq!(app.get("/readyz").await.status(), StatusCode::OK);
        let metrics = app.metrics_text().await;
        let shed = "http_requests_shed_total{limit=\"requests_in_flight\"} 2";
        assert!(metrics.contains(shed), "{metrics}");
        assert!(metrics.contains("http_requests_in_flight 2"), "{metrics}");

        drop(held);
        until_served(&api, Duration::from_secs(3)).await;
    }
}

on_each_backend! {
    /// A burst of GraphQL operations over the execution limit, with no time
    /// to wait in line: each answer is either the data or a 503
    /// `OVERLOADED` with `Retry-After` in the GraphQL shape; nothing else.
    async fn a_graphql_burst_over_the_execution_limit_is_shed_with_503_and_nothing_else(backend) {
        let config = ServerConfig {
            graphql_max_in_flight: Some(1),
            graphql_queue_timeout_ms: 0,
            ..ServerConfig::default()
        };
        let app = spawn_app_with(backend, config).await;
        let api = Tenant::new(&app).await;
        seed(&app, api.organization, 60).await;
        let query = "query($o: UUID!) { customers(organizationUuid: $o, pageSize: 50) { nodes { \
                     fullName feedbacks(pageSize: 10) { nodes { uuid } } \
                     feedbackHighlights(pageSize: 10) { nodes { quote } } \
                     insights(pageSize: 5) { nodes { title } } issues(pageSize: 5) { nodes { title } } } } }";
        let answers = futures_util::future::join_all((0..40).map(|_| graphql(&api, query))).await;
        let mut shed = 0;
        for answer in &answers {
            if answer.status == StatusCode::OK {
                assert!(answer.body.get("errors").is_none(), "{}", answer.body);
            } else {
                answer.assert_graphql_503("OVERLOADED");
                shed += 1;
            }
        }
        assert!(shed > 0, "none of 40 concurrent operations was shed with a limit of 1");
        assert!(shed < 40, "every operation was shed");
        let metrics = app.metrics_text().await;
        let counted = format!("http_requests_shed_total{{limit=\"graphql_in_flight\"}} {shed}");
        assert!(metrics.contains(&counted), "{metrics}");
    }
}

/// `--db-max-connections` bounds the connections the app opens, whatever
/// the load; `/metrics` shows the pool.
#[tokio::test]
#[cfg_attr(
    not(test_database),
    ignore = "TEST_DATABASE_URL is not set: no PostgreSQL server to run on"
)]
async fn the_pool_opens_no_more_connections_than_its_setting_on_postgres() {
    common::postgres_configured();
    let config = ServerConfig {
        db_max_connections: Some(3),
        ..ServerConfig::default()
    };
    let app = spawn_app_with(Backend::Postgres, config).await;
    let api = Tenant::new(&app).await;
    common::rest::post_alice(&api).await;
    for answer in futures_util::future::join_all((0..30).map(|_| list(&api))).await {
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    }
    let admin = db::connect(&app.database_url, None).await.expect("admin");
    // The pool's connections, beside the one connection each instance
    // keeps listening for changes (outside the pool).
    let open = count(
        &admin,
        &format!(
            "SELECT count(*) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid() \
             AND application_name <> '{}'",
            customer_graph::live::relay::LISTENER_NAME
        ),
    )
    .await;
    assert!((1..=3).contains(&open), "{open} connections open");
    let metrics = app.metrics_text().await;
    for gauge in [
        "db_pool_max_connections 3",
        "db_pool_connections{state=\"idle\"}",
        "db_circuit_open 0",
    ] {
        assert!(metrics.contains(gauge), "{gauge} in {metrics}");
    }
}

/// The OpenAPI document tells REST clients about the 503 every route may
/// answer, its codes and its `Retry-After`.
#[tokio::test]
async fn the_openapi_document_describes_the_503_of_every_route_on_sqlite() {
    let app = spawn_app_with(Backend::Sqlite, ServerConfig::default()).await;
    let document: Value = app
        .get("/api/v1/openapi.json")
        .await
        .json()
        .await
        .expect("JSON");
    let mut operations = 0;
    for (path, item) in document["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("a path item") {
            let refusal = &operation["responses"]["503"];
            assert!(
                refusal["headers"]["Retry-After"].is_object(),
                "{method} {path}: {refusal}"
            );
            let description = refusal["description"].as_str().unwrap_or_default();
            for code in ["unavailable", "timeout", "overloaded"] {
                assert!(description.contains(code), "{method} {path}: {description}");
            }
            operations += 1;
        }
    }
    // The 8 customer operations with the customer delete, and the feedback
    // API's 8.
    assert_eq!(operations, 17);
}
