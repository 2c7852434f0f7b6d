//! `api_tokens`: bearer tokens. Only the SHA-256 of a token is stored; a token
//! grants exactly one organization until it is revoked.

use sea_orm::entity::prelude::*;

/// One issued token (its hash, never the token itself).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_tokens")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub uuid: Uuid,
    pub organization_uuid: Uuid,
    #[sea_orm(unique)]
    pub token_hash: String,
    pub label: Option<String>,
    pub created_at: DateTimeUtc,
    pub revoked_at: Option<DateTimeUtc>,
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

impl Related<super::organizations::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Organization.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
