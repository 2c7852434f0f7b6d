//! The filters of the graph's lists, as GraphQL input objects, and the
//! names GraphQL gives their parts when it refuses one.

use async_graphql::InputObject;
use uuid::Uuid;

use super::scalars::Instant;
use crate::error::AppError;
use crate::resolvers::customers::FilterNames;
use crate::resolvers::feedbacks::{
    FeedbackFilter as StoreFeedbackFilter, FeedbackFilterNames, FeedbackType, check_feedback_filter,
};

pub use entity::vocabulary::CustomerSort as CustomerSortBy;

pub use crate::resolvers::customers::CustomerFilter;

/// The GraphQL names of a customer filter's parts.
pub(crate) const FILTER_NAMES: FilterNames = FilterNames {
    uuids: "uuids",
    company_uuids: "companyUuids",
    persona_uuids: "personaUuids",
    search: "search",
    min_average_sentiment: "minAverageSentiment",
    max_average_sentiment: "maxAverageSentiment",
};

/// The GraphQL names of a feedback filter's parts.
const FEEDBACK_FILTER_NAMES: FeedbackFilterNames = FeedbackFilterNames {
    customer_uuids: "customerUuids",
    company_uuids: "companyUuids",
    space_uuids: "spaceUuids",
    feedback_types: "feedbackTypes",
    from: "from",
    to: "to",
    search: "search",
    priority: "priority",
    min_priority: "minPriority",
    min_sentiment: "minSentiment",
    max_sentiment: "maxSentiment",
};

/// Which feedbacks of an organization to list; every given condition must
/// hold, and a list given empty matches nothing. A value out of its range
/// is `BAD_USER_INPUT` naming the field (`extensions.parameter`).
#[derive(InputObject, Debug, Clone, Default)]
pub struct FeedbackFilter {
    /// Only feedbacks of these customers (at most 100 uuids).
    pub customer_uuids: Option<Vec<Uuid>>,
    /// Only feedbacks of customers of these companies (at most 100 uuids).
    pub company_uuids: Option<Vec<Uuid>>,
    /// Only feedbacks in at least one of these spaces (at most 100 uuids).
    pub space_uuids: Option<Vec<Uuid>>,
    /// Only feedbacks of these types.
    pub feedback_types: Option<Vec<FeedbackType>>,
    /// Given at or after this instant: inclusive, a feedback given exactly then is listed.
    pub from: Option<Instant>,
    /// Given at or before this instant: inclusive, a feedback given exactly then is listed. Not before `from`.
    pub to: Option<Instant>,
    /// Substring of the contents, ignoring case in every alphabet (Unicode case folding; `%` and `_` are literal); at most 200 characters.
    pub search: Option<String>,
    /// Exactly this priority (0 to 4).
    pub priority: Option<i32>,
    /// At least this priority (0 to 4).
    pub min_priority: Option<i32>,
    /// Mean sentiment of its highlights at least this (-1 to 1).
    pub min_sentiment: Option<f64>,
    /// Mean sentiment of its highlights at most this (-1 to 1).
    pub max_sentiment: Option<f64>,
}

impl FeedbackFilter {
    /// The store's filter, checked by [`check_feedback_filter`] under the
    /// GraphQL names.
    pub(crate) fn into_checked(self) -> Result<StoreFeedbackFilter, AppError> {
        let filter = StoreFeedbackFilter {
            customer_uuids: self.customer_uuids,
            company_uuids: self.company_uuids,
            space_uuids: self.space_uuids,
            space: None,
            feedback_types: self.feedback_types,
            from: self.from.map(|from| from.0),
            to: self.to.map(|to| to.0),
            search: self.search,
            priority: self.priority,
            min_priority: self.min_priority,
            min_sentiment: self.min_sentiment,
            max_sentiment: self.max_sentiment,
        };
        check_feedback_filter(&filter, &FEEDBACK_FILTER_NAMES)?;
        Ok(filter)
    }
}
