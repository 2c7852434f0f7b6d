//! The parsed document before it runs: the one operation the request
//! selects, alone with the fragments it spreads.
//!
//! A document may hold several operations; only the selected one runs, and
//! the GraphQL-over-HTTP request's `variables` belong to it alone. Keeping
//! the others would let them fail validation against variables that are not
//! theirs (async-graphql checks every operation's arguments with the one
//! `variables` object), and would let the rewrite of unprovided variables
//! (see [`super::variables::drop_unprovided`]) reach into fragments only they
//! use. So the others, and the fragments only they spread, are removed first.

use std::collections::{HashMap, HashSet};

use async_graphql::Name;
use async_graphql::parser::Positioned;
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, FragmentDefinition, OperationDefinition, Selection,
    SelectionSet,
};

/// Why no operation could be selected: a message and its GraphQL code.
pub type Refusal = (String, &'static str);

/// Leaves in `document` only the operation `name` selects (the only one when
/// `name` is `None`) and the fragments that some other operation spreads but
/// it does not. Fragments no operation spreads stay, for validation to
/// report. Refuses a document any of whose operations defines a variable
/// twice (spec §5.8.1 Variable Uniqueness: the parser keeps both).
pub fn select(document: &mut ExecutableDocument, name: Option<&str>) -> Result<(), Refusal> {
    // Every operation's definitions are checked, as the text pass checks
    // every input object: a document is refused whichever operation runs.
    for (_, operation) in document.operations.iter() {
        repeated_variable(&operation.node)?;
    }
    let not_found = || {
        (
            "no operation of that name in the document".to_owned(),
            "GRAPHQL_VALIDATION_FAILED",
        )
    };
    if let DocumentOperations::Multiple(operations) = &mut document.operations {
        let chosen: Name = match name {
            Some(name) => Name::new(name),
            None if operations.len() == 1 => {
                operations.keys().next().cloned().ok_or_else(not_found)?
            }
            None => {
                let message =
                    "the document holds several operations: name one with `operationName`";
                return Err((message.to_owned(), "GRAPHQL_VALIDATION_FAILED"));
            }
        };
        let selected = operations.remove(&chosen).ok_or_else(not_found)?;
        let fragments = &document.fragments;
        let mut others_use = HashSet::new();
        for other in operations.values() {
            spreads(&other.node.selection_set.node, fragments, &mut others_use);
        }
        let mut selected_uses = HashSet::new();
        spreads(
            &selected.node.selection_set.node,
            fragments,
            &mut selected_uses,
        );
        document.fragments.retain(|fragment, _| {
            selected_uses.contains(fragment) || !others_use.contains(fragment)
        });
        operations.clear();
        operations.insert(chosen, selected);
    }
    Ok(())
}

/// The operation, once [`select`] has left it alone in `document`.
pub fn operation(document: &ExecutableDocument) -> &OperationDefinition {
    match &document.operations {
        DocumentOperations::Single(operation) => &operation.node,
        DocumentOperations::Multiple(operations) => {
            &operations
                .values()
                .next()
                .expect("BUG: select leaves one operation")
                .node
        }
    }
}

fn repeated_variable(operation: &OperationDefinition) -> Result<(), Refusal> {
    let mut seen = HashSet::new();
    for definition in &operation.variable_definitions {
        let name = &definition.node.name.node;
        if !seen.insert(name) {
            let message = format!(
                "the operation defines the variable ${name} twice (at line {}, column {})",
                definition.pos.line, definition.pos.column
            );
            return Err((message, "GRAPHQL_VALIDATION_FAILED"));
        }
    }
    Ok(())
}

type Fragments = HashMap<Name, Positioned<FragmentDefinition>>;

/// Adds to `found` the fragments `set` spreads, directly or through others.
fn spreads(set: &SelectionSet, fragments: &Fragments, found: &mut HashSet<Name>) {
    for item in &set.items {
        match &item.node {
            Selection::Field(field) => spreads(&field.node.selection_set.node, fragments, found),
            Selection::InlineFragment(inline) => {
                spreads(&inline.node.selection_set.node, fragments, found)
            }
            Selection::FragmentSpread(spread) => {
                let name = &spread.node.fragment_name.node;
                if found.insert(name.clone())
                    && let Some(fragment) = fragments.get(name)
                {
                    spreads(&fragment.node.selection_set.node, fragments, found);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::parser::parse_query;

    use super::*;

    fn selected(query: &str, name: Option<&str>) -> Result<(Vec<String>, Vec<String>), Refusal> {
        let mut document = parse_query(query).expect("test query parses");
        select(&mut document, name)?;
        let operations = document
            .operations
            .iter()
            .map(|(name, _)| name.map(|n| n.to_string()).unwrap_or_default());
        let mut fragments: Vec<String> = document
            .fragments
            .keys()
            .map(|name| name.to_string())
            .collect();
        fragments.sort();
        Ok((operations.collect(), fragments))
    }

    #[test]
    fn only_the_selected_operation_stays_with_its_fragments_and_unused_ones() {
        let query = "query A { ...Shared ...OnlyA } query B { ...Shared ...OnlyB }
            fragment Shared on Q { x } fragment OnlyA on Q { ...Deep } fragment Deep on Q { y }
            fragment OnlyB on Q { z } fragment Unused on Q { w }";
        assert_eq!(
            selected(query, Some("A")),
            Ok((
                vec!["A".to_owned()],
                ["Deep", "OnlyA", "Shared", "Unused"]
                    .map(str::to_owned)
                    .to_vec()
            ))
        );
        assert!(selected(query, None).is_err());
        assert!(selected(query, Some("C")).is_err());
        assert!(selected("query A { x }", None).is_ok());
        assert!(selected("{ x }", Some("ignored")).is_ok());
    }

    #[test]
    fn a_variable_defined_twice_is_refused() {
        for (query, name) in [
            ("query($a: Int, $a: String) { x }", None),
            ("query A { x } query B($a: Int, $a: Int) { x }", Some("A")),
        ] {
            let refused = selected(query, name);
            assert!(refused.is_err_and(|(message, code)| {
                code == "GRAPHQL_VALIDATION_FAILED" && message.contains("$a twice")
            }));
        }
    }
}
