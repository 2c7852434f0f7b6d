//! The counters behind `GET /metrics`, rendered in the Prometheus text format.
//!
//! One [`Metrics`] belongs to one running app (not a process global), so tests
//! that start several apps side by side each read their own figures.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds of the request duration histogram, in seconds.
const DURATION_BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

#[derive(Default)]
struct Histogram {
    buckets: [u64; DURATION_BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// Request and database counters of one app.
#[derive(Default)]
pub struct Metrics {
    /// (method, route, status) → count.
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    /// (method, route) → duration histogram.
    durations: Mutex<BTreeMap<(String, String), Histogram>>,
    db_statements: AtomicU64,
    db_statement_errors: AtomicU64,
    child_rows: AtomicU64,
}

impl Metrics {
    /// Counts one answered HTTP request. `route` is the matched route template,
    /// never the raw path, so that label values stay bounded.
    pub fn record_request(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let mut requests = self.requests.lock().expect("BUG: metrics lock poisoned");
        *requests
            .entry((method.to_owned(), route.to_owned(), status))
            .or_default() += 1;
        drop(requests);

        let seconds = elapsed.as_secs_f64();
        let mut durations = self.durations.lock().expect("BUG: metrics lock poisoned");
        let histogram = durations
            .entry((method.to_owned(), route.to_owned()))
            .or_default();
        for (bucket, bound) in histogram.buckets.iter_mut().zip(DURATION_BUCKETS) {
            if seconds <= bound {
                *bucket += 1;
            }
        }
        histogram.count += 1;
        histogram.sum += seconds;
    }

    /// Counts one SQL statement sent to the database (called by the driver hook).
    pub fn record_statement(&self, failed: bool) {
        self.db_statements.fetch_add(1, Ordering::Relaxed);
        if failed {
            self.db_statement_errors.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Counts rows that a batched child-page statement fetched.
    pub fn record_child_rows(&self, rows: u64) {
        self.child_rows.fetch_add(rows, Ordering::Relaxed);
    }

    /// Child rows fetched so far by batched page statements.
    pub fn child_rows(&self) -> u64 {
        self.child_rows.load(Ordering::Relaxed)
    }

    /// SQL statements sent so far.
    pub fn statements(&self) -> u64 {
        self.db_statements.load(Ordering::Relaxed)
    }

    /// The Prometheus text exposition of every metric.
    pub fn render(&self) -> String {
        let mut out = String::new();
        out.push_str(
            "# HELP http_requests_total HTTP requests answered, by method, route and status.\n",
        );
        out.push_str("# TYPE http_requests_total counter\n");
        for ((method, route, status), count) in self
            .requests
            .lock()
            .expect("BUG: metrics lock poisoned")
            .iter()
        {
            let _ = writeln!(
                out,
                "http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {count}",
                escape(route)
            );
        }

        out.push_str("# HELP http_request_duration_seconds Time to answer an HTTP request.\n");
        out.push_str("# TYPE http_request_duration_seconds histogram\n");
        for ((method, route), histogram) in self
            .durations
            .lock()
            .expect("BUG: metrics lock poisoned")
            .iter()
        {
            let labels = format!("method=\"{method}\",route=\"{}\"", escape(route));
            for (bound, count) in DURATION_BUCKETS.iter().zip(histogram.buckets) {
                let _ = writeln!(
                    out,
                    "http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {count}"
                );
            }
            let _ = writeln!(
                out,
                "http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                histogram.count
            );
            let _ = writeln!(
                out,
                "http_request_duration_seconds_sum{{{labels}}} {}",
                histogram.sum
            );
            let _ = writeln!(
                out,
                "http_request_duration_seconds_count{{{labels}}} {}",
                histogram.count
            );
        }

        out.push_str("# HELP db_statements_total SQL statements sent to the database.\n");
        out.push_str("# TYPE db_statements_total counter\n");
        let _ = writeln!(out, "db_statements_total {}", self.statements());
        out.push_str("# HELP db_statement_errors_total SQL statements that returned an error.\n");
        out.push_str("# TYPE db_statement_errors_total counter\n");
        let _ = writeln!(
            out,
            "db_statement_errors_total {}",
            self.db_statement_errors.load(Ordering::Relaxed)
        );
        out.push_str("# HELP graphql_child_rows_fetched_total Rows fetched by batched child-page statements.\n");
        out.push_str("# TYPE graphql_child_rows_fetched_total counter\n");
        let _ = writeln!(
            out,
            "graphql_child_rows_fetched_total {}",
            self.child_rows()
        );
        out
    }
}

fn escape(label: &str) -> String {
    label
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
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
            )
        );
        assert!(text.contains("le=\"0.0025\"} 0"));
        assert!(text.contains("le=\"0.005\"} 1"));
        assert!(text.contains("le=\"+Inf\"} 1"));
    }
}
