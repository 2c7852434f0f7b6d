//! GraphQL over HTTP: `POST /graphql` and `GET /graphql` as the
//! GraphQL-over-HTTP specification asks — `Accept` negotiation between
//! `application/graphql-response+json` and `application/json`, its status
//! codes for request errors, no mutations over GET — plus the body limit,
//! batch limit and bearer token.

use std::collections::HashMap;

use async_graphql::parser::types::{ExecutableDocument, OperationType, Selection};
use async_graphql::{Request as GraphQLRequest, Variables};
use axum::Router;
use axum::extract::{RawQuery, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

pub mod document;
pub mod order;
pub mod source;
pub mod variables;

use crate::auth::authenticate;
use crate::error::AppError;
use crate::graphql::{self, is_request_error};
use crate::json::JsonError;
use crate::state::AppState;
use crate::tenant::Tenant;

/// The GraphQL routes.
///
/// `/graphql` answers its own errors in the GraphQL shape, including a body
/// over the limit (413, whether the client sent `Content-Length` or chunks)
/// and a method other than GET and POST (405): the app's REST-shaped body
/// limit and method fallback do not apply to it.
pub fn router() -> Router<AppState> {
    Router::new().route(
        "/graphql",
        get(get_graphql)
            .post(post_graphql)
            .fallback(method_not_allowed),
    )
}

/// A method other than GET and POST on `/graphql`.
async fn method_not_allowed(headers: HeaderMap) -> Response {
    let media = negotiate(&headers).unwrap_or(Media::Json);
    let mut response = error_response(
        StatusCode::METHOD_NOT_ALLOWED,
        media,
        "/graphql accepts GET (queries) and POST",
        "METHOD_NOT_ALLOWED",
    );
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("GET, POST"));
    response
}

/// The media type of the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Media {
    /// `application/graphql-response+json`: request errors answer 400.
    GraphQLResponse,
    /// `application/json`: well-formed requests answer 200, errors in the body.
    Json,
}

impl Media {
    fn content_type(self) -> &'static str {
        match self {
            Media::GraphQLResponse => "application/graphql-response+json; charset=utf-8",
            Media::Json => "application/json; charset=utf-8",
        }
    }

    /// The status of a request the server could not execute at all.
    fn request_error_status(self) -> StatusCode {
        match self {
            Media::GraphQLResponse => StatusCode::BAD_REQUEST,
            Media::Json => StatusCode::OK,
        }
    }
}

/// Picks the answer's media type from `Accept`: the acceptable type of the
/// highest quality, earliest on ties; `*/*` and a missing header mean
/// `application/json`. `None` when nothing we speak is acceptable.
pub fn negotiate(headers: &HeaderMap) -> Option<Media> {
    let Some(accept) = headers
        .get(header::ACCEPT)
        .and_then(|value| value.to_str().ok())
    else {
        return Some(Media::Json);
    };
    if accept.trim().is_empty() {
        return Some(Media::Json);
    }
    let mut best: Option<(f32, Media)> = None;
    for range in accept.split(',') {
        let mut parts = range.split(';');
        let media_type = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let quality = parts
            .filter_map(|parameter| parameter.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        let media = match media_type.as_str() {
            "application/graphql-response+json" => Media::GraphQLResponse,
            "application/json" | "application/*" | "*/*" => Media::Json,
            _ => continue,
        };
        if quality > 0.0 && best.is_none_or(|(best_quality, _)| quality > best_quality) {
            best = Some((quality, media));
        }
    }
    best.map(|(_, media)| media)
}

/// A GraphQL-shaped error answer: `{"errors": [{"message", "extensions": {"code"}}]}`.
fn error_response(status: StatusCode, media: Media, message: &str, code: &str) -> Response {
    let body = json!({"errors": [{"message": message, "extensions": {"code": code}}]});
    json_response(status, media, body.to_string())
}

fn json_response(status: StatusCode, media: Media, body: String) -> Response {
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(media.content_type()),
    );
    response
}

/// A malformed HTTP request (no or bad JSON, parameters of the wrong type):
/// 400 whichever media type was asked for.
fn bad_request(media: Media, message: &str) -> Response {
    error_response(StatusCode::BAD_REQUEST, media, message, "BAD_REQUEST")
}

/// A well-formed request whose GraphQL document or variables fail: 400 for
/// `application/graphql-response+json`, 200 with `errors` for `application/json`.
fn request_error(media: Media, message: &str, code: &str) -> Response {
    error_response(media.request_error_status(), media, message, code)
}

fn app_error_response(media: Media, error: AppError) -> Response {
    error.log();
    let mut response = error_response(
        error.status(),
        media,
        &error.to_string(),
        crate::graphql::errors::code(&error),
    );
    if let Some(challenge) = error.challenge() {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, challenge);
    }
    response
}

fn not_acceptable() -> Response {
    error_response(
        StatusCode::NOT_ACCEPTABLE,
        Media::Json,
        "Accept must allow application/graphql-response+json or application/json",
        "NOT_ACCEPTABLE",
    )
}

async fn tenant(state: &AppState, headers: &HeaderMap, media: Media) -> Result<Tenant, Response> {
    let token = crate::auth::bearer_token_from(headers);
    authenticate(state, token)
        .await
        .map_err(|error| app_error_response(media, error))
}

/// The GraphQL-over-HTTP request parameters, checked for type.
struct Params {
    query: String,
    operation_name: Option<String>,
    variables: Option<serde_json::Map<String, Value>>,
}

fn params_from_json(value: Value) -> Result<Params, &'static str> {
    let Value::Object(mut object) = value else {
        return Err("the request body must be a JSON object");
    };
    let query = match object.remove("query") {
        Some(Value::String(query)) => query,
        Some(_) => return Err("`query` must be a string"),
        None => return Err("`query` is required"),
    };
    let operation_name = match object.remove("operationName") {
        None | Some(Value::Null) => None,
        Some(Value::String(name)) => Some(name),
        Some(_) => return Err("`operationName` must be a string or null"),
    };
    let variables = match object.remove("variables") {
        None | Some(Value::Null) => None,
        Some(Value::Object(variables)) => Some(variables),
        Some(_) => return Err("`variables` must be an object or null"),
    };
    match object.remove("extensions") {
        None | Some(Value::Null) | Some(Value::Object(_)) => {}
        Some(_) => return Err("`extensions` must be an object or null"),
    }
    Ok(Params {
        query,
        operation_name,
        variables,
    })
}

/// Most fields an operation may select with its fragments expanded. The
/// complexity limit bounds the data fetched; this bounds the work of
/// validating and executing a document that is small on the wire.
const MAX_EXPANDED_FIELDS: u64 = 10_000;

/// A parsed request: the document (handed to the executor as it is, so it is
/// parsed once), what its selected operation is, and the order its response
/// fields must follow.
struct Selected {
    document: ExecutableDocument,
    is_mutation: bool,
    is_introspection: bool,
    plan: order::Plan,
}

/// Parses the query and checks, before anything runs, that it names one
/// operation when the document holds several, that its fragments do not
/// expand past the limit, and that its variables have the declared types.
/// `Err` carries the message and code of the request error.
fn select_operation(params: &Params) -> Result<Selected, (String, &'static str)> {
    let source = source::prepare(&params.query).map_err(|error| (error.message, error.code))?;
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
    let is_mutation = operation.ty == OperationType::Mutation;
    let plan = order::Plan::new(&[&operation.selection_set.node], &document.fragments);
    let unprovided = variables::unprovided(operation, values);
    variables::drop_unprovided(&mut document, &unprovided);
    Ok(Selected {
        document,
        is_mutation,
        is_introspection,
        plan,
    })
}

impl Params {
    fn into_request(self) -> GraphQLRequest {
        let mut request = GraphQLRequest::new(self.query);
        if let Some(name) = self.operation_name {
            request = request.operation_name(name);
        }
        if let Some(variables) = self.variables {
            request = request.variables(Variables::from_json(Value::Object(variables)));
        }
        request
    }
}

/// Parses, then executes one operation; `allow_mutation` is false over GET.
async fn run_one(
    state: &AppState,
    tenant: Tenant,
    media: Media,
    params: Params,
    allow_mutation: bool,
) -> Response {
    let selected = match select_operation(&params) {
        Err((message, code)) => return request_error(media, &message, code),
        Ok(selected) => selected,
    };
    if selected.is_mutation && !allow_mutation {
        let mut response = error_response(
            StatusCode::METHOD_NOT_ALLOWED,
            media,
            "mutations are only accepted over POST",
            "METHOD_NOT_ALLOWED",
        );
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return response;
    }
    // Introspection is exempt from the depth limit: the standard schema query
    // of GraphiQL and client generators nests deeper than any data query needs.
    let schema = if selected.is_introspection {
        &state.introspection_schema
    } else {
        &state.schema
    };
    let mut request = params.into_request();
    request.set_parsed_query(selected.document);
    let mut response = graphql::execute(schema, &state.db, &state.metrics, tenant, request).await;
    selected.plan.apply(&mut response.data);
    let status = if is_request_error(&response) {
        media.request_error_status()
    } else {
        StatusCode::OK
    };
    match serde_json::to_string(&response) {
        Ok(body) => json_response(status, media, body),
        Err(error) => app_error_response(media, AppError::internal(error)),
    }
}

fn is_json_content_type(headers: &HeaderMap) -> Result<(), &'static str> {
    let Some(content_type) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
    else {
        return Err("Content-Type must be application/json");
    };
    let mut parts = content_type.split(';');
    if !parts
        .next()
        .unwrap_or("")
        .trim()
        .eq_ignore_ascii_case("application/json")
    {
        return Err("Content-Type must be application/json");
    }
    for parameter in parts {
        if let Some((name, value)) = parameter.split_once('=')
            && name.trim().eq_ignore_ascii_case("charset")
            && !value.trim().trim_matches('"').eq_ignore_ascii_case("utf-8")
        {
            return Err("the request body must be UTF-8");
        }
    }
    Ok(())
}

async fn post_graphql(State(state): State<AppState>, request: Request) -> Response {
    let headers = request.headers().clone();
    let Some(media) = negotiate(&headers) else {
        return not_acceptable();
    };
    let tenant = match tenant(&state, &headers, media).await {
        Ok(tenant) => tenant,
        Err(response) => return response,
    };
    if let Err(message) = is_json_content_type(&headers) {
        return error_response(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            media,
            message,
            "UNSUPPORTED_MEDIA_TYPE",
        );
    }
    let limit = state.config.max_body_bytes;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return app_error_response(media, AppError::PayloadTooLarge(limit));
    }
    let body = match axum::body::to_bytes(request.into_body(), limit).await {
        Ok(body) => body,
        Err(_) => return app_error_response(media, AppError::PayloadTooLarge(limit)),
    };
    if body.is_empty() {
        return bad_request(media, "a JSON request body is required");
    }
    let value = match crate::json::parse(&body) {
        Ok(value) => value,
        Err(JsonError::Syntax) => return bad_request(media, "the request body is not valid JSON"),
        Err(error) => return bad_request(media, &error.to_string()),
    };
    match value {
        Value::Array(operations) => run_batch(&state, tenant, media, operations).await,
        single => match params_from_json(single) {
            Ok(params) => run_one(&state, tenant, media, params, true).await,
            Err(message) => bad_request(media, message),
        },
    }
}

/// A batch: a JSON array of requests, answered by an array, when the
/// configuration allows batches of that size.
async fn run_batch(
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

/// True when a browser asks for a page rather than an API answer.
fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
}

async fn get_graphql(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let query = match raw.as_deref().map(parse_query_string).transpose() {
        Ok(query) => query.unwrap_or_default(),
        Err(name) => {
            let media = negotiate(&headers).unwrap_or(Media::Json);
            return bad_request(media, &format!("the `{name}` parameter is repeated"));
        }
    };
    if wants_html(&headers) && !query.contains_key("query") {
        return playground();
    }
    let Some(media) = negotiate(&headers) else {
        return not_acceptable();
    };
    let tenant = match tenant(&state, &headers, media).await {
        Ok(tenant) => tenant,
        Err(response) => return response,
    };
    let mut object = serde_json::Map::new();
    for name in ["query", "operationName"] {
        if let Some(value) = query.get(name) {
            object.insert(name.to_owned(), Value::String(value.clone()));
        }
    }
    for name in ["variables", "extensions"] {
        if let Some(text) = query.get(name) {
            match crate::json::parse_str(text) {
                Ok(value) => {
                    object.insert(name.to_owned(), value);
                }
                Err(JsonError::Syntax) => {
                    return bad_request(media, &format!("`{name}` must be JSON"));
                }
                Err(JsonError::Duplicate(path)) => {
                    let message = format!("`{name}` repeats the member `{name}.{path}`");
                    return bad_request(media, &message);
                }
                Err(JsonError::TooDeep) => {
                    let message = format!(
                        "`{name}` nests arrays and objects more than {} deep",
                        crate::json::MAX_DEPTH
                    );
                    return bad_request(media, &message);
                }
            }
        }
    }
    match params_from_json(Value::Object(object)) {
        Ok(params) => run_one(&state, tenant, media, params, false).await,
        Err(message) => bad_request(media, message),
    }
}

/// The query string's parameters; a parameter given twice is refused (`Err`
/// names it), as a repeated JSON member is: no "last one wins".
fn parse_query_string(raw: &str) -> Result<HashMap<String, String>, String> {
    // The same reader as the REST query strings; a pair list never fails to read.
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw).unwrap_or_default();
    let mut parameters = HashMap::new();
    for (name, value) in pairs {
        if parameters.contains_key(&name) {
            return Err(name);
        }
        parameters.insert(name, value);
    }
    Ok(parameters)
}

fn playground() -> Response {
    (
        crate::playground::headers(),
        Html(crate::playground::html()),
    )
        .into_response()
}
