//! The closed word lists both faces share, each declared once: sort keys,
//! sort directions, issue statuses, feedback types and data sources. One declaration carries every derive
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
//! | [`FeedbackType`] | `FeedbackType` | `FeedbackType` | `feedbacks.feedback_type` |
//! | [`DataSourceType`] | `DataSourceType` | `DataSourceType` | `feedbacks.data_source_type` |
//! | [`CustomerChange`] | `CustomerChange` | — (live events) | — |
//!
//! The feedback vocabularies keep the vendor's words (`NPS_RESPONSE`,
//! `SLACK_CHANNEL`) in every face and in storage.

use sea_orm::entity::prelude::*;

/// Declares a shared word list: the enum with the derives of every face,
/// snake_case in REST, and the names it is served under.
// `rest` is matched as a token tree, not a literal: a literal fragment
// reaches a derive wrapped in an invisible group, which utoipa's reading of
// `#[serde(rename_all)]` does not see through (the OpenAPI names would be
// the Rust ones).
macro_rules! word_list {
    (
        $(#[$meta:meta])*
        graphql = $graphql:literal, openapi = $openapi:ident;
        $(#[$extra:meta])*
        pub enum $name:ident { $($variants:tt)* }
    ) => {
        word_list! {
            $(#[$meta])*
            graphql = $graphql, openapi = $openapi, rest = "snake_case";
            $(#[$extra])*
            pub enum $name { $($variants)* }
        }
    };
    (
        $(#[$meta:meta])*
        graphql = $graphql:literal, openapi = $openapi:ident, rest = $case:tt;
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
        #[serde(rename_all = $case)]
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
        /// Its priority, 0 to 4.
        Priority,
    }
}

impl FeedbackSort {
    /// The `feedbacks` column it sorts by.
    pub fn column(self) -> &'static str {
        match self {
            FeedbackSort::FeedbackDate => "feedback_date",
            FeedbackSort::CreatedAt => "created_at",
            FeedbackSort::Source => "source",
            FeedbackSort::Priority => "priority",
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

word_list! {
    /// What kind of feedback a feedback is, in the vendor's words (its
    /// feedback API's `feedback_type`).
    graphql = "FeedbackType", openapi = FeedbackType, rest = "SCREAMING_SNAKE_CASE";
    // Stored as its REST word (`NPS_RESPONSE`).
    #[derive(EnumIter, DeriveActiveEnum)]
    #[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))", rename_all = "SCREAMING_SNAKE_CASE")]
    pub enum FeedbackType {
        /// A free-form answer (the default).
        #[default]
        FeedbackResponse,
        /// A Net Promoter Score survey answer.
        NpsResponse,
        /// A customer-satisfaction survey answer.
        CsatResponse,
        /// A request passed on by a colleague.
        TeamRequest,
        /// Notes or a transcript of a user interview.
        UserInterview,
        /// Notes or a transcript of a sales call.
        SalesCall,
        /// A support conversation.
        SupportExchange,
        /// A conversation with an AI assistant.
        AiChat,
    }
}

word_list! {
    /// The integration a feedback was imported through, in the vendor's
    /// words (its feedback API's `data_source_type`). The free-text
    /// `source` of a feedback stays beside it (see `feedbacks.source`).
    graphql = "DataSourceType", openapi = DataSourceType, rest = "SCREAMING_SNAKE_CASE";
    // Stored as its REST word (`SLACK_CHANNEL`).
    #[derive(EnumIter, DeriveActiveEnum)]
    #[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))", rename_all = "SCREAMING_SNAKE_CASE")]
    pub enum DataSourceType {
        /// An uploaded document.
        #[default]
        UploadedDoc,
        /// An uploaded spreadsheet.
        UploadedSheet,
        /// A Slack channel.
        SlackChannel,
        /// A Discord channel.
        DiscordChannel,
        /// A Gong conversation.
        GongConvo,
        /// A tl;dv transcript.
        TldvTranscript,
        /// A Google document.
        GoogleDoc,
        /// Salesforce.
        Salesforce,
        /// HubSpot.
        Hubspot,
        /// Zendesk.
        Zendesk,
        /// Notion.
        Notion,
        /// Intercom.
        Intercom,
        /// An Intercom inbox.
        IntercomInbox,
        /// Jira.
        Jira,
        /// A GitHub issue.
        GithubIssue,
        /// A Zapier form.
        ZapierForm,
        /// A Notion page.
        NotionPage,
        /// A Fireflies transcript.
        FirefliesTranscript,
        /// A G2 review.
        #[graphql(name = "G2_REVIEW")]
        G2Review,
        /// A Capterra review.
        CapterraReview,
        /// An Apple App Store review.
        AppleAppstoreReview,
        /// A Google Play review.
        GooglePlayReview,
        /// A GitHub repository.
        GithubRepo,
        /// A Gong workspace.
        GongWorkspace,
        /// A Zendesk group.
        ZendeskGroup,
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

    /// The feedback API's words, as its documentation lists them.
    const FEEDBACK_TYPES: &str = "FEEDBACK_RESPONSE NPS_RESPONSE CSAT_RESPONSE TEAM_REQUEST \
        USER_INTERVIEW SALES_CALL SUPPORT_EXCHANGE AI_CHAT";
    const DATA_SOURCE_TYPES: &str = "UPLOADED_DOC UPLOADED_SHEET SLACK_CHANNEL DISCORD_CHANNEL \
        GONG_CONVO TLDV_TRANSCRIPT GOOGLE_DOC SALESFORCE HUBSPOT ZENDESK NOTION INTERCOM \
        INTERCOM_INBOX JIRA GITHUB_ISSUE ZAPIER_FORM NOTION_PAGE FIREFLIES_TRANSCRIPT G2_REVIEW \
        CAPTERRA_REVIEW APPLE_APPSTORE_REVIEW GOOGLE_PLAY_REVIEW GITHUB_REPO GONG_WORKSPACE \
        ZENDESK_GROUP";

    /// Every value's word in REST, in storage and in GraphQL.
    fn words<T>() -> Vec<[String; 3]>
    where
        T: Iterable
            + ActiveEnum<Value = String>
            + serde::Serialize
            + async_graphql::resolver_utils::EnumType,
    {
        T::iter()
            .map(|value| {
                let rest = serde_json::to_value(value).expect("serializes");
                let graphql = async_graphql::resolver_utils::enum_value(value).to_string();
                [
                    rest.as_str().expect("a word").to_owned(),
                    value.to_value(),
                    graphql,
                ]
            })
            .collect()
    }

    #[test]
    fn feedback_types_and_data_sources_keep_the_vendors_words_everywhere() {
        for (listed, found) in [
            (FEEDBACK_TYPES, words::<FeedbackType>()),
            (DATA_SOURCE_TYPES, words::<DataSourceType>()),
        ] {
            let listed: Vec<&str> = listed.split_whitespace().collect();
            assert_eq!(found.len(), listed.len());
            for (word, [rest, stored, graphql]) in listed.into_iter().zip(found) {
                assert_eq!(
                    (rest.as_str(), stored.as_str(), graphql.as_str()),
                    (word, word, word)
                );
            }
        }
    }
}

word_list! {
    /// What happened to a customer, as the `customerChanged` subscription
    /// tells it (and as the events between gateway instances spell it).
    graphql = "CustomerChange", openapi = CustomerChange, rest = "SCREAMING_SNAKE_CASE";
    pub enum CustomerChange {
        /// The customer was created.
        #[default]
        Created,
        /// Its fields were changed (`updateCustomer`, `PUT`); a write that
        /// changes nothing tells nothing.
        Updated,
        /// It was deleted, with its feedback.
        Deleted,
        /// Its `feedbackCount` and `lastInteractedDate` moved: a feedback of
        /// its was recorded or deleted.
        CountersMoved,
    }
}
