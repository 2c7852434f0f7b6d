//! `issue_highlights`: the many-to-many link between issues and highlights.

use sea_orm::entity::prelude::*;

/// One link.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "issue_highlights")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub issue_uuid: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub highlight_uuid: Uuid,
    /// The highlight's customer, copied when the link is made: a customer's
    /// issues without its feedbacks and highlights.
    pub customer_uuid: Uuid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::issues::Entity",
        from = "Column::IssueUuid",
        to = "super::issues::Column::Uuid"
    )]
    Issue,
    #[sea_orm(
        belongs_to = "super::feedback_highlights::Entity",
        from = "Column::HighlightUuid",
        to = "super::feedback_highlights::Column::Uuid"
    )]
    Highlight,
}

impl ActiveModelBehavior for ActiveModel {}
