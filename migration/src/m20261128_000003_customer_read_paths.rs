//! Short read paths for a customer's highlights, insights and issues, and a
//! stored customer count per organization.
//!
//! A customer's highlights used to be reached through its feedbacks, and its
//! insights and issues through its feedbacks, their highlights and the link
//! tables: a page of them read every row on the way. Highlights and links
//! now carry the customer they belong to (and highlights the date of their
//! feedback, which orders them), copied when they are written: a feedback
//! never changes customer or date, a highlight never changes feedback. With an
//! index on each, a page of a customer's highlights reads that page only.
//!
//! `organizations.customer_count` is kept by the application in the
//! transaction that adds a customer, so the unfiltered total of a customer
//! list is one row read instead of a count over every customer.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

/// Adds the copied columns, their indexes and `organizations.customer_count`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261128_000003_customer_read_paths"
    }
}

/// Statements filling the new columns of rows written before this migration.
const BACKFILL: [&str; 4] = [
    "UPDATE feedback_highlights SET \
     customer_uuid = (SELECT f.customer_uuid FROM feedbacks f WHERE f.uuid = feedback_highlights.feedback_uuid), \
     feedback_date = (SELECT f.feedback_date FROM feedbacks f WHERE f.uuid = feedback_highlights.feedback_uuid)",
    "UPDATE insight_highlights SET customer_uuid = \
     (SELECT h.customer_uuid FROM feedback_highlights h WHERE h.uuid = insight_highlights.highlight_uuid)",
    "UPDATE issue_highlights SET customer_uuid = \
     (SELECT h.customer_uuid FROM feedback_highlights h WHERE h.uuid = issue_highlights.highlight_uuid)",
    "UPDATE organizations SET customer_count = \
     (SELECT COUNT(*) FROM customers c WHERE c.organization_uuid = organizations.uuid)",
];

/// The new indexes: (name, table, columns in order, with direction).
const INDEXES: [(&str, &str, &str); 3] = [
    (
        "idx_feedback_highlights_customer_uuid_feedback_date_uuid",
        "feedback_highlights",
        "customer_uuid, feedback_date DESC, uuid",
    ),
    (
        "idx_insight_highlights_customer_uuid_insight_uuid",
        "insight_highlights",
        "customer_uuid, insight_uuid",
    ),
    (
        "idx_issue_highlights_customer_uuid_issue_uuid",
        "issue_highlights",
        "customer_uuid, issue_uuid",
    ),
];

/// The copied `customer_uuid` columns.
const CUSTOMER_COLUMNS: [&str; 3] = [
    "feedback_highlights",
    "insight_highlights",
    "issue_highlights",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds a column only as nullable without a computed default;
        // the application always writes it, and PostgreSQL enforces it below.
        for table in CUSTOMER_COLUMNS {
            manager
                .alter_table(
                    Table::alter()
                        .table(table)
                        .add_column(ColumnDef::new("customer_uuid").uuid().null())
                        .take(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table("feedback_highlights")
                    .add_column(
                        ColumnDef::new("feedback_date")
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .take(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("organizations")
                    .add_column(
                        ColumnDef::new("customer_count")
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .take(),
            )
            .await?;
        let db = manager.get_connection();
        for statement in BACKFILL {
            db.execute_unprepared(statement).await?;
        }
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            for table in CUSTOMER_COLUMNS {
                db.execute_unprepared(&format!(
                    "ALTER TABLE {table} ALTER COLUMN customer_uuid SET NOT NULL, \
                     ADD CONSTRAINT fk_{table}_customer_uuid FOREIGN KEY (customer_uuid) \
                     REFERENCES customers (uuid) ON DELETE CASCADE"
                ))
                .await?;
            }
            db.execute_unprepared(
                "ALTER TABLE feedback_highlights ALTER COLUMN feedback_date SET NOT NULL",
            )
            .await?;
        }
        for (name, table, columns) in INDEXES {
            db.execute_unprepared(&format!(
                "CREATE INDEX IF NOT EXISTS {name} ON {table} ({columns})"
            ))
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (name, _, _) in INDEXES {
            db.execute_unprepared(&format!("DROP INDEX IF EXISTS {name}"))
                .await?;
        }
        let mut columns: Vec<(&str, &str)> = CUSTOMER_COLUMNS
            .iter()
            .map(|table| (*table, "customer_uuid"))
            .collect();
        columns.push(("feedback_highlights", "feedback_date"));
        columns.push(("organizations", "customer_count"));
        for (table, column) in columns {
            manager
                .alter_table(Table::alter().table(table).drop_column(column).take())
                .await?;
        }
        Ok(())
    }
}
