//! Reading REST input: path segments, query strings and JSON bodies, each
//! failure a 400 naming the parameter at fault.

use std::ops::RangeInclusive;

use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use super::RestError;
use crate::error::AppError;

fn bad(parameter: &str, message: impl Into<String>) -> RestError {
    AppError::bad_parameter(parameter, message).into()
}

/// Path parameters, with a failure to read them (a segment that is not valid
/// percent-encoded UTF-8) answered as a 400 naming the segment.
pub struct RestPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for RestPath<T> {
    type Rejection = RestError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, RestError> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(RestPath(value)),
            Err(_) => {
                let parameter = unreadable_segment(parts.uri.path());
                Err(bad(parameter, format!("{parameter} must be a UUID")))
            }
        }
    }
}

/// The path parameter an unreadable path names:
/// `/api/v1/organizations/{org_uuid}/{collection}/{item_uuid}/…`, where the
/// item's parameter is named after its collection.
fn unreadable_segment(path: &str) -> &'static str {
    let mut segments = path.split('/').skip(4);
    let organization = segments.next().unwrap_or("");
    if Uuid::parse_str(organization).is_err() {
        return "org_uuid";
    }
    match segments.next() {
        Some("feedbacks") => "feedback_uuid",
        Some("spaces") => "space_uuid",
        _ => "customer_uuid",
    }
}

/// A UUID path segment.
pub fn path_uuid(parameter: &str, value: &str) -> Result<Uuid, RestError> {
    Uuid::parse_str(value.trim()).map_err(|_| bad(parameter, format!("{parameter} must be a UUID")))
}

/// An optional integer query parameter within `range`; anything else (not a
/// number, a fraction, out of range, past 32 bits) answers 400 stating the rule.
pub fn integer(
    parameter: &str,
    value: Option<&str>,
    range: RangeInclusive<i32>,
) -> Result<Option<i32>, RestError> {
    value
        .map(|text| match text.trim().parse::<i32>() {
            Ok(number) if range.contains(&number) => Ok(number),
            _ => Err(bad(
                parameter,
                format!(
                    "{parameter} must be an integer from {} to {}",
                    range.start(),
                    range.end()
                ),
            )),
        })
        .transpose()
}

/// An optional number query parameter.
pub fn number(parameter: &str, value: Option<&str>) -> Result<Option<f64>, RestError> {
    value
        .map(|text| match text.trim().parse::<f64>() {
            Ok(number) if number.is_finite() => Ok(number),
            _ => Err(bad(parameter, format!("{parameter} must be a number"))),
        })
        .transpose()
}

/// A comma-separated list of UUIDs; spaces around items, empty items and
/// repeated items are tolerated. An empty parameter means no filter.
pub fn uuid_list(parameter: &str, value: Option<&str>) -> Result<Option<Vec<Uuid>>, RestError> {
    let Some(value) = value else { return Ok(None) };
    let mut uuids: Vec<Uuid> = Vec::new();
    for item in value
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
    {
        let uuid = Uuid::parse_str(item).map_err(|_| {
            bad(
                parameter,
                format!("{parameter} must be comma-separated UUIDs; `{item}` is not one"),
            )
        })?;
        if !uuids.contains(&uuid) {
            uuids.push(uuid);
        }
    }
    Ok((!uuids.is_empty()).then_some(uuids))
}

/// An instant in a query parameter or body field, in any of the forms the
/// feedback API's clients write: RFC 3339 (`2025-03-01T10:00:00Z`, with any
/// offset), a date-time without offset read as UTC (`2025-03-01T10:00:00`,
/// as the vendor's examples write it, or with a space for the `T`, as RFC
/// 3339 allows; fractions optional), or a
/// plain date (`2025-03-01`): its first microsecond, or with `end_of_day`
/// its last, so that an inclusive upper bound takes in the whole day.
/// Anything else is a 400 naming `parameter`; so is an instant outside the
/// years 1900–9999 ([`crate::validation::timestamp_rule`]).
pub fn instant(
    parameter: &str,
    text: &str,
    end_of_day: bool,
) -> Result<chrono::DateTime<chrono::Utc>, RestError> {
    use chrono::{NaiveDate, NaiveDateTime, NaiveTime, TimeDelta};
    let text = text.trim();
    let parsed = chrono::DateTime::parse_from_rfc3339(text)
        .map(|instant| instant.to_utc())
        .ok()
        .or_else(|| {
            if !zero_padded(text) {
                return None;
            }
            let at_time = ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
                .iter()
                .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok());
            at_time.map(|naive| naive.and_utc()).or_else(|| {
                let start = NaiveDate::parse_from_str(text, "%Y-%m-%d")
                    .ok()?
                    .and_time(NaiveTime::MIN)
                    .and_utc();
                Some(match end_of_day {
                    true => start + TimeDelta::days(1) - TimeDelta::microseconds(1),
                    false => start,
                })
            })
        });
    let Some(instant) = parsed else {
        return Err(bad(
            parameter,
            format!(
                "{parameter} must be a date (2025-03-01), a date-time (2025-03-01T10:00:00, read as UTC) \
                 or an RFC 3339 date-time with an offset (2025-03-01T10:00:00Z), naming a real instant"
            ),
        ));
    };
    Ok(crate::validation::timestamp(parameter, instant)?)
}

/// True when `text` has the zero-padded shape of ISO 8601 (`YYYY-MM-DD`,
/// or that with `THH:MM:SS` (or a space for the `T`) and a fraction), which
/// chrono's formats alone do not require (they take `2025-3-1`).
fn zero_padded(text: &str) -> bool {
    let bytes = text.as_bytes();
    let shape = |pattern: &[u8], at: usize| {
        pattern.iter().enumerate().all(|(offset, expected)| {
            bytes.get(at + offset).is_some_and(|byte| match expected {
                b'd' => byte.is_ascii_digit(),
                other => byte == other,
            })
        })
    };
    match bytes.len() {
        10 => shape(b"dddd-dd-dd", 0),
        length if length >= 19 => {
            (shape(b"dddd-dd-ddTdd:dd:dd", 0) || shape(b"dddd-dd-dd dd:dd:dd", 0))
                && (length == 19
                    || (bytes[19] == b'.'
                        && length > 20
                        && bytes[20..].iter().all(u8::is_ascii_digit)))
        }
        _ => false,
    }
}

/// A comma-separated list of closed-set words, each read through its serde
/// name in upper case (`nps_response` reads as `NPS_RESPONSE`); repeats are
/// kept once and an empty parameter means no filter.
pub fn word_list<T: DeserializeOwned + PartialEq>(
    parameter: &str,
    value: Option<&str>,
    allowed: &str,
) -> Result<Option<Vec<T>>, RestError> {
    let Some(value) = value else { return Ok(None) };
    let mut words: Vec<T> = Vec::new();
    for item in value
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
    {
        let word = serde_json::from_value(serde_json::Value::String(item.to_ascii_uppercase()))
            .map_err(|_| {
                bad(
                    parameter,
                    format!("{parameter} must be comma-separated values of {allowed}; `{item}` is not one"),
                )
            })?;
        if !words.contains(&word) {
            words.push(word);
        }
    }
    Ok((!words.is_empty()).then_some(words))
}

/// One of a closed set of values, read through its serde names.
pub fn choice<T: DeserializeOwned>(
    parameter: &str,
    value: Option<&str>,
    allowed: &str,
) -> Result<Option<T>, RestError> {
    value
        .map(|text| {
            serde_json::from_value(serde_json::Value::String(text.trim().to_ascii_lowercase()))
                .map_err(|_| bad(parameter, format!("{parameter} must be one of {allowed}")))
        })
        .transpose()
}

/// The query string as `T` (whose fields are the accepted parameters).
pub fn query<T: DeserializeOwned + Default>(raw: Option<&str>) -> Result<T, RestError> {
    let Some(raw) = raw.filter(|raw| !raw.is_empty()) else {
        return Ok(T::default());
    };
    // The decoder replaces bytes that are not UTF-8; refuse them instead,
    // so that a search for them is not silently a search for `�`.
    for pair in raw.split('&') {
        let name = pair.split('=').next().unwrap_or(pair);
        let decoded: Vec<u8> =
            percent_encoding::percent_decode_str(&pair.replace('+', " ")).collect();
        if std::str::from_utf8(&decoded).is_err() {
            let name = percent_encoding::percent_decode_str(name).decode_utf8_lossy();
            return Err(bad(&name, format!("{name} must be percent-encoded UTF-8")));
        }
    }
    serde_urlencoded::from_str(raw).map_err(|error| {
        let message = error.to_string();
        let parameter = message
            .split('`')
            .nth(1)
            .map(str::to_owned)
            .unwrap_or_else(|| "query".to_owned());
        bad(&parameter, format!("invalid query string: {message}"))
    })
}

/// A body's refusal in plain words: serde's "invalid type: null, expected a
/// string" becomes "full_name must be a string (not null)"; other messages
/// (an unknown or missing field) keep their words.
fn plain_words(parameter: &str, message: &str) -> String {
    for kind in ["invalid type: ", "invalid value: "] {
        if let Some(rest) = message.strip_prefix(kind)
            && let Some((found, expected)) = rest.split_once(", expected ")
        {
            let expected = match expected {
                "i64" | "i32" | "u64" | "u32" => "an integer",
                "f64" => "a number",
                "UUID parsing failed" => "a UUID",
                other => other,
            };
            return format!("{parameter} must be {expected} (not {found})");
        }
    }
    format!("invalid body: {message}")
}

/// A JSON body as `T`: the content type must be `application/json` (any
/// parameters; see [`crate::media_type::is_json`]), a repeated member
/// (see [`crate::json`]) and unknown fields are refused, and a wrong or
/// missing field is named.
pub fn json_body<T: DeserializeOwned>(headers: &HeaderMap, body: &Bytes) -> Result<T, RestError> {
    if !crate::media_type::is_json(headers) {
        return Err(bad("Content-Type", "Content-Type must be application/json"));
    }
    let value = crate::json::parse(body).map_err(|error| match &error {
        crate::json::JsonError::Duplicate(path) => bad(path, error.to_string()),
        crate::json::JsonError::Syntax | crate::json::JsonError::TooDeep => {
            bad("body", error.to_string())
        }
    })?;
    if !value.is_object() {
        return Err(bad("body", "the body must be a JSON object"));
    }
    serde_path_to_error::deserialize(value).map_err(|error| {
        let path = error.path().to_string();
        let message = error.into_inner().to_string();
        // Unknown and missing fields name themselves in the message.
        let parameter = match path.as_str() {
            "." | "" => message.split('`').nth(1).unwrap_or("body").to_owned(),
            path => path.trim_start_matches('.').to_owned(),
        };
        bad(&parameter, plain_words(&parameter, &message))
    })
}
