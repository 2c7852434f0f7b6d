//! The answers of the customer and feedback routes, in the REST contract's snake_case
//! envelopes, and how each is made from a model row. Dates are RFC 3339
//! text, as GraphQL writes them, so both faces answer the same.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use entity::{customers, feedback_highlights, feedbacks, insights, issues, spaces};

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

/// A feedback, as every route that answers feedback answers it.
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
    /// From 0 (none) to 4 (the highest).
    #[schema(minimum = 0, maximum = 4)]
    pub priority: i32,
    /// What kind of feedback it is.
    pub feedback_type: FeedbackType,
    /// The integration it was imported through; null if none.
    pub data_source_type: Option<DataSourceType>,
    /// Its identifier in that integration; null if none.
    pub data_source_id: Option<String>,
    /// The spaces it sits in, by space name.
    pub space_uuids: Vec<Uuid>,
    /// When it was recorded (ISO 8601).
    #[schema(value_type = String, format = DateTime)]
    pub created_at: String,
    /// Where it came from, as free text (`email`, `call`, `api`, …): kept
    /// beside `data_source_type`, which names the integration in a closed
    /// list. A feedback recorded with a `data_source_type` and no `source`
    /// has the data source's word in lower case; with neither, `api`.
    pub source: String,
}

/// A feedback with its first highlights (`GET /feedbacks/{feedback_uuid}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FeedbackDetail {
    /// The feedback's members, as in every feedback answer.
    #[serde(flatten)]
    pub feedback: Feedback,
    /// Its first 100 highlights, oldest first (as `Feedback.highlights` in
    /// the graph); `GET …/highlights` pages through all of them.
    pub highlights: Vec<Highlight>,
    /// How many highlights it has in all.
    pub total_highlight_count: i64,
}

/// A space feedback is filed into.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Space {
    /// Identifier.
    pub uuid: Uuid,
    /// The organization it belongs to.
    pub organization_uuid: Uuid,
    /// Display name.
    pub name: String,
    /// Longer description.
    pub description: Option<String>,
    /// When it was created (ISO 8601).
    #[schema(value_type = String, format = DateTime)]
    pub created_at: String,
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

pub use entity::vocabulary::{DataSourceType, FeedbackType, IssueStatus};

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

/// Declares the answer of a list route: one page of `$item`s under
/// `$items`, how many there are across all pages under `$total`, and the
/// `next_cursor` that continues after the page.
macro_rules! list_answer {
    ($(#[$doc:meta])* $list:ident { $items:ident: $item:ident, $total:ident: $counted:literal }) => {
        $(#[$doc])*
        #[derive(Debug, Serialize, Deserialize, ToSchema)]
        pub struct $list {
            #[doc = concat!("The ", stringify!($items), " of this page.")]
            pub $items: Vec<$item>,
            #[doc = $counted]
            pub $total: i64,
            /// Send it back as `cursor` for the page after this one; null on
            /// the last page.
            pub next_cursor: Option<String>,
        }
    };
}

list_answer!(
    /// `GET /customers`: one page of customers and how many match in all.
    CustomerList { customers: Customer, total_customer_count: "Customers matching the filters, across all pages." }
);
list_answer!(
    /// `GET /feedbacks`, `GET /spaces/{space_uuid}/feedbacks` and
    /// `GET /customers/{customer_uuid}/feedbacks`.
    FeedbackList { feedbacks: Feedback, total_feedback_count: "The feedbacks matching the filters, across all pages." }
);
list_answer!(
    /// `GET /spaces`.
    SpaceList { spaces: Space, total_space_count: "The organization's spaces." }
);
list_answer!(
    /// `GET …/feedback_highlights`.
    HighlightList { highlights: Highlight, total_highlight_count: "The customer's highlights across all pages." }
);
list_answer!(
    /// `GET …/insights`.
    InsightList { insights: Insight, total_insight_count: "The customer's distinct insights across all pages." }
);
list_answer!(
    /// `GET …/issues`.
    IssueList { issues: Issue, total_issue_count: "The customer's distinct issues across all pages." }
);

/// `POST /feedbacks`: the feedback recorded, alone.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct FeedbackWritten {
    /// The recorded feedback.
    pub feedbacks: Vec<Feedback>,
}

/// `GET /feedbacks/{feedback_uuid}`: the feedback, alone, with its highlights.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct FeedbackRead {
    /// The feedback.
    pub feedbacks: Vec<FeedbackDetail>,
}

/// `POST /spaces`: the space created, alone.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SpaceWritten {
    /// The created space.
    pub spaces: Vec<Space>,
}

/// `DELETE /feedbacks`: how many feedbacks were deleted.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct FeedbacksDeleted {
    /// Feedbacks deleted (each named uuid once).
    pub deleted_feedback_count: u64,
}

/// `POST` and `PUT`: the customer written.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CustomerWritten {
    /// The created or updated customer, alone.
    pub customers: Vec<Customer>,
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
    /// The feedback as the routes answer it; the spaces it sits in are read
    /// for a whole page afterwards (see `rest::feedbacks::with_spaces`).
    fn from(model: feedbacks::Model) -> Feedback {
        Feedback {
            uuid: model.uuid,
            organization_uuid: model.organization_uuid,
            customer_uuid: model.customer_uuid,
            feedback_contents: model.feedback_contents,
            feedback_date: model.feedback_date.to_rfc3339(),
            priority: model.priority,
            feedback_type: model.feedback_type,
            data_source_type: model.data_source_type,
            data_source_id: model.data_source_id,
            space_uuids: Vec::new(),
            created_at: model.created_at.to_rfc3339(),
            source: model.source,
        }
    }
}

impl From<spaces::Model> for Space {
    fn from(model: spaces::Model) -> Space {
        Space {
            uuid: model.uuid,
            organization_uuid: model.organization_uuid,
            name: model.name,
            description: model.description,
            created_at: model.created_at.to_rfc3339(),
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

/// The row an answer item is made from.
pub trait RowOf: From<Self::Row> {
    /// The row.
    type Row: sea_orm::FromQueryResult + Clone + Send + Sync + 'static;
}
impl RowOf for Highlight {
    type Row = feedback_highlights::Model;
}
impl RowOf for Insight {
    type Row = insights::Model;
}
impl RowOf for Issue {
    type Row = issues::Model;
}
