//! Input rules shared by every write, so GraphQL and REST refuse the same
//! things with the same words. Each check names the field at fault.

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
    let allowed = |character: char| allow_lines && matches!(character, '\n' | '\r' | '\t');
    if value
        .chars()
        .any(|character| character.is_control() && !allowed(character))
    {
        return Err(AppError::bad_parameter(
            field,
            format!("{field} must not contain control characters"),
        ));
    }
    Ok(())
}

/// Earliest accepted timestamp year.
pub const MIN_YEAR: i32 = 1900;
/// Latest accepted timestamp year.
pub const MAX_YEAR: i32 = 9999;

/// An instant from text: an RFC 3339 date-time with an offset, read by the
/// same parser as the GraphQL `DateTime` scalar, then the rules of
/// [`timestamp`]. Variables are checked with it before a request runs; a
/// literal goes through the scalar and then [`timestamp`] in the resolver, so
/// a text that names no real instant (February 30th, hour 24, a second of
/// 60, no offset) is refused either way.
pub fn instant(field: &str, text: &str) -> Result<DateTime<Utc>, AppError> {
    let parsed = text.parse::<DateTime<Utc>>().map_err(|_| {
        AppError::bad_parameter(
            field,
            format!(
                "{field} must be an RFC 3339 date-time with an offset, such as 2025-03-01T10:00:00Z, naming a real instant"
            ),
        )
    })?;
    timestamp(field, parsed)
}

/// A timestamp between [`MIN_YEAR`] and [`MAX_YEAR`] (in UTC), truncated to
/// microseconds (what PostgreSQL keeps), so both backends store, order and
/// answer the same instant. A leap second (`:60`) is refused: PostgreSQL
/// would store the next second and SQLite the text as given.
pub fn timestamp(field: &str, value: DateTime<Utc>) -> Result<DateTime<Utc>, AppError> {
    if value.timestamp_subsec_nanos() >= 1_000_000_000 {
        return Err(AppError::bad_parameter(
            field,
            format!("{field} must not be a leap second (:60): use :59.999999 or the next second"),
        ));
    }
    if !(MIN_YEAR..=MAX_YEAR).contains(&value.year()) {
        return Err(AppError::bad_parameter(
            field,
            format!("{field} must be between the years {MIN_YEAR} and {MAX_YEAR}"),
        ));
    }
    // Cut the nanoseconds rather than `duration_trunc`, which gives up past
    // 2262 (where nanoseconds since 1970 leave an i64).
    let micros = value.timestamp_subsec_micros() * 1_000;
    Ok(value.with_nanosecond(micros).unwrap_or(value))
}

/// A required name or title: trimmed, 1 to [`MAX_NAME_CHARS`] characters.
pub fn name(field: &str, value: &str) -> Result<String, AppError> {
    no_control_characters(field, value, false)?;
    let value = value.trim();
    if value.is_empty() {
        return Err(AppError::bad_parameter(
            field,
            format!("{field} must not be empty"),
        ));
    }
    if value.chars().count() > MAX_NAME_CHARS {
        return Err(AppError::bad_parameter(
            field,
            format!("{field} must be at most {MAX_NAME_CHARS} characters"),
        ));
    }
    Ok(value.to_owned())
}

/// An optional short text (a role, a domain): trimmed, at most [`MAX_NAME_CHARS`].
pub fn optional_text(field: &str, value: &str) -> Result<String, AppError> {
    no_control_characters(field, value, false)?;
    let value = value.trim();
    if value.chars().count() > MAX_NAME_CHARS {
        return Err(AppError::bad_parameter(
            field,
            format!("{field} must be at most {MAX_NAME_CHARS} characters"),
        ));
    }
    Ok(value.to_owned())
}

/// A required long text: 1 to [`MAX_TEXT_CHARS`] characters.
pub fn text(field: &str, value: &str) -> Result<String, AppError> {
    if value.trim().is_empty() {
        return Err(AppError::bad_parameter(
            field,
            format!("{field} must not be empty"),
        ));
    }
    long_text(field, value)
}

/// An optional long text: at most [`MAX_TEXT_CHARS`] characters.
pub fn long_text(field: &str, value: &str) -> Result<String, AppError> {
    no_control_characters(field, value, true)?;
    if value.chars().count() > MAX_TEXT_CHARS {
        return Err(AppError::bad_parameter(
            field,
            format!("{field} must be at most {MAX_TEXT_CHARS} characters"),
        ));
    }
    Ok(value.to_owned())
}

/// An email address of the form `local@domain.tld`, trimmed and kept as given.
pub fn email(field: &str, value: &str) -> Result<String, AppError> {
    no_control_characters(field, value, false)?;
    let value = value.trim();
    let invalid =
        || AppError::bad_parameter(field, format!("{field} must be a valid email address"));
    if value.is_empty() || value.chars().count() > MAX_EMAIL_CHARS {
        return Err(invalid());
    }
    let (local, domain) = value.rsplit_once('@').ok_or_else(invalid)?;
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
    if domain_ok && local_ok {
        Ok(value.to_owned())
    } else {
        Err(invalid())
    }
}

/// A sentiment score in [-1, 1].
pub fn sentiment(field: &str, value: f64) -> Result<f64, AppError> {
    if value.is_finite() && (-1.0..=1.0).contains(&value) {
        // -0.0 is 0: PostgreSQL keeps the sign, SQLite does not.
        Ok(value + 0.0)
    } else {
        Err(AppError::bad_parameter(
            field,
            format!("{field} must be between -1 and 1"),
        ))
    }
}

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
            assert!(email("email", good).is_ok(), "{good}");
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
            assert!(email("email", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(name("fullName", "  Alice ").ok().as_deref(), Some("Alice"));
        assert!(name("fullName", "   ").is_err());
        assert!(name("fullName", &"x".repeat(MAX_NAME_CHARS + 1)).is_err());
    }

    #[test]
    fn nul_and_other_control_characters_are_refused_but_free_text_keeps_its_lines() {
        assert!(name("fullName", "a\u{0}b").is_err());
        assert!(email("email", &format!("{}\u{7}", mail("a", "example.com"))).is_err());
        assert!(long_text("description", "line one\nline two\ttab").is_ok());
        assert!(long_text("description", "nul \u{0}").is_err());
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
        assert!(sentiment("sentimentScore", 1.0).is_ok());
        assert!(sentiment("sentimentScore", -1.01).is_err());
        assert!(sentiment("sentimentScore", f64::NAN).is_err());
        let zero = sentiment("sentimentScore", -0.0).expect("valid");
        assert!(zero == 0.0 && zero.is_sign_positive());
    }
}
