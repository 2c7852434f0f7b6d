//! How the graph's objects reach their relations: through the request's
//! batching loaders (see [`crate::resolvers::children`]), one statement per
//! kind of key and level. A page of children counts its total in the same
//! batch when the client selected it.

use async_graphql::dataloader::Loader;
use async_graphql::{Context, Result};
use entity::feedbacks;
use sea_orm::FromQueryResult;
use uuid::Uuid;

use super::context::{loaders, tenant};
use super::nodes::{FeedbackPage, FeedbackSortBy, SortDirection};
use super::pagination::{Page, TotalSource, page_args, page_with_total};
use crate::loaders::{ById, ChildList, CountKey, GraphLoader, LoadError, PageKey};
use crate::resolvers::children;
use crate::store::relations::{Average, Relation};

/// Loads one row of `E` by uuid through the request's loader.
pub async fn by_id<E>(ctx: &Context<'_>, uuid: Option<Uuid>) -> Result<Option<E::Model>>
where
    E: sea_orm::EntityTrait,
    GraphLoader: Loader<ById<E>, Value = E::Model, Error = LoadError>,
{
    Ok(children::by_id::<E>(loaders(ctx), tenant(ctx)?, uuid).await?)
}

/// One page of `parent`'s children in `list` through the request's loader;
/// the count runs in the same batch when the client selected it, unless the
/// parent already knows it (`known_total`).
pub async fn child_page<M, N, P>(
    ctx: &Context<'_>,
    list: ChildList<M>,
    parent: Uuid,
    (page_size, page_number): (Option<i32>, Option<i32>),
    known_total: Option<i64>,
) -> Result<P>
where
    M: FromQueryResult + Clone + Send + Sync + 'static,
    GraphLoader: Loader<PageKey<M>, Value = Vec<M>, Error = LoadError>,
    N: From<M>,
    P: From<Page<N>>,
{
    let organization = tenant(ctx)?;
    let args = page_args(page_size, page_number)?;
    let source = match known_total {
        Some(total) => TotalSource::Known(total),
        None => TotalSource::Child(CountKey::new(organization, list.relation(), parent)),
    };
    let page = page_with_total(ctx, args, source, async move {
        let rows = children::page(loaders(ctx), organization, list, parent, args).await?;
        Ok(rows.into_iter().map(N::from).collect())
    })
    .await?;
    Ok(page.into())
}

/// The mean sentiment of `parent`'s highlights in `average`.
pub async fn average(ctx: &Context<'_>, average: Average, parent: Uuid) -> Result<Option<f64>> {
    Ok(children::average(loaders(ctx), tenant(ctx)?, average, parent).await?)
}

/// How many children `parent` has in `relation`.
pub async fn count(ctx: &Context<'_>, relation: Relation, parent: Uuid) -> Result<i64> {
    Ok(children::total(loaders(ctx), tenant(ctx)?, relation, parent).await?)
}

/// One page of `parent`'s feedbacks in the list that `list_in` makes of the
/// client's order (default: latest `feedbackDate` first, ties by uuid); the
/// total as in [`child_page`], `known_total` when the parent keeps it.
pub async fn feedback_page(
    ctx: &Context<'_>,
    list_in: fn(FeedbackSortBy, SortDirection) -> ChildList<feedbacks::Model>,
    parent: Uuid,
    (sort_by, sort_direction): (Option<FeedbackSortBy>, Option<SortDirection>),
    page: (Option<i32>, Option<i32>),
    known_total: Option<i64>,
) -> Result<FeedbackPage> {
    let list = list_in(
        sort_by.unwrap_or_default(),
        sort_direction.unwrap_or_default(),
    );
    child_page(ctx, list, parent, page, known_total).await
}
