//! [`Organization`]: the root of an organization's graph: its lists, each as
//! a numbered page and as a Relay connection ([`super::connections`]), and
//! one customer, feedback or space by uuid.

use async_graphql::{Context, Object, Result};
use tokio::sync::OnceCell;
use uuid::Uuid;

use super::connections::{CURSOR_NAMES, connection, connection_cost, table_connection};
use super::context::{db, own_organization};
use super::customer_lists::{customer_by_uuid, customer_connection, customer_page};
use super::filters::{CustomerFilter, CustomerSortBy, FeedbackFilter};
use super::nodes::{
    Customer, CustomerCompanyConnection, CustomerCompanyPage, CustomerConnection, CustomerPage,
    Feedback, FeedbackConnection, FeedbackPage, FeedbackSortBy, InsightConnection, InsightPage,
    IssueConnection, IssuePage, PersonaConnection, PersonaPage, SortDirection, Space,
    SpaceConnection, SpacePage,
};
use super::pagination::{Page, Table, TotalSource, page_args, page_cost, page_with_total};
use super::scalars::Instant;
use crate::resolvers::cursors::{CursorArgs, CursorPage, ListOf};
use crate::resolvers::{feedbacks, organizations};
use crate::store::graph::Owned;

/// One page of an organization-wide table in list order.
async fn table_page<E, N, P>(
    ctx: &Context<'_>,
    organization: Uuid,
    table: Table,
    (page_size, page_number): (Option<i32>, Option<i32>),
) -> Result<P>
where
    E: Owned,
    N: From<E::Model>,
    P: From<Page<N>>,
{
    let args = page_args(page_size, page_number)?;
    let source = TotalSource::Table(organization, table);
    let page = page_with_total(ctx, args, source, async {
        let rows = organizations::table::<E>(db(ctx), organization, args).await?;
        Ok(rows.into_iter().map(N::from).collect())
    })
    .await?;
    Ok(page.into())
}

/// An organization: the root of its graph. Its own row is read only when
/// `name` or `createdAt` is selected; its lists need just the uuid.
pub struct Organization {
    uuid: Uuid,
    row: OnceCell<entity::organizations::Model>,
}

impl Organization {
    fn new(uuid: Uuid) -> Organization {
        Organization {
            uuid,
            row: OnceCell::new(),
        }
    }

    async fn row(&self, ctx: &Context<'_>) -> Result<&entity::organizations::Model> {
        self.row
            .get_or_try_init(|| async { Ok(organizations::get(db(ctx), self.uuid).await?) })
            .await
    }
}

/// An organization: the root of its graph.
#[Object]
impl Organization {
    /// Identifier.
    async fn uuid(&self) -> Uuid {
        self.uuid
    }
    /// Display name.
    async fn name(&self, ctx: &Context<'_>) -> Result<&str> {
        Ok(&self.row(ctx).await?.name)
    }
    /// When it was created.
    async fn created_at(&self, ctx: &Context<'_>) -> Result<Instant> {
        Ok(Instant(self.row(ctx).await?.created_at))
    }
    /// Its customers: filtered, sorted (default: latest interaction first), paginated.
    #[graphql(complexity = "page_cost(page_size, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn customers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Conditions every listed item must meet.")] filter: Option<CustomerFilter>,
        #[graphql(
            desc = "What to sort by (the first value of the enum by default); ties are broken by uuid."
        )]
        sort_by: Option<CustomerSortBy>,
        #[graphql(desc = "Sort direction (default DESC).")] sort_direction: Option<SortDirection>,
        #[graphql(desc = "Items per page, 1 to 100 (default 25).")] page_size: Option<i32>,
        #[graphql(desc = "Page number, from 1 (default 1).")] page_number: Option<i32>,
    ) -> Result<CustomerPage> {
        customer_page(
            ctx,
            self.uuid,
            filter,
            sort_by,
            sort_direction,
            page_size,
            page_number,
        )
        .await
    }
    /// `customers` as a Relay connection (same filter and order): `first`
    /// items after `after`, or `last` items before `before`.
    #[graphql(complexity = "connection_cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn customers_connection(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Conditions every listed item must meet.")] filter: Option<CustomerFilter>,
        #[graphql(
            desc = "What to sort by (the first value of the enum by default); ties are broken by uuid."
        )]
        sort_by: Option<CustomerSortBy>,
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
    ) -> Result<Option<CustomerConnection>> {
        let args = CursorArgs {
            first,
            after,
            last,
            before,
        };
        customer_connection(ctx, self.uuid, filter, (sort_by, sort_direction), args)
            .await
            .map(Some)
    }
    /// One of its customers, or a `NOT_FOUND` error.
    async fn customer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The item's uuid.")] uuid: Uuid,
    ) -> Result<Customer> {
        customer_by_uuid(ctx, self.uuid, uuid).await
    }
    /// Its customers' companies, by name.
    #[graphql(complexity = "page_cost(page_size, child_complexity)")]
    async fn customer_companies(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items per page, 1 to 100 (default 25).")] page_size: Option<i32>,
        #[graphql(desc = "Page number, from 1 (default 1).")] page_number: Option<i32>,
    ) -> Result<CustomerCompanyPage> {
        let page = (page_size, page_number);
        table_page::<entity::customer_companies::Entity, _, _>(
            ctx,
            self.uuid,
            Table::Companies,
            page,
        )
        .await
    }
    /// `customer_companies` as a Relay connection (same order): `first` items after
    /// `after`, or `last` items before `before`.
    #[graphql(complexity = "connection_cost(first, last, child_complexity)")]
    async fn customer_companies_connection(
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
    ) -> Result<Option<CustomerCompanyConnection>> {
        let args = CursorArgs {
            first,
            after,
            last,
            before,
        };
        let list = (Table::Companies, organizations::COMPANIES);
        table_connection::<entity::customer_companies::Entity, _>(ctx, self.uuid, list, args)
            .await
            .map(Some)
    }
    /// Its personas, by name.
    #[graphql(complexity = "page_cost(page_size, child_complexity)")]
    async fn personas(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items per page, 1 to 100 (default 25).")] page_size: Option<i32>,
        #[graphql(desc = "Page number, from 1 (default 1).")] page_number: Option<i32>,
    ) -> Result<PersonaPage> {
        let page = (page_size, page_number);
        table_page::<entity::personas::Entity, _, _>(ctx, self.uuid, Table::Personas, page).await
    }
    /// `personas` as a Relay connection (same order): `first` items after
    /// `after`, or `last` items before `before`.
    #[graphql(complexity = "connection_cost(first, last, child_complexity)")]
    async fn personas_connection(
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
    ) -> Result<Option<PersonaConnection>> {
        let args = CursorArgs {
            first,
            after,
            last,
            before,
        };
        let list = (Table::Personas, organizations::PERSONAS);
        table_connection::<entity::personas::Entity, _>(ctx, self.uuid, list, args)
            .await
            .map(Some)
    }
    /// Feedbacks across its customers: filtered (`from` and `to` both
    /// inclusive), sorted (default: latest `feedbackDate` first, ties by
    /// uuid), paginated.
    #[graphql(complexity = "page_cost(page_size, child_complexity)")]
    async fn feedbacks(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Conditions every listed item must meet.")] filter: Option<FeedbackFilter>,
        #[graphql(
            desc = "What to sort by (the first value of the enum by default); ties are broken by uuid."
        )]
        sort_by: Option<FeedbackSortBy>,
        #[graphql(desc = "Sort direction (default DESC).")] sort_direction: Option<SortDirection>,
        #[graphql(desc = "Items per page, 1 to 100 (default 25).")] page_size: Option<i32>,
        #[graphql(desc = "Page number, from 1 (default 1).")] page_number: Option<i32>,
    ) -> Result<FeedbackPage> {
        let args = page_args(page_size, page_number)?;
        let filter = filter.unwrap_or_default().into_checked()?;
        let organization = self.uuid;
        let source = TotalSource::Feedbacks(organization, filter.clone());
        let page = page_with_total(ctx, args, source, async {
            let order = (
                sort_by.unwrap_or_default(),
                sort_direction.unwrap_or_default(),
            );
            let rows = feedbacks::list(db(ctx), organization, &filter, order, args).await?;
            Ok(rows.into_iter().map(Feedback).collect())
        })
        .await?;
        Ok(page.into())
    }
    /// `feedbacks` as a Relay connection (same filter and order): `first`
    /// items after `after`, or `last` items before `before`.
    #[graphql(complexity = "connection_cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn feedbacks_connection(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Conditions every listed item must meet.")] filter: Option<FeedbackFilter>,
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
        let filter = filter.unwrap_or_default().into_checked()?;
        let order = (
            sort_by.unwrap_or_default(),
            sort_direction.unwrap_or_default(),
        );
        let organization = self.uuid;
        let list = ListOf {
            name: feedbacks::LIST,
            parent: None,
            organization,
            order: feedbacks::order(order),
        };
        let page = CursorPage::checked(args, &CURSOR_NAMES, list)?;
        let rows = async {
            Ok(feedbacks::list(db(ctx), organization, &filter, order, page.rows()).await?)
        };
        let source = TotalSource::Feedbacks(organization, filter.clone());
        let cursor = |row: &entity::feedbacks::Model| page.list().cursor(row);
        connection(ctx, &page, rows, source, None, cursor, Feedback)
            .await
            .map(Some)
    }
    /// One of its feedbacks, or a `NOT_FOUND` error (another organization's
    /// feedback answers exactly like a missing one).
    async fn feedback(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The item's uuid.")] uuid: Uuid,
    ) -> Result<Option<Feedback>> {
        // Nullable, so that a missing one nulls this field alone, beside
        // its `NOT_FOUND` error, rather than the organization it hangs from.
        Ok(Some(Feedback(
            feedbacks::get(db(ctx), self.uuid, uuid).await?,
        )))
    }
    /// Its spaces, by name (then uuid).
    #[graphql(complexity = "page_cost(page_size, child_complexity)")]
    async fn spaces(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items per page, 1 to 100 (default 25).")] page_size: Option<i32>,
        #[graphql(desc = "Page number, from 1 (default 1).")] page_number: Option<i32>,
    ) -> Result<SpacePage> {
        let page = (page_size, page_number);
        table_page::<entity::spaces::Entity, _, _>(ctx, self.uuid, Table::Spaces, page).await
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
        let list = (Table::Spaces, organizations::SPACES);
        table_connection::<entity::spaces::Entity, _>(ctx, self.uuid, list, args)
            .await
            .map(Some)
    }
    /// One of its spaces, or a `NOT_FOUND` error (another organization's
    /// space answers exactly like a missing one).
    async fn space(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The item's uuid.")] uuid: Uuid,
    ) -> Result<Option<Space>> {
        Ok(Some(Space(
            feedbacks::get_space(db(ctx), self.uuid, uuid).await?,
        )))
    }
    /// Its insights, by title.
    #[graphql(complexity = "page_cost(page_size, child_complexity)")]
    async fn insights(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items per page, 1 to 100 (default 25).")] page_size: Option<i32>,
        #[graphql(desc = "Page number, from 1 (default 1).")] page_number: Option<i32>,
    ) -> Result<InsightPage> {
        let page = (page_size, page_number);
        table_page::<entity::insights::Entity, _, _>(ctx, self.uuid, Table::Insights, page).await
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
        let list = (Table::Insights, organizations::INSIGHTS);
        table_connection::<entity::insights::Entity, _>(ctx, self.uuid, list, args)
            .await
            .map(Some)
    }
    /// Its issues, by title.
    #[graphql(complexity = "page_cost(page_size, child_complexity)")]
    async fn issues(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items per page, 1 to 100 (default 25).")] page_size: Option<i32>,
        #[graphql(desc = "Page number, from 1 (default 1).")] page_number: Option<i32>,
    ) -> Result<IssuePage> {
        let page = (page_size, page_number);
        table_page::<entity::issues::Entity, _, _>(ctx, self.uuid, Table::Issues, page).await
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
        let list = (Table::Issues, organizations::ISSUES);
        table_connection::<entity::issues::Entity, _>(ctx, self.uuid, list, args)
            .await
            .map(Some)
    }
}

/// The token's organization, after checking `uuid` is it. (A token is only
/// issued for an existing organization, so no lookup is needed here.)
pub(crate) fn organization(ctx: &Context<'_>, uuid: Uuid) -> Result<Organization> {
    Ok(Organization::new(own_organization(ctx, uuid)?))
}
