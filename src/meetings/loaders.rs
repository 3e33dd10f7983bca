//! Batched loads of meetings, their sessions and their agendas.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use entity::{agenda_item, meeting_session};

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

crate::key_loader!(
    /// Meetings by id.
    MeetingLoader: meeting by Id (id: i32)
);

crate::key_loader!(
    /// Agenda items by id.
    AgendaItemLoader: agenda_item by Id (id: i32)
);

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
