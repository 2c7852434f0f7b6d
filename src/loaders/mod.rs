//! DataLoaders: every relation field of the graph resolves through one
//! [`DataLoader<GraphLoader>`] per request, which gathers the keys that the
//! resolvers of one level ask for and answers them with one statement per
//! kind of key (and per page window), never one per parent.
//!
//! Every key carries the organization, so a batch can never reach across tenants.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use async_graphql::dataloader::{DataLoader, Loader};
use sea_orm::{DatabaseConnection, FromQueryResult};
use uuid::Uuid;

use crate::error::AppError;
use crate::store::graph::{Owned, find_many};
use crate::store::relations::{self, Average, Direction, FeedbackSort, Relation, Window};

/// The loader behind every relation field.
pub struct GraphLoader {
    db: DatabaseConnection,
}

/// What resolvers hold: a per-request batching cache over [`GraphLoader`].
pub type Loaders = DataLoader<GraphLoader>;

/// Loader errors are shared between every waiting resolver, hence the `Arc`.
pub type LoadError = Arc<AppError>;

/// A new per-request loader over `db`.
pub fn loaders(db: DatabaseConnection) -> Loaders {
    // A short delay lets every resolver of a level enqueue its key first.
    DataLoader::new(GraphLoader { db }, tokio::spawn).delay(Duration::from_millis(1))
}

/// Groups keys by what they share, keeping the parents of each group.
fn group<K, G: Hash + Eq>(keys: &[K], by: impl Fn(&K) -> (G, Uuid)) -> HashMap<G, Vec<Uuid>> {
    let mut groups: HashMap<G, Vec<Uuid>> = HashMap::new();
    for key in keys {
        let (group, parent) = by(key);
        groups.entry(group).or_default().push(parent);
    }
    groups
}

/// A row of table `E` by uuid, within an organization.
pub struct ById<E> {
    /// The tenant.
    pub organization: Uuid,
    /// The row.
    pub uuid: Uuid,
    table: PhantomData<fn() -> E>,
}

impl<E> ById<E> {
    /// The key of `uuid` in `organization`.
    pub fn new(organization: Uuid, uuid: Uuid) -> Self {
        ById {
            organization,
            uuid,
            table: PhantomData,
        }
    }
}

impl<E> Clone for ById<E> {
    fn clone(&self) -> Self {
        ById::new(self.organization, self.uuid)
    }
}
impl<E> PartialEq for ById<E> {
    fn eq(&self, other: &Self) -> bool {
        (self.organization, self.uuid) == (other.organization, other.uuid)
    }
}
impl<E> Eq for ById<E> {}
impl<E> Hash for ById<E> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        (self.organization, self.uuid).hash(state);
    }
}

impl<E> Loader<ById<E>> for GraphLoader
where
    E: Owned + Send + Sync + 'static,
    E::Model: sea_orm::ModelTrait<Entity = E> + Clone + Send + Sync + 'static,
{
    type Value = E::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[ById<E>]) -> Result<HashMap<ById<E>, E::Model>, LoadError> {
        let mut found = HashMap::new();
        for (organization, uuids) in group(keys, |key| (key.organization, key.uuid)) {
            for (uuid, model) in find_many::<E>(&self.db, organization, &uuids).await? {
                found.insert(ById::new(organization, uuid), model);
            }
        }
        Ok(found)
    }
}

/// One page of a parent's children of type `M`.
pub struct PageKey<M> {
    /// The tenant.
    pub organization: Uuid,
    /// Which children.
    pub relation: Relation,
    /// Whose children.
    pub parent: Uuid,
    /// Which page.
    pub window: Window,
    model: PhantomData<fn() -> M>,
}

impl<M> PageKey<M> {
    /// The key of one page.
    pub fn new(organization: Uuid, relation: Relation, parent: Uuid, window: Window) -> Self {
        PageKey {
            organization,
            relation,
            parent,
            window,
            model: PhantomData,
        }
    }

    fn parts(&self) -> (Uuid, Relation, Uuid, Window) {
        (self.organization, self.relation, self.parent, self.window)
    }
}

impl<M> Clone for PageKey<M> {
    fn clone(&self) -> Self {
        PageKey::new(self.organization, self.relation, self.parent, self.window)
    }
}
impl<M> PartialEq for PageKey<M> {
    fn eq(&self, other: &Self) -> bool {
        self.parts() == other.parts()
    }
}
impl<M> Eq for PageKey<M> {}
impl<M> Hash for PageKey<M> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.parts().hash(state);
    }
}

impl<M> Loader<PageKey<M>> for GraphLoader
where
    M: FromQueryResult + Clone + Send + Sync + 'static,
{
    type Value = Vec<M>;
    type Error = LoadError;

    async fn load(&self, keys: &[PageKey<M>]) -> Result<HashMap<PageKey<M>, Vec<M>>, LoadError> {
        let mut found = HashMap::new();
        let groups = group(keys, |key| {
            ((key.organization, key.relation, key.window), key.parent)
        });
        for ((organization, relation, window), parents) in groups {
            let pages =
                relations::pages::<M, _>(&self.db, organization, relation, &parents, window)
                    .await
                    .map_err(AppError::from)?;
            for (parent, page) in pages {
                found.insert(PageKey::new(organization, relation, parent, window), page);
            }
        }
        Ok(found)
    }
}

/// How many children a parent has in a relation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CountKey {
    /// The tenant.
    pub organization: Uuid,
    /// Which children (the order of a relation does not change its count).
    pub relation: Relation,
    /// Whose children.
    pub parent: Uuid,
}

impl CountKey {
    /// The key, with the relation's order normalised so that differently
    /// sorted lists share one count.
    pub fn new(organization: Uuid, relation: Relation, parent: Uuid) -> Self {
        let relation = match relation {
            Relation::CustomerFeedbacks(..) => {
                Relation::CustomerFeedbacks(FeedbackSort::default(), Direction::default())
            }
            other => other,
        };
        CountKey {
            organization,
            relation,
            parent,
        }
    }
}

/// The counts [`relations::customer_totals`] answers, in its order.
const CUSTOMER_TOTALS: [Relation; 3] = [
    Relation::CustomerHighlights,
    Relation::CustomerInsights,
    Relation::CustomerIssues,
];

impl Loader<CountKey> for GraphLoader {
    type Value = i64;
    type Error = LoadError;

    async fn load(&self, keys: &[CountKey]) -> Result<HashMap<CountKey, i64>, LoadError> {
        let mut found = HashMap::new();
        // A customer's highlight, insight and issue counts come from one
        // statement together, however many of the three were asked for.
        let (per_customer, other): (Vec<CountKey>, Vec<CountKey>) = keys
            .iter()
            .partition(|key| CUSTOMER_TOTALS.contains(&key.relation));
        for (organization, mut parents) in
            group(&per_customer, |key| (key.organization, key.parent))
        {
            parents.sort_unstable();
            parents.dedup();
            let totals = relations::customer_totals(&self.db, organization, &parents)
                .await
                .map_err(AppError::from)?;
            for (parent, counts) in totals {
                for (relation, count) in CUSTOMER_TOTALS.into_iter().zip(counts) {
                    found.insert(
                        CountKey {
                            organization,
                            relation,
                            parent,
                        },
                        count,
                    );
                }
            }
        }
        for ((organization, relation), parents) in
            group(&other, |key| ((key.organization, key.relation), key.parent))
        {
            let counts = relations::counts(&self.db, organization, relation, &parents)
                .await
                .map_err(AppError::from)?;
            for (parent, count) in counts {
                found.insert(
                    CountKey {
                        organization,
                        relation,
                        parent,
                    },
                    count,
                );
            }
        }
        Ok(found)
    }
}

/// A parent's mean highlight sentiment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AverageKey {
    /// The tenant.
    pub organization: Uuid,
    /// Which average.
    pub average: Average,
    /// Whose.
    pub parent: Uuid,
}

impl Loader<AverageKey> for GraphLoader {
    type Value = f64;
    type Error = LoadError;

    async fn load(&self, keys: &[AverageKey]) -> Result<HashMap<AverageKey, f64>, LoadError> {
        let mut found = HashMap::new();
        for ((organization, average), parents) in
            group(keys, |key| ((key.organization, key.average), key.parent))
        {
            let values = relations::averages(&self.db, organization, average, &parents)
                .await
                .map_err(AppError::from)?;
            for (parent, value) in values {
                if let Some(value) = value {
                    found.insert(
                        AverageKey {
                            organization,
                            average,
                            parent,
                        },
                        value,
                    );
                }
            }
        }
        Ok(found)
    }
}
