//! Feedbacks, as both faces read and write them: an organization's
//! feedbacks, filtered and sorted, with their total; one feedback; a
//! feedback's highlights and the spaces it sits in; recording feedback and
//! deleting it all or nothing. Spaces, the collections feedback is filed
//! into, live here too: their list, one space, creating one and a space's
//! feedbacks.

use std::collections::HashMap;
use std::sync::Arc;

use entity::{feedback_highlights, feedbacks, spaces};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::customers::customer_changed;
use super::customers::{check_search, check_sentiment, check_uuid_list};
use super::{PageArgs, children};
use crate::error::AppError;
use crate::live::{Change, Live};
use crate::loaders::{self, FEEDBACK_HIGHLIGHTS, FEEDBACK_SPACES};
use crate::metrics::Metrics;
use crate::store;
use crate::store::keyset::{Order, Rows};
use crate::store::relations::Relation;
use crate::validation::{self, Named};

pub use crate::store::catalog::create_space;
pub use crate::store::feedbacks::{
    DeletedFeedback, FeedbackFilter, MAX_DELETED_FEEDBACKS, MAX_SPACES_PER_FEEDBACK, NewFeedback,
};
use entity::vocabulary::CustomerChange;
pub use entity::vocabulary::{DataSourceType, Direction, FeedbackSort, FeedbackType};

/// The organization's feedback list's name in a cursor.
pub const LIST: &str = "feedbacks";

/// The order of a feedback list (see [`store::feedbacks::order`]).
pub fn order((sort, direction): (FeedbackSort, Direction)) -> Order {
    store::feedbacks::order(sort, direction)
}

/// What a face calls the parts of a feedback filter, so that a refusal
/// names the parameter the client wrote.
#[derive(Debug, Clone, Copy)]
pub struct FeedbackFilterNames {
    /// The customer uuid list.
    pub customer_uuids: &'static str,
    /// The company uuid list.
    pub company_uuids: &'static str,
    /// The space uuid list.
    pub space_uuids: &'static str,
    /// The feedback type list.
    pub feedback_types: &'static str,
    /// The lower date bound.
    pub from: &'static str,
    /// The upper date bound.
    pub to: &'static str,
    /// The search text.
    pub search: &'static str,
    /// The exact priority.
    pub priority: &'static str,
    /// The lowest priority.
    pub min_priority: &'static str,
    /// The lower bound of mean sentiment.
    pub min_sentiment: &'static str,
    /// The upper bound of mean sentiment.
    pub max_sentiment: &'static str,
}

/// Checks the limits of a feedback filter: at most 100 uuids
/// per uuid list ([`super::customers::MAX_FILTER_UUIDS`]), a search of at most
/// 200 characters without control characters, priorities from 0 to 4,
/// sentiments from -1 to 1, dates in the years 1900–9999 and `from` not
/// after `to`. Errors name the part in `names`.
pub fn check_feedback_filter(
    filter: &FeedbackFilter,
    names: &FeedbackFilterNames,
) -> Result<(), AppError> {
    check_uuid_list(names.customer_uuids, &filter.customer_uuids)?;
    check_uuid_list(names.company_uuids, &filter.company_uuids)?;
    check_uuid_list(names.space_uuids, &filter.space_uuids)?;
    check_search(names.search, &filter.search)?;
    check_sentiment(names.min_sentiment, filter.min_sentiment)?;
    check_sentiment(names.max_sentiment, filter.max_sentiment)?;
    for (name, priority) in [
        (names.priority, filter.priority),
        (names.min_priority, filter.min_priority),
    ] {
        if let Some(priority) = priority {
            validation::priority_rule(priority).named(name)?;
        }
    }
    for (name, date) in [(names.from, filter.from), (names.to, filter.to)] {
        if let Some(date) = date {
            validation::timestamp(name, date)?;
        }
    }
    if let (Some(minimum), Some(maximum)) = (filter.min_sentiment, filter.max_sentiment)
        && minimum > maximum
    {
        return Err(AppError::bad_parameter(
            names.max_sentiment,
            format!(
                "{} must not be below {}",
                names.max_sentiment, names.min_sentiment
            ),
        ));
    }
    if let (Some(from), Some(to)) = (filter.from, filter.to)
        && from > to
    {
        return Err(AppError::bad_parameter(
            names.to,
            format!("{} must not be before {}", names.to, names.from),
        ));
    }
    Ok(())
}

/// One page of the organization's feedbacks matching `filter` (already
/// checked), numbered ([`PageArgs`]) or keyset ([`Rows::Keyset`]), in
/// `order`, ties broken by uuid.
pub async fn list(
    db: &DatabaseConnection,
    organization: Uuid,
    filter: &FeedbackFilter,
    (sort, direction): (FeedbackSort, Direction),
    page: impl Into<Rows>,
) -> Result<Vec<feedbacks::Model>, AppError> {
    let rows = page.into();
    store::feedbacks::list_feedbacks(db, organization, filter, sort, direction, &rows).await
}

/// How many of the organization's feedbacks match `filter`.
pub async fn total(
    db: &DatabaseConnection,
    organization: Uuid,
    filter: &FeedbackFilter,
) -> Result<i64, AppError> {
    store::feedbacks::count_feedbacks(db, organization, filter).await
}

/// One page of feedbacks and how many match in all: the two statements run
/// side by side.
pub async fn list_with_total(
    db: &DatabaseConnection,
    organization: Uuid,
    filter: &FeedbackFilter,
    order: (FeedbackSort, Direction),
    page: impl Into<Rows>,
) -> Result<(Vec<feedbacks::Model>, i64), AppError> {
    let rows = list(db, organization, filter, order, page);
    let total = total(db, organization, filter);
    futures_util::future::try_join(rows, total).await
}

/// The feedback, or `NotFound`.
pub async fn get(
    db: &DatabaseConnection,
    organization: Uuid,
    uuid: Uuid,
) -> Result<feedbacks::Model, AppError> {
    store::graph::find_many::<feedbacks::Entity>(db, organization, &[uuid])
        .await?
        .remove(&uuid)
        .ok_or(AppError::NotFound("feedback"))
}

/// The space, or `NotFound`.
pub async fn get_space(
    db: &DatabaseConnection,
    organization: Uuid,
    uuid: Uuid,
) -> Result<spaces::Model, AppError> {
    store::graph::find_many::<spaces::Entity>(db, organization, &[uuid])
        .await?
        .remove(&uuid)
        .ok_or(AppError::NotFound("space"))
}

/// Records a feedback and files it into its spaces in one transaction (see
/// [`store::feedbacks::create_feedback`]), then tells the organization's
/// subscribers: `feedbackCreated`, and `customerChanged`
/// (`COUNTERS_MOVED`) for its customer.
pub async fn create_feedback(
    db: &DatabaseConnection,
    live: &Live,
    organization: Uuid,
    new: NewFeedback,
) -> Result<feedbacks::Model, AppError> {
    let created = store::feedbacks::create_feedback(db, organization, new).await?;
    live.publish(vec![
        Change::FeedbackCreated {
            organization,
            feedback: created.uuid,
        },
        customer_changed(
            organization,
            created.customer_uuid,
            CustomerChange::CountersMoved,
        ),
    ])
    .await;
    Ok(created)
}

/// Deletes the feedbacks `uuids` (1 to [`MAX_DELETED_FEEDBACKS`]) with
/// their highlights and links, all or nothing (see
/// [`store::feedbacks::delete_feedbacks`]), then tells the subscribers:
/// `feedbackDeleted` for each, `customerChanged` (`COUNTERS_MOVED`) for
/// each of their customers. Answers how many were deleted. The face checks
/// the list's length under its own name.
pub async fn delete_feedbacks(
    db: &DatabaseConnection,
    live: &Live,
    organization: Uuid,
    uuids: &[Uuid],
) -> Result<u64, AppError> {
    let gone = store::feedbacks::delete_feedbacks(db, organization, uuids).await?;
    let mut changes: Vec<Change> = gone
        .iter()
        .map(|deleted| Change::FeedbackDeleted {
            organization,
            feedback: deleted.uuid,
            customer: deleted.customer,
        })
        .collect();
    let mut customers: Vec<Uuid> = gone.iter().map(|deleted| deleted.customer).collect();
    customers.sort_unstable();
    customers.dedup();
    changes.extend(
        customers.into_iter().map(|customer| {
            customer_changed(organization, customer, CustomerChange::CountersMoved)
        }),
    );
    live.publish(changes).await;
    Ok(gone.len() as u64)
}

/// Cuts a highlight from a feedback of the organization (see
/// [`store::feedbacks::create_highlight`]), then tells the subscribers
/// (`highlightCreated`).
pub async fn create_highlight(
    db: &DatabaseConnection,
    live: &Live,
    organization: Uuid,
    feedback: Uuid,
    quote: validation::Text,
    sentiment_score: validation::Sentiment,
) -> Result<feedback_highlights::Model, AppError> {
    let highlight =
        store::feedbacks::create_highlight(db, organization, feedback, quote, sentiment_score)
            .await?;
    live.publish(vec![Change::HighlightCreated {
        organization,
        highlight: highlight.uuid,
    }])
    .await;
    Ok(highlight)
}

/// The uuids of the spaces each of `feedbacks` sits in (by space name),
/// read in one statement through loaders of their own: the batch that
/// serves `Feedback.spaces` in the graph.
pub async fn space_uuids(
    db: &DatabaseConnection,
    metrics: &Arc<Metrics>,
    organization: Uuid,
    feedbacks: &[Uuid],
) -> Result<HashMap<Uuid, Vec<Uuid>>, AppError> {
    let (loaders, queue) = loaders::loaders(db.clone(), metrics.clone());
    let read = async {
        let pages = feedbacks.iter().map(|feedback| async {
            let spaces = children::page(
                &loaders,
                organization,
                FEEDBACK_SPACES,
                *feedback,
                ALL_SPACES,
            )
            .await?;
            Ok::<_, AppError>((
                *feedback,
                spaces.into_iter().map(|space| space.uuid).collect(),
            ))
        });
        futures_util::future::try_join_all(pages).await
    };
    Ok(loaders::drive(read, queue).await?.into_iter().collect())
}

/// A page that holds every space a feedback can sit in: a feedback is
/// filed into at most [`MAX_SPACES_PER_FEEDBACK`] when it is recorded.
pub const ALL_SPACES: PageArgs = PageArgs {
    page_size: MAX_SPACES_PER_FEEDBACK as i32,
    page_number: 1,
};

/// One page of a feedback's highlights (oldest first) and their total,
/// through loaders of their own: the batch that serves
/// `Feedback.highlights` in the graph.
pub async fn highlights_with_total(
    db: &DatabaseConnection,
    metrics: &Arc<Metrics>,
    feedback: &feedbacks::Model,
    page: impl Into<Rows>,
) -> Result<(Vec<feedback_highlights::Model>, i64), AppError> {
    let organization = feedback.organization_uuid;
    let (loaders, queue) = loaders::loaders(db.clone(), metrics.clone());
    let read = async {
        let rows = children::page(
            &loaders,
            organization,
            FEEDBACK_HIGHLIGHTS,
            feedback.uuid,
            page,
        );
        let total = children::total(
            &loaders,
            organization,
            Relation::FeedbackHighlights,
            feedback.uuid,
        );
        futures_util::future::try_join(rows, total).await
    };
    loaders::drive(read, queue).await
}

/// `uuids` without repeats (in their first order), checked to hold `min`
/// to `max` distinct uuids; a refusal names `name`. For the lists a write
/// takes: the feedbacks to delete (1 to [`MAX_DELETED_FEEDBACKS`]), the
/// spaces to file a feedback into (0 to [`MAX_SPACES_PER_FEEDBACK`]).
pub fn distinct_uuids(
    name: &str,
    uuids: Vec<Uuid>,
    (min, max): (usize, usize),
) -> Result<Vec<Uuid>, AppError> {
    let mut seen = std::collections::HashSet::new();
    let distinct: Vec<Uuid> = uuids
        .into_iter()
        .filter(|uuid| seen.insert(*uuid))
        .collect();
    if !(min..=max).contains(&distinct.len()) {
        return Err(AppError::bad_parameter(
            name,
            format!("{name} must hold {min} to {max} distinct uuids"),
        ));
    }
    Ok(distinct)
}
