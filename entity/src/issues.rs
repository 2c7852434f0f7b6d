//! `issues`: problems that highlights point at. Their average sentiment is
//! derived from the linked highlights, never stored.

use sea_orm::entity::prelude::*;

pub use crate::vocabulary::IssueStatus;

/// One issue.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "issues")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub uuid: Uuid,
    pub organization_uuid: Uuid,
    pub title: String,
    pub description: Option<String>,
    pub status: IssueStatus,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::organizations::Entity",
        from = "Column::OrganizationUuid",
        to = "super::organizations::Column::Uuid"
    )]
    Organization,
}

impl ActiveModelBehavior for ActiveModel {}
