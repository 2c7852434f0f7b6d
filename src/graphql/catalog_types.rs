//! The fields of the organization's catalog in the graph (declared in
//! [`super::nodes`]): `Insight` and `Issue` (which highlights point at),
//! `CustomerCompany` and `Persona` (which segment customers), each relation
//! resolved through the request's DataLoader.

use async_graphql::{Context, Object, Result};

use uuid::Uuid;

use super::connections::{child_connection, connection_cost};
use super::nodes::{
    CustomerCompany, CustomerConnection, CustomerPage, FeedbackHighlightConnection,
    FeedbackHighlightPage, Insight, Issue, IssueStatus, Persona,
};
use super::pagination::page_cost;
use super::relations::{average, child_page, count};
use super::scalars::Instant;
use crate::loaders::{COMPANY_CUSTOMERS, INSIGHT_HIGHLIGHTS, ISSUE_HIGHLIGHTS, PERSONA_CUSTOMERS};
use crate::resolvers::cursors::CursorArgs;
use crate::store::relations::{Average, Relation};

/// A theme that runs through highlights.
#[Object]
impl Insight {
    /// Identifier.
    async fn uuid(&self) -> Uuid {
        self.0.uuid
    }
    /// The organization it belongs to.
    async fn organization_uuid(&self) -> Uuid {
        self.0.organization_uuid
    }
    /// Short title.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// Longer description.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// When it was created.
    async fn created_at(&self) -> Instant {
        Instant(self.0.created_at)
    }
    /// How many highlights are linked to it.
    async fn highlight_count(&self, ctx: &Context<'_>) -> Result<i64> {
        count(ctx, Relation::InsightHighlights, self.0.uuid).await
    }
    /// Mean sentiment of its linked highlights; null without any.
    async fn average_sentiment(&self, ctx: &Context<'_>) -> Result<Option<f64>> {
        average(ctx, Average::InsightSentiment, self.0.uuid).await
    }
    /// Highlights linked to it, newest first.
    #[graphql(complexity = "page_cost(page_size, child_complexity)")]
    async fn highlights(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items per page, 1 to 100 (default 25).")] page_size: Option<i32>,
        #[graphql(desc = "Page number, from 1 (default 1).")] page_number: Option<i32>,
    ) -> Result<FeedbackHighlightPage> {
        let page = (page_size, page_number);
        child_page(ctx, INSIGHT_HIGHLIGHTS, self.0.uuid, page, None).await
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
        child_connection(ctx, INSIGHT_HIGHLIGHTS, self.0.uuid, args, None)
            .await
            .map(Some)
    }
}

/// A problem that highlights point at.
#[Object]
impl Issue {
    /// Identifier.
    async fn uuid(&self) -> Uuid {
        self.0.uuid
    }
    /// The organization it belongs to.
    async fn organization_uuid(&self) -> Uuid {
        self.0.organization_uuid
    }
    /// Short title.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// Longer description.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// Where the issue stands.
    async fn status(&self) -> IssueStatus {
        self.0.status
    }
    /// When it was created.
    async fn created_at(&self) -> Instant {
        Instant(self.0.created_at)
    }
    /// Mean sentiment of its linked highlights; null without any.
    async fn average_sentiment(&self, ctx: &Context<'_>) -> Result<Option<f64>> {
        average(ctx, Average::IssueSentiment, self.0.uuid).await
    }
    /// How many highlights are linked to it.
    async fn highlight_count(&self, ctx: &Context<'_>) -> Result<i64> {
        count(ctx, Relation::IssueHighlights, self.0.uuid).await
    }
    /// Highlights linked to it, newest first.
    #[graphql(complexity = "page_cost(page_size, child_complexity)")]
    async fn highlights(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items per page, 1 to 100 (default 25).")] page_size: Option<i32>,
        #[graphql(desc = "Page number, from 1 (default 1).")] page_number: Option<i32>,
    ) -> Result<FeedbackHighlightPage> {
        let page = (page_size, page_number);
        child_page(ctx, ISSUE_HIGHLIGHTS, self.0.uuid, page, None).await
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
        child_connection(ctx, ISSUE_HIGHLIGHTS, self.0.uuid, args, None)
            .await
            .map(Some)
    }
}

/// A company customers work for.
#[Object]
impl CustomerCompany {
    /// Identifier.
    async fn uuid(&self) -> Uuid {
        self.0.uuid
    }
    /// The organization it belongs to.
    async fn organization_uuid(&self) -> Uuid {
        self.0.organization_uuid
    }
    /// Company name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Web domain.
    async fn domain(&self) -> Option<&str> {
        self.0.domain.as_deref()
    }
    /// When it was created.
    async fn created_at(&self) -> Instant {
        Instant(self.0.created_at)
    }
    /// Its customers, most recent interaction first.
    #[graphql(complexity = "page_cost(page_size, child_complexity)")]
    async fn customers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items per page, 1 to 100 (default 25).")] page_size: Option<i32>,
        #[graphql(desc = "Page number, from 1 (default 1).")] page_number: Option<i32>,
    ) -> Result<CustomerPage> {
        let page = (page_size, page_number);
        child_page(ctx, COMPANY_CUSTOMERS, self.0.uuid, page, None).await
    }
    /// `customers` as a Relay connection (same order): `first` items after
    /// `after`, or `last` items before `before`.
    #[graphql(complexity = "connection_cost(first, last, child_complexity)")]
    async fn customers_connection(
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
    ) -> Result<Option<CustomerConnection>> {
        let args = CursorArgs {
            first,
            after,
            last,
            before,
        };
        child_connection(ctx, COMPANY_CUSTOMERS, self.0.uuid, args, None)
            .await
            .map(Some)
    }
}

/// A kind of customer an organization segments by.
#[Object]
impl Persona {
    /// Identifier.
    async fn uuid(&self) -> Uuid {
        self.0.uuid
    }
    /// The organization it belongs to.
    async fn organization_uuid(&self) -> Uuid {
        self.0.organization_uuid
    }
    /// Persona name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// What characterises it.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// When it was created.
    async fn created_at(&self) -> Instant {
        Instant(self.0.created_at)
    }
    /// Its customers, most recent interaction first.
    #[graphql(complexity = "page_cost(page_size, child_complexity)")]
    async fn customers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items per page, 1 to 100 (default 25).")] page_size: Option<i32>,
        #[graphql(desc = "Page number, from 1 (default 1).")] page_number: Option<i32>,
    ) -> Result<CustomerPage> {
        let page = (page_size, page_number);
        child_page(ctx, PERSONA_CUSTOMERS, self.0.uuid, page, None).await
    }
    /// `customers` as a Relay connection (same order): `first` items after
    /// `after`, or `last` items before `before`.
    #[graphql(complexity = "connection_cost(first, last, child_complexity)")]
    async fn customers_connection(
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
    ) -> Result<Option<CustomerConnection>> {
        let args = CursorArgs {
            first,
            after,
            last,
            before,
        };
        child_connection(ctx, PERSONA_CUSTOMERS, self.0.uuid, args, None)
            .await
            .map(Some)
    }
}
