//! The OpenAPI 3.1 document of the REST routes, generated from the handlers'
//! own types and annotations, served at `GET /api/v1/openapi.json`.

use axum::Json;
use axum::Router;
use axum::routing::get;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{ErrorBody, ErrorDetail, answers, customers, feedbacks, input};
use crate::state::AppState;

/// The document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "customer-graph REST API",
        description = "The documented customer routes and the feedback API's feedback and space routes. Every route calls the same resolvers as `/graphql` and answers in snake_case. `DELETE …/customers/{customer_uuid}` is an extension beyond the documented routes.",
    ),
    paths(
        customers::list_customers,
        customers::create_customer,
        customers::get_customer,
        customers::update_customer,
        customers::delete_customer,
        customers::list_feedbacks,
        customers::list_highlights,
        customers::list_insights,
        customers::list_issues,
        feedbacks::list_feedbacks,
        feedbacks::create_feedback,
        feedbacks::delete_feedbacks,
        feedbacks::get_feedback,
        feedbacks::list_feedback_highlights,
        feedbacks::list_spaces,
        feedbacks::create_space,
        feedbacks::list_space_feedbacks,
    ),
    components(schemas(
        ErrorBody,
        ErrorDetail,
        input::CustomerSortField,
        input::FeedbackSortField,
        input::SortDirection,
        answers::IssueStatus,
        answers::FeedbackType,
        answers::DataSourceType,
    )),
    modifiers(&BearerAuth, &RetryLater),
    tags(
        (name = "customers", description = "Customers and their feedback, highlights, insights and issues."),
        (name = "feedbacks", description = "The organization's feedbacks: listed with filters, recorded, read with their highlights, deleted all or nothing."),
        (name = "spaces", description = "Spaces feedback is filed into, and their feedbacks."),
    )
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

/// Adds to every route the 503 that any data request may answer: the
/// database is unavailable, the request ran past its deadline, or the server
/// is at a limit of work in flight (README, "Operating it").
struct RetryLater;

impl Modify for RetryLater {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{
            ContentBuilder, HeaderBuilder, Ref, ResponseBuilder, Type, schema::ObjectBuilder,
        };
        let retry_after = HeaderBuilder::new()
            .schema(ObjectBuilder::new().schema_type(Type::Integer))
            .description(Some("Seconds to wait before retrying (RFC 9110 §10.2.3)."))
            .build();
        let response = ResponseBuilder::new()
            .description(
                "Retry later: the database is unavailable (`unavailable`), the request ran \
                 past the server's time limit (`timeout`), or the server is at its limit of \
                 requests in flight (`overloaded`). Nothing was written.",
            )
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
            .header("Retry-After", retry_after)
            .build();
        for item in openapi.paths.paths.values_mut() {
            for operation in [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.delete,
            ]
            .into_iter()
            .flatten()
            {
                operation
                    .responses
                    .responses
                    .insert("503".to_owned(), response.clone().into());
            }
        }
    }
}

/// `GET /api/v1/openapi.json`.
pub fn router() -> Router<AppState> {
    Router::new().route(
        "/api/v1/openapi.json",
        get(|| async { Json(ApiDoc::openapi()) }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The values of the enum schema `name` in the document.
    fn words(name: &str) -> Vec<String> {
        let document = serde_json::to_value(ApiDoc::openapi()).expect("serializes");
        document["components"]["schemas"][name]["enum"]
            .as_array()
            .unwrap_or_else(|| panic!("{name} is an enum"))
            .iter()
            .map(|word| word.as_str().expect("a word").to_owned())
            .collect()
    }

    #[test]
    fn the_documents_enums_are_the_words_the_routes_answer() {
        assert!(words("IssueStatus").contains(&"in_progress".to_owned()));
        assert!(words("FeedbackType").contains(&"NPS_RESPONSE".to_owned()));
        assert!(words("DataSourceType").contains(&"G2_REVIEW".to_owned()));
        assert!(words("FeedbackSortField").contains(&"priority".to_owned()));
    }
}
