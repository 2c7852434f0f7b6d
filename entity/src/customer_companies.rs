//! `customer_companies`: the companies customers work for.

use sea_orm::entity::prelude::*;

/// One company.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "customer_companies")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub uuid: Uuid,
    pub organization_uuid: Uuid,
    pub name: String,
    pub domain: Option<String>,
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
