//! Mandate terms in time: a mandate starts and ends on its dates (reported on
//! `committeeUpdates`), and a renewable mandate nearing its end gets a renewal
//! nomination opened for its holder, which the holder can withdraw.

use std::sync::OnceLock;

use chrono::{DateTime, Days, Utc};
use entity::{mandate, meeting, nomination, position, workflow_instance};
use futures_util::future::BoxFuture;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;

use super::definition::OPEN;
use super::service::{self, Proposal, midnight, system_actor};
use crate::db::WriteTxn;
use crate::error::ApiError;
use crate::events;
use crate::workflow::timers::{self, Outcome, Target};

/// The `target` of mandate timers.
pub const TARGET: &str = "mandate";

static RENEWAL_LEAD_DAYS: OnceLock<u64> = OnceLock::new();

/// Sets how long before a renewable mandate ends its renewal is opened (once, at start-up).
pub fn set_renewal_lead_days(days: u64) {
    let _ = RENEWAL_LEAD_DAYS.set(days);
}

pub fn renewal_lead_days() -> u64 {
    *RENEWAL_LEAD_DAYS.get().unwrap_or(&60)
}

fn entry(m: &mandate::Model, position: &str) -> serde_json::Value {
    json!({
        "mandateId": m.id,
        "position": position,
        "state": m.state_iso3,
        "seat": m.seat,
        "startsOn": m.starts_on,
        "endsOn": m.ends_on,
    })
}

/// Sets the timers of a new mandate: its start, its end, and for a renewable
/// one the opening of its renewal. A start already past is reported at once.
pub async fn schedule<C: ConnectionTrait>(
    conn: &C,
    m: &mandate::Model,
    position: &position::Model,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let id = i64::from(m.id);
    let start = midnight(m.starts_on);
    if start > now {
        timers::schedule(conn, TARGET, id, "start", start, None, now).await?;
    } else {
        events::log::append(
            conn,
            "committee",
            "MANDATE_STARTED",
            entry(m, &position.code),
            now,
        )
        .await?;
    }
    if let Some(end) = m.ends_on {
        timers::schedule(conn, TARGET, id, "end", midnight(end), None, now).await?;
        if position.renewable {
            let due = midnight(end - Days::new(renewal_lead_days())).max(now);
            timers::schedule(conn, TARGET, id, "renewalDue", due, None, now).await?;
        }
    }
    Ok(())
}

fn internal(err: ApiError) -> Result<Outcome, DbErr> {
    match err {
        ApiError::Internal => Err(DbErr::Custom("a timer's work failed".to_owned())),
        ApiError::GuardFailed { reason, .. } => Ok(Outcome::Dropped(reason)),
        other => Ok(Outcome::Dropped(other.message().to_owned())),
    }
}

/// Fires mandate timers.
pub struct MandateTimers;

impl Target for MandateTimers {
    fn name(&self) -> &'static str {
        TARGET
    }

    fn fire<'a>(
        &'a self,
        txn: &'a WriteTxn,
        timer: &'a entity::timer::Model,
        now: DateTime<Utc>,
    ) -> BoxFuture<'a, Result<Outcome, DbErr>> {
        Box::pin(async move {
            let Some(m) = mandate::Entity::find_by_id(timer.subject_id as i32)
                .one(&**txn)
                .await?
            else {
                return Ok(Outcome::Dropped("no such mandate".to_owned()));
            };
            let Some(position) = position::Entity::find_by_id(m.position_id)
                .one(&**txn)
                .await?
            else {
                return Ok(Outcome::Dropped("no such position".to_owned()));
            };
            match timer.event.as_str() {
                "start" => {
                    events::log::append(
                        &**txn,
                        "committee",
                        "MANDATE_STARTED",
                        entry(&m, &position.code),
                        now,
                    )
                    .await?;
                    Ok(Outcome::Fired("started".to_owned()))
                }
                "end" => {
                    events::log::append(
                        &**txn,
                        "committee",
                        "MANDATE_ENDED",
                        entry(&m, &position.code),
                        now,
                    )
                    .await?;
                    Ok(Outcome::Fired("ended".to_owned()))
                }
                "renewalDue" => match open_renewal(txn, &m, &position, now).await {
                    Ok(outcome) => Ok(outcome),
                    Err(err) => internal(err),
                },
                other => Ok(Outcome::Dropped(format!("unknown event `{other}`"))),
            }
        })
    }
}

/// Opens a renewal nomination for `m`'s holder at the next meeting that can decide it.
async fn open_renewal(
    txn: &WriteTxn,
    m: &mandate::Model,
    position: &position::Model,
    now: DateTime<Utc>,
) -> Result<Outcome, ApiError> {
    let existing: Vec<i64> = nomination::Entity::find()
        .filter(nomination::Column::RenewsMandateId.eq(m.id))
        .all(&**txn)
        .await?
        .into_iter()
        .map(|n| n.id)
        .collect();
    let mut live = OPEN.to_vec();
    live.push("SELECTED");
    let open = workflow_instance::Entity::find()
        .filter(workflow_instance::Column::Id.is_in(existing))
        .filter(workflow_instance::Column::State.is_in(live))
        .one(&**txn)
        .await?;
    if open.is_some() {
        return Ok(Outcome::Dropped(
            "a renewal is already under way".to_owned(),
        ));
    }
    let today = now.date_naive();
    let next = meeting::Entity::find()
        .filter(meeting::Column::Kind.is_in(["MSP", "REVIEW_CONFERENCE"]))
        .filter(meeting::Column::Status.is_in(["PLANNED", "IN_SESSION"]))
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
    let id = service::propose_in(txn, &system_actor(), None, proposal, now).await?;
    Ok(Outcome::Fired(format!(
        "renewal nomination {id} for the {}",
        next.code
    )))
}

/// Fires nomination timers (lapses).
pub struct NominationTimers;

impl Target for NominationTimers {
    fn name(&self) -> &'static str {
        super::definition::NAME
    }

    fn fire<'a>(
        &'a self,
        txn: &'a WriteTxn,
        timer: &'a entity::timer::Model,
        now: DateTime<Utc>,
    ) -> BoxFuture<'a, Result<Outcome, DbErr>> {
        Box::pin(async move {
            match service::fire_timer(txn, timer, now).await {
                Ok(outcome) => Ok(outcome),
                Err(err) => internal(err),
            }
        })
    }
}
