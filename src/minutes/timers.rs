//! The minutes' timer target: closes the comments of circulated minutes
//! when their deadline passes (the minutes stay circulated; approval waits
//! for it).

use chrono::{DateTime, Utc};
use entity::minutes;
use futures_util::future::BoxFuture;
use sea_orm::{ActiveModelTrait, DbErr, EntityTrait, Set};

use super::definition::{CIRCULATED, NAME};
use super::moves::COMMENTS_CLOSE;
use crate::db::WriteTxn;
use crate::events::{self, Event, Topic};
use crate::workflow::store;
use crate::workflow::timers::{self, Outcome, Stop, Target};

async fn close_comments(
    txn: &WriteTxn,
    timer: &entity::timer::Model,
    now: DateTime<Utc>,
) -> Result<Outcome, Stop> {
    if timer.event != COMMENTS_CLOSE {
        return Err(Stop::Dropped(format!("unknown event `{}`", timer.event)));
    }
    let row = timers::subject(
        minutes::Entity::find_by_id(timer.subject_id)
            .one(&**txn)
            .await?,
        "minutes",
    )?;
    let instance = timers::subject(store::load(&**txn, row.id).await?, "minutes instance")?;
    if instance.state != CIRCULATED || Some(instance.version) != timer.expected_version {
        return Err(Stop::Dropped(format!(
            "the minutes moved on ({} at version {})",
            instance.state, instance.version
        )));
    }
    let meeting_id = row.meeting_id;
    let mut changes: minutes::ActiveModel = row.into();
    changes.comments_closed_at = Set(Some(now.fixed_offset()));
    changes.update(&**txn).await?;
    let event = Event::MinutesCommentsClosed {
        minutes_id: timer.subject_id,
    };
    events::append(
        &**txn,
        &Topic::minutes(timer.subject_id),
        Some(&Topic::Meeting(meeting_id)),
        &event,
        now,
    )
    .await?;
    Ok(Outcome::Fired("comments closed".to_owned()))
}

/// Fires the minutes' timers.
pub struct MinutesTimers;

impl Target for MinutesTimers {
    fn name(&self) -> &'static str {
        NAME
    }

    fn fire<'a>(
        &'a self,
        txn: &'a WriteTxn,
        timer: &'a entity::timer::Model,
        now: DateTime<Utc>,
    ) -> BoxFuture<'a, Result<Outcome, DbErr>> {
        Box::pin(async move { timers::settle(close_comments(txn, timer, now).await) })
    }
}
