//! One rule for text on both backends: Unicode full case folding, computed
//! in Rust by [`entity::folding::fold`].
//!
//! Before, `customers.search_text` was lowercased by Rust's `to_lowercase`
//! (which turns a final capital Σ into ς, so the term "ΚΩΣ" never found
//! "ΚΩΣΤΑΣ"), emails were unique under SQL `LOWER(email)` (ASCII only on
//! SQLite, the cluster's locale on PostgreSQL), and feedback search compared
//! `LOWER(feedback_contents)`.
//!
//! This migration adds `customers.email_folded` and `feedbacks.search_text`,
//! refolds every customer and feedback in Rust (keyset batches, one
//! `UPDATE … FROM (VALUES …)` per batch), then replaces the unique index on
//! (organization_uuid, `LOWER(email)`) with one on (organization_uuid,
//! email_folded). Two customers of one organization whose emails fold alike
//! stop it with an error naming them: nothing is merged, and the whole
//! migration runs in one transaction on both backends, so nothing is left
//! half done.

use entity::folding::fold;
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::prelude::Uuid;
use sea_orm_migration::sea_orm::{DatabaseBackend, Statement, Value};

/// Adds and fills the folded columns and the folded email's unique index.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261130_000005_unicode_case_folding"
    }
}

/// Rows read and rewritten per statement: 3 000 bound values per UPDATE,
/// under the limits of both backends (32 766 on SQLite, 65 535 on
/// PostgreSQL).
const BATCH: usize = 1_000;

/// The unique index this migration creates.
const FOLDED_EMAIL_INDEX: &str = "idx_customers_organization_uuid_email_folded";

/// The unique index it replaces (made by m20261128_000002).
const LOWER_EMAIL_INDEX: &str = "idx_customers_organization_uuid_lower_email";

/// The added columns, as (table, column).
const COLUMNS: [(&str, &str); 2] = [("customers", "email_folded"), ("feedbacks", "search_text")];

/// A customer's search text as the application wrote it before this
/// migration (Rust's `to_lowercase` of the whole text), which the down
/// migration restores.
fn lowercased_search_text(full_name: &str, email: &str) -> String {
    format!("{full_name} {email}").to_lowercase()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, column) in COLUMNS {
            manager
                .alter_table(
                    Table::alter()
                        .table(table)
                        .add_column(ColumnDef::new(column).text().not_null().default(""))
                        .take(),
                )
                .await?;
        }
        let db = manager.get_connection();
        refold(
            db,
            "customers",
            &["full_name", "email"],
            &["search_text", "email_folded"],
            |read| {
                let (full_name, email) = (&read[0], &read[1]);
                vec![fold(&format!("{full_name} {email}")), fold(email)]
            },
        )
        .await?;
        refold(
            db,
            "feedbacks",
            &["feedback_contents"],
            &["search_text"],
            |read| vec![fold(&read[0])],
        )
        .await?;
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            // Every writer sets the folded columns: one that forgot would
            // store "" and collide on the unique index with the next one.
            // SQLite cannot drop a column default; PostgreSQL catches it.
            for (table, column) in COLUMNS {
                db.execute_unprepared(&format!(
                    "ALTER TABLE {table} ALTER COLUMN {column} DROP DEFAULT"
                ))
                .await?;
            }
        }
        refuse_emails_that_fold_alike(db).await?;
        db.execute_unprepared(&format!(
            "CREATE UNIQUE INDEX {FOLDED_EMAIL_INDEX} ON customers (organization_uuid, email_folded)"
        ))
        .await?;
        db.execute_unprepared(&format!("DROP INDEX IF EXISTS {LOWER_EMAIL_INDEX}"))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared(&format!("DROP INDEX IF EXISTS {FOLDED_EMAIL_INDEX}"))
            .await?;
        db.execute_unprepared(&format!(
            "CREATE UNIQUE INDEX {LOWER_EMAIL_INDEX} ON customers (organization_uuid, LOWER(email))"
        ))
        .await?;
        refold(
            db,
            "customers",
            &["full_name", "email"],
            &["search_text"],
            |read| vec![lowercased_search_text(&read[0], &read[1])],
        )
        .await?;
        for (table, column) in COLUMNS {
            manager
                .alter_table(Table::alter().table(table).drop_column(column).take())
                .await?;
        }
        Ok(())
    }

    /// One transaction on SQLite too (whose DDL is transactional): a refused
    /// email leaves the schema as it was, ready for the next attempt.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

/// Placeholder number `index` (from 1) of a statement for `backend`.
fn placeholder(backend: DatabaseBackend, index: usize) -> String {
    match backend {
        DatabaseBackend::Postgres => format!("${index}"),
        _ => "?".to_owned(),
    }
}

/// Rewrites the `written` columns of every row of `table` with `compute` of
/// its `read` columns (text, in that order), `BATCH` rows per statement, in
/// uuid order: each batch starts after the last uuid of the one before.
///
/// The uuids travel as bound values, so they keep their type: `uuid` on
/// PostgreSQL, 16-byte blobs on SQLite. `VALUES` names its columns
/// `column1`, `column2`… on both backends.
async fn refold<C, F>(
    db: &C,
    table: &str,
    read: &[&str],
    written: &[&str],
    compute: F,
) -> Result<(), DbErr>
where
    C: ConnectionTrait,
    F: Fn(&[String]) -> Vec<String> + Send + Sync,
{
    let backend = db.get_database_backend();
    let assignments = written
        .iter()
        .enumerate()
        .map(|(index, column)| format!("{column} = v.column{}", index + 2))
        .collect::<Vec<_>>()
        .join(", ");
    let mut after: Option<Uuid> = None;
    loop {
        let mut select = format!("SELECT uuid, {} FROM {table}", read.join(", "));
        let mut bound: Vec<Value> = Vec::new();
        if let Some(last) = after {
            select.push_str(&format!(" WHERE uuid > {}", placeholder(backend, 1)));
            bound.push(last.into());
        }
        select.push_str(&format!(" ORDER BY uuid LIMIT {BATCH}"));
        let rows = db
            .query_all_raw(Statement::from_sql_and_values(backend, select, bound))
            .await?;
        let mut values: Vec<Value> = Vec::with_capacity(rows.len() * (1 + written.len()));
        let mut tuples = Vec::with_capacity(rows.len());
        for row in &rows {
            let uuid: Uuid = row.try_get("", "uuid")?;
            let texts = read
                .iter()
                .map(|column| row.try_get::<String>("", column))
                .collect::<Result<Vec<_>, _>>()?;
            let computed = compute(&texts);
            debug_assert_eq!(computed.len(), written.len(), "BUG: one value per column");
            let mut tuple = Vec::with_capacity(1 + computed.len());
            values.push(uuid.into());
            tuple.push(placeholder(backend, values.len()));
            for value in computed {
                values.push(value.into());
                tuple.push(placeholder(backend, values.len()));
            }
            tuples.push(format!("({})", tuple.join(", ")));
            after = Some(uuid);
        }
        if tuples.is_empty() {
            return Ok(());
        }
        let update = format!(
            "UPDATE {table} SET {assignments} FROM (VALUES {}) AS v WHERE {table}.uuid = v.column1",
            tuples.join(", ")
        );
        db.execute_raw(Statement::from_sql_and_values(backend, update, values))
            .await?;
        if rows.len() < BATCH {
            return Ok(());
        }
    }
}

/// Fails, naming the organization and the emails, when two customers of one
/// organization have emails that fold alike: the unique index could not be
/// built, and which one to keep is not the migration's to decide.
async fn refuse_emails_that_fold_alike<C: ConnectionTrait>(db: &C) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    let clashes = db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT organization_uuid, email_folded FROM customers \
             GROUP BY organization_uuid, email_folded HAVING COUNT(*) > 1 \
             ORDER BY organization_uuid, email_folded",
        ))
        .await?;
    let Some(first) = clashes.first() else {
        return Ok(());
    };
    let organization: Uuid = first.try_get("", "organization_uuid")?;
    let folded: String = first.try_get("", "email_folded")?;
    let emails = db
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            format!(
                "SELECT email FROM customers WHERE organization_uuid = {} AND email_folded = {} \
                 ORDER BY email",
                placeholder(backend, 1),
                placeholder(backend, 2)
            ),
            [organization.into(), folded.clone().into()],
        ))
        .await?
        .iter()
        .map(|row| row.try_get::<String>("", "email"))
        .collect::<Result<Vec<_>, _>>()?;
    let others = match clashes.len() - 1 {
        0 => String::new(),
        more => format!(" (and {more} more folded email(s) shared the same way)"),
    };
    Err(DbErr::Migration(format!(
        "emails must be unique per organization under Unicode case folding, but organization \
         {organization} has customers with the emails {} that all fold to {folded:?}{others}; \
         change or remove all but one of them, then migrate again (nothing was changed)",
        emails
            .iter()
            .map(|email| format!("{email:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    )))
}
