//! The feedback API's routes, beside the customer routes under
//! `/api/v1/organizations/{org_uuid}`: the organization's feedbacks
//! (filtered, sorted, paged; recorded; deleted all or nothing), one
//! feedback with its highlights, and spaces with their feedbacks. Each
//! handler parses its input in the API's words, calls the resolvers (see
//! [`crate::resolvers::feedbacks`]) and answers in its snake_case envelope.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use axum::{Json, Router};
use entity::feedbacks;
use uuid::Uuid;

use super::answers::{
    Feedback, FeedbackDetail, FeedbackList, FeedbackRead, FeedbackWritten, FeedbacksDeleted,
    Highlight, HighlightList, Space, SpaceList, SpaceWritten,
};
use super::feedback_input::{
    CreateFeedback, CreateSpace, DeleteFeedbacks, FeedbackListRequest, FeedbackQuery,
};
use super::input::PageQuery;
use super::params::{RestPath, json_body, path_uuid, query};
use super::{ErrorBody, RestError};
use crate::resolvers::cursors::ListOf;
use crate::resolvers::organizations::{SPACES, table, table_order, table_total};
use crate::resolvers::{PageArgs, feedbacks as resolver};
use crate::state::AppState;
use crate::store::relations::Relation;
use crate::tenant::Tenant;
use entity::spaces;

/// The feedback and space routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/organizations/{org_uuid}/feedbacks",
            get(list_feedbacks)
                .post(create_feedback)
                .delete(delete_feedbacks),
        )
        .route(
            "/api/v1/organizations/{org_uuid}/feedbacks/{feedback_uuid}",
            get(get_feedback),
        )
        .route(
            "/api/v1/organizations/{org_uuid}/feedbacks/{feedback_uuid}/highlights",
            get(list_feedback_highlights),
        )
        .route(
            "/api/v1/organizations/{org_uuid}/spaces",
            get(list_spaces).post(create_space),
        )
        .route(
            "/api/v1/organizations/{org_uuid}/spaces/{space_uuid}/feedbacks",
            get(list_space_feedbacks),
        )
}

/// Feedback rows as the routes answer them, each with the spaces it sits
/// in (read for all of them in one statement).
pub async fn with_spaces(
    state: &AppState,
    organization: Uuid,
    rows: Vec<feedbacks::Model>,
) -> Result<Vec<Feedback>, RestError> {
    let mut answered: Vec<Feedback> = rows.into_iter().map(Feedback::from).collect();
    fill_spaces(state, organization, &mut answered).await?;
    Ok(answered)
}

/// Sets each answered feedback's `space_uuids`, read for all of them in one
/// statement through the batch that serves `Feedback.spaces` in the graph.
pub async fn fill_spaces(
    state: &AppState,
    organization: Uuid,
    answered: &mut [Feedback],
) -> Result<(), RestError> {
    let uuids: Vec<Uuid> = answered.iter().map(|feedback| feedback.uuid).collect();
    let mut spaces = resolver::space_uuids(&state.db, &state.metrics, organization, &uuids).await?;
    for feedback in answered {
        feedback.space_uuids = spaces.remove(&feedback.uuid).unwrap_or_default();
    }
    Ok(())
}

/// One page of the organization's feedbacks that `filter` asks for, from
/// `list` (the organization's feedbacks, or a space's).
async fn feedback_page(
    state: &AppState,
    list: ListOf,
    (filter, order, paging): FeedbackListRequest,
) -> Result<Json<FeedbackList>, RestError> {
    let organization = list.organization;
    let plan = paging.plan(list)?;
    let (rows, total) =
        resolver::list_with_total(&state.db, organization, &filter, order, plan.rows()).await?;
    let page = plan.finish(rows, total);
    Ok(Json(FeedbackList {
        feedbacks: with_spaces(state, organization, page.rows).await?,
        total_feedback_count: total,
        next_cursor: page.next_cursor,
    }))
}

/// List the organization's feedbacks.
#[utoipa::path(
    get,
    path = "/api/v1/organizations/{org_uuid}/feedbacks",
    tag = "feedbacks",
    params(("org_uuid" = Uuid, Path, description = "The organization."), FeedbackQuery),
    responses(
        (status = 200, description = "One page of feedbacks matching the filters.", body = FeedbackList),
        (status = 400, description = "A bad parameter, named in `error.parameter`.", body = ErrorBody),
        (status = 401, description = "Missing or invalid token.", body = ErrorBody),
        (status = 404, description = "Organization not found.", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[tracing::instrument(level = "debug", skip(state, raw))]
pub async fn list_feedbacks(
    State(state): State<AppState>,
    tenant: Tenant,
    RestPath(org_uuid): RestPath<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<FeedbackList>, RestError> {
    let organization = path_uuid("org_uuid", &org_uuid)?;
    let request = query::<FeedbackQuery>(raw.as_deref())?.read()?;
    let organization = tenant.own(organization)?;
    let list = ListOf {
        name: resolver::LIST,
        parent: None,
        organization,
        order: resolver::order(request.1),
    };
    feedback_page(&state, list, request).await
}

/// Record a feedback.
#[utoipa::path(
    post,
    path = "/api/v1/organizations/{org_uuid}/feedbacks",
    tag = "feedbacks",
    params(("org_uuid" = Uuid, Path, description = "The organization.")),
    request_body(content = CreateFeedback, content_type = "application/json"),
    responses(
        (status = 201, description = "The recorded feedback; its customer's `feedback_count`, `last_interacted_date` and version (`ETag`) moved with it.", body = FeedbackWritten),
        (status = 400, description = "A bad or missing field, or an unknown space, named in `error.parameter`.", body = ErrorBody),
        (status = 401, description = "Missing or invalid token.", body = ErrorBody),
        (status = 404, description = "Organization or customer (`customer_uuid`) not found.", body = ErrorBody),
        (status = 413, description = "The body is larger than the limit.", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[tracing::instrument(level = "debug", skip(state, headers, body))]
pub async fn create_feedback(
    State(state): State<AppState>,
    tenant: Tenant,
    RestPath(org_uuid): RestPath<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<FeedbackWritten>), RestError> {
    let organization = path_uuid("org_uuid", &org_uuid)?;
    let new = json_body::<CreateFeedback>(&headers, &body)?.into_new()?;
    let organization = tenant.own(organization)?;
    let created = resolver::create_feedback(&state.db, &state.live, organization, new).await?;
    let feedbacks = with_spaces(&state, organization, vec![created]).await?;
    Ok((StatusCode::CREATED, Json(FeedbackWritten { feedbacks })))
}

/// Delete feedbacks, all or nothing.
#[utoipa::path(
    delete,
    path = "/api/v1/organizations/{org_uuid}/feedbacks",
    tag = "feedbacks",
    params(("org_uuid" = Uuid, Path, description = "The organization.")),
    request_body(content = DeleteFeedbacks, content_type = "application/json"),
    responses(
        (status = 200, description = "The feedbacks were deleted with their highlights and links, and their customers' counters recomputed.", body = FeedbacksDeleted),
        (status = 400, description = "A bad body (no uuids, more than 100), named in `error.parameter`.", body = ErrorBody),
        (status = 401, description = "Missing or invalid token.", body = ErrorBody),
        (status = 404, description = "Organization not found, or a feedback it does not have (named in the message; `error.parameter` is `feedback_uuids`): nothing was deleted.", body = ErrorBody),
        (status = 413, description = "The body is larger than the limit.", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[tracing::instrument(level = "debug", skip(state, headers, body))]
pub async fn delete_feedbacks(
    State(state): State<AppState>,
    tenant: Tenant,
    RestPath(org_uuid): RestPath<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<FeedbacksDeleted>, RestError> {
    let organization = path_uuid("org_uuid", &org_uuid)?;
    let uuids = json_body::<DeleteFeedbacks>(&headers, &body)?.into_uuids()?;
    let organization = tenant.own(organization)?;
    let deleted = resolver::delete_feedbacks(&state.db, &state.live, organization, &uuids).await?;
    Ok(Json(FeedbacksDeleted {
        deleted_feedback_count: deleted,
    }))
}

/// The feedback the path names, in the organization the token grants.
async fn path_feedback(
    state: &AppState,
    tenant: Tenant,
    (org_uuid, feedback_uuid): (String, String),
) -> Result<feedbacks::Model, RestError> {
    let organization = path_uuid("org_uuid", &org_uuid)?;
    let feedback = path_uuid("feedback_uuid", &feedback_uuid)?;
    let organization = tenant.own(organization)?;
    Ok(resolver::get(&state.db, organization, feedback).await?)
}

/// Highlights a feedback's read answers at most.
const DETAIL_HIGHLIGHTS: PageArgs = PageArgs {
    page_size: crate::resolvers::MAX_PAGE_SIZE,
    page_number: 1,
};

/// Get one feedback with its highlights.
#[utoipa::path(
    get,
    path = "/api/v1/organizations/{org_uuid}/feedbacks/{feedback_uuid}",
    tag = "feedbacks",
    params(
        ("org_uuid" = Uuid, Path, description = "The organization."),
        ("feedback_uuid" = Uuid, Path, description = "The feedback."),
    ),
    responses(
        (status = 200, description = "The feedback, alone in the list, with its first 100 highlights (oldest first) and their total.", body = FeedbackRead),
        (status = 400, description = "A bad UUID, named in `error.parameter`.", body = ErrorBody),
        (status = 401, description = "Missing or invalid token.", body = ErrorBody),
        (status = 404, description = "Organization or feedback not found.", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[tracing::instrument(level = "debug", skip(state))]
pub async fn get_feedback(
    State(state): State<AppState>,
    tenant: Tenant,
    RestPath(path): RestPath<(String, String)>,
) -> Result<Json<FeedbackRead>, RestError> {
    let feedback = path_feedback(&state, tenant, path).await?;
    let (highlights, total) =
        resolver::highlights_with_total(&state.db, &state.metrics, &feedback, DETAIL_HIGHLIGHTS)
            .await?;
    let organization = feedback.organization_uuid;
    let mut answered = with_spaces(&state, organization, vec![feedback]).await?;
    let feedback = answered.pop().expect("BUG: one feedback in, one out");
    Ok(Json(FeedbackRead {
        feedbacks: vec![FeedbackDetail {
            feedback,
            highlights: highlights.into_iter().map(Highlight::from).collect(),
            total_highlight_count: total,
        }],
    }))
}

/// List a feedback's highlights.
#[utoipa::path(
    get,
    path = "/api/v1/organizations/{org_uuid}/feedbacks/{feedback_uuid}/highlights",
    tag = "feedbacks",
    params(
        ("org_uuid" = Uuid, Path, description = "The organization."),
        ("feedback_uuid" = Uuid, Path, description = "The feedback."),
        PageQuery,
    ),
    responses(
        (status = 200, description = "One page of the feedback's highlights, oldest first.", body = HighlightList),
        (status = 400, description = "A bad parameter, named in `error.parameter`.", body = ErrorBody),
        (status = 401, description = "Missing or invalid token.", body = ErrorBody),
        (status = 404, description = "Organization or feedback not found.", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[tracing::instrument(level = "debug", skip(state, raw))]
pub async fn list_feedback_highlights(
    State(state): State<AppState>,
    tenant: Tenant,
    RestPath((org_uuid, feedback_uuid)): RestPath<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Result<Json<HighlightList>, RestError> {
    path_uuid("org_uuid", &org_uuid)?;
    path_uuid("feedback_uuid", &feedback_uuid)?;
    let paging = query::<PageQuery>(raw.as_deref())?.paging()?;
    let feedback = path_feedback(&state, tenant, (org_uuid, feedback_uuid)).await?;
    let relation = Relation::FeedbackHighlights;
    let plan = paging.plan(ListOf {
        name: relation.name(),
        parent: Some(feedback.uuid),
        organization: feedback.organization_uuid,
        order: relation.order_keys(),
    })?;
    let (highlights, total) =
        resolver::highlights_with_total(&state.db, &state.metrics, &feedback, plan.rows()).await?;
    let page = plan.finish(highlights, total);
    Ok(Json(HighlightList {
        highlights: page.rows.into_iter().map(Highlight::from).collect(),
        total_highlight_count: total,
        next_cursor: page.next_cursor,
    }))
}

/// List the organization's spaces.
#[utoipa::path(
    get,
    path = "/api/v1/organizations/{org_uuid}/spaces",
    tag = "spaces",
    params(("org_uuid" = Uuid, Path, description = "The organization."), PageQuery),
    responses(
        (status = 200, description = "One page of spaces, by name.", body = SpaceList),
        (status = 400, description = "A bad parameter, named in `error.parameter`.", body = ErrorBody),
        (status = 401, description = "Missing or invalid token.", body = ErrorBody),
        (status = 404, description = "Organization not found.", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[tracing::instrument(level = "debug", skip(state, raw))]
pub async fn list_spaces(
    State(state): State<AppState>,
    tenant: Tenant,
    RestPath(org_uuid): RestPath<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<SpaceList>, RestError> {
    let organization = path_uuid("org_uuid", &org_uuid)?;
    let paging = query::<PageQuery>(raw.as_deref())?.paging()?;
    let organization = tenant.own(organization)?;
    let plan = paging.plan(ListOf {
        name: SPACES,
        parent: None,
        organization,
        order: table_order::<spaces::Entity>(),
    })?;
    let rows = table::<spaces::Entity>(&state.db, organization, plan.rows());
    let total = table_total::<spaces::Entity>(&state.db, organization);
    let (rows, total) = futures_util::future::try_join(rows, total).await?;
    let page = plan.finish(rows, total);
    Ok(Json(SpaceList {
        spaces: page.rows.into_iter().map(Space::from).collect(),
        total_space_count: total,
        next_cursor: page.next_cursor,
    }))
}

/// Create a space.
#[utoipa::path(
    post,
    path = "/api/v1/organizations/{org_uuid}/spaces",
    tag = "spaces",
    params(("org_uuid" = Uuid, Path, description = "The organization.")),
    request_body(content = CreateSpace, content_type = "application/json"),
    responses(
        (status = 201, description = "The created space.", body = SpaceWritten),
        (status = 400, description = "A bad or missing field, named in `error.parameter`.", body = ErrorBody),
        (status = 401, description = "Missing or invalid token.", body = ErrorBody),
        (status = 404, description = "Organization not found.", body = ErrorBody),
        (status = 413, description = "The body is larger than the limit.", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[tracing::instrument(level = "debug", skip(state, headers, body))]
pub async fn create_space(
    State(state): State<AppState>,
    tenant: Tenant,
    RestPath(org_uuid): RestPath<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<SpaceWritten>), RestError> {
    let organization = path_uuid("org_uuid", &org_uuid)?;
    let (name, description) = json_body::<CreateSpace>(&headers, &body)?.into_parts()?;
    let organization = tenant.own(organization)?;
    let space = resolver::create_space(&state.db, organization, name, description).await?;
    Ok((
        StatusCode::CREATED,
        Json(SpaceWritten {
            spaces: vec![space.into()],
        }),
    ))
}

/// List a space's feedbacks.
#[utoipa::path(
    get,
    path = "/api/v1/organizations/{org_uuid}/spaces/{space_uuid}/feedbacks",
    tag = "spaces",
    params(
        ("org_uuid" = Uuid, Path, description = "The organization."),
        ("space_uuid" = Uuid, Path, description = "The space."),
        FeedbackQuery,
    ),
    responses(
        (status = 200, description = "One page of the space's feedbacks matching the filters (as `GET /feedbacks`; `space_uuids` narrows them to those also in one of those spaces).", body = FeedbackList),
        (status = 400, description = "A bad parameter, named in `error.parameter`.", body = ErrorBody),
        (status = 401, description = "Missing or invalid token.", body = ErrorBody),
        (status = 404, description = "Organization or space not found.", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[tracing::instrument(level = "debug", skip(state, raw))]
pub async fn list_space_feedbacks(
    State(state): State<AppState>,
    tenant: Tenant,
    RestPath((org_uuid, space_uuid)): RestPath<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Result<Json<FeedbackList>, RestError> {
    let organization = path_uuid("org_uuid", &org_uuid)?;
    let space = path_uuid("space_uuid", &space_uuid)?;
    let (mut filter, order, page) = query::<FeedbackQuery>(raw.as_deref())?.read()?;
    let organization = tenant.own(organization)?;
    let space = resolver::get_space(&state.db, organization, space).await?;
    filter.space = Some(space.uuid);
    // The list and order of `Space.feedbacks`, so a cursor of either face
    // is good on the other.
    let relation = Relation::SpaceFeedbacks(order.0, order.1);
    let list = ListOf {
        name: relation.name(),
        parent: Some(space.uuid),
        organization,
        order: relation.order_keys(),
    };
    feedback_page(&state, list, (filter, order, page)).await
}
