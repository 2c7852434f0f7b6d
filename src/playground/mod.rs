//! The pages the gateway serves to a browser, and every file they load, served
//! entirely from the binary so that they work on a machine without internet
//! access: every script, style and font is embedded at build time and served
//! under `/playground/assets/<name>`.
//!
//! - `GET /graphql` (for a browser asking for `text/html`): the GraphiQL
//!   playground ([`graphiql`]).
//! - `GET /api/v1/docs`: the REST API reference, Swagger UI over
//!   `/api/v1/openapi.json` ([`docs`]).
//! - `GET /`: an index page linking the above and the operational routes
//!   ([`home`]).
//!
//! The parts:
//! - this file: the routes, and the headers every page is sent with;
//! - [`assets`]: the embedded files (GraphiQL, React, Swagger UI, vendored by
//!   `refresh-assets.sh`; our scripts and styles) and the route serving them;
//! - [`render`]: the one HTML shell of every page (`shell.html`), filled with a
//!   page's title, stylesheets, body and scripts, rendered once;
//! - [`graphiql`], [`docs`], [`home`]: one page each, with its body
//!   (`graphiql.html`, `docs.html`, `home.html`) and what its script reads.
//!
//! Asset URLs carry `?v=<content hash>`, so they are cached for a year as
//! immutable while a new build's files are fetched anew; the pages themselves
//! are `no-cache` and sent with a Content-Security-Policy that allows only
//! this origin (plus `data:` fonts and images, and the inline styles GraphiQL
//! and Swagger UI set).

pub mod assets;
pub mod docs;
pub mod graphiql;
pub mod home;
pub mod render;
#[cfg(test)]
mod tests;

use axum::Router;
use axum::http::{HeaderName, HeaderValue, header};
use axum::response::Redirect;
use axum::routing::get;

pub use self::assets::ASSETS_PATH;
pub use self::graphiql::{html, page};

/// What a page may load and talk to: this origin only.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
    style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; \
    connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

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
        .route(
            const_format::concatcp!(ASSETS_PATH, "{name}"),
            get(assets::serve),
        )
}

/// The headers of each page besides `Content-Type`: never cached (the asset
/// URLs in it change with every new build of them), loads from this origin
/// only.
pub fn headers() -> [(HeaderName, HeaderValue); 4] {
    static_headers([
        (header::CACHE_CONTROL, "no-cache"),
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
    ])
}

/// Headers from constant values.
fn static_headers<const N: usize>(
    headers: [(HeaderName, &'static str); N],
) -> [(HeaderName, HeaderValue); N] {
    headers.map(|(name, value)| (name, HeaderValue::from_static(value)))
}
