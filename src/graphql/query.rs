//! The query root: `viewer`, `organization(uuid)` and the REST-shaped
//! `customers` / `customersConnection` / `customer` entry points, with the
//! customer and feedback filters every list shares ([`Organization`] holds
//! the organization's lists).

use async_graphql::{Context, Object, Result};
use uuid::Uuid;

use super::connections::connection_cost;
use super::context::{own_organization, tenant};
use super::customer_lists::{customer_by_uuid, customer_connection, customer_page};
use super::filters::{CustomerFilter, CustomerSortBy};
use super::nodes::{Customer, CustomerConnection, CustomerPage, SortDirection};
use super::organization::{Organization, organization};
use super::pagination::page_cost;
use crate::resolvers::cursors::CursorArgs;

/// The entry points of every read.
pub struct QueryRoot;

/// The entry points of every read.
#[Object]
impl QueryRoot {
    /// The organization your token grants.
    async fn viewer(&self, ctx: &Context<'_>) -> Result<Organization> {
        organization(ctx, tenant(ctx)?)
    }
    /// An organization by uuid; another organization than your token's answers `NOT_FOUND`.
    async fn organization(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The item's uuid.")] uuid: Uuid,
    ) -> Result<Organization> {
        organization(ctx, uuid)
    }
    /// An organization's customers (mirrors `GET /api/v1/organizations/{org}/customers`).
    #[graphql(complexity = "page_cost(page_size, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn customers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organization: the one your token grants.")] organization_uuid: Uuid,
        #[graphql(desc = "Conditions every listed item must meet.")] filter: Option<CustomerFilter>,
        #[graphql(
            desc = "What to sort by (the first value of the enum by default); ties are broken by uuid."
        )]
        sort_by: Option<CustomerSortBy>,
        #[graphql(desc = "Sort direction (default DESC).")] sort_direction: Option<SortDirection>,
        #[graphql(desc = "Items per page, 1 to 100 (default 25).")] page_size: Option<i32>,
        #[graphql(desc = "Page number, from 1 (default 1).")] page_number: Option<i32>,
    ) -> Result<CustomerPage> {
        let organization = own_organization(ctx, organization_uuid)?;
        customer_page(
            ctx,
            organization,
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
        #[graphql(desc = "The organization: the one your token grants.")] organization_uuid: Uuid,
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
        let organization = own_organization(ctx, organization_uuid)?;
        let args = CursorArgs {
            first,
            after,
            last,
            before,
        };
        customer_connection(ctx, organization, filter, (sort_by, sort_direction), args)
            .await
            .map(Some)
    }
    /// One customer (mirrors `GET /api/v1/organizations/{org}/customers/{uuid}`).
    async fn customer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organization: the one your token grants.")] organization_uuid: Uuid,
        #[graphql(desc = "The item's uuid.")] uuid: Uuid,
    ) -> Result<Customer> {
        let organization = own_organization(ctx, organization_uuid)?;
        customer_by_uuid(ctx, organization, uuid).await
    }
}
