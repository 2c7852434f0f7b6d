//! The whole data model: tenants, tokens, customers and their feedback graph,
//! with a foreign key and an index on every reference and an index on
//! (organization_uuid, column) for every column customers are listed by.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

/// Creates every table, constraint and index.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261128_000001_create_schema"
    }
}

fn uuid_pk(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).uuid().not_null().primary_key().take()
}

fn uuid_col(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).uuid().not_null().take()
}

fn uuid_null(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).uuid().null().take()
}

fn text(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).text().not_null().take()
}

fn text_null(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).text().null().take()
}

fn timestamp(name: &'static str) -> ColumnDef {
    ColumnDef::new(name)
        .timestamp_with_time_zone()
        .not_null()
        .take()
}

fn timestamp_null(name: &'static str) -> ColumnDef {
    ColumnDef::new(name)
        .timestamp_with_time_zone()
        .null()
        .take()
}

/// A foreign key from `table.column` to `target.uuid`.
fn reference(
    table: &'static str,
    column: &'static str,
    target: &'static str,
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{table}_{column}"))
        .from(table, column)
        .to(target, "uuid")
        .on_delete(on_delete)
        .on_update(ForeignKeyAction::Cascade)
        .take()
}

/// A tenant-owned table: `uuid` key plus `organization_uuid` referencing the tenant.
fn tenant_table(name: &'static str) -> TableCreateStatement {
    Table::create()
        .table(name)
        .if_not_exists()
        .col(uuid_pk("uuid"))
        .col(uuid_col("organization_uuid"))
        .foreign_key(&mut reference(
            name,
            "organization_uuid",
            "organizations",
            ForeignKeyAction::Cascade,
        ))
        .take()
}

fn link_table(
    name: &'static str,
    owner: &'static str,
    owner_table: &'static str,
) -> TableCreateStatement {
    Table::create()
        .table(name)
        .if_not_exists()
        .col(uuid_col(owner))
        .col(uuid_col("highlight_uuid"))
        .primary_key(Index::create().col(owner).col("highlight_uuid"))
        .foreign_key(&mut reference(
            name,
            owner,
            owner_table,
            ForeignKeyAction::Cascade,
        ))
        .foreign_key(&mut reference(
            name,
            "highlight_uuid",
            "feedback_highlights",
            ForeignKeyAction::Cascade,
        ))
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
        manager
            .create_table(
                Table::create()
                    .table("organizations")
                    .if_not_exists()
                    .col(uuid_pk("uuid"))
                    .col(text("name"))
                    .col(timestamp("created_at"))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                tenant_table("api_tokens")
                    .col(
                        ColumnDef::new("token_hash")
                            .string_len(64)
                            .not_null()
                            .unique_key(),
                    )
                    .col(text_null("label"))
                    .col(timestamp("created_at"))
                    .col(timestamp_null("revoked_at"))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                tenant_table("customer_companies")
                    .col(text("name"))
                    .col(text_null("domain"))
                    .col(timestamp("created_at"))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                tenant_table("personas")
                    .col(text("name"))
                    .col(text_null("description"))
                    .col(timestamp("created_at"))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                tenant_table("customers")
                    .col(text("full_name"))
                    .col(text("email"))
                    .col(text_null("role"))
                    .col(uuid_null("persona_uuid"))
                    .col(uuid_null("customer_company_uuid"))
                    .col(timestamp_null("last_interacted_date"))
                    .col(
                        ColumnDef::new("feedback_count")
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .col(timestamp("created_at"))
                    .col(timestamp("updated_at"))
                    .foreign_key(&mut reference(
                        "customers",
                        "persona_uuid",
                        "personas",
                        ForeignKeyAction::SetNull,
                    ))
                    .foreign_key(&mut reference(
                        "customers",
                        "customer_company_uuid",
                        "customer_companies",
                        ForeignKeyAction::SetNull,
                    ))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                tenant_table("feedbacks")
                    .col(uuid_col("customer_uuid"))
                    .col(text("feedback_contents"))
                    .col(timestamp("feedback_date"))
                    .col(text("source"))
                    .col(timestamp("created_at"))
                    .foreign_key(&mut reference(
                        "feedbacks",
                        "customer_uuid",
                        "customers",
                        ForeignKeyAction::Cascade,
                    ))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                tenant_table("feedback_highlights")
                    .col(uuid_col("feedback_uuid"))
                    .col(text("quote"))
                    .col(
                        ColumnDef::new("sentiment_score")
                            .double()
                            .not_null()
                            .check(Expr::col("sentiment_score").between(-1.0, 1.0)),
                    )
                    .col(timestamp("created_at"))
                    .foreign_key(&mut reference(
                        "feedback_highlights",
                        "feedback_uuid",
                        "feedbacks",
                        ForeignKeyAction::Cascade,
                    ))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                tenant_table("insights")
                    .col(text("title"))
                    .col(text_null("description"))
                    .col(timestamp("created_at"))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                tenant_table("issues")
                    .col(text("title"))
                    .col(text_null("description"))
                    .col(
                        ColumnDef::new("status")
                            .string_len(32)
                            .not_null()
                            .default("open"),
                    )
                    .col(timestamp("created_at"))
                    .take(),
            )
            .await?;

        manager
            .create_table(link_table("insight_highlights", "insight_uuid", "insights"))
            .await?;
        manager
            .create_table(link_table("issue_highlights", "issue_uuid", "issues"))
            .await?;

        // Email is unique per organization; this index also serves listing by email.
        manager
            .create_index(
                index("customers", &["organization_uuid", "email"])
                    .unique()
                    .take(),
            )
            .await?;

        let plain_indexes: &[(&'static str, &[&'static str])] = &[
            ("api_tokens", &["organization_uuid"]),
            ("customer_companies", &["organization_uuid", "name"]),
            ("personas", &["organization_uuid", "name"]),
            ("customers", &["persona_uuid"]),
            ("customers", &["customer_company_uuid"]),
            ("customers", &["organization_uuid", "full_name", "uuid"]),
            ("customers", &["organization_uuid", "created_at", "uuid"]),
            ("customers", &["organization_uuid", "updated_at", "uuid"]),
            (
                "customers",
                &["organization_uuid", "feedback_count", "uuid"],
            ),
            ("feedbacks", &["organization_uuid", "feedback_date"]),
            ("feedbacks", &["customer_uuid", "feedback_date", "uuid"]),
            ("feedback_highlights", &["organization_uuid"]),
            ("feedback_highlights", &["feedback_uuid"]),
            ("insights", &["organization_uuid", "created_at"]),
            ("issues", &["organization_uuid", "created_at"]),
            ("insight_highlights", &["highlight_uuid"]),
            ("issue_highlights", &["highlight_uuid"]),
        ];
        for (table, columns) in plain_indexes {
            manager.create_index(index(table, columns)).await?;
        }

        // The default listing is "most recent interaction first, never-interacted
        // last". PostgreSQL can only walk an index for that order when the index is
        // declared in it; SQLite sorts NULLs first ascending, so DESC already ends
        // with them.
        let nulls_last = match manager.get_database_backend() {
            DatabaseBackend::Postgres => " NULLS LAST",
            _ => "",
        };
        manager
            .get_connection()
            .execute_unprepared(&format!(
                "CREATE INDEX IF NOT EXISTS idx_customers_organization_uuid_last_interacted_date_uuid \
                 ON customers (organization_uuid, last_interacted_date DESC{nulls_last}, uuid)"
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "issue_highlights",
            "insight_highlights",
            "issues",
            "insights",
            "feedback_highlights",
            "feedbacks",
            "customers",
            "personas",
            "customer_companies",
            "api_tokens",
            "organizations",
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().take())
                .await?;
        }
        Ok(())
    }
}
