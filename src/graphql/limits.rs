//! What one request may ask for, checked on the parsed document before
//! async-graphql validates or runs it, in time linear in the document's size:
//!
//! - its size once every fragment is expanded (each fragment's size is
//!   computed once, so a fragment that spreads another twice, twenty levels
//!   deep, is refused at once instead of being expanded a million times);
//! - how many times one field is asked for (under aliases) in one selection;
//! - its depth, where introspection (`__schema`, `__type`) has its own bound,
//!   because the standard introspection query of every GraphQL tool is deep;
//! - no NUL character anywhere in the query or its variables.
//!
//! A refusal is `BAD_USER_INPUT`. The HTTP handler and the WebSocket executor
//! call [`admit`] before handing a request to async-graphql (no schema
//! extension: with none, async-graphql resolves fields on its fast path).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{Name, Request, ServerError, Value};

/// The limits, from the configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueryLimits {
    /// Fields once every fragment is expanded (`__typename` counts).
    pub max_fields: u64,
    /// Times one field may be asked for in one selection, under aliases.
    pub max_aliases: usize,
    /// Depth of the selections outside introspection.
    pub max_depth: usize,
    /// Depth of an introspection selection (`__schema`, `__type`).
    pub max_introspection_depth: usize,
}

impl Default for QueryLimits {
    fn default() -> Self {
        use crate::config::defaults;
        Self {
            max_fields: defaults::MAX_FIELDS,
            max_aliases: defaults::MAX_ALIASES,
            max_depth: defaults::MAX_DEPTH,
            max_introspection_depth: defaults::MAX_INTROSPECTION_DEPTH,
        }
    }
}

/// Why a document was refused.
#[derive(Debug, PartialEq, Eq)]
pub struct Refused(pub String);

/// The size and depth of a selection.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Cost {
    fields: u64,
    depth: usize,
}

struct Walk<'a> {
    doc: &'a ExecutableDocument,
    limits: QueryLimits,
    /// The cost of each fragment, computed once.
    fragments: HashMap<Name, Cost>,
    /// Fragments being computed (a cycle is refused).
    open: Vec<Name>,
}

fn is_introspection(name: &str) -> bool {
    name == "__schema" || name == "__type"
}

impl Walk<'_> {
    fn set(&mut self, set: &SelectionSet, introspection: bool) -> Result<Cost, Refused> {
        let mut cost = Cost::default();
        let mut asked: HashMap<&str, usize> = HashMap::new();
        for selection in &set.items {
            let part = match &selection.node {
                Selection::Field(field) => {
                    let name = field.node.name.node.as_str();
                    let times = asked.entry(name).or_default();
                    *times += 1;
                    if *times > self.limits.max_aliases {
                        return Err(Refused(format!(
                            "`{name}` is asked for more than {} times in one selection",
                            self.limits.max_aliases
                        )));
                    }
                    let inner = is_introspection(name);
                    let sub = self.set(&field.node.selection_set.node, introspection || inner)?;
                    if inner
                        && !introspection
                        && sub.depth + 1 > self.limits.max_introspection_depth
                    {
                        return Err(Refused(format!(
                            "an introspection query is at most {} levels deep",
                            self.limits.max_introspection_depth
                        )));
                    }
                    Cost {
                        fields: sub.fields + 1,
                        // Introspection's depth is bounded on its own.
                        depth: if inner && !introspection {
                            1
                        } else {
                            sub.depth + 1
                        },
                    }
                }
                Selection::FragmentSpread(spread) => {
                    self.fragment(&spread.node.fragment_name.node, introspection)?
                }
                Selection::InlineFragment(inline) => {
                    self.set(&inline.node.selection_set.node, introspection)?
                }
            };
            cost.fields = cost.fields.saturating_add(part.fields);
            cost.depth = cost.depth.max(part.depth);
            if cost.fields > self.limits.max_fields {
                return Err(Refused(format!(
                    "the query asks for more than {} fields once its fragments are expanded",
                    self.limits.max_fields
                )));
            }
        }
        if !introspection && cost.depth > self.limits.max_depth {
            return Err(Refused(format!(
                "the query is nested too deep: more than {} levels",
                self.limits.max_depth
            )));
        }
        Ok(cost)
    }

    fn fragment(&mut self, name: &Name, introspection: bool) -> Result<Cost, Refused> {
        if let Some(cost) = self.fragments.get(name) {
            return Ok(*cost);
        }
        if self.open.contains(name) {
            return Err(Refused(format!("fragment `{name}` spreads itself")));
        }
        let Some(definition) = self.doc.fragments.get(name) else {
            // Unknown fragments are for validation to report.
            return Ok(Cost::default());
        };
        self.open.push(name.clone());
        let cost = self.set(&definition.node.selection_set.node, introspection)?;
        self.open.pop();
        // A fragment used inside and outside introspection is costed as first met.
        self.fragments.insert(name.clone(), cost);
        Ok(cost)
    }
}

/// Checks a parsed document against the limits.
pub fn check(doc: &ExecutableDocument, limits: QueryLimits) -> Result<(), Refused> {
    let mut walk = Walk {
        doc,
        limits,
        fragments: HashMap::new(),
        open: Vec::new(),
    };
    let mut total: u64 = 0;
    for (_, operation) in doc.operations.iter() {
        let cost = walk.set(&operation.node.selection_set.node, false)?;
        total = total.saturating_add(cost.fields);
        if total > limits.max_fields {
            return Err(Refused(format!(
                "the document asks for more than {} fields",
                limits.max_fields
            )));
        }
    }
    Ok(())
}

fn has_nul(value: &Value) -> bool {
    match value {
        Value::String(s) => s.contains('\0'),
        Value::List(items) => items.iter().any(has_nul),
        Value::Object(map) => map.iter().any(|(k, v)| k.contains('\0') || has_nul(v)),
        _ => false,
    }
}

fn refused(message: impl Into<String>) -> ServerError {
    let mut error = ServerError::new(message, None);
    error
        .extensions
        .get_or_insert_with(Default::default)
        .set("code", "BAD_USER_INPUT");
    error
}

/// Documents already parsed and admitted, by their text: the most recently
/// used, up to a number of entries, and only texts of at most
/// [`CACHED_TEXT_MAX`] bytes (so that a client sending ever new documents
/// holds a bounded amount of memory). Clients send the same few documents
/// again and again; parsing them is a tenth of a small request's time.
pub struct Documents {
    parsed: Mutex<lru::LruCache<String, Arc<ExecutableDocument>>>,
}

/// The longest document text kept parsed.
pub const CACHED_TEXT_MAX: usize = 16 * 1024;

impl Documents {
    pub fn new(entries: usize) -> Self {
        let entries = std::num::NonZeroUsize::new(entries).unwrap_or(std::num::NonZeroUsize::MIN);
        Self {
            parsed: Mutex::new(lru::LruCache::new(entries)),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, lru::LruCache<String, Arc<ExecutableDocument>>> {
        self.parsed.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Admits a request, or refuses it before async-graphql parses, validates or
/// runs it. Returns the parsed document (`None` when it does not parse: the
/// execution then reports the syntax error as usual); a document admitted
/// before is taken from `documents` rather than parsed again.
pub fn admit(
    request: &Request,
    limits: QueryLimits,
    documents: &Documents,
) -> Result<Option<Arc<ExecutableDocument>>, ServerError> {
    let query = &request.query;
    if query.contains('\0')
        || query.contains("\\u0000")
        || request.variables.iter().any(|(_, v)| has_nul(v))
    {
        return Err(refused("text may not contain the NUL character"));
    }
    if let Some(doc) = documents.lock().get(query.as_str()) {
        return Ok(Some(doc.clone()));
    }
    let Ok(doc) = async_graphql::parser::parse_query(query) else {
        return Ok(None);
    };
    check(&doc, limits).map_err(|Refused(why)| refused(why))?;
    let doc = Arc::new(doc);
    if query.len() <= CACHED_TEXT_MAX {
        documents.lock().put(query.clone(), doc.clone());
    }
    Ok(Some(doc))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(query: &str) -> ExecutableDocument {
        async_graphql::parser::parse_query(query).expect("parses")
    }

    fn bomb(levels: usize, leaf: &str) -> String {
        let mut q = format!("query {{ ...F{levels} }} fragment F0 on Query {{ {leaf} }}");
        for i in 1..=levels {
            q.push_str(&format!(
                " fragment F{i} on Query {{ ...F{} ...F{} }}",
                i - 1,
                i - 1
            ));
        }
        q
    }

    #[test]
    fn admitted_documents_are_parsed_once_and_kept_within_bounds() {
        let documents = Documents::new(2);
        let limits = QueryLimits::default();
        let admit_text = |text: &str| {
            admit(&Request::new(text), limits, &documents)
                .expect("admitted")
                .expect("parses")
        };
        let first = admit_text("{ __typename }");
        assert!(
            Arc::ptr_eq(&first, &admit_text("{ __typename }")),
            "parsed once"
        );
        // The least recently used goes when the bound is reached.
        admit_text("{ a: __typename }");
        admit_text("{ b: __typename }");
        assert!(!Arc::ptr_eq(&first, &admit_text("{ __typename }")));
        // A long text is never kept.
        let long = format!("{{ __typename {} }}", " ".repeat(CACHED_TEXT_MAX));
        assert!(!Arc::ptr_eq(&admit_text(&long), &admit_text(&long)));
        // A refused document is refused every time, a NUL in the variables too.
        let deep = format!("{{ {}__typename{} }}", "a { ".repeat(40), " }".repeat(40));
        for _ in 0..2 {
            assert!(admit(&Request::new(deep.clone()), limits, &documents).is_err());
        }
        let with_nul = Request::new("{ __typename }").variables(
            async_graphql::Variables::from_json(serde_json::json!({ "x": "a\u{0}b" })),
        );
        assert!(admit(&with_nul, limits, &documents).is_err());
    }

    #[test]
    fn a_fragment_bomb_is_refused_without_expanding_it() {
        let started = std::time::Instant::now();
        let refused = check(&parsed(&bomb(23, "__typename")), QueryLimits::default());
        assert!(refused.is_err());
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
        assert!(check(&parsed(&bomb(5, "__typename")), QueryLimits::default()).is_ok());
    }

    #[test]
    fn aliases_of_one_field_are_capped() {
        let many: Vec<String> = (0..21)
            .map(|i| format!("a{i}: organizations {{ code }}"))
            .collect();
        let q = format!("{{ {} }}", many.join(" "));
        assert!(check(&parsed(&q), QueryLimits::default()).is_err());
        let few: Vec<String> = (0..20)
            .map(|i| format!("a{i}: organizations {{ code }}"))
            .collect();
        assert!(
            check(
                &parsed(&format!("{{ {} }}", few.join(" "))),
                QueryLimits::default()
            )
            .is_ok()
        );
    }

    #[test]
    fn depth_is_bounded_and_introspection_has_its_own_bound() {
        let deep = "{ a { b { c { d { e { f { g { h { i { j { k { l { m } } } } } } } } } } } } }";
        assert!(check(&parsed(deep), QueryLimits::default()).is_err());
        let intro = "{ __schema { types { fields { type { ofType { ofType { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } } } }";
        assert!(check(&parsed(intro), QueryLimits::default()).is_ok());
    }

    #[test]
    fn a_fragment_cycle_is_refused() {
        let q = "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }";
        assert!(check(&parsed(q), QueryLimits::default()).is_err());
    }
}
