//! [`AppError`]: every failure a request can meet, what went wrong and which
//! input, with its HTTP status. Each face renders it once in its own words:
//! REST in [`crate::rest::RestError`] (`{"error": {code, message,
//! parameter}}`), GraphQL in [`crate::graphql::errors`] (`extensions.code`,
//! `parameter`). An input named by the face that parsed it travels as that
//! name; an input only the store can judge (a referenced row, a version)
//! travels as a [`Reference`] or a precondition, and each face names it
//! through its [`FaceNames`].
//!
//! Internal failures log their cause and answer a generic message: no SQL
//! text, table name or Rust debug output ever reaches a client.

use axum::http::{HeaderValue, StatusCode};
use sea_orm::{DbErr, RuntimeErr, SqlErr};
use uuid::Uuid;

/// `Retry-After` of every 503: the circuit probes the database several times
/// a second and a shed request finds room again about as fast.
const RETRY_AFTER_SECS: &str = "1";

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
    /// A write names a row its organization does not have: a bad request
    /// blaming the input that named it.
    #[error("{} {uuid} not found", reference.what())]
    UnknownReference {
        /// The kind of row.
        reference: Reference,
        /// The uuid the write named.
        uuid: Uuid,
    },
    /// A request names, by uuid, a row its organization does not have, where
    /// that row is what the request acts on (a feedback to delete, the
    /// customer a feedback is recorded for): 404, naming the input and the
    /// uuid. Another organization's row answers exactly the same.
    #[error("{} {uuid} not found", reference.what())]
    Missing {
        /// The kind of row.
        reference: Reference,
        /// The uuid the request named.
        uuid: Uuid,
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
    /// The request comes from a browser page of an origin the server does
    /// not serve (a WebSocket upgrade whose `Origin` CORS does not allow).
    #[error("{0}")]
    Forbidden(String),
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
    /// The request took longer than the configured limit (its statements
    /// are cancelled by the same deadline, see [`crate::db`]).
    #[error("the request took longer than the server's limit; retry later")]
    Timeout,
    /// The database cannot serve the request right now; what happened is
    /// the [`Outage`].
    #[error("{}", .0.message())]
    Unavailable(Outage),
    /// The server is at one of its limits of work in flight (see
    /// [`crate::resilience`]); nothing was done.
    #[error("the server is at its limit of {0}; retry shortly")]
    Overloaded(&'static str),
    /// A fault on our side; the cause is logged, never sent.
    #[error("internal server error")]
    Internal(#[source] anyhow::Error),
}

/// Why the database could not serve a request: each is worth a retry, none
/// is a fault of the client's or of ours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outage {
    /// A pooled connection broke under a statement (the server restarted,
    /// failed over, or a proxy dropped it). A read is retried once at once on
    /// a connection checked first (see [`crate::db::health`]).
    ConnectionLost,
    /// No connection could be had within the acquire timeout: the server
    /// refuses or does not answer, or it has no connection slot left.
    Unreachable,
    /// The circuit is open: the database was found unreachable and a probe
    /// has not yet seen it back, so the request was not tried.
    CircuitOpen,
    /// The database has no space left to write (SQLite's `SQLITE_FULL`,
    /// PostgreSQL's `disk_full`, 53100); nothing was written.
    OutOfSpace,
    /// A lock was held past the acquire timeout: SQLite's write lock by
    /// another process, or on PostgreSQL a row or table lock
    /// (`lock_timeout`, SQLSTATE 55P03).
    Locked,
}

impl Outage {
    /// What a client is told.
    pub fn message(self) -> &'static str {
        match self {
            Outage::ConnectionLost | Outage::Unreachable | Outage::CircuitOpen => {
                "the database is unavailable right now; retry shortly"
            }
            Outage::Locked => "the data is locked by another writer; retry shortly",
            Outage::OutOfSpace => "the database has no space left to write; retry later",
        }
    }
}

/// A row a write refers to by uuid. Only the store can judge such an input
/// (does the organization have it?), so it names the kind of row and each
/// face names the input ([`FaceNames::references`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reference {
    /// A persona (`personaUuid`, `persona_uuid`).
    Persona,
    /// A customer company (`customerCompanyUuid`, `customer_company_uuid`).
    CustomerCompany,
    /// A feedback highlight (`highlightUuids`).
    Highlight,
    /// A customer (`customerUuid`, `customer_uuid`).
    Customer,
    /// A feedback (`uuids`, `feedback_uuids`).
    Feedback,
    /// A space (`spaceUuids`, `space_uuids`).
    Space,
}

impl Reference {
    /// The kind of row, for a person.
    pub fn what(self) -> &'static str {
        match self {
            Reference::Persona => "persona",
            Reference::CustomerCompany => "customer company",
            Reference::Highlight => "feedback highlight",
            Reference::Customer => "customer",
            Reference::Feedback => "feedback",
            Reference::Space => "space",
        }
    }
}

impl Reference {
    /// The input that names this kind of row in the face of `names`. (A new
    /// kind fails to compile here until every face names it.)
    pub fn named_in(self, names: &FaceNames) -> &'static str {
        let [
            persona,
            customer_company,
            highlight,
            customer,
            feedback,
            space,
        ] = names.references;
        match self {
            Reference::Persona => persona,
            Reference::CustomerCompany => customer_company,
            Reference::Highlight => highlight,
            Reference::Customer => customer,
            Reference::Feedback => feedback,
            Reference::Space => space,
        }
    }
}

/// How a face names the inputs that only the store can judge.
#[derive(Debug, Clone, Copy)]
pub struct FaceNames {
    /// The input that names each kind of referenced row, in the order of
    /// [`Reference`]'s variants.
    pub references: [&'static str; 6],
    /// The input that carries an update's precondition (GraphQL's
    /// `expectedVersion`, REST's `If-Match` header).
    pub precondition: &'static str,
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
            AppError::BadRequest { .. } | AppError::UnknownReference { .. } => {
                StatusCode::BAD_REQUEST
            }
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::NotFound(_) | AppError::Missing { .. } => StatusCode::NOT_FOUND,
            AppError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::PreconditionFailed { .. } => StatusCode::PRECONDITION_FAILED,
            AppError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Timeout | AppError::Unavailable(_) | AppError::Overloaded(_) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The machine-readable code of this failure in each face: REST's
    /// snake_case `error.code` and GraphQL's `extensions.code` (the codes
    /// Apollo and most GraphQL clients know).
    pub fn codes(&self) -> (&'static str, &'static str) {
        match self {
            AppError::BadRequest { .. } | AppError::UnknownReference { .. } => {
                ("bad_request", "BAD_USER_INPUT")
            }
            AppError::Unauthorized => ("unauthorized", "UNAUTHENTICATED"),
            AppError::NotFound(_) | AppError::Missing { .. } => ("not_found", "NOT_FOUND"),
            AppError::MethodNotAllowed => ("method_not_allowed", "METHOD_NOT_ALLOWED"),
            AppError::Forbidden(_) => ("forbidden", "FORBIDDEN"),
            AppError::Conflict(_) => ("conflict", "CONFLICT"),
            AppError::PreconditionFailed { .. } => ("precondition_failed", "PRECONDITION_FAILED"),
            AppError::PayloadTooLarge(_) => ("payload_too_large", "PAYLOAD_TOO_LARGE"),
            AppError::Timeout => ("timeout", "TIMEOUT"),
            AppError::Unavailable(_) => ("unavailable", "SERVICE_UNAVAILABLE"),
            AppError::Overloaded(_) => ("overloaded", "OVERLOADED"),
            AppError::Internal(_) => ("internal", "INTERNAL_SERVER_ERROR"),
        }
    }

    /// The parameter a face named when it refused it, if any (a face's
    /// renderer asks [`AppError::parameter_in`], which also names the inputs
    /// only the store judges).
    pub fn parameter(&self) -> Option<&str> {
        match self {
            AppError::BadRequest { parameter, .. } => parameter.as_deref(),
            _ => None,
        }
    }

    /// The input at fault, in the words of the face that `names` belongs to.
    pub fn parameter_in(&self, names: &FaceNames) -> Option<&str> {
        match self {
            AppError::UnknownReference { reference, .. } | AppError::Missing { reference, .. } => {
                Some(reference.named_in(names))
            }
            AppError::PreconditionFailed { .. } => Some(names.precondition),
            _ => self.parameter(),
        }
    }

    /// The `WWW-Authenticate` challenge a 401 must carry (RFC 6750 §3), the
    /// same on every face.
    pub fn challenge(&self) -> Option<HeaderValue> {
        matches!(self, AppError::Unauthorized).then(|| HeaderValue::from_static("Bearer"))
    }

    /// The seconds a client should wait before it retries (`Retry-After`,
    /// RFC 9110 §10.2.3), for the failures that a retry may cure.
    pub fn retry_after(&self) -> Option<HeaderValue> {
        match self {
            AppError::Timeout | AppError::Unavailable(_) | AppError::Overloaded(_) => {
                Some(HeaderValue::from_static(RETRY_AFTER_SECS))
            }
            _ => None,
        }
    }

    /// The outage behind a 503, which the resilience layer acts on (see
    /// [`crate::db::health`]).
    pub fn outage(&self) -> Option<Outage> {
        match self {
            AppError::Unavailable(outage) => Some(*outage),
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
}

impl From<DbErr> for AppError {
    fn from(error: DbErr) -> Self {
        if let Some(outage) = outage_of(&error) {
            // A lost connection is news; the others come by the hundred under
            // an outage or a burst, which the circuit and /metrics report.
            match outage {
                Outage::ConnectionLost => {
                    tracing::warn!(error = %error, "a database connection was lost")
                }
                _ => tracing::debug!(error = %error, ?outage, "database unavailable"),
            }
            return AppError::Unavailable(outage);
        }
        if is_cancelled_statement(&error) {
            return AppError::Timeout;
        }
        AppError::Internal(error.into())
    }
}

/// The sqlx error under a sea-orm error, when there is one.
fn sqlx_cause(error: &DbErr) -> Option<&sea_orm::sqlx::Error> {
    match error {
        DbErr::Query(RuntimeErr::SqlxError(cause)) | DbErr::Exec(RuntimeErr::SqlxError(cause)) => {
            Some(cause.as_ref())
        }
        _ => None,
    }
}

/// What kind of outage `error` reports, if it reports one: the database
/// could not be reached, the connection was lost (a restart, say) or, on
/// SQLite, the file stayed locked. Worth a retry, not a fault of ours.
pub fn outage_of(error: &DbErr) -> Option<Outage> {
    use sea_orm::sqlx::Error;
    if let DbErr::ConnectionAcquire(_) | DbErr::Conn(_) = error {
        // No connection could be had: none idle and none could be opened.
        return Some(Outage::Unreachable);
    }
    match sqlx_cause(error) {
        Some(Error::Io(_) | Error::WorkerCrashed | Error::Protocol(_)) => {
            Some(Outage::ConnectionLost)
        }
        Some(Error::PoolTimedOut | Error::PoolClosed | Error::Tls(_)) => Some(Outage::Unreachable),
        Some(Error::Database(error)) => {
            let code = error.code()?;
            if sqlite_full(&code) || code == "53100" {
                Some(Outage::OutOfSpace)
            } else if sqlite_busy(&code) || code == "55P03" {
                // SQLite's busy timeout; PostgreSQL's lock_timeout.
                Some(Outage::Locked)
            } else if code.starts_with("53") || code == "57P03" {
                // Out of connection slots or memory; starting up.
                Some(Outage::Unreachable)
            } else {
                unavailable_state(&code).then_some(Outage::ConnectionLost)
            }
        }
        _ => None,
    }
}

/// SQLite's extended result codes of a locked database: `SQLITE_BUSY` (5)
/// and `SQLITE_LOCKED` (6) with their extended variants (the low byte).
fn sqlite_busy(code: &str) -> bool {
    code.parse::<u32>()
        .is_ok_and(|code| matches!(code & 0xff, 5 | 6))
}

/// SQLite's `SQLITE_FULL` (13): the disk or the file's size limit is full.
fn sqlite_full(code: &str) -> bool {
    code.parse::<u32>().is_ok_and(|code| code & 0xff == 13)
}

/// True when `error` is PostgreSQL's `query_canceled` (57014): the
/// statement ran past `statement_timeout`, which the server ties to the
/// request deadline.
fn is_cancelled_statement(error: &DbErr) -> bool {
    matches!(sqlx_cause(error), Some(sea_orm::sqlx::Error::Database(error))
        if error.code().as_deref() == Some("57014"))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_internal_error_never_shows_its_cause() {
        let error = AppError::internal(anyhow::anyhow!("SELECT * FROM customers failed"));
        let message = error.to_string();
        assert!(!message.contains("SELECT"), "{message}");
        assert!(!message.contains("customers"), "{message}");
        assert_eq!(error.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[test]
    fn a_lost_connection_is_unavailable_and_a_bad_statement_is_ours() {
        let lost = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset by peer");
        let lost = DbErr::Query(RuntimeErr::SqlxError(std::sync::Arc::new(
            sea_orm::sqlx::Error::Io(lost),
        )));
        assert!(matches!(
            AppError::from(lost),
            AppError::Unavailable(Outage::ConnectionLost)
        ));
        let timed_out = DbErr::Exec(RuntimeErr::SqlxError(std::sync::Arc::new(
            sea_orm::sqlx::Error::PoolTimedOut,
        )));
        assert!(matches!(
            AppError::from(timed_out),
            AppError::Unavailable(Outage::Unreachable)
        ));
        for (code, busy) in [("5", true), ("517", true), ("6", true), ("19", false)] {
            assert_eq!(sqlite_busy(code), busy, "{code}");
        }
        assert!(sqlite_full("13") && !sqlite_full("5"));
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
}
