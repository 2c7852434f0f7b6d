//! The closed word lists both faces share, each declared once: sort keys,
//! sort directions and issue statuses. One declaration carries every derive
//! a layer needs: SeaORM reads and writes [`IssueStatus`] as its stored text,
//! async-graphql serves each as a GraphQL enum (`SCREAMING_CASE` values), and
//! serde and utoipa give REST its snake_case words and OpenAPI schemas.
//!
//! | type | GraphQL | REST (OpenAPI) | stored |
//! | --- | --- | --- | --- |
//! | [`CustomerSort`] | `CustomerSortBy` | `CustomerSortField` | — |
//! | [`FeedbackSort`] | `FeedbackSortBy` | `FeedbackSortField` | — |
//! | [`Direction`] | `SortDirection` | `SortDirection` | — |
//! | [`IssueStatus`] | `IssueStatus` | `IssueStatus` | `issues.status` |

use sea_orm::entity::prelude::*;

/// Declares a shared word list: the enum with the derives of every face,
/// snake_case in REST, and the names it is served under.
macro_rules! word_list {
    (
        $(#[$meta:meta])*
        graphql = $graphql:literal, openapi = $openapi:ident;
        $(#[$extra:meta])*
        pub enum $name:ident { $($variants:tt)* }
    ) => {
        $(#[$meta])*
        #[derive(
            Debug,
            Clone,
            Copy,
            PartialEq,
            Eq,
            Hash,
            Default,
            async_graphql::Enum,
            serde::Serialize,
            serde::Deserialize,
            utoipa::ToSchema,
        )]
        #[graphql(name = $graphql)]
        #[serde(rename_all = "snake_case")]
        #[schema(as = $openapi)]
        $(#[$extra])*
        pub enum $name { $($variants)* }
    };
}

word_list! {
    /// What customers can be sorted by (in REST,
    /// `sort_by=last_interacted_date`…). Ties are broken by uuid, so pages
    /// never overlap or skip.
    graphql = "CustomerSortBy", openapi = CustomerSortField;
    pub enum CustomerSort {
        /// Latest feedback; customers without any come last in either direction.
        #[default]
        LastInteractedDate,
        /// Full name.
        FullName,
        /// Email address.
        Email,
        /// Creation time.
        CreatedAt,
        /// Last change.
        UpdatedAt,
        /// Number of feedbacks.
        FeedbackCount,
    }
}

impl CustomerSort {
    /// The `customers` column it sorts by.
    pub fn column(self) -> &'static str {
        match self {
            CustomerSort::LastInteractedDate => "last_interacted_date",
            CustomerSort::FullName => "full_name",
            CustomerSort::Email => "email",
            CustomerSort::CreatedAt => "created_at",
            CustomerSort::UpdatedAt => "updated_at",
            CustomerSort::FeedbackCount => "feedback_count",
        }
    }
}

word_list! {
    /// What feedbacks can be sorted by (in REST, `sort_by=feedback_date`…).
    /// Ties are broken by uuid.
    graphql = "FeedbackSortBy", openapi = FeedbackSortField;
    pub enum FeedbackSort {
        /// When the feedback was given.
        #[default]
        FeedbackDate,
        /// When it was recorded.
        CreatedAt,
        /// Where it came from.
        Source,
    }
}

impl FeedbackSort {
    /// The `feedbacks` column it sorts by.
    pub fn column(self) -> &'static str {
        match self {
            FeedbackSort::FeedbackDate => "feedback_date",
            FeedbackSort::CreatedAt => "created_at",
            FeedbackSort::Source => "source",
        }
    }
}

word_list! {
    /// Sort direction (in REST, `sort_direction=asc` or `desc`).
    graphql = "SortDirection", openapi = SortDirection;
    pub enum Direction {
        /// Smallest first.
        Asc,
        /// Largest first.
        #[default]
        Desc,
    }
}

impl Direction {
    /// The SQL keyword.
    pub fn sql(self) -> &'static str {
        match self {
            Direction::Asc => "ASC",
            Direction::Desc => "DESC",
        }
    }
}

word_list! {
    /// Where an issue stands.
    graphql = "IssueStatus", openapi = IssueStatus;
    // Stored as its REST word (`in_progress`).
    #[derive(EnumIter, DeriveActiveEnum)]
    #[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))", rename_all = "snake_case")]
    pub enum IssueStatus {
        /// Reported, not yet worked on.
        #[default]
        Open,
        /// Being worked on.
        InProgress,
        /// Fixed.
        Resolved,
        /// Closed without a fix.
        Closed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::Iterable;

    #[test]
    fn issue_statuses_are_stored_as_the_rest_words() {
        for status in IssueStatus::iter() {
            let rest = serde_json::to_value(status).expect("serializes");
            assert_eq!(rest, serde_json::Value::String(status.to_value()));
        }
        assert_eq!(IssueStatus::InProgress.to_value(), "in_progress");
    }
}
