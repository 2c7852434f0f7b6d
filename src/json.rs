//! Reading JSON request bodies strictly: an object that names one member
//! twice is refused, never read as "the last one wins".
//!
//! RFC 8259 §4 says the names within an object SHOULD be unique and that
//! parsers differ on duplicates; `serde_json` keeps the last. A client (or a
//! proxy in between) that repeats `"query"` or `"role"` would then have a
//! request carried out that another parser reads differently, so every JSON
//! body the gateway reads (REST bodies, GraphQL requests and their
//! `variables`, at any depth) goes through [`parse`].

use std::cell::RefCell;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// Why a body is not acceptable JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsonError {
    /// Not JSON at all (syntax, encoding).
    Syntax,
    /// Arrays and objects nest deeper than [`MAX_DEPTH`].
    TooDeep,
    /// An object names a member twice; the path of the repeated member from
    /// the top, such as `variables.input.role` or `customers[2].email`.
    Duplicate(String),
}

impl fmt::Display for JsonError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JsonError::Syntax => formatter.write_str("the body is not valid JSON"),
            JsonError::TooDeep => write!(
                formatter,
                "the JSON body nests arrays and objects more than {MAX_DEPTH} deep"
            ),
            JsonError::Duplicate(path) => {
                write!(formatter, "the JSON body repeats the member `{path}`")
            }
        }
    }
}

/// Parses `bytes` as one JSON value, refusing repeated object members.
pub fn parse(bytes: &[u8]) -> Result<Value, JsonError> {
    let duplicate = RefCell::new(None);
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let seed = Strict {
        path: String::new(),
        duplicate: &duplicate,
    };
    let parsed = seed
        .deserialize(&mut deserializer)
        .and_then(|value| deserializer.end().map(|()| value));
    match (parsed, duplicate.into_inner()) {
        (_, Some(path)) => Err(JsonError::Duplicate(path)),
        (Ok(value), None) => Ok(value),
        (Err(error), None) if error.to_string().starts_with("recursion limit exceeded") => {
            Err(JsonError::TooDeep)
        }
        (Err(_), None) => Err(JsonError::Syntax),
    }
}

/// Deepest nesting of arrays and objects read: `serde_json`'s recursion limit.
pub const MAX_DEPTH: usize = 127;

/// [`parse`] for text, such as a `variables` query parameter.
pub fn parse_str(text: &str) -> Result<Value, JsonError> {
    parse(text.as_bytes())
}

/// Reads one value at `path`; records the first repeated member it meets.
struct Strict<'a> {
    path: String,
    duplicate: &'a RefCell<Option<String>>,
}

impl Strict<'_> {
    fn child(&self, step: impl fmt::Display, member: bool) -> Strict<'_> {
        let path = match (self.path.is_empty(), member) {
            (true, true) => step.to_string(),
            (false, true) => format!("{}.{step}", self.path),
            (_, false) => format!("{}[{step}]", self.path),
        };
        Strict {
            path,
            duplicate: self.duplicate,
        }
    }
}

impl<'de> DeserializeSeed<'de> for Strict<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strict<'_> {
    type Value = Value;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("any JSON value")
    }

    fn visit_bool<E>(self, value: bool) -> Result<Value, E> {
        Ok(Value::Bool(value))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Value, E> {
        Ok(Value::from(value))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Value, E> {
        Ok(Value::from(value))
    }

    fn visit_f64<E>(self, value: f64) -> Result<Value, E> {
        Ok(Value::from(value))
    }

    fn visit_str<E>(self, value: &str) -> Result<Value, E> {
        Ok(Value::String(value.to_owned()))
    }

    fn visit_string<E>(self, value: String) -> Result<Value, E> {
        Ok(Value::String(value))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(self.child(items.len(), false))? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(name) = map.next_key::<String>()? {
            let child = self.child(&name, true);
            if object.contains_key(&name) {
                *self.duplicate.borrow_mut() = Some(child.path);
                return Err(de::Error::custom("repeated member"));
            }
            let value = map.next_value_seed(child)?;
            object.insert(name, value);
        }
        Ok(Value::Object(object))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_repeated_member_is_named_with_its_path_at_any_depth() {
        let top = parse(br#"{"full_name": "A", "email": "e", "full_name": "B"}"#);
        assert_eq!(top, Err(JsonError::Duplicate("full_name".to_owned())));
        let nested =
            parse(br#"{"query": "q", "variables": {"i": {"role": null, "role": "Owner"}}}"#);
        assert_eq!(
            nested,
            Err(JsonError::Duplicate("variables.i.role".to_owned()))
        );
        let in_list = parse(br#"[{"a": 1}, {"b": 1, "b": 2}]"#);
        assert_eq!(in_list, Err(JsonError::Duplicate("[1].b".to_owned())));
        let twice_query = parse(br#"{"query": "{ a }", "query": "mutation { b }"}"#);
        assert_eq!(twice_query, Err(JsonError::Duplicate("query".to_owned())));
    }

    #[test]
    fn the_same_name_in_different_objects_and_ordinary_json_are_fine() {
        let value = parse(br#"{"a": {"x": 1}, "b": {"x": [1, 2.5, -3, true, null, "s"]}}"#);
        assert_eq!(
            value,
            Ok(json!({"a": {"x": 1}, "b": {"x": [1, 2.5, -3, true, null, "s"]}}))
        );
        assert_eq!(parse(b"[]"), Ok(json!([])));
        assert_eq!(parse(br#""\u00e9""#), Ok(json!("é")));
        assert_eq!(parse_str("18446744073709551615"), Ok(json!(u64::MAX)));
    }

    #[test]
    fn malformed_json_and_trailing_text_are_syntax_errors() {
        assert_eq!(parse(b"{"), Err(JsonError::Syntax));
        assert_eq!(parse(b"{} {}"), Err(JsonError::Syntax));
        assert_eq!(parse(b""), Err(JsonError::Syntax));
        assert_eq!(parse(&[b'"', 0xff, b'"']), Err(JsonError::Syntax));
        let deep = |levels: usize| "[".repeat(levels) + &"]".repeat(levels);
        assert_eq!(parse_str(&deep(200)), Err(JsonError::TooDeep));
        assert!(parse_str(&deep(MAX_DEPTH)).is_ok());
    }
}
