//! Writing seeded rows: [`insert_rows`] turns rows into as few multi-row
//! INSERTs as the bind-parameter limits allow; [`Writer`] holds what every
//! seeded row shares (the database, the organization, the generator, the
//! creation instant) and writes a chunk of customers in one transaction, or
//! makes the organization's companies and reference rows when it has none.

use anyhow::Context;
use chrono::{DateTime, Utc};
use entity::customer_companies;
use sea_orm::sea_query::{Expr, ExprTrait, Order, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, TransactionTrait,
    Value,
};
use uuid::Uuid;

use super::generate::{ChunkRows, company_names};
use super::rng::SeedRng;
use super::vocabulary;
use crate::store;

/// Bind parameters per statement: below SQLite's 32 766 and PostgreSQL's 65 535.
const PARAMETERS_PER_STATEMENT: usize = 30_000;

/// The columns of a [`ChunkRows`] table, in the order of its rows' values.
const CUSTOMER_COLUMNS: &[&str] = &[
    "uuid",
    "organization_uuid",
    "full_name",
    "email",
    "role",
    "persona_uuid",
    "customer_company_uuid",
    "last_interacted_date",
    "feedback_count",
    "search_text",
    "email_folded",
    "created_at",
    "updated_at",
];
const FEEDBACK_COLUMNS: &[&str] = &[
    "uuid",
    "organization_uuid",
    "customer_uuid",
    "feedback_contents",
    "feedback_date",
    "source",
    "created_at",
    "search_text",
    "feedback_type",
    "priority",
    "data_source_type",
    "data_source_id",
];
const SPACE_LINK_COLUMNS: &[&str] = &["space_uuid", "feedback_uuid"];
const HIGHLIGHT_COLUMNS: &[&str] = &[
    "uuid",
    "organization_uuid",
    "feedback_uuid",
    "quote",
    "sentiment_score",
    "created_at",
    "customer_uuid",
    "feedback_date",
];
const INSIGHT_LINK_COLUMNS: &[&str] = &["insight_uuid", "highlight_uuid", "customer_uuid"];
const ISSUE_LINK_COLUMNS: &[&str] = &["issue_uuid", "highlight_uuid", "customer_uuid"];

/// A small per-organization table that the seed fills once and then reuses:
/// its name, the `N` columns each entry fills (between `uuid`,
/// `organization_uuid` and `created_at`), and the entries.
#[derive(Debug)]
pub struct ReferenceTable<const N: usize> {
    /// The table's name.
    pub table: &'static str,
    /// The columns each entry fills, in order.
    pub columns: [&'static str; N],
    /// The rows: one text per column.
    pub entries: &'static [[&'static str; N]],
}

impl<const N: usize> ReferenceTable<N> {
    const fn new(
        table: &'static str,
        columns: [&'static str; N],
        entries: &'static [[&'static str; N]],
    ) -> Self {
        ReferenceTable {
            table,
            columns,
            entries,
        }
    }
}

/// The personas table, from [`vocabulary::PERSONAS`].
pub const PERSONAS: ReferenceTable<2> =
    ReferenceTable::new("personas", ["name", "description"], vocabulary::PERSONAS);
/// The insights table, from [`vocabulary::INSIGHTS`].
pub const INSIGHTS: ReferenceTable<2> =
    ReferenceTable::new("insights", ["title", "description"], vocabulary::INSIGHTS);
/// The issues table, from [`vocabulary::ISSUES`].
pub const ISSUES: ReferenceTable<3> = ReferenceTable::new(
    "issues",
    ["title", "description", "status"],
    vocabulary::ISSUES,
);

/// The spaces table, from [`vocabulary::SPACES`].
pub const SPACES: ReferenceTable<2> =
    ReferenceTable::new("spaces", ["name", "description"], vocabulary::SPACES);

/// What every row of one seeding run shares.
pub struct Writer<'a> {
    /// Where the rows go.
    pub db: &'a DatabaseConnection,
    /// The organization every row belongs to.
    pub organization_uuid: Uuid,
    /// The run's generator: every uuid and random choice.
    pub rng: SeedRng,
    /// Every row's `created_at` (and `updated_at`).
    pub now: DateTime<Utc>,
}

impl Writer<'_> {
    /// Writes one chunk of customers and everything under them in one
    /// transaction, and adds them to the organization's customer count.
    pub async fn write_chunk(&self, rows: ChunkRows) -> anyhow::Result<()> {
        let txn = self.db.begin().await?;
        let customers = rows.customers.len() as i64;
        store::organizations::add_customers(&txn, self.organization_uuid, customers)
            .await
            .context("cannot count the seeded customers")?;
        // Parents before children, for the foreign keys.
        let tables = [
            ("customers", CUSTOMER_COLUMNS, rows.customers),
            ("feedbacks", FEEDBACK_COLUMNS, rows.feedbacks),
            ("feedback_spaces", SPACE_LINK_COLUMNS, rows.space_links),
            ("feedback_highlights", HIGHLIGHT_COLUMNS, rows.highlights),
            (
                "insight_highlights",
                INSIGHT_LINK_COLUMNS,
                rows.insight_links,
            ),
            ("issue_highlights", ISSUE_LINK_COLUMNS, rows.issue_links),
        ];
        for (table, columns, rows) in tables {
            insert_rows(&txn, table, columns, rows).await?;
        }
        txn.commit().await.context("cannot commit seeded rows")?;
        Ok(())
    }

    /// The organization's companies, as (uuid, e-mail domain); when it has
    /// none, first makes one per 20 `customers` (5 to 2 000). Returns them and
    /// how many were made.
    pub async fn ensure_companies(
        &mut self,
        customers: u64,
    ) -> anyhow::Result<(Vec<(Uuid, String)>, u64)> {
        let existing = customer_companies::Entity::find()
            .filter(customer_companies::Column::OrganizationUuid.eq(self.organization_uuid))
            .all(self.db)
            .await?;
        if !existing.is_empty() {
            let companies = existing.into_iter().map(|company| {
                let domain = company.domain.unwrap_or_else(|| "example.com".to_owned());
                (company.uuid, domain)
            });
            return Ok((companies.collect(), 0));
        }
        let wanted = (customers / 20).clamp(5, 2_000) as usize;
        let names = company_names();
        let mut companies = Vec::with_capacity(wanted);
        let mut rows = Vec::with_capacity(wanted);
        for (number, name) in names.iter().cycle().take(wanted).enumerate() {
            let uuid = self.rng.uuid();
            let round = number / names.len();
            let name = if round == 0 {
                name.clone()
            } else {
                format!("{name} {}", round + 1)
            };
            let domain = format!("{}.example", name.to_lowercase().replace(' ', "-"));
            rows.push(vec![
                uuid.into(),
                self.organization_uuid.into(),
                name.into(),
                Some(domain.clone()).into(),
                self.now.into(),
            ]);
            companies.push((uuid, domain));
        }
        let columns = ["uuid", "organization_uuid", "name", "domain", "created_at"];
        insert_rows(self.db, "customer_companies", &columns, rows).await?;
        let made = companies.len() as u64;
        Ok((companies, made))
    }

    /// The uuids of the organization's rows in `reference`'s table, by uuid
    /// (oldest first); when it has none, first inserts the table's entries.
    /// Returns the uuids and how many rows were inserted.
    pub async fn ensure_reference_rows<const N: usize>(
        &mut self,
        reference: &ReferenceTable<N>,
    ) -> anyhow::Result<(Vec<Uuid>, u64)> {
        let table = reference.table;
        let existing = Query::select()
            .column("uuid")
            .from(table)
            .and_where(Expr::col("organization_uuid").eq(self.organization_uuid))
            .order_by("uuid", Order::Asc)
            .to_owned();
        let existing = self
            .db
            .query_all(&existing)
            .await
            .with_context(|| format!("cannot read the organization's {table}"))?
            .iter()
            .map(|row| row.try_get::<Uuid>("", "uuid"))
            .collect::<Result<Vec<_>, _>>()?;
        if !existing.is_empty() {
            return Ok((existing, 0));
        }
        let mut uuids = Vec::with_capacity(reference.entries.len());
        let mut rows = Vec::with_capacity(reference.entries.len());
        for entry in reference.entries {
            let uuid = self.rng.uuid();
            let mut row = vec![uuid.into(), self.organization_uuid.into()];
            row.extend(entry.iter().map(|text| Value::from(text.to_string())));
            row.push(self.now.into());
            rows.push(row);
            uuids.push(uuid);
        }
        let columns: Vec<&'static str> = ["uuid", "organization_uuid"]
            .into_iter()
            .chain(reference.columns.iter().copied())
            .chain(["created_at"])
            .collect();
        insert_rows(self.db, table, &columns, rows).await?;
        let inserted = uuids.len() as u64;
        Ok((uuids, inserted))
    }
}

/// Writes `rows` (each the values of `columns`, in order) into `table` with
/// as few multi-row INSERTs as the bind-parameter limits allow (30 000 per
/// statement).
///
/// # Errors
/// The first statement the database rejects, naming `table`.
pub async fn insert_rows<C: ConnectionTrait>(
    db: &C,
    table: &'static str,
    columns: &[&'static str],
    rows: Vec<Vec<Value>>,
) -> anyhow::Result<()> {
    let rows_per_statement = PARAMETERS_PER_STATEMENT / columns.len();
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let mut insert = Query::insert();
        insert.into_table(table).columns(columns.iter().copied());
        for row in rows.by_ref().take(rows_per_statement) {
            insert.values_panic(row.into_iter().map(Expr::val));
        }
        db.execute(&insert)
            .await
            .with_context(|| format!("cannot insert seeded rows into {table}"))?;
    }
    Ok(())
}
