//! The nominations' timer targets: a lapse fired as the system when a
//! consultation's deadline or the deciding meeting's end passes, and a
//! renewal opened before a renewable mandate ends. They move nominations
//! through `moves`, like any caller.

use chrono::{DateTime, Utc};
use entity::{mandate, meeting, nomination, position, workflow_instance};
use futures_util::future::BoxFuture;
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

use super::aggregate;
use super::commands::{Move, Proposal, authorize, system_actor};
use super::definition::{self, NominationEvent, NominationState, OPEN};
use super::moves;
use super::schedule::{LAPSE, RENEWAL_TARGET};
use crate::config::Policy;
use crate::db::WriteTxn;
use crate::error::ApiError;
use crate::meetings::model::{MeetingKind, MeetingStatus};
use crate::workflow::timers::{self, Outcome, Target};

/// Opens a renewal nomination for `m`'s holder at the next meeting that can decide it.
async fn open_renewal(
    txn: &WriteTxn,
    m: &mandate::Model,
    now: DateTime<Utc>,
) -> Result<Outcome, ApiError> {
    let position = position::Entity::find_by_id(m.position_id)
        .one(&**txn)
        .await?
        .ok_or_else(|| ApiError::broken("a mandate's position exists"))?;
    let existing: Vec<i64> = nomination::Entity::find()
        .filter(nomination::Column::RenewsMandateId.eq(m.id))
        .all(&**txn)
        .await?
        .into_iter()
        .map(|n| n.id)
        .collect();
    let mut live = OPEN.to_vec();
    live.push(NominationState::Selected.as_str());
    let under_way = workflow_instance::Entity::find()
        .filter(workflow_instance::Column::Id.is_in(existing))
        .filter(workflow_instance::Column::State.is_in(live))
        .one(&**txn)
        .await?;
    if under_way.is_some() {
        return Ok(Outcome::Dropped(
            "a renewal is already under way".to_owned(),
        ));
    }
    let today = now.date_naive();
    let next = meeting::Entity::find()
        .filter(meeting::Column::Kind.is_in([
            MeetingKind::Msp.as_str(),
            MeetingKind::ReviewConference.as_str(),
        ]))
        .filter(meeting::Column::Status.is_in([
            MeetingStatus::Planned.as_str(),
            MeetingStatus::InSession.as_str(),
        ]))
        .filter(meeting::Column::EndsOn.gte(today))
        .order_by_asc(meeting::Column::StartsOn)
        .one(&**txn)
        .await?;
    let Some(next) = next else {
        return Ok(Outcome::Dropped(
            "no Meeting of States Parties or Review Conference is planned to decide a renewal"
                .to_owned(),
        ));
    };
    let proposal = Proposal {
        position_code: position.code.clone(),
        state: m.state_iso3.clone(),
        meeting_id: next.id,
        note: Some(format!(
            "opened automatically: the mandate ends on {}",
            m.ends_on.unwrap_or(today)
        )),
        renews_mandate_id: Some(m.id),
    };
    let authorized = authorize(NominationEvent::ProposeRenewal, &system_actor())?;
    let id = moves::propose_in(txn, &authorized, None, proposal, now)
        .await?
        .nomination
        .id;
    Ok(Outcome::Fired(format!(
        "renewal nomination {id} for the {}",
        next.code
    )))
}

/// Fires a lapse on a nomination, as the system. A nomination that moved
/// since the timer was set, or whose event no longer applies, drops it.
async fn fire_lapse(
    txn: &WriteTxn,
    timer: &entity::timer::Model,
    policy: &Policy,
    now: DateTime<Utc>,
) -> Result<Outcome, ApiError> {
    if timer.event != LAPSE {
        return Ok(Outcome::Dropped(format!("unknown event `{}`", timer.event)));
    }
    // A nomination that is gone drops the timer (NOT_FOUND is a refusal).
    let loaded = aggregate::load(&**txn, timer.subject_id, true).await?;
    if let Some(expected) = timer.expected_version
        && expected != loaded.instance.version
    {
        return Ok(Outcome::Dropped(format!(
            "the nomination moved on (version {expected} then, {} now)",
            loaded.instance.version
        )));
    }
    let mv = Move {
        nomination_id: loaded.nomination.id,
        expected_version: loaded.instance.version,
        event: NominationEvent::Lapse,
        note: Some(format!(
            "timer {} (due {})",
            timer.id,
            timer.due_at.to_rfc3339()
        )),
        agenda_item_id: None,
        deadline: None,
    };
    let authorized = authorize(NominationEvent::Lapse, &system_actor())?;
    let fired = moves::move_loaded(txn, &loaded, &authorized, None, &mv, policy, now)
        .await?
        .fired;
    Ok(Outcome::Fired(format!(
        "{} -> {}",
        fired.from.unwrap_or_default(),
        fired.to
    )))
}

/// Fires nomination timers (lapses).
pub struct NominationTimers(pub Policy);

impl Target for NominationTimers {
    fn name(&self) -> &'static str {
        definition::NAME
    }

    fn fire<'a>(
        &'a self,
        txn: &'a WriteTxn,
        timer: &'a entity::timer::Model,
        now: DateTime<Utc>,
    ) -> BoxFuture<'a, Result<Outcome, DbErr>> {
        Box::pin(async move {
            fire_lapse(txn, timer, &self.0, now)
                .await
                .or_else(|e| timers::settle(Err(e.into())))
        })
    }
}

/// Fires renewal timers: opens the renewal of a renewable mandate.
pub struct RenewalTimers;

impl Target for RenewalTimers {
    fn name(&self) -> &'static str {
        RENEWAL_TARGET
    }

    fn fire<'a>(
        &'a self,
        txn: &'a WriteTxn,
        timer: &'a entity::timer::Model,
        now: DateTime<Utc>,
    ) -> BoxFuture<'a, Result<Outcome, DbErr>> {
        Box::pin(async move {
            let found = mandate::Entity::find_by_id(timer.subject_id as i32)
                .one(&**txn)
                .await?;
            match timers::subject(found, "mandate") {
                Ok(m) => open_renewal(txn, &m, now)
                    .await
                    .or_else(|e| timers::settle(Err(e.into()))),
                Err(stop) => timers::settle(Err(stop)),
            }
        })
    }
}
