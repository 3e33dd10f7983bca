//! Loader helpers: a per-request batcher in front of a loader, and the
//! request's batcher for a loader. Each domain declares its own loaders;
//! `server::request` registers them all, a fresh set per request.

use async_graphql::Context;
use async_graphql::dataloader::Loader;

use std::sync::Arc;

use super::batch::{Batcher, Scope};
use crate::error::ApiError;

/// A new per-request batcher in front of `loader`.
pub fn new<L, K>(scope: &Arc<Scope>, loader: L) -> Batcher<L, K>
where
    L: Loader<K, Error = ApiError>,
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
{
    Batcher::new(scope, loader)
}

/// The request's batcher for loader `L` and key `K`.
pub fn get<'a, L, K>(ctx: &'a Context<'_>) -> &'a Batcher<L, K>
where
    L: Loader<K, Error = ApiError>,
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
{
    ctx.data_unchecked::<Batcher<L, K>>()
}

/// Declares a loader of one table's rows by a key column: one `IN (...)`
/// query per batch.
#[macro_export]
macro_rules! key_loader {
    ($(#[$doc:meta])* $name:ident: $table:ident by $column:ident ($field:ident: $key:ty)) => {
        $(#[$doc])*
        pub struct $name(pub $crate::db::Db);

        impl async_graphql::dataloader::Loader<$key> for $name {
            type Value = entity::$table::Model;
            type Error = $crate::error::ApiError;

            async fn load(
                &self,
                keys: &[$key],
            ) -> Result<std::collections::HashMap<$key, Self::Value>, $crate::error::ApiError> {
                use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
                let rows = entity::$table::Entity::find()
                    .filter(entity::$table::Column::$column.is_in(keys.iter().cloned()))
                    .all(&self.0.conn)
                    .await?;
                Ok(rows.into_iter().map(|r| (r.$field.clone(), r)).collect())
            }
        }
    };
}

/// Declares a loader of one table's rows grouped by a key column: one
/// `IN (...)` query per batch, each key's rows in `order`'s order (every
/// key answers, with an empty list when it has none).
#[macro_export]
macro_rules! group_loader {
    ($(#[$doc:meta])* $name:ident: $table:ident by $column:ident ($field:ident: $key:ty) order $order:ident) => {
        $(#[$doc])*
        pub struct $name(pub $crate::db::Db);

        impl async_graphql::dataloader::Loader<$key> for $name {
            type Value = Vec<entity::$table::Model>;
            type Error = $crate::error::ApiError;

            async fn load(
                &self,
                keys: &[$key],
            ) -> Result<std::collections::HashMap<$key, Self::Value>, $crate::error::ApiError> {
                use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
                let rows = entity::$table::Entity::find()
                    .filter(entity::$table::Column::$column.is_in(keys.iter().cloned()))
                    .order_by_asc(entity::$table::Column::$order)
                    .all(&self.0.conn)
                    .await?;
                let mut out: std::collections::HashMap<$key, Self::Value> =
                    keys.iter().map(|k| (k.clone(), Vec::new())).collect();
                for row in rows {
                    out.entry(row.$field.clone()).or_default().push(row);
                }
                Ok(out)
            }
        }
    };
}
