//! `insights`: themes that run through highlights.

use sea_orm::entity::prelude::*;

/// One insight.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "insights")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub uuid: Uuid,
    pub organization_uuid: Uuid,
    pub title: String,
    pub description: Option<String>,
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
