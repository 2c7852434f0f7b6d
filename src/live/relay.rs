//! Carrying changes from the write that made them to the subscribers of
//! every instance, and reading the rows they name once per instance.
//!
//! - On PostgreSQL, `publish` sends `SELECT pg_notify(CHANNEL, payload)`
//!   after the write's commit (payloads are JSON arrays of [`Change`]s,
//!   ids only, each under [`MAX_PAYLOAD_BYTES`]); every instance keeps one
//!   connection of its own `LISTEN`ing (application name [`LISTENER_NAME`]),
//!   checks it every [`HEARTBEAT`], and when it breaks opens a new one and
//!   tells its subscribers that changes between the last moment it was
//!   sure of and now may have been missed ([`Event::Gap`]).
//! - On SQLite, one process serves the file: the changes go through an
//!   in-process queue of [`QUEUE`] writes; a write that finds it full is
//!   counted as dropped and reported as a gap, never waited for.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use entity::vocabulary::CustomerChange;
use entity::{customers, feedback_highlights, feedbacks};
use sea_orm::sqlx::postgres::{PgConnectOptions, PgListener, PgPool, PgPoolOptions};
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, Statement};
use tokio::sync::mpsc;
use uuid::Uuid;

use super::Live;
use super::event::{self, Change, CreatedFeedback, Event};
use crate::error::AppError;
use crate::store;
use crate::store::graph::find_many;

/// The PostgreSQL notification channel every instance listens to.
pub const CHANNEL: &str = "customer_graph_changes";

/// The `application_name` of each instance's listening connection.
pub const LISTENER_NAME: &str = "customer-graph-listener";

/// Largest notification payload sent, in bytes (PostgreSQL refuses 8000 and
/// more); a write's changes are split over as many notifications as needed.
pub const MAX_PAYLOAD_BYTES: usize = 7_000;

/// How often the listening connection is checked with a statement of its own.
pub const HEARTBEAT: Duration = Duration::from_secs(5);

/// Writes whose changes may wait in the in-process queue.
pub const QUEUE: usize = 65_536;

/// What reaches the row reader.
#[derive(Debug)]
pub(super) enum Batch {
    /// The changes of one write (or one notification).
    Changes(Vec<Change>),
    /// Changes may have been lost between these times.
    Gap(SystemTime, SystemTime),
}

/// How this instance publishes.
pub(super) enum Publisher {
    /// Through the in-process queue (SQLite).
    Local {
        queue: mpsc::Sender<Batch>,
        /// Since when writes have found the queue full, if they have.
        overflowed: Arc<Mutex<Option<SystemTime>>>,
    },
    /// Through `pg_notify` (PostgreSQL): every instance's listener hears it.
    Postgres,
}

/// The receiving end: the queue the row reader drains, and on PostgreSQL
/// the settings of the listener's own connection.
pub(super) struct Incoming {
    queue: mpsc::Receiver<Batch>,
    sender: mpsc::Sender<Batch>,
    overflowed: Arc<Mutex<Option<SystemTime>>>,
    listener: Option<PgConnectOptions>,
}

impl Publisher {
    /// The publisher for `db`'s backend and its receiving end.
    pub(super) fn new(db: &DatabaseConnection) -> (Publisher, Incoming) {
        let listener = (db.get_database_backend() == DatabaseBackend::Postgres).then(|| {
            let pool: &PgPool = db.get_postgres_connection_pool();
            pool.connect_options()
                .as_ref()
                .clone()
                .application_name(LISTENER_NAME)
        });
        Publisher::with_listener(listener)
    }

    /// The publisher that listens with `listener`'s settings (PostgreSQL),
    /// or through the in-process queue (`None`).
    pub(super) fn with_listener(listener: Option<PgConnectOptions>) -> (Publisher, Incoming) {
        let (sender, queue) = mpsc::channel(QUEUE);
        let overflowed = Arc::new(Mutex::new(None));
        let publisher = if listener.is_some() {
            Publisher::Postgres
        } else {
            Publisher::Local {
                queue: sender.clone(),
                overflowed: overflowed.clone(),
            }
        };
        let incoming = Incoming {
            queue,
            sender,
            overflowed,
            listener,
        };
        (publisher, incoming)
    }
}

impl Incoming {
    /// Whether changes arrive through a PostgreSQL listener (rather than
    /// the in-process queue).
    pub(super) fn listens(&self) -> bool {
        self.listener.is_some()
    }
}

/// Sends `changes` on their way (see the module's notes).
pub(super) async fn publish(live: &Live, changes: Vec<Change>) {
    match &live.0.relay {
        Publisher::Local { queue, overflowed } => {
            let count = changes.len() as u64;
            if queue.try_send(Batch::Changes(changes)).is_err() {
                live.metrics().record_live_dropped("queue_full", count);
                overflowed
                    .lock()
                    .expect("BUG: overflow lock poisoned")
                    .get_or_insert_with(SystemTime::now);
                tracing::warn!(count, "the live update queue is full: changes dropped");
            }
        }
        Publisher::Postgres => {
            for payload in payloads(&changes) {
                let statement = Statement::from_sql_and_values(
                    DatabaseBackend::Postgres,
                    "SELECT pg_notify($1, $2)",
                    [CHANNEL.into(), payload.into()],
                );
                if let Err(error) = live.db().execute_raw(statement).await {
                    live.metrics()
                        .record_live_dropped("publish_failed", changes.len() as u64);
                    tracing::warn!(%error, "a change could not be published");
                    let now = SystemTime::now();
                    let _ = live.0.events.send(Arc::new(Event::Gap {
                        from: now,
                        until: now,
                    }));
                    return;
                }
            }
        }
    }
}

/// `changes` as notification payloads, each under [`MAX_PAYLOAD_BYTES`].
fn payloads(changes: &[Change]) -> Vec<String> {
    let mut payloads = Vec::new();
    let mut start = 0;
    while start < changes.len() {
        let mut end = changes.len();
        let mut payload = event::encode(&changes[start..end]);
        while payload.len() > MAX_PAYLOAD_BYTES && end - start > 1 {
            end = start + (end - start).div_ceil(2);
            payload = event::encode(&changes[start..end]);
        }
        payloads.push(payload);
        start = end;
    }
    payloads
}

/// Starts the listener (PostgreSQL) and the row reader.
pub(super) fn spawn(live: Live, incoming: Incoming) {
    let Incoming {
        queue,
        sender,
        overflowed,
        listener,
    } = incoming;
    if let Some(options) = listener {
        tokio::spawn(listen(live.clone(), options, sender));
    }
    tokio::spawn(read_rows(live, queue, overflowed));
}

/// Keeps one connection listening on [`CHANNEL`] and forwards what it hears.
async fn listen(live: Live, options: PgConnectOptions, queue: mpsc::Sender<Batch>) {
    // The last moment every notification is known to have been heard.
    let mut certain = SystemTime::now();
    let mut lost = false;
    let mut backoff = Duration::from_millis(100);
    loop {
        let mut listener = tokio::select! {
            () = live.closing() => return,
            opened = open_listener(&options) => match opened {
                Ok(listener) => listener,
                Err(error) => {
                    if !lost {
                        tracing::warn!(%error, "cannot listen for changes; retrying");
                    }
                    lost = true;
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                    continue;
                }
            },
        };
        backoff = Duration::from_millis(100);
        live.set_listening(true);
        if lost {
            let now = SystemTime::now();
            live.metrics().record_live_gap();
            tracing::warn!("listening for changes again: subscribers are told of the gap");
            if queue.send(Batch::Gap(certain, now)).await.is_err() {
                return;
            }
        }
        certain = SystemTime::now();
        let mut heartbeat =
            tokio::time::interval_at(tokio::time::Instant::now() + HEARTBEAT, HEARTBEAT);
        loop {
            tokio::select! {
                () = live.closing() => return,
                _ = heartbeat.tick() => {
                    let checked = tokio::time::timeout(
                        HEARTBEAT,
                        sea_orm::sqlx::query("SELECT 1").execute(&mut listener),
                    )
                    .await;
                    if !matches!(checked, Ok(Ok(_))) {
                        tracing::warn!("the listening connection stopped answering");
                        break;
                    }
                    certain = SystemTime::now();
                }
                heard = listener.try_recv() => match heard {
                    Ok(Some(notification)) => {
                        certain = SystemTime::now();
                        let Some(changes) = event::decode(notification.payload()) else {
                            tracing::warn!("a notification on the changes channel is not ours; ignored");
                            continue;
                        };
                        if queue.send(Batch::Changes(changes)).await.is_err() {
                            return;
                        }
                    }
                    // The connection broke; sqlx has opened a new one and
                    // listens again, but what was sent meanwhile is gone.
                    Ok(None) => {
                        tracing::warn!("the listening connection broke");
                        break;
                    }
                    Err(error) => {
                        tracing::warn!(%error, "the listening connection failed");
                        break;
                    }
                },
            }
        }
        live.set_listening(false);
        lost = true;
    }
}

/// A connection of its own (outside the pool) listening on [`CHANNEL`].
async fn open_listener(options: &PgConnectOptions) -> Result<PgListener, sea_orm::sqlx::Error> {
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(5))
        .connect_lazy_with(options.clone());
    let mut listener = PgListener::connect_with(&pool).await?;
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

/// Reads the rows each change names (once per instance, and only for
/// organizations with a subscriber here) and broadcasts the events.
async fn read_rows(
    live: Live,
    mut queue: mpsc::Receiver<Batch>,
    overflowed: Arc<Mutex<Option<SystemTime>>>,
) {
    loop {
        let batch = tokio::select! {
            () = live.closing() => return,
            batch = queue.recv() => match batch {
                Some(batch) => batch,
                None => return,
            },
        };
        let since = overflowed
            .lock()
            .expect("BUG: overflow lock poisoned")
            .take();
        if let Some(from) = since {
            live.metrics().record_live_gap();
            broadcast(
                &live,
                Event::Gap {
                    from,
                    until: SystemTime::now(),
                },
            );
        }
        match batch {
            Batch::Gap(from, until) => broadcast(&live, Event::Gap { from, until }),
            Batch::Changes(changes) => {
                let wanted: Vec<Change> = changes
                    .into_iter()
                    .filter(|change| live.has_subscribers(change.organization()))
                    .collect();
                if wanted.is_empty() {
                    continue;
                }
                match events_of(live.db(), &wanted).await {
                    Ok(events) => {
                        for event in events {
                            broadcast(&live, event);
                        }
                    }
                    Err(error) => {
                        live.metrics()
                            .record_live_dropped("read_failed", wanted.len() as u64);
                        tracing::warn!(%error, "the rows of a change could not be read");
                        let now = SystemTime::now();
                        broadcast(
                            &live,
                            Event::Gap {
                                from: now,
                                until: now,
                            },
                        );
                    }
                }
            }
        }
    }
}

fn broadcast(live: &Live, event: Event) {
    // No receiver is not an error: nobody is listening right now.
    let _ = live.0.events.send(Arc::new(event));
}

/// The events of `changes`, with the rows they name read in one statement
/// per kind of row and organization. A row gone by now (deleted right
/// after it was written) has no event.
async fn events_of(db: &DatabaseConnection, changes: &[Change]) -> Result<Vec<Event>, AppError> {
    let mut wanted: HashMap<Uuid, Wanted> = HashMap::new();
    for change in changes {
        let rows = wanted.entry(change.organization()).or_default();
        match *change {
            Change::FeedbackCreated { feedback, .. } => rows.feedbacks.push(feedback),
            Change::CustomerChanged {
                customer, change, ..
            } if change != CustomerChange::Deleted => rows.customers.push(customer),
            Change::HighlightCreated { highlight, .. } => rows.highlights.push(highlight),
            _ => {}
        }
    }
    let mut read: HashMap<Uuid, Read> = HashMap::new();
    for (organization, rows) in wanted {
        read.insert(organization, rows.read(db, organization).await?);
    }
    let mut events = Vec::with_capacity(changes.len());
    for change in changes {
        let rows = &read[&change.organization()];
        let event = match *change {
            Change::FeedbackCreated { feedback, .. } => {
                rows.feedbacks.get(&feedback).map(|feedback| {
                    Event::FeedbackCreated(CreatedFeedback {
                        company: rows
                            .customers
                            .get(&feedback.customer_uuid)
                            .and_then(|customer| customer.customer_company_uuid),
                        spaces: rows.spaces.get(&feedback.uuid).cloned().unwrap_or_default(),
                        feedback: feedback.clone(),
                    })
                })
            }
            Change::FeedbackDeleted {
                organization,
                feedback,
                customer,
            } => Some(Event::FeedbackDeleted {
                organization,
                feedback,
                customer,
            }),
            Change::CustomerChanged {
                organization,
                customer,
                change,
            } => {
                let row = rows.customers.get(&customer).cloned();
                (row.is_some() || change == CustomerChange::Deleted).then_some(
                    Event::CustomerChanged {
                        organization,
                        customer,
                        change,
                        row,
                    },
                )
            }
            Change::HighlightCreated { highlight, .. } => rows
                .highlights
                .get(&highlight)
                .cloned()
                .map(Event::HighlightCreated),
        };
        events.extend(event);
    }
    Ok(events)
}

/// The rows one organization's changes name.
#[derive(Default)]
struct Wanted {
    feedbacks: Vec<Uuid>,
    customers: Vec<Uuid>,
    highlights: Vec<Uuid>,
}

/// Those rows, read.
struct Read {
    feedbacks: HashMap<Uuid, feedbacks::Model>,
    customers: HashMap<Uuid, customers::Model>,
    spaces: HashMap<Uuid, Vec<Uuid>>,
    highlights: HashMap<Uuid, feedback_highlights::Model>,
}

impl Wanted {
    async fn read(mut self, db: &DatabaseConnection, organization: Uuid) -> Result<Read, AppError> {
        let feedbacks = if self.feedbacks.is_empty() {
            HashMap::new()
        } else {
            find_many::<feedbacks::Entity>(db, organization, &self.feedbacks).await?
        };
        let spaces = if feedbacks.is_empty() {
            HashMap::new()
        } else {
            let uuids: Vec<Uuid> = feedbacks.keys().copied().collect();
            store::feedbacks::spaces_of(db, organization, &uuids).await?
        };
        // A recorded feedback's filter needs its customer's company.
        self.customers
            .extend(feedbacks.values().map(|feedback| feedback.customer_uuid));
        let customers = if self.customers.is_empty() {
            HashMap::new()
        } else {
            let distinct: HashSet<Uuid> = self.customers.drain(..).collect();
            let distinct: Vec<Uuid> = distinct.into_iter().collect();
            find_many::<customers::Entity>(db, organization, &distinct).await?
        };
        let highlights = if self.highlights.is_empty() {
            HashMap::new()
        } else {
            find_many::<feedback_highlights::Entity>(db, organization, &self.highlights).await?
        };
        Ok(Read {
            feedbacks,
            customers,
            spaces,
            highlights,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_large_write_is_split_over_notifications_under_the_limit() {
        let organization = Uuid::from_u128(7);
        let changes: Vec<Change> = (0..500u128)
            .map(|n| Change::FeedbackDeleted {
                organization,
                feedback: Uuid::from_u128(n),
                customer: Uuid::from_u128(n + 1_000),
            })
            .collect();
        let payloads = payloads(&changes);
        assert!(payloads.len() > 1);
        let mut back = Vec::new();
        for payload in &payloads {
            assert!(payload.len() <= MAX_PAYLOAD_BYTES, "{}", payload.len());
            back.extend(event::decode(payload).expect("a payload reads back"));
        }
        assert_eq!(back, changes);
    }
}
