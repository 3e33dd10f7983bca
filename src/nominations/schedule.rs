//! Nominations in time: the timers moves set (a consultation's deadline, the
//! deciding meeting's end), what a meeting's new dates or closing do to the
//! nominations it is to decide, renewals opened before a renewable mandate
//! ends, and the timer targets that fire all of these.

use chrono::{DateTime, Days, Utc};
use entity::{mandate, meeting, nomination, position, workflow_instance};
use futures_util::future::BoxFuture;
use sea_orm::{ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set};

use super::aggregate::{self, Loaded};
use super::definition::{self, NominationEvent, NominationState, Nominations, OPEN, Timer};
use super::moves::{self, Move, Proposal, system_actor};
use crate::committee::mandates::midnight;
use crate::config::Policy;
use crate::db::WriteTxn;
use crate::error::ApiError;
use crate::events::{self, Event, Topic};
use crate::meetings::model::{MeetingKind, MeetingStatus};
use crate::workflow::timers::{self, Outcome, Target};
use crate::workflow::{Fired, Named};

/// The event of a nomination's timers.
const LAPSE: &str = "lapse";

/// The `target` of renewal timers.
pub const RENEWAL_TARGET: &str = "renewal";

/// When a nomination still on the agenda of a meeting ending on `end` lapses.
fn lapse_at_end(meeting: &meeting::Model) -> Option<DateTime<Utc>> {
    meeting.ends_on.map(|end| midnight(end + Days::new(1)))
}

/// The timers a move's transition names: a lapse at the consultation's
/// deadline or at the deciding meeting's end, or the cancelling of a lapse
/// pending on a state the move leaves.
pub async fn after_move(
    txn: &WriteTxn,
    loaded: &Loaded,
    fired: &Fired<Nominations>,
    deadline: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let id = loaded.nomination.id;
    for timer in &fired.timers {
        let due = match timer {
            Timer::LapseAtDeadline => deadline,
            Timer::LapseAtMeetingEnd => lapse_at_end(&loaded.meeting),
            Timer::CancelLapse => {
                let why = format!("{} moved it to {}", fired.event.name(), fired.to);
                timers::cancel(&**txn, definition::NAME, &[id], LAPSE, &why).await?;
                None
            }
        };
        if let Some(due) = due {
            let version = Some(fired.instance.version);
            timers::schedule(&**txn, definition::NAME, id, LAPSE, due, version, now).await?;
        }
    }
    Ok(())
}

/// The open nominations a meeting is to decide, with their instances.
async fn open_at(
    txn: &WriteTxn,
    meeting_id: i32,
) -> Result<Vec<(nomination::Model, workflow_instance::Model)>, ApiError> {
    let nominations = nomination::Entity::find()
        .filter(nomination::Column::DecidingMeetingId.eq(meeting_id))
        .order_by_asc(nomination::Column::Id)
        .all(&**txn)
        .await?;
    let instances = workflow_instance::Entity::find()
        .filter(workflow_instance::Column::Id.is_in(nominations.iter().map(|n| n.id)))
        .filter(workflow_instance::Column::State.is_in(OPEN))
        .all(&**txn)
        .await?;
    Ok(nominations
        .into_iter()
        .filter_map(|n| {
            let instance = instances.iter().find(|i| i.id == n.id)?.clone();
            Some((n, instance))
        })
        .collect())
}

/// A meeting's dates changed: the open nominations it is to decide get the
/// term its new end opens, and those on its agenda lapse at its new end.
pub async fn meeting_moved(
    txn: &WriteTxn,
    meeting: &meeting::Model,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    for (n, instance) in open_at(txn, meeting.id).await? {
        if n.renews_mandate_id.is_none() {
            let position = position::Entity::find_by_id(n.position_id)
                .one(&**txn)
                .await?
                .ok_or_else(|| ApiError::broken("a nomination's position exists"))?;
            if let Some((start, end)) = aggregate::term(meeting, &position)
                && (start, end) != (n.term_starts_on, n.term_ends_on)
            {
                let id = n.id;
                let mut changes: nomination::ActiveModel = n.into();
                changes.term_starts_on = Set(start);
                changes.term_ends_on = Set(end);
                changes.updated_at = Set(now.fixed_offset());
                changes.update(&**txn).await?;
                events::append(
                    &**txn,
                    &Topic::nomination(id),
                    Some(&Topic::Meeting(meeting.id)),
                    &Event::TermChanged {
                        term_starts_on: start,
                        term_ends_on: end,
                        meeting: meeting.code.clone(),
                    },
                    now,
                )
                .await?;
            }
        }
        if instance.state == NominationState::OnAgenda.as_str()
            && let Some(due) = lapse_at_end(meeting)
        {
            timers::reschedule(
                &**txn,
                definition::NAME,
                instance.id,
                LAPSE,
                Some(instance.version),
                due,
            )
            .await?;
        }
    }
    Ok(())
}

/// A meeting concluded or was cancelled: what is still on its agenda lapses now.
pub async fn meeting_closed(
    txn: &WriteTxn,
    meeting_id: i32,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let ids: Vec<i64> = open_at(txn, meeting_id)
        .await?
        .into_iter()
        .map(|(n, _)| n.id)
        .collect();
    timers::bring_forward(&**txn, definition::NAME, &ids, LAPSE, now).await?;
    Ok(())
}

/// Sets the timer that opens a renewable mandate's renewal before it ends.
pub async fn renewal_due(
    txn: &WriteTxn,
    m: &mandate::Model,
    policy: &Policy,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    if let Some(end) = m.ends_on {
        let due = midnight(end - Days::new(policy.renewal_lead_days)).max(now);
        timers::schedule(
            &**txn,
            RENEWAL_TARGET,
            i64::from(m.id),
            "open",
            due,
            None,
            now,
        )
        .await?;
    }
    Ok(())
}

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
    let authorized = moves::authorize(NominationEvent::ProposeRenewal, &system_actor())?;
    let id = moves::propose_in(txn, &authorized, None, proposal, now).await?;
    Ok(Outcome::Fired(format!(
        "renewal nomination {id} for the {}",
        next.code
    )))
}

/// A timer's work failed: a refusal drops the timer, anything else is retried.
fn outcome_of(err: ApiError) -> Result<Outcome, DbErr> {
    match err {
        ApiError::Internal => Err(DbErr::Custom("a timer's work failed".to_owned())),
        ApiError::GuardFailed { reason, .. } => Ok(Outcome::Dropped(reason)),
        other => Ok(Outcome::Dropped(other.message().to_owned())),
    }
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
    let loaded = match aggregate::load(&**txn, timer.subject_id, true).await {
        Ok(loaded) => loaded,
        Err(ApiError::NotFound(_)) => {
            return Ok(Outcome::Dropped("no such nomination".to_owned()));
        }
        Err(e) => return Err(e),
    };
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
    let authorized = moves::authorize(NominationEvent::Lapse, &system_actor())?;
    let fired = moves::move_loaded(txn, &loaded, &authorized, None, &mv, policy, now).await?;
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
                .or_else(outcome_of)
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
                Ok(m) => open_renewal(txn, &m, now).await.or_else(outcome_of),
                Err(stop) => timers::settle(Err(stop)),
            }
        })
    }
}

/// The nominations' part in meetings' changes: terms follow a moved
/// deciding meeting, and what is on a closed meeting's agenda lapses.
pub struct NominationMeetingHook;

impl crate::meetings::hooks::MeetingHook for NominationMeetingHook {
    fn moved<'a>(
        &'a self,
        txn: &'a WriteTxn,
        meeting: &'a meeting::Model,
        now: DateTime<Utc>,
    ) -> futures_util::future::BoxFuture<'a, Result<(), ApiError>> {
        Box::pin(meeting_moved(txn, meeting, now))
    }

    fn closed<'a>(
        &'a self,
        txn: &'a WriteTxn,
        meeting: &'a meeting::Model,
        now: DateTime<Utc>,
    ) -> futures_util::future::BoxFuture<'a, Result<(), ApiError>> {
        Box::pin(meeting_closed(txn, meeting.id, now))
    }
}
