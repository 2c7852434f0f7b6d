//! Pages: the arguments every list takes (`pageSize`, `pageNumber`), the page
//! objects every list returns, and their `totalCount`, which is counted only
//! when a client selects it (or `hasNextPage`).

use async_graphql::Context;
use entity::{customer_companies, insights, issues, personas, spaces};
use tokio::sync::OnceCell;
use uuid::Uuid;

use super::context::{db, loaders};
use crate::error::AppError;
use crate::loaders::CountKey;
use crate::resolvers::customers::CustomerFilter;
use crate::resolvers::organizations::table_total;
use crate::resolvers::{children, customers};
use crate::store::feedbacks::FeedbackFilter;

pub use crate::resolvers::{DEFAULT_PAGE_SIZE, MAX_PAGE_NUMBER, MAX_PAGE_SIZE, PageArgs};

/// The page a client's `pageSize` and `pageNumber` ask for, checked and
/// defaulted; a bad value is `BAD_USER_INPUT` naming the argument.
pub fn page_args(page_size: Option<i32>, page_number: Option<i32>) -> Result<PageArgs, AppError> {
    PageArgs::checked(page_size, page_number, ("pageSize", "pageNumber"))
}

/// The complexity of a page field: its children cost once per item it may hold.
pub fn page_cost(page_size: Option<i32>, child_complexity: usize) -> usize {
    let items = page_size
        .unwrap_or(DEFAULT_PAGE_SIZE)
        .clamp(1, MAX_PAGE_SIZE) as usize;
    items.saturating_mul(child_complexity).saturating_add(1)
}

/// Organization-wide tables with a plain count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    /// customer_companies
    Companies,
    /// personas
    Personas,
    /// insights
    Insights,
    /// issues
    Issues,
    /// spaces
    Spaces,
}

/// Where a page's `totalCount` comes from.
#[derive(Debug, Clone)]
pub enum TotalSource {
    /// Already known (kept current on the parent row).
    Known(i64),
    /// A batched, grouped count of a parent's children.
    Child(CountKey),
    /// The organization's customers matching a filter.
    Customers(Uuid, CustomerFilter),
    /// The organization's feedbacks matching a filter.
    Feedbacks(Uuid, FeedbackFilter),
    /// All rows of an organization-wide table.
    Table(Uuid, Table),
}

impl TotalSource {
    /// Counts.
    pub async fn count(&self, ctx: &Context<'_>) -> async_graphql::Result<i64> {
        let db = db(ctx);
        Ok(match self {
            TotalSource::Known(total) => *total,
            TotalSource::Child(key) => {
                children::total(loaders(ctx), key.organization, key.relation, key.parent).await?
            }
            TotalSource::Customers(organization, filter) => {
                customers::count(db, *organization, filter).await?
            }
            TotalSource::Feedbacks(organization, filter) => {
                crate::resolvers::feedbacks::total(db, *organization, filter).await?
            }
            TotalSource::Table(organization, table) => {
                let organization = *organization;
                match table {
                    Table::Companies => {
                        table_total::<customer_companies::Entity>(db, organization).await?
                    }
                    Table::Personas => table_total::<personas::Entity>(db, organization).await?,
                    Table::Insights => table_total::<insights::Entity>(db, organization).await?,
                    Table::Issues => table_total::<issues::Entity>(db, organization).await?,
                    Table::Spaces => table_total::<spaces::Entity>(db, organization).await?,
                }
            }
        })
    }
}

/// True when the client selected `totalCount` or `hasNextPage` on the page
/// this resolver returns, so the count should run beside the page query.
pub fn wants_total(ctx: &Context<'_>) -> bool {
    let look_ahead = ctx.look_ahead();
    look_ahead.field("totalCount").exists() || look_ahead.field("hasNextPage").exists()
}

/// One page of `T`.
pub struct Page<T> {
    /// The items.
    pub nodes: Vec<T>,
    /// The arguments it was cut with.
    pub args: PageArgs,
    source: TotalSource,
    total: OnceCell<i64>,
}

impl<T> Page<T> {
    /// A page whose total is counted on demand from `source`.
    pub fn new(nodes: Vec<T>, args: PageArgs, source: TotalSource) -> Page<T> {
        Page {
            nodes,
            args,
            source,
            total: OnceCell::new(),
        }
    }

    /// A page whose total is already counted.
    pub fn counted(
        nodes: Vec<T>,
        args: PageArgs,
        source: TotalSource,
        total: Option<i64>,
    ) -> Page<T> {
        let page = Page::new(nodes, args, source);
        if let Some(total) = total {
            let _ = page.total.set(total);
        }
        page
    }

    /// The total across all pages, counted at most once.
    pub async fn total(&self, ctx: &Context<'_>) -> async_graphql::Result<i64> {
        self.total
            .get_or_try_init(|| self.source.count(ctx))
            .await
            .copied()
    }

    /// Whether a later page holds items.
    pub async fn has_next_page(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        let seen = i64::from(self.args.page_number) * i64::from(self.args.page_size);
        Ok(seen < self.total(ctx).await?)
    }
}

/// Runs `rows` and, when the client selected it, the count of `source` side
/// by side, so that the count joins the same DataLoader batch as its siblings.
pub async fn page_with_total<T, F>(
    ctx: &Context<'_>,
    args: PageArgs,
    source: TotalSource,
    rows: F,
) -> async_graphql::Result<Page<T>>
where
    F: std::future::Future<Output = async_graphql::Result<Vec<T>>>,
{
    if wants_total(ctx) {
        let (nodes, total) = futures_util::future::join(rows, source.count(ctx)).await;
        Ok(Page::counted(nodes?, args, source, Some(total?)))
    } else {
        Ok(Page::new(rows.await?, args, source))
    }
}

/// Declares the GraphQL page object of a node type.
macro_rules! page_object {
    ($page:ident, $node:ty, $what:literal) => {
        #[doc = concat!("One page of ", $what, ".")]
        pub struct $page(pub $crate::graphql::pagination::Page<$node>);

        #[doc = concat!("One page of ", $what, ".")]
        #[async_graphql::Object]
        impl $page {
            #[doc = concat!("The ", $what, " on this page.")]
            async fn nodes(&self) -> &[$node] {
                &self.0.nodes
            }

            /// How many items there are across all pages.
            async fn total_count(
                &self,
                ctx: &async_graphql::Context<'_>,
            ) -> async_graphql::Result<i64> {
                self.0.total(ctx).await
            }

            /// This page's number, from 1.
            async fn page_number(&self) -> i32 {
                self.0.args.page_number
            }

            /// Items per page.
            async fn page_size(&self) -> i32 {
                self.0.args.page_size
            }

            /// Whether a later page holds items.
            async fn has_next_page(
                &self,
                ctx: &async_graphql::Context<'_>,
            ) -> async_graphql::Result<bool> {
                self.0.has_next_page(ctx).await
            }
        }

        impl From<$crate::graphql::pagination::Page<$node>> for $page {
            fn from(page: $crate::graphql::pagination::Page<$node>) -> Self {
                $page(page)
            }
        }
    };
}

pub(crate) use page_object;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_arguments_default_and_bound() {
        assert_eq!(
            page_args(None, None).ok(),
            Some(PageArgs {
                page_size: 25,
                page_number: 1
            })
        );
        for (size, number, parameter) in [
            (Some(0), None, "pageSize"),
            (Some(101), None, "pageSize"),
            (None, Some(0), "pageNumber"),
            (None, Some(-3), "pageNumber"),
        ] {
            let error = page_args(size, number).expect_err("refused");
            assert_eq!(error.parameter(), Some(parameter));
        }
        let window = page_args(Some(10), Some(3)).expect("valid").window();
        assert_eq!((window.limit, window.offset), (10, 20));
    }

    #[test]
    fn a_page_costs_its_children_once_per_item() {
        assert_eq!(page_cost(None, 4), 101);
        assert_eq!(page_cost(Some(1000), 2), 201);
    }
}
