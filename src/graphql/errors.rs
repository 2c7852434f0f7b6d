//! The GraphQL rendering of an [`AppError`], the one place it happens: its
//! message, `extensions.code` (the codes Apollo and most GraphQL clients
//! know: `BAD_USER_INPUT`, `UNAUTHENTICATED`, …), `extensions.parameter`
//! naming the argument or input field at fault in GraphQL's words, and
//! `extensions.currentVersion` when a precondition failed.

use async_graphql::ServerError;

use crate::error::{AppError, FaceNames, Reference};

/// What GraphQL calls the inputs only the store can judge.
const GRAPHQL_NAMES: FaceNames = FaceNames {
    reference: |reference| match reference {
        Reference::Persona => "personaUuid",
        Reference::CustomerCompany => "customerCompanyUuid",
        Reference::Highlight => "highlightUuids",
    },
    precondition: "expectedVersion",
};

/// The GraphQL `extensions.code` of a failure.
pub fn code(error: &AppError) -> &'static str {
    match error {
        AppError::BadRequest { .. } | AppError::UnknownReference { .. } => "BAD_USER_INPUT",
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

/// Writes `app_error` into `error`: message, code, parameter, version.
pub fn render(app_error: &AppError, error: &mut ServerError) {
    app_error.log();
    error.message = app_error.to_string();
    let extensions = error.extensions.get_or_insert_with(Default::default);
    extensions.set("code", code(app_error));
    if let Some(parameter) = app_error.parameter_in(&GRAPHQL_NAMES) {
        extensions.set("parameter", parameter);
    }
    if let Some(version) = app_error.current_version() {
        extensions.set("currentVersion", version);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_only_the_store_can_judge_are_named_in_graphql_words() {
        let mut error = ServerError::new("", None);
        let unknown = AppError::UnknownReference {
            reference: Reference::CustomerCompany,
            uuid: uuid::Uuid::nil(),
        };
        render(&unknown, &mut error);
        let extensions = error.extensions.expect("extensions");
        assert_eq!(
            extensions.get("parameter"),
            Some(&async_graphql::Value::from("customerCompanyUuid"))
        );
        assert_eq!(
            extensions.get("code"),
            Some(&async_graphql::Value::from("BAD_USER_INPUT"))
        );
        let mut error = ServerError::new("", None);
        render(
            &AppError::PreconditionFailed { current_version: 4 },
            &mut error,
        );
        let extensions = error.extensions.expect("extensions");
        assert_eq!(
            extensions.get("parameter"),
            Some(&async_graphql::Value::from("expectedVersion"))
        );
        assert_eq!(
            extensions.get("currentVersion"),
            Some(&async_graphql::Value::from(4))
        );
    }
}
