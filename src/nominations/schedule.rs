//! Nominations in time: the timers a move's transition names (a lapse at a
//! consultation's deadline or the deciding meeting's end, cancelled when the
//! state is left), what a meeting's new dates or closing do to the
//! nominations it is to decide (its meeting hook), and the renewal timer of
//! a renewable mandate. The targets that fire them live in `timers`.

use chrono::{DateTime, Days, Utc};
use entity::{mandate, meeting, nomination, position, workflow_instance};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use super::aggregate::{self, Loaded};
use super::definition::{self, NominationState, Nominations, OPEN, Timer};
use crate::committee::mandates::midnight;
use crate::config::Policy;
use crate::db::WriteTxn;
use crate::error::ApiError;
use crate::events::{self, Event, Topic};
use crate::workflow::timers;
use crate::workflow::{Fired, Named};

/// The event of a nomination's timers.
pub(super) const LAPSE: &str = "lapse";

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

/// The nominations' part in meetings' changes: terms follow a moved
/// deciding meeting, and what is on a closed meeting's agenda lapses.
pub struct NominationMeetingHook;

impl crate::meetings::hooks::MeetingHook for NominationMeetingHook {
    fn moved<'a>(
        &'a self,
        txn: &'a WriteTxn,
        _before: &'a meeting::Model,
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
