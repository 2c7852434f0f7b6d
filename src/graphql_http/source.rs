//! The query text before the parser: one linear pass over its tokens that
//!
//! - rewrites the string escapes of the current spec edition (§2.9.4 String
//!   Value: the braced `\u{1F600}`, and a surrogate pair `\uD83D\uDE00` read as
//!   the one code point it encodes) into forms async-graphql 7.2's parser
//!   reads (it knows `\uXXXX` for non-surrogates only): a code point of the
//!   Basic Multilingual Plane becomes `\uXXXX`, any other the character
//!   itself. A lone or reversed surrogate, or a braced value that is no
//!   Unicode scalar value, is a parse error naming its line and column;
//! - refuses lists, input objects, argument lists and selection sets nested
//!   deeper than [`MAX_NESTING`]: the parser and validator recurse once per
//!   level, and a small document nested thousands deep would overflow a
//!   worker's stack and abort the process;
//! - refuses an input object literal that names a field twice, and an
//!   argument list that names an argument twice (spec §5.6.3 Input Object
//!   Field Uniqueness, §5.4.2 Argument Uniqueness): the parser keeps the last
//!   one, which a repeated `role:` would write.
//!
//! Block strings (whose escapes are not interpreted) and comments are copied
//! unchanged. A rewritten escape is shorter than the original, so an error
//! the parser reports later on the same line gives a column that far left.

use std::borrow::Cow;
use std::collections::HashSet;

/// Deepest nesting of `[`, `{` and `(` accepted.
pub const MAX_NESTING: usize = 64;

/// Why a document was refused before parsing: a message naming the place,
/// and the GraphQL error code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceError {
    /// For a person, with line and column.
    pub message: String,
    /// `GRAPHQL_PARSE_FAILED` or `GRAPHQL_VALIDATION_FAILED`.
    pub code: &'static str,
}

/// What a bracket opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Selection,
    Object,
    List,
    Arguments,
}

/// An open bracket and, for objects and argument lists, the names given so far.
struct Frame<'a> {
    kind: Kind,
    names: HashSet<&'a str>,
}

/// The token before the current one, as far as nesting and keys care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Previous<'a> {
    Name(&'a str, usize),
    Colon,
    Equals,
    Other,
}

/// `query` ready for the parser (borrowed when nothing needed rewriting).
pub fn prepare(query: &str) -> Result<Cow<'_, str>, SourceError> {
    let bytes = query.as_bytes();
    let mut out = String::new();
    let mut copied = 0;
    let mut frames: Vec<Frame<'_>> = Vec::new();
    let mut previous = Previous::Other;
    let mut at = 0;
    while at < bytes.len() {
        let byte = bytes[at];
        match byte {
            b' ' | b'\t' | b'\n' | b'\r' | b',' => at += 1,
            b'#' => {
                at = bytes[at..]
                    .iter()
                    .position(|byte| matches!(byte, b'\n' | b'\r'))
                    .map_or(bytes.len(), |offset| at + offset);
            }
            b'"' if bytes[at..].starts_with(b"\"\"\"") => {
                let end = block_string_end(bytes, at + 3);
                let raw = &query[at + 3..end.saturating_sub(3).max(at + 3)];
                if end <= bytes.len()
                    && query[..end].ends_with("\"\"\"")
                    && raw.contains("\\\"\"\"")
                {
                    // The parser keeps `\"""` as it is; the spec reads it as
                    // `"""`. Such a block string becomes the plain string of
                    // its value.
                    out.push_str(&query[copied..at]);
                    out.push_str(&quoted(&block_string_value(
                        &raw.replace("\\\"\"\"", "\"\"\""),
                    )));
                    copied = end;
                }
                at = end;
                previous = Previous::Other;
            }
            b'"' => {
                at += 1;
                while at < bytes.len() && !matches!(bytes[at], b'"' | b'\n' | b'\r') {
                    if bytes[at] != b'\\' {
                        at += 1;
                        continue;
                    }
                    match escape(query, at)? {
                        Some((replacement, end)) => {
                            out.push_str(&query[copied..at]);
                            out.push_str(&replacement);
                            copied = end;
                            at = end;
                        }
                        None => at += 2,
                    }
                }
                at += 1;
                previous = Previous::Other;
            }
            b'{' | b'[' | b'(' => {
                let kind = match byte {
                    b'[' => Kind::List,
                    b'(' => Kind::Arguments,
                    _ if matches!(previous, Previous::Colon | Previous::Equals)
                        || frames.last().is_some_and(|frame| frame.kind == Kind::List) =>
                    {
                        Kind::Object
                    }
                    _ => Kind::Selection,
                };
                if frames.len() == MAX_NESTING {
                    return Err(SourceError {
                        message: format!(
                            "the document nests lists, objects, arguments or selections more than {MAX_NESTING} deep (at {})",
                            place(query, at)
                        ),
                        code: "GRAPHQL_PARSE_FAILED",
                    });
                }
                frames.push(Frame {
                    kind,
                    names: HashSet::new(),
                });
                previous = Previous::Other;
                at += 1;
            }
            b'}' | b']' | b')' => {
                // A mismatched bracket is the parser's to report.
                frames.pop();
                previous = Previous::Other;
                at += 1;
            }
            b':' => {
                if let (Previous::Name(name, start), Some(frame)) = (previous, frames.last_mut())
                    && matches!(frame.kind, Kind::Object | Kind::Arguments)
                    && !frame.names.insert(name)
                {
                    let what = match frame.kind {
                        Kind::Object => "input object names the field",
                        _ => "argument list names the argument",
                    };
                    return Err(SourceError {
                        message: format!("an {what} `{name}` twice (at {})", place(query, start)),
                        code: "GRAPHQL_VALIDATION_FAILED",
                    });
                }
                previous = Previous::Colon;
                at += 1;
            }
            b'=' => {
                previous = Previous::Equals;
                at += 1;
            }
            b'_' | b'A'..=b'Z' | b'a'..=b'z' => {
                let start = at;
                while at < bytes.len()
                    && matches!(bytes[at], b'_' | b'0'..=b'9' | b'A'..=b'Z' | b'a'..=b'z')
                {
                    at += 1;
                }
                previous = Previous::Name(&query[start..at], start);
            }
            b'$' => {
                // A variable: its name is no key.
                at += 1;
                while at < bytes.len()
                    && matches!(bytes[at], b'_' | b'0'..=b'9' | b'A'..=b'Z' | b'a'..=b'z')
                {
                    at += 1;
                }
                previous = Previous::Other;
            }
            _ => {
                // Numbers, punctuators, and whatever the parser will refuse;
                // a multi-byte character is skipped whole.
                at += utf8_width(byte);
                previous = Previous::Other;
            }
        }
    }
    if copied == 0 {
        return Ok(Cow::Borrowed(query));
    }
    out.push_str(&query[copied.min(query.len())..]);
    Ok(Cow::Owned(out))
}

/// Bytes in the UTF-8 sequence that `first` starts (1 for a continuation byte).
fn utf8_width(first: u8) -> usize {
    match first {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

/// `line L, column C` of the byte offset `at` (both from 1, columns in characters).
fn place(query: &str, at: usize) -> String {
    let before = &query[..at.min(query.len())];
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .map_or(0, |text| text.chars().count())
        + 1;
    format!("line {line}, column {column}")
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

/// The value of a block string whose raw text (escaped triple quotes already
/// read) is `raw` (spec §2.9.4 BlockStringValue: the common indent of all
/// lines but the first removed, blank first and last lines dropped).
fn block_string_value(raw: &str) -> String {
    let lines: Vec<&str> = raw
        .split("\r\n")
        .flat_map(|line| line.split(['\r', '\n']))
        .collect();
    let blank = |line: &&str| line.bytes().all(|byte| byte == b' ' || byte == b'\t');
    let indent = lines
        .iter()
        .skip(1)
        .filter(|line| !blank(line))
        .map(|line| line.len() - line.trim_start_matches([' ', '\t']).len())
        .min()
        .unwrap_or(0);
    let first = lines
        .iter()
        .position(|line| !blank(line))
        .unwrap_or(lines.len());
    let last = lines
        .iter()
        .rposition(|line| !blank(line))
        .map_or(0, |at| at + 1);
    let kept = lines.iter().enumerate().take(last).skip(first);
    let kept = kept.map(|(at, line)| {
        if at == 0 {
            line
        } else {
            line.get(indent..).unwrap_or("")
        }
    });
    kept.collect::<Vec<_>>().join("\n")
}

/// `value` as a plain string literal the parser reads back as `value`.
fn quoted(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for character in value.chars() {
        match character {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            character if (character as u32) < 0x20 => {
                out.push_str(&format!("\\u{:04X}", character as u32));
            }
            character => out.push(character),
        }
    }
    out.push('"');
    out
}

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
fn escape(query: &str, at: usize) -> Result<Option<(String, usize)>, SourceError> {
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

#[cfg(test)]
mod tests {
    use async_graphql::parser::parse_query;
    use async_graphql::parser::types::{DocumentOperations, Selection};
    use async_graphql_value::Value;

    use super::*;

    /// The string argument of `{ f(s: <literal>) }`, parsed after [`prepare`].
    fn decoded(literal: &str) -> Result<String, String> {
        let query = format!("{{ f(s: {literal}) }}");
        let prepared = prepare(&query).map_err(|error| error.message)?;
        let document = parse_query(prepared.as_ref()).map_err(|error| error.to_string())?;
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
    fn lone_or_reversed_surrogates_and_bad_braces_are_parse_errors_naming_the_place() {
        for (bad, says) in [
            (r#""\uD83D""#, "lone surrogate"),
            (r#""\uDE00""#, "lone surrogate"),
            (r#""\uDE00\uD83D""#, "lone surrogate"),
            (r#""\uD83Dx""#, "lone surrogate"),
            (r#""\u{D800}""#, "not a Unicode scalar value"),
            (r#""\u{110000}""#, "not a Unicode scalar value"),
            (r#""\u{FFFFFFFFFF}""#, "not a Unicode scalar value"),
            (r#""\u{}""#, "hexadecimal digits"),
            (r#""\u{1F600""#, "hexadecimal digits"),
            (r#""\u{G}""#, "hexadecimal digits"),
        ] {
            let error = decoded(bad).expect_err(bad);
            assert!(
                error.contains(says) && error.contains("line 1, column 9"),
                "{bad}: {error}"
            );
        }
    }

    #[test]
    fn block_strings_comments_and_plain_documents_are_left_alone() {
        let plain = "{ viewer { uuid } }";
        assert!(matches!(prepare(plain), Ok(Cow::Borrowed(_))));
        let block = "{ f(s: \"\"\"raw \\u{1F600} \\uD83D \" still\"\"\") } # \\u{D800}";
        assert_eq!(prepare(block).as_deref().ok(), Some(block));
        assert_eq!(
            decoded("\"\"\"raw \\u{1F600} \\uD83D \\\"\"\" still\"\"\"").as_deref(),
            Ok("raw \\u{1F600} \\uD83D \"\"\" still")
        );
        let mixed = "# \"\\u{1F600}\n{ f(s: \"\\u{1F600}\") }";
        assert_eq!(
            prepare(mixed).as_deref().ok(),
            Some("# \"\\u{1F600}\n{ f(s: \"😀\") }")
        );
    }

    #[test]
    fn an_escaped_triple_quote_in_a_block_string_reads_as_three_quotes() {
        assert_eq!(decoded(r#""""x\""" y""""#).as_deref(), Ok(r#"x""" y"#));
        assert_eq!(
            decoded("\"\"\"\n    first \\\"\"\"\n      second\n    \"\"\"").as_deref(),
            Ok("first \"\"\"\n  second")
        );
        // Without the escape, the parser's own reading stays.
        assert_eq!(decoded(r#""""a \n b""""#).as_deref(), Ok(r"a \n b"));
    }

    #[test]
    fn nesting_past_the_limit_is_refused_before_the_parser_recurses() {
        let deep =
            |levels: usize| format!("{{ f(x: {}1{}) }}", "[".repeat(levels), "]".repeat(levels));
        assert!(prepare(&deep(MAX_NESTING - 2)).is_ok());
        let error = prepare(&deep(100_000)).expect_err("too deep");
        assert_eq!(error.code, "GRAPHQL_PARSE_FAILED");
        assert!(
            error.message.contains("more than 64 deep"),
            "{}",
            error.message
        );
        let objects = format!("{{ f(x: {}1{}) }}", "{a: ".repeat(200), "}".repeat(200));
        assert!(prepare(&objects).is_err());
    }

    #[test]
    fn a_repeated_input_field_or_argument_is_refused_and_same_names_elsewhere_are_not() {
        for (bad, name) in [
            (
                "mutation { u(input: {role: \"L1\", role: \"L2\"}) { role } }",
                "role",
            ),
            (
                "{ c(filter: {search: \"a\" search: \"\"}) { n } }",
                "search",
            ),
            (
                "{ c(filter: {list: [{a: 1, b: {a: 2, a: 3}}]}) { n } }",
                "a",
            ),
            ("{ c(first: 1, first: 2) { n } }", "first"),
            ("query($v: In = {x: 1, x: 2}) { c(f: $v) { n } }", "x"),
            ("{ c @skip(if: true, if: false) { n } }", "if"),
        ] {
            let error = prepare(bad).expect_err(bad);
            assert_eq!(error.code, "GRAPHQL_VALIDATION_FAILED", "{bad}");
            assert!(
                error.message.contains(&format!("`{name}` twice")),
                "{bad}: {}",
                error.message
            );
        }
        for good in [
            "{ a: c(x: 1) { n } b: c(x: 2) { n } }",
            "{ c(f: {a: 1, b: {a: 2}}, g: {a: 3}) { a: n a: n } }",
            "{ c(f: [{a: 1}, {a: 2}]) { n } }",
            "{ c(f: {a: ENUM b: 2}) { n } }",
            "query($a: Int, $b: Int = 1) { c(a: $a, b: $b) { n } }",
            "{ c(s: \"a: 1, a: 2\", t: \"\"\"a: 1\"\"\") { n } } # a: 1 a: 2",
        ] {
            assert!(prepare(good).is_ok(), "{good}");
        }
    }
}
