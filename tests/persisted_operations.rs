//! Persisted operations on `/graphql`: Apollo's automatic persisted queries
//! (a hash alone found or not in the cache, a hash registered with its
//! text, over POST and GET; a hash that is not the text's, a version that
//! does not exist, malformed extensions; eviction from a small cache; the
//! protocol turned off) and the allow-list of `--persisted-operations` (a
//! directory of `.graphql` files or a JSON manifest; a listed document runs
//! by hash and by text, anything else is refused; a bad list stops the
//! start). Also the schema's extension, which applies the same rules to a
//! request executed on the schema directly.

mod common;

use std::path::Path;

use common::process::serve_refused;
use common::{Backend, TestApp, spawn_app_with};
use customer_graph::config::ServerConfig;
use customer_graph::graphql::persisted::sha256_hex;
use reqwest::StatusCode;
use serde_json::{Value, json};

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";
const VIEWER: &str = "{ viewer { uuid } }";
const VIEWER_NAME: &str = "{ viewer { uuid name } }";
const MUTATION: &str = "mutation { createPersona(organizationUuid: \"00000000-0000-0000-0000-000000000000\", name: \"x\") { uuid } }";

/// `extensions` with Apollo's `persistedQuery` for `hash`.
fn persisted(hash: &str) -> Value {
    json!({"persistedQuery": {"version": 1, "sha256Hash": hash}})
}

/// An answer: status and JSON body.
struct Answer {
    status: StatusCode,
    body: Value,
}

impl Answer {
    fn code(&self) -> &str {
        self.body["errors"][0]["extensions"]["code"]
            .as_str()
            .unwrap_or_else(|| panic!("no error code: {}", self.body))
    }

    fn message(&self) -> &str {
        self.body["errors"][0]["message"].as_str().unwrap_or("")
    }

    /// A success with the viewer's uuid.
    fn assert_viewer(&self) {
        assert_eq!(self.status, StatusCode::OK, "{}", self.body);
        assert!(self.body.get("errors").is_none(), "{}", self.body);
        assert!(
            self.body["data"]["viewer"]["uuid"].is_string(),
            "{}",
            self.body
        );
    }

    /// A refusal with `status` and `code`.
    fn assert_refused(&self, status: StatusCode, code: &str) {
        assert_eq!(self.status, status, "{}", self.body);
        assert_eq!(self.code(), code, "{}", self.body);
        assert!(
            self.body.get("data").is_none_or(Value::is_null),
            "{}",
            self.body
        );
    }
}

async fn answer(request: reqwest::RequestBuilder) -> Answer {
    let response = request.send().await.expect("send");
    let status = response.status();
    let body = response.json().await.expect("a JSON body");
    Answer { status, body }
}

/// POSTs `body` with `token`, accepting `accept`.
async fn post(app: &TestApp, token: &str, accept: &str, body: Value) -> Answer {
    answer(
        app.graphql_request(token)
            .header("Accept", accept)
            .json(&body),
    )
    .await
}

/// GETs `/graphql` with the query string of `pairs` and `token`.
async fn get(app: &TestApp, token: &str, pairs: &[(&str, String)]) -> Answer {
    let request = app
        .client
        .get(app.url("/graphql"))
        .query(pairs)
        .bearer_auth(token)
        .header("Accept", GRAPHQL_RESPONSE);
    answer(request).await
}

async fn app_with(backend: Backend, config: ServerConfig) -> (TestApp, String) {
    let app = spawn_app_with(backend, config).await;
    let (_, token) = app.organization_with_token().await;
    (app, token)
}

on_each_backend! {
    async fn a_hash_alone_that_was_never_sent_is_not_found(backend) {
        let (app, token) = app_with(backend, ServerConfig::default()).await;
        let hash = sha256_hex(VIEWER);
        let strict = post(&app, &token, GRAPHQL_RESPONSE, json!({"extensions": persisted(&hash)})).await;
        strict.assert_refused(StatusCode::BAD_REQUEST, "PERSISTED_QUERY_NOT_FOUND");
        assert_eq!(strict.message(), "PersistedQueryNotFound");
        // application/json answers a request error with 200, as GraphQL over HTTP asks.
        let legacy = post(&app, &token, "application/json", json!({"extensions": persisted(&hash)})).await;
        legacy.assert_refused(StatusCode::OK, "PERSISTED_QUERY_NOT_FOUND");
        let metrics = app.metrics_text().await;
        assert!(metrics.contains("graphql_persisted_queries_total{outcome=\"miss\"} 2"), "{metrics}");
    }
}

on_each_backend! {
    async fn a_query_registered_with_its_hash_then_runs_by_hash_over_post_and_get(backend) {
        let (app, token) = app_with(backend, ServerConfig::default()).await;
        let hash = sha256_hex(VIEWER);
        post(&app, &token, GRAPHQL_RESPONSE, json!({"query": VIEWER, "extensions": persisted(&hash)}))
            .await
            .assert_viewer();
        post(&app, &token, GRAPHQL_RESPONSE, json!({"extensions": persisted(&hash)}))
            .await
            .assert_viewer();
        get(&app, &token, &[("extensions", persisted(&hash).to_string())])
            .await
            .assert_viewer();
        // A hash in capitals names the same query.
        post(&app, &token, GRAPHQL_RESPONSE, json!({"extensions": persisted(&hash.to_uppercase())}))
            .await
            .assert_viewer();
        let metrics = app.metrics_text().await;
        assert!(metrics.contains("graphql_persisted_queries_total{outcome=\"registered\"} 1"), "{metrics}");
        assert!(metrics.contains("graphql_persisted_queries_total{outcome=\"hit\"} 3"), "{metrics}");
    }
}

on_each_backend! {
    async fn a_query_registers_over_get_too_and_a_mutation_is_still_refused_over_get(backend) {
        let (app, token) = app_with(backend, ServerConfig::default()).await;
        let hash = sha256_hex(VIEWER);
        let pairs = [
            ("query", VIEWER.to_owned()),
            ("extensions", persisted(&hash).to_string()),
            ("variables", "{}".to_owned()),
        ];
        get(&app, &token, &pairs).await.assert_viewer();
        get(&app, &token, &[("extensions", persisted(&hash).to_string())])
            .await
            .assert_viewer();

        let mutation_hash = sha256_hex(MUTATION);
        post(&app, &token, GRAPHQL_RESPONSE, json!({"query": MUTATION, "extensions": persisted(&mutation_hash)})).await;
        let over_get = get(&app, &token, &[("extensions", persisted(&mutation_hash).to_string())]).await;
        over_get.assert_refused(StatusCode::METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED");
    }
}

on_each_backend! {
    async fn a_hash_that_is_not_the_querys_is_refused_and_nothing_is_registered(backend) {
        let (app, token) = app_with(backend, ServerConfig::default()).await;
        let other = sha256_hex(VIEWER_NAME);
        for accept in [GRAPHQL_RESPONSE, "application/json"] {
            let mismatch = post(&app, &token, accept, json!({"query": VIEWER, "extensions": persisted(&other)})).await;
            mismatch.assert_refused(StatusCode::BAD_REQUEST, "PERSISTED_QUERY_HASH_MISMATCH");
            assert_eq!(mismatch.message(), "provided sha does not match query");
        }
        post(&app, &token, GRAPHQL_RESPONSE, json!({"extensions": persisted(&other)}))
            .await
            .assert_refused(StatusCode::BAD_REQUEST, "PERSISTED_QUERY_NOT_FOUND");
    }
}

on_each_backend! {
    async fn a_version_other_than_1_is_refused_naming_it(backend) {
        let (app, token) = app_with(backend, ServerConfig::default()).await;
        let hash = sha256_hex(VIEWER);
        let extensions = json!({"persistedQuery": {"version": 2, "sha256Hash": hash}});
        let refused = post(&app, &token, "application/json", json!({"query": VIEWER, "extensions": extensions})).await;
        refused.assert_refused(StatusCode::BAD_REQUEST, "PERSISTED_QUERY_VERSION_NOT_SUPPORTED");
        assert!(refused.message().contains("version` 2"), "{}", refused.body);
    }
}

on_each_backend! {
    async fn malformed_extensions_are_a_400_naming_the_member(backend) {
        let (app, token) = app_with(backend, ServerConfig::default()).await;
        let hash = sha256_hex(VIEWER);
        let cases = [
            (json!("persistedQuery"), "`extensions` must be an object"),
            (json!({"persistedQuery": "yes"}), "`extensions.persistedQuery` must be an object"),
            (json!({"persistedQuery": {"version": 1}}), "`extensions.persistedQuery.sha256Hash` is required"),
            (json!({"persistedQuery": {"version": 1, "sha256Hash": "abc"}}), "`extensions.persistedQuery.sha256Hash` must be 64 hexadecimal digits"),
            (json!({"persistedQuery": {"version": 1, "sha256Hash": hash.replace('a', "g")}}), "`extensions.persistedQuery.sha256Hash` must be 64"),
            (json!({"persistedQuery": {"version": "1", "sha256Hash": hash}}), "`extensions.persistedQuery.version` must be the number 1"),
            (json!({"persistedQuery": {"sha256Hash": hash}}), "`extensions.persistedQuery.version` is required"),
        ];
        for (extensions, message) in cases {
            let refused = post(&app, &token, "application/json", json!({"query": VIEWER, "extensions": extensions})).await;
            assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{extensions}: {}", refused.body);
            assert!(refused.message().starts_with(message), "{extensions}: {}", refused.body);
        }
        // Over GET, `extensions` must be JSON object text.
        let not_json = get(&app, &token, &[("extensions", "{persistedQuery".to_owned())]).await;
        not_json.assert_refused(StatusCode::BAD_REQUEST, "BAD_REQUEST");
        assert_eq!(not_json.message(), "`extensions` must be JSON");
        let not_object = get(&app, &token, &[("query", VIEWER.to_owned()), ("extensions", "[1]".to_owned())]).await;
        not_object.assert_refused(StatusCode::BAD_REQUEST, "BAD_REQUEST");
        assert_eq!(not_object.message(), "`extensions` must be an object or null");
        // Neither a query nor a persisted query.
        let nothing = post(&app, &token, "application/json", json!({"extensions": {}})).await;
        nothing.assert_refused(StatusCode::BAD_REQUEST, "BAD_REQUEST");
        assert_eq!(nothing.message(), "`query` is required");
    }
}

on_each_backend! {
    async fn the_least_recently_used_query_is_dropped_past_the_cache_bytes(backend) {
        // Room for two of the three queries' texts (19, 19 and 18 bytes):
        // the third pushes out one of the first two, not both.
        let queries = ["{ viewer { uuid } }", "{ viewer { name } }", "{ viewer { uuid }}"];
        let config = ServerConfig {
            persisted_query_cache_bytes: queries[0].len() + queries[1].len(),
            ..ServerConfig::default()
        };
        let (app, token) = app_with(backend, config).await;
        let by_hash = |query: &str| json!({"extensions": persisted(&sha256_hex(query))});
        let with_text = |query: &str| json!({"query": query, "extensions": persisted(&sha256_hex(query))});
        for query in &queries[..2] {
            let registered = post(&app, &token, GRAPHQL_RESPONSE, with_text(query)).await;
            assert_eq!(registered.status, StatusCode::OK, "{}", registered.body);
        }
        // The first is used again: the second is now the least recently used.
        assert_eq!(post(&app, &token, GRAPHQL_RESPONSE, by_hash(queries[0])).await.status, StatusCode::OK);
        let third = post(&app, &token, GRAPHQL_RESPONSE, with_text(queries[2])).await;
        assert_eq!(third.status, StatusCode::OK, "{}", third.body);

        assert_eq!(post(&app, &token, GRAPHQL_RESPONSE, by_hash(queries[0])).await.status, StatusCode::OK);
        assert_eq!(post(&app, &token, GRAPHQL_RESPONSE, by_hash(queries[2])).await.status, StatusCode::OK);
        post(&app, &token, GRAPHQL_RESPONSE, by_hash(queries[1]))
            .await
            .assert_refused(StatusCode::BAD_REQUEST, "PERSISTED_QUERY_NOT_FOUND");
    }
}

on_each_backend! {
    async fn with_no_cache_bytes_persisted_queries_are_not_supported_and_plain_queries_run(backend) {
        let config = ServerConfig { persisted_query_cache_bytes: 0, ..ServerConfig::default() };
        let (app, token) = app_with(backend, config).await;
        let hash = sha256_hex(VIEWER);
        for body in [
            json!({"query": VIEWER, "extensions": persisted(&hash)}),
            json!({"extensions": persisted(&hash)}),
        ] {
            let refused = post(&app, &token, GRAPHQL_RESPONSE, body).await;
            refused.assert_refused(StatusCode::BAD_REQUEST, "PERSISTED_QUERY_NOT_SUPPORTED");
            assert!(refused.message().starts_with("PersistedQueryNotSupported"), "{}", refused.body);
        }
        post(&app, &token, GRAPHQL_RESPONSE, json!({"query": VIEWER})).await.assert_viewer();
    }
}

/// A directory with the two viewer queries as `.graphql` files (the second
/// with a final newline, part of its hash) and a file that is not one.
fn operations_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("viewer.graphql"), VIEWER).expect("write");
    std::fs::write(
        dir.path().join("viewer_name.graphql"),
        format!("{VIEWER_NAME}\n"),
    )
    .expect("write");
    std::fs::write(dir.path().join("README.md"), "not a document").expect("write");
    dir
}

/// Checks an allow-list of `VIEWER` and `VIEWER_NAME` + "\n": each runs by
/// hash and by text; anything else is refused.
async fn assert_only_listed_documents_run(app: &TestApp, token: &str) {
    let listed = sha256_hex(VIEWER);
    post(
        app,
        token,
        GRAPHQL_RESPONSE,
        json!({"extensions": persisted(&listed)}),
    )
    .await
    .assert_viewer();
    get(
        app,
        token,
        &[("extensions", persisted(&listed).to_string())],
    )
    .await
    .assert_viewer();
    post(app, token, GRAPHQL_RESPONSE, json!({"query": VIEWER}))
        .await
        .assert_viewer();
    post(
        app,
        token,
        GRAPHQL_RESPONSE,
        json!({"query": VIEWER, "extensions": persisted(&listed)}),
    )
    .await
    .assert_viewer();
    let with_newline = format!("{VIEWER_NAME}\n");
    post(
        app,
        token,
        GRAPHQL_RESPONSE,
        json!({"extensions": persisted(&sha256_hex(&with_newline))}),
    )
    .await
    .assert_viewer();

    // The same text without its final newline is another document.
    for accept in [GRAPHQL_RESPONSE, "application/json"] {
        let status = if accept == GRAPHQL_RESPONSE {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::OK
        };
        let unlisted = post(app, token, accept, json!({"query": VIEWER_NAME})).await;
        unlisted.assert_refused(status, "PERSISTED_QUERY_NOT_ALLOWED");
        assert!(
            unlisted
                .message()
                .starts_with("only persisted operations are accepted"),
            "{}",
            unlisted.body
        );
    }
    let unknown = sha256_hex(VIEWER_NAME);
    post(
        app,
        token,
        GRAPHQL_RESPONSE,
        json!({"extensions": persisted(&unknown)}),
    )
    .await
    .assert_refused(StatusCode::BAD_REQUEST, "PERSISTED_QUERY_NOT_ALLOWED");
    // Registering is no way in.
    post(
        app,
        token,
        GRAPHQL_RESPONSE,
        json!({"query": VIEWER_NAME, "extensions": persisted(&unknown)}),
    )
    .await
    .assert_refused(StatusCode::BAD_REQUEST, "PERSISTED_QUERY_NOT_ALLOWED");
    post(
        app,
        token,
        GRAPHQL_RESPONSE,
        json!({"query": VIEWER_NAME, "extensions": persisted(&listed)}),
    )
    .await
    .assert_refused(StatusCode::BAD_REQUEST, "PERSISTED_QUERY_HASH_MISMATCH");
    // The playground's own queries (introspection) are not listed either.
    post(
        app,
        token,
        GRAPHQL_RESPONSE,
        json!({"query": "{ __schema { queryType { name } } }"}),
    )
    .await
    .assert_refused(StatusCode::BAD_REQUEST, "PERSISTED_QUERY_NOT_ALLOWED");
}

on_each_backend! {
    async fn an_allow_list_directory_runs_its_documents_by_hash_and_by_text_and_nothing_else(backend) {
        let dir = operations_dir();
        let config = ServerConfig {
            persisted_operations: Some(dir.path().to_owned()),
            ..ServerConfig::default()
        };
        let (app, token) = app_with(backend, config).await;
        assert_only_listed_documents_run(&app, &token).await;
    }
}

on_each_backend! {
    async fn an_allow_list_manifest_runs_its_documents_by_hash_and_by_text_and_nothing_else(backend) {
        let dir = tempfile::tempdir().expect("temp dir");
        let with_newline = format!("{VIEWER_NAME}\n");
        let manifest = json!({
            sha256_hex(VIEWER): VIEWER,
            sha256_hex(&with_newline): with_newline,
        });
        let path = dir.path().join("operations.json");
        std::fs::write(&path, manifest.to_string()).expect("write");
        let config = ServerConfig { persisted_operations: Some(path), ..ServerConfig::default() };
        let (app, token) = app_with(backend, config).await;
        assert_only_listed_documents_run(&app, &token).await;
    }
}

/// The standard error of `serve --persisted-operations path`, which must
/// exit with status 1.
fn refusal_to_start(path: &Path) -> String {
    let path = path.to_str().expect("UTF-8 path");
    let (status, log) = serve_refused(&["--persisted-operations", path]);
    assert_eq!(status.code(), Some(1), "{log}");
    log
}

#[test]
fn a_bad_allow_list_stops_the_start_naming_the_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("missing");
    let log = refusal_to_start(&missing);
    assert!(
        log.contains("--persisted-operations") && log.contains(missing.to_str().unwrap()),
        "{log}"
    );

    let empty_file = dir.path().join("empty");
    std::fs::create_dir(&empty_file).unwrap();
    std::fs::write(empty_file.join("blank.graphql"), "  \n").unwrap();
    let log = refusal_to_start(&empty_file);
    assert!(
        log.contains("blank.graphql") && log.contains("is empty"),
        "{log}"
    );

    let latin1 = dir.path().join("latin1");
    std::fs::create_dir(&latin1).unwrap();
    std::fs::write(
        latin1.join("caf\u{e9}.graphql"),
        b"{ viewer { name } } # caf\xe9",
    )
    .unwrap();
    let log = refusal_to_start(&latin1);
    assert!(
        log.contains(".graphql") && log.contains("is not UTF-8"),
        "{log}"
    );

    let broken = dir.path().join("broken");
    std::fs::create_dir(&broken).unwrap();
    std::fs::write(broken.join("typo.graphql"), "{ viewer { name }").unwrap();
    let log = refusal_to_start(&broken);
    assert!(
        log.contains("typo.graphql") && log.contains("is not a GraphQL document"),
        "{log}"
    );

    let nothing = dir.path().join("nothing");
    std::fs::create_dir(&nothing).unwrap();
    let log = refusal_to_start(&nothing);
    assert!(log.contains("holds no document"), "{log}");

    let manifest = dir.path().join("manifest.json");
    std::fs::write(
        &manifest,
        json!({sha256_hex(VIEWER): VIEWER_NAME}).to_string(),
    )
    .unwrap();
    let log = refusal_to_start(&manifest);
    assert!(
        log.contains("manifest.json") && log.contains("is the SHA-256 of its document"),
        "{log}"
    );

    let not_a_manifest = dir.path().join("list.json");
    std::fs::write(&not_a_manifest, json!([VIEWER]).to_string()).unwrap();
    let log = refusal_to_start(&not_a_manifest);
    assert!(
        log.contains("list.json") && log.contains("is not a JSON object"),
        "{log}"
    );
}

#[tokio::test]
async fn the_schema_extension_applies_the_same_rules_to_a_request_on_the_schema() {
    let dir = operations_dir();
    let config = ServerConfig {
        persisted_operations: Some(dir.path().to_owned()),
        ..ServerConfig::default()
    };
    let app = spawn_app_with(Backend::Sqlite, config.clone()).await;
    let state = customer_graph::app::AppState::new(app.pool.clone(), app.metrics.clone(), config);
    let code = |response: &async_graphql::Response| {
        let error = response.errors.first().expect("an error").clone();
        error
            .extensions
            .and_then(|extensions| extensions.get("code").cloned())
    };

    let unlisted = state.schema.execute(VIEWER_NAME).await;
    assert_eq!(
        code(&unlisted),
        Some(async_graphql::Value::from("PERSISTED_QUERY_NOT_ALLOWED"))
    );

    // A hash alone: the listed text runs (the viewer needs a tenant, so the
    // field fails, but past the extension).
    let mut by_hash = async_graphql::Request::new("");
    by_hash.extensions.insert(
        "persistedQuery".to_owned(),
        async_graphql::Value::from_json(persisted(&sha256_hex(VIEWER))["persistedQuery"].clone())
            .unwrap(),
    );
    let ran = state.schema.execute(by_hash).await;
    assert_ne!(
        code(&ran),
        Some(async_graphql::Value::from("PERSISTED_QUERY_NOT_ALLOWED")),
        "{:?}",
        ran.errors
    );
    assert_eq!(
        ran.errors[0].path,
        [async_graphql::PathSegment::Field("viewer".to_owned())]
    );
}
