//! What callers ask of nominations, as values: the actor and its
//! authorisation (once per move, before any lookup), a proposal, a move, a
//! slate, and the account a first write records. Everything else in this
//! folder builds on these; they build on nothing of it but the definition.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::account;
use sea_orm::EntityTrait;
use sea_orm::Set;
use sea_orm::sea_query::OnConflict;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::definition::{self, NominationEvent, Nominations};
use crate::auth::Identity;
use crate::db::{Db, WriteTxn};
use crate::error::ApiError;
use crate::workflow::idempotency::Done;
use crate::workflow::{Actor, Authorized, Named, WorkflowError};

/// The actor for what time does.
pub fn system_actor() -> Actor {
    Actor {
        subject: "system".to_owned(),
        role: definition::SYSTEM.to_owned(),
    }
}

/// Authorises `actor` to fire `event`, once per move and before any lookup:
/// a caller whose role may not fire it learns nothing else.
pub fn authorize(
    event: NominationEvent,
    actor: &Actor,
) -> Result<Authorized<'static, Nominations>, ApiError> {
    definition::current()
        .authorize(event, actor)
        .map_err(|r| WorkflowError::Refused(r).into())
}

/// Records the account on its first write, so that history names accounts
/// (once per process: an account known to be stored is not written again).
pub async fn ensure_account(
    db: &Db,
    txn: &WriteTxn,
    identity: &Identity,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    if db.knows_account(&identity.subject) {
        return Ok(());
    }
    let row = account::ActiveModel {
        subject: Set(identity.subject.clone()),
        display_name: Set(identity.subject.clone()),
        role: Set(identity.role.as_str().to_owned()),
        state_iso3: Set(identity.state.clone()),
        created_at: Set(now.fixed_offset()),
        ..Default::default()
    };
    let inserted = account::Entity::insert(row)
        .on_conflict(
            OnConflict::column(account::Column::Subject)
                .do_nothing()
                .to_owned(),
        )
        .exec(&**txn)
        .await;
    match inserted {
        Ok(_) | Err(sea_orm::DbErr::RecordNotInserted) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Notes, once a write committed, that the caller's account is stored.
pub fn account_stored<T>(
    db: &Db,
    identity: &Identity,
    done: Result<Done<T>, ApiError>,
) -> Result<Done<T>, ApiError> {
    if done.is_ok() {
        db.account_stored(&identity.subject);
    }
    done
}

/// What a proposal names.
#[derive(Clone, Debug)]
pub struct Proposal {
    pub position_code: String,
    pub state: String,
    pub meeting_id: i32,
    pub note: Option<String>,
    pub renews_mandate_id: Option<i32>,
}

impl Proposal {
    pub fn event(&self) -> NominationEvent {
        if self.renews_mandate_id.is_some() {
            NominationEvent::ProposeRenewal
        } else {
            NominationEvent::Propose
        }
    }
}

/// A move of one nomination.
#[derive(Clone, Debug)]
pub struct Move {
    pub nomination_id: i64,
    pub expected_version: i32,
    pub event: NominationEvent,
    pub note: Option<String>,
    /// For `placeOnAgenda`: the item to put it on (default: the meeting's nominations item).
    pub agenda_item_id: Option<i32>,
    /// For `openConsultation`: when the consultation closes.
    pub deadline: Option<DateTime<Utc>>,
}

impl Move {
    pub fn input(&self) -> serde_json::Value {
        json!({ "op": self.event.name(), "id": self.nomination_id,
            "expectedVersion": self.expected_version, "note": self.note,
            "agendaItem": self.agenda_item_id, "deadline": self.deadline.map(|d| d.to_rfc3339()) })
    }
}

/// A slate: every nomination on one agenda item, with the version the caller saw of each.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Slate {
    pub agenda_item_id: i32,
    pub expected: HashMap<i64, i32>,
    pub note: Option<String>,
}
