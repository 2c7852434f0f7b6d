//! The feedback API's model: a feedback's type, priority and data source,
//! and spaces that feedback is filed into.
//!
//! - `feedbacks.feedback_type` (text, `FEEDBACK_RESPONSE` by default),
//!   `priority` (0 to 4, 0 by default, held by a check constraint),
//!   `data_source_type` and `data_source_id` (both nullable). Existing rows
//!   take the defaults; `source` stays as it was.
//! - `spaces` (a tenant table: name, description) and `feedback_spaces`,
//!   one row per feedback in a space, deleted with either.
//! - Indexes for the organization-wide feedback list's other orders
//!   (`created_at`, `priority`) and for a space's feedbacks.

use sea_orm_migration::prelude::*;

/// Adds the feedback columns, `spaces` and `feedback_spaces`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261130_000006_feedback_api"
    }
}

/// A foreign key from `table.column` to `target.uuid`, deleted with it.
fn cascade(
    table: &'static str,
    column: &'static str,
    target: &'static str,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{table}_{column}"))
        .from(table, column)
        .to(target, "uuid")
        .on_delete(ForeignKeyAction::Cascade)
        .on_update(ForeignKeyAction::Cascade)
        .take()
}

fn index(table: &'static str, columns: &[&'static str]) -> IndexCreateStatement {
    let mut index = Index::create();
    index
        .name(format!("idx_{table}_{}", columns.join("_")))
        .table(table)
        .if_not_exists();
    for column in columns {
        index.col(*column);
    }
    index
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one thing at a time.
        let columns = [
            ColumnDef::new("feedback_type")
                .string_len(32)
                .not_null()
                .default("FEEDBACK_RESPONSE")
                .take(),
            ColumnDef::new("priority")
                .integer()
                .not_null()
                .default(0)
                .check(Expr::col("priority").between(0, 4))
                .take(),
            ColumnDef::new("data_source_type")
                .string_len(32)
                .null()
                .take(),
            ColumnDef::new("data_source_id").text().null().take(),
        ];
        for mut column in columns {
            manager
                .alter_table(
                    Table::alter()
                        .table("feedbacks")
                        .add_column(&mut column)
                        .take(),
                )
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table("spaces")
                    .if_not_exists()
                    .col(ColumnDef::new("uuid").uuid().not_null().primary_key())
                    .col(ColumnDef::new("organization_uuid").uuid().not_null())
                    .col(ColumnDef::new("name").text().not_null())
                    .col(ColumnDef::new("description").text().null())
                    .col(
                        ColumnDef::new("created_at")
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(&mut cascade("spaces", "organization_uuid", "organizations"))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("feedback_spaces")
                    .if_not_exists()
                    .col(ColumnDef::new("space_uuid").uuid().not_null())
                    .col(ColumnDef::new("feedback_uuid").uuid().not_null())
                    .primary_key(Index::create().col("space_uuid").col("feedback_uuid"))
                    .foreign_key(&mut cascade("feedback_spaces", "space_uuid", "spaces"))
                    .foreign_key(&mut cascade(
                        "feedback_spaces",
                        "feedback_uuid",
                        "feedbacks",
                    ))
                    .take(),
            )
            .await?;

        for (table, columns) in [
            ("spaces", &["organization_uuid", "name", "uuid"][..]),
            ("feedback_spaces", &["feedback_uuid"][..]),
            (
                "feedbacks",
                &["organization_uuid", "created_at", "uuid"][..],
            ),
            ("feedbacks", &["organization_uuid", "priority", "uuid"][..]),
        ] {
            manager.create_index(index(table, columns)).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["feedback_spaces", "spaces"] {
            manager
                .drop_table(Table::drop().table(table).if_exists().take())
                .await?;
        }
        for index_name in [
            "idx_feedbacks_organization_uuid_created_at_uuid",
            "idx_feedbacks_organization_uuid_priority_uuid",
        ] {
            let mut drop = Index::drop();
            drop.name(index_name).table("feedbacks");
            manager.drop_index(drop).await?;
        }
        for column in [
            "data_source_id",
            "data_source_type",
            "priority",
            "feedback_type",
        ] {
            manager
                .alter_table(Table::alter().table("feedbacks").drop_column(column).take())
                .await?;
        }
        Ok(())
    }
}
