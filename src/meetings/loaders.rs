//! Batched loads of meetings, their sessions and their agendas.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use entity::{agenda_item, meeting_session};

use super::service;
use crate::db::Db;
use crate::error::ApiError;

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

crate::group_loader!(
    /// The invitations of each meeting.
    InvitationsLoader: invitation by MeetingId (meeting_id: i32) order Id
);

crate::group_loader!(
    /// The decisions of each meeting, in the order recorded.
    DecisionsLoader: decision by MeetingId (meeting_id: i32) order Id
);

crate::key_loader!(
    /// Decisions by id.
    DecisionLoader: decision by Id (id: i32)
);

crate::group_loader!(
    /// The decisions on each agenda item, in the order recorded.
    ItemDecisionsLoader: decision by AgendaItemId (agenda_item_id: i32) order Id
);

/// Each committee meeting's number: its order among the committee meetings
/// of its calendar year that are not cancelled (derived, never stored).
pub struct NumberLoader(pub Db);

impl Loader<i32> for NumberLoader {
    type Value = i32;
    type Error = ApiError;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, i32>, ApiError> {
        service::committee_numbers(&self.0, keys).await
    }
}

crate::from_db!(AgendaLoader, SessionLoader, NumberLoader);
