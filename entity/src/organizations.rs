//! `organizations`: the tenant. Every other row belongs to exactly one.

use sea_orm::entity::prelude::*;

/// One organization.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "organizations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub uuid: Uuid,
    pub name: String,
    pub created_at: DateTimeUtc,
    /// How many customers it has, kept in the transaction that adds one.
    pub customer_count: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
