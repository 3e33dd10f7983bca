//! Objects resolved without a future set of their own.
//!
//! async-graphql resolves every object's fields through a fresh
//! `FuturesUnordered`, each field boxed, even when no field awaits anything:
//! a nested read of a few hundred objects spends more time in that
//! bookkeeping than in its SQL. `Eager<T>` is `T` with the same GraphQL type
//! (name, fields, registration), resolved another way:
//!
//! - the fields `T` lists as ready ([`ReadyFields`]: plain data, nothing to
//!   await) are resolved in place, one after the other, with no future kept;
//! - a lone field that waits (a page's node, a mandate's State) is awaited as
//!   it is, in one box;
//! - several that wait are polled together in one `join_all`.
//!
//! A list of them ([`EagerList`]: a page's edges and nodes) is resolved item
//! after item in place while its items do not wait, which they do not when
//! an object already holds what its fields show (a page of mandates read
//! with its States, see [`ReadyFields::ready`]).
//!
//! The answer keeps the query's order. Batching is unchanged: every field
//! that waits is polled once before this object waits, as `FuturesUnordered`
//! does, so every field's load joins the same batch. Selections this path
//! does not handle (fragments, directives, a response key given twice,
//! extensions in the schema) go through async-graphql's own resolution.

use std::borrow::Cow;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{self, Poll, Waker};

use async_graphql::parser::types::{Field, Selection};
use async_graphql::registry::Registry;
use async_graphql::resolver_utils::{ContainerType, resolve_list};
use async_graphql::{ContextSelectionSet, Name, OutputType, Positioned, ServerResult, Value};
use futures_util::future::{join_all, try_join_all};
use smallvec::SmallVec;

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

/// The fields of a type that never wait: their resolvers answer from the
/// object itself, with no load and nothing else to await, so [`Eager`]
/// resolves them in place, with no future kept for them. A field that waits
/// belongs elsewhere: listed here, it is still answered (resolved again
/// with the fields that wait), at twice the cost, and debug builds fail on
/// it. A type that lists none resolves every field with the waiting ones.
pub trait ReadyFields {
    /// The ready fields' names, as the schema spells them.
    const READY: &'static [&'static str] = &[];

    /// Whether this object answers `field` without waiting: those of
    /// [`Self::READY`], and one whose answer it already holds (a mandate
    /// read with its page's States, an edge's node) when that answer's own
    /// selection waits for nothing either ([`answers_at_once`]).
    fn ready(&self, field: &Field) -> bool {
        Self::READY.contains(&field.name.node.as_str())
    }
}

impl<T: ReadyFields + ?Sized> ReadyFields for &T {
    const READY: &'static [&'static str] = T::READY;

    fn ready(&self, field: &Field) -> bool {
        (**self).ready(field)
    }
}

/// Whether `object` answers `field`'s selection without waiting: plain
/// fields (no fragment, no directive), each `__typename` or one the object
/// is [ready](ReadyFields::ready) for.
pub fn answers_at_once<T: ReadyFields + ?Sized>(object: &T, field: &Field) -> bool {
    field.selection_set.node.items.iter().all(|selection| {
        let Selection::Field(field) = &selection.node else {
            return false;
        };
        field.node.directives.is_empty()
            && (field.node.name.node == "__typename" || object.ready(&field.node))
    })
}

impl<T: ContainerType + ReadyFields> OutputType for Eager<T> {
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

/// A list of objects resolved eagerly (a page's edges or nodes): while its
/// items do not wait (a page read with what its nodes show), each is
/// resolved where it stands, one after the other, with no future kept; from
/// the first that waits, that item and the rest are polled together, as
/// async-graphql resolves a list, so that their loads join one batch. Its
/// GraphQL type is `[T!]!`.
pub struct EagerList<T>(pub Vec<Eager<T>>);

impl<T: ContainerType + ReadyFields> OutputType for EagerList<T> {
    fn type_name() -> Cow<'static, str> {
        <Vec<Eager<T>>>::type_name()
    }

    fn qualified_type_name() -> String {
        <Vec<Eager<T>>>::qualified_type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        <Vec<Eager<T>>>::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        let items = &self.0;
        if FIELD_EXTENSIONS.load(Ordering::Relaxed) {
            return resolve_list(ctx, field, items, Some(items.len())).await;
        }
        let mut values = Vec::with_capacity(items.len());
        let mut waits = None;
        for (index, item) in items.iter().enumerate() {
            if !answers_at_once(&item.0, &field.node) {
                waits = Some(index);
                break;
            }
            let ctx_item = ctx.with_index(index);
            let resolving = pin!(item.resolve(&ctx_item, field));
            let polled = resolving.poll(&mut task::Context::from_waker(Waker::noop()));
            match polled {
                Poll::Ready(Ok(value)) => values.push(value),
                Poll::Ready(Err(error)) => return Err(ctx_item.set_error_path(error)),
                // It waited after all: dropped, it leaves nothing behind
                // that resolving it again below does not ask for once more.
                Poll::Pending => {
                    debug_assert!(false, "{} answers at once but waits", T::type_name());
                    waits = Some(index);
                    break;
                }
            }
        }
        if let Some(first) = waits {
            let rest = try_join_all(items[first..].iter().enumerate().map(
                |(offset, item)| async move {
                    let ctx_item = ctx.with_index(first + offset);
                    item.resolve(&ctx_item, field)
                        .await
                        .map_err(|error| ctx_item.set_error_path(error))
                },
            ))
            .await?;
            values.extend(rest);
        }
        Ok(Value::List(values))
    }
}

/// Whether a selection set holds only plain fields: no fragment, no
/// directive, no response key given twice (whose values async-graphql
/// merges).
fn plain_fields(ctx: &ContextSelectionSet<'_>) -> bool {
    if FIELD_EXTENSIONS.load(Ordering::Relaxed) {
        return false;
    }
    let items = &ctx.item.node.items;
    items.iter().enumerate().all(|(i, selection)| {
        let Selection::Field(field) = &selection.node else {
            return false;
        };
        let key = &field.node.response_key().node;
        field.node.directives.is_empty()
            && !items[..i].iter().any(|seen| match &seen.node {
                Selection::Field(seen) => seen.node.response_key().node == *key,
                _ => false,
            })
    })
}

/// Resolves `root`'s selection: the fields `T` lists as ready in place, the
/// others' futures polled together, the result in the query's order;
/// anything else by async-graphql. A field that fails is reported and left
/// out, as async-graphql does.
pub async fn resolve_container<'a, T: ContainerType + ReadyFields + ?Sized>(
    ctx: &ContextSelectionSet<'a>,
    root: &'a T,
) -> ServerResult<Value> {
    if !plain_fields(ctx) {
        return async_graphql::resolver_utils::resolve_container(ctx, root).await;
    }
    let items = &ctx.item.node.items;
    let mut object = async_graphql::indexmap::IndexMap::with_capacity(items.len());
    // The fields that wait, in the query's order, each with the place in
    // `object` it holds from the start (so the answer keeps the query's order).
    let mut waiting: SmallVec<[(usize, &'a Positioned<Field>); 4]> = SmallVec::new();
    for selection in items {
        let Selection::Field(field) = &selection.node else {
            unreachable!("plain_fields holds only fields");
        };
        let key: Name = field.node.response_key().node.clone();
        let name = field.node.name.node.as_str();
        if name == "__typename" {
            let value = Value::String(root.introspection_type_name().into_owned());
            object.insert(key, value);
            continue;
        }
        if root.ready(&field.node) {
            let ctx_field = ctx.with_field(field);
            let resolving = pin!(root.resolve_field(&ctx_field));
            if let Poll::Ready(resolved) =
                resolving.poll(&mut task::Context::from_waker(Waker::noop()))
            {
                match resolved {
                    Ok(value) => {
                        object.insert(key, value.unwrap_or_default());
                    }
                    Err(error) => ctx.add_error(error),
                }
                continue;
            }
            // It waited after all: dropped, it leaves nothing behind that
            // resolving it again below does not ask for once more.
            debug_assert!(
                false,
                "{}.{name} is listed as ready but waits",
                root.introspection_type_name()
            );
        }
        let (place, _) = object.insert_full(key, Value::Null);
        waiting.push((place, field));
    }
    let mut failed: Vec<usize> = Vec::new();
    let mut settle = |place: usize, resolved: ServerResult<Option<Value>>| match resolved {
        Ok(value) => {
            if let Some((_, slot)) = object.get_index_mut(place) {
                *slot = value.unwrap_or_default();
            }
        }
        Err(error) => {
            failed.push(place);
            ctx.add_error(error);
        }
    };
    match waiting.as_slice() {
        [] => {}
        // One field waits (a page's node, a mandate's State): its future,
        // boxed so that this one stays small, awaited as it is.
        [(place, field)] => {
            let ctx_field = ctx.with_field(field);
            let resolved = Box::pin(root.resolve_field(&ctx_field)).await;
            settle(*place, resolved);
        }
        // Several: polled together, so that every one's load joins the
        // same batch.
        fields => {
            let resolved = join_all(fields.iter().map(|(_, field)| async move {
                let ctx_field = ctx.with_field(field);
                root.resolve_field(&ctx_field).await
            }))
            .await;
            for ((place, _), resolved) in fields.iter().zip(resolved) {
                settle(*place, resolved);
            }
        }
    }
    // A field that failed is left out (places taken from the last, so that
    // the earlier ones stay where they are).
    for place in failed.into_iter().rev() {
        object.shift_remove_index(place);
    }
    Ok(if object.is_empty() {
        Value::Null
    } else {
        Value::Object(object)
    })
}
