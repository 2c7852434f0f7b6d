//! The snake_case answers and bodies of the customer routes, as the REST
//! contract spells them, and their conversions: models into answers, bodies
//! into the store's checked inputs (each field parsed and named in the
//! contract's words).

use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::RestError;
use crate::error::AppError;
use crate::store::customers::{CustomerChanges, NewCustomer};
use crate::validation::{Email, Name, ShortText};
use entity::{customers, feedback_highlights, feedbacks, insights, issues};

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

pub use entity::vocabulary::{
    CustomerSort as CustomerSortField, Direction as SortDirection,
    FeedbackSort as FeedbackSortField,
};

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

impl CreateCustomer {
    /// The store's checked form of this body; a bad field is a 400 naming it.
    pub fn into_new(self) -> Result<NewCustomer, RestError> {
        Ok(NewCustomer {
            full_name: Name::parse("full_name", &self.full_name)?,
            email: Email::parse("email", &self.email)?,
            role: ShortText::parse_optional("role", self.role.as_deref())?,
            persona_uuid: self.persona_uuid,
            customer_company_uuid: self.customer_company_uuid,
        })
    }
}

/// A field that may be absent but not `null`: a 400 naming it.
fn not_null<T>(field: &str, value: Option<Option<T>>) -> Result<Option<T>, AppError> {
    match value {
        Some(None) => Err(AppError::bad_parameter(
            field,
            format!("{field} cannot be null"),
        )),
        other => Ok(other.flatten()),
    }
}

impl UpdateCustomer {
    /// The store's checked form of these changes; `null` for a required
    /// field, or a bad value, is a 400 naming it.
    pub fn into_changes(self) -> Result<CustomerChanges, RestError> {
        let full_name = not_null("full_name", self.full_name)?;
        let email = not_null("email", self.email)?;
        Ok(CustomerChanges {
            full_name: full_name
                .map(|name| Name::parse("full_name", &name))
                .transpose()?,
            email: email
                .map(|email| Email::parse("email", &email))
                .transpose()?,
            role: self
                .role
                .map(|role| ShortText::parse_optional("role", role.as_deref()))
                .transpose()?,
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

impl From<issues::Model> for Issue {
    /// The issue as the routes answer it; its mean highlight sentiment is
    /// read for a whole page afterwards.
    fn from(model: issues::Model) -> Issue {
        Issue {
            uuid: model.uuid,
            organization_uuid: model.organization_uuid,
            title: model.title,
            description: model.description,
            status: model.status,
            average_sentiment: None,
        }
    }
}
