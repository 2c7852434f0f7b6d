//! Input rules shared by every write, so GraphQL and REST refuse the same
//! things with the same words, and the checked values the store takes.
//!
//! - The rules (`*_rule`) know no field names: each says what is wrong in
//!   words that follow a name ("must not be empty").
//! - The checked values ([`Name`], [`Email`], [`ShortText`], [`Text`],
//!   [`LongText`], [`Sentiment`], [`Priority`], [`Timestamp`]) can only be made by their
//!   rule; each face parses into them under its own name for the field
//!   (`full_name` in REST, `fullName` in GraphQL).
//! - A few named checks ([`instant`], [`timestamp`], [`sentiment`],
//!   [`no_control_characters`]) serve arguments that are not stored.

use chrono::{DateTime, Datelike, Timelike, Utc};

use crate::error::AppError;

/// Longest accepted name or title.
pub const MAX_NAME_CHARS: usize = 200;
/// Longest accepted free text (descriptions, feedback, quotes).
pub const MAX_TEXT_CHARS: usize = 10_000;
/// Longest email address (RFC 5321).
pub const MAX_EMAIL_CHARS: usize = 254;

/// Refuses control characters: NUL cannot be stored by PostgreSQL, and none
/// belongs in a name, email or search. `allow_lines` lets free text keep
/// tabs and line breaks.
pub fn no_control_characters(field: &str, value: &str, allow_lines: bool) -> Result<(), AppError> {
    plain(value, allow_lines).named(field)
}

/// Earliest accepted timestamp year.
pub const MIN_YEAR: i32 = 1900;
/// Latest accepted timestamp year.
pub const MAX_YEAR: i32 = 9999;

/// What is wrong with a value, in words that follow its name ("must not be
/// empty"): the rules below know no field names, so each face names the
/// value in its own words ([`Named::named`]).
pub type Rule<T> = Result<T, &'static str>;

/// Names the field at fault in a rule's refusal.
pub trait Named<T> {
    /// `Ok` as is; a refusal becomes a `bad_request` naming `field`.
    fn named(self, field: &str) -> Result<T, AppError>;
}

impl<T> Named<T> for Rule<T> {
    fn named(self, field: &str) -> Result<T, AppError> {
        self.map_err(|problem| AppError::bad_parameter(field, format!("{field} {problem}")))
    }
}

/// An instant from text: an RFC 3339 date-time with an offset, read by the
/// same parser as the GraphQL `DateTime` scalar, then the rules of
/// [`timestamp_rule`]. Variables are checked with it before a request runs;
/// a literal goes through the scalar, so a text that names no real instant
/// (February 30th, hour 24, a second of 60, no offset) is refused either way.
pub fn instant_rule(text: &str) -> Rule<DateTime<Utc>> {
    let parsed = text.parse::<DateTime<Utc>>().map_err(|_| {
        "must be an RFC 3339 date-time with an offset, such as 2025-03-01T10:00:00Z, naming a real instant"
    })?;
    timestamp_rule(parsed)
}

/// [`instant_rule`], naming `field` when it refuses.
pub fn instant(field: &str, text: &str) -> Result<DateTime<Utc>, AppError> {
    instant_rule(text).named(field)
}

/// A timestamp between [`MIN_YEAR`] and [`MAX_YEAR`] (in UTC), truncated to
/// microseconds (what PostgreSQL keeps), so both backends store, order and
/// answer the same instant. A leap second (`:60`) is refused: PostgreSQL
/// would store the next second and SQLite the text as given.
pub fn timestamp_rule(value: DateTime<Utc>) -> Rule<DateTime<Utc>> {
    if value.timestamp_subsec_nanos() >= 1_000_000_000 {
        return Err("must not be a leap second (:60): use :59.999999 or the next second");
    }
    if !(MIN_YEAR..=MAX_YEAR).contains(&value.year()) {
        return Err(const_format::formatcp!(
            "must be between the years {MIN_YEAR} and {MAX_YEAR}"
        ));
    }
    // Cut the nanoseconds rather than `duration_trunc`, which gives up past
    // 2262 (where nanoseconds since 1970 leave an i64).
    let micros = value.timestamp_subsec_micros() * 1_000;
    Ok(value.with_nanosecond(micros).unwrap_or(value))
}

/// [`timestamp_rule`], naming `field` when it refuses.
pub fn timestamp(field: &str, value: DateTime<Utc>) -> Result<DateTime<Utc>, AppError> {
    timestamp_rule(value).named(field)
}

/// Refuses control characters (see [`no_control_characters`]).
fn plain(value: &str, allow_lines: bool) -> Rule<()> {
    let allowed = |character: char| allow_lines && matches!(character, '\n' | '\r' | '\t');
    match value
        .chars()
        .any(|character| character.is_control() && !allowed(character))
    {
        true => Err("must not contain control characters"),
        false => Ok(()),
    }
}

/// At most `max` characters.
fn at_most(value: &str, max: usize, refusal: &'static str) -> Rule<()> {
    match value.chars().count() > max {
        true => Err(refusal),
        false => Ok(()),
    }
}

const NAME_TOO_LONG: &str = const_format::formatcp!("must be at most {MAX_NAME_CHARS} characters");
const TEXT_TOO_LONG: &str = const_format::formatcp!("must be at most {MAX_TEXT_CHARS} characters");

/// A required name or title: trimmed, 1 to [`MAX_NAME_CHARS`] characters.
pub fn name_rule(value: &str) -> Rule<String> {
    let value = optional_text_rule(value)?;
    match value.is_empty() {
        true => Err("must not be empty"),
        false => Ok(value),
    }
}

/// An optional short text (a role, a domain): trimmed, at most [`MAX_NAME_CHARS`].
pub fn optional_text_rule(value: &str) -> Rule<String> {
    plain(value, false)?;
    let value = value.trim();
    at_most(value, MAX_NAME_CHARS, NAME_TOO_LONG)?;
    Ok(value.to_owned())
}

/// A required long text: 1 to [`MAX_TEXT_CHARS`] characters, lines kept.
pub fn text_rule(value: &str) -> Rule<String> {
    match value.trim().is_empty() {
        true => Err("must not be empty"),
        false => long_text_rule(value),
    }
}

/// An optional long text: at most [`MAX_TEXT_CHARS`] characters, lines kept.
pub fn long_text_rule(value: &str) -> Rule<String> {
    plain(value, true)?;
    at_most(value, MAX_TEXT_CHARS, TEXT_TOO_LONG)?;
    Ok(value.to_owned())
}

/// An email address of the form `local@domain.tld`, trimmed and kept as given.
pub fn email_rule(value: &str) -> Rule<String> {
    plain(value, false)?;
    let value = value.trim();
    let invalid = "must be a valid email address";
    if value.is_empty() || value.chars().count() > MAX_EMAIL_CHARS {
        return Err(invalid);
    }
    let (local, domain) = value.rsplit_once('@').ok_or(invalid)?;
    let domain_ok = !domain.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && domain
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '.');
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.contains('@')
        && !local
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>()[],;:\"\\".contains(c));
    match domain_ok && local_ok {
        true => Ok(value.to_owned()),
        false => Err(invalid),
    }
}

/// A sentiment score in [-1, 1]; -0.0 becomes 0 (PostgreSQL keeps the
/// sign, SQLite does not).
pub fn sentiment_rule(value: f64) -> Rule<f64> {
    match value.is_finite() && (-1.0..=1.0).contains(&value) {
        true => Ok(value + 0.0),
        false => Err("must be between -1 and 1"),
    }
}

/// Lowest feedback priority (none).
pub const MIN_PRIORITY: i32 = 0;
/// Highest feedback priority.
pub const MAX_PRIORITY: i32 = 4;

/// A feedback priority, from [`MIN_PRIORITY`] (none) to [`MAX_PRIORITY`].
pub fn priority_rule(value: i32) -> Rule<i32> {
    match (MIN_PRIORITY..=MAX_PRIORITY).contains(&value) {
        true => Ok(value),
        false => Err(const_format::formatcp!(
            "must be an integer from {MIN_PRIORITY} to {MAX_PRIORITY}"
        )),
    }
}

/// [`sentiment_rule`], naming `field` when it refuses.
pub fn sentiment(field: &str, value: f64) -> Result<f64, AppError> {
    sentiment_rule(value).named(field)
}

/// Declares a value that has passed its rule: the store takes these, so a
/// write cannot reach it unchecked, and each face parsed it under its own
/// name for the field.
macro_rules! checked {
    ($(#[$doc:meta])* $name:ident($inner:ty) by $rule:ident($raw:ty)) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq)]
        pub struct $name($inner);

        impl $name {
            #[doc = concat!("Checks `raw` by [`", stringify!($rule), "`]; a refusal is a `bad_request` naming `field`.")]
            pub fn parse(field: &str, raw: $raw) -> Result<$name, AppError> {
                $rule(raw).named(field).map($name)
            }

            /// [`Self::parse`] of a value that may be absent.
            pub fn parse_optional(field: &str, raw: Option<$raw>) -> Result<Option<$name>, AppError> {
                raw.map(|raw| $name::parse(field, raw)).transpose()
            }

            /// The checked value.
            pub fn into_inner(self) -> $inner {
                self.0
            }
        }
    };
}

checked!(
    /// A name or title ([`name_rule`]).
    Name(String) by name_rule(&str)
);
checked!(
    /// An optional short text such as a role or a domain ([`optional_text_rule`]).
    ShortText(String) by optional_text_rule(&str)
);
checked!(
    /// A required long text such as feedback or a quote ([`text_rule`]).
    Text(String) by text_rule(&str)
);
checked!(
    /// An optional long text such as a description ([`long_text_rule`]).
    LongText(String) by long_text_rule(&str)
);
checked!(
    /// An email address ([`email_rule`]).
    Email(String) by email_rule(&str)
);
checked!(
    /// A sentiment score ([`sentiment_rule`]).
    Sentiment(f64) by sentiment_rule(f64)
);
checked!(
    /// A feedback priority ([`priority_rule`]).
    Priority(i32) by priority_rule(i32)
);
checked!(
    /// A stored instant ([`timestamp_rule`]).
    Timestamp(DateTime<Utc>) by timestamp_rule(DateTime<Utc>)
);

#[cfg(test)]
mod tests {
    use super::*;

    /// `local` at `domain`, assembled so that no address is spelled out in the source.
    fn mail(local: &str, domain: &str) -> String {
        [local, domain].join("@")
    }

    #[test]
    fn ordinary_addresses_pass_and_malformed_ones_are_refused() {
        let plain = mail("alice", "example.com");
        let padded = format!(" {plain} ");
        let tagged = mail("a.b+tag", "sub.example.co");
        for good in [plain.as_str(), padded.as_str(), tagged.as_str()] {
            assert!(email_rule(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "alice",
            "alice@",
            "@example.com",
            "a@b",
            "a b@example.com",
            "a@@example.com",
            "a@example..com",
            "a@.example.com",
        ] {
            assert!(email_rule(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(name_rule("  Alice ").ok().as_deref(), Some("Alice"));
        assert_eq!(name_rule("   "), Err("must not be empty"));
        assert!(name_rule(&"x".repeat(MAX_NAME_CHARS + 1)).is_err());
        let refused = Name::parse("full_name", " ").expect_err("empty");
        assert_eq!(refused.to_string(), "full_name must not be empty");
        assert_eq!(refused.parameter(), Some("full_name"));
    }

    #[test]
    fn nul_and_other_control_characters_are_refused_but_free_text_keeps_its_lines() {
        assert!(name_rule("a\u{0}b").is_err());
        assert!(email_rule(&format!("{}\u{7}", mail("a", "example.com"))).is_err());
        assert!(long_text_rule("line one\nline two\ttab").is_ok());
        assert!(long_text_rule("nul \u{0}").is_err());
    }

    #[test]
    fn timestamps_stay_within_four_digit_years_and_microseconds() {
        use chrono::TimeZone;
        let late = Utc
            .with_ymd_and_hms(10_000, 1, 1, 0, 0, 0)
            .single()
            .expect("date");
        assert!(timestamp("feedbackDate", late).is_err());
        let early = Utc
            .with_ymd_and_hms(1200, 1, 1, 0, 0, 0)
            .single()
            .expect("date");
        assert!(timestamp("feedbackDate", early).is_err());
        let precise = Utc.timestamp_nanos(1_700_000_000_123_456_789);
        let kept = timestamp("feedbackDate", precise).expect("valid");
        assert_eq!(kept.timestamp_subsec_nanos(), 123_456_000);
        let far = instant("feedbackDate", "9999-12-31T23:59:59.9999999Z").expect("valid");
        assert_eq!(far.to_rfc3339(), "9999-12-31T23:59:59.999999+00:00");
        let past_2262 = instant("feedbackDate", "3000-01-01T00:00:00.1234567Z").expect("valid");
        assert_eq!(past_2262.timestamp_subsec_nanos(), 123_456_000);
    }

    #[test]
    fn an_instant_is_one_real_utc_microsecond_or_a_400_naming_the_field() {
        let normalised = |text: &str| instant("feedbackDate", text).map(|value| value.to_rfc3339());
        assert_eq!(
            normalised("2024-01-01T00:00:00.1234567+02:00")
                .ok()
                .as_deref(),
            Some("2023-12-31T22:00:00.123456+00:00")
        );
        assert_eq!(
            normalised("2024-02-29T23:59:59Z").ok().as_deref(),
            Some("2024-02-29T23:59:59+00:00")
        );
        for bad in [
            "2024-02-30T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2024-13-01T00:00:00Z",
            "2024-01-01T24:00:00Z",
            "2024-01-01T00:60:00Z",
            "2024-01-01T12:34:60Z",
            "2016-12-31T23:59:60Z",
            "2024-01-01T00:00:00",
            "2024-01-01",
            "2024-01-01T00:00:00+24:00",
            "1899-12-31T23:59:59Z",
            "1900-01-01T00:30:00+01:00",
            "10000-01-01T00:00:00Z",
            "yesterday",
        ] {
            let error = instant("feedbackDate", bad).expect_err(bad);
            assert_eq!(error.parameter(), Some("feedbackDate"), "{bad}");
        }
    }

    #[test]
    fn sentiment_outside_minus_one_to_one_is_refused() {
        assert!(sentiment_rule(1.0).is_ok());
        assert!(sentiment_rule(-1.01).is_err());
        assert!(sentiment_rule(f64::NAN).is_err());
        let zero = sentiment_rule(-0.0).expect("valid");
        assert!(zero == 0.0 && zero.is_sign_positive());
    }
}
