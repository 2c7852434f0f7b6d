//! The GraphiQL playground, as `GET /graphql` answers a browser
//! (`graphiql.html`, with `playground.js` and `playground.css`).
//!
//! Its first tab holds the example query of `explore.graphql`. Its docs and
//! autocompletion come from our own introspection query
//! ([`introspection_query`]): GraphiQL's own nests type references 9 deep,
//! past the server's default depth limit of 12, so the page's fetcher sends
//! this shallower one instead: `introspection.graphql`, whose `TypeRef`
//! fragment (`ofType` within `ofType`, 6 levels) is written here.
//!
//! The page needs no token to load. The token is pasted into the bar above
//! GraphiQL, or handed over as `/graphql#token=<token>` (a fragment never
//! reaches the server or its logs; the script takes it out of the address
//! bar), kept in `sessionStorage` for the tab and sent as
//! `Authorization: Bearer <token>` with every request.

use std::sync::LazyLock;

use axum::response::Response;

use super::render::{Page, Rendered};

/// The GraphQL endpoint the page talks to.
const ENDPOINT: &str = "/graphql";

/// The query of the first tab a new user sees.
pub const EXAMPLE_QUERY: &str = include_str!("explore.graphql");

/// How deep the introspection query nests `ofType` in a type reference:
/// enough for `[T!]!` twice over, within the depth limit.
const TYPE_REF_DEPTH: usize = 6;

const PAGE: Page = Page {
    title: "customer-graph · GraphiQL",
    stylesheets: &["graphiql-3.9.0.min.css", "playground.css"],
    style: None,
    body: include_str!("graphiql.html"),
    scripts: &[
        "playground.js",
        "react-18.3.1.production.min.js",
        "react-dom-18.3.1.production.min.js",
        "graphiql-3.9.0.min.js",
    ],
};

static RENDERED: Rendered = Rendered::new(render_page);

/// The playground page, as `GET /graphql` answers a browser: the pages'
/// [`headers`](super::headers) around [`html`].
pub fn page() -> Response {
    RENDERED.response()
}

/// The page's HTML, rendered once.
pub fn html() -> &'static str {
    RENDERED.html()
}

/// The introspection query the page sends instead of GraphiQL's:
/// `introspection.graphql` followed by the `TypeRef` fragment, nested
/// 6 deep.
pub fn introspection_query() -> &'static str {
    static QUERY: LazyLock<String> = LazyLock::new(|| {
        include_str!("introspection.graphql").to_owned() + &type_ref_fragment(TYPE_REF_DEPTH)
    });
    QUERY.as_str()
}

/// `fragment TypeRef on __Type { kind name ofType { kind name ofType { … } } }`
/// with `depth` levels of `ofType`, indented by two spaces a level.
fn type_ref_fragment(depth: usize) -> String {
    let mut fragment = String::from("fragment TypeRef on __Type {\n");
    for level in 1..=depth + 1 {
        let indent = "  ".repeat(level);
        fragment += &format!("{indent}kind\n{indent}name\n");
        if level <= depth {
            fragment += &format!("{indent}ofType {{\n");
        }
    }
    for level in (0..=depth).rev() {
        fragment += &format!("{}}}\n", "  ".repeat(level));
    }
    fragment
}

/// The page, with the JSON its script reads (the endpoint, the example query
/// and the introspection query).
pub(super) fn render_page() -> String {
    let config = serde_json::json!({
        "endpoint": ENDPOINT,
        "exampleQuery": EXAMPLE_QUERY,
        "introspectionQuery": introspection_query(),
    });
    PAGE.render(Some(("playground-config", config)))
}

#[cfg(test)]
mod tests {
    use axum::http::header;

    use super::*;

    #[tokio::test]
    async fn the_page_is_html_without_cache_and_locked_to_this_origin() {
        let response = page();
        let headers = response.headers();
        assert_eq!(headers[header::CONTENT_TYPE], "text/html; charset=utf-8");
        assert_eq!(headers[header::CACHE_CONTROL], "no-cache");
        let policy = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(policy.contains("connect-src 'self'"));
        assert!(policy.contains("script-src 'self';"));
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        let body = std::str::from_utf8(&body).unwrap();
        assert!(body.contains("customer-graph token create --organization &lt;uuid&gt;"));
        assert!(body.contains("customer-graph serve --demo"));
        assert!(body.contains("\"endpoint\":\"/graphql\""));
    }

    #[test]
    fn the_first_tab_holds_the_explore_query() {
        let expected = "query Explore { viewer { name customers(pageSize: 5) { totalCount \
            nodes { fullName email lastInteractedDate feedbackCount averageSentiment \
            company { name } persona { name } feedbacks(pageSize: 2) { nodes { feedbackDate \
            source feedbackContents } } feedbackHighlights(pageSize: 3) { nodes { quote \
            sentimentScore } } insights(pageSize: 3) { nodes { title } } issues(pageSize: 3) \
            { nodes { title status averageSentiment } } } } feedbacksConnection(first: 3, \
            sortBy: PRIORITY) { pageInfo { hasNextPage endCursor } edges { cursor node { \
            priority feedbackType feedbackContents spaces { nodes { name } } } } } } }";
        let without_comments: Vec<&str> = EXAMPLE_QUERY
            .lines()
            .filter(|line| !line.trim_start().starts_with('#'))
            .flat_map(str::split_whitespace)
            .collect();
        assert_eq!(without_comments.join(" "), expected);
    }

    /// The schema of the default settings, over no database.
    fn served_schema() -> crate::graphql::GraphSchema {
        let config = crate::config::ServerConfig::default();
        let metrics = std::sync::Arc::new(crate::metrics::Metrics::default());
        let persisted =
            crate::graphql::persisted::PersistedOperations::from_config(&config, metrics)
                .expect("no allow-list to read");
        crate::graphql::build_schema(
            sea_orm::DatabaseConnection::default(),
            crate::live::Live::detached(),
            &config,
            &std::sync::Arc::new(persisted),
        )
    }

    /// The example query passes the served schema's validation and limits
    /// (depth, complexity): executed without a token, only `viewer` fails.
    #[tokio::test]
    async fn the_explore_query_is_valid_for_the_served_schema() {
        let schema = served_schema();
        let response = schema.execute(EXAMPLE_QUERY).await;
        assert!(
            !crate::graphql::is_request_error(&response),
            "{:?}",
            response.errors
        );
        assert_eq!(response.errors.len(), 1, "{:?}", response.errors);
        assert_eq!(
            response.errors[0].path,
            [async_graphql::PathSegment::Field("viewer".to_owned())]
        );
    }

    #[test]
    fn the_type_ref_fragment_nests_of_type_as_deep_as_asked() {
        let fragment = type_ref_fragment(2);
        let words: Vec<&str> = fragment.split_whitespace().collect();
        assert_eq!(
            words.join(" "),
            "fragment TypeRef on __Type { kind name ofType { kind name ofType { kind name } } }"
        );
        assert!(
            fragment.contains("\n    ofType {\n      kind\n"),
            "{fragment}"
        );
    }

    /// The page's introspection query passes the served schema's limits and
    /// answers the whole schema, without a token (the HTTP layer asks for one).
    #[tokio::test]
    async fn the_introspection_query_fits_the_served_schema() {
        let schema = served_schema();
        let response = schema.execute(introspection_query()).await;
        assert!(response.errors.is_empty(), "{:?}", response.errors);
        let data = response.data.into_json().unwrap();
        let types = data["__schema"]["types"].as_array().unwrap();
        assert!(types.iter().any(|ty| ty["name"] == "Customer"));
        assert_eq!(data["__schema"]["queryType"]["name"], "QueryRoot");
    }
}
