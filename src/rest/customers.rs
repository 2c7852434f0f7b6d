//! The customer routes of the REST contract, each a fixed GraphQL operation.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::params::{RestPath, choice, integer, json_body, number, path_uuid, query, uuid_list};
use super::preconditions::{condition, etag};
use super::{RestError, from_store_error, run};
use crate::app::AppState;
use crate::auth::Tenant;
use crate::error::{AppError, ErrorBody};
use crate::graphql::pagination::{MAX_PAGE_NUMBER, MAX_PAGE_SIZE};
use crate::store;
use crate::store::customers::CustomerChanges;
use entity::customers;

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
#[serde(rename_all(serialize = "snake_case", deserialize = "camelCase"))]
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
#[serde(rename_all(serialize = "snake_case", deserialize = "camelCase"))]
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
#[serde(rename_all(serialize = "snake_case", deserialize = "camelCase"))]
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
#[serde(rename_all(serialize = "snake_case", deserialize = "camelCase"))]
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

/// Where an issue stands.
///
/// Read from GraphQL's `OPEN`…, answered in the contract's snake_case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum IssueStatus {
    /// Reported, not yet worked on.
    #[serde(alias = "OPEN")]
    Open,
    /// Being worked on.
    #[serde(alias = "IN_PROGRESS")]
    InProgress,
    /// Fixed.
    #[serde(alias = "RESOLVED")]
    Resolved,
    /// Closed without a fix.
    #[serde(alias = "CLOSED")]
    Closed,
}

/// An issue linked to a customer's highlights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all(serialize = "snake_case", deserialize = "camelCase"))]
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

/// A GraphQL page, as the operations below select it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Page<T> {
    total_count: i64,
    nodes: Vec<T>,
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

/// What customers can be sorted by.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CustomerSortField {
    /// Latest feedback; customers without any come last.
    LastInteractedDate,
    /// Full name.
    FullName,
    /// Email.
    Email,
    /// Creation time.
    CreatedAt,
    /// Last change.
    UpdatedAt,
    /// Number of feedbacks.
    FeedbackCount,
}

/// What feedbacks can be sorted by.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FeedbackSortField {
    /// When it was given.
    FeedbackDate,
    /// When it was recorded.
    CreatedAt,
    /// Where it came from.
    Source,
}

/// Sort direction.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SortDirection {
    /// Smallest first.
    Asc,
    /// Largest first.
    Desc,
}

/// The GraphQL enum value of a REST choice (`full_name` → `FULL_NAME`).
fn graphql_enum<T: Serialize>(value: Option<T>) -> Value {
    match value.map(|value| serde_json::to_value(value)) {
        Some(Ok(Value::String(name))) => Value::String(name.to_ascii_uppercase()),
        _ => Value::Null,
    }
}

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

// ---------------------------------------------------------------- the operations

const CUSTOMER_FIELDS: &str = "fragment CustomerFields on Customer {
  uuid organizationUuid fullName email role personaUuid customerCompanyUuid
  lastInteractedDate createdAt updatedAt feedbackCount version
}";

const LIST_CUSTOMERS: &str = const_format::concatcp!(
    "query ListCustomers($o: UUID!, $f: CustomerFilter, $s: CustomerSortBy, $d: SortDirection, $n: Int, $p: Int) {
  customers(organizationUuid: $o, filter: $f, sortBy: $s, sortDirection: $d, pageSize: $n, pageNumber: $p) {
    totalCount nodes { ...CustomerFields }
  }
}
",
    CUSTOMER_FIELDS
);

const GET_CUSTOMER: &str = const_format::concatcp!(
    "query GetCustomer($o: UUID!, $u: UUID!) { customer(organizationUuid: $o, uuid: $u) { ...CustomerFields } }\n",
    CUSTOMER_FIELDS
);

const CREATE_CUSTOMER: &str = const_format::concatcp!(
    "mutation CreateCustomer($o: UUID!, $i: CreateCustomerInput!) {
  createCustomer(organizationUuid: $o, input: $i) { ...CustomerFields }
}
",
    CUSTOMER_FIELDS
);

const LIST_FEEDBACKS: &str = "query CustomerFeedbacks($o: UUID!, $u: UUID!, $s: FeedbackSortBy, $d: SortDirection, $n: Int, $p: Int) {
  customer(organizationUuid: $o, uuid: $u) {
    feedbacks(sortBy: $s, sortDirection: $d, pageSize: $n, pageNumber: $p) {
      totalCount nodes { uuid organizationUuid customerUuid feedbackContents feedbackDate source }
    }
  }
}";

const LIST_HIGHLIGHTS: &str = "query CustomerHighlights($o: UUID!, $u: UUID!, $n: Int, $p: Int) {
  customer(organizationUuid: $o, uuid: $u) {
    feedbackHighlights(pageSize: $n, pageNumber: $p) {
      totalCount nodes { uuid organizationUuid feedbackUuid quote sentimentScore createdAt }
    }
  }
}";

const LIST_INSIGHTS: &str = "query CustomerInsights($o: UUID!, $u: UUID!, $n: Int, $p: Int) {
  customer(organizationUuid: $o, uuid: $u) {
    insights(pageSize: $n, pageNumber: $p) { totalCount nodes { uuid organizationUuid title description } }
  }
}";

const LIST_ISSUES: &str = "query CustomerIssues($o: UUID!, $u: UUID!, $n: Int, $p: Int) {
  customer(organizationUuid: $o, uuid: $u) {
    issues(pageSize: $n, pageNumber: $p) {
      totalCount nodes { uuid organizationUuid title description status averageSentiment }
    }
  }
}";

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

fn page_variables(
    page_size: Option<&str>,
    page_number: Option<&str>,
) -> Result<(Value, Value), RestError> {
    Ok((
        json!(integer("page_size", page_size, 1..=MAX_PAGE_SIZE)?),
        json!(integer("page_number", page_number, 1..=MAX_PAGE_NUMBER)?),
    ))
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
    let params: CustomerListQuery = query(raw.as_deref())?;
    let (page_size, page_number) =
        page_variables(params.page_size.as_deref(), params.page_number.as_deref())?;
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
    let filter = json!({
        "uuids": uuid_list("uuids", params.uuids.as_deref())?,
        "companyUuids": uuid_list("company_uuids", params.company_uuids.as_deref())?,
        "personaUuids": uuid_list("personas", params.personas.as_deref())?,
        "search": params.search,
        "minFeedbackCount": integer("min_feedback_count", params.min_feedback_count.as_deref(), i32::MIN..=i32::MAX)?,
        "minAverageSentiment": number("min_average_sentiment", params.min_average_sentiment.as_deref())?,
        "maxAverageSentiment": number("max_average_sentiment", params.max_average_sentiment.as_deref())?,
    });
    let variables = json!({
        "o": organization, "f": filter, "s": graphql_enum(sort_by), "d": graphql_enum(direction),
        "n": page_size, "p": page_number,
    });
    let page: Page<Customer> = run(&state, tenant, LIST_CUSTOMERS, variables, "customers").await?;
    Ok(Json(CustomerList {
        customers: page.nodes,
        total_customer_count: page.total_count,
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
    let input = json!({
        "fullName": new.full_name, "email": new.email, "role": new.role,
        "personaUuid": new.persona_uuid, "customerCompanyUuid": new.customer_company_uuid,
    });
    let customer: Customer = run(
        &state,
        tenant,
        CREATE_CUSTOMER,
        json!({"o": organization, "i": input}),
        "createCustomer",
    )
    .await?;
    Ok((StatusCode::CREATED, written(customer)))
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
    ),
    responses(
        (status = 200, description = "The customer, alone in the list.", body = CustomerList,
            headers(("ETag" = String, description = "The customer's strong entity tag: its version in quotes, such as `\"3\"`."))),
        (status = 304, description = "Your copy (named in `If-None-Match`) is current; no body.",
            headers(("ETag" = String, description = "The customer's entity tag."))),
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
    let variables = json!({"o": organization, "u": customer});
    run(state, tenant, GET_CUSTOMER, variables, "customer").await
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
    ),
    request_body(content = UpdateCustomer, content_type = "application/json"),
    responses(
        (status = 200, description = "The updated customer.", body = CustomerWritten,
            headers(("ETag" = String, description = "The customer's new strong entity tag."))),
        (status = 412, description = "`If-Match` names no current entity tag: the customer changed since you read it, and nothing was written.", body = ErrorBody,
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
    let organization = tenant.own(path_uuid("org_uuid", &org_uuid)?)?;
    let customer = path_uuid("customer_uuid", &customer_uuid)?;
    let if_match = condition(&headers, &header::IF_MATCH)?;
    let if_none_match = condition(&headers, &header::IF_NONE_MATCH)?;
    let changes = json_body::<UpdateCustomer>(&headers, &body)?.into_changes()?;
    // Both preconditions are judged on the version the update holds, so the
    // check and the write cannot be told apart by another client.
    let holds =
        |version: i32| if_match.if_match_holds(version) && !if_none_match.none_match_hits(version);
    let precondition = (if_match.is_present() || if_none_match.is_present())
        .then_some(&holds as &(dyn Fn(i32) -> bool + Send + Sync));
    let updated =
        store::customers::update(&state.db, organization, customer, changes, precondition)
            .await
            .map_err(from_store_error)?;
    Ok(written(updated.into()))
}

/// The `customer.<field>` page of a per-customer list operation.
async fn customer_page<T: serde::de::DeserializeOwned>(
    state: &AppState,
    tenant: Tenant,
    operation: &'static str,
    mut variables: Value,
    (org_uuid, customer_uuid): (String, String),
    field: &str,
) -> Result<Page<T>, RestError> {
    variables["o"] = json!(path_uuid("org_uuid", &org_uuid)?);
    variables["u"] = json!(path_uuid("customer_uuid", &customer_uuid)?);
    let mut customer: serde_json::Map<String, Value> =
        run(state, tenant, operation, variables, "customer").await?;
    let page = customer.remove(field).unwrap_or(Value::Null);
    serde_json::from_value(page).map_err(|error| {
        crate::error::AppError::internal(anyhow::anyhow!("unexpected shape of `{field}`: {error}"))
            .into()
    })
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
    let (page_size, page_number) =
        page_variables(params.page_size.as_deref(), params.page_number.as_deref())?;
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
    let variables = json!({"s": graphql_enum(sort_by), "d": graphql_enum(direction), "n": page_size, "p": page_number});
    let page: Page<Feedback> =
        customer_page(&state, tenant, LIST_FEEDBACKS, variables, path, "feedbacks").await?;
    Ok(Json(FeedbackList {
        feedbacks: page.nodes,
        total_feedback_count: page.total_count,
    }))
}

async fn paged<T: serde::de::DeserializeOwned>(
    state: &AppState,
    tenant: Tenant,
    operation: &'static str,
    path: (String, String),
    raw: Option<String>,
    field: &str,
) -> Result<Page<T>, RestError> {
    let params: PageQuery = query(raw.as_deref())?;
    let (page_size, page_number) =
        page_variables(params.page_size.as_deref(), params.page_number.as_deref())?;
    customer_page(
        state,
        tenant,
        operation,
        json!({"n": page_size, "p": page_number}),
        path,
        field,
    )
    .await
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
    let page: Page<Highlight> = paged(
        &state,
        tenant,
        LIST_HIGHLIGHTS,
        path,
        raw,
        "feedbackHighlights",
    )
    .await?;
    Ok(Json(HighlightList {
        highlights: page.nodes,
        total_highlight_count: page.total_count,
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
    let page: Page<Insight> = paged(&state, tenant, LIST_INSIGHTS, path, raw, "insights").await?;
    Ok(Json(InsightList {
        insights: page.nodes,
        total_insight_count: page.total_count,
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
    let page: Page<Issue> = paged(&state, tenant, LIST_ISSUES, path, raw, "issues").await?;
    Ok(Json(IssueList {
        issues: page.nodes,
        total_issue_count: page.total_count,
    }))
}
