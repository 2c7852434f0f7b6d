//! The REST face: the documented
//! `/api/v1/organizations/{org_uuid}/customers…` routes and the feedback
//! API's `…/feedbacks` and `…/spaces` routes.
//!
//! Every handler parses its input in the contract's words (`page_size`,
//! `sort_by`, snake_case bodies), calls the same resolvers as the graph (see
//! [`crate::resolvers`]; relations read through the same loaders), and
//! answers in the documented snake_case envelope. No GraphQL runs in between.
//! Every failure, from a handler or an operational route, is rendered here,
//! once, as [`ErrorBody`].
//!
//! - [`customers`]: the customer routes and their handlers.
//! - [`feedbacks`]: the feedback and space routes and their handlers.
//! - [`answers`]: the snake_case answers, made from model rows.
//! - [`input`], [`feedback_input`]: query parameters and bodies, parsed
//!   into checked types.
//! - [`paging`]: numbered and cursor pages, and the `next_cursor` of every list.
//! - [`params`]: reading path, query and body values under the contract's names.
//! - [`preconditions`]: `ETag`, `If-Match`, `If-None-Match`.
//! - [`openapi`]: the OpenAPI document of these routes.

pub mod answers;
pub mod customers;
pub mod feedback_input;
pub mod feedbacks;
pub mod input;
pub mod openapi;
pub mod paging;
pub mod params;
pub mod preconditions;

use axum::Json;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::error::{AppError, FaceNames, Outage};

/// What REST calls the inputs only the store can judge.
const REST_NAMES: FaceNames = FaceNames {
    references: [
        "persona_uuid",
        "customer_company_uuid",
        "highlight_uuids",
        "customer_uuid",
        "feedback_uuids",
        "space_uuids",
    ],
    precondition: "If-Match",
};

/// The JSON error body shared by every REST and operational route:
/// `{"error": {"code": "...", "message": "...", "parameter": "..."}}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// The error itself.
    pub error: ErrorDetail,
}

/// The inside of [`ErrorBody`].
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Machine-readable, snake_case (`bad_request`, `not_found`, …).
    pub code: &'static str,
    /// For a person.
    pub message: String,
    /// The parameter, field or header at fault, for `bad_request` and
    /// `precondition_failed` (`If-Match`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter: Option<String>,
}

/// A REST failure: an HTTP status, the one JSON error body and the headers
/// that go with it.
#[derive(Debug)]
pub struct RestError {
    status: StatusCode,
    body: ErrorBody,
    /// The current version of a resource whose precondition failed (412),
    /// answered as its `ETag`.
    current_version: Option<i32>,
    /// The `WWW-Authenticate` challenge of a 401, the `Retry-After` of a 503.
    headers: Vec<(HeaderName, HeaderValue)>,
    /// The database outage behind a 503, handed to the resilience layer as
    /// a response extension.
    outage: Option<Outage>,
}

impl From<AppError> for RestError {
    /// The one REST rendering of a failure, its input named in REST's words.
    fn from(error: AppError) -> Self {
        error.log();
        RestError {
            status: error.status(),
            body: ErrorBody {
                error: ErrorDetail {
                    code: error.codes().0,
                    message: error.to_string(),
                    parameter: error.parameter_in(&REST_NAMES).map(str::to_owned),
                },
            },
            current_version: error.current_version(),
            headers: [
                (header::WWW_AUTHENTICATE, error.challenge()),
                (header::RETRY_AFTER, error.retry_after()),
            ]
            .into_iter()
            .filter_map(|(name, value)| Some((name, value?)))
            .collect(),
            outage: error.outage(),
        }
    }
}

impl RestError {
    /// Names `parameter` as the one at fault.
    pub fn blame(&mut self, parameter: &str) {
        self.body.error.parameter = Some(parameter.to_owned());
    }
}

impl IntoResponse for RestError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body)).into_response();
        let headers = response.headers_mut();
        if let Some(version) = self.current_version {
            headers.insert(header::ETAG, preconditions::etag(version));
        }
        for (name, value) in self.headers {
            headers.insert(name, value);
        }
        if let Some(outage) = self.outage {
            response.extensions_mut().insert(outage);
        }
        response
    }
}

impl IntoResponse for AppError {
    /// Operational routes and extractors answer in the REST error body too.
    fn into_response(self) -> Response {
        RestError::from(self).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(error: AppError) -> serde_json::Value {
        serde_json::to_value(RestError::from(error).body).expect("serializes")
    }

    #[test]
    fn a_bad_request_names_its_parameter() {
        let body = body(AppError::bad_parameter("page_size", "page_size is bad"));
        assert_eq!(body["error"]["code"], "bad_request");
        assert_eq!(body["error"]["parameter"], "page_size");
    }

    #[test]
    fn inputs_only_the_store_can_judge_are_named_in_rest_words() {
        let unknown = uuid::Uuid::nil();
        let body = body(AppError::UnknownReference {
            reference: crate::error::Reference::Persona,
            uuid: unknown,
        });
        assert_eq!(body["error"]["parameter"], "persona_uuid");
        assert_eq!(
            body["error"]["message"],
            format!("persona {unknown} not found")
        );
        let stale = RestError::from(AppError::PreconditionFailed { current_version: 3 });
        assert_eq!(stale.body.error.parameter.as_deref(), Some("If-Match"));
        let response = stale.into_response();
        assert_eq!(response.headers()[header::ETAG], "\"3\"");
    }

    #[test]
    fn an_internal_error_never_shows_its_cause() {
        let body = body(AppError::internal(anyhow::anyhow!(
            "SELECT * FROM customers"
        )));
        let text = body.to_string();
        assert!(
            !text.contains("SELECT") && !text.contains("customers"),
            "{text}"
        );
    }
}
