//! [`Instant`]: the `DateTime` scalar.
//!
//! Written out as RFC 3339 (`to_rfc3339`, microseconds when there are any).
//! Read with the one instant rule of [`crate::validation::instant_rule`], both
//! when the document is validated and when the value is parsed: so a literal
//! that names no real instant (`"2024-02-30T00:00:00Z"`) is refused before
//! anything runs, with the validator's message naming the argument and field
//! (`Invalid value for argument "input.feedbackDate"…`), exactly like the
//! same text in a variable.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::{DateTime, Utc};

use crate::validation;

/// A client's date-time: RFC 3339 with an offset, a real instant in the
/// years 1900–9999, cut to the microsecond (RFC 3339; the rule is
/// [`validation::instant_rule`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Instant(pub DateTime<Utc>);

fn read(value: &Value) -> Result<DateTime<Utc>, String> {
    match value {
        Value::String(text) => validation::instant_rule(text).map_err(str::to_owned),
        other => Err(format!(
            "expected an RFC 3339 date-time string, found {other}"
        )),
    }
}

/// An RFC 3339 date-time with an offset, such as `2025-03-01T10:00:00Z`.
#[Scalar(
    name = "DateTime",
    specified_by_url = "https://datatracker.ietf.org/doc/html/rfc3339"
)]
impl ScalarType for Instant {
    fn parse(value: Value) -> InputValueResult<Self> {
        read(&value).map(Instant).map_err(InputValueError::custom)
    }

    fn is_valid(value: &Value) -> bool {
        read(value).is_ok()
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_rfc3339())
    }
}
