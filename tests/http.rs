//! The HTTP layer of both faces: the token extractor, and GraphQL over HTTP
//! (tokens, media types, methods, batches and body sizes, errors in the
//! GraphQL shape), the document limits (depth, complexity, fragments,
//! introspection), the order of response fields and the committed schema.
//! The token extractor and the 413 and 405 answers in the GraphQL shape run
//! once per backend (`…::on_sqlite`, `…::on_postgres`); the rest, which the
//! database does not change, on SQLite alone.

mod common;

use axum::Router;
use axum::routing::get;
use common::raw::Client;
use common::{Backend, TestApp, seeded_app, spawn_app, spawn_app_with};
use customer_graph::app::AppState;
use customer_graph::auth::Tenant;
use customer_graph::config::ServerConfig;
use customer_graph::store;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Serves a route that answers the organization of the token extractor's
/// tenant, over the app's state: its URL.
async fn serve_whoami(app: &common::TestApp) -> String {
    let state = AppState::new(
        app.pool.clone(),
        app.metrics.clone(),
        ServerConfig::default(),
    );
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

/// A running SQLite app and a token of a new organization.
async fn sqlite_app_and_token() -> (TestApp, String) {
    let app = spawn_app(Backend::Sqlite).await;
    let (_, token) = app.organization_with_token().await;
    (app, token)
}

/// `POST /graphql` of `body` as JSON with `token`, accepting `accept`.
async fn post_accepting(
    app: &TestApp,
    token: &str,
    accept: &str,
    body: &Value,
) -> reqwest::Response {
    app.graphql_request(token)
        .header("Accept", accept)
        .json(body)
        .send()
        .await
        .expect("send")
}

/// `GET /graphql?query=…` with `token`.
async fn get_query(app: &TestApp, token: &str, query: &str) -> reqwest::Response {
    app.client
        .get(app.url("/graphql"))
        .bearer_auth(token)
        .query(&[("query", query)])
        .send()
        .await
        .expect("send")
}

/// The operation the GraphQL-over-HTTP scenarios send.
fn viewer() -> Value {
    json!({"query": "{ viewer { uuid } }"})
}

#[tokio::test]
async fn a_graphql_request_without_a_token_is_401_with_a_bearer_challenge() {
    let app = spawn_app(Backend::Sqlite).await;
    let no_token = app
        .client
        .post(app.url("/graphql"))
        .json(&viewer())
        .send()
        .await
        .expect("send");
    assert_eq!(no_token.status(), 401);
    assert_eq!(no_token.headers()["www-authenticate"], "Bearer");
    let body: Value = no_token.json().await.expect("json");
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
}

#[tokio::test]
async fn graphql_answers_the_media_type_it_is_asked_for_or_406() {
    let (app, token) = sqlite_app_and_token().await;
    for (accept, content_type) in [
        (
            "application/graphql-response+json",
            "application/graphql-response+json; charset=utf-8",
        ),
        ("application/json", "application/json; charset=utf-8"),
        ("*/*", "application/json; charset=utf-8"),
        (
            "application/json;q=0.5, application/graphql-response+json",
            "application/graphql-response+json; charset=utf-8",
        ),
    ] {
        let response = post_accepting(&app, &token, accept, &viewer()).await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], content_type, "{accept}");
    }
    let unacceptable = post_accepting(&app, &token, "text/csv", &viewer()).await;
    assert_eq!(unacceptable.status(), 406);
}

/// A document that does not parse is 400 as `application/graphql-response+json`
/// and 200 as `application/json`; one that does not validate, or a body
/// without a Content-Type, is refused.
#[tokio::test]
async fn a_document_that_does_not_parse_or_validate_is_a_request_error() {
    let (app, token) = sqlite_app_and_token().await;
    let unparsable = json!({"query": "{ viewer { "});
    for (accept, status) in [
        ("application/graphql-response+json", 400),
        ("application/json", 200),
    ] {
        let response = post_accepting(&app, &token, accept, &unparsable).await;
        assert_eq!(response.status(), status, "{accept}");
        let body: Value = response.json().await.expect("json");
        assert!(body.get("data").is_none());
        assert_eq!(
            body["errors"][0]["extensions"]["code"],
            "GRAPHQL_PARSE_FAILED"
        );
    }
    let invalid = app
        .graphql(&token, "{ viewer { noSuchField } }", json!({}))
        .await;
    assert_eq!(invalid.status, 400);
    assert_eq!(invalid.error_code(), Some("GRAPHQL_VALIDATION_FAILED"));

    let no_type = app
        .graphql_request(&token)
        .body(viewer().to_string())
        .send()
        .await
        .expect("send");
    assert_eq!(no_type.status(), 415);
}

/// GET runs a query, refuses a mutation with 405 and `Allow: POST`, and
/// serves the page to a browser.
#[tokio::test]
async fn get_runs_queries_refuses_mutations_and_serves_the_page_to_browsers() {
    let (app, token) = sqlite_app_and_token().await;
    let get = get_query(&app, &token, "{ viewer { uuid } }").await;
    assert_eq!(get.status(), 200);
    let mutation = get_query(&app, &token, "mutation { createPersona(organizationUuid: \"00000000-0000-0000-0000-000000000000\", name: \"x\") { uuid } }").await;
    assert_eq!(mutation.status(), 405);
    assert_eq!(mutation.headers()["allow"], "POST");

    let page = app
        .client
        .get(app.url("/graphql"))
        .header("Accept", "text/html")
        .send()
        .await
        .expect("send");
    assert_eq!(page.status(), 200);
    assert!(page.text().await.expect("html").contains("<html"));
}

#[tokio::test]
async fn batches_are_off_by_default_and_an_oversized_body_is_413() {
    let (app, token) = sqlite_app_and_token().await;
    let batch = post_accepting(
        &app,
        &token,
        "application/graphql-response+json",
        &json!([viewer(), viewer()]),
    )
    .await;
    assert_eq!(batch.status(), 400, "batches are off by default");

    let huge = json!({"query": format!("{{ viewer {{ uuid }} }} #{}", "x".repeat(300 * 1024))});
    let too_large = app
        .graphql_request(&token)
        .json(&huge)
        .send()
        .await
        .expect("send");
    assert_eq!(too_large.status(), 413);
}

on_each_backend! {
    async fn a_graphql_body_over_the_limit_is_413_in_the_graphql_shape_sized_or_chunked(backend) {
        let client = Client::new(backend).await;
        let big = format!(r#"{{"query": "{{ __typename }}", "variables": {{"pad": "{}"}}}}"#, "x".repeat(300 * 1024));
        for (chunked, accept) in [
            (false, "application/graphql-response+json"),
            (true, "application/graphql-response+json"),
            (false, "application/json"),
            (true, "application/json"),
        ] {
            let request = client
                .app
                .client
                .post(client.app.url("/graphql"))
                .bearer_auth(&client.token)
                .header("Content-Type", "application/json")
                .header("Accept", accept);
            let request = if chunked {
                let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
                    big.as_bytes().chunks(8192).map(|chunk| Ok(chunk.to_vec())).collect();
                request.body(reqwest::Body::wrap_stream(futures_util::stream::iter(chunks)))
            } else {
                request.body(big.clone())
            };
            let response = request.send().await.expect("send");
            assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE, "chunked: {chunked}");
            let content_type = response.headers()["content-type"].to_str().expect("ASCII").to_owned();
            assert!(content_type.starts_with(accept), "{content_type}");
            let body: Value = response.json().await.expect("JSON");
            assert_eq!(body["errors"][0]["extensions"]["code"], "PAYLOAD_TOO_LARGE", "{body}");
        }
        // REST keeps its own shape.
        let body = format!(r#"{{"full_name": "{}"}}"#, "x".repeat(300 * 1024));
        let answer = client.post_raw(&body).await;
        assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(answer.body["error"]["code"], "payload_too_large");
    }
}

on_each_backend! {
    async fn a_wrong_method_on_graphql_is_405_in_the_graphql_shape(backend) {
        let client = Client::new(backend).await;
        for method in [Method::PUT, Method::DELETE, Method::PATCH] {
            let response = client
                .app
                .client
                .request(method.clone(), client.app.url("/graphql"))
                .bearer_auth(&client.token)
                .header("Accept", "application/graphql-response+json")
                .send()
                .await
                .expect("send");
            assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED, "{method}");
            assert_eq!(response.headers()["allow"], "GET, POST");
            let body: Value = response.json().await.expect("JSON");
            assert_eq!(body["errors"][0]["extensions"]["code"], "METHOD_NOT_ALLOWED", "{body}");
        }
    }
}

#[tokio::test]
async fn depth_complexity_and_batch_limits_hold_and_are_configurable() {
    let app = spawn_app(Backend::Sqlite).await;
    let (organization, token) = app.organization_with_token().await;
    let deep = "query($o: UUID!) { customers(organizationUuid: $o, pageSize: 1) { nodes { feedbacks(pageSize: 1) { nodes { customer { feedbacks(pageSize: 1) { nodes { customer { feedbacks(pageSize: 1) { nodes { highlights(pageSize: 1) { nodes { feedback { uuid } } } } } } } } } } } } } }";
    let answer = app.graphql(&token, deep, json!({"o": organization})).await;
    assert_eq!(answer.status, 400, "{}", answer.body);
    assert!(
        answer.body["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("nested too deep")),
        "{}",
        answer.body
    );

    let wide = "query($o: UUID!) { customers(organizationUuid: $o, pageSize: 100) { nodes { feedbacks(pageSize: 100) { nodes { highlights(pageSize: 100) { nodes { quote } } } } } } }";
    let answer = app.graphql(&token, wide, json!({"o": organization})).await;
    assert_eq!(answer.status, 400);
    assert!(
        answer.body["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("complex")),
        "{}",
        answer.body
    );

    let config = ServerConfig {
        graphql_max_batch: 3,
        graphql_introspection: false,
        ..ServerConfig::default()
    };
    let relaxed = spawn_app_with(Backend::Sqlite, config).await;
    let (_, relaxed_token) = relaxed.organization_with_token().await;
    let single = json!({"query": "{ viewer { uuid } }"});
    let batch = relaxed
        .graphql_request(&relaxed_token)
        .json(&json!([single, single]))
        .send()
        .await
        .expect("send");
    assert_eq!(batch.status(), 200);
    let body: Value = batch.json().await.expect("json");
    assert_eq!(body.as_array().map(Vec::len), Some(2));
    let too_many = relaxed
        .graphql_request(&relaxed_token)
        .header("Accept", "application/graphql-response+json")
        .json(&json!([single, single, single, single]))
        .send()
        .await
        .expect("send");
    assert_eq!(too_many.status(), 400);
    let introspection = relaxed
        .graphql(&relaxed_token, "{ __schema { types { name } } }", json!({}))
        .await;
    assert!(
        introspection.body.get("errors").is_some()
            || introspection.body["data"]["__schema"].is_null(),
        "introspection can be turned off: {}",
        introspection.body
    );
    let allowed = app
        .graphql(&token, "{ __schema { queryType { name } } }", json!({}))
        .await
        .ok();
    assert_eq!(allowed.data("/__schema/queryType/name"), "QueryRoot");
}

#[test]
fn schema_graphql_is_the_served_schema() {
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql"))
        .expect("schema.graphql");
    assert!(
        committed == customer_graph::graphql::sdl(),
        "schema.graphql is stale: run `cargo run -- export-schema > schema.graphql`"
    );
}

#[tokio::test]
async fn response_fields_follow_the_order_of_the_query() {
    let (app, organization, token) = seeded_app(Backend::Sqlite, 5).await;
    let query = "query($o: UUID!) { customers(organizationUuid: $o, pageSize: 3) { nodes {
        fullName issues(pageSize: 1) { totalCount } company { name } ...More persona { name } averageSentiment
    } totalCount } } fragment More on Customer { insights(pageSize: 1) { totalCount } mail: email }";
    for _ in 0..5 {
        let response = app
            .graphql_request(&token)
            .json(&json!({"query": query, "variables": {"o": organization}}))
            .send()
            .await
            .expect("send");
        let text = response.text().await.expect("body");
        let positions: Vec<usize> = [
            "\"fullName\"",
            "\"issues\"",
            "\"company\"",
            "\"insights\"",
            "\"mail\"",
            "\"persona\"",
            "\"averageSentiment\"",
        ]
        .iter()
        .map(|key| {
            text.find(key)
                .unwrap_or_else(|| panic!("{key} missing in {text}"))
        })
        .collect();
        assert!(positions.windows(2).all(|pair| pair[0] < pair[1]), "{text}");
        assert!(
            text.find("\"nodes\"") < text.find("\"totalCount\":5"),
            "{text}"
        );
    }
}

#[tokio::test]
async fn the_standard_introspection_query_is_not_held_to_the_depth_limit() {
    let app = spawn_app(Backend::Sqlite).await;
    let (organization, token) = app.organization_with_token().await;
    let deep_introspection = "{ __schema { types { name fields { name type { name ofType { name ofType { name ofType { name ofType { name ofType { name ofType { name ofType { name ofType { name } } } } } } } } } } } } }";
    let answer = app
        .graphql(&token, deep_introspection, json!({}))
        .await
        .ok();
    assert!(
        answer
            .data("/__schema/types")
            .as_array()
            .is_some_and(|types| types.len() > 10)
    );
    let mixed = format!(
        "query($o: UUID!) {{ customers(organizationUuid: $o) {{ totalCount }} {} }}",
        &deep_introspection[2..deep_introspection.len() - 2]
    );
    let answer = app
        .graphql(&token, &mixed, json!({"o": organization}))
        .await;
    assert_eq!(
        answer.status, 400,
        "data queries keep the limit: {}",
        answer.body
    );
}

#[tokio::test]
async fn a_document_whose_fragments_double_each_other_is_refused_before_it_runs() {
    let app = spawn_app(Backend::Sqlite).await;
    let (_, token) = app.organization_with_token().await;
    // F{n} spreads F{n-1} twice: 2^23 fields once expanded.
    let doubling: String = (1..=23)
        .map(|level| {
            let below = level - 1;
            format!(" fragment F{level} on QueryRoot {{ ...F{below} ...F{below} }}")
        })
        .collect();
    let document = format!("{{ ...F23 }} fragment F0 on QueryRoot {{ __typename }}{doubling}");
    let answer = app.graphql(&token, &document, json!({})).await;
    assert_eq!(answer.status, 400, "{}", answer.body);
    assert_eq!(answer.error_code(), Some("GRAPHQL_VALIDATION_FAILED"));
}
