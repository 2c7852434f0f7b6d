//! String escapes of the current GraphQL spec edition, ahead of a parser
//! that knows the October 2021 ones only.
//!
//! The current draft of the spec (§2.9.4 String Value) adds the braced form
//! `\u{1F600}` and reads a surrogate pair `\uD83D\uDE00` as the one code
//! point it encodes; a lone surrogate stays an error. async-graphql 7.2's
//! parser accepts `\uXXXX` for non-surrogates only, so [`modernize`] rewrites
//! the new forms into ones it accepts before parsing: a code point in the
//! Basic Multilingual Plane becomes `\uXXXX`, any other becomes the
//! character itself (a valid source character inside a string). Everything
//! the new edition refuses (a lone or reversed surrogate, `\u{D800}`, a
//! braced value past U+10FFFF, malformed braces) is left as it is, for the
//! parser to refuse with its own position. Block strings, whose escapes are
//! not interpreted, and comments are copied unchanged.
//!
//! A rewritten escape is shorter than the original, so a parse or validation
//! error later on the same line reports a column that far to the left.

use std::borrow::Cow;

/// `query` with the new-edition escapes rewritten for the parser; borrowed
/// when it has none.
pub fn modernize(query: &str) -> Cow<'_, str> {
    if !query.contains("\\u") {
        return Cow::Borrowed(query);
    }
    let bytes = query.as_bytes();
    let mut out = String::with_capacity(query.len());
    let mut copied = 0;
    let mut at = 0;
    let mut changed = false;
    while at < bytes.len() {
        match bytes[at] {
            b'#' => at = line_end(bytes, at),
            b'"' if bytes[at..].starts_with(b"\"\"\"") => at = block_string_end(bytes, at + 3),
            b'"' => {
                at += 1;
                while at < bytes.len() && !matches!(bytes[at], b'"' | b'\n' | b'\r') {
                    if bytes[at] != b'\\' {
                        at += 1;
                        continue;
                    }
                    match escape(query, at) {
                        Some((replacement, end)) => {
                            out.push_str(&query[copied..at]);
                            out.push_str(&replacement);
                            copied = end;
                            changed = true;
                            at = end;
                        }
                        // Any other escape is one character after the backslash.
                        None => at += 2,
                    }
                }
                at += 1;
            }
            _ => at += 1,
        }
    }
    if !changed {
        return Cow::Borrowed(query);
    }
    out.push_str(&query[copied.min(query.len())..]);
    Cow::Owned(out)
}

/// The index of the line terminator ending the comment at `at`.
fn line_end(bytes: &[u8], at: usize) -> usize {
    bytes[at..]
        .iter()
        .position(|byte| matches!(byte, b'\n' | b'\r'))
        .map_or(bytes.len(), |offset| at + offset)
}

/// The index just past the `"""` closing a block string whose content starts at `at`.
fn block_string_end(bytes: &[u8], mut at: usize) -> usize {
    while at < bytes.len() {
        if bytes[at..].starts_with(b"\\\"\"\"") {
            at += 4;
        } else if bytes[at..].starts_with(b"\"\"\"") {
            return at + 3;
        } else {
            at += 1;
        }
    }
    at
}

/// Four hex digits at `at`, as a number.
fn hex4(query: &str, at: usize) -> Option<u32> {
    let digits = query.get(at..at + 4)?;
    if !digits.bytes().all(|byte| byte.is_ascii_hexdigit()) {
        return None;
    }
    u32::from_str_radix(digits, 16).ok()
}

/// A new-edition escape starting with the backslash at `at`: its rewrite and
/// the index past it. `None` for escapes the parser already reads (or that
/// it must refuse).
fn escape(query: &str, at: usize) -> Option<(String, usize)> {
    let rest = query.get(at..)?;
    if let Some(braced) = rest.strip_prefix("\\u{") {
        let close = braced.find('}')?;
        let digits = &braced[..close];
        if digits.is_empty() || !digits.bytes().all(|byte| byte.is_ascii_hexdigit()) {
            return None;
        }
        // Leading zeros are allowed; anything past U+10FFFF is not.
        let value = u32::from_str_radix(digits, 16).ok()?;
        let character = char::from_u32(value)?;
        return Some((rewrite(character), at + 3 + close + 1));
    }
    let high = rest.strip_prefix("\\u").and(hex4(query, at + 2))?;
    if !(0xD800..=0xDBFF).contains(&high) || !query[at + 6..].starts_with("\\u") {
        return None;
    }
    let low = hex4(query, at + 8)?;
    if !(0xDC00..=0xDFFF).contains(&low) {
        return None;
    }
    let character = char::from_u32(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))?;
    Some((rewrite(character), at + 12))
}

/// How `character` is written for the parser.
fn rewrite(character: char) -> String {
    if (character as u32) <= 0xFFFF {
        format!("\\u{:04X}", character as u32)
    } else {
        character.to_string()
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::parser::parse_query;
    use async_graphql::parser::types::{DocumentOperations, Selection};
    use async_graphql_value::Value;

    use super::*;

    /// The string argument of `{ f(s: <literal>) }`, parsed after [`modernize`].
    fn decoded(literal: &str) -> Result<String, String> {
        let query = format!("{{ f(s: {literal}) }}");
        let document =
            parse_query(modernize(&query).as_ref()).map_err(|error| error.to_string())?;
        let DocumentOperations::Single(operation) = document.operations else {
            panic!("one operation");
        };
        let Selection::Field(field) = &operation.node.selection_set.node.items[0].node else {
            panic!("a field");
        };
        match &field.node.arguments[0].1.node {
            Value::String(text) => Ok(text.clone()),
            other => panic!("not a string: {other}"),
        }
    }

    #[test]
    fn braced_escapes_and_surrogate_pairs_decode_to_their_code_point() {
        assert_eq!(decoded(r#""\u{1F600}""#).as_deref(), Ok("😀"));
        assert_eq!(decoded(r#""\uD83D\uDE00""#).as_deref(), Ok("😀"));
        assert_eq!(decoded(r#""\ud83d\ude00!""#).as_deref(), Ok("😀!"));
        assert_eq!(
            decoded(r#""a\u{0041}\u{00e9}\u{22}\u{5C}\u{0}b""#).as_deref(),
            Ok("aAé\"\\\0b")
        );
        assert_eq!(decoded(r#""\u{000000041}""#).as_deref(), Ok("A"));
        assert_eq!(decoded(r#""\u0041\n\"""#).as_deref(), Ok("A\n\""));
    }

    #[test]
    fn lone_or_reversed_surrogates_and_bad_braces_stay_parse_errors() {
        for bad in [
            r#""\uD83D""#,
            r#""\uDE00""#,
            r#""\uDE00\uD83D""#,
            r#""\uD83Dx""#,
            r#""\u{D800}""#,
            r#""\u{110000}""#,
            r#""\u{}""#,
            r#""\u{1F600""#,
            r#""\u{G}""#,
        ] {
            assert!(decoded(bad).is_err(), "{bad} parsed");
        }
    }

    #[test]
    fn block_strings_comments_and_plain_documents_are_left_alone() {
        let plain = "{ viewer { uuid } }";
        assert!(matches!(modernize(plain), Cow::Borrowed(_)));
        let block = "{ f(s: \"\"\"raw \\u{1F600} \\\"\"\" still\"\"\") } # \\u{1F600}";
        assert_eq!(modernize(block), block);
        assert_eq!(
            decoded("\"\"\"raw \\u{1F600}\"\"\"").as_deref(),
            Ok("raw \\u{1F600}")
        );
        let mixed = "# \"\\u{1F600}\n{ f(s: \"\\u{1F600}\") }";
        assert_eq!(modernize(mixed), "# \"\\u{1F600}\n{ f(s: \"😀\") }");
    }
}
