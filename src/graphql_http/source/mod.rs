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
//!
//! Map of the folder:
//! - this file: the token pass [`prepare`], nesting and repeated names;
//! - `escapes`: the escapes of the current edition, read and rewritten;
//! - `block_strings`: where a block string ends, and its value when rewritten;
//! - `tests`: the pass as a whole, through the parser.

use std::borrow::Cow;
use std::collections::HashSet;

mod block_strings;
mod escapes;
#[cfg(test)]
mod tests;

use block_strings::{block_string_end, block_string_value, quoted};
use escapes::escape;

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
