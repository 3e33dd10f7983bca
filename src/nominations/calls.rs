//! Vacancies and calls for nominations. A vacancy is a seat that becomes free
//! at a meeting: a mandate whose term ends there, or a holder whose
//! withdrawal from the Convention takes effect by then. A call for
//! nominations covers a meeting's vacancies until a deadline; as the deadline
//! nears, the seats still without a nominee are announced on `committeeUpdates`.

use std::sync::OnceLock;

use chrono::{DateTime, Days, Utc};
use entity::{call, mandate, meeting, nomination, position, state};
use futures_util::future::BoxFuture;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use serde_json::json;

use crate::db::{Db, WriteTxn};
use crate::error::ApiError;
use crate::events;
use crate::workflow::timers::{self, Outcome, Target};

pub const TARGET: &str = "call";

/// How near a term's end must fall to a meeting for the seat to be its vacancy.
const WINDOW_DAYS: u64 = 60;

static WARNING_DAYS: OnceLock<u64> = OnceLock::new();

/// Sets how long before a call's deadline the uncovered seats are announced (once, at start-up).
pub fn set_warning_days(days: u64) {
    let _ = WARNING_DAYS.set(days);
}

fn warning_days() -> u64 {
    *WARNING_DAYS.get().unwrap_or(&7)
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reason {
    TermEnds,
    Withdrawal,
}

/// A seat that becomes free at a meeting.
#[derive(Clone, Debug)]
pub struct Vacancy {
    pub position: position::Model,
    pub seat: i32,
    pub mandate: mandate::Model,
    pub reason: Reason,
    /// Open nominations for the position at this meeting.
    pub nominees: Vec<nomination::Model>,
}

/// The vacancies of `meeting`, by position and seat.
pub async fn vacancies<C: ConnectionTrait>(
    conn: &C,
    m: &meeting::Model,
) -> Result<Vec<Vacancy>, ApiError> {
    let (Some(start), Some(end)) = (m.starts_on, m.ends_on) else {
        return Ok(Vec::new());
    };
    let from = start - Days::new(WINDOW_DAYS);
    let to = end + Days::new(WINDOW_DAYS);
    let ending = mandate::Entity::find()
        .filter(
            Condition::any()
                .add(mandate::Column::EndsAtMeetingId.eq(m.id))
                .add(
                    Condition::all()
                        .add(mandate::Column::EndsOn.gte(from))
                        .add(mandate::Column::EndsOn.lte(to)),
                ),
        )
        .all(conn)
        .await?;
    let running = mandate::Entity::find()
        .filter(mandate::Column::StartsOn.lte(start))
        .filter(
            Condition::any()
                .add(mandate::Column::EndsOn.is_null())
                .add(mandate::Column::EndsOn.gt(to)),
        )
        .all(conn)
        .await?;
    let withdrawing: Vec<String> = state::Entity::find()
        .filter(state::Column::WithdrawalEffectiveOn.lte(end))
        .all(conn)
        .await?
        .into_iter()
        .map(|s| s.iso3)
        .collect();
    let mut found: Vec<(mandate::Model, Reason)> =
        ending.into_iter().map(|m| (m, Reason::TermEnds)).collect();
    found.extend(
        running
            .into_iter()
            .filter(|m| withdrawing.contains(&m.state_iso3))
            .map(|m| (m, Reason::Withdrawal)),
    );
    // A mandate renewed from this one does not free the seat.
    let renewed: Vec<i32> = mandate::Entity::find()
        .filter(mandate::Column::RenewsMandateId.is_in(found.iter().map(|(m, _)| m.id)))
        .all(conn)
        .await?
        .into_iter()
        .filter_map(|m| m.renews_mandate_id)
        .collect();
    found.retain(|(m, _)| !renewed.contains(&m.id));
    let positions = position::Entity::find().all(conn).await?;
    let nominations = nomination::Entity::find()
        .filter(nomination::Column::DecidingMeetingId.eq(m.id))
        .order_by_asc(nomination::Column::Id)
        .all(conn)
        .await?;
    let open = super::service::open_ids(conn, nominations.iter().map(|n| n.id)).await?;
    let mut out: Vec<Vacancy> = found
        .into_iter()
        .filter_map(|(mandate, reason)| {
            let position = positions
                .iter()
                .find(|p| p.id == mandate.position_id)?
                .clone();
            let nominees = nominations
                .iter()
                .filter(|n| n.position_id == position.id && open.contains(&n.id))
                .cloned()
                .collect();
            Some(Vacancy {
                seat: mandate.seat,
                position,
                mandate,
                reason,
                nominees,
            })
        })
        .collect();
    out.sort_by_key(|v| (v.position.sort_order, v.seat, v.mandate.id));
    Ok(out)
}

/// Vacancies whose position has fewer open nominations than free seats.
pub fn uncovered(vacancies: &[Vacancy]) -> Vec<&Vacancy> {
    vacancies
        .iter()
        .filter(|v| {
            let free = vacancies
                .iter()
                .filter(|w| w.position.id == v.position.id)
                .count();
            v.nominees.len() < free
        })
        .collect()
}

/// Opens a call for nominations for a meeting's vacancies.
pub async fn open_call(
    db: &Db,
    opened_by: &str,
    meeting_id: i32,
    deadline: DateTime<Utc>,
    note: Option<String>,
    now: DateTime<Utc>,
) -> Result<i32, ApiError> {
    if deadline <= now {
        return Err(ApiError::bad_input("the deadline must be in the future"));
    }
    let txn = db.begin_write().await?;
    let m = meeting::Entity::find_by_id(meeting_id)
        .one(&*txn)
        .await?
        .ok_or_else(|| ApiError::NotFound("no such meeting".to_owned()))?;
    if !matches!(m.kind.as_str(), "MSP" | "REVIEW_CONFERENCE")
        || !matches!(m.status.as_str(), "PLANNED" | "IN_SESSION")
    {
        return Err(ApiError::bad_input(format!(
            "calls are for a planned Meeting of States Parties or Review Conference; the {} is {}",
            m.code, m.status
        )));
    }
    let created = call::ActiveModel {
        meeting_id: Set(m.id),
        deadline: Set(deadline.fixed_offset()),
        opened_by: Set(opened_by.to_owned()),
        note: Set(note),
        created_at: Set(now.fixed_offset()),
        ..Default::default()
    }
    .insert(&*txn)
    .await?;
    let warn_at = (deadline - chrono::Duration::days(warning_days() as i64)).max(now);
    timers::schedule(
        &*txn,
        TARGET,
        i64::from(created.id),
        "deadlineWarning",
        warn_at,
        None,
        now,
    )
    .await?;
    let open = vacancies(&*txn, &m).await?;
    events::log::append(
        &*txn,
        "committee",
        "CALL_OPENED",
        json!({ "callId": created.id, "meeting": m.code, "deadline": deadline.to_rfc3339(), "vacancies": open.len() }),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(created.id)
}

/// Fires call timers: announces the seats still without a nominee.
pub struct CallTimers;

impl Target for CallTimers {
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
            let Some(c) = call::Entity::find_by_id(timer.subject_id as i32)
                .one(&**txn)
                .await?
            else {
                return Ok(Outcome::Dropped("no such call".to_owned()));
            };
            let Some(m) = meeting::Entity::find_by_id(c.meeting_id)
                .one(&**txn)
                .await?
            else {
                return Ok(Outcome::Dropped("no such meeting".to_owned()));
            };
            let all = vacancies(&**txn, &m)
                .await
                .map_err(|_| DbErr::Custom("cannot compute vacancies".to_owned()))?;
            let missing = uncovered(&all);
            if missing.is_empty() {
                return Ok(Outcome::Fired("every vacancy has a nominee".to_owned()));
            }
            let seats: Vec<serde_json::Value> = missing
                .iter()
                .map(|v| json!({ "position": v.position.code, "seat": v.seat, "mandateId": v.mandate.id, "holder": v.mandate.state_iso3 }))
                .collect();
            events::log::append(
                &**txn,
                "committee",
                "CALL_DEADLINE_WARNING",
                json!({ "callId": c.id, "meeting": m.code, "deadline": c.deadline.to_rfc3339(), "uncovered": seats }),
                now,
            )
            .await?;
            Ok(Outcome::Fired(format!(
                "{} seats without a nominee",
                missing.len()
            )))
        })
    }
}

/// The calls for a meeting.
pub async fn calls<C: ConnectionTrait>(
    conn: &C,
    meeting_id: i32,
) -> Result<Vec<call::Model>, DbErr> {
    call::Entity::find()
        .filter(call::Column::MeetingId.eq(meeting_id))
        .order_by_asc(call::Column::Id)
        .all(conn)
        .await
}

/// Whether a date lies in a call's window (for nominations proposed under it).
pub fn under_call(c: &call::Model, proposed: DateTime<Utc>) -> bool {
    let created: DateTime<Utc> = c.created_at.into();
    let deadline: DateTime<Utc> = c.deadline.into();
    proposed >= created && proposed <= deadline
}
