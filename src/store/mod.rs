//! Storage functions: each takes the organization it works for (tenancy is
//! never left to the caller's memory) and returns entity models or
//! [`AppError`](crate::error::AppError)-ready database errors.
//!
//! - [`customers`]: the customer list, one customer, creating and updating.
//! - [`graph`]: lookups by uuid, organization-wide tables and their counts.
//! - [`feedbacks`]: feedbacks and highlights.
//! - [`catalog`]: companies, personas, insights and issues (linked to
//!   highlights).
//! - [`relations`]: the batched child pages, counts and averages of many parents.
//! - [`organizations`], [`tokens`]: the tenants and their API tokens.
//! - [`keyset`]: keyset pages (after or before a row's position) and the
//!   cursors that carry a position.
//! - [`sql`]: the statement builder both backends share.

pub mod catalog;
pub mod customers;
pub mod feedbacks;
pub mod graph;
pub mod keyset;
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
