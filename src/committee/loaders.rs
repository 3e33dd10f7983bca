//! Batched loads of the committee's rows for nested fields.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use chrono::NaiveDate;
use entity::{mandate, organization, position, state};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::service::{self, MandateParent};
use crate::db::Db;
use crate::error::ApiError;
use crate::graphql::batch::Scope;
use crate::graphql::loaders::new;
use crate::graphql::pagination::Window;

pub fn register(
    request: async_graphql::Request,
    scope: &Arc<Scope>,
    db: &Db,
) -> async_graphql::Request {
    request
        .data(new(scope, StateLoader(db.clone())))
        .data(new(scope, OrganizationLoader(db.clone())))
        .data(new(scope, PositionLoader(db.clone())))
        .data(new(scope, MandateLoader(db.clone())))
        .data(new(scope, HoldersLoader(db.clone())))
        .data(new(scope, MandateCountLoader(db.clone())))
        .data(new(scope, MandatePageLoader(db.clone())))
}

/// States by ISO code.
pub struct StateLoader(pub Db);

impl Loader<String> for StateLoader {
    type Value = state::Model;
    type Error = ApiError;

    async fn load(&self, keys: &[String]) -> Result<HashMap<String, Self::Value>, ApiError> {
        let rows = state::Entity::find()
            .filter(state::Column::Iso3.is_in(keys.iter().cloned()))
            .all(&self.0.conn)
            .await?;
        Ok(rows.into_iter().map(|r| (r.iso3.clone(), r)).collect())
    }
}

/// Organizations by code.
pub struct OrganizationLoader(pub Db);

impl Loader<String> for OrganizationLoader {
    type Value = organization::Model;
    type Error = ApiError;

    async fn load(&self, keys: &[String]) -> Result<HashMap<String, Self::Value>, ApiError> {
        let rows = organization::Entity::find()
            .filter(organization::Column::Code.is_in(keys.iter().cloned()))
            .all(&self.0.conn)
            .await?;
        Ok(rows.into_iter().map(|r| (r.code.clone(), r)).collect())
    }
}

/// Positions by id.
pub struct PositionLoader(pub Db);

impl Loader<i32> for PositionLoader {
    type Value = position::Model;
    type Error = ApiError;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, Self::Value>, ApiError> {
        let rows = position::Entity::find()
            .filter(position::Column::Id.is_in(keys.iter().copied()))
            .all(&self.0.conn)
            .await?;
        Ok(rows.into_iter().map(|r| (r.id, r)).collect())
    }
}

/// Mandates by id.
pub struct MandateLoader(pub Db);

impl Loader<i32> for MandateLoader {
    type Value = mandate::Model;
    type Error = ApiError;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, Self::Value>, ApiError> {
        let rows = mandate::Entity::find()
            .filter(mandate::Column::Id.is_in(keys.iter().copied()))
            .all(&self.0.conn)
            .await?;
        Ok(rows.into_iter().map(|r| (r.id, r)).collect())
    }
}

/// The mandates of a position active on a date.
pub struct HoldersLoader(pub Db);

impl Loader<(i32, NaiveDate)> for HoldersLoader {
    type Value = Vec<mandate::Model>;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[(i32, NaiveDate)],
    ) -> Result<HashMap<(i32, NaiveDate), Self::Value>, ApiError> {
        let mut by_date: HashMap<NaiveDate, Vec<i32>> = HashMap::new();
        for (position, date) in keys {
            by_date.entry(*date).or_default().push(*position);
        }
        let mut out: HashMap<(i32, NaiveDate), Self::Value> =
            keys.iter().map(|k| (*k, Vec::new())).collect();
        for (date, positions) in by_date {
            for row in service::holders(&self.0, &positions, date).await? {
                out.entry((row.position_id, date)).or_default().push(row);
            }
        }
        Ok(out)
    }
}

/// How many mandates a position or a State has.
pub struct MandateCountLoader(pub Db);

impl Loader<MandateParent> for MandateCountLoader {
    type Value = u64;
    type Error = ApiError;

    async fn load(&self, keys: &[MandateParent]) -> Result<HashMap<MandateParent, u64>, ApiError> {
        service::mandate_counts(&self.0, keys).await
    }
}

/// A window of a position's or a State's mandates.
pub struct MandatePageLoader(pub Db);

impl Loader<(MandateParent, Window)> for MandatePageLoader {
    type Value = Vec<mandate::Model>;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[(MandateParent, Window)],
    ) -> Result<HashMap<(MandateParent, Window), Self::Value>, ApiError> {
        let mut by_window: HashMap<Window, Vec<MandateParent>> = HashMap::new();
        for (parent, window) in keys {
            by_window.entry(*window).or_default().push(parent.clone());
        }
        let mut out = HashMap::new();
        for (window, parents) in by_window {
            for (parent, rows) in service::mandate_pages(&self.0, &parents, window).await? {
                out.insert((parent, window), rows);
            }
        }
        Ok(out)
    }
}
