//! The foundation under both faces: the migrations and the constraints they
//! enforce, the command line, the token extractor, the operational endpoints
//! (`/healthz`, `/readyz`, `/metrics`), the seeded demo data and the
//! read-path migration of existing rows. Scenarios that touch a database run
//! once per backend (`…::on_sqlite`, `…::on_postgres`); the pool's recovery
//! after PostgreSQL drops its connections runs on PostgreSQL alone, and the
//! metrics and routing checks on SQLite alone.

mod common;

use std::collections::HashMap;
use std::process::Command;

use axum::Router;
use axum::routing::get;
use common::{Backend, fresh_database, mail, spawn_app};
use customer_graph::app::AppState;
use customer_graph::auth::Tenant;
use customer_graph::config::ServerConfig;
use customer_graph::demo::{SeedOptions, SeedReport, seed};
use customer_graph::metrics::Metrics;
use customer_graph::{db, store};
use entity::{customers, feedback_highlights, feedbacks, insight_highlights, issue_highlights};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter, QueryOrder, Statement,
};
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

/// The names of the app database's tables, sorted.
async fn table_names(app: &common::TestApp) -> Vec<String> {
    let sql = match app.backend {
        Backend::Sqlite => "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
        Backend::Postgres => {
            "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        }
    };
    app.db
        .query_all_raw(Statement::from_string(app.db.get_database_backend(), sql))
        .await
        .expect("list tables")
        .iter()
        .map(|row| row.try_get::<String>("", "name").expect("name"))
        .collect()
}

/// A new customer of `organization` with `email`, as an entity to insert.
fn customer(organization: Uuid, email: &str) -> customers::ActiveModel {
    let now = store::now();
    customers::ActiveModel {
        uuid: Set(Uuid::new_v4()),
        organization_uuid: Set(organization),
        full_name: Set("Alice Johnson".into()),
        email: Set(email.into()),
        role: Set(None),
        persona_uuid: Set(None),
        customer_company_uuid: Set(None),
        last_interacted_date: Set(None),
        feedback_count: Set(0),
        search_text: Set(String::new()),
        email_folded: Set(entity::folding::fold(email)),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    }
}

on_each_backend! {
    /// Every table exists, and applying the migrations again changes nothing.
    async fn the_migrations_create_every_table_and_run_again_without_change(backend) {
        let app = spawn_app(backend).await;
        let tables = table_names(&app).await;
        for table in [
            "organizations",
            "api_tokens",
            "customer_companies",
            "personas",
            "customers",
            "feedbacks",
            "feedback_highlights",
            "insights",
            "issues",
            "insight_highlights",
            "issue_highlights",
        ] {
            assert!(
                tables.contains(&table.to_owned()),
                "{backend:?}: no table {table} in {tables:?}"
            );
        }
        db::migrate(&app.db).await.expect("second migration run");
    }
}

on_each_backend! {
    async fn an_email_is_unique_within_an_organization_but_not_across_them(backend) {
        let app = spawn_app(backend).await;
        let (first, _) = app.organization_with_token().await;
        let (second, _) = app.organization_with_token().await;
        customer(first, &mail("alice", "example.com"))
            .insert(&app.db)
            .await
            .expect("first insert");
        let duplicate = customer(first, &mail("alice", "example.com"))
            .insert(&app.db)
            .await;
        let error = duplicate.expect_err("the same email twice in one organization is refused");
        assert!(
            customer_graph::error::is_unique_violation(&error),
            "{backend:?}: {error}"
        );
        customer(second, &mail("alice", "example.com"))
            .insert(&app.db)
            .await
            .expect("the same email in another organization is fine");
    }
}

on_each_backend! {
    /// Foreign keys are enforced (SQLite needs them switched on per connection).
    async fn a_customer_of_a_missing_organization_is_refused(backend) {
        let app = spawn_app(backend).await;
        let orphan = customer(Uuid::new_v4(), &mail("orphan", "example.com"))
            .insert(&app.db)
            .await;
        assert!(
            orphan.is_err(),
            "{backend:?}: a customer of a missing organization was accepted"
        );
    }
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

/// Serves a route that answers the organization of the token extractor's
/// tenant, over the app's state: its URL.
async fn serve_whoami(app: &common::TestApp) -> String {
    let state = AppState::new(app.db.clone(), app.metrics.clone(), ServerConfig::default());
    let router = Router::new()
        .route(
            "/whoami",
            get(|tenant: Tenant| async move { tenant.organization_uuid.to_string() }),
        )
        .with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{address}/whoami")
}

#[tokio::test]
async fn connections_the_database_dropped_answer_503_and_the_pool_recovers_on_postgres() {
    if !common::postgres_configured() {
        eprintln!("TEST_DATABASE_URL is not set: the PostgreSQL run is skipped");
        return;
    }
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
    async fn the_token_extractor_grants_a_valid_token_and_refuses_every_other(backend) {
        let app = spawn_app(backend).await;
        let url = serve_whoami(&app).await;
        let (organization, token) = app.organization_with_token().await;

        let ok = app
            .client
            .get(&url)
            .bearer_auth(&token)
            .send()
            .await
            .expect("send");
        assert_eq!(ok.status(), 200);
        assert_eq!(ok.text().await.expect("body"), organization.to_string());

        let (_, other_token) = app.organization_with_token().await;
        let tokens = store::tokens::list(&app.db, organization)
            .await
            .expect("list");
        assert!(
            store::tokens::revoke(&app.db, tokens[0].uuid)
                .await
                .expect("revoke")
        );

        for (case, header) in [
            ("missing", None),
            ("unknown", Some("Bearer cg_0000".to_owned())),
            ("wrong scheme", Some(format!("Basic {other_token}"))),
            ("empty", Some("Bearer ".to_owned())),
            ("revoked", Some(format!("Bearer {token}"))),
        ] {
            let mut request = app.client.get(&url);
            if let Some(header) = header {
                request = request.header("Authorization", header);
            }
            let response = request.send().await.expect("send");
            assert_eq!(response.status(), 401, "{backend:?} {case}");
            assert_eq!(
                response
                    .headers()
                    .get("www-authenticate")
                    .map(|v| v.to_str().unwrap_or("")),
                Some("Bearer"),
                "{case}"
            );
            let body: serde_json::Value = response.json().await.expect("json body");
            assert_eq!(body["error"]["code"], "unauthorized", "{case}");
            assert!(
                body["error"]["message"]
                    .as_str()
                    .is_some_and(|m| !m.is_empty())
            );
        }
    }
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

/// Stores an organization with a chosen `uuid`, so seeded rows can be
/// compared across databases.
async fn organization_with_uuid(db: &DatabaseConnection, uuid: Uuid) {
    entity::organizations::ActiveModel {
        uuid: Set(uuid),
        name: Set("Seeded".into()),
        created_at: Set(store::now()),
        customer_count: Set(0),
    }
    .insert(db)
    .await
    .expect("organization");
}

/// The seeding of the seeded-data scenarios: 30 customers of 4 feedbacks each.
const SEED: SeedOptions = SeedOptions {
    customers: 30,
    feedbacks_per_customer: 4,
    random_seed: 99,
};

/// A fresh, migrated database of `backend` holding `organization`, seeded
/// with [`SEED`]; the guard that removes it, and what the seeding reported.
async fn seeded_database(
    backend: Backend,
    organization: Uuid,
) -> (DatabaseConnection, common::Scratch, SeedReport) {
    let (url, scratch) = fresh_database(backend).await;
    let db = db::connect_and_migrate(&url, Some(std::sync::Arc::new(Metrics::default())))
        .await
        .expect("db");
    organization_with_uuid(&db, organization).await;
    let report = seed(&db, organization, SEED, &indicatif::ProgressBar::hidden())
        .await
        .expect("seed");
    assert_eq!(report.customers, 30);
    assert_eq!(report.feedbacks, 120);
    (db, scratch, report)
}

/// Every customer, by email.
async fn customers_by_email(db: &DatabaseConnection) -> Vec<customers::Model> {
    customers::Entity::find()
        .order_by_asc(customers::Column::Email)
        .all(db)
        .await
        .expect("customers")
}

on_each_backend! {
    async fn seeded_customers_count_and_date_their_own_feedbacks(backend) {
        let organization = Uuid::new_v4();
        let (db, _scratch, _) = seeded_database(backend, organization).await;
        let all_customers = customers_by_email(&db).await;
        let all_feedbacks = feedbacks::Entity::find().all(&db).await.expect("feedbacks");
        assert_eq!(all_customers.len(), 30);
        assert_eq!(all_feedbacks.len(), 120);

        let mut per_customer: HashMap<Uuid, Vec<&feedbacks::Model>> = HashMap::new();
        for feedback in &all_feedbacks {
            assert_eq!(feedback.organization_uuid, organization);
            per_customer
                .entry(feedback.customer_uuid)
                .or_default()
                .push(feedback);
        }
        for customer in &all_customers {
            let theirs = &per_customer[&customer.uuid];
            assert_eq!(customer.feedback_count, theirs.len() as i64);
            let latest = theirs.iter().map(|feedback| feedback.feedback_date).max();
            assert_eq!(customer.last_interacted_date, latest, "{backend:?}");
        }
    }
}

on_each_backend! {
    /// One to three highlights a feedback, each with its feedback's customer
    /// and date copied, and insight and issue links with the highlight's customer.
    async fn seeded_highlights_and_links_copy_their_feedbacks_customer_and_date(backend) {
        let (db, _scratch, _) = seeded_database(backend, Uuid::new_v4()).await;
        let all_feedbacks = feedbacks::Entity::find().all(&db).await.expect("feedbacks");
        let highlights = feedback_highlights::Entity::find()
            .all(&db)
            .await
            .expect("highlights");
        let feedback_by_uuid: HashMap<Uuid, &feedbacks::Model> = all_feedbacks
            .iter()
            .map(|feedback| (feedback.uuid, feedback))
            .collect();
        let mut per_feedback: HashMap<Uuid, usize> = HashMap::new();
        for highlight in &highlights {
            assert!((-1.0..=1.0).contains(&highlight.sentiment_score));
            let feedback = feedback_by_uuid[&highlight.feedback_uuid];
            assert_eq!(
                highlight.customer_uuid, feedback.customer_uuid,
                "{backend:?}"
            );
            assert_eq!(
                highlight.feedback_date, feedback.feedback_date,
                "{backend:?}"
            );
            *per_feedback.entry(highlight.feedback_uuid).or_default() += 1;
        }
        assert_eq!(per_feedback.len(), 120, "every feedback has highlights");
        assert!(per_feedback.values().all(|count| (1..=3).contains(count)));
        let insight_links = insight_highlights::Entity::find()
            .all(&db)
            .await
            .expect("links");
        let issue_links = issue_highlights::Entity::find()
            .all(&db)
            .await
            .expect("links");
        assert!(!insight_links.is_empty() && !issue_links.is_empty());
        let customer_of: HashMap<Uuid, Uuid> = highlights
            .iter()
            .map(|highlight| (highlight.uuid, highlight.customer_uuid))
            .collect();
        for (highlight, customer) in insight_links
            .iter()
            .map(|link| (link.highlight_uuid, link.customer_uuid))
            .chain(
                issue_links
                    .iter()
                    .map(|link| (link.highlight_uuid, link.customer_uuid)),
            )
        {
            assert_eq!(customer_of[&highlight], customer, "{backend:?}");
        }
    }
}

on_each_backend! {
    /// Seeding again adds new customers without colliding, counts them, and
    /// reuses the organization's personas, insights and issues.
    async fn seeding_again_adds_customers_and_reuses_personas_insights_and_issues(backend) {
        let organization = Uuid::new_v4();
        let (db, _scratch, report) = seeded_database(backend, organization).await;
        let again = seed(
            &db,
            organization,
            SeedOptions {
                customers: 5,
                ..SEED
            },
            &indicatif::ProgressBar::hidden(),
        )
        .await
        .expect("second seed");
        assert_eq!(
            [again.personas, again.insights, again.issues],
            [0, 0, 0],
            "{backend:?}: reused"
        );
        assert_eq!(
            entity::personas::Entity::find()
                .all(&db)
                .await
                .expect("personas")
                .len() as u64,
            report.personas,
            "{backend:?}: no persona added"
        );
        let total = customers::Entity::find()
            .all(&db)
            .await
            .expect("customers")
            .len();
        assert_eq!(total, 35);
        let stored = store::organizations::find(&db, organization)
            .await
            .expect("organization")
            .expect("exists")
            .customer_count;
        assert_eq!(stored, 35, "{backend:?}: the stored customer count");
    }
}

on_each_backend! {
    /// The same seed gives the same customers on this backend as on a fresh
    /// SQLite database (so SQLite's run compares SQLite with itself, and
    /// PostgreSQL's compares the two backends).
    async fn the_same_seed_gives_the_same_rows_on_every_backend(backend) {
        let organization = Uuid::new_v4();
        let mut fingerprints = Vec::new();
        for backend in [backend, Backend::Sqlite] {
            let (db, _scratch, _) = seeded_database(backend, organization).await;
            fingerprints.push(
                customers_by_email(&db)
                    .await
                    .iter()
                    .map(|customer| {
                        (
                            customer.uuid,
                            customer.email.clone(),
                            customer.last_interacted_date,
                        )
                    })
                    .collect::<Vec<_>>(),
            );
        }
        assert!(
            fingerprints.windows(2).all(|pair| pair[0] == pair[1]),
            "{backend:?}: same seed, same rows"
        );
    }
}

on_each_backend! {
    /// Rows written under the previous schema get their copied columns and their
    /// organization's customer count when the read-path migration runs.
    async fn the_read_path_migration_fills_the_copied_columns_of_existing_rows(backend) {
        use migration::{Migrator, MigratorTrait};

        let (url, _dir) = fresh_database(backend).await;
        let db = db::connect(&url, None).await.expect("db");
        Migrator::up(&db, Some(2))
            .await
            .expect("first two migrations");
        let [organization, customer, feedback, highlight, insight, issue] =
            [(); 6].map(|()| Uuid::new_v4());
        let now = store::now();
        let given = now - chrono::TimeDelta::days(3);
        // One row of each table, with the columns the second migration left.
        let rows: [(&str, &str, Vec<sea_orm::Value>); 8] = [
            ("organizations", "uuid, name, created_at",
             vec![organization.into(), "Old".into(), now.into()]),
            ("customers",
             "uuid, organization_uuid, full_name, email, feedback_count, \
              last_interacted_date, search_text, created_at, updated_at",
             vec![customer.into(), organization.into(), "Ada".into(),
                  mail("ada", "example.com").into(), 1i64.into(), given.into(),
                  "ada".into(), now.into(), now.into()]),
            ("feedbacks",
             "uuid, organization_uuid, customer_uuid, feedback_contents, \
              feedback_date, source, created_at",
             vec![feedback.into(), organization.into(), customer.into(), "Slow.".into(),
                  given.into(), "email".into(), now.into()]),
            ("feedback_highlights",
             "uuid, organization_uuid, feedback_uuid, quote, sentiment_score, created_at",
             vec![highlight.into(), organization.into(), feedback.into(), "Slow".into(),
                  (-0.5f64).into(), now.into()]),
            ("insights", "uuid, organization_uuid, title, created_at",
             vec![insight.into(), organization.into(), "Speed".into(), now.into()]),
            ("issues", "uuid, organization_uuid, title, status, created_at",
             vec![issue.into(), organization.into(), "Latency".into(), "open".into(), now.into()]),
            ("insight_highlights", "insight_uuid, highlight_uuid",
             vec![insight.into(), highlight.into()]),
            ("issue_highlights", "issue_uuid, highlight_uuid",
             vec![issue.into(), highlight.into()]),
        ];
        for (table, columns, values) in rows {
            common::sql::insert(&db, table, columns, vec![values]).await;
        }

        Migrator::up(&db, None)
            .await
            .expect("the remaining migrations");
        let copied = feedback_highlights::Entity::find_by_id(highlight)
            .one(&db)
            .await
            .expect("highlight")
            .expect("exists");
        assert_eq!(copied.customer_uuid, customer, "{backend:?}");
        assert_eq!(copied.feedback_date, given, "{backend:?}");
        let insight_link = insight_highlights::Entity::find().one(&db).await.expect("link");
        assert_eq!(insight_link.expect("exists").customer_uuid, customer, "{backend:?}");
        let issue_link = issue_highlights::Entity::find().one(&db).await.expect("link");
        assert_eq!(issue_link.expect("exists").customer_uuid, customer, "{backend:?}");
        let stored = store::organizations::find(&db, organization)
            .await
            .expect("organization")
            .expect("exists");
        assert_eq!(stored.customer_count, 1, "{backend:?}");
    }
}

#[tokio::test]
async fn an_unknown_organization_cannot_be_seeded() {
    let (url, _dir) = fresh_database(Backend::Sqlite).await;
    let db = db::connect_and_migrate(&url, None).await.expect("db");
    let error = seed(
        &db,
        Uuid::new_v4(),
        SeedOptions {
            customers: 1,
            feedbacks_per_customer: 1,
            random_seed: 1,
        },
        &indicatif::ProgressBar::hidden(),
    )
    .await
    .expect_err("refused");
    assert!(error.to_string().contains("does not exist"));
}
