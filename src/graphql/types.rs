//! The fields of the customer side of the graph, `Customer` and
//! `FeedbackHighlight` (declared in [`super::nodes`]). Every
//! relation resolves through the request's DataLoader; paginated children
//! of a whole level are fetched with one windowed statement per field and
//! arguments. A customer list reads the company and persona it was asked
//! for along with its customers.

use async_graphql::{Context, Object, Result};
use entity::{customer_companies, feedbacks, personas};
use uuid::Uuid;

use super::connections::{child_connection, connection_cost};
use super::nodes::{
    Customer, CustomerCompany, Feedback, FeedbackConnection, FeedbackHighlight,
    FeedbackHighlightConnection, FeedbackHighlightPage, FeedbackPage, FeedbackSortBy,
    InsightConnection, InsightPage, IssueConnection, IssuePage, Persona, SortDirection,
};
use super::pagination::page_cost;
use super::relations::{average, by_id, child_page, feedback_page};
use super::scalars::Instant;
use crate::loaders::{
    CUSTOMER_HIGHLIGHTS, CUSTOMER_INSIGHTS, CUSTOMER_ISSUES, ChildList, HIGHLIGHT_INSIGHTS,
    HIGHLIGHT_ISSUES,
};
use crate::resolvers::cursors::CursorArgs;
use crate::store::relations::Average;

/// A person who sends feedback, in one organization.
#[Object]
impl Customer {
    /// Identifier.
    async fn uuid(&self) -> Uuid {
        self.0.uuid
    }
    /// The organization the customer belongs to.
    async fn organization_uuid(&self) -> Uuid {
        self.0.organization_uuid
    }
    /// Full name.
    async fn full_name(&self) -> &str {
        &self.0.full_name
    }
    /// Email address, unique within the organization.
    async fn email(&self) -> &str {
        &self.0.email
    }
    /// Job role.
    async fn role(&self) -> Option<&str> {
        self.0.role.as_deref()
    }
    /// The customer's persona, if any.
    async fn persona_uuid(&self) -> Option<Uuid> {
        self.0.persona_uuid
    }
    /// The customer's company, if any.
    async fn customer_company_uuid(&self) -> Option<Uuid> {
        self.0.customer_company_uuid
    }
    /// When the customer last gave feedback; null if never.
    async fn last_interacted_date(&self) -> Option<Instant> {
        self.0.last_interacted_date.map(Instant)
    }
    /// When the customer was created.
    async fn created_at(&self) -> Instant {
        Instant(self.0.created_at)
    }
    /// When the customer was last changed.
    async fn updated_at(&self) -> Instant {
        Instant(self.0.updated_at)
    }
    /// The customer's persona.
    async fn persona(&self, ctx: &Context<'_>) -> Result<Option<Persona>> {
        let persona = match &self.1.persona {
            Some(read) => read.clone(),
            None => by_id::<personas::Entity>(ctx, self.0.persona_uuid).await?,
        };
        Ok(persona.map(Persona))
    }
    /// The customer's company.
    async fn company(&self, ctx: &Context<'_>) -> Result<Option<CustomerCompany>> {
        let company = match &self.1.company {
            Some(read) => read.clone(),
            None => by_id::<customer_companies::Entity>(ctx, self.0.customer_company_uuid).await?,
        };
        Ok(company.map(CustomerCompany))
    }
    /// How many feedbacks the customer sent.
    async fn feedback_count(&self) -> i64 {
        self.0.feedback_count
    }
    /// Starts at 1 and goes up by 1 with every write to the customer (an
    /// update, or a feedback that moves its counters). Send it back as
    /// `updateCustomer(expectedVersion:)` so that a change made since you
    /// read it fails with `PRECONDITION_FAILED` instead of being overwritten;
    /// REST serves it as the strong `ETag` `"<version>"`.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// Mean sentiment of the highlights of the customer's feedbacks; null without any.
    async fn average_sentiment(&self, ctx: &Context<'_>) -> Result<Option<f64>> {
        average(ctx, Average::CustomerSentiment, self.0.uuid).await
    }
    /// The customer's feedbacks, newest first by default.
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
        let (list_in, known) = (ChildList::customer_feedbacks, Some(self.0.feedback_count));
        feedback_page(ctx, list_in, self.0.uuid, order, page, known).await
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
        let list = ChildList::customer_feedbacks(
            sort_by.unwrap_or_default(),
            sort_direction.unwrap_or_default(),
        );
        child_connection(ctx, list, self.0.uuid, args, Some(self.0.feedback_count))
            .await
            .map(Some)
    }
    /// Highlights cut from the customer's feedbacks, newest feedback first.
    #[graphql(complexity = "page_cost(page_size, child_complexity)")]
    async fn feedback_highlights(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items per page, 1 to 100 (default 25).")] page_size: Option<i32>,
        #[graphql(desc = "Page number, from 1 (default 1).")] page_number: Option<i32>,
    ) -> Result<FeedbackHighlightPage> {
        let page = (page_size, page_number);
        child_page(ctx, CUSTOMER_HIGHLIGHTS, self.0.uuid, page, None).await
    }
    /// `feedback_highlights` as a Relay connection (same order): `first` items after
    /// `after`, or `last` items before `before`.
    #[graphql(complexity = "connection_cost(first, last, child_complexity)")]
    async fn feedback_highlights_connection(
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
        child_connection(ctx, CUSTOMER_HIGHLIGHTS, self.0.uuid, args, None)
            .await
            .map(Some)
    }
    /// Insights linked to the customer's highlights (each once), by title.
    #[graphql(complexity = "page_cost(page_size, child_complexity)")]
    async fn insights(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items per page, 1 to 100 (default 25).")] page_size: Option<i32>,
        #[graphql(desc = "Page number, from 1 (default 1).")] page_number: Option<i32>,
    ) -> Result<InsightPage> {
        let page = (page_size, page_number);
        child_page(ctx, CUSTOMER_INSIGHTS, self.0.uuid, page, None).await
    }
    /// `insights` as a Relay connection (same order): `first` items after
    /// `after`, or `last` items before `before`.
    #[graphql(complexity = "connection_cost(first, last, child_complexity)")]
    async fn insights_connection(
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
    ) -> Result<Option<InsightConnection>> {
        let args = CursorArgs {
            first,
            after,
            last,
            before,
        };
        child_connection(ctx, CUSTOMER_INSIGHTS, self.0.uuid, args, None)
            .await
            .map(Some)
    }
    /// Issues linked to the customer's highlights (each once), by title.
    #[graphql(complexity = "page_cost(page_size, child_complexity)")]
    async fn issues(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items per page, 1 to 100 (default 25).")] page_size: Option<i32>,
        #[graphql(desc = "Page number, from 1 (default 1).")] page_number: Option<i32>,
    ) -> Result<IssuePage> {
        let page = (page_size, page_number);
        child_page(ctx, CUSTOMER_ISSUES, self.0.uuid, page, None).await
    }
    /// `issues` as a Relay connection (same order): `first` items after
    /// `after`, or `last` items before `before`.
    #[graphql(complexity = "connection_cost(first, last, child_complexity)")]
    async fn issues_connection(
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
    ) -> Result<Option<IssueConnection>> {
        let args = CursorArgs {
            first,
            after,
            last,
            before,
        };
        child_connection(ctx, CUSTOMER_ISSUES, self.0.uuid, args, None)
            .await
            .map(Some)
    }
}

/// A quote cut from one feedback, with its sentiment.
#[Object]
impl FeedbackHighlight {
    /// Identifier.
    async fn uuid(&self) -> Uuid {
        self.0.uuid
    }
    /// The organization it belongs to.
    async fn organization_uuid(&self) -> Uuid {
        self.0.organization_uuid
    }
    /// The feedback it was cut from.
    async fn feedback_uuid(&self) -> Uuid {
        self.0.feedback_uuid
    }
    /// The quoted words.
    async fn quote(&self) -> &str {
        &self.0.quote
    }
    /// Sentiment from -1 (negative) to 1 (positive).
    async fn sentiment_score(&self) -> f64 {
        self.0.sentiment_score
    }
    /// When it was cut.
    async fn created_at(&self) -> Instant {
        Instant(self.0.created_at)
    }
    /// The feedback it was cut from.
    async fn feedback(&self, ctx: &Context<'_>) -> Result<Option<Feedback>> {
        Ok(by_id::<feedbacks::Entity>(ctx, Some(self.0.feedback_uuid))
            .await?
            .map(Feedback))
    }
    /// Insights it is linked to, by title.
    #[graphql(complexity = "page_cost(page_size, child_complexity)")]
    async fn insights(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items per page, 1 to 100 (default 25).")] page_size: Option<i32>,
        #[graphql(desc = "Page number, from 1 (default 1).")] page_number: Option<i32>,
    ) -> Result<InsightPage> {
        let page = (page_size, page_number);
        child_page(ctx, HIGHLIGHT_INSIGHTS, self.0.uuid, page, None).await
    }
    /// `insights` as a Relay connection (same order): `first` items after
    /// `after`, or `last` items before `before`.
    #[graphql(complexity = "connection_cost(first, last, child_complexity)")]
    async fn insights_connection(
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
    ) -> Result<Option<InsightConnection>> {
        let args = CursorArgs {
            first,
            after,
            last,
            before,
        };
        child_connection(ctx, HIGHLIGHT_INSIGHTS, self.0.uuid, args, None)
            .await
            .map(Some)
    }
    /// Issues it is linked to, by title.
    #[graphql(complexity = "page_cost(page_size, child_complexity)")]
    async fn issues(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items per page, 1 to 100 (default 25).")] page_size: Option<i32>,
        #[graphql(desc = "Page number, from 1 (default 1).")] page_number: Option<i32>,
    ) -> Result<IssuePage> {
        let page = (page_size, page_number);
        child_page(ctx, HIGHLIGHT_ISSUES, self.0.uuid, page, None).await
    }
    /// `issues` as a Relay connection (same order): `first` items after
    /// `after`, or `last` items before `before`.
    #[graphql(complexity = "connection_cost(first, last, child_complexity)")]
    async fn issues_connection(
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
    ) -> Result<Option<IssueConnection>> {
        let args = CursorArgs {
            first,
            after,
            last,
            before,
        };
        child_connection(ctx, HIGHLIGHT_ISSUES, self.0.uuid, args, None)
            .await
            .map(Some)
    }
}
