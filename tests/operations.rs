//! Running the service: the command line, the operational endpoints
//! (`/healthz`, `/readyz`, `/metrics`), JSON errors for unknown routes and
//! methods, and what a failing database does to the answers: 503s, coded
//! errors without SQL, and the pool's recovery after PostgreSQL drops its
//! connections. Scenarios that touch a database run once per backend
//! (`…::on_sqlite`, `…::on_postgres`); the recovery on PostgreSQL alone,
//! and the metrics, routing and coded-error checks on SQLite alone.

mod common;

use std::process::Command;

use common::{Backend, fresh_database, spawn_app};
use customer_graph::config::ServerConfig;
use customer_graph::{db, store};
use entity::customers;
use reqwest::{Method, StatusCode};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::json;
use uuid::Uuid;

/// The `customer-graph` binary, without a `DATABASE_URL` from the
/// environment and with quiet logs.
fn binary() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_customer-graph"));
    command.env_remove("DATABASE_URL").env("RUST_LOG", "warn");
    command
}

/// Runs `command`, asserting it succeeds: its stdout.
fn run_ok(command: &mut Command) -> String {
    let output = command.output().expect("run the binary");
    assert!(
        output.status.success(),
        "command failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("utf-8 stdout")
}

on_each_backend! {
    async fn the_cli_creates_an_organization_a_working_token_and_seeded_data(backend) {
        let (url, _dir) = fresh_database(backend).await;
        let organization =
            run_ok(binary().args(["--database-url", &url, "org", "create", "--name", "Acme"]));
        let organization = organization.trim();
        assert_eq!(organization.lines().count(), 1, "one line of output");
        let organization: Uuid = organization.parse().expect("a uuid");

        let token = run_ok(
            binary()
                .args([
                    "token",
                    "create",
                    "--organization",
                    &organization.to_string(),
                    "--label",
                    "ci",
                ])
                .env("DATABASE_URL", &url),
        );
        let token = token.trim();
        assert!(token.starts_with("cg_") && token.len() > 40, "{token}");

        run_ok(binary().args([
            "--database-url",
            &url,
            "seed",
            "--organization",
            &organization.to_string(),
            "--customers",
            "12",
            "--feedbacks-per-customer",
            "3",
            "--random-seed",
            "7",
        ]));

        let db = db::connect(&url, None).await.expect("connect");
        assert_eq!(
            store::tokens::organization_for(&db, token)
                .await
                .expect("lookup"),
            Some(organization)
        );
        let count = customers::Entity::find()
            .filter(customers::Column::OrganizationUuid.eq(organization))
            .all(&db)
            .await
            .expect("customers")
            .len();
        assert_eq!(count, 12, "{backend:?}");
        let listed = run_ok(binary().args([
            "--database-url",
            &url,
            "token",
            "list",
            "--organization",
            &organization.to_string(),
        ]));
        assert_eq!(listed.lines().count(), 1);
        assert!(listed.contains("\tci\t"), "{listed}");
    }
}

#[test]
fn every_command_has_help_text() {
    for args in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["migrate", "--help"],
        vec!["org", "create", "--help"],
        vec!["token", "create", "--help"],
        vec!["token", "revoke", "--help"],
        vec!["seed", "--help"],
    ] {
        let help = run_ok(binary().args(&args));
        assert!(help.contains("--database-url"), "{args:?}: {help}");
    }
}

#[test]
fn a_bad_database_url_exits_with_one_clear_line() {
    for url in ["mysql://localhost/x", "postgres://nobody@127.0.0.1:1/none"] {
        let output = binary()
            .args(["--database-url", url, "migrate"])
            .output()
            .expect("run");
        assert!(!output.status.success());
        let stderr = String::from_utf8_lossy(&output.stderr);
        let lines: Vec<_> = stderr
            .lines()
            .filter(|line| !line.trim().is_empty())
            .collect();
        assert_eq!(lines.len(), 1, "{url}: {stderr}");
        assert!(lines[0].starts_with("error: "), "{url}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn a_token_for_a_missing_organization_is_refused() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("cli.db").display());
    let output = binary()
        .args([
            "--database-url",
            &url,
            "token",
            "create",
            "--organization",
            &Uuid::new_v4().to_string(),
        ])
        .output()
        .expect("run");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("does not exist"));
    assert!(output.stdout.is_empty(), "nothing on stdout when it fails");
}

#[tokio::test]
#[cfg_attr(
    not(test_database),
    ignore = "TEST_DATABASE_URL is not set: no PostgreSQL server to run on"
)]
async fn connections_the_database_dropped_answer_503_and_the_pool_recovers_on_postgres() {
    common::postgres_configured();
    let app = spawn_app(Backend::Postgres).await;
    let (organization, token) = app.organization_with_token().await;
    let list = app.url(&format!("/api/v1/organizations/{organization}/customers"));
    let get = || app.client.get(&list).bearer_auth(&token).send();
    // Fill the pool with busy-then-idle connections, as traffic leaves it.
    let warm: Vec<_> = (0..6).map(|_| get()).collect();
    for answer in futures_util::future::join_all(warm).await {
        assert_eq!(answer.expect("send").status(), 200);
    }
    // What a PostgreSQL restart does to them.
    let admin = db::connect(&app.database_url, None).await.expect("connect");
    admin
        .execute_unprepared(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
        )
        .await
        .expect("terminate");
    let mut statuses = Vec::new();
    for _ in 0..40 {
        let answer = get().await.expect("send");
        let status = answer.status().as_u16();
        let body: serde_json::Value = answer.json().await.expect("JSON body");
        if status == 503 {
            assert_eq!(body["error"]["code"], "unavailable", "{body}");
        }
        statuses.push(status);
        if status == 200 {
            break;
        }
    }
    assert!(
        statuses
            .iter()
            .all(|status| *status == 200 || *status == 503),
        "a lost connection is the database's outage, not our fault: {statuses:?}"
    );
    assert_eq!(statuses.last(), Some(&200), "the pool heals: {statuses:?}");
}

on_each_backend! {
    async fn healthz_and_readyz_answer_and_readyz_fails_when_the_database_is_gone(backend) {
        let app = spawn_app(backend).await;
        let health = app.get("/healthz").await;
        assert_eq!(health.status(), 200);
        let ready = app.get("/readyz").await;
        assert_eq!(ready.status(), 200);

        app.db.close_by_ref().await.expect("close pool");
        let broken = app.get("/readyz").await;
        assert_eq!(broken.status(), 503, "{backend:?}");
        let body: serde_json::Value = broken.json().await.expect("json");
        assert_eq!(body["error"]["code"], "unavailable");
        let health = app.get("/healthz").await;
        assert_eq!(health.status(), 200, "the process is still up");
    }
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_status_and_every_sql_statement() {
    let app = spawn_app(Backend::Sqlite).await;
    let before = app.metrics.statements();
    for _ in 0..3 {
        app.get("/readyz").await;
    }
    app.get("/no/such/route").await;
    assert_eq!(
        app.metrics.statements() - before,
        3,
        "one SELECT 1 per readyz"
    );

    let text = app.metrics_text().await;
    assert!(
        text.contains(r#"http_requests_total{method="GET",route="/readyz",status="200"} 3"#),
        "{text}"
    );
    assert!(
        text.contains(r#"route="unmatched",status="404"} 1"#),
        "{text}"
    );
    // Label order carries no meaning in the exposition formats; the encoder
    // writes `le` first.
    assert!(
        text.lines().any(|line| {
            line.starts_with("http_request_duration_seconds_bucket{")
                && line.ends_with("} 3")
                && [r#"method="GET""#, r#"route="/readyz""#, r#"le="+Inf""#]
                    .iter()
                    .all(|label| line.contains(label))
        }),
        "{text}"
    );
    assert!(text.contains("db_statements_total "), "{text}");
}

/// A scraper that asks for OpenMetrics (Prometheus does) gets it under its
/// own media type; any other client, a browser say, gets the same text as
/// plain text, which it shows instead of downloading.
#[tokio::test]
async fn metrics_answer_openmetrics_to_a_scraper_and_plain_text_to_a_browser() {
    let app = spawn_app(Backend::Sqlite).await;
    let scrape =
        "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
    let browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
    for (accept, expected) in [
        (
            Some(scrape),
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        ),
        (Some(browser), "text/plain; charset=utf-8"),
        (
            Some("application/openmetrics-text;q=0"),
            "text/plain; charset=utf-8",
        ),
        (None, "text/plain; charset=utf-8"),
    ] {
        let mut request = app.client.get(app.url("/metrics"));
        if let Some(accept) = accept {
            request = request.header("Accept", accept);
        }
        let answer = request.send().await.expect("GET /metrics");
        assert_eq!(answer.status(), 200);
        assert_eq!(answer.headers()["content-type"], expected, "{accept:?}");
        let text = answer.text().await.expect("text");
        assert!(text.ends_with("# EOF\n"), "{text}");
    }
}

#[tokio::test]
async fn unknown_routes_and_wrong_methods_answer_json_errors() {
    let app = spawn_app(Backend::Sqlite).await;
    let missing = app.get("/nope").await;
    assert_eq!(missing.status(), 404);
    let body: serde_json::Value = missing.json().await.expect("json");
    assert_eq!(body["error"]["code"], "not_found");

    let wrong = app
        .client
        .post(app.url("/healthz"))
        .send()
        .await
        .expect("send");
    assert_eq!(wrong.status(), 405);
    let body: serde_json::Value = wrong.json().await.expect("json");
    assert_eq!(body["error"]["code"], "method_not_allowed");
}

#[tokio::test]
async fn a_database_failure_answers_a_coded_error_without_sql() {
    let app = spawn_app(Backend::Sqlite).await;
    let (organization, token) = app.organization_with_token().await;
    // Authenticate first, then take the database away mid-flight by closing the pool.
    let query = json!({"query": "query($o: UUID!) { customers(organizationUuid: $o) { totalCount } }", "variables": {"o": organization}});
    let state = customer_graph::app::AppState::new(
        app.pool.clone(),
        app.metrics.clone(),
        ServerConfig::default(),
    );
    let tenant = customer_graph::auth::authenticate(&state, Some(&token))
        .await
        .expect("valid token");
    app.db.close_by_ref().await.expect("close");
    let request: async_graphql::Request = serde_json::from_value(query).expect("request");
    let response = state.execute(tenant, request).await;
    let body = serde_json::to_string(&response).expect("json");
    assert!(!body.to_lowercase().contains("select"), "{body}");
    assert!(!body.contains("customers c"), "{body}");
    let code = response.errors[0]
        .extensions
        .as_ref()
        .and_then(|e| e.get("code"))
        .cloned();
    assert!(
        matches!(code, Some(async_graphql::Value::String(ref c)) if c == "SERVICE_UNAVAILABLE" || c == "INTERNAL_SERVER_ERROR"),
        "{body}"
    );
}

#[tokio::test]
async fn unknown_http_methods_share_one_metrics_label() {
    let app = spawn_app(Backend::Sqlite).await;
    for method in ["FOOA", "FOOB", "BREW"] {
        let response = app
            .client
            .request(
                Method::from_bytes(method.as_bytes()).expect("method"),
                app.url("/healthz"),
            )
            .send()
            .await
            .expect("send");
        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    }
    let metrics = app.metrics_text().await;
    assert!(
        metrics.contains(r#"http_requests_total{method="OTHER",route="/healthz",status="405"} 3"#),
        "{metrics}"
    );
    assert!(!metrics.contains("FOOA"));
}
