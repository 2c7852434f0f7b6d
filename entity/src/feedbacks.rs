//! `feedbacks`: one message, ticket or call note from a customer.

use sea_orm::entity::prelude::*;

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
    pub source: String,
    pub created_at: DateTimeUtc,
    /// `feedback_contents` folded by [`crate::folding::fold`], for search.
    pub search_text: String,
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
