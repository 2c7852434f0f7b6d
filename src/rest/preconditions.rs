//! Entity tags and conditional requests (RFC 9110 §8.8.3 and §13): a
//! customer's strong `ETag` is its version in quotes (`"3"`); `If-Match` on
//! `PUT` guards against lost updates, `If-None-Match` on `GET` answers 304
//! when the client's copy is current.

use axum::http::{HeaderMap, HeaderName, HeaderValue, header};

use super::RestError;
use crate::error::AppError;

/// The strong entity tag of a customer at `version`: `"<version>"`.
pub fn etag(version: i32) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{version}\""))
        .expect("BUG: digits and quotes are a valid header")
}

/// An `If-Match` or `If-None-Match` header field, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// The header is absent.
    Absent,
    /// `*`: any current representation.
    Any,
    /// A list of entity tags.
    Tags(Vec<EntityTag>),
}

/// One entity tag of a list: `"opaque"` or `W/"opaque"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntityTag {
    /// `W/` was given.
    pub weak: bool,
    /// The text between the quotes.
    pub opaque: String,
}

impl EntityTag {
    /// The customer version this tag names, if it is one of ours.
    fn version(&self) -> Option<i32> {
        let version = self.opaque.parse::<i32>().ok()?;
        (version.to_string() == self.opaque).then_some(version)
    }
}

/// Reads every `name` field of `headers` as one list (RFC 9110 §5.3); a
/// malformed value answers 400 naming the header.
pub fn condition(headers: &HeaderMap, name: &HeaderName) -> Result<Condition, RestError> {
    let display = match *name {
        header::IF_MATCH => "If-Match",
        header::IF_NONE_MATCH => "If-None-Match",
        _ => name.as_str(),
    };
    let bad = || -> RestError {
        AppError::bad_parameter(
            display,
            format!("{display} must be `*` or a list of entity tags such as \"3\""),
        )
        .into()
    };
    let mut tags = Vec::new();
    let mut any = false;
    let mut present = false;
    for value in headers.get_all(name) {
        present = true;
        let value = value.to_str().map_err(|_| bad())?;
        for member in value.split(',').map(str::trim).filter(|m| !m.is_empty()) {
            if member == "*" {
                any = true;
                continue;
            }
            let (weak, quoted) = match member.strip_prefix("W/") {
                Some(rest) => (true, rest),
                None => (false, member),
            };
            let opaque = quoted
                .strip_prefix('"')
                .and_then(|rest| rest.strip_suffix('"'))
                .filter(|opaque| !opaque.contains('"'))
                .ok_or_else(bad)?;
            tags.push(EntityTag {
                weak,
                opaque: opaque.to_owned(),
            });
        }
    }
    match (present, any, tags.is_empty()) {
        (false, _, _) => Ok(Condition::Absent),
        // `*` stands alone (RFC 9110 §13.1.1); an empty field is no list.
        (true, true, true) => Ok(Condition::Any),
        (true, true, false) | (true, false, true) => Err(bad()),
        (true, false, false) => Ok(Condition::Tags(tags)),
    }
}

impl Condition {
    /// The versions an `If-Match` list accepts: those of its strong tags that
    /// are ours (strong comparison, RFC 9110 §8.8.3.2). `None` when any
    /// version will do (no header, or `*`).
    pub fn acceptable_versions(&self) -> Option<Vec<i32>> {
        match self {
            Condition::Absent | Condition::Any => None,
            Condition::Tags(tags) => Some(
                tags.iter()
                    .filter(|tag| !tag.weak)
                    .filter_map(EntityTag::version)
                    .collect(),
            ),
        }
    }

    /// True when an `If-None-Match` condition matches the customer at
    /// `version` (weak comparison), so a `GET` answers 304.
    pub fn none_match_hits(&self, version: i32) -> bool {
        match self {
            Condition::Absent => false,
            Condition::Any => true,
            Condition::Tags(tags) => tags.iter().any(|tag| tag.version() == Some(version)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(values: &[&str]) -> Result<Condition, RestError> {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(
                header::IF_MATCH,
                HeaderValue::from_str(value).expect("value"),
            );
        }
        condition(&headers, &header::IF_MATCH)
    }

    fn tag(weak: bool, opaque: &str) -> EntityTag {
        EntityTag {
            weak,
            opaque: opaque.to_owned(),
        }
    }

    #[test]
    fn lists_stars_and_weak_tags_are_read_as_rfc_9110_writes_them() {
        assert_eq!(parse(&[]).ok(), Some(Condition::Absent));
        assert_eq!(parse(&["*"]).ok(), Some(Condition::Any));
        assert_eq!(
            parse(&["\"3\", W/\"4\"", "\"x\""]).ok(),
            Some(Condition::Tags(vec![
                tag(false, "3"),
                tag(true, "4"),
                tag(false, "x")
            ]))
        );
        for bad in ["3", "\"3", "*, \"3\"", "", " , ", "w/\"3\"", "\"a\"b\""] {
            assert!(parse(&[bad]).is_err(), "{bad}");
        }
    }

    #[test]
    fn if_match_compares_strongly_and_if_none_match_weakly() {
        let list = parse(&["W/\"3\", \"4\", \"05\", \"x\""]).expect("parses");
        assert_eq!(list.acceptable_versions(), Some(vec![4]));
        assert!(list.none_match_hits(3));
        assert!(list.none_match_hits(4));
        assert!(!list.none_match_hits(5));
        assert_eq!(Condition::Any.acceptable_versions(), None);
        assert!(Condition::Any.none_match_hits(1));
        assert!(!Condition::Absent.none_match_hits(1));
        assert_eq!(etag(12), HeaderValue::from_static("\"12\""));
    }
}
