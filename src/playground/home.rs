//! The index page of `GET /`: what a person finds at the gateway's address,
//! linking the GraphQL playground, the REST API docs, the OpenAPI document and
//! the operational routes. Plain HTML with its styles inline: no script, no
//! asset.

use std::sync::LazyLock;

use axum::response::{Html, IntoResponse, Response};

const TEMPLATE: &str = include_str!("home.html");

/// `GET /`.
pub async fn page() -> Response {
    (super::headers(), Html(html())).into_response()
}

/// The page's HTML, rendered once.
pub fn html() -> &'static str {
    static PAGE: LazyLock<String> = LazyLock::new(render_page);
    PAGE.as_str()
}

pub(super) fn render_page() -> String {
    super::render(TEMPLATE, &serde_json::Value::Null)
        .replace("{{version}}", env!("CARGO_PKG_VERSION"))
}

#[cfg(test)]
mod tests {
    use axum::http::{StatusCode, header};

    use super::super::tests::{get_from_app, links, resources, text};
    use super::*;

    #[test]
    fn the_page_links_every_entry_point_and_loads_nothing() {
        let page = render_page();
        assert_eq!(
            links(&page),
            [
                "/graphql",
                super::super::docs::PATH,
                super::super::docs::OPENAPI_URL,
                "/healthz",
                "/readyz",
                "/metrics",
            ]
        );
        assert_eq!(resources(&page), ["data:,"]);
        assert!(!page.contains("<script"));
        assert!(page.contains(env!("CARGO_PKG_VERSION")));
    }

    /// Through the whole app: `/` is the page, and every link on it answers.
    #[tokio::test]
    async fn every_link_is_answered_by_the_app() {
        let response = get_from_app("/", "text/html").await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            "text/html; charset=utf-8"
        );
        assert_eq!(response.headers()[header::CACHE_CONTROL], "no-cache");
        let page = text(response).await;
        for link in links(&page) {
            let response = get_from_app(&link, "text/html").await;
            assert_eq!(response.status(), StatusCode::OK, "{link}");
        }
    }
}
