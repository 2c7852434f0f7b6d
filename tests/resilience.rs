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
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, TransactionTrait};
use serde_json::{Value, json};

/// The media type GraphQL over HTTP answers in when asked.
const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

/// A 503 of the REST face: its code, and `Retry-After` present.
fn assert_rest_503(
    status: StatusCode,
    headers: &reqwest::header::HeaderMap,
    body: &Value,
    code: &str,
) {
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["error"]["code"], code, "{body}");
    assert_eq!(headers["retry-after"], "1", "{body}");
    let text = body.to_string().to_lowercase();
    assert!(!text.contains("select") && !text.contains("sqlx"), "{body}");
}

/// Sends a GraphQL query asking for `application/graphql-response+json`:
/// the status, the headers and the body.
async fn graphql(
    app: &TestApp,
    token: &str,
    query: &str,
    variables: Value,
) -> (StatusCode, reqwest::header::HeaderMap, Value) {
    let response = app
        .graphql_request(token)
        .header("accept", GRAPHQL_RESPONSE)
        .json(&json!({"query": query, "variables": variables}))
        .send()
        .await
        .expect("send");
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.json().await.expect("a JSON body");
    (status, headers, body)
}

/// A GraphQL-shaped 503 in the negotiated media type, with `Retry-After`.
fn assert_graphql_503(
    status: StatusCode,
    headers: &reqwest::header::HeaderMap,
    body: &Value,
    code: &str,
) {
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], code, "{body}");
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with(GRAPHQL_RESPONSE),
        "{headers:?}"
    );
    assert_eq!(headers["retry-after"], "1", "{body}");
}

const CUSTOMERS_QUERY: &str =
    "query($o: UUID!) { customers(organizationUuid: $o) { totalCount nodes { fullName } } }";

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
    let app = spawn_app_on(
        Backend::Postgres,
        proxy.url_through(&url),
        scratch,
        ServerConfig::default(),
    )
    .await;
    let api = Tenant::new(&app).await;
    common::rest::post_alice(&api).await;
    assert_eq!(api.get("").await.0, StatusCode::OK);

    proxy.go_dark();
    let outage = Instant::now();
    let mut answered = 0;
    while outage.elapsed() < Duration::from_secs(3) {
        let asked = Instant::now();
        let response = api
            .request(reqwest::Method::GET, "")
            .send()
            .await
            .expect("send");
        let (status, headers) = (response.status(), response.headers().clone());
        let body: Value = response.json().await.expect("json");
        assert!(
            asked.elapsed() < Duration::from_millis(1_500),
            "took {:?}",
            asked.elapsed()
        );
        assert_rest_503(status, &headers, &body, "unavailable");

        let asked = Instant::now();
        let (status, headers, body) = graphql(
            &app,
            &api.token,
            CUSTOMERS_QUERY,
            json!({"o": api.organization}),
        )
        .await;
        assert!(asked.elapsed() < Duration::from_millis(1_500));
        assert_graphql_503(status, &headers, &body, "SERVICE_UNAVAILABLE");

        let asked = Instant::now();
        let ready = app.get("/readyz").await;
        assert!(asked.elapsed() < Duration::from_millis(1_500));
        assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(ready.headers()["retry-after"], "1");
        answered += 1;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(answered >= 3, "only {answered} rounds in the outage");
    assert!(app.metrics_text().await.contains("db_circuit_open 1"));

    proxy.restore();
    let back = Instant::now();
    loop {
        let (status, _) = api.get("").await;
        if status == StatusCode::OK {
            break;
        }
        assert!(
            back.elapsed() < Duration::from_secs(3),
            "still {status} {:?} after the database returned",
            back.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(app.get("/readyz").await.status(), StatusCode::OK);
    let (status, _, body) = graphql(
        &app,
        &api.token,
        CUSTOMERS_QUERY,
        json!({"o": api.organization}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["customers"]["totalCount"], 1);
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
    let warm: Vec<_> = (0..12).map(|_| api.get("")).collect();
    for (status, _) in futures_util::future::join_all(warm).await {
        assert_eq!(status, StatusCode::OK);
    }
    let admin = db::connect(&app.database_url, None).await.expect("admin");
    let killed = admin
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SELECT count(pg_terminate_backend(pid)) AS killed FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
        ))
        .await
        .expect("terminate")
        .expect("a row")
        .try_get::<i64>("", "killed")
        .expect("count");
    assert!(killed >= 2, "killed {killed}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    for round in 0..20 {
        let (status, body) = api.get("").await;
        assert_eq!(status, StatusCode::OK, "REST read {round}: {body}");
        let (status, _, body) = graphql(
            &app,
            &api.token,
            CUSTOMERS_QUERY,
            json!({"o": api.organization}),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "GraphQL read {round}: {body}");
        assert!(body.get("errors").is_none(), "GraphQL read {round}: {body}");
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
    let config = ServerConfig {
        request_timeout_secs: 2,
        ..ServerConfig::default()
    };
    let app = spawn_app_with(Backend::Postgres, config).await;
    let api = Tenant::new(&app).await;
    common::rest::post_alice(&api).await;

    let admin = db::connect(&app.database_url, None).await.expect("admin");
    let lock = admin.begin().await.expect("begin");
    lock.execute_unprepared("LOCK TABLE customers IN ACCESS EXCLUSIVE MODE")
        .await
        .expect("lock");

    let started = Instant::now();
    let rest = (0..20).map(|_| async {
        let response = api
            .request(reqwest::Method::GET, "")
            .send()
            .await
            .expect("send");
        let (status, headers) = (response.status(), response.headers().clone());
        (
            status,
            headers,
            response.json::<Value>().await.expect("json"),
        )
    });
    let graph = graphql(
        &app,
        &api.token,
        CUSTOMERS_QUERY,
        json!({"o": api.organization}),
    );
    let (answers, (status, headers, body)) =
        tokio::join!(futures_util::future::join_all(rest), graph);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    for (status, headers, body) in &answers {
        // At the deadline; or, for the requests the busy pool had no
        // connection for, when the acquire timeout ran out.
        let code = body["error"]["code"].as_str().unwrap_or_default();
        assert!(code == "timeout" || code == "unavailable", "{body}");
        assert_rest_503(*status, headers, body, code);
    }
    assert!(
        answers
            .iter()
            .any(|(_, _, body)| body["error"]["code"] == "timeout")
    );
    assert_graphql_503(status, &headers, &body, "TIMEOUT");

    // The lock is still held. None of our statements waits on it.
    let waiting = Instant::now();
    loop {
        let row = admin
            .query_one_raw(sea_orm::Statement::from_string(
                sea_orm::DbBackend::Postgres,
                "SELECT count(*) AS waiting FROM pg_stat_activity \
                 WHERE datname = current_database() AND wait_event_type = 'Lock'",
            ))
            .await
            .expect("activity")
            .expect("a row");
        let count: i64 = row.try_get("", "waiting").expect("count");
        if count == 0 {
            break;
        }
        assert!(
            waiting.elapsed() < Duration::from_secs(2),
            "{count} statements still wait on the lock"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(app.get("/readyz").await.status(), StatusCode::OK);
    let (status, _, body) = graphql(
        &app,
        &api.token,
        "query($o: UUID!) { organization(uuid: $o) { name } }",
        json!({"o": api.organization}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["organization"]["name"], "Test Org");

    lock.rollback().await.expect("unlock");
    assert_eq!(api.get("").await.0, StatusCode::OK);
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
        let asked = Instant::now();
        let response = api
            .request(reqwest::Method::POST, "")
            .json(&json!({"full_name": "Bob", "email": common::mail(&format!("bob{attempt}"), "example.com")}))
            .send()
            .await
            .expect("send");
        let (status, headers) = (response.status(), response.headers().clone());
        let body: Value = response.json().await.expect("json");
        assert!(
            asked.elapsed() < Duration::from_millis(2_500),
            "took {:?}",
            asked.elapsed()
        );
        assert_rest_503(status, &headers, &body, "unavailable");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("locked"),
            "{body}"
        );
        let (status, body) = api.get("").await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(app.get("/readyz").await.status(), StatusCode::OK);
    }

    lock.rollback().await.expect("let go");
    let (status, body) = api
        .post(json!({"full_name": "Bob", "email": common::mail("bob", "example.com")}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

/// Holds `count` data requests in flight: POSTs whose bodies never come.
async fn hold_requests(
    app: &TestApp,
    api: &Tenant<'_>,
    count: usize,
) -> Vec<tokio::net::TcpStream> {
    use tokio::io::AsyncWriteExt;
    let mut held = Vec::new();
    let path = format!("/api/v1/organizations/{}/customers", api.organization);
    for _ in 0..count {
        let mut stream = tokio::net::TcpStream::connect(app.address)
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
        let held = hold_requests(&app, &api, 2).await;

        let asked = Instant::now();
        let response = api.request(reqwest::Method::GET, "").send().await.expect("send");
        let (status, headers) = (response.status(), response.headers().clone());
        let body: Value = response.json().await.expect("json");
        assert!(asked.elapsed() < Duration::from_secs(1));
        assert_rest_503(status, &headers, &body, "overloaded");
        let (status, headers, body) =
            graphql(&app, &api.token, CUSTOMERS_QUERY, json!({"o": api.organization})).await;
        assert_graphql_503(status, &headers, &body, "OVERLOADED");
        assert_eq!(app.get("/readyz").await.status(), StatusCode::OK);
        let metrics = app.metrics_text().await;
        assert!(metrics.contains("http_requests_shed_total{limit=\"requests_in_flight\"} 2"), "{metrics}");
        assert!(metrics.contains("http_requests_in_flight 2"), "{metrics}");

        drop(held);
        let freed = Instant::now();
        loop {
            let (status, _) = api.get("").await;
            if status == StatusCode::OK {
                break;
            }
            assert!(freed.elapsed() < Duration::from_secs(3), "still {status}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

on_each_backend! {
    /// A burst of GraphQL operations over the execution limit, with no time
    /// to wait in line: each answer is either the data or a 503
    /// `OVERLOADED` with `Retry-After` in the GraphQL shape; nothing else.
    async fn a_graphql_burst_over_the_execution_limit_is_shed_with_503_and_nothing_else(backend) {
        let config = ServerConfig {
            graphql_max_in_flight: 1,
            graphql_queue_timeout_ms: 0,
            ..ServerConfig::default()
        };
        let app = spawn_app_with(backend, config).await;
        let (organization, token) = app.organization_with_token().await;
        customer_graph::demo::seed(
            &app.db,
            organization,
            customer_graph::demo::SeedOptions {
                customers: 60,
                feedbacks_per_customer: 4,
                random_seed: 5,
            },
            &indicatif::ProgressBar::hidden(),
        )
        .await
        .expect("seed");
        let query = "query($o: UUID!) { customers(organizationUuid: $o, pageSize: 50) { nodes { fullName \
                     feedbacks(pageSize: 10) { nodes { uuid } } feedbackHighlights(pageSize: 10) { nodes { quote } } \
                     insights(pageSize: 5) { nodes { title } } issues(pageSize: 5) { nodes { title } } } } }";
        let burst = (0..40).map(|_| graphql(&app, &token, query, json!({"o": organization})));
        let answers = futures_util::future::join_all(burst).await;
        let mut shed = 0;
        for (status, headers, body) in &answers {
            if *status == StatusCode::OK {
                assert!(body.get("errors").is_none(), "{body}");
            } else {
                assert_graphql_503(*status, headers, body, "OVERLOADED");
                shed += 1;
            }
        }
        assert!(shed > 0, "none of 40 concurrent operations was shed with a limit of 1");
        assert!(shed < 40, "every operation was shed");
        let metrics = app.metrics_text().await;
        assert!(
            metrics.contains(&format!("http_requests_shed_total{{limit=\"graphql_in_flight\"}} {shed}")),
            "{metrics}"
        );
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
    let load: Vec<_> = (0..30).map(|_| api.get("")).collect();
    for (status, body) in futures_util::future::join_all(load).await {
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let admin = db::connect(&app.database_url, None).await.expect("admin");
    let row = admin
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SELECT count(*) AS open FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
        ))
        .await
        .expect("activity")
        .expect("a row");
    let open: i64 = row.try_get("", "open").expect("count");
    assert!((1..=3).contains(&open), "{open} connections open");
    let metrics = app.metrics_text().await;
    assert!(metrics.contains("db_pool_max_connections 3"), "{metrics}");
    assert!(
        metrics.contains("db_pool_connections{state=\"idle\"}"),
        "{metrics}"
    );
    assert!(metrics.contains("db_circuit_open 0"), "{metrics}");
}
