//! The customer routes of the REST contract: each parses its input in the
//! contract's words, calls the resolvers (see [`crate::resolvers`]) and answers
//! in its snake_case envelope.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::params::{RestPath, choice, integer, json_body, number, path_uuid, query, uuid_list};
use super::preconditions::{condition, etag};
use super::{RestError, from_store_error};
use crate::error::{AppError, ErrorBody};
use crate::loaders::{GraphLoader, LoadError, PageKey};
use crate::resolvers::customers::{FilterNames, check_filter};
use crate::resolvers::{self, MAX_PAGE_NUMBER, MAX_PAGE_SIZE, PageArgs};
use crate::state::AppState;
use crate::store;
use crate::store::customers::{
    CustomerChanges, CustomerFilter as StoreCustomerFilter, NewCustomer,
};
use crate::store::relations::Relation;
use crate::tenant::Tenant;
use async_graphql::dataloader::Loader;
use entity::{customers, feedback_highlights, feedbacks, insights, issues};
use sea_orm::FromQueryResult;

/// The customer routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/organizations/{org_uuid}/customers",
            get(list_customers).post(create_customer),
        )
        .route(
            "/api/v1/organizations/{org_uuid}/customers/{customer_uuid}",
            get(get_customer).put(update_customer),
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

// ---------------------------------------------------------------- the answers

/// A customer, as every customer route answers it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Customer {
    /// Identifier.
    pub uuid: Uuid,
    /// The organization it belongs to.
    pub organization_uuid: Uuid,
    /// Full name.
    pub full_name: String,
    /// Email address, unique within the organization.
    pub email: String,
    /// Job role.
    pub role: Option<String>,
    /// Persona, if any.
    pub persona_uuid: Option<Uuid>,
    /// Company, if any.
    pub customer_company_uuid: Option<Uuid>,
    /// Latest feedback date (ISO 8601); null without feedback.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_interacted_date: Option<String>,
    /// Creation time (ISO 8601).
    #[schema(value_type = String, format = DateTime)]
    pub created_at: String,
    /// Last change (ISO 8601).
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: String,
    /// Number of feedbacks.
    pub feedback_count: i64,
    /// The optimistic-concurrency version, served as the `ETag` header
    /// rather than in the body (the contract's customer has no such field).
    #[serde(skip_serializing)]
    #[schema(ignore)]
    pub version: i32,
}

/// A feedback of a customer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Feedback {
    /// Identifier.
    pub uuid: Uuid,
    /// The organization it belongs to.
    pub organization_uuid: Uuid,
    /// The customer who gave it.
    pub customer_uuid: Uuid,
    /// What the customer said.
    pub feedback_contents: String,
    /// When it was given (ISO 8601).
    #[schema(value_type = String, format = DateTime)]
    pub feedback_date: String,
    /// Where it came from (`email`, `call`, `survey`, …).
    pub source: String,
}

/// A highlight cut from a customer's feedback.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Highlight {
    /// Identifier.
    pub uuid: Uuid,
    /// The organization it belongs to.
    pub organization_uuid: Uuid,
    /// The feedback it was cut from.
    pub feedback_uuid: Uuid,
    /// The quoted words.
    pub quote: String,
    /// Sentiment from -1 to 1.
    #[schema(minimum = -1, maximum = 1)]
    pub sentiment_score: f64,
    /// When it was cut (ISO 8601).
    #[schema(value_type = String, format = DateTime)]
    pub created_at: String,
}

/// An insight linked to a customer's highlights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Insight {
    /// Identifier.
    pub uuid: Uuid,
    /// The organization it belongs to.
    pub organization_uuid: Uuid,
    /// Short title.
    pub title: String,
    /// Longer description.
    pub description: Option<String>,
}

pub use entity::vocabulary::IssueStatus;

/// An issue linked to a customer's highlights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Issue {
    /// Identifier.
    pub uuid: Uuid,
    /// The organization it belongs to.
    pub organization_uuid: Uuid,
    /// Short title.
    pub title: String,
    /// Longer description.
    pub description: Option<String>,
    /// Where it stands.
    pub status: IssueStatus,
    /// Mean sentiment of its linked highlights; null without any.
    pub average_sentiment: Option<f64>,
}

/// `GET /customers`: one page of customers and how many match in all.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CustomerList {
    /// The customers of this page.
    pub customers: Vec<Customer>,
    /// Customers matching the filters, across all pages.
    pub total_customer_count: i64,
}

/// `POST` and `PUT`: the customer written.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CustomerWritten {
    /// The created or updated customer, alone.
    pub customers: Vec<Customer>,
}

/// `GET …/feedbacks`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct FeedbackList {
    /// The feedbacks of this page.
    pub feedbacks: Vec<Feedback>,
    /// The customer's feedbacks across all pages.
    pub total_feedback_count: i64,
}

/// `GET …/feedback_highlights`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct HighlightList {
    /// The highlights of this page.
    pub highlights: Vec<Highlight>,
    /// The customer's highlights across all pages.
    pub total_highlight_count: i64,
}

/// `GET …/insights`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct InsightList {
    /// The insights of this page.
    pub insights: Vec<Insight>,
    /// The customer's distinct insights across all pages.
    pub total_insight_count: i64,
}

/// `GET …/issues`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct IssueList {
    /// The issues of this page.
    pub issues: Vec<Issue>,
    /// The customer's distinct issues across all pages.
    pub total_issue_count: i64,
}

// ---------------------------------------------------------------- the input

pub use crate::store::customers::CustomerSort as CustomerSortField;
pub use crate::store::relations::{Direction as SortDirection, FeedbackSort as FeedbackSortField};

/// Paging parameters of every list route.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Items per page, 1 to 100.
    #[param(value_type = Option<i32>, minimum = 1, maximum = 100, default = 25)]
    pub page_size: Option<String>,
    /// Page number, from 1.
    #[param(value_type = Option<i32>, minimum = 1, maximum = 2147483647, default = 1)]
    pub page_number: Option<String>,
}

/// Parameters of `GET /customers`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CustomerListQuery {
    /// Items per page, 1 to 100.
    #[param(value_type = Option<i32>, minimum = 1, maximum = 100, default = 25)]
    pub page_size: Option<String>,
    /// Page number, from 1.
    #[param(value_type = Option<i32>, minimum = 1, maximum = 2147483647, default = 1)]
    pub page_number: Option<String>,
    /// Sort column (default `last_interacted_date`; ties broken by uuid).
    #[param(value_type = Option<CustomerSortField>)]
    pub sort_by: Option<String>,
    /// Sort direction (default `desc`).
    #[param(value_type = Option<SortDirection>)]
    pub sort_direction: Option<String>,
    /// Only these customers: comma-separated UUIDs (at most 100).
    pub uuids: Option<String>,
    /// Only customers of these companies: comma-separated UUIDs.
    pub company_uuids: Option<String>,
    /// Only customers of these personas: comma-separated UUIDs.
    pub personas: Option<String>,
    /// Substring of the full name or email, ignoring case in every alphabet (Unicode case folding; at most 200 characters).
    pub search: Option<String>,
    /// At least this many feedbacks.
    #[param(value_type = Option<i32>)]
    pub min_feedback_count: Option<String>,
    /// Mean highlight sentiment at least this.
    #[param(value_type = Option<f64>, minimum = -1, maximum = 1)]
    pub min_average_sentiment: Option<String>,
    /// Mean highlight sentiment at most this.
    #[param(value_type = Option<f64>, minimum = -1, maximum = 1)]
    pub max_average_sentiment: Option<String>,
}

/// Parameters of `GET …/feedbacks`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedbackListQuery {
    /// Items per page, 1 to 100.
    #[param(value_type = Option<i32>, minimum = 1, maximum = 100, default = 25)]
    pub page_size: Option<String>,
    /// Page number, from 1.
    #[param(value_type = Option<i32>, minimum = 1, maximum = 2147483647, default = 1)]
    pub page_number: Option<String>,
    /// Sort column (default `feedback_date`).
    #[param(value_type = Option<FeedbackSortField>)]
    pub sort_by: Option<String>,
    /// Sort direction (default `desc`).
    #[param(value_type = Option<SortDirection>)]
    pub sort_direction: Option<String>,
}

/// The body of `POST /customers`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCustomer {
    /// Full name (1 to 200 characters).
    #[schema(min_length = 1, max_length = 200)]
    pub full_name: String,
    /// Email address, unique within the organization.
    #[schema(format = Email, max_length = 254)]
    pub email: String,
    /// Job role (at most 200 characters).
    #[schema(max_length = 200)]
    pub role: Option<String>,
    /// A persona of the same organization.
    pub persona_uuid: Option<Uuid>,
    /// A company of the same organization.
    pub customer_company_uuid: Option<Uuid>,
}

/// Reads a present field, keeping an explicit `null` apart from absence.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(deserializer).map(Some)
}

/// The body of `PUT /customers/{uuid}`: absent fields are kept, `null`
/// clears an optional one.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCustomer {
    /// New full name (1 to 200 characters; cannot be null).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = String, min_length = 1, max_length = 200)]
    pub full_name: Option<Option<String>>,
    /// New email (cannot be null).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = String, format = Email, max_length = 254)]
    pub email: Option<Option<String>>,
    /// New role, or null to clear it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, nullable, max_length = 200)]
    pub role: Option<Option<String>>,
    /// New persona, or null to clear it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Uuid>, nullable)]
    pub persona_uuid: Option<Option<Uuid>>,
    /// New company, or null to clear it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Uuid>, nullable)]
    pub customer_company_uuid: Option<Option<Uuid>>,
}

impl UpdateCustomer {
    /// The store's form of these changes; `null` for a required field is a
    /// 400 naming it.
    fn into_changes(self) -> Result<CustomerChanges, RestError> {
        fn required(
            field: &str,
            value: Option<Option<String>>,
        ) -> Result<Option<String>, RestError> {
            match value {
                Some(None) => {
                    Err(AppError::bad_parameter(field, format!("{field} cannot be null")).into())
                }
                other => Ok(other.flatten()),
            }
        }
        Ok(CustomerChanges {
            full_name: required("full_name", self.full_name)?,
            email: required("email", self.email)?,
            role: self.role,
            persona_uuid: self.persona_uuid,
            customer_company_uuid: self.customer_company_uuid,
        })
    }
}

impl From<customers::Model> for Customer {
    /// The customer as the routes answer it, dates as GraphQL writes them
    /// (RFC 3339), so both faces answer the same text.
    fn from(model: customers::Model) -> Customer {
        Customer {
            uuid: model.uuid,
            organization_uuid: model.organization_uuid,
            full_name: model.full_name,
            email: model.email,
            role: model.role,
            persona_uuid: model.persona_uuid,
            customer_company_uuid: model.customer_company_uuid,
            last_interacted_date: model.last_interacted_date.map(|date| date.to_rfc3339()),
            created_at: model.created_at.to_rfc3339(),
            updated_at: model.updated_at.to_rfc3339(),
            feedback_count: model.feedback_count,
            version: model.version,
        }
    }
}

impl From<feedbacks::Model> for Feedback {
    fn from(model: feedbacks::Model) -> Feedback {
        Feedback {
            uuid: model.uuid,
            organization_uuid: model.organization_uuid,
            customer_uuid: model.customer_uuid,
            feedback_contents: model.feedback_contents,
            feedback_date: model.feedback_date.to_rfc3339(),
            source: model.source,
        }
    }
}

impl From<feedback_highlights::Model> for Highlight {
    fn from(model: feedback_highlights::Model) -> Highlight {
        Highlight {
            uuid: model.uuid,
            organization_uuid: model.organization_uuid,
            feedback_uuid: model.feedback_uuid,
            quote: model.quote,
            sentiment_score: model.sentiment_score,
            created_at: model.created_at.to_rfc3339(),
        }
    }
}

impl From<insights::Model> for Insight {
    fn from(model: insights::Model) -> Insight {
        Insight {
            uuid: model.uuid,
            organization_uuid: model.organization_uuid,
            title: model.title,
            description: model.description,
        }
    }
}

impl Issue {
    /// The issue as the routes answer it, with its mean highlight sentiment.
    fn new(model: issues::Model, average_sentiment: Option<f64>) -> Issue {
        Issue {
            uuid: model.uuid,
            organization_uuid: model.organization_uuid,
            title: model.title,
            description: model.description,
            status: model.status,
            average_sentiment,
        }
    }
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

/// The page `page_size` and `page_number` ask for.
fn page_args(page_size: Option<&str>, page_number: Option<&str>) -> Result<PageArgs, RestError> {
    let page_size = integer("page_size", page_size, 1..=MAX_PAGE_SIZE)?;
    let page_number = integer("page_number", page_number, 1..=MAX_PAGE_NUMBER)?;
    Ok(PageArgs::checked(
        page_size,
        page_number,
        ("page_size", "page_number"),
    )?)
}

/// The REST names of a customer filter's parts.
const FILTER_NAMES: FilterNames = FilterNames {
    uuids: "uuids",
    company_uuids: "company_uuids",
    persona_uuids: "personas",
    search: "search",
    min_average_sentiment: "min_average_sentiment",
    max_average_sentiment: "max_average_sentiment",
};

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
    let params: CustomerListQuery = query(raw.as_deref())?;
    let page = page_args(params.page_size.as_deref(), params.page_number.as_deref())?;
    let sort_by: Option<CustomerSortField> = choice(
        "sort_by",
        params.sort_by.as_deref(),
        "last_interacted_date, full_name, email, created_at, updated_at, feedback_count",
    )?;
    let direction: Option<SortDirection> = choice(
        "sort_direction",
        params.sort_direction.as_deref(),
        "asc, desc",
    )?;
    let filter = StoreCustomerFilter {
        uuids: uuid_list("uuids", params.uuids.as_deref())?,
        company_uuids: uuid_list("company_uuids", params.company_uuids.as_deref())?,
        persona_uuids: uuid_list("personas", params.personas.as_deref())?,
        search: params.search,
        min_feedback_count: integer(
            "min_feedback_count",
            params.min_feedback_count.as_deref(),
            i32::MIN..=i32::MAX,
        )?
        .map(i64::from),
        min_average_sentiment: number(
            "min_average_sentiment",
            params.min_average_sentiment.as_deref(),
        )?,
        max_average_sentiment: number(
            "max_average_sentiment",
            params.max_average_sentiment.as_deref(),
        )?,
    };
    let organization = tenant.own(organization)?;
    check_filter(&filter, &FILTER_NAMES)?;
    let order = (sort_by.unwrap_or_default(), direction.unwrap_or_default());
    let (rows, total) =
        resolvers::customers::list_with_total(&state.db, organization, &filter, order, page)
            .await?;
    Ok(Json(CustomerList {
        customers: rows.into_iter().map(Customer::from).collect(),
        total_customer_count: total,
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
    let new: CreateCustomer = json_body(&headers, &body)?;
    let organization = tenant.own(organization)?;
    let new = NewCustomer {
        full_name: new.full_name,
        email: new.email,
        role: new.role,
        persona_uuid: new.persona_uuid,
        customer_company_uuid: new.customer_company_uuid,
    };
    let created = store::customers::create(&state.db, organization, new)
        .await
        .map_err(from_store_error)?;
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
    let precondition = (if_match.is_present() || if_none_match.is_present())
        .then_some(&holds as &(dyn Fn(i32) -> bool + Send + Sync));
    let updated =
        store::customers::update(&state.db, organization, customer, changes, precondition)
            .await
            .map_err(|error| {
                // Name the header whose condition failed.
                let blame = match error.current_version() {
                    Some(version) if if_match.if_match_holds(version) => Some("If-None-Match"),
                    _ => None,
                };
                let mut rest = from_store_error(error);
                if let Some(header) = blame {
                    rest.blame(header);
                }
                rest
            })?;
    Ok(written(updated.into()))
}

/// One page of a customer's children in `relation` and their total.
async fn customer_page<M>(
    state: &AppState,
    tenant: Tenant,
    (org_uuid, customer_uuid): (String, String),
    relation: Relation,
    page: PageArgs,
) -> Result<(Vec<M>, i64), RestError>
where
    M: FromQueryResult + Clone + Send + Sync + 'static,
    GraphLoader: Loader<PageKey<M>, Value = Vec<M>, Error = LoadError>,
{
    let organization = path_uuid("org_uuid", &org_uuid)?;
    let customer = path_uuid("customer_uuid", &customer_uuid)?;
    let organization = tenant.own(organization)?;
    let customer = resolvers::customers::get(&state.db, organization, customer).await?;
    Ok(
        resolvers::customers::children(&state.db, &state.metrics, &customer, relation, page)
            .await?,
    )
}

/// List a customer's feedbacks.
#[utoipa::path(
    get,
    path = "/api/v1/organizations/{org_uuid}/customers/{customer_uuid}/feedbacks",
    tag = "customers",
    params(
        ("org_uuid" = Uuid, Path, description = "The organization."),
        ("customer_uuid" = Uuid, Path, description = "The customer."),
        FeedbackListQuery,
    ),
    responses(
        (status = 200, description = "One page of the customer's feedbacks.", body = FeedbackList),
        (status = 400, description = "A bad parameter, named in `error.parameter`.", body = ErrorBody),
        (status = 401, description = "Missing or invalid token.", body = ErrorBody),
        (status = 404, description = "Organization or customer not found.", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[tracing::instrument(level = "debug", skip(state, raw))]
pub async fn list_feedbacks(
    State(state): State<AppState>,
    tenant: Tenant,
    RestPath(path): RestPath<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Result<Json<FeedbackList>, RestError> {
    let params: FeedbackListQuery = query(raw.as_deref())?;
    let page = page_args(params.page_size.as_deref(), params.page_number.as_deref())?;
    let sort_by: Option<FeedbackSortField> = choice(
        "sort_by",
        params.sort_by.as_deref(),
        "feedback_date, created_at, source",
    )?;
    let direction: Option<SortDirection> = choice(
        "sort_direction",
        params.sort_direction.as_deref(),
        "asc, desc",
    )?;
    let relation =
        Relation::CustomerFeedbacks(sort_by.unwrap_or_default(), direction.unwrap_or_default());
    let (rows, total) =
        customer_page::<feedbacks::Model>(&state, tenant, path, relation, page).await?;
    Ok(Json(FeedbackList {
        feedbacks: rows.into_iter().map(Feedback::from).collect(),
        total_feedback_count: total,
    }))
}

/// A page of a customer's children read with the paging parameters alone.
async fn paged<M>(
    state: &AppState,
    tenant: Tenant,
    path: (String, String),
    raw: Option<String>,
    relation: Relation,
) -> Result<(Vec<M>, i64), RestError>
where
    M: FromQueryResult + Clone + Send + Sync + 'static,
    GraphLoader: Loader<PageKey<M>, Value = Vec<M>, Error = LoadError>,
{
    let params: PageQuery = query(raw.as_deref())?;
    let page = page_args(params.page_size.as_deref(), params.page_number.as_deref())?;
    customer_page(state, tenant, path, relation, page).await
}

/// List the highlights of a customer's feedbacks.
#[utoipa::path(
    get,
    path = "/api/v1/organizations/{org_uuid}/customers/{customer_uuid}/feedback_highlights",
    tag = "customers",
    params(
        ("org_uuid" = Uuid, Path, description = "The organization."),
        ("customer_uuid" = Uuid, Path, description = "The customer."),
        PageQuery,
    ),
    responses(
        (status = 200, description = "One page of highlights, newest feedback first.", body = HighlightList),
        (status = 400, description = "A bad parameter, named in `error.parameter`.", body = ErrorBody),
        (status = 401, description = "Missing or invalid token.", body = ErrorBody),
        (status = 404, description = "Organization or customer not found.", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[tracing::instrument(level = "debug", skip(state, raw))]
pub async fn list_highlights(
    State(state): State<AppState>,
    tenant: Tenant,
    RestPath(path): RestPath<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Result<Json<HighlightList>, RestError> {
    let (rows, total) = paged::<feedback_highlights::Model>(
        &state,
        tenant,
        path,
        raw,
        Relation::CustomerHighlights,
    )
    .await?;
    Ok(Json(HighlightList {
        highlights: rows.into_iter().map(Highlight::from).collect(),
        total_highlight_count: total,
    }))
}

/// List the insights linked to a customer's highlights.
#[utoipa::path(
    get,
    path = "/api/v1/organizations/{org_uuid}/customers/{customer_uuid}/insights",
    tag = "customers",
    params(
        ("org_uuid" = Uuid, Path, description = "The organization."),
        ("customer_uuid" = Uuid, Path, description = "The customer."),
        PageQuery,
    ),
    responses(
        (status = 200, description = "One page of distinct insights, by title.", body = InsightList),
        (status = 400, description = "A bad parameter, named in `error.parameter`.", body = ErrorBody),
        (status = 401, description = "Missing or invalid token.", body = ErrorBody),
        (status = 404, description = "Organization or customer not found.", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[tracing::instrument(level = "debug", skip(state, raw))]
pub async fn list_insights(
    State(state): State<AppState>,
    tenant: Tenant,
    RestPath(path): RestPath<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Result<Json<InsightList>, RestError> {
    let (rows, total) =
        paged::<insights::Model>(&state, tenant, path, raw, Relation::CustomerInsights).await?;
    Ok(Json(InsightList {
        insights: rows.into_iter().map(Insight::from).collect(),
        total_insight_count: total,
    }))
}

/// List the issues linked to a customer's highlights.
#[utoipa::path(
    get,
    path = "/api/v1/organizations/{org_uuid}/customers/{customer_uuid}/issues",
    tag = "customers",
    params(
        ("org_uuid" = Uuid, Path, description = "The organization."),
        ("customer_uuid" = Uuid, Path, description = "The customer."),
        PageQuery,
    ),
    responses(
        (status = 200, description = "One page of distinct issues, by title.", body = IssueList),
        (status = 400, description = "A bad parameter, named in `error.parameter`.", body = ErrorBody),
        (status = 401, description = "Missing or invalid token.", body = ErrorBody),
        (status = 404, description = "Organization or customer not found.", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[tracing::instrument(level = "debug", skip(state, raw))]
pub async fn list_issues(
    State(state): State<AppState>,
    tenant: Tenant,
    RestPath(path): RestPath<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Result<Json<IssueList>, RestError> {
    let (rows, total) =
        paged::<issues::Model>(&state, tenant, path, raw, Relation::CustomerIssues).await?;
    let organization = tenant.organization_uuid;
    let uuids: Vec<Uuid> = rows.iter().map(|issue| issue.uuid).collect();
    let mut averages =
        resolvers::customers::issue_averages(&state.db, organization, &uuids).await?;
    let issues = rows
        .into_iter()
        .map(|issue| {
            let average = averages.remove(&issue.uuid).flatten();
            Issue::new(issue, average)
        })
        .collect();
    Ok(Json(IssueList {
        issues,
        total_issue_count: total,
    }))
}
