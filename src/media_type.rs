//! Media types in request headers, read through the `mime` crate: the
//! `Content-Type` of a body and the ranges of `Accept` with their weights.
//!
//! The header syntax is RFC 9110's (§8.3 Content-Type, §12.5.1 Accept,
//! §12.4.2 Quality Values). Both faces read their headers here: the REST face
//! checks JSON bodies, GraphQL over HTTP negotiates its answer and checks the
//! body's charset (see [`crate::graphql_http::media`]); the app's error layer
//! tells its own JSON answers from the plain-text ones of lower layers.

use axum::http::{HeaderMap, HeaderName, header};
use mime::Mime;

/// `text` as a media type, `None` when it is not one.
///
/// RFC 9110 §5.6.6 allows whitespace around a parameter's `;`, which `mime`
/// refuses (`application/json ; charset=utf-8`); a second reading without it
/// accepts what the specification does. A parameter that is not
/// `name=value` (`application/json; charset`) does not make the whole type
/// unreadable: the type is read without its parameters, as a lenient reader
/// would.
pub fn parse(text: &str) -> Option<Mime> {
    let text = text.trim();
    text.parse()
        .ok()
        .or_else(|| {
            let mut tight = String::with_capacity(text.len());
            for piece in text.split(';') {
                if !tight.is_empty() {
                    tight.push(';');
                }
                tight.push_str(piece.trim());
            }
            tight.parse().ok()
        })
        .or_else(|| text.split(';').next()?.trim().parse().ok())
}

/// The text of header `name` (the first one when repeated); `None` when
/// absent or not visible ASCII.
fn header_text<'a>(headers: &'a HeaderMap, name: &HeaderName) -> Option<&'a str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}

/// The request's `Content-Type`: `None` when absent or not a media type.
pub fn content_type(headers: &HeaderMap) -> Option<Mime> {
    header_text(headers, &header::CONTENT_TYPE).and_then(parse)
}

/// True when the request's `Content-Type` is `application/json`, whatever
/// its parameters.
pub fn is_json(headers: &HeaderMap) -> bool {
    content_type(headers).is_some_and(|media| media.essence_str() == mime::APPLICATION_JSON)
}

/// True for `application/json` and the types built on it (`+json`, such as
/// `application/graphql-response+json` and `application/problem+json`).
pub fn is_json_family(media: &Mime) -> bool {
    media.subtype() == mime::JSON || media.suffix() == Some(mime::JSON)
}

/// The `Accept` header's text; `None` when absent, blank or not visible ASCII
/// (RFC 9110 §12.5.1: no `Accept` means any media type is acceptable).
pub fn accept_text(headers: &HeaderMap) -> Option<&str> {
    header_text(headers, &header::ACCEPT).filter(|accept| !accept.trim().is_empty())
}

/// The media ranges of an `Accept` value, in the order given; a range that is
/// no media type is left out.
pub fn ranges(accept: &str) -> impl Iterator<Item = Mime> + '_ {
    accept.split(',').filter_map(parse)
}

/// The weight of a media range: its first `q` parameter that reads as a
/// number, 1 when it has none.
pub fn quality(range: &Mime) -> f32 {
    range
        .params()
        .filter(|(name, _)| *name == "q")
        .find_map(|(_, value)| value.as_str().trim().parse::<f32>().ok())
        .unwrap_or(1.0)
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn with(name: HeaderName, value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(name, HeaderValue::from_str(value).expect("a header value"));
        headers
    }

    #[test]
    fn parameters_and_case_do_not_change_the_essence() {
        for text in [
            "application/json",
            "Application/JSON; Charset=UTF-8",
            "application/json ; charset=utf-8",
            "application/json;",
            " application/json ",
            "application/json;\tcharset=utf-8",
            "application/json; charset",
            "application/json; q",
        ] {
            let media = parse(text).unwrap_or_else(|| panic!("{text}"));
            assert_eq!(media.essence_str(), "application/json", "{text}");
        }
        for text in ["", "json", "application", "*", "; charset=utf-8"] {
            assert!(parse(text).is_none(), "{text}");
        }
    }

    #[test]
    fn only_a_json_content_type_is_json() {
        assert!(is_json(&with(
            header::CONTENT_TYPE,
            "application/json; charset=utf-8"
        )));
        assert!(!is_json(&with(header::CONTENT_TYPE, "text/plain")));
        assert!(!is_json(&with(
            header::CONTENT_TYPE,
            "application/graphql-response+json"
        )));
        assert!(!is_json(&HeaderMap::new()));
        let family = |text: &str| parse(text).is_some_and(|media| is_json_family(&media));
        assert!(family("application/graphql-response+json; charset=utf-8"));
        assert!(family("application/json"));
        assert!(!family("text/plain; charset=utf-8"));
    }

    #[test]
    fn ranges_keep_their_order_and_weights() {
        let accept = "text/html, application/json;q=0.5, nonsense, */*;q=0.1;q=0.9, a/b;q=x";
        let read: Vec<(String, f32)> = ranges(accept)
            .map(|range| (range.essence_str().to_owned(), quality(&range)))
            .collect();
        assert_eq!(
            read,
            [
                ("text/html".to_owned(), 1.0),
                ("application/json".to_owned(), 0.5),
                ("*/*".to_owned(), 0.1),
                ("a/b".to_owned(), 1.0),
            ]
        );
        assert_eq!(accept_text(&with(header::ACCEPT, "  ")), None);
        assert_eq!(accept_text(&HeaderMap::new()), None);
    }
}
