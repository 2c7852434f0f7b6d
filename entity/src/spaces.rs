//! `spaces`: named collections an organization files feedback into (a
//! feedback may sit in several, see [`super::feedback_spaces`]).

use sea_orm::entity::prelude::*;

/// One space.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "spaces")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub uuid: Uuid,
    pub organization_uuid: Uuid,
    pub name: String,
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
