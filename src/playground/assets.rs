//! Every file the pages load, embedded at build time and served under
//! [`ASSETS_PATH`] with a year of caching (their URLs change with their
//! content, see [`url`]).
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
//!
//! Ours, beside this file: each page's script (`playground.js`, `docs.js`)
//! and styles (`playground.css`, `docs.css`); the pages' HTML, the example
//! query and the introspection query are written into the pages themselves
//! ([`render`](super::render), [`graphiql`](super::graphiql)).

use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use crate::error::AppError;

/// The path prefix every asset is served under.
pub const ASSETS_PATH: &str = "/playground/assets/";

/// `Content-Type` of a script.
pub const JAVASCRIPT: &str = "text/javascript; charset=utf-8";
/// `Content-Type` of a stylesheet.
pub const CSS: &str = "text/css; charset=utf-8";

/// `Cache-Control` of an asset: its URL changes with its content.
const ASSET_CACHE_CONTROL: &str = "public, max-age=31536000, immutable";

/// A file served under [`ASSETS_PATH`].
#[derive(Debug)]
pub struct Asset {
    /// The last path segment; ends with `.js` or `.css`.
    pub name: &'static str,
    /// Its content, embedded at build time.
    pub bytes: &'static [u8],
    /// Whether `refresh-assets.sh` wrote it (and `assets/SHA256SUMS` lists
    /// it), rather than us.
    pub vendored: bool,
}

impl Asset {
    /// Its `Content-Type`, by its name's ending: [`CSS`] or [`JAVASCRIPT`].
    pub fn content_type(&self) -> &'static str {
        if self.name.ends_with(".css") {
            CSS
        } else {
            JAVASCRIPT
        }
    }
}

/// An [`Asset`] named by its file: `vendored` ones in `assets/`, `ours`
/// beside this file.
macro_rules! asset {
    (vendored $name:literal) => {
        Asset {
            name: $name,
            bytes: include_bytes!(concat!("assets/", $name)),
            vendored: true,
        }
    };
    (ours $name:literal) => {
        Asset {
            name: $name,
            bytes: include_bytes!($name),
            vendored: false,
        }
    };
}

/// Every asset the pages load, and nothing else.
pub static ASSETS: &[Asset] = &[
    asset!(vendored "graphiql-3.9.0.min.js"),
    asset!(vendored "graphiql-3.9.0.min.css"),
    asset!(vendored "react-18.3.1.production.min.js"),
    asset!(vendored "react-dom-18.3.1.production.min.js"),
    asset!(ours "playground.js"),
    asset!(ours "playground.css"),
    asset!(vendored "swagger-ui-bundle-5.35.0.js"),
    asset!(vendored "swagger-ui-5.35.0.css"),
    asset!(ours "docs.js"),
    asset!(ours "docs.css"),
];

/// The asset called `name`, if there is one.
pub fn find(name: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|asset| asset.name == name)
}

/// `/playground/assets/<name>?v=<the first 16 hex digits of its SHA-256>`.
///
/// Panics when no asset is called `name`: the pages name only assets of
/// [`ASSETS`], as the tests check.
pub fn url(name: &str) -> String {
    let asset = find(name).unwrap_or_else(|| panic!("BUG: no asset is called {name}"));
    let digest = Sha256::digest(asset.bytes);
    format!("{ASSETS_PATH}{name}?v={}", &hex::encode(digest)[..16])
}

/// `GET /playground/assets/{name}`: the asset, or a JSON 404.
pub async fn serve(Path(name): Path<String>) -> Response {
    let Some(asset) = find(&name) else {
        return AppError::NotFound("playground asset").into_response();
    };
    let headers = super::static_headers([
        (header::CONTENT_TYPE, asset.content_type()),
        (header::CACHE_CONTROL, ASSET_CACHE_CONTROL),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    ]);
    (headers, asset.bytes).into_response()
}

#[cfg(test)]
mod tests {
    use axum::http::{StatusCode, header};
    use sha2::{Digest, Sha256};

    use super::super::tests::get;
    use super::*;

    /// The vendored files are exactly those `refresh-assets.sh` wrote: each
    /// embedded one is listed in `SHA256SUMS` with its digest.
    #[test]
    fn every_vendored_asset_matches_its_checksum() {
        let sums = include_str!("assets/SHA256SUMS");
        for asset in ASSETS.iter().filter(|asset| asset.vendored) {
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

    #[test]
    fn our_assets_are_the_scripts_and_styles_beside_this_file() {
        let ours: Vec<&str> = ASSETS
            .iter()
            .filter(|asset| !asset.vendored)
            .map(|asset| asset.name)
            .collect();
        assert_eq!(
            ours,
            ["playground.js", "playground.css", "docs.js", "docs.css"]
        );
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
}
