//! `customers.version`: the optimistic-concurrency counter behind
//! `Customer.version`, the REST `ETag` and `If-Match`.
//!
//! Every write to a customer row (an update, a feedback that moves its
//! counters) sets `version = version + 1` in the same statement, and an
//! update that names the version it read writes only `WHERE version = …`, so
//! two clients editing one customer cannot overwrite each other unseen.
//! Existing rows start at 1.

use sea_orm_migration::prelude::*;

/// Adds `customers.version`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261130_000004_customer_versions"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("customers")
                    .add_column(ColumnDef::new("version").integer().not_null().default(1))
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("customers")
                    .drop_column("version")
                    .take(),
            )
            .await
    }
}
