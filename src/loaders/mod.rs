//! DataLoaders: every relation field of the graph resolves through one
//! [`DataLoader<GraphLoader>`] per request, which gathers the keys that the
//! resolvers of one level ask for and answers them with one statement per
//! kind of key (and per page window), never one per parent.
//!
//! Every key carries the organization, so a batch can never reach across tenants.
//!
//! - [`loaders`]: a request's loaders and the queue of loads they start.
//! - [`drive`]: runs a request together with those loads, level by level
//!   ([`drive_stream`]: a subscription's answers, each the same way).
//! - [`ChildList`] and the keys ([`ById`], [`PageKey`], [`CountKey`],
//!   [`AverageKey`]) with the [`GraphLoader`] that answers each kind.

mod drive;

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_graphql::dataloader::{DataLoader, Loader};
use futures_util::future::BoxFuture;
use sea_orm::{DatabaseConnection, FromQueryResult};
use uuid::Uuid;

use crate::error::AppError;
use crate::metrics::Metrics;
use crate::store::graph::{Owned, find_many};
use crate::store::keyset::{Position, Rows};
use crate::store::relations::{self, Average, Direction, FeedbackSort, Relation, Window};
use entity::{customers, feedback_highlights, feedbacks, insights, issues, spaces};

pub use drive::{Drive, DriveStream, drive, drive_stream};

/// The loader behind every relation field.
pub struct GraphLoader {
    db: DatabaseConnection,
    metrics: Arc<Metrics>,
}

/// What resolvers hold: a per-request batching cache over [`GraphLoader`].
pub type Loaders = DataLoader<GraphLoader>;

/// Loader errors are shared between every waiting resolver, hence the `Arc`.
pub type LoadError = Arc<AppError>;

/// Batch loads a request's loader has started, waiting for [`drive`] to run them.
#[derive(Clone, Default)]
pub struct LoadQueue(Arc<Mutex<Vec<BoxFuture<'static, ()>>>>);

/// A new per-request loader over `db`, whose batch loads run inside the
/// request's own task (see [`drive`]) rather than on other runtime threads.
pub fn loaders(db: DatabaseConnection, metrics: Arc<Metrics>) -> (Loaders, LoadQueue) {
    let queue = LoadQueue::default();
    let spawner = queue.clone();
    let loaders = DataLoader::new(GraphLoader { db, metrics }, move |load| {
        spawner
            .0
            .lock()
            .expect("BUG: load queue lock poisoned")
            .push(load);
    })
    .delay(Duration::ZERO);
    (loaders, queue)
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

/// A parent → children list together with the type of its rows, so that a
/// page can never be asked for in the wrong model: the lists are the
/// constants below, [`ChildList::customer_feedbacks`] and
/// [`ChildList::space_feedbacks`].
pub struct ChildList<M> {
    relation: Relation,
    rows: PhantomData<fn() -> M>,
}

impl<M> Clone for ChildList<M> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<M> Copy for ChildList<M> {}

impl<M> ChildList<M> {
    const fn new(relation: Relation) -> Self {
        ChildList {
            relation,
            rows: PhantomData,
        }
    }

    /// The relation it reads.
    pub fn relation(self) -> Relation {
        self.relation
    }
}

impl ChildList<feedbacks::Model> {
    /// A customer's feedbacks, in the given order.
    pub fn customer_feedbacks(sort: FeedbackSort, direction: Direction) -> Self {
        ChildList::new(Relation::CustomerFeedbacks(sort, direction))
    }

    /// A space's feedbacks, in the given order.
    pub fn space_feedbacks(sort: FeedbackSort, direction: Direction) -> Self {
        ChildList::new(Relation::SpaceFeedbacks(sort, direction))
    }
}

/// The spaces a feedback sits in, by name.
pub const FEEDBACK_SPACES: ChildList<spaces::Model> = ChildList::new(Relation::FeedbackSpaces);

/// The highlights of a customer's feedbacks, newest feedback first.
pub const CUSTOMER_HIGHLIGHTS: ChildList<feedback_highlights::Model> =
    ChildList::new(Relation::CustomerHighlights);
/// The distinct insights linked to a customer's highlights, by title.
pub const CUSTOMER_INSIGHTS: ChildList<insights::Model> =
    ChildList::new(Relation::CustomerInsights);
/// The distinct issues linked to a customer's highlights, by title.
pub const CUSTOMER_ISSUES: ChildList<issues::Model> = ChildList::new(Relation::CustomerIssues);
/// A feedback's highlights, oldest first.
pub const FEEDBACK_HIGHLIGHTS: ChildList<feedback_highlights::Model> =
    ChildList::new(Relation::FeedbackHighlights);
/// The insights a highlight is linked to, by title.
pub const HIGHLIGHT_INSIGHTS: ChildList<insights::Model> =
    ChildList::new(Relation::HighlightInsights);
/// The issues a highlight is linked to, by title.
pub const HIGHLIGHT_ISSUES: ChildList<issues::Model> = ChildList::new(Relation::HighlightIssues);
/// The highlights linked to an insight, newest first.
pub const INSIGHT_HIGHLIGHTS: ChildList<feedback_highlights::Model> =
    ChildList::new(Relation::InsightHighlights);
/// The highlights linked to an issue, newest first.
pub const ISSUE_HIGHLIGHTS: ChildList<feedback_highlights::Model> =
    ChildList::new(Relation::IssueHighlights);
/// A company's customers, most recent interaction first.
pub const COMPANY_CUSTOMERS: ChildList<customers::Model> =
    ChildList::new(Relation::CompanyCustomers);
/// A persona's customers, most recent interaction first.
pub const PERSONA_CUSTOMERS: ChildList<customers::Model> =
    ChildList::new(Relation::PersonaCustomers);

/// One page of a parent's children of type `M`: numbered, or a keyset page
/// after (or before) the parent's own position.
pub struct PageKey<M> {
    /// The tenant.
    pub organization: Uuid,
    /// Which children.
    pub relation: Relation,
    /// Whose children.
    pub parent: Uuid,
    /// Which rows.
    pub rows: Rows,
    model: PhantomData<fn() -> M>,
}

impl<M> PageKey<M> {
    /// The key of one page of `parent`'s children in `list`.
    pub fn new(organization: Uuid, list: ChildList<M>, parent: Uuid, rows: Rows) -> Self {
        PageKey::at(organization, list.relation, parent, rows)
    }

    fn at(organization: Uuid, relation: Relation, parent: Uuid, rows: Rows) -> Self {
        PageKey {
            organization,
            relation,
            parent,
            rows,
            model: PhantomData,
        }
    }

    fn parts(&self) -> (Uuid, Relation, Uuid, &Rows) {
        (self.organization, self.relation, self.parent, &self.rows)
    }
}

impl<M> Clone for PageKey<M> {
    fn clone(&self) -> Self {
        PageKey::at(
            self.organization,
            self.relation,
            self.parent,
            self.rows.clone(),
        )
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

/// What the keys of one batched page statement share: the tenant, the
/// relation and the page's shape (its window, or a keyset page's size and
/// direction; each parent keeps its own position).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Batch {
    Numbered(Uuid, Relation, Window),
    Keyset(Uuid, Relation, u64, bool),
}

impl<M> Loader<PageKey<M>> for GraphLoader
where
    M: FromQueryResult + Clone + Send + Sync + 'static,
{
    type Value = Vec<M>;
    type Error = LoadError;

    async fn load(&self, keys: &[PageKey<M>]) -> Result<HashMap<PageKey<M>, Vec<M>>, LoadError> {
        let mut batches: HashMap<Batch, Vec<&PageKey<M>>> = HashMap::new();
        for key in keys {
            let batch = match &key.rows {
                Rows::Numbered(window) => Batch::Numbered(key.organization, key.relation, *window),
                Rows::Keyset(page) => {
                    Batch::Keyset(key.organization, key.relation, page.limit, page.backward)
                }
            };
            batches.entry(batch).or_default().push(key);
        }
        let mut found = HashMap::new();
        for (batch, keys) in batches {
            let pages = match batch {
                Batch::Numbered(organization, relation, window) => {
                    let parents: Vec<Uuid> = keys.iter().map(|key| key.parent).collect();
                    relations::pages::<M, _>(&self.db, organization, relation, &parents, window)
                        .await
                }
                Batch::Keyset(organization, relation, limit, backward) => {
                    let parents: Vec<(Uuid, Option<Position>)> = keys
                        .iter()
                        .map(|key| match &key.rows {
                            Rows::Keyset(page) => (key.parent, page.after.clone()),
                            Rows::Numbered(_) => {
                                unreachable!("BUG: a numbered key in a keyset batch")
                            }
                        })
                        .collect();
                    relations::keyset_pages::<M, _>(
                        &self.db,
                        organization,
                        relation,
                        &parents,
                        limit,
                        backward,
                    )
                    .await
                }
            }
            .map_err(AppError::from)?;
            let rows: usize = pages.values().map(Vec::len).sum();
            self.metrics.record_child_rows(rows as u64);
            for key in keys {
                let page = pages.get(&key.parent).cloned().unwrap_or_default();
                found.insert(key.clone(), page);
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
            Relation::SpaceFeedbacks(..) => {
                Relation::SpaceFeedbacks(FeedbackSort::default(), Direction::default())
            }
            other => other,
        };
        CountKey::exact(organization, relation, parent)
    }

    /// The key of a relation whose order is already normalised.
    fn exact(organization: Uuid, relation: Relation, parent: Uuid) -> Self {
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
                    found.insert(CountKey::exact(organization, relation, parent), count);
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
                found.insert(CountKey::exact(organization, relation, parent), count);
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
