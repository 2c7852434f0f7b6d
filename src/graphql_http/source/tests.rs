//! Tests of [`super::prepare`]: escapes decoded as the parser then reads them,
//! block strings and comments untouched, nesting and repeated names refused.

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
    let deep = |levels: usize| format!("{{ f(x: {}1{}) }}", "[".repeat(levels), "]".repeat(levels));
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
