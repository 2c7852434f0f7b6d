//! The REST face: the documented
//! `/api/v1/organizations/{org_uuid}/customers…` routes.
//!
//! Every handler parses its input in the contract's words (`page_size`,
//! `sort_by`, snake_case bodies), calls the same resolvers as the graph (see
//! [`crate::resolvers`]; relations read through the same loaders), and
//! answers in the documented snake_case envelope. No GraphQL runs in between.

pub mod customers;
pub mod openapi;
pub mod params;
pub mod preconditions;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::error::{AppError, ErrorBody};

/// A REST failure: an HTTP status and the one JSON error body.
#[derive(Debug)]
pub struct RestError {
    status: StatusCode,
    body: ErrorBody,
    /// The current `ETag` of a resource whose precondition failed (412).
    etag: Option<axum::http::HeaderValue>,
}

impl From<AppError> for RestError {
    fn from(error: AppError) -> Self {
        error.log();
        let mut body = error.body();
        if let Some(parameter) = body.error.parameter.as_mut() {
            // GraphQL's argument is REST's header.
            if parameter == "expectedVersion" {
                *parameter = rest_name(parameter);
            }
        }
        RestError {
            status: error.status(),
            body,
            etag: error.current_version().map(preconditions::etag),
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
        let unauthorized = self.status == StatusCode::UNAUTHORIZED;
        let mut response = (self.status, Json(self.body)).into_response();
        if let Some(etag) = self.etag {
            response
                .headers_mut()
                .insert(axum::http::header::ETAG, etag);
        }
        if unauthorized {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        response
    }
}

/// The REST name of a GraphQL argument or input field (`pageSize` →
/// `page_size`; `personaUuids` is the `personas` list parameter).
pub fn rest_name(graphql_name: &str) -> String {
    match graphql_name {
        "personaUuids" => "personas".to_owned(),
        "expectedVersion" => "If-Match".to_owned(),
        "companyUuids" => "company_uuids".to_owned(),
        name => {
            let mut snake = String::with_capacity(name.len() + 4);
            for character in name.chars() {
                if character.is_ascii_uppercase() {
                    snake.push('_');
                    snake.push(character.to_ascii_lowercase());
                } else {
                    snake.push(character);
                }
            }
            snake
        }
    }
}

/// The REST answer to an error of the store, whose parameters carry GraphQL
/// names (`fullName`): spoken in REST names (`full_name`).
pub fn from_store_error(error: AppError) -> RestError {
    match error {
        AppError::BadRequest {
            message,
            parameter: Some(parameter),
        } => {
            let renamed = rest_name(&parameter);
            AppError::BadRequest {
                message: message.replace(&parameter, &renamed),
                parameter: Some(renamed),
            }
            .into()
        }
        other => other.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graphql_names_become_rest_names() {
        assert_eq!(rest_name("pageSize"), "page_size");
        assert_eq!(rest_name("fullName"), "full_name");
        assert_eq!(rest_name("customerCompanyUuid"), "customer_company_uuid");
        assert_eq!(rest_name("personaUuids"), "personas");
        assert_eq!(rest_name("email"), "email");
    }
}
