//! The topics' part in meetings' changes, in the change's transaction: a
//! topic scheduled on a meeting that is postponed, cancelled, or concludes
//! without taking it returns to ACCEPTED (to be scheduled again); a topic
//! before a committee meeting that is cancelled or concludes without
//! deciding returns to PROPOSED.

use chrono::{DateTime, Utc};
use entity::{meeting, topic_placement};
use futures_util::future::BoxFuture;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use super::model::{PlacementOutcome, PlacementPurpose};
use super::moves::follow_meeting;
use crate::db::WriteTxn;
use crate::error::ApiError;
use crate::meetings::hooks::MeetingHook;
use crate::meetings::model::MeetingStatus;
use crate::vocabulary::stored;

pub struct TopicMeetingHook;

/// The topics still on a meeting's agenda (their placement not ended).
async fn open_on(txn: &WriteTxn, meeting_id: i32) -> Result<Vec<topic_placement::Model>, ApiError> {
    Ok(topic_placement::Entity::find()
        .filter(topic_placement::Column::MeetingId.eq(meeting_id))
        .filter(topic_placement::Column::EndedAt.is_null())
        .order_by_asc(topic_placement::Column::Id)
        .all(&**txn)
        .await?)
}

async fn postponed(
    txn: &WriteTxn,
    before: &meeting::Model,
    after: &meeting::Model,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let later = match (before.starts_on, after.starts_on) {
        (Some(b), Some(a)) => a > b,
        _ => false,
    };
    if !later {
        return Ok(());
    }
    let discussion = PlacementPurpose::Discussion.as_str();
    for p in open_on(txn, after.id).await? {
        if p.purpose == discussion {
            let why = format!(
                "the {} was postponed to {}: to be scheduled again",
                after.code,
                after.starts_on.map(|d| d.to_string()).unwrap_or_default()
            );
            follow_meeting(txn, p, PlacementOutcome::Postponed, why, now).await?;
        }
    }
    Ok(())
}

async fn closed(txn: &WriteTxn, m: &meeting::Model, now: DateTime<Utc>) -> Result<(), ApiError> {
    let cancelled = stored::<MeetingStatus>(&m.status)? == MeetingStatus::Cancelled;
    let (outcome, why) = if cancelled {
        (
            PlacementOutcome::Cancelled,
            format!("the {} was cancelled", m.code),
        )
    } else {
        (
            PlacementOutcome::NotReached,
            format!("the {} concluded without taking the item", m.code),
        )
    };
    for p in open_on(txn, m.id).await? {
        follow_meeting(txn, p, outcome, why.clone(), now).await?;
    }
    Ok(())
}

impl MeetingHook for TopicMeetingHook {
    fn moved<'a>(
        &'a self,
        txn: &'a WriteTxn,
        before: &'a meeting::Model,
        meeting: &'a meeting::Model,
        now: DateTime<Utc>,
    ) -> BoxFuture<'a, Result<(), ApiError>> {
        Box::pin(postponed(txn, before, meeting, now))
    }

    fn closed<'a>(
        &'a self,
        txn: &'a WriteTxn,
        meeting: &'a meeting::Model,
        now: DateTime<Utc>,
    ) -> BoxFuture<'a, Result<(), ApiError>> {
        Box::pin(closed(txn, meeting, now))
    }
}
