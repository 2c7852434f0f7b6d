//! `feedbacks`: one message, ticket or call note from a customer. A
//! feedback may sit in several spaces of its organization
//! ([`super::feedback_spaces`]).

use sea_orm::entity::prelude::*;

use crate::vocabulary::{DataSourceType, FeedbackType};

/// One piece of feedback.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "feedbacks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub uuid: Uuid,
    pub organization_uuid: Uuid,
    pub customer_uuid: Uuid,
    pub feedback_contents: String,
    pub feedback_date: DateTimeUtc,
    /// Where it came from, as free text (`email`, `call`, `api`…): kept
    /// from before [`Model::data_source_type`], which names the integration
    /// in the vendor's closed list; a feedback recorded with a data source
    /// and no source gets the data source's word in lower case.
    pub source: String,
    pub created_at: DateTimeUtc,
    /// `feedback_contents` folded by [`crate::folding::fold`], for search.
    pub search_text: String,
    /// What kind of feedback it is (`FEEDBACK_RESPONSE` by default).
    pub feedback_type: FeedbackType,
    /// From 0 (none, the default) to 4 (the highest); a check constraint
    /// holds it to that range.
    pub priority: i32,
    /// The integration it was imported through, if any.
    pub data_source_type: Option<DataSourceType>,
    /// Its identifier in that integration, if any.
    pub data_source_id: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::organizations::Entity",
        from = "Column::OrganizationUuid",
        to = "super::organizations::Column::Uuid"
    )]
    Organization,
    #[sea_orm(
        belongs_to = "super::customers::Entity",
        from = "Column::CustomerUuid",
        to = "super::customers::Column::Uuid"
    )]
    Customer,
}

impl ActiveModelBehavior for ActiveModel {}
