//! The REST API reference of `GET /api/v1/docs`: Swagger UI (npm
//! `swagger-ui-dist` 5.35.0, vendored with the playground's files, see the
//! [module header](super)) over the OpenAPI document of
//! `GET /api/v1/openapi.json`.
//!
//! Served like the playground rather than through `utoipa-swagger-ui` or
//! `utoipa-scalar`: the former (its release line for utoipa 5) downloads
//! Swagger UI at build time unless its `vendored` feature is on, and then
//! embeds the whole 11 MB `dist` folder of Swagger UI 5.17.14, source maps and
//! all; the latter inlines the document into its page and leaves loading the
//! viewer to our own HTML anyway. Two pinned files of our own choice, checked
//! by `assets/SHA256SUMS`, with the same cache and CSP headers as the
//! playground, are less to build and to trust.
//!
//! The page fetches the document from [`OPENAPI_URL`] (nothing is inlined, so
//! the two never differ), shows it with Swagger UI's online validator off and
//! with `?url=` ignored, and lets "Try it out" send requests to this origin
//! with a token given through "Authorize" (or the playground's token of the
//! same tab, which `docs.js` fills in).

use axum::response::Response;

use super::render::{Page, Rendered};

/// Where the page is served.
pub const PATH: &str = "/api/v1/docs";

/// The document the page shows (served by `crate::rest::openapi`).
pub const OPENAPI_URL: &str = "/api/v1/openapi.json";

/// The name of the document's bearer security scheme, which `docs.js`
/// authorizes with the playground's token.
pub const SECURITY_SCHEME: &str = "bearer";

const PAGE: Page = Page {
    title: "customer-graph · REST API",
    stylesheets: &["swagger-ui-5.35.0.css", "docs.css"],
    style: None,
    body: include_str!("docs.html"),
    scripts: &["swagger-ui-bundle-5.35.0.js", "docs.js"],
};

static RENDERED: Rendered = Rendered::new(render_page);

/// `GET /api/v1/docs`.
pub async fn page() -> Response {
    RENDERED.response()
}

/// The page, with the JSON `docs.js` reads (where the document is, and the
/// security scheme it authorizes).
pub(super) fn render_page() -> String {
    let config = serde_json::json!({
        "openapiUrl": OPENAPI_URL,
        "securityScheme": SECURITY_SCHEME,
    });
    PAGE.render(Some(("docs-config", config)))
}

#[cfg(test)]
mod tests {
    use axum::http::{StatusCode, header};
    use utoipa::OpenApi;

    use super::super::tests::{get, get_from_app, links, resources, text};
    use super::*;

    #[tokio::test]
    async fn the_page_is_swagger_ui_over_the_openapi_document() {
        let response = get(PATH).await;
        assert_eq!(response.status(), StatusCode::OK);
        let headers = response.headers();
        assert_eq!(headers[header::CONTENT_TYPE], "text/html; charset=utf-8");
        assert_eq!(headers[header::CACHE_CONTROL], "no-cache");
        assert!(
            headers[header::CONTENT_SECURITY_POLICY]
                .to_str()
                .unwrap()
                .contains("connect-src 'self'")
        );
        let body = text(response).await;
        assert!(body.contains(r#""openapiUrl":"/api/v1/openapi.json""#));
        let scripts: Vec<String> = resources(&body)
            .into_iter()
            .filter(|url| url.contains(".js"))
            .collect();
        assert_eq!(scripts.len(), 2, "{scripts:?}");
        assert!(scripts[0].contains("swagger-ui-bundle-5.35.0.js?v="));
        assert!(scripts[1].contains("docs.js?v="));
        assert!(links(&body).contains(&OPENAPI_URL.to_owned()));
    }

    #[tokio::test]
    async fn a_trailing_slash_is_redirected() {
        let response = get("/api/v1/docs/").await;
        assert_eq!(response.status(), StatusCode::PERMANENT_REDIRECT);
        assert_eq!(response.headers()[header::LOCATION], PATH);
    }

    /// Through the whole app: the page and the document it fetches are both
    /// answered, without a token.
    #[tokio::test]
    async fn the_app_serves_the_page_and_its_document() {
        let page = get_from_app(PATH, "text/html").await;
        assert_eq!(page.status(), StatusCode::OK);
        let document = get_from_app(OPENAPI_URL, "application/json").await;
        assert_eq!(document.status(), StatusCode::OK);
        let document: serde_json::Value = serde_json::from_str(&text(document).await).unwrap();
        assert!(document["openapi"].as_str().unwrap().starts_with("3.1"));
        assert!(
            document["paths"]
                .as_object()
                .unwrap()
                .contains_key("/api/v1/organizations/{org_uuid}/customers")
        );
    }

    #[test]
    fn the_security_scheme_docs_js_authorizes_is_the_documents() {
        let document = crate::rest::openapi::ApiDoc::openapi();
        let schemes = document.components.unwrap().security_schemes;
        let names: Vec<&String> = schemes.keys().collect();
        assert!(schemes.contains_key(SECURITY_SCHEME), "{names:?}");
    }

    #[test]
    fn the_viewer_sends_nothing_elsewhere() {
        let script = include_str!("docs.js");
        // Swagger UI's default is the online validator of swagger.io.
        assert!(script.contains("validatorUrl: null"));
        // `?url=…` would show another origin's document (and fetch it).
        assert!(script.contains("queryConfigEnabled: false"));
        assert!(script.contains("url: config.openapiUrl"));
    }
}
