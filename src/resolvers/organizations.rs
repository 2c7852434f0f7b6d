//! An organization's graph beyond its customers and feedbacks: its own row,
//! its organization-wide lists (companies, personas, insights, issues and
//! spaces in list order) with their totals, and the writes of the graph
//! (companies, personas, insights, issues and their links; feedback,
//! highlights and spaces are written in [`super::feedbacks`]). Each write is one statement or one transaction
//! of the store and takes checked values (see [`crate::validation`]); it is
//! re-exported here so that no face reaches into the store itself.

use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::error::AppError;
use crate::store::graph::{self, Owned};
use crate::store::keyset::{Order, Rows};

pub use crate::store::catalog::{
    create_company, create_insight, create_issue, create_persona, link_highlight,
};

/// The organization's own row, or `NotFound`.
pub async fn get(
    db: &DatabaseConnection,
    organization: Uuid,
) -> Result<entity::organizations::Model, AppError> {
    crate::store::organizations::find(db, organization)
        .await?
        .ok_or(AppError::NotFound("organization"))
}

/// The names in a cursor of the organization-wide lists.
pub const SPACES: &str = "spaces";
/// See [`SPACES`].
pub const COMPANIES: &str = "customer_companies";
/// See [`SPACES`].
pub const PERSONAS: &str = "personas";
/// See [`SPACES`].
pub const INSIGHTS: &str = "insights";
/// See [`SPACES`].
pub const ISSUES: &str = "issues";

/// The order of an organization-wide list of `E` (its list column, then uuid).
pub fn table_order<E: Owned>() -> Order {
    graph::order::<E>()
}

/// One page of all rows of `E` in the organization, in list order,
/// numbered ([`super::PageArgs`]) or keyset ([`Rows::Keyset`]).
pub async fn table<E: Owned>(
    db: &DatabaseConnection,
    organization: Uuid,
    page: impl Into<Rows>,
) -> Result<Vec<E::Model>, AppError> {
    graph::list::<E>(db, organization, &page.into()).await
}

/// How many rows of `E` the organization has.
pub async fn table_total<E>(db: &DatabaseConnection, organization: Uuid) -> Result<i64, AppError>
where
    E: Owned,
    E::Model: Send + Sync,
{
    graph::count::<E>(db, organization).await
}
