//! Schema migrations of customer-graph. The same migrations run on SQLite and
//! PostgreSQL 15: UUID columns become `uuid` on PostgreSQL (16-byte blobs on
//! SQLite) and timestamps become `timestamptz`.

pub use sea_orm_migration::prelude::*;

mod m20261128_000001_create_schema;
mod m20261128_000002_customer_search_and_email_case;
mod m20261128_000003_customer_read_paths;
mod m20261130_000004_customer_versions;
mod m20261130_000005_unicode_case_folding;
mod m20261130_000006_feedback_api;

/// The ordered list of migrations, applied by `customer-graph migrate` and at
/// every start.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261128_000001_create_schema::Migration),
            Box::new(m20261128_000002_customer_search_and_email_case::Migration),
            Box::new(m20261128_000003_customer_read_paths::Migration),
            Box::new(m20261130_000004_customer_versions::Migration),
            Box::new(m20261130_000005_unicode_case_folding::Migration),
            Box::new(m20261130_000006_feedback_api::Migration),
        ]
    }
}
