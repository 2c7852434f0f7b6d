//! Storage functions: each takes the organization it works for (tenancy is
//! never left to the caller's memory) and returns entity models or
//! [`AppError`](crate::error::AppError)-ready database errors.

pub mod customers;
pub mod graph;
pub mod organizations;
pub mod relations;
pub mod sql;
pub mod tokens;

/// The current time, truncated to microseconds: PostgreSQL keeps no more, so
/// a value written and read back compares equal on both backends.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    use chrono::{DurationRound, TimeDelta};
    let now = chrono::Utc::now();
    now.duration_trunc(TimeDelta::microseconds(1))
        .unwrap_or(now)
}
