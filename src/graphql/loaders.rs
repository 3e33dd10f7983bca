//! Loader helpers: the request's batchers, each made the first time a
//! resolver asks for it (a request that reads no nested field makes none),
//! and macros declaring the common loaders. Each domain declares its own
//! loaders; a loader is a `struct X(pub Db)` ([`FromDb`]).

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_graphql::Context;
use async_graphql::dataloader::Loader;

use super::batch::{Batcher, Scope};
use crate::db::Db;
use crate::error::ApiError;

/// A loader made from the database handle alone.
pub trait FromDb {
    fn from_db(db: Db) -> Self;
}

/// Implements [`FromDb`] for loaders written `struct X(pub Db)`.
#[macro_export]
macro_rules! from_db {
    ($($name:ty),* $(,)?) => {
        $(impl $crate::graphql::loaders::FromDb for $name {
            fn from_db(db: $crate::db::Db) -> Self {
                Self(db)
            }
        })*
    };
}

/// A request's batchers, by loader and key type, made on first use (a fresh
/// set per request or WebSocket operation, so that no cached row outlives
/// the work that read it).
pub struct Loaders {
    db: Db,
    scope: Arc<Scope>,
    made: Mutex<HashMap<TypeId, Arc<dyn Any + Send + Sync>>>,
}

impl Loaders {
    pub fn new(db: Db, scope: Arc<Scope>) -> Self {
        Self {
            db,
            scope,
            made: Mutex::new(HashMap::new()),
        }
    }

    fn batcher<L, K>(&self) -> Arc<Batcher<L, K>>
    where
        L: Loader<K, Error = ApiError> + FromDb,
        K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    {
        let mut made = self.made.lock().unwrap_or_else(|e| e.into_inner());
        let any = made
            .entry(TypeId::of::<Batcher<L, K>>())
            .or_insert_with(|| Arc::new(Batcher::new(&self.scope, L::from_db(self.db.clone()))))
            .clone();
        drop(made);
        any.downcast::<Batcher<L, K>>()
            .unwrap_or_else(|_| unreachable!("each entry is stored under its own type"))
    }
}

/// The request's batcher for loader `L` and key `K`.
pub fn get<L, K>(ctx: &Context<'_>) -> Arc<Batcher<L, K>>
where
    L: Loader<K, Error = ApiError> + FromDb,
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
{
    ctx.data_unchecked::<Loaders>().batcher::<L, K>()
}

/// Declares a loader of one table's rows by a key column: one `IN (...)`
/// query per batch.
#[macro_export]
macro_rules! key_loader {
    ($(#[$doc:meta])* $name:ident: $table:ident by $column:ident ($field:ident: $key:ty)) => {
        $(#[$doc])*
        pub struct $name(pub $crate::db::Db);

        $crate::from_db!($name);

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

        $crate::from_db!($name);

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
