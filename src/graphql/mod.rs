//! The GraphQL face's schema: its types and resolvers, building it with its
//! limits, executing a request for a tenant, and turning every error into a
//! message and `extensions.code` fit for a client. Its HTTP transport is
//! [`crate::graphql_http`].

pub mod catalog_types;
pub mod connections;
pub mod context;
pub mod customer_lists;
pub mod errors;
pub mod feedback_types;
pub mod filters;
pub mod mutation;
pub mod nodes;
pub mod organization;
pub mod pagination;
pub mod persisted;
pub mod query;
pub mod relations;
pub mod scalars;
pub mod subscription;
pub mod types;

use std::sync::Arc;

use async_graphql::{Response, Schema, SchemaBuilder, ServerError};
use sea_orm::DatabaseConnection;

use crate::config::ServerConfig;
use crate::error::AppError;
use crate::live::Live;
use crate::loaders;
use crate::metrics::Metrics;
use crate::tenant::Tenant;
use persisted::PersistedOperations;

/// The schema type.
pub type GraphSchema =
    Schema<query::QueryRoot, mutation::MutationRoot, subscription::SubscriptionRoot>;

/// Recursion limit of the parser and validator: the nesting a document's
/// text may have (see [`crate::graphql_http::source::MAX_NESTING`]).
const MAX_RECURSIVE_DEPTH: usize = 64;
/// Most directives on one field.
const MAX_DIRECTIVES: usize = 16;

/// The schema's builder, with its roots.
fn builder()
-> SchemaBuilder<query::QueryRoot, mutation::MutationRoot, subscription::SubscriptionRoot> {
    Schema::build(
        query::QueryRoot,
        mutation::MutationRoot,
        subscription::SubscriptionRoot,
    )
}

/// The served schema over `db`, publishing writes to `live`, with the
/// configured limits and the persisted-operation rules (see [`persisted`]).
pub fn build_schema(
    db: DatabaseConnection,
    live: Live,
    config: &ServerConfig,
    persisted: &Arc<PersistedOperations>,
) -> GraphSchema {
    build_schema_with_depth(db, live, config, config.graphql_max_depth, persisted)
}

/// The schema that answers operations made only of introspection: the same,
/// without the depth limit (see [`crate::graphql_http`]).
pub fn build_introspection_schema(
    db: DatabaseConnection,
    live: Live,
    config: &ServerConfig,
    persisted: &Arc<PersistedOperations>,
) -> GraphSchema {
    build_schema_with_depth(db, live, config, usize::MAX, persisted)
}

fn build_schema_with_depth(
    db: DatabaseConnection,
    live: Live,
    config: &ServerConfig,
    max_depth: usize,
    persisted: &Arc<PersistedOperations>,
) -> GraphSchema {
    let mut builder = builder()
        .data(db)
        .data(live)
        .extension(persisted.extension())
        .limit_depth(max_depth)
        .limit_complexity(config.graphql_max_complexity)
        .limit_recursive_depth(MAX_RECURSIVE_DEPTH)
        .limit_directives(MAX_DIRECTIVES);
    if !config.graphql_introspection {
        builder = builder.disable_introspection();
    }
    builder.finish()
}

/// The schema as SDL, as `customer-graph export-schema` prints it and
/// `schema.graphql` holds it.
pub fn sdl() -> String {
    builder().finish().sdl()
}

/// Executes `request` on `schema` for `tenant` with fresh per-request
/// loaders over `db`, and gives every error a client-safe message and code.
pub async fn execute(
    schema: &GraphSchema,
    db: &DatabaseConnection,
    metrics: &Arc<Metrics>,
    tenant: Tenant,
    request: async_graphql::Request,
) -> Response {
    let (loaders, queue) = loaders::loaders(db.clone(), metrics.clone());
    let request = request.data(tenant).data(loaders);
    let mut response = loaders::drive(schema.execute(request), queue).await;
    classify_errors(&mut response);
    response
}

/// Gives every error of `response` a client-safe message and an
/// `extensions.code` (see `classify`: an [`AppError`] speaks for itself, any other cause is logged and answered as an internal error); every transport applies it.
pub fn classify_errors(response: &mut Response) {
    for error in &mut response.errors {
        classify(error);
    }
}

/// The [`AppError`] a field's error was made from, if it was (a resolver's
/// `?` keeps it as the error's source).
pub fn app_error_of(error: &ServerError) -> Option<&AppError> {
    error.source.as_deref().and_then(app_error_in)
}

fn app_error_in(source: &(dyn std::any::Any + Send + Sync)) -> Option<&AppError> {
    source
        .downcast_ref::<AppError>()
        .or_else(|| source.downcast_ref::<Arc<AppError>>().map(Arc::as_ref))
}

/// True when the request failed as a whole (parse, validation or variable
/// errors) rather than in a field: no data and no error with a path.
pub fn is_request_error(response: &Response) -> bool {
    response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|error| error.path.is_empty())
}

fn set_code(error: &mut ServerError, code: &str) {
    error
        .extensions
        .get_or_insert_with(Default::default)
        .set("code", code);
}

/// Gives every error a client-safe message and an `extensions.code`.
///
/// An error that a resolver returned with `?` keeps its cause as `source`: an
/// [`AppError`] speaks for itself; any other cause (a database error, say) is
/// a fault on our side, logged and answered with a generic message, so no SQL
/// ever reaches a client.
fn classify(error: &mut ServerError) {
    let source = error.source.take();
    let app_error = source.as_deref().and_then(app_error_in);
    if let Some(app_error) = app_error {
        errors::render(app_error, error);
        error.source = source;
        return;
    }
    error.source = source;
    if error.source.is_some() {
        tracing::error!(error = %error.message, path = ?error.path, "internal error in a resolver");
        error.message = "internal server error".to_owned();
        set_code(error, "INTERNAL_SERVER_ERROR");
        return;
    }
    let has_code = error
        .extensions
        .as_ref()
        .is_some_and(|extensions| extensions.get("code").is_some());
    if !has_code {
        // A value that does not fit its argument is the client's input, as
        // much when the validator finds it in the document as when a field
        // finds it while it runs: BAD_USER_INPUT, naming the argument.
        let argument = error
            .message
            .strip_prefix("Invalid value for argument \"")
            .and_then(|rest| rest.split('"').next())
            .map(str::to_owned);
        let code = if error.path.is_empty() && argument.is_none() {
            "GRAPHQL_VALIDATION_FAILED"
        } else {
            "BAD_USER_INPUT"
        };
        set_code(error, code);
        if let Some(argument) = argument {
            error
                .extensions
                .get_or_insert_with(Default::default)
                .set("parameter", argument);
        }
    }
}
