//! Reading a GraphQL-over-HTTP request into [`Params`]: a POST body (within
//! the body limit, strict JSON) or the query string of a GET, each parameter
//! checked for type as the specification's §"Request Parameters" asks.

use std::collections::HashMap;

use async_graphql::{Request as GraphQLRequest, Variables};
use axum::body::Body;
use axum::http::{HeaderMap, header};
use axum::response::Response;
use serde_json::Value;

use super::media::Media;
use super::response::{app_error_response, bad_request};
use crate::error::AppError;
use crate::json::JsonError;

/// The GraphQL-over-HTTP request parameters, checked for type.
#[derive(Clone)]
pub struct Params {
    /// The document's text, not yet parsed; absent when a persisted query's
    /// hash stands for it (see [`crate::graphql::persisted`]).
    pub query: Option<String>,
    /// Which operation of the document to run; required when it holds several.
    pub operation_name: Option<String>,
    /// The variables' values as JSON, before coercion.
    pub variables: Option<serde_json::Map<String, Value>>,
    /// The request's extensions (`persistedQuery` is read; others are ignored).
    pub extensions: Option<serde_json::Map<String, Value>>,
}

impl Params {
    /// The request for the executor, running `query` (the text the
    /// persisted-operation rules resolved; its parsed document is set by the
    /// caller).
    pub fn into_request(self, query: String) -> GraphQLRequest {
        let mut request = GraphQLRequest::new(query);
        if let Some(name) = self.operation_name {
            request = request.operation_name(name);
        }
        if let Some(variables) = self.variables {
            request = request.variables(Variables::from_json(Value::Object(variables)));
        }
        request
    }
}

/// The parameters of one request object; `Err` is the 400 message.
pub fn params_from_json(value: Value) -> Result<Params, &'static str> {
    let Value::Object(mut object) = value else {
        return Err("the request body must be a JSON object");
    };
    // An absent query is judged with the extensions (a persisted query's
    // hash may stand for it): see crate::graphql::persisted.
    let query = match object.remove("query") {
        None | Some(Value::Null) => None,
        Some(Value::String(query)) => Some(query),
        Some(_) => return Err("`query` must be a string"),
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
    let extensions = match object.remove("extensions") {
        None | Some(Value::Null) => None,
        Some(Value::Object(extensions)) => Some(extensions),
        Some(_) => return Err("`extensions` must be an object or null"),
    };
    Ok(Params {
        query,
        operation_name,
        variables,
        extensions,
    })
}

/// The JSON of a POST body of at most `limit` bytes: a single request object
/// or a batch array, not yet checked for shape. `Err` is the answer: 413 past
/// the limit (declared or counted), 400 for an empty or malformed body.
pub async fn read_json_body(
    headers: &HeaderMap,
    body: Body,
    limit: usize,
    media: Media,
) -> Result<Value, Response> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return Err(app_error_response(media, AppError::PayloadTooLarge(limit)));
    }
    let body = match axum::body::to_bytes(body, limit).await {
        Ok(body) => body,
        Err(error) if is_past_the_limit(&error) => {
            return Err(app_error_response(media, AppError::PayloadTooLarge(limit)));
        }
        // The client stopped sending, or the server is draining on shutdown.
        Err(_) => {
            return Err(bad_request(
                media,
                "the request body could not be read to its end",
            ));
        }
    };
    if body.is_empty() {
        return Err(bad_request(media, "a JSON request body is required"));
    }
    crate::json::parse(&body).map_err(|error| match error {
        JsonError::Syntax => bad_request(media, "the request body is not valid JSON"),
        error => bad_request(media, &error.to_string()),
    })
}

/// True when a body read failed because the body is longer than its limit
/// (not because the client or the server ended it early).
fn is_past_the_limit(error: &axum::Error) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(error) = cause {
        if error.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        cause = error.source();
    }
    false
}

/// The query string's parameters; a parameter given twice is refused (`Err`
/// names it), as a repeated JSON member is: no "last one wins".
pub fn parse_query_string(raw: &str) -> Result<HashMap<String, String>, String> {
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

/// The parameters of a GET: `query` and `operationName` as given,
/// `variables` and `extensions` read as JSON. `Err` is the 400 message.
pub fn params_from_query(query: &HashMap<String, String>) -> Result<Params, String> {
    let mut object = serde_json::Map::new();
    for name in ["query", "operationName"] {
        if let Some(value) = query.get(name) {
            object.insert(name.to_owned(), Value::String(value.clone()));
        }
    }
    for name in ["variables", "extensions"] {
        if let Some(text) = query.get(name) {
            let value = crate::json::parse_str(text).map_err(|error| match error {
                JsonError::Syntax => format!("`{name}` must be JSON"),
                JsonError::Duplicate(path) => {
                    format!("`{name}` repeats the member `{name}.{path}`")
                }
                JsonError::TooDeep => format!(
                    "`{name}` nests arrays and objects more than {} deep",
                    crate::json::MAX_DEPTH
                ),
            })?;
            object.insert(name.to_owned(), value);
        }
    }
    params_from_json(Value::Object(object)).map_err(str::to_owned)
}
