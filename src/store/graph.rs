//! The rest of the graph: companies, personas, feedbacks, highlights, insights
//! and issues — lookups by uuid for the loaders, organization-wide lists, and
//! the writes. Every function is confined to one organization.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::folding::fold;
use entity::vocabulary::IssueStatus;
use entity::{
    customer_companies, customers, feedback_highlights, feedbacks, insights, issues, personas,
};
use sea_orm::sea_query::{Expr, ExprTrait, PgFunc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseBackend,
    DatabaseConnection, EntityTrait, FromQueryResult, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionTrait, Value,
};
use uuid::Uuid;

use super::relations::{Direction, FeedbackSort, Window};
use super::sql::{Sql, contains_pattern, uuid_array};
use crate::error::{AppError, Reference};
use crate::validation::{LongText, Name, Sentiment, ShortText, Text, Timestamp};

/// A table whose rows have a `uuid` key and belong to one organization.
pub trait Owned: EntityTrait {
    /// The `uuid` column.
    fn uuid_column() -> Self::Column;
    /// The `organization_uuid` column.
    fn organization_column() -> Self::Column;
    /// The column organization-wide lists are ordered by (then by uuid).
    fn list_column() -> Self::Column;
}

macro_rules! owned {
    ($module:ident, $list:ident) => {
        impl Owned for $module::Entity {
            fn uuid_column() -> Self::Column {
                $module::Column::Uuid
            }
            fn organization_column() -> Self::Column {
                $module::Column::OrganizationUuid
            }
            fn list_column() -> Self::Column {
                $module::Column::$list
            }
        }
    };
}

owned!(customers, FullName);
owned!(customer_companies, Name);
owned!(personas, Name);
owned!(feedbacks, FeedbackDate);
owned!(feedback_highlights, CreatedAt);
owned!(insights, Title);
owned!(issues, Title);

/// `column` is one of `uuids` (at least one): one array parameter on
/// PostgreSQL, so the statement text and its cached plan do not depend on how
/// many there are; `IN (…)` on SQLite.
fn uuid_set<Col: ColumnTrait>(
    db: &DatabaseConnection,
    column: Col,
    uuids: &[Uuid],
) -> sea_orm::sea_query::SimpleExpr {
    match db.get_database_backend() {
        DatabaseBackend::Postgres => {
            let set = uuid_array(uuids.iter().copied());
            Expr::col(column).eq(PgFunc::any(Expr::val(set)))
        }
        _ => column.is_in(uuids.iter().copied()),
    }
}

/// The rows of `E` with these uuids that belong to `organization`, by uuid.
pub async fn find_many<E>(
    db: &DatabaseConnection,
    organization: Uuid,
    uuids: &[Uuid],
) -> Result<HashMap<Uuid, E::Model>, AppError>
where
    E: Owned,
    E::Model: sea_orm::ModelTrait<Entity = E>,
{
    use sea_orm::ModelTrait;
    if uuids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = E::find()
        .filter(E::organization_column().eq(organization))
        .filter(uuid_set(db, E::uuid_column(), uuids))
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| match row.get(E::uuid_column()) {
            Value::Uuid(Some(uuid)) => Some((uuid, row)),
            _ => None,
        })
        .collect())
}

/// One page of all rows of `E` in the organization, in list order.
pub async fn list<E: Owned>(
    db: &DatabaseConnection,
    organization: Uuid,
    window: Window,
) -> Result<Vec<E::Model>, AppError> {
    Ok(E::find()
        .filter(E::organization_column().eq(organization))
        .order_by_asc(E::list_column())
        .order_by_asc(E::uuid_column())
        .limit(window.limit)
        .offset(window.offset)
        .all(db)
        .await?)
}

/// How many rows of `E` the organization has.
pub async fn count<E>(db: &DatabaseConnection, organization: Uuid) -> Result<i64, AppError>
where
    E: Owned,
    E::Model: Send + Sync,
{
    let total = E::find()
        .filter(E::organization_column().eq(organization))
        .count(db)
        .await?;
    Ok(total as i64)
}

/// Which feedbacks of an organization to list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FeedbackFilter {
    /// Only feedbacks of these customers.
    pub customer_uuids: Option<Vec<Uuid>>,
    /// Given at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Given before this instant.
    pub to: Option<DateTime<Utc>>,
    /// Substring of the contents, both folded (`feedbacks.search_text` and
    /// [`contains_pattern`]): case-insensitive in every alphabet.
    pub search: Option<String>,
    /// Mean sentiment of its highlights at least this.
    pub min_sentiment: Option<f64>,
    /// Mean sentiment of its highlights at most this.
    pub max_sentiment: Option<f64>,
}

impl FeedbackFilter {
    fn write_where(&self, sql: &mut Sql, organization: Uuid) -> bool {
        if self.customer_uuids.as_ref().is_some_and(Vec::is_empty) {
            return false;
        }
        sql.push(" FROM feedbacks c WHERE c.organization_uuid = ")
            .bind(organization);
        if let Some(customers) = &self.customer_uuids {
            sql.push(" AND c.customer_uuid")
                .in_uuids(customers.iter().copied());
        }
        if let Some(from) = self.from {
            sql.push(" AND c.feedback_date >= ").bind(from);
        }
        if let Some(to) = self.to {
            sql.push(" AND c.feedback_date < ").bind(to);
        }
        if let Some(search) = self.search.as_deref().filter(|search| !search.is_empty()) {
            sql.push(" AND c.search_text LIKE ")
                .bind(contains_pattern(search))
                .push(" ESCAPE '\\'");
        }
        if self.min_sentiment.is_some() || self.max_sentiment.is_some() {
            sql.push(
                " AND c.uuid IN (SELECT h.feedback_uuid FROM feedback_highlights h \
                 WHERE h.organization_uuid = ",
            )
            .bind(organization)
            .push(" GROUP BY h.feedback_uuid HAVING 1 = 1");
            if let Some(minimum) = self.min_sentiment {
                sql.push(" AND AVG(h.sentiment_score) >= ").bind(minimum);
            }
            if let Some(maximum) = self.max_sentiment {
                sql.push(" AND AVG(h.sentiment_score) <= ").bind(maximum);
            }
            sql.push(")");
        }
        true
    }
}

/// One page of an organization's feedbacks.
pub async fn list_feedbacks(
    db: &DatabaseConnection,
    organization: Uuid,
    filter: &FeedbackFilter,
    sort: FeedbackSort,
    direction: Direction,
    window: Window,
) -> Result<Vec<feedbacks::Model>, AppError> {
    let mut sql = Sql::new("SELECT c.*");
    if !filter.write_where(&mut sql, organization) {
        return Ok(Vec::new());
    }
    sql.push(&format!(
        " ORDER BY {} {}, c.uuid LIMIT ",
        sort.column(),
        direction.sql()
    ))
    .bind(window.limit as i64)
    .push(" OFFSET ")
    .bind(window.offset as i64);
    let rows = db
        .query_all_raw(sql.build(db.get_database_backend()))
        .await?;
    rows.iter()
        .map(|row| feedbacks::Model::from_query_result(row, "").map_err(AppError::from))
        .collect()
}

/// How many of an organization's feedbacks match `filter`.
pub async fn count_feedbacks(
    db: &DatabaseConnection,
    organization: Uuid,
    filter: &FeedbackFilter,
) -> Result<i64, AppError> {
    let mut sql = Sql::new("SELECT COUNT(*) AS total");
    if !filter.write_where(&mut sql, organization) {
        return Ok(0);
    }
    Ok(sql.integer(db, "total").await?)
}

/// Creates a company.
pub async fn create_company(
    db: &DatabaseConnection,
    organization: Uuid,
    name: Name,
    domain: Option<ShortText>,
) -> Result<customer_companies::Model, AppError> {
    Ok(customer_companies::ActiveModel {
        uuid: Set(Uuid::new_v4()),
        organization_uuid: Set(organization),
        name: Set(name.into_inner()),
        domain: Set(domain.map(ShortText::into_inner)),
        created_at: Set(super::now()),
    }
    .insert(db)
    .await?)
}

/// Creates a persona.
pub async fn create_persona(
    db: &DatabaseConnection,
    organization: Uuid,
    name: Name,
    description: Option<LongText>,
) -> Result<personas::Model, AppError> {
    Ok(personas::ActiveModel {
        uuid: Set(Uuid::new_v4()),
        organization_uuid: Set(organization),
        name: Set(name.into_inner()),
        description: Set(description.map(LongText::into_inner)),
        created_at: Set(super::now()),
    }
    .insert(db)
    .await?)
}

/// A feedback to record.
#[derive(Debug, Clone)]
pub struct NewFeedback {
    /// The customer who gave it.
    pub customer_uuid: Uuid,
    /// What they said.
    pub feedback_contents: Text,
    /// When they said it (now when absent).
    pub feedback_date: Option<Timestamp>,
    /// Where it came from (`api` when absent).
    pub source: Option<Name>,
}

/// Records a feedback and, in the same transaction, keeps the customer's
/// `feedback_count` and `last_interacted_date` current.
#[tracing::instrument(level = "debug", skip(db))]
pub async fn create_feedback(
    db: &DatabaseConnection,
    organization: Uuid,
    new: NewFeedback,
) -> Result<feedbacks::Model, AppError> {
    let contents = new.feedback_contents.into_inner();
    let source = new
        .source
        .map_or_else(|| "api".to_owned(), Name::into_inner);
    let now = super::now();
    let date = new.feedback_date.map_or(now, Timestamp::into_inner);
    let txn = db.begin().await?;
    // Write first: on SQLite a transaction that reads before it writes can fail
    // to upgrade its lock under concurrency.
    let mut update = Sql::new(
        "UPDATE customers SET feedback_count = feedback_count + 1, version = version + 1, \
         last_interacted_date = CASE WHEN last_interacted_date IS NULL OR last_interacted_date < ",
    );
    update
        .bind(date)
        .push(" THEN ")
        .bind(date)
        .push(" ELSE last_interacted_date END WHERE uuid = ")
        .bind(new.customer_uuid)
        .push(" AND organization_uuid = ")
        .bind(organization);
    let updated = txn
        .execute_raw(update.build(txn.get_database_backend()))
        .await?;
    if updated.rows_affected() == 0 {
        return Err(AppError::NotFound("customer"));
    }
    let feedback = feedbacks::ActiveModel {
        uuid: Set(Uuid::new_v4()),
        organization_uuid: Set(organization),
        customer_uuid: Set(new.customer_uuid),
        search_text: Set(fold(&contents)),
        feedback_contents: Set(contents),
        feedback_date: Set(date),
        source: Set(source),
        created_at: Set(now),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(feedback)
}

/// Cuts a highlight from a feedback of this organization.
pub async fn create_highlight(
    db: &DatabaseConnection,
    organization: Uuid,
    feedback_uuid: Uuid,
    quote: Text,
    sentiment_score: Sentiment,
) -> Result<feedback_highlights::Model, AppError> {
    let (quote, sentiment_score) = (quote.into_inner(), sentiment_score.into_inner());
    let Some(feedback) = find_many::<feedbacks::Entity>(db, organization, &[feedback_uuid])
        .await?
        .remove(&feedback_uuid)
    else {
        return Err(AppError::NotFound("feedback"));
    };
    Ok(feedback_highlights::ActiveModel {
        uuid: Set(Uuid::new_v4()),
        organization_uuid: Set(organization),
        feedback_uuid: Set(feedback_uuid),
        quote: Set(quote),
        sentiment_score: Set(sentiment_score),
        created_at: Set(super::now()),
        customer_uuid: Set(feedback.customer_uuid),
        feedback_date: Set(feedback.feedback_date),
    }
    .insert(db)
    .await?)
}

/// The highlights, in the order given; fails unless every one exists in the
/// organization.
async fn find_highlights(
    db: &DatabaseConnection,
    organization: Uuid,
    highlights: &[Uuid],
) -> Result<Vec<feedback_highlights::Model>, AppError> {
    let mut found = find_many::<feedback_highlights::Entity>(db, organization, highlights).await?;
    highlights
        .iter()
        .map(|uuid| {
            found.remove(uuid).ok_or(AppError::UnknownReference {
                reference: Reference::Highlight,
                uuid: *uuid,
            })
        })
        .collect()
}

/// A table highlights are linked to (insights, issues), and its link table.
pub trait Linked: Owned {
    /// The link table.
    const LINK_TABLE: &'static str;
    /// The link table's column naming the owner.
    const OWNER_COLUMN: &'static str;
    /// The kind of row, for a `NotFound`.
    const WHAT: &'static str;
}

impl Linked for insights::Entity {
    const LINK_TABLE: &'static str = "insight_highlights";
    const OWNER_COLUMN: &'static str = "insight_uuid";
    const WHAT: &'static str = "insight";
}

impl Linked for issues::Entity {
    const LINK_TABLE: &'static str = "issue_highlights";
    const OWNER_COLUMN: &'static str = "issue_uuid";
    const WHAT: &'static str = "issue";
}

/// Links highlights to an insight or issue; linking twice is a no-op. Each
/// link records its highlight's customer.
async fn link<E: Linked, C: ConnectionTrait>(
    db: &C,
    owner: Uuid,
    highlights: &[feedback_highlights::Model],
) -> Result<(), AppError> {
    if highlights.is_empty() {
        return Ok(());
    }
    let (table, owner_column) = (E::LINK_TABLE, E::OWNER_COLUMN);
    let mut sql = Sql::new(&format!(
        "INSERT INTO {table} ({owner_column}, highlight_uuid, customer_uuid) VALUES "
    ));
    for (index, highlight) in highlights.iter().enumerate() {
        sql.push(if index == 0 { "(" } else { ", (" })
            .bind(owner)
            .push(", ")
            .bind(highlight.uuid)
            .push(", ")
            .bind(highlight.customer_uuid)
            .push(")");
    }
    sql.push(&format!(
        " ON CONFLICT ({owner_column}, highlight_uuid) DO NOTHING"
    ));
    db.execute_raw(sql.build(db.get_database_backend())).await?;
    Ok(())
}

fn dedup(uuids: &[Uuid]) -> Vec<Uuid> {
    let mut unique = uuids.to_vec();
    unique.sort_unstable();
    unique.dedup();
    unique
}

/// Creates an insight linked to `highlights`.
pub async fn create_insight(
    db: &DatabaseConnection,
    organization: Uuid,
    title: Name,
    description: Option<LongText>,
    highlights: &[Uuid],
) -> Result<insights::Model, AppError> {
    let highlights = find_highlights(db, organization, &dedup(highlights)).await?;
    let txn = db.begin().await?;
    let insight = insights::ActiveModel {
        uuid: Set(Uuid::new_v4()),
        organization_uuid: Set(organization),
        title: Set(title.into_inner()),
        description: Set(description.map(LongText::into_inner)),
        created_at: Set(super::now()),
    }
    .insert(&txn)
    .await?;
    link::<insights::Entity, _>(&txn, insight.uuid, &highlights).await?;
    txn.commit().await?;
    Ok(insight)
}

/// Creates an issue with `status`, linked to `highlights`.
pub async fn create_issue(
    db: &DatabaseConnection,
    organization: Uuid,
    title: Name,
    description: Option<LongText>,
    status: IssueStatus,
    highlights: &[Uuid],
) -> Result<issues::Model, AppError> {
    let highlights = find_highlights(db, organization, &dedup(highlights)).await?;
    let txn = db.begin().await?;
    let issue = issues::ActiveModel {
        uuid: Set(Uuid::new_v4()),
        organization_uuid: Set(organization),
        title: Set(title.into_inner()),
        description: Set(description.map(LongText::into_inner)),
        status: Set(status),
        created_at: Set(super::now()),
    }
    .insert(&txn)
    .await?;
    link::<issues::Entity, _>(&txn, issue.uuid, &highlights).await?;
    txn.commit().await?;
    Ok(issue)
}

/// Links one highlight to an insight or issue (`E`) of the same
/// organization (linking twice changes nothing), and answers that insight
/// or issue. Either missing is `NotFound`.
pub async fn link_highlight<E: Linked>(
    db: &DatabaseConnection,
    organization: Uuid,
    owner: Uuid,
    highlight: Uuid,
) -> Result<E::Model, AppError>
where
    E::Model: sea_orm::ModelTrait<Entity = E>,
{
    let Some(found) = find_many::<E>(db, organization, &[owner])
        .await?
        .remove(&owner)
    else {
        return Err(AppError::NotFound(E::WHAT));
    };
    let Some(highlight) = find_many::<feedback_highlights::Entity>(db, organization, &[highlight])
        .await?
        .remove(&highlight)
    else {
        return Err(AppError::NotFound("feedback highlight"));
    };
    link::<E, _>(db, owner, &[highlight]).await?;
    Ok(found)
}
