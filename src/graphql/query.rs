//! The query root: `viewer`, `organization(uuid)` and the REST-shaped
//! `customers` / `customersConnection` / `customer` entry points, with the
//! customer and feedback filters every list shares ([`Organization`] holds
//! the organization's lists).

use async_graphql::{Context, InputObject, Object, Result};
use uuid::Uuid;

use super::connections::connection_cost;
use super::context::{db, own_organization, tenant};
use super::organization::{Organization, customer_connection, organization};
use super::pagination::{TotalSource, page_args, page_cost, page_with_total};
use super::scalars::Instant;
use super::types::{Customer, CustomerConnection, CustomerPage, SortDirection};
use crate::error::AppError;
use crate::resolvers::cursors::CursorArgs;
use crate::resolvers::customers;
use crate::resolvers::customers::{FilterNames, check_filter};
use crate::resolvers::feedbacks::{
    FeedbackFilter as StoreFeedbackFilter, FeedbackFilterNames, FeedbackType, check_feedback_filter,
};
use crate::store::customers::Along;

pub use entity::vocabulary::CustomerSort as CustomerSortBy;

pub use crate::resolvers::customers::CustomerFilter;

/// The GraphQL names of a customer filter's parts.
pub(crate) const FILTER_NAMES: FilterNames = FilterNames {
    uuids: "uuids",
    company_uuids: "companyUuids",
    persona_uuids: "personaUuids",
    search: "search",
    min_average_sentiment: "minAverageSentiment",
    max_average_sentiment: "maxAverageSentiment",
};

/// The GraphQL names of a feedback filter's parts.
const FEEDBACK_FILTER_NAMES: FeedbackFilterNames = FeedbackFilterNames {
    customer_uuids: "customerUuids",
    company_uuids: "companyUuids",
    space_uuids: "spaceUuids",
    feedback_types: "feedbackTypes",
    from: "from",
    to: "to",
    search: "search",
    priority: "priority",
    min_priority: "minPriority",
    min_sentiment: "minSentiment",
    max_sentiment: "maxSentiment",
};

/// Which feedbacks of an organization to list; every given condition must
/// hold, and a list given empty matches nothing. A value out of its range
/// is `BAD_USER_INPUT` naming the field (`extensions.parameter`).
#[derive(InputObject, Debug, Clone, Default)]
pub struct FeedbackFilter {
    /// Only feedbacks of these customers (at most 100 uuids).
    pub customer_uuids: Option<Vec<Uuid>>,
    /// Only feedbacks of customers of these companies (at most 100 uuids).
    pub company_uuids: Option<Vec<Uuid>>,
    /// Only feedbacks in at least one of these spaces (at most 100 uuids).
    pub space_uuids: Option<Vec<Uuid>>,
    /// Only feedbacks of these types.
    pub feedback_types: Option<Vec<FeedbackType>>,
    /// Given at or after this instant: inclusive, a feedback given exactly then is listed.
    pub from: Option<Instant>,
    /// Given at or before this instant: inclusive, a feedback given exactly then is listed. Not before `from`.
    pub to: Option<Instant>,
    /// Substring of the contents, ignoring case in every alphabet (Unicode case folding; `%` and `_` are literal); at most 200 characters.
    pub search: Option<String>,
    /// Exactly this priority (0 to 4).
    pub priority: Option<i32>,
    /// At least this priority (0 to 4).
    pub min_priority: Option<i32>,
    /// Mean sentiment of its highlights at least this (-1 to 1).
    pub min_sentiment: Option<f64>,
    /// Mean sentiment of its highlights at most this (-1 to 1).
    pub max_sentiment: Option<f64>,
}

impl FeedbackFilter {
    /// The store's filter, checked by [`check_feedback_filter`] under the
    /// GraphQL names.
    pub(crate) fn into_checked(self) -> Result<StoreFeedbackFilter, AppError> {
        let filter = StoreFeedbackFilter {
            customer_uuids: self.customer_uuids,
            company_uuids: self.company_uuids,
            space_uuids: self.space_uuids,
            feedback_types: self.feedback_types,
            from: self.from.map(|from| from.0),
            to: self.to.map(|to| to.0),
            search: self.search,
            priority: self.priority,
            min_priority: self.min_priority,
            min_sentiment: self.min_sentiment,
            max_sentiment: self.max_sentiment,
        };
        check_feedback_filter(&filter, &FEEDBACK_FILTER_NAMES)?;
        Ok(filter)
    }
}

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
    ) -> Result<CustomerConnection> {
        let organization = own_organization(ctx, organization_uuid)?;
        let args = CursorArgs {
            first,
            after,
            last,
            before,
        };
        customer_connection(ctx, organization, filter, (sort_by, sort_direction), args).await
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
