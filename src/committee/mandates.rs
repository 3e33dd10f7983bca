//! Mandates in time: designating one (the seat it takes, the meeting where it
//! ends, its start and end announced on `committeeUpdates`), and the one rule
//! for "a mandate runs during a period".

use std::collections::BTreeSet;

use chrono::{DateTime, Days, NaiveDate, Utc};
use entity::{mandate, meeting, position};
use futures_util::future::BoxFuture;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

use crate::db::WriteTxn;
use crate::error::ApiError;
use crate::events::{self, Event, Topic};
use crate::meetings::model::{MeetingKind, MeetingStatus};
use crate::workflow::timers::{self, Outcome, Stop, Target};

/// The `target` of mandate timers.
pub const TARGET: &str = "mandate";

/// How far from a term's end a meeting's end may fall for the term to end there.
pub const ENDING_WINDOW_DAYS: u64 = 60;

/// Midnight UTC at the start of `date`.
pub fn midnight(date: NaiveDate) -> DateTime<Utc> {
    date.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
}

/// Mandates that run during some part of [start, end).
pub fn overlapping(start: NaiveDate, end: NaiveDate) -> Condition {
    Condition::all().add(mandate::Column::StartsOn.lt(end)).add(
        Condition::any()
            .add(mandate::Column::EndsOn.is_null())
            .add(mandate::Column::EndsOn.gt(start)),
    )
}

/// The seat a new mandate of `position` for [start, end) would take, if one is free.
pub async fn free_seat<C: ConnectionTrait>(
    conn: &C,
    position: &position::Model,
    start: NaiveDate,
    end: NaiveDate,
) -> Result<Option<i32>, DbErr> {
    let taken: BTreeSet<i32> = mandate::Entity::find()
        .filter(mandate::Column::PositionId.eq(position.id))
        .filter(overlapping(start, end))
        .all(conn)
        .await?
        .iter()
        .map(|m| m.seat)
        .collect();
    Ok((1..=position.seats).find(|s| !taken.contains(s)))
}

/// The position that `condition` selects, its row locked for the rest of the
/// transaction on PostgreSQL (SQLite has one writer): decisions about its
/// seats and nominations are taken one at a time.
pub async fn position_for_update<C: ConnectionTrait>(
    conn: &C,
    condition: impl sea_orm::sea_query::IntoCondition,
) -> Result<Option<position::Model>, DbErr> {
    let mut query = position::Entity::find().filter(condition);
    if conn.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        query = query.lock(sea_orm::sea_query::LockType::Update);
    }
    query.one(conn).await
}

/// The Meeting of States Parties or Review Conference at which a term ending
/// on `end` ends, where one is scheduled near that date.
async fn ending_meeting<C: ConnectionTrait>(
    conn: &C,
    end: NaiveDate,
) -> Result<Option<meeting::Model>, DbErr> {
    let window = Days::new(ENDING_WINDOW_DAYS);
    let candidates = meeting::Entity::find()
        .filter(meeting::Column::Kind.is_in([
            MeetingKind::Msp.as_str(),
            MeetingKind::ReviewConference.as_str(),
        ]))
        .filter(meeting::Column::Status.ne(MeetingStatus::Cancelled.as_str()))
        .filter(meeting::Column::EndsOn.gte(end - window))
        .filter(meeting::Column::EndsOn.lte(end + window))
        .order_by_asc(meeting::Column::EndsOn)
        .all(conn)
        .await?;
    Ok(candidates
        .into_iter()
        .min_by_key(|m| m.ends_on.map(|e| (e - end).num_days().abs())))
}

/// A mandate to create.
pub struct Designation<'a> {
    pub position: &'a position::Model,
    pub state: &'a str,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub designated_at: &'a meeting::Model,
    pub renews: Option<i32>,
    pub nomination_id: Option<i64>,
}

/// Creates a mandate in the lowest seat free for its whole term, links the
/// meeting where it ends, sets its start and end timers and announces it.
pub async fn designate(
    txn: &WriteTxn,
    d: Designation<'_>,
    now: DateTime<Utc>,
) -> Result<mandate::Model, ApiError> {
    position_for_update(&**txn, position::Column::Id.eq(d.position.id)).await?;
    let seat = free_seat(&**txn, d.position, d.starts_on, d.ends_on)
        .await?
        .ok_or_else(|| ApiError::GuardFailed {
            guard: "seatFree".to_owned(),
            reason: "no seat of the position is free for the whole term".to_owned(),
        })?;
    let ends_at = ending_meeting(&**txn, d.ends_on).await?;
    let source = match d.nomination_id {
        Some(id) => format!("selected at the {} (nomination {id})", d.designated_at.code),
        None => format!("designated at the {}", d.designated_at.code),
    };
    let created = mandate::ActiveModel {
        position_id: Set(d.position.id),
        state_iso3: Set(d.state.to_owned()),
        seat: Set(seat),
        starts_on: Set(d.starts_on),
        ends_on: Set(Some(d.ends_on)),
        designated_at_meeting_id: Set(Some(d.designated_at.id)),
        ends_at_meeting_id: Set(ends_at.map(|m| m.id)),
        renews_mandate_id: Set(d.renews),
        nomination_id: Set(d.nomination_id),
        attested_on: Set(None),
        source: Set(source),
        created_at: Set(now.fixed_offset()),
        ..Default::default()
    }
    .insert(&**txn)
    .await?;
    events::append(
        &**txn,
        &Topic::Committee,
        None,
        &Event::MandateDesignated {
            mandate_id: created.id,
            position: d.position.code.clone(),
            state: created.state_iso3.clone(),
            seat,
            starts_on: created.starts_on,
            ends_on: created.ends_on,
            meeting: d.designated_at.code.clone(),
            nomination_id: d.nomination_id,
        },
        now,
    )
    .await?;
    schedule(&**txn, &created, d.position, now).await?;
    Ok(created)
}

fn announced(m: &mandate::Model, position: &str, ended: bool) -> Event {
    let (mandate_id, state, seat) = (m.id, m.state_iso3.clone(), m.seat);
    let position = position.to_owned();
    if ended {
        Event::MandateEnded {
            mandate_id,
            position,
            state,
            seat,
            starts_on: m.starts_on,
            ends_on: m.ends_on,
        }
    } else {
        Event::MandateStarted {
            mandate_id,
            position,
            state,
            seat,
            starts_on: m.starts_on,
            ends_on: m.ends_on,
        }
    }
}

/// Sets a new mandate's start and end timers; a start already past is announced at once.
async fn schedule<C: ConnectionTrait>(
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
        let event = announced(m, &position.code, false);
        events::append(conn, &Topic::Committee, None, &event, now).await?;
    }
    if let Some(end) = m.ends_on {
        timers::schedule(conn, TARGET, id, "end", midnight(end), None, now).await?;
    }
    Ok(())
}

/// Links the mandates whose term ends near a newly dated meeting to it.
pub async fn meeting_dated(txn: &WriteTxn, m: &meeting::Model) -> Result<(), ApiError> {
    let kind: MeetingKind = crate::vocabulary::stored(&m.kind)?;
    let Some(end) = m.ends_on.filter(|_| kind.decides_nominations()) else {
        return Ok(());
    };
    let window = Days::new(ENDING_WINDOW_DAYS);
    mandate::Entity::update_many()
        .col_expr(mandate::Column::EndsAtMeetingId, m.id.into())
        .filter(mandate::Column::EndsAtMeetingId.is_null())
        .filter(mandate::Column::AttestedOn.is_null())
        .filter(mandate::Column::EndsOn.gte(end - window))
        .filter(mandate::Column::EndsOn.lte(end + window))
        .exec(&**txn)
        .await?;
    Ok(())
}

/// Fires mandate timers: a mandate's start and end.
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
        Box::pin(async move { timers::settle(announce(txn, timer, now).await) })
    }
}

/// Announces that a mandate started or ended.
async fn announce(
    txn: &WriteTxn,
    timer: &entity::timer::Model,
    now: DateTime<Utc>,
) -> Result<Outcome, Stop> {
    let found = mandate::Entity::find_by_id(timer.subject_id as i32)
        .one(&**txn)
        .await?;
    let m = timers::subject(found, "mandate")?;
    let found = position::Entity::find_by_id(m.position_id)
        .one(&**txn)
        .await?;
    let position = timers::subject(found, "position")?;
    let ended = match timer.event.as_str() {
        "start" => false,
        "end" => true,
        other => return Err(Stop::Dropped(format!("unknown event `{other}`"))),
    };
    let event = announced(&m, &position.code, ended);
    events::append(&**txn, &Topic::Committee, None, &event, now).await?;
    Ok(Outcome::Fired(
        if ended { "ended" } else { "started" }.to_owned(),
    ))
}

/// The mandates' part in meetings' changes: a dated meeting becomes the
/// ending meeting of the terms that end near it.
pub struct MandateMeetingHook;

impl crate::meetings::hooks::MeetingHook for MandateMeetingHook {
    fn dated<'a>(
        &'a self,
        txn: &'a WriteTxn,
        meeting: &'a meeting::Model,
        _now: chrono::DateTime<chrono::Utc>,
    ) -> futures_util::future::BoxFuture<'a, Result<(), ApiError>> {
        Box::pin(meeting_dated(txn, meeting))
    }
}
