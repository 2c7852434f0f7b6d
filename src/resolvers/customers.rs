//! Customers, as both faces read and write them: the filtered, sorted list
//! and its total, one customer, creating and updating one, and a customer's
//! child pages (feedbacks, highlights, insights, issues) with their totals.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use entity::customers;
use sea_orm::{DatabaseConnection, FromQueryResult};
use uuid::Uuid;

use super::children;
use crate::error::AppError;
use crate::live::{Change, Live};
use crate::loaders::{self, ChildList, GraphLoader, LoadError, PageKey};
use crate::metrics::Metrics;
use crate::store;
use crate::store::customers::{Along, Related};
use crate::store::keyset::{Order, Rows};

/// The arguments and rows of the customer resolvers, as the faces build and
/// read them.
pub use crate::store::customers::{
    CustomerChanges, CustomerFilter, NewCustomer, Precondition, VersionTest,
};
use crate::store::relations::{self, Average, Direction, Relation};
use crate::validation;
use entity::vocabulary::CustomerChange;
pub use entity::vocabulary::CustomerSort;

/// The customer list's name in a cursor.
pub const LIST: &str = "customers";

/// The order of a customer list (see [`store::customers::order`]).
pub fn order((sort, direction): (CustomerSort, Direction)) -> Order {
    store::customers::order(sort, direction)
}

/// Longest accepted search text, in characters.
pub const MAX_SEARCH_CHARS: usize = 200;
/// Most uuids in one filter list.
pub const MAX_FILTER_UUIDS: usize = 100;

/// What a face calls the parts of a customer filter, so that a refusal
/// names the parameter the client wrote.
#[derive(Debug, Clone, Copy)]
pub struct FilterNames {
    /// The customer uuid list.
    pub uuids: &'static str,
    /// The company uuid list.
    pub company_uuids: &'static str,
    /// The persona uuid list.
    pub persona_uuids: &'static str,
    /// The search text.
    pub search: &'static str,
    /// The lower bound of mean sentiment.
    pub min_average_sentiment: &'static str,
    /// The upper bound of mean sentiment.
    pub max_average_sentiment: &'static str,
}

/// Checks the limits of a customer filter: at most [`MAX_FILTER_UUIDS`] per
/// list, a search of at most [`MAX_SEARCH_CHARS`] characters without control
/// characters, sentiments from -1 to 1. Errors name the part in `names`.
pub fn check_filter(filter: &CustomerFilter, names: &FilterNames) -> Result<(), AppError> {
    check_uuid_list(names.uuids, &filter.uuids)?;
    check_uuid_list(names.company_uuids, &filter.company_uuids)?;
    check_uuid_list(names.persona_uuids, &filter.persona_uuids)?;
    check_search(names.search, &filter.search)?;
    check_sentiment(names.min_average_sentiment, filter.min_average_sentiment)?;
    check_sentiment(names.max_average_sentiment, filter.max_average_sentiment)
}

/// A filter list of at most [`MAX_FILTER_UUIDS`] uuids.
pub fn check_uuid_list(name: &str, list: &Option<Vec<Uuid>>) -> Result<(), AppError> {
    if list
        .as_ref()
        .is_some_and(|list| list.len() > MAX_FILTER_UUIDS)
    {
        return Err(AppError::bad_parameter(
            name,
            format!("{name} takes at most {MAX_FILTER_UUIDS} uuids"),
        ));
    }
    Ok(())
}

/// A search text of at most [`MAX_SEARCH_CHARS`] characters, without control characters.
pub fn check_search(name: &str, search: &Option<String>) -> Result<(), AppError> {
    if let Some(search) = search {
        validation::no_control_characters(name, search, false)?;
        if search.chars().count() > MAX_SEARCH_CHARS {
            return Err(AppError::bad_parameter(
                name,
                format!("{name} must be at most {MAX_SEARCH_CHARS} characters"),
            ));
        }
    }
    Ok(())
}

/// A sentiment bound from -1 to 1, when given.
pub fn check_sentiment(name: &str, value: Option<f64>) -> Result<(), AppError> {
    if let Some(value) = value {
        validation::sentiment(name, value)?;
    }
    Ok(())
}

/// One page of the organization's customers matching `filter` (already
/// checked), numbered ([`super::PageArgs`]) or keyset ([`Rows::Keyset`]), each
/// with the company and persona `along` asks for.
pub async fn list(
    db: &DatabaseConnection,
    organization: Uuid,
    filter: &CustomerFilter,
    (sort, direction): (CustomerSort, Direction),
    page: impl Into<Rows>,
    along: Along,
) -> Result<Vec<(customers::Model, Related)>, AppError> {
    let rows = page.into();
    store::customers::list(db, organization, filter, sort, direction, &rows, along).await
}

/// How many of the organization's customers match `filter`.
pub async fn count(
    db: &DatabaseConnection,
    organization: Uuid,
    filter: &CustomerFilter,
) -> Result<i64, AppError> {
    store::customers::count(db, organization, filter).await
}

/// One page of customers and how many match in all: the two statements run
/// side by side.
pub async fn list_with_total(
    db: &DatabaseConnection,
    organization: Uuid,
    filter: &CustomerFilter,
    order: (CustomerSort, Direction),
    page: impl Into<Rows>,
) -> Result<(Vec<customers::Model>, i64), AppError> {
    let rows = list(db, organization, filter, order, page, Along::default());
    let total = count(db, organization, filter);
    let (rows, total) = futures_util::future::try_join(rows, total).await?;
    Ok((
        rows.into_iter().map(|(customer, _)| customer).collect(),
        total,
    ))
}

/// The customer, or `NotFound`.
pub async fn get(
    db: &DatabaseConnection,
    organization: Uuid,
    uuid: Uuid,
) -> Result<customers::Model, AppError> {
    store::customers::find(db, organization, uuid)
        .await?
        .ok_or(AppError::NotFound("customer"))
}

pub use crate::store::customers::CustomerDeleted;

/// Creates a customer from checked fields (its persona and company must be
/// the organization's, its email unused there) in one transaction, then
/// tells the organization's subscribers (`customerChanged`, `CREATED`).
pub async fn create(
    db: &DatabaseConnection,
    live: &Live,
    organization: Uuid,
    new: NewCustomer,
) -> Result<customers::Model, AppError> {
    let created = store::customers::create(db, organization, new).await?;
    live.publish(vec![customer_changed(
        organization,
        created.uuid,
        CustomerChange::Created,
    )])
    .await;
    Ok(created)
}

/// Updates a customer under a precondition on its version (see
/// [`store::customers::update`]), then, if anything changed, tells the
/// subscribers (`UPDATED`).
pub async fn update(
    db: &DatabaseConnection,
    live: &Live,
    organization: Uuid,
    uuid: Uuid,
    changes: CustomerChanges,
    precondition: Precondition<'_>,
) -> Result<customers::Model, AppError> {
    let (updated, changed) =
        store::customers::update(db, organization, uuid, changes, precondition).await?;
    if changed {
        live.publish(vec![customer_changed(
            organization,
            uuid,
            CustomerChange::Updated,
        )])
        .await;
    }
    Ok(updated)
}

/// Deletes a customer with its feedback under a precondition on its
/// version (see [`store::customers::delete`]), then tells the subscribers:
/// `feedbackDeleted` for each of its feedbacks, and `customerChanged`
/// (`DELETED`).
pub async fn delete(
    db: &DatabaseConnection,
    live: &Live,
    organization: Uuid,
    uuid: Uuid,
    precondition: Precondition<'_>,
) -> Result<CustomerDeleted, AppError> {
    let gone = store::customers::delete(db, organization, uuid, precondition).await?;
    let mut changes: Vec<Change> = gone
        .feedbacks
        .iter()
        .map(|&feedback| Change::FeedbackDeleted {
            organization,
            feedback,
            customer: uuid,
        })
        .collect();
    changes.push(customer_changed(
        organization,
        uuid,
        CustomerChange::Deleted,
    ));
    live.publish(changes).await;
    Ok(gone)
}

/// The change `change` of `customer`.
pub fn customer_changed(organization: Uuid, customer: Uuid, change: CustomerChange) -> Change {
    Change::CustomerChanged {
        organization,
        customer,
        change,
    }
}

/// One page of `customer`'s children in `list` (one of the customer lists
/// of [`crate::loaders`]) and their total, read with loaders of its own
/// through the same batches that serve `Customer.feedbacks`,
/// `feedbackHighlights`, `insights` and `issues` in the graph. A customer's
/// feedback total is its stored count.
pub async fn page_with_total<M>(
    db: &DatabaseConnection,
    metrics: &Arc<Metrics>,
    customer: &customers::Model,
    list: ChildList<M>,
    page: impl Into<Rows>,
) -> Result<(Vec<M>, i64), AppError>
where
    M: FromQueryResult + Clone + Send + Sync + 'static,
    GraphLoader: Loader<PageKey<M>, Value = Vec<M>, Error = LoadError>,
{
    let organization = customer.organization_uuid;
    let relation = list.relation();
    let (loaders, queue) = loaders::loaders(db.clone(), metrics.clone());
    let read = async {
        let rows = children::page(&loaders, organization, list, customer.uuid, page);
        let total = async {
            match relation {
                Relation::CustomerFeedbacks(..) => Ok(customer.feedback_count),
                _ => children::total(&loaders, organization, relation, customer.uuid).await,
            }
        };
        futures_util::future::try_join(rows, total).await
    };
    loaders::drive(read, queue).await
}

/// The mean sentiment of each issue's linked highlights (`None` without any),
/// in one statement, as `Issue.averageSentiment` reads it.
pub async fn issue_averages(
    db: &DatabaseConnection,
    organization: Uuid,
    issues: &[Uuid],
) -> Result<HashMap<Uuid, Option<f64>>, AppError> {
    Ok(relations::averages(db, organization, Average::IssueSentiment, issues).await?)
}
