//! One operation from [`Params`] to its answer: parsed and checked before it
//! runs (one operation selected, fragments bounded, variables coerced), run
//! on the schema that fits it, its fields put back in selection order; and
//! batches of such operations.

use async_graphql::parser::types::{ExecutableDocument, OperationType, Selection};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::Value;

use super::media::Media;
use super::request::{Params, params_from_json};
use super::response::{
    app_error_response, bad_request, error_response, json_response, mark_retryable,
    method_not_allowed, request_error,
};
use super::{document, order, source, variables};
use crate::error::{AppError, Outage};
use crate::graphql::persisted::AlreadyResolved;
use crate::graphql::{self, is_request_error};
use crate::state::AppState;
use crate::tenant::Tenant;

/// Most fields an operation may select with its fragments expanded. The
/// complexity limit bounds the data fetched; this bounds the work of
/// validating and executing a document that is small on the wire.
const MAX_EXPANDED_FIELDS: u64 = 10_000;

/// A parsed request: the document (handed to the executor as it is, so it is
/// parsed once), what its selected operation is, and the order its response
/// fields must follow.
pub(super) struct Selected {
    pub(super) document: ExecutableDocument,
    /// Query, mutation or subscription.
    pub(super) kind: OperationType,
    is_introspection: bool,
    pub(super) plan: order::Plan,
}

/// A request refused before it runs: its message and code, and whether it
/// is malformed (always 400 over HTTP) rather than refused by a rule.
pub(super) struct Refused {
    pub(super) message: String,
    pub(super) code: &'static str,
    pub(super) malformed: bool,
}

/// The text a request runs (its persisted query's, or its own, under the
/// allow-list: see [`crate::graphql::persisted`]), parsed and checked
/// ([`select_operation`]); every transport prepares its requests here.
pub(super) fn prepare(
    state: &AppState,
    params: &mut Params,
) -> Result<(String, Selected), Refused> {
    let query = state
        .persisted
        .resolve(params.query.take(), params.extensions.as_ref())
        .map_err(|refusal| Refused {
            message: refusal.message,
            code: refusal.code,
            malformed: refusal.malformed,
        })?;
    let selected = select_operation(params, &query).map_err(|(message, code)| Refused {
        message,
        code,
        malformed: false,
    })?;
    Ok((query, selected))
}

/// Parses the query and checks, before anything runs, that it names one
/// operation when the document holds several, that its fragments do not
/// expand past the limit, and that its variables have the declared types.
/// `Err` carries the message and code of the request error.
fn select_operation(params: &Params, query: &str) -> Result<Selected, (String, &'static str)> {
    let source = source::prepare(query).map_err(|error| (error.message, error.code))?;
    let mut document = async_graphql::parser::parse_query(source)
        .map_err(|error| (error.to_string(), "GRAPHQL_PARSE_FAILED"))?;
    document::select(&mut document, params.operation_name.as_deref())?;
    let operation = document::operation(&document);
    let refused = |message: String| Err((message, "GRAPHQL_VALIDATION_FAILED"));
    match order::expanded_fields(&operation.selection_set.node, &document.fragments) {
        Ok(fields) if fields <= MAX_EXPANDED_FIELDS => {}
        Ok(_) => {
            return refused(format!(
                "the operation selects more than {MAX_EXPANDED_FIELDS} fields once its fragments are expanded; at most {MAX_EXPANDED_FIELDS} are accepted"
            ));
        }
        Err(order::Unbounded::TooDeep) => {
            return refused(format!(
                "selections and fragment spreads nest more than {} deep",
                order::MAX_FRAGMENT_DEPTH
            ));
        }
        Err(order::Unbounded::Cycle(name)) => {
            return refused(format!(
                "the fragment {name} spreads itself, directly or through other fragments"
            ));
        }
    }
    let empty = serde_json::Map::new();
    let values = params.variables.as_ref().unwrap_or(&empty);
    for definition in &operation.variable_definitions {
        let definition = &definition.node;
        let name = definition.name.node.as_str();
        let has_default = definition.default_value.is_some();
        variables::coerce(values.get(name), &definition.var_type.node, has_default)
            .map_err(|problem| (format!("variable ${name}: {problem}"), "BAD_USER_INPUT"))?;
    }
    // Introspection (`__schema`, `__type`, `__typename` at the root) has a
    // size bounded by the schema, not by the data.
    let is_introspection = operation.selection_set.node.items.iter().all(|item| {
        matches!(&item.node, Selection::Field(field) if field.node.name.node.starts_with("__"))
    });
    // The GraphQL spec's "Single root field" rule for subscriptions
    // (async-graphql's validator does not hold it).
    if operation.ty == OperationType::Subscription
        && order::root_fields(&operation.selection_set.node, &document.fragments) != 1
    {
        return refused(
            "a subscription selects exactly one root field (the GraphQL specification's \"Single root field\" rule)".to_owned(),
        );
    }
    let kind = operation.ty;
    let plan = order::Plan::new(&[&operation.selection_set.node], &document.fragments);
    let unprovided = variables::unprovided(operation, values);
    variables::drop_unprovided(&mut document, &unprovided);
    Ok(Selected {
        document,
        kind,
        is_introspection,
        plan,
    })
}

/// Resolves the text to run (a persisted query's hash, the allow-list: see
/// [`crate::graphql::persisted`]), parses, then executes one operation;
/// `allow_mutation` is false over GET.
pub async fn run_one(
    state: &AppState,
    tenant: Tenant,
    media: Media,
    mut params: Params,
    allow_mutation: bool,
) -> Response {
    let (query, selected) = match prepare(state, &mut params) {
        Ok(prepared) => prepared,
        Err(refused) if refused.malformed => {
            let status = StatusCode::BAD_REQUEST;
            return error_response(status, media, &refused.message, refused.code);
        }
        Err(refused) => return request_error(media, &refused.message, refused.code),
    };
    let is_mutation = selected.kind == OperationType::Mutation;
    if selected.kind == OperationType::Subscription {
        return request_error(
            media,
            "subscriptions are served over WebSocket: open GET /graphql with the graphql-transport-ws protocol",
            "BAD_REQUEST",
        );
    }
    if is_mutation && !allow_mutation {
        return method_not_allowed(media, "mutations are only accepted over POST", "POST");
    }
    // A query changes nothing: if a connection breaks under it, it runs
    // once more at once, on a connection checked first. A mutation never.
    let again = (!is_mutation).then(|| (params.clone(), query.clone()));
    let slot = state.graphql_in_flight.clone();
    let Ok(Ok(_slot)) =
        tokio::time::timeout(state.config.graphql_queue_timeout(), slot.acquire_owned()).await
    else {
        state.metrics.record_shed("graphql_in_flight");
        let error = AppError::Overloaded("GraphQL operations executing");
        return app_error_response(media, error);
    };
    let mut response = execute(state, tenant, params, query, selected).await;
    if let Some((params, query)) = again
        && first_outage(&response) == Some(Outage::ConnectionLost)
    {
        state.health.check_connections();
        tracing::info!("a connection broke under a query: running it again on a checked one");
        if let Ok(selected) = select_operation(&params, &query) {
            response = execute(state, tenant, params, query, selected).await;
        }
    }
    let retryable = response
        .errors
        .iter()
        .filter_map(graphql::app_error_of)
        .find(|error| error.retry_after().is_some());
    // GraphQL over HTTP: an answer with data is 2xx; an answer the database
    // or a limit kept from having any data is that failure's 503.
    let status = match retryable {
        Some(error) if has_no_data(&response.data) => error.status(),
        _ if is_request_error(&response) => media.request_error_status(),
        _ => StatusCode::OK,
    };
    let mut answer = match serde_json::to_string(&response) {
        Ok(body) => json_response(status, media, body),
        Err(error) => return app_error_response(media, AppError::internal(error)),
    };
    if let Some(error) = retryable {
        mark_retryable(&mut answer, error);
    }
    answer
}

/// Runs a selected operation on the schema that fits it and puts its fields
/// back in selection order.
pub(super) async fn execute(
    state: &AppState,
    tenant: Tenant,
    params: Params,
    query: String,
    selected: Selected,
) -> async_graphql::Response {
    // Introspection is exempt from the depth limit: the standard schema query
    // of GraphiQL and client generators nests deeper than any data query needs.
    let schema = if selected.is_introspection {
        &state.introspection_schema
    } else {
        &state.schema
    };
    // The persisted-operation rules were applied by run_one: the schema's
    // extension need not apply them again.
    let mut request = params.into_request(query).data(AlreadyResolved);
    request.set_parsed_query(selected.document);
    let mut response = graphql::execute(schema, &state.db, &state.metrics, tenant, request).await;
    selected.plan.apply(&mut response.data);
    response
}

/// The database outage the first failed field met, if any.
fn first_outage(response: &async_graphql::Response) -> Option<Outage> {
    response
        .errors
        .iter()
        .filter_map(graphql::app_error_of)
        .find_map(AppError::outage)
}

/// True when no top-level field has a value: the answer holds nothing a
/// client could use.
fn has_no_data(data: &async_graphql::Value) -> bool {
    match data {
        async_graphql::Value::Object(fields) => fields
            .values()
            .all(|value| *value == async_graphql::Value::Null),
        _ => true,
    }
}

/// A batch: a JSON array of requests, answered by an array, when the
/// configuration allows batches of that size.
pub async fn run_batch(
    state: &AppState,
    tenant: Tenant,
    media: Media,
    operations: Vec<Value>,
) -> Response {
    let max = state.config.graphql_max_batch;
    if max <= 1 {
        return bad_request(media, "batched requests are not accepted");
    }
    if operations.is_empty() || operations.len() > max {
        return bad_request(media, &format!("a batch holds 1 to {max} operations"));
    }
    let mut answers = Vec::with_capacity(operations.len());
    for operation in operations {
        let response = match params_from_json(operation) {
            Ok(params) => run_one(state, tenant, media, params, true).await,
            Err(message) => bad_request(media, message),
        };
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap_or_default();
        answers.push(serde_json::from_slice::<Value>(&bytes).unwrap_or(Value::Null));
    }
    json_response(StatusCode::OK, media, Value::Array(answers).to_string())
}
