//! Objects resolved without a future set of their own.
//!
//! async-graphql resolves every object's fields through a fresh
//! `FuturesUnordered`, each field boxed, even when no field awaits anything:
//! a nested read of a few hundred objects spends more time in that
//! bookkeeping than in its SQL. `Eager<T>` is `T` with the same GraphQL type
//! (name, fields, registration), resolved another way: its fields' futures
//! are polled together in one `join_all` (one allocation, polled in place,
//! no task per field), and the answer keeps the query's order.
//!
//! Batching is unchanged: `join_all` polls every field once before it
//! waits, as `FuturesUnordered` does, so every field's load joins the same
//! batch. Selections this path does not handle (fragments, directives, a
//! response key given twice, extensions in the schema) go through
//! async-graphql's own resolution.

use std::borrow::Cow;
use std::sync::atomic::{AtomicBool, Ordering};

use async_graphql::parser::types::{Field, Selection};
use async_graphql::registry::Registry;
use async_graphql::resolver_utils::ContainerType;
use async_graphql::{ContextSelectionSet, Name, OutputType, Positioned, ServerResult, Value};
use futures_util::future::join_all;

/// Set once a schema resolves fields through extensions (the tracing
/// extension, on demand): their fields then go through async-graphql, which
/// calls the extensions for each field.
static FIELD_EXTENSIONS: AtomicBool = AtomicBool::new(false);

/// Notes that a schema with field extensions exists in this process.
pub fn with_field_extensions() {
    FIELD_EXTENSIONS.store(true, Ordering::Relaxed);
}

/// `T`, resolved eagerly (see the module's documentation). Its GraphQL type
/// is `T`'s.
pub struct Eager<T>(pub T);

impl<T: ContainerType> OutputType for Eager<T> {
    fn type_name() -> Cow<'static, str> {
        T::type_name()
    }

    fn qualified_type_name() -> String {
        T::qualified_type_name()
    }

    fn introspection_type_name(&self) -> Cow<'static, str> {
        self.0.introspection_type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        T::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        _field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        resolve_container(ctx, &self.0).await
    }
}

/// The plain fields of a selection set, or `None` when it holds anything
/// else: a fragment, a directive, or a response key given twice (whose
/// values async-graphql merges).
fn plain_fields<'a>(ctx: &ContextSelectionSet<'a>) -> Option<Vec<&'a Positioned<Field>>> {
    if FIELD_EXTENSIONS.load(Ordering::Relaxed) {
        return None;
    }
    let items = &ctx.item.node.items;
    let mut fields: Vec<&'a Positioned<Field>> = Vec::with_capacity(items.len());
    for selection in items {
        let Selection::Field(field) = &selection.node else {
            return None;
        };
        if !field.node.directives.is_empty() {
            return None;
        }
        let key = field.node.response_key();
        if fields
            .iter()
            .any(|seen| seen.node.response_key().node == key.node)
        {
            return None;
        }
        fields.push(field);
    }
    Some(fields)
}

/// Resolves `root`'s selection: the plain fields' futures polled together
/// in place, the result in the query's order; anything else by
/// async-graphql. A field that fails is reported and left out, as
/// async-graphql does.
pub async fn resolve_container<'a, T: ContainerType + ?Sized>(
    ctx: &ContextSelectionSet<'a>,
    root: &'a T,
) -> ServerResult<Value> {
    let Some(fields) = plain_fields(ctx) else {
        return async_graphql::resolver_utils::resolve_container(ctx, root).await;
    };
    let resolved = join_all(fields.iter().map(|field| async move {
        if field.node.name.node == "__typename" {
            return Ok(Some(Value::String(
                root.introspection_type_name().into_owned(),
            )));
        }
        let ctx_field = ctx.with_field(field);
        root.resolve_field(&ctx_field).await
    }))
    .await;
    let mut object = async_graphql::indexmap::IndexMap::with_capacity(fields.len());
    for (field, value) in fields.into_iter().zip(resolved) {
        match value {
            Ok(value) => {
                let key: Name = field.node.response_key().node.clone();
                object.insert(key, value.unwrap_or_default());
            }
            Err(error) => ctx.add_error(error),
        }
    }
    Ok(if object.is_empty() {
        Value::Null
    } else {
        Value::Object(object)
    })
}
