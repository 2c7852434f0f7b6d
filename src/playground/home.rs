//! The index page of `GET /`: what a person finds at the gateway's address,
//! linking the GraphQL playground, the REST API docs, the OpenAPI document and
//! the operational routes. Plain HTML with its styles (`home.css`) inline: no
//! script, no asset.

use axum::response::Response;

use super::render::{Page, Rendered};

const PAGE: Page = Page {
    title: "customer-graph",
    stylesheets: &[],
    style: Some(include_str!("home.css")),
    body: include_str!("home.html"),
    scripts: &[],
};

static RENDERED: Rendered = Rendered::new(render_page);

/// `GET /`.
pub async fn page() -> Response {
    RENDERED.response()
}

/// The page, with the crate's version in its heading.
pub(super) fn render_page() -> String {
    PAGE.render(None)
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
