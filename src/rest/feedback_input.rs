//! The input of the feedback and space routes in the feedback API's words:
//! the query parameters of a feedback list (read as text, so that a bad
//! value is a 400 naming its parameter) and the JSON bodies, each parsed
//! into the resolvers' checked types under the API's names.

use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::RestError;
use super::input::SortDirection;
use super::paging::Paging;
use super::params::{choice, instant, integer, number, uuid_list, word_list};
use crate::error::AppError;
use crate::resolvers::feedbacks::{
    DataSourceType, FeedbackFilter, FeedbackFilterNames, FeedbackSort, FeedbackType,
    MAX_DELETED_FEEDBACKS, MAX_SPACES_PER_FEEDBACK, NewFeedback, check_feedback_filter,
    distinct_uuids,
};
use crate::validation::{LongText, Name, Priority, ShortText, Text, Timestamp};

/// The feedback types, as a refusal lists them.
const FEEDBACK_TYPES: &str = "FEEDBACK_RESPONSE, NPS_RESPONSE, CSAT_RESPONSE, TEAM_REQUEST, \
     USER_INTERVIEW, SALES_CALL, SUPPORT_EXCHANGE, AI_CHAT";

/// Parameters of `GET /feedbacks` and `GET /spaces/{space_uuid}/feedbacks`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedbackQuery {
    /// Items per page, 1 to 100.
    #[param(value_type = Option<i32>, minimum = 1, maximum = 100, default = 25)]
    pub page_size: Option<String>,
    /// Page number, from 1.
    #[param(value_type = Option<i32>, minimum = 1, maximum = 2147483647, default = 1)]
    pub page_number: Option<String>,
    /// Continue after the page that answered this `next_cursor` (instead of `page_number`).
    pub cursor: Option<String>,
    /// Sort column (default `feedback_date`; ties broken by uuid).
    #[param(value_type = Option<FeedbackSortField>)]
    pub sort_by: Option<String>,
    /// Sort direction (default `desc`).
    #[param(value_type = Option<SortDirection>)]
    pub sort_direction: Option<String>,
    /// Only feedbacks of these customers: comma-separated UUIDs (at most 100).
    pub customer_uuids: Option<String>,
    /// Only feedbacks of customers of these companies: comma-separated UUIDs (at most 100).
    pub company_uuids: Option<String>,
    /// Only feedbacks in at least one of these spaces: comma-separated UUIDs
    /// (at most 100; on a space's route, besides the space of the path).
    pub space_uuids: Option<String>,
    /// Only feedbacks of these types: comma-separated (`NPS_RESPONSE,CSAT_RESPONSE`).
    #[param(value_type = Option<String>, example = "NPS_RESPONSE,CSAT_RESPONSE")]
    pub feedback_types: Option<String>,
    /// Given on or after this instant (inclusive): `2025-03-01`, `2025-03-01T10:00:00` (UTC) or RFC 3339.
    #[param(value_type = Option<String>, example = "2025-03-01")]
    pub from_date: Option<String>,
    /// Given on or before this instant (inclusive; a plain date includes the whole day).
    #[param(value_type = Option<String>, example = "2025-03-31")]
    pub to_date: Option<String>,
    /// Substring of the contents, ignoring case in every alphabet (Unicode case folding; at most 200 characters).
    pub search: Option<String>,
    /// Exactly this priority, 0 to 4.
    #[param(value_type = Option<i32>, minimum = 0, maximum = 4)]
    pub priority: Option<String>,
    /// At least this priority, 0 to 4.
    #[param(value_type = Option<i32>, minimum = 0, maximum = 4)]
    pub min_priority: Option<String>,
    /// Mean sentiment of its highlights at least this (-1 to 1).
    #[param(value_type = Option<f64>, minimum = -1, maximum = 1)]
    pub min_sentiment: Option<String>,
    /// Mean sentiment of its highlights at most this (-1 to 1).
    #[param(value_type = Option<f64>, minimum = -1, maximum = 1)]
    pub max_sentiment: Option<String>,
}

pub use entity::vocabulary::FeedbackSort as FeedbackSortField;

/// The REST names of a feedback filter's parts.
const FILTER_NAMES: FeedbackFilterNames = FeedbackFilterNames {
    customer_uuids: "customer_uuids",
    company_uuids: "company_uuids",
    space_uuids: "space_uuids",
    feedback_types: "feedback_types",
    from: "from_date",
    to: "to_date",
    search: "search",
    priority: "priority",
    min_priority: "min_priority",
    min_sentiment: "min_sentiment",
    max_sentiment: "max_sentiment",
};

/// What a feedback list asks for: which feedbacks, in which order, which page.
pub type FeedbackListRequest = (FeedbackFilter, (FeedbackSort, SortDirection), Paging);

impl FeedbackQuery {
    /// The filter (checked), order and page, each part named as the API
    /// names it when it is refused.
    pub fn read(self) -> Result<FeedbackListRequest, RestError> {
        let page = Paging::read(
            self.page_size.as_deref(),
            self.page_number.as_deref(),
            self.cursor.as_deref(),
        )?;
        let sort_by: Option<FeedbackSort> = choice(
            "sort_by",
            self.sort_by.as_deref(),
            "feedback_date, created_at, priority, source",
        )?;
        let direction: Option<SortDirection> = choice(
            "sort_direction",
            self.sort_direction.as_deref(),
            "asc, desc",
        )?;
        let date = |name: &str, value: Option<String>, end_of_day: bool| {
            value
                .map(|text| instant(name, &text, end_of_day))
                .transpose()
        };
        let filter = FeedbackFilter {
            customer_uuids: uuid_list("customer_uuids", self.customer_uuids.as_deref())?,
            company_uuids: uuid_list("company_uuids", self.company_uuids.as_deref())?,
            space_uuids: uuid_list("space_uuids", self.space_uuids.as_deref())?,
            space: None,
            feedback_types: word_list(
                "feedback_types",
                self.feedback_types.as_deref(),
                FEEDBACK_TYPES,
            )?,
            from: date("from_date", self.from_date, false)?,
            to: date("to_date", self.to_date, true)?,
            search: self.search,
            priority: integer("priority", self.priority.as_deref(), 0..=4)?,
            min_priority: integer("min_priority", self.min_priority.as_deref(), 0..=4)?,
            min_sentiment: number("min_sentiment", self.min_sentiment.as_deref())?,
            max_sentiment: number("max_sentiment", self.max_sentiment.as_deref())?,
        };
        check_feedback_filter(&filter, &FILTER_NAMES)?;
        let order = (sort_by.unwrap_or_default(), direction.unwrap_or_default());
        Ok((filter, order, page))
    }
}

/// The body of `POST /feedbacks`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateFeedback {
    /// What the customer said (1 to 10 000 characters).
    #[schema(min_length = 1, max_length = 10000)]
    pub feedback_contents: String,
    /// The customer who gave it (of the same organization; else 404).
    pub customer_uuid: Uuid,
    /// When it was given: `2025-03-01T10:00:00Z`, `2025-03-01T10:00:00` (UTC)
    /// or `2025-03-01`; now when absent.
    #[schema(example = "2025-03-01T10:00:00")]
    pub feedback_date: Option<String>,
    /// From 0 (none, the default) to 4.
    #[schema(value_type = Option<i32>, minimum = 0, maximum = 4)]
    pub priority: Option<serde_json::Value>,
    /// What kind of feedback it is (`FEEDBACK_RESPONSE` when absent).
    #[schema(value_type = Option<FeedbackType>)]
    pub feedback_type: Option<serde_json::Value>,
    /// The integration it came through.
    #[schema(value_type = Option<DataSourceType>)]
    pub data_source_type: Option<serde_json::Value>,
    /// Its identifier there (at most 200 characters).
    #[schema(max_length = 200)]
    pub data_source_id: Option<String>,
    /// Spaces of the organization to file it into (at most 100; an unknown one is a 400).
    #[schema(max_items = 100)]
    pub space_uuids: Option<Vec<Uuid>>,
    /// Where it came from, as free text (at most 200 characters); see the
    /// answer's `source`.
    #[schema(max_length = 200)]
    pub source: Option<String>,
}

impl CreateFeedback {
    /// The store's checked form of this body; a bad field is a 400 naming it.
    pub fn into_new(self) -> Result<NewFeedback, RestError> {
        let feedback_date = self
            .feedback_date
            .map(|date| instant("feedback_date", &date, false))
            .transpose()?;
        // Read here rather than by serde, so that a refusal states the rule
        // in the API's words.
        let priority = match self.priority {
            None | Some(serde_json::Value::Null) => None,
            Some(value) => {
                let integer = value.as_i64().and_then(|value| i32::try_from(value).ok());
                let refused = || bad_value("priority", "an integer from 0 to 4");
                Some(
                    Priority::parse("priority", integer.ok_or_else(refused)?)
                        .map_err(|_| refused())?,
                )
            }
        };
        let feedback_type = word("feedback_type", self.feedback_type, FEEDBACK_TYPES)?;
        let data_source_type = word("data_source_type", self.data_source_type, DATA_SOURCE_TYPES)?;
        let spaces = self.space_uuids.unwrap_or_default();
        let space_uuids = distinct_uuids("space_uuids", spaces, (0, MAX_SPACES_PER_FEEDBACK))?;
        Ok(NewFeedback {
            customer_uuid: self.customer_uuid,
            feedback_contents: Text::parse("feedback_contents", &self.feedback_contents)?,
            feedback_date: Timestamp::parse_optional("feedback_date", feedback_date)?,
            source: Name::parse_optional("source", self.source.as_deref())?,
            feedback_type,
            priority,
            data_source_type,
            data_source_id: ShortText::parse_optional(
                "data_source_id",
                self.data_source_id.as_deref(),
            )?,
            space_uuids,
        })
    }
}

/// A 400 naming `field`, which must be `what`.
fn bad_value(field: &str, what: &str) -> AppError {
    AppError::bad_parameter(field, format!("{field} must be {what}"))
}

/// A closed-set word of a body (exactly as listed, such as `NPS_RESPONSE`);
/// anything else is a 400 naming `field` and listing the words.
fn word<T: serde::de::DeserializeOwned>(
    field: &str,
    value: Option<serde_json::Value>,
    allowed: &str,
) -> Result<Option<T>, AppError> {
    match value {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(value) => serde_json::from_value(value)
            .map(Some)
            .map_err(|_| bad_value(field, &format!("one of {allowed}"))),
    }
}

/// The data source types, as a refusal lists them.
const DATA_SOURCE_TYPES: &str = "UPLOADED_DOC, UPLOADED_SHEET, SLACK_CHANNEL, DISCORD_CHANNEL, \
     GONG_CONVO, TLDV_TRANSCRIPT, GOOGLE_DOC, SALESFORCE, HUBSPOT, ZENDESK, NOTION, INTERCOM, \
     INTERCOM_INBOX, JIRA, GITHUB_ISSUE, ZAPIER_FORM, NOTION_PAGE, FIREFLIES_TRANSCRIPT, G2_REVIEW, \
     CAPTERRA_REVIEW, APPLE_APPSTORE_REVIEW, GOOGLE_PLAY_REVIEW, GITHUB_REPO, GONG_WORKSPACE, \
     ZENDESK_GROUP";

/// The body of `DELETE /feedbacks`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteFeedbacks {
    /// The feedbacks to delete, 1 to 100 (repeats count once); all are
    /// deleted or, if one is not the organization's, none.
    #[schema(min_items = 1, max_items = 100)]
    pub feedback_uuids: Vec<Uuid>,
}

impl DeleteFeedbacks {
    /// The uuids, checked for their number.
    pub fn into_uuids(self) -> Result<Vec<Uuid>, RestError> {
        let uuids = self.feedback_uuids;
        Ok(distinct_uuids(
            "feedback_uuids",
            uuids,
            (1, MAX_DELETED_FEEDBACKS),
        )?)
    }
}

/// The body of `POST /spaces`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateSpace {
    /// Display name (1 to 200 characters).
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// Longer description (at most 10 000 characters).
    #[schema(max_length = 10000)]
    pub description: Option<String>,
}

impl CreateSpace {
    /// The checked name and description; a bad field is a 400 naming it.
    pub fn into_parts(self) -> Result<(Name, Option<LongText>), RestError> {
        Ok((
            Name::parse("name", &self.name)?,
            LongText::parse_optional("description", self.description.as_deref())?,
        ))
    }
}
