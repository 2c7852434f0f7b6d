//! The pages the gateway serves to a browser, and every file they load, served
//! entirely from the binary so that they work on a machine without internet
//! access: every script, style and font is embedded at build time and served
//! under `/playground/assets/<name>`.
//!
//! - `GET /graphql` (for a browser asking for `text/html`): the GraphiQL
//!   playground, this module.
//! - `GET /api/v1/docs`: the REST API reference, Swagger UI over
//!   `/api/v1/openapi.json` ([`docs`]).
//! - `GET /`: an index page linking the above and the operational routes
//!   ([`home`]).
//!
//! Vendored into `src/playground/assets/` by `src/playground/refresh-assets.sh`
//! (npm, exact versions; `assets/SHA256SUMS` lists the files):
//!
//! | npm package       | version | file in the package                         | served as                            | bytes     |
//! |-------------------|---------|---------------------------------------------|--------------------------------------|-----------|
//! | `graphiql`        | 3.9.0   | `graphiql.min.js` (UMD, bundles graphql)    | `graphiql-3.9.0.min.js`              |   977 984 |
//! | `graphiql`        | 3.9.0   | `graphiql.min.css` (fonts inlined)          | `graphiql-3.9.0.min.css`             |   410 559 |
//! | `react`           | 18.3.1  | `umd/react.production.min.js`               | `react-18.3.1.production.min.js`     |    10 751 |
//! | `react-dom`       | 18.3.1  | `umd/react-dom.production.min.js`           | `react-dom-18.3.1.production.min.js` |   131 835 |
//! | `swagger-ui-dist` | 5.35.0  | `swagger-ui-bundle.js` (UMD, bundles React) | `swagger-ui-bundle-5.35.0.js`        | 1 732 848 |
//! | `swagger-ui-dist` | 5.35.0  | `swagger-ui.css` (images inlined)           | `swagger-ui-5.35.0.css`              |   187 915 |
//!
//! 3 451 892 bytes in all (1 531 129 for the playground, 1 920 763 for the
//! docs; the `sourceMappingURL` comments are stripped, as no map is shipped,
//! and the one e-mail placeholder of Swagger UI's example generator is written
//! with a `\x40` escape, the same string to JavaScript). GraphiQL and React
//! are MIT licensed, Swagger UI Apache-2.0; their licenses (and Swagger UI's
//! NOTICE and the licenses of what its bundle bundles) sit beside the files.
//! Each page (`page.html`, `docs.html`, `home.html`), its script
//! (`playground.js`, `docs.js`), its styles (`playground.css`, `docs.css`)
//! and the example query of the playground's first tab (`explore.graphql`)
//! are ours, and so is the introspection query behind the playground's docs
//! and autocompletion (`introspection.graphql`): GraphiQL's own nests type
//! references 9 deep, past the server's default depth limit of 12, so the
//! page's fetcher sends this shallower one instead.
//!
//! The page needs no token to load. The token is pasted into the bar above
//! GraphiQL, or handed over as `/graphql#token=<token>` (a fragment never
//! reaches the server or its logs; the script takes it out of the address
//! bar), kept in `sessionStorage` for the tab and sent as
//! `Authorization: Bearer <token>` with every request.
//!
//! Asset URLs carry `?v=<content hash>`, so they are cached for a year as
//! immutable while a new build's files are fetched anew; the pages themselves
//! are `no-cache` and sent with a Content-Security-Policy that allows only
//! this origin (plus `data:` fonts and images, and the inline styles GraphiQL
//! and Swagger UI set).

pub mod docs;
pub mod home;

use std::sync::LazyLock;

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderName, HeaderValue, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use sha2::{Digest, Sha256};

use crate::error::AppError;

/// The path prefix every asset is served under.
pub const ASSETS_PATH: &str = "/playground/assets/";

/// The GraphQL endpoint the page talks to.
const ENDPOINT: &str = "/graphql";

/// The query of the first tab a new user sees.
pub const EXAMPLE_QUERY: &str = include_str!("explore.graphql");

/// The introspection query the page sends instead of GraphiQL's, whose type
/// references nest deeper than the server's depth limit allows.
pub const INTROSPECTION_QUERY: &str = include_str!("introspection.graphql");

const PAGE_TEMPLATE: &str = include_str!("page.html");

const JAVASCRIPT: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

/// `Cache-Control` of an asset: its URL changes with its content.
const ASSET_CACHE_CONTROL: &str = "public, max-age=31536000, immutable";

/// What the page may load and talk to: this origin only.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
    style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; \
    connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// A file served under [`ASSETS_PATH`].
#[derive(Debug)]
pub struct Asset {
    /// The last path segment.
    pub name: &'static str,
    /// Its `Content-Type`.
    pub content_type: &'static str,
    /// Its content, embedded at build time.
    pub bytes: &'static [u8],
}

/// Every asset the pages load, and nothing else.
pub static ASSETS: &[Asset] = &[
    Asset {
        name: "graphiql-3.9.0.min.js",
        content_type: JAVASCRIPT,
        bytes: include_bytes!("assets/graphiql-3.9.0.min.js"),
    },
    Asset {
        name: "graphiql-3.9.0.min.css",
        content_type: CSS,
        bytes: include_bytes!("assets/graphiql-3.9.0.min.css"),
    },
    Asset {
        name: "react-18.3.1.production.min.js",
        content_type: JAVASCRIPT,
        bytes: include_bytes!("assets/react-18.3.1.production.min.js"),
    },
    Asset {
        name: "react-dom-18.3.1.production.min.js",
        content_type: JAVASCRIPT,
        bytes: include_bytes!("assets/react-dom-18.3.1.production.min.js"),
    },
    Asset {
        name: "playground.js",
        content_type: JAVASCRIPT,
        bytes: include_bytes!("playground.js"),
    },
    Asset {
        name: "playground.css",
        content_type: CSS,
        bytes: include_bytes!("playground.css"),
    },
    Asset {
        name: "swagger-ui-bundle-5.35.0.js",
        content_type: JAVASCRIPT,
        bytes: include_bytes!("assets/swagger-ui-bundle-5.35.0.js"),
    },
    Asset {
        name: "swagger-ui-5.35.0.css",
        content_type: CSS,
        bytes: include_bytes!("assets/swagger-ui-5.35.0.css"),
    },
    Asset {
        name: "docs.js",
        content_type: JAVASCRIPT,
        bytes: include_bytes!("docs.js"),
    },
    Asset {
        name: "docs.css",
        content_type: CSS,
        bytes: include_bytes!("docs.css"),
    },
];

/// The asset routes, the REST API docs ([`docs::PATH`]) and the index page
/// (`/`); the playground page itself is answered by `GET /graphql`.
pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/", get(home::page))
        .route(docs::PATH, get(docs::page))
        .route(
            const_format::concatcp!(docs::PATH, "/"),
            get(|| async { Redirect::permanent(docs::PATH) }),
        )
        .route("/playground/assets/{name}", get(asset))
}

/// The playground page, as `GET /graphql` answers a browser: [`headers`]
/// around [`html`].
pub fn page() -> Response {
    (headers(), Html(html())).into_response()
}

/// The page's HTML, rendered once.
pub fn html() -> &'static str {
    static PAGE: LazyLock<String> = LazyLock::new(render_page);
    PAGE.as_str()
}

/// The headers of each page besides `Content-Type`: never cached (the asset
/// URLs in it change with every new build of them), loads from this origin
/// only.
pub fn headers() -> [(HeaderName, HeaderValue); 4] {
    [
        (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ),
    ]
}

async fn asset(Path(name): Path<String>) -> Response {
    let Some(asset) = ASSETS.iter().find(|asset| asset.name == name) else {
        return AppError::NotFound("playground asset").into_response();
    };
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(asset.content_type),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static(ASSET_CACHE_CONTROL),
            ),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        asset.bytes,
    )
        .into_response()
}

/// `/playground/assets/<name>?v=<the first 16 hex digits of its SHA-256>`.
fn asset_url(asset: &Asset) -> String {
    let digest = Sha256::digest(asset.bytes);
    format!(
        "{ASSETS_PATH}{}?v={}",
        asset.name,
        &hex::encode(digest)[..16]
    )
}

/// The playground page, with the JSON its script reads (the endpoint, the
/// example query and the introspection query).
fn render_page() -> String {
    render(
        PAGE_TEMPLATE,
        &serde_json::json!({
            "endpoint": ENDPOINT,
            "exampleQuery": EXAMPLE_QUERY,
            "introspectionQuery": INTROSPECTION_QUERY,
        }),
    )
}

/// A page from its template: `{{asset:<name>}}` becomes the asset's URL and
/// `{{config}}` the JSON `config`, safe inside a `<script>` element.
fn render(template: &str, config: &serde_json::Value) -> String {
    let config = config
        .to_string()
        // Inside <script>, no `</script>` (nor `<!--`) may appear.
        .replace('<', "\\u003c");
    let mut page = template.replace("{{config}}", &config);
    for asset in ASSETS {
        page = page.replace(&format!("{{{{asset:{}}}}}", asset.name), &asset_url(asset));
    }
    page
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use tower::ServiceExt;

    use super::*;

    /// The values of the attribute `name` of every `<tag …>` element of
    /// `html` (double-quoted values only, as our templates write them).
    pub(super) fn attribute_values(html: &str, tag: &str, name: &str) -> Vec<String> {
        let open = format!("<{tag} ");
        let attribute = format!(" {name}=\"");
        let mut found = Vec::new();
        for (at, _) in html.match_indices(&open) {
            let element = &html[at..];
            let element = &element[..element.find('>').expect("a closed tag")];
            if let Some(start) = element.find(&attribute) {
                let rest = &element[start + attribute.len()..];
                let end = rest.find('"').expect("a closed attribute");
                found.push(rest[..end].to_owned());
            }
        }
        found
    }

    /// What `html` loads: every `<script src>` and `<link href>`.
    pub(super) fn resources(html: &str) -> Vec<String> {
        let mut found = attribute_values(html, "script", "src");
        found.extend(attribute_values(html, "link", "href"));
        found
    }

    /// Where `html` links to: every `<a href>`.
    pub(super) fn links(html: &str) -> Vec<String> {
        attribute_values(html, "a", "href")
    }

    /// Every page this module serves, by name.
    pub(super) fn pages() -> [(&'static str, String); 3] {
        [
            ("playground", render_page()),
            ("docs", docs::render_page()),
            ("home", home::render_page()),
        ]
    }

    pub(super) async fn get(path: &str) -> Response {
        router::<()>()
            .oneshot(Request::get(path).body(Body::empty()).unwrap())
            .await
            .unwrap()
    }

    /// The whole app, over an empty in-memory SQLite database: enough for
    /// the routes that read no table.
    pub(super) async fn get_from_app(path: &str, accept: &str) -> Response {
        let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
        let state = crate::state::AppState::new(
            db,
            std::sync::Arc::new(crate::metrics::Metrics::default()),
            crate::config::ServerConfig::default(),
        );
        crate::app::router(state)
            .oneshot(
                Request::get(path)
                    .header(header::ACCEPT, accept)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap()
    }

    pub(super) async fn text(response: Response) -> String {
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        String::from_utf8(body.to_vec()).unwrap()
    }

    #[tokio::test]
    async fn every_asset_a_page_references_is_served_and_every_asset_is_referenced() {
        let mut referenced = Vec::new();
        for (page_name, page) in pages() {
            assert!(
                !page.contains("{{"),
                "a placeholder was left in {page_name}: {page}"
            );
            for reference in resources(&page) {
                if reference.starts_with("data:") {
                    continue;
                }
                let path = reference.strip_prefix(ASSETS_PATH).unwrap_or_else(|| {
                    panic!("{reference} of the {page_name} page is not an asset")
                });
                let name = path.split('?').next().unwrap();
                let response = get(&reference).await;
                assert_eq!(response.status(), StatusCode::OK, "{reference}");
                let asset = ASSETS.iter().find(|asset| asset.name == name).unwrap();
                let headers = response.headers();
                assert_eq!(headers[header::CONTENT_TYPE], asset.content_type);
                assert!(
                    headers[header::CACHE_CONTROL]
                        .to_str()
                        .unwrap()
                        .contains("max-age=31536000")
                );
                let body = axum::body::to_bytes(response.into_body(), usize::MAX)
                    .await
                    .unwrap();
                assert_eq!(&body[..], asset.bytes, "{reference}");
                referenced.push(name.to_owned());
            }
        }
        for asset in ASSETS {
            assert!(
                referenced.iter().any(|name| name == asset.name),
                "{} is embedded but no page loads it",
                asset.name
            );
        }
    }

    #[test]
    fn no_page_loads_anything_from_another_origin() {
        for (page_name, page) in pages() {
            for reference in resources(&page).into_iter().chain(links(&page)) {
                assert!(
                    reference.starts_with('/') && !reference.starts_with("//")
                        || reference.starts_with("data:"),
                    "{reference} of the {page_name} page is not a relative URL"
                );
            }
            for scheme in ["http://", "https://"] {
                assert!(
                    !page.contains(scheme),
                    "a {scheme} URL in the {page_name} page: {page}"
                );
            }
        }
        for (name, text) in [
            ("playground.js", include_str!("playground.js")),
            ("playground.css", include_str!("playground.css")),
            ("docs.js", include_str!("docs.js")),
            ("docs.css", include_str!("docs.css")),
        ] {
            assert!(!text.contains("http://"), "an http:// URL in {name}");
            assert!(!text.contains("https://"), "an https:// URL in {name}");
        }
        // The stylesheets' fonts and images are inlined.
        for asset in ASSETS.iter().filter(|asset| asset.content_type == CSS) {
            let css = std::str::from_utf8(asset.bytes).unwrap();
            for (at, _) in css.match_indices("url(") {
                let target = css[at + 4..].trim_start_matches(['"', '\'']);
                assert!(
                    target.starts_with("data:"),
                    "{} loads {}",
                    asset.name,
                    &target[..target.len().min(80)]
                );
            }
            assert!(
                !css.contains("@import"),
                "{} imports a stylesheet",
                asset.name
            );
        }
    }

    /// The vendored files are exactly those `refresh-assets.sh` wrote: each
    /// embedded one is listed in `SHA256SUMS` with its digest.
    #[test]
    fn every_vendored_asset_matches_its_checksum() {
        let sums = include_str!("assets/SHA256SUMS");
        for asset in ASSETS.iter().filter(|asset| {
            !matches!(
                asset.name,
                "playground.js" | "playground.css" | "docs.js" | "docs.css"
            )
        }) {
            let line = format!(
                "{}  {}",
                hex::encode(Sha256::digest(asset.bytes)),
                asset.name
            );
            assert!(
                sums.lines().any(|listed| listed == line),
                "{} does not match assets/SHA256SUMS",
                asset.name
            );
        }
    }

    #[tokio::test]
    async fn an_unknown_asset_is_a_json_404() {
        let response = get("/playground/assets/nope.js").await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        assert!(
            response.headers()[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .contains("json")
        );
    }

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
            { nodes { title status averageSentiment } } } } } }";
        let without_comments: Vec<&str> = EXAMPLE_QUERY
            .lines()
            .filter(|line| !line.trim_start().starts_with('#'))
            .flat_map(str::split_whitespace)
            .collect();
        assert_eq!(without_comments.join(" "), expected);
    }

    /// The example query passes the served schema's validation and limits
    /// (depth, complexity): executed without a token, only `viewer` fails.
    #[tokio::test]
    async fn the_explore_query_is_valid_for_the_served_schema() {
        let schema = crate::graphql::build_schema(
            sea_orm::DatabaseConnection::default(),
            &crate::config::ServerConfig::default(),
        );
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

    /// The page's introspection query passes the served schema's limits and
    /// answers the whole schema, without a token (the HTTP layer asks for one).
    #[tokio::test]
    async fn the_introspection_query_fits_the_served_schema() {
        let schema = crate::graphql::build_schema(
            sea_orm::DatabaseConnection::default(),
            &crate::config::ServerConfig::default(),
        );
        let response = schema.execute(INTROSPECTION_QUERY).await;
        assert!(response.errors.is_empty(), "{:?}", response.errors);
        let data = response.data.into_json().unwrap();
        let types = data["__schema"]["types"].as_array().unwrap();
        assert!(types.iter().any(|ty| ty["name"] == "Customer"));
        assert_eq!(data["__schema"]["queryType"]["name"], "QueryRoot");
    }
}
