//! The subscription root: live events of the token's organization, served
//! over WebSocket (see [`crate::graphql_http::websocket`]). Each event
//! resolves through the same node types and loaders as a query, so a
//! subscriber may select nested fields.
//!
//! A subscription holds a place in its connection's and its token's limits
//! while it is open ([`crate::live::Budget`], taken by the WebSocket
//! transport in the order the client subscribed). It hears of events from the
//! moment it is set up; one that falls more than
//! [`crate::live::EVENT_BACKLOG`] events behind ends with an error
//! (`SUBSCRIBER_BEHIND`); when changes may have been lost (the instance's
//! listening connection broke), every subscription gets an error
//! (`EVENTS_MISSED`, with `extensions.from` and `until`) and goes on.

use std::sync::Arc;

use async_graphql::{
    Context, Error, ErrorExtensions, InputObject, Object, Result, SimpleObject, Subscription,
};
use chrono::{DateTime, Utc};
use entity::vocabulary::CustomerChange;
use futures_util::Stream;
use tokio::sync::broadcast;
use tokio::sync::broadcast::error::RecvError;
use uuid::Uuid;

use super::context::{loaders, tenant};
use super::nodes::{Customer, Feedback, FeedbackHighlight};
use crate::live::event::CreatedFeedback;
use crate::live::{Event, Live};
use crate::resolvers::children;
use crate::resolvers::feedbacks::FeedbackType;
use entity::customers;

/// Most uuids or words in one list of a subscription's filter.
pub const MAX_FILTER_VALUES: usize = 100;

/// The subscription root.
pub struct SubscriptionRoot;

/// Which recorded feedbacks `feedbackCreated` tells of: each given list
/// narrows (a feedback must match one value of every list given).
#[derive(InputObject, Default, Clone)]
pub struct FeedbackEventFilter {
    /// Only feedbacks of these customers.
    pub customer_uuids: Option<Vec<Uuid>>,
    /// Only feedbacks of customers of these companies (the company the
    /// customer has when the feedback is recorded).
    pub company_uuids: Option<Vec<Uuid>>,
    /// Only feedbacks of these types.
    pub feedback_types: Option<Vec<FeedbackType>>,
    /// Only feedbacks filed into at least one of these spaces.
    pub space_uuids: Option<Vec<Uuid>>,
}

/// Which new highlights `highlightCreated` tells of.
#[derive(InputObject, Default, Clone)]
pub struct HighlightEventFilter {
    /// Only highlights of these customers' feedback.
    pub customer_uuids: Option<Vec<Uuid>>,
    /// Only highlights with a sentiment of at least this (-1 to 1).
    pub min_sentiment: Option<f64>,
    /// Only highlights with a sentiment of at most this (-1 to 1).
    pub max_sentiment: Option<f64>,
}

/// A feedback that was deleted, alone or with its customer.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct FeedbackDeletion {
    /// The feedback's uuid (it is gone).
    pub uuid: Uuid,
    /// Its customer's uuid.
    pub customer_uuid: Uuid,
}

#[async_graphql::ComplexObject]
impl FeedbackDeletion {
    /// Its customer, as it is now (`null` once deleted with it).
    async fn customer(&self, ctx: &Context<'_>) -> Result<Option<Customer>> {
        customer_now(ctx, self.customer_uuid).await
    }
}

/// What happened to a customer.
#[derive(Clone)]
pub struct CustomerChangeEvent {
    change: CustomerChange,
    uuid: Uuid,
    row: Option<customers::Model>,
}

#[Object]
impl CustomerChangeEvent {
    /// What happened.
    async fn change(&self) -> CustomerChange {
        self.change
    }
    /// The customer's uuid.
    async fn uuid(&self) -> Uuid {
        self.uuid
    }
    /// The customer as the change left it (`null` when deleted).
    async fn customer(&self) -> Option<Customer> {
        self.row.clone().map(Customer::new)
    }
}

#[Subscription]
impl SubscriptionRoot {
    /// Feedback recorded in the organization from now on (through either
    /// face, on any instance), as `filter` narrows it.
    async fn feedback_created(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which feedbacks to hear of; all when left out.")] filter: Option<
            FeedbackEventFilter,
        >,
    ) -> Result<impl Stream<Item = Result<Feedback>> + use<>> {
        let filter = filter.unwrap_or_default();
        check_list("filter.customerUuids", &filter.customer_uuids)?;
        check_list("filter.companyUuids", &filter.company_uuids)?;
        check_list("filter.feedbackTypes", &filter.feedback_types)?;
        check_list("filter.spaceUuids", &filter.space_uuids)?;
        let organization = tenant(ctx)?;
        listen(ctx, move |event| match event {
            Event::FeedbackCreated(created)
                if created.feedback.organization_uuid == organization
                    && admits_feedback(&filter, created) =>
            {
                Some(Feedback(created.feedback.clone()))
            }
            _ => None,
        })
    }

    /// Feedback deleted in the organization from now on: by `deleteFeedbacks`
    /// or `DELETE …/feedbacks`, or with its customer.
    async fn feedback_deleted(
        &self,
        ctx: &Context<'_>,
    ) -> Result<impl Stream<Item = Result<FeedbackDeletion>> + use<>> {
        let organization = tenant(ctx)?;
        listen(ctx, move |event| match *event {
            Event::FeedbackDeleted {
                organization: of,
                feedback,
                customer,
            } if of == organization => Some(FeedbackDeletion {
                uuid: feedback,
                customer_uuid: customer,
            }),
            _ => None,
        })
    }

    /// Customers of the organization created, changed or deleted from now
    /// on, or whose `feedbackCount` and `lastInteractedDate` moved.
    async fn customer_changed(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only these customers (1 to 100 uuids); all when left out.")]
        uuids: Option<Vec<Uuid>>,
    ) -> Result<impl Stream<Item = Result<CustomerChangeEvent>> + use<>> {
        check_list("uuids", &uuids)?;
        let organization = tenant(ctx)?;
        listen(ctx, move |event| match event {
            Event::CustomerChanged {
                organization: of,
                customer,
                change,
                row,
            } if *of == organization
                && uuids.as_ref().is_none_or(|uuids| uuids.contains(customer)) =>
            {
                Some(CustomerChangeEvent {
                    change: *change,
                    uuid: *customer,
                    row: row.clone(),
                })
            }
            _ => None,
        })
    }

    /// Highlights cut in the organization from now on, as `filter` narrows them.
    async fn highlight_created(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which highlights to hear of; all when left out.")] filter: Option<
            HighlightEventFilter,
        >,
    ) -> Result<impl Stream<Item = Result<FeedbackHighlight>> + use<>> {
        let filter = filter.unwrap_or_default();
        check_list("filter.customerUuids", &filter.customer_uuids)?;
        for (name, bound) in [
            ("filter.minSentiment", filter.min_sentiment),
            ("filter.maxSentiment", filter.max_sentiment),
        ] {
            if bound.is_some_and(|bound| !(-1.0..=1.0).contains(&bound)) {
                return Err(bad_input(name, format!("{name} must be from -1 to 1")));
            }
        }
        if let (Some(min), Some(max)) = (filter.min_sentiment, filter.max_sentiment)
            && min > max
        {
            return Err(bad_input(
                "filter.minSentiment",
                "filter.minSentiment must not be above filter.maxSentiment".to_owned(),
            ));
        }
        let organization = tenant(ctx)?;
        listen(ctx, move |event| match event {
            Event::HighlightCreated(highlight)
                if highlight.organization_uuid == organization
                    && filter
                        .customer_uuids
                        .as_ref()
                        .is_none_or(|uuids| uuids.contains(&highlight.customer_uuid))
                    && filter
                        .min_sentiment
                        .is_none_or(|min| highlight.sentiment_score >= min)
                    && filter
                        .max_sentiment
                        .is_none_or(|max| highlight.sentiment_score <= max) =>
            {
                Some(FeedbackHighlight(highlight.clone()))
            }
            _ => None,
        })
    }
}

/// Whether a recorded feedback passes `filter`.
fn admits_feedback(filter: &FeedbackEventFilter, created: &CreatedFeedback) -> bool {
    let feedback = &created.feedback;
    filter
        .customer_uuids
        .as_ref()
        .is_none_or(|uuids| uuids.contains(&feedback.customer_uuid))
        && filter.company_uuids.as_ref().is_none_or(|uuids| {
            created
                .company
                .is_some_and(|company| uuids.contains(&company))
        })
        && filter
            .feedback_types
            .as_ref()
            .is_none_or(|types| types.contains(&feedback.feedback_type))
        && filter
            .space_uuids
            .as_ref()
            .is_none_or(|uuids| created.spaces.iter().any(|space| uuids.contains(space)))
}

/// The customer's row now, through the loaders.
async fn customer_now(ctx: &Context<'_>, uuid: Uuid) -> Result<Option<Customer>> {
    let organization = tenant(ctx)?;
    Ok(
        children::by_id::<customers::Entity>(loaders(ctx), organization, Some(uuid))
            .await?
            .map(Customer::new),
    )
}

fn check_list<T>(name: &str, list: &Option<Vec<T>>) -> Result<()> {
    match list {
        Some(list) if list.is_empty() || list.len() > MAX_FILTER_VALUES => Err(bad_input(
            name,
            format!("{name} holds 1 to {MAX_FILTER_VALUES} values (leave it out for all)"),
        )),
        _ => Ok(()),
    }
}

fn bad_input(parameter: &str, message: String) -> Error {
    let parameter = parameter.to_owned();
    Error::new(message).extend_with(|_, extensions| {
        extensions.set("code", "BAD_USER_INPUT");
        extensions.set("parameter", parameter.as_str());
    })
}

/// The stream of what `pick` makes of this instance's events. (The
/// transport holds the subscription's place in its connection's limits.)
fn listen<T, F>(ctx: &Context<'_>, pick: F) -> Result<impl Stream<Item = Result<T>> + use<T, F>>
where
    T: Send + 'static,
    F: Fn(&Event) -> Option<T> + Send + 'static,
{
    let live = ctx.data::<Live>()?;
    let state = Listening {
        live: live.clone(),
        events: live.events(),
        pick,
        ended: false,
    };
    Ok(futures_util::stream::unfold(state, next))
}

/// One subscription's place in the event backlog.
struct Listening<F> {
    live: Live,
    events: broadcast::Receiver<Arc<Event>>,
    pick: F,
    ended: bool,
}

async fn next<T, F>(mut state: Listening<F>) -> Option<(Result<T>, Listening<F>)>
where
    F: Fn(&Event) -> Option<T>,
{
    if state.ended {
        return None;
    }
    loop {
        match state.events.recv().await {
            Ok(event) => {
                if let Event::Gap { from, until } = *event {
                    let (from, until) = (DateTime::<Utc>::from(from), DateTime::<Utc>::from(until));
                    let error = Error::new(format!(
                        "events from {} to {} may have been missed: the gateway lost its connection to the database's notifications, and has it again",
                        from.to_rfc3339(),
                        until.to_rfc3339()
                    ))
                    .extend_with(|_, extensions| {
                        extensions.set("code", "EVENTS_MISSED");
                        extensions.set("from", from.to_rfc3339());
                        extensions.set("until", until.to_rfc3339());
                    });
                    return Some((Err(error), state));
                }
                if let Some(item) = (state.pick)(&event) {
                    return Some((Ok(item), state));
                }
            }
            Err(RecvError::Lagged(missed)) => {
                state.ended = true;
                state
                    .live
                    .metrics()
                    .record_live_dropped("subscriber_behind", missed);
                let error = Error::new(format!(
                    "this subscription fell {missed} events behind the gateway's backlog and is ended; subscribe again"
                ))
                .extend_with(|_, extensions| extensions.set("code", "SUBSCRIBER_BEHIND"));
                return Some((Err(error), state));
            }
            Err(RecvError::Closed) => return None,
        }
    }
}
