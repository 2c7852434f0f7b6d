//! The input of the customer routes in the REST contract's words: query
//! parameters (read as text, so that a bad value is a 400 naming its
//! parameter rather than a generic refusal) and JSON bodies, each parsed
//! into the resolvers' checked types under the contract's names.

use serde::{Deserialize, Deserializer};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::RestError;
use super::paging::Paging;
use super::params::{choice, integer, number, uuid_list};
use crate::error::AppError;
use crate::resolvers::customers::{CustomerChanges, CustomerFilter, NewCustomer};
use crate::resolvers::customers::{FilterNames, check_filter};
use crate::validation::{Email, Name, ShortText};

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
    /// Continue after the page that answered this `next_cursor` (instead of `page_number`).
    pub cursor: Option<String>,
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
    /// Continue after the page that answered this `next_cursor` (instead of `page_number`).
    pub cursor: Option<String>,
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
    /// Continue after the page that answered this `next_cursor` (instead of `page_number`).
    pub cursor: Option<String>,
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

impl PageQuery {
    /// How these parameters page.
    pub fn paging(&self) -> Result<Paging, RestError> {
        Paging::read(
            self.page_size.as_deref(),
            self.page_number.as_deref(),
            self.cursor.as_deref(),
        )
    }
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

/// What `GET /customers` asks for: which customers, in which order, which page.
pub type CustomerListRequest = (CustomerFilter, (CustomerSortField, SortDirection), Paging);

/// Checks the limits of a customer filter, naming the parameter at fault.
pub fn check_customer_filter(filter: &CustomerFilter) -> Result<(), RestError> {
    Ok(check_filter(filter, &FILTER_NAMES)?)
}

impl CustomerListQuery {
    /// The filter (its limits still to check: [`check_customer_filter`]),
    /// order and page, each part named as the contract names it when it is
    /// refused.
    pub fn read(self) -> Result<CustomerListRequest, RestError> {
        let page = Paging::read(
            self.page_size.as_deref(),
            self.page_number.as_deref(),
            self.cursor.as_deref(),
        )?;
        let sort_by: Option<CustomerSortField> = choice(
            "sort_by",
            self.sort_by.as_deref(),
            "last_interacted_date, full_name, email, created_at, updated_at, feedback_count",
        )?;
        let direction: Option<SortDirection> = choice(
            "sort_direction",
            self.sort_direction.as_deref(),
            "asc, desc",
        )?;
        let filter = CustomerFilter {
            uuids: uuid_list("uuids", self.uuids.as_deref())?,
            company_uuids: uuid_list("company_uuids", self.company_uuids.as_deref())?,
            persona_uuids: uuid_list("personas", self.personas.as_deref())?,
            search: self.search,
            min_feedback_count: integer(
                "min_feedback_count",
                self.min_feedback_count.as_deref(),
                i32::MIN..=i32::MAX,
            )?,
            min_average_sentiment: number(
                "min_average_sentiment",
                self.min_average_sentiment.as_deref(),
            )?,
            max_average_sentiment: number(
                "max_average_sentiment",
                self.max_average_sentiment.as_deref(),
            )?,
        };
        let order = (sort_by.unwrap_or_default(), direction.unwrap_or_default());
        Ok((filter, order, page))
    }
}

impl FeedbackListQuery {
    /// The order and page these parameters ask for.
    pub fn read(self) -> Result<((FeedbackSortField, SortDirection), Paging), RestError> {
        let page = Paging::read(
            self.page_size.as_deref(),
            self.page_number.as_deref(),
            self.cursor.as_deref(),
        )?;
        let sort_by: Option<FeedbackSortField> = choice(
            "sort_by",
            self.sort_by.as_deref(),
            "feedback_date, created_at, priority, source",
        )?;
        let direction: Option<SortDirection> = choice(
            "sort_direction",
            self.sort_direction.as_deref(),
            "asc, desc",
        )?;
        Ok((
            (sort_by.unwrap_or_default(), direction.unwrap_or_default()),
            page,
        ))
    }
}
