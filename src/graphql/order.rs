//! Puts the fields of a response in the order the query asked for them.
//!
//! async-graphql 7 resolves sibling fields concurrently and inserts each
//! result when it completes, so `{ state { name } endsAt { code } }` may come
//! back as `{ endsAt, state }`. The GraphQL specification asks that responses
//! keep the query's order; clients and people reading responses expect it.

use std::cell::OnceCell;
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
        let plan = Plan::of(&[&operation.node.selection_set.node], document);
        plan.apply(data, document);
    }
}

/// The order of one selection's response keys, and the plans of their
/// sub-selections, each worked out once per request (on first use) however
/// many objects of a list share it. One lookup per key of each object.
struct Plan<'a> {
    keys: Keys<'a>,
}

/// Each response key of a selection: its rank and its sub-selections.
type Keys<'a> = HashMap<Name, Child<'a>, foldhash::fast::RandomState>;

struct Child<'a> {
    rank: usize,
    sets: Vec<&'a SelectionSet>,
    plan: OnceCell<Plan<'a>>,
}

impl<'a> Plan<'a> {
    fn of(sets: &[&'a SelectionSet], document: &'a ExecutableDocument) -> Self {
        let mut keys = Keys::default();
        collect(sets, document, &mut keys, 0);
        Self { keys }
    }

    fn rank(&self, key: &Name) -> usize {
        self.keys.get(key).map_or(usize::MAX, |child| child.rank)
    }

    fn apply(&self, value: &mut Value, document: &'a ExecutableDocument) {
        match value {
            Value::List(items) => {
                for item in items {
                    self.apply(item, document);
                }
            }
            Value::Object(map) => {
                let mut sorted = true;
                let mut last = 0;
                for (key, value) in map.iter_mut() {
                    let rank = match self.keys.get(key) {
                        Some(child) => {
                            if matches!(value, Value::Object(_) | Value::List(_)) {
                                child
                                    .plan
                                    .get_or_init(|| Plan::of(&child.sets, document))
                                    .apply(value, document);
                            }
                            child.rank
                        }
                        None => usize::MAX,
                    };
                    sorted &= last <= rank;
                    last = rank;
                }
                if !sorted {
                    map.sort_by(|a, _, b, _| self.rank(a).cmp(&self.rank(b)));
                }
            }
            _ => {}
        }
    }
}

/// The response keys of `sets` in document order, and the sub-selections of each.
fn collect<'a>(
    sets: &[&'a SelectionSet],
    document: &'a ExecutableDocument,
    keys: &mut Keys<'a>,
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
                    let rank = keys.len();
                    keys.entry(key)
                        .or_insert_with(|| Child {
                            rank,
                            sets: Vec::new(),
                            plan: OnceCell::new(),
                        })
                        .sets
                        .push(&field.node.selection_set.node);
                }
                Selection::FragmentSpread(spread) => {
                    if let Some(fragment) = document.fragments.get(&spread.node.fragment_name.node)
                    {
                        collect(
                            &[&fragment.node.selection_set.node],
                            document,
                            keys,
                            depth + 1,
                        );
                    }
                }
                Selection::InlineFragment(inline) => {
                    collect(
                        &[&inline.node.selection_set.node],
                        document,
                        keys,
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
