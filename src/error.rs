//! [`AppError`]: every failure a request can meet, and the one place that maps
//! each to an HTTP status, a REST error body and a GraphQL `extensions.code`.
//!
//! Internal failures log their cause and answer a generic message: no SQL
//! text, table name or Rust debug output ever reaches a client.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sea_orm::{DbErr, RuntimeErr, SqlErr};
use serde::Serialize;

/// A failure that ends a request.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The client sent a bad or missing parameter or body field.
    #[error("{message}")]
    BadRequest {
        /// What is wrong, for a person.
        message: String,
        /// The parameter or field at fault, when there is one.
        parameter: Option<String>,
    },
    /// No bearer token, or one that grants nothing.
    #[error("a valid bearer token is required: send `Authorization: Bearer <token>`")]
    Unauthorized,
    /// The thing asked for does not exist, or belongs to another organization
    /// (the two answers are identical on purpose).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The route exists but not for this method.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// The request would break a uniqueness rule.
    #[error("{0}")]
    Conflict(String),
    /// A precondition of the request does not hold: the customer changed
    /// since the client read the version it sent (`If-Match`,
    /// `expectedVersion`). Nothing was written.
    #[error(
        "the customer is at version {current_version} (ETag \"{current_version}\"), not the one this request expects; nothing was written"
    )]
    PreconditionFailed {
        /// The version the customer has now.
        current_version: i32,
    },
    /// The request body is larger than the configured limit.
    #[error("request body is larger than the limit of {0} bytes")]
    PayloadTooLarge(usize),
    /// The request took longer than the configured limit.
    #[error("request took longer than the limit")]
    Timeout,
    /// The database cannot be reached right now.
    #[error("the service is temporarily unavailable")]
    Unavailable,
    /// A fault on our side; the cause is logged, never sent.
    #[error("internal server error")]
    Internal(#[source] anyhow::Error),
}

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

impl AppError {
    /// A `bad_request` naming the parameter at fault.
    pub fn bad_parameter(parameter: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::BadRequest {
            message: message.into(),
            parameter: Some(parameter.into()),
        }
    }

    /// A fault on our side, with its cause kept for the log.
    pub fn internal(cause: impl Into<anyhow::Error>) -> Self {
        AppError::Internal(cause.into())
    }

    /// The HTTP status of this failure.
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::PreconditionFailed { .. } => StatusCode::PRECONDITION_FAILED,
            AppError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Timeout => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The REST `error.code`.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::BadRequest { .. } => "bad_request",
            AppError::Unauthorized => "unauthorized",
            AppError::NotFound(_) => "not_found",
            AppError::MethodNotAllowed => "method_not_allowed",
            AppError::Conflict(_) => "conflict",
            AppError::PreconditionFailed { .. } => "precondition_failed",
            AppError::PayloadTooLarge(_) => "payload_too_large",
            AppError::Timeout => "timeout",
            AppError::Unavailable => "unavailable",
            AppError::Internal(_) => "internal",
        }
    }

    /// The GraphQL `extensions.code`.
    pub fn graphql_code(&self) -> &'static str {
        match self {
            AppError::BadRequest { .. } => "BAD_USER_INPUT",
            AppError::Unauthorized => "UNAUTHENTICATED",
            AppError::NotFound(_) => "NOT_FOUND",
            AppError::MethodNotAllowed => "METHOD_NOT_ALLOWED",
            AppError::Conflict(_) => "CONFLICT",
            AppError::PreconditionFailed { .. } => "PRECONDITION_FAILED",
            AppError::PayloadTooLarge(_) => "PAYLOAD_TOO_LARGE",
            AppError::Timeout => "TIMEOUT",
            AppError::Unavailable => "SERVICE_UNAVAILABLE",
            AppError::Internal(_) => "INTERNAL_SERVER_ERROR",
        }
    }

    /// The parameter at fault, if any.
    pub fn parameter(&self) -> Option<&str> {
        match self {
            AppError::BadRequest { parameter, .. } => parameter.as_deref(),
            AppError::PreconditionFailed { .. } => Some("expectedVersion"),
            _ => None,
        }
    }

    /// The current version of a resource whose precondition failed.
    pub fn current_version(&self) -> Option<i32> {
        match self {
            AppError::PreconditionFailed { current_version } => Some(*current_version),
            _ => None,
        }
    }

    /// Logs the cause of an internal failure; the client sees only the generic text.
    pub fn log(&self) {
        if let AppError::Internal(cause) = self {
            tracing::error!(error = format!("{cause:#}"), "internal error");
        }
    }

    /// The JSON body of this failure.
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: self.code(),
                message: self.to_string(),
                parameter: self.parameter().map(str::to_owned),
            },
        }
    }
}

impl From<DbErr> for AppError {
    fn from(error: DbErr) -> Self {
        if lost_the_database(&error) {
            tracing::error!(error = %error, "database unavailable");
            return AppError::Unavailable;
        }
        AppError::Internal(error.into())
    }
}

/// True when `error` says the database could not be reached or the
/// connection was lost (a restart, say): worth a retry, not a fault of ours.
fn lost_the_database(error: &DbErr) -> bool {
    use sea_orm::sqlx::Error;
    match error {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Query(RuntimeErr::SqlxError(cause)) | DbErr::Exec(RuntimeErr::SqlxError(cause)) => {
            match cause.as_ref() {
                Error::Io(_) | Error::PoolTimedOut | Error::PoolClosed | Error::WorkerCrashed => {
                    true
                }
                Error::Database(error) => error.code().is_some_and(|code| unavailable_state(&code)),
                _ => false,
            }
        }
        _ => false,
    }
}

/// SQLSTATEs of a server that is going away or cannot take the work now:
/// class 08 (connection exception), 53 (insufficient resources) and the
/// shutdowns of class 57 (57P01 admin, 57P02 crash, 57P03 not yet accepting
/// connections; not 57014, a cancelled statement).
fn unavailable_state(code: &str) -> bool {
    code.starts_with("08") || code.starts_with("53") || code.starts_with("57P")
}

/// True when `error` is a violation of a unique constraint (a duplicate).
pub fn is_unique_violation(error: &DbErr) -> bool {
    matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        self.log();
        let mut response = (self.status(), Json(self.body())).into_response();
        if matches!(self, AppError::Unauthorized) {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

impl async_graphql::ErrorExtensions for AppError {
    fn extend(&self) -> async_graphql::Error {
        self.log();
        async_graphql::Error::new(self.to_string()).extend_with(|_, extensions| {
            extensions.set("code", self.graphql_code());
            if let Some(parameter) = self.parameter() {
                extensions.set("parameter", parameter);
            }
            if let Some(version) = self.current_version() {
                extensions.set("currentVersion", version);
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_internal_error_never_shows_its_cause() {
        let error = AppError::internal(anyhow::anyhow!("SELECT * FROM customers failed"));
        let body = serde_json::to_string(&error.body()).expect("serializes");
        assert!(!body.contains("SELECT"), "{body}");
        assert!(!body.contains("customers"), "{body}");
        assert_eq!(error.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[test]
    fn a_lost_connection_is_unavailable_and_a_bad_statement_is_ours() {
        let lost = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset by peer");
        let lost = DbErr::Query(RuntimeErr::SqlxError(std::sync::Arc::new(
            sea_orm::sqlx::Error::Io(lost),
        )));
        assert_eq!(
            AppError::from(lost).status(),
            StatusCode::SERVICE_UNAVAILABLE
        );
        let timed_out = DbErr::Exec(RuntimeErr::SqlxError(std::sync::Arc::new(
            sea_orm::sqlx::Error::PoolTimedOut,
        )));
        assert_eq!(
            AppError::from(timed_out).status(),
            StatusCode::SERVICE_UNAVAILABLE
        );
        for (state, unavailable) in [
            ("57P01", true),
            ("08006", true),
            ("53300", true),
            ("57014", false),
            ("23505", false),
            ("42P01", false),
        ] {
            assert_eq!(unavailable_state(state), unavailable, "{state}");
        }
        let ours = DbErr::Query(RuntimeErr::SqlxError(std::sync::Arc::new(
            sea_orm::sqlx::Error::ColumnNotFound("total".to_owned()),
        )));
        assert_eq!(
            AppError::from(ours).status(),
            StatusCode::INTERNAL_SERVER_ERROR
        );
    }

    #[test]
    fn a_bad_request_names_its_parameter() {
        let error = AppError::bad_parameter("page_size", "page_size must be between 1 and 100");
        let body = serde_json::to_value(error.body()).expect("serializes");
        assert_eq!(body["error"]["code"], "bad_request");
        assert_eq!(body["error"]["parameter"], "page_size");
    }
}
