//! Input rules shared by every write, so GraphQL and REST refuse the same
//! things with the same words. Each check names the field at fault.

use crate::error::AppError;

/// Longest accepted name or title.
pub const MAX_NAME_CHARS: usize = 200;
/// Longest accepted free text (descriptions, feedback, quotes).
pub const MAX_TEXT_CHARS: usize = 10_000;
/// Longest email address (RFC 5321).
pub const MAX_EMAIL_CHARS: usize = 254;

/// A required name or title: trimmed, 1 to [`MAX_NAME_CHARS`] characters.
pub fn name(field: &str, value: &str) -> Result<String, AppError> {
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
        Ok(value)
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
    fn sentiment_outside_minus_one_to_one_is_refused() {
        assert!(sentiment("sentimentScore", 1.0).is_ok());
        assert!(sentiment("sentimentScore", -1.01).is_err());
        assert!(sentiment("sentimentScore", f64::NAN).is_err());
    }
}
