//! Calls for nominations. A call covers a meeting's vacancies until a
//! deadline; as the deadline nears, the seats still without a nominee are
//! announced on `committeeUpdates`.

use chrono::{DateTime, Utc};
use entity::{call, meeting};
use futures_util::future::BoxFuture;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};

use super::vacancies::{uncovered, vacancies};
use crate::config::Policy;
use crate::db::{Db, WriteTxn};
use crate::error::ApiError;
use crate::events::event::UncoveredSeat;
use crate::events::{self, Event, Topic};
use crate::meetings::model::takes_nominations;
use crate::vocabulary::stored;
use crate::workflow::timers::{self, Outcome, Stop, Target};

pub const TARGET: &str = "call";

/// Opens a call for nominations for a meeting's vacancies.
pub async fn open_call(
    db: &Db,
    opened_by: &str,
    meeting_id: i32,
    deadline: DateTime<Utc>,
    note: Option<String>,
    policy: &Policy,
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
    takes_nominations(stored(&m.kind)?, stored(&m.status)?).map_err(|why| {
        ApiError::bad_input(format!(
            "calls are for meetings that decide nominations: the {} {why}",
            m.code
        ))
    })?;
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
    let warn_at = (deadline - chrono::Duration::days(policy.call_warning_days as i64)).max(now);
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
    events::append(
        &*txn,
        &Topic::Committee,
        None,
        &Event::CallOpened {
            call_id: created.id,
            meeting: m.code.clone(),
            deadline: deadline.to_rfc3339(),
            vacancies: open.len(),
        },
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
        Box::pin(async move { timers::settle(warn(txn, timer, now).await) })
    }
}

/// Warns that a call's deadline nears with seats still without a nominee.
async fn warn(
    txn: &WriteTxn,
    timer: &entity::timer::Model,
    now: DateTime<Utc>,
) -> Result<Outcome, Stop> {
    let found = call::Entity::find_by_id(timer.subject_id as i32)
        .one(&**txn)
        .await?;
    let c = timers::subject(found, "call")?;
    let found = meeting::Entity::find_by_id(c.meeting_id)
        .one(&**txn)
        .await?;
    let m = timers::subject(found, "meeting")?;
    let all = vacancies(&**txn, &m).await.map_err(|e| {
        DbErr::Custom(format!(
            "cannot compute vacancies: {} ({})",
            e.message(),
            e.code()
        ))
    })?;
    let missing = uncovered(&all);
    if missing.is_empty() {
        return Ok(Outcome::Fired("every vacancy has a nominee".to_owned()));
    }
    let seats: Vec<UncoveredSeat> = missing
        .iter()
        .map(|v| UncoveredSeat {
            position: v.position.code.clone(),
            seat: v.seat,
            mandate_id: v.mandate.id,
            holder: v.mandate.state_iso3.clone(),
        })
        .collect();
    let count = seats.len();
    events::append(
        &**txn,
        &Topic::Committee,
        None,
        &Event::CallDeadlineWarning {
            call_id: c.id,
            meeting: m.code.clone(),
            deadline: c.deadline.to_rfc3339(),
            uncovered: seats,
        },
        now,
    )
    .await?;
    Ok(Outcome::Fired(format!("{count} seats without a nominee")))
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
