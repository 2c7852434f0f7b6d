//! The GraphQL rendering of an [`AppError`]: its message,
//! `extensions.code` (`BAD_USER_INPUT`, `UNAUTHENTICATED`, …; see
//! [`AppError::codes`]), `extensions.parameter`
//! naming the argument or input field at fault in GraphQL's words, and
//! `extensions.currentVersion` when a precondition failed. Errors of a
//! field are rendered by [`render`]; the transport answers the errors met
//! before execution (a missing token, say) with the same message and
//! [`code`].

use async_graphql::ServerError;

use crate::error::{AppError, FaceNames};

/// What GraphQL calls the inputs only the store can judge.
const GRAPHQL_NAMES: FaceNames = FaceNames {
    references: [
        "personaUuid",
        "customerCompanyUuid",
        "highlightUuids",
        "customerUuid",
        "uuids",
        "spaceUuids",
    ],
    precondition: "expectedVersion",
};

/// The GraphQL `extensions.code` of a failure.
pub fn code(error: &AppError) -> &'static str {
    error.codes().1
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
    use crate::error::Reference;
    use async_graphql::Value;

    /// The extensions `error` renders with.
    fn extensions(error: AppError) -> async_graphql::ErrorExtensionValues {
        let mut rendered = ServerError::new("", None);
        render(&error, &mut rendered);
        rendered.extensions.expect("extensions")
    }

    #[test]
    fn inputs_only_the_store_can_judge_are_named_in_graphql_words() {
        let unknown = extensions(AppError::UnknownReference {
            reference: Reference::CustomerCompany,
            uuid: uuid::Uuid::nil(),
        });
        let stale = extensions(AppError::PreconditionFailed { current_version: 4 });
        for (extensions, key, value) in [
            (&unknown, "parameter", Value::from("customerCompanyUuid")),
            (&unknown, "code", Value::from("BAD_USER_INPUT")),
            (&stale, "parameter", Value::from("expectedVersion")),
            (&stale, "currentVersion", Value::from(4)),
        ] {
            assert_eq!(extensions.get(key), Some(&value), "{key}");
        }
    }
}
