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

/// Reads every `name` field of `headers` as one list (RFC 9110 §5.3 and
/// §13.1.1: `*` alone, or entity tags, which may hold commas inside their
/// quotes); an empty field is an empty list. A malformed value answers 400
/// naming the header.
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
        // Bytes past ASCII may stand in an entity tag (obs-text); none of
        // ours holds one, so such a tag simply matches nothing.
        let text = String::from_utf8_lossy(value.as_bytes());
        let mut rest = text.as_ref();
        let mut expect_separator = false;
        loop {
            let trimmed = rest.trim_start_matches([' ', '\t']);
            if let Some(after) = trimmed.strip_prefix(',') {
                expect_separator = false;
                rest = after;
                continue;
            }
            rest = trimmed;
            if rest.is_empty() {
                break;
            }
            // Members of a list are separated by commas (RFC 9110 §5.6.1).
            if expect_separator {
                return Err(bad());
            }
            expect_separator = true;
            if let Some(after) = rest.strip_prefix('*') {
                any = true;
                rest = after;
                continue;
            }
            let (weak, quoted) = match rest.strip_prefix("W/") {
                Some(after) => (true, after),
                None => (false, rest),
            };
            let inner = quoted.strip_prefix('"').ok_or_else(bad)?;
            let close = inner.find('"').ok_or_else(bad)?;
            tags.push(EntityTag {
                weak,
                opaque: inner[..close].to_owned(),
            });
            rest = &inner[close + 1..];
        }
    }
    match (present, any) {
        (false, _) => Ok(Condition::Absent),
        // `*` stands alone.
        (true, true) if tags.is_empty() => Ok(Condition::Any),
        (true, true) => Err(bad()),
        (true, false) => Ok(Condition::Tags(tags)),
    }
}

impl Condition {
    /// `If-Match` (strong comparison, RFC 9110 §13.1.1): true when absent,
    /// `*` (the customer exists), or one of its strong tags is `version`'s.
    pub fn if_match_holds(&self, version: i32) -> bool {
        match self {
            Condition::Absent | Condition::Any => true,
            Condition::Tags(tags) => tags
                .iter()
                .any(|tag| !tag.weak && tag.version() == Some(version)),
        }
    }

    /// True when an `If-None-Match` condition matches the customer at
    /// `version` (weak comparison, RFC 9110 §13.1.2): a `GET` then answers
    /// 304 and a `PUT` 412.
    pub fn none_match_hits(&self, version: i32) -> bool {
        match self {
            Condition::Absent => false,
            Condition::Any => true,
            Condition::Tags(tags) => tags.iter().any(|tag| tag.version() == Some(version)),
        }
    }

    /// True when the header was sent.
    pub fn is_present(&self) -> bool {
        !matches!(self, Condition::Absent)
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
            parse(&["\"3\", W/\"4\"", "\"x,y\""]).ok(),
            Some(Condition::Tags(vec![
                tag(false, "3"),
                tag(true, "4"),
                tag(false, "x,y")
            ]))
        );
        assert_eq!(parse(&[""]).ok(), Some(Condition::Tags(Vec::new())));
        assert_eq!(parse(&[" , "]).ok(), Some(Condition::Tags(Vec::new())));
        let mut latin = HeaderMap::new();
        latin.append(
            header::IF_MATCH,
            HeaderValue::from_bytes(b"\"caf\xe9\", \"4\"")
                .expect("obs-text is a valid header byte"),
        );
        let read = condition(&latin, &header::IF_MATCH).expect("parses");
        assert!(read.if_match_holds(4) && !read.if_match_holds(3));
        for bad in [
            "3",
            "\"3",
            "*, \"3\"",
            "w/\"3\"",
            "\"a\"b\"",
            "\"3\"x",
            "\"1\" \"4\"",
            "\"4\"\"4\"",
            "* *",
        ] {
            assert!(parse(&[bad]).is_err(), "{bad}");
        }
    }

    #[test]
    fn if_match_compares_strongly_and_if_none_match_weakly() {
        let list = parse(&["W/\"3\", \"4\", \"05\", \"x\""]).expect("parses");
        assert!(!list.if_match_holds(3));
        assert!(list.if_match_holds(4));
        assert!(!list.if_match_holds(5));
        assert!(list.none_match_hits(3));
        assert!(list.none_match_hits(4));
        assert!(!list.none_match_hits(5));
        assert!(Condition::Any.if_match_holds(1));
        assert!(Condition::Absent.if_match_holds(1));
        assert!(!Condition::Tags(Vec::new()).if_match_holds(1));
        assert!(Condition::Any.none_match_hits(1));
        assert!(!Condition::Absent.none_match_hits(1));
        assert_eq!(etag(12), HeaderValue::from_static("\"12\""));
    }
}
