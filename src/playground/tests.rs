//! What the pages' tests share (requests to the routes, reading a page's
//! URLs), and the tests that hold for every page: all it loads is an asset
//! of this origin, and every asset is loaded by some page.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use axum::response::Response;
use tower::ServiceExt;

use super::assets::{ASSETS, ASSETS_PATH, CSS};
use super::{docs, graphiql, home, router};

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
        ("playground", graphiql::render_page()),
        ("docs", docs::render_page()),
        ("home", home::render_page()),
    ]
}

/// `GET path` from this module's routes alone.
pub(super) async fn get(path: &str) -> Response {
    router::<()>()
        .oneshot(Request::get(path).body(Body::empty()).unwrap())
        .await
        .unwrap()
}

/// The whole app, over an empty in-memory SQLite database: enough for
/// the routes that read no table.
pub(super) async fn get_from_app(path: &str, accept: &str) -> Response {
    let pool = crate::db::open("sqlite::memory:", None, &Default::default())
        .await
        .unwrap();
    let state = crate::state::AppState::new(
        pool,
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

/// The body of `response`, as text.
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
            let path = reference
                .strip_prefix(ASSETS_PATH)
                .unwrap_or_else(|| panic!("{reference} of the {page_name} page is not an asset"));
            let name = path.split('?').next().unwrap();
            let response = get(&reference).await;
            assert_eq!(response.status(), StatusCode::OK, "{reference}");
            let asset = ASSETS.iter().find(|asset| asset.name == name).unwrap();
            let headers = response.headers();
            assert_eq!(headers[header::CONTENT_TYPE], asset.content_type());
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
    for asset in ASSETS.iter().filter(|asset| !asset.vendored) {
        let text = std::str::from_utf8(asset.bytes).unwrap();
        assert!(
            !text.contains("http://"),
            "an http:// URL in {}",
            asset.name
        );
        assert!(
            !text.contains("https://"),
            "an https:// URL in {}",
            asset.name
        );
    }
    // The stylesheets' fonts and images are inlined.
    for asset in ASSETS.iter().filter(|asset| asset.content_type() == CSS) {
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
