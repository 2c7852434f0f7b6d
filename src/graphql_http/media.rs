//! The media types of GraphQL over HTTP: which one answers ([`negotiate`] on
//! `Accept`), whether a browser asks for the page instead ([`wants_html`]),
//! and which request bodies are read ([`check_content_type`]).
//!
//! The rules are the GraphQL-over-HTTP specification's (its sections on
//! `Accept`, `Content-Type` and the two response media types):
//! `application/graphql-response+json` answers request errors with 400,
//! `application/json` with 200. The headers are read through
//! [`crate::media_type`].

use axum::http::{HeaderMap, StatusCode};

use crate::media_type;

/// The media type of the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Media {
    /// `application/graphql-response+json`: request errors answer 400.
    GraphQLResponse,
    /// `application/json`: well-formed requests answer 200, errors in the body.
    Json,
}

/// The answer's media type as GraphQL over HTTP names it.
const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

impl Media {
    /// The `Content-Type` of an answer in this media type (always UTF-8).
    pub fn content_type(self) -> &'static str {
        match self {
            Media::GraphQLResponse => "application/graphql-response+json; charset=utf-8",
            Media::Json => "application/json; charset=utf-8",
        }
    }

    /// The status of a request the server could not execute at all.
    pub fn request_error_status(self) -> StatusCode {
        match self {
            Media::GraphQLResponse => StatusCode::BAD_REQUEST,
            Media::Json => StatusCode::OK,
        }
    }

    /// The media type a range of `Accept` stands for, `None` for one we do
    /// not speak. `*/*` and `application/*` mean `application/json`.
    fn of_range(essence: &str) -> Option<Media> {
        match essence {
            GRAPHQL_RESPONSE => Some(Media::GraphQLResponse),
            "application/json" | "application/*" | "*/*" => Some(Media::Json),
            _ => None,
        }
    }
}

/// Picks the answer's media type from `Accept`: the acceptable type of the
/// highest quality, earliest on ties; `*/*` and a missing header mean
/// `application/json`. `None` when nothing we speak is acceptable (406).
pub fn negotiate(headers: &HeaderMap) -> Option<Media> {
    let Some(accept) = media_type::accept_text(headers) else {
        return Some(Media::Json);
    };
    let mut best: Option<(f32, Media)> = None;
    for range in media_type::ranges(accept) {
        let Some(media) = Media::of_range(range.essence_str()) else {
            continue;
        };
        let quality = media_type::quality(&range);
        if quality > 0.0 && best.is_none_or(|(best_quality, _)| quality > best_quality) {
            best = Some((quality, media));
        }
    }
    best.map(|(_, media)| media)
}

/// True when a browser asks for a page rather than an API answer: `Accept`
/// names `text/html`, at any weight.
pub fn wants_html(headers: &HeaderMap) -> bool {
    media_type::accept_text(headers).is_some_and(|accept| {
        media_type::ranges(accept).any(|range| range.essence_str() == mime::TEXT_HTML)
    })
}

/// Checks that a POST body is JSON in UTF-8: `Err` is the 415 message.
pub fn check_content_type(headers: &HeaderMap) -> Result<(), &'static str> {
    let Some(content_type) = media_type::content_type(headers)
        .filter(|media| media.essence_str() == mime::APPLICATION_JSON)
    else {
        return Err("Content-Type must be application/json");
    };
    // Every `charset` given must be UTF-8 (`mime` reads its value in lower case).
    let utf8 = content_type
        .params()
        .filter(|(name, _)| *name == mime::CHARSET)
        .all(|(_, value)| value == mime::UTF_8);
    if !utf8 {
        return Err("the request body must be UTF-8");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use axum::http::{HeaderValue, header};

    use super::*;

    fn accept(value: &str) -> Option<Media> {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_str(value).expect("value"));
        negotiate(&headers)
    }

    fn content_type(value: &str) -> Result<(), &'static str> {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_str(value).expect("value"),
        );
        check_content_type(&headers)
    }

    #[test]
    fn the_highest_quality_wins_and_the_earliest_on_ties() {
        use Media::*;
        assert_eq!(negotiate(&HeaderMap::new()), Some(Json));
        assert_eq!(accept(" "), Some(Json));
        assert_eq!(accept("*/*"), Some(Json));
        assert_eq!(accept("application/*"), Some(Json));
        assert_eq!(accept(GRAPHQL_RESPONSE), Some(GraphQLResponse));
        assert_eq!(
            accept("application/json;q=0.5, application/graphql-response+json"),
            Some(GraphQLResponse)
        );
        assert_eq!(
            accept("application/json, application/graphql-response+json"),
            Some(Json)
        );
        assert_eq!(
            accept("Application/GraphQL-Response+JSON;charset=utf-8, */*;q=0.9"),
            Some(GraphQLResponse)
        );
        assert_eq!(accept("text/html, */*;q=0.8"), Some(Json));
    }

    #[test]
    fn nothing_we_speak_or_a_zero_weight_is_not_acceptable() {
        assert_eq!(accept("text/csv"), None);
        assert_eq!(accept("application/json;q=0"), None);
        assert_eq!(accept("application/xml, text/*"), None);
    }

    #[test]
    fn only_an_html_range_asks_for_the_page() {
        let wants = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::ACCEPT, HeaderValue::from_str(value).expect("value"));
            wants_html(&headers)
        };
        assert!(wants("text/html,application/xhtml+xml,*/*;q=0.8"));
        assert!(wants("application/json, TEXT/HTML;q=0.1"));
        assert!(!wants("application/json"));
        assert!(!wants_html(&HeaderMap::new()));
    }

    #[test]
    fn a_post_body_must_be_json_in_utf8() {
        assert_eq!(content_type("application/json"), Ok(()));
        assert_eq!(content_type("application/json; charset=UTF-8"), Ok(()));
        assert_eq!(content_type("application/json; charset=\"utf-8\""), Ok(()));
        assert_eq!(
            content_type("application/json; charset=latin1"),
            Err("the request body must be UTF-8")
        );
        assert_eq!(
            content_type("application/json;charset=utf-8;charset=latin1"),
            Err("the request body must be UTF-8")
        );
        assert_eq!(
            content_type("text/plain"),
            Err("Content-Type must be application/json")
        );
        assert_eq!(
            check_content_type(&HeaderMap::new()),
            Err("Content-Type must be application/json")
        );
    }
}
