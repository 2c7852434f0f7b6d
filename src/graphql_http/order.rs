//! Response fields in the order the query selected them, as the GraphQL
//! specification asks. The executor resolves sibling fields concurrently and
//! collects them as they finish; this puts them back in selection order.

use std::collections::HashMap;

use async_graphql::indexmap::IndexMap;
use async_graphql::parser::types::{FragmentDefinition, Selection, SelectionSet};
use async_graphql::{Name, Positioned, Value};

type Fragments = HashMap<Name, Positioned<FragmentDefinition>>;

/// Deepest nesting of selections and fragment spreads followed: the nesting
/// the document's text may have (see [`super::source::MAX_NESTING`]).
pub const MAX_FRAGMENT_DEPTH: usize = super::source::MAX_NESTING;

/// The response keys of `sets`, merged in selection order, each with the
/// selection sets that describe its value.
fn collect<'a>(
    set: &'a SelectionSet,
    fragments: &'a Fragments,
    depth: usize,
    out: &mut Vec<(&'a Name, Vec<&'a SelectionSet>)>,
) {
    if depth > MAX_FRAGMENT_DEPTH {
        return;
    }
    for item in &set.items {
        match &item.node {
            Selection::Field(field) => {
                let key = &field.node.response_key().node;
                let sub = &field.node.selection_set.node;
                match out.iter_mut().find(|(existing, _)| *existing == key) {
                    Some((_, sets)) => sets.push(sub),
                    None => out.push((key, vec![sub])),
                }
            }
            Selection::FragmentSpread(spread) => {
                if let Some(fragment) = fragments.get(&spread.node.fragment_name.node) {
                    collect(&fragment.node.selection_set.node, fragments, depth + 1, out);
                }
            }
            Selection::InlineFragment(inline) => {
                collect(&inline.node.selection_set.node, fragments, depth + 1, out);
            }
        }
    }
}

/// Why [`expanded_fields`] stopped counting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unbounded {
    /// Selections and fragment spreads nest deeper than [`MAX_FRAGMENT_DEPTH`].
    TooDeep,
    /// The fragment spreads itself, directly or through others (spec §5.5.2.2
    /// Fragment spreads must not form cycles).
    Cycle(String),
}

/// How many distinct response keys (alias or name) a selection set has at
/// its own level once its fragments are expanded: the root fields a
/// subscription's "Single root field" rule counts. Run after
/// [`expanded_fields`], which refuses cycles.
pub fn root_fields(set: &SelectionSet, fragments: &Fragments) -> usize {
    fn collect<'a>(
        set: &'a SelectionSet,
        fragments: &'a Fragments,
        keys: &mut std::collections::HashSet<&'a str>,
        depth: usize,
    ) {
        if depth > MAX_FRAGMENT_DEPTH {
            return;
        }
        for item in &set.items {
            match &item.node {
                Selection::Field(field) => {
                    let key = field.node.alias.as_ref().unwrap_or(&field.node.name);
                    keys.insert(key.node.as_str());
                }
                Selection::FragmentSpread(spread) => {
                    if let Some(fragment) = fragments.get(spread.node.fragment_name.node.as_str()) {
                        collect(
                            &fragment.node.selection_set.node,
                            fragments,
                            keys,
                            depth + 1,
                        );
                    }
                }
                Selection::InlineFragment(inline) => {
                    collect(&inline.node.selection_set.node, fragments, keys, depth + 1);
                }
            }
        }
    }
    let mut keys = std::collections::HashSet::new();
    collect(set, fragments, &mut keys, 0);
    keys.len()
}

/// How many fields `set` selects once every fragment is expanded (saturating).
/// Fragments that spread each other twice grow exponentially: this counts
/// them with one pass per fragment, so a hostile document is refused before
/// the executor walks the expansion.
pub fn expanded_fields(set: &SelectionSet, fragments: &Fragments) -> Result<u64, Unbounded> {
    fn count<'a>(
        set: &'a SelectionSet,
        fragments: &'a Fragments,
        memo: &mut HashMap<&'a str, u64>,
        path: &mut Vec<&'a str>,
        depth: usize,
    ) -> Result<u64, Unbounded> {
        if depth > MAX_FRAGMENT_DEPTH {
            return Err(Unbounded::TooDeep);
        }
        let mut total: u64 = 0;
        for item in &set.items {
            let fields = match &item.node {
                Selection::Field(field) => 1u64.saturating_add(count(
                    &field.node.selection_set.node,
                    fragments,
                    memo,
                    path,
                    depth + 1,
                )?),
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    if path.contains(&name) {
                        return Err(Unbounded::Cycle(name.to_owned()));
                    }
                    match (memo.get(name), fragments.get(name)) {
                        (Some(known), _) => *known,
                        (None, Some(fragment)) => {
                            path.push(name);
                            let fields = count(
                                &fragment.node.selection_set.node,
                                fragments,
                                memo,
                                path,
                                depth + 1,
                            )?;
                            path.pop();
                            memo.insert(name, fields);
                            fields
                        }
                        (None, None) => 0,
                    }
                }
                Selection::InlineFragment(inline) => count(
                    &inline.node.selection_set.node,
                    fragments,
                    memo,
                    path,
                    depth + 1,
                )?,
            };
            total = total.saturating_add(fields);
        }
        Ok(total)
    }
    count(set, fragments, &mut HashMap::new(), &mut Vec::new(), 0)
}

/// The response keys an object has, in selection order, each with the order
/// of its own value: built once per request from the query (before it runs,
/// so the parsed document can go to the executor), then applied to every
/// object of the response (one plan serves every item of a list).
#[derive(Debug, Default)]
pub struct Plan {
    keys: Vec<(Name, Plan)>,
}

impl Plan {
    /// The plan of the objects `sets` select.
    pub fn new(sets: &[&SelectionSet], fragments: &Fragments) -> Plan {
        let mut keys = Vec::new();
        for set in sets {
            collect(set, fragments, 0, &mut keys);
        }
        Plan {
            keys: keys
                .into_iter()
                .map(|(key, sub_sets)| (key.clone(), Plan::new(&sub_sets, fragments)))
                .collect(),
        }
    }

    /// Puts `value`'s objects in the plan's order, recursively.
    pub fn apply(&self, value: &mut Value) {
        match value {
            Value::Object(map) => {
                let in_order = map.len() == self.keys.len()
                    && map
                        .keys()
                        .zip(&self.keys)
                        .all(|(name, (key, _))| name == key);
                if in_order {
                    // The common case: walk both side by side, no lookups.
                    for (field, (_, plan)) in map.values_mut().zip(&self.keys) {
                        plan.apply(field);
                    }
                    return;
                }
                let mut ordered = IndexMap::with_capacity(map.len());
                for (key, _) in &self.keys {
                    if let Some((name, field)) = map
                        .get_index_of(key)
                        .and_then(|index| map.get_index_mut(index))
                    {
                        ordered.insert(name.clone(), std::mem::take(field));
                    }
                }
                for (name, field) in map.drain(..) {
                    if !ordered.contains_key(&name) {
                        ordered.insert(name, field);
                    }
                }
                *map = ordered;
                for (key, plan) in &self.keys {
                    if let Some(field) = map.get_mut(key) {
                        plan.apply(field);
                    }
                }
            }
            Value::List(items) => {
                for item in items {
                    self.apply(item);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn fragments_that_double_each_other_are_counted_without_expanding_them() {
        let mut document = String::from("{ ...F30 } fragment F0 on QueryRoot { __typename }");
        for level in 1..=30 {
            document.push_str(&format!(
                " fragment F{level} on QueryRoot {{ ...F{} ...F{} }}",
                level - 1,
                level - 1
            ));
        }
        let document = parse_query(&document).expect("parses");
        let DocumentOperations::Single(operation) = &document.operations else {
            panic!("one operation")
        };
        assert_eq!(
            expanded_fields(&operation.node.selection_set.node, &document.fragments),
            Ok(1 << 30)
        );
    }

    /// [`expanded_fields`] of the one operation of `query`.
    fn expanded(query: &str) -> Result<u64, Unbounded> {
        let document = parse_query(query).expect("parses");
        let DocumentOperations::Single(operation) = &document.operations else {
            panic!("one operation")
        };
        expanded_fields(&operation.node.selection_set.node, &document.fragments)
    }

    #[test]
    fn deep_chains_are_counted_to_the_limit_and_cycles_are_named() {
        let chain = |levels: usize| {
            let mut query = String::from("{ ...F0 }");
            for level in 0..levels {
                query.push_str(&format!(" fragment F{level} on Q {{ ...F{} }}", level + 1));
            }
            query + &format!(" fragment F{levels} on Q {{ name }}")
        };
        assert_eq!(expanded(&chain(40)), Ok(1));
        assert_eq!(
            expanded(&chain(MAX_FRAGMENT_DEPTH + 1)),
            Err(Unbounded::TooDeep)
        );
        assert_eq!(
            expanded("{ a { ...A } } fragment A on Q { ...B name } fragment B on Q { ...A }"),
            Err(Unbounded::Cycle("A".to_owned()))
        );
        // The same fragment twice side by side is no cycle.
        assert_eq!(expanded("{ ...A ...A } fragment A on Q { x }"), Ok(2));
    }

    use super::*;
    use async_graphql::parser::parse_query;
    use async_graphql::parser::types::DocumentOperations;

    #[test]
    fn fields_follow_the_selection_through_aliases_lists_and_fragments() {
        let document =
            parse_query("{ a { z y: x ...F } b } fragment F on T { w }").expect("parses");
        let DocumentOperations::Single(operation) = &document.operations else {
            panic!("one operation")
        };
        let mut value = Value::from_json(serde_json::json!({
            "b": 1,
            "a": [{"w": 1, "y": 2, "z": 3}, {"y": 2, "w": 1, "z": 3}],
        }))
        .expect("value");
        Plan::new(&[&operation.node.selection_set.node], &document.fragments).apply(&mut value);
        assert_eq!(
            serde_json::to_string(&value).expect("json"),
            r#"{"a":[{"z":3,"y":2,"w":1},{"z":3,"y":2,"w":1}],"b":1}"#
        );
    }
}
