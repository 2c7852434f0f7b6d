//! The fields of the feedback side of the graph (declared in
//! [`super::nodes`]): `Feedback`, with its type, priority, data source and
//! the spaces it sits in, and `Space`, a collection of feedback. Like every node, their relations
//! resolve through the request's DataLoader: one statement per relation and
//! level, whatever the page size.

use async_graphql::{Context, Object, Result};
use entity::customers;
use uuid::Uuid;

use super::connections::{child_connection, connection_cost};
use super::context::{loaders, tenant};
use super::nodes::{
    Customer, Feedback, FeedbackConnection, FeedbackHighlightConnection, FeedbackHighlightPage,
    FeedbackPage, FeedbackSortBy, SortDirection, Space, SpaceConnection, SpacePage,
};
use super::pagination::page_cost;
use super::relations::{by_id, child_page, feedback_page};
use super::scalars::Instant;
use crate::loaders::{ChildList, FEEDBACK_HIGHLIGHTS, FEEDBACK_SPACES};
use crate::resolvers::children;
use crate::resolvers::cursors::CursorArgs;
use crate::resolvers::feedbacks::{ALL_SPACES, DataSourceType, FeedbackType};

/// A message, ticket or call note from a customer.
#[Object]
impl Feedback {
    /// Identifier.
    async fn uuid(&self) -> Uuid {
        self.0.uuid
    }
    /// The organization it belongs to.
    async fn organization_uuid(&self) -> Uuid {
        self.0.organization_uuid
    }
    /// The customer who gave it.
    async fn customer_uuid(&self) -> Uuid {
        self.0.customer_uuid
    }
    /// What the customer said.
    async fn feedback_contents(&self) -> &str {
        &self.0.feedback_contents
    }
    /// When it was given.
    async fn feedback_date(&self) -> Instant {
        Instant(self.0.feedback_date)
    }
    /// Where it came from, as free text (`email`, `call`, `survey`, …; the
    /// data source's word in lower case, or `api`, when it was recorded
    /// without one).
    async fn source(&self) -> &str {
        &self.0.source
    }
    /// What kind of feedback it is (`FEEDBACK_RESPONSE` unless recorded as another).
    async fn feedback_type(&self) -> FeedbackType {
        self.0.feedback_type
    }
    /// How pressing it is: an integer from 0 (none, the default) to 4 (the highest).
    async fn priority(&self) -> i32 {
        self.0.priority
    }
    /// The integration it was imported through; null when none.
    async fn data_source_type(&self) -> Option<DataSourceType> {
        self.0.data_source_type
    }
    /// Its identifier in that integration (up to 200 characters); null when none.
    async fn data_source_id(&self) -> Option<&str> {
        self.0.data_source_id.as_deref()
    }
    /// When it was recorded.
    async fn created_at(&self) -> Instant {
        Instant(self.0.created_at)
    }
    /// The customer who gave it.
    async fn customer(&self, ctx: &Context<'_>) -> Result<Option<Customer>> {
        Ok(by_id::<customers::Entity>(ctx, Some(self.0.customer_uuid))
            .await?
            .map(Customer::new))
    }
    /// Highlights cut from it, oldest first.
    #[graphql(complexity = "page_cost(page_size, child_complexity)")]
    async fn highlights(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items per page, 1 to 100 (default 25).")] page_size: Option<i32>,
        #[graphql(desc = "Page number, from 1 (default 1).")] page_number: Option<i32>,
    ) -> Result<FeedbackHighlightPage> {
        let page = (page_size, page_number);
        child_page(ctx, FEEDBACK_HIGHLIGHTS, self.0.uuid, page, None).await
    }
    /// `highlights` as a Relay connection (same order): `first` items after
    /// `after`, or `last` items before `before`.
    #[graphql(complexity = "connection_cost(first, last, child_complexity)")]
    async fn highlights_connection(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Items after `after`, 1 to 100 (25 when neither `first` nor `last` is given)."
        )]
        first: Option<i32>,
        #[graphql(desc = "A cursor from this connection: the page starts after its node.")]
        after: Option<String>,
        #[graphql(
            desc = "Items before `before`, 1 to 100 (with `before`, not with `first` or `after`)."
        )]
        last: Option<i32>,
        #[graphql(desc = "A cursor from this connection: the page ends before its node.")]
        before: Option<String>,
    ) -> Result<Option<FeedbackHighlightConnection>> {
        let args = CursorArgs {
            first,
            after,
            last,
            before,
        };
        child_connection(ctx, FEEDBACK_HIGHLIGHTS, self.0.uuid, args, None)
            .await
            .map(Some)
    }
    /// The spaces it sits in, by name (then uuid).
    #[graphql(complexity = "page_cost(page_size, child_complexity)")]
    async fn spaces(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items per page, 1 to 100 (default 25).")] page_size: Option<i32>,
        #[graphql(desc = "Page number, from 1 (default 1).")] page_number: Option<i32>,
    ) -> Result<SpacePage> {
        let page = (page_size, page_number);
        child_page(ctx, FEEDBACK_SPACES, self.0.uuid, page, None).await
    }
    /// `spaces` as a Relay connection (same order): `first` items after
    /// `after`, or `last` items before `before`.
    #[graphql(complexity = "connection_cost(first, last, child_complexity)")]
    async fn spaces_connection(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Items after `after`, 1 to 100 (25 when neither `first` nor `last` is given)."
        )]
        first: Option<i32>,
        #[graphql(desc = "A cursor from this connection: the page starts after its node.")]
        after: Option<String>,
        #[graphql(
            desc = "Items before `before`, 1 to 100 (with `before`, not with `first` or `after`)."
        )]
        last: Option<i32>,
        #[graphql(desc = "A cursor from this connection: the page ends before its node.")]
        before: Option<String>,
    ) -> Result<Option<SpaceConnection>> {
        let args = CursorArgs {
            first,
            after,
            last,
            before,
        };
        child_connection(ctx, FEEDBACK_SPACES, self.0.uuid, args, None)
            .await
            .map(Some)
    }
    /// The uuids of all the spaces it sits in (at most 100), in the order of
    /// `spaces`; empty when it sits in none.
    async fn space_uuids(&self, ctx: &Context<'_>) -> Result<Vec<Uuid>> {
        let (organization, feedback) = (tenant(ctx)?, self.0.uuid);
        let spaces = children::page(
            loaders(ctx),
            organization,
            FEEDBACK_SPACES,
            feedback,
            ALL_SPACES,
        )
        .await?;
        Ok(spaces.into_iter().map(|space| space.uuid).collect())
    }
}

/// A named collection an organization files feedback into; a feedback may
/// sit in several.
#[Object]
impl Space {
    /// Identifier.
    async fn uuid(&self) -> Uuid {
        self.0.uuid
    }
    /// The organization it belongs to.
    async fn organization_uuid(&self) -> Uuid {
        self.0.organization_uuid
    }
    /// Display name (1 to 200 characters).
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// What it collects; null when not given.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// When it was created.
    async fn created_at(&self) -> Instant {
        Instant(self.0.created_at)
    }
    /// The feedbacks filed into it, latest given first by default.
    #[graphql(complexity = "page_cost(page_size, child_complexity)")]
    async fn feedbacks(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "What to sort by (the first value of the enum by default); ties are broken by uuid."
        )]
        sort_by: Option<FeedbackSortBy>,
        #[graphql(desc = "Sort direction (default DESC).")] sort_direction: Option<SortDirection>,
        #[graphql(desc = "Items per page, 1 to 100 (default 25).")] page_size: Option<i32>,
        #[graphql(desc = "Page number, from 1 (default 1).")] page_number: Option<i32>,
    ) -> Result<FeedbackPage> {
        let (order, page) = ((sort_by, sort_direction), (page_size, page_number));
        feedback_page(
            ctx,
            ChildList::space_feedbacks,
            self.0.uuid,
            order,
            page,
            None,
        )
        .await
    }
    /// `feedbacks` as a Relay connection (same order): `first` items after
    /// `after`, or `last` items before `before`.
    #[graphql(complexity = "connection_cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn feedbacks_connection(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "What to sort by (the first value of the enum by default); ties are broken by uuid."
        )]
        sort_by: Option<FeedbackSortBy>,
        #[graphql(desc = "Sort direction (default DESC).")] sort_direction: Option<SortDirection>,
        #[graphql(
            desc = "Items after `after`, 1 to 100 (25 when neither `first` nor `last` is given)."
        )]
        first: Option<i32>,
        #[graphql(desc = "A cursor from this connection: the page starts after its node.")]
        after: Option<String>,
        #[graphql(
            desc = "Items before `before`, 1 to 100 (with `before`, not with `first` or `after`)."
        )]
        last: Option<i32>,
        #[graphql(desc = "A cursor from this connection: the page ends before its node.")]
        before: Option<String>,
    ) -> Result<Option<FeedbackConnection>> {
        let args = CursorArgs {
            first,
            after,
            last,
            before,
        };
        let list = ChildList::space_feedbacks(
            sort_by.unwrap_or_default(),
            sort_direction.unwrap_or_default(),
        );
        child_connection(ctx, list, self.0.uuid, args, None)
            .await
            .map(Some)
    }
}
