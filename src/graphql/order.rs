//! Puts the fields of a response in the order the query asked for them.
//!
//! async-graphql 7 resolves sibling fields concurrently and inserts each
//! result when it completes, so `{ state { name } endsAt { code } }` may come
//! back as `{ endsAt, state }`. The GraphQL specification asks that responses
//! keep the query's order; clients and people reading responses expect it.

use std::collections::HashMap;

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, Selection, SelectionSet,
};
use async_graphql::{Name, Value};

/// Reorders `data` to follow the operation `operation_name` of `document`.
pub fn reorder(data: &mut Value, document: &ExecutableDocument, operation_name: Option<&str>) {
    let operation = match (&document.operations, operation_name) {
        (DocumentOperations::Single(op), _) => Some(op),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name),
        (DocumentOperations::Multiple(ops), None) => ops.values().next(),
    };
    if let Some(operation) = operation {
        order(data, &[&operation.node.selection_set.node], document);
    }
}

fn order(value: &mut Value, sets: &[&SelectionSet], document: &ExecutableDocument) {
    match value {
        Value::List(items) => {
            for item in items {
                order(item, sets, document);
            }
        }
        Value::Object(map) => {
            let mut keys: Vec<Name> = Vec::new();
            let mut children: HashMap<Name, Vec<&SelectionSet>> = HashMap::new();
            collect(sets, document, &mut keys, &mut children, 0);
            for (key, child) in map.iter_mut() {
                if let Some(sub) = children.get(key) {
                    order(child, sub, document);
                }
            }
            let position = |k: &Name| keys.iter().position(|x| x == k).unwrap_or(usize::MAX);
            map.sort_by(|a, _, b, _| position(a).cmp(&position(b)));
        }
        _ => {}
    }
}

/// The response keys of `sets` in document order, and the sub-selections of each.
fn collect<'a>(
    sets: &[&'a SelectionSet],
    document: &'a ExecutableDocument,
    keys: &mut Vec<Name>,
    children: &mut HashMap<Name, Vec<&'a SelectionSet>>,
    depth: usize,
) {
    // Validation refuses fragment cycles; the bound only guards this walk.
    if depth > 64 {
        return;
    }
    for set in sets {
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) => {
                    let key = field.node.response_key().node.clone();
                    if !children.contains_key(&key) {
                        keys.push(key.clone());
                    }
                    children
                        .entry(key)
                        .or_default()
                        .push(&field.node.selection_set.node);
                }
                Selection::FragmentSpread(spread) => {
                    if let Some(fragment) = document.fragments.get(&spread.node.fragment_name.node)
                    {
                        collect(
                            &[&fragment.node.selection_set.node],
                            document,
                            keys,
                            children,
                            depth + 1,
                        );
                    }
                }
                Selection::InlineFragment(inline) => {
                    collect(
                        &[&inline.node.selection_set.node],
                        document,
                        keys,
                        children,
                        depth + 1,
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_follow_the_query_through_lists_aliases_and_fragments() {
        let document = async_graphql::parser::parse_query(
            "{ b: x { z y } a ...F } fragment F on Q { c { ... on T { q p } } }",
        )
        .expect("parses");
        let mut data = Value::from_json(serde_json::json!({
            "c": { "p": 1, "q": 2 },
            "a": 1,
            "b": [{ "y": 1, "z": 2 }],
        }))
        .expect("value");
        reorder(&mut data, &document, None);
        assert_eq!(
            serde_json::to_string(&data).expect("json"),
            r#"{"b":[{"z":2,"y":1}],"a":1,"c":{"q":2,"p":1}}"#
        );
    }
}
