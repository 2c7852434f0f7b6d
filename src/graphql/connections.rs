//! Relay connections (<https://relay.dev/graphql/connections.htm>): every
//! list field of the graph has a `…Connection` twin beside it (`customers` and
//! `customersConnection`, `feedbacks` and `feedbacksConnection`, …) with the
//! same filters and sorts and the arguments `first`/`after` (forward) or
//! `last`/`before` (backward), answering `edges { cursor node }`, `nodes`,
//! `pageInfo { hasNextPage hasPreviousPage startCursor endCursor }` and
//! `totalCount` (counted only when selected). The page fields keep their
//! page numbers. A connection field is nullable: when it fails (a cursor
//! refused, say), it alone is `null`, beside its error, and its parent keeps
//! its other fields.
//!
//! A connection page is a keyset page ([`crate::store::keyset`]): read from
//! where the cursor points in the sort index, never with `OFFSET`. A nested
//! connection is read for every parent of a level in one statement, like a
//! nested page. Cursors are checked by [`crate::resolvers::cursors`]: a cursor
//! of another list, parent, order or organization is `BAD_USER_INPUT` naming
//! the argument.

use async_graphql::dataloader::Loader;
use async_graphql::{Context, Result, SimpleObject};
use sea_orm::{EntityTrait, FromQueryResult, ModelTrait};
use std::str::FromStr;
use tokio::sync::OnceCell;
use uuid::Uuid;

use super::context::{db, loaders, tenant};
use super::pagination::Table;
use super::pagination::TotalSource;
use crate::loaders::{ChildList, CountKey, GraphLoader, LoadError, PageKey};
use crate::resolvers::cursors::{CursorArgs, CursorNames, CursorPage, ListOf, Sliced};
use crate::resolvers::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, children, organizations};
use crate::store::graph::Owned;

/// What GraphQL calls the cursor arguments.
pub const CURSOR_NAMES: CursorNames = CursorNames {
    first: "first",
    after: "after",
    last: "last",
    before: "before",
};

/// Where a connection's page lies in its list.
#[derive(Debug, Clone, SimpleObject)]
pub struct PageInfo {
    /// Rows follow the last edge.
    pub has_next_page: bool,
    /// Rows precede the first edge. Paging forward, true when the page
    /// starts after a cursor (the Relay specification lets a server answer
    /// so rather than count what lies before).
    pub has_previous_page: bool,
    /// The first edge's cursor; null for an empty page.
    pub start_cursor: Option<String>,
    /// The last edge's cursor; null for an empty page.
    pub end_cursor: Option<String>,
}

/// An edge type of a connection: a node and its cursor.
pub trait EdgeOf {
    /// The node type.
    type Node;
    /// The edge of `node`, at `cursor`.
    fn new(cursor: String, node: Self::Node) -> Self;
    /// Its cursor.
    fn cursor(&self) -> &str;
}

/// One page of a connection of edges `E`.
pub struct Connection<E> {
    /// The edges, in the list's order.
    pub edges: Vec<E>,
    /// Where the page lies.
    pub page_info: PageInfo,
    source: TotalSource,
    total: OnceCell<i64>,
}

impl<E: EdgeOf> Connection<E> {
    /// The connection of a cut page, each row's cursor made by `cursor` and
    /// its node by `node`; its total counted from `source` when asked for
    /// (or given in `total`).
    pub fn new<M>(
        sliced: Sliced<M>,
        cursor: impl Fn(&M) -> String,
        node: impl Fn(M) -> E::Node,
        source: TotalSource,
        total: Option<i64>,
    ) -> Connection<E> {
        let edges: Vec<E> = sliced
            .rows
            .into_iter()
            .map(|row| E::new(cursor(&row), node(row)))
            .collect();
        let page_info = PageInfo {
            has_next_page: sliced.has_next_page,
            has_previous_page: sliced.has_previous_page,
            start_cursor: edges.first().map(|edge| edge.cursor().to_owned()),
            end_cursor: edges.last().map(|edge| edge.cursor().to_owned()),
        };
        let counted = OnceCell::new();
        if let Some(total) = total {
            let _ = counted.set(total);
        }
        Connection {
            edges,
            page_info,
            source,
            total: counted,
        }
    }

    /// How many rows the list holds across all pages, counted at most once.
    pub async fn total(&self, ctx: &Context<'_>) -> Result<i64> {
        self.total
            .get_or_try_init(|| self.source.count(ctx))
            .await
            .copied()
    }
}

/// The complexity of a connection field: its children cost once per edge
/// it may hold (`first` or `last`, 25 by default).
pub fn connection_cost(first: Option<i32>, last: Option<i32>, child_complexity: usize) -> usize {
    let items = first
        .or(last)
        .unwrap_or(DEFAULT_PAGE_SIZE)
        .clamp(1, MAX_PAGE_SIZE) as usize;
    items.saturating_mul(child_complexity).saturating_add(1)
}

/// True when the client selected `totalCount` on the connection this
/// resolver returns.
pub fn wants_total(ctx: &Context<'_>) -> bool {
    ctx.look_ahead().field("totalCount").exists()
}

/// True when the client selected `field` on the connection's nodes, through
/// `nodes` or `edges { node }`.
pub fn node_selects(ctx: &Context<'_>, field: &str) -> bool {
    let look_ahead = ctx.look_ahead();
    look_ahead.field("nodes").field(field).exists()
        || look_ahead
            .field("edges")
            .field("node")
            .field(field)
            .exists()
}

/// A connection of `parent`'s children in `list` through the request's
/// loader: every parent of a level in one statement, each after its own
/// cursor; the total through the batched count when selected, unless the
/// parent keeps it (`known_total`).
pub async fn child_connection<M, C>(
    ctx: &Context<'_>,
    list: ChildList<M>,
    parent: Uuid,
    args: CursorArgs,
    known_total: Option<i64>,
) -> Result<C>
where
    M: FromQueryResult + ModelTrait + Clone + Send + Sync + 'static,
    <M::Entity as EntityTrait>::Column: FromStr,
    GraphLoader: Loader<PageKey<M>, Value = Vec<M>, Error = LoadError>,
    C: From<Connection<C::Edge>> + HasEdge,
    <C::Edge as EdgeOf>::Node: From<M>,
{
    let organization = tenant(ctx)?;
    let relation = list.relation();
    let of = ListOf {
        name: relation.name(),
        parent: Some(parent),
        organization,
        order: relation.order_keys(),
    };
    let page = CursorPage::checked(args, &CURSOR_NAMES, of)?;
    let source = match known_total {
        Some(total) => TotalSource::Known(total),
        None => TotalSource::Child(CountKey::new(organization, relation, parent)),
    };
    let rows =
        async { Ok(children::page(loaders(ctx), organization, list, parent, page.rows()).await?) };
    let cursor = |row: &M| page.list().cursor(row);
    connection(ctx, &page, rows, source, known_total, cursor, From::from).await
}

/// A connection of `page` of a list: `rows` read (with [`CursorPage::rows`])
/// side by side with the count of `source` when the client selected
/// `totalCount` and `known_total` does not give it; each row's cursor made
/// by `cursor` and its node by `node`.
pub async fn connection<M, C, F>(
    ctx: &Context<'_>,
    page: &CursorPage,
    rows: F,
    source: TotalSource,
    known_total: Option<i64>,
    cursor: impl Fn(&M) -> String,
    node: impl Fn(M) -> <C::Edge as EdgeOf>::Node,
) -> Result<C>
where
    F: std::future::Future<Output = Result<Vec<M>>>,
    C: From<Connection<C::Edge>> + HasEdge,
{
    let (rows, total) = if wants_total(ctx) && known_total.is_none() {
        let (rows, total) = futures_util::future::join(rows, source.count(ctx)).await;
        (rows?, Some(total?))
    } else {
        (rows.await?, known_total)
    };
    let sliced = page.cut(rows);
    Ok(C::from(Connection::new(
        sliced, cursor, node, source, total,
    )))
}

/// A connection of an organization-wide table in list order.
pub async fn table_connection<E, C>(
    ctx: &Context<'_>,
    organization: Uuid,
    (table, name): (Table, &'static str),
    args: CursorArgs,
) -> Result<C>
where
    E: Owned,
    E::Model: sea_orm::ModelTrait<Entity = E>,
    E::Column: std::str::FromStr,
    C: From<Connection<C::Edge>> + HasEdge,
    <C::Edge as EdgeOf>::Node: From<E::Model>,
{
    let list = ListOf {
        name,
        parent: None,
        organization,
        order: organizations::table_order::<E>(),
    };
    let page = CursorPage::checked(args, &CURSOR_NAMES, list)?;
    let rows = async { Ok(organizations::table::<E>(db(ctx), organization, page.rows()).await?) };
    let source = TotalSource::Table(organization, table);
    let cursor = |row: &E::Model| page.list().cursor(row);
    connection(ctx, &page, rows, source, None, cursor, From::from).await
}

/// A connection type and its edge type.
pub trait HasEdge {
    /// Its edges.
    type Edge: EdgeOf;
}

/// Declares the GraphQL connection and edge objects of a node type.
macro_rules! connection_object {
    ($connection:ident, $edge:ident, $node:ty, $what:literal) => {
        #[doc = concat!("An edge of a connection of ", $what, ": one node and its cursor.")]
        pub struct $edge {
            cursor: String,
            node: $node,
        }

        #[doc = concat!("An edge of a connection of ", $what, ": one node and its cursor.")]
        #[async_graphql::Object]
        impl $edge {
            /// Send it back as `after` (or `before`) to page from this node.
            async fn cursor(&self) -> &str {
                &self.cursor
            }
            /// The node.
            async fn node(&self) -> &$node {
                &self.node
            }
        }

        impl $crate::graphql::connections::EdgeOf for $edge {
            type Node = $node;
            fn new(cursor: String, node: $node) -> Self {
                $edge { cursor, node }
            }
            fn cursor(&self) -> &str {
                &self.cursor
            }
        }

        #[doc = concat!("A page of ", $what, " read by cursor (a Relay connection).")]
        pub struct $connection(pub $crate::graphql::connections::Connection<$edge>);

        #[doc = concat!("A page of ", $what, " read by cursor (a Relay connection).")]
        #[async_graphql::Object]
        impl $connection {
            /// The page's nodes with their cursors, in the list's order.
            async fn edges(&self) -> &[$edge] {
                &self.0.edges
            }
            #[doc = concat!("The ", $what, " of the page, in the list's order (the edges' nodes).")]
            async fn nodes(&self) -> Vec<&$node> {
                self.0.edges.iter().map(|edge| &edge.node).collect()
            }
            /// Where the page lies in the list.
            async fn page_info(&self) -> &$crate::graphql::connections::PageInfo {
                &self.0.page_info
            }
            /// How many items there are across all pages (counted only when selected).
            async fn total_count(
                &self,
                ctx: &async_graphql::Context<'_>,
            ) -> async_graphql::Result<i64> {
                self.0.total(ctx).await
            }
        }

        impl From<$crate::graphql::connections::Connection<$edge>> for $connection {
            fn from(connection: $crate::graphql::connections::Connection<$edge>) -> Self {
                $connection(connection)
            }
        }

        impl $crate::graphql::connections::HasEdge for $connection {
            type Edge = $edge;
        }
    };
}

pub(crate) use connection_object;
