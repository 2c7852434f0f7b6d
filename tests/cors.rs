//! Cross-origin access (CORS) to the data routes: a preflight from an
//! allowed origin on `/graphql` and on a REST route, the headers an actual
//! request exposes, a disallowed origin, `*`, and the default (no origin
//! allowed, no CORS header at all). An `OPTIONS` that is not a preflight
//! keeps its 405, and the operational routes and pages get no CORS header.

mod common;

use common::rest::Tenant;
use common::{Backend, TestApp, spawn_app_with};
use customer_graph::config::{CorsOrigin, ServerConfig};
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::json;

const ALLOWED: &str = "http://127.0.0.1:5173";
const OTHER: &str = "https://elsewhere.example";

fn allowing(origins: &[CorsOrigin]) -> ServerConfig {
    ServerConfig {
        cors_allowed_origins: origins.to_vec(),
        ..ServerConfig::default()
    }
}

fn allowed() -> CorsOrigin {
    CorsOrigin::Exact(ALLOWED.to_owned())
}

/// A preflight of `method` on `path` from `origin`: status and headers.
async fn preflight(
    app: &TestApp,
    path: &str,
    origin: &str,
    method: &str,
) -> (StatusCode, HeaderMap) {
    let response = app
        .client
        .request(Method::OPTIONS, app.url(path))
        .header("Origin", origin)
        .header("Access-Control-Request-Method", method)
        .header(
            "Access-Control-Request-Headers",
            "authorization,content-type,if-match",
        )
        .send()
        .await
        .expect("send");
    (response.status(), response.headers().clone())
}

/// The comma-separated values of `name`, in lower case.
fn list(headers: &HeaderMap, name: &str) -> Vec<String> {
    headers
        .get_all(name)
        .iter()
        .flat_map(|value| value.to_str().expect("ASCII").split(','))
        .map(|item| item.trim().to_ascii_lowercase())
        .filter(|item| !item.is_empty())
        .collect()
}

fn assert_preflight_allows(status: StatusCode, headers: &HeaderMap, origin: &str) {
    assert_eq!(status, StatusCode::OK, "{headers:?}");
    assert_eq!(
        headers["access-control-allow-origin"], origin,
        "{headers:?}"
    );
    let methods = list(headers, "access-control-allow-methods");
    for method in ["get", "post", "put", "patch", "delete"] {
        assert!(methods.contains(&method.to_owned()), "{methods:?}");
    }
    let allowed = list(headers, "access-control-allow-headers");
    for header in ["authorization", "content-type", "if-match", "if-none-match"] {
        assert!(allowed.contains(&header.to_owned()), "{allowed:?}");
    }
    assert_eq!(headers["access-control-max-age"], "600", "{headers:?}");
}

/// True when any `Access-Control-*` header is in `headers`.
fn has_cors_headers(headers: &HeaderMap) -> bool {
    headers
        .keys()
        .any(|name| name.as_str().starts_with("access-control-"))
}

on_each_backend! {
    async fn a_preflight_from_an_allowed_origin_is_answered_on_graphql_and_rest(backend) {
        let app = spawn_app_with(backend, allowing(&[allowed()])).await;
        let tenant = Tenant::new(&app).await;
        let (status, headers) = preflight(&app, "/graphql", ALLOWED, "POST").await;
        assert_preflight_allows(status, &headers, ALLOWED);
        let customers = format!("/api/v1/organizations/{}/customers", tenant.organization);
        let (status, headers) = preflight(&app, &customers, ALLOWED, "POST").await;
        assert_preflight_allows(status, &headers, ALLOWED);
        // A route that takes no POST still answers the preflight of its PUT.
        let customer = format!("{customers}/00000000-0000-0000-0000-000000000000");
        let (status, headers) = preflight(&app, &customer, ALLOWED, "PUT").await;
        assert_preflight_allows(status, &headers, ALLOWED);
        // The feedback API's routes too.
        let spaces = format!("/api/v1/organizations/{}/spaces", tenant.organization);
        let (status, headers) = preflight(&app, &spaces, ALLOWED, "GET").await;
        assert_preflight_allows(status, &headers, ALLOWED);
    }
}

on_each_backend! {
    async fn an_actual_request_from_an_allowed_origin_may_read_the_etag(backend) {
        let app = spawn_app_with(backend, allowing(&[allowed()])).await;
        let tenant = Tenant::new(&app).await;
        let uuid = tenant.create_uuid("Ada Lovelace", &common::mail("ada", "example.com")).await;
        let response = tenant
            .request(Method::GET, &format!("/{uuid}"))
            .header("Origin", ALLOWED)
            .send()
            .await
            .expect("send");
        assert_eq!(response.status(), StatusCode::OK);
        let headers = response.headers();
        assert_eq!(headers["access-control-allow-origin"], ALLOWED);
        assert!(headers.contains_key("etag"));
        let exposed = list(headers, "access-control-expose-headers");
        assert!(exposed.contains(&"etag".to_owned()), "{exposed:?}");
        assert!(exposed.contains(&"retry-after".to_owned()), "{exposed:?}");

        let graphql = app
            .graphql_request(&tenant.token)
            .header("Origin", ALLOWED)
            .json(&json!({"query": "{ viewer { uuid } }"}))
            .send()
            .await
            .expect("send");
        assert_eq!(graphql.status(), StatusCode::OK);
        assert_eq!(graphql.headers()["access-control-allow-origin"], ALLOWED);
        // An error answer is readable by the page too.
        let unauthorized = app
            .client
            .post(app.url("/graphql"))
            .header("Origin", ALLOWED)
            .json(&json!({"query": "{ viewer { uuid } }"}))
            .send()
            .await
            .expect("send");
        assert_eq!(unauthorized.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(unauthorized.headers()["access-control-allow-origin"], ALLOWED);
    }
}

on_each_backend! {
    async fn a_disallowed_origin_gets_no_allow_origin(backend) {
        let app = spawn_app_with(backend, allowing(&[allowed()])).await;
        let (_, token) = app.organization_with_token().await;
        let (_, headers) = preflight(&app, "/graphql", OTHER, "POST").await;
        assert!(!headers.contains_key("access-control-allow-origin"), "{headers:?}");
        let response = app
            .graphql_request(&token)
            .header("Origin", OTHER)
            .json(&json!({"query": "{ viewer { uuid } }"}))
            .send()
            .await
            .expect("send");
        assert!(!response.headers().contains_key("access-control-allow-origin"));
    }
}

on_each_backend! {
    async fn by_default_no_origin_is_allowed_and_no_cors_header_is_sent(backend) {
        let app = spawn_app_with(backend, ServerConfig::default()).await;
        let tenant = Tenant::new(&app).await;
        let (status, headers) = preflight(&app, "/graphql", ALLOWED, "POST").await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
        assert!(!has_cors_headers(&headers), "{headers:?}");
        let customers = format!("/api/v1/organizations/{}/customers", tenant.organization);
        let (status, headers) = preflight(&app, &customers, ALLOWED, "POST").await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
        assert!(!has_cors_headers(&headers), "{headers:?}");
        let response = tenant.request(Method::GET, "").header("Origin", ALLOWED).send().await.expect("send");
        assert_eq!(response.status(), StatusCode::OK);
        assert!(!has_cors_headers(response.headers()), "{:?}", response.headers());
    }
}

on_each_backend! {
    async fn any_origin_is_allowed_with_a_star_without_credentials(backend) {
        let app = spawn_app_with(backend, allowing(&[CorsOrigin::Any])).await;
        let (_, token) = app.organization_with_token().await;
        let (status, headers) = preflight(&app, "/graphql", OTHER, "POST").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers["access-control-allow-origin"], "*");
        assert!(!headers.contains_key("access-control-allow-credentials"));
        let response = app
            .graphql_request(&token)
            .header("Origin", OTHER)
            .json(&json!({"query": "{ viewer { uuid } }"}))
            .send()
            .await
            .expect("send");
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["access-control-allow-origin"], "*");
    }
}

/// Credentials are allowed for a listed origin when asked.
#[tokio::test]
async fn credentials_are_allowed_for_listed_origins_when_asked() {
    let config = ServerConfig {
        cors_allow_credentials: true,
        ..allowing(&[allowed()])
    };
    let app = spawn_app_with(Backend::Sqlite, config).await;
    let (_, headers) = preflight(&app, "/graphql", ALLOWED, "POST").await;
    assert_eq!(headers["access-control-allow-origin"], ALLOWED);
    assert_eq!(headers["access-control-allow-credentials"], "true");
}

/// An `OPTIONS` without `Origin` or `Access-Control-Request-Method` is no
/// preflight: it keeps the route's 405 and its `Allow`.
#[tokio::test]
async fn an_options_that_is_not_a_preflight_keeps_its_405() {
    let app = spawn_app_with(Backend::Sqlite, allowing(&[allowed()])).await;
    let tenant = Tenant::new(&app).await;
    let customers = format!("/api/v1/organizations/{}/customers", tenant.organization);
    for path in ["/graphql", customers.as_str()] {
        for origin in [None, Some(ALLOWED)] {
            let mut request = app.client.request(Method::OPTIONS, app.url(path));
            if let Some(origin) = origin {
                request = request.header("Origin", origin);
            }
            let response = request.send().await.expect("send");
            assert_eq!(
                response.status(),
                StatusCode::METHOD_NOT_ALLOWED,
                "{path} {origin:?}"
            );
            assert!(
                response.headers().contains_key("allow"),
                "{path} {origin:?}"
            );
            assert!(
                !response
                    .headers()
                    .contains_key("access-control-allow-origin"),
                "{path}"
            );
            let body: serde_json::Value = response.json().await.expect("a JSON body");
            let code = body
                .pointer("/errors/0/extensions/code")
                .or(body.pointer("/error/code"));
            assert!(code.is_some(), "{path}: {body}");
        }
    }
}

/// `/healthz`, `/metrics` and the pages get no CORS header.
#[tokio::test]
async fn the_operational_routes_and_pages_get_no_cors_header() {
    let app = spawn_app_with(Backend::Sqlite, allowing(&[allowed()])).await;
    for path in [
        "/healthz",
        "/metrics",
        "/api/v1/docs",
        "/api/v1/openapi.json",
        "/",
    ] {
        let response = app
            .client
            .get(app.url(path))
            .header("Origin", ALLOWED)
            .send()
            .await
            .expect("send");
        assert!(
            !has_cors_headers(response.headers()),
            "{path}: {:?}",
            response.headers()
        );
        let (_, headers) = preflight(&app, path, ALLOWED, "GET").await;
        assert!(!has_cors_headers(&headers), "{path}: {headers:?}");
    }
}
