//! Feedbacks and highlights: an organization's feedbacks, filtered and
//! sorted, with their count; recording a feedback (keeping its customer's
//! counters current in the same transaction, filing it into spaces),
//! deleting feedbacks all or nothing, and cutting a highlight from one.
//! Every function is confined to one organization.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use entity::folding::fold;
use entity::vocabulary::{DataSourceType, FeedbackType};
use entity::{feedback_highlights, feedbacks};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DatabaseBackend, DatabaseConnection,
    DatabaseTransaction, FromQueryResult, TransactionTrait,
};
use uuid::Uuid;

use super::keyset::{Key, Order, Rows};
use super::relations::{Direction, FeedbackSort};
use super::sql::{Sql, contains_pattern};
use crate::error::{AppError, Reference};
use crate::validation::{Name, Priority, Sentiment, ShortText, Text, Timestamp};

use super::graph::find_many;

/// Which feedbacks of an organization to list; every given condition must
/// hold. An empty list matches nothing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FeedbackFilter {
    /// Only feedbacks of these customers.
    pub customer_uuids: Option<Vec<Uuid>>,
    /// Only feedbacks of customers of these companies.
    pub company_uuids: Option<Vec<Uuid>>,
    /// Only feedbacks in at least one of these spaces.
    pub space_uuids: Option<Vec<Uuid>>,
    /// Only feedbacks in this space (besides `space_uuids`: a space's own
    /// list, filtered further).
    pub space: Option<Uuid>,
    /// Only feedbacks of these types.
    pub feedback_types: Option<Vec<FeedbackType>>,
    /// Given at or after this instant (inclusive).
    pub from: Option<DateTime<Utc>>,
    /// Given at or before this instant (inclusive).
    pub to: Option<DateTime<Utc>>,
    /// Substring of the contents, both folded (`feedbacks.search_text` and
    /// [`contains_pattern`]): case-insensitive in every alphabet.
    pub search: Option<String>,
    /// Exactly this priority.
    pub priority: Option<i32>,
    /// At least this priority.
    pub min_priority: Option<i32>,
    /// Mean sentiment of its highlights at least this.
    pub min_sentiment: Option<f64>,
    /// Mean sentiment of its highlights at most this.
    pub max_sentiment: Option<f64>,
}

impl FeedbackFilter {
    /// True when a list condition is present but empty, so nothing can match.
    fn matches_nothing(&self) -> bool {
        [&self.customer_uuids, &self.company_uuids, &self.space_uuids]
            .iter()
            .any(|list| list.as_ref().is_some_and(Vec::is_empty))
            || self.feedback_types.as_ref().is_some_and(Vec::is_empty)
    }

    fn write_where(&self, sql: &mut Sql, organization: Uuid) {
        sql.push(" FROM feedbacks c WHERE c.organization_uuid = ")
            .bind(organization);
        if let Some(customers) = &self.customer_uuids {
            sql.push(" AND c.customer_uuid")
                .in_uuids(customers.iter().copied());
        }
        if let Some(companies) = &self.company_uuids {
            sql.push(
                " AND c.customer_uuid IN (SELECT cu.uuid FROM customers cu \
                 WHERE cu.organization_uuid = ",
            )
            .bind(organization)
            .push(" AND cu.customer_company_uuid")
            .in_uuids(companies.iter().copied())
            .push(")");
        }
        if let Some(spaces) = &self.space_uuids {
            sql.push(" AND c.uuid IN (SELECT fs.feedback_uuid FROM feedback_spaces fs WHERE fs.space_uuid")
                .in_uuids(spaces.iter().copied())
                .push(")");
        }
        if let Some(space) = self.space {
            sql.push(" AND c.uuid IN (SELECT fs.feedback_uuid FROM feedback_spaces fs WHERE fs.space_uuid = ")
                .bind(space)
                .push(")");
        }
        if let Some(types) = &self.feedback_types {
            sql.push(" AND c.feedback_type IN (");
            for (index, kind) in types.iter().enumerate() {
                if index > 0 {
                    sql.push(", ");
                }
                sql.bind(sea_orm::ActiveEnum::to_value(kind));
            }
            sql.push(")");
        }
        if let Some(from) = self.from {
            sql.push(" AND c.feedback_date >= ").bind(from);
        }
        if let Some(to) = self.to {
            sql.push(" AND c.feedback_date <= ").bind(to);
        }
        if let Some(search) = self.search.as_deref().filter(|search| !search.is_empty()) {
            sql.push(" AND c.search_text LIKE ")
                .bind(contains_pattern(search))
                .push(" ESCAPE '\\'");
        }
        if let Some(priority) = self.priority {
            sql.push(" AND c.priority = ").bind(priority);
        }
        if let Some(minimum) = self.min_priority {
            sql.push(" AND c.priority >= ").bind(minimum);
        }
        if self.min_sentiment.is_some() || self.max_sentiment.is_some() {
            sql.push(
                " AND c.uuid IN (SELECT h.feedback_uuid FROM feedback_highlights h \
                 WHERE h.organization_uuid = ",
            )
            .bind(organization)
            .push(" GROUP BY h.feedback_uuid HAVING 1 = 1");
            if let Some(minimum) = self.min_sentiment {
                sql.push(" AND AVG(h.sentiment_score) >= ")
                    .bind(minimum - super::relations::MEAN_TOLERANCE);
            }
            if let Some(maximum) = self.max_sentiment {
                sql.push(" AND AVG(h.sentiment_score) <= ")
                    .bind(maximum + super::relations::MEAN_TOLERANCE);
            }
            sql.push(")");
        }
    }
}

/// The order of a feedback list: by `sort` in `direction`, ties broken by
/// uuid in the same direction ([`Order::of`]).
pub fn order(sort: FeedbackSort, direction: Direction) -> Order {
    Order::of(Key::new(sort.column(), direction))
}

/// The organization's feedbacks matching `filter` that `rows` asks for, in
/// `sort` and `direction`, ties broken by uuid.
pub async fn list_feedbacks(
    db: &DatabaseConnection,
    organization: Uuid,
    filter: &FeedbackFilter,
    sort: FeedbackSort,
    direction: Direction,
    rows: &Rows,
) -> Result<Vec<feedbacks::Model>, AppError> {
    if filter.matches_nothing() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new("SELECT c.*");
    filter.write_where(&mut sql, organization);
    let read = rows.read(db, sql, order(sort, direction)).await?;
    read.iter()
        .map(|row| feedbacks::Model::from_query_result(row, "").map_err(AppError::from))
        .collect()
}

/// How many of an organization's feedbacks match `filter`.
pub async fn count_feedbacks(
    db: &DatabaseConnection,
    organization: Uuid,
    filter: &FeedbackFilter,
) -> Result<i64, AppError> {
    if filter.matches_nothing() {
        return Ok(0);
    }
    let mut sql = Sql::new("SELECT COUNT(*) AS total");
    filter.write_where(&mut sql, organization);
    Ok(sql.integer(db, "total").await?)
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
    /// Where it came from, as free text (when absent: the data source's
    /// word in lower case, else `api`).
    pub source: Option<Name>,
    /// What kind of feedback it is (`FEEDBACK_RESPONSE` when absent).
    pub feedback_type: Option<FeedbackType>,
    /// Its priority (0 when absent).
    pub priority: Option<Priority>,
    /// The integration it came through.
    pub data_source_type: Option<DataSourceType>,
    /// Its identifier there.
    pub data_source_id: Option<ShortText>,
    /// Spaces of the organization to file it into (each once).
    pub space_uuids: Vec<Uuid>,
}

/// Most spaces a feedback is filed into when it is recorded.
pub const MAX_SPACES_PER_FEEDBACK: usize = 100;

/// Records a feedback and, in the same transaction, keeps the customer's
/// `feedback_count`, `last_interacted_date` and `version` current and files
/// the feedback into its spaces. An unknown customer is
/// [`AppError::Missing`]; an unknown space [`AppError::UnknownReference`].
#[tracing::instrument(level = "debug", skip(db))]
pub async fn create_feedback(
    db: &DatabaseConnection,
    organization: Uuid,
    new: NewFeedback,
) -> Result<feedbacks::Model, AppError> {
    let contents = new.feedback_contents.into_inner();
    let source = match (new.source, new.data_source_type) {
        (Some(source), _) => source.into_inner(),
        (None, Some(kind)) => sea_orm::ActiveEnum::to_value(&kind).to_ascii_lowercase(),
        (None, None) => "api".to_owned(),
    };
    let now = super::now();
    let date = new.feedback_date.map_or(now, Timestamp::into_inner);
    let spaces = dedup(&new.space_uuids);
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
        return Err(AppError::Missing {
            reference: Reference::Customer,
            uuid: new.customer_uuid,
        });
    }
    check_spaces(&txn, organization, &spaces).await?;
    let feedback = feedbacks::ActiveModel {
        uuid: Set(Uuid::new_v4()),
        organization_uuid: Set(organization),
        customer_uuid: Set(new.customer_uuid),
        search_text: Set(fold(&contents)),
        feedback_contents: Set(contents),
        feedback_date: Set(date),
        source: Set(source),
        created_at: Set(now),
        feedback_type: Set(new.feedback_type.unwrap_or_default()),
        priority: Set(new.priority.map_or(0, Priority::into_inner)),
        data_source_type: Set(new.data_source_type),
        data_source_id: Set(new
            .data_source_id
            .map(ShortText::into_inner)
            .filter(|id| !id.is_empty())),
    }
    .insert(&txn)
    .await?;
    if !spaces.is_empty() {
        let mut link = Sql::new("INSERT INTO feedback_spaces (space_uuid, feedback_uuid) VALUES ");
        for (index, space) in spaces.iter().enumerate() {
            link.push(if index == 0 { "(" } else { ", (" })
                .bind(*space)
                .push(", ")
                .bind(feedback.uuid)
                .push(")");
        }
        txn.execute_raw(link.build(txn.get_database_backend()))
            .await?;
    }
    txn.commit().await?;
    Ok(feedback)
}

/// `uuids` without repeats, in their first order.
fn dedup(uuids: &[Uuid]) -> Vec<Uuid> {
    let mut seen = HashSet::new();
    uuids
        .iter()
        .copied()
        .filter(|uuid| seen.insert(*uuid))
        .collect()
}

/// Fails with [`AppError::UnknownReference`] naming the first of `spaces`
/// the organization does not have.
async fn check_spaces(
    txn: &DatabaseTransaction,
    organization: Uuid,
    spaces: &[Uuid],
) -> Result<(), AppError> {
    if spaces.is_empty() {
        return Ok(());
    }
    let mut sql = Sql::new("SELECT uuid FROM spaces WHERE organization_uuid = ");
    sql.bind(organization)
        .push(" AND uuid")
        .in_uuids(spaces.iter().copied());
    let found: HashSet<Uuid> = txn
        .query_all_raw(sql.build(txn.get_database_backend()))
        .await?
        .iter()
        .map(|row| row.try_get::<Uuid>("", "uuid"))
        .collect::<Result<_, _>>()?;
    match spaces.iter().find(|space| !found.contains(space)) {
        Some(missing) => Err(AppError::UnknownReference {
            reference: Reference::Space,
            uuid: *missing,
        }),
        None => Ok(()),
    }
}

/// Most feedbacks one delete takes.
pub const MAX_DELETED_FEEDBACKS: usize = 100;

/// Deletes the feedbacks `uuids` (repeats count once) with their
/// highlights, the highlights' links to insights and issues, and their
/// places in spaces, all in one transaction, and recomputes each of their
/// customers' `feedback_count` and `last_interacted_date` (and adds 1 to
/// its `version`). All or nothing: when one of them is not the
/// organization's, nothing is deleted and the answer is
/// [`AppError::Missing`] naming the first such uuid. Answers the feedbacks
/// deleted, each with its customer.
#[tracing::instrument(level = "debug", skip(db))]
pub async fn delete_feedbacks(
    db: &DatabaseConnection,
    organization: Uuid,
    uuids: &[Uuid],
) -> Result<Vec<DeletedFeedback>, AppError> {
    let uuids = dedup(uuids);
    if uuids.is_empty() {
        return Ok(Vec::new());
    }
    let backend = db.get_database_backend();
    let txn = db.begin().await?;
    let customers_of = |sql: &mut Sql| {
        sql.push(" WHERE organization_uuid = ")
            .bind(organization)
            .push(
                " AND uuid IN (SELECT f.customer_uuid FROM feedbacks f WHERE f.organization_uuid = ",
            )
            .bind(organization)
            .push(" AND f.uuid")
            .in_uuids(uuids.iter().copied())
            .push(")");
    };
    if backend == DatabaseBackend::Postgres {
        // Row locks in one order (by uuid) for every delete: two deletes
        // whose customers overlap queue instead of deadlocking.
        let mut lock = Sql::new("SELECT uuid FROM customers");
        customers_of(&mut lock);
        lock.push(" ORDER BY uuid FOR UPDATE");
        txn.query_all_raw(lock.build(backend)).await?;
    }
    // Write first (see `create_feedback`; on SQLite this takes the
    // database's write lock): the customers whose counters change.
    let mut bump = Sql::new("UPDATE customers SET version = version + 1");
    customers_of(&mut bump);
    txn.execute_raw(bump.build(backend)).await?;
    let mut found =
        Sql::new("SELECT uuid, customer_uuid FROM feedbacks WHERE organization_uuid = ");
    found
        .bind(organization)
        .push(" AND uuid")
        .in_uuids(uuids.iter().copied());
    let rows = txn.query_all_raw(found.build(backend)).await?;
    let mut present = HashSet::new();
    let mut customers = Vec::new();
    let mut gone = Vec::with_capacity(rows.len());
    for row in &rows {
        let uuid: Uuid = row.try_get("", "uuid")?;
        present.insert(uuid);
        let customer: Uuid = row.try_get("", "customer_uuid")?;
        gone.push(DeletedFeedback { uuid, customer });
        if !customers.contains(&customer) {
            customers.push(customer);
        }
    }
    if let Some(missing) = uuids.iter().find(|uuid| !present.contains(uuid)) {
        // Dropping the transaction rolls the versions back.
        return Err(AppError::Missing {
            reference: Reference::Feedback,
            uuid: *missing,
        });
    }
    let deletes = [
        "DELETE FROM insight_highlights WHERE highlight_uuid IN \
         (SELECT h.uuid FROM feedback_highlights h WHERE h.feedback_uuid",
        "DELETE FROM issue_highlights WHERE highlight_uuid IN \
         (SELECT h.uuid FROM feedback_highlights h WHERE h.feedback_uuid",
        "DELETE FROM feedback_highlights WHERE (feedback_uuid",
        "DELETE FROM feedback_spaces WHERE (feedback_uuid",
        "DELETE FROM feedbacks WHERE (uuid",
    ];
    for delete in deletes {
        let mut sql = Sql::new(delete);
        sql.in_uuids(uuids.iter().copied()).push(")");
        txn.execute_raw(sql.build(backend)).await?;
    }
    recount_customers(&txn, organization, &customers).await?;
    txn.commit().await?;
    Ok(gone)
}

/// A feedback a delete removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeletedFeedback {
    /// The feedback.
    pub uuid: Uuid,
    /// Its customer.
    pub customer: Uuid,
}

/// The spaces each of `feedbacks` (of `organization`) sits in, by feedback;
/// a feedback in none is absent.
pub async fn spaces_of(
    db: &DatabaseConnection,
    organization: Uuid,
    feedbacks: &[Uuid],
) -> Result<std::collections::HashMap<Uuid, Vec<Uuid>>, AppError> {
    let mut spaces: std::collections::HashMap<Uuid, Vec<Uuid>> = Default::default();
    if feedbacks.is_empty() {
        return Ok(spaces);
    }
    let backend = db.get_database_backend();
    let mut sql = Sql::new(
        "SELECT fs.feedback_uuid, fs.space_uuid FROM feedback_spaces fs \
         JOIN spaces s ON s.uuid = fs.space_uuid WHERE s.organization_uuid = ",
    );
    sql.bind(organization)
        .push(" AND fs.feedback_uuid")
        .in_uuids(feedbacks.iter().copied())
        .push(" ORDER BY s.name, s.uuid");
    for row in db.query_all_raw(sql.build(backend)).await? {
        let feedback: Uuid = row.try_get("", "feedback_uuid")?;
        spaces
            .entry(feedback)
            .or_default()
            .push(row.try_get("", "space_uuid")?);
    }
    Ok(spaces)
}

/// Sets each of `customers`' `feedback_count` and `last_interacted_date`
/// from the feedbacks they have now.
async fn recount_customers(
    txn: &DatabaseTransaction,
    organization: Uuid,
    customers: &[Uuid],
) -> Result<(), AppError> {
    if customers.is_empty() {
        return Ok(());
    }
    let mut sql = Sql::new(
        "UPDATE customers SET \
         feedback_count = (SELECT COUNT(*) FROM feedbacks f WHERE f.customer_uuid = customers.uuid), \
         last_interacted_date = (SELECT MAX(f.feedback_date) FROM feedbacks f \
         WHERE f.customer_uuid = customers.uuid) WHERE organization_uuid = ",
    );
    sql.bind(organization)
        .push(" AND uuid")
        .in_uuids(customers.iter().copied());
    txn.execute_raw(sql.build(txn.get_database_backend()))
        .await?;
    Ok(())
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
