//! The OpenAPI 3.1 document of the REST routes, generated from the handlers'
//! own types and annotations, served at `GET /api/v1/openapi.json`.

use axum::Json;
use axum::Router;
use axum::routing::get;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{ErrorBody, ErrorDetail, answers, customers, input};
use crate::state::AppState;

/// The document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "customer-graph REST API",
        description = "The documented customer routes. Every route calls the same resolvers as `/graphql` and answers in snake_case.",
    ),
    paths(
        customers::list_customers,
        customers::create_customer,
        customers::get_customer,
        customers::update_customer,
        customers::list_feedbacks,
        customers::list_highlights,
        customers::list_insights,
        customers::list_issues,
    ),
    components(schemas(
        ErrorBody,
        ErrorDetail,
        input::CustomerSortField,
        input::FeedbackSortField,
        input::SortDirection,
        answers::IssueStatus,
    )),
    modifiers(&BearerAuth),
    tags((name = "customers", description = "Customers and their feedback, highlights, insights and issues."))
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// `GET /api/v1/openapi.json`.
pub fn router() -> Router<AppState> {
    Router::new().route(
        "/api/v1/openapi.json",
        get(|| async { Json(ApiDoc::openapi()) }),
    )
}
