//! Batched loads of meetings, their sessions and their agendas.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use entity::{agenda_item, meeting, meeting_session};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::service;
use crate::db::Db;
use crate::error::ApiError;
use crate::graphql::batch::Scope;
use crate::graphql::loaders::new;

pub fn register(
    request: async_graphql::Request,
    scope: &Arc<Scope>,
    db: &Db,
) -> async_graphql::Request {
    request
        .data(new(scope, MeetingLoader(db.clone())))
        .data(new(scope, AgendaLoader(db.clone())))
        .data(new(scope, AgendaItemLoader(db.clone())))
        .data(new(scope, SessionLoader(db.clone())))
}

/// Meetings by id.
pub struct MeetingLoader(pub Db);

impl Loader<i32> for MeetingLoader {
    type Value = meeting::Model;
    type Error = ApiError;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, Self::Value>, ApiError> {
        let rows = meeting::Entity::find()
            .filter(meeting::Column::Id.is_in(keys.iter().copied()))
            .all(&self.0.conn)
            .await?;
        Ok(rows.into_iter().map(|r| (r.id, r)).collect())
    }
}

/// Agenda items by id.
pub struct AgendaItemLoader(pub Db);

impl Loader<i32> for AgendaItemLoader {
    type Value = agenda_item::Model;
    type Error = ApiError;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, Self::Value>, ApiError> {
        let rows = agenda_item::Entity::find()
            .filter(agenda_item::Column::Id.is_in(keys.iter().copied()))
            .all(&self.0.conn)
            .await?;
        Ok(rows.into_iter().map(|r| (r.id, r)).collect())
    }
}

/// The agenda of each meeting.
pub struct AgendaLoader(pub Db);

impl Loader<i32> for AgendaLoader {
    type Value = Vec<agenda_item::Model>;
    type Error = ApiError;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, Self::Value>, ApiError> {
        let mut out: HashMap<i32, Self::Value> = keys.iter().map(|k| (*k, Vec::new())).collect();
        for item in service::agendas(&self.0, keys).await? {
            out.entry(item.meeting_id).or_default().push(item);
        }
        Ok(out)
    }
}

/// The sessions of each meeting.
pub struct SessionLoader(pub Db);

impl Loader<i32> for SessionLoader {
    type Value = Vec<meeting_session::Model>;
    type Error = ApiError;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, Self::Value>, ApiError> {
        let mut out: HashMap<i32, Self::Value> = keys.iter().map(|k| (*k, Vec::new())).collect();
        for session in service::sessions(&self.0, keys).await? {
            out.entry(session.meeting_id).or_default().push(session);
        }
        Ok(out)
    }
}
