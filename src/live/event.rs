//! What travels: a [`Change`] is what a committed write tells the gateway
//! instances (ids only, so it fits a PostgreSQL notification and carries no
//! customer data through the database's channel), and an [`Event`] is a
//! change as one instance delivers it to its subscribers, with the rows
//! their filters and first selections need read once per instance.

use std::time::SystemTime;

use entity::vocabulary::CustomerChange;
use entity::{customers, feedback_highlights, feedbacks};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One committed change, as published: the organization and the ids of the
/// rows it touched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    /// A feedback was recorded.
    FeedbackCreated {
        /// The tenant.
        organization: Uuid,
        /// The new feedback.
        feedback: Uuid,
    },
    /// A feedback was deleted (alone, or with its customer).
    FeedbackDeleted {
        /// The tenant.
        organization: Uuid,
        /// The feedback, now gone.
        feedback: Uuid,
        /// Its customer.
        customer: Uuid,
    },
    /// A customer was created, changed or deleted, or its counters moved.
    CustomerChanged {
        /// The tenant.
        organization: Uuid,
        /// The customer.
        customer: Uuid,
        /// What happened to it.
        change: CustomerChange,
    },
    /// A highlight was cut from a feedback.
    HighlightCreated {
        /// The tenant.
        organization: Uuid,
        /// The new highlight.
        highlight: Uuid,
    },
}

impl Change {
    /// The organization whose subscribers may hear of it.
    pub fn organization(&self) -> Uuid {
        match *self {
            Change::FeedbackCreated { organization, .. }
            | Change::FeedbackDeleted { organization, .. }
            | Change::CustomerChanged { organization, .. }
            | Change::HighlightCreated { organization, .. } => organization,
        }
    }
}

/// A recorded feedback as delivered: its row and what the
/// `feedbackCreated` filter matches on besides it.
#[derive(Debug, Clone)]
pub struct CreatedFeedback {
    /// The row, as committed.
    pub feedback: feedbacks::Model,
    /// Its customer's company, if the customer has one.
    pub company: Option<Uuid>,
    /// The spaces it was filed into.
    pub spaces: Vec<Uuid>,
}

/// A change as one instance delivers it to its subscribers.
#[derive(Debug, Clone)]
pub enum Event {
    /// See [`Change::FeedbackCreated`].
    FeedbackCreated(CreatedFeedback),
    /// See [`Change::FeedbackDeleted`].
    FeedbackDeleted {
        /// The tenant.
        organization: Uuid,
        /// The feedback, now gone.
        feedback: Uuid,
        /// Its customer.
        customer: Uuid,
    },
    /// See [`Change::CustomerChanged`]; `row` is the customer as it is
    /// now (`None` once deleted).
    CustomerChanged {
        /// The tenant.
        organization: Uuid,
        /// The customer.
        customer: Uuid,
        /// What happened to it.
        change: CustomerChange,
        /// The customer's row after the change, unless deleted.
        row: Option<customers::Model>,
    },
    /// See [`Change::HighlightCreated`].
    HighlightCreated(feedback_highlights::Model),
    /// Changes may have been lost between `from` and `until`: the
    /// instance's listening connection broke, or its queue overflowed.
    /// Every subscriber of every organization hears of it.
    Gap {
        /// When delivery stopped being certain.
        from: SystemTime,
        /// When it was certain again.
        until: SystemTime,
    },
}

impl Event {
    /// The organization whose subscribers may hear of it (`None`: every one).
    pub fn organization(&self) -> Option<Uuid> {
        match self {
            Event::FeedbackCreated(created) => Some(created.feedback.organization_uuid),
            Event::FeedbackDeleted { organization, .. }
            | Event::CustomerChanged { organization, .. } => Some(*organization),
            Event::HighlightCreated(highlight) => Some(highlight.organization_uuid),
            Event::Gap { .. } => None,
        }
    }
}

/// A notification's text: the changes of one write (or part of them) as a
/// JSON array.
pub fn encode(changes: &[Change]) -> String {
    serde_json::to_string(changes).expect("BUG: a change always serializes")
}

/// The changes a notification's text holds; `None` when it is not ours.
pub fn decode(payload: &str) -> Option<Vec<Change>> {
    serde_json::from_str(payload).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_travels_as_ids_and_words_and_reads_back() {
        let organization = Uuid::from_u128(1);
        let changes = vec![
            Change::CustomerChanged {
                organization,
                customer: Uuid::from_u128(2),
                change: CustomerChange::CountersMoved,
            },
            Change::FeedbackDeleted {
                organization,
                feedback: Uuid::from_u128(3),
                customer: Uuid::from_u128(2),
            },
        ];
        let text = encode(&changes);
        assert!(text.contains(r#""kind":"customer_changed""#), "{text}");
        assert!(text.contains(r#""change":"COUNTERS_MOVED""#), "{text}");
        assert_eq!(decode(&text), Some(changes));
        assert_eq!(decode("not json"), None);
    }
}
