//! What keeps the data routes (the REST routes and `/graphql`) answering
//! under faults and load, as middleware around them ([`guard`]); the
//! operational routes (`/healthz`, `/readyz`, `/metrics`) and the static
//! pages are not guarded, so an operator can always look.
//!
//! - **Load shedding.** At most `--max-requests-in-flight` data requests are
//!   served at once; one more answers 503 `OVERLOADED` with `Retry-After`
//!   at once. (GraphQL operations have a second, smaller limit with a short
//!   line, in `graphql_http`.)
//! - **The circuit.** While the database is known to be out of reach (see
//!   [`crate::db::health`]), data requests answer 503 `SERVICE_UNAVAILABLE`
//!   at once. A request that finds it out of reach opens the circuit.
//! - **One retry.** A REST read whose connection broke under it (a restart,
//!   a failover) runs once more at once, on a connection checked first: the
//!   client sees the answer, not the fault. (GraphQL queries are retried the
//!   same way by `graphql_http`; writes never are.)
//!
//! Every answer is in the shape of the face the request came through
//! ([`Face`]).

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::{AppError, Outage};
use crate::state::AppState;

/// The face a request came through, which decides the shape of its errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Face {
    /// The REST routes and everything else: `{"error": {code, message}}`.
    Rest,
    /// `/graphql`: `{"errors": [{message, extensions: {code}}]}` in the
    /// negotiated media type.
    GraphQL,
}

impl Face {
    /// The face of a request for `path`.
    pub fn of(path: &str) -> Face {
        if path == "/graphql" || path.starts_with("/graphql/") {
            Face::GraphQL
        } else {
            Face::Rest
        }
    }

    /// `error` in this face's shape, with its status and `Retry-After`.
    pub fn render(self, headers: &HeaderMap, error: AppError) -> Response {
        match self {
            Face::Rest => error.into_response(),
            Face::GraphQL => crate::graphql_http::face_error(headers, error),
        }
    }
}

/// The middleware of the data routes: the in-flight limit, the circuit and
/// the retry of a REST read whose connection broke (see the module docs).
pub async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let face = Face::of(request.uri().path());
    if face == Face::GraphQL && is_playground(&request) {
        return next.run(request).await;
    }
    let Ok(_permit) = state.requests_in_flight.clone().try_acquire_owned() else {
        state.metrics.record_shed("requests_in_flight");
        let error = AppError::Overloaded("data requests in flight");
        return face.render(request.headers(), error);
    };
    if state.health.is_open() {
        let error = AppError::Unavailable(Outage::CircuitOpen);
        return face.render(request.headers(), error);
    }
    let again = (face == Face::Rest && is_safe(request.method())).then(|| copy_of(&request));
    let response = next.clone().run(request).await;
    match response.extensions().get::<Outage>() {
        Some(Outage::ConnectionLost) => {
            state.health.check_connections();
            let Some(again) = again else {
                return response;
            };
            tracing::info!("a connection broke under a read: running it again on a checked one");
            let response = next.run(again).await;
            observe(&state, &response);
            response
        }
        Some(_) => {
            observe(&state, &response);
            response
        }
        None => response,
    }
}

/// Acts on the outage an answer reports: a lost connection makes every
/// checkout check its connection for a while; a database out of reach opens
/// the circuit.
pub fn observe(state: &AppState, response: &Response) {
    match response.extensions().get::<Outage>() {
        Some(Outage::ConnectionLost) => state.health.check_connections(),
        Some(Outage::Unreachable) => suspect_outage(state),
        _ => {}
    }
}

/// A request found no connection in time: asks the database's watch to
/// tell an outage from load ([`crate::db::DatabaseHealth::suspect`]); only
/// an outage opens the circuit.
pub fn suspect_outage(state: &AppState) {
    state.health.suspect(&state.db);
}

/// A browser asking `/graphql` for the playground page (HTML and no
/// `query` parameter), which reads no data.
fn is_playground(request: &Request) -> bool {
    let asks_a_query = || {
        let pairs = request.uri().query().unwrap_or_default();
        serde_urlencoded::from_str::<Vec<(String, String)>>(pairs)
            .map_or(true, |pairs| pairs.iter().any(|(name, _)| name == "query"))
    };
    request.method() == Method::GET
        && crate::graphql_http::media::wants_html(request.headers())
        && !asks_a_query()
}

/// GET and HEAD: the methods whose requests change nothing (RFC 9110 §9.2.1).
fn is_safe(method: &Method) -> bool {
    method == Method::GET || method == Method::HEAD
}

/// A bodiless copy of `request` (method, URI, headers, and the extensions the
/// router put there), to run a safe request again.
fn copy_of(request: &Request) -> Request {
    let mut copy = Request::new(Body::empty());
    *copy.method_mut() = request.method().clone();
    *copy.uri_mut() = request.uri().clone();
    *copy.version_mut() = request.version();
    *copy.headers_mut() = request.headers().clone();
    *copy.extensions_mut() = request.extensions().clone();
    copy
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_playground_page_passes_the_guard_unchecked() {
        let get = |uri: &str, accept: &str| {
            Request::get(uri)
                .header("accept", accept)
                .body(Body::empty())
                .expect("a request")
        };
        assert!(is_playground(&get("/graphql", "text/html")));
        assert!(is_playground(&get("/graphql?x=1", "text/html,*/*")));
        assert!(!is_playground(&get("/graphql?query=%7Ba%7D", "text/html")));
        assert!(!is_playground(&get(
            "/graphql?%71uery=%7Ba%7D",
            "text/html"
        )));
        assert!(!is_playground(&get("/graphql", "application/json")));
    }

    #[test]
    fn graphql_paths_answer_in_the_graphql_shape_and_the_rest_in_rest_s() {
        assert_eq!(Face::of("/graphql"), Face::GraphQL);
        assert_eq!(Face::of("/graphql/"), Face::GraphQL);
        assert_eq!(Face::of("/graphqlx"), Face::Rest);
        assert_eq!(Face::of("/api/v1/organizations/x/customers"), Face::Rest);
    }
}
