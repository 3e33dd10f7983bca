//! The per-request DataLoaders. A fresh set per request, so that no cached row
//! outlives the request that read it; all nested fields go through them.

use async_graphql::Context;
use async_graphql::dataloader::{DataLoader, Loader};

use crate::db::Db;
use crate::{committee, meetings};

/// Adds every loader to a request.
pub fn register(request: async_graphql::Request, db: &Db) -> async_graphql::Request {
    let request = committee::loaders::register(request, db);
    meetings::loaders::register(request, db)
}

/// A new loader that spawns its batches on tokio.
pub fn new<T: Send + Sync + 'static>(loader: T) -> DataLoader<T> {
    DataLoader::new(loader, tokio::spawn)
}

/// The request's loader of type `T`.
pub fn get<'a, T, K>(ctx: &'a Context<'_>) -> &'a DataLoader<T>
where
    T: Loader<K>,
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
{
    ctx.data_unchecked::<DataLoader<T>>()
}

/// Parses a stored enum value; an unknown one is a broken invariant.
pub fn db_enum<E: async_graphql::EnumType + Copy>(value: &str) -> Result<E, crate::error::ApiError> {
    E::items()
        .iter()
        .find(|item| item.name == value)
        .map(|item| item.value)
        .ok_or_else(|| {
            tracing::error!(value, "unknown enum value in the database");
            crate::error::ApiError::Internal
        })
}

/// The stored (and GraphQL) name of an enum value.
pub fn enum_name<E: async_graphql::EnumType + Copy + Eq>(value: E) -> &'static str {
    E::items()
        .iter()
        .find(|item| item.value == value)
        .map_or("", |item| item.name)
}
