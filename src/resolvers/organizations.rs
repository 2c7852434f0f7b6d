//! An organization's graph beyond its customers: its own row, its
//! organization-wide lists (companies, personas, insights and issues in list
//! order, and its feedbacks, filtered and sorted) with their totals, and the
//! writes of the graph (companies, personas, feedback, highlights, insights,
//! issues and their links). Each write is one statement or one transaction
//! of the store and takes checked values (see [`crate::validation`]); it is
//! re-exported here so that no face reaches into the store itself.

use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::PageArgs;
use crate::error::AppError;
use crate::store::feedbacks::{self as feedback_store, FeedbackFilter};
use crate::store::graph::{self, Owned};
use entity::feedbacks;
use entity::vocabulary::{Direction, FeedbackSort};

pub use crate::store::catalog::{
    create_company, create_insight, create_issue, create_persona, link_highlight,
};
pub use crate::store::feedbacks::{NewFeedback, create_feedback, create_highlight};

/// The organization's own row, or `NotFound`.
pub async fn get(
    db: &DatabaseConnection,
    organization: Uuid,
) -> Result<entity::organizations::Model, AppError> {
    crate::store::organizations::find(db, organization)
        .await?
        .ok_or(AppError::NotFound("organization"))
}

/// One page of all rows of `E` in the organization, in list order.
pub async fn table<E: Owned>(
    db: &DatabaseConnection,
    organization: Uuid,
    page: PageArgs,
) -> Result<Vec<E::Model>, AppError> {
    graph::list::<E>(db, organization, page.window()).await
}

/// How many rows of `E` the organization has.
pub async fn table_total<E>(db: &DatabaseConnection, organization: Uuid) -> Result<i64, AppError>
where
    E: Owned,
    E::Model: Send + Sync,
{
    graph::count::<E>(db, organization).await
}

/// One page of the organization's feedbacks matching `filter` (already
/// checked), in `order`, ties broken by uuid.
pub async fn feedbacks(
    db: &DatabaseConnection,
    organization: Uuid,
    filter: &FeedbackFilter,
    (sort, direction): (FeedbackSort, Direction),
    page: PageArgs,
) -> Result<Vec<feedbacks::Model>, AppError> {
    feedback_store::list_feedbacks(db, organization, filter, sort, direction, page.window()).await
}

/// How many of the organization's feedbacks match `filter`.
pub async fn feedback_total(
    db: &DatabaseConnection,
    organization: Uuid,
    filter: &FeedbackFilter,
) -> Result<i64, AppError> {
    feedback_store::count_feedbacks(db, organization, filter).await
}
