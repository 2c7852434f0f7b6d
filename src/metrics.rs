//! The counters behind `GET /metrics`, kept and rendered by `prometheus-client`
//! in the OpenMetrics text format ([`CONTENT_TYPE`]).
//!
//! One [`Metrics`] owns its own registry (not a process global), so tests
//! that start several apps side by side each read their own figures.
//!
//! | exposed as | kind | labels |
//! |---|---|---|
//! | `http_requests_total` | counter | `method`, `route`, `status` |
//! | `http_request_duration_seconds` | histogram, [`DURATION_BUCKETS`] | `method`, `route` |
//! | `db_statements_total` | counter | — |
//! | `db_statement_errors_total` | counter | — |
//! | `graphql_child_rows_fetched_total` | counter | — |
//! | `http_requests_shed_total` | counter | `limit` (`requests_in_flight`, `graphql_in_flight`) |
//! | `http_requests_in_flight`, `graphql_operations_in_flight` | gauge | — |
//! | `db_pool_connections` | gauge | `state` (`idle`, `in_use`) |
//! | `db_pool_max_connections` | gauge | — |
//! | `db_circuit_open` (1 while open), `db_circuit_trips` (since start) | gauge | — |
//! | `websocket_connections`, `graphql_subscriptions` (open now) | gauge | — |
//! | `live_changes_listening` (1 while changes reach this instance) | gauge | — |
//! | `live_events_sent_total` (subscription messages sent) | counter | — |
//! | `live_events_dropped_total` | counter | `reason` (`queue_full`, `publish_failed`, `read_failed`, `subscriber_behind`) |
//! | `live_gaps_total` (times subscribers were told changes may be lost) | counter | — |
//! | `graphql_persisted_queries_total` | counter | `outcome` (`hit`, `miss`, `registered`) |
//!
//! The gauges are read from the app's state when `/metrics` is scraped
//! ([`Metrics::set_state`]).
//!
//! A counter is registered without its `_total`: OpenMetrics names the family
//! without it and the encoder appends it to the sample.

use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

/// The media type of [`Metrics::render`]'s text (OpenMetrics 1.0, which the
/// encoder writes: counter families named without `_total`, a closing `# EOF`).
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The essence of [`CONTENT_TYPE`], as a scraper names it in `Accept`.
pub const OPENMETRICS: &str = "application/openmetrics-text";

/// Upper bounds of the request duration histogram, in seconds (`+Inf` is implied).
pub const DURATION_BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// The labels of `http_requests_total`, in the order they are written.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

/// The labels of `http_request_duration_seconds`, in the order they are written.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DurationLabels {
    method: String,
    route: String,
}

/// The label of `http_requests_shed_total`: the limit that was full.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ShedLabels {
    limit: &'static str,
}

/// The label of `graphql_persisted_queries_total`: what became of a hash.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PersistedLabels {
    outcome: &'static str,
}

/// The label of `db_pool_connections`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolLabels {
    state: &'static str,
}

/// The label of `live_events_dropped_total`: why events were not delivered.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DropLabels {
    reason: &'static str,
}

/// The state of the app the gauges show, read when `/metrics` is scraped.
#[derive(Debug, Clone, Copy, Default)]
pub struct StateGauges {
    /// Data requests being served.
    pub requests_in_flight: i64,
    /// GraphQL operations executing.
    pub graphql_in_flight: i64,
    /// Pooled connections not in use.
    pub pool_idle: i64,
    /// Pooled connections in use.
    pub pool_in_use: i64,
    /// The most connections the pool opens.
    pub pool_max: i64,
    /// True while the circuit is open.
    pub circuit_open: bool,
    /// How many times the circuit opened.
    pub circuit_trips: i64,
    /// WebSocket connections open.
    pub websocket_connections: i64,
    /// Subscriptions open.
    pub subscriptions: i64,
    /// True while changes reach this instance.
    pub listening: bool,
}

fn duration_histogram() -> Histogram {
    Histogram::new(DURATION_BUCKETS)
}

/// Request and database counters of one app, and the registry that renders them.
pub struct Metrics {
    /// Every metric below, registered once at construction.
    registry: Registry,
    /// (method, route, status) → requests answered.
    requests: Family<RequestLabels, Counter>,
    /// (method, route) → time to answer, in seconds.
    durations: Family<DurationLabels, Histogram>,
    /// SQL statements sent, failed or not.
    db_statements: Counter,
    /// SQL statements that returned an error.
    db_statement_errors: Counter,
    /// Rows fetched by batched child-page statements.
    child_rows: Counter,
    /// limit → requests answered 503 because it was full.
    shed: Family<ShedLabels, Counter>,
    /// outcome → automatic persisted queries looked up or registered.
    persisted_queries: Family<PersistedLabels, Counter>,
    /// Gauges of the app's state, set when scraped.
    requests_in_flight: Gauge,
    graphql_in_flight: Gauge,
    pool_connections: Family<PoolLabels, Gauge>,
    pool_max: Gauge,
    circuit_open: Gauge,
    circuit_trips: Gauge,
    websocket_connections: Gauge,
    subscriptions: Gauge,
    listening: Gauge,
    /// Subscription messages (`next`) sent to clients.
    live_sent: Counter,
    /// reason → events not delivered.
    live_dropped: Family<DropLabels, Counter>,
    /// Times subscribers were told that changes may have been lost.
    live_gaps: Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::default();
        // Help texts without the final period: the registry appends it.
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by method, route and status",
            requests.clone(),
        );
        let durations = Family::<DurationLabels, Histogram>::new_with_constructor(
            duration_histogram as fn() -> Histogram,
        );
        registry.register(
            "http_request_duration_seconds",
            "Time to answer an HTTP request",
            durations.clone(),
        );
        let db_statements = Counter::default();
        registry.register(
            "db_statements",
            "SQL statements sent to the database",
            db_statements.clone(),
        );
        let db_statement_errors = Counter::default();
        registry.register(
            "db_statement_errors",
            "SQL statements that returned an error",
            db_statement_errors.clone(),
        );
        let child_rows = Counter::default();
        registry.register(
            "graphql_child_rows_fetched",
            "Rows fetched by batched child-page statements",
            child_rows.clone(),
        );
        let shed = Family::<ShedLabels, Counter>::default();
        registry.register(
            "http_requests_shed",
            "Data requests answered 503 OVERLOADED because a limit of work in flight was full",
            shed.clone(),
        );
        let persisted_queries = Family::<PersistedLabels, Counter>::default();
        registry.register(
            "graphql_persisted_queries",
            "Automatic persisted queries: hashes found (hit) or not (miss) in the cache, and queries registered",
            persisted_queries.clone(),
        );
        let gauge = |registry: &mut Registry, name: &str, help: &str| {
            let gauge = Gauge::default();
            registry.register(name, help, gauge.clone());
            gauge
        };
        let requests_in_flight = gauge(
            &mut registry,
            "http_requests_in_flight",
            "Data requests being served",
        );
        let graphql_in_flight = gauge(
            &mut registry,
            "graphql_operations_in_flight",
            "GraphQL operations executing",
        );
        let pool_connections = Family::<PoolLabels, Gauge>::default();
        registry.register(
            "db_pool_connections",
            "Connections of the database pool, idle or in use",
            pool_connections.clone(),
        );
        let pool_max = gauge(
            &mut registry,
            "db_pool_max_connections",
            "The most connections the database pool opens",
        );
        let circuit_open = gauge(
            &mut registry,
            "db_circuit_open",
            "1 while the database is out of reach and data requests answer 503 at once",
        );
        let circuit_trips = gauge(
            &mut registry,
            "db_circuit_trips",
            "Times the database was found out of reach since start",
        );
        let websocket_connections = gauge(
            &mut registry,
            "websocket_connections",
            "WebSocket connections open on /graphql",
        );
        let subscriptions = gauge(
            &mut registry,
            "graphql_subscriptions",
            "GraphQL subscriptions open",
        );
        let listening = gauge(
            &mut registry,
            "live_changes_listening",
            "1 while changes reach this instance (on PostgreSQL: its LISTEN connection is up)",
        );
        let live_sent = Counter::default();
        registry.register(
            "live_events_sent",
            "Subscription messages sent to clients",
            live_sent.clone(),
        );
        let live_dropped = Family::<DropLabels, Counter>::default();
        // Shown at 0 from the start, so a dashboard finds every reason.
        for reason in [
            "queue_full",
            "publish_failed",
            "read_failed",
            "subscriber_behind",
        ] {
            let _ = live_dropped.get_or_create(&DropLabels { reason });
        }
        registry.register(
            "live_events_dropped",
            "Events not delivered, by reason",
            live_dropped.clone(),
        );
        let live_gaps = Counter::default();
        registry.register(
            "live_gaps",
            "Times subscribers were told that changes may have been lost",
            live_gaps.clone(),
        );
        Metrics {
            registry,
            requests,
            durations,
            db_statements,
            db_statement_errors,
            child_rows,
            shed,
            persisted_queries,
            requests_in_flight,
            graphql_in_flight,
            pool_connections,
            pool_max,
            circuit_open,
            circuit_trips,
            websocket_connections,
            subscriptions,
            listening,
            live_sent,
            live_dropped,
            live_gaps,
        }
    }
}

impl Metrics {
    /// Counts one answered HTTP request. `route` is the matched route template,
    /// never the raw path, so that label values stay bounded.
    pub fn record_request(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        self.requests
            .get_or_create(&RequestLabels {
                method: method.to_owned(),
                route: route.to_owned(),
                status,
            })
            .inc();
        self.durations
            .get_or_create(&DurationLabels {
                method: method.to_owned(),
                route: route.to_owned(),
            })
            .observe(elapsed.as_secs_f64());
    }

    /// Counts one SQL statement sent to the database (called by the driver hook).
    pub fn record_statement(&self, failed: bool) {
        self.db_statements.inc();
        if failed {
            self.db_statement_errors.inc();
        }
    }

    /// Counts rows that a batched child-page statement fetched.
    pub fn record_child_rows(&self, rows: u64) {
        self.child_rows.inc_by(rows);
    }

    /// Counts one request answered 503 because `limit` was full.
    pub fn record_shed(&self, limit: &'static str) {
        self.shed.get_or_create(&ShedLabels { limit }).inc();
    }

    /// Counts one automatic persisted query by `outcome`: `hit`, `miss`
    /// (a hash alone that the cache does not hold) or `registered`.
    pub fn record_persisted_query(&self, outcome: &'static str) {
        self.persisted_queries
            .get_or_create(&PersistedLabels { outcome })
            .inc();
    }

    /// Sets the gauges to the app's state, before a scrape renders them.
    pub fn set_state(&self, state: StateGauges) {
        self.requests_in_flight.set(state.requests_in_flight);
        self.graphql_in_flight.set(state.graphql_in_flight);
        for (label, value) in [("idle", state.pool_idle), ("in_use", state.pool_in_use)] {
            self.pool_connections
                .get_or_create(&PoolLabels { state: label })
                .set(value);
        }
        self.pool_max.set(state.pool_max);
        self.circuit_open.set(i64::from(state.circuit_open));
        self.circuit_trips.set(state.circuit_trips);
        self.websocket_connections.set(state.websocket_connections);
        self.subscriptions.set(state.subscriptions);
        self.listening.set(i64::from(state.listening));
    }

    /// Counts one subscription message sent to a client.
    pub fn record_live_sent(&self) {
        self.live_sent.inc();
    }

    /// Counts `count` events not delivered, for `reason`.
    pub fn record_live_dropped(&self, reason: &'static str, count: u64) {
        self.live_dropped
            .get_or_create(&DropLabels { reason })
            .inc_by(count);
    }

    /// Counts one gap subscribers were told of.
    pub fn record_live_gap(&self) {
        self.live_gaps.inc();
    }

    /// Child rows fetched so far by batched page statements.
    pub fn child_rows(&self) -> u64 {
        self.child_rows.get()
    }

    /// SQL statements sent so far.
    pub fn statements(&self) -> u64 {
        self.db_statements.get()
    }

    /// The OpenMetrics text exposition of every metric, `# EOF` last; serve it
    /// as [`CONTENT_TYPE`].
    pub fn render(&self) -> String {
        let mut out = String::new();
        encode(&mut out, &self.registry).expect("BUG: writing to a String cannot fail");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_lands_in_its_counter_and_every_bucket_above_its_duration() {
        let metrics = Metrics::default();
        metrics.record_request("GET", "/healthz", 200, Duration::from_millis(3));
        let text = metrics.render();
        assert!(
            text.contains(
                "http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 1"
            ),
            "{text}"
        );
        // The encoder writes `le` before the family's labels.
        assert!(text.contains(r#"{le="0.0025",method="GET",route="/healthz"} 0"#));
        assert!(text.contains(r#"{le="0.005",method="GET",route="/healthz"} 1"#));
        assert!(text.contains(r#"{le="+Inf",method="GET",route="/healthz"} 1"#));
    }

    #[test]
    fn counters_keep_their_total_names_and_the_text_ends_as_openmetrics() {
        let metrics = Metrics::default();
        metrics.record_statement(true);
        metrics.record_child_rows(7);
        metrics.record_request("POST", "/graphql", 200, Duration::ZERO);
        let text = metrics.render();
        for sample in [
            "db_statements_total 1\n",
            "db_statement_errors_total 1\n",
            "graphql_child_rows_fetched_total 7\n",
        ] {
            assert!(text.contains(sample), "{sample} in {text}");
        }
        assert!(text.contains("# TYPE http_requests counter\n"), "{text}");
        assert!(text.contains("# TYPE http_request_duration_seconds histogram\n"));
        assert!(text.ends_with("# EOF\n"), "{text}");
    }

    #[test]
    fn a_route_label_is_escaped() {
        let metrics = Metrics::default();
        metrics.record_request("GET", "/a\"b\\c", 200, Duration::ZERO);
        assert!(metrics.render().contains(r#"route="/a\"b\\c""#));
    }
}
