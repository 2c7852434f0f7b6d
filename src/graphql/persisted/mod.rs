//! Persisted operations: which query text a request runs when it sends a
//! hash instead of (or beside) its text, and which texts may run at all.
//!
//! Two modes, both keyed by the SHA-256 of a document's text (the lowercase
//! hex of the digest of its UTF-8 bytes, exactly as sent or read: no
//! whitespace is trimmed or normalized):
//!
//! - **Automatic persisted queries** (Apollo's APQ protocol, the
//!   `persistedQuery` request extension of Apollo Client and Apollo Server):
//!   a request sends `extensions: {"persistedQuery": {"version": 1,
//!   "sha256Hash": "<hex>"}}`. Without `query` the text is taken from a cache
//!   of the texts seen before; on a miss the answer is the error
//!   `PersistedQueryNotFound` (code `PERSISTED_QUERY_NOT_FOUND`), on which an
//!   APQ client sends the hash again with the text. With `query` the hash
//!   must be the text's (else `provided sha does not match query`, code
//!   `PERSISTED_QUERY_HASH_MISMATCH`); the text is cached and runs. The cache
//!   holds at most `--persisted-query-cache-bytes` of text and drops the
//!   least recently used first; with 0 the protocol is off and a request that
//!   uses it is answered `PersistedQueryNotSupported` (code
//!   `PERSISTED_QUERY_NOT_SUPPORTED`), as Apollo Server answers.
//! - **An allow-list** (`--persisted-operations PATH`, Apollo's "safelisting"
//!   of persisted queries): only listed documents run. A request sends a
//!   listed hash in the APQ shape (with or without the text) or the full text
//!   of a listed document; anything else is refused with
//!   `PERSISTED_QUERY_NOT_ALLOWED`. The list is read once at start
//!   ([`AllowList::load`]), and the APQ cache is not used.
//!
//! [`PersistedOperations::resolve`] applies these rules to a request's
//! `query` and `extensions` and gives the text to run or a [`Refusal`]; the
//! HTTP transport calls it before it parses the document. The schema's
//! extension ([`PersistedOperationsExtension`]) applies the same rules to a
//! request executed on the schema directly (as a WebSocket transport does),
//! and lets through a request that a transport marked [`AlreadyResolved`].

use std::any::TypeId;
use std::sync::{Arc, Mutex, PoisonError};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextPrepareRequest,
};
use async_graphql::{Request, ServerError, ServerResult};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::config::ServerConfig;
use crate::metrics::Metrics;
pub use allow_list::{AllowList, AllowListError};

mod allow_list;

/// The one version of Apollo's `persistedQuery` extension there is.
pub const PERSISTED_QUERY_VERSION: u64 = 1;

/// The lowercase hex SHA-256 of `text`'s UTF-8 bytes: a document's id.
pub fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// True when `hash` is 64 hexadecimal digits (of either case).
fn is_sha256_hex(hash: &str) -> bool {
    hash.len() == 64 && hash.bytes().all(|byte| byte.is_ascii_hexdigit())
}

/// Why a request's document is not run: a message and an `extensions.code`
/// for the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// What is wrong, naming the member of the request.
    pub message: String,
    /// The GraphQL `extensions.code`.
    pub code: &'static str,
    /// True when the request itself is malformed (a member of the wrong
    /// shape, a version that does not exist, a hash that is not its text's):
    /// 400 whatever the media type. False for a well-formed request that is
    /// not run (a hash not known, persisted queries off, a document not
    /// listed): a request error, 400 or 200 by the media type.
    pub malformed: bool,
}

impl Refusal {
    fn malformed(message: impl Into<String>, code: &'static str) -> Refusal {
        Refusal {
            message: message.into(),
            code,
            malformed: true,
        }
    }

    fn refused(message: impl Into<String>, code: &'static str) -> Refusal {
        Refusal {
            message: message.into(),
            code,
            malformed: false,
        }
    }

    /// The refusal as a GraphQL error with its code.
    pub fn into_server_error(self) -> ServerError {
        let mut error = ServerError::new(self.message, None);
        error
            .extensions
            .get_or_insert_with(Default::default)
            .set("code", self.code);
        error
    }

    fn bad_member(member: &str, what: &str) -> Refusal {
        Refusal::malformed(format!("`{member}` {what}"), "BAD_REQUEST")
    }
}

/// The refusal of a hash alone that the cache does not hold: Apollo's
/// message, which APQ clients read to send the text.
fn not_found() -> Refusal {
    Refusal::refused("PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND")
}

fn not_allowed(what: &str) -> Refusal {
    Refusal::refused(
        format!(
            "only persisted operations are accepted: {what}; send the sha256Hash of a listed document in extensions.persistedQuery, or its exact text"
        ),
        "PERSISTED_QUERY_NOT_ALLOWED",
    )
}

/// The hash a request's `extensions.persistedQuery` names, checked for shape
/// and version; `None` when it has none.
fn persisted_query_hash(
    extensions: Option<&Map<String, Value>>,
) -> Result<Option<String>, Refusal> {
    let member = "extensions.persistedQuery";
    let persisted = match extensions.and_then(|extensions| extensions.get("persistedQuery")) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Object(persisted)) => persisted,
        Some(_) => return Err(Refusal::bad_member(member, "must be an object")),
    };
    match persisted.get("version") {
        Some(Value::Number(version)) if version.as_u64() == Some(PERSISTED_QUERY_VERSION) => {}
        Some(Value::Number(version)) => {
            return Err(Refusal::malformed(
                format!(
                    "`{member}.version` {version} is not supported: only version {PERSISTED_QUERY_VERSION} of persisted queries (Apollo's automatic persisted queries) is"
                ),
                "PERSISTED_QUERY_VERSION_NOT_SUPPORTED",
            ));
        }
        Some(_) => {
            return Err(Refusal::bad_member(
                &format!("{member}.version"),
                "must be the number 1",
            ));
        }
        None => {
            return Err(Refusal::bad_member(
                &format!("{member}.version"),
                "is required (1)",
            ));
        }
    }
    match persisted.get("sha256Hash") {
        Some(Value::String(hash)) if is_sha256_hex(hash) => Ok(Some(hash.to_ascii_lowercase())),
        Some(_) => Err(Refusal::bad_member(
            &format!("{member}.sha256Hash"),
            "must be 64 hexadecimal digits: the SHA-256 of the query's text",
        )),
        None => Err(Refusal::bad_member(
            &format!("{member}.sha256Hash"),
            "is required",
        )),
    }
}

/// A bounded cache of query texts by hash: at most a number of bytes of
/// text, the least recently used dropped first.
struct QueryCache {
    /// The most bytes of text held.
    capacity: usize,
    /// Hash → text, and the bytes of text they hold.
    entries: Mutex<(lru::LruCache<String, Arc<str>>, usize)>,
}

impl QueryCache {
    fn new(capacity: usize) -> QueryCache {
        QueryCache {
            capacity,
            entries: Mutex::new((lru::LruCache::unbounded(), 0)),
        }
    }

    fn get(&self, hash: &str) -> Option<Arc<str>> {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries.0.get(hash).cloned()
    }

    /// Keeps `text` under `hash`, dropping the least recently used texts
    /// to stay within the capacity; a text larger than it is not kept.
    fn put(&self, hash: String, text: &str) {
        if text.len() > self.capacity {
            return;
        }
        let mut guard = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let (entries, bytes) = &mut *guard;
        if let Some(old) = entries.put(hash, Arc::from(text)) {
            *bytes -= old.len();
        }
        *bytes += text.len();
        while *bytes > self.capacity {
            match entries.pop_lru() {
                Some((_, dropped)) => *bytes -= dropped.len(),
                None => break,
            }
        }
    }
}

/// The persisted-operation rules of a server: the APQ cache (if on) and the
/// allow-list (if configured). Shared by every transport through
/// [`crate::state::AppState`] and the schema's extension.
pub struct PersistedOperations {
    /// The automatic persisted queries, `None` when off (a capacity of 0).
    cache: Option<QueryCache>,
    /// The allow-list, `None` when any document may run.
    allow_list: Option<AllowList>,
    /// Where hits and misses are counted.
    metrics: Arc<Metrics>,
}

impl PersistedOperations {
    /// The rules of `cache_bytes` of APQ cache (0: off) and an optional
    /// allow-list.
    pub fn new(
        cache_bytes: usize,
        allow_list: Option<AllowList>,
        metrics: Arc<Metrics>,
    ) -> PersistedOperations {
        PersistedOperations {
            cache: (cache_bytes > 0 && allow_list.is_none()).then(|| QueryCache::new(cache_bytes)),
            allow_list,
            metrics,
        }
    }

    /// The rules `config` sets; `Err` when its allow-list cannot be read.
    pub fn from_config(
        config: &ServerConfig,
        metrics: Arc<Metrics>,
    ) -> Result<PersistedOperations, AllowListError> {
        let allow_list = config
            .persisted_operations
            .as_deref()
            .map(AllowList::load)
            .transpose()?;
        if let Some(list) = &allow_list {
            tracing::info!(
                documents = list.len(),
                "only persisted operations are accepted"
            );
        }
        Ok(PersistedOperations::new(
            config.persisted_query_cache_bytes,
            allow_list,
            metrics,
        ))
    }

    /// True when only listed documents run.
    pub fn is_allow_list(&self) -> bool {
        self.allow_list.is_some()
    }

    /// The text a request runs, from its `query` (`None` when absent or
    /// empty) and its `extensions` (the `persistedQuery` member is read,
    /// others are left alone), or why it runs nothing. The rules are in the
    /// module's documentation; `query` absent without a persisted query is
    /// refused as GraphQL over HTTP asks (`` `query` is required ``).
    pub fn resolve(
        &self,
        query: Option<String>,
        extensions: Option<&Map<String, Value>>,
    ) -> Result<String, Refusal> {
        let query = query.filter(|query| !query.is_empty());
        let hash = persisted_query_hash(extensions)?;
        if let Some(list) = &self.allow_list {
            return match (hash, query) {
                (None, None) => Err(Refusal::bad_member("query", "is required")),
                (Some(hash), query) => {
                    if let Some(text) = &query
                        && sha256_hex(text) != hash
                    {
                        return Err(mismatch());
                    }
                    match list.get(&hash) {
                        Some(text) => Ok(query.unwrap_or_else(|| text.to_string())),
                        None => Err(not_allowed(&format!(
                            "no persisted operation has the hash {hash}"
                        ))),
                    }
                }
                (None, Some(text)) => match list.get(&sha256_hex(&text)) {
                    Some(_) => Ok(text),
                    None => Err(not_allowed("the query is not one of them")),
                },
            };
        }
        let Some(hash) = hash else {
            return query.ok_or_else(|| Refusal::bad_member("query", "is required"));
        };
        let Some(cache) = &self.cache else {
            return Err(Refusal::refused(
                "PersistedQueryNotSupported: automatic persisted queries are off on this server; send the query's text",
                "PERSISTED_QUERY_NOT_SUPPORTED",
            ));
        };
        match query {
            Some(text) => {
                if sha256_hex(&text) != hash {
                    return Err(mismatch());
                }
                cache.put(hash, &text);
                self.metrics.record_persisted_query("registered");
                Ok(text)
            }
            None => match cache.get(&hash) {
                Some(text) => {
                    self.metrics.record_persisted_query("hit");
                    Ok(text.to_string())
                }
                None => {
                    self.metrics.record_persisted_query("miss");
                    Err(not_found())
                }
            },
        }
    }

    /// The schema extension that applies these rules to requests executed
    /// on the schema directly.
    pub fn extension(self: &Arc<Self>) -> PersistedOperationsExtension {
        PersistedOperationsExtension(self.clone())
    }
}

fn mismatch() -> Refusal {
    Refusal::malformed(
        "provided sha does not match query",
        "PERSISTED_QUERY_HASH_MISMATCH",
    )
}

/// Request data a transport adds to a request whose `query` it has already
/// resolved with [`PersistedOperations::resolve`] (or that it runs on its
/// own behalf): the schema's extension lets it through unchecked. A client
/// cannot set it: request data is not read from the wire.
#[derive(Debug, Clone, Copy)]
pub struct AlreadyResolved;

/// The schema extension of [`PersistedOperations`]: in `prepare_request`,
/// a request not marked [`AlreadyResolved`] has its `query` and its
/// `extensions.persistedQuery` resolved by [`PersistedOperations::resolve`]
/// (the text to run replaces `query`), or fails with the refusal's message
/// and `extensions.code`.
#[derive(Clone)]
pub struct PersistedOperationsExtension(Arc<PersistedOperations>);

impl ExtensionFactory for PersistedOperationsExtension {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(self.clone())
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for PersistedOperationsExtension {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        mut request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        if request.data.contains_key(&TypeId::of::<AlreadyResolved>()) {
            return next.run(ctx, request).await;
        }
        let extensions = match request.extensions.get("persistedQuery") {
            None => None,
            Some(value) => {
                let value = value.clone().into_json().map_err(|_| {
                    Refusal::bad_member("extensions.persistedQuery", "must be an object")
                        .into_server_error()
                })?;
                Some(Map::from_iter([("persistedQuery".to_owned(), value)]))
            }
        };
        let query = std::mem::take(&mut request.query);
        request.query = self
            .0
            .resolve(Some(query), extensions.as_ref())
            .map_err(Refusal::into_server_error)?;
        next.run(ctx, request).await
    }
}
