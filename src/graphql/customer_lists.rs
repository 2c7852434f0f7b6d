//! An organization's customers as the graph lists them, for `Query` and
//! `Organization` alike: a numbered page, a Relay connection (each with the
//! company and persona its nodes select, read in the list's statement), and
//! one customer by uuid.

use async_graphql::{Context, Result};
use uuid::Uuid;

use super::connections::{CURSOR_NAMES, connection, node_selects};
use super::context::db;
use super::filters::{CustomerFilter, CustomerSortBy, FILTER_NAMES};
use super::nodes::{Customer, CustomerConnection, CustomerPage, SortDirection};
use super::pagination::{TotalSource, page_args, page_with_total};
use crate::resolvers::cursors::{CursorArgs, CursorPage, ListOf};
use crate::resolvers::customers::{self, check_filter};
use crate::store::customers::Along;

/// One page of an organization's customers.
pub(crate) async fn customer_page(
    ctx: &Context<'_>,
    organization: Uuid,
    filter: Option<CustomerFilter>,
    sort_by: Option<CustomerSortBy>,
    sort_direction: Option<SortDirection>,
    page_size: Option<i32>,
    page_number: Option<i32>,
) -> Result<CustomerPage> {
    let args = page_args(page_size, page_number)?;
    let filter = filter.unwrap_or_default();
    check_filter(&filter, &FILTER_NAMES)?;
    let order = (
        sort_by.unwrap_or_default(),
        sort_direction.unwrap_or_default(),
    );
    let source = TotalSource::Customers(organization, filter.clone());
    let nodes = ctx.look_ahead().field("nodes");
    let along = Along {
        company: nodes.field("company").exists(),
        persona: nodes.field("persona").exists(),
    };
    let page = page_with_total(ctx, args, source, async {
        let rows = customers::list(db(ctx), organization, &filter, order, args, along).await?;
        Ok(rows
            .into_iter()
            .map(|(customer, related)| Customer(customer, related))
            .collect())
    })
    .await?;
    Ok(page.into())
}

/// One customer of the organization, or `NOT_FOUND`.
pub(crate) async fn customer_by_uuid(
    ctx: &Context<'_>,
    organization: Uuid,
    uuid: Uuid,
) -> Result<Customer> {
    let customer = customers::get(db(ctx), organization, uuid).await?;
    Ok(Customer::new(customer))
}

/// A connection of an organization's customers: the filter and order of
/// [`customer_page`], read by cursor, with the company and persona its nodes
/// select read in the same statement.
pub(crate) async fn customer_connection(
    ctx: &Context<'_>,
    organization: Uuid,
    filter: Option<CustomerFilter>,
    (sort_by, sort_direction): (Option<CustomerSortBy>, Option<SortDirection>),
    args: CursorArgs,
) -> Result<CustomerConnection> {
    let filter = filter.unwrap_or_default();
    check_filter(&filter, &FILTER_NAMES)?;
    let order = (
        sort_by.unwrap_or_default(),
        sort_direction.unwrap_or_default(),
    );
    let list = ListOf {
        name: customers::LIST,
        parent: None,
        organization,
        order: customers::order(order),
    };
    let page = CursorPage::checked(args, &CURSOR_NAMES, list)?;
    let along = Along {
        company: node_selects(ctx, "company"),
        persona: node_selects(ctx, "persona"),
    };
    let rows = async {
        Ok(customers::list(db(ctx), organization, &filter, order, page.rows(), along).await?)
    };
    let source = TotalSource::Customers(organization, filter.clone());
    let cursor = |(customer, _): &(entity::customers::Model, _)| page.list().cursor(customer);
    let node = |(customer, related)| Customer(customer, related);
    connection(ctx, &page, rows, source, None, cursor, node).await
}
