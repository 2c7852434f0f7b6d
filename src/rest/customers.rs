//! The customer routes of the REST contract: each parses its input in the
//! contract's words, calls the resolvers (see [`crate::resolvers`]) and answers
//! in its snake_case envelope.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use uuid::Uuid;

use super::answers::*;
use super::input::*;
use super::paging::Paging;
use super::params::{RestPath, json_body, path_uuid, query};
use super::preconditions::{condition, etag};
use super::{ErrorBody, RestError};
use crate::error::AppError;
use crate::loaders::{self, ChildList, GraphLoader, LoadError, PageKey};
use crate::resolvers;
use crate::resolvers::cursors::ListOf;
use crate::resolvers::customers::VersionTest;
use crate::state::AppState;
use crate::tenant::Tenant;
use async_graphql::dataloader::Loader;
use entity::feedbacks;
use sea_orm::{EntityTrait, FromQueryResult, ModelTrait};
use std::str::FromStr;

/// The customer routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/organizations/{org_uuid}/customers",
            get(list_customers).post(create_customer),
        )
        .route(
            "/api/v1/organizations/{org_uuid}/customers/{customer_uuid}",
            get(get_customer)
                .put(update_customer)
                .delete(delete_customer),
        )
        .route(
            "/api/v1/organizations/{org_uuid}/customers/{customer_uuid}/feedbacks",
            get(list_feedbacks),
        )
        .route(
            "/api/v1/organizations/{org_uuid}/customers/{customer_uuid}/feedback_highlights",
            get(list_highlights),
        )
        .route(
            "/api/v1/organizations/{org_uuid}/customers/{customer_uuid}/insights",
            get(list_insights),
        )
        .route(
            "/api/v1/organizations/{org_uuid}/customers/{customer_uuid}/issues",
            get(list_issues),
        )
}

// ---------------------------------------------------------------- the handlers

/// An answer carrying the customer's `ETag`.
type Tagged<T> = ([(HeaderName, HeaderValue); 1], Json<T>);

/// The answer of a write: the customer alone, and its new `ETag`.
fn written(customer: Customer) -> Tagged<CustomerWritten> {
    (
        [(header::ETAG, etag(customer.version))],
        Json(CustomerWritten {
            customers: vec![customer],
        }),
    )
}

/// List customers.
#[utoipa::path(
    get,
    path = "/api/v1/organizations/{org_uuid}/customers",
    tag = "customers",
    params(("org_uuid" = Uuid, Path, description = "The organization."), CustomerListQuery),
    responses(
        (status = 200, description = "One page of customers.", body = CustomerList),
        (status = 400, description = "A bad parameter, named in `error.parameter`.", body = ErrorBody),
        (status = 401, description = "Missing or invalid token.", body = ErrorBody),
        (status = 404, description = "Organization not found.", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[tracing::instrument(level = "debug", skip(state, raw))]
pub async fn list_customers(
    State(state): State<AppState>,
    tenant: Tenant,
    RestPath(org_uuid): RestPath<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<CustomerList>, RestError> {
    let organization = path_uuid("org_uuid", &org_uuid)?;
    let (filter, order, paging) = query::<CustomerListQuery>(raw.as_deref())?.read()?;
    let organization = tenant.own(organization)?;
    check_customer_filter(&filter)?;
    let plan = paging.plan(ListOf {
        name: resolvers::customers::LIST,
        parent: None,
        organization,
        order: resolvers::customers::order(order),
    })?;
    let (rows, total) =
        resolvers::customers::list_with_total(&state.db, organization, &filter, order, plan.rows())
            .await?;
    let page = plan.finish(rows, total);
    Ok(Json(CustomerList {
        customers: page.rows.into_iter().map(Customer::from).collect(),
        total_customer_count: total,
        next_cursor: page.next_cursor,
    }))
}

/// Create a customer.
#[utoipa::path(
    post,
    path = "/api/v1/organizations/{org_uuid}/customers",
    tag = "customers",
    params(("org_uuid" = Uuid, Path, description = "The organization.")),
    request_body(content = CreateCustomer, content_type = "application/json"),
    responses(
        (status = 201, description = "The created customer.", body = CustomerWritten,
            headers(("ETag" = String, description = "The customer's strong entity tag, `\"1\"`: send it back in `If-Match` when you update it."))),
        (status = 400, description = "A bad or missing field, named in `error.parameter`.", body = ErrorBody),
        (status = 401, description = "Missing or invalid token.", body = ErrorBody),
        (status = 404, description = "Organization not found.", body = ErrorBody),
        (status = 409, description = "A customer with this email exists in the organization.", body = ErrorBody),
        (status = 413, description = "The body is larger than the limit.", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[tracing::instrument(level = "debug", skip(state, headers, body))]
pub async fn create_customer(
    State(state): State<AppState>,
    tenant: Tenant,
    RestPath(org_uuid): RestPath<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Tagged<CustomerWritten>), RestError> {
    let organization = path_uuid("org_uuid", &org_uuid)?;
    let new = json_body::<CreateCustomer>(&headers, &body)?.into_new()?;
    let organization = tenant.own(organization)?;
    let created = resolvers::customers::create(&state.db, &state.live, organization, new).await?;
    Ok((StatusCode::CREATED, written(created.into())))
}

/// Get one customer.
#[utoipa::path(
    get,
    path = "/api/v1/organizations/{org_uuid}/customers/{customer_uuid}",
    tag = "customers",
    params(
        ("org_uuid" = Uuid, Path, description = "The organization."),
        ("customer_uuid" = Uuid, Path, description = "The customer."),
        ("If-None-Match" = Option<String>, Header, pattern = r#"^\s*(\*|(W/)?"[^"]*"(\s*,\s*(W/)?"[^"]*")*)\s*$"#, description = "Entity tags of copies you hold (or `*`): when one is current, the answer is 304 without a body."),
        ("If-Match" = Option<String>, Header, pattern = r#"^\s*(\*|(W/)?"[^"]*"(\s*,\s*(W/)?"[^"]*")*)\s*$"#, description = "Entity tags the customer must have (strong comparison), else 412."),
    ),
    responses(
        (status = 200, description = "The customer, alone in the list.", body = CustomerList,
            headers(("ETag" = String, description = "The customer's strong entity tag: its version in quotes, such as `\"3\"`."))),
        (status = 304, description = "Your copy (named in `If-None-Match`) is current; no body.",
            headers(("ETag" = String, description = "The customer's entity tag."))),
        (status = 412, description = "`If-Match` names no current entity tag.", body = ErrorBody,
            headers(("ETag" = String, description = "The customer's current entity tag."))),
        (status = 400, description = "A bad UUID, named in `error.parameter`.", body = ErrorBody),
        (status = 401, description = "Missing or invalid token.", body = ErrorBody),
        (status = 404, description = "Organization or customer not found.", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[tracing::instrument(level = "debug", skip(state))]
pub async fn get_customer(
    State(state): State<AppState>,
    tenant: Tenant,
    RestPath((org_uuid, customer_uuid)): RestPath<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, RestError> {
    let organization = path_uuid("org_uuid", &org_uuid)?;
    let customer = path_uuid("customer_uuid", &customer_uuid)?;
    let if_match = condition(&headers, &header::IF_MATCH)?;
    let if_none_match = condition(&headers, &header::IF_NONE_MATCH)?;
    let customer = read_customer(&state, tenant, organization, customer).await?;
    let tag = [(header::ETAG, etag(customer.version))];
    if !if_match.if_match_holds(customer.version) {
        let failed = AppError::PreconditionFailed {
            current_version: customer.version,
        };
        return Err(failed.into());
    }
    if if_none_match.none_match_hits(customer.version) {
        return Ok((StatusCode::NOT_MODIFIED, tag).into_response());
    }
    let list = CustomerList {
        customers: vec![customer],
        total_customer_count: 1,
        next_cursor: None,
    };
    Ok((tag, Json(list)).into_response())
}

/// One customer of the organization, as `GET …/customers/{uuid}` reads it.
async fn read_customer(
    state: &AppState,
    tenant: Tenant,
    organization: Uuid,
    customer: Uuid,
) -> Result<Customer, RestError> {
    let organization = tenant.own(organization)?;
    Ok(resolvers::customers::get(&state.db, organization, customer)
        .await?
        .into())
}

/// Update a customer.
#[utoipa::path(
    put,
    path = "/api/v1/organizations/{org_uuid}/customers/{customer_uuid}",
    tag = "customers",
    params(
        ("org_uuid" = Uuid, Path, description = "The organization."),
        ("customer_uuid" = Uuid, Path, description = "The customer."),
        ("If-Match" = Option<String>, Header, pattern = r#"^\s*(\*|(W/)?"[^"]*"(\s*,\s*(W/)?"[^"]*")*)\s*$"#, description = "The entity tag you read (from `ETag`), such as `\"3\"`: the update is made only if the customer is still at it, else 412. Absent or `*`: written whatever the version."),
        ("If-None-Match" = Option<String>, Header, pattern = r#"^\s*(\*|(W/)?"[^"]*"(\s*,\s*(W/)?"[^"]*")*)\s*$"#, description = "Entity tags (or `*`) the customer must not have (weak comparison), else 412."),
    ),
    request_body(content = UpdateCustomer, content_type = "application/json"),
    responses(
        (status = 200, description = "The updated customer.", body = CustomerWritten,
            headers(("ETag" = String, description = "The customer's new strong entity tag."))),
        (status = 412, description = "`If-Match` names no current entity tag (the customer changed since you read it), or `If-None-Match` names the current one; nothing was written.", body = ErrorBody,
            headers(("ETag" = String, description = "The customer's current entity tag."))),
        (status = 400, description = "A bad field, named in `error.parameter`.", body = ErrorBody),
        (status = 401, description = "Missing or invalid token.", body = ErrorBody),
        (status = 404, description = "Organization or customer not found.", body = ErrorBody),
        (status = 409, description = "Another customer has this email.", body = ErrorBody),
        (status = 413, description = "The body is larger than the limit.", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[tracing::instrument(level = "debug", skip(state, headers, body))]
pub async fn update_customer(
    State(state): State<AppState>,
    tenant: Tenant,
    RestPath((org_uuid, customer_uuid)): RestPath<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Tagged<CustomerWritten>, RestError> {
    let organization = path_uuid("org_uuid", &org_uuid)?;
    let customer = path_uuid("customer_uuid", &customer_uuid)?;
    let if_match = condition(&headers, &header::IF_MATCH)?;
    let if_none_match = condition(&headers, &header::IF_NONE_MATCH)?;
    let changes = json_body::<UpdateCustomer>(&headers, &body)?.into_changes()?;
    // Input is judged before tenancy, as on every route: a 400 names the
    // request's own fault whatever organization it names.
    let organization = tenant.own(organization)?;
    // Both preconditions are judged on the version the update holds, so the
    // check and the write cannot be told apart by another client.
    let holds =
        |version: i32| if_match.if_match_holds(version) && !if_none_match.none_match_hits(version);
    let precondition =
        (if_match.is_present() || if_none_match.is_present()).then_some(&holds as &VersionTest<'_>);
    let updated = resolvers::customers::update(
        &state.db,
        &state.live,
        organization,
        customer,
        changes,
        precondition,
    )
    .await
    .map_err(|error| blame_precondition(error, &if_match))?;
    Ok(written(updated.into()))
}

/// Delete a customer (an extension beyond the documented routes).
#[utoipa::path(
    delete,
    path = "/api/v1/organizations/{org_uuid}/customers/{customer_uuid}",
    tag = "customers",
    params(
        ("org_uuid" = Uuid, Path, description = "The organization."),
        ("customer_uuid" = Uuid, Path, description = "The customer."),
        ("If-Match" = Option<String>, Header, pattern = r#"^\s*(\*|(W/)?"[^"]*"(\s*,\s*(W/)?"[^"]*")*)\s*$"#, description = "The entity tag you read (from `ETag`), such as `\"3\"`: the customer is deleted only if it is still at it, else 412. Absent or `*`: deleted whatever the version."),
        ("If-None-Match" = Option<String>, Header, pattern = r#"^\s*(\*|(W/)?"[^"]*"(\s*,\s*(W/)?"[^"]*")*)\s*$"#, description = "Entity tags (or `*`) the customer must not have (weak comparison), else 412."),
    ),
    responses(
        (status = 204, description = "The customer was deleted with its feedbacks, their highlights and links; no body."),
        (status = 412, description = "`If-Match` names no current entity tag (the customer changed since you read it), or `If-None-Match` names the current one; nothing was deleted.", body = ErrorBody,
            headers(("ETag" = String, description = "The customer's current entity tag."))),
        (status = 400, description = "A bad UUID or header, named in `error.parameter`.", body = ErrorBody),
        (status = 401, description = "Missing or invalid token.", body = ErrorBody),
        (status = 404, description = "Organization or customer not found.", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[tracing::instrument(level = "debug", skip(state, headers))]
pub async fn delete_customer(
    State(state): State<AppState>,
    tenant: Tenant,
    RestPath((org_uuid, customer_uuid)): RestPath<(String, String)>,
    headers: HeaderMap,
) -> Result<StatusCode, RestError> {
    let organization = path_uuid("org_uuid", &org_uuid)?;
    let customer = path_uuid("customer_uuid", &customer_uuid)?;
    let if_match = condition(&headers, &header::IF_MATCH)?;
    let if_none_match = condition(&headers, &header::IF_NONE_MATCH)?;
    let organization = tenant.own(organization)?;
    let holds =
        |version: i32| if_match.if_match_holds(version) && !if_none_match.none_match_hits(version);
    let precondition =
        (if_match.is_present() || if_none_match.is_present()).then_some(&holds as &VersionTest<'_>);
    resolvers::customers::delete(&state.db, &state.live, organization, customer, precondition)
        .await
        .map_err(|error| blame_precondition(error, &if_match))?;
    Ok(StatusCode::NO_CONTENT)
}

/// A failed write's REST error, naming `If-None-Match` when its condition
/// (not `If-Match`'s) is the one that failed.
fn blame_precondition(error: AppError, if_match: &super::preconditions::Condition) -> RestError {
    let blame = match error.current_version() {
        Some(version) if if_match.if_match_holds(version) => Some("If-None-Match"),
        _ => None,
    };
    let mut rest = RestError::from(error);
    if let Some(header) = blame {
        rest.blame(header);
    }
    rest
}

/// One of a customer's child lists, as its route reads and answers it.
trait ChildPage: Sized {
    /// The rows it lists.
    type Row: FromQueryResult + ModelTrait + Clone + Send + Sync + 'static;
    /// Its query parameters.
    type Query: serde::de::DeserializeOwned + Default;

    /// The list and paging the parameters ask for.
    fn read(query: Self::Query) -> Result<(ChildList<Self::Row>, Paging), RestError>;

    /// The answer: one page of rows, the total across pages and the cursor
    /// of the next page.
    fn answer(rows: Vec<Self::Row>, total: i64, next_cursor: Option<String>) -> Self;

    /// Adds what the answer reads besides its rows (nothing by default).
    async fn complete(self, _state: &AppState, _organization: Uuid) -> Result<Self, RestError> {
        Ok(self)
    }
}

/// Reads the page `query` asks for of a customer's list `L`.
async fn child_page<L>(
    state: &AppState,
    tenant: Tenant,
    (org_uuid, customer_uuid): (String, String),
    raw: Option<String>,
) -> Result<Json<L>, RestError>
where
    L: ChildPage,
    GraphLoader: Loader<PageKey<L::Row>, Value = Vec<L::Row>, Error = LoadError>,
    <<L::Row as ModelTrait>::Entity as EntityTrait>::Column: FromStr,
{
    let organization = path_uuid("org_uuid", &org_uuid)?;
    let customer = path_uuid("customer_uuid", &customer_uuid)?;
    let (list, paging) = L::read(query(raw.as_deref())?)?;
    let organization = tenant.own(organization)?;
    let customer = resolvers::customers::get(&state.db, organization, customer).await?;
    let plan = paging.plan(ListOf {
        name: list.relation().name(),
        parent: Some(customer.uuid),
        organization,
        order: list.relation().order_keys(),
    })?;
    let (rows, total) = resolvers::customers::page_with_total(
        &state.db,
        &state.metrics,
        &customer,
        list,
        plan.rows(),
    )
    .await?;
    let page = plan.finish(rows, total);
    let answer = L::answer(page.rows, total, page.next_cursor)
        .complete(state, organization)
        .await?;
    Ok(Json(answer))
}

/// Declares the route of a customer's child list `$list`: its handler,
/// documented for the OpenAPI document, reads it through [`child_page`].
macro_rules! child_list_route {
    ($(#[$doc:meta])* $handler:ident, $path:literal, $query:ident, $list:ident, $answered:literal) => {
        $(#[$doc])*
        #[utoipa::path(
            get,
            path = $path,
            tag = "customers",
            params(
                ("org_uuid" = Uuid, Path, description = "The organization."),
                ("customer_uuid" = Uuid, Path, description = "The customer."),
                $query,
            ),
            responses(
                (status = 200, description = $answered, body = $list),
                (status = 400, description = "A bad parameter, named in `error.parameter`.", body = ErrorBody),
                (status = 401, description = "Missing or invalid token.", body = ErrorBody),
                (status = 404, description = "Organization or customer not found.", body = ErrorBody),
            ),
            security(("bearer" = []))
        )]
        #[tracing::instrument(level = "debug", skip(state, raw))]
        pub async fn $handler(
            State(state): State<AppState>,
            tenant: Tenant,
            RestPath(path): RestPath<(String, String)>,
            RawQuery(raw): RawQuery,
        ) -> Result<Json<$list>, RestError> {
            child_page::<$list>(&state, tenant, path, raw).await
        }
    };
}

child_list_route!(
    /// List a customer's feedbacks.
    list_feedbacks,
    "/api/v1/organizations/{org_uuid}/customers/{customer_uuid}/feedbacks",
    FeedbackListQuery,
    FeedbackList,
    "One page of the customer's feedbacks."
);
child_list_route!(
    /// List the highlights of a customer's feedbacks.
    list_highlights,
    "/api/v1/organizations/{org_uuid}/customers/{customer_uuid}/feedback_highlights",
    PageQuery,
    HighlightList,
    "One page of highlights, newest feedback first."
);
child_list_route!(
    /// List the insights linked to a customer's highlights.
    list_insights,
    "/api/v1/organizations/{org_uuid}/customers/{customer_uuid}/insights",
    PageQuery,
    InsightList,
    "One page of distinct insights, by title."
);
child_list_route!(
    /// List the issues linked to a customer's highlights.
    list_issues,
    "/api/v1/organizations/{org_uuid}/customers/{customer_uuid}/issues",
    PageQuery,
    IssueList,
    "One page of distinct issues, by title."
);

impl ChildPage for FeedbackList {
    type Row = feedbacks::Model;
    type Query = FeedbackListQuery;

    fn read(params: FeedbackListQuery) -> Result<(ChildList<Self::Row>, Paging), RestError> {
        let ((sort, direction), paging) = params.read()?;
        Ok((ChildList::customer_feedbacks(sort, direction), paging))
    }

    fn answer(rows: Vec<Self::Row>, total: i64, next_cursor: Option<String>) -> Self {
        FeedbackList {
            feedbacks: rows.into_iter().map(Feedback::from).collect(),
            total_feedback_count: total,
            next_cursor,
        }
    }

    /// Each feedback with the spaces it sits in, read in one statement.
    async fn complete(mut self, state: &AppState, organization: Uuid) -> Result<Self, RestError> {
        super::feedbacks::fill_spaces(state, organization, &mut self.feedbacks).await?;
        Ok(self)
    }
}

/// Declares a child list read with the paging parameters alone: `$list`
/// answers `$child_list`'s rows as `$item`s under `$items`, with `$total`.
macro_rules! paged_child_page {
    (
        $list:ident { $items:ident: $item:ident, $total:ident }, $child_list:expr
        $(, complete = $complete:path)?
    ) => {
        impl ChildPage for $list {
            type Row = <$item as RowOf>::Row;
            type Query = PageQuery;

            fn read(params: PageQuery) -> Result<(ChildList<Self::Row>, Paging), RestError> {
                Ok(($child_list, params.paging()?))
            }

            fn answer(rows: Vec<Self::Row>, total: i64, next_cursor: Option<String>) -> Self {
                $list {
                    $items: rows.into_iter().map($item::from).collect(),
                    $total: total,
                    next_cursor,
                }
            }

            $(
                async fn complete(self, state: &AppState, organization: Uuid) -> Result<Self, RestError> {
                    $complete(self, state, organization).await
                }
            )?
        }
    };
}

paged_child_page!(
    HighlightList {
        highlights: Highlight,
        total_highlight_count
    },
    loaders::CUSTOMER_HIGHLIGHTS
);
paged_child_page!(
    InsightList {
        insights: Insight,
        total_insight_count
    },
    loaders::CUSTOMER_INSIGHTS
);
paged_child_page!(
    IssueList {
        issues: Issue,
        total_issue_count
    },
    loaders::CUSTOMER_ISSUES,
    complete = with_averages
);

/// Each issue of a page with the mean sentiment of its linked highlights,
/// read in one statement for the page.
async fn with_averages(
    mut list: IssueList,
    state: &AppState,
    organization: Uuid,
) -> Result<IssueList, RestError> {
    let uuids: Vec<Uuid> = list.issues.iter().map(|issue| issue.uuid).collect();
    let mut averages =
        resolvers::customers::issue_averages(&state.db, organization, &uuids).await?;
    for issue in &mut list.issues {
        issue.average_sentiment = averages.remove(&issue.uuid).flatten();
    }
    Ok(list)
}
