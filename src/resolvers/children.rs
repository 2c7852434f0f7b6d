//! A parent's related rows through a request's batching loaders: pages of
//! children, their totals, mean sentiments and rows by uuid. Every call of
//! one level (all the customers of a page, say) joins one batch, so a level
//! costs one statement per kind of key, however many parents it has. Both
//! faces read relations here: GraphQL with the request's loaders, a REST
//! sub-list with loaders of its own (see [`crate::loaders::drive`]).

use std::sync::Arc;

use async_graphql::dataloader::Loader;
use sea_orm::{EntityTrait, FromQueryResult};
use uuid::Uuid;

#[cfg(doc)]
use super::PageArgs;
use crate::error::AppError;
use crate::loaders::{
    AverageKey, ById, ChildList, CountKey, GraphLoader, LoadError, Loaders, PageKey,
};
use crate::store::keyset::Rows;
use crate::store::relations::{Average, Relation};

/// One page of `parent`'s children in `list`, numbered ([`super::PageArgs`]) or
/// keyset ([`Rows::Keyset`]).
pub async fn page<M>(
    loaders: &Loaders,
    organization: Uuid,
    list: ChildList<M>,
    parent: Uuid,
    page: impl Into<Rows>,
) -> Result<Vec<M>, AppError>
where
    M: FromQueryResult + Clone + Send + Sync + 'static,
    GraphLoader: Loader<PageKey<M>, Value = Vec<M>, Error = LoadError>,
{
    let key = PageKey::new(organization, list, parent, page.into());
    let rows = loaders.load_one(key).await.map_err(unshare)?;
    Ok(rows.unwrap_or_default())
}

/// How many children `parent` has in `relation` (its order aside).
pub async fn total(
    loaders: &Loaders,
    organization: Uuid,
    relation: Relation,
    parent: Uuid,
) -> Result<i64, AppError> {
    let key = CountKey::new(organization, relation, parent);
    let total = loaders.load_one(key).await.map_err(unshare)?;
    Ok(total.unwrap_or(0))
}

/// The mean sentiment of `parent`'s highlights in `average`; `None` without any.
pub async fn average(
    loaders: &Loaders,
    organization: Uuid,
    average: Average,
    parent: Uuid,
) -> Result<Option<f64>, AppError> {
    let key = AverageKey {
        organization,
        average,
        parent,
    };
    loaders.load_one(key).await.map_err(unshare)
}

/// The row of `E` with this uuid in the organization, if any (`None` for no uuid).
pub async fn by_id<E>(
    loaders: &Loaders,
    organization: Uuid,
    uuid: Option<Uuid>,
) -> Result<Option<E::Model>, AppError>
where
    E: EntityTrait,
    GraphLoader: Loader<ById<E>, Value = E::Model, Error = LoadError>,
{
    let Some(uuid) = uuid else { return Ok(None) };
    let key = ById::<E>::new(organization, uuid);
    loaders.load_one(key).await.map_err(unshare)
}

/// A loader's error, shared between its waiters, as the one failure it is.
pub fn unshare(error: LoadError) -> AppError {
    Arc::try_unwrap(error).unwrap_or_else(|shared| match shared.as_ref() {
        AppError::NotFound(what) => AppError::NotFound(what),
        AppError::Missing { reference, uuid } => AppError::Missing {
            reference: *reference,
            uuid: *uuid,
        },
        AppError::Unavailable(outage) => AppError::Unavailable(*outage),
        AppError::Timeout => AppError::Timeout,
        // The shared error, cause chain included, stays the source.
        _ => AppError::internal(shared),
    })
}
