//! Variable coercion before execution. The GraphQL-over-HTTP specification
//! makes a variable that does not coerce to its declared type a request
//! error (nothing runs, 400 under `application/graphql-response+json`). The
//! executor only finds a bad value deep inside an input object (a malformed
//! UUID in a filter list, say) when the field runs, as a field error; so the
//! variables are checked here first, all the way down, against the input
//! types of the served schema.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::sync::LazyLock;

use async_graphql::parser::types::{BaseType, Type, TypeKind, TypeSystemDefinition};
use serde_json::Value;

/// The schema's enums and input objects, by name.
struct InputTypes {
    enums: HashMap<String, HashSet<String>>,
    objects: HashMap<String, Vec<InputField>>,
}

struct InputField {
    name: String,
    ty: Type,
    has_default: bool,
}

impl InputTypes {
    fn from_sdl(sdl: &str) -> Self {
        let document =
            async_graphql::parser::parse_schema(sdl).expect("BUG: the schema's own SDL parses");
        let mut types = InputTypes {
            enums: HashMap::new(),
            objects: HashMap::new(),
        };
        for definition in document.definitions {
            let TypeSystemDefinition::Type(definition) = definition else {
                continue;
            };
            let definition = definition.node;
            let name = definition.name.node.to_string();
            match definition.kind {
                TypeKind::Enum(enumeration) => {
                    let values = enumeration.values.iter();
                    let values = values.map(|value| value.node.value.node.to_string());
                    types.enums.insert(name, values.collect());
                }
                TypeKind::InputObject(object) => {
                    let fields = object.fields.into_iter().map(|field| InputField {
                        name: field.node.name.node.to_string(),
                        ty: field.node.ty.node,
                        has_default: field.node.default_value.is_some(),
                    });
                    types.objects.insert(name, fields.collect());
                }
                _ => {}
            }
        }
        types
    }
}

static INPUT_TYPES: LazyLock<InputTypes> = LazyLock::new(|| InputTypes::from_sdl(&super::sdl()));

/// Checks a variable's value against its declared type, as input coercion
/// would: scalars by their format, enums by their values, input objects by
/// their fields (unknown ones refused, required ones present), lists item by
/// item. `Err` says where, from the variable down, and what was expected.
pub fn coerce(value: Option<&Value>, ty: &Type, has_default: bool) -> Result<(), String> {
    let mut path = String::new();
    coerce_at(&INPUT_TYPES, &mut path, value, ty, has_default).map_err(|problem| {
        if path.is_empty() {
            problem
        } else {
            format!("at {path}: {problem}")
        }
    })
}

fn coerce_at(
    types: &InputTypes,
    path: &mut String,
    value: Option<&Value>,
    ty: &Type,
    has_default: bool,
) -> Result<(), String> {
    let value = match value {
        None if has_default => return Ok(()),
        None | Some(Value::Null) if !ty.nullable => {
            return Err(format!("a value of type {ty} is required"));
        }
        None | Some(Value::Null) => return Ok(()),
        Some(value) => value,
    };
    let wrong = || Err(format!("expected a value of type {ty}, found {value}"));
    let name = match &ty.base {
        BaseType::List(item) => {
            let Value::Array(elements) = value else {
                // A single value stands for a list of one.
                return coerce_at(types, path, Some(value), item, false);
            };
            let length = path.len();
            for (index, element) in elements.iter().enumerate() {
                let _ = write!(path, "[{index}]");
                coerce_at(types, path, Some(element), item, false)?;
                path.truncate(length);
            }
            return Ok(());
        }
        BaseType::Named(name) => name.as_str(),
    };
    if let Some(fields) = types.objects.get(name) {
        let Value::Object(object) = value else {
            return wrong();
        };
        if let Some(unknown) = object
            .keys()
            .find(|key| fields.iter().all(|field| field.name != **key))
        {
            return Err(format!("{name} has no field `{unknown}`"));
        }
        let length = path.len();
        for field in fields {
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(&field.name);
            coerce_at(
                types,
                path,
                object.get(&field.name),
                &field.ty,
                field.has_default,
            )?;
            path.truncate(length);
        }
        return Ok(());
    }
    if let Some(values) = types.enums.get(name) {
        return match value.as_str() {
            Some(text) if values.contains(text) => Ok(()),
            _ => wrong(),
        };
    }
    let fits = match name {
        "Int" => value.as_i64().is_some_and(|int| i32::try_from(int).is_ok()),
        "Float" => value.is_number(),
        "String" => value.is_string(),
        "Boolean" => value.is_boolean(),
        "ID" => value.is_string() || value.is_i64() || value.is_u64(),
        "UUID" => value
            .as_str()
            .is_some_and(|text| uuid::Uuid::parse_str(text).is_ok()),
        "DateTime" => value
            .as_str()
            .is_some_and(|text| chrono::DateTime::parse_from_rfc3339(text).is_ok()),
        // A type the schema does not have: validation names it.
        _ => true,
    };
    if fits { Ok(()) } else { wrong() }
}

#[cfg(test)]
mod tests {
    use async_graphql::parser::parse_query;
    use async_graphql::parser::types::DocumentOperations;
    use serde_json::json;

    use super::*;

    /// The declared type of `$v` in `query($v: <declared>) { __typename }`.
    fn declared(declared: &str) -> Type {
        let document = parse_query(format!("query($v: {declared}) {{ __typename }}"))
            .expect("test query parses");
        let DocumentOperations::Single(operation) = document.operations else {
            panic!("one operation");
        };
        operation.node.variable_definitions[0]
            .node
            .var_type
            .node
            .clone()
    }

    fn check(ty: &str, value: Value) -> Result<(), String> {
        coerce(Some(&value), &declared(ty), false)
    }

    #[test]
    fn values_inside_input_objects_are_checked_down_to_their_scalars() {
        let ok = json!({"companyUuids": ["0194a7a5-54a2-7000-8000-000000000000"], "search": "a"});
        assert_eq!(check("CustomerFilter", ok), Ok(()));
        let bad_uuid = check("CustomerFilter", json!({"companyUuids": ["nope"]}));
        assert_eq!(
            bad_uuid,
            Err(r#"at companyUuids[0]: expected a value of type UUID!, found "nope""#.to_owned())
        );
        let bad_int = check("CustomerFilter", json!({"minFeedbackCount": "3"}));
        assert!(bad_int.is_err_and(|problem| problem.starts_with("at minFeedbackCount:")));
    }

    #[test]
    fn unknown_fields_missing_required_fields_and_unknown_enum_values_are_refused() {
        let unknown = check("CustomerFilter", json!({"bogus": 1}));
        assert_eq!(
            unknown,
            Err("CustomerFilter has no field `bogus`".to_owned())
        );
        let missing = check("CreateCustomerInput", json!({"fullName": "A"}));
        assert!(missing.is_err_and(|problem| problem.starts_with("at email: a value")));
        assert!(check("SortDirection", json!("SIDEWAYS")).is_err());
        assert_eq!(check("SortDirection", json!("ASC")), Ok(()));
        assert!(check("String", json!({})).is_err());
    }

    #[test]
    fn a_single_value_stands_for_a_list_of_one_and_null_only_where_nullable() {
        assert_eq!(
            check("[UUID!]", json!("0194a7a5-54a2-7000-8000-000000000000")),
            Ok(())
        );
        assert_eq!(check("[UUID!]", json!(null)), Ok(()));
        assert!(check("[UUID!]!", json!(null)).is_err());
        assert!(check("[UUID!]", json!([null])).is_err());
        assert_eq!(coerce(None, &declared("Int!"), true), Ok(()));
        assert!(coerce(None, &declared("Int!"), false).is_err());
    }
}
