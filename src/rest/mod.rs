//! The REST compatibility layer: the documented
//! `/api/v1/organizations/{org_uuid}/customers…` routes.
//!
//! Every handler runs a fixed GraphQL operation on the same schema, with the
//! same token, loaders and limits as `/graphql`, and reshapes its `data` into
//! the documented snake_case envelope. There is no second set of queries.

pub mod customers;
pub mod openapi;
pub mod params;
pub mod preconditions;

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex, PoisonError};

use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{ServerError, Variables};
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use crate::app::AppState;
use crate::auth::Tenant;
use crate::error::{AppError, ErrorBody, ErrorDetail};
use crate::graphql;

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

/// The REST answer to a GraphQL error: its code decides the status, its
/// parameter and message are spoken in REST names.
fn from_graphql_error(error: &ServerError) -> RestError {
    let extension = |name: &str| {
        error
            .extensions
            .as_ref()
            .and_then(|extensions| match extensions.get(name) {
                Some(async_graphql::Value::String(value)) => Some(value.clone()),
                _ => None,
            })
    };
    let code = extension("code").unwrap_or_default();
    let parameter = extension("parameter");
    let (status, rest_code) = match code.as_str() {
        "BAD_USER_INPUT" | "GRAPHQL_VALIDATION_FAILED" => (StatusCode::BAD_REQUEST, "bad_request"),
        "NOT_FOUND" => (StatusCode::NOT_FOUND, "not_found"),
        "CONFLICT" => (StatusCode::CONFLICT, "conflict"),
        "PRECONDITION_FAILED" => (StatusCode::PRECONDITION_FAILED, "precondition_failed"),
        "UNAUTHENTICATED" => (StatusCode::UNAUTHORIZED, "unauthorized"),
        "SERVICE_UNAVAILABLE" | "TIMEOUT" => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
        _ => {
            // Already logged where it happened; the client learns nothing more.
            return RestError::from(AppError::internal(anyhow::anyhow!(
                "GraphQL error {code}: {}",
                error.message
            )));
        }
    };
    let mut message = error.message.clone();
    let parameter = parameter.map(|name| {
        let rest = rest_name(&name);
        message = message.replace(&name, &rest);
        rest
    });
    let etag = match error
        .extensions
        .as_ref()
        .and_then(|extensions| extensions.get("currentVersion"))
    {
        Some(async_graphql::Value::Number(version)) => version
            .as_i64()
            .and_then(|version| i32::try_from(version).ok())
            .map(preconditions::etag),
        _ => None,
    };
    RestError {
        status,
        body: ErrorBody {
            error: ErrorDetail {
                code: rest_code,
                message,
                parameter,
            },
        },
        etag,
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

/// The parsed document of a fixed operation: parsed on first use, then
/// cloned (a clone shares the names and costs a fraction of a parse).
fn parsed(operation: &'static str) -> Option<ExecutableDocument> {
    static PARSED: LazyLock<Mutex<HashMap<&'static str, ExecutableDocument>>> =
        LazyLock::new(Mutex::default);
    let mut parsed = PARSED.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(document) = parsed.get(operation) {
        return Some(document.clone());
    }
    // A fixed operation that does not parse is a bug; the executor reports it.
    let document = async_graphql::parser::parse_query(operation).ok()?;
    parsed.insert(operation, document.clone());
    Some(document)
}

/// Runs `operation` for `tenant` and returns `data.<field>` as `T`.
pub async fn run<T: DeserializeOwned>(
    state: &AppState,
    tenant: Tenant,
    operation: &'static str,
    variables: serde_json::Value,
    field: &str,
) -> Result<T, RestError> {
    let mut request = async_graphql::Request::new(operation);
    if let Some(document) = parsed(operation) {
        request.set_parsed_query(document);
    }
    let request = request.variables(Variables::from_json(variables));
    let response = graphql::execute(state, tenant, request).await;
    if let Some(error) = response.errors.first() {
        return Err(from_graphql_error(error));
    }
    let value = match response.data {
        async_graphql::Value::Object(mut data) => data
            .swap_remove(field)
            .unwrap_or(async_graphql::Value::Null),
        _ => async_graphql::Value::Null,
    };
    async_graphql::from_value(value).map_err(|error| {
        RestError::from(AppError::internal(anyhow::anyhow!(
            "unexpected shape of `{field}`: {error}"
        )))
    })
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
