//! String escapes of the current spec edition for [`super::prepare`]
//! (§2.9.4 String Value): the braced `\u{1F600}` and a surrogate pair
//! `\uD83D\uDE00` rewritten into forms async-graphql 7.2's parser reads; a
//! lone surrogate or a braced value that is no Unicode scalar value refused.

use super::{SourceError, place};

/// Four hex digits at `at`, as a number.
fn hex4(query: &str, at: usize) -> Option<u32> {
    let digits = query.get(at..at + 4)?;
    if !digits.bytes().all(|byte| byte.is_ascii_hexdigit()) {
        return None;
    }
    u32::from_str_radix(digits, 16).ok()
}

/// The escape starting with the backslash at `at`: `Some` with its rewrite
/// and the index past it for a new-edition escape, `None` for one the parser
/// reads as it is, an error for a surrogate or braced value that names no
/// Unicode scalar value.
pub(super) fn escape(query: &str, at: usize) -> Result<Option<(String, usize)>, SourceError> {
    let bad = |what: &str| SourceError {
        message: format!("{what} (at {})", place(query, at)),
        code: "GRAPHQL_PARSE_FAILED",
    };
    let rest = &query[at..];
    if let Some(braced) = rest.strip_prefix("\\u{") {
        let digits = braced.bytes().take_while(u8::is_ascii_hexdigit).count();
        if digits == 0 || !braced[digits..].starts_with('}') {
            return Err(bad(
                "a `\\u{…}` escape must hold hexadecimal digits and end with `}`",
            ));
        }
        let value = u32::from_str_radix(&braced[..digits], 16).ok();
        let Some(character) = value.and_then(char::from_u32) else {
            return Err(bad(&format!(
                "`\\u{{{}}}` is not a Unicode scalar value (surrogates and values past 10FFFF are not)",
                &braced[..digits]
            )));
        };
        return Ok(Some((rewrite(character), at + 3 + digits + 1)));
    }
    let Some(unit) = rest.strip_prefix("\\u").and(hex4(query, at + 2)) else {
        return Ok(None);
    };
    match unit {
        0xD800..=0xDBFF => {
            let low = query[at + 6..]
                .starts_with("\\u")
                .then(|| hex4(query, at + 8))
                .flatten()
                .filter(|low| (0xDC00..=0xDFFF).contains(low));
            let Some(low) = low else {
                return Err(bad(&format!(
                    "`\\u{unit:04X}` is a lone surrogate: a high surrogate must be followed by a low one (\\uDC00 to \\uDFFF)"
                )));
            };
            let code = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
            let character =
                char::from_u32(code).expect("BUG: a surrogate pair encodes a scalar value");
            Ok(Some((rewrite(character), at + 12)))
        }
        0xDC00..=0xDFFF => Err(bad(&format!(
            "`\\u{unit:04X}` is a lone surrogate: a low surrogate must follow a high one (\\uD800 to \\uDBFF)"
        ))),
        _ => Ok(None),
    }
}

/// How `character` is written for the parser.
fn rewrite(character: char) -> String {
    if (character as u32) <= 0xFFFF {
        format!("\\u{:04X}", character as u32)
    } else {
        character.to_string()
    }
}
