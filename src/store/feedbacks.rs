//! Feedbacks and highlights: an organization's feedbacks, filtered and
//! sorted, with their count; recording a feedback (keeping its customer's
//! counters current in the same transaction) and cutting a highlight from
//! one. Every function is confined to one organization.

use chrono::{DateTime, Utc};
use entity::folding::fold;
use entity::{feedback_highlights, feedbacks};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DatabaseConnection, FromQueryResult,
    TransactionTrait,
};
use uuid::Uuid;

use super::relations::{Direction, FeedbackSort, Window};
use super::sql::{Sql, contains_pattern};
use crate::error::AppError;
use crate::validation::{Name, Sentiment, Text, Timestamp};

use super::graph::find_many;

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
