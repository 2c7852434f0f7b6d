//! Customer search that is case-insensitive beyond ASCII, and emails unique
//! per organization whatever their case.
//!
//! `search_text` holds the full name and email lowercased by the application
//! (SQL `LOWER()` only folds ASCII on SQLite and under a C locale on
//! PostgreSQL). The email's uniqueness moves to an index on `LOWER(email)`;
//! the plain index stays for sorting by email.

use sea_orm_migration::prelude::*;

/// Adds `customers.search_text` and the case-insensitive email index.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261128_000002_customer_search_and_email_case"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("customers")
                    .add_column(ColumnDef::new("search_text").text().not_null().default(""))
                    .take(),
            )
            .await?;
        let db = manager.get_connection();
        // Rows written before this migration get an ASCII-folded value; the
        // application rewrites it whenever the name or email changes.
        db.execute_unprepared(
            "UPDATE customers SET search_text = LOWER(full_name || ' ' || email)",
        )
        .await?;
        db.execute_unprepared("DROP INDEX IF EXISTS idx_customers_organization_uuid_email")
            .await?;
        db.execute_unprepared(
            "CREATE INDEX IF NOT EXISTS idx_customers_organization_uuid_email_uuid ON customers (organization_uuid, email, uuid)",
        )
        .await?;
        db.execute_unprepared(
            "CREATE UNIQUE INDEX IF NOT EXISTS idx_customers_organization_uuid_lower_email ON customers (organization_uuid, LOWER(email))",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("DROP INDEX IF EXISTS idx_customers_organization_uuid_lower_email")
            .await?;
        db.execute_unprepared("DROP INDEX IF EXISTS idx_customers_organization_uuid_email_uuid")
            .await?;
        db.execute_unprepared(
            "CREATE UNIQUE INDEX idx_customers_organization_uuid_email ON customers (organization_uuid, email)",
        )
        .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("customers")
                    .drop_column("search_text")
                    .take(),
            )
            .await
    }
}
