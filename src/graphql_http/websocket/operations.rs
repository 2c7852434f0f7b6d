//! The operations of one WebSocket connection, run as the HTTP transport runs
//! its own: the persisted-operation rules, parsing and every check before
//! anything runs ([`super::execute::prepare`]: one operation, fragments
//! bounded, variables coerced, an unprovided variable left absent), the
//! fields put back in selection order, every error given a client-safe
//! message and code. A query or mutation takes a GraphQL execution slot and
//! runs under the request deadline, on loaders of its own; a subscription
//! takes a place in its connection's and token's limits (in the order the
//! client sent them) for as long as it is open.

use std::sync::{Arc, OnceLock};

use async_graphql::parser::types::OperationType;
use async_graphql::{Data, Executor, Request, Response, ServerError};
use futures_util::StreamExt;
use futures_util::stream::{self, BoxStream};
use serde_json::{Map, Value};

use super::super::execute::{self, prepare};
use super::super::request::Params;
use crate::error::AppError;
use crate::graphql;
use crate::graphql::persisted::AlreadyResolved;
use crate::live::Budget;
use crate::loaders;
use crate::state::AppState;
use crate::tenant::Tenant;

/// What `connection_init` granted: the tenant and its subscription budget.
pub(super) type Grant = Arc<OnceLock<(Tenant, Budget)>>;

/// The executor of one connection's operations.
#[derive(Clone)]
pub(super) struct Gateway {
    pub(super) state: AppState,
    pub(super) grant: Grant,
}

impl Executor for Gateway {
    async fn execute(&self, request: Request) -> Response {
        self.execute_stream(request, None)
            .next()
            .await
            .unwrap_or_default()
    }

    fn execute_stream(
        &self,
        request: Request,
        session_data: Option<Arc<Data>>,
    ) -> BoxStream<'static, Response> {
        let Some((tenant, budget)) = self.grant.get().cloned() else {
            return once(refusal(
                "send connection_init first".to_owned(),
                "UNAUTHENTICATED",
            ));
        };
        let mut params = params_of(request);
        let (query, selected) = match prepare(&self.state, &mut params) {
            Ok(prepared) => prepared,
            Err(refused) => return once(refusal(refused.message, refused.code)),
        };
        let state = self.state.clone();
        if selected.kind != OperationType::Subscription {
            return stream::once(
                async move { run_once(state, tenant, params, query, selected).await },
            )
            .boxed();
        }
        let admission = match budget.admit() {
            Ok(admission) => admission,
            Err(refused) => return once(refusal(refused.to_string(), "TOO_MANY_SUBSCRIPTIONS")),
        };
        // Loaders of its own, driven with its answers: each event's fields
        // are read level by level, one statement per level.
        let (loaders, queue) = loaders::loaders(state.db.clone(), state.metrics.clone());
        let mut request = params
            .into_request(query)
            .data(AlreadyResolved)
            .data(loaders);
        request.set_parsed_query(selected.document);
        let plan = selected.plan;
        let answers = state
            .schema
            .execute_stream_with_session_data(request, session_data.unwrap_or_default());
        loaders::drive_stream(answers, queue)
            .map(move |mut response| {
                // Held while the subscription is open.
                let _place = &admission;
                plan.apply(&mut response.data);
                graphql::classify_errors(&mut response);
                state.metrics.record_live_sent();
                response
            })
            .boxed()
    }
}

/// A query or mutation: in a GraphQL execution slot (waiting in line at most
/// `--graphql-queue-timeout-ms`) and within `--request-timeout-secs`, as
/// over HTTP.
async fn run_once(
    state: AppState,
    tenant: Tenant,
    params: Params,
    query: String,
    selected: execute::Selected,
) -> Response {
    let slot = state.graphql_in_flight.clone();
    let Ok(Ok(_slot)) =
        tokio::time::timeout(state.config.graphql_queue_timeout(), slot.acquire_owned()).await
    else {
        state.metrics.record_shed("graphql_in_flight");
        return app_error(AppError::Overloaded("GraphQL operations executing"));
    };
    let run = execute::execute(&state, tenant, params, query, selected);
    match tokio::time::timeout(state.config.request_timeout(), run).await {
        Ok(response) => response,
        Err(_) => app_error(AppError::Timeout),
    }
}

/// The request's parameters as the HTTP transport reads them: an empty
/// query is an absent one (a persisted query's hash may stand for it), and
/// only the variables the client sent are present.
fn params_of(request: Request) -> Params {
    let object = |value: serde_json::Result<Value>| match value {
        Ok(Value::Object(map)) if !map.is_empty() => Some(map),
        _ => None::<Map<String, Value>>,
    };
    Params {
        query: (!request.query.is_empty()).then_some(request.query),
        operation_name: request.operation_name,
        variables: object(serde_json::to_value(&request.variables)),
        extensions: object(serde_json::to_value(&request.extensions)),
    }
}

fn once(response: Response) -> BoxStream<'static, Response> {
    stream::once(async move { response }).boxed()
}

/// A request refused before it runs, as the protocol's one answer.
fn refusal(message: String, code: &'static str) -> Response {
    let mut error = ServerError::new(message, None);
    error
        .extensions
        .get_or_insert_with(Default::default)
        .set("code", code);
    Response::from_errors(vec![error])
}

/// An [`AppError`] met outside the schema (a full limit, the deadline).
fn app_error(error: AppError) -> Response {
    let mut server_error = ServerError::new(error.to_string(), None);
    server_error.source = Some(Arc::new(error));
    let mut response = Response::from_errors(vec![server_error]);
    graphql::classify_errors(&mut response);
    response
}
