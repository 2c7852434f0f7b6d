//! Variables before execution: their coercion, and what a variable the
//! request did not provide means.
//!
//! The GraphQL-over-HTTP specification makes a variable that does not coerce
//! to its declared type a request error (nothing runs, 400 under
//! `application/graphql-response+json`). The executor only finds a bad value
//! deep inside an input object (a malformed UUID in a filter list, say) when
//! the field runs, as a field error; so [`coerce`] checks the variables first,
//! all the way down, against the input types of the served schema.
//! [`drop_unprovided`] makes an unprovided variable absent, as the spec says.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::sync::LazyLock;

use async_graphql::Name;
use async_graphql::parser::Positioned;
use async_graphql::parser::types::{
    BaseType, Directive, DocumentOperations, ExecutableDocument, OperationDefinition, Selection,
    SelectionSet, Type, TypeKind, TypeSystemDefinition,
};
use async_graphql_value::Value as GraphQLValue;
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

static INPUT_TYPES: LazyLock<InputTypes> =
    LazyLock::new(|| InputTypes::from_sdl(&crate::graphql::sdl()));

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
        "DateTime" => {
            let text = value.as_str().unwrap_or_default();
            return match crate::validation::instant_rule(text) {
                Ok(_) => Ok(()),
                Err(_) if !value.is_string() => wrong(),
                Err(problem) => Err(format!("{value} is not a DateTime: {problem}")),
            };
        }
        // A type the schema does not have: validation names it.
        _ => true,
    };
    if fits { Ok(()) } else { wrong() }
}

/// The variables `operation` defines without a default that the request's
/// `variables` object (`provided`) leaves out.
pub fn unprovided(
    operation: &OperationDefinition,
    provided: &serde_json::Map<String, Value>,
) -> HashSet<Name> {
    operation
        .variable_definitions
        .iter()
        .map(|definition| &definition.node)
        .filter(|definition| {
            definition.default_value.is_none()
                && !provided.contains_key(definition.name.node.as_str())
        })
        .map(|definition| definition.name.node.clone())
        .collect()
}

/// Makes every use of a variable that the request did not provide (and whose
/// definition has no default) read as the spec's coercion rules say, by
/// editing the parsed document before it runs:
///
/// - an argument or input-object field whose value is such a variable is
///   removed: it has no value, so its own default applies, or it is absent
///   (an update keeps the field) — GraphQL spec, CoerceArgumentValues and
///   input object coercion ("…a variable for which no runtime value was
///   provided…");
/// - a list item that is such a variable becomes `null` (list coercion).
///
/// async-graphql would otherwise read an unprovided nullable variable as an
/// explicit `null`, which clears the field it feeds. The definitions of the
/// variables whose uses were rewritten go too, since they are no longer used;
/// a variable that was never used keeps its definition, so validation still
/// reports it. `document` holds the selected operation alone (see
/// [`super::document::select`]); `unprovided` comes from [`unprovided`].
/// Validation then sees the rewritten document: a use of an unprovided
/// variable in a position of the wrong type is gone before it could be
/// reported.
pub fn drop_unprovided(document: &mut ExecutableDocument, unprovided: &HashSet<Name>) {
    if unprovided.is_empty() {
        return;
    }
    let rewritten = std::cell::RefCell::new(HashSet::new());
    let unprovided = |value: &GraphQLValue| match value {
        GraphQLValue::Variable(name) if unprovided.contains(name) => {
            rewritten.borrow_mut().insert(name.clone());
            true
        }
        _ => false,
    };
    let operations: Vec<&mut Positioned<OperationDefinition>> = match &mut document.operations {
        DocumentOperations::Single(operation) => vec![operation],
        DocumentOperations::Multiple(operations) => operations.values_mut().collect(),
    };
    for fragment in document.fragments.values_mut() {
        rewrite_directives(&mut fragment.node.directives, &unprovided);
        rewrite_selections(&mut fragment.node.selection_set.node, &unprovided);
    }
    for operation in operations {
        let operation = &mut operation.node;
        rewrite_directives(&mut operation.directives, &unprovided);
        rewrite_selections(&mut operation.selection_set.node, &unprovided);
        let rewritten = rewritten.borrow();
        operation
            .variable_definitions
            .retain(|definition| !rewritten.contains(&definition.node.name.node));
    }
}

fn rewrite_selections(set: &mut SelectionSet, unprovided: &impl Fn(&GraphQLValue) -> bool) {
    for item in &mut set.items {
        match &mut item.node {
            Selection::Field(field) => {
                let field = &mut field.node;
                rewrite_arguments(&mut field.arguments, unprovided);
                rewrite_directives(&mut field.directives, unprovided);
                rewrite_selections(&mut field.selection_set.node, unprovided);
            }
            Selection::FragmentSpread(spread) => {
                rewrite_directives(&mut spread.node.directives, unprovided);
            }
            Selection::InlineFragment(fragment) => {
                rewrite_directives(&mut fragment.node.directives, unprovided);
                rewrite_selections(&mut fragment.node.selection_set.node, unprovided);
            }
        }
    }
}

fn rewrite_directives(
    directives: &mut [Positioned<Directive>],
    unprovided: &impl Fn(&GraphQLValue) -> bool,
) {
    for directive in directives {
        rewrite_arguments(&mut directive.node.arguments, unprovided);
    }
}

fn rewrite_arguments(
    arguments: &mut Vec<(Positioned<Name>, Positioned<GraphQLValue>)>,
    unprovided: &impl Fn(&GraphQLValue) -> bool,
) {
    arguments.retain(|(_, value)| !unprovided(&value.node));
    for (_, value) in arguments {
        rewrite_value(&mut value.node, unprovided);
    }
}

fn rewrite_value(value: &mut GraphQLValue, unprovided: &impl Fn(&GraphQLValue) -> bool) {
    match value {
        GraphQLValue::Object(fields) => {
            fields.retain(|_, field| !unprovided(field));
            for field in fields.values_mut() {
                rewrite_value(field, unprovided);
            }
        }
        GraphQLValue::List(items) => {
            for item in items {
                if unprovided(item) {
                    *item = GraphQLValue::Null;
                } else {
                    rewrite_value(item, unprovided);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::parser::parse_query;
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

    /// `query` with the unprovided variables dropped, printed back as its
    /// first field's arguments.
    fn arguments_after_dropping(query: &str, provided: Value) -> String {
        let mut document = parse_query(query).expect("test query parses");
        let Value::Object(provided) = provided else {
            panic!("variables are an object")
        };
        let unprovided = unprovided(super::super::document::operation(&document), &provided);
        drop_unprovided(&mut document, &unprovided);
        let DocumentOperations::Single(operation) = document.operations else {
            panic!("one operation");
        };
        let Selection::Field(field) = &operation.node.selection_set.node.items[0].node else {
            panic!("a field");
        };
        let arguments = field.node.arguments.iter();
        let arguments = arguments.map(|(name, value)| format!("{}: {}", name.node, value.node));
        let definitions = operation.node.variable_definitions.iter();
        let definitions = definitions.map(|definition| format!("${}", definition.node.name.node));
        format!(
            "({}) {}",
            definitions.collect::<Vec<_>>().join(" "),
            arguments.collect::<Vec<_>>().join(", ")
        )
    }

    #[test]
    fn an_unprovided_variable_is_absent_in_arguments_and_input_objects_and_null_in_lists() {
        let query = "mutation($n: String, $r: String, $l: [UUID], $d: Int = 3, $x: Int, $unused: Int) {
            f(input: {fullName: $n, role: $r, nested: {deep: $r, kept: 1}}, list: [$l, $r, \"a\"], d: $d, x: $x, y: $n)
        }";
        // The rewritten variables' definitions go; an unused one stays for
        // validation to report.
        assert_eq!(
            arguments_after_dropping(query, json!({"n": "New"})),
            r#"($n $d $unused) input: {fullName: $n, nested: {kept: 1}}, list: [null, null, "a"], d: $d, y: $n"#
        );
        // An explicit null is a value: nothing is dropped.
        assert_eq!(
            arguments_after_dropping(
                query,
                json!({"n": null, "r": null, "l": null, "x": null, "unused": 1})
            ),
            r#"($n $r $l $d $x $unused) input: {fullName: $n, role: $r, nested: {deep: $r, kept: 1}}, list: [$l, $r, "a"], d: $d, x: $x, y: $n"#
        );
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
