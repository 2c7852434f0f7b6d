//! Customers: the filtered, sorted list with its total, one customer, and a
//! customer's child pages (feedbacks, highlights, insights, issues), as both
//! faces read them.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use entity::customers;
use sea_orm::{DatabaseConnection, FromQueryResult};
use uuid::Uuid;

use super::PageArgs;
use crate::error::AppError;
use crate::loaders::{self, CountKey, GraphLoader, LoadError, PageKey};
use crate::metrics::Metrics;
use crate::store::customers::{Along, CustomerFilter, CustomerSort};
use crate::store::relations::{self, Average, Direction, Relation};
use crate::validation;

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
/// checked), and how many match in all: the two statements run side by side.
pub async fn list_with_total(
    db: &DatabaseConnection,
    organization: Uuid,
    filter: &CustomerFilter,
    (sort, direction): (CustomerSort, Direction),
    page: PageArgs,
) -> Result<(Vec<customers::Model>, i64), AppError> {
    let rows = crate::store::customers::list(
        db,
        organization,
        filter,
        sort,
        direction,
        page.window(),
        Along::default(),
    );
    let total = crate::store::customers::count(db, organization, filter);
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
    crate::store::customers::find(db, organization, uuid)
        .await?
        .ok_or(AppError::NotFound("customer"))
}

/// One page of `customer`'s children in `relation` (one of the
/// `Relation::Customer…` lists) and their total, through the same loaders
/// that serve `Customer.feedbacks`, `feedbackHighlights`, `insights` and
/// `issues` in the graph. A customer's feedback total is its stored count.
pub async fn children<M>(
    db: &DatabaseConnection,
    metrics: &Arc<Metrics>,
    customer: &customers::Model,
    relation: Relation,
    page: PageArgs,
) -> Result<(Vec<M>, i64), AppError>
where
    M: FromQueryResult + Clone + Send + Sync + 'static,
    GraphLoader: Loader<PageKey<M>, Value = Vec<M>, Error = LoadError>
        + Loader<CountKey, Value = i64, Error = LoadError>,
{
    let organization = customer.organization_uuid;
    let (loaders, queue) = loaders::loaders(db.clone(), metrics.clone());
    let page_key = PageKey::<M>::new(organization, relation, customer.uuid, page.window());
    let known_total =
        matches!(relation, Relation::CustomerFeedbacks(..)).then_some(customer.feedback_count);
    let read = async {
        let rows = loaders.load_one(page_key);
        let total = async {
            match known_total {
                Some(total) => Ok(Some(total)),
                None => {
                    let key = CountKey::new(organization, relation, customer.uuid);
                    loaders.load_one::<CountKey>(key).await
                }
            }
        };
        futures_util::future::try_join(rows, total).await
    };
    let (rows, total) = loaders::drive(read, queue).await.map_err(unshare)?;
    Ok((rows.unwrap_or_default(), total.unwrap_or(0)))
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

/// A loader's error, shared between its waiters, as the one failure it is.
fn unshare(error: LoadError) -> AppError {
    Arc::try_unwrap(error).unwrap_or_else(|shared| match shared.as_ref() {
        AppError::NotFound(what) => AppError::NotFound(what),
        AppError::Unavailable => AppError::Unavailable,
        // The shared error, cause chain included, stays the source.
        _ => AppError::internal(shared),
    })
}
